"""The home page by role: what needs attention first; a head's footprint; the secretariat's week."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from activities.models import Activity
from agencies.models import Agency
from digests.attention import DECISIONS_DUE_DAYS
from digests.models import DigestDelivery
from geo.models import Country
from initiatives.models import JointInitiative
from overlaps.models import OverlapFlag
from priorities.models import Priority

from .factories import ActivityFactory, JointInitiativeFactory, ParticipationFactory

# Friday of 2026-W48 (23 to 29 November 2026).
NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def h1_count(html):
    return len(re.findall(r"<h1[\s>]", html))


def attention_block(html):
    """The "Needs your attention" section of the page."""
    start = html.index('<section aria-labelledby="attention-heading"')
    return html[start : html.index("</section>", start)]


def flag(x, y, score=0.8, created=None, **fields):
    a, b = sorted((x, y), key=lambda activity: activity.pk)
    made = OverlapFlag.objects.create(activity_a=a, activity_b=b, score=score, **fields)
    if created:
        OverlapFlag.objects.filter(pk=made.pk).update(created_at=created)
    return made


def get(client, person):
    client.force_login(person)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert h1_count(html) == 1
    return html


def test_head_sees_what_needs_attention_first_and_the_footprint(client, harry, iom, ilo, sam):
    kenya_b = ActivityFactory(agency=iom, title="IOM survey in Kenya")
    ActivityFactory(
        agency=iom,
        title="IOM rights work",
        priorities=[Priority.objects.get(code="d")],
        countries=[Country.objects.get(pk="UGA"), Country.objects.get(pk="KEN")],
    )
    ActivityFactory(agency=iom, title="Called off", status=Activity.Status.CANCELLED)
    pair = flag(kenya_b, ActivityFactory(agency=ilo, title="ILO survey in Kenya"), score=0.87)
    confirmed = flag(
        ActivityFactory(agency=iom, title="IOM returns"),
        ActivityFactory(agency=ilo, title="ILO returns"),
        status=OverlapFlag.Status.CONFIRMED,
        decided_at=NOW - datetime.timedelta(days=2),
        decided_by=sam,
        decision_note="Same returnees.",
    )
    proposed = JointInitiativeFactory(lead_agency=ilo, title="Fair recruitment together")
    ParticipationFactory(initiative=proposed, agency=iom)

    html = get(client, harry)

    block = attention_block(html)
    assert html.index("Needs your attention") < html.index("Where IOM works")
    assert f'href="{pair.get_absolute_url()}"' in block
    assert "IOM “IOM survey in Kenya” ↔ ILO “ILO survey in Kenya”" in block
    assert f'href="{confirmed.get_absolute_url()}"' in block and "Same returnees." in block
    assert "Confirmed duplications in the last 7 days" in block
    assert f'href="{proposed.get_absolute_url()}"' in block
    # Links in the page are the portal's own, not the email's absolute ones.
    assert "http://" not in block
    footprint = html[html.index("Where IOM works") :]
    # Priorities by name with their count; the cancelled activity is not counted.
    assert re.search(r"Research, data collection and analysis \(b\)</a></th><td[^>]*>2<", footprint)
    assert re.search(r"Human and labour rights of migrants \(d\)</a></th><td[^>]*>1<", footprint)
    assert "2 countries" in footprint and "Kenya</a>" in footprint and "Uganda</a>" in footprint
    # Heads log nothing: no button for it.
    assert "Log an activity" not in html


def test_nothing_to_act_on_says_so(client, harry, iom):
    ActivityFactory(agency=iom)
    html = get(client, harry)
    assert "Nothing needs your attention." in attention_block(html)


def test_staff_keep_their_home_with_their_agencys_attention_list(client, alice, iom, ilo, bob):
    mine = ActivityFactory(agency=iom, title="Alice's survey")
    pair = flag(mine, ActivityFactory(agency=ilo, title="Bob's survey"))
    elsewhere = flag(ActivityFactory(agency=ilo), ActivityFactory())

    html = get(client, alice)

    block = attention_block(html)
    assert f'href="{pair.get_absolute_url()}"' in block
    assert f'href="{elsewhere.get_absolute_url()}"' not in block
    assert "IOM's recent activities" in html and "Alice&#x27;s survey" in html
    assert "Log an activity" in html and "Where IOM works" not in html
    # ILO's staff see ILO's side of the same pair.
    assert f'href="{pair.get_absolute_url()}"' in attention_block(get(client, bob))


def test_secretariat_sees_the_queue_decisions_due_and_the_digests_of_the_week_just_ended(
    client, sam, harry, bob, fiona, iom, ilo
):
    flag(ActivityFactory(agency=iom), ActivityFactory(agency=ilo))
    old = flag(
        ActivityFactory(agency=iom),
        ActivityFactory(agency=ilo),
        created=NOW - datetime.timedelta(days=DECISIONS_DUE_DAYS + 3),
    )
    # On Friday of 2026-W48 the digests to watch are those of W47, sent on Monday.
    for person, status in ((harry, "sent"), (bob, "failed")):
        DigestDelivery.objects.create(recipient=person, iso_year=2026, iso_week=47, status=status)
    DigestDelivery.objects.create(recipient=fiona, iso_year=2026, iso_week=46, status="sent")

    html = get(client, sam)

    assert "You work portal-wide" not in html
    assert f'href="{old.get_absolute_url()}"' in attention_block(html)
    backlog = html[html.index('id="backlog-heading"') :]
    assert "2 pairs in the queue" in backlog and "/overlaps/?status=open" in backlog
    assert f"1 pair open for more than {DECISIONS_DUE_DAYS} days" in backlog
    assert "Digests of 16–22 November 2026" in backlog
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(?:<a [^>]*>)?(\d+)", backlog))
    # Harry's is sent and Bob's failed; Fiona's is of the week before. Nobody else is due (heads
    # by default; nobody chose the digest), so nothing is pending.
    assert counts == {"Sent": "1", "Failed": "1", "Pending": "0", "Nothing to say": "0"}
    assert f'href="{reverse("digests:archive")}"' in backlog


def test_secretariat_pending_counts_due_people_not_yet_sent(client, sam, harry):
    html = get(client, sam)
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(?:<a [^>]*>)?(\d+)", html))
    assert counts["Pending"] == "1"  # Harry, a head, is due and has no digest yet


@pytest.mark.parametrize("who", ["harry", "alice", "fiona", "sam"])
def test_home_runs_a_bounded_number_of_queries(
    who, request, client, iom, ilo, sam, django_assert_max_num_queries
):
    person = request.getfixturevalue(who)
    client.force_login(person)

    def fill(n):
        for i in range(n):
            a = ActivityFactory(agency=iom, countries=[Country.objects.all()[i]])
            b = ActivityFactory(agency=ilo)
            flag(a, b, created=NOW - datetime.timedelta(days=30))
            flag(
                ActivityFactory(agency=iom),
                b,
                status=OverlapFlag.Status.CONFIRMED,
                decided_at=NOW - datetime.timedelta(days=1),
            )
            JointInitiativeFactory(lead_agency=iom, status=JointInitiative.Status.PROPOSED)

    fill(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("dashboard")).status_code == 200
    fill(20)
    with django_assert_max_num_queries(len(few)):
        html = client.get(reverse("dashboard")).content.decode()
    assert "Needs your attention" in html


@pytest.mark.parametrize("who", ["alice", "sam"])
def test_the_log_button_follows_the_agencies_at_once(who, request, client, iom, ilo):
    """Whether a person may log activities is read from the cached agencies: a change to
    an agency shows on the next page."""
    client.force_login(request.getfixturevalue(who))
    button = "Log an activity"

    def shown(url):
        response = client.get(url)
        assert response.status_code == 200
        return button in response.content.decode()

    for url in (reverse("dashboard"), reverse("activities:list")):
        assert shown(url)
    closed = [iom] if who == "alice" else list(Agency.objects.filter(is_active=True))
    for agency in closed:
        agency.is_active = False
        agency.save()
    for url in (reverse("dashboard"), reverse("activities:list")):
        assert not shown(url)
    iom.is_active = True
    iom.save()
    for url in (reverse("dashboard"), reverse("activities:list")):
        assert shown(url)
