from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from agencies.models import Role, User
from common.widgets import KeptSelect

from .models import DigestDelivery, DigestPreference, Frequency


def default_frequency(user):
    """Without a saved choice, heads of agencies get the digest weekly and others never."""
    return Frequency.WEEKLY if user.role == Role.HEAD else Frequency.NEVER


class PreferenceForm(forms.ModelForm):
    frequency = forms.ChoiceField(
        label=_("How often do you want the digest?"),
        choices=Frequency.choices,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(label=_("Language of the digest"), choices=settings.LANGUAGES)

    class Meta:
        model = DigestPreference
        fields = ["frequency", "language"]


class ArchiveFilterForm(forms.Form):
    """The secretariat's filter on the archive."""

    # Everyone who ever received a digest: hundreds of options, the same on every visit
    # until someone new receives one or is renamed, kept rendered (KeptSelect's key is
    # made of every option).
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Anyone"),
        widget=KeptSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *DigestDelivery.Status.choices],
        required=False,
        widget=KeptSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.filter(
            pk__in=DigestDelivery.objects.values("recipient_id")
        ).order_by("full_name", "email")


class PreviewForm(forms.Form):
    """The secretariat previews anyone's digest."""

    recipient = forms.ModelChoiceField(
        label=_("Preview the digest of"),
        queryset=User.objects.filter(is_active=True).order_by("full_name", "email"),
        required=False,
        empty_label=_("Myself"),
    )
