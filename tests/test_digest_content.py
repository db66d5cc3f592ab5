"""What the weekly digest says, built without sending: sections, links and a fixed query count."""

import datetime

import pytest
import time_machine
from django.conf import settings

from activities.models import Activity
from agencies.models import Role
from digests import tokens
from digests.content import CAP, build_digest
from digests.week import bounds
from geo.models import Country, Region
from initiatives.models import JointInitiative
from overlaps.models import OverlapFlag
from priorities.models import Priority

from .factories import ActivityFactory, AgencyFactory, JointInitiativeFactory, UserFactory

# Friday of 2026-W48 (23 to 29 November 2026).
NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)
YEAR, WEEK = 2026, 48
LONG_AGO = datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def age(activity, when=LONG_AGO, created=None):
    """Move an activity's timestamps into the past (the model sets them to now)."""
    Activity.objects.filter(pk=activity.pk).update(created_at=created or when, updated_at=when)
    activity.refresh_from_db()
    return activity


def priority(code):
    return Priority.objects.get(code=code)


def country(iso3):
    return Country.objects.get(pk=iso3)


def make_flag(x, y, score=0.8, **fields):
    a, b = sorted((x, y), key=lambda activity: activity.pk)
    return OverlapFlag.objects.create(activity_a=a, activity_b=b, score=score, **fields)


@pytest.fixture
def iom_base(iom):
    """IOM works under (b) in Kenya since long ago: that is its footprint."""
    return age(ActivityFactory(agency=iom, title="IOM Kenya labour mobility"))


def titles(items):
    return [a.title for a in items]


def test_other_agencys_activity_in_shared_country_and_priority_appears(harry, ilo, iom_base):
    shared = ActivityFactory(agency=ilo, title="ILO survey in Kenya")
    elsewhere = ActivityFactory(
        agency=ilo, title="ILO survey in France", countries=[country("FRA")]
    )
    other_priority = ActivityFactory(agency=ilo, title="ILO under (c)", priorities=[priority("c")])
    by_region = ActivityFactory(agency=ilo, title="ILO across Eastern Africa", countries=[])
    by_region.regions.set([Region.objects.get(name="Eastern Africa")])
    old = age(ActivityFactory(agency=ilo, title="ILO old Kenya work"))

    digest = build_digest(harry, YEAR, WEEK)

    assert shared.title in titles(digest.others)
    assert by_region.title in titles(digest.others)
    for absent in (elsewhere, other_priority, old, iom_base):
        assert absent.title not in titles(digest.others)


def test_cancelled_activities_do_not_make_a_footprint(harry, iom, ilo):
    age(ActivityFactory(agency=iom, status=Activity.Status.CANCELLED))
    ActivityFactory(agency=ilo, title="ILO survey in Kenya")
    assert build_digest(harry, YEAR, WEEK).others == []


def test_own_new_and_changed_activities(harry, iom, iom_base):
    new = ActivityFactory(agency=iom, title="IOM new this week")
    changed = age(ActivityFactory(agency=iom, title="IOM changed this week"))
    Activity.objects.filter(pk=changed.pk).update(updated_at=NOW - datetime.timedelta(days=1))

    digest = build_digest(harry, YEAR, WEEK)

    assert set(titles(digest.own)) == {new.title, changed.title}
    notes = {
        item["title"]: item["note"] for s in digest.context()["sections"] for item in s["items"]
    }
    assert notes[new.title] == "New"
    assert notes[changed.title] == "Changed"


def test_open_flag_and_this_weeks_decision_appear(harry, sam, iom, ilo, iom_base):
    other = age(ActivityFactory(agency=ilo))
    open_flag = make_flag(iom_base, other)
    decided_iom = age(ActivityFactory(agency=iom))
    decided = make_flag(
        decided_iom,
        age(ActivityFactory(agency=ilo)),
        status=OverlapFlag.Status.COMPLEMENTARY,
        decided_at=NOW - datetime.timedelta(days=2),
        decided_by=sam,
        decision_note="Different target groups.",
    )
    last_month = make_flag(
        age(ActivityFactory(agency=iom)),
        age(ActivityFactory(agency=ilo)),
        status=OverlapFlag.Status.NOT_RELATED,
        decided_at=LONG_AGO,
    )
    unrelated = make_flag(age(ActivityFactory(agency=ilo)), age(ActivityFactory()))

    digest = build_digest(harry, YEAR, WEEK)

    assert digest.open_flags == [open_flag]
    assert digest.decisions == [decided]
    assert unrelated not in digest.open_flags and last_month not in digest.decisions
    decision_section = next(s for s in digest.context()["sections"] if s["key"] == "decisions")
    assert "Different target groups." in decision_section["items"][0]["note"]


def test_initiative_status_change_and_milestones(harry, iom, ilo):
    changed = JointInitiativeFactory(
        lead_agency=ilo, title="Fair recruitment", status=JointInitiative.Status.ACTIVE
    )
    changed.participating_agencies.set([iom])
    milestone = JointInitiativeFactory(
        lead_agency=iom, title="Returns study", end_date=datetime.date(2026, 12, 15)
    )
    JointInitiative.objects.filter(pk=milestone.pk).update(updated_at=LONG_AGO)
    not_ours = JointInitiativeFactory(lead_agency=ilo, title="Not ours")
    quiet = JointInitiativeFactory(lead_agency=iom, title="Quiet one")
    JointInitiative.objects.filter(pk=quiet.pk).update(updated_at=LONG_AGO)

    digest = build_digest(harry, YEAR, WEEK)

    notes = {initiative.title: note for initiative, note in digest.initiatives}
    assert set(notes) == {"Fair recruitment", "Returns study"}
    assert "Active" in notes["Fair recruitment"]
    assert "15 December 2026" in notes["Returns study"]
    assert not_ours.title not in notes


def test_nudges_ending_soon_and_stale(harry, iom):
    ending = age(
        ActivityFactory(agency=iom, title="Ends soon", end_date=datetime.date(2026, 12, 10))
    )
    later = age(ActivityFactory(agency=iom, title="Ends later", end_date=datetime.date(2027, 6, 1)))
    stale = age(
        ActivityFactory(agency=iom, title="Forgotten"), when=NOW - datetime.timedelta(days=200)
    )
    done = age(
        ActivityFactory(agency=iom, title="Done long ago", status=Activity.Status.COMPLETED),
        when=NOW - datetime.timedelta(days=400),
    )

    digest = build_digest(harry, YEAR, WEEK)

    assert titles(digest.ending_soon) == [ending.title]
    assert titles(digest.stale) == [stale.title]
    assert later.title not in titles(digest.ending_soon) + titles(digest.stale)
    assert done.title not in titles(digest.stale)
    assert not digest.is_empty


def test_gaps_line_names_priorities_missing_in_the_sub_regions(harry, iom, ilo, iom_base):
    # (b) is covered in Kenya by IOM itself; (c) by an ILO activity in Uganda.
    ActivityFactory(agency=ilo, priorities=[priority("c")], countries=[country("UGA")])
    # (d) only in France: still a gap for sub-Saharan Africa.
    ActivityFactory(agency=ilo, priorities=[priority("d")], countries=[country("FRA")])

    digest = build_digest(harry, YEAR, WEEK)

    codes = [p.code for p in digest.gaps]
    assert "b" not in codes and "c" not in codes
    assert "a" in codes and "d" in codes
    # M49: Kenya's sub-region is Sub-Saharan Africa (Eastern Africa is an intermediate region).
    assert [r.name for r in digest.gap_regions] == ["Sub-Saharan Africa"]
    line = digest.context()["gaps_line"]
    assert "Sub-Saharan Africa" in line and "(d)" in line


def test_a_world_activity_fills_every_gap_for_its_priority(harry, iom, ilo, iom_base):
    world = ActivityFactory(agency=ilo, priorities=[priority("a")], countries=[])
    world.regions.set([Region.objects.get(code="001")])
    assert "a" not in [p.code for p in build_digest(harry, YEAR, WEEK).gaps]


def test_gap_line_alone_is_empty(harry, iom_base):
    digest = build_digest(harry, YEAR, WEEK)
    assert digest.gaps  # there is something to say about gaps...
    assert digest.is_empty  # ...but not enough for an email


def test_agency_with_nothing_is_empty(db):
    head = UserFactory(agency=AgencyFactory(), role=Role.HEAD)
    ActivityFactory(title="Someone else's work")
    digest = build_digest(head, YEAR, WEEK)
    assert digest.is_empty
    assert digest.others == digest.own == digest.gaps == []


def test_secretariat_gets_the_portal_wide_version(sam, iom, ilo, iom_base):
    mine = ActivityFactory(agency=iom, title="IOM new")
    theirs = ActivityFactory(agency=ilo, title="ILO in France", countries=[country("FRA")])
    flag = make_flag(mine, theirs)
    initiative = JointInitiativeFactory(lead_agency=ilo, title="Changed initiative")
    quiet = JointInitiativeFactory(lead_agency=ilo, title="Quiet")
    JointInitiative.objects.filter(pk=quiet.pk).update(updated_at=LONG_AGO)

    digest = build_digest(sam, YEAR, WEEK)

    assert digest.agency is None
    assert set(titles(digest.others)) == {mine.title, theirs.title}
    assert digest.open_flags == [flag]
    assert [i for i, _note in digest.initiatives] == [initiative]
    assert digest.own == digest.ending_soon == digest.stale == digest.gaps == []
    assert "across the portal" in _render(digest)[0]


def test_context_links_are_absolute(harry, ilo, iom_base):
    shared = ActivityFactory(agency=ilo, title="ILO survey in Kenya")
    context = build_digest(harry, YEAR, WEEK).context()
    site = settings.SITE_URL
    item = context["sections"][0]["items"][0]
    assert item["url"] == f"{site}{shared.get_absolute_url()}"
    assert context["profile_url"] == f"{site}/digests/preferences/"
    token = context["unsubscribe_url"].removeprefix(f"{site}/digests/unsubscribe/").rstrip("/")
    assert tokens.read(token) == harry.pk
    for section in context["sections"]:
        assert section["more_url"].startswith(site)
        for entry in section["items"]:
            assert entry["url"].startswith(site + "/")


def _render(digest):
    from common import emails

    return emails.render("digest", digest.context())


def test_rendered_email_is_inline_styled_with_a_footer(harry, ilo, iom_base):
    ActivityFactory(agency=ilo, title="ILO survey <Kenya> & more")
    digest = build_digest(harry, YEAR, WEEK)
    subject, text, html = _render(digest)
    assert "2026-W48" in subject and "IOM" in subject and "\n" not in subject
    assert "<style" not in html and "<img" not in html and "<link" not in html
    assert "ILO survey &lt;Kenya&gt; &amp; more" in html
    assert "ILO survey <Kenya> & more" in text
    context = digest.context()
    for body in (text, html):
        assert "Why you get this" in body
        assert context["unsubscribe_url"] in body and context["profile_url"] in body
    assert 'style="display:none' in html  # the preheader


def test_lists_are_capped_with_a_count_of_the_rest(harry, iom):
    for n in range(CAP + 3):
        ActivityFactory(agency=iom, title=f"IOM new {n}")
    digest = build_digest(harry, YEAR, WEEK)
    assert len(digest.own) == CAP
    assert digest.total("own") == CAP + 3 and digest.more("own") == 3
    section = next(s for s in digest.context()["sections"] if s["key"] == "own")
    assert section["more"] == 3 and "agency=iom" in section["more_url"]
    assert "+3 more" in _render(digest)[2]


def _populate(iom, ilo, sam, size):
    """`size` of everything a head's digest shows, for both agencies."""
    unhcr_like = AgencyFactory()
    start, _end = bounds(YEAR, WEEK)
    for n in range(size):
        own_new = ActivityFactory(agency=iom, priorities=[priority("b"), priority("c")])
        other = ActivityFactory(agency=ilo, countries=[country("KEN"), country("UGA")])
        third = ActivityFactory(agency=unhcr_like)
        third.regions.set([Region.objects.get(name="Eastern Africa")])
        make_flag(own_new, other)
        make_flag(
            age(ActivityFactory(agency=iom)),
            age(ActivityFactory(agency=ilo)),
            status=OverlapFlag.Status.CONFIRMED,
            decided_at=start + datetime.timedelta(hours=n + 1),
            decided_by=sam,
        )
        age(ActivityFactory(agency=iom, end_date=datetime.date(2026, 12, 10)))
        age(ActivityFactory(agency=iom), when=NOW - datetime.timedelta(days=300))
        initiative = JointInitiativeFactory(lead_agency=ilo, end_date=datetime.date(2026, 12, 20))
        initiative.participating_agencies.set([iom])


@pytest.mark.parametrize("who", ["harry", "sam"])
def test_fixed_number_of_queries_whatever_the_size(
    who, request, iom, ilo, sam, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    user = type(user).objects.select_related("agency").get(pk=user.pk)

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            digest = build_digest(user, YEAR, WEEK)
        return len(queries), digest

    _populate(iom, ilo, sam, 2)
    small, digest = count()
    assert not digest.is_empty
    _populate(iom, ilo, sam, 30)  # past CAP in every list
    with django_assert_num_queries(small):
        digest = build_digest(user, YEAR, WEEK)
    assert len(digest.open_flags) == CAP and digest.more("open_flags") > 0
    # Rendering reads only what was fetched.
    with django_assert_num_queries(0):
        _render(digest)
