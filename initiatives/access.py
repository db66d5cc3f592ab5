"""The access gates for activities and joint initiatives. Every view calls these.

Everyone signed in reads everything. Staff and focal points write their own
agency's activities; the secretariat writes any agency's.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from agencies.models import Agency, Role

from .models import Activity, JointInitiative

WRITER_ROLES = (Role.STAFF, Role.FOCAL_POINT)


def can_write_activities_of(user, agency):
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_secretariat:
        return True
    return user.role in WRITER_ROLES and user.agency_id == agency.pk and agency.is_active


def agencies_user_can_log_for(user):
    """The agencies this person may log activities for."""
    if not user.is_authenticated:
        return Agency.objects.none()
    if user.is_secretariat:
        return Agency.objects.active()
    if user.role in WRITER_ROLES and user.agency_id:
        return Agency.objects.active().filter(pk=user.agency_id)
    return Agency.objects.none()


def linkable_initiatives(user, agency, current=None):
    """The joint initiatives an activity of `agency` may be linked to by this person.

    Agencies link only to initiatives they lead or take part in; the one an activity
    is already linked to stays available so that editing it does not fail.
    """
    if user.is_authenticated and user.is_secretariat:
        return JointInitiative.objects.all()
    allowed = Q(pk=current) if current else Q(pk__in=[])
    if agency is not None:
        allowed |= Q(lead_agency=agency) | Q(participating_agencies=agency)
    return JointInitiative.objects.filter(allowed).distinct()


def can_log_activities(user):
    return agencies_user_can_log_for(user).exists()


def get_activity_for_user(user, pk, write=False):
    """The activity `pk`, or 404; with write=True, 403 unless this person may change it."""
    activity = get_object_or_404(Activity.objects.visible_to(user).select_related("agency"), pk=pk)
    if write and not can_write_activities_of(user, activity.agency):
        raise PermissionDenied
    return activity


def get_initiative_for_user(user, pk):
    if not user.is_authenticated:
        raise PermissionDenied
    return get_object_or_404(JointInitiative.objects.select_related("lead_agency"), pk=pk)
