"""Writes to joint initiatives; their full lifecycle comes with its own issue."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import JointInitiative


@transaction.atomic
def initiative_create(
    *,
    title,
    lead_agency,
    priorities,
    participating_agencies=(),
    description="",
    status=JointInitiative.Status.PROPOSED,
    start_date=None,
    end_date=None,
):
    """Create a joint initiative; its full lifecycle comes with its own issue."""
    initiative = JointInitiative(
        title=title,
        description=description,
        lead_agency=lead_agency,
        status=status,
        start_date=start_date,
        end_date=end_date,
    )
    initiative.full_clean()
    if not priorities:
        raise ValidationError({"priorities": _("Choose at least one priority.")})
    initiative.save()
    initiative.participating_agencies.set(participating_agencies)
    initiative.priorities.set(priorities)
    return initiative
