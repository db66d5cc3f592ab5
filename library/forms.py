from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common.widgets import SearchableSelectMultiple
from geo.models import Country

from . import files, services
from .models import LibraryItem


class LibraryItemForm(forms.ModelForm):
    """Validates an item and its file; the service saves it.

    Staff and focal points share for their own agency, which stays among the item's
    agencies (without it they could no longer edit it); other member agencies may be
    named beside it, for joint work. The secretariat names any.
    """

    # A link typed without its scheme is read as https (Django 6's default, chosen now).
    url = LibraryItem._meta.get_field("url").formfield(assume_scheme="https")
    file = forms.FileField(
        label=_("File"),
        required=False,
        widget=forms.FileInput(attrs={"accept": files.ACCEPT}),
    )
    remove_file = forms.BooleanField(
        label=_("Remove the current file (give a link instead)"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = LibraryItem
        fields = [
            "kind",
            "title",
            "summary",
            "authors",
            "agencies",
            "year",
            "language",
            "url",
            "file",
            "remove_file",
            "priorities",
            "countries",
            "themes",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "agencies": forms.CheckboxSelectMultiple,
            "priorities": forms.CheckboxSelectMultiple,
            "countries": SearchableSelectMultiple(attrs={"size": 10}),
            "themes": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "countries": _(
                "The countries it is about, if any. Hold Ctrl (⌘ on a Mac) to choose several."
            ),
        }

    def __init__(self, *args, required_agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.required_agency = required_agency
        item = self.instance
        current = list(item.agencies.values_list("pk", flat=True)) if item.pk else []
        # An agency that left the GMG stays on the items it already shares.
        self.fields["agencies"].queryset = Agency.objects.filter(
            Q(is_active=True) | Q(pk__in=current)
        )
        self.fields["agencies"].label_from_instance = lambda a: f"{a.acronym} — {a.name}"
        self.fields["agencies"].required = True
        self.fields["agencies"].error_messages["required"] = services.AGENCY_REQUIRED
        if required_agency is not None:
            self.fields["agencies"].help_text = _(
                "%(agency)s, your agency, always shares it; tick the agencies that share it "
                "with yours. Their staff and focal points may edit it too."
            ) % {"agency": required_agency.acronym}
            if not item.pk:
                self.initial.setdefault("agencies", [required_agency.pk])
        self.fields["priorities"].label_from_instance = lambda p: f"({p.code}) {p.short_title}"
        self.fields["priorities"].required = True
        self.fields["priorities"].error_messages["required"] = services.PRIORITY_REQUIRED
        self.fields["countries"].queryset = Country.objects.order_by("name")
        self.fields["file"].help_text = _(
            "PDF, Word, Excel, PowerPoint or CSV, up to %(limit)s MB. Give a link or a file."
        ) % {"limit": files.max_bytes() // (1024 * 1024)}
        if item.pk and item.has_file:
            self.fields["file"].label = _("Replace the file")
            self.fields["file"].help_text = _(
                "Now: %(name)s (%(size)s). A new file replaces it. %(rules)s"
            ) % {
                "name": item.file_name,
                "size": filesizeformat(item.file_size),
                "rules": self.fields["file"].help_text,
            }
        else:
            del self.fields["remove_file"]
        if item.pk:
            self.fields["version"].initial = item.version
            # Without it the stale-edit check could be skipped.
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = _(
                "This form is out of date. Open the item again and redo your changes."
            )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            files.check(upload)
        return upload

    def clean(self):
        data = super().clean()
        if "url" not in self.errors and "file" not in self.errors:
            keeps_file = self.instance.has_file and not data.get("remove_file")
            has_file = bool(data.get("file")) or keeps_file
            url = data.get("url")
            if url and has_file:
                self.add_error("url", services.NOT_BOTH)
            elif not url and not has_file:
                self.add_error("url", services.LINK_OR_FILE)
        agencies = data.get("agencies")
        own = self.required_agency
        if own is not None and agencies is not None and own not in agencies:
            self.add_error(
                "agencies",
                ValidationError(
                    _("%(agency)s, your agency, must stay among its agencies.")
                    % {"agency": own.acronym},
                    code="own_agency",
                ),
            )
        return data

    def service_fields(self):
        """The cleaned data as keyword arguments for the library services."""
        data = dict(self.cleaned_data)
        for name in ("file", "remove_file", "version"):
            data.pop(name, None)
        return data


class ConfirmDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, delete this item and its file"),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("mark", _("Mark as reviewed")), ("withdraw", _("Withdraw the mark"))]
    )
