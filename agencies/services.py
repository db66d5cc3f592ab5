"""Writes for people and invitations."""

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
    """Record an invitation and email its link once the transaction commits."""
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
    link = settings.SITE_URL + reverse("agencies:invitation-accept", args=[token])
    transaction.on_commit(
        lambda: emails.send(
            "invitation", email, {"invitation": invitation, "link": link, "inviter": by}
        )
    )
    return invitation


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
