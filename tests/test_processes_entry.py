"""Recording processes, events and contributions: the reference data, the forms' field errors,
the services' rules, and that a refused or failed save leaves nothing behind."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from priorities.models import Priority
from processes import services
from processes.models import Contribution, Event, Process

from .factories import JointInitiativeFactory
from .markup import Page

pytestmark = pytest.mark.django_db


@pytest.fixture
def hld(db):
    return Event.objects.get(process__slug="hld", start_date__year=2013)


def errors_of(response):
    """{field name: error text} as the page shows them, beside each field."""
    page = Page(response.content.decode())
    found = {}
    for element in page.elements:
        if element.tag == "ul" and "errorlist" in element.attrs.get("class", ""):
            field = element.attrs.get("id", "").removeprefix("id_").removesuffix("_error")
            found[field or "__all__"] = element.text
    return found


# -- reference data ---------------------------------------------------------------------------


def test_the_high_level_dialogues_and_the_gfmd_are_shipped():
    hld = Process.objects.get(slug="hld")
    assert hld.kind == Process.Kind.UN_INTERGOVERNMENTAL
    dialogues = list(hld.events.values_list("start_date", "end_date", "place"))
    assert [(s, e) for s, e, _place in dialogues] == [
        (datetime.date(2006, 9, 14), datetime.date(2006, 9, 15)),
        (datetime.date(2013, 10, 3), datetime.date(2013, 10, 4)),
    ]
    assert all(place.startswith("New York") for *_dates, place in dialogues)

    gfmd = Process.objects.get(slug="gfmd")
    assert gfmd.kind == Process.Kind.STATE_LED
    assert gfmd.website == "https://www.gfmd.org"
    meetings = {e.start_date.year: e for e in gfmd.events.all()}
    assert meetings[2007].place == "Brussels, Belgium"
    assert meetings[2007].start_date == datetime.date(2007, 7, 9)
    places = {year: meetings[year].place.split(",")[0] for year in meetings}
    assert places == {
        2007: "Brussels",
        2008: "Manila",
        2009: "Athens",
        2010: "Puerto Vallarta",
        2011: "Geneva",
        2012: "Port Louis",
        2014: "Stockholm",
        2015: "Istanbul",
        2016: "Dhaka",
        2017: "Berlin",
        2018: "Marrakesh",
        2020: "Quito",
    }
    # The record is history: every meeting is past and none names a deadline.
    assert all(e.status == Event.Status.PAST for e in meetings.values())
    assert not Event.objects.filter(contribution_deadline__isnull=False).exists()


# -- the forms ---------------------------------------------------------------------------------


def test_event_form_puts_each_error_beside_its_field(client, sam):
    client.force_login(sam)
    gfmd = Process.objects.get(slug="gfmd")
    response = client.post(
        reverse("processes:event-create", args=[gfmd.slug]),
        {
            "title": "First GFMD Meeting",  # taken by the reference data
            "start_date": "2032-05-10",
            "end_date": "2032-05-01",
            "website": "not an address",
        },
    )
    assert response.status_code == 200
    errors = errors_of(response)
    assert "before the start date" in errors["end_date"]
    assert "valid URL" in errors["website"]
    assert gfmd.events.count() == 12
    # With the dates and address put right, the title's clash shows beside the title.
    response = client.post(
        reverse("processes:event-create", args=[gfmd.slug]),
        {"title": "First GFMD Meeting", "start_date": "2032-05-10"},
    )
    assert "already has an event with this title" in errors_of(response)["title"]
    assert gfmd.events.count() == 12


def test_process_form_requires_a_name_and_kind_and_refuses_a_twin(client, sam):
    client.force_login(sam)
    response = client.post(reverse("processes:process-create"), {"name": "", "kind": "bogus"})
    errors = errors_of(response)
    assert "required" in errors["name"]
    assert "valid choice" in errors["kind"]
    response = client.post(
        reverse("processes:process-create"),
        {"name": "Global Forum on Migration and Development", "kind": "state_led"},
    )
    assert "already exists" in errors_of(response)["name"]
    assert Process.objects.count() == 2


def test_contribution_form_errors(client, alice, hld):
    client.force_login(alice)
    response = client.post(
        reverse("processes:contribution-create", args=[hld.pk]),
        {"kind": "speech", "title": "", "date": "3 October", "link": "javascript:alert(1)"},
    )
    errors = errors_of(response)
    assert set(errors) >= {"kind", "title", "date", "link"}
    assert not Contribution.objects.exists()


def test_the_new_contribution_form_starts_from_the_event(client, alice, hld):
    client.force_login(alice)
    page = Page(
        client.get(reverse("processes:contribution-create", args=[hld.pk])).content.decode()
    )
    date = next(e for e in page.elements if e.attrs.get("name") == "date")
    assert date.attrs["value"] == "2013-10-03"
    ticked = [
        e.attrs["value"]
        for e in page.elements
        if e.attrs.get("name") == "priorities" and "checked" in e.attrs
    ]
    assert ticked == [str(Priority.objects.get(code="e").pk)]
    # Staff record for their own agency: there is no agency to choose, and no partners.
    names = {e.attrs.get("name") for e in page.form_fields()}
    assert not names & {"lead_agency", "agencies", "initiative"}


def test_joint_input_needs_another_agency(client, alice, iom, hld):
    client.force_login(alice)
    url = reverse("processes:joint-input-create", args=[hld.pk])
    data = {"kind": "statement", "title": "Joint statement", "date": "2013-10-03"}
    errors = errors_of(client.post(url, data))
    assert "besides its lead" in errors["agencies"]
    # The lead is not among the choices: naming it is refused as an unknown choice.
    errors = errors_of(client.post(url, {**data, "agencies": [iom.pk]}))
    assert "agencies" in errors
    assert not Contribution.objects.exists()


def test_joint_input_with_partners_and_an_initiative(client, fiona, iom, ilo, hld):
    initiative = JointInitiativeFactory(lead_agency=iom, title="Labour mobility together")
    elsewhere = JointInitiativeFactory(title="Not IOM's")
    client.force_login(fiona)
    url = reverse("processes:joint-input-create", args=[hld.pk])
    data = {
        "kind": "panel",
        "title": "Round table 2",
        "date": "2013-10-04",
        "agencies": [ilo.pk],
        "initiative": elsewhere.pk,
    }
    # Only an initiative IOM takes part in may be linked.
    assert "initiative" in errors_of(client.post(url, data))
    response = client.post(url, {**data, "initiative": initiative.pk})
    joint = Contribution.objects.get()
    assert response["Location"] == joint.get_absolute_url()
    assert joint.is_joint and joint.lead_agency == iom and joint.initiative == initiative
    assert set(joint.agencies.all()) == {iom, ilo}


def test_a_stale_edit_is_refused_and_the_colleagues_change_kept(client, alice, fiona, iom, hld):
    made = services.contribution_create(
        hld, lead_agency=iom, by=alice, kind="data", title="Data note", date=hld.start_date
    )
    services.contribution_update(made, by=fiona, expected_version=1, title="Fiona's title")
    client.force_login(alice)
    response = client.post(
        reverse("processes:contribution-edit", args=[made.pk]),
        {"kind": "data", "title": "Alice's title", "date": "2013-10-03", "version": 1},
    )
    assert response.status_code == 200
    assert "Someone else saved this" in response.content.decode()
    made.refresh_from_db()
    assert made.title == "Fiona's title" and made.version == 2


# -- the services ------------------------------------------------------------------------------


def test_one_agencys_contribution_names_no_partner_nor_initiative(iom, ilo, hld):
    with pytest.raises(ValidationError) as refused:
        services.contribution_create(
            hld,
            lead_agency=iom,
            by=None,
            agencies=[ilo],
            kind="statement",
            title="Alone?",
            date=hld.start_date,
        )
    assert "agencies" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.contribution_create(
            hld,
            lead_agency=iom,
            by=None,
            initiative=JointInitiativeFactory(lead_agency=iom),
            kind="statement",
            title="Alone?",
            date=hld.start_date,
        )
    assert "initiative" in refused.value.message_dict
    assert not Contribution.objects.exists()


def test_nothing_is_half_saved(iom, ilo, hld, monkeypatch):
    """A failure after the contribution's row is written (here, setting its priorities)
    takes the row and its agencies back with it."""

    def broken(priorities):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_with_processes_priority", broken)
    with pytest.raises(RuntimeError):
        services.contribution_create(
            hld,
            lead_agency=iom,
            by=None,
            joint=True,
            agencies=[ilo],
            priorities=[],
            kind="statement",
            title="Half?",
            date=hld.start_date,
        )
    assert not Contribution.objects.exists()
    assert not Contribution.agencies.through.objects.exists()


def test_a_process_address_never_takes_a_reserved_word_or_a_twin(sam):
    first = services.process_create(by=sam, name="New", kind="other")
    assert first.slug == "new-2"
    twin = services.process_create(by=sam, name="Another", acronym="GFMD", kind="other")
    assert twin.slug == "gfmd-2"
    services.process_update(twin, by=sam, name="Renamed", acronym="R")
    twin.refresh_from_db()
    assert twin.slug == "gfmd-2"  # its address stays, so links keep working
    assert twin.version == 2


def test_event_status_follows_the_calendar(sam):
    process = Process.objects.get(slug="gfmd")
    event = services.event_create(
        process,
        by=sam,
        title="Thematic meeting",
        start_date=datetime.date(2030, 3, 1),
        end_date=datetime.date(2030, 3, 3),
    )
    assert event.status_on(datetime.date(2030, 2, 28)) == Event.Status.UPCOMING
    assert event.status_on(datetime.date(2030, 3, 1)) == Event.Status.UNDER_WAY
    assert event.status_on(datetime.date(2030, 3, 3)) == Event.Status.UNDER_WAY
    assert event.status_on(datetime.date(2030, 3, 4)) == Event.Status.PAST
    today = datetime.date(2030, 3, 2)
    assert event not in Event.objects.upcoming(today)
    assert event not in Event.objects.past(today)
    assert event in Event.objects.past(datetime.date(2030, 3, 4))
