"""Writes to activities.

Every change goes through these functions, inside one transaction, so that the
audit history and locking planned for later issues are added in one place.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import outbox

from .models import Activity

SCALAR_FIELDS = (
    "reference",
    "title",
    "description",
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


def validate_relations(*, agency, priorities, countries, regions, partners):
    """Rules that span many-to-many fields, which model validation cannot see."""
    errors = {}
    if not priorities:
        errors["priorities"] = _("Choose at least one priority of the Terms of Reference.")
    if not countries and not regions:
        errors["countries"] = _(
            "Name at least one country or region (choose the region “World” for global work)."
        )
    if agency is not None and any(p.pk == agency.pk for p in partners):
        errors["partners"] = _("An agency cannot be its own partner.")
    if errors:
        raise ValidationError(errors)


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
    errors = {}
    try:
        # The table's constraints are checked below with messages tied to fields;
        # the database still enforces them.
        activity.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if activity.start_date and activity.end_date and activity.end_date < activity.start_date:
        errors.setdefault("end_date", []).append(_("The end date cannot be before the start date."))
    if activity.reference and activity.agency_id:
        clash = Activity.objects.filter(
            agency_id=activity.agency_id, reference__iexact=activity.reference
        ).exclude(pk=activity.pk)
        if clash.exists():
            errors.setdefault("reference", []).append(
                _("%(agency)s already has an activity with this reference.")
                % {"agency": activity.agency.acronym}
            )
    try:
        validate_relations(agency=activity.agency, **current)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    activity.save()
    for name, values in relations.items():
        getattr(activity, name).set(values)
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
