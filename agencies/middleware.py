"""Limits on a signed-in session (how long it may sit idle, how long it may last, and what an
account that must use two-step sign-in may reach before it has set it up), and the security
log's record of refused pages."""

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import security_log

SIGNED_IN_AT = "gmg_signed_in_at"
LAST_SEEN = "gmg_last_seen"
# Activity is written to the session at most this often (seconds), not at every request.
STAMP_EVERY = 60


def start_session_clock(request):
    """Called at each sign-in: both limits count from now."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


def start_session_clock_at_sign_in(sender, request, user, **kwargs):
    # Django's login() cycles the session key but keeps its data when the same person signs
    # in again: the clocks must still restart from this sign-in.
    if request is not None and hasattr(request, "session"):
        start_session_clock(request)


class SessionTimeoutMiddleware:
    """Signs out a session idle for settings.SESSION_IDLE_TIMEOUT, or begun more than
    settings.SESSION_COOKIE_AGE ago. Django's own expiry slides: every time the session is
    saved (which the activity stamp does) the cookie and row get a fresh SESSION_COOKIE_AGE,
    so the absolute limit is kept here, from the sign-in time stored in the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        now = time.time()
        signed_in_at = session.get(SIGNED_IN_AT)
        last_seen = session.get(LAST_SEEN)
        if signed_in_at is None:
            # A session from before these limits, or a sign-in outside allauth (accepting an
            # invitation): its clock starts now.
            start_session_clock(request)
            return None
        if now - signed_in_at > settings.SESSION_COOKIE_AGE:
            reason = _("You were signed out: sessions last at most %(hours)s hours.") % {
                "hours": settings.SESSION_COOKIE_AGE // 3600
            }
        elif last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
            reason = _("You were signed out after %(minutes)s minutes without activity.") % {
                "minutes": settings.SESSION_IDLE_TIMEOUT // 60
            }
        else:
            if last_seen is None or now - last_seen >= STAMP_EVERY:
                session[LAST_SEEN] = now
            return None
        logout(request)
        messages.info(request, reason + " " + _("Sign in again to continue."))
        return redirect_to_login(request.get_full_path())


# What an account that must set up two-step sign-in may still reach: the set-up itself (and
# the password or code check allauth asks for before it), and signing out. Static files are
# answered before this middleware (WhiteNoise), as are no other pages. View names, so that a
# name in another namespace cannot match.
SET_UP_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_generate_recovery_codes",
        "account_logout",
        "account_reauthenticate",
        "account_request_reauthentication_code",
        "account_confirm_reauthentication_code",
        "healthz",
        "security-txt",
        "favicon",
    }
)


def two_step_required(user):
    return (
        settings.GMG_TWO_STEP_REQUIRED_FOR_SECRETARIAT
        and user.is_authenticated
        and user.is_secretariat
    )


def must_set_up_two_step(user):
    return two_step_required(user) and not is_mfa_enabled(user, [Authenticator.Type.TOTP])


class RequireTwoStepMiddleware:
    """The secretariat and superusers without an authenticator app reach only its set-up
    pages and sign-out: they may change every agency's records, so a password alone (which
    can be guessed, phished or reused) must not be enough. A middleware, not an allauth
    hook, because it must hold for sessions begun before the rule and for every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in SET_UP_URL_NAMES:
            return None
        if not must_set_up_two_step(request.user):
            return None
        messages.warning(
            request,
            _(
                "Members of the GMG secretariat and administrators must use two-step sign-in. "
                "Set up an authenticator app to continue."
            ),
        )
        return redirect("mfa_activate_totp")


class SecurityLogMiddleware:
    """Record each PermissionDenied (a 403) a view raises.

    Only 403s: the access gates answer 404 for records one may not even know exist, and a 404
    is also every mistyped address and every crawler, so logging those would bury the
    refusals that matter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            security_log.record(
                security_log.Kind.ACCESS_DENIED, request=request, http_method=request.method
            )
        return None
