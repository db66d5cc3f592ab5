"""The secretariat's review of flagged pairs: decisions, comments, joint initiatives made
from a pair, and the emails that tell the people of the pair.

Each change of a flag's decision raises its version, so a decision taken on a page loaded
before the change is refused (StaleFlagError) instead of replacing it. Decisions, comments
and joint initiatives are told to the people of the pair by email, from the worker after
commit (`notify_pair_event`, published through the outbox).
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import services as activity_services
from activities.models import Activity
from agencies.models import PairNotifications, User
from common import emails, outbox, tallies
from initiatives import services as initiative_services
from initiatives.models import JointInitiative

from . import engine, notifications, services
from .models import PAIRS, FlagComment, OverlapFlag, PairEvent, PairNotification
from .services import pair_fingerprint

log = logging.getLogger(__name__)

NOTIFY_TASK = "overlaps.tasks.notify_pair_event"
REFIT_TASK = "overlaps.tasks.refit_calibration"

# The same person sending the same comment again within this time clicked twice.
REPEATED_COMMENT_WINDOW = datetime.timedelta(minutes=2)


class StaleFlagError(Exception):
    """The pair's decision changed (or the flag went away) since the person loaded it."""


def _lock(flag, expected_version):
    """The flag, locked until the transaction ends; refused if its decision changed since
    `expected_version` was loaded (None: no check), or if a re-scan removed it."""
    locked = OverlapFlag.objects.select_for_update().filter(pk=flag.pk).first()
    if locked is None:
        raise StaleFlagError
    if expected_version is not None and locked.version != expected_version:
        raise StaleFlagError
    return locked


def _record_decision(locked, *, by, status, note):
    profiles = engine.load_profiles(ids=[locked.activity_a_id, locked.activity_b_id])
    locked.status = status
    locked.decision_note = note
    locked.decided_by = by
    locked.decided_at = timezone.now()
    if len(profiles) == 2:
        locked.decided_fingerprint = pair_fingerprint(
            profiles[locked.activity_a_id], profiles[locked.activity_b_id]
        )
    locked.version += 1
    locked.save()
    tallies.changed(PAIRS)
    return locked


@transaction.atomic
def decide(flag, *, by, status, note="", expected_version=None):
    """Record the secretariat's decision on a pair.

    With `expected_version` (the version the person's page showed), refuse with
    StaleFlagError if the decision changed in between, rather than silently replace it.
    """
    if status not in OverlapFlag.DECISIONS:
        raise ValidationError(
            {"status": _("Choose confirmed, complementary, not related or joint work.")}
        )
    note = note.strip()
    try:
        locked = _lock(flag, expected_version)
    except StaleFlagError:
        current = OverlapFlag.objects.filter(pk=flag.pk).first()
        if (
            current is not None
            and current.decided_by_id == getattr(by, "pk", None)
            and (current.status, current.decision_note) == (status, note)
        ):
            # The same person sent the same decision twice (a double click, a resent form):
            # what they asked for is what is recorded.
            return current
        raise
    decided = _record_decision(locked, by=by, status=status, note=note)
    _announce(decided, PairEvent.Kind.DECISION, by=by, status=status, note=note)
    if status in OverlapFlag.DECIDED_APART and services.refit_due():
        # Through the outbox like the emails: the decision is saved even if the broker is
        # down, and the refit is published when it is back.
        outbox.enqueue(REFIT_TASK)
    return decided


@transaction.atomic
def comment(flag, *, by, text):
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment first.")})
    # Comments add to a pair without changing its decision, so the version stays; the
    # lock only queues two sends of one comment so that the second finds the first.
    _lock(flag, expected_version=None)
    repeated = (
        FlagComment.objects.filter(
            flag=flag,
            author=by,
            text=text,
            created_at__gte=timezone.now() - REPEATED_COMMENT_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )
    if repeated is not None:
        return repeated
    added = FlagComment.objects.create(flag=flag, author=by, text=text)
    _announce(flag, PairEvent.Kind.COMMENT, by=by, comment=added)
    return added


def can_become_initiative(flag):
    """Decided as duplication or joint work, and not yet the source of an initiative."""
    return flag.status in OverlapFlag.MAKE_INITIATIVE and flag.is_decided and not flag.initiative_id


@transaction.atomic
def initiative_from_flag(flag, *, by, expected_version=None):
    """The pair's joint initiative, pre-filled from both activities: (initiative, created).

    A pair has at most one. If it already has one (a second click, a second person), that
    one is returned, created False. Otherwise the pair must be decided as a confirmed
    duplication or joint work, on the version the person's page showed (StaleFlagError if
    it changed). If both activities already belong to one initiative, that is the pair's.

    The flag's row lock queues concurrent requests; the link is then written only while
    it is empty (a conditional UPDATE), so even a request that got past the lock could
    not give the pair a second initiative: it rolls back and returns the first.
    """
    locked = _lock(flag, expected_version=None)
    if locked.initiative_id is not None:
        return JointInitiative.objects.get(pk=locked.initiative_id), False
    if expected_version is not None and locked.version != expected_version:
        raise StaleFlagError
    if not (locked.status in OverlapFlag.MAKE_INITIATIVE and locked.is_decided):
        raise ValidationError(
            _(
                "Decide the pair as a confirmed duplication or as joint work before making "
                "a joint initiative of it."
            )
        )
    a = Activity.objects.select_related("agency", "initiative").get(pk=locked.activity_a_id)
    b = Activity.objects.select_related("agency", "initiative").get(pk=locked.activity_b_id)
    if a.initiative_id is not None and a.initiative_id == b.initiative_id:
        shared = a.initiative
        # It may already be another pair's (three activities of one initiative): then
        # this pair only points to it through its activities.
        if not OverlapFlag.objects.filter(initiative=shared).exists():
            _link_initiative(locked, shared)
        return shared, False

    ends = [d for d in (a.end_date, b.end_date) if d]
    initiative = initiative_services.initiative_create(
        title=_("Joint: %(title)s") % {"title": a.title[:230]},
        description=f"{a.agency.acronym}: {a.description}\n\n{b.agency.acronym}: {b.description}",
        lead_agency=a.agency,
        participating_agencies=[a.agency, b.agency],
        priorities=list({*a.priorities.all(), *b.priorities.all()}),
        start_date=min(a.start_date, b.start_date),
        end_date=max(ends) if len(ends) == 2 else None,
        by=by,
    )
    if not _link_initiative(locked, initiative):
        # Another request linked one in between: undo ours (the savepoint of
        # initiative_create has been released, so delete explicitly) and return theirs.
        JointInitiative.objects.filter(pk=initiative.pk).delete()
        current = OverlapFlag.objects.select_related("initiative").get(pk=locked.pk)
        return current.initiative, False
    for activity in (a, b):
        activity_services.activity_update(activity, by=by, initiative=initiative)
    _announce(locked, PairEvent.Kind.INITIATIVE, by=by, initiative=initiative)
    return initiative, True


def _link_initiative(flag, initiative):
    """Point the pair at `initiative` if it points at none yet; whether it did."""
    linked = OverlapFlag.objects.filter(pk=flag.pk, initiative__isnull=True).update(
        initiative=initiative, version=F("version") + 1
    )
    if linked:
        tallies.changed(PAIRS)
    return bool(linked)


# -- telling people ------------------------------------------------------------------------


def _announce(flag, kind, *, by, status="", note="", comment=None, initiative=None):
    """Record what happened to the pair and queue the emails about it after commit."""
    event = PairEvent.objects.create(
        flag=flag,
        kind=kind,
        actor=by if getattr(by, "pk", None) else None,
        status=status,
        note=note,
        comment=comment,
        initiative=initiative,
    )
    # Through the outbox: published after commit, and kept if the broker is down.
    outbox.enqueue(NOTIFY_TASK, event.pk)
    return event


def notify_pair_event(event_id):
    """Email the people of a pair about one event, each at most once.

    Who: `notifications.recipients` (both agencies' focal points and both activities'
    contacts, not the person who acted, not those who chose "in my digest only"). Each
    address gets a PairNotification row (unique per event and address) and is claimed
    before its email is sent, so a redelivered or concurrent task sends nothing twice.
    Returns {"sent": n, "failed": n, "retry": n}; "retry" counts transient SMTP failures,
    left pending for the task to try again.
    """
    event = (
        PairEvent.objects.select_related(
            "flag__activity_a__agency",
            "flag__activity_b__agency",
            "actor",
            "comment__author",
            "initiative__lead_agency",
        )
        .filter(pk=event_id)
        .first()
    )
    counts = {"sent": 0, "failed": 0, "retry": 0}
    if event is None:  # the pair went away (an activity deleted) before the task ran
        return counts
    PairNotification.objects.bulk_create(
        [
            PairNotification(event=event, email=email, recipient=person)
            for email, person in notifications.recipients(event)
        ],
        ignore_conflicts=True,
    )
    waiting = list(
        PairNotification.objects.filter(
            event=event, status=PairNotification.Status.PENDING
        ).order_by("pk")
    )
    # The same words for everyone: rendered once.
    rendered = emails.render("pair_event", notifications.email_context(event)) if waiting else None
    for row in waiting:
        claimed = PairNotification.objects.filter(
            pk=row.pk, status=PairNotification.Status.PENDING
        ).update(status=PairNotification.Status.SENDING, attempts=F("attempts") + 1)
        if not claimed:
            continue  # another delivery of this task has it
        try:
            emails.build(row.email, *rendered).send()
        except Exception as exc:  # SMTP and network errors vary by backend
            permanent = emails.is_permanent(exc)
            PairNotification.objects.filter(pk=row.pk).update(
                status=(
                    PairNotification.Status.FAILED if permanent else PairNotification.Status.PENDING
                ),
                error=str(exc)[:1000],
            )
            log.warning("pair event %s: email to %s failed: %s", event.pk, row.email, exc)
            counts["failed" if permanent else "retry"] += 1
            continue
        PairNotification.objects.filter(pk=row.pk).update(
            status=PairNotification.Status.SENT, sent_at=timezone.now(), error=""
        )
        counts["sent"] += 1
    return counts


def pair_notifications_set(user, value):
    """Choose how this person hears of pairs: at once by email, or in the digest only."""
    if value not in PairNotifications.values:
        raise ValidationError({"pair_notifications": _("Choose one of the options.")})
    User.objects.filter(pk=user.pk).update(pair_notifications=value)
    user.pair_notifications = value
    return user
