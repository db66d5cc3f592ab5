"""Writes for overlap flags from scoring: scans, re-checks, and similar work for a draft.

The rules a re-scan follows:
- a new pair at or above the threshold becomes an `open` flag (`joint` for partners' or
  one initiative's work);
- an open or joint flag that no longer scores is removed;
- a decision survives re-scans, "joint work" decided by the secretariat included (a scan's
  own "joint" label does not); a decided pair is reopened only when one of its activities
  changed materially since the decision (see engine.material_fingerprint);
- each change of a flag's status or decision raises its version, so a decision taken on a
  page loaded before the change is refused (overlaps.review.StaleFlagError).

The secretariat's decisions, comments and joint initiatives are written by overlaps/review.py;
every OVERLAP_REFIT_EVERY of them the score is refitted on them (`refit_from_decisions`).
"""

import datetime
import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from activities.models import Activity
from agencies.models import User
from common import tallies

from . import calibration, engine, learning
from .models import PAIRS, ActivityEmbedding, OverlapFlag, ScoreCalibration

log = logging.getLogger(__name__)

UNDECIDED = (OverlapFlag.Status.OPEN, OverlapFlag.Status.JOINT)


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
    # A pair with a withdrawn activity is left as it is, open or decided: its comments are
    # the agencies' work, and restoring the activity re-checks it.
    existing = OverlapFlag.objects.both_alive().select_for_update(of=("self",)).order_by("pk")
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
            if not flag.decided_fingerprint:
                # Decided without a fingerprint (before they were kept, or by an import):
                # no change can be told, so the decision stands and remembers today's.
                flag.decided_fingerprint = fingerprint
            elif fingerprint != flag.decided_fingerprint:
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
    if created or updated or removed:
        # Every scan and check writes through here: the counts of pairs go stale.
        tallies.changed(PAIRS)
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
    store_embeddings(engine.take_fresh_embeddings())
    live = set(
        Activity.objects.exclude(status=Activity.Status.CANCELLED)
        .filter(pk__in=[activity_id, *(other for other, _score in results)])
        .values_list("pk", flat=True)
    )
    results = [(other, score) for other, score in results if other in live]
    scores = {tuple(sorted((activity_id, other))): score for other, score in results}
    profiles = engine.load_profiles(ids=sorted({activity_id, *(o for o, _s in results)}))
    return sync_flags(scores, profiles, scope_ids={activity_id})


def store_embeddings(fresh):
    """Keep the sentence embeddings a text model had to compute ({activity id: (text
    hash, vector)}), so that the next scan reads them. An activity deleted meanwhile is
    skipped. Returns how many were stored."""
    if not fresh:
        return 0
    alive = set(Activity.all_objects.filter(pk__in=list(fresh)).values_list("pk", flat=True))
    rows = [
        ActivityEmbedding(
            activity_id=pk, version=engine.semantic.VERSION, text_hash=text_hash, vector=raw
        )
        for pk, (text_hash, raw) in sorted(fresh.items())
        if pk in alive
    ]
    try:
        # In its own savepoint: an activity deleted between the check above and the insert
        # must not abort the check on save that called this (the vector is only a cache).
        with transaction.atomic():
            ActivityEmbedding.objects.bulk_create(
                rows,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["activity"],
                update_fields=["version", "text_hash", "vector", "updated_at"],
            )
    except IntegrityError:
        log.warning("Embeddings not stored: an activity was deleted meanwhile", exc_info=True)
        return 0
    return len(rows)


def embed_missing(batch=256, progress=None, ids=None):
    """Embed every activity whose stored vector is missing or stale (of the activities
    `ids` only, if given), in batches, and store them: the first-time embedding of a
    register, after a model change, or the new texts of an import. Resumable (what is
    stored is not redone). Returns how many were embedded."""
    current = ActivityEmbedding.objects.filter(version=engine.semantic.VERSION)
    activities = Activity.objects.exclude(status=Activity.Status.CANCELLED)
    if ids is not None:
        ids = sorted({int(i) for i in ids})
        current = current.filter(activity_id__in=ids)
        activities = activities.filter(pk__in=ids)
    stored = dict(current.values_list("activity_id", "text_hash").iterator(chunk_size=10_000))
    todo = [
        (pk, title, description)
        for pk, title, description in activities.order_by("pk")
        .values_list("pk", "title", "description")
        .iterator(chunk_size=10_000)
        if stored.get(pk) != engine.semantic.text_hash(title, description)
    ]
    done = 0
    for start in range(0, len(todo), batch):
        part = todo[start : start + batch]
        texts = [engine.semantic.text_of(title, description) for _pk, title, description in part]
        vectors = engine.semantic.embed(texts)
        store_embeddings(
            {
                pk: (engine.semantic.text_hash(title, description), raw)
                for (pk, title, description), raw in zip(part, vectors, strict=True)
            }
        )
        done += len(part)
        if progress:
            progress(done, len(todo))
    return done


def rescore_activities(activity_ids):
    """Re-check many activities (an import) and update their flags, in one pass.

    The same flags as `rescore_activity` called on each of them in turn: the pairs come
    from engine.check_activities (the union of the single checks), and each activity's
    flags that no longer score are removed. Their new texts are embedded first, in batches,
    and stored, so that the check reads them like any stored vector.
    """
    ids = sorted({int(i) for i in activity_ids})
    if not ids:
        return {"created": 0, "updated": 0, "removed": 0, "reopened": 0}
    embed_missing(ids=ids)
    weights, threshold = calibration.current()
    found = engine.check_activities(ids, weights=weights, threshold=threshold)
    # Candidates that had to be embedded on the fly (saved elsewhere, their check queued).
    store_embeddings(engine.take_fresh_embeddings())
    involved = sorted({i for a, b, _score in found for i in (a, b)})
    live = set(
        Activity.objects.exclude(status=Activity.Status.CANCELLED)
        .filter(pk__in=involved)
        .values_list("pk", flat=True)
    )
    scores = {(a, b): score for a, b, score in found if a in live and b in live}
    profiles = engine.load_profiles(ids=sorted({i for pair in scores for i in pair}))
    return sync_flags(scores, profiles, scope_ids=set(ids))


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
    language="",
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
        language=language,
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
    # Candidates the draft check had to embed (saved in another process, their check on
    # save still queued) are not stored here: a draft check is a read and writes nothing.
    # The per-process cache (semantic._embed_one) spares the next keystroke the work.
    top = scored[:limit]
    activities = Activity.objects.select_related("agency").in_bulk([pk for pk, _s in top])
    return [(activities[pk], score) for pk, score in top if pk in activities]


def full_scan(progress=None):
    """Score every candidate pair in-process and bring all flags in line."""
    weights, threshold = calibration.current()
    profiles = engine.load_profiles()
    text_model = engine.TextModel.fit(list(profiles.values()))
    store_embeddings(text_model.take_fresh_embeddings())
    found = engine.scan(
        profiles, text_model, threshold=threshold, weights=weights, progress=progress
    )
    scores = {(a, b): score for a, b, score in found}
    # The incremental checks start again from what the scan just saw.
    engine.warm_cache(profiles, text_model)
    return sync_flags(scores, profiles)


def _focal_points(similar):
    """agency id -> the focal points of the agencies named in `similar`, in one query."""
    from agencies.models import Role

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
        # The panel's proposal links carry each activity's priorities.
        .prefetch_related("activity_a__priorities", "activity_b__priorities")
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


def note_withdrawal(activity_id, kind):
    """Note on each pair of an activity that it was withdrawn or restored (`kind`, a
    PairEvent.Kind), so that the pair's people read it in their digest.

    Run from the outbox after the withdrawal or restore commits; safe to run twice: a pair
    whose latest such note is already this one gets no other.
    """
    from .models import PairEvent

    activity = Activity.all_objects.filter(pk=activity_id).first()
    if activity is None:
        return 0
    expected = PairEvent.Kind.WITHDRAWN if activity.deleted_at else PairEvent.Kind.RESTORED
    if kind != expected:
        # Restored (or withdrawn again) before this ran: the later message says so.
        return 0
    by = activity.deleted_by if kind == PairEvent.Kind.WITHDRAWN else activity.updated_by
    noted = 0
    with transaction.atomic():
        for flag in OverlapFlag.objects.involving(activity).select_for_update().order_by("pk"):
            last = (
                flag.events.filter(kind__in=(PairEvent.Kind.WITHDRAWN, PairEvent.Kind.RESTORED))
                .order_by("-created_at", "-pk")
                .first()
            )
            if last is not None and last.kind == kind:
                continue
            PairEvent.objects.create(
                flag=flag, kind=kind, actor=by, note=str(activity.agency.acronym)
            )
            noted += 1
    return noted


# -- learning from the secretariat's decisions ---------------------------------------------

# One decision in HELDOUT_EVERY is kept out of the fit to judge it (20 %).
HELDOUT_EVERY = 5
# Any fixed number: the key of the lock that lets one refit run at a time.
REFIT_LOCK = 0x6D6752 + 1


def is_heldout(flag_id):
    """Whether a decided pair judges refits rather than feeds them.

    By a hash of the flag's id: the same pair stays on the same side from one refit to the
    next, so that a refit is never judged on decisions it was fitted on.
    """
    digest = hashlib.sha256(f"heldout:{flag_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % HELDOUT_EVERY == 0


def _last_refit():
    """The latest refit, kept or refused: decisions after it are new."""
    return ScoreCalibration.objects.order_by("-fitted_at", "-pk").first()


def decisions_since_refit():
    """(decisions taken since the last refit, decisions in all) the score learns from."""
    learned = OverlapFlag.objects.learned_from()
    last = _last_refit()
    if last is None:
        total = learned.count()
        return total, total
    since = last.decided_until or last.fitted_at
    counts = learned.aggregate(new=Count("pk", filter=Q(decided_at__gt=since)), total=Count("pk"))
    return counts["new"], counts["total"]


def refit_due():
    """Enough new decisions for the next refit (see `refit_from_decisions`)."""
    new, total = decisions_since_refit()
    return new >= settings.OVERLAP_REFIT_EVERY and total >= learning.MIN_DECISIONS


def _agreement(flags, profiles, text_model, weights, threshold):
    """The share of `flags` whose decision the calibration agrees with: flagged (score at
    or above the threshold) exactly when the pair was confirmed as a duplication."""
    agreed = 0
    for flag in flags:
        score = engine.score_pair(
            profiles[flag.activity_a_id],
            profiles[flag.activity_b_id],
            text_model,
            weights=weights,
            threshold=threshold,
        )
        flagged = score is not None and score.value >= threshold
        agreed += flagged == (flag.status == OverlapFlag.Status.CONFIRMED)
    return agreed / len(flags)


def refit_from_decisions(*, min_new=1):
    """Refit the score's weights and threshold on the secretariat's decisions, and keep the
    refit only if it does not agree worse with decisions it was not fitted on.

    The decided pairs are split for good (`is_heldout`): four in five are fitted on, the
    fifth judge. Both the calibration in force and the refit score the held-out pairs with
    one text model; the refit is applied only if its agreement is at least the other's.
    Either way a ScoreCalibration records both figures (a refused one, applied false, says
    why in its note), and the next refit waits for new decisions.

    With fewer than `min_new` decisions since the last refit, does nothing and returns
    None: a task delivered twice, or queued by two decisions, refits once. One refit runs
    at a time. Pairs already flagged are re-scored by the next scan or check; a decided
    pair keeps its decision (see `sync_flags`).

    The one place that calls `learning.fit_weights` and reads the calibration in force for
    a refit, so that both may change underneath.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFIT_LOCK])
        new, _total = decisions_since_refit()
        if new < max(min_new, 1):
            return None
        read_at = timezone.now()
        decided = list(
            OverlapFlag.objects.learned_from()
            .only("pk", "activity_a_id", "activity_b_id", "status")
            .order_by("pk")
        )
        # Features as the scan computes them: the text model of the whole register.
        profiles = engine.load_profiles()
        # A pair whose activity is gone from the register (cancelled) can no longer be scored.
        decided = [
            f for f in decided if f.activity_a_id in profiles and f.activity_b_id in profiles
        ]
        heldout = [f for f in decided if is_heldout(f.pk)]
        fit = [f for f in decided if not is_heldout(f.pk)]
        weights, threshold = calibration.current()
        record = {"decisions": len(fit), "heldout": len(heldout), "decided_until": read_at}
        text_model = engine.TextModel.fit(profiles)
        store_embeddings(text_model.take_fresh_embeddings())
        try:
            fitted = learning.fit_weights(
                fit, profiles, text_model, prior=weights, threshold=threshold
            )
        except ValueError as exc:
            log.info("overlap refit refused: %s", exc)
            return ScoreCalibration.objects.create(
                weights={}, threshold=threshold, applied=False, note=str(exc), **record
            )
        if not heldout:
            return ScoreCalibration.objects.create(
                weights=fitted["weights"],
                threshold=fitted["threshold"],
                applied=False,
                note="Refused: no decision was held out to judge the refit on.",
                **record,
            )
        before = _agreement(heldout, profiles, text_model, weights, threshold)
        after = _agreement(heldout, profiles, text_model, fitted["weights"], fitted["threshold"])
        kept = after >= before
        refit = ScoreCalibration.objects.create(
            weights=fitted["weights"],
            threshold=fitted["threshold"],
            applied=kept,
            agreement_before=before,
            agreement_after=after,
            note=""
            if kept
            else (
                f"Refused: the refit agrees with {after:.0%} of the held-out decisions, "
                f"the calibration in force with {before:.0%}."
            ),
            **{**record, "decisions": fitted["n"]},
        )
    log.info(
        "overlap refit on %s decisions (%s held out): agreement %.3f -> %.3f, %s",
        refit.decisions,
        refit.heldout,
        before,
        after,
        "applied" if kept else "refused",
    )
    return refit
