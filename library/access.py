"""The access gate for the knowledge library. Every view calls it.

Everyone signed in reads every item and downloads its file. The staff and focal points of
the agencies an item names share, edit and delete it; the secretariat does so for any
agency, and alone marks a good practice as reviewed. A head of agency reads. A visitor
who is not signed in is sent to sign in (the views are login_required) and is never
handed a file.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from agencies.models import Agency, Role

from .models import LibraryItem

WRITER_ROLES = (Role.STAFF, Role.FOCAL_POINT)


def _signed_in(user):
    return user.is_authenticated and user.is_active


def agencies_user_can_share_for(user):
    """The agencies this person may name on an item: any (active) agency for the
    secretariat, their own for its staff and focal points, none for anyone else."""
    if not _signed_in(user):
        return Agency.objects.none()
    if user.is_secretariat:
        return Agency.objects.active()
    if user.role in WRITER_ROLES and user.agency_id:
        return Agency.objects.active().filter(pk=user.agency_id)
    return Agency.objects.none()


def can_create(user):
    return agencies_user_can_share_for(user).exists()


def can_edit(user, item):
    """The secretariat, and the staff and focal points of one of the item's (active)
    agencies. Reads `item.agencies`, prefetched or not."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    if user.role not in WRITER_ROLES or not user.agency_id:
        return False
    return any(a.pk == user.agency_id and a.is_active for a in item.agencies.all())


def can_review(user):
    """Only the secretariat marks a good practice as reviewed (or withdraws the mark)."""
    return _signed_in(user) and user.is_secretariat


def get_item_for_user(user, pk, write=False):
    """The item `pk`, or 404; with write=True, 403 unless this person may change it."""
    readable = LibraryItem.objects.visible_to(user).select_related("reviewed_by", "updated_by")
    item = get_object_or_404(readable, pk=pk)
    if write and not can_edit(user, item):
        raise PermissionDenied
    return item


def get_file_for_user(user, pk):
    """The item `pk` whose file this person may download: 404 when there is no such item
    (deleted, say) or it has no file."""
    return get_object_or_404(LibraryItem.objects.visible_to(user).exclude(stored_name=""), pk=pk)


def get_item_to_review(user, pk):
    if not can_review(user):
        raise PermissionDenied
    return get_item_for_user(user, pk)
