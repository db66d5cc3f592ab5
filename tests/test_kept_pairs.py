"""The duplication queue's counts are kept in the shared cache (common.tallies, under the
pairs' and the register's versions), and change on the page as soon as a pair does, by
whichever path it changes: a decision, a scan, a check on save, an import's check, a
withdrawal."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import services as activity_services
from activities.interchange import COLUMNS, import_csv
from common.models import OutboxMessage
from initiatives import services as initiative_services
from overlaps import review, services, tasks
from overlaps.models import OverlapFlag
from priorities.models import Priority

from .factories import AgencyFactory, UserFactory
from .test_overlap_batch import _csv, _simple
from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log

pytestmark = pytest.mark.django_db

QUEUE = reverse("overlaps:flag-list")
UNRELATED = (
    "Vaccination campaign for children under five",
    "Measles and polio vaccines delivered by mobile health teams in remote districts.",
)


def queue(client, **params):
    """({tab key: count} as the tabs show them, the number of pairs the list counts)."""
    html = client.get(QUEUE, params).content.decode()
    tabs = {
        key: int(re.search(rf"{label} \((\d+)\)", html).group(1))
        for key, label in (("open", "To review"), ("joint", "Joint work"), ("decided", "Decided"))
    }
    listed = int(re.search(r"(\d+) flagged pairs?", html).group(1))
    return tabs, listed


def counts(client):
    """The tabs' counts and the default tab's (to review) list count."""
    tabs, listed = queue(client)
    return tabs["open"], tabs["decided"], listed


def test_a_queue_seen_before_counts_nothing_again(client, sam, pair):
    client.force_login(sam)
    assert counts(client) == (1, 0, 1)
    with CaptureQueriesContext(connection) as queries:
        assert counts(client) == (1, 0, 1)
    # The list's count (`__count`) and the tabs' (one COUNT ... FILTER per tab).
    counted = [q["sql"] for q in queries.captured_queries if '"__count"' in q["sql"]]
    tabs = [q["sql"] for q in queries.captured_queries if "FILTER (WHERE" in q["sql"]]
    assert not counted and not tabs


def test_a_decision_moves_the_pair_at_once(client, sam, pair):
    client.force_login(sam)
    assert counts(client) == (1, 0, 1)
    review.decide(OverlapFlag.objects.get(), by=sam, status=OverlapFlag.Status.NOT_RELATED)
    assert counts(client) == (0, 1, 0)
    assert queue(client, status="decided")[1] == 1


def test_a_scan_that_reopens_a_pair_shows_it_to_review(
    client, sam, alice, pair, django_capture_on_commit_callbacks
):
    client.force_login(sam)
    review.decide(OverlapFlag.objects.get(), by=sam, status=OverlapFlag.Status.NOT_RELATED)
    # A material change, saved without its check (the worker has not run yet)...
    with django_capture_on_commit_callbacks(execute=False):
        activity_services.activity_update(
            pair[0], by=alice, description=IOM_TEXT[1] + " Now also in Uganda."
        )
    assert counts(client) == (0, 1, 0)
    # ...then the nightly scan reopens the pair.
    assert services.full_scan()["reopened"] == 1
    assert counts(client) == (1, 0, 1)


def test_a_scan_that_adds_or_removes_a_flag_shows_at_once(
    client, sam, iom, ilo, alice, bob, django_capture_on_commit_callbacks
):
    client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=False):
        log(iom, alice, "IOM-1", IOM_TEXT)
        ilo_activity = log(ilo, bob, "ILO-1", ILO_TEXT)
    assert counts(client) == (0, 0, 0)
    assert services.full_scan()["created"] == 1
    assert counts(client) == (1, 0, 1)

    with django_capture_on_commit_callbacks(execute=False):
        activity_services.activity_update(
            ilo_activity, by=bob, title=UNRELATED[0], description=UNRELATED[1]
        )
    assert counts(client) == (1, 0, 1)
    assert services.full_scan()["removed"] == 1
    assert counts(client) == (0, 0, 0)


def test_the_check_on_save_shows_its_new_pair_at_once(
    client, sam, iom, ilo, alice, bob, django_capture_on_commit_callbacks
):
    client.force_login(sam)
    with django_capture_on_commit_callbacks(execute=True):
        log(iom, alice, "IOM-1", IOM_TEXT)
    with django_capture_on_commit_callbacks(execute=False):
        ilo_activity = log(ilo, bob, "ILO-1", ILO_TEXT)
    assert counts(client) == (0, 0, 0)
    # What the save queued (overlaps.tasks.rescore_activity), run by the worker.
    tasks.rescore_activity(ilo_activity.pk)
    assert counts(client) == (1, 0, 1)


def test_an_imports_check_shows_its_new_pairs_at_once(client, sam, iom, ilo):
    client.force_login(sam)
    rows = [_simple("IOM-1", "IOM"), _simple("ILO-1", "ILO")]
    assert set(rows[0]) == set(COLUMNS)
    import_csv(io.BytesIO(_csv(rows).encode()))
    assert counts(client) == (0, 0, 0)
    (message,) = OutboxMessage.objects.filter(task="overlaps.tasks.rescore_activities")
    tasks.rescore_activities(*message.args)
    assert counts(client) == (1, 0, 1)


def test_withdrawing_an_activity_of_a_pair_takes_it_off_the_queue_at_once(client, sam, alice, pair):
    client.force_login(sam)
    assert counts(client) == (1, 0, 1)
    activity_services.activity_withdraw(pair[0], by=alice)
    assert counts(client) == (0, 0, 0)
    activity_services.activity_restore(pair[0], by=alice)
    assert counts(client) == (1, 0, 1)


def test_another_agencys_people_never_see_the_secretariats_count(client, sam, pair):
    """Who may see which pairs is in the kept count's key."""
    client.force_login(sam)
    assert counts(client) == (1, 0, 1)
    client.force_login(UserFactory(agency=AgencyFactory(acronym="ZZTEST")))
    assert counts(client) == (0, 0, 0)
    client.force_login(sam)
    assert counts(client) == (1, 0, 1)


# -- the agency profile's "works with" ------------------------------------------------------


def works_with(client, agency):
    response = client.get(reverse("agency-detail", args=[agency.slug]))
    return [
        (a.acronym, a.partner_count, a.initiative_count, a.pair_count)
        for a in response.context["works_with"]
    ]


def test_works_with_follows_a_decision_at_once(client, sam, iom, pair):
    client.force_login(sam)
    assert works_with(client, iom) == []
    flag = OverlapFlag.objects.get()
    review.decide(flag, by=sam, status=OverlapFlag.Status.CONFIRMED)
    assert works_with(client, iom) == [("ILO", 0, 0, 1)]
    review.decide(flag, by=sam, status=OverlapFlag.Status.NOT_RELATED)
    assert works_with(client, iom) == []


def test_works_with_follows_a_withdrawal_at_once(client, sam, alice, iom, pair):
    client.force_login(sam)
    review.decide(OverlapFlag.objects.get(), by=sam, status=OverlapFlag.Status.CONFIRMED)
    assert works_with(client, iom) == [("ILO", 0, 0, 1)]
    activity_services.activity_withdraw(pair[0], by=alice)
    assert works_with(client, iom) == []


def test_works_with_follows_partners_and_initiatives_at_once(
    client, sam, alice, bob, iom, ilo, pair
):
    client.force_login(sam)
    assert works_with(client, iom) == []
    activity_services.activity_update(pair[0], by=alice, partners=[ilo])
    assert works_with(client, iom) == [("ILO", 1, 0, 0)]
    made = initiative_services.initiative_create(
        title="Return corridors",
        lead_agency=iom,
        priorities=[Priority.objects.get(code="d")],
        invited_agencies=[ilo],
        by=alice,
    )
    assert works_with(client, iom) == [("ILO", 1, 0, 0)]  # invited, not yet taking part
    invitation = made.participations.get(agency=ilo)
    initiative_services.participation_answer(invitation, accept=True, by=bob)
    assert works_with(client, iom) == [("ILO", 1, 1, 0)]
