"""The access gate for joint initiatives. Every view calls it.

Everyone signed in reads every joint initiative. The focal points of its lead agency and the
secretariat edit it, move it through its lifecycle and delete it; everyone else signed in is
refused (403). Staff and focal points of an agency, and the secretariat, propose new ones; a
head of agency reads only. A visitor who is not signed in is told it does not exist.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies.models import Role
from common import softdelete

from .models import JointInitiative, Participation


def _signed_in(user):
    return user.is_authenticated and user.is_active


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


def can_edit(user, initiative):
    """The lead agency's focal points and the secretariat edit and delete an initiative."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return user.role == Role.FOCAL_POINT and user.agency_id == initiative.lead_agency_id


def can_create(user):
    """Staff and focal points propose initiatives their agency leads; the secretariat
    proposes them for any lead agency."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return user.agency_id is not None and user.role in (Role.STAFF, Role.FOCAL_POINT)


def can_transition(user, initiative):
    """Who moves an initiative through its lifecycle: those who edit it (so the views
    gate it with write=True)."""
    return can_edit(user, initiative)


def check_create(user):
    """404 for a visitor not signed in, 403 for one who may not propose an initiative."""
    if not _signed_in(user):
        raise Http404
    if not can_create(user):
        raise PermissionDenied


def can_answer(user, initiative):
    """An invited agency's focal points answer its invitation."""
    return (
        _signed_in(user)
        and user.role == Role.FOCAL_POINT
        and user.agency_id is not None
        and initiative.participations.unanswered().filter(agency_id=user.agency_id).exists()
    )


def can_see_invitations_of(user, agency):
    """Who sees the invitations an agency has not answered yet, as a list of things to do:
    its focal points, who answer them, and the secretariat, who follows them up."""
    if not _signed_in(user):
        return False
    if user.is_secretariat:
        return True
    return user.role == Role.FOCAL_POINT and user.agency_id == agency.pk


def get_invitation_for_user(user, pk):
    """The unanswered invitation of this person's agency to initiative `pk`: 404 for a
    visitor not signed in or an initiative that does not exist, 403 for anyone who is not
    a focal point of an agency invited and not answered yet."""
    initiative = get_initiative_for_user(user, pk)
    if user.role != Role.FOCAL_POINT or user.agency_id is None:
        raise PermissionDenied
    participation = (
        Participation.objects.unanswered()
        .select_related("agency", "initiative")
        .filter(initiative=initiative, agency_id=user.agency_id)
        .first()
    )
    if participation is None:
        raise PermissionDenied
    return participation


def get_initiative_for_user(user, pk, write=False):
    """The initiative `pk`; 404 for a visitor not signed in; with write=True, 403 unless
    this person may edit it."""
    if not _signed_in(user):
        raise Http404
    # A withdrawn (deleted) initiative is 404 for everyone but the secretariat, who read
    # it to restore it; nobody changes it until it is restored.
    initiatives = JointInitiative.objects
    if not write and softdelete.can_restore(user):
        initiatives = JointInitiative.all_objects
    initiative = get_object_or_404(initiatives.select_related("lead_agency", "deleted_by"), pk=pk)
    if write and not can_edit(user, initiative):
        raise PermissionDenied
    return initiative


def get_withdrawn_initiative_for_user(user, pk):
    """A withdrawn initiative the secretariat may restore; 404 for anyone else, and for
    an initiative that is not withdrawn."""
    if not softdelete.can_restore(user):
        raise Http404
    return get_object_or_404(
        JointInitiative.all_objects.withdrawn().select_related("lead_agency", "deleted_by"),
        pk=pk,
    )
