"""Writes to processes, events and contributions.

Each function runs in one transaction: a record and its relations (a contribution's agencies
and priorities) are saved together or not at all. Every write stamps who made the change and
when (created_* once, updated_* each time) and raises the record's version; an edit given the
version its form was loaded with is refused (StaleEditError) if someone saved in between.
Who may call them is the gates' business (processes.access), not these functions'.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from priorities.models import Priority

from .models import RESERVED_SLUGS, Contribution, Event, Process

PROCESS_FIELDS = ("name", "acronym", "kind", "description", "website")
EVENT_FIELDS = (
    "title",
    "place",
    "start_date",
    "end_date",
    "contribution_deadline",
    "description",
    "website",
)
CONTRIBUTION_FIELDS = ("kind", "title", "summary", "date", "link", "initiative")
# Every contribution to a major process serves this priority of the Terms of Reference.
PROCESSES_PRIORITY = "e"


class StaleEditError(Exception):
    """The record changed since the editor loaded it."""


def _person(by):
    return by if by is not None and by.is_authenticated else None


def _apply(record, fields, allowed, by):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {type(record).__name__} fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    record.updated_by = _person(by)
    record.updated_at = timezone.now()


def _lock(model, record, expected_version):
    locked = model.objects.select_for_update().get(pk=record.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEditError
    locked.version += 1
    return locked


def _stamp_new(record, by):
    now = timezone.now()
    record.created_by = record.updated_by = _person(by)
    record.created_at = record.updated_at = now


def _save(record, exclude=None):
    """Validate (constraints included, each message on its field) and save."""
    record.full_clean(exclude=exclude)
    try:
        # Its own savepoint, so that a refused insert leaves the transaction usable.
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # A colleague's twin committed between the check and the save: the check, run
        # again, now sees it and says so beside the field. Anything else is a bug.
        record.full_clean(exclude=exclude)
        raise
    return record


# -- processes --------------------------------------------------------------------------------


def _free_slug(text, exclude_pk=None):
    base = (slugify(text) or "process")[:50].strip("-") or "process"
    taken = set(
        Process.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken or slug in RESERVED_SLUGS:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def process_create(*, by, **fields):
    """Add a process; its address (slug) comes from its short name, or its name."""
    process = Process()
    _apply(process, fields, PROCESS_FIELDS, by)
    _stamp_new(process, by)
    process.slug = _free_slug(process.acronym or process.name)
    return _save(process)


@transaction.atomic
def process_update(process, *, by, expected_version=None, **fields):
    """Change a process. Its address stays as it was, so links to it keep working."""
    locked = _lock(Process, process, expected_version)
    _apply(locked, fields, PROCESS_FIELDS, by)
    return _save(locked)


@transaction.atomic
def process_delete(process, *, by):
    """Remove a process that has no events; one with events is history and stays."""
    if Event.objects.filter(process=process).exists():
        raise ValidationError(
            _("This process has events. Remove its events first, or keep it as a record.")
        )
    Process.objects.filter(pk=process.pk).delete()


# -- events -----------------------------------------------------------------------------------


@transaction.atomic
def event_create(process, *, by, **fields):
    event = Event(process=process)
    _apply(event, fields, EVENT_FIELDS, by)
    _stamp_new(event, by)
    return _save(event)


@transaction.atomic
def event_update(event, *, by, expected_version=None, **fields):
    locked = _lock(Event, event, expected_version)
    _apply(locked, fields, EVENT_FIELDS, by)
    return _save(locked)


@transaction.atomic
def event_delete(event, *, by):
    """Remove an event that received no contribution; the agencies' record stays whole."""
    if Contribution.objects.filter(event=event).exists():
        raise ValidationError(
            _(
                "Agencies have recorded contributions to this event. It stays, with them; "
                "correct its details instead."
            )
        )
    Event.objects.filter(pk=event.pk).delete()


# -- contributions ----------------------------------------------------------------------------


def _check_agencies(contribution, agencies):
    """The agencies a contribution is from: its lead alone, or for a joint input its lead
    and at least one other. Returns them, the lead included."""
    lead = contribution.lead_agency
    others = {agency for agency in agencies if agency.pk != lead.pk}
    if contribution.is_joint:
        if not others:
            raise ValidationError(
                {"agencies": _("A joint input names at least one agency besides its lead.")}
            )
        if any(not agency.is_active for agency in others):
            raise ValidationError(
                {"agencies": _("Only agencies that are still members can join an input.")}
            )
        return {lead, *others}
    if others:
        raise ValidationError(
            {"agencies": _("One agency's contribution names no other agency; make a joint input.")}
        )
    if contribution.initiative_id is not None:
        raise ValidationError(
            {"initiative": _("Only a joint input can be linked to a joint initiative.")}
        )
    return {lead}


def _with_processes_priority(priorities):
    return {*priorities, Priority.objects.get(code=PROCESSES_PRIORITY)}


def _save_contribution(contribution, *, agencies, priorities):
    agencies = _check_agencies(contribution, agencies)
    _save(contribution)
    contribution.agencies.set(agencies)
    if priorities is not None:
        contribution.priorities.set(_with_processes_priority(priorities))
    return contribution


@transaction.atomic
def contribution_create(
    event, *, lead_agency, by, joint=False, agencies=(), priorities=(), **fields
):
    """Record a contribution of `lead_agency` to `event`, or with joint=True a joint input it
    drafts with `agencies`. It serves priority (e) whatever else is chosen.

    Raises ValidationError with field-level messages; nothing is saved then.
    """
    contribution = Contribution(event=event, lead_agency=lead_agency, is_joint=joint)
    _apply(contribution, fields, CONTRIBUTION_FIELDS, by)
    _stamp_new(contribution, by)
    return _save_contribution(contribution, agencies=agencies, priorities=priorities)


@transaction.atomic
def contribution_update(
    contribution, *, by, expected_version=None, agencies=None, priorities=None, **fields
):
    """Change a contribution. Its event, lead agency and being a joint input stay as they
    were; `agencies` and `priorities` change only when given."""
    locked = _lock(Contribution, contribution, expected_version)
    _apply(locked, fields, CONTRIBUTION_FIELDS, by)
    if agencies is None:
        agencies = list(locked.agencies.all())
    return _save_contribution(locked, agencies=agencies, priorities=priorities)


@transaction.atomic
def contribution_delete(contribution, *, by):
    Contribution.objects.filter(pk=contribution.pk).delete()
