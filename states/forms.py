from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from agencies.models import Agency
from geo.models import Country
from priorities.models import Priority

from .models import Engagement, FollowUp, SupportRequest

# The priorities engagements and requests serve unless a person says otherwise.
STATES_PRIORITIES = ("j", "k")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


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
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = self.STALE_HINT
        if "priorities" in self.fields:
            self.fields["priorities"].label_from_instance = _priority_label
            if not self.instance.pk:
                self.initial["priorities"] = list(
                    Priority.objects.filter(code__in=STATES_PRIORITIES)
                )
        if "country" in self.fields:
            self.fields["country"].queryset = Country.objects.order_by("name")

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class EngagementForm(VersionedForm):
    """The lead agency is chosen only by the secretariat, when the record is made; everyone
    else records for their own agency."""

    lead_agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Lead agency"))

    class Meta:
        model = Engagement
        fields = [
            "lead_agency",
            "date",
            "counterpart_kind",
            "country",
            "counterpart_name",
            "topic",
            "summary",
            "agencies",
            "priorities",
            "activities",
        ]
        widgets = {
            "date": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 6}),
            "agencies": forms.CheckboxSelectMultiple,
            "priorities": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, lead_agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_agency = None
        if self.instance.pk:
            self.fixed_agency = self.instance.lead_agency
        elif len(lead_agencies) == 1:
            self.fixed_agency = lead_agencies[0]
        if self.fixed_agency is None:
            self.fields["lead_agency"].queryset = lead_agencies
        else:
            del self.fields["lead_agency"]
        agencies = self.fields["agencies"]
        current = [a.pk for a in self.instance.agencies.all()] if self.instance.pk else []
        agencies.queryset = (
            (Agency.objects.filter(pk__in=current) | Agency.objects.active())
            .distinct()
            .order_by("acronym")
        )
        agencies.label_from_instance = lambda a: a.acronym
        agencies.required = False
        agencies.label = _("Other agencies involved")
        if self.fixed_agency is not None:
            agencies.queryset = agencies.queryset.exclude(pk=self.fixed_agency.pk)
            if self.instance.pk:
                self.initial["agencies"] = [pk for pk in current if pk != self.fixed_agency.pk]
        activities = self.fields["activities"]
        # The lead agency's own activities (and those already linked): all the portal's
        # would make a list of thousands.
        linked = [a.pk for a in self.instance.activities.all()] if self.instance.pk else []
        if self.fixed_agency is not None:
            own = Activity.objects.filter(agency=self.fixed_agency)
        else:
            # The secretariat, choosing the lead: every agency's activities under (j) or (k).
            own = Activity.objects.filter(priorities__code__in=STATES_PRIORITIES)
        activities.queryset = (
            (own | Activity.objects.filter(pk__in=linked))
            .distinct()
            .select_related("agency")
            .order_by("title")
        )
        activities.label_from_instance = lambda a: f"{a.agency.acronym}: {a.title}"
        activities.help_text = _("The activities this engagement is part of, if any.")

    @property
    def chosen_lead(self):
        return self.fixed_agency or self.cleaned_data.get("lead_agency")

    def service_fields(self):
        data = super().service_fields()
        data.pop("lead_agency", None)
        return data


class FollowUpForm(VersionedForm):
    class Meta:
        model = FollowUp
        fields = ["description", "owner_agency", "due_date"]
        widgets = {"due_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner_agency"]
        current = [self.instance.owner_agency_id] if self.instance.owner_agency_id else []
        owner.queryset = (
            (Agency.objects.filter(pk__in=current) | Agency.objects.active())
            .distinct()
            .order_by("acronym")
        )
        owner.label_from_instance = lambda a: a.acronym


class SupportRequestForm(VersionedForm):
    class Meta:
        model = SupportRequest
        fields = [
            "country",
            "requesting_body",
            "received_date",
            "subject",
            "description",
            "priorities",
        ]
        widgets = {
            "received_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 6}),
            "priorities": forms.CheckboxSelectMultiple,
        }


class StepForm(forms.Form):
    """One step of a request: assign (a lead agency), start, close (the outcome) or decline
    (why)."""

    lead_agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Lead agency"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, step, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        if step == "assign":
            lead = self.fields["lead_agency"]
            lead.queryset = Agency.objects.active().order_by("acronym")
            lead.label_from_instance = lambda a: a.acronym
        else:
            del self.fields["lead_agency"]
        note = self.fields["note"]
        if step == "close":
            note.label, note.required = _("Outcome"), True
            note.help_text = _("What the agencies did, and what came of it.")
        elif step == "decline":
            note.label, note.required = _("Why it is declined"), True
        if note.required:
            note.error_messages["required"] = _("This field is required.")
