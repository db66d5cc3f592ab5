from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import PairNotifications

from .models import OverlapFlag

OUT_OF_DATE = _("This page is out of date. Open the pair again and try once more.")


class FlagVersionForm(forms.Form):
    """Carries the version of the pair the page showed, for the services' stale check."""

    # Required: without it the stale check would be skipped.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE, "min_value": OUT_OF_DATE},
    )

    def __init__(self, *args, flag=None, **kwargs):
        super().__init__(*args, **kwargs)
        if flag is not None:
            self.fields["version"].initial = flag.version


class DecisionForm(FlagVersionForm):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[(status.value, status.label) for status in OverlapFlag.DECISIONS],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why you decided so; both agencies can read it."),
    )

    field_order = ["status", "note", "version"]


class InitiativeForm(FlagVersionForm):
    """The one-click joint initiative: nothing to fill in but the version it was shown with."""


class PairNotificationsForm(forms.Form):
    pair_notifications = forms.ChoiceField(
        label=_("When a pair of activities that concerns you is decided or commented on"),
        choices=PairNotifications.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "You hear of a pair as a focal point of one of its agencies or as the contact "
            "of one of its activities."
        ),
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
