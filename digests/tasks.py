"""Thin Celery tasks for the weekly digest: ids in, a service call, safe to run twice.

The beat runs `send_weekly_digests` (the fan-out) on DIGEST_DAY at DIGEST_HOUR UTC and
`sweep_pending` every day an hour later. Every task is acks_late with reject_on_worker_lost,
so a task whose worker dies is delivered again; the claim row makes that harmless.
"""

import contextlib
import logging

from celery import shared_task
from celery.exceptions import Retry

from . import services
from . import week as weeks
from .models import DigestDelivery

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_weekly_digests():
    """Queue one `send_digest` per person due the digest of the week just ended (UTC)."""
    year, week = weeks.reported()
    settled = DigestDelivery.objects.for_week(year, week).exclude(
        status=DigestDelivery.Status.PENDING
    )
    queued = no_email = 0
    for user in services.due_recipients(year, week).exclude(pk__in=settled.values("recipient_id")):
        if not services.has_email(user):
            log.warning(
                "digest %s: person %s has no email address, skipped",
                weeks.label(year, week),
                user.pk,
            )
            no_email += 1
            continue
        # Retry escapes only when tasks run eagerly (development, no Redis) with errors
        # propagating: that row stays pending and the sweeper sends it.
        with contextlib.suppress(Retry):
            send_digest.delay(user.pk, year, week)
        queued += 1
    log.info("digest %s: %s queued, %s without email", weeks.label(year, week), queued, no_email)
    return {"week": weeks.label(year, week), "queued": queued, services.NO_EMAIL: no_email}


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # A backstop only: the row counts attempts and turns the MAX_ATTEMPTS-th transient
    # failure into "failed" itself; a row left pending is the sweeper's.
    max_retries=services.MAX_ATTEMPTS,
)
def send_digest(self, user_id, year, week):
    """Claim and send one person's digest; retry a transient SMTP failure with backoff."""
    outcome = services.send_one(user_id, year, week)
    if outcome == DigestDelivery.Status.PENDING:
        raise self.retry(countdown=services.backoff(self.request.retries))
    return str(outcome)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_pending():
    """Daily: send what is pending of the last digest due, claim for due people with no row."""
    return services.sweep()
