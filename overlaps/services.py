"""Writes for overlap flags: recording scores, decisions, comments, joint initiatives.

The rules a re-scan follows:
- a new pair at or above the threshold becomes an `open` flag (`joint` for partners' or
  one initiative's work);
- an open or joint flag that no longer scores is removed;
- a decision survives re-scans, "joint work" decided by the secretariat included (a scan's
  own "joint" label does not); a decided pair is reopened only when one of its activities
  changed materially since the decision (see engine.material_fingerprint);
- each change of a flag's status or decision raises its version, so a decision taken on a
  page loaded before the change is refused (StaleFlagError) instead of replacing it.

Decisions, comments and joint initiatives are told to the people of the pair by email,
from the worker after commit (`notify_pair_event`).
"""

import datetime
import hashlib
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import services as activity_services
from activities.models import Activity
from agencies.models import PairNotifications, User
from common import emails, outbox
from initiatives import services as initiative_services
from initiatives.models import JointInitiative

from . import calibration, engine, notifications
from .models import FlagComment, OverlapFlag, PairEvent, PairNotification

log = logging.getLogger(__name__)

UNDECIDED = (OverlapFlag.Status.OPEN, OverlapFlag.Status.JOINT)
NOTIFY_TASK = "overlaps.tasks.notify_pair_event"

# The same person sending the same comment again within this time clicked twice.
REPEATED_COMMENT_WINDOW = datetime.timedelta(minutes=2)


class StaleFlagError(Exception):
    """The pair's decision changed (or the flag went away) since the person loaded it."""


def pair_fingerprint(profile_a, profile_b):
    both = engine.material_fingerprint(profile_a) + engine.material_fingerprint(profile_b)
    return hashlib.sha256(both.encode()).hexdigest()


def _status_for(score):
    return OverlapFlag.Status.JOINT if score.joint else OverlapFlag.Status.OPEN


def _is_undecided(flag):
    """Open, or labelled joint work by a scan: the scan may relabel or remove it."""
    return flag.status in UNDECIDED and not flag.is_decided


@transaction.atomic
def sync_flags(scores, profiles, scope_ids=None):
    """Make the stored flags match `scores` ({(a, b): Score} with a < b).

    `scope_ids` limits which existing undecided flags may be removed: the activities
    that were actually re-scored (None: all of them, after a full scan).
    """
    # Locked in a fixed order: a decision committed while the scores were computed must not
    # be overwritten by the bulk update below, and two syncs must not deadlock.
    existing = OverlapFlag.objects.select_for_update().order_by("pk")
    if scope_ids is not None:
        existing = existing.filter(Q(activity_a__in=scope_ids) | Q(activity_b__in=scope_ids))
    by_pair = {(f.activity_a_id, f.activity_b_id): f for f in existing}

    created, updated, removed, reopened = [], [], [], 0
    for pair, score in scores.items():
        flag = by_pair.get(pair)
        if flag is None:
            created.append(
                OverlapFlag(
                    activity_a_id=pair[0],
                    activity_b_id=pair[1],
                    score=score.value,
                    reasons=score.reasons,
                    status=_status_for(score),
                )
            )
            continue
        flag.score, flag.reasons = score.value, score.reasons
        if _is_undecided(flag):
            status = _status_for(score)
            if status != flag.status:
                flag.status = status
                flag.version += 1
        elif pair[0] in profiles and pair[1] in profiles:
            fingerprint = pair_fingerprint(profiles[pair[0]], profiles[pair[1]])
            if fingerprint != flag.decided_fingerprint:
                flag.status = _status_for(score)
                flag.decision_note = ""
                flag.decided_by = None
                flag.decided_at = None
                flag.decided_fingerprint = ""
                flag.version += 1
                reopened += 1
        updated.append(flag)
    for pair, flag in by_pair.items():
        if pair not in scores and _is_undecided(flag):
            removed.append(flag.pk)

    OverlapFlag.objects.bulk_create(created, batch_size=1000)
    now = timezone.now()
    for flag in updated:
        flag.scored_at = now
    OverlapFlag.objects.bulk_update(
        updated,
        [
            "score",
            "reasons",
            "status",
            "decision_note",
            "decided_by",
            "decided_at",
            "decided_fingerprint",
            "version",
            "scored_at",
        ],
        batch_size=1000,
    )
    OverlapFlag.objects.filter(pk__in=removed).delete()
    return {
        "created": len(created),
        "updated": len(updated),
        "removed": len(removed),
        "reopened": reopened,
    }


def rescore_activity(activity_id):
    """Re-check one activity against its candidates and update its flags.

    The engine keeps profiles and the fitted text model in memory between checks; its
    answers are checked against the database here, so a deleted or cancelled activity is
    never flagged. An edit made through another worker reaches this worker's cache with the
    next full scan (nightly), or when that activity is itself re-checked here.
    """
    # The same calibration as the nightly scan: a save must not flag what the scan removes.
    weights, threshold = calibration.current()
    results = engine.check_activity(activity_id, weights=weights, threshold=threshold)
    live = set(
        Activity.objects.exclude(status=Activity.Status.CANCELLED)
        .filter(pk__in=[activity_id, *(other for other, _score in results)])
        .values_list("pk", flat=True)
    )
    results = [(other, score) for other, score in results if other in live]
    scores = {tuple(sorted((activity_id, other))): score for other, score in results}
    profiles = engine.load_profiles(ids=sorted({activity_id, *(o for o, _s in results)}))
    return sync_flags(scores, profiles, scope_ids={activity_id})


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
            permanent = notifications.is_permanent(exc)
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


# The entry form asks for similar work while the person types; a handful of the
# best candidates is enough, and a cap keeps a "global" draft from loading everything.
DRAFT_CANDIDATE_CAP = 2000


def similar_for_draft(
    *,
    agency,
    title,
    description,
    countries,
    regions,
    start_date,
    end_date,
    priorities,
    target_groups=(),
    partners=(),
    initiative=None,
    exclude_id=None,
    limit=5,
):
    """Activities of other agencies that look like a draft (saved or not), best first.

    Scored as the check on save will score the saved activity: the same text model (the
    engine's per-process cache, fitted on every activity; the first check in a process
    builds it, as a scan would), the same weights and threshold.

    A draft is often half filled in. Without a title or description there is nothing to
    compare, and without a place no activity can overlap it: both give no answer. Without
    a start date the draft is taken to start today (or on its end date, if that is
    earlier): it meets the work running now or planned, where duplication can still be
    avoided.
    """
    if not (title or "").strip() and not (description or "").strip():
        return []
    if start_date is None:
        start_date = min(timezone.localdate(), end_date or datetime.date.max)
    draft = engine.draft_profile(
        agency_id=agency.pk if agency else None,
        title=title,
        description=description,
        countries=[c.pk for c in countries],
        regions=[r.pk for r in regions],
        start=start_date,
        end=end_date,
        priorities=[p.code for p in priorities],
        target_groups=[g.slug for g in target_groups],
        partner_ids=[a.pk for a in partners],
        initiative_id=initiative.pk if initiative else None,
    )
    if not draft.countries:
        return []
    candidates = (
        Activity.objects.exclude(status=Activity.Status.CANCELLED)
        .filter(
            Q(countries__in=draft.countries)
            | Q(regions__countries__in=draft.countries)
            # World covers every country whether or not its members are listed.
            | Q(regions=engine.WORLD)
        )
        .running_between(start_date, end_date)
    )
    if agency is not None:
        candidates = candidates.exclude(agency=agency)
    if exclude_id:
        candidates = candidates.exclude(pk=exclude_id)
    ids = list(
        candidates.order_by("-updated_at", "-pk")
        .values_list("pk", flat=True)
        .distinct()[:DRAFT_CANDIDATE_CAP]
    )
    if not ids:
        return []
    profiles = engine.load_profiles(ids=ids)
    weights, threshold = calibration.current()
    scored = engine.check_draft(draft, profiles.values(), weights=weights, threshold=threshold)
    top = scored[:limit]
    activities = Activity.objects.select_related("agency").in_bulk([pk for pk, _s in top])
    return [(activities[pk], score) for pk, score in top if pk in activities]


def full_scan(progress=None):
    """Score every candidate pair in-process and bring all flags in line."""
    weights, threshold = calibration.current()
    profiles = engine.load_profiles()
    text_model = engine.TextModel.fit(list(profiles.values()))
    found = engine.scan(
        profiles, text_model, threshold=threshold, weights=weights, progress=progress
    )
    scores = {(a, b): score for a, b, score in found}
    # The incremental checks start again from what the scan just saw.
    engine.warm_cache(profiles, text_model)
    return sync_flags(scores, profiles)


def _focal_points(similar):
    """agency id -> the focal points of the agencies named in `similar`, in one query."""
    from agencies.models import Role, User

    focal_points = {}
    agency_ids = {other.agency_id for other, _score in similar}
    for person in User.objects.filter(
        agency_id__in=agency_ids, role=Role.FOCAL_POINT, is_active=True
    ):
        focal_points.setdefault(person.agency_id, []).append(person)
    return focal_points


def similar_with_focal_points(**draft):
    """`similar_for_draft`, plus the focal points of the agencies it names."""
    similar = similar_for_draft(**draft)
    return similar, _focal_points(similar)


def similar_for_activity(activity, limit=5):
    """Similar activities by other agencies for a saved activity, with their focal points.

    Read from the flags its last check stored (one query), not scored again: the activity
    page is opened far more often than an activity is saved.
    """
    flags = (
        OverlapFlag.objects.involving(activity)
        .filter(status__in=UNDECIDED)
        .with_pair()
        .order_by("-score", "pk")[:limit]
    )
    similar = [
        (
            flag.activity_b if flag.activity_a_id == activity.pk else flag.activity_a,
            engine.Score(
                value=flag.score,
                joint=flag.status == OverlapFlag.Status.JOINT,
                reasons=flag.reasons,
            ),
        )
        for flag in flags
    ]
    return similar, _focal_points(similar)
