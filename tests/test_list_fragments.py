"""The activity list's rows and filter form are kept rendered in the shared cache
(activities.views.activity_list, common.tallies.fragment_key): a page seen before is not
rendered again, yet every change of the register or of the names it shows is on the page
at once, and nobody is shown a fragment made for someone who sees other rows.

Each test first looks at the list, so that what it checks afterwards would come from the
cache if the key did not change.
"""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import services
from activities.interchange import csv_lines, export_rows, import_csv
from activities.models import Activity
from agencies.models import Role
from geo.models import Country, Region
from priorities.models import Priority

from .factories import ActivityFactory, UserFactory, refreshed
from .markup import Page

pytestmark = pytest.mark.django_db

LIST = reverse("activities:list")


def page_of(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return Page(response.content.decode())


def rows(client, **params):
    """Each row of the table as the text of its cells."""
    page = page_of(client, **params)
    body = page.all("tbody")[0]
    return [
        [cell.text for cell in page.all("td") if row in cell.ancestors]
        for row in page.all("tr")
        if body in row.ancestors
    ]


def titles(client, **params):
    return [row[0] for row in rows(client, **params)]


def count_text(client, **params):
    page = page_of(client, **params)
    return next(p.text for p in page.all("p") if "result-count" in p.attrs.get("class", ""))


@pytest.fixture
def kenya_project(iom):
    activity = ActivityFactory(
        agency=iom, reference="IOM-KE-1", title="Border health in Kenya", status="ongoing"
    )
    activity.countries.set([Country.objects.get(pk="KEN")])
    activity.priorities.set([Priority.objects.get(code="b")])
    refreshed(activity)
    return activity


# -- a page seen before -------------------------------------------------------------------


def test_a_page_seen_before_reads_no_activity_from_the_database(client, alice, kenya_project):
    client.force_login(alice)
    first = titles(client, status="ongoing")
    with CaptureQueriesContext(connection) as queries:
        again = titles(client, status="ongoing")
    assert again == first == ["Border health in Kenya IOM-KE-1"]
    touched = [q["sql"] for q in queries.captured_queries if "activities_activity" in q["sql"]]
    assert touched == []


def test_another_page_sort_or_filter_is_rendered_for_itself(client, alice, iom, settings):
    settings.PAGE_SIZE = 2
    for n in range(3):
        ActivityFactory(agency=iom, reference=f"IOM-{n}", title=f"Activity {n}")
    client.force_login(alice)
    first = titles(client, sort="title")
    second = titles(client, sort="title", page=2)
    reverse_order = titles(client, sort="-title")
    assert [first, second] == [
        ["Activity 0 IOM-0", "Activity 1 IOM-1"],
        ["Activity 2 IOM-2"],
    ]
    assert reverse_order == ["Activity 2 IOM-2", "Activity 1 IOM-1"]
    assert titles(client, q="Activity 1") == ["Activity 1 IOM-1"]


# -- every change of the register shows at once ---------------------------------------------


def test_an_edit_shows_at_once(client, alice, kenya_project):
    client.force_login(alice)
    assert titles(client) == ["Border health in Kenya IOM-KE-1"]
    services.activity_update(kenya_project, by=alice, title="Border health, Kenya and Uganda")
    assert titles(client) == ["Border health, Kenya and Uganda IOM-KE-1"]


def test_a_change_of_status_moves_the_activity_between_filtered_lists(client, alice, kenya_project):
    client.force_login(alice)
    assert len(rows(client, status="ongoing")) == 1
    assert rows(client, status="completed") == [["No activities match."]]
    services.activity_update(kenya_project, by=alice, status=Activity.Status.COMPLETED)
    assert rows(client, status="ongoing") == [["No activities match."]]
    assert rows(client, status="completed")[0][-1] == "Completed"


def test_a_withdrawal_and_a_restore_show_at_once(client, alice, sam, kenya_project):
    client.force_login(alice)
    assert count_text(client) == "1 activity"
    services.activity_withdraw(kenya_project, by=alice)
    assert count_text(client) == "0 activities"
    assert rows(client) == [["No activities match."]]
    services.activity_restore(Activity.all_objects.get(pk=kenya_project.pk), by=sam)
    assert count_text(client) == "1 activity"
    assert titles(client) == ["Border health in Kenya IOM-KE-1"]


def test_an_activity_deleted_in_the_admin_leaves_at_once(client, alice, kenya_project):
    admin = UserFactory(agency=None, role=Role.SECRETARIAT, is_staff=True, is_superuser=True)
    client.force_login(alice)
    assert count_text(client) == "1 activity"
    client.force_login(admin)
    response = client.post(
        reverse("admin:activities_activity_delete", args=[kenya_project.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Activity.all_objects.filter(pk=kenya_project.pk).exists()
    client.force_login(alice)
    assert count_text(client) == "0 activities"
    assert rows(client) == [["No activities match."]]


def test_a_bulk_import_shows_its_rows_at_once(client, alice, kenya_project):
    client.force_login(alice)
    assert titles(client, sort="title") == ["Border health in Kenya IOM-KE-1"]
    exported = "".join(csv_lines(export_rows(Activity.objects.filter(pk=kenya_project.pk))))
    imported = exported.replace("IOM-KE-1", "IOM-KE-2").replace(
        "Border health in Kenya", "Agreed follow-up"
    )
    result = import_csv(io.BytesIO(imported.encode()), by=alice)
    assert (result.created, result.errors) == (1, [])
    assert titles(client, sort="title") == [
        "Agreed follow-up IOM-KE-2",
        "Border health in Kenya IOM-KE-1",
    ]


def test_a_change_of_places_shows_at_once(client, alice, kenya_project):
    client.force_login(alice)
    assert rows(client)[0][2] == "Kenya"
    services.activity_update(
        kenya_project, by=alice, countries=list(Country.objects.filter(pk__in=["KEN", "UGA"]))
    )
    assert rows(client)[0][2] == "Kenya, Uganda"


# -- names the rows show, changed elsewhere --------------------------------------------------


def test_a_renamed_agency_shows_at_once(client, alice, iom, kenya_project):
    client.force_login(alice)
    assert rows(client)[0][1] == "IOM"
    iom.acronym = "IOM-UN"
    iom.save()
    assert rows(client)[0][1] == "IOM-UN"


def test_a_renamed_country_and_region_show_at_once(client, alice, kenya_project):
    kenya_project.regions.set([Region.objects.get(pk="002")])
    client.force_login(alice)
    assert rows(client)[0][2] == "Africa, Kenya"
    kenya = Country.objects.get(pk="KEN")
    kenya.name = "Republic of Kenya"
    kenya.save()
    assert rows(client)[0][2] == "Africa, Republic of Kenya"
    africa = Region.objects.get(pk="002")
    africa.name = "The African continent"
    africa.save()
    assert rows(client)[0][2] == "The African continent, Republic of Kenya"


def test_a_changed_priority_shows_at_once(client, alice, kenya_project):
    client.force_login(alice)
    page = page_of(client)
    assert [a.attrs["title"] for a in page.all("abbr")] == [
        Priority.objects.get(code="b").short_title
    ]
    priority = Priority.objects.get(code="b")
    priority.short_title = "Shared knowledge"
    priority.save()
    assert [a.attrs["title"] for a in page_of(client).all("abbr")] == ["Shared knowledge"]


def test_a_renamed_option_shows_in_the_kept_filter_form(client, alice, kenya_project):
    client.force_login(alice)

    def labels():
        page = page_of(client, country="KEN")
        select = next(s for s in page.all("select") if s.attrs.get("name") == "country")
        return [o.text for o in page.all("option") if select in o.ancestors]

    assert "Kenya" in labels()
    kenya = Country.objects.get(pk="KEN")
    kenya.name = "Republic of Kenya"
    kenya.save()
    assert "Republic of Kenya" in labels()
    assert "Kenya" not in labels()


# -- one person's fragment is never another's ------------------------------------------------


def test_people_who_see_different_rows_never_share_a_fragment(
    client, alice, bob, iom, ilo, own_agency_only
):
    """Everyone signed in reads every activity today; the gate (`visible_to`) is where a
    narrower rule would go, and the kept rows must follow it without another change."""
    ActivityFactory(agency=iom, reference="IOM-1", title="IOM's own")
    ActivityFactory(agency=ilo, reference="ILO-1", title="ILO's own")
    client.force_login(alice)
    assert titles(client) == ["IOM's own IOM-1"]
    assert count_text(client) == "1 activity"
    client.force_login(bob)
    assert titles(client) == ["ILO's own ILO-1"]
    assert count_text(client) == "1 activity"
    client.force_login(alice)
    assert titles(client) == ["IOM's own IOM-1"]


def test_what_only_some_people_may_do_is_not_kept_with_the_rows(client, alice, harry):
    """The "Log an activity" button is staff's, not a head's: it stays outside the kept
    fragments, so a head never sees it from a page a staff member filled the cache with."""
    client.force_login(alice)
    create = reverse("activities:create")
    assert any(a.attrs.get("href") == create for a in page_of(client).all("a"))
    client.force_login(harry)
    assert not any(a.attrs.get("href") == create for a in page_of(client).all("a"))
