"""The access gates for the group's governance. Every view calls them.

Everyone signed in reads meetings, action points, the chairs' history and the working groups.
The secretariat records meetings, their agenda, decisions and action points, and sets up the
working groups. The focal points
of an action point's owner agency update its status (the secretariat may too). A visitor who
is not signed in is sent to sign in by the views.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from agencies.models import Role

from .models import ActionPoint, AgendaItem, Meeting, WorkingGroup


def _signed_in(user):
    return user.is_authenticated and user.is_active


# -- meetings (with their agenda items and action points) -------------------------------------


def can_manage_meetings(user):
    return _signed_in(user) and user.is_secretariat


def check_manage_meetings(user):
    if not can_manage_meetings(user):
        raise PermissionDenied


def get_meeting_for_user(user, pk, write=False):
    meeting = get_object_or_404(Meeting.objects.visible_to(user).select_related("chair"), pk=pk)
    if write:
        check_manage_meetings(user)
    return meeting


def get_agenda_item_for_user(user, pk, write=False):
    item = get_object_or_404(
        AgendaItem.objects.filter(meeting__in=Meeting.objects.visible_to(user)).select_related(
            "meeting"
        ),
        pk=pk,
    )
    if write:
        check_manage_meetings(user)
    return item


# -- action points -----------------------------------------------------------------------------


def can_update_status(user, action_point):
    """The owner agency's focal points, and the secretariat."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return user.role == Role.FOCAL_POINT and user.agency_id == action_point.owner_id


def get_action_point_for_user(user, pk, write=False, status=False):
    """The action point `pk`, or 404; write=True: 403 unless the secretariat; status=True:
    403 unless this person may update its status."""
    action_point = get_object_or_404(
        ActionPoint.objects.visible_to(user).with_list_relations(), pk=pk
    )
    if write:
        check_manage_meetings(user)
    if status and not can_update_status(user, action_point):
        raise PermissionDenied
    return action_point


# -- working groups ------------------------------------------------------------------------------


def can_manage_working_groups(user):
    """The secretariat sets up the group's working groups; everyone signed in reads them."""
    return _signed_in(user) and user.is_secretariat


def get_working_group_for_user(user, slug, write=False):
    if not _signed_in(user):
        raise PermissionDenied
    group = get_object_or_404(WorkingGroup, slug=slug)
    if write and not can_manage_working_groups(user):
        raise PermissionDenied
    return group


# -- calendar feed -------------------------------------------------------------------------------


def can_have_calendar(user):
    return _signed_in(user)
