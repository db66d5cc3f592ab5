"""The access gates for joint trainings and inter-agency transfers. Every view calls them.

Everyone signed in reads everything. Staff and focal points record trainings their agency
organises and transfers from or to their agency; they edit and delete those, and the
secretariat any. A head of agency reads only, and so does anyone of another agency. A
visitor who is not signed in is sent to sign in by the views.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from agencies.models import Agency, Role

from .models import Training, Transfer

WRITER_ROLES = (Role.STAFF, Role.FOCAL_POINT)


def _signed_in(user):
    return user.is_authenticated and user.is_active


def agencies_user_can_record_for(user):
    """The agencies this person may record trainings and transfers for."""
    if not _signed_in(user):
        return Agency.objects.none()
    if user.is_secretariat:
        return Agency.objects.active()
    if user.role in WRITER_ROLES and user.agency_id:
        return Agency.objects.active().filter(pk=user.agency_id)
    return Agency.objects.none()


def can_record(user):
    return agencies_user_can_record_for(user).exists()


def check_record(user):
    if not can_record(user):
        raise PermissionDenied


def _writer_of(user, agency_ids):
    return (
        user.role in WRITER_ROLES
        and user.agency_id in agency_ids
        and user.agency is not None
        and user.agency.is_active
    )


# -- trainings --------------------------------------------------------------------------------


def can_edit_training(user, training):
    """Staff and focal points of any organising agency, and the secretariat."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return _writer_of(user, {agency.pk for agency in training.organisers.all()})


def get_training_for_user(user, pk, write=False):
    """The training `pk`, or 404; with write=True, 403 unless this person may change it."""
    training = get_object_or_404(
        Training.objects.visible_to(user)
        .with_total()
        .select_related("lead_agency", "country")
        .prefetch_related("organisers"),
        pk=pk,
    )
    if write and not can_edit_training(user, training):
        raise PermissionDenied
    return training


# -- transfers --------------------------------------------------------------------------------


def can_edit_transfer(user, transfer):
    """Staff and focal points of the agency the person leaves or joins, and the secretariat."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return _writer_of(user, {transfer.from_agency_id, transfer.to_agency_id})


def get_transfer_for_user(user, pk, write=False):
    transfer = get_object_or_404(
        Transfer.objects.visible_to(user).select_related("from_agency", "to_agency"), pk=pk
    )
    if write and not can_edit_transfer(user, transfer):
        raise PermissionDenied
    return transfer
