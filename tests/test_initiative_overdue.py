"""A milestone of a proposed or active joint initiative that passes its due date undone is
reported by email, once, to the focal points of the lead agency and of the agency that owns
it. The daily beat runs the check; a due date moved later is reported again when it passes."""

import datetime
import os

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from agencies.models import Agency, Role
from common.models import OutboxMessage
from initiatives import services, tasks
from initiatives.models import InitiativeEvent, JointInitiative, Milestone

from .factories import JointInitiativeFactory, UserFactory
from .test_digest_delivery import run_in_threads, smtp_server  # noqa: F401 - fixture
from .workers import celery_worker, wait_for, worker_idle

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
HOSTILE = "<script>alert(1)</script>"
Status = JointInitiative.Status
OVERDUE = InitiativeEvent.Kind.MILESTONE_OVERDUE
TODAY = datetime.date(2026, 3, 10)
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture
def unhcr(db):
    return Agency.objects.get(acronym="UNHCR")


@pytest.fixture
def una(unhcr):
    """Focal point at UNHCR, the agency owning the milestones."""
    return UserFactory(
        email="una@unhcr.example", full_name="Una", agency=unhcr, role=Role.FOCAL_POINT
    )


@pytest.fixture
def initiative(iom, ilo, unhcr):
    """Led by IOM; ILO and UNHCR take part."""
    made = JointInitiativeFactory(
        title=f"Returnees {HOSTILE}", lead_agency=iom, status=Status.ACTIVE
    )
    made.participating_agencies.set([iom, ilo, unhcr])
    return made


def milestone(initiative, owner, due, title="Survey done", **fields):
    return Milestone.objects.create(
        initiative=initiative, title=title, due_date=due, owner_agency=owner, **fields
    )


def reported():
    """(initiative title, milestone title) of every overdue event, in order."""
    return list(
        InitiativeEvent.objects.filter(kind=OVERDUE)
        .order_by("pk")
        .values_list("initiative__title", "milestone__title")
    )


def test_which_milestones_are_reported(initiative, iom, unhcr):
    proposed = JointInitiativeFactory(title="Proposed", lead_agency=iom, status=Status.PROPOSED)
    late = milestone(initiative, unhcr, YESTERDAY, title="Late")
    milestone(initiative, unhcr, YESTERDAY - datetime.timedelta(days=40), title="Long late")
    milestone(proposed, iom, YESTERDAY, title="Late, proposed")
    milestone(initiative, unhcr, TODAY, title="Due today")
    milestone(initiative, unhcr, TODAY + datetime.timedelta(days=3), title="Due later")
    milestone(initiative, unhcr, YESTERDAY, title="Done", done=True, done_on=YESTERDAY)
    for status in (Status.COMPLETED, Status.CANCELLED):
        ended = JointInitiativeFactory(title=status.label, lead_agency=iom, status=status)
        milestone(ended, iom, YESTERDAY, title=f"Late, {status.label}")

    assert services.notify_overdue_milestones(today=TODAY) == 3

    assert sorted(reported()) == sorted(
        [
            (initiative.title, "Late"),
            (initiative.title, "Long late"),
            ("Proposed", "Late, proposed"),
        ]
    )
    late.refresh_from_db()
    assert late.overdue_notified_for == YESTERDAY
    events = InitiativeEvent.objects.filter(kind=OVERDUE)
    # Each event's email is queued through the outbox, in the same transaction.
    assert sorted(m.args for m in OutboxMessage.objects.filter(task=services.NOTIFY_TASK)) == (
        sorted([e.pk] for e in events)
    )
    assert all(e.actor is None for e in events)


def test_a_second_run_reports_nothing(initiative, unhcr):
    milestone(initiative, unhcr, YESTERDAY)
    assert services.notify_overdue_milestones(today=TODAY) == 1
    queued = OutboxMessage.objects.count()
    assert services.notify_overdue_milestones(today=TODAY) == 0
    assert services.notify_overdue_milestones(today=TODAY + datetime.timedelta(days=5)) == 0
    assert len(reported()) == 1 and OutboxMessage.objects.count() == queued


def test_a_due_date_moved_later_is_reported_again_when_it_passes(initiative, unhcr):
    late = milestone(initiative, unhcr, YESTERDAY)
    services.notify_overdue_milestones(today=TODAY)
    moved = TODAY + datetime.timedelta(days=7)
    Milestone.objects.filter(pk=late.pk).update(due_date=moved)

    assert services.notify_overdue_milestones(today=moved) == 0  # due that day: not late yet
    assert services.notify_overdue_milestones(today=moved + datetime.timedelta(days=1)) == 1
    assert services.notify_overdue_milestones(today=moved + datetime.timedelta(days=2)) == 0
    assert len(reported()) == 2
    late.refresh_from_db()
    assert late.overdue_notified_for == moved


def test_the_lead_and_the_owner_focal_points_are_emailed(
    initiative, iom, ilo, unhcr, una, fiona, alice, harry, django_capture_on_commit_callbacks
):
    # Not emailed: ILO takes part but owns nothing late; staff, heads, people who left.
    UserFactory(email="ivo@ilo.example", agency=ilo, role=Role.FOCAL_POINT)
    UserFactory(email="gone@unhcr.example", agency=unhcr, role=Role.FOCAL_POINT, is_active=False)
    milestone(initiative, unhcr, YESTERDAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_overdue_milestones(today=TODAY)
    assert sorted(m.to[0] for m in mail.outbox) == ["fiona@iom.example", "una@unhcr.example"]


def test_a_milestone_the_lead_owns_emails_the_lead_once(
    initiative, iom, fiona, una, django_capture_on_commit_callbacks
):
    milestone(initiative, iom, YESTERDAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_overdue_milestones(today=TODAY)
    assert [m.to for m in mail.outbox] == [["fiona@iom.example"]]


def test_the_email_says_what_is_late_and_escapes_typed_markup(
    initiative, unhcr, una, django_capture_on_commit_callbacks
):
    milestone(initiative, unhcr, datetime.date(2026, 3, 3), title=f"Survey {HOSTILE}")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_overdue_milestones(today=TODAY)
    (message,) = mail.outbox
    assert message.subject == (f"Milestone overdue in “Returnees {HOSTILE}”: Survey {HOSTILE}")
    link = f"{initiative.get_absolute_url()}#milestones"
    assert link in message.body
    assert f"“Survey {HOSTILE}”" in message.body and f"“Returnees {HOSTILE}”" in message.body
    assert "owned by UNHCR, was due on 3 March 2026" in message.body
    html = message.alternatives[0][0]
    assert HOSTILE not in html
    assert "Survey &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Returnees &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f'{link}"' in html


def test_a_milestone_done_before_the_email_goes_out_is_not_emailed(initiative, unhcr, una, fiona):
    late = milestone(initiative, unhcr, YESTERDAY)
    services.notify_overdue_milestones(today=TODAY)  # queued, not yet sent
    services.milestone_mark_done(late, by=fiona)
    (event,) = InitiativeEvent.objects.filter(kind=OVERDUE)
    assert tasks.notify_initiative_event(event.pk) == 0
    assert mail.outbox == []


def test_a_task_delivered_twice_emails_once(initiative, unhcr, una):
    milestone(initiative, unhcr, YESTERDAY)
    services.notify_overdue_milestones(today=TODAY)
    (event,) = InitiativeEvent.objects.filter(kind=OVERDUE)
    assert tasks.notify_initiative_event(event.pk) == 1
    assert tasks.notify_initiative_event(event.pk) == 0
    assert len(mail.outbox) == 1


def test_the_timeline_shows_the_milestone_overdue(client, initiative, unhcr, alice):
    milestone(initiative, unhcr, YESTERDAY, title="Survey done")
    services.notify_overdue_milestones(today=TODAY)
    client.force_login(alice)
    page = client.get(initiative.get_absolute_url()).content.decode()
    assert "Milestone overdue: Survey done" in page


def test_the_daily_beat_runs_the_task_and_the_command_does_the_same(settings, initiative, unhcr):
    entry = settings.CELERY_BEAT_SCHEDULE["initiatives-daily-overdue-milestones"]
    assert entry["task"] == tasks.notify_overdue_milestones.name
    # Once a day (a crontab at one hour and minute, every day).
    assert entry["schedule"].hour == {5} and len(entry["schedule"].day_of_week) == 7
    late = milestone(initiative, unhcr, timezone.localdate() - datetime.timedelta(days=1))
    assert tasks.notify_overdue_milestones.delay().get() == 1
    Milestone.objects.filter(pk=late.pk).update(due_date=late.due_date - datetime.timedelta(days=1))
    from io import StringIO

    out = StringIO()
    call_command("notify_overdue_milestones", stdout=out)
    assert out.getvalue() == "Overdue milestones: 1 reported.\n"
    call_command("notify_overdue_milestones", stdout=out)
    assert out.getvalue().endswith("Overdue milestones: 0 reported.\n")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_runs_report_each_milestone_once(initiative, iom, unhcr, una, fiona):
    for n in range(20):
        milestone(initiative, unhcr, YESTERDAY, title=f"Late {n}")
    counts = []
    # Tasks run eagerly here: each run's emails go out as it commits.
    run_in_threads(lambda: counts.append(services.notify_overdue_milestones(today=TODAY)), 4)
    assert sum(counts) == 20
    assert sorted(title for _i, title in reported()) == sorted(f"Late {n}" for n in range(20))
    sent = sorted((m.to[0], m.subject.rpartition(": ")[2]) for m in mail.outbox)
    assert sent == sorted(
        (to, f"Late {n}") for n in range(20) for to in ("fiona@iom.example", "una@unhcr.example")
    )


# Through a real worker and a real SMTP server


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_daily_run_reaches_the_focal_points_through_the_worker_by_smtp(
    initiative,
    unhcr,
    una,
    fiona,
    smtp_server,  # noqa: F811 - the fixture imported above
    settings,
):
    milestone(initiative, unhcr, timezone.localdate() - datetime.timedelta(days=2))
    with celery_worker(REDIS_URL, settings, EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}"):
        # The worker runs the check (on its own clock) and, once it commits, the email task.
        assert tasks.notify_overdue_milestones.delay().get(timeout=60) == 1
        expected = ["fiona@iom.example", "una@unhcr.example"]
        assert wait_for(lambda: len(smtp_server.messages) >= 2), "the worker sent no email"
        assert smtp_server.recipients() == expected
        for _rcpts, message in smtp_server.messages:
            assert message["Subject"].strip().startswith("Milestone overdue in “Returnees")
            text = message.get_body(("plain",)).get_content()
            assert f"{initiative.get_absolute_url()}#milestones" in text
        assert not OutboxMessage.objects.exists()  # published after the commit

        # The beat runs again the next day, and the broker delivers the email task again.
        assert tasks.notify_overdue_milestones.delay().get(timeout=60) == 0
        event = InitiativeEvent.objects.get(kind=OVERDUE)
        tasks.notify_initiative_event.delay(event.pk)
        assert wait_for(lambda: worker_idle(REDIS_URL), timeout=30)
        assert smtp_server.recipients() == expected
