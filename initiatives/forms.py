from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .models import JointInitiative, Milestone


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _primary_among_priorities(form):
    field = form.fields["primary_priority"]
    field.label_from_instance = lambda p: f"({p.code}) {p.short_title}"
    field.help_text = _("The one it mainly serves; it must be among the priorities ticked.")


def _clean_primary(cleaned):
    primary, priorities = cleaned.get("primary_priority"), cleaned.get("priorities")
    if primary is not None and priorities is not None and primary not in priorities:
        raise forms.ValidationError(
            {"primary_priority": _("The primary priority must be one of its priorities.")}
        )
    return cleaned


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
            "lead_agency",
            "participating_agencies",
            "priorities",
            "primary_priority",
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
        _primary_among_priorities(self)

    def clean(self):
        return _clean_primary(super().clean())

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class ConfirmDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, delete this joint initiative"),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class InitiativeCreateForm(forms.ModelForm):
    """Validates a new initiative. The lead agency is the proposer's own, except for the
    secretariat, which chooses it. The agencies chosen are invited, and answer."""

    invited_agencies = forms.ModelMultipleChoiceField(
        label=_("Agencies to invite"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their focal points accept or decline on the initiative's page."),
    )

    class Meta:
        model = JointInitiative
        fields = [
            "title",
            "description",
            "lead_agency",
            "priorities",
            "primary_priority",
            "start_date",
            "end_date",
        ]
        widgets = InitiativeForm.Meta.widgets

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = Agency.objects.active()
        if not user.is_secretariat:
            del self.fields["lead_agency"]
        self.fields["invited_agencies"].queryset = Agency.objects.active()
        self.order_fields(["title", "description", "lead_agency", "invited_agencies"])
        self.fields["priorities"].label_from_instance = lambda p: f"({p.code}) {p.short_title}"
        self.fields["priorities"].required = True
        self.fields["priorities"].error_messages["required"] = _("Choose at least one priority.")
        _primary_among_priorities(self)

    def clean(self):
        return _clean_primary(super().clean())


class TransitionForm(forms.Form):
    """One step of the lifecycle, chosen among those the initiative allows."""

    to = forms.ChoiceField(label=_("New status"), choices=JointInitiative.Status.choices)
    results = forms.CharField(
        label=_("Results"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the initiative achieved. Required to complete it."),
    )
    people_reached = forms.IntegerField(
        label=_("People reached"),
        required=False,
        min_value=0,
        help_text=_("How many people the initiative reached, if it counts them (optional)."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why, for the initiative's history (optional)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, initiative, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s.value, s.label) for s in allowed]
        self.fields["version"].initial = initiative.version
        self.fields["results"].initial = initiative.results
        self.fields["people_reached"].initial = initiative.people_reached


class InviteForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency to invite"), queryset=Agency.objects.none())

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        # Those invited or taking part already are not offered; those that declined may be
        # asked again.
        asked = initiative.participations.exclude(status="declined").values("agency_id")
        self.fields["agency"].queryset = (
            Agency.objects.active().exclude(pk=initiative.lead_agency_id).exclude(pk__in=asked)
        )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your agency's answer"),
        choices=[("accept", _("Accept: we take part")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the initiative's history (optional)."),
    )


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_date", "owner_agency"]
        widgets = {"due_date": DateInput()}

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = initiative.participating_agencies.all() | (
            Agency.objects.filter(pk=initiative.lead_agency_id)
        )
        self.fields["owner_agency"].queryset = self.fields["owner_agency"].queryset.distinct()
        self.fields["owner_agency"].initial = initiative.lead_agency_id
