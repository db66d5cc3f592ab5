"""The access gates for processes, their events and the contributions to them. Every view
calls them.

Everyone signed in reads everything. The secretariat keeps the register of processes and
events. Staff and focal points record and edit their own agency's contributions, and the joint
inputs their agency leads; the secretariat edits any. A head of agency reads only, and so does
anyone of another agency. A visitor who is not signed in is sent to sign in by the views.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from agencies.models import Agency, Role

from .models import Contribution, Event, Process

WRITER_ROLES = (Role.STAFF, Role.FOCAL_POINT)


def _signed_in(user):
    return user.is_authenticated and user.is_active


# -- processes and events ---------------------------------------------------------------------


def can_manage_processes(user):
    """The secretariat adds, edits and removes processes and their events."""
    return _signed_in(user) and user.is_secretariat


def check_manage_processes(user):
    if not can_manage_processes(user):
        raise PermissionDenied


def get_process_for_user(user, slug, write=False):
    """The process `slug`, or 404; with write=True, 403 unless this person manages them."""
    process = get_object_or_404(Process.objects.visible_to(user), slug=slug)
    if write:
        check_manage_processes(user)
    return process


def get_event_for_user(user, pk, write=False):
    """The event `pk`, or 404; with write=True, 403 unless this person manages them."""
    event = get_object_or_404(Event.objects.visible_to(user).select_related("process"), pk=pk)
    if write:
        check_manage_processes(user)
    return event


# -- contributions ----------------------------------------------------------------------------


def agencies_user_can_contribute_for(user):
    """The agencies this person may record contributions for (or lead joint inputs for)."""
    if not _signed_in(user):
        return Agency.objects.none()
    if user.is_secretariat:
        return Agency.objects.active()
    if user.role in WRITER_ROLES and user.agency_id:
        return Agency.objects.active().filter(pk=user.agency_id)
    return Agency.objects.none()


def can_contribute(user):
    return agencies_user_can_contribute_for(user).exists()


def check_contribute(user):
    if not can_contribute(user):
        raise PermissionDenied


def can_edit_contribution(user, contribution):
    """The lead agency's staff and focal points, and the secretariat. For a joint input the
    other agencies named on it read it; its lead drafts it."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return (
        user.role in WRITER_ROLES
        and user.agency_id == contribution.lead_agency_id
        and contribution.lead_agency.is_active
    )


def get_contribution_for_user(user, pk, write=False):
    """The contribution `pk`, or 404; with write=True, 403 unless this person may change it."""
    contribution = get_object_or_404(
        Contribution.objects.visible_to(user).select_related(
            "event__process", "lead_agency", "initiative"
        ),
        pk=pk,
    )
    if write and not can_edit_contribution(user, contribution):
        raise PermissionDenied
    return contribution
