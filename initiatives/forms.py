from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .models import JointInitiative


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class InitiativeForm(forms.ModelForm):
    """Validates an initiative's edit; the service saves it."""

    # Required: without it the stale-edit check would be skipped.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _(
                "This form is out of date. Open the initiative again and redo your changes."
            )
        },
    )

    class Meta:
        model = JointInitiative
        fields = [
            "title",
            "description",
            "status",
            "lead_agency",
            "participating_agencies",
            "priorities",
            "start_date",
            "end_date",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "participating_agencies": forms.CheckboxSelectMultiple,
            "priorities": forms.CheckboxSelectMultiple,
            "start_date": DateInput(),
            "end_date": DateInput(),
        }
        help_texts = {
            "lead_agency": _(
                "Its focal points may edit and delete the initiative, with the secretariat."
            ),
            "participating_agencies": _("The lead agency always takes part."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        current = [self.instance.lead_agency_id] if self.instance.lead_agency_id else []
        # An agency that left the GMG stays choosable where it is already on the initiative.
        agencies = Agency.objects.filter(is_active=True) | Agency.objects.filter(pk__in=current)
        self.fields["lead_agency"].queryset = agencies.distinct()
        self.fields["participating_agencies"].queryset = Agency.objects.active()
        self.fields["priorities"].label_from_instance = lambda p: f"({p.code}) {p.short_title}"
        self.fields["priorities"].required = True
        self.fields["priorities"].error_messages["required"] = _("Choose at least one priority.")

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class ConfirmDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, delete this joint initiative"),
        error_messages={"required": _("Tick the box to confirm.")},
    )
