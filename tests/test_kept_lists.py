"""What the pages keep in the shared cache, and that it never shows anything out of date.

The activity list's filter options (agencies, priorities, countries, regions, target
groups) come from common.reference, and its count from common.tallies: neither asks the
database on a page seen before, and each changes on the page as soon as its data does.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import services
from activities.models import Activity
from common import tallies
from geo.models import Country, Region
from priorities.models import Priority, TargetGroup

from .factories import ActivityFactory, AgencyFactory
from .markup import Page

pytestmark = pytest.mark.django_db

LIST = reverse("activities:list")


def options(client, name, **params):
    """The (value, label) of each option of the list's filter `name`."""
    page = Page(client.get(LIST, params).content.decode())
    select = next(s for s in page.all("select") if s.attrs.get("name") == name)
    return [(o.attrs.get("value"), o.text) for o in page.all("option") if select in o.ancestors]


def count_text(client, **params):
    page = Page(client.get(LIST, params).content.decode())
    return next(p.text for p in page.all("p") if "result-count" in p.attrs.get("class", ""))


def queries_on(client, **params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, params).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


# -- the filter options -----------------------------------------------------------------------


def test_a_list_seen_before_reads_no_option_list_from_the_database(client, alice):
    client.force_login(alice)
    client.get(LIST)
    tables = ("agencies_agency", "priorities_priority", "geo_country", "geo_region")
    for sql in queries_on(client, country="KEN", region="011", priority="b", agency="iom"):
        if sql.startswith('SELECT 1 AS "a"'):
            continue  # whether this person may log activities: not an option list
        assert not any(f'FROM "{table}"' in sql for table in tables), sql


def test_a_new_agency_is_an_option_at_once(client, alice):
    client.force_login(alice)
    assert ("newag", "NEWAG") not in options(client, "agency")
    AgencyFactory(acronym="NEWAG")
    assert ("newag", "NEWAG") in options(client, "agency")


def test_a_renamed_country_and_region_show_their_new_names(client, alice):
    client.force_login(alice)
    assert ("KEN", "Kenya") in options(client, "country")
    kenya = Country.objects.get(pk="KEN")
    kenya.name = "Republic of Kenya"
    kenya.save()
    assert ("KEN", "Republic of Kenya") in options(client, "country")

    africa = Region.objects.get(pk="002")
    africa.name = "The African continent"
    africa.save()
    assert ("002", "The African continent") in options(client, "region")


def test_a_changed_priority_and_a_deleted_target_group_show_at_once(client, alice):
    client.force_login(alice)
    priority = Priority.objects.get(code="b")
    priority.short_title = "Shared knowledge"
    priority.save()
    assert ("b", "(b) Shared knowledge") in options(client, "priority")

    group = TargetGroup.objects.create(slug="seafarers", name="Seafarers")
    assert ("seafarers", "Seafarers") in options(client, "target_group")
    group.delete()
    assert ("seafarers", "Seafarers") not in options(client, "target_group")


def test_a_chosen_option_filters_and_an_unknown_one_is_refused(client, alice, iom, ilo):
    ActivityFactory(agency=iom, title="Ours")
    ActivityFactory(agency=ilo, title="Theirs")
    client.force_login(alice)
    assert count_text(client, agency="iom") == "1 activity"
    page = Page(client.get(LIST, {"agency": "no-such-agency"}).content.decode())
    assert any("field--error" in d.attrs.get("class", "") for d in page.all("div"))


# -- the count --------------------------------------------------------------------------------


def test_a_count_seen_before_is_not_counted_again(client, alice, iom):
    ActivityFactory(agency=iom)
    client.force_login(alice)
    client.get(LIST, {"status": "planned"})
    assert not any("COUNT(" in sql for sql in queries_on(client, status="planned"))


def test_the_count_follows_every_change_of_the_register(client, alice, iom):
    client.force_login(alice)
    first = ActivityFactory(agency=iom, status=Activity.Status.ONGOING)
    assert count_text(client, status="ongoing") == "1 activity"

    services.activity_create(
        agency=iom,
        by=alice,
        reference="NEW-1",
        title="Logged through the form",
        status=Activity.Status.ONGOING,
        start_date=datetime.date(2025, 1, 1),
        priorities=list(Priority.objects.filter(code="a")),
        countries=list(Country.objects.filter(pk="KEN")),
    )
    assert count_text(client, status="ongoing") == "2 activities"

    services.activity_update(first, by=alice, status=Activity.Status.COMPLETED)
    assert count_text(client, status="ongoing") == "1 activity"

    services.activity_withdraw(Activity.objects.get(reference="NEW-1"), by=alice)
    assert count_text(client, status="ongoing") == "0 activities"
    assert count_text(client) == "1 activity"


def test_the_version_moves_on_again_when_the_change_commits(django_capture_on_commit_callbacks):
    before = tallies.version("activities")
    with django_capture_on_commit_callbacks(execute=True):
        tallies.changed("activities")
        during = tallies.version("activities")
    assert before != during != tallies.version("activities")


def test_a_kept_select_marks_the_option_chosen_on_this_request(client, alice):
    client.force_login(alice)

    def chosen(**params):
        page = Page(client.get(LIST, params).content.decode())
        select = next(s for s in page.all("select") if s.attrs.get("name") == "country")
        return [
            o.attrs.get("value")
            for o in page.all("option")
            if select in o.ancestors and "selected" in o.attrs
        ]

    assert chosen(country="KEN") == ["KEN"]
    assert chosen(country="UGA") == ["UGA"]
    assert chosen() == [""]
    assert chosen(country="KEN") == ["KEN"]


# -- this process's copy of the lists (common.reference._memo) ---------------------------------


def test_a_list_read_again_is_this_processs_copy(monkeypatch):
    from agencies.cached import agencies
    from common import reference

    first = agencies()
    asked = []
    real_get = reference.cache.get
    monkeypatch.setattr(
        reference.cache, "get", lambda key, *a: asked.append(key) or real_get(key, *a)
    )
    with CaptureQueriesContext(connection) as queries:
        again = agencies()
    assert [(a.pk, a.name) for a in again] == [(a.pk, a.name) for a in first]
    # Rows of its own: what one request sets on a row is never seen by another.
    first[0].total = 12
    assert not hasattr(agencies()[0], "total")
    # Only the version was read from the shared cache; the rows were neither read from it
    # (and unpickled) nor from the database.
    assert not any("reference:" in key for key in asked)
    assert len(queries) == 0


def test_a_change_made_by_another_process_is_seen_here():
    from agencies.cached import agencies
    from agencies.models import Agency

    before = {a.acronym for a in agencies()}
    # Another process adds an agency: its signal moves the shared version on, and this
    # process's copy, which no signal of its own dropped, is not read under the new one.
    Agency.objects.bulk_create([Agency(acronym="NEWCO", name="New agency", slug="newco")])
    assert {a.acronym for a in agencies()} == before  # nothing said so yet
    tallies.changed(tallies.REFERENCE)
    assert {a.acronym for a in agencies()} == before | {"NEWCO"}


def test_the_shared_cache_keeps_each_list_under_its_version():
    from agencies.cached import agencies
    from agencies.models import Agency
    from common import reference

    first = agencies()[0]
    Agency.objects.filter(pk=first.pk).update(name="Renamed meanwhile")
    tallies.changed(tallies.REFERENCE)
    reference._memo.clear()  # a process that never read the list
    # The rows the shared cache holds were read before the change: not under its version.
    assert next(a for a in agencies() if a.pk == first.pk).name == "Renamed meanwhile"


def test_picking_rows_unpickles_only_those_asked_for():
    from common import reference
    from geo.cached import countries

    picked = countries.pick({"KEN", "UGA", "nowhere"})
    assert {key: c.name for key, c in picked.items()} == {"KEN": "Kenya", "UGA": "Uganda"}
    assert len(reference._memo["countries"].each) == len(countries())
    # Rows of the caller's own, and a change seen at once.
    picked["KEN"].total = 3
    assert not hasattr(countries.pick({"KEN"})["KEN"], "total")
    Country.objects.filter(pk="KEN").update(name="Kenya (renamed)")
    tallies.changed(tallies.REFERENCE)
    assert countries.pick({"KEN"})["KEN"].name == "Kenya (renamed)"
