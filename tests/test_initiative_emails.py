"""Agencies hear by email of what asks them to act on a joint initiative: an invitation
(the invited agency's focal points), an answer (the lead's), a status change (the lead's
and every participant's). Never the person who acted; never twice for one event."""

import pytest
from django.core import mail

from agencies.models import Agency, Role
from common.models import OutboxMessage
from initiatives import services, tasks
from initiatives.models import InitiativeEvent, JointInitiative

from .factories import JointInitiativeFactory, UserFactory

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def unhcr(db):
    return Agency.objects.get(acronym="UNHCR")


@pytest.fixture
def una(unhcr):
    return UserFactory(
        email="una@unhcr.example", full_name="Una", agency=unhcr, role=Role.FOCAL_POINT
    )


@pytest.fixture
def initiative(iom):
    made = JointInitiativeFactory(title=f"Returnees {HOSTILE}", lead_agency=iom)
    made.participating_agencies.set([iom])
    return made


def test_an_invitation_emails_the_invited_agencys_focal_points(
    initiative, unhcr, una, fiona, alice, django_capture_on_commit_callbacks
):
    UserFactory(email="gone@unhcr.example", agency=unhcr, role=Role.FOCAL_POINT, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_invite(initiative, agency=unhcr, by=fiona)
    assert [m.to for m in mail.outbox] == [["una@unhcr.example"]]
    message = mail.outbox[0]
    assert message.subject == f"IOM invites your agency to a joint initiative: Returnees {HOSTILE}"
    assert initiative.get_absolute_url() in message.body
    html = message.alternatives[0][0]
    assert HOSTILE not in html and "&lt;script&gt;" in html


def test_an_answer_emails_the_lead_not_the_person_who_answered(
    initiative, unhcr, una, fiona, django_capture_on_commit_callbacks
):
    participation = services.participation_invite(initiative, agency=unhcr, by=fiona)
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_answer(participation, accept=True, by=una)
    assert [m.to for m in mail.outbox] == [["fiona@iom.example"]]
    assert mail.outbox[0].subject.startswith("UNHCR accepted to take part")


def test_a_status_change_emails_the_lead_and_participants_but_not_the_actor(
    initiative, unhcr, una, fiona, sam, django_capture_on_commit_callbacks
):
    participation = services.participation_invite(initiative, agency=unhcr, by=fiona)
    services.participation_answer(participation, accept=True, by=una)
    with django_capture_on_commit_callbacks(execute=True):
        services.initiative_transition(initiative, to=JointInitiative.Status.ACTIVE, by=fiona)
    assert [m.to for m in mail.outbox] == [["una@unhcr.example"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.initiative_transition(initiative, to=JointInitiative.Status.CANCELLED, by=sam)
    assert sorted(m.to[0] for m in mail.outbox) == ["fiona@iom.example", "una@unhcr.example"]


def test_edits_and_milestones_are_not_emailed(initiative, iom, fiona):
    before = OutboxMessage.objects.count()
    services.initiative_update(initiative, by=fiona, title="Renamed")
    services.milestone_add(initiative, title="M", due_date="2030-01-01", owner_agency=iom, by=fiona)
    assert OutboxMessage.objects.count() == before


def test_a_task_delivered_twice_emails_once(initiative, unhcr, una, fiona):
    services.participation_invite(initiative, agency=unhcr, by=fiona)
    event = initiative.events.get(kind=InitiativeEvent.Kind.INVITED)
    message = OutboxMessage.objects.get(task=services.NOTIFY_TASK)
    assert message.args == [event.pk]
    tasks.notify_initiative_event(event.pk)
    tasks.notify_initiative_event(event.pk)
    assert len(mail.outbox) == 1
