from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .models import Position

TEXT_HELP = _(
    "Plain text; a blank line between paragraphs. Every change of the text is kept as a new "
    "version, which agencies can compare with the one before."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _priority_labels(form):
    field = form.fields["priorities"]
    field.label_from_instance = lambda p: f"({p.code}) {p.short_title}"
    field.required = True
    field.error_messages["required"] = _("Choose at least one priority.")


class PositionCreateForm(forms.ModelForm):
    """A new draft. The lead agency is the drafter's own, except for the secretariat, which
    chooses it."""

    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 16}), help_text=TEXT_HELP
    )

    class Meta:
        model = Position
        fields = ["title", "kind", "summary", "lead_agency", "priorities"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "priorities": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "lead_agency": _(
                "The drafting agency: its staff and focal points write the text, its focal "
                "points move it through consultation and endorsement."
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = Agency.objects.active()
        if not user.is_secretariat:
            del self.fields["lead_agency"]
        _priority_labels(self)
        self.order_fields(["title", "kind", "lead_agency", "summary", "priorities", "text"])


class PositionEditForm(forms.ModelForm):
    """The details and the text. A changed text is saved as a new version."""

    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 16}), help_text=TEXT_HELP
    )
    change_note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=500,
        help_text=_("Required when the text changes: what changed and why (for the history)."),
    )
    # The version the editor started from; without it a stale form could not be detected.
    base_version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form is out of date. Open the position again and redo your edit.")
        },
    )

    class Meta:
        model = Position
        fields = ["title", "kind", "summary", "priorities"]
        widgets = PositionCreateForm.Meta.widgets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.current_version
        self.fields["text"].initial = current.text if current else ""
        self.fields["base_version"].initial = current.number if current else 0
        _priority_labels(self)

    def service_fields(self):
        return dict(self.cleaned_data)


class StageForm(forms.Form):
    """One step of the lifecycle, among those this person may take now."""

    to = forms.ChoiceField(label=_("Next stage"), widget=forms.RadioSelect)
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "For a consultation, the last day for comments; for an endorsement, the last day "
            "for heads of agency to answer."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why, for the history. Required to withdraw the position."),
    )

    def __init__(self, *args, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s.value, STEP_LABELS[s]) for s in steps]
        if len(steps) == 1:
            self.fields["to"].initial = steps[0].value


STEP_LABELS = {
    Position.Status.CONSULTATION: _("Put it to consultation: agencies comment on the text"),
    Position.Status.ENDORSEMENT: _(
        "Put it to endorsement: each agency's head endorses or declines the text as it stands"
    ),
    Position.Status.ADOPTED: _("Adopt and publish it"),
    Position.Status.WITHDRAWN: _("Withdraw it"),
}


class DeadlineForm(forms.Form):
    deadline = forms.DateField(label=_("New deadline"), widget=DateInput())


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write a comment.")},
    )


class ReplyForm(CommentForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Your reply")


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your agency's answer"),
        choices=[
            ("endorse", _("Endorse: my agency endorses this text")),
            ("decline", _("Decline: my agency does not endorse it")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown with your agency's answer (optional)."),
    )


class CompareForm(forms.Form):
    """Which two versions to compare, and how."""

    old = forms.TypedChoiceField(label=_("Compare version"), coerce=int)
    new = forms.TypedChoiceField(label=_("with version"), coerce=int)
    view = forms.ChoiceField(
        label=_("Show"),
        choices=[("side", _("Side by side")), ("inline", _("In one column"))],
        required=False,
    )

    def __init__(self, *args, numbers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(n, _("version %(number)s") % {"number": n}) for n in numbers]
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices
