"""Writes to engagements, follow-ups and requests for support.

Each function runs in one transaction: a record and its relations (agencies, priorities,
activities; a request's step in its history) are saved together or not at all. Every write
stamps who made the change and when and raises the record's version; an edit given the
version its form was loaded with is refused (StaleEditError) if someone saved in between.
Who may call them is the gates' business (states.access); the order of a request's steps is
checked here too, so that no caller can skip one.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Engagement, FollowUp, RequestEvent, SupportRequest

ENGAGEMENT_FIELDS = ("date", "counterpart_kind", "counterpart_name", "country", "topic", "summary")
FOLLOW_UP_FIELDS = ("description", "owner_agency", "due_date")
REQUEST_FIELDS = ("country", "requesting_body", "received_date", "subject", "description")
Status = SupportRequest.Status


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


def _stamp_new(record, by):
    record.created_by = record.updated_by = _person(by)
    record.created_at = record.updated_at = timezone.now()


def _lock(model, record, expected_version):
    locked = model.objects.select_for_update().get(pk=record.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEditError
    locked.version += 1
    return locked


def _save(record):
    record.full_clean()
    record.save()
    return record


# -- engagements ------------------------------------------------------------------------------


def _save_engagement(engagement, *, agencies, priorities, activities):
    if engagement.counterpart_kind != Engagement.Kind.GOVERNMENT and engagement.country_id:
        # A regional body or process spans countries; a country named for one would mislead.
        engagement.country = None
    _save(engagement)
    if agencies is not None:
        others = {a for a in agencies if a.pk != engagement.lead_agency_id}
        if any(not a.is_active for a in others):
            raise ValidationError(
                {"agencies": _("Only agencies that are still members can be involved.")}
            )
        engagement.agencies.set({engagement.lead_agency, *others})
    if priorities is not None:
        if not priorities:
            raise ValidationError({"priorities": _("Choose at least one priority.")})
        engagement.priorities.set(priorities)
    if activities is not None:
        engagement.activities.set(activities)
    return engagement


@transaction.atomic
def engagement_create(*, lead_agency, by, agencies=(), priorities=(), activities=(), **fields):
    """Record an engagement led by `lead_agency`, with the other `agencies` involved.

    Raises ValidationError with field-level messages; nothing is saved then.
    """
    engagement = Engagement(lead_agency=lead_agency)
    _apply(engagement, fields, ENGAGEMENT_FIELDS, by)
    _stamp_new(engagement, by)
    return _save_engagement(
        engagement, agencies=list(agencies), priorities=list(priorities), activities=activities
    )


@transaction.atomic
def engagement_update(
    engagement,
    *,
    by,
    expected_version=None,
    agencies=None,
    priorities=None,
    activities=None,
    **fields,
):
    """Change an engagement; its lead agency stays. Relations change only when given."""
    locked = _lock(Engagement, engagement, expected_version)
    _apply(locked, fields, ENGAGEMENT_FIELDS, by)
    return _save_engagement(
        locked,
        agencies=None if agencies is None else list(agencies),
        priorities=None if priorities is None else list(priorities),
        activities=activities,
    )


# -- follow-ups -------------------------------------------------------------------------------


@transaction.atomic
def follow_up_create(engagement, *, by, **fields):
    follow_up = FollowUp(engagement=engagement)
    _apply(follow_up, fields, FOLLOW_UP_FIELDS, by)
    _stamp_new(follow_up, by)
    return _save(follow_up)


@transaction.atomic
def follow_up_update(follow_up, *, by, expected_version=None, **fields):
    locked = _lock(FollowUp, follow_up, expected_version)
    _apply(locked, fields, FOLLOW_UP_FIELDS, by)
    return _save(locked)


@transaction.atomic
def follow_up_set_done(follow_up, *, by, done, on=None):
    """Mark a follow-up done (on `on`, today by default), or open again."""
    locked = _lock(FollowUp, follow_up, None)
    if done:
        locked.status, locked.done_date = FollowUp.Status.DONE, on or timezone.localdate()
    else:
        locked.status, locked.done_date = FollowUp.Status.OPEN, None
    locked.updated_by, locked.updated_at = _person(by), timezone.now()
    return _save(locked)


# -- requests for support ---------------------------------------------------------------------


def _step(support_request, to_status, *, by, note="", at=None):
    RequestEvent.objects.create(
        request=support_request,
        from_status=support_request.status,
        to_status=to_status,
        lead_agency=support_request.lead_agency,
        actor=_person(by),
        note=note.strip(),
        at=at or timezone.now(),
    )


@transaction.atomic
def request_create(*, by, priorities=(), at=None, **fields):
    """Log a request for support as received; its first step says who logged it."""
    support_request = SupportRequest(status=Status.RECEIVED)
    _apply(support_request, fields, REQUEST_FIELDS, by)
    _stamp_new(support_request, by)
    _save(support_request)
    priorities = list(priorities)
    if not priorities:
        raise ValidationError({"priorities": _("Choose at least one priority.")})
    support_request.priorities.set(priorities)
    RequestEvent.objects.create(
        request=support_request,
        to_status=Status.RECEIVED,
        actor=_person(by),
        at=at or timezone.now(),
    )
    return support_request


@transaction.atomic
def request_update(support_request, *, by, expected_version=None, priorities=None, **fields):
    locked = _lock(SupportRequest, support_request, expected_version)
    if not locked.is_open:
        raise ValidationError(_("A closed or declined request stays as it was."))
    _apply(locked, fields, REQUEST_FIELDS, by)
    _save(locked)
    if priorities is not None:
        if not priorities:
            raise ValidationError({"priorities": _("Choose at least one priority.")})
        locked.priorities.set(priorities)
    return locked


# Which statuses each step leaves from, and the one it leads to.
TRANSITIONS = {
    "assign": ((Status.RECEIVED, Status.ASSIGNED), Status.ASSIGNED),
    "start": ((Status.ASSIGNED,), Status.IN_PROGRESS),
    "close": ((Status.IN_PROGRESS,), Status.CLOSED),
    "decline": ((Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS), Status.DECLINED),
}


@transaction.atomic
def request_step(support_request, step, *, by, note="", lead_agency=None, at=None):
    """Take `step` on the request: assign (to `lead_agency`), start, close (the note is the
    outcome) or decline (the note says why). Kept as a RequestEvent.

    Raises ValidationError when the step does not follow from where the request stands, or
    lacks what it needs; nothing is saved then.
    """
    sources, target = TRANSITIONS[step]
    locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    if locked.status not in sources:
        raise ValidationError(
            _("This request is %(status)s: it cannot take this step now.")
            % {"status": locked.get_status_display().lower()}
        )
    note = (note or "").strip()
    if step == "assign":
        if lead_agency is None:
            raise ValidationError({"lead_agency": _("Choose the lead agency.")})
        if not lead_agency.is_active:
            raise ValidationError({"lead_agency": _("Choose an agency that is still a member.")})
        if locked.status == Status.ASSIGNED and lead_agency.pk == locked.lead_agency_id:
            raise ValidationError({"lead_agency": _("It is assigned to this agency already.")})
    if step in ("close", "decline") and not note:
        message = _("Say what came of it.") if step == "close" else _("Say why.")
        raise ValidationError({"note": message})
    if step == "assign":
        # Before the step is kept, so that it names the agency it was given to.
        locked.lead_agency = lead_agency
    _step(locked, target, by=by, note=note, at=at)
    if step in ("close", "decline"):
        locked.outcome = note
    locked.status = target
    locked.version += 1
    locked.updated_by, locked.updated_at = _person(by), timezone.now()
    return _save(locked)
