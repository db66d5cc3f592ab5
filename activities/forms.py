import copy

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common.widgets import SearchableSelectMultiple
from geo.models import Country, Region

from .models import Activity
from .rules import PRIORITY_REQUIRED, validate_activity
from .services import SCALAR_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ActivityForm(forms.ModelForm):
    """Validates and normalises an activity; the service saves it.

    The agency is chosen only by the secretariat; everyone else logs for their own.
    """

    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Activity
        fields = [
            "agency",
            "reference",
            "title",
            "description",
            "language",
            "kind",
            "status",
            "start_date",
            "end_date",
            "countries",
            "regions",
            "priorities",
            "target_groups",
            "themes",
            "partners",
            "contact_name",
            "contact_email",
            "initiative",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 6}),
            # Searchable, with the chosen places as removable chips; a plain list box
            # (hence the Ctrl hint below) where the script does not run.
            "countries": SearchableSelectMultiple(attrs={"size": 10}),
            "regions": SearchableSelectMultiple(attrs={"size": 8}),
            "priorities": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
            "partners": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "countries": _("Hold Ctrl (⌘ on a Mac) to choose several."),
        }

    def __init__(self, *args, agencies, initiatives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fixed_agency = None
        if self.instance.pk:
            # An activity stays with the agency that logged it.
            self.fixed_agency = self.instance.agency
            self.fields["version"].initial = self.instance.version
            # Without it the stale-edit check could be skipped.
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = _(
                "This form is out of date. Open the activity again and redo your changes."
            )
        elif len(agencies) == 1:
            # Staff and focal points log for their own agency; there is nothing to choose.
            self.fixed_agency = agencies[0]
        if self.fixed_agency is not None:
            del self.fields["agency"]
        self.fields["countries"].queryset = Country.objects.order_by("name")
        self.fields["regions"].queryset = Region.objects.order_by("level", "name")
        self.fields["partners"].queryset = Agency.objects.active()
        self.fields["priorities"].label_from_instance = lambda p: f"({p.code}) {p.short_title}"
        # Marked required on the page; an empty choice is refused in the rule's words.
        self.fields["priorities"].required = True
        self.fields["priorities"].error_messages["required"] = PRIORITY_REQUIRED
        if initiatives is not None:
            self.fields["initiative"].queryset = initiatives
        self.fields["initiative"].queryset = self.fields["initiative"].queryset.order_by("title")

    def clean(self):
        data = super().clean()
        # The register's rules, run on an unsaved copy, to show mistakes before the
        # save; the service runs the same function again and remains the authority.
        candidate = copy.copy(self.instance)
        candidate.agency = self.owning_agency
        for name in SCALAR_FIELDS:
            if name in data:
                setattr(candidate, name, data[name])
        try:
            validate_activity(
                candidate,
                priorities=data.get("priorities") or [],
                countries=data.get("countries") or [],
                regions=data.get("regions") or [],
                partners=data.get("partners") or [],
                exclude=set(self.errors),
            )
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data

    @property
    def owning_agency(self):
        return self.fixed_agency or self.cleaned_data.get("agency")

    def service_fields(self):
        """The cleaned data as keyword arguments for the activity services."""
        data = dict(self.cleaned_data)
        data.pop("agency", None)
        data.pop("version", None)
        return data


class ConfirmDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, delete this activity"),
        error_messages={"required": _("Tick the box to confirm.")},
    )
