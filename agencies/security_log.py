"""The security log: record() writes one SecurityEvent; the receivers below record sign-ins,
sign-outs, failures and password and two-factor changes from Django's and allauth's signals.

Services record the changes they make (roles, deactivations, invitations) themselves, by
calling record() inside their own transaction; agencies.middleware records refused pages, and
agencies.adapters the sign-ins the rate limit refuses.
"""

import ipaddress
import logging

from allauth.account import signals as account_signals
from allauth.account.adapter import get_adapter
from django.apps import apps
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction

from .models import SecurityEvent

log = logging.getLogger(__name__)

Kind = SecurityEvent.Kind

# Words that would make a detail key a secret. record() is called with chosen keys, so this is
# a second line of defence: a careless caller's password or token is dropped, not stored.
SECRET_WORDS = ("password", "token", "code", "secret", "key", "session", "otp", "credential")
MAX_DETAIL_TEXT = 200


def record(kind, *, request=None, actor=None, subject=None, email="", **detail):
    """Write one event; never raise into the caller.

    Inside the caller's transaction the event is written in a savepoint of it: when the
    caller rolls back, the change it describes did not happen and the event goes too; when
    the insert fails, only the event is lost (logged), and the caller's transaction goes on.
    Sign-in failures and lock-outs happen outside any transaction, so they are committed at
    once, whatever the sign-in page answers next.
    """
    try:
        if actor is None and request is not None:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                actor = user
        event = SecurityEvent(
            kind=kind,
            actor=actor if actor is not None and actor.pk else None,
            subject=subject if subject is not None and subject.pk else None,
            email=str(email or "")[:254],
            detail=_clean(detail),
        )
        if request is not None:
            event.ip_address = client_ip(request)
            event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
            event.path = safe_path(request)[:300]
        with transaction.atomic():
            event.save()
        return event
    except Exception:
        # The log must not turn a sign-in or a change into an error page.
        log.exception("security event %s not recorded", kind)
        return None


def _clean(detail):
    clean = {}
    for key, value in detail.items():
        if any(word in key.lower() for word in SECRET_WORDS):
            continue
        if value is None or isinstance(value, bool | int | float):
            clean[key] = value
        else:
            clean[key] = str(value)[:MAX_DETAIL_TEXT]
    return clean


def safe_path(request):
    """The page's path with its secrets masked: an invitation's token and a password reset's
    key are in the path of the very pages that sign people in."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name, value in (match.kwargs if match else {}).items():
        text = str(value)
        if len(text) >= 16 or any(word in name.lower() for word in SECRET_WORDS):
            path = path.replace(text, "…")
    return path


def client_ip(request):
    """The client's address as allauth's rate limits see it (ALLAUTH_TRUSTED_PROXY_COUNT,
    ALLAUTH_TRUSTED_CLIENT_IP_HEADER), or None when it cannot be told."""
    try:
        ip = get_adapter(request).get_client_ip(request)
        return str(ipaddress.ip_address(ip))
    except (PermissionDenied, ImproperlyConfigured, ValueError, TypeError):
        return None


# -- receivers ------------------------------------------------------------------------------


def _signed_in(sender, request, user, **kwargs):
    record(Kind.SIGN_IN, request=request, actor=user, subject=user)


def _signed_out(sender, request, user, **kwargs):
    record(Kind.SIGN_OUT, request=request, actor=user, subject=user)


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # Django cleanses the password out of `credentials`; only the identifier is kept anyway.
    email = credentials.get("email") or credentials.get("username") or ""
    record(Kind.SIGN_IN_FAILED, request=request, email=email)


def _login_code_rejected(sender, request, user=None, **kwargs):
    email = getattr(user, "email", "")
    record(Kind.SIGN_IN_FAILED, request=request, subject=user, email=email, method="code")


def _user_event(kind):
    def receiver(sender, request, user, **kwargs):
        record(kind, request=request, actor=user, subject=user)

    return receiver


def _mfa_event(kind):
    def receiver(sender, request, user, authenticator=None, **kwargs):
        method = getattr(authenticator, "type", "") if authenticator is not None else ""
        record(kind, request=request, actor=user, subject=user, method=method)

    return receiver


# Kept at module level: signals hold receivers weakly.
RECEIVERS = {
    "password_changed": _user_event(Kind.PASSWORD_CHANGED),
    "password_set": _user_event(Kind.PASSWORD_SET),
    "password_reset": _user_event(Kind.PASSWORD_RESET),
    "authenticator_added": _mfa_event(Kind.MFA_ADDED),
    "authenticator_removed": _mfa_event(Kind.MFA_REMOVED),
    "authenticator_reset": _mfa_event(Kind.MFA_RESET),
    "authentication_failed": _mfa_event(Kind.MFA_FAILED),
}


def connect():
    """Called once, from AgenciesConfig.ready()."""
    uid = "agencies.security_log"
    auth_signals.user_logged_in.connect(_signed_in, dispatch_uid=f"{uid}.in")
    auth_signals.user_logged_out.connect(_signed_out, dispatch_uid=f"{uid}.out")
    auth_signals.user_login_failed.connect(_sign_in_failed, dispatch_uid=f"{uid}.failed")
    account_signals.login_code_rejected.connect(_login_code_rejected, dispatch_uid=f"{uid}.code")
    for name in ("password_changed", "password_set", "password_reset"):
        getattr(account_signals, name).connect(RECEIVERS[name], dispatch_uid=f"{uid}.{name}")
    # allauth.mfa's signals module loads its models: only when the app is installed.
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa import signals as mfa_signals

        for name in ("authenticator_added", "authenticator_removed", "authenticator_reset"):
            signal = getattr(mfa_signals, name, None)
            if signal is not None:
                signal.connect(RECEIVERS[name], dispatch_uid=f"{uid}.{name}")
        signal = getattr(mfa_signals, "authentication_failed", None)
        if signal is not None:
            signal.connect(RECEIVERS["authentication_failed"], dispatch_uid=f"{uid}.mfa_failed")


def prune(days=None):
    """Delete the events older than SECURITY_LOG_DAYS; returns how many. Daily, from beat."""
    days = settings.SECURITY_LOG_DAYS if days is None else days
    deleted, _ = SecurityEvent.objects.older_than(days).delete()
    if deleted:
        log.info("security log: %s events older than %s days deleted", deleted, days)
    return deleted
