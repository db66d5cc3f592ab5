from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .models import ActionPoint, AgendaItem, Meeting


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AcronymChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.acronym


class MeetingForm(forms.ModelForm):
    chair = AcronymChoice(queryset=Agency.objects.active(), required=False, label=_("Chair agency"))

    class Meta:
        model = Meeting
        fields = ["kind", "title", "date", "place", "online", "chair", "decisions"]
        widgets = {"date": DateInput(), "decisions": forms.Textarea(attrs={"rows": 5})}


class AgendaItemForm(forms.ModelForm):
    position = forms.IntegerField(
        label=_("Position"),
        min_value=1,
        max_value=999,
        required=False,
        help_text=_("Leave empty to add it after the last item."),
    )

    class Meta:
        model = AgendaItem
        fields = ["position", "title", "decision"]
        widgets = {"decision": forms.Textarea(attrs={"rows": 4})}


class ActionPointForm(forms.ModelForm):
    owner = AcronymChoice(queryset=Agency.objects.active(), label=_("Owner agency"))

    class Meta:
        model = ActionPoint
        fields = ["text", "agenda_item", "owner", "due_date"]
        widgets = {"due_date": DateInput()}

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.agenda_items.all()


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionPoint.Status.choices)
    done_on = forms.DateField(
        label=_("Done on"),
        required=False,
        widget=DateInput(),
        help_text=_("When it was done; today if left empty."),
    )
    note = forms.CharField(
        label=_("Progress note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConfirmDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, delete it"),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class ConfirmForm(forms.Form):
    """A button alone: the POST is the confirmation."""
