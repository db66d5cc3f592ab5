"""Writes to the group's governance: meetings, their agenda and action points, the chairs'
history, working groups and calendar feeds.

Each function runs in one transaction and raises ValidationError (field by field) when the
record would be wrong; nothing is saved then. Who may call them is governance.access.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import ActionPoint, AgendaItem, CalendarToken, Chairmanship, Meeting, WorkingGroup

MEETING_FIELDS = ("kind", "title", "date", "place", "online", "chair", "decisions")
AGENDA_FIELDS = ("title", "decision", "position")
ACTION_POINT_FIELDS = ("text", "owner", "due_date", "agenda_item")


def _person(by):
    return by if by is not None and by.is_authenticated else None


def _apply(record, fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {type(record).__name__} fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(record, name, value.strip() if isinstance(value, str) else value)


def _save(record):
    record.full_clean()
    record.save()
    return record


# -- meetings ----------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, by, **fields):
    meeting = Meeting(created_by=_person(by))
    _apply(meeting, fields, MEETING_FIELDS)
    return _save(meeting)


@transaction.atomic
def meeting_update(meeting, *, by, **fields):
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _apply(locked, fields, MEETING_FIELDS)
    locked.updated_at = timezone.now()
    return _save(locked)


@transaction.atomic
def meeting_delete(meeting, *, by):
    """Remove a meeting with no action points; one with action points is a record to keep."""
    if ActionPoint.objects.filter(meeting=meeting).exists():
        raise ValidationError(_("This meeting has action points; it stays as a record."))
    Meeting.objects.filter(pk=meeting.pk).delete()


# -- agenda items --------------------------------------------------------------------------------


@transaction.atomic
def agenda_item_add(meeting, *, by, title, decision="", position=None):
    """Add an item to the meeting's agenda; without a position, after the last one."""
    # The meeting row is locked so that two items added at once do not take one position.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).get()
    if position is None:
        last = meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0
        position = last + 1
    item = AgendaItem(meeting=meeting)
    _apply(item, {"title": title, "decision": decision, "position": position}, AGENDA_FIELDS)
    return _save(item)


@transaction.atomic
def agenda_item_update(item, *, by, **fields):
    locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
    _apply(locked, fields, AGENDA_FIELDS)
    return _save(locked)


# -- action points -------------------------------------------------------------------------------


def _check_item(action_point):
    item = action_point.agenda_item
    if item is not None and item.meeting_id != action_point.meeting_id:
        raise ValidationError({"agenda_item": _("Choose an item of this meeting's agenda.")})


@transaction.atomic
def action_point_create(meeting, *, by, **fields):
    action_point = ActionPoint(meeting=meeting, updated_by=_person(by))
    _apply(action_point, fields, ACTION_POINT_FIELDS)
    _check_item(action_point)
    return _save(action_point)


@transaction.atomic
def action_point_update(action_point, *, by, **fields):
    locked = ActionPoint.objects.select_for_update().get(pk=action_point.pk)
    _apply(locked, fields, ACTION_POINT_FIELDS)
    _check_item(locked)
    locked.updated_by, locked.updated_at = _person(by), timezone.now()
    return _save(locked)


@transaction.atomic
def action_point_set_status(action_point, *, by, status, note="", done_on=None):
    """Move an action point on. Done takes a done date (today unless given, never in the
    future); open or in progress clears it."""
    locked = ActionPoint.objects.select_for_update().get(pk=action_point.pk)
    today = timezone.localdate()
    if status == ActionPoint.Status.DONE:
        done_on = done_on or today
        if done_on > today:
            raise ValidationError({"done_on": _("The done date cannot be in the future.")})
    else:
        done_on = None
    locked.status, locked.done_on = status, done_on
    if note is not None:
        locked.status_note = note.strip()
    locked.updated_by, locked.updated_at = _person(by), timezone.now()
    return _save(locked)


# -- the chairs' history -----------------------------------------------------------------------


def _overlapping(start, end, exclude_pk=None):
    """Terms sharing a day with [start, end] (end None: still running)."""
    terms = Chairmanship.objects.exclude(pk=exclude_pk)
    terms = terms.filter(Q(end__isnull=True) | Q(end__gte=start))
    if end is not None:
        terms = terms.filter(start__lte=end)
    return terms


@transaction.atomic
def chairmanship_create(*, label, start, end=None, agency=None, co_chair=None, note=""):
    """Add a term. One chair at a time: a term overlapping another is refused."""
    # The table is locked for the check, so that two terms added at once cannot overlap.
    list(Chairmanship.objects.select_for_update().all())
    term = Chairmanship(
        label=label.strip(), start=start, end=end, agency=agency, co_chair=co_chair, note=note
    )
    term.full_clean()
    clash = _overlapping(start, end).first()
    if clash is not None:
        raise ValidationError(
            {"start": _("This term overlaps %(other)s's; one chair at a time.") % {"other": clash}}
        )
    term.save()
    return term


def current_chair(today=None):
    today = today or timezone.localdate()
    return (
        Chairmanship.objects.filter(start__lte=today)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .select_related("agency", "co_chair")
        .first()
    )


# -- working groups ----------------------------------------------------------------------------


WORKING_GROUP_FIELDS = ("name", "mandate")
# Paths under /governance/working-groups/ that a group's slug must not take.
RESERVED_SLUGS = {"new"}


def _unique_slug(name, exclude_pk=None):
    """The slug of `name`, made unique with -2, -3…; a name with no Latin letters (or a
    reserved word) still gets an address."""
    base = slugify(name)[:50] or "group"
    taken = (
        set(
            WorkingGroup.objects.exclude(pk=exclude_pk)
            .filter(slug__startswith=base)
            .values_list("slug", flat=True)
        )
        | RESERVED_SLUGS
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_members(co_chairs, members):
    """A co-chair is one of the group's members: the form lists both, and a co-chair left
    out of the members is a slip to point out, not to repair silently."""
    if not co_chairs:
        raise ValidationError({"co_chairs": _("A working group has at least one co-chair.")})
    outside = sorted((a.acronym for a in co_chairs if a not in set(members)), key=str.lower)
    if outside:
        raise ValidationError(
            {
                "co_chairs": _("A co-chair must also be a member: tick %(agencies)s as members.")
                % {"agencies": ", ".join(outside)}
            }
        )


@transaction.atomic
def working_group_create(*, name, mandate="", co_chairs=(), members=()):
    co_chairs, members = list(co_chairs), list(members)
    group = WorkingGroup(name=name.strip(), mandate=mandate.strip())
    group.slug = _unique_slug(group.name)
    group.full_clean()
    _check_members(co_chairs, members)
    group.save()
    group.co_chairs.set(co_chairs)
    group.members.set(members)
    return group


@transaction.atomic
def working_group_update(group, *, by=None, co_chairs=(), members=(), **fields):
    """Change a group's name, mandate, co-chairs and members. Its address (the slug) stays,
    so that links already sent keep working."""
    co_chairs, members = list(co_chairs), list(members)
    locked = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    _apply(locked, fields, WORKING_GROUP_FIELDS)
    locked.full_clean()
    _check_members(co_chairs, members)
    locked.save()
    locked.co_chairs.set(co_chairs)
    locked.members.set(members)
    return locked


# -- calendar feeds --------------------------------------------------------------------------------


@transaction.atomic
def calendar_token_create(user):
    """A new private address for `user`'s calendar; any older one stops working."""
    CalendarToken.objects.filter(user=user).delete()
    return CalendarToken.objects.create(user=user)


@transaction.atomic
def calendar_token_revoke(user):
    CalendarToken.objects.filter(user=user).delete()
