"""The pages that read the register: the contribution list (filters, search, sort, CSV), an
event's page (by agency, joint inputs, who has not contributed), a process's timeline, the
page of priority (e) and the dashboard's deadlines; each in a number of queries that does not
grow with the rows."""

import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from priorities.models import Priority
from processes import services
from processes.export import COLUMNS
from processes.models import Event, Process

from .factories import AgencyFactory, JointInitiativeFactory
from .markup import Page

pytestmark = pytest.mark.django_db

LIST = reverse("processes:contribution-list")
CSV = reverse("processes:contribution-export")


def agency(acronym):
    return Agency.objects.get(acronym=acronym)


def event(slug, year):
    return Event.objects.get(process__slug=slug, start_date__year=year)


def contribute(where, lead, title, *, kind="statement", date=None, codes="", joint_with=(), **f):
    return services.contribution_create(
        where,
        lead_agency=agency(lead),
        by=None,
        joint=bool(joint_with),
        agencies=[agency(a) for a in joint_with],
        priorities=list(Priority.objects.filter(code__in=codes)),
        kind=kind,
        title=title,
        date=date or where.start_date,
        **f,
    )


@pytest.fixture
def record(db):
    hld, stockholm = event("hld", 2013), event("gfmd", 2014)
    return {
        "iom_hld": contribute(hld, "IOM", "Statement on migrant rights", codes="d"),
        "ilo_hld": contribute(
            hld,
            "ILO",
            "Fair recruitment paper",
            kind="background_paper",
            codes="b",
            summary="Recruitment fees and remittances.",
        ),
        "joint_hld": contribute(
            hld,
            "UNHCR",
            "Joint GMG statement",
            joint_with=["IOM", "UNICEF"],
            date=datetime.date(2013, 9, 30),
        ),
        "iom_gfmd": contribute(stockholm, "IOM", "Side event on diaspora", kind="side_event"),
    }


def titles(response):
    page = Page(response.content.decode())
    return [
        e.text for e in page.elements if e.tag == "td" and "card-title" in e.attrs.get("class", "")
    ]


def test_the_list_shows_everything_latest_first(client, alice, record):
    client.force_login(alice)
    assert titles(client.get(LIST)) == [
        "Side event on diaspora",
        "Fair recruitment paper",  # the same day as the next: the later record first
        "Statement on migrant rights",
        "Joint GMG statement",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"process": "gfmd"}, {"Side event on diaspora"}),
        ({"process": "hld", "scope": "joint"}, {"Joint GMG statement"}),
        (
            {"process": "hld", "scope": "single"},
            {"Statement on migrant rights", "Fair recruitment paper"},
        ),
        # An agency's contributions include the joint inputs it is named on.
        (
            {"agency": "iom"},
            {"Statement on migrant rights", "Joint GMG statement", "Side event on diaspora"},
        ),
        ({"agency": "unicef"}, {"Joint GMG statement"}),
        ({"kind": "background_paper"}, {"Fair recruitment paper"}),
        ({"priority": "d"}, {"Statement on migrant rights"}),
        # Every contribution serves (e).
        (
            {"priority": "e"},
            {
                "Statement on migrant rights",
                "Fair recruitment paper",
                "Joint GMG statement",
                "Side event on diaspora",
            },
        ),
        ({"year": "2014"}, {"Side event on diaspora"}),
        ({"q": "remittances"}, {"Fair recruitment paper"}),  # in the summary
        ({"q": "stockholm"}, {"Side event on diaspora"}),  # the event's place
        ({"q": "unicef"}, {"Joint GMG statement"}),  # an agency named on it
        ({"q": "HLD -joint"}, {"Statement on migrant rights", "Fair recruitment paper"}),
    ],
)
def test_filters_and_search(client, alice, record, query, expected):
    client.force_login(alice)
    assert set(titles(client.get(LIST, query))) == expected


def test_the_event_filter(client, alice, record):
    client.force_login(alice)
    hld = event("hld", 2013)
    assert len(titles(client.get(LIST, {"event": hld.pk}))) == 3


def test_sorting(client, alice, record):
    client.force_login(alice)
    assert titles(client.get(LIST, {"sort": "title"})) == [
        "Fair recruitment paper",
        "Joint GMG statement",
        "Side event on diaspora",
        "Statement on migrant rights",
    ]
    by_event = titles(client.get(LIST, {"sort": "-event"}))
    assert by_event[0] == "Side event on diaspora"
    by_agency = titles(client.get(LIST, {"sort": "agency"}))
    assert by_agency[0] == "Fair recruitment paper"  # ILO
    assert by_agency[-1] == "Joint GMG statement"  # UNHCR leads it
    # An unknown sort is an error on its field, and the list keeps its usual order.
    response = client.get(LIST, {"sort": "bogus"})
    assert response.status_code == 200
    assert titles(response)[0] == "Side event on diaspora"


def test_the_csv_is_the_filtered_list(client, alice, record):
    services.contribution_update(record["ilo_hld"], by=None, title="=HYPERLINK(1)")
    client.force_login(alice)
    response = client.get(CSV, {"process": "hld", "sort": "title"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert tuple(rows[0]) == COLUMNS
    body = [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [r["title"] for r in body] == [
        "'=HYPERLINK(1)",  # defused: a spreadsheet shows it, never runs it
        "Joint GMG statement",
        "Statement on migrant rights",
    ]
    joint = body[1]
    assert joint["process"] == "HLD"
    assert joint["lead_agency"] == "UNHCR"
    assert joint["agencies"] == "IOM;UNHCR;UNICEF"
    assert joint["joint"] == "yes"
    assert joint["priorities"] == "e"
    assert joint["date"] == "2013-09-30"
    assert joint["url"].endswith(record["joint_hld"].get_absolute_url())


# -- an event's page --------------------------------------------------------------------------


def test_event_page_by_agency_joint_inputs_and_who_has_not_contributed(client, alice, record):
    AgencyFactory(acronym="GONE", slug="gone", is_active=False)
    client.force_login(alice)
    response = client.get(event("hld", 2013).get_absolute_url())
    html = response.content.decode()
    page = Page(html)
    headings = [e.text for e in page.all("h3")]
    assert headings == ["ILO", "IOM"]  # the joint input's lead (UNHCR) has none of its own
    not_yet = next(e for e in page.all("p") if e.text.startswith("Member agencies with no"))
    after = page.elements[page.elements.index(not_yet) + 1]
    missing = {name.strip() for name in after.text.split(",")}
    active = set(Agency.objects.active().values_list("acronym", flat=True))
    # Named on a joint input counts as contributing; an agency that left is not listed.
    assert missing == active - {"IOM", "ILO", "UNHCR", "UNICEF"}
    assert "GONE" not in html
    assert "Joint GMG statement" in html


def test_process_page_is_a_timeline_with_counts(client, alice, record):
    client.force_login(alice)
    html = client.get(Process.objects.get(slug="gfmd").get_absolute_url()).content.decode()
    page = Page(html)
    items = [e.text for e in page.all("li") if e.inside("ol")]
    assert len(items) == 12
    assert items[0].startswith("9 July 2007 – 11 July 2007 — First GFMD Meeting")
    assert "Brussels, Belgium · Past · 0 contributions" in items[0]
    stockholm = next(i for i in items if "Stockholm" in i)
    assert "1 contribution" in stockholm and "Past" in stockholm


# -- other apps' pages -------------------------------------------------------------------------


def test_priority_e_page_lists_every_contribution(client, harry, record):
    client.force_login(harry)
    html = client.get(reverse("priority-detail", args=["e"])).content.decode()
    for made in record.values():
        assert made.title in html
    html = client.get(reverse("priority-detail", args=["d"])).content.decode()
    assert "Statement on migrant rights" in html
    assert "Fair recruitment paper" not in html


@time_machine.travel(datetime.datetime(2031, 1, 10, 12, tzinfo=datetime.UTC), tick=False)
def test_dashboard_lists_contributions_due(client, alice, sam):
    gfmd = Process.objects.get(slug="gfmd")
    due = services.event_create(
        gfmd,
        by=sam,
        title="Thematic meeting on skills",
        start_date=datetime.date(2031, 3, 1),
        contribution_deadline=datetime.date(2031, 2, 1),
    )
    services.event_create(
        gfmd,
        by=sam,
        title="Deadline passed",
        start_date=datetime.date(2031, 2, 1),
        contribution_deadline=datetime.date(2031, 1, 9),
    )
    client.force_login(alice)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Thematic meeting on skills" in html and due.get_absolute_url() in html
    assert "Deadline passed" not in html


# -- query counts ----------------------------------------------------------------------------


def _more(n):
    hld = event("hld", 2013)
    initiative = JointInitiativeFactory(lead_agency=agency("IOM"))
    for i in range(n):
        contribute(hld, "ILO", f"Paper {i}", codes="bd")
        contribute(
            hld, "IOM", f"Joint {i}", joint_with=["ILO", "UNDP"], initiative=initiative, codes="f"
        )


@pytest.mark.parametrize(
    "url",
    [
        LIST,
        LIST + "?q=paper&sort=-agency&agency=ilo&priority=b",
        CSV,
        reverse("processes:process-list"),
        reverse("processes:process-detail", args=["hld"]),
        "event",
        reverse("priority-detail", args=["e"]),
    ],
)
def test_pages_keep_a_flat_query_count(client, alice, url, django_assert_max_num_queries):
    if url == "event":
        url = event("hld", 2013).get_absolute_url()
    client.force_login(alice)
    _more(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
