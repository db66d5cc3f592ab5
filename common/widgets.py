"""Form widgets shared by the apps."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchableSelectMultiple(forms.SelectMultiple):
    """A <select multiple> that the browser turns into a search box with removable chips.

    Tom Select does the enhancing: its script comes with django-tomselect, served from that
    package's static files (see static/js/picker.js for the wiring). Every option is still
    rendered into the page, as for a plain select, so that:
    - without the script (blocked, failed to load, or not yet loaded) the person has a
      working list box, and the form submits the same `name=value` pairs either way;
    - no autocomplete endpoint is needed: the lists are a few hundred places that every
      signed-in person may read anyway, and typing filters them in the browser at once.

    django-tomselect's own widgets fetch their options from an endpoint and render an empty
    <select>, which submits nothing without JavaScript; that is why only its script is used.
    """

    class Media:
        css = {
            "all": [
                "django_tomselect/vendor/tom-select/css/tom-select.default.min.css",
                "css/picker.css",
            ]
        }
        js = [
            forms.Script("django_tomselect/js/django-tomselect.min.js", defer=True),
            forms.Script("js/picker.js", defer=True),
        ]

    def __init__(self, attrs=None, **kwargs):
        super().__init__(attrs, **kwargs)
        # The words the script shows or speaks, translated here so the script carries none.
        self.attrs = {
            "data-picker": "",
            "data-picker-help": _(
                "Type a few letters, then press Enter or pick from the list to add a choice. "
                "Each choice shows in the box, with a button to remove it."
            ),
            "data-picker-placeholder": _("Type to search"),
            "data-picker-no-results": _("Nothing matches “%(query)s”."),
            "data-picker-remove": _("Remove %(item)s"),
            "data-picker-added": _("%(item)s added."),
            "data-picker-removed": _("%(item)s removed."),
            **self.attrs,
        }
