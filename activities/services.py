"""Writes to activities.

Every change goes through these functions, inside one transaction, so that the
audit history and locking planned for later issues are added in one place.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from common import outbox

from .models import Activity
from .rules import validate_activity

SCALAR_FIELDS = (
    "reference",
    "title",
    "description",
    "language",
    "kind",
    "status",
    "start_date",
    "end_date",
    "contact_name",
    "contact_email",
    "initiative",
)
RELATION_FIELDS = ("countries", "regions", "priorities", "target_groups", "themes", "partners")


class StaleActivityError(Exception):
    """The activity changed since the editor loaded it."""


def _violated_constraint(exc):
    """The name of the constraint an IntegrityError reports, or None."""
    diag = getattr(exc.__cause__, "diag", None)  # psycopg reports it by name
    if diag is not None:
        return diag.constraint_name
    # SQLite (local development) only says it in the message.
    return next((name for name in Activity.CONSTRAINT_FIELDS if name in str(exc)), None)


def _announce_change(activity_id):
    # The apps above this one (overlap detection) name in settings the tasks a changed
    # activity needs; the outbox publishes them after commit and keeps them if the broker
    # is down, so the register never imports the apps that build on it.
    for task_name in settings.ACTIVITY_CHANGED_TASKS:
        outbox.enqueue(task_name, activity_id)


def _save(activity, fields, by):
    relations = {name: list(fields.pop(name)) for name in RELATION_FIELDS if name in fields}
    unknown = set(fields) - set(SCALAR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown activity fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.updated_by = by
    activity.updated_at = timezone.now()

    current = {
        name: relations.get(name, list(getattr(activity, name).all()) if activity.pk else [])
        for name in ("priorities", "countries", "regions", "partners")
    }
    validate_activity(activity, **current)

    try:
        # Its own savepoint, so that a refused insert leaves the caller's transaction
        # usable (an import carries on with the next row).
        with transaction.atomic():
            activity.save()
    except IntegrityError as exc:
        # The checks above cannot see a colleague's save that has not committed yet;
        # the table's constraints can, and their refusal is the same field error.
        name = _violated_constraint(exc)
        if name not in Activity.CONSTRAINT_FIELDS:
            raise
        raise Activity.constraint_error(name) from exc
    for name, values in relations.items():
        getattr(activity, name).set(values)
    # After the relations: the vector holds the names of the countries and regions, and
    # the coverage tallies (priority mask, places) are made from them.
    saved = Activity.objects.filter(pk=activity.pk)
    saved.refresh_search_vector()
    saved.refresh_coverage()
    _announce_change(activity.pk)
    return activity


@transaction.atomic
def activity_create(*, agency, by, **fields):
    """Create an activity for `agency`; raises ValidationError with field-level messages."""
    activity = Activity(agency=agency, created_by=by, created_at=timezone.now())
    return _save(activity, fields, by)


@transaction.atomic
def activity_update(activity, *, by, expected_version=None, **fields):
    """Change an activity. With `expected_version`, refuse if someone saved in between."""
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleActivityError
    locked.version += 1
    _save(locked, fields, by)
    return locked


@transaction.atomic
def activity_delete(activity, *, by):
    Activity.objects.filter(pk=activity.pk).delete()
