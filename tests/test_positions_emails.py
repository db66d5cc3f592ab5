"""The heads are emailed when a position is put to endorsement, and those who have not
answered are reminded once, a week before the deadline, by a daily task: in this process,
and on a real Celery worker through a real SMTP server."""

import datetime
import os

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from agencies.models import Role
from common.models import OutboxMessage
from common.outbox import resolve
from positions import services, tasks
from positions.models import Endorsement, Position, PositionEvent

from .factories import UserFactory
from .positions import answer, consulted, draft, head_of, in_endorsement
from .test_digest_delivery import smtp_server  # noqa: F401 - the SMTP listener fixture
from .workers import celery_worker, wait_for, worker_idle

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TODAY = datetime.date(2026, 3, 2)
NOON = datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)


@pytest.fixture
def heads(db):
    """Heads of IOM (two of them), ILO and UNHCR."""
    return [
        head_of("IOM", "harry@iom.example"),
        head_of("IOM", "hanna@iom.example"),
        head_of("ILO", "hilda@ilo.example"),
        head_of("UNHCR", "ulla@unhcr.example"),
    ]


def opened(lead, by, deadline_in=21, when=NOON - datetime.timedelta(days=20)):
    """A position put to endorsement on `when` (so its agencies were asked that day)."""
    with time_machine.travel(when, tick=False):
        position = consulted(lead, by=by)
        return services.position_transition(
            position,
            to=Position.Status.ENDORSEMENT,
            by=by,
            deadline=when.date() + datetime.timedelta(days=deadline_in),
        )


# -- when the endorsement opens ---------------------------------------------------------------


def test_opening_the_endorsement_emails_every_head_asked(
    iom, fiona, heads, django_capture_on_commit_callbacks
):
    UserFactory(email="fp@ilo.example", agency=heads[2].agency, role=Role.FOCAL_POINT)
    with django_capture_on_commit_callbacks(execute=True):
        position = in_endorsement(iom, by=fiona, title="Statement on <b>returns</b>")
    endorsement_mails = [m for m in mail.outbox if "For your endorsement" in m.subject]
    assert sorted(m.to[0] for m in endorsement_mails) == [
        "hanna@iom.example",
        "harry@iom.example",
        "hilda@ilo.example",
        "ulla@unhcr.example",
    ]
    message = endorsement_mails[0]
    assert position.get_absolute_url() in message.body
    assert "Statement on <b>returns</b>" in message.body
    html = message.alternatives[0][0]
    assert "&lt;b&gt;returns&lt;/b&gt;" in html and "<b>returns" not in html
    # The consultation's email went to the other agencies' focal points, not to heads.
    consultation = [m for m in mail.outbox if "Comments invited" in m.subject]
    assert [m.to for m in consultation] == [["fp@ilo.example"]]


def test_the_event_is_claimed_so_a_second_delivery_sends_nothing(iom, fiona, heads):
    position = in_endorsement(iom, by=fiona)
    event = position.events.get(to_status=Position.Status.ENDORSEMENT)
    assert services.notify_position_event(event.pk) == 4
    assert services.notify_position_event(event.pk) == 0
    assert len(mail.outbox) == 4


def test_only_stage_openings_are_emailed(iom, fiona, heads, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        position = draft(iom, by=fiona)
        services.position_update(
            position, by=fiona, base_version=1, text="New text.", change_note="N"
        )
    assert mail.outbox == []
    assert not OutboxMessage.objects.exists()


# -- reminders ---------------------------------------------------------------------------------


def test_heads_who_have_not_answered_are_reminded_once_a_week_before(iom, fiona, heads):
    position = opened(iom, fiona, deadline_in=27)  # deadline: 27 days after 10 Feb = 9 March
    assert position.endorsement_deadline == TODAY + datetime.timedelta(days=7)
    answer(position, "ILO", by=heads[2])

    with time_machine.travel(NOON - datetime.timedelta(days=1), tick=False):
        assert services.send_endorsement_reminders() == {"endorsements": 0, "sent": 0}

    with time_machine.travel(NOON, tick=False):
        result = services.send_endorsement_reminders()
        # Every agency that has not answered is claimed; only those with heads get email.
        assert result["endorsements"] == position.endorsements.pending().count()
        assert result["sent"] == 3
        assert sorted(m.to[0] for m in mail.outbox) == [
            "hanna@iom.example",
            "harry@iom.example",
            "ulla@unhcr.example",
        ]
        assert all("Reminder" in m.subject for m in mail.outbox)
        # The next run, and the day after, remind nobody again.
        assert services.send_endorsement_reminders() == {"endorsements": 0, "sent": 0}
    with time_machine.travel(NOON + datetime.timedelta(days=1), tick=False):
        assert services.send_endorsement_reminders()["sent"] == 0
    assert len(mail.outbox) == 3
    assert position.endorsements.get(agency__acronym="ILO").reminded_at is None
    assert not position.endorsements.pending().filter(reminded_at__isnull=True).exists()


def test_nobody_is_reminded_after_the_deadline_or_when_the_position_moved_on(iom, fiona, sam):
    head_of("UNHCR")
    late = opened(iom, fiona, deadline_in=19)  # deadline passed yesterday
    withdrawn = opened(iom, fiona, deadline_in=22)
    services.position_transition(withdrawn, to="withdrawn", by=sam, note="Dropped.")
    with time_machine.travel(NOON, tick=False):
        assert services.send_endorsement_reminders() == {"endorsements": 0, "sent": 0}
    assert late.endorsements.filter(reminded_at__isnull=False).count() == 0


def test_heads_asked_today_are_not_reminded_today(iom, fiona):
    head_of("UNHCR")
    opened(iom, fiona, deadline_in=5, when=NOON - datetime.timedelta(hours=2))
    with time_machine.travel(NOON, tick=False):
        assert services.send_endorsement_reminders()["sent"] == 0
    with time_machine.travel(NOON + datetime.timedelta(days=1), tick=False):
        assert services.send_endorsement_reminders()["sent"] == 1


def test_a_failed_email_does_not_stop_the_others(iom, fiona, heads, monkeypatch):
    opened(iom, fiona, deadline_in=25)
    sent = []

    def flaky(name, to, context, **kwargs):
        if to == "harry@iom.example":
            raise OSError("connection refused")
        sent.append(to)

    monkeypatch.setattr(services.emails, "send", flaky)
    with time_machine.travel(NOON, tick=False):
        result = services.send_endorsement_reminders()
    assert result["sent"] == 3 and "harry@iom.example" not in sent


def test_the_daily_beat_runs_the_reminders(settings):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "positions.tasks.send_endorsement_reminders"
    )
    assert entry["schedule"].hour == {7} and entry["schedule"].day_of_week == set(range(7))
    # The names the beat and the outbox publish are the tasks' own.
    assert resolve(entry["task"]).name == tasks.send_endorsement_reminders.name
    assert resolve(services.NOTIFY_TASK).name == tasks.notify_position_event.name


# -- on a real worker, through a real SMTP server ----------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_daily_task_on_a_real_worker_reminds_each_head_once_by_smtp(
    iom,
    fiona,
    smtp_server,  # noqa: F811 - the fixture imported above
    settings,
):
    harry = head_of("IOM", "harry@iom.example")
    head_of("UNHCR", "ulla@unhcr.example")
    # On the real clock (the worker keeps it): asked two days ago, deadline in five days.
    asked = timezone.now() - datetime.timedelta(days=2)
    position = opened(iom, fiona, deadline_in=7, when=asked)
    Endorsement.objects.filter(position=position).update(created_at=asked)
    PositionEvent.objects.filter(position=position).update(notified_at=timezone.now())
    answer(position, "IOM", by=harry)

    with celery_worker(REDIS_URL, settings, EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}"):
        result = tasks.send_endorsement_reminders.delay().get(timeout=60)
        assert result["sent"] == 1
        assert wait_for(lambda: len(smtp_server.messages) >= 1), "the worker sent no reminder"
        assert smtp_server.recipients() == ["ulla@unhcr.example"]
        _rcpts, message = smtp_server.messages[0]
        assert "Reminder" in message["Subject"]
        assert position.get_absolute_url() in message.get_body(("plain",)).get_content()

        # The beat fires again (or twice at once): the rows say who was reminded.
        assert tasks.send_endorsement_reminders.delay().get(timeout=60)["sent"] == 0
        assert wait_for(lambda: worker_idle(REDIS_URL), timeout=30)
        assert smtp_server.recipients() == ["ulla@unhcr.example"]
