"""The access gate for activities. Every view calls it.

Everyone signed in reads every activity. Staff and focal points write their own
agency's activities; the secretariat writes any agency's.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies.cached import agencies as cached_agencies
from agencies.models import Agency, Role
from common import softdelete

from .models import Activity

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


def can_log_activities(user):
    """Whether `agencies_user_can_log_for(user)` has any agency, read from the cached
    agencies (agencies.cached): the list and the home page ask on every view."""
    if not user.is_authenticated:
        return False
    if user.is_secretariat:
        return any(agency.is_active for agency in cached_agencies())
    if user.role in WRITER_ROLES and user.agency_id:
        return any(a.is_active and a.pk == user.agency_id for a in cached_agencies())
    return False


def get_activity_for_user(user, pk, write=False):
    """The activity `pk`, or 404; with write=True, 403 unless this person may change it.

    A withdrawn (deleted) activity is 404 for everyone but the secretariat, who read it
    to restore it; nobody edits or deletes it again until it is restored.
    """
    activities = Activity.objects
    if not write and softdelete.can_restore(user):
        activities = Activity.all_objects
    activity = get_object_or_404(
        activities.visible_to(user).select_related("agency", "deleted_by"), pk=pk
    )
    if write and not can_write_activities_of(user, activity.agency):
        raise PermissionDenied
    return activity


def get_withdrawn_activity_for_user(user, pk):
    """A withdrawn activity the secretariat may restore; 404 for anyone else, and for
    an activity that is not withdrawn."""
    if not softdelete.can_restore(user):
        raise Http404
    return get_object_or_404(
        Activity.all_objects.withdrawn().select_related("agency", "deleted_by"), pk=pk
    )
