from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .models import ActionPoint, AgendaItem, Meeting, WorkingGroup


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


class AcronymChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.acronym} – {obj.name}"


class WorkingGroupForm(forms.ModelForm):
    co_chairs = AcronymChoices(
        queryset=Agency.objects.active().order_by("acronym"),
        label=_("Co-chair agencies"),
        help_text=_("A co-chair is a member too: tick it under the members as well."),
    )
    members = AcronymChoices(
        queryset=Agency.objects.active().order_by("acronym"),
        label=_("Member agencies"),
        required=False,
    )

    class Meta:
        model = WorkingGroup
        fields = ["name", "mandate", "co_chairs", "members"]
        labels = {"mandate": _("Description and mandate")}
        widgets = {"mandate": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # An agency that has since left stays listed, so that saving does not drop it.
            current = [*self.instance.co_chairs.all(), *self.instance.members.all()]
            agencies = (
                Agency.objects.active() | Agency.objects.filter(pk__in=[a.pk for a in current])
            ).order_by("acronym")
            self.fields["co_chairs"].queryset = agencies
            self.fields["members"].queryset = agencies

    def service_fields(self):
        data = self.cleaned_data
        return {
            "name": data["name"],
            "mandate": data["mandate"],
            "co_chairs": list(data["co_chairs"]),
            "members": list(data["members"]),
        }


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
