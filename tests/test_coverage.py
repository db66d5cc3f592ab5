"""Coverage: the priorities × agencies and × regions matrices, their gaps, pages and CSV."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import coverage
from activities.models import Activity, ActivityPlace
from geo.models import Country, Region
from priorities.models import Priority

from .factories import ActivityFactory, JointInitiativeFactory

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 1)
DEC = datetime.date(2026, 12, 31)


def region(name):
    return Region.objects.get(name=name)


def cell(matrix, code, column):
    for priority, cells in matrix.rows:
        if priority.code == code:
            return next(c for c in cells if c.column == column)
    raise AssertionError(code)


def p(*codes):
    return list(Priority.objects.filter(code__in=codes))


@pytest.fixture
def world(iom, ilo):
    """IOM in Kenya under (b), ILO Africa-wide under (b) and (c), a World one under (a)."""
    initiative = JointInitiativeFactory(lead_agency=iom)
    kenya = ActivityFactory(agency=iom, priorities=p("b"), initiative=initiative)
    africa = ActivityFactory(
        agency=ilo, priorities=p("b", "c"), countries=[], regions=[region("Africa")]
    )
    everywhere = ActivityFactory(
        agency=ilo, priorities=p("a"), countries=[], regions=[region("World")]
    )
    ActivityFactory(agency=iom, priorities=p("d"), status=Activity.Status.CANCELLED)
    ActivityFactory(
        agency=iom,
        priorities=p("e"),
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2024, 6, 30),
    )
    france = ActivityFactory(
        agency=iom, priorities=p("b"), countries=[Country.objects.get(pk="FRA")]
    )
    return {"kenya": kenya, "africa": africa, "everywhere": everywhere, "france": france}


def test_agency_matrix_counts_by_the_logging_agency(world, iom, ilo):
    m = coverage.agency_matrix(JAN, DEC)
    assert cell(m, "b", iom).activities == 2  # Kenya and France
    assert cell(m, "b", iom).initiatives == 1
    assert cell(m, "b", ilo).activities == 1
    assert cell(m, "c", ilo).activities == 1
    assert cell(m, "a", ilo).activities == 1
    # Cancelled does not count; nor does work outside the period.
    assert cell(m, "d", iom).activities == 0
    assert cell(m, "e", iom).activities == 0
    assert [pr.code for pr, _ in m.rows] == list("abcdefghijkl")


def test_the_period_filter_brings_past_work_back(world, iom):
    m = coverage.agency_matrix(datetime.date(2024, 3, 1), datetime.date(2024, 3, 31))
    assert cell(m, "e", iom).activities == 1
    assert cell(m, "b", iom).activities == 0


def test_region_matrix_counts_countries_regions_and_world(world):
    m = coverage.region_matrix(Region.Level.REGION, JAN, DEC)
    africa, europe = region("Africa"), region("Europe")
    # Kenya (a country of Africa) and the Africa-wide activity.
    assert cell(m, "b", africa).activities == 2
    assert cell(m, "b", africa).initiatives == 1
    assert cell(m, "c", africa).activities == 1
    # World counts in every region.
    assert all(cell(m, "a", r).activities == 1 for r in m.columns)
    assert cell(m, "b", europe).activities == 1  # France
    assert cell(m, "d", africa).activities == 0  # cancelled


def test_a_region_wide_activity_counts_in_its_sub_regions(world):
    m = coverage.region_matrix(Region.Level.SUBREGION, JAN, DEC)
    ssa = region("Sub-Saharan Africa")
    assert cell(m, "b", ssa).activities == 2  # Kenya, and Africa-wide covering it
    assert cell(m, "c", region("Northern Africa")).activities == 1


def test_a_cell_counts_what_its_link_lists(world, client, sam):
    client.force_login(sam)
    m = coverage.region_matrix(Region.Level.SUBREGION, JAN, DEC)
    for code, name in [
        ("b", "Sub-Saharan Africa"),
        ("a", "Western Europe"),
        ("c", "Northern Africa"),
    ]:
        c = cell(m, code, region(name))
        url = coverage.cell_url(c, JAN, DEC)
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["page"].paginator.count == c.activities, (code, name)


def test_a_cells_link_leaves_cancelled_work_out_as_its_number_does(world, client, sam, ilo):
    cancelled = ActivityFactory(
        agency=ilo,
        priorities=p("b"),
        countries=[],
        regions=[region("Africa")],
        status=Activity.Status.CANCELLED,
    )
    client.force_login(sam)
    m = coverage.region_matrix(Region.Level.SUBREGION, JAN, DEC)
    c = cell(m, "b", region("Sub-Saharan Africa"))
    listed = client.get(coverage.cell_url(c, JAN, DEC)).context["page"].object_list
    assert cancelled not in listed
    assert len(listed) == c.activities


def test_gaps_are_priorities_missing_where_others_work(world):
    m = coverage.region_matrix(Region.Level.REGION, JAN, DEC)
    africa, oceania = region("Africa"), region("Oceania")
    assert not cell(m, "b", africa).gap
    assert cell(m, "j", africa).gap
    # Oceania has only the World activity, under (a): every other priority is a gap there.
    assert cell(m, "b", oceania).gap and not cell(m, "a", oceania).gap
    gaps = coverage.gaps(Region.Level.REGION, JAN, DEC)
    j_africa = next(g for g in gaps if g.priority.code == "j" and g.region == africa)
    # Kenya, Africa-wide and World: 3 distinct activities serve other priorities there.
    assert j_africa.others == 3


def test_no_gaps_in_a_region_with_no_work_at_all(iom):
    ActivityFactory(agency=iom, priorities=p("b"))  # Kenya only
    gaps = coverage.gaps(Region.Level.REGION, JAN, DEC)
    assert {g.region.name for g in gaps} == {"Africa"}
    assert len(gaps) == 11


@pytest.mark.parametrize("level", [Region.Level.REGION, Region.Level.SUBREGION])
@pytest.mark.parametrize("period", [(JAN, DEC), (None, None), (DEC, None)])
def test_the_gaps_listed_are_the_cells_the_matrix_marks(world, iom, level, period):
    start, end = period
    # Work that ended in the spring: counted in some periods, not in others.
    ActivityFactory(
        agency=iom,
        priorities=p("k"),
        countries=[Country.objects.get(pk="PER")],
        end_date=datetime.date(2026, 4, 30),
    )
    matrix = coverage.region_matrix(level, start, end)
    marked = {
        (cell.priority.code, cell.column.pk)
        for _priority, cells in matrix.rows
        for cell in cells
        if cell.gap
    }
    listed = coverage.gaps(level, start, end)
    assert {(g.priority.code, g.region.pk) for g in listed} == marked
    assert marked  # the test has something to compare
    assert len(listed) == len(marked)


@pytest.mark.parametrize("level", [Region.Level.REGION, Region.Level.SUBREGION])
def test_gaps_of_some_regions_are_theirs_in_the_whole_list(world, level):
    everywhere = coverage.gaps(level, JAN, DEC)
    codes = sorted({g.region.pk for g in everywhere})
    assert len(codes) >= 3  # so that leaving some out shows
    # Two regions with gaps, and one of another level (ignored).
    other_level = Region.Level.SUBREGION if level == Region.Level.REGION else Region.Level.REGION
    wrong = Region.objects.filter(level=other_level).first()
    some = [codes[0], codes[-1], wrong.pk]
    found = coverage.gaps(level, JAN, DEC, regions=some)
    as_pairs = [(g.priority.code, g.region.pk, g.others) for g in found]
    assert as_pairs == [
        (g.priority.code, g.region.pk, g.others)
        for g in everywhere
        if g.region.pk in (codes[0], codes[-1])
    ]
    assert coverage.gaps(level, JAN, DEC, regions=[]) == []


@pytest.mark.parametrize("build", ["agency", "region", "gaps", "some gaps"])
def test_matrices_run_a_fixed_number_of_queries(build, iom, ilo, django_assert_max_num_queries):
    some = ["202", "015"]  # Sub-Saharan Africa, Northern Africa
    run = {
        "agency": lambda: coverage.agency_matrix(JAN, DEC),
        "region": lambda: coverage.region_matrix(Region.Level.SUBREGION, JAN, DEC),
        "gaps": lambda: coverage.gaps(Region.Level.SUBREGION, JAN, DEC),
        "some gaps": lambda: coverage.gaps(Region.Level.SUBREGION, JAN, DEC, regions=some),
    }[build]
    ActivityFactory(agency=iom)
    with CaptureQueriesContext(connection) as few:
        run()
    countries = list(Country.objects.all()[:15])
    for i in range(15):
        ActivityFactory(
            agency=ilo if i % 2 else iom,
            priorities=p("abcdefghijkl"[i % 12]),
            countries=countries[i : i + 2],
        )
    with django_assert_max_num_queries(len(few)):
        run()


# -- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["coverage", "coverage-gaps", "coverage-csv"])
def test_coverage_pages_ask_anonymous_visitors_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_agency_matrix_links_each_cell_to_its_activities(client, bob, world, ilo):
    client.force_login(bob)
    html = client.get(
        reverse("coverage"), {"running_from": "2026-01-01", "running_to": "2026-12-31"}
    ).content.decode()
    assert html.count("<h1") == 1 and "<caption>" in html
    assert '<th scope="row">' in html and '<th scope="col">' in html
    link = (
        f"/activities/?priority=c&amp;status=not_cancelled&amp;agency={ilo.slug}"
        "&amp;running_from=2026-01-01&amp;running_to=2026-12-31"
    )
    assert f'<a href="{link}">1</a>' in html
    assert "1 joint" in html  # IOM's (b) activity in Kenya belongs to a joint initiative


def test_the_region_matrix_marks_gaps_in_words(client, bob, world):
    client.force_login(bob)
    html = client.get(
        reverse("coverage"),
        {"by": "region", "running_from": "2026-01-01", "running_to": "2026-12-31"},
    ).content.decode()
    assert 'class="cov cov-0 cov-gap"' in html
    assert ">gap</span>" in html
    assert (
        "/activities/?priority=b&amp;status=not_cancelled&amp;region=002&amp;running_from=2026-01-01"
        in html
    )


def test_the_gaps_page_lists_gaps_in_words(client, bob, world):
    client.force_login(bob)
    html = client.get(
        reverse("coverage-gaps"),
        {"by": "agency", "running_from": "2026-01-01", "running_to": "2026-12-31"},
    ).content.decode()
    j = Priority.objects.get(code="j")
    assert (
        f"No activity on (j) {j.short_title} in Africa, where 3 activities serve other priorities."
        in html
    )


def test_the_gaps_page_lists_the_gaps_of_the_regions_asked_for(client, bob, world):
    client.force_login(bob)
    url = reverse("coverage-gaps")
    period = {"running_from": "2026-01-01", "running_to": "2026-12-31"}
    africa, oceania = region("Africa"), region("Oceania")
    response = client.get(
        url, {"by": "region", **period, "region": [africa.pk, "<b>", region("Eastern Africa").pk]}
    )
    assert {g.region for g in response.context["gaps"]} == {africa}
    html = response.content.decode()
    assert "Only in Africa." in html
    assert f'<input type="hidden" name="region" value="{africa.pk}">' in html
    everywhere = response.context["everywhere_url"]
    assert "region=" not in everywhere and "running_from=2026-01-01" in everywhere
    assert {g.region for g in client.get(everywhere).context["gaps"]} >= {africa, oceania}
    # No region of the level chosen: every region is listed, as without the parameter.
    response = client.get(url, {"by": "region", **period, "region": "999"})
    assert "Only in" not in response.content.decode()
    assert len(response.context["gaps"]) == len(coverage.gaps(Region.Level.REGION, JAN, DEC))


def test_an_invalid_period_falls_back_to_this_year_and_says_why(client, bob, world):
    client.force_login(bob)
    response = client.get(
        reverse("coverage"), {"running_from": "2026-12-31", "running_to": "2026-01-01"}
    )
    assert response.status_code == 200
    assert "cannot be before its start" in response.content.decode()


def test_the_csv_has_the_same_numbers_and_defuses_formulas(client, bob, world, iom, ilo):
    iom.acronym = "=HYPERLINK(1)"
    iom.save()
    client.force_login(bob)
    response = client.get(
        reverse("coverage-csv"), {"running_from": "2026-01-01", "running_to": "2026-12-31"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    assert header[:2] == ["Code", "Priority"]
    assert "'=HYPERLINK(1)" in header
    b = next(r for r in rows if r[0] == "b")
    assert b[header.index("'=HYPERLINK(1)")] == "2"
    assert b[header.index(ilo.acronym)] == "1"
    assert len(rows) == 13


def test_the_region_csv_counts_by_region(client, bob, world):
    client.force_login(bob)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("coverage-csv"),
                    {"by": "region", "running_from": "2026-01-01", "running_to": "2026-12-31"},
                ).content.decode()
            )
        )
    )
    b = next(r for r in rows if r[0] == "b")
    assert b[rows[0].index("Africa")] == "2"


@pytest.mark.parametrize("by", ["agency", "region", "subregion"])
def test_the_coverage_page_runs_a_fixed_number_of_queries(
    by, client, bob, iom, ilo, django_assert_max_num_queries
):
    client.force_login(bob)
    ActivityFactory(agency=iom)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("coverage"), {"by": by}).status_code == 200
    for i in range(12):
        ActivityFactory(agency=ilo if i % 2 else iom, priorities=p("abcdefghijkl"[i]))
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse("coverage"), {"by": by}).status_code == 200


# -- the tallies the matrices read -----------------------------------------------------------


def test_the_services_keep_the_tallies_the_matrices_read(iom, sam):
    """Saving through the services moves an activity's counts with its places and priorities."""
    from activities import services

    made = services.activity_create(
        agency=iom,
        by=sam,
        reference="IOM/T1",
        title="Return and reintegration",
        kind=Activity.Kind.PROGRAMME,
        status=Activity.Status.ONGOING,
        start_date=JAN,
        priorities=p("b"),
        countries=[Country.objects.get(pk="KEN")],
    )
    eastern = region("Sub-Saharan Africa")
    m = coverage.region_matrix(Region.Level.SUBREGION, JAN, DEC)
    assert cell(m, "b", eastern).activities == 1

    services.activity_update(
        made,
        by=sam,
        priorities=p("c", "k"),
        countries=[],
        regions=[region("Africa")],
    )
    m = coverage.region_matrix(Region.Level.SUBREGION, JAN, DEC)
    assert cell(m, "b", eastern).activities == 0
    # Africa-wide work counts in each of its sub-regions, under each of its priorities.
    for code in ("c", "k"):
        assert cell(m, code, eastern).activities == 1
        assert cell(m, code, region("Northern Africa")).activities == 1
    assert cell(m, "c", region("Western Europe")).activities == 0
    assert cell(coverage.agency_matrix(JAN, DEC), "c", iom).activities == 1
    assert cell(coverage.agency_matrix(JAN, DEC), "b", iom).activities == 0

    services.activity_withdraw(made, by=sam)
    assert not ActivityPlace.objects.exists()


def test_every_priority_has_a_bit_of_its_own(iom):
    """All twelve priorities on one activity: twelve distinct bits, each counted once."""
    everything = ActivityFactory(agency=iom, priorities=list(Priority.objects.all()))
    everything.refresh_from_db()
    assert bin(everything.priority_mask).count("1") == 12
    m = coverage.agency_matrix(JAN, DEC)
    assert [cells[[c.column for c in cells].index(iom)].activities for _, cells in m.rows] == [
        1
    ] * 12


# -- the counts are kept (common.tallies) until the register changes -------------------------


def grouped(build):
    """The GROUP BY queries `build()` runs."""
    with CaptureQueriesContext(connection) as queries:
        build()
    return [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]


@pytest.mark.parametrize(
    "build",
    [
        lambda: coverage.agency_matrix(JAN, DEC),
        lambda: coverage.region_matrix(Region.Level.SUBREGION, JAN, DEC),
    ],
    ids=["agencies", "regions"],
)
def test_a_matrix_seen_before_is_not_grouped_again(world, build):
    assert len(grouped(build)) == 1
    assert grouped(build) == []


def test_kept_matrices_follow_a_save(world, iom, sam):
    from activities import services

    africa = region("Africa")
    assert cell(coverage.agency_matrix(JAN, DEC), "k", iom).activities == 0
    assert cell(coverage.region_matrix(Region.Level.REGION, JAN, DEC), "k", africa).activities == 0
    services.activity_update(world["kenya"], by=sam, priorities=p("b", "k"))
    assert cell(coverage.agency_matrix(JAN, DEC), "k", iom).activities == 1
    assert cell(coverage.region_matrix(Region.Level.REGION, JAN, DEC), "k", africa).activities == 1


def test_kept_matrices_follow_a_withdrawn_and_restored_initiative(world, iom, sam):
    from initiatives import services
    from initiatives.models import JointInitiative

    initiative = world["kenya"].initiative
    africa = region("Africa")

    def initiatives():
        return (
            cell(coverage.agency_matrix(JAN, DEC), "b", iom).initiatives,
            cell(coverage.region_matrix(Region.Level.REGION, JAN, DEC), "b", africa).initiatives,
        )

    assert initiatives() == (1, 1)
    services.initiative_withdraw(initiative, by=sam)
    assert initiatives() == (0, 0)
    services.initiative_restore(JointInitiative.all_objects.get(pk=initiative.pk), by=sam)
    assert initiatives() == (1, 1)


def test_a_kept_agency_matrix_follows_an_agency_leaving_and_coming_back(world, iom, ilo):
    ilo.is_active = False
    ilo.save()
    assert ilo not in coverage.agency_matrix(JAN, DEC).columns
    ilo.is_active = True
    ilo.save()
    assert cell(coverage.agency_matrix(JAN, DEC), "b", ilo).activities == 1
