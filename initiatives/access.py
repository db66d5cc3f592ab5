"""The access gate for joint initiatives. Every view calls it."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from .models import JointInitiative


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


def get_initiative_for_user(user, pk):
    if not user.is_authenticated:
        raise PermissionDenied
    return get_object_or_404(JointInitiative.objects.select_related("lead_agency"), pk=pk)
