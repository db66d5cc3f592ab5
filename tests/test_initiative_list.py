"""The joint-initiative list: filters, search, sort and its CSV, for everyone signed in."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, Role
from geo.models import Country, Region
from initiatives import services
from initiatives.export import COLUMNS
from priorities.models import Priority

from .factories import ActivityFactory, AgencyFactory, UserFactory
from .markup import Page

LIST = reverse("initiatives:initiative-list")
CSV = reverse("initiatives:export")


def agency(acronym):
    return Agency.objects.get(acronym=acronym)


def priorities(codes):
    return list(Priority.objects.filter(code__in=codes))


def propose(title, lead, codes, *, primary=None, taking_part=(), invited=(), **fields):
    """An initiative made as the portal makes them, through the services."""
    return services.initiative_create(
        title=title,
        lead_agency=agency(lead),
        priorities=priorities(codes),
        primary_priority=Priority.objects.get(code=primary) if primary else None,
        participating_agencies=[agency(a) for a in taking_part],
        invited_agencies=[agency(a) for a in invited],
        **fields,
    )


def answer(initiative, acronym, accept):
    participation = initiative.participations.get(agency__acronym=acronym)
    services.participation_answer(participation, accept=accept, by=None)


@pytest.fixture
def returns(db):
    """Active, led by IOM; UNHCR accepted, ILO has not answered, UNDP declined. Works in
    Kenya (Eastern Africa, Africa)."""
    made = propose(
        "Joint returnee survey",
        "IOM",
        "bd",
        primary="d",
        invited=["UNHCR", "ILO", "UNDP"],
        description="Household survey of returnees and their remittances.",
        start_date=datetime.date(2025, 3, 1),
        end_date=datetime.date(2026, 6, 30),
    )
    answer(made, "UNHCR", accept=True)
    answer(made, "UNDP", accept=False)
    made = services.initiative_transition(made, to="active", by=None)
    ActivityFactory(
        agency=agency("IOM"), initiative=made, countries=[Country.objects.get(pk="KEN")]
    )
    return made


@pytest.fixture
def wages(db):
    """Proposed, led by ILO, IOM taking part; works for Oceania as a whole."""
    made = propose(
        "Fair wages dialogue",
        "ILO",
        "l",
        taking_part=["IOM"],
        start_date=datetime.date(2026, 1, 1),
    )
    activity = ActivityFactory(agency=agency("ILO"), initiative=made, countries=[])
    activity.regions.set([Region.objects.get(code="009")])
    return made


@pytest.fixture
def census(db):
    """Closed without completion, led by UNHCR, ILO invited; no activity linked."""
    made = propose(
        "Census of displaced children",
        "UNHCR",
        "a",
        invited=["ILO"],
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2024, 12, 31),
    )
    return services.initiative_transition(made, to="cancelled", by=None)


@pytest.fixture
def three(returns, wages, census):
    return returns, wages, census


@pytest.fixture
def walter(db):
    """Staff of WHO, an agency in none of the initiatives."""
    return UserFactory(email="walter@who.example", agency=agency("WHO"), role=Role.STAFF)


def get_page(client, user, **params):
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200
    return Page(response.content.decode())


def listed(page):
    """The titles in the table, in order."""
    (body,) = page.all("tbody")
    return [a.text for a in page.all("a") if body in a.ancestors]


def download(client, user, **params):
    client.force_login(user)
    response = client.get(CSV, params)
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    return response, list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


# -- the filters ------------------------------------------------------------------------------


def test_without_filters_every_initiative_is_listed_by_title(client, alice, three):
    assert listed(get_page(client, alice)) == [
        "Census of displaced children",
        "Fair wages dialogue",
        "Joint returnee survey",
    ]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("proposed", ["Fair wages dialogue"]),
        ("active", ["Joint returnee survey"]),
        ("cancelled", ["Census of displaced children"]),
        ("completed", []),
    ],
)
def test_the_status_filter(client, alice, three, status, expected):
    assert listed(get_page(client, alice, status=status)) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [("a", ["Census of displaced children"]), ("b", ["Joint returnee survey"]), ("c", [])],
)
def test_the_priority_filter_takes_every_priority_not_only_the_primary(
    client, alice, three, code, expected
):
    assert listed(get_page(client, alice, priority=code)) == expected


def test_the_lead_filter(client, alice, three):
    assert listed(get_page(client, alice, lead="ilo")) == ["Fair wages dialogue"]
    assert listed(get_page(client, alice, lead="unhcr")) == ["Census of displaced children"]
    assert listed(get_page(client, alice, lead="who")) == []


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        # Leading one, accepted in the other: both, as their pages list IOM among them.
        ("iom", ["Fair wages dialogue", "Joint returnee survey"]),
        # Accepted in one, leading the other.
        ("unhcr", ["Census of displaced children", "Joint returnee survey"]),
        # Invited to two and never answered: it leads the third only.
        ("ilo", ["Fair wages dialogue"]),
        # Declined.
        ("undp", []),
    ],
)
def test_the_participant_filter_counts_those_who_take_part(client, alice, three, slug, expected):
    assert listed(get_page(client, alice, participant=slug)) == expected


def test_the_participant_filter_agrees_with_the_detail_page(client, alice, three):
    """Every initiative listed for an agency names it among its participating agencies."""
    returns = three[0]
    client.force_login(alice)
    detail = Page(client.get(returns.get_absolute_url()).content.decode())
    (facts,) = detail.all("dl")
    named = [
        a.text for a in detail.all("a") if facts in a.ancestors and "/agencies/" in a.attrs["href"]
    ]
    for slug in ("iom", "unhcr", "ilo", "undp"):
        shown = "Joint returnee survey" in listed(get_page(client, alice, participant=slug))
        assert shown == (Agency.objects.get(slug=slug).acronym in named), slug


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("014", ["Joint returnee survey"]),  # Eastern Africa: Kenya is in it
        ("002", ["Joint returnee survey"]),  # Africa: wider still
        ("009", ["Fair wages dialogue"]),  # Oceania: named itself
        ("054", ["Fair wages dialogue"]),  # Melanesia: within Oceania, named as a whole
        ("053", ["Fair wages dialogue"]),  # Australia and New Zealand: also within it
        ("150", []),  # Europe
    ],
)
def test_the_region_filter_follows_the_linked_activities(client, alice, three, code, expected):
    assert listed(get_page(client, alice, region=code)) == expected


def test_an_initiative_with_several_activities_in_a_region_is_listed_once(client, alice, returns):
    kenya, uganda = Country.objects.get(pk="KEN"), Country.objects.get(pk="UGA")
    ActivityFactory(agency=agency("UNHCR"), initiative=returns, countries=[kenya, uganda])
    ActivityFactory(agency=agency("IOM"), initiative=returns, countries=[]).regions.set(
        [Region.objects.get(code="014")]
    )
    page = get_page(client, alice, region="014")
    assert listed(page) == ["Joint returnee survey"]
    (row,) = [tr for tr in page.all("tr") if tr.inside("tbody")]
    (count,) = [
        td.text
        for td in page.all("td")
        if row in td.ancestors and "num" in td.attrs.get("class", "")
    ]
    assert count == "3"


def test_filters_combine(client, alice, three):
    assert listed(get_page(client, alice, participant="iom", status="proposed")) == [
        "Fair wages dialogue"
    ]
    assert listed(get_page(client, alice, participant="iom", region="014", lead="ilo")) == []


def test_an_unknown_choice_is_reported_on_its_field_and_the_others_still_filter(
    client, alice, three
):
    page = get_page(client, alice, lead="nobody", status="active")
    (panel,) = page.all("details")
    assert "open" in panel.attrs
    assert listed(page) == ["Joint returnee survey"]


def test_the_filters_are_labelled_and_say_how_many_are_in_use(client, alice, three):
    page = get_page(client, alice, status="active", participant="iom", sort="title")
    fields = [e for e in page.elements if e.tag in ("input", "select") and e.inside("form")]
    names = {e.attrs["name"] for e in fields}
    assert {"q", "status", "priority", "lead", "participant", "region", "sort"} <= names
    assert all(page.has_label(e) for e in fields if e.attrs.get("type") != "hidden")
    assert " ".join(page.all("summary")[0].text.split()) == "Filters (2 in use)"


# -- search and sort --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("returnee", ["Joint returnee survey"]),
        ("REMITTANCES household", ["Joint returnee survey"]),  # the description
        ('"wages dialogue"', ["Fair wages dialogue"]),
        ('"dialogue wages"', []),
        ("unhcr", ["Census of displaced children", "Joint returnee survey"]),  # an acronym
        ("-survey", ["Census of displaced children", "Fair wages dialogue"]),
        ("nothing-like-it", []),
    ],
)
def test_search(client, alice, three, q, expected):
    assert listed(get_page(client, alice, q=q)) == expected


def test_search_finds_the_results_recorded(client, alice, returns):
    services.initiative_transition(
        returns, to="completed", by=None, results="Reached 4,000 households in Turkana."
    )
    assert listed(get_page(client, alice, q="turkana")) == ["Joint returnee survey"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["Census", "Fair", "Joint"]),
        ("-title", ["Joint", "Fair", "Census"]),
        ("lead", ["Fair", "Joint", "Census"]),  # ILO, IOM, UNHCR
        ("-lead", ["Census", "Joint", "Fair"]),
        ("start", ["Census", "Joint", "Fair"]),
        ("-start", ["Fair", "Joint", "Census"]),
        ("end", ["Census", "Joint", "Fair"]),  # an open end is the latest
        ("-end", ["Fair", "Joint", "Census"]),
        ("status", ["Fair", "Joint", "Census"]),  # proposed, active, closed
        ("-status", ["Census", "Joint", "Fair"]),
    ],
)
def test_the_list_sorts_by_column(client, alice, three, sort, expected):
    assert [t.split()[0] for t in listed(get_page(client, alice, sort=sort))] == expected


def test_the_sorted_header_says_so_and_its_link_turns_the_order(client, alice, three):
    page = get_page(client, alice, sort="lead", status="active")
    headers = {th.text.strip(" ▲▼"): th for th in page.all("th") if th.inside("thead")}
    assert headers["Lead"].attrs["aria-sort"] == "ascending"
    assert "aria-sort" not in headers["Initiative"].attrs

    def link(label):
        (a,) = [a for a in page.all("a") if headers[label] in a.ancestors]
        return a.attrs["href"]

    assert link("Lead") == "?sort=-lead&status=active"
    assert link("Status") == "?sort=status&status=active"


def test_an_unknown_sort_keeps_the_usual_order(client, alice, three):
    page = get_page(client, alice, sort="password")
    assert [t.split()[0] for t in listed(page)] == ["Census", "Fair", "Joint"]


# -- the page's rows --------------------------------------------------------------------------


def test_a_row_shows_lead_participants_and_the_primary_priority(client, alice, returns):
    page = get_page(client, alice)
    (row,) = [tr for tr in page.all("tr") if tr.inside("tbody")]
    cells = {td.attrs.get("data-label"): td for td in page.all("td") if row in td.ancestors}
    assert cells["Lead"].text == "IOM"
    # The invited agency that has not answered and the one that declined are not in it.
    assert cells["Participants"].text == "IOM, UNHCR"
    assert cells["Status"].text == "Active"
    (strong,) = [e for e in page.all("strong") if cells["Priorities"] in e.ancestors]
    assert strong.text == "d"


def test_hostile_titles_and_filters_are_shown_as_text(client, alice, iom):
    typed = "<script>alert(1)</script>"
    propose(f"{typed} initiative", "IOM", "a")
    client.force_login(alice)
    html = client.get(LIST, {"q": typed, "sort": typed, "region": typed}).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; initiative" in html


# -- who sees it ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, three):
    for url in (LIST, CSV, CSV + "?status=active"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_people_of_an_agency_in_none_of_them_see_every_initiative(client, walter, three):
    assert len(listed(get_page(client, walter))) == 3
    _response, rows = download(client, walter)
    assert len(rows) == 4


def test_only_who_may_propose_is_offered_to(client, walter, harry, three):
    def offered(user):
        page = get_page(client, user)
        return any(a.attrs.get("href") == reverse("initiatives:create") for a in page.all("a"))

    assert offered(walter)
    assert not offered(harry)  # a head of agency reads only


# -- the download -----------------------------------------------------------------------------


def test_the_list_offers_the_download_of_what_it_shows(client, alice, three):
    page = get_page(client, alice, status="active", sort="-lead", page="1")
    (link,) = [a for a in page.all("a") if a.text == "Download CSV"]
    assert link.attrs["href"] == CSV + "?status=active&sort=-lead"


def test_the_download_has_one_row_per_initiative_with_its_facts(client, alice, returns, wages):
    returns = services.initiative_transition(
        returns, to="completed", by=None, results="Done.", people_reached=4200
    )
    response, rows = download(client, alice)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="gmg-joint-initiatives-'
    )
    assert response.content.startswith("\ufeff".encode())
    assert rows[0] == list(COLUMNS)
    assert rows[1:] == [
        [
            "Fair wages dialogue",
            "ILO",
            "ILO;IOM",
            "proposed",
            "",
            "l",
            "2026-01-01",
            "",
            "",
            "1",
            f"http://testserver{wages.get_absolute_url()}",
        ],
        [
            "Joint returnee survey",
            "IOM",
            "IOM;UNHCR",
            "completed",
            "d",
            "b;d",
            "2025-03-01",
            "2026-06-30",
            "4200",
            "1",
            f"http://testserver{returns.get_absolute_url()}",
        ],
    ]


def test_the_download_respects_the_filters_and_the_sort(client, alice, three):
    _response, rows = download(client, alice, participant="iom", sort="-title")
    assert [row[0] for row in rows[1:]] == ["Joint returnee survey", "Fair wages dialogue"]
    _response, rows = download(client, alice, region="009", q="dialogue")
    assert [row[0] for row in rows[1:]] == ["Fair wages dialogue"]
    _response, rows = download(client, alice, status="completed")
    assert rows == [list(COLUMNS)]


def test_the_download_defuses_formulas(client, alice):
    lead = AgencyFactory(acronym="-LEAD", slug="minus-lead")
    services.initiative_create(
        title='=HYPERLINK("http://evil")', lead_agency=lead, priorities=priorities("a")
    )
    _response, rows = download(client, alice)
    assert rows[1][:3] == ['\'=HYPERLINK("http://evil")', "'-LEAD", "'-LEAD"]


# -- the number of queries --------------------------------------------------------------------


def make_initiatives(count, start):
    kenya = Country.objects.get(pk="KEN")
    for n in range(start, start + count):
        made = propose(
            f"Initiative {n:03d}",
            "IOM",
            "bd",
            primary="b",
            taking_part=["UNHCR", "ILO"],
            invited=["UNDP"],
        )
        ActivityFactory(agency=agency("IOM"), initiative=made, countries=[kenya])


@pytest.mark.parametrize("url", [LIST, CSV])
def test_the_query_count_does_not_grow_with_the_initiatives(
    client, alice, settings, django_assert_max_num_queries, url
):
    settings.PAGE_SIZE = 50  # every initiative on the one page
    client.force_login(alice)
    params = {"q": "initiative", "priority": "b", "participant": "unhcr", "region": "002"}
    make_initiatives(5, 0)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, params)
    assert response.status_code == 200
    make_initiatives(20, 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, params)
    shown = response.content.decode().count("Initiative 0")
    assert shown == 25
