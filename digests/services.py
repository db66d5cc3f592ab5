"""Sending the weekly digest: who is due, the claim, and the one guarded sending step.

Never twice: a digest is claimed by inserting its DigestDelivery row under the unique
constraint (recipient, ISO year, ISO week) before anything is built or sent, and a row is
only sent by the job whose conditional UPDATE moved it from pending to sending. A row that is
sent, empty or failed is never sent again.

Never lost: a pending row (a transient SMTP failure, a lost task) is sent again by the task's
retries and by the daily sweeper, which also claims for due people who have no row yet and
puts back to pending a row left "sending" by a worker that died (after DIGEST_SENDING_LEASE).

What remains: a worker that dies after the SMTP server accepted the message and before the
row is marked sent leaves it "sending"; after the lease the sweeper sends it again, so that
person may get one duplicate. The Message-ID is the same for every attempt of a delivery, so
mail clients that de-duplicate on it show one.

A digest reports on one whole ISO week and goes out in the week after (`send_time`); its row
is keyed by the week it reports on (weeks.reported). Biweekly subscribers get the digests of
even ISO weeks. Years with 53 ISO weeks put two odd weeks (53 and 1) side by side, so across
such a new year the gap is three weeks.
"""

import collections
import datetime
import logging
import random
import smtplib
from urllib.parse import urlparse

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from agencies.models import Role, User
from common import emails

from . import week as weeks
from .models import DigestDelivery, Frequency

log = logging.getLogger(__name__)

Status = DigestDelivery.Status

# Attempts (one per pending -> sending UPDATE) before a transient failure becomes final.
MAX_ATTEMPTS = getattr(settings, "DIGEST_MAX_ATTEMPTS", 5)
# Seconds before the first retry; doubled each time, capped, with jitter.
RETRY_BACKOFF = getattr(settings, "DIGEST_RETRY_BACKOFF", 60)
RETRY_BACKOFF_MAX = getattr(settings, "DIGEST_RETRY_BACKOFF_MAX", 60 * 60)
# A row "sending" for longer than this was held by a worker that died.
SENDING_LEASE = datetime.timedelta(seconds=getattr(settings, "DIGEST_SENDING_LEASE", 15 * 60))

DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# What send_one / send_week report per person, beyond the delivery statuses.
NO_EMAIL = "no_email"
NOT_DUE = "not_due"
ALREADY = "already"  # the week's row is sent, empty or failed: nothing to do
IN_FLIGHT = "in_flight"  # another job holds the row ("sending")
ERROR = "error"  # building the digest raised; the row is back to pending


def due_recipients(year, week):
    """Active people due the digest of this ISO week, whether or not they have an address.

    Without a preference row heads of agencies get it every week and nobody else does;
    a preference says weekly, biweekly (the digests of even ISO weeks) or never. People
    whose agency is no longer active get nothing.
    """
    frequencies = [Frequency.WEEKLY]
    if week % 2 == 0:
        frequencies.append(Frequency.BIWEEKLY)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(agency__isnull=True) | Q(agency__is_active=True))
        .filter(
            Q(digest_preference__frequency__in=frequencies)
            | Q(digest_preference__isnull=True, role=Role.HEAD)
        )
        .select_related("digest_preference")
        .order_by("pk")
    )


def has_email(user):
    return bool((user.email or "").strip())


def language_for(user):
    try:
        return user.digest_preference.language
    except User.digest_preference.RelatedObjectDoesNotExist:
        return settings.LANGUAGE_CODE


def send_time(year, week):
    """When the weekly beat sends the digest of this week: in the week after it, on
    settings.DIGEST_DAY at DIGEST_HOUR UTC (see weeks.reported)."""
    _start, end = weeks.bounds(year, week)
    day = str(getattr(settings, "DIGEST_DAY", "mon")).strip().lower()
    if day.isdigit():  # crontab numbering: 0 (and 7) is Sunday
        offset = (int(day) - 1) % 7
    else:
        offset = DAY_NAMES.index(day[:3]) if day[:3] in DAY_NAMES else 0
    return end + datetime.timedelta(days=offset, hours=getattr(settings, "DIGEST_HOUR", 6))


def claim(user, year, week, language):
    """Insert the week's row for this person; None if it already exists (someone claimed it)."""
    datetime.date.fromisocalendar(year, week, 1)  # a week that does not exist is a bug here
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(
                recipient=user, iso_year=year, iso_week=week, language=language
            )
    except IntegrityError:
        return None


def describe(exc):
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address} refused: {code} {_text(message)}"
            for address, (code, message) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(message):
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def backoff(retries):
    """Seconds before retry number `retries + 1`: exponential, capped, with jitter."""
    delay = min(RETRY_BACKOFF_MAX, RETRY_BACKOFF * 2**retries)
    return delay / 2 + random.uniform(0, delay / 2)  # nosec B311  # jitter, not a secret


def _finish(delivery_id, status, **fields):
    """Leave "sending" for `status`; only the job holding the row can (conditional UPDATE)."""
    done = DigestDelivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(
        status=status, updated_at=timezone.now(), **fields
    )
    if not done:
        log.warning("digest delivery %s was no longer ours when it became %s", delivery_id, status)
    return status


def _unsubscribe_header(url):
    if not urlparse(url).scheme:
        url = settings.SITE_URL + url
    return f"<{url}>"


def build_message(delivery, subject, text, html, unsubscribe_url, connection=None):
    host = urlparse(settings.SITE_URL).hostname or "localhost"
    return emails.build(
        delivery.recipient.email,
        subject,
        text,
        html,
        headers={
            "List-Unsubscribe": _unsubscribe_header(unsubscribe_url),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            # The same for every attempt, so a duplicate (see the module docstring) is one
            # message to clients that de-duplicate on Message-ID.
            "Message-ID": f"<digest.{delivery.week_label}.{delivery.pk}@{host}>",
        },
        connection=connection,
    )


def render(delivery, now=None):
    """(digest, subject, text, html, unsubscribe_url) in the delivery's language."""
    from . import content

    with translation.override(delivery.language):
        digest = content.build_digest(
            delivery.recipient, delivery.iso_year, delivery.iso_week, now=now
        )
        if digest.is_empty:
            return digest, "", "", "", ""
        context = digest.context()
        subject, text, html = emails.render("digest", context)
    return digest, subject, text, html, context["unsubscribe_url"]


def deliver(delivery_id, connection=None):
    """Send one claimed delivery if this call can take it; returns the row's status after.

    Only the call whose UPDATE moves the row from pending to sending goes on; any other
    gets the current status back and does nothing. PENDING returned means a transient
    failure: the row is free again for a retry (the task's, or the sweeper's).
    """
    acquired = DigestDelivery.objects.filter(pk=delivery_id, status=Status.PENDING).update(
        status=Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if not acquired:
        return (
            DigestDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        )
    # The preference too: the unsubscribe link carries its generation (digests.tokens).
    delivery = DigestDelivery.objects.select_related(
        "recipient", "recipient__digest_preference"
    ).get(pk=delivery_id)
    user = delivery.recipient
    if not has_email(user):
        log.warning("digest %s: %s has no email address", delivery.week_label, user.pk)
        return _finish(delivery_id, Status.FAILED, error=gettext("no email address"))

    try:
        digest, subject, text, html, unsubscribe_url = render(delivery)
    except Exception:
        # A bug or a database hiccup while building: give the row back, let it be seen.
        DigestDelivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(
            status=Status.PENDING,
            error=gettext("building the digest failed"),
            updated_at=timezone.now(),
        )
        raise
    if digest.is_empty:
        log.info("digest %s for %s: empty, nothing sent", delivery.week_label, user.email)
        return _finish(delivery_id, Status.EMPTY, error="")

    message = build_message(delivery, subject, text, html, unsubscribe_url, connection)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        if connection is not None:
            _reset(connection)
        reason = describe(exc)
        if emails.is_permanent(exc):
            log.warning("digest %s to %s refused: %s", delivery.week_label, user.email, reason)
            return _finish(delivery_id, Status.FAILED, error=reason)
        if delivery.attempts >= MAX_ATTEMPTS:
            log.error(
                "digest %s to %s failed after %s attempts: %s",
                delivery.week_label,
                user.email,
                delivery.attempts,
                reason,
            )
            return _finish(
                delivery_id,
                Status.FAILED,
                error=gettext("gave up after %(attempts)s attempts: %(reason)s")
                % {"attempts": delivery.attempts, "reason": reason},
            )
        log.info(
            "digest %s to %s: attempt %s failed, will retry: %s",
            delivery.week_label,
            user.email,
            delivery.attempts,
            reason,
        )
        return _finish(delivery_id, Status.PENDING, error=reason)
    log.info("digest %s sent to %s", delivery.week_label, user.email)
    return _finish(
        delivery_id,
        Status.SENT,
        subject=subject[:255],
        text_body=text,
        html_body=html,
        sent_at=timezone.now(),
        error="",
    )


def _reset(connection):
    # After a failure a shared SMTP connection may be half-dead: start the next one afresh.
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing a broken connection may fail in many ways
        connection.connection = None


def send_one(user, year, week, connection=None):
    """Claim (or find the week's pending row) and deliver; returns what happened."""
    if not isinstance(user, User):
        user = User.objects.select_related("digest_preference").filter(pk=user).first()
        if user is None:
            return NOT_DUE
    if not has_email(user):
        log.warning(
            "digest %s: person %s has no email address, skipped", weeks.label(year, week), user.pk
        )
        return NO_EMAIL
    delivery = claim(user, year, week, language_for(user))
    if delivery is None:
        delivery = DigestDelivery.objects.for_week(year, week).get(recipient=user)
        if delivery.status == Status.SENDING:
            return IN_FLIGHT
        if delivery.status != Status.PENDING:
            return ALREADY
    return deliver(delivery.pk, connection=connection)


def release_stale(year, week, now=None):
    """Rows left "sending" past the lease (their worker died) go back to pending."""
    cutoff = (now or timezone.now()) - SENDING_LEASE
    count = (
        DigestDelivery.objects.for_week(year, week)
        .filter(status=Status.SENDING, updated_at__lt=cutoff)
        .update(
            status=Status.PENDING,
            error=gettext("the worker sending it was lost"),
            updated_at=timezone.now(),
        )
    )
    if count:
        log.warning(
            "digest %s: %s stale deliveries back to pending", weeks.label(year, week), count
        )
    return count


def send_week(year, week, *, recipient=None, only_claimed=False, connection=None, report=None):
    """Send a week's digests in this process: what the command and the sweeper run.

    Claims for every due person without a row, sends every pending row of the week, and
    leaves sent, empty, failed and in-flight rows alone. `recipient` limits it to one person;
    `only_claimed` to people whose row of the week is pending (nobody new is claimed).
    `report(user, outcome)` is called for each person. Returns counts per outcome.
    """
    people = due_recipients(year, week)
    if recipient is not None:
        people = people.filter(pk=recipient.pk)
    if only_claimed:
        people = people.filter(
            digest_deliveries__iso_year=year,
            digest_deliveries__iso_week=week,
            digest_deliveries__status=Status.PENDING,
        )
    counts = dict.fromkeys(
        [Status.SENT, Status.EMPTY, Status.FAILED, Status.PENDING, NO_EMAIL, ALREADY, IN_FLIGHT],
        0,
    )
    counts[ERROR] = 0
    found = False
    for user in people:
        found = True
        try:
            outcome = send_one(user, year, week, connection=connection)
        except Exception:
            log.exception("digest %s for %s failed", weeks.label(year, week), user.pk)
            outcome = ERROR
        outcome = str(outcome)
        counts[outcome] = counts.get(outcome, 0) + 1
        if report:
            report(user, outcome)
    if recipient is not None and not found:
        counts[NOT_DUE] = 1
        if report:
            report(recipient, NOT_DUE)
    return counts


def sweep(now=None):
    """The daily sweeper: heal the digest that went out last, until the next one goes out.

    That is the digest of the week just ended once its send time has passed. Before then
    (DIGEST_DAY later than Monday, or a run between Monday 00:00 and the send hour), only its
    rows already claimed (by hand) are sent, and the digest of the week before is healed
    instead: otherwise a digest sent on a Sunday would be left alone from Monday on.

    Healing: rows stuck "sending" past the lease go back to pending, then the week is sent as
    the beat would, claiming for due people with no row yet, so a missed beat heals within a
    day. Returns the counts per outcome, summed over the weeks it looked at.
    """
    now = now or timezone.now()
    year, week = weeks.reported(now)
    counts = collections.Counter()
    if now < send_time(year, week):
        release_stale(year, week, now)
        counts.update(send_week(year, week, only_claimed=True))
        year, week = weeks.preceding(year, week)
    release_stale(year, week, now)
    counts.update(send_week(year, week))
    return dict(counts)


@transaction.atomic
def preference_set(user, *, frequency, language=None):
    """Record how often (and in which language) a person wants the digest."""
    from .models import DigestPreference

    preference, _created = DigestPreference.objects.select_for_update().get_or_create(
        user=user, defaults={"frequency": frequency, "language": language or "en"}
    )
    if preference.frequency == Frequency.NEVER and frequency != Frequency.NEVER:
        # Subscribing again: unsubscribe links sent before stop working (digests/tokens.py).
        preference.unsubscribe_generation += 1
    preference.frequency = frequency
    if language:
        preference.language = language
    preference.full_clean()
    preference.save()
    return preference
