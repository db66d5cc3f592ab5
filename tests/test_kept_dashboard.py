"""The home page keeps what it reads from the register and the overlap pairs (common.tallies):
the lists of pairs in "Needs your attention" under the pairs', the register's and the
reference lists' versions and the minute; a head's footprint under the register's; the
rendered activity lists ({% cache %}) under the register's and the reference lists'
versions, their query and the language. A home page seen before reads none of it again,
yet every change, by whichever service makes it, shows on the next page.

Each test first looks at the page, so that what it checks afterwards would come from the
cache if the key did not change.
"""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import services as activity_services
from activities.models import Activity
from agencies.models import Role
from digests.attention import DECISIONS_DUE_DAYS
from geo.models import Country
from overlaps import review, tasks
from overlaps.models import OverlapFlag

from .factories import ActivityFactory, UserFactory
from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log

pytestmark = pytest.mark.django_db

HOME = reverse("dashboard")
# A Friday noon and a half-minute: the kept pair lists are made for the minute.
NOW = datetime.datetime(2026, 11, 27, 12, 0, 30, tzinfo=datetime.UTC)


def home(client):
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def section(html, heading_id):
    """The section labelled by `heading_id`, up to its end."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def attention(client):
    return section(home(client), "attention-heading")


def latest(client):
    """The titles in "Latest across agencies", in order."""
    table = section(home(client), "latest-heading")
    return re.findall(r'<td class="card-title"><a [^>]*>([^<]+)</a>', table)


def mine(client):
    """The titles in "<agency>'s recent activities", in order."""
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', section(home(client), "mine-heading"))


def footprint(client):
    """{priority code: count} of a head's "Where <agency> works"."""
    block = section(home(client), "footprint-heading")
    return {code: int(n) for code, n in re.findall(r"\((\w)\)</a></th><td[^>]*>(\d+)<", block)}


def pair_url():
    return f'href="{OverlapFlag.objects.get().get_absolute_url()}"'


# -- a page seen before --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "harry", "sam"])
def test_a_home_seen_before_reads_no_pair_nor_activity(who, request, client, pair):
    client.force_login(request.getfixturevalue(who))
    first = home(client)
    with CaptureQueriesContext(connection) as queries:
        again = home(client)
    assert pair_url() in section(first, "attention-heading")
    assert section(again, "attention-heading") == section(first, "attention-heading")
    touched = [
        q["sql"]
        for q in queries.captured_queries
        if "overlaps_overlapflag" in q["sql"] or "activities_activity" in q["sql"]
    ]
    assert touched == []


# -- the pairs, changed by each path that changes them ---------------------------------------


def test_a_decision_shows_at_once(client, alice, sam, pair):
    client.force_login(alice)
    block = attention(client)
    assert "Pairs to review" in block and pair_url() in block
    review.decide(
        OverlapFlag.objects.get(), by=sam, status=OverlapFlag.Status.CONFIRMED, note="Same work."
    )
    block = attention(client)
    assert "Pairs to review" not in block
    assert "Confirmed duplications in the last 7 days" in block and "Same work." in block


def test_the_check_on_save_shows_its_new_pair_at_once(
    client, alice, iom, ilo, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log(iom, alice, "IOM-1", IOM_TEXT)
    with django_capture_on_commit_callbacks(execute=False):
        ilo_activity = log(ilo, bob, "ILO-1", ILO_TEXT)
    client.force_login(alice)
    assert "Pairs to review" not in attention(client)
    # What the save queued (overlaps.tasks.rescore_activity), run by the worker: through
    # overlaps.services.sync_flags, as every scan and check writes the flags.
    tasks.rescore_activity(ilo_activity.pk)
    assert pair_url() in attention(client)


def test_a_withdrawal_and_a_restore_show_at_once(client, alice, bob, sam, pair):
    client.force_login(alice)
    assert pair_url() in attention(client)
    activity_services.activity_withdraw(pair[1], by=bob)
    assert pair_url() not in attention(client)
    activity_services.activity_restore(Activity.all_objects.get(pk=pair[1].pk), by=sam)
    assert pair_url() in attention(client)


def test_a_pair_deleted_in_the_admin_leaves_at_once(client, alice, pair):
    admin = UserFactory(agency=None, role=Role.SECRETARIAT, is_staff=True, is_superuser=True)
    client.force_login(alice)
    assert pair_url() in attention(client)
    flag = OverlapFlag.objects.get()
    client.force_login(admin)
    response = client.post(
        reverse("admin:overlaps_overlapflag_delete", args=[flag.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not OverlapFlag.objects.exists()
    client.force_login(alice)
    assert "Pairs to review" not in attention(client)


def test_an_edit_shows_in_every_list_at_once(client, alice, pair):
    client.force_login(alice)
    assert IOM_TEXT[0] in latest(client) and IOM_TEXT[0] in mine(client)
    activity_services.activity_update(pair[0], by=alice, title="Returns to Kenya, revised")
    assert "IOM “Returns to Kenya, revised”" in attention(client)
    assert "Returns to Kenya, revised" in latest(client)
    assert mine(client) == ["Returns to Kenya, revised"]


def test_a_renamed_agency_shows_at_once(client, alice, iom, pair):
    client.force_login(alice)
    assert "IOM “" in attention(client)
    table = section(home(client), "latest-heading")
    assert '<td data-label="Agency">IOM</td>' in table
    iom.acronym = "IOM-UN"
    iom.save()  # as the admin saves it
    assert "IOM-UN “" in attention(client)
    assert '<td data-label="Agency">IOM-UN</td>' in section(home(client), "latest-heading")


# -- time: the lists are kept for the minute, computed as of its start -----------------------


def seen_at(client, person, moment, read):
    """`read(client)` at `moment`, signed in then (a session lasts hours, not days)."""
    with time_machine.travel(moment, tick=False):
        client.force_login(person)
        return read(client)


def test_a_decision_leaves_the_last_seven_days_with_the_minute(client, alice, sam, pair):
    flag = OverlapFlag.objects.get()
    with time_machine.travel(NOW, tick=False):
        review.decide(flag, by=sam, status=OverlapFlag.Status.CONFIRMED, note="Same work.")
    week = datetime.timedelta(days=7)
    minute = datetime.timedelta(minutes=1)
    assert "Same work." in seen_at(client, alice, NOW + week - minute, attention)
    # 12:00:30 seven days on is counted as of 12:00:00: decided at 12:00:30, still in.
    assert "Same work." in seen_at(client, alice, NOW + week, attention)
    assert "Same work." not in seen_at(client, alice, NOW + week + minute, attention)


def test_an_open_pair_becomes_a_decision_due_with_the_minute(client, sam, pair):
    OverlapFlag.objects.update(created_at=NOW)
    due = datetime.timedelta(days=DECISIONS_DUE_DAYS)

    def backlog(client):
        return section(home(client), "backlog-heading")

    days = f"open for more than {DECISIONS_DUE_DAYS} days"
    assert f"0 pairs {days}" in seen_at(client, sam, NOW + due, backlog)
    later = NOW + due + datetime.timedelta(minutes=1)
    assert f"1 pair {days}" in seen_at(client, sam, later, backlog)
    assert "Decisions due" in seen_at(client, sam, later, attention)


# -- the activity lists ----------------------------------------------------------------------


def test_a_new_activity_and_a_withdrawal_show_in_the_lists_at_once(client, alice, iom, pair):
    client.force_login(alice)
    assert mine(client) == [IOM_TEXT[0]]
    added = log(iom, alice, "IOM-2", ("Labour mobility in Kenya", "Skills and jobs."))
    assert mine(client) == ["Labour mobility in Kenya", IOM_TEXT[0]]
    assert latest(client)[0] == "Labour mobility in Kenya"
    activity_services.activity_withdraw(added, by=alice)
    assert mine(client) == [IOM_TEXT[0]]
    assert "Labour mobility in Kenya" not in latest(client)


def test_a_renamed_country_shows_in_the_latest_at_once(client, alice, pair):
    client.force_login(alice)
    assert "Kenya</td>" in section(home(client), "latest-heading")
    kenya = Country.objects.get(pk="KEN")
    kenya.name = "Republic of Kenya"
    kenya.save()
    assert "Republic of Kenya</td>" in section(home(client), "latest-heading")


def test_people_of_other_agencies_never_share_the_recent_list(client, alice, bob, pair):
    client.force_login(alice)
    assert mine(client) == [IOM_TEXT[0]]
    client.force_login(bob)
    assert mine(client) == [ILO_TEXT[0]]


def test_people_who_see_different_rows_never_share_the_latest(
    client, alice, bob, iom, ilo, own_agency_only
):
    """Everyone signed in reads every activity today; the gate (`visible_to`) is where a
    narrower rule would go, and the kept list must follow it without another change."""
    ActivityFactory(agency=iom, reference="IOM-1", title="IOM's own")
    ActivityFactory(agency=ilo, reference="ILO-1", title="ILO's own")
    client.force_login(alice)
    assert latest(client) == ["IOM&#x27;s own"]
    client.force_login(bob)
    assert latest(client) == ["ILO&#x27;s own"]


# -- a head's footprint ----------------------------------------------------------------------


def test_the_footprint_follows_the_register_at_once(client, harry, alice, sam, iom, pair):
    client.force_login(harry)
    assert footprint(client) == {"d": 1}
    added = log(iom, alice, "IOM-2", ("Labour mobility in Kenya", "Skills and jobs."))
    assert footprint(client) == {"d": 2}
    activity_services.activity_update(added, by=alice, status=Activity.Status.CANCELLED)
    assert footprint(client) == {"d": 1}
    activity_services.activity_withdraw(pair[0], by=alice)
    assert footprint(client) == {}
    activity_services.activity_restore(Activity.all_objects.get(pk=pair[0].pk), by=sam)
    assert footprint(client) == {"d": 1}
