from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError

from . import security_log
from .middleware import two_step_required


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No public sign-up: people join by invitation (agencies.services.invitation_accept)."""

    def is_open_for_signup(self, request):
        return False

    def pre_authenticate(self, request, **credentials):
        # allauth refuses a sign-in over ACCOUNT_RATE_LIMITS["login_failed"] here, before any
        # password is checked, so Django's user_login_failed never fires for it.
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            security_log.record(
                security_log.Kind.LOCKED_OUT, request=request, email=credentials.get("email", "")
            )
            raise


class PortalMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator):
        # Whoever must use two-step sign-in cannot switch off its only authenticator app.
        if authenticator.type != Authenticator.Type.TOTP:
            return True
        return not two_step_required(authenticator.user)
