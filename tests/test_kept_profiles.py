"""The agency and priority pages keep parts of themselves rendered in the shared cache
(gmg_portal.views.agency_detail and priority_detail, common.tallies.fragment_key): the
activity tables with their pages, an agency's footprint and places, a priority's agencies
and both pages' joint initiatives; and an activity's page its possible overlaps
(overlaps.templatetags.overlap_tags.activity_overlaps). A page seen before is not rendered
again, yet every change of what they show is on the page at once, whichever service makes
it, and nobody is shown a fragment made for someone who sees other activities or pairs.

Each test first looks at the pages, so that what it checks afterwards would come from the
cache if the key did not change; then it changes the data through its service (or, for the
reference lists the admin writes, a model save).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import services
from activities.models import Activity
from agencies.models import Agency
from geo.models import Country
from gmg_portal import views
from initiatives import services as initiative_services
from initiatives.models import JointInitiative
from overlaps import review, tasks
from overlaps.models import OverlapFlag
from priorities.models import Priority

from .factories import ActivityFactory, UserFactory, refreshed
from .markup import Page
from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log

pytestmark = pytest.mark.django_db


def agency_url(agency):
    return reverse("agency-detail", args=[agency.slug])


def priority_url(code):
    return reverse("priority-detail", args=[code])


def page_of(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return Page(response.content.decode())


def rows_in(page, element):
    """Each row (`tr`) inside `element`, as the text of its cells."""
    return [
        [cell.text for cell in page.elements if cell.tag in ("th", "td") and row in cell.ancestors]
        for row in page.all("tr")
        if element in row.ancestors
    ]


def activity_rows(client, url, **params):
    """The activity table's rows (its body), each as the text of its cells."""
    page = page_of(client, url, **params)
    table = next(t for t in page.all("table") if "table--cards" in t.attrs.get("class", ""))
    body = next(b for b in page.all("tbody") if table in b.ancestors)
    return rows_in(page, body)


def titles(client, url, **params):
    return [row[0] for row in activity_rows(client, url, **params)]


def section_rows(client, url, section_id, **params):
    """The rows of the tables of the page's section `section_id`."""
    page = page_of(client, url, **params)
    return rows_in(page, page.by_id(section_id))


def footprint(client, agency):
    """{priority code: (activities, joint initiatives)} as the agency's footprint shows them."""
    return {
        row[0][1]: (int(row[1]), int(row[2]))
        for row in section_rows(client, agency_url(agency), "footprint")
        if len(row) == 3 and row[0].startswith("(")
    }


def section_items(client, url, heading_id):
    """The text of each item of the list under the heading `heading_id`."""
    page = page_of(client, url)
    heading = page.by_id(heading_id)
    section = heading.ancestors[-1]
    return [li.text for li in page.all("li") if section in li.ancestors]


def initiative_lists(client, agency):
    """(the open initiatives' titles, the completed or closed ones') on an agency's page."""
    page = page_of(client, agency_url(agency))
    section = page.by_id("initiatives")
    open_ = [row[0] for row in rows_in(page, section) if len(row) == 3 and row[0] != "Initiative"]
    past = [
        li.text.split(" led by ")[0]
        for li in page.all("li")
        if section in li.ancestors and " led by " in li.text
    ]
    return open_, past


@pytest.fixture
def kenya_project(iom):
    activity = ActivityFactory(
        agency=iom, reference="IOM-KE-1", title="Border health in Kenya", status="ongoing"
    )
    activity.countries.set([Country.objects.get(pk="KEN")])
    activity.priorities.set([Priority.objects.get(code="b")])
    return refreshed(activity)


# -- a page seen before -------------------------------------------------------------------


def test_pages_seen_before_read_no_activity_nor_initiative(client, alice, iom, kenya_project):
    client.force_login(alice)
    for url in (agency_url(iom), priority_url("b")):
        first = page_of(client, url)
        with CaptureQueriesContext(connection) as queries:
            again = page_of(client, url)
        assert [e.text for e in again.all("tr")] == [e.text for e in first.all("tr")]
        # (The processes' section, live, joins the initiative a contribution belongs to.)
        touched = [
            q["sql"]
            for q in queries.captured_queries
            if re.search(r'(FROM|JOIN) "activities_activity"|FROM "initiatives_', q["sql"])
        ]
        assert touched == [], url


def test_each_page_of_a_table_is_rendered_for_itself(client, alice, iom, settings):
    settings.PAGE_SIZE = 2
    for n in range(3):
        ActivityFactory(agency=iom, reference=f"IOM-{n}", title=f"Activity {n}")
    client.force_login(alice)
    for url in (agency_url(iom), priority_url("b")):
        first, second = titles(client, url), titles(client, url, page=2)
        assert len(first) == 2 and len(second) == 1
        assert not set(first) & set(second)


def test_all_countries_are_rendered_for_themselves(client, alice, iom, kenya_project, monkeypatch):
    monkeypatch.setattr(views, "PROFILE_COUNTRIES", 1)
    services.activity_update(
        kenya_project, by=alice, countries=list(Country.objects.filter(pk__in=["KEN", "UGA"]))
    )
    client.force_login(alice)
    url = agency_url(iom)
    assert len(section_rows(client, url, "countries")) == 1 + 1  # the head and one country
    assert len(section_rows(client, url, "countries", countries="all")) == 1 + 2
    assert len(section_rows(client, url, "countries")) == 1 + 1


# -- every change of the register shows at once ---------------------------------------------


def test_an_edit_shows_at_once(client, alice, iom, kenya_project):
    client.force_login(alice)
    for url in (agency_url(iom), priority_url("b")):
        assert titles(client, url) == ["Border health in Kenya IOM-KE-1"]
    services.activity_update(kenya_project, by=alice, title="Border health, Kenya and Uganda")
    for url in (agency_url(iom), priority_url("b")):
        assert titles(client, url) == ["Border health, Kenya and Uganda IOM-KE-1"]


def test_a_change_of_priorities_moves_the_activity_at_once(client, alice, iom, kenya_project):
    client.force_login(alice)
    assert titles(client, priority_url("b")) == ["Border health in Kenya IOM-KE-1"]
    assert activity_rows(client, priority_url("d")) == [["No activities match."]]
    assert section_items(client, priority_url("b"), "agencies-heading") == ["IOM 1 activity"]
    assert footprint(client, iom)["b"] == (1, 0)
    assert footprint(client, iom)["d"] == (0, 0)

    services.activity_update(kenya_project, by=alice, priorities=[Priority.objects.get(code="d")])

    assert activity_rows(client, priority_url("b")) == [["No activities match."]]
    assert titles(client, priority_url("d")) == ["Border health in Kenya IOM-KE-1"]
    assert activity_rows(client, agency_url(iom))[0][5] == "d"
    assert section_items(client, priority_url("b"), "agencies-heading") == [
        "No agency has logged an activity under this priority yet."
    ]
    assert section_items(client, priority_url("d"), "agencies-heading") == ["IOM 1 activity"]
    assert footprint(client, iom)["b"] == (0, 0)
    assert footprint(client, iom)["d"] == (1, 0)


def test_a_change_of_places_shows_in_the_profile_at_once(client, alice, iom, kenya_project):
    client.force_login(alice)
    assert [row[0] for row in section_rows(client, agency_url(iom), "countries")[1:]] == ["Kenya"]
    services.activity_update(
        kenya_project, by=alice, countries=list(Country.objects.filter(pk__in=["KEN", "UGA"]))
    )
    assert [row[0] for row in section_rows(client, agency_url(iom), "countries")[1:]] == [
        "Kenya",
        "Uganda",
    ]
    assert activity_rows(client, agency_url(iom))[0][2] == "Kenya, Uganda"


def test_a_new_activity_a_withdrawal_and_a_restore_show_at_once(
    client, alice, sam, iom, kenya_project
):
    client.force_login(alice)
    assert titles(client, agency_url(iom)) == ["Border health in Kenya IOM-KE-1"]
    assert titles(client, priority_url("b")) == ["Border health in Kenya IOM-KE-1"]
    services.activity_create(
        agency=iom,
        by=alice,
        reference="IOM-KE-2",
        title="Agreed follow-up",
        start_date="2026-02-01",
        priorities=[Priority.objects.get(code="b")],
        countries=[Country.objects.get(pk="KEN")],
    )
    expected = {"Border health in Kenya IOM-KE-1", "Agreed follow-up IOM-KE-2"}
    assert set(titles(client, agency_url(iom))) == expected
    assert set(titles(client, priority_url("b"))) == expected
    assert footprint(client, iom)["b"] == (2, 0)

    services.activity_withdraw(kenya_project, by=alice)
    assert titles(client, agency_url(iom)) == ["Agreed follow-up IOM-KE-2"]
    assert titles(client, priority_url("b")) == ["Agreed follow-up IOM-KE-2"]
    assert footprint(client, iom)["b"] == (1, 0)

    services.activity_restore(Activity.all_objects.get(pk=kenya_project.pk), by=sam)
    assert set(titles(client, agency_url(iom))) == expected
    assert footprint(client, iom)["b"] == (2, 0)


# -- names the pages show, changed elsewhere ------------------------------------------------


def test_a_renamed_agency_shows_at_once(client, alice, iom, kenya_project):
    initiative_services.initiative_create(
        title="Return corridors", lead_agency=iom, priorities=[Priority.objects.get(code="b")]
    )
    client.force_login(alice)
    assert activity_rows(client, agency_url(iom))[0][1] == "IOM"
    assert section_items(client, priority_url("b"), "agencies-heading") == ["IOM 1 activity"]
    assert section_items(client, priority_url("b"), "initiatives-heading") == [
        "Return corridors IOM"
    ]
    iom.acronym = "IOM-UN"
    iom.save()
    assert activity_rows(client, agency_url(iom))[0][1] == "IOM-UN"
    assert activity_rows(client, priority_url("b"))[0][1] == "IOM-UN"
    assert section_items(client, priority_url("b"), "agencies-heading") == ["IOM-UN 1 activity"]
    assert section_items(client, priority_url("b"), "initiatives-heading") == [
        "Return corridors IOM-UN"
    ]


def test_a_renamed_priority_and_country_show_at_once(client, alice, iom, kenya_project):
    client.force_login(alice)
    assert "(b) " + Priority.objects.get(code="b").short_title in [
        row[0] for row in section_rows(client, agency_url(iom), "footprint")
    ]
    priority = Priority.objects.get(code="b")
    priority.short_title = "Shared knowledge"
    priority.save()
    assert "(b) Shared knowledge" in [
        row[0] for row in section_rows(client, agency_url(iom), "footprint")
    ]
    kenya = Country.objects.get(pk="KEN")
    kenya.name = "Republic of Kenya"
    kenya.save()
    assert [row[0] for row in section_rows(client, agency_url(iom), "countries")[1:]] == [
        "Republic of Kenya"
    ]
    assert activity_rows(client, priority_url("b"))[0][2] == "Republic of Kenya"


# -- joint initiatives ----------------------------------------------------------------------


def test_initiatives_show_at_once_through_their_lifecycle(client, alice, fiona, sam, iom, ilo):
    b = Priority.objects.get(code="b")
    client.force_login(alice)
    assert initiative_lists(client, iom) == ([], [])
    assert section_items(client, priority_url("b"), "initiatives-heading") == ["None yet."]
    assert footprint(client, iom)["b"] == (0, 0)

    made = initiative_services.initiative_create(
        title="Return corridors", lead_agency=iom, priorities=[b], by=fiona
    )
    assert initiative_lists(client, iom) == (["Return corridors"], [])
    assert section_items(client, priority_url("b"), "initiatives-heading") == [
        "Return corridors IOM"
    ]
    assert footprint(client, iom)["b"] == (0, 1)

    initiative_services.initiative_update(made, by=fiona, title="Safe return corridors")
    assert initiative_lists(client, iom) == (["Safe return corridors"], [])
    assert section_items(client, priority_url("b"), "initiatives-heading") == [
        "Safe return corridors IOM"
    ]

    initiative_services.initiative_transition(
        made, to=JointInitiative.Status.CANCELLED, by=fiona, note="No funding."
    )
    assert initiative_lists(client, iom) == ([], ["Safe return corridors"])
    assert footprint(client, iom)["b"] == (0, 0)  # closed without completion counts nowhere

    initiative_services.initiative_withdraw(JointInitiative.objects.get(pk=made.pk), by=sam)
    assert initiative_lists(client, iom) == ([], [])
    assert section_items(client, priority_url("b"), "initiatives-heading") == ["None yet."]


def test_an_accepted_invitation_shows_at_once(client, alice, fiona, bob, iom, ilo):
    client.force_login(alice)
    made = initiative_services.initiative_create(
        title="Labour corridors",
        lead_agency=ilo,
        priorities=[Priority.objects.get(code="d")],
        invited_agencies=[iom],
        by=bob,
    )
    assert initiative_lists(client, iom) == ([], [])  # invited, not yet taking part
    assert footprint(client, iom)["d"] == (0, 0)
    initiative_services.participation_answer(
        made.participations.get(agency=iom), accept=True, by=fiona
    )
    assert initiative_lists(client, iom) == (["Labour corridors"], [])
    assert footprint(client, iom)["d"] == (0, 1)


# -- one person's fragment is never another's ------------------------------------------------


def test_people_who_see_different_activities_never_share_a_fragment(
    client, alice, bob, iom, ilo, own_agency_only
):
    """Everyone signed in reads every activity today; the gate (`visible_to`) is where a
    narrower rule would go, and the kept fragments must follow it without another change."""
    ActivityFactory(agency=iom, reference="IOM-1", title="IOM's own")
    ActivityFactory(agency=ilo, reference="ILO-1", title="ILO's own")
    for _ in range(2):  # the second time round, each from the cache
        client.force_login(alice)
        assert titles(client, priority_url("b")) == ["IOM's own IOM-1"]
        assert titles(client, agency_url(iom)) == ["IOM's own IOM-1"]
        assert footprint(client, iom)["b"] == (1, 0)
        client.force_login(bob)
        assert titles(client, priority_url("b")) == ["ILO's own ILO-1"]
        assert activity_rows(client, agency_url(iom)) == [["No activities match."]]
        assert footprint(client, iom)["b"] == (0, 0)


def test_what_only_some_people_see_is_not_kept(client, alice, fiona, bob, iom, ilo):
    """The invitations to answer and the links to manage people are the agency's focal
    points' (and the secretariat's); the people are live (no version moves when they
    change). A staff member never sees them from a page a focal point filled the cache with."""
    initiative_services.initiative_create(
        title="Labour corridors",
        lead_agency=ilo,
        priorities=[Priority.objects.get(code="d")],
        invited_agencies=[iom],
        by=bob,
    )
    manage = reverse("agencies:person-list", args=[iom.slug])
    client.force_login(fiona)
    page = page_of(client, agency_url(iom))
    assert "Invitations awaiting an answer" in [h.text for h in page.all("h3")]
    assert any(a.attrs.get("href") == manage for a in page.all("a"))
    client.force_login(alice)
    page = page_of(client, agency_url(iom))
    assert "Invitations awaiting an answer" not in [h.text for h in page.all("h3")]
    assert not any(a.attrs.get("href") == manage for a in page.all("a"))

    UserFactory(email="newcomer@iom.example", full_name="Newcomer", agency=iom)
    people = page_of(client, agency_url(iom)).by_id("people-heading").ancestors[-1]
    assert "Newcomer" in people.text


# -- an activity's possible overlaps ---------------------------------------------------------


def overlaps(client, activity):
    """The activity page's possible overlaps, each as its text."""
    page = page_of(client, reference_url(activity))
    heading = page.by_id("flags-heading")
    if heading is None:
        return []
    return [li.text for li in page.all("li") if heading.ancestors[-1] in li.ancestors]


def reference_url(activity):
    return reverse("activities:detail", args=[activity.pk])


def test_an_activitys_overlaps_follow_a_decision_at_once(client, sam, pair):
    client.force_login(sam)
    (shown,) = overlaps(client, pair[0])
    assert shown.startswith(f"ILO · {ILO_TEXT[0]} Open · ")
    review.decide(OverlapFlag.objects.get(), by=sam, status=OverlapFlag.Status.NOT_RELATED)
    (shown,) = overlaps(client, pair[0])
    assert shown.startswith(f"ILO · {ILO_TEXT[0]} Not related · ")


def test_an_activitys_overlaps_follow_the_other_activity_and_agency_at_once(
    client, sam, bob, ilo, pair
):
    client.force_login(sam)
    assert overlaps(client, pair[0])[0].startswith(f"ILO · {ILO_TEXT[0]} ")
    services.activity_update(pair[1], by=bob, title="Reintegration of returnees, Kenya")
    assert overlaps(client, pair[0])[0].startswith("ILO · Reintegration of returnees, Kenya ")
    ilo.acronym = "ILO-UN"
    ilo.save()
    assert overlaps(client, pair[0])[0].startswith("ILO-UN · ")


def test_a_new_pair_shows_on_the_activity_at_once(
    client, sam, iom, ilo, alice, bob, django_capture_on_commit_callbacks
):
    client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=True):
        mine = log(iom, alice, "IOM-1", IOM_TEXT)
    with django_capture_on_commit_callbacks(execute=False):
        theirs = log(ilo, bob, "ILO-1", ILO_TEXT)
    assert overlaps(client, mine) == []
    # What the save queued (overlaps.tasks.rescore_activity), run by the worker.
    tasks.rescore_activity(theirs.pk)
    assert len(overlaps(client, mine)) == 1


def test_people_who_see_different_pairs_never_share_the_overlaps(client, alice, pair):
    """A pair is seen by the secretariat and by the two agencies' people only."""
    outsider = UserFactory(email="wendy@who.example", agency=Agency.objects.get(acronym="WHO"))
    for _ in range(2):  # the second time round, each from the cache
        client.force_login(alice)
        assert len(overlaps(client, pair[0])) == 1
        client.force_login(outsider)
        assert overlaps(client, pair[0]) == []
