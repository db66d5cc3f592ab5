"""Coverage map and charts: activities per country, per priority and quarter, per agency."""

import csv
import datetime
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import coverage
from activities.models import Activity
from geo import shapes
from geo.models import Country, Region
from priorities.models import Priority

from .factories import ActivityFactory, AgencyFactory
from .markup import Page

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 1)
DEC = datetime.date(2026, 12, 31)
YEAR = {"running_from": "2026-01-01", "running_to": "2026-12-31"}
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def country(code):
    return Country.objects.get(pk=code)


def region(name):
    return Region.objects.get(name=name)


def p(*codes):
    return list(Priority.objects.filter(code__in=codes))


def placed(agency, countries=(), regions=(), **kwargs):
    activity = ActivityFactory(agency=agency, countries=[country(c) for c in countries], **kwargs)
    activity.regions.set([region(r) for r in regions])
    return activity


@pytest.fixture
def places(iom, ilo):
    """Named countries, regions, both, nested regions; and what must not count."""
    return {
        "kenya": placed(iom, ["KEN"]),
        "africa": placed(ilo, regions=["Africa"]),
        "world": placed(ilo, regions=["World"]),
        # Named twice over: still one activity in each country.
        "kenya_in_africa": placed(iom, ["KEN"], ["Africa"]),
        "world_and_europe": placed(ilo, regions=["World", "Europe"]),
        "north_in_africa": placed(iom, regions=["Northern Africa", "Africa"]),
        # Three levels apart: an intermediate region of Sub-Saharan Africa, and World.
        "east_and_world": placed(ilo, regions=["Eastern Africa", "World"]),
        "france_and_africa": placed(iom, ["FRA"], ["Africa"]),
        "cancelled": placed(iom, ["KEN"], ["Europe"], status=Activity.Status.CANCELLED),
        "past": placed(
            iom,
            ["KEN", "JPN"],
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2024, 6, 30),
        ),
    }


def listed(client, url):
    return client.get(url).context["page"].paginator.count


# -- the counts ------------------------------------------------------------------------------


def test_an_activity_counts_once_in_each_country_it_names_or_covers(places):
    counts = coverage.country_counts(JAN, DEC)
    # Kenya: itself, Africa, World, Kenya+Africa, World+Europe, Northern+Africa, France+Africa,
    # Eastern Africa+World.
    assert counts["KEN"] == 8
    # Egypt (Northern Africa): the same but Kenya's own.
    assert counts["EGY"] == 7
    # France: World, World+Europe, France+Africa, Eastern Africa+World. Japan: the World ones.
    assert counts["FRA"] == 4
    assert counts["JPN"] == 3
    # Every country has the three World activities; no country has a zero.
    assert len(counts) == Country.objects.count()
    assert min(counts.values()) == 3


def test_cancelled_work_and_work_outside_the_period_do_not_count(iom, places):
    assert coverage.country_counts(JAN, DEC)["KEN"] == 8  # not the cancelled one, nor 2024's
    spring_2024 = coverage.country_counts(datetime.date(2024, 3, 1), datetime.date(2024, 3, 31))
    assert spring_2024 == {"KEN": 1, "JPN": 1}
    # Open bounds: any time counts the 2024 activity along with this year's.
    assert coverage.country_counts()["KEN"] == 9


def test_each_count_is_the_length_of_the_list_its_country_opens(client, sam, places):
    client.force_login(sam)
    counts = coverage.country_counts(JAN, DEC)
    for code in ("KEN", "EGY", "FRA", "JPN", "DEU", "BRA"):
        url = coverage.period_urls("country", [code], JAN, DEC)[code]
        assert listed(client, url) == counts[code], code


def test_the_sql_agrees_with_the_lists_filter_in_every_country(places):
    counts = coverage.country_counts(JAN, DEC)
    base = coverage.counted(JAN, DEC)
    for c in Country.objects.all():
        assert counts.get(c.pk, 0) == base.in_country(c).count(), c.pk


def test_the_counts_are_one_query_whatever_the_rows(iom, ilo, django_assert_num_queries):
    with django_assert_num_queries(1):
        coverage.country_counts(JAN, DEC)
    for i, c in enumerate(Country.objects.all()[:30]):
        placed(iom if i % 2 else ilo, [c.pk], ["Asia"] if i % 3 else [])
    with django_assert_num_queries(1):
        assert coverage.country_counts(JAN, DEC)


# -- the map page ----------------------------------------------------------------------------


def svg_links(html):
    page = Page(html)
    return [a for a in page.all("a") if a.inside("svg")], page


def test_the_map_draws_a_linked_shape_per_country_with_activities(client, bob, iom):
    placed(iom, ["KEN"])
    placed(iom, ["KEN", "FRA"])
    placed(iom, ["MCO"])  # too small to draw as a shape: a marker
    client.force_login(bob)
    html = client.get(reverse("coverage-map"), YEAR).content.decode()
    links, page = svg_links(html)
    by_country = {parse_qs(urlsplit(a.attrs["href"]).query)["country"][0]: a for a in links}
    assert set(by_country) == {"KEN", "FRA", "MCO"}
    assert by_country["KEN"].text == "Kenya: 2 activities"
    assert by_country["MCO"].text == "Monaco: 1 activity"
    paths = [e for e in page.all("path") if e.inside("svg")]
    assert all(e.attrs["d"].startswith("M") for e in paths)
    # Every other unit is drawn too, without a link.
    assert len(paths) == len(shapes.world().outlines)
    in_links = [e for e in paths if e.inside("a")]
    assert len(in_links) == 3
    # Kenya has the most: the darkest step; France and Monaco half of it.
    assert 'class="cov-5"><title>Kenya' in html
    assert 'class="cov-3"><title>France' in html
    assert "1 to 1" not in html and "<li>" in html  # the legend, with its numbers


def test_each_country_link_opens_as_many_activities_as_its_title_says(client, sam, places):
    client.force_login(sam)
    html = client.get(reverse("coverage-map"), YEAR).content.decode()
    links, _page = svg_links(html)
    counts = coverage.country_counts(JAN, DEC)
    for a in links:
        code = parse_qs(urlsplit(a.attrs["href"]).query)["country"][0]
        if code in ("KEN", "FRA", "EGY"):
            assert listed(client, a.attrs["href"]) == counts[code]
            assert a.text.endswith(f": {counts[code]} activities")


def test_the_table_gives_every_country_its_number_and_link(client, bob, iom):
    placed(iom, ["KEN"])
    placed(iom, ["GUF"])  # French Guiana: drawn as part of France, so in the table only
    client.force_login(bob)
    html = client.get(reverse("coverage-map"), YEAR).content.decode()
    page = Page(html)
    table = page.by_id("map-table")
    assert table is not None
    rows = [e for e in page.all("tr") if e.inside("tbody")]
    assert [r.text for r in rows] == ["French Guiana 1", "Kenya 1"]
    assert "Not drawn on the map, in the table only: French Guiana." in html
    assert 'href="#map-table"' in html  # a way past the map's links
    assert html.count("<h1") == 1 and "<caption>" in html and '<th scope="row">' in html


def test_a_hostile_country_name_is_escaped_on_the_map_and_in_the_table(client, bob, iom):
    Country.objects.filter(pk="KEN").update(name=HOSTILE)
    placed(iom, ["KEN"])
    client.force_login(bob)
    html = client.get(reverse("coverage-map"), YEAR).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    csv_text = client.get(reverse("coverage-map-csv"), YEAR).content.decode()
    assert list(csv.reader(io.StringIO(csv_text)))[1][0] == "KEN"


def test_the_csv_has_the_maps_numbers(client, bob, places):
    client.force_login(bob)
    response = client.get(reverse("coverage-map-csv"), YEAR)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["ISO code", "Country", "Activities"]
    numbers = {code: int(n) for code, _name, n in rows[1:]}
    assert numbers == coverage.country_counts(JAN, DEC)


@pytest.mark.parametrize("name", ["coverage-map", "coverage-map-csv", "coverage-charts"])
def test_the_map_and_charts_ask_anonymous_visitors_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("name", ["coverage-map", "coverage-charts"])
def test_the_pages_query_count_does_not_grow_with_the_rows(name, client, bob, iom, ilo):
    client.force_login(bob)
    placed(iom, ["KEN"])
    client.get(reverse(name), YEAR)  # sessions, translations and the shapes, once
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(name), YEAR)
    for i, c in enumerate(Country.objects.all()[:40]):
        agency = AgencyFactory() if i % 5 == 0 else (iom if i % 2 else ilo)
        placed(agency, [c.pk], ["Asia"] if i % 3 else [], priorities=p("abcdefghijkl"[i % 12]))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(name), YEAR)
    assert response.status_code == 200
    assert len(many) <= len(few)


def test_the_coverage_pages_link_to_each_other(client, bob):
    client.force_login(bob)
    html = client.get(reverse("coverage-map"), YEAR).content.decode()
    nav = [a for a in Page(html).all("a") if a.inside("nav")]
    hrefs = {a.attrs["href"].split("?")[0]: a.attrs.get("aria-current") for a in nav}
    assert hrefs[reverse("coverage-map")] == "page"
    assert reverse("coverage") in hrefs and reverse("coverage-charts") in hrefs


# -- the charts ------------------------------------------------------------------------------

Q = coverage.Quarter
TODAY = datetime.date(2026, 5, 20)


@pytest.mark.parametrize(
    "start, end, first, last, truncated",
    [
        (JAN, DEC, Q(2026, 1), Q(2026, 4), False),
        (datetime.date(2025, 11, 3), datetime.date(2026, 2, 1), Q(2025, 4), Q(2026, 1), False),
        (None, DEC, Q(2025, 1), Q(2026, 4), False),  # open start: eight quarters back
        (None, None, Q(2024, 3), Q(2026, 2), False),  # nothing chosen: up to today's
        (datetime.date(2027, 2, 1), None, Q(2027, 1), Q(2027, 1), False),  # starts later
        (datetime.date(2020, 1, 1), DEC, Q(2024, 1), Q(2026, 4), True),  # the last twelve
    ],
)
def test_the_quarters_a_chart_shows(start, end, first, last, truncated):
    shown, cut = coverage.quarters(start, end, TODAY)
    assert (shown[0], shown[-1], cut) == (first, last, truncated)
    assert all(b == a.next() for a, b in zip(shown, shown[1:], strict=False))
    assert shown[0].start == datetime.date(first.year, 3 * first.number - 2, 1)
    assert Q(2025, 4).end == datetime.date(2025, 12, 31)


def test_an_activity_counts_in_each_quarter_it_runs_in(iom):
    spring = datetime.date(2026, 2, 10), datetime.date(2026, 5, 3)
    ActivityFactory(agency=iom, priorities=p("b", "c"), start_date=spring[0], end_date=spring[1])
    ActivityFactory(agency=iom, priorities=p("b"), start_date=spring[0], end_date=None)
    ActivityFactory(
        agency=iom,
        priorities=p("b"),
        start_date=spring[0],
        end_date=spring[1],
        status=Activity.Status.CANCELLED,
    )
    shown, _cut = coverage.quarters(JAN, DEC, TODAY)
    rows = {pr.code: counts for pr, counts in coverage.priority_quarters(shown)}
    assert rows["b"] == [2, 2, 1, 1]  # the open-ended one runs on
    assert rows["c"] == [1, 1, 0, 0]
    assert rows["a"] == [0, 0, 0, 0]
    assert list(rows) == list("abcdefghijkl")


def test_a_quarters_number_is_the_length_of_the_list_behind_it(client, sam, iom):
    ActivityFactory(
        agency=iom,
        priorities=p("b"),
        start_date=datetime.date(2026, 2, 10),
        end_date=datetime.date(2026, 5, 3),
    )
    ActivityFactory(agency=iom, priorities=p("b"), start_date=datetime.date(2026, 8, 1))
    client.force_login(sam)
    chart = client.get(reverse("coverage-charts"), YEAR).context["quarters"]
    b = next(panel for panel in chart.panels if panel.priority.code == "b")
    assert [bar.value for bar in b.bars] == [1, 1, 1, 1]
    for bar in b.bars:
        assert listed(client, bar.url) == bar.value, bar.label


def test_activities_per_agency_most_first_each_linked_to_its_list(client, sam, iom, ilo):
    for _ in range(3):
        ActivityFactory(agency=ilo)
    ActivityFactory(agency=iom)
    ActivityFactory(agency=iom, status=Activity.Status.CANCELLED)
    ActivityFactory(agency=iom, start_date=datetime.date(2024, 1, 1), end_date=None)  # runs on
    rows = coverage.agency_counts(JAN, DEC)
    assert [(a.acronym, n) for a, n in rows][:2] == [(ilo.acronym, 3), (iom.acronym, 2)]
    client.force_login(sam)
    chart = client.get(reverse("coverage-charts"), YEAR).context["agencies"]
    for bar in chart.bars[:2]:
        assert listed(client, bar.url) == bar.value
    # The longest bar is the largest number; the others in proportion.
    assert chart.bars[0].width > chart.bars[1].width > 0


def test_the_charts_page_writes_every_number_and_escapes_acronyms(client, sam, iom):
    hostile = AgencyFactory(acronym="<svg/onload=alert()>", slug="hostile")
    ActivityFactory(agency=hostile, priorities=p("e"))
    client.force_login(sam)
    html = client.get(reverse("coverage-charts"), YEAR).content.decode()
    assert "<svg/onload" not in html and "&lt;svg/onload=alert()&gt;" in html
    page = Page(html)
    assert len(page.all("h1")) == 1
    assert len(page.all("caption")) == 2
    # Each panel names its priority and its numbers in words; the bars are labelled.
    figures = page.all("figcaption")
    assert figures[4].text.startswith("(e)")
    assert any(e.attrs.get("aria-label", "").startswith("(e): at most 1 ") for e in page.all("svg"))
    assert 'class="value"' in html and ">1</text>" in html


# -- in a browser ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_country_is_reached_with_the_keyboard_and_opens_its_list(
    page, live_server, sam, iom, password
):
    from playwright.sync_api import expect

    from .test_browser import sign_in

    placed(iom, ["KEN"])
    placed(iom, ["KEN"], title="Second Kenyan survey")
    sign_in(page, live_server, sam.email, password)
    page.goto(live_server.url + reverse("coverage-map") + "?running_from=2026-01-01")
    # Past the page's links to the map's only country with activities, by Tab.
    page.get_by_role("link", name="Skip the map to the table").focus()
    page.keyboard.press("Tab")
    kenya = page.get_by_role("link", name="Kenya: 2 activities")
    expect(kenya).to_be_focused()
    # The focused country is outlined in the focus colour, thicker than its neighbours.
    stroke = kenya.locator("path").evaluate("p => getComputedStyle(p).strokeWidth")
    assert float(stroke.removesuffix("px")) >= 2
    page.keyboard.press("Enter")
    page.wait_for_url("**/activities/?country=KEN*")
    expect(page.get_by_role("status")).to_have_text("2 activities")


@pytest.mark.parametrize(
    "query", ["running_from=9999-11-01", "running_from=&running_to=0001-02-01"]
)
def test_a_period_beyond_the_calendar_is_refused_with_a_message(client, sam, query):
    """Quarters around year 1 or 9999 do not exist: the form says so instead of failing."""
    client.force_login(sam)
    response = client.get(f"{reverse('coverage-charts')}?{query}")
    assert response.status_code == 200
    assert "Choose a date between 1900 and 2100." in response.content.decode()
