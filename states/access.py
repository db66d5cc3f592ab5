"""The access gates for engagements, their follow-ups and requests for support. Every view
calls them.

Everyone signed in reads everything. Staff and focal points record engagements for their
agency; those of the agencies involved in one edit it and its follow-ups (the owner agency's
a follow-up too), with the secretariat. A focal point or the secretariat logs a request for
support and assigns it to a lead agency; the lead agency's focal points (and the secretariat)
start it, close it or decline it. A head of agency reads only, and so does anyone of another
agency. A visitor who is not signed in is sent to sign in by the views.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from agencies.models import Agency, Role

from .models import Engagement, FollowUp, SupportRequest

WRITER_ROLES = (Role.STAFF, Role.FOCAL_POINT)
Status = SupportRequest.Status


def _signed_in(user):
    return user.is_authenticated and user.is_active


def _writer_of(user, agency_ids):
    return user.role in WRITER_ROLES and user.agency_id is not None and user.agency_id in agency_ids


# -- engagements ------------------------------------------------------------------------------


def agencies_user_can_engage_for(user):
    """The agencies this person may record an engagement for, as its lead."""
    if not _signed_in(user):
        return Agency.objects.none()
    if user.is_secretariat:
        return Agency.objects.active()
    if user.role in WRITER_ROLES and user.agency_id:
        return Agency.objects.active().filter(pk=user.agency_id)
    return Agency.objects.none()


def can_record_engagement(user):
    return agencies_user_can_engage_for(user).exists()


def check_record_engagement(user):
    if not can_record_engagement(user):
        raise PermissionDenied


def can_edit_engagement(user, engagement):
    """The secretariat, and the staff and focal points of the agencies involved."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return _writer_of(user, involved_agency_ids(engagement))


def involved_agency_ids(engagement):
    """The ids of the agencies involved, the lead's included; read once per engagement, as a
    page asks for each of its follow-ups."""
    if not hasattr(engagement, "_involved_ids"):
        through = Engagement.agencies.through.objects.filter(engagement_id=engagement.pk)
        engagement._involved_ids = {*through.values_list("agency_id", flat=True)}
        engagement._involved_ids.add(engagement.lead_agency_id)
    return engagement._involved_ids


def get_engagement_for_user(user, pk, write=False):
    """The engagement `pk`, or 404; with write=True, 403 unless this person may change it."""
    engagement = get_object_or_404(
        Engagement.objects.visible_to(user).select_related("country", "lead_agency"), pk=pk
    )
    if write and not can_edit_engagement(user, engagement):
        raise PermissionDenied
    return engagement


def can_edit_follow_up(user, follow_up):
    """Those who edit its engagement, and the owner agency's staff and focal points."""
    if not _signed_in(user):
        return False
    return _writer_of(user, {follow_up.owner_agency_id}) or can_edit_engagement(
        user, follow_up.engagement
    )


def get_follow_up_for_user(user, pk, write=False):
    follow_up = get_object_or_404(
        FollowUp.objects.visible_to(user).select_related(
            "engagement__lead_agency", "engagement__country", "owner_agency"
        ),
        pk=pk,
    )
    if write and not can_edit_follow_up(user, follow_up):
        raise PermissionDenied
    return follow_up


# -- requests for support ---------------------------------------------------------------------


def _focal_point_or_secretariat(user):
    return _signed_in(user) and (
        user.is_secretariat or (user.role == Role.FOCAL_POINT and user.agency_id is not None)
    )


def can_log_request(user):
    return _focal_point_or_secretariat(user)


def check_log_request(user):
    if not can_log_request(user):
        raise PermissionDenied


def _lead_focal_point(user, support_request):
    return (
        _signed_in(user)
        and user.role == Role.FOCAL_POINT
        and support_request.lead_agency_id is not None
        and user.agency_id == support_request.lead_agency_id
    )


# The steps of a request: from which statuses each may be taken.
STEPS = {
    "assign": (Status.RECEIVED, Status.ASSIGNED),
    "start": (Status.ASSIGNED,),
    "close": (Status.IN_PROGRESS,),
    "decline": (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS),
}


def can_take_step(user, support_request, step):
    """Whether this person may take `step` on the request as it stands.

    Assigning (or assigning again) is the secretariat's or any focal point's, until the lead
    agency starts it. Once assigned, the lead agency's focal points move it forward; a
    request nobody has taken yet may be declined by whoever may assign it.
    """
    if support_request.status not in STEPS[step]:
        return False
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    if step == "assign":
        return _focal_point_or_secretariat(user)
    if step == "decline" and support_request.status == Status.RECEIVED:
        return _focal_point_or_secretariat(user)
    return _lead_focal_point(user, support_request)


def steps_for(user, support_request):
    return [step for step in STEPS if can_take_step(user, support_request, step)]


def can_edit_request(user, support_request):
    """Its details: whoever may assign it, or its lead agency's focal points, while open."""
    if not support_request.is_open or not _signed_in(user):
        return False
    return user.is_secretariat or (
        user.role == Role.FOCAL_POINT
        and (support_request.status == Status.RECEIVED or _lead_focal_point(user, support_request))
    )


def get_request_for_user(user, pk, step=None, write=False):
    """The request `pk`, or 404; 403 when this person may not take `step` (or, with write,
    change its details)."""
    support_request = get_object_or_404(
        SupportRequest.objects.visible_to(user).select_related("country", "lead_agency"), pk=pk
    )
    if step is not None and not can_take_step(user, support_request, step):
        raise PermissionDenied
    if write and not can_edit_request(user, support_request):
        raise PermissionDenied
    return support_request
