"""The access gate for overlap flags. Every overlap view calls these.

The secretariat sees and decides every flag. Members of either agency of a pair
(staff, focal points, heads) read their agency's flags and may comment on them.
Everyone else is told the flag does not exist: a flag about other agencies is private.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from agencies.models import Role

from .models import OverlapFlag

MEMBER_ROLES = (Role.STAFF, Role.FOCAL_POINT, Role.HEAD)


def _signed_in(user):
    return user.is_authenticated and user.is_active


def _is_member(user):
    return bool(user.agency_id) and user.role in MEMBER_ROLES


def can_review(user):
    """Only the secretariat decides flags and turns them into joint initiatives."""
    return _signed_in(user) and user.is_secretariat


def can_see_queue(user):
    return _signed_in(user) and (user.is_secretariat or _is_member(user))


def flags_visible_to(user):
    if not _signed_in(user):
        return OverlapFlag.objects.none()
    if user.is_secretariat:
        return OverlapFlag.objects.all()
    if _is_member(user):
        return OverlapFlag.objects.involving_agency(user.agency_id)
    return OverlapFlag.objects.none()


def can_comment(user, flag):
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return _is_member(user) and user.agency_id in (
        flag.activity_a.agency_id,
        flag.activity_b.agency_id,
    )


def get_flag_for_user(user, pk, write=False):
    """The flag `pk`, or 404 if this person may not see it; with write=True, 403 unless
    this person may decide it."""
    flag = get_object_or_404(flags_visible_to(user).with_pair(), pk=pk)
    if write and not can_review(user):
        raise PermissionDenied
    return flag
