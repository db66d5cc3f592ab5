"""Writes for people and invitations."""

import logging
import smtplib
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common import emails

from .models import Invitation, Role, User, hash_token

log = logging.getLogger(__name__)


def _check_role_and_agency(role, agency):
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role: %(role)s.") % {"role": role}})
    if role != Role.SECRETARIAT and agency is None:
        raise ValidationError({"agency": _("Everyone but the secretariat belongs to an agency.")})


@transaction.atomic
def member_create(*, email, role, agency=None, password=None, full_name=""):
    """Create a person directly (bootstrap and demo). With a password the address counts as
    verified, since an operator vouches for it; without one they must reset it to sign in."""
    email = email.strip().lower()
    _check_role_and_agency(role, agency)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Someone with this email address already exists.")})
    user = User(email=email, role=role, agency=agency, full_name=full_name)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=bool(password))
    return user


@transaction.atomic
def invitation_create(*, by, email, role, agency=None, full_name=""):
    """Record an invitation and email its link once the transaction commits.

    The email's outcome is on the returned invitation as `email_error` (see _email_on_commit):
    a mail outage leaves the invitation saved, to be sent again or revoked.
    """
    email = email.strip().lower()
    _check_role_and_agency(role, agency)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("This person already has an account.")})
    if Invitation.objects.pending().filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An invitation to this address is already pending.")})
    token = Invitation.new_token()
    invitation = Invitation(
        email=email,
        full_name=full_name,
        agency=agency,
        role=role,
        token_hash=hash_token(token),
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    _email_on_commit(invitation, token, inviter=by)
    return invitation


@transaction.atomic
def invitation_resend(invitation, *, by):
    """Email a pending or expired invitation again, with a new link valid for another
    INVITATION_DAYS from now.

    Only the token's hash is kept, so the old link cannot be sent again: it stops working.
    An expired invitation is renewed unless the person joined, or was invited again, since.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.can_be_sent_again:
        raise ValidationError(_("This invitation is no longer pending."))
    if invitation.status == Invitation.Status.EXPIRED:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("This person already has an account."))
        if Invitation.objects.pending().filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("An invitation to this address is already pending."))
    token = Invitation.new_token()
    invitation.token_hash = hash_token(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    _email_on_commit(invitation, token, inviter=invitation.invited_by or by)
    return invitation


def _email_on_commit(invitation, token, *, inviter):
    """Send the link after commit and note the outcome on `invitation.email_error`.

    None until the transaction commits, "" once the mail server took the message, else why
    it did not. The email is sent in the request rather than queued: the inviter hears at once
    whether it went (a refused address is often a typo), and the token, which exists in clear
    only here, is kept out of the outbox table and the broker.
    """
    invitation.email_error = None
    link = settings.SITE_URL + reverse("agencies:invitation-accept", args=[token])
    context = {"invitation": invitation, "link": link, "inviter": inviter}

    def send():
        try:
            emails.send("invitation", invitation.email, context)
        except (smtplib.SMTPException, OSError) as exc:
            # The invitation is saved whatever the mail server says: a mail outage must not
            # turn it into an error page. The inviter is told, and can send it again.
            log.warning("invitation %s to %s not sent: %r", invitation.pk, invitation.email, exc)
            invitation.email_error = str(exc) or type(exc).__name__
        else:
            invitation.email_error = ""

    transaction.on_commit(send)


def invitation_by_token(token):
    """The pending invitation for a token, or None."""
    return (
        Invitation.objects.pending()
        .select_related("agency")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(invitation, *, full_name, password):
    """Turn an invitation into an account. Following the emailed link proves the address."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("This invitation is no longer valid."))
    user = member_create(
        email=invitation.email,
        role=invitation.role,
        agency=invitation.agency,
        password=password,
        full_name=full_name,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


@transaction.atomic
def invitation_revoke(invitation):
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    )
