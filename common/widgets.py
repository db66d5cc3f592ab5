"""Form widgets shared by the apps."""

import hashlib

from django import forms
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# A select's HTML is kept a day at most; most are asked for again within minutes.
KEPT_SELECT_TIMEOUT = 24 * 60 * 60


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


class KeptSelect(forms.Select):
    """A <select> whose HTML is kept in the shared cache, under a key made of everything it
    is rendered from: its name, the chosen value, its attributes, every option and the
    language. A list of 250 countries costs milliseconds of template rendering per request
    and is the same for nearly everyone; whatever changes (an option renamed, another value
    chosen, an error's aria-invalid) makes another key, so the kept HTML is never stale."""

    def render(self, name, value, attrs=None, renderer=None):
        made_of = repr(
            (
                self.template_name,
                self.option_template_name,
                name,
                self.format_value(value),
                sorted({**self.attrs, **(attrs or {})}.items()),
                [(str(v), str(label)) for v, label in self.choices],
                translation.get_language(),
            )
        )
        key = "kept-select:" + hashlib.sha256(made_of.encode()).hexdigest()
        html = cache.get(key)
        if html is None:
            html = super().render(name, value, attrs, renderer)
            cache.set(key, html, KEPT_SELECT_TIMEOUT)
        return html
