"""The access gate for common positions. Every view calls it.

Who reads: everyone signed in reads a position once it is put to consultation; a draft only
its lead agency's people and the secretariat (PositionQuerySet.visible_to). A visitor not
signed in, or someone who may not read it, is told it does not exist (404).

Who writes, each also only while the position's stage allows it:
- the text and the details: the lead agency's staff and focal points (the drafters) and the
  secretariat, while it is a draft or in consultation;
- the stages (to consultation, to endorsement, withdrawn) and their deadlines: the lead
  agency's focal points and the secretariat; adoption: the secretariat alone;
- comments: anyone signed in for an active member agency, and the secretariat, while it is
  in consultation and its comment deadline has not passed;
- the endorsement: the head of each agency asked, while it is in endorsement.
Heads of agency otherwise read only. Everyone else is refused (403).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies.models import Role

from .models import Endorsement, Position

Status = Position.Status
DRAFTER_ROLES = (Role.STAFF, Role.FOCAL_POINT)


def _signed_in(user):
    return user.is_authenticated and user.is_active


def _member_of_active_agency(user):
    return user.agency_id is not None and user.agency.is_active


def can_create(user):
    """Staff and focal points of an active agency draft positions their agency leads; the
    secretariat drafts them for any lead agency."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return user.role in DRAFTER_ROLES and _member_of_active_agency(user)


def is_drafter(user, position):
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return user.role in DRAFTER_ROLES and user.agency_id == position.lead_agency_id


def can_edit(user, position):
    """The drafters change the text and details, while it is a draft or in consultation."""
    return position.is_editable and is_drafter(user, position)


def is_mover(user, position):
    """Who moves a position through its stages: the lead's focal points, the secretariat."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return user.role == Role.FOCAL_POINT and user.agency_id == position.lead_agency_id


def steps_for(user, position, allowed):
    """The steps among `allowed` (the lifecycle's) that this person may take."""
    if not is_mover(user, position):
        return []
    if user.is_secretariat:
        return list(allowed)
    return [step for step in allowed if step != Status.ADOPTED]


def can_set_deadline(user, position):
    return is_mover(user, position) and position.status in (
        Status.CONSULTATION,
        Status.ENDORSEMENT,
    )


def comments_open(position, today=None):
    today = today or timezone.localdate()
    return position.status == Status.CONSULTATION and (
        position.comment_deadline is None or today <= position.comment_deadline
    )


def can_comment(user, position, today=None):
    if not _signed_in(user) or not comments_open(position, today):
        return False
    return user.is_secretariat or _member_of_active_agency(user)


def pending_endorsement_for(user, position):
    """The agency's unanswered endorsement this person may give, or None: heads only,
    while the position is in endorsement."""
    if not _signed_in(user) or user.role != Role.HEAD or user.agency_id is None:
        return None
    if position.status != Status.ENDORSEMENT:
        return None
    return (
        Endorsement.objects.pending()
        .select_related("agency")
        .filter(position=position, agency_id=user.agency_id)
        .first()
    )


def can_answer(user, position):
    return pending_endorsement_for(user, position) is not None


def check_create(user):
    """404 for a visitor not signed in, 403 for one who may not draft a position."""
    if not _signed_in(user):
        raise Http404
    if not can_create(user):
        raise PermissionDenied


def get_position_for_user(user, pk):
    """The position `pk` if this person may read it; 404 otherwise."""
    if not _signed_in(user):
        raise Http404
    return get_object_or_404(
        Position.objects.visible_to(user).select_related("lead_agency", "current_version"),
        pk=pk,
    )


def get_position_to_edit(user, pk):
    """403 unless this person may change its text now."""
    position = get_position_for_user(user, pk)
    if not can_edit(user, position):
        raise PermissionDenied
    return position


def get_position_to_move(user, pk):
    """403 unless this person may move it through its stages."""
    position = get_position_for_user(user, pk)
    if not is_mover(user, position):
        raise PermissionDenied
    return position


def get_position_for_deadline(user, pk):
    position = get_position_for_user(user, pk)
    if not can_set_deadline(user, position):
        raise PermissionDenied
    return position


def get_position_to_comment(user, pk):
    position = get_position_for_user(user, pk)
    if not can_comment(user, position):
        raise PermissionDenied
    return position


def get_endorsement_for_user(user, pk):
    """The pending endorsement of this head's agency on position `pk`; 403 for anyone else."""
    position = get_position_for_user(user, pk)
    endorsement = pending_endorsement_for(user, position)
    if endorsement is None:
        raise PermissionDenied
    return endorsement
