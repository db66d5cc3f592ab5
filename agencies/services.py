"""Writes for people and invitations."""

import logging
import smtplib
from datetime import timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common import emails

from . import access, security_log
from .models import Agency, Invitation, Role, User, hash_token

Kind = security_log.Kind

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
    _refuse_known_address(email, by=by, field="email")
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
    _record_invitation(Kind.INVITATION_SENT, invitation, by=by)
    _email_on_commit(invitation, token, inviter=by)
    return invitation


def _record_invitation(kind, invitation, *, by, subject=None):
    security_log.record(
        kind,
        actor=by,
        subject=subject,
        email=invitation.email,
        role=invitation.role,
        agency=invitation.agency.acronym if invitation.agency_id else "",
    )


def _refuse_known_address(email, *, by, field=None):
    """Refuse to invite an address that already has an account or a pending invitation, as
    far as the inviter can see them: the secretariat everywhere, a focal point within their
    own agency. Elsewhere the invitation goes out as any other would (whoever accepts second
    is told their account exists), so that a focal point cannot probe the portal for who
    has an account at another agency, or who another agency is inviting."""
    people, invitations = User.objects.all(), Invitation.objects.all()
    if not by.is_secretariat:
        people, invitations = access.people_managed_by(by), access.invitations_visible_to(by)
    if people.filter(email__iexact=email).exists():
        message = _("This person already has an account.")
    elif invitations.pending().filter(email__iexact=email).exists():
        message = _("An invitation to this address is already pending.")
    else:
        return
    raise ValidationError({field: message} if field else message)


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
        _refuse_known_address(invitation.email, by=by)
    token = Invitation.new_token()
    invitation.token_hash = hash_token(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    _record_invitation(Kind.INVITATION_RESENT, invitation, by=by)
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
    _record_invitation(Kind.INVITATION_ACCEPTED, invitation, by=user, subject=user)
    return user


@transaction.atomic
def invitation_revoke(invitation, *, by=None):
    revoked = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked:
        _record_invitation(Kind.INVITATION_REVOKED, invitation, by=by)


# -- people ------------------------------------------------------------------------------
#
# Changes to an agency's people lock the agency's row first, so that two focal points
# changing each other at the same moment are taken one after the other, and the second sees
# what the first did (the last-focal-point rule below depends on it).


def _lock_agency_of(person):
    if person.agency_id:
        Agency.objects.select_for_update().get(pk=person.agency_id)
    return User.objects.select_for_update().get(pk=person.pk)


def _other_focal_points(person):
    return User.objects.filter(
        agency_id=person.agency_id, role=Role.FOCAL_POINT, is_active=True
    ).exclude(pk=person.pk)


def agency_has_focal_point(agency):
    return User.objects.filter(agency=agency, role=Role.FOCAL_POINT, is_active=True).exists()


@transaction.atomic
def member_set_role(person, *, role, by):
    """Give a person another role within their agency.

    A focal point cannot step down, or step another down, when that leaves the agency with no
    focal point: nobody in it could then invite or manage its people. The secretariat may (it
    can invite a new focal point), and the view says that the agency has none left.
    """
    person = _lock_agency_of(person)
    _check_role_and_agency(role, person.agency)
    if role == Role.SECRETARIAT and not by.is_secretariat:
        raise PermissionDenied
    if not person.is_active:
        raise ValidationError(_("Reactivate this person before changing their role."))
    if (
        person.role == Role.FOCAL_POINT
        and role != Role.FOCAL_POINT
        and not by.is_secretariat
        and not _other_focal_points(person).exists()
    ):
        raise ValidationError(
            _(
                "%(name)s is the last focal point of %(agency)s. Make someone else focal point "
                "first, or ask the secretariat."
            )
            % {"name": person.display_name, "agency": person.agency.acronym}
        )
    if person.role != role:
        security_log.record(
            Kind.ROLE_CHANGED, actor=by, subject=person, old_role=person.role, new_role=role
        )
        person.role = role
        person.save(update_fields=["role"])
        log.info("person %s is now %s (by person %s)", person.pk, role, by.pk)
    return person


@transaction.atomic
def member_deactivate(person, *, by):
    """A colleague left: they can no longer sign in, and every open session of theirs ends.

    Their activities, comments and digests stay, under their name. Nobody deactivates
    themselves (they would be signed out in the middle of it); someone else does.
    """
    person = _lock_agency_of(person)
    if person.pk == by.pk:
        raise ValidationError(
            _("You cannot deactivate your own account: ask a colleague who manages people.")
        )
    if not person.is_active:
        return person
    person.is_active = False
    person.deactivated_at = timezone.now()
    person.deactivated_by = by
    person.save(update_fields=["is_active", "deactivated_at", "deactivated_by"])
    ended = end_sessions(person)
    security_log.record(Kind.DEACTIVATED, actor=by, subject=person, sessions_ended=ended)
    log.info("person %s deactivated by person %s; %s sessions ended", person.pk, by.pk, ended)
    return person


@transaction.atomic
def member_reactivate(person, *, by):
    """Let a deactivated person sign in again (with their old password, or by resetting it)."""
    person = _lock_agency_of(person)
    if person.is_active:
        return person
    person.is_active = True
    person.deactivated_at = None
    person.deactivated_by = None
    person.save(update_fields=["is_active", "deactivated_at", "deactivated_by"])
    security_log.record(Kind.REACTIVATED, actor=by, subject=person)
    log.info("person %s reactivated by person %s", person.pk, by.pk)
    return person


def end_sessions(user):
    """Delete every stored session of this person; returns how many.

    Why both this and is_active: Django's ModelBackend.get_user() refuses an inactive person
    on every request, so is_active=False alone signs them out at their next page load. But it
    leaves their sessions stored, and reactivating them would bring every one of those
    sessions back to life, on whatever machine it was left open. Deleting the rows ends them
    for good. (Rotating the password hash, which the session hash is derived from, would end
    them too, but would also throw away the password of someone reactivated by mistake.)

    Django's database sessions keep the user id inside the signed session data, so the live
    rows are read and decoded one by one: a session lives DJANGO_SESSION_AGE (12 hours by
    default), so they are the sign-ins of the last hours, a few hundred rows for the GMG, read
    in well under a second, and only when someone is deactivated. Cache-only session engines
    cannot be listed; there is_active alone ends the sessions.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    decoder = store_class()
    user_id = str(user.pk)
    live = store_class.get_model_class().objects.filter(expire_date__gt=timezone.now())
    ended = 0
    for key, data in live.values_list("session_key", "session_data").iterator():
        if str(decoder.decode(data).get(SESSION_KEY)) == user_id:
            store_class(session_key=key).delete()  # also drops a cached_db session's cache
            ended += 1
    return ended
