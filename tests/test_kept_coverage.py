"""The coverage matrix and the coverage pages' form are kept rendered in the shared cache
(gmg_portal.views.coverage_matrix, CoverageForm.kept_key): a matrix seen before is neither
counted nor rendered again, yet every change of the register or of the names it shows is
on the page at once.

Each test first looks at the page, so that what it checks afterwards would come from the
cache if the key did not move.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity
from geo.models import Country, Region
from initiatives import services as initiative_services
from initiatives.models import JointInitiative
from priorities.models import Priority

from .factories import JointInitiativeFactory
from .markup import Page

pytestmark = pytest.mark.django_db

COVERAGE = reverse("coverage")
YEAR = {"running_from": "2026-01-01", "running_to": "2026-12-31"}


def page_of(client, **params):
    response = client.get(COVERAGE, {**YEAR, **params})
    assert response.status_code == 200
    return Page(response.content.decode())


def matrix(client, **params):
    """{(priority code, column heading): the cell's text} of the matrix shown."""
    page = page_of(client, **params)
    (table,) = [t for t in page.all("table") if "coverage" in t.attrs.get("class", "")]
    heads = [th.text for th in page.all("th") if table in th.ancestors and th.inside("thead")]
    found = {}
    for row in page.all("tr"):
        if table not in row.ancestors or row.inside("thead"):
            continue
        (head,) = [th for th in page.all("th") if row in th.ancestors]
        code = head.text.split(")")[0].lstrip("(")
        cells = [td.text for td in page.all("td") if row in td.ancestors]
        found.update({(code, column): text for column, text in zip(heads[1:], cells, strict=True)})
    return found


def log(agency, by, **fields):
    return services.activity_create(
        agency=agency,
        by=by,
        **{
            "reference": "IOM-KE-1",
            "title": "Border health in Kenya",
            "description": "Health screening at the border.",
            "start_date": datetime.date(2026, 1, 1),
            "end_date": datetime.date(2026, 12, 31),
            "countries": [Country.objects.get(pk="KEN")],
            "priorities": [Priority.objects.get(code="b")],
            **fields,
        },
    )


@pytest.fixture
def kenya(iom, alice):
    return log(iom, alice)


# -- a matrix seen before ---------------------------------------------------------------------


@pytest.mark.parametrize("by", ["agency", "region", "subregion"])
def test_a_matrix_seen_before_reads_nothing_again(client, bob, kenya, by):
    client.force_login(bob)
    first = matrix(client, by=by)
    with CaptureQueriesContext(connection) as queries:
        again = matrix(client, by=by)
    assert again == first
    # The session and the person: nothing of the register, the agencies or the priorities.
    assert len(queries.captured_queries) == 2, [q["sql"] for q in queries.captured_queries]


def test_another_choice_or_period_is_rendered_for_itself(client, bob, kenya):
    client.force_login(bob)
    assert matrix(client)[("b", "IOM")] == "1"
    assert matrix(client, by="region")[("b", "Africa")] == "1"
    assert matrix(client, running_from="2027-01-01", running_to="2027-12-31")[("b", "IOM")] == "0"


# -- every change of the register shows at once ---------------------------------------------


def test_a_new_activity_and_an_edit_show_at_once(client, bob, alice, iom, kenya):
    client.force_login(bob)
    assert matrix(client)[("c", "IOM")] == "0"
    log(iom, alice, reference="IOM-KE-2", priorities=[Priority.objects.get(code="c")])
    assert matrix(client)[("c", "IOM")] == "1"
    services.activity_update(kenya, by=alice, priorities=[Priority.objects.get(code="c")])
    assert matrix(client)[("c", "IOM")] == "2"
    assert matrix(client)[("b", "IOM")] == "0"


def test_a_change_of_places_shows_at_once(client, bob, alice, kenya):
    client.force_login(bob)
    assert matrix(client, by="region")[("b", "Europe")].startswith("0")
    services.activity_update(kenya, by=alice, countries=list(Country.objects.filter(pk="FRA")))
    assert matrix(client, by="region")[("b", "Europe")] == "1"


def test_a_withdrawal_and_a_restore_show_at_once(client, bob, alice, kenya):
    client.force_login(bob)
    assert matrix(client)[("b", "IOM")] == "1"
    services.activity_withdraw(kenya, by=alice)
    assert matrix(client)[("b", "IOM")] == "0"
    services.activity_restore(Activity.all_objects.get(pk=kenya.pk), by=alice)
    assert matrix(client)[("b", "IOM")] == "1"


def test_a_withdrawn_and_restored_initiative_shows_at_once(client, bob, sam, iom, kenya):
    initiative = JointInitiativeFactory(lead_agency=iom)
    services.activity_update(kenya, by=sam, initiative=initiative)
    client.force_login(bob)
    assert matrix(client)[("b", "IOM")] == "1 1 joint"
    initiative_services.initiative_withdraw(initiative, by=sam)
    assert matrix(client)[("b", "IOM")] == "1"
    initiative_services.initiative_restore(
        JointInitiative.all_objects.get(pk=initiative.pk), by=sam
    )
    assert matrix(client)[("b", "IOM")] == "1 1 joint"


# -- names the matrix shows, changed elsewhere ----------------------------------------------


def test_a_renamed_or_departed_agency_shows_at_once(client, bob, iom, kenya):
    client.force_login(bob)
    assert ("b", "IOM") in matrix(client)
    iom.acronym = "IOM-UN"
    iom.save()
    assert matrix(client)[("b", "IOM-UN")] == "1"
    iom.is_active = False
    iom.save()
    assert not any(column == "IOM-UN" for _code, column in matrix(client))


def test_a_renamed_region_and_priority_show_at_once(client, bob, kenya):
    client.force_login(bob)
    assert matrix(client, by="region")[("b", "Africa")] == "1"
    africa = Region.objects.get(pk="002")
    africa.name = "The African continent"
    africa.save()
    assert matrix(client, by="region")[("b", "The African continent")] == "1"
    priority = Priority.objects.get(code="b")
    priority.short_title = "Shared knowledge"
    priority.save()
    page = page_of(client, by="region")
    assert any(th.text == "(b) Shared knowledge" for th in page.all("th"))


# -- the form, kept on every coverage page --------------------------------------------------


@pytest.mark.parametrize("name", ["coverage", "coverage-gaps", "coverage-map", "coverage-charts"])
def test_the_kept_form_shows_each_requests_choices(client, bob, name):
    client.force_login(bob)

    def values(**params):
        page = Page(client.get(reverse(name), params).content.decode())
        dates = {
            i.attrs["name"]: i.attrs.get("value")
            for i in page.all("input")
            if i.attrs.get("type") == "date"
        }
        chosen = [o.attrs["value"] for o in page.all("option") if "selected" in o.attrs]
        errors = [e.text for e in page.all("ul") if "errorlist" in e.attrs.get("class", "")]
        return dates, chosen, errors

    this_year = timezone.localdate().year
    dates, _chosen, errors = values()
    assert dates == {
        "running_from": f"{this_year}-01-01",
        "running_to": f"{this_year}-12-31",
    }
    assert errors == []
    dates, chosen, errors = values(by="subregion", running_from="2020-03-01", running_to="")
    assert dates == {"running_from": "2020-03-01", "running_to": ""}
    if name in ("coverage", "coverage-gaps"):
        assert chosen == ["subregion"]
    assert errors == []
    _dates, _chosen, errors = values(running_from="2026-05-01", running_to="2026-01-01")
    assert errors == ["The end of the period cannot be before its start."]
    assert values()[2] == []
