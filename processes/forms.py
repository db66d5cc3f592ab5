from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from priorities.models import Priority

from .models import Contribution, Event, Process
from .services import PROCESSES_PRIORITY


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _formfield(field, **kwargs):
    # An address typed without its scheme is taken as https, as browsers now do (and as
    # Django 6 will by default).
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


def _priority_label(priority):
    return f"({priority.code}) {priority.short_title}"


class VersionedForm(forms.ModelForm):
    """An edit form that carries the version it was loaded with (see services.StaleEditError)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    STALE_HINT = _("This form is out of date. Open the page again and redo your changes.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # Without it the stale-edit check could be skipped.
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = self.STALE_HINT

    def service_fields(self):
        """The cleaned data as keyword arguments for the services."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class ProcessForm(VersionedForm):
    class Meta:
        model = Process
        formfield_callback = _formfield
        fields = ["name", "acronym", "kind", "description", "website"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "acronym": _("As people call it: “GFMD”, “HLD”. Used in lists and in its address."),
        }


class EventForm(VersionedForm):
    class Meta:
        model = Event
        formfield_callback = _formfield
        fields = [
            "title",
            "place",
            "start_date",
            "end_date",
            "contribution_deadline",
            "description",
            "website",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "contribution_deadline": DateInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
        }


class ContributionForm(VersionedForm):
    """One agency's contribution, or (joint=True) a joint input: validated here, saved by the
    services, which keep the agencies and priorities in step.

    The lead agency is chosen only by the secretariat, and only when the record is made;
    everyone else records for their own agency.
    """

    lead_agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))

    class Meta:
        model = Contribution
        formfield_callback = _formfield
        fields = [
            "lead_agency",
            "kind",
            "title",
            "summary",
            "date",
            "link",
            "agencies",
            "initiative",
            "priorities",
        ]
        widgets = {
            "date": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 6}),
            "agencies": forms.CheckboxSelectMultiple,
            "priorities": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, event, joint, lead_agencies, initiatives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.joint = joint
        self.fixed_agency = None
        if self.instance.pk:
            self.fixed_agency = self.instance.lead_agency
        elif len(lead_agencies) == 1:
            self.fixed_agency = lead_agencies[0]
        if self.fixed_agency is None:
            self.fields["lead_agency"].queryset = lead_agencies
            if joint:
                self.fields["lead_agency"].label = _("Lead agency")
                self.fields["lead_agency"].help_text = _("The agency that drafts it.")
        else:
            del self.fields["lead_agency"]

        if joint:
            agencies = self.fields["agencies"]
            current = list(self.instance.agencies.all()) if self.instance.pk else []
            choices = Agency.objects.active() | Agency.objects.filter(
                pk__in=[a.pk for a in current]
            )
            if self.fixed_agency is not None:
                choices = choices.exclude(pk=self.fixed_agency.pk)
            agencies.queryset = choices.distinct().order_by("acronym")
            agencies.label = _("With the agencies")
            agencies.required = True
            agencies.help_text = _("The lead agency is always one of them.")
            agencies.error_messages["required"] = _(
                "A joint input names at least one agency besides its lead."
            )
            if self.instance.pk:
                self.initial["agencies"] = [
                    a.pk for a in current if a.pk != self.instance.lead_agency_id
                ]
            initiative = self.fields["initiative"]
            if initiatives is not None:
                initiative.queryset = initiatives
            initiative.queryset = initiative.queryset.order_by("title")
            initiative.help_text = _("The joint initiative whose work this input carries, if any.")
        else:
            del self.fields["agencies"]
            del self.fields["initiative"]

        priorities = self.fields["priorities"]
        priorities.label_from_instance = _priority_label
        priorities.required = False
        priorities.help_text = _(
            "Priority (e) is always among them: every contribution to a major process serves it."
        )
        if not self.instance.pk:
            # A new record's model values are empty; these are what most contributions have.
            self.initial["date"] = event.start_date
            self.initial["priorities"] = list(Priority.objects.filter(code=PROCESSES_PRIORITY))

    @property
    def chosen_lead(self):
        return self.fixed_agency or self.cleaned_data.get("lead_agency")

    def service_fields(self):
        data = super().service_fields()
        data.pop("lead_agency", None)
        return data


class ConfirmDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, delete it"),
        error_messages={"required": _("Tick the box to confirm.")},
    )
