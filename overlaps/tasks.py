"""Thin Celery tasks: they take ids, call a service, and are safe to run twice."""

from celery import chord, shared_task
from django.conf import settings

from common.history import changes_by

from . import calibration, engine, review, services


@shared_task(acks_late=True, ignore_result=True)
def rescore_activity(activity_id):
    # What a task changes is history too: its events say which task, not "someone".
    with changes_by(task="overlaps.rescore_activity"):
        services.rescore_activity(activity_id)


@shared_task(acks_late=True, ignore_result=True)
def rescore_activities(activity_ids):
    """One overlap check of activities saved together (an import), queued through the
    outbox when they commit. Safe to run twice: a second run finds the same pairs."""
    with changes_by(task="overlaps.rescore_activities"):
        services.rescore_activities(activity_ids)


# A transient SMTP failure (4xx, the server unreachable) leaves the address pending and
# the task tries again after NOTIFY_RETRY_DELAY * 2**retries seconds.
NOTIFY_RETRIES = 5
NOTIFY_RETRY_DELAY = 60


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=NOTIFY_RETRIES)
def notify_pair_event(self, event_id):
    """Email the people of a pair about a decision, comment or joint initiative.

    Published through the outbox when the change commits. Each address has its own row,
    claimed before sending: a task delivered twice, or retried, sends nothing twice.
    """
    with changes_by(task="overlaps.notify_pair_event"):
        counts = review.notify_pair_event(event_id)
    if counts["retry"]:
        raise self.retry(countdown=NOTIFY_RETRY_DELAY * 2**self.request.retries)
    return counts


@shared_task(acks_late=True)
def scan_block(block_ids, weights=None, threshold=None):
    """Score the pairs owned by one block; returns them for the chord's callback.

    Every block of one scan scores with the calibration `full_scan` read; a message
    queued by an older version without it reads the one in force.
    """
    if weights is None or threshold is None:
        weights, threshold = calibration.current()
    profiles = engine.load_profiles()
    text_model = engine.TextModel.fit(list(profiles.values()))
    found = engine.scan(
        profiles, text_model, threshold=threshold, weights=weights, only_ids=set(block_ids)
    )
    return [[a, b, score.value, score.joint, score.reasons] for a, b, score in found]


@shared_task(acks_late=True)
def finish_scan(block_results):
    scores = {
        (a, b): engine.Score(value=value, joint=joint, reasons=reasons)
        for results in block_results
        for a, b, value, joint, reasons in results
    }
    profiles = engine.load_profiles(ids=sorted({i for pair in scores for i in pair}))
    with changes_by(task="overlaps.full_scan"):
        return services.sync_flags(scores, profiles)


@shared_task
def full_scan(blocks=None):
    """Nightly: split the scan into independent blocks for the workers, then sync the flags.

    Returns the id of the chord's callback (`finish_scan`), whose result is the flag counts;
    run eagerly (no workers), the counts themselves.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        with changes_by(task="overlaps.full_scan"):
            return services.full_scan()
    # Every block fits the text model on the whole register: the embeddings it lacks are
    # computed once here, not once per block.
    services.embed_missing()
    weights, threshold = calibration.current()
    profiles = engine.load_profiles()
    parts = engine.blocks(profiles, blocks or settings.OVERLAP_SCAN_BLOCKS)
    return chord(scan_block.s(ids, weights, threshold) for ids in parts)(finish_scan.s()).id


@shared_task(acks_late=True, ignore_result=True)
def note_withdrawal(activity_id, kind):
    services.note_withdrawal(activity_id, kind)


@shared_task(acks_late=True, ignore_result=True)
def refit_calibration():
    """Refit the score on the secretariat's decisions, queued (through the outbox) by the
    decision that makes OVERLAP_REFIT_EVERY new ones. A second delivery, or one queued by
    the next decision before this ran, finds too few new decisions and does nothing."""
    with changes_by(task="overlaps.refit_calibration"):
        services.refit_from_decisions(min_new=settings.OVERLAP_REFIT_EVERY)
