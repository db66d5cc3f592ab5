"""The access gates for agencies, people and invitations. Every view calls these."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Agency, Invitation, Role


def can_invite(user, agency=None):
    """The secretariat invites for any agency; a focal point for their own."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_secretariat:
        return True
    if user.role != Role.FOCAL_POINT or not user.agency_id or not user.agency.is_active:
        return False
    return agency is None or agency.pk == user.agency_id


def invitable_agencies(user):
    if not can_invite(user):
        return Agency.objects.none()
    if user.is_secretariat:
        return Agency.objects.active()
    return Agency.objects.active().filter(pk=user.agency_id)


def invitable_roles(user):
    if not can_invite(user):
        return []
    if user.is_secretariat:
        return list(Role)
    return [Role.STAFF, Role.FOCAL_POINT, Role.HEAD]


def invitations_visible_to(user):
    if not can_invite(user):
        raise PermissionDenied
    qs = Invitation.objects.select_related("agency", "invited_by")
    return qs if user.is_secretariat else qs.filter(agency_id=user.agency_id)


def get_invitation_for_user(user, pk):
    """Invitations are private to those who manage them: 404 for everyone else."""
    if not can_invite(user):
        raise PermissionDenied
    return get_object_or_404(invitations_visible_to(user), pk=pk)


def get_agency(slug):
    return get_object_or_404(Agency, slug=slug)
