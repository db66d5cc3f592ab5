"""Audit history: every write path leaves an event with who, when, before and after, and a
record's history page is read by exactly those who may read the record."""

import csv
import datetime

import pytest
from django.core.management import call_command
from django.db import InternalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import services as activity_services
from activities.interchange import COLUMNS
from activities.models import Activity
from agencies.models import Role, User
from history.models import (
    ActivityEvent,
    ActivityRegionEvent,
    AgencyEvent,
    OverlapFlagEvent,
    UserEvent,
)
from overlaps import review
from overlaps.models import OverlapFlag

from .factories import ActivityFactory, UserFactory


@pytest.fixture
def iom_activity(iom):
    return ActivityFactory(agency=iom, reference="IOM-2026-001", title="Return support")


@pytest.fixture
def admin_user(db):
    return UserFactory(
        email="ada@gmg.example",
        full_name="Ada Admin",
        agency=None,
        role=Role.SECRETARIAT,
        is_staff=True,
        is_superuser=True,
    )


def history_url(kind, pk):
    return reverse("history:record", args=[kind, pk])


def page_of(client, kind, pk):
    response = client.get(history_url(kind, pk))
    assert response.status_code == 200
    return response.content.decode()


def activity_form(activity, **overrides):
    data = {
        "reference": activity.reference,
        "title": activity.title,
        "description": activity.description,
        "language": activity.language,
        "kind": activity.kind,
        "status": activity.status,
        "start_date": activity.start_date.isoformat(),
        "end_date": activity.end_date.isoformat() if activity.end_date else "",
        "countries": [c.pk for c in activity.countries.all()],
        "regions": [r.pk for r in activity.regions.all()],
        "priorities": [p.pk for p in activity.priorities.all()],
        "version": activity.version,
    }
    data.update(overrides)
    return data


# -- what is recorded ---------------------------------------------------------------------


def test_an_edit_through_the_portal_names_its_author_with_before_and_after(
    client, alice, iom_activity
):
    client.force_login(alice)
    response = client.post(
        reverse("activities:edit", args=[iom_activity.pk]),
        activity_form(iom_activity, title="Return and reintegration", status="completed"),
    )
    assert response.status_code == 302

    update = ActivityEvent.objects.filter(pgh_obj_id=iom_activity.pk, pgh_label="update").get()
    assert update.title == "Return and reintegration"
    assert update.pgh_context.metadata["user"] == alice.pk
    assert update.pgh_context.metadata["url"] == reverse("activities:edit", args=[iom_activity.pk])

    page = page_of(client, "activity", iom_activity.pk)
    assert "Alice" in page
    assert "Return support" in page and "Return and reintegration" in page
    # Field labels and the display value of a choice, not the stored code.
    assert "Title" in page and "Status" in page
    assert "Completed" in page and "completed</td>" not in page


def test_a_service_call_outside_a_request_is_recorded_as_the_system(iom_activity):
    activity_services.activity_update(iom_activity, by=None, title="Renamed by a script")
    update = ActivityEvent.objects.get(pgh_obj_id=iom_activity.pk, pgh_label="update")
    assert update.title == "Renamed by a script"
    assert update.pgh_context is None


def test_a_save_that_changes_nothing_writes_no_event(client, alice, iom_activity):
    before = ActivityEvent.objects.count()
    # The service bumps the version and the "last changed" stamp; neither is a change.
    activity_services.activity_update(iom_activity, by=alice, title=iom_activity.title)
    Activity.objects.filter(pk=iom_activity.pk).update(title=iom_activity.title)
    client.force_login(alice)
    iom_activity.refresh_from_db()
    client.post(reverse("activities:edit", args=[iom_activity.pk]), activity_form(iom_activity))
    assert ActivityEvent.objects.count() == before


def test_a_conditional_update_and_a_delete_are_recorded(iom_activity):
    Activity.objects.filter(pk=iom_activity.pk, status="ongoing").update(status="cancelled")
    pk = iom_activity.pk
    iom_activity.delete()
    labels = list(ActivityEvent.objects.filter(pgh_obj_id=pk).values_list("pgh_label", "status"))
    assert labels == [("insert", "ongoing"), ("update", "cancelled"), ("delete", "cancelled")]


def test_many_to_many_links_are_recorded_as_added_and_removed(client, alice, iom_activity):
    client.force_login(alice)
    response = client.post(
        reverse("activities:edit", args=[iom_activity.pk]),
        activity_form(iom_activity, regions=["002"]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = ActivityRegionEvent.objects.get(activity_id=iom_activity.pk, pgh_label="add")
    assert added.region_id == "002"
    page = page_of(client, "activity", iom_activity.pk)
    assert "Africa" in page and "added" in page


def test_a_change_in_the_admin_is_recorded_with_the_administrator(client, admin_user, iom):
    client.force_login(admin_user)
    url = reverse("admin:agencies_agency_change", args=[iom.pk])
    response = client.post(
        url,
        {
            "name": iom.name,
            "acronym": iom.acronym,
            "slug": iom.slug,
            "type": iom.type,
            "year_joined": iom.year_joined or "",
            "website": iom.website,
            "iati_identifier": iom.iati_identifier,
            "notes": "Renamed in the admin",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    update = AgencyEvent.objects.get(pgh_obj_id=iom.pk, pgh_label="update")
    assert update.notes == "Renamed in the admin"
    assert update.pgh_context.metadata == {"user": admin_user.pk, "url": url}

    page = page_of(client, "agency", iom.pk)
    assert "Ada Admin" in page and "in the administration" in page
    assert "Renamed in the admin" in page


def test_an_import_is_recorded_as_the_import_command(client, alice, iom, iom_activity, tmp_path):
    row = {
        "reference": iom_activity.reference,
        "agency": "IOM",
        "title": "Return support, imported",
        "description": iom_activity.description,
        "status": "ongoing",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "countries": "KEN",
        "regions": "",
        "priorities": "b",
        "partners": "",
    }
    header = COLUMNS[: len(row)]
    assert list(header) == list(row)
    path = tmp_path / "activities.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerow(row.values())
    call_command("import_activities", str(path))

    update = ActivityEvent.objects.get(pgh_obj_id=iom_activity.pk, pgh_label="update")
    assert update.title == "Return support, imported"
    assert update.pgh_context.metadata == {
        "command": "import_activities",
        "file": "activities.csv",
    }
    client.force_login(alice)
    page = page_of(client, "activity", iom_activity.pk)
    assert "command import_activities" in page
    assert "Return support, imported" in page


def test_a_pair_decision_is_recorded(client, sam, iom_activity, ilo):
    other = ActivityFactory(agency=ilo)
    flag = OverlapFlag.objects.create(activity_a=iom_activity, activity_b=other, score=0.9)
    client.force_login(sam)
    review.decide(flag, by=sam, status=OverlapFlag.Status.COMPLEMENTARY, note="Different places")
    event = OverlapFlagEvent.objects.get(pgh_obj_id=flag.pk, pgh_label="update")
    assert (event.status, event.decision_note, event.decided_by_id) == (
        "complementary",
        "Different places",
        sam.pk,
    )
    page = page_of(client, "pair", flag.pk)
    assert "Complementary" in page and "Different places" in page


def test_a_persons_history_never_holds_their_password(client, fiona, alice, password):
    alice.set_password("a new long passphrase for alice")
    alice.save()
    alice.role = Role.FOCAL_POINT
    alice.save()
    field_names = {f.name for f in UserEvent._meta.fields}
    assert not field_names & {"password", "last_login"}
    hashed = User.objects.get(pk=alice.pk).password
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {UserEvent._meta.db_table}")
        rows = cursor.fetchall()
    assert rows and not any(hashed in map(str, row) for row in rows)
    client.force_login(fiona)
    page = page_of(client, "person", alice.pk)
    assert "Focal point" in page and hashed not in page


# -- who may read it ----------------------------------------------------------------------


@pytest.mark.parametrize("person", ["alice", "bob", "harry", "sam"])
def test_everyone_who_reads_an_activity_reads_its_history(client, request, iom_activity, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(reverse("activities:detail", args=[iom_activity.pk])).status_code == 200
    page = page_of(client, "activity", iom_activity.pk)
    assert "created" in page


def test_the_record_page_links_its_history(client, alice, iom_activity):
    client.force_login(alice)
    page = client.get(reverse("activities:detail", args=[iom_activity.pk])).content.decode()
    assert history_url("activity", iom_activity.pk) in page


def test_an_outsider_is_refused_the_history_as_the_record(client, bob, iom_activity, ilo):
    """Bob (ILO) may not see a pair of two other agencies' activities, nor its history."""
    other = ActivityFactory(agency=ActivityFactory().agency)
    flag = OverlapFlag.objects.create(activity_a=iom_activity, activity_b=other, score=0.9)
    client.force_login(bob)
    record = client.get(reverse("overlaps:flag-detail", args=[flag.pk])).status_code
    assert record == 404
    assert client.get(history_url("pair", flag.pk)).status_code == record


@pytest.mark.parametrize(("reader", "person"), [("bob", "alice"), ("alice", "fiona")])
def test_a_persons_history_is_for_those_who_manage_them(db, client, request, reader, person):
    person = request.getfixturevalue(person)
    client.force_login(request.getfixturevalue(reader))
    record = client.get(reverse("agencies:person-deactivate", args=[person.pk])).status_code
    assert record in (403, 404)
    assert client.get(history_url("person", person.pk)).status_code == record


def test_anonymous_visitors_are_sent_to_sign_in(client, iom_activity):
    response = client.get(history_url("activity", iom_activity.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_kind_or_record_is_not_found(client, alice, iom_activity):
    client.force_login(alice)
    assert client.get(history_url("nothing", iom_activity.pk)).status_code == 404
    assert client.get(history_url("activity", iom_activity.pk + 1000)).status_code == 404


# -- the page -----------------------------------------------------------------------------


def test_typed_text_is_escaped(client, alice, iom_activity):
    activity_services.activity_update(iom_activity, by=alice, title="<script>x()</script>")
    client.force_login(alice)
    page = page_of(client, "activity", iom_activity.pk)
    assert "<script>x()</script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page


def test_queries_do_not_grow_with_the_events(
    client, alice, fiona, iom, iom_activity, django_assert_max_num_queries
):
    client.force_login(alice)
    client.get(history_url("activity", iom_activity.pk))  # warm the session and caches

    def count():
        with CaptureQueriesContext(connection) as queries:
            page_of(client, "activity", iom_activity.pk)
        return len(queries)

    few = count()
    for n in range(12):
        by = alice if n % 2 else fiona
        activity_services.activity_update(
            iom_activity,
            by=by,
            title=f"Title {n}",
            status="completed" if n % 2 else "ongoing",
            end_date=datetime.date(2027, 1, n + 1),
        )
    assert ActivityEvent.objects.filter(pgh_obj_id=iom_activity.pk).count() == 13
    assert count() <= few + 2  # the users and agencies named, once each


def test_history_is_paginated_newest_first(client, alice, iom_activity, settings):
    settings.PAGE_SIZE = 3
    for n in range(5):
        activity_services.activity_update(iom_activity, by=alice, title=f"Title {n}")
    client.force_login(alice)
    first = page_of(client, "activity", iom_activity.pk)
    assert "Title 4" in first and "Title 0" not in first
    response = client.get(history_url("activity", iom_activity.pk) + "?page=2")
    assert "Title 0" in response.content.decode()


def test_events_cannot_be_changed_or_deleted(iom_activity):
    event = ActivityEvent.objects.get(pgh_obj_id=iom_activity.pk)
    for tamper in (
        lambda: ActivityEvent.objects.filter(pk=event.pk).update(title="Rewritten"),
        lambda: ActivityEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(InternalError), transaction.atomic():
            tamper()
    assert ActivityEvent.objects.get(pk=event.pk).title == "Return support"


def test_a_person_made_by_command_is_recorded_as_that_command(db):
    call_command("create_member", "nadia@gmg.example", "--role", "secretariat")
    person = User.objects.get(email="nadia@gmg.example")
    event = UserEvent.objects.get(pgh_obj_id=person.pk, pgh_label="insert")
    assert event.pgh_context.metadata == {"command": "create_member"}
    assert event.role == Role.SECRETARIAT
