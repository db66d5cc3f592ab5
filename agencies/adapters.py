from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No public sign-up: people join by invitation (agencies.services.invitation_accept)."""

    def is_open_for_signup(self, request):
        return False
