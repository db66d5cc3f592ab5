"""Writes to common positions: draft, revise, move through the stages, comment, endorse.

Every write records a PositionEvent (comments are their own record), so a position's page
tells its history. Who may call each is the gate's business (access.py); when, and what
each step needs, is decided here.

The lifecycle:
    draft → consultation → endorsement → adopted (published)
    draft, consultation or endorsement → withdrawn
Consultation needs a comment deadline, endorsement an endorsement deadline (today or
later). Opening the endorsement asks every active member agency for its head's answer.
The secretariat adopts a position once at least one agency endorsed it and either every
agency answered or the endorsement deadline has passed; the agencies that declined, or
did not answer, are listed as not endorsing it.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Role, User
from common import emails, outbox

from .models import Endorsement, Position, PositionComment, PositionEvent, PositionVersion

log = logging.getLogger(__name__)

Status = Position.Status

TRANSITIONS = {
    Status.DRAFT: (Status.CONSULTATION, Status.WITHDRAWN),
    Status.CONSULTATION: (Status.ENDORSEMENT, Status.WITHDRAWN),
    Status.ENDORSEMENT: (Status.ADOPTED, Status.WITHDRAWN),
    Status.ADOPTED: (),
    Status.WITHDRAWN: (),
}
# The steps that need a deadline, and which one.
DEADLINE_OF = {
    Status.CONSULTATION: "comment_deadline",
    Status.ENDORSEMENT: "endorsement_deadline",
}
# Heads who have not answered are reminded this many days before the endorsement deadline.
REMINDER_DAYS = 7

NOTIFY_TASK = "positions.tasks.notify_position_event"


class StalePositionError(Exception):
    """The text changed since the editor loaded it."""


def _normalise(text):
    """The text as stored: one kind of line ending, no trailing blanks at the ends."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _check_priorities(priorities):
    if not priorities:
        raise ValidationError({"priorities": _("Choose at least one priority.")})


@transaction.atomic
def position_create(
    *, title, lead_agency, priorities, text, by, kind=Position.Kind.POSITION, summary=""
):
    """A new draft, with its text as version 1."""
    position = Position(
        title=title.strip(),
        kind=kind,
        summary=summary.strip(),
        lead_agency=lead_agency,
        created_by=_person(by),
    )
    position.full_clean()
    priorities = list(priorities)
    _check_priorities(priorities)
    text = _normalise(text)
    if not text:
        raise ValidationError({"text": _("Write the text of the position.")})
    position.save()
    position.priorities.set(priorities)
    version = PositionVersion.objects.create(
        position=position, number=1, text=text, author=_person(by)
    )
    Position.objects.filter(pk=position.pk).update(current_version=version)
    position.current_version = version
    _record(position, PositionEvent.Kind.CREATED, by=by, version=version, to_status=Status.DRAFT)
    return position


@transaction.atomic
def position_update(
    position,
    *,
    by,
    base_version,
    title=None,
    kind=None,
    summary=None,
    priorities=None,
    text=None,
    change_note="",
):
    """Change a draft or a position in consultation.

    A changed text becomes a new version (with `change_note`, required then); the details
    (title, kind, summary, priorities) change in place. `base_version` is the number of the
    version the editor started from: if someone saved a newer one in between, nothing is
    saved (StalePositionError). Returns the position.
    """
    locked = (
        Position.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=position.pk)
    )
    if not locked.is_editable:
        raise ValidationError(
            _("The text can only change while the position is a draft or in consultation.")
        )
    current = locked.current_version
    if current is None or current.number != base_version:
        raise StalePositionError
    details_changed = False
    for name, value in (("title", title), ("kind", kind), ("summary", summary)):
        if value is None:
            continue
        value = value.strip()
        if getattr(locked, name) != value:
            setattr(locked, name, value)
            details_changed = True
    locked.full_clean()
    if priorities is not None:
        priorities = list(priorities)
        _check_priorities(priorities)
        if {p.pk for p in priorities} != set(locked.priorities.values_list("pk", flat=True)):
            locked.priorities.set(priorities)
            details_changed = True
    new_version = None
    if text is not None:
        text = _normalise(text)
        if not text:
            raise ValidationError({"text": _("Write the text of the position.")})
        if text != current.text:
            change_note = (change_note or "").strip()
            if not change_note:
                raise ValidationError(
                    {"change_note": _("Say what changed in this version, and why.")}
                )
            new_version = PositionVersion.objects.create(
                position=locked,
                number=current.number + 1,
                text=text,
                change_note=change_note,
                author=_person(by),
            )
            locked.current_version = new_version
    if not details_changed and new_version is None:
        return locked
    locked.save()
    if details_changed:
        _record(locked, PositionEvent.Kind.EDITED, by=by)
    if new_version is not None:
        _record(
            locked,
            PositionEvent.Kind.REVISED,
            by=by,
            version=new_version,
            note=new_version.change_note,
        )
    return locked


def allowed_transitions(position):
    """The stages this position may move to next."""
    return TRANSITIONS[Status(position.status)]


def adoption_blockers(position, today=None):
    """Why the position cannot be adopted yet: a list of sentences, empty when it can."""
    today = today or timezone.localdate()
    if position.status != Status.ENDORSEMENT:
        return [_("Only a position in endorsement can be adopted.")]
    counts = dict.fromkeys(Endorsement.Status.values, 0)
    counts.update(position.endorsements.order_by().values_list("status").annotate(n=Count("pk")))
    blockers = []
    if not counts[Endorsement.Status.ENDORSED]:
        blockers.append(_("No agency has endorsed it yet."))
    deadline = position.endorsement_deadline
    if counts[Endorsement.Status.PENDING] and deadline and today <= deadline:
        blockers.append(
            _(
                "Some agencies have not answered and the endorsement deadline "
                "(%(date)s) has not passed."
            )
            % {"date": deadline.isoformat()}
        )
    return blockers


@transaction.atomic
def position_transition(position, *, to, by, note="", deadline=None, today=None):
    """Move a position to stage `to`, recording who did it and why.

    Refuses (ValidationError) a step the lifecycle does not allow, a consultation or an
    endorsement without a deadline from today on, an adoption before its time (see
    adoption_blockers) and a withdrawal without its reason.
    """
    today = today or timezone.localdate()
    locked = Position.objects.select_for_update().get(pk=position.pk)
    to = Status(to)
    if to not in allowed_transitions(locked):
        raise ValidationError(
            {
                "to": _("A position %(from)s cannot become %(to)s.")
                % {"from": locked.get_status_display().lower(), "to": to.label.lower()}
            }
        )
    note = (note or "").strip()
    now = timezone.now()
    if to in DEADLINE_OF:
        _check_deadline(deadline, today)
        setattr(locked, DEADLINE_OF[to], deadline)
    if to == Status.CONSULTATION:
        locked.consultation_opened_at = now
    elif to == Status.ENDORSEMENT:
        locked.endorsement_opened_at = now
    elif to == Status.ADOPTED:
        blockers = adoption_blockers(locked, today)
        if blockers:
            raise ValidationError({"to": blockers})
        locked.adopted_at = now
    elif to == Status.WITHDRAWN and not note:
        raise ValidationError({"note": _("Say why the position is withdrawn.")})
    from_status = locked.status
    locked.status = to
    locked.full_clean()
    locked.save()
    if to == Status.ENDORSEMENT:
        Endorsement.objects.bulk_create(
            Endorsement(position=locked, agency=agency) for agency in Agency.objects.active()
        )
    _record(
        locked,
        PositionEvent.Kind.TRANSITIONED,
        by=by,
        from_status=from_status,
        to_status=to,
        note=note,
    )
    return locked


def _check_deadline(deadline, today):
    if deadline is None:
        raise ValidationError({"deadline": _("Give a deadline.")})
    if deadline < today:
        raise ValidationError({"deadline": _("The deadline cannot be in the past.")})


@transaction.atomic
def deadline_change(position, *, deadline, by, today=None):
    """Move the deadline of the stage the position is in (consultation or endorsement).

    A new endorsement deadline lets the heads who have not answered be reminded again, a
    week before it.
    """
    today = today or timezone.localdate()
    locked = Position.objects.select_for_update().get(pk=position.pk)
    field = DEADLINE_OF.get(Status(locked.status))
    if field is None:
        raise ValidationError(_("Only a consultation or an endorsement has a deadline."))
    _check_deadline(deadline, today)
    old = getattr(locked, field)
    if old == deadline:
        return locked
    setattr(locked, field, deadline)
    locked.save()
    if field == "endorsement_deadline":
        locked.endorsements.pending().update(reminded_at=None)
    _record(
        locked,
        PositionEvent.Kind.DEADLINE,
        by=by,
        note=_("%(old)s → %(new)s")
        % {"old": old.isoformat() if old else "—", "new": deadline.isoformat()},
    )
    return locked


@transaction.atomic
def comment_add(position, *, by, text, parent=None, today=None):
    """A comment on the version under consultation, or a reply in a comment's thread (on
    that comment's version). Replies hang under the comment that starts the thread."""
    locked = Position.objects.select_for_update().get(pk=position.pk)
    today = today or timezone.localdate()
    if locked.status != Status.CONSULTATION:
        raise ValidationError(_("Comments are taken only while the position is in consultation."))
    if locked.comment_deadline and today > locked.comment_deadline:
        raise ValidationError(_("The comment deadline has passed."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    if parent is not None:
        if parent.position_id != locked.pk:
            raise ValidationError(_("That comment is on another position."))
        root = parent if parent.parent_id is None else parent.parent
        version_id = root.version_id
    else:
        root = None
        version_id = locked.current_version_id
    return PositionComment.objects.create(
        position=locked,
        version_id=version_id,
        parent=root,
        agency=None if by.is_secretariat else by.agency,
        author=by,
        text=text,
    )


@transaction.atomic
def endorsement_answer(endorsement, *, endorse, by, note=""):
    """The agency's answer, given by its head. A second answer is refused
    (ValidationError), so that a double submit counts once; so is an answer once the
    position has left the endorsement stage."""
    position = Position.objects.select_for_update().get(pk=endorsement.position_id)
    locked = Endorsement.objects.select_for_update().get(pk=endorsement.pk)
    if position.status != Status.ENDORSEMENT:
        raise ValidationError(_("The position is no longer open for endorsement."))
    if locked.status != Endorsement.Status.PENDING:
        raise ValidationError(_("Your agency has answered already."))
    locked.status = Endorsement.Status.ENDORSED if endorse else Endorsement.Status.DECLINED
    locked.answered_by = by
    locked.answered_at = timezone.now()
    locked.note = (note or "").strip()
    locked.version_id = position.current_version_id
    locked.save()
    # The position's own row changes too, so that its "updated" reflects the answer.
    position.save(update_fields=["updated_at"])
    kind = PositionEvent.Kind.ENDORSED if endorse else PositionEvent.Kind.DECLINED
    _record(position, kind, by=by, agency=locked.agency, note=locked.note)
    return locked


# -- emails --------------------------------------------------------------------------------


def notification_recipients(event):
    """Who hears of a stage opening by email: the focal points of every other active agency
    when the consultation opens (they gather their agency's comments), the heads of the
    agencies asked when the endorsement opens. Nobody else, never the person who acted."""
    if event.kind != PositionEvent.Kind.TRANSITIONED:
        return User.objects.none()
    position = event.position
    if event.to_status == Status.CONSULTATION:
        people = User.objects.filter(role=Role.FOCAL_POINT, agency__is_active=True).exclude(
            agency_id=position.lead_agency_id
        )
    elif event.to_status == Status.ENDORSEMENT:
        people = User.objects.filter(
            role=Role.HEAD, agency__in=position.endorsements.pending().values("agency")
        )
    else:
        return User.objects.none()
    people = people.filter(is_active=True).exclude(email="").order_by("email")
    if event.actor_id:
        people = people.exclude(pk=event.actor_id)
    return people


def notify_position_event(event_id):
    """Email the people concerned by one event; returns how many were sent.

    The event is claimed first (a conditional UPDATE of notified_at): a task delivered
    twice sends nothing the second time. An SMTP failure after the claim is logged, not
    retried: the position's page and the digest still tell it.
    """
    claimed = PositionEvent.objects.filter(pk=event_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return 0
    event = PositionEvent.objects.select_related("position__lead_agency", "actor").get(pk=event_id)
    position = event.position
    context = {
        "event": event,
        "position": position,
        "position_url": settings.SITE_URL + position.get_absolute_url(),
    }
    rendered = emails.render("position_event", context)
    sent = 0
    for person in notification_recipients(event):
        try:
            emails.build(person.email, *rendered).send()
        except Exception as exc:  # SMTP and network errors vary by backend
            log.warning("position event %s: email to %s failed: %s", event.pk, person.email, exc)
            continue
        sent += 1
    return sent


def reminders_due(today):
    """Endorsements not answered, not reminded, whose deadline is REMINDER_DAYS away or
    closer (and not passed), asked before today (a head asked today was just emailed)."""
    return Endorsement.objects.pending().filter(
        reminded_at__isnull=True,
        position__status=Status.ENDORSEMENT,
        position__endorsement_deadline__gte=today,
        position__endorsement_deadline__lte=today + datetime.timedelta(days=REMINDER_DAYS),
        created_at__date__lt=today,
    )


def send_endorsement_reminders(today=None):
    """Remind the heads of the agencies that have not answered, a week before the deadline.

    Idempotent: each endorsement is claimed (reminded_at set by a conditional UPDATE) before
    its heads are emailed, so a second run, or two at once, remind nobody twice. An SMTP
    failure after the claim is logged and not retried (the head still sees the position in
    "Needs your attention" and the digest). Returns {"endorsements": claimed, "sent": emails}.
    """
    today = today or timezone.localdate()
    claimed = sent = 0
    for endorsement_id in list(reminders_due(today).values_list("pk", flat=True)):
        won = Endorsement.objects.filter(
            pk=endorsement_id,
            reminded_at__isnull=True,
            status=Endorsement.Status.PENDING,
        ).update(reminded_at=timezone.now())
        if not won:
            continue
        claimed += 1
        sent += _remind(endorsement_id)
    return {"endorsements": claimed, "sent": sent}


def _remind(endorsement_id):
    endorsement = Endorsement.objects.select_related("agency", "position__lead_agency").get(
        pk=endorsement_id
    )
    position = endorsement.position
    heads = User.objects.filter(
        agency_id=endorsement.agency_id, role=Role.HEAD, is_active=True
    ).exclude(email="")
    sent = 0
    for head in heads.order_by("email"):
        context = {
            "recipient": head,
            "endorsement": endorsement,
            "position": position,
            "position_url": settings.SITE_URL + position.get_absolute_url(),
        }
        try:
            emails.send("position_reminder", head.email, context)
        except Exception as exc:  # SMTP and network errors vary by backend
            log.warning(
                "reminder for endorsement %s: email to %s failed: %s",
                endorsement.pk,
                head.email,
                exc,
            )
            continue
        sent += 1
    return sent


# -- history -------------------------------------------------------------------------------

# What the agencies are told of by email; the rest they read on the position's page.
NOTIFIED_STAGES = (Status.CONSULTATION, Status.ENDORSEMENT)


def _person(by):
    return by if by is not None and by.is_authenticated else None


def _record(
    position, kind, *, by, version=None, agency=None, from_status="", to_status="", note=""
):
    event = PositionEvent.objects.create(
        position=position,
        kind=kind,
        version=version,
        agency=agency,
        actor=_person(by),
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
    if kind == PositionEvent.Kind.TRANSITIONED and to_status in NOTIFIED_STAGES:
        # Through the outbox: published after commit, and kept if the broker is down.
        outbox.enqueue(NOTIFY_TASK, event.pk)
    return event
