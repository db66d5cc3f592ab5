"""Writes to joint initiatives: create, edit, delete."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common import outbox

from .models import JointInitiative

SCALAR_FIELDS = ("title", "description", "lead_agency", "status", "start_date", "end_date")


class StaleInitiativeError(Exception):
    """The initiative changed since the editor loaded it."""


def _check_priorities(priorities):
    if not priorities:
        raise ValidationError({"priorities": _("Choose at least one priority.")})


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
    """Create a joint initiative; its lead agency takes part in it."""
    initiative = JointInitiative(
        title=title,
        description=description,
        lead_agency=lead_agency,
        status=status,
        start_date=start_date,
        end_date=end_date,
    )
    initiative.full_clean()
    _check_priorities(priorities)
    initiative.save()
    initiative.participating_agencies.set({lead_agency, *participating_agencies})
    initiative.priorities.set(priorities)
    return initiative


@transaction.atomic
def initiative_update(initiative, *, by, expected_version=None, **fields):
    """Change an initiative. With `expected_version`, refuse (StaleInitiativeError) if
    someone saved in between. The lead agency always takes part in it."""
    participating = fields.pop("participating_agencies", None)
    priorities = fields.pop("priorities", None)
    unknown = set(fields) - set(SCALAR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown initiative fields: {sorted(unknown)}")
    locked = JointInitiative.objects.select_for_update().get(pk=initiative.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleInitiativeError
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    if priorities is not None:
        _check_priorities(priorities)
    locked.version += 1
    locked.save()
    if participating is not None:
        locked.participating_agencies.set({locked.lead_agency, *participating})
    else:
        locked.participating_agencies.add(locked.lead_agency)
    if priorities is not None:
        locked.priorities.set(priorities)
    return locked


@transaction.atomic
def initiative_delete(initiative, *, by):
    """Delete an initiative; returns how many activities it unlinked.

    Its activities stay in the register, no longer linked (the link is SET_NULL); the
    pair it was made from may become a joint initiative again. The unlinked activities
    are announced as changed, so that their overlap checks stop counting them as one
    initiative's work.
    """
    activity_ids = list(initiative.activities.values_list("pk", flat=True))
    JointInitiative.objects.filter(pk=initiative.pk).delete()
    # Named in settings by the apps above this one (overlap detection), as an activity's
    # own save does; the outbox publishes them after commit.
    for activity_id in activity_ids:
        for task_name in settings.ACTIVITY_CHANGED_TASKS:
            outbox.enqueue(task_name, activity_id)
    return len(activity_ids)
