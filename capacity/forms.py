from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from priorities.models import Priority

from .models import Training, Transfer
from .services import CAPACITY_PRIORITY


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
        priorities = self.fields["priorities"]
        priorities.label_from_instance = _priority_label
        priorities.required = False
        priorities.help_text = _(
            "Priority (l) is always among them: capacity building across the group serves it."
        )
        if not self.instance.pk:
            self.initial["priorities"] = list(Priority.objects.filter(code=CAPACITY_PRIORITY))

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class TrainingForm(VersionedForm):
    """A joint training. The lead agency is chosen only by the secretariat, and only when the
    training is recorded; everyone else records for their own agency."""

    lead_agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Lead agency"))

    class Meta:
        model = Training
        fields = [
            "lead_agency",
            "title",
            "description",
            "start_date",
            "end_date",
            "online",
            "country",
            "city",
            "cancelled",
            "organisers",
            "materials",
            "priorities",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "materials": forms.Textarea(attrs={"rows": 3}),
            "organisers": forms.CheckboxSelectMultiple,
            "priorities": forms.CheckboxSelectMultiple,
        }
        help_texts = {"cancelled": _("Planned or held follows from the dates.")}

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
        organisers = self.fields["organisers"]
        current = list(self.instance.organisers.all()) if self.instance.pk else []
        choices = Agency.objects.active() | Agency.objects.filter(pk__in=[a.pk for a in current])
        if self.fixed_agency is not None:
            choices = choices.exclude(pk=self.fixed_agency.pk)
        organisers.queryset = choices.distinct().order_by("acronym")
        organisers.label = _("With the agencies")
        organisers.required = False
        organisers.help_text = _("The other organising agencies; the lead agency is always one.")
        if self.instance.pk:
            self.initial["organisers"] = [
                a.pk for a in current if a.pk != self.instance.lead_agency_id
            ]

    @property
    def chosen_lead(self):
        return self.fixed_agency or self.cleaned_data.get("lead_agency")

    def service_fields(self):
        data = super().service_fields()
        data.pop("lead_agency", None)
        return data


class ParticipantsForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))
    participants = forms.IntegerField(label=_("Number of participants"), min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("acronym")
        self.fields["agency"].label_from_instance = lambda a: a.acronym


class BaseParticipantsFormSet(forms.BaseFormSet):
    def clean(self):
        """Each agency once: a second row of the same agency is an error on that row."""
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            agency = form.cleaned_data.get("agency")
            if agency is None:
                continue
            if agency.pk in seen:
                form.add_error(
                    "agency",
                    _("%(agency)s is already listed above.") % {"agency": agency.acronym},
                )
            seen.add(agency.pk)

    def rows(self):
        """[(agency, number)] of the filled rows; call on a valid formset."""
        return [
            (form.cleaned_data["agency"], form.cleaned_data["participants"])
            for form in self.forms
            if form.has_changed()
            and not self._should_delete_form(form)
            and form.cleaned_data.get("agency")
        ]


ParticipantsFormSet = forms.formset_factory(
    ParticipantsForm, formset=BaseParticipantsFormSet, extra=3, can_delete=True, max_num=100
)


def participants_formset(data, training=None):
    initial = []
    if training is not None and training.pk:
        initial = [
            {"agency": row.agency_id, "participants": row.participants}
            for row in training.participants.all()
        ]
    return ParticipantsFormSet(data, initial=initial, prefix="participants")


class TransferForm(VersionedForm):
    class Meta:
        model = Transfer
        fields = [
            "kind",
            "person_name",
            "from_agency",
            "to_agency",
            "start_date",
            "end_date",
            "purpose",
            "priorities",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "priorities": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, own_agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_agencies = own_agencies
        for name in ("from_agency", "to_agency"):
            field = self.fields[name]
            field.queryset = Agency.objects.order_by("acronym")
            field.label_from_instance = lambda a: a.acronym

    def clean(self):
        cleaned = super().clean()
        own = {agency.pk for agency in self.own_agencies}
        ends = [cleaned.get("from_agency"), cleaned.get("to_agency")]
        if all(ends) and not any(agency.pk in own for agency in ends):
            self.add_error(
                "from_agency",
                _("You can record only transfers from or to your own agency."),
            )
        return cleaned


class ConfirmDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, delete it"),
        error_messages={"required": _("Tick the box to confirm.")},
    )
