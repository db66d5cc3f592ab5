"""The weekly digest is delivered never twice and never lost.

A digest reports on a whole ISO week and goes out in the week after (Monday 06:00 UTC by
default). The clock stands on the Wednesday of 2026-W49 unless a test moves it, so the week
reported is 2026-W48 (23 to 29 November) whatever the day the tests run.

Real SMTP where it matters: an aiosmtpd listener on 127.0.0.1 (a random free port) that can
be told to answer 451 a few times or to refuse an address with 550.
"""

import datetime
import email
import os
import socket
import threading
from email import policy
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, connections

from activities.services import activity_update
from agencies.models import Role, User
from common import emails
from digests import services, tasks, tokens
from digests import week as weeks
from digests.models import DigestDelivery, DigestPreference, Frequency
from gmg_portal.celery import app

from .factories import ActivityFactory, UserFactory
from .workers import celery_worker, wait_for, worker_idle

Status = DigestDelivery.Status
UTC = datetime.UTC
ROOT = Path(__file__).resolve().parents[1]
# Not the overlap worker tests' database (15): a worker of theirs running at the same time
# would take these tasks (and run them against its own database and mail settings).
REDIS_URL = os.environ.get("TEST_DIGEST_REDIS_URL", "redis://127.0.0.1:6379/13")

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is only real on PostgreSQL"
)

# Wednesday of 2026-W49: the digest of 2026-W48 went out on Monday 30 November at 06:00.
WEDNESDAY = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(request):
    """The clock runs from WEDNESDAY. A real worker process keeps the real clock, and so
    does its test (its fixtures work from whatever week has just ended)."""
    if "worker" in request.fixturenames:
        yield
        return
    with time_machine.travel(WEDNESDAY, tick=True):
        yield


# -- an SMTP server ------------------------------------------------------------------------


class Recorder:
    """aiosmtpd handler: records accepted messages; can answer 451 or refuse with 550."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []
        self.transient_failures = 0  # answer the next N DATA commands with 451
        self.refused = set()  # addresses answered with 550 at RCPT
        self.data_commands = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_commands += 1
            if self.transient_failures:
                self.transient_failures -= 1
                return "451 4.3.0 try again later"
            message = email.message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def recipients(self):
        with self.lock:
            return sorted(address for rcpts, _m in self.messages for address in rcpts)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    recorder.port = port
    try:
        yield recorder
    finally:
        controller.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    """Django sends through the listener."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    return smtp_server


@pytest.fixture
def eager():
    """Tasks run in-process. Celery only runs an eager task's retries when errors do not
    propagate (apply() re-applies the Retry's signature); results still raise on .get()."""
    old = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.update(task_always_eager=True, task_eager_propagates=False)
    yield
    app.conf.update(task_always_eager=old[0], task_eager_propagates=old[1])


@pytest.fixture
def hilda(ilo):
    return UserFactory(email="hilda@ilo.example", full_name="Hilda", agency=ilo, role=Role.HEAD)


@pytest.fixture
def heads(iom, ilo, harry, hilda):
    """Two heads of agency, each with an activity logged in the week just ended (so that
    the digest of that week has something to say)."""
    logged_in(*reported_week(), agency=iom)
    logged_in(*reported_week(), agency=ilo)
    return [harry, hilda]


def reported_week():
    """The week a digest sent now reports on: the one just ended."""
    return weeks.reported()


def midweek(year, week):
    """Wednesday noon of an ISO week."""
    start, _end = weeks.bounds(year, week)
    return start + datetime.timedelta(days=2, hours=12)


def logged_in(year, week, **fields):
    """An activity logged on the Wednesday of that week (created and last changed then)."""
    with time_machine.travel(midweek(year, week), tick=False):
        return ActivityFactory(**fields)


def statuses(year, week):
    return dict(
        DigestDelivery.objects.for_week(year, week).values_list("recipient__email", "status")
    )


# -- (a) twice in a row ----------------------------------------------------------------------


def test_who_is_due(heads, fiona, alice, sam):
    DigestPreference.objects.create(user=fiona, frequency=Frequency.BIWEEKLY)
    DigestPreference.objects.create(user=sam, frequency=Frequency.WEEKLY)
    inactive = UserFactory(role=Role.HEAD, agency=heads[0].agency, is_active=False)
    harry = heads[0]
    DigestPreference.objects.create(user=harry, frequency=Frequency.NEVER)
    even = set(services.due_recipients(2026, 48))
    odd = set(services.due_recipients(2026, 47))
    assert even == {heads[1], fiona, sam}
    assert odd == {heads[1], sam}
    assert alice not in even and inactive not in even and harry not in even


def test_sending_twice_in_a_row_sends_one_email_per_person(heads, mailoutbox, eager):
    year, week = reported_week()
    first = services.send_week(year, week)
    second = services.send_week(year, week)
    tasks.send_weekly_digests.apply()
    tasks.sweep_pending.apply()
    call_command("send_digests", stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert first[Status.SENT] == 2
    assert second[Status.SENT] == 0 and second[services.ALREADY] == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["harry@iom.example", "hilda@ilo.example"]
    assert set(statuses(year, week).values()) == {Status.SENT}
    row = DigestDelivery.objects.get(recipient=heads[0])
    assert row.attempts == 1 and row.subject and row.text_body and row.html_body
    assert row.subject == mail.outbox[0].subject or row.subject == mail.outbox[1].subject


def test_an_empty_digest_is_recorded_and_not_sent(iom, harry, mailoutbox):
    year, week = reported_week()
    assert services.send_week(year, week)[Status.EMPTY] == 1
    assert services.send_week(year, week)[services.ALREADY] == 1
    assert mail.outbox == []
    assert DigestDelivery.objects.get().status == Status.EMPTY


# -- (b) twice at the same time ---------------------------------------------------------------


def run_in_threads(target, count):
    barrier = threading.Barrier(count)
    errors = []

    def run():
        try:
            barrier.wait()
            target()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_runs_send_one_email_per_person(heads, smtp):
    year, week = reported_week()
    run_in_threads(lambda: services.send_week(year, week), 6)
    assert smtp.recipients() == ["harry@iom.example", "hilda@ilo.example"]
    assert set(statuses(year, week).values()) == {Status.SENT}
    run_in_threads(lambda: services.sweep(), 4)
    assert len(smtp.messages) == 2


@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_only_one_of_many_jobs_holding_the_same_pending_row_sends_it(heads, smtp):
    year, week = reported_week()
    row = services.claim(heads[0], year, week, "en")
    results = []
    run_in_threads(lambda: results.append(services.deliver(row.pk)), 8)
    assert len(smtp.messages) == 1
    assert results.count(Status.SENT) >= 1
    assert set(results) <= {Status.SENT, Status.SENDING}
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1


# -- (c), (d) retries and permanent failures ---------------------------------------------------


@pytest.fixture
def backoffs(monkeypatch):
    calls = []
    real = services.backoff

    def spy(retries):
        calls.append(retries)
        return real(retries)

    monkeypatch.setattr(services, "backoff", spy)
    return calls


def test_transient_failures_are_retried_by_the_task_and_delivered_once(
    heads, smtp, eager, backoffs
):
    smtp.transient_failures = 2
    year, week = reported_week()
    result = tasks.send_digest.apply(args=(heads[0].pk, year, week))
    assert result.get() == Status.SENT
    assert backoffs == [0, 1]  # the task's retry path ran twice
    assert smtp.data_commands == 3
    assert smtp.recipients() == ["harry@iom.example"]
    row = DigestDelivery.objects.get()
    assert (row.status, row.attempts, row.error) == (Status.SENT, 3, "")
    # Another run of the job, or of the beat, sends nothing more.
    tasks.send_digest.apply(args=(heads[0].pk, year, week))
    assert len(smtp.messages) == 1


def test_transient_failures_give_up_after_the_maximum(heads, smtp, eager, backoffs):
    smtp.transient_failures = 100
    year, week = reported_week()
    assert tasks.send_digest.apply(args=(heads[0].pk, year, week)).get() == Status.FAILED
    row = DigestDelivery.objects.get()
    assert row.attempts == services.MAX_ATTEMPTS == 5
    assert row.status == Status.FAILED and "gave up after 5 attempts" in row.error
    assert "451" in row.error
    assert len(backoffs) == 4 and smtp.messages == []
    assert services.send_week(year, week, recipient=heads[0])[services.ALREADY] == 1


def test_a_refused_address_fails_at_once_with_the_reason(heads, smtp, eager, backoffs):
    smtp.refused = {"harry@iom.example"}
    year, week = reported_week()
    assert tasks.send_digest.apply(args=(heads[0].pk, year, week)).get() == Status.FAILED
    row = DigestDelivery.objects.get()
    assert row.attempts == 1 and backoffs == []
    assert "550" in row.error and "harry@iom.example" in row.error
    assert smtp.messages == []


def test_is_permanent():
    import smtplib

    assert emails.is_permanent(smtplib.SMTPDataError(554, b"rejected"))
    assert not emails.is_permanent(smtplib.SMTPDataError(451, b"later"))
    assert emails.is_permanent(smtplib.SMTPRecipientsRefused({"a@b": (550, b"no")}))
    assert not emails.is_permanent(smtplib.SMTPRecipientsRefused({"a@b": (450, b"busy")}))
    assert not emails.is_permanent(smtplib.SMTPServerDisconnected("gone"))
    assert not emails.is_permanent(ConnectionRefusedError())


def test_an_unreachable_server_leaves_the_row_pending_for_the_sweeper(heads, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    year, week = reported_week()
    assert services.send_week(year, week)[Status.PENDING] == 2
    assert set(statuses(year, week).values()) == {Status.PENDING}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert services.sweep()[Status.SENT] == 2
    assert len(mail.outbox) == 2


def test_the_sweeper_heals_a_row_whose_worker_died(heads, mailoutbox):
    year, week = reported_week()
    row = services.claim(heads[0], year, week, "en")
    DigestDelivery.objects.filter(pk=row.pk).update(status=Status.SENDING)
    assert services.sweep()[services.IN_FLIGHT] == 1  # inside the lease: someone holds it
    assert [m.to for m in mail.outbox] == [["hilda@ilo.example"]]
    later = datetime.datetime.now(UTC) + services.SENDING_LEASE + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert weeks.reported() == (year, week)
        assert services.sweep()[Status.SENT] == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["harry@iom.example", "hilda@ilo.example"]


# -- (e) daylight saving and the year boundary --------------------------------------------------


@pytest.mark.parametrize(
    "last_run, expected",
    [
        # Europe starts summer time on Sunday 2027-03-28, the US on 2027-03-14.
        (datetime.datetime(2027, 3, 22, 6, tzinfo=UTC), datetime.datetime(2027, 3, 29, 6)),
        (datetime.datetime(2027, 3, 8, 6, tzinfo=UTC), datetime.datetime(2027, 3, 15, 6)),
        # Europe ends it on Sunday 2027-10-31, the US on 2027-11-07.
        (datetime.datetime(2027, 10, 25, 6, tzinfo=UTC), datetime.datetime(2027, 11, 1, 6)),
        (datetime.datetime(2027, 11, 1, 6, tzinfo=UTC), datetime.datetime(2027, 11, 8, 6)),
        # Across the new year: 2026 has 53 ISO weeks.
        (datetime.datetime(2026, 12, 28, 6, tzinfo=UTC), datetime.datetime(2027, 1, 4, 6)),
    ],
)
def test_the_weekly_beat_is_monday_0600_utc_whatever_the_clocks_do(last_run, expected):
    schedule = django_settings.CELERY_BEAT_SCHEDULE["digests-weekly-send"]["schedule"]
    now = last_run + datetime.timedelta(days=6, hours=12)
    with time_machine.travel(now, tick=False):
        upcoming = now + schedule.remaining_estimate(last_run)
    assert upcoming.astimezone(UTC).replace(tzinfo=None) == expected
    assert expected.weekday() == 0
    # It sends the digest of the week just ended, at that week's send time.
    reported = weeks.reported(expected.replace(tzinfo=UTC))
    assert reported == weeks.preceding(*weeks.current(expected.replace(tzinfo=UTC)))
    assert services.send_time(*reported) == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "day, hour, year, week, expected",
    [
        ("mon", 6, 2026, 48, datetime.datetime(2026, 11, 30, 6, tzinfo=UTC)),
        ("wed", 6, 2026, 48, datetime.datetime(2026, 12, 2, 6, tzinfo=UTC)),
        ("sun", 23, 2026, 48, datetime.datetime(2026, 12, 6, 23, tzinfo=UTC)),
        ("0", 6, 2026, 48, datetime.datetime(2026, 12, 6, 6, tzinfo=UTC)),  # crontab Sunday
        ("mon", 6, 2026, 53, datetime.datetime(2027, 1, 4, 6, tzinfo=UTC)),
        ("mon", 6, 2027, 1, datetime.datetime(2027, 1, 11, 6, tzinfo=UTC)),
    ],
)
def test_a_weeks_digest_is_sent_in_the_week_after(settings, day, hour, year, week, expected):
    settings.DIGEST_DAY, settings.DIGEST_HOUR = day, hour
    assert services.send_time(year, week) == expected
    _start, end = weeks.bounds(year, week)
    assert end <= expected < end + datetime.timedelta(days=7)


def test_the_iso_week_is_utc_even_where_it_is_already_monday(settings):
    settings.TIME_ZONE = "Europe/Geneva"
    # Sunday 23:30 UTC after the October change is Monday 00:30 in Geneva: still last week.
    sunday = datetime.datetime(2027, 10, 31, 23, 30, tzinfo=UTC)
    with time_machine.travel(sunday, tick=False):
        assert weeks.current() == (2027, 43)
        assert weeks.reported() == (2027, 42)
    with time_machine.travel(sunday + datetime.timedelta(minutes=30), tick=False):
        assert weeks.current() == (2027, 44)
        assert weeks.reported() == (2027, 43)


def test_claims_are_keyed_by_the_reported_week_across_the_year_boundary(
    heads, fiona, mailoutbox, eager
):
    harry, hilda = heads
    DigestPreference.objects.create(user=fiona, frequency=Frequency.BIWEEKLY)
    for moment, key in [
        (datetime.datetime(2026, 12, 28, 6, tzinfo=UTC), (2026, 52)),  # the beat, Monday
        (datetime.datetime(2027, 1, 4, 6, tzinfo=UTC), (2026, 53)),  # 28 Dec to 3 Jan
        (datetime.datetime(2027, 1, 7, 12, tzinfo=UTC), (2026, 53)),
        (datetime.datetime(2027, 1, 8, 7, tzinfo=UTC), (2026, 53)),  # the sweeper, Friday
        (datetime.datetime(2027, 1, 11, 6, tzinfo=UTC), (2027, 1)),
        (datetime.datetime(2027, 1, 18, 6, tzinfo=UTC), (2027, 2)),
    ]:
        logged_in(*key, agency=harry.agency)
        with time_machine.travel(moment, tick=False):
            assert weeks.reported() == key
            tasks.send_weekly_digests.apply()
            tasks.sweep_pending.apply()
    rows = sorted(
        DigestDelivery.objects.values_list("recipient__email", "iso_year", "iso_week", "status")
    )
    assert rows == [
        # Biweekly: the digests of even weeks; 53 and 1 are both odd, so three weeks apart.
        ("fiona@iom.example", 2026, 52, Status.SENT),
        ("fiona@iom.example", 2027, 2, Status.SENT),
        ("harry@iom.example", 2026, 52, Status.SENT),
        ("harry@iom.example", 2026, 53, Status.SENT),
        ("harry@iom.example", 2027, 1, Status.SENT),
        ("harry@iom.example", 2027, 2, Status.SENT),
        ("hilda@ilo.example", 2026, 52, Status.SENT),
        ("hilda@ilo.example", 2026, 53, Status.SENT),
        ("hilda@ilo.example", 2027, 1, Status.SENT),
        ("hilda@ilo.example", 2027, 2, Status.SENT),
    ]
    assert len(mail.outbox) == 10
    new_year = [m.to[0] for m in mail.outbox if "28 December 2026 – 3 January 2027" in m.subject]
    assert sorted(new_year) == ["harry@iom.example", "hilda@ilo.example"]


def test_the_sweeper_claims_nothing_new_before_the_weeks_send_time(heads, settings, mailoutbox):
    settings.DIGEST_DAY, settings.DIGEST_HOUR = "wed", 6
    logged_in(2027, 1, agency=heads[0].agency)
    # Tuesday of the week after: the digest of 2027-W01 goes out tomorrow.
    with time_machine.travel(datetime.datetime(2027, 1, 12, 7, tzinfo=UTC), tick=False):
        assert weeks.reported() == (2027, 1)
        assert services.sweep()[Status.SENT] == 0
        assert not DigestDelivery.objects.for_week(2027, 1).exists()
    # Wednesday: the beat's run was missed.
    with time_machine.travel(datetime.datetime(2027, 1, 13, 7, tzinfo=UTC), tick=False):
        assert services.sweep()[Status.SENT] == 2
    assert statuses(2027, 1) == {"harry@iom.example": Status.SENT, "hilda@ilo.example": Status.SENT}
    assert len(mail.outbox) == 2


def test_a_digest_reports_on_the_week_before_the_one_it_is_sent_in(
    heads, bob, ilo, mailoutbox, eager
):
    # Harry's agency (IOM) works under priority b in Kenya, like these ILO activities.
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, tzinfo=UTC), tick=False):
        wednesdays = ActivityFactory(agency=ilo, title="Changed on Wednesday")
        mondays = ActivityFactory(agency=ilo, title="Changed on Monday morning")
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15, tzinfo=UTC), tick=False):
        activity_update(wednesdays, by=bob, description="Second round of interviews.")
    with time_machine.travel(datetime.datetime(2026, 11, 30, 5, tzinfo=UTC), tick=False):
        activity_update(mondays, by=bob, description="Second round of interviews.")

    # The beat on Monday 30 November 2026 at 06:00 sends the digest of 23-29 November.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 6, tzinfo=UTC), tick=False):
        assert tasks.send_weekly_digests.apply().get()["week"] == "2026-W48"

    assert statuses(2026, 48) == {
        "harry@iom.example": Status.SENT,
        "hilda@ilo.example": Status.SENT,
    }
    assert DigestDelivery.objects.count() == 2
    [harrys] = [m for m in mail.outbox if m.to == ["harry@iom.example"]]
    assert harrys.subject.endswith("— 23–29 November 2026")
    assert "Changed on Wednesday" in harrys.body
    assert "Changed on Monday morning" not in harrys.body
    html = harrys.alternatives[0][0]
    assert "Changed on Wednesday" in html and "Changed on Monday morning" not in html


def test_the_sweeper_on_tuesday_sends_last_weeks_pending_digests(heads, iom, settings):
    harry, hilda = heads  # with activities logged on Wednesday 25 November (2026-W48)
    # Monday 30 November 06:00, the beat: the mail server is down, and Hilda's worker then
    # dies while sending hers.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    with time_machine.travel(datetime.datetime(2026, 11, 30, 6, tzinfo=UTC), tick=False):
        assert services.send_week(2026, 48)[Status.PENDING] == 2
        DigestDelivery.objects.filter(recipient=hilda).update(
            status=Status.SENDING, updated_at=datetime.datetime.now(UTC)
        )
    # Ines becomes head of IOM later that day: the beat did not claim hers.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 10, tzinfo=UTC), tick=False):
        UserFactory(email="ines@iom.example", full_name="Ines", agency=iom, role=Role.HEAD)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []

    # Tuesday 07:00, the daily sweeper: all three get the digest of 23-29 November, once.
    with time_machine.travel(datetime.datetime(2026, 12, 1, 7, tzinfo=UTC), tick=False):
        counts = tasks.sweep_pending.apply().get()
        assert tasks.sweep_pending.apply().get()[services.ALREADY] == 3
    assert counts[Status.SENT] == 3
    assert statuses(2026, 48) == {
        "harry@iom.example": Status.SENT,
        "hilda@ilo.example": Status.SENT,
        "ines@iom.example": Status.SENT,
    }
    assert DigestDelivery.objects.count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "harry@iom.example",
        "hilda@ilo.example",
        "ines@iom.example",
    ]
    assert all(m.subject.endswith("— 23–29 November 2026") for m in mail.outbox)


def test_a_digest_sent_on_sunday_is_still_healed_during_the_next_week(heads, settings, mailoutbox):
    # Sent on Sundays: the digest of 2026-W47 went out on Sunday 29 November, that of W48
    # goes out on Sunday 6 December. In between, W47's is the one to heal.
    settings.DIGEST_DAY, settings.DIGEST_HOUR = "sun", 6
    harry, hilda = heads
    logged_in(2026, 47, agency=harry.agency)
    with time_machine.travel(datetime.datetime(2026, 11, 29, 6, tzinfo=UTC), tick=False):
        services.claim(harry, 2026, 47, "en")  # the beat claimed it; the send was lost
    with time_machine.travel(datetime.datetime(2026, 12, 2, 7, tzinfo=UTC), tick=False):
        assert weeks.reported() == (2026, 48)
        counts = services.sweep()
    assert counts[Status.SENT] == 2  # Harry's pending row, and Hilda's the beat missed
    assert statuses(2026, 47) == {
        "harry@iom.example": Status.SENT,
        "hilda@ilo.example": Status.SENT,
    }
    assert not DigestDelivery.objects.for_week(2026, 48).exists()
    assert all(m.subject.endswith("— 16–22 November 2026") for m in mail.outbox)


# -- (f) people, tokens and the command ---------------------------------------------------------


def test_a_head_without_an_email_address_is_skipped_and_counted(heads, ilo, mailoutbox, caplog):
    nameless = User.objects.create(email="", full_name="No Mail", agency=ilo, role=Role.HEAD)
    year, week = reported_week()
    counts = services.send_week(year, week)
    assert counts[services.NO_EMAIL] == 1 and counts[Status.SENT] == 2
    assert f"person {nameless.pk} has no email address" in caplog.text
    assert not DigestDelivery.objects.filter(recipient=nameless).exists()
    assert tasks.send_weekly_digests.apply().get()[services.NO_EMAIL] == 1
    assert len(mail.outbox) == 2


def test_a_refused_address_does_not_stop_the_others_nor_get_retried(heads, smtp):
    smtp.refused = {"hilda@ilo.example"}
    year, week = reported_week()
    counts = services.send_week(year, week)
    assert (counts[Status.SENT], counts[Status.FAILED]) == (1, 1)
    smtp.refused = set()
    assert services.send_week(year, week)[services.ALREADY] == 2
    assert smtp.recipients() == ["harry@iom.example"]  # a refusal is not retried
    assert "550" in DigestDelivery.objects.get(recipient=heads[1]).error


def test_a_tampered_unsubscribe_token_names_nobody(heads, mailoutbox):
    year, week = reported_week()
    services.send_week(year, week)
    token = mail.outbox[0].extra_headers["List-Unsubscribe"].rstrip("/>").rsplit("/", 1)[1]
    assert tokens.read(token) in {heads[0].pk, heads[1].pk}
    assert tokens.read(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert tokens.read("not-a-token") is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["--week", "2026-48"], "YYYY-Www"),
        (["--week", "2026-W54"], "no ISO week 54"),
        (["--week", "2025-W53"], "no ISO week 53"),
        (["--week", "2099-W01"], "2099-W01 is not over yet"),
        (["--week", "2026-W49"], "2026-W49 is not over yet"),  # this week, Wednesday
        (["--recipient", "nobody@example.org"], "nobody has this email address"),
    ],
)
def test_the_command_refuses_bad_input_clearly(heads, mailoutbox, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("send_digests", *args)
    assert mail.outbox == [] and not DigestDelivery.objects.exists()


def test_the_command_sends_once_and_says_so(heads, mailoutbox, capsys):
    year, week = reported_week()
    label = weeks.label(year, week)
    call_command("send_digests", "--week", label)
    out = capsys.readouterr().out
    assert f"{label} harry@iom.example: sent" in out and "2 sent" in out
    call_command("send_digests", "--recipient", "HARRY@iom.example")
    out = capsys.readouterr().out
    assert f"{label} harry@iom.example: already" in out
    assert len(mail.outbox) == 2


def test_the_command_for_one_person_not_due(heads, alice, mailoutbox, capsys):
    call_command("send_digests", "--recipient", alice.email)
    assert "not_due" in capsys.readouterr().out
    assert mail.outbox == []


def test_a_dry_run_claims_and_sends_nothing(heads, iom, mailoutbox, capsys):
    User.objects.create(email="", full_name="No Mail", agency=iom, role=Role.HEAD)
    call_command("send_digests", "--dry-run")
    out = capsys.readouterr().out
    assert "harry@iom.example: would send “GMG weekly: " in out
    assert "no email address, would skip" in out and "nothing claimed or sent" in out
    assert mail.outbox == [] and not DigestDelivery.objects.exists()


def test_a_past_week_can_be_sent_by_hand(heads, mailoutbox, capsys):
    year, week = reported_week()
    earlier = weeks.preceding(year, week)
    logged_in(*earlier, agency=heads[0].agency)
    call_command("send_digests", "--week", weeks.label(*earlier))
    assert DigestDelivery.objects.for_week(*earlier).count() == 2
    assert not DigestDelivery.objects.for_week(year, week).exists()


# -- (g) headers --------------------------------------------------------------------------------


def test_the_message_has_one_click_unsubscribe_headers(heads, smtp):
    year, week = reported_week()
    services.send_week(year, week, recipient=heads[0])
    [(rcpts, message)] = smtp.messages
    assert rcpts == ["harry@iom.example"]
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    prefix = f"<{django_settings.SITE_URL}/digests/unsubscribe/"
    assert unsubscribe.startswith(prefix) and unsubscribe.endswith("/>")
    assert tokens.read(unsubscribe[len(prefix) : -2]) == heads[0].pk
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = DigestDelivery.objects.get()
    # Python's parser keeps the blank that folds a non-ASCII subject (RFC 2047) onto its
    # own line; mail clients strip it.
    assert message["Subject"].strip() == row.subject
    assert message["Message-ID"] == f"<digest.{row.week_label}.{row.pk}@127.0.0.1>"
    assert message.get_body(("html",)) is not None


# -- (h) a real worker ----------------------------------------------------------------------------


@pytest.fixture
def worker(smtp_server, settings):
    # On the real clock: with the send hour at 00:00 the digest of the week just ended is
    # due from the moment it ends, so the worker's sweeper treats it alike at any hour.
    with celery_worker(
        REDIS_URL,
        settings,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        GMG_DIGEST_HOUR="0",
    ) as process:
        yield process


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_weekly_run_on_a_real_worker_sends_one_email_per_head(heads, smtp_server, worker):
    year, week = reported_week()
    fanout = tasks.send_weekly_digests.delay().get(timeout=60)
    assert fanout["queued"] == 2
    assert wait_for(lambda: len(smtp_server.messages) >= 2), (
        "the worker sent no digest",
        list(DigestDelivery.objects.values_list("status", "attempts", "error")),
    )
    assert wait_for(lambda: set(statuses(year, week).values()) == {Status.SENT})
    assert smtp_server.recipients() == ["harry@iom.example", "hilda@ilo.example"]
    for _rcpts, message in smtp_server.messages:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Again: the beat finds nothing to queue, and a duplicated job finds its claim.
    assert tasks.send_weekly_digests.delay().get(timeout=60)["queued"] == 0
    assert tasks.send_digest.delay(heads[0].pk, year, week).get(timeout=60) == services.ALREADY
    assert tasks.sweep_pending.delay().get(timeout=60)[services.ALREADY] == 2
    # Whatever those runs queued (a retry, a second send) has run once the worker is idle.
    assert wait_for(lambda: worker_idle(REDIS_URL), timeout=30), "the worker never went idle"
    assert len(smtp_server.messages) == 2
