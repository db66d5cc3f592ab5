"""Who may read and write processes, events and contributions: every view, with named people.

Alice is IOM staff, Fiona IOM's focal point, Harry IOM's head, Bob ILO staff (an outsider to
IOM's records), Sam the secretariat.
"""

import datetime

import pytest
from django.urls import reverse

from agencies.models import Agency
from priorities.models import Priority
from processes import services
from processes.models import Contribution, Event, Process

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hld(db):
    return Event.objects.get(process__slug="hld", start_date__year=2013)


@pytest.fixture
def iom_statement(hld, iom, alice):
    return services.contribution_create(
        hld,
        lead_agency=iom,
        by=alice,
        kind="statement",
        title="IOM statement to the HLD",
        date=datetime.date(2013, 10, 3),
    )


@pytest.fixture
def joint_input(hld, iom, ilo, fiona):
    return services.contribution_create(
        hld,
        lead_agency=iom,
        by=fiona,
        joint=True,
        agencies=[ilo],
        kind="background_paper",
        title="Joint paper on labour mobility",
        date=datetime.date(2013, 9, 1),
    )


@pytest.fixture
def empty_process(sam):
    return services.process_create(by=sam, name="Regional dialogue", kind="other")


@pytest.fixture
def empty_event(empty_process, sam):
    return services.event_create(
        empty_process, by=sam, title="First meeting", start_date=datetime.date(2030, 5, 1)
    )


def contribution_data(**overrides):
    data = {
        "kind": "statement",
        "title": "Statement on remittances",
        "summary": "What we said.",
        "date": "2013-10-04",
        "link": "",
        "priorities": [str(Priority.objects.get(code="b").pk)],
    }
    data.update(overrides)
    return data


def urls(w):
    """Every page, with the people who may open it (None: everyone signed in)."""
    p, e, c, j = w["process"], w["event"], w["contribution"], w["joint"]
    return [
        (reverse("processes:process-list"), None),
        (reverse("processes:process-detail", args=[p.slug]), None),
        (reverse("processes:event-detail", args=[e.pk]), None),
        (reverse("processes:contribution-list"), None),
        (reverse("processes:contribution-export"), None),
        (reverse("processes:contribution-detail", args=[c.pk]), None),
        (reverse("processes:process-create"), {"sam"}),
        (reverse("processes:process-edit", args=[p.slug]), {"sam"}),
        (reverse("processes:process-delete", args=[p.slug]), {"sam"}),
        (reverse("processes:event-create", args=[p.slug]), {"sam"}),
        (reverse("processes:event-edit", args=[e.pk]), {"sam"}),
        (reverse("processes:event-delete", args=[e.pk]), {"sam"}),
        (reverse("processes:contribution-create", args=[e.pk]), {"alice", "fiona", "bob", "sam"}),
        (reverse("processes:joint-input-create", args=[e.pk]), {"alice", "fiona", "bob", "sam"}),
        (reverse("processes:contribution-edit", args=[c.pk]), {"alice", "fiona", "sam"}),
        (reverse("processes:contribution-delete", args=[c.pk]), {"alice", "fiona", "sam"}),
        # A joint input is its lead's (IOM) to edit: ILO, named on it, reads it.
        (reverse("processes:contribution-edit", args=[j.pk]), {"alice", "fiona", "sam"}),
    ]


@pytest.fixture
def world(hld, iom_statement, joint_input):
    return {
        "process": hld.process,
        "event": hld,
        "contribution": iom_statement,
        "joint": joint_input,
    }


PEOPLE = ["alice", "fiona", "harry", "bob", "sam"]


def test_anonymous_is_sent_to_sign_in_everywhere(client, world):
    for url, _may in urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_opens_exactly_the_pages_they_may(client, request, world, person):
    client.force_login(request.getfixturevalue(person))
    for url, may in urls(world):
        expected = 200 if may is None or person in may else 403
        assert client.get(url).status_code == expected, (url, person)


def test_anonymous_posts_change_nothing(client, world, hld):
    before = Contribution.objects.count()
    response = client.post(reverse("processes:contribution-create", args=[hld.pk]), {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Contribution.objects.count() == before


# -- contributions ---------------------------------------------------------------------------


def test_staff_records_a_contribution_for_their_own_agency(client, alice, iom, ilo, hld):
    client.force_login(alice)
    # A crafted form naming another agency still records for the person's own.
    response = client.post(
        reverse("processes:contribution-create", args=[hld.pk]),
        contribution_data(lead_agency=ilo.pk),
    )
    contribution = Contribution.objects.get(title="Statement on remittances")
    assert response.status_code == 302
    assert response["Location"] == contribution.get_absolute_url()
    assert contribution.lead_agency == iom
    assert list(contribution.agencies.all()) == [iom]
    assert not contribution.is_joint
    assert contribution.created_by == alice and contribution.updated_by == alice
    # Priority (e) is added to what was chosen: every contribution here serves it.
    assert set(contribution.priorities.values_list("code", flat=True)) == {"b", "e"}


def test_secretariat_records_for_any_agency(client, sam, ilo, hld):
    client.force_login(sam)
    response = client.post(
        reverse("processes:contribution-create", args=[hld.pk]),
        contribution_data(lead_agency=ilo.pk),
    )
    assert response.status_code == 302
    assert Contribution.objects.get(title="Statement on remittances").lead_agency == ilo


@pytest.mark.parametrize("person", ["harry", "bob"])
def test_head_and_other_agency_cannot_change_iom_contribution(
    client, request, person, iom_statement
):
    client.force_login(request.getfixturevalue(person))
    edit = reverse("processes:contribution-edit", args=[iom_statement.pk])
    delete = reverse("processes:contribution-delete", args=[iom_statement.pk])
    response = client.post(edit, contribution_data(version=iom_statement.version))
    assert response.status_code == 403
    assert client.post(delete, {"confirm": "on"}).status_code == 403
    iom_statement.refresh_from_db()
    assert iom_statement.title == "IOM statement to the HLD"


def test_head_cannot_record_contributions(client, harry, hld):
    client.force_login(harry)
    response = client.post(
        reverse("processes:contribution-create", args=[hld.pk]), contribution_data()
    )
    assert response.status_code == 403
    assert not Contribution.objects.exists()


def test_staff_of_lead_edits_and_the_history_says_who(client, alice, fiona, iom_statement):
    client.force_login(fiona)
    response = client.post(
        reverse("processes:contribution-edit", args=[iom_statement.pk]),
        contribution_data(title="Revised statement", version=iom_statement.version),
    )
    assert response.status_code == 302
    iom_statement.refresh_from_db()
    assert iom_statement.title == "Revised statement"
    assert iom_statement.created_by == alice
    assert iom_statement.updated_by == fiona
    assert iom_statement.updated_at > iom_statement.created_at
    assert iom_statement.version == 2


def test_participant_of_joint_input_reads_but_does_not_edit(client, ilo, joint_input):
    ilo_focal = UserFactory(agency=ilo, role="focal_point")
    client.force_login(ilo_focal)
    detail = client.get(joint_input.get_absolute_url())
    assert detail.status_code == 200
    assert (
        reverse("processes:contribution-edit", args=[joint_input.pk]) not in detail.content.decode()
    )
    edit = reverse("processes:contribution-edit", args=[joint_input.pk])
    assert client.post(edit, contribution_data(version=1)).status_code == 403


def test_own_agency_deletes_its_contribution(client, alice, iom_statement, hld):
    client.force_login(alice)
    delete = reverse("processes:contribution-delete", args=[iom_statement.pk])
    response = client.post(delete, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == hld.get_absolute_url()
    assert not Contribution.objects.filter(pk=iom_statement.pk).exists()


def test_inactive_agency_staff_can_no_longer_write(client, alice, iom, iom_statement):
    Agency.objects.filter(pk=iom.pk).update(is_active=False)
    client.force_login(alice)
    edit = reverse("processes:contribution-edit", args=[iom_statement.pk])
    assert client.get(edit).status_code == 403


# -- processes and events --------------------------------------------------------------------


@pytest.mark.parametrize("person", ["alice", "fiona", "harry", "bob"])
def test_only_the_secretariat_manages_processes(client, request, person, hld):
    client.force_login(request.getfixturevalue(person))
    create = reverse("processes:process-create")
    data = {"name": "Rabat Process", "kind": "regional_consultative"}
    assert client.post(create, data).status_code == 403
    assert not Process.objects.filter(name="Rabat Process").exists()
    event_data = {"title": "Changed", "start_date": "2013-10-03", "version": hld.version}
    assert (
        client.post(reverse("processes:event-edit", args=[hld.pk]), event_data).status_code == 403
    )
    hld.refresh_from_db()
    assert hld.title.startswith("Second High-level Dialogue")


def test_secretariat_adds_a_process_and_an_event(client, sam):
    client.force_login(sam)
    response = client.post(
        reverse("processes:process-create"),
        {"name": "Budapest Process", "acronym": "BP", "kind": "regional_consultative"},
    )
    process = Process.objects.get(name="Budapest Process")
    assert response["Location"] == process.get_absolute_url()
    assert process.slug == "bp"
    assert process.created_by == sam
    response = client.post(
        reverse("processes:event-create", args=[process.slug]),
        {"title": "Ministerial conference", "place": "Istanbul", "start_date": "2031-02-10"},
    )
    event = process.events.get()
    assert response["Location"] == event.get_absolute_url()
    assert event.created_by == sam and event.end_date is None
    assert event.status == Event.Status.UPCOMING


def test_an_event_with_contributions_is_not_deleted(client, sam, hld, iom_statement):
    client.force_login(sam)
    response = client.post(reverse("processes:event-delete", args=[hld.pk]), {"confirm": "on"})
    assert response.status_code == 200
    assert Event.objects.filter(pk=hld.pk).exists()
    response = client.post(
        reverse("processes:process-delete", args=[hld.process.slug]), {"confirm": "on"}
    )
    assert response.status_code == 200
    assert Process.objects.filter(pk=hld.process.pk).exists()


def test_empty_events_and_processes_are_deleted(client, sam, empty_event, empty_process):
    client.force_login(sam)
    response = client.post(
        reverse("processes:event-delete", args=[empty_event.pk]), {"confirm": "on"}
    )
    assert response["Location"] == empty_process.get_absolute_url()
    response = client.post(
        reverse("processes:process-delete", args=[empty_process.slug]), {"confirm": "on"}
    )
    assert response["Location"] == reverse("processes:process-list")
    assert not Process.objects.filter(pk=empty_process.pk).exists()
