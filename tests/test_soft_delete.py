"""Deleting is reversible and never takes others' work with it (issue 12).

The issue's scenario: IOM's activity is in a pair the secretariat decided, with comments from
two agencies. Alice (IOM staff) deletes it. It leaves every list, count, scan and export; the
pair, its decision and every comment stay and say that one side was withdrawn; Sam (the
secretariat) restores it within 30 days and everything is back; after 30 days nobody can.
"""

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse

from activities import coverage
from activities import services as activity_services
from activities.models import Activity, ActivityPlace
from digests.content import build_digest
from geo.models import Country, Region
from initiatives import services as initiative_services
from initiatives.models import InitiativeEvent, JointInitiative
from overlaps import review
from overlaps import services as overlap_services
from overlaps.models import FlagComment, OverlapFlag, PairEvent
from priorities.models import Priority

from .factories import ActivityFactory, JointInitiativeFactory, UserFactory

IOM_TEXT = (
    "Reintegration assistance for migrants returning to Kenya",
    "Economic reintegration support, psychosocial counselling and small business grants for "
    "migrants coming back from the Gulf, with referral to local employment services.",
)
ILO_TEXT = (
    "Economic reintegration of return migrants from Gulf countries",
    "Returnees receive business start-up grants, counselling and job placement through public "
    "employment services so that their reintegration is sustainable.",
)
NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def log(agency, by, reference, text):
    return activity_services.activity_create(
        agency=agency,
        by=by,
        reference=reference,
        title=text[0],
        description=text[1],
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
        countries=[Country.objects.get(pk="KEN")],
        priorities=[Priority.objects.get(code="d")],
    )


@pytest.fixture
def scenario(iom, ilo, alice, bob, fiona, sam, django_capture_on_commit_callbacks):
    """A decided pair of IOM and ILO activities with comments from both agencies."""
    with django_capture_on_commit_callbacks(execute=True):
        mine = log(iom, alice, "IOM-1", IOM_TEXT)
    with django_capture_on_commit_callbacks(execute=True):
        theirs = log(ilo, bob, "ILO-1", ILO_TEXT)
    flag = OverlapFlag.objects.get()
    # Their emails are not the point here: the callbacks that would send them are not run.
    review.decide(flag, by=sam, status=OverlapFlag.Status.COMPLEMENTARY, note="Both useful")
    for n in range(13):
        review.comment(flag, by=fiona, text=f"IOM comment {n}")
    for n in range(12):
        review.comment(flag, by=bob, text=f"ILO comment {n}")
    return mine, theirs, OverlapFlag.objects.get()


def delete_activity(client, user, activity, callbacks):
    client.force_login(user)
    with callbacks(execute=True):
        response = client.post(
            reverse("activities:delete", args=[activity.pk]), {"confirm": "on"}, follow=True
        )
    # Followed, so that the message naming it is shown now, not on the next page read.
    assert "The secretariat can restore it for 30 days." in response.content.decode()
    return response


def restore_activity(client, user, activity, callbacks):
    client.force_login(user)
    with callbacks(execute=True):
        return client.post(reverse("activities:restore", args=[activity.pk]), follow=True)


def csv_rows(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def kenya(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31)):
    return coverage.country_counts(start, end).get("KEN", 0)


def eastern_africa_cell(priority_code="d"):
    matrix = coverage.region_matrix(Region.Level.INTERMEDIATE, None, None)
    for priority, cells in matrix.rows:
        if priority.code == priority_code:
            for cell in cells:
                if cell.column.name == "Eastern Africa":
                    return cell
    raise AssertionError("no Eastern Africa cell")


def seen_everywhere(client, viewer, activity, harry):
    """Where the activity shows, for one signed-in viewer: a dict of place -> bool."""
    client.force_login(viewer)
    title = activity.title
    listed = title in client.get(reverse("activities:list")).content.decode()
    searched = title in client.get(reverse("search"), {"q": "reintegration"}).content.decode()
    profile = client.get(reverse("agency-detail", args=[activity.agency.slug])).content.decode()
    exported = csv_rows(client.get(reverse("activities:export", args=["csv"])))
    map_rows = csv_rows(client.get(reverse("coverage-map-csv")))
    digest = build_digest(harry, 2026, 48)
    return {
        "list": listed,
        "search": searched,
        "export": any(activity.reference in row for row in exported),
        "map csv": any(row[:1] == ["KEN"] for row in map_rows),
        "profile": activity.reference in profile or title in profile,
        "digest": title in [a.title for a in digest.others],
    }


def test_deleting_an_activity_hides_it_and_keeps_the_pairs_work(
    client, scenario, alice, bob, sam, ilo, django_capture_on_commit_callbacks
):
    mine, theirs, flag = scenario
    ilo_head = UserFactory(email="head@ilo.example", agency=ilo, role="head")
    # ILO's digest shows IOM's new work in Kenya under (d) before the delete.
    assert seen_everywhere(client, bob, mine, ilo_head) == dict.fromkeys(
        ("list", "search", "export", "map csv", "profile", "digest"), True
    )
    assert kenya() == 2
    assert eastern_africa_cell().activities == 2

    delete_activity(client, alice, mine, django_capture_on_commit_callbacks)

    withdrawn = Activity.all_objects.get(pk=mine.pk)
    assert withdrawn.deleted_at == NOW and withdrawn.deleted_by == alice
    assert not Activity.objects.filter(pk=mine.pk).exists()
    # Gone from every list, count and export (ILO's own activity still counts in Kenya).
    assert seen_everywhere(client, bob, mine, ilo_head) == {
        "list": False,
        "search": False,
        "export": False,
        "map csv": True,
        "profile": False,
        "digest": False,
    }
    assert kenya() == 1
    assert eastern_africa_cell().activities == 1
    assert not ActivityPlace.objects.filter(activity=mine).exists()
    # The overlap checks no longer pair it with anything: a full scan and a save-time check.
    with django_capture_on_commit_callbacks(execute=True):
        overlap_services.full_scan()
        overlap_services.rescore_activity(theirs.pk)
        log(ilo, bob, "ILO-2", IOM_TEXT)
    assert not OverlapFlag.objects.involving(mine).exclude(pk=flag.pk).exists()
    # The pair, the secretariat's decision and all 25 comments from two agencies survive.
    flag.refresh_from_db()
    assert flag.status == OverlapFlag.Status.COMPLEMENTARY
    assert flag.decision_note == "Both useful" and flag.decided_by == sam
    assert FlagComment.objects.filter(flag=flag).count() == 25
    assert flag.events.filter(kind=PairEvent.Kind.WITHDRAWN).count() == 1
    # ... and say in words that one side was withdrawn, on the pair page and in the CSV.
    client.force_login(bob)
    page = client.get(flag.get_absolute_url()).content.decode()
    assert "IOM’s activity was withdrawn on 27 November 2026" in page
    assert "ILO comment 11" in page and "IOM comment 12" in page
    rows = csv_rows(client.get(reverse("overlaps:flag-list"), {"status": "", "format": "csv"}))
    assert rows[0][-1] == "withdrawn" and rows[1][-1] == "IOM"
    # The review queue no longer offers an open pair of it.
    assert not OverlapFlag.objects.open().involving(mine).exists()

    # Only the secretariat still finds it, with a way back.
    assert client.get(mine.get_absolute_url()).status_code == 404
    client.force_login(sam)
    detail = client.get(mine.get_absolute_url())
    assert detail.status_code == 200
    assert "Deleted on 27 November 2026" in detail.content.decode()
    deleted_page = client.get(reverse("recently-deleted")).content.decode()
    assert mine.title in deleted_page

    response = restore_activity(client, sam, mine, django_capture_on_commit_callbacks)
    assert "was restored" in response.content.decode()
    assert Activity.objects.filter(pk=mine.pk).exists()
    assert seen_everywhere(client, bob, mine, ilo_head) == dict.fromkeys(
        ("list", "search", "export", "map csv", "profile", "digest"), True
    )
    assert kenya() == 3  # with ILO-2, logged meanwhile
    assert eastern_africa_cell().activities == 3
    # Its overlap check ran again: it is paired with ILO-2, saved while it was withdrawn.
    ilo_2 = Activity.objects.get(reference="ILO-2")
    assert OverlapFlag.objects.filter(activity_a=mine, activity_b=ilo_2).exists()
    assert flag.events.filter(kind=PairEvent.Kind.RESTORED).count() == 1
    client.force_login(bob)
    assert "was withdrawn" not in client.get(flag.get_absolute_url()).content.decode()


def test_restore_is_refused_after_thirty_days(
    client, scenario, alice, sam, django_capture_on_commit_callbacks
):
    mine, _theirs, _flag = scenario
    delete_activity(client, alice, mine, django_capture_on_commit_callbacks)
    with time_machine.travel(NOW + datetime.timedelta(days=31), tick=False):
        client.force_login(sam)
        assert mine.title not in client.get(reverse("recently-deleted")).content.decode()
        detail = client.get(mine.get_absolute_url()).content.decode()
        assert "can no longer be restored" in detail
        response = restore_activity(client, sam, mine, django_capture_on_commit_callbacks)
        assert "can no longer be restored" in response.content.decode()
        with pytest.raises(activity_services.RestoreRefused):
            activity_services.activity_restore(mine, by=sam)
    # A tombstone: the row stays, since the pair still points at it.
    assert Activity.all_objects.get(pk=mine.pk).deleted_at == NOW


@pytest.mark.parametrize("who", ["alice", "fiona", "bob", "harry"])
def test_only_the_secretariat_restores(
    client, request, scenario, alice, who, django_capture_on_commit_callbacks
):
    mine, _theirs, _flag = scenario
    delete_activity(client, alice, mine, django_capture_on_commit_callbacks)
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("activities:restore", args=[mine.pk])).status_code == 404
    assert client.get(reverse("recently-deleted")).status_code == 403
    assert client.get(mine.get_absolute_url()).status_code == 404
    assert not Activity.objects.filter(pk=mine.pk).exists()


def test_anonymous_visitors_cannot_restore(
    client, scenario, alice, django_capture_on_commit_callbacks
):
    mine, _theirs, _flag = scenario
    delete_activity(client, alice, mine, django_capture_on_commit_callbacks)
    client.logout()
    response = client.post(reverse("activities:restore", args=[mine.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("recently-deleted")).status_code == 302
    assert not Activity.objects.filter(pk=mine.pk).exists()


def test_a_withdrawn_activity_keeps_its_reference(iom, alice, sam):
    """Restoring must never make two activities with one reference: it stays taken."""
    from django.core.exceptions import ValidationError

    first = ActivityFactory(agency=iom, reference="IOM-7")
    activity_services.activity_withdraw(first, by=alice)
    with pytest.raises(ValidationError) as refused:
        activity_services.activity_create(
            agency=iom,
            by=alice,
            reference="iom-7",
            title="Twin",
            start_date=datetime.date(2026, 1, 1),
            countries=[Country.objects.get(pk="KEN")],
            priorities=[Priority.objects.get(code="d")],
        )
    assert "reference" in refused.value.message_dict
    activity_services.activity_restore(first, by=sam)
    assert Activity.objects.filter(pk=first.pk).exists()


def test_get_does_not_restore(client, scenario, alice, sam, django_capture_on_commit_callbacks):
    mine, _theirs, _flag = scenario
    delete_activity(client, alice, mine, django_capture_on_commit_callbacks)
    client.force_login(sam)
    assert client.get(reverse("activities:restore", args=[mine.pk])).status_code == 405
    assert not Activity.objects.filter(pk=mine.pk).exists()


# -- joint initiatives ------------------------------------------------------------------------


@pytest.fixture
def initiative(iom):
    made = JointInitiativeFactory(title="Joint return programme", lead_agency=iom)
    made.participating_agencies.add(iom)
    return made


def test_deleting_an_initiative_is_reversible(
    client, initiative, iom, fiona, sam, bob, django_capture_on_commit_callbacks
):
    linked = ActivityFactory(agency=iom, initiative=initiative)
    client.force_login(fiona)
    confirm = client.get(reverse("initiatives:delete", args=[initiative.pk])).content.decode()
    assert "restore it" in confirm and "30 days" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("initiatives:delete", args=[initiative.pk]), {"confirm": "on"}, follow=True
        )
    assert "The secretariat can restore it for 30 days." in response.content.decode()
    withdrawn = JointInitiative.all_objects.get(pk=initiative.pk)
    assert withdrawn.deleted_at == NOW and withdrawn.deleted_by == fiona
    linked.refresh_from_db()
    assert linked.initiative is None
    # Gone from lists and exports, 404 for everyone but the secretariat.
    client.force_login(bob)
    assert (
        initiative.title not in client.get(reverse("initiatives:initiative-list")).content.decode()
    )
    assert initiative.title not in client.get(reverse("initiatives:export")).content.decode()
    assert client.get(initiative.get_absolute_url()).status_code == 404
    assert client.post(reverse("initiatives:restore", args=[initiative.pk])).status_code == 404
    client.force_login(sam)
    assert client.get(initiative.get_absolute_url()).status_code == 200
    assert initiative.title in client.get(reverse("recently-deleted")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("initiatives:restore", args=[initiative.pk]), follow=True)
    assert "was restored" in response.content.decode()
    assert JointInitiative.objects.filter(pk=initiative.pk).exists()
    linked.refresh_from_db()
    assert linked.initiative == initiative
    kinds = list(initiative.events.values_list("kind", flat=True))
    assert kinds[-2:] == [InitiativeEvent.Kind.DELETED, InitiativeEvent.Kind.RESTORED]
    client.force_login(bob)
    assert initiative.title in client.get(reverse("initiatives:initiative-list")).content.decode()


def test_initiative_restore_is_refused_after_thirty_days(initiative, fiona, sam):
    initiative_services.initiative_withdraw(initiative, by=fiona)
    later = NOW + datetime.timedelta(days=31)
    with (
        time_machine.travel(later, tick=False),
        pytest.raises(initiative_services.RestoreRefused),
    ):
        initiative_services.initiative_restore(initiative, by=sam)
    assert JointInitiative.all_objects.get(pk=initiative.pk).deleted_at == NOW


def test_an_activity_cannot_be_removed_from_under_its_pairs(scenario):
    """The database refuses a hard delete that would take a pair with it."""
    from django.db.models import ProtectedError

    mine, _theirs, _flag = scenario
    with pytest.raises(ProtectedError):
        Activity.all_objects.filter(pk=mine.pk).delete()
