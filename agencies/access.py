"""The access gates for agencies, people and invitations. Every view calls these."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .cached import agencies as cached_agencies
from .models import Agency, Invitation, Role, SecurityEvent, User


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
    # Everyone signed in reads every agency. From the cached agencies (agencies.cached,
    # dropped whenever one is saved): no query for the profile's own record.
    found = next((agency for agency in cached_agencies() if agency.slug == slug), None)
    if found is None:
        raise Http404
    return found


# -- people ------------------------------------------------------------------------------
#
# Who manages whom follows who invites whom: the secretariat anyone, a focal point the people
# of their own agency. A focal point never touches the secretariat, whose members may carry an
# agency too, nor an administrator.


def can_manage_people(user, agency):
    return can_invite(user, agency)


def assignable_roles(user):
    """The roles this person may give someone: never the secretariat unless they are in it."""
    return invitable_roles(user)


def get_agency_to_manage(user, slug):
    """An agency whose people this person manages: 403 for staff and heads, 404 for outsiders."""
    if not can_invite(user):
        raise PermissionDenied
    agency = get_object_or_404(Agency, slug=slug)
    if not can_manage_people(user, agency):
        raise Http404
    return agency


def people_managed_by(user):
    if not can_invite(user):
        raise PermissionDenied
    people = User.objects.select_related("agency", "deactivated_by")
    if not user.is_superuser:
        people = people.exclude(is_superuser=True)
    if user.is_secretariat:
        return people
    return people.filter(agency_id=user.agency_id).exclude(role=Role.SECRETARIAT)


def get_person_for_user(user, pk):
    """A person this user may change the role of, deactivate or reactivate; 404 for others."""
    return get_object_or_404(people_managed_by(user), pk=pk)


# -- the security log ----------------------------------------------------------------------


def security_events_for(user):
    """The security log, which only the secretariat reads: 403 for everyone else."""
    if not (user.is_authenticated and user.is_active and user.is_secretariat):
        raise PermissionDenied
    return SecurityEvent.objects.for_the_log()
