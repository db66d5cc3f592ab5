"""What the weekly digest says, built without sending: its blocks, links and a fixed query count.

The digest is for a busy head of agency: what needs attention first, then a few pieces of other
agencies' work ranked by relevance, then one line each for its own activities and the gaps.
"""

import datetime

import pytest
import time_machine
from django.conf import settings

from activities import coverage
from activities.models import Activity
from activities.services import activity_update
from agencies.models import PairNotifications, Role
from digests import tokens
from digests.attention import ATTENTION_CAP
from digests.content import FINISHED_DAYS, OTHERS_CAP, build_digest
from digests.week import bounds
from geo.models import Country, Region
from initiatives.models import JointInitiative
from overlaps import review
from overlaps.models import OverlapFlag
from priorities.models import Priority

from .factories import (
    ActivityFactory,
    AgencyFactory,
    JointInitiativeFactory,
    ParticipationFactory,
    UserFactory,
    refreshed,
)

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
    refreshed(by_region)
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


def _render(digest):
    from common import emails

    return emails.render("digest", digest.context())


def words(text):
    """As benchmarks/digests.py counts them: runs with a letter or digit (a link is one)."""
    return len([w for w in text.split() if any(c.isalnum() for c in w)])


# -- other agencies' work, ranked --------------------------------------------------------


def test_other_agencies_work_is_ranked_by_relevance(harry, iom, ilo, iom_base):
    # IOM works under (b) and (c) in Kenya and Uganda.
    age(ActivityFactory(agency=iom, priorities=[priority("c")], countries=[country("UGA")]))
    one_shared = ActivityFactory(agency=ilo, title="Shares one priority and one country")
    Activity.objects.filter(pk=one_shared.pk).update(updated_at=NOW)  # the most recent
    more_shared = ActivityFactory(
        agency=ilo,
        title="Shares two priorities and two countries",
        priorities=[priority("b"), priority("c")],
        countries=[country("KEN"), country("UGA")],
    )
    like_ours = ActivityFactory(agency=ilo, title="Flagged as like IOM's own work")
    make_flag(iom_base, like_ours, score=0.9)
    dismissed = ActivityFactory(agency=ilo, title="Flag judged not related")
    make_flag(
        iom_base, dismissed, score=0.95, status=OverlapFlag.Status.NOT_RELATED, decided_at=LONG_AGO
    )
    Activity.objects.filter(pk=dismissed.pk).update(updated_at=NOW - datetime.timedelta(days=1))

    digest = build_digest(harry, YEAR, WEEK)

    assert titles(digest.others) == [
        like_ours.title,
        more_shared.title,
        # A pair judged not related adds nothing: it ties with the other, the newer first.
        one_shared.title,
        dismissed.title,
    ]
    notes = {i["title"]: i["note"] for s in digest.context()["sections"] for i in s["items"]}
    assert notes[like_ours.title] == "90% like yours"


def test_other_agencies_work_is_capped_with_a_count_of_the_rest(harry, ilo, iom_base):
    for n in range(OTHERS_CAP + 3):
        ActivityFactory(agency=ilo, title=f"ILO work {n}")
    digest = build_digest(harry, YEAR, WEEK)
    assert len(digest.others) == OTHERS_CAP
    assert digest.total("others") == OTHERS_CAP + 3 and digest.more("others") == 3
    section = next(s for s in digest.context()["sections"] if s["key"] == "others")
    assert section["more"] == 3
    subject, text, html = _render(digest)
    assert "+3 more" in text and "+3 more" in html


def test_cancelled_and_long_finished_work_is_left_out(harry, ilo, iom_base):
    cancelled = ActivityFactory(agency=ilo, title="Cancelled", status=Activity.Status.CANCELLED)
    long_done = ActivityFactory(
        agency=ilo,
        title="Ended long ago",
        status=Activity.Status.COMPLETED,
        start_date=datetime.date(2025, 1, 1),
        end_date=NOW.date() - datetime.timedelta(days=FINISHED_DAYS + 1),
    )
    just_done = ActivityFactory(
        agency=ilo,
        title="Ended last month",
        status=Activity.Status.COMPLETED,
        end_date=NOW.date() - datetime.timedelta(days=30),
    )
    open_ended = ActivityFactory(agency=ilo, title="No end date", end_date=None)

    shown = titles(build_digest(harry, YEAR, WEEK).others)

    assert cancelled.title not in shown and long_done.title not in shown
    assert just_done.title in shown and open_ended.title in shown


def test_priorities_are_named_not_lettered(harry, ilo, iom_base):
    ActivityFactory(agency=ilo, title="ILO survey in Kenya")
    item = build_digest(harry, YEAR, WEEK).context()["sections"][0]["items"][0]
    assert item["meta"] == "ILO · Ongoing · Kenya · Research, data collection and analysis (b)"


def test_an_item_names_one_shared_priority_and_counts_the_others(harry, iom, ilo, iom_base):
    age(ActivityFactory(agency=iom, priorities=[priority("c")]))  # IOM: (b) and (c)
    ActivityFactory(
        agency=ilo,
        title="ILO under (b), (c) and (d)",
        priorities=[priority("b"), priority("c"), priority("d")],
    )
    item = build_digest(harry, YEAR, WEEK).context()["sections"][0]["items"][0]
    # (d) is not IOM's: it says nothing about why the item is here.
    assert item["meta"].endswith(" · Research, data collection and analysis (b); 1 more")


# -- the agency's own activities, ending soon and stale: one line ------------------------


def test_own_activities_are_counted_in_one_line(harry, iom):
    ActivityFactory(agency=iom, title="IOM new this week")
    changed = age(ActivityFactory(agency=iom, title="IOM changed this week"))
    Activity.objects.filter(pk=changed.pk).update(updated_at=NOW - datetime.timedelta(days=1))
    age(ActivityFactory(agency=iom, title="Ends soon", end_date=datetime.date(2026, 12, 10)))
    age(ActivityFactory(agency=iom, title="Ends later", end_date=datetime.date(2027, 6, 1)))
    age(ActivityFactory(agency=iom, title="Forgotten"), when=NOW - datetime.timedelta(days=200))
    age(
        ActivityFactory(agency=iom, title="Done long ago", status=Activity.Status.COMPLETED),
        when=NOW - datetime.timedelta(days=400),
    )

    digest = build_digest(harry, YEAR, WEEK)

    assert digest.own == {"changed": 2, "ending_soon": 1, "stale": 1}
    assert not digest.is_empty
    lines = [line["text"] for line in digest.context()["own_lines"]]
    assert lines == [
        "2 activities new or changed that week",
        "1 ends within 30 days",
        "1 not updated for six months",
    ]
    subject, text, html = _render(digest)
    assert "IOM new this week" not in text  # counted, not listed
    assert "IOM's own activities" in text and "2 activities new or changed" in html


# -- needs your attention ----------------------------------------------------------------


def test_attention_comes_first_with_the_confirmed_duplication(harry, sam, iom, ilo, iom_base):
    # Plenty of other agencies' work, as in a real week.
    for n in range(OTHERS_CAP + 2):
        ActivityFactory(agency=ilo, title=f"ILO survey {n}")
    confirmed = make_flag(
        age(ActivityFactory(agency=iom, title="IOM returns study")),
        age(ActivityFactory(agency=ilo, title="ILO returns study")),
        status=OverlapFlag.Status.CONFIRMED,
        decided_at=NOW - datetime.timedelta(days=1),
        decided_by=sam,
        decision_note="Same returnees, same counties.",
    )

    digest = build_digest(harry, YEAR, WEEK)
    assert digest.attention.confirmed == [confirmed]
    subject, text, html = _render(digest)

    for body in (text, html):
        attention = body.index("Needs your attention")
        assert attention < body.index("Confirmed duplications that week")
        assert body.index("IOM “IOM returns study” ↔ ILO “ILO returns study”") < body.index(
            "Other agencies"
        )
        assert attention < body.index(digest.others[0].title)
    assert f"{settings.SITE_URL}{confirmed.get_absolute_url()}" in text
    assert "Same returnees, same counties." in text


def test_open_pairs_show_the_top_few_and_a_count(harry, iom, ilo, iom_base):
    flags = [
        make_flag(iom_base, age(ActivityFactory(agency=ilo)), score=0.5 + n / 100)
        for n in range(ATTENTION_CAP + 2)
    ]
    digest = build_digest(harry, YEAR, WEEK)
    group = next(g for g in digest.context()["attention"] if g["key"] == "open_pairs")
    top = sorted(flags, key=lambda f: -f.score)[:ATTENTION_CAP]
    assert [item["url"].removeprefix(settings.SITE_URL) for item in group["items"]] == [
        f.get_absolute_url() for f in top
    ]
    assert group["total"] == ATTENTION_CAP + 2
    assert "status=open" in group["more_url"] and "agency=iom" in group["more_url"]
    assert f"All {ATTENTION_CAP + 2}:" in _render(digest)[1]


def test_decisions_and_proposed_initiatives_need_attention(harry, sam, iom, ilo, iom_base):
    other = age(ActivityFactory(agency=ilo))
    decided = make_flag(
        age(ActivityFactory(agency=iom)),
        age(ActivityFactory(agency=ilo)),
        status=OverlapFlag.Status.COMPLEMENTARY,
        decided_at=NOW - datetime.timedelta(days=2),
        decided_by=sam,
        decision_note="Different target groups.",
    )
    make_flag(
        age(ActivityFactory(agency=iom)),
        age(ActivityFactory(agency=ilo)),
        status=OverlapFlag.Status.NOT_RELATED,
        decided_at=LONG_AGO,
    )
    make_flag(age(ActivityFactory(agency=ilo)), age(ActivityFactory()))  # not IOM's
    open_flag = make_flag(iom_base, other)
    proposed = JointInitiativeFactory(lead_agency=ilo, title="Fair recruitment")
    ParticipationFactory(initiative=proposed, agency=iom)

    digest = build_digest(harry, YEAR, WEEK)

    assert digest.attention.decisions == [decided]
    assert digest.attention.open_pairs == [open_flag]
    assert digest.attention.initiatives == [proposed]
    groups = {g["key"]: g for g in digest.context()["attention"]}
    assert list(groups) == ["open_pairs", "initiatives", "decisions"]
    # Nothing to act on in a complementary pair: a count and a link, not a list.
    assert groups["decisions"]["line"] == (
        "Also decided that week: 1 pair complementary or not related."
    )
    assert groups["decisions"]["items"] == []
    assert groups["initiatives"]["items"][0]["meta"] == "Led by ILO"
    assert groups["initiatives"]["more_url"].endswith("/initiatives/")
    # A proposed initiative is not listed a second time among the initiatives' news.
    assert digest.initiatives == []


def test_initiative_news_and_milestones(harry, iom, ilo):
    changed = JointInitiativeFactory(
        lead_agency=ilo, title="Fair recruitment", status=JointInitiative.Status.ACTIVE
    )
    changed.participating_agencies.set([iom])
    milestone = JointInitiativeFactory(
        lead_agency=iom,
        title="Returns study",
        status=JointInitiative.Status.ACTIVE,
        end_date=datetime.date(2026, 12, 15),
    )
    JointInitiative.objects.filter(pk=milestone.pk).update(updated_at=LONG_AGO)
    JointInitiativeFactory(lead_agency=ilo, title="Not ours", status=JointInitiative.Status.ACTIVE)
    quiet = JointInitiativeFactory(
        lead_agency=iom, title="Quiet one", status=JointInitiative.Status.ACTIVE
    )
    JointInitiative.objects.filter(pk=quiet.pk).update(updated_at=LONG_AGO)

    digest = build_digest(harry, YEAR, WEEK)

    notes = {initiative.title: note for initiative, note in digest.initiatives}
    assert set(notes) == {"Fair recruitment", "Returns study"}
    assert notes["Fair recruitment"] == "Updated that week."
    section = next(s for s in digest.context()["sections"] if s["key"] == "initiatives")
    assert section["items"][0]["meta"] == "Led by ILO · Active"
    assert "15 December 2026" in notes["Returns study"]


def test_nothing_to_act_on_says_so_calmly(harry, ilo, iom_base):
    ActivityFactory(agency=ilo, title="ILO survey in Kenya")
    digest = build_digest(harry, YEAR, WEEK)
    assert digest.attention.is_empty and not digest.is_empty
    subject, text, html = _render(digest)
    assert subject == "GMG weekly: nothing needs your attention — 23–29 November 2026"
    assert "Nothing needs your attention." in text
    assert "Nothing needs your attention." in html


def test_the_email_is_read_after_its_week_so_it_never_says_this_week(
    harry, sam, iom, ilo, iom_base
):
    # Every block that speaks of the week, filled: decisions of both kinds, other agencies'
    # work, the agency's own, an initiative's news.
    for status in (OverlapFlag.Status.CONFIRMED, OverlapFlag.Status.COMPLEMENTARY):
        make_flag(
            age(ActivityFactory(agency=iom)),
            age(ActivityFactory(agency=ilo)),
            status=status,
            decided_at=NOW - datetime.timedelta(days=1),
            decided_by=sam,
        )
    ActivityFactory(agency=ilo, title="ILO survey in Kenya")
    ActivityFactory(agency=iom, title="IOM survey in Kenya")
    initiative = JointInitiativeFactory(
        lead_agency=ilo, title="Fair recruitment", status=JointInitiative.Status.ACTIVE
    )
    initiative.participating_agencies.set([iom])

    expected = {
        harry: [
            "Confirmed duplications that week",
            "Also decided that week: 1 pair complementary or not related.",
            "Other agencies' work that week",
            "1 activity new or changed that week",
            "Updated that week.",
        ],
        sam: [
            "Confirmed duplications that week",
            "Started or changed that week, latest first.",
            "Updated that week.",
        ],
    }
    for person, phrases in expected.items():
        subject, text, html = _render(build_digest(person, YEAR, WEEK))
        for body in (text, html):
            # The week is named by its dates; "this week" would be the reader's own.
            assert "23–29 November 2026" in body
            assert "this week" not in body.lower()
            for phrase in phrases:
                assert phrase in body.replace("&#x27;", "'")


# -- the subject and the week's dates ----------------------------------------------------


def _confirm(x, y, sam, days_ago=1):
    return make_flag(
        x,
        y,
        status=OverlapFlag.Status.CONFIRMED,
        decided_at=NOW - datetime.timedelta(days=days_ago),
        decided_by=sam,
    )


def test_subject_says_what_needs_attention(harry, sam, iom, ilo, iom_base):
    _confirm(age(ActivityFactory(agency=iom)), age(ActivityFactory(agency=ilo)), sam)
    for _n in range(3):
        make_flag(iom_base, age(ActivityFactory(agency=ilo)))
    subject = _render(build_digest(harry, YEAR, WEEK))[0]
    assert subject == (
        "GMG weekly: 1 confirmed duplication, 3 pairs to review — 23–29 November 2026"
    )


def test_subject_plurals_and_singulars(harry, sam, iom, ilo, iom_base):
    for _n in range(2):
        _confirm(age(ActivityFactory(agency=iom)), age(ActivityFactory(agency=ilo)), sam)
    make_flag(iom_base, age(ActivityFactory(agency=ilo)))
    proposed = JointInitiativeFactory(lead_agency=ilo)
    ParticipationFactory(initiative=proposed, agency=iom)
    subject = _render(build_digest(harry, YEAR, WEEK))[0]
    assert subject.startswith(
        "GMG weekly: 2 confirmed duplications, 1 pair to review, "
        "1 initiative awaiting your answer — "
    )
    # At most three things in a subject; the body has them all.
    make_flag(
        age(ActivityFactory(agency=iom)),
        age(ActivityFactory(agency=ilo)),
        status=OverlapFlag.Status.COMPLEMENTARY,
        decided_at=NOW - datetime.timedelta(days=1),
    )
    digest = build_digest(harry, YEAR, WEEK)
    assert "other decision" not in _render(digest)[0]
    assert "1 other decision" in digest.context()["preheader"]
    assert proposed in digest.attention.initiatives


@pytest.mark.parametrize(
    "now,year,week,dates",
    [
        (NOW, 2026, 48, "23–29 November 2026"),
        (
            datetime.datetime(2026, 12, 2, 12, tzinfo=datetime.UTC),
            2026,
            49,
            "30 November – 6 December 2026",
        ),
        (
            datetime.datetime(2026, 12, 30, 12, tzinfo=datetime.UTC),
            2026,
            53,
            "28 December 2026 – 3 January 2027",
        ),
    ],
)
def test_the_week_is_given_as_dates(harry, ilo, iom_base, now, year, week, dates):
    with time_machine.travel(now, tick=False):
        ActivityFactory(agency=ilo, title="ILO survey in Kenya")
        digest = build_digest(harry, year, week)
        subject, text, html = _render(digest)
    assert subject.endswith(f"— {dates}")
    assert dates in text.splitlines()[0] and dates in html
    assert "W4" not in subject and "W5" not in subject


# -- gaps --------------------------------------------------------------------------------
# The digest's gaps are the coverage gaps (activities.coverage.gaps) of the M49 sub-regions
# where the agency works, over the digest's week: the gaps page lists the same ones.

MONDAY, SUNDAY = datetime.date(2026, 11, 23), datetime.date(2026, 11, 29)


def gap_pairs(gaps):
    return [(g.priority.code, g.region.name) for g in gaps]


def test_gaps_line_names_priorities_missing_in_the_sub_regions(harry, iom, ilo, iom_base):
    # (b) is covered in Kenya by IOM itself; (c) by an ILO activity in Uganda.
    ActivityFactory(agency=ilo, priorities=[priority("c")], countries=[country("UGA")])
    # (d) only in France: still a gap for sub-Saharan Africa.
    ActivityFactory(agency=ilo, priorities=[priority("d")], countries=[country("FRA")])

    digest = build_digest(harry, YEAR, WEEK)

    # M49: Kenya's sub-region is Sub-Saharan Africa (Eastern Africa is an intermediate region).
    # Western Europe has gaps too, but IOM does not work there.
    assert {g.region.name for g in digest.gaps} == {"Sub-Saharan Africa"}
    codes = [code for code, _region in gap_pairs(digest.gaps)]
    assert codes == sorted(set("abcdefghijkl") - {"b", "c"})
    line = digest.context()["gaps_line"]
    assert line == (
        "No activity that week under Information exchange, synergies, no duplication (a) in "
        "Sub-Saharan Africa; Human and labour rights of migrants (d) in Sub-Saharan Africa; "
        f"and {len(codes) - 2} other priorities."
    )
    assert "\n" not in line and words(line) < 40


def test_a_gap_in_several_sub_regions_names_them(harry, iom, ilo, iom_base):
    # IOM works in Egypt (Northern Africa) too; ILO under (c) only in Uganda.
    age(ActivityFactory(agency=iom, countries=[country("EGY")]))
    ActivityFactory(agency=ilo, priorities=[priority("c")], countries=[country("UGA")])
    digest = build_digest(harry, YEAR, WEEK)
    assert ("a", "Northern Africa") in gap_pairs(digest.gaps)
    assert ("c", "Northern Africa") in gap_pairs(digest.gaps)
    assert ("c", "Sub-Saharan Africa") not in gap_pairs(digest.gaps)
    assert digest.context()["gaps_line"].startswith(
        "No activity that week under Information exchange, synergies, no duplication (a) in "
        "Northern Africa, Sub-Saharan Africa; "
    )


def test_work_not_running_that_week_leaves_a_gap(harry, iom, ilo, iom_base):
    ended = ActivityFactory(agency=ilo, priorities=[priority("c")], countries=[country("UGA")])
    assert "c" not in [code for code, _r in gap_pairs(build_digest(harry, YEAR, WEEK).gaps)]
    # Saved as the edit page saves it: the week's gaps kept for the next reader go stale.
    activity_update(ended, by=UserFactory(agency=ilo), end_date=MONDAY - datetime.timedelta(days=1))
    assert "c" in [code for code, _r in gap_pairs(build_digest(harry, YEAR, WEEK).gaps)]


def test_gaps_the_agency_worked_on_come_first(harry, iom, ilo, iom_base):
    # IOM's work under (k) in Kenya ended in June: no work under (k) there that week.
    age(
        ActivityFactory(
            agency=iom,
            priorities=[priority("k")],
            status=Activity.Status.COMPLETED,
            end_date=datetime.date(2026, 6, 30),
        )
    )
    digest = build_digest(harry, YEAR, WEEK)
    assert digest.gaps[0].priority.code == "k"
    assert digest.context()["gaps_line"].startswith(
        "No activity that week under Support to States and regional processes (k) in "
    )


def test_a_world_activity_fills_every_gap_for_its_priority(harry, iom, ilo, iom_base):
    world = ActivityFactory(agency=ilo, priorities=[priority("a")], countries=[])
    world.regions.set([Region.objects.get(code="001")])
    refreshed(world)
    assert "a" not in [g.priority.code for g in build_digest(harry, YEAR, WEEK).gaps]


def test_the_gaps_of_a_week_that_is_over_are_counted_once_for_its_readers(
    harry, iom, ilo, iom_base
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ActivityFactory(agency=ilo, priorities=[priority("c")], countries=[country("UGA")])
    hilda = UserFactory(agency=ilo, role=Role.HEAD)
    # Monday of the next week: the weekly run builds every head's digest of the week.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 6, tzinfo=datetime.UTC), tick=False):
        with CaptureQueriesContext(connection) as first:
            harrys = build_digest(harry, YEAR, WEEK)
        with CaptureQueriesContext(connection) as second:
            hildas = build_digest(hilda, YEAR, WEEK)
    # The second digest counts nothing that is the same for every reader: the gaps
    # (priorities, sub-regions, counts, totals), the footprints and the week's news (the
    # activities and their priorities, countries and regions) are kept.
    assert len(first) - len(second) == 4 + 1 + 4
    # Both agencies work in Kenya and Uganda: the gaps of Sub-Saharan Africa alone.
    expected = gap_pairs(coverage.gaps(Region.Level.SUBREGION, MONDAY, SUNDAY, regions=["202"]))
    assert sorted(gap_pairs(harrys.gaps)) == sorted(gap_pairs(hildas.gaps)) == sorted(expected)
    assert ("c", "Sub-Saharan Africa") not in expected


def test_digests_built_in_one_run_read_as_those_built_alone(harry, sam, iom, ilo, iom_base):
    """The weekly run builds every reader's digest from what it keeps for the week (the
    footprints, the news, the gaps): each digest reads as if it were the only one built."""
    from django.core.cache import cache

    hilda = UserFactory(agency=ilo, role=Role.HEAD)
    ilo_kenya = ActivityFactory(agency=ilo, title="ILO survey in Kenya")
    ActivityFactory(agency=iom, title="IOM return programme in Kenya")
    make_flag(ilo_kenya, iom_base, score=0.9)
    ActivityFactory(agency=ilo, priorities=[priority("c")], countries=[country("UGA")])
    readers = [harry, hilda, sam]
    # A week in progress (the preview page), then the weekly run on the Monday after.
    for when in (NOW, datetime.datetime(2026, 11, 30, 6, tzinfo=datetime.UTC)):
        with time_machine.travel(when, tick=False):
            cache.clear()
            together = [_render(build_digest(reader, YEAR, WEEK)) for reader in readers]
            alone = []
            for reader in readers:
                cache.clear()
                alone.append(_render(build_digest(reader, YEAR, WEEK)))
        assert together == alone
        (_s, harrys, _h), (_s, hildas, _h), (_s, sams, _h) = together
        assert "ILO survey in Kenya" in harrys and "90% like yours" in harrys
        assert "IOM return programme in Kenya" in hildas
        assert "No activity that week under" in harrys


def test_a_change_saved_after_a_digest_is_in_the_next_one(harry, iom, ilo, iom_base):
    survey = age(ActivityFactory(agency=ilo, title="ILO survey in Kenya"))
    in_france = ActivityFactory(
        agency=ilo, title="ILO survey in France", countries=[country("FRA")]
    )
    assert titles(build_digest(harry, YEAR, WEEK).others) == []
    # Saved as the edit page saves it: the week's news kept for the next reader goes stale.
    activity_update(survey, by=UserFactory(agency=ilo), title="ILO survey in Kenya, round 2")
    assert titles(build_digest(harry, YEAR, WEEK).others) == ["ILO survey in Kenya, round 2"]
    # IOM starts work in France: its footprint kept for the next reader goes stale too.
    ActivityFactory(agency=iom, countries=[country("FRA")])
    assert in_france.title in titles(build_digest(harry, YEAR, WEEK).others)


def test_the_digests_gaps_are_the_coverage_gaps_where_the_agency_works(
    harry, iom, ilo, iom_base, client
):
    """A small hand-made world: the digest's gaps are exactly those that the coverage
    computation finds, over the whole map, in the sub-regions where IOM works; and its link
    opens the gaps page on the same list."""
    # IOM: Kenya (b), and Egypt under (e) and (f).
    age(
        ActivityFactory(
            agency=iom, priorities=[priority("e"), priority("f")], countries=[country("EGY")]
        )
    )
    # Others: Uganda (c), Africa-wide (g), Northern Africa (h), France (d), one ended (i).
    ActivityFactory(agency=ilo, priorities=[priority("c")], countries=[country("UGA")])
    africa = ActivityFactory(agency=ilo, priorities=[priority("g")], countries=[])
    africa.regions.set([Region.objects.get(name="Africa")])
    refreshed(africa)
    north = ActivityFactory(agency=ilo, priorities=[priority("h")], countries=[])
    north.regions.set([Region.objects.get(name="Northern Africa")])
    refreshed(north)
    ActivityFactory(agency=ilo, priorities=[priority("d")], countries=[country("FRA")])
    ActivityFactory(
        agency=ilo,
        priorities=[priority("i")],
        countries=[country("KEN")],
        end_date=MONDAY - datetime.timedelta(days=1),
    )

    digest = build_digest(harry, YEAR, WEEK)

    everywhere = coverage.gaps(Region.Level.SUBREGION, MONDAY, SUNDAY)
    where_iom_works = {"Sub-Saharan Africa", "Northern Africa"}
    expected = {pair for pair in gap_pairs(everywhere) if pair[1] in where_iom_works}
    assert {r for _p, r in gap_pairs(everywhere)} > where_iom_works  # Western Europe too
    assert set(gap_pairs(digest.gaps)) == expected
    assert len(digest.gaps) == len(expected)
    # By hand: Sub-Saharan Africa has (b), (c), (g); Northern Africa (e), (f), (g), (h).
    assert {p for p, r in expected if r == "Sub-Saharan Africa"} == set("adefhijkl")
    assert {p for p, r in expected if r == "Northern Africa"} == set("abcdijkl")
    # IOM's own priorities (b, e, f) first.
    assert [g.priority.code for g in digest.gaps[:3]] == ["b", "e", "f"]

    url = digest.context()["gaps_url"]
    path, _sep, query = url.removeprefix(settings.SITE_URL).partition("?")
    assert path == "/coverage/gaps/"
    client.force_login(harry)
    page = client.get(f"{path}?{query}")
    assert page.status_code == 200
    assert set(gap_pairs(page.context["gaps"])) == expected
    html = page.content.decode()
    assert "running between 23 Nov 2026 and 29 Nov 2026" in html
    assert "Only in these 2 regions: Northern Africa, Sub-Saharan Africa." in html


def test_gap_line_alone_is_empty(harry, iom_base):
    digest = build_digest(harry, YEAR, WEEK)
    assert digest.gaps  # there is something to say about gaps...
    assert digest.is_empty  # ...but not enough for an email


def test_agency_with_nothing_is_empty(db):
    head = UserFactory(agency=AgencyFactory(), role=Role.HEAD)
    ActivityFactory(title="Someone else's work")
    digest = build_digest(head, YEAR, WEEK)
    assert digest.is_empty
    assert digest.others == digest.gaps == []
    assert not any(digest.own.values())


# -- the secretariat's version -----------------------------------------------------------


def test_secretariat_gets_the_portal_wide_version(sam, iom, ilo, iom_base):
    mine = ActivityFactory(agency=iom, title="IOM new")
    theirs = ActivityFactory(agency=ilo, title="ILO in France", countries=[country("FRA")])
    flag = make_flag(mine, theirs)
    old_flag = make_flag(iom_base, age(ActivityFactory(agency=ilo)))
    OverlapFlag.objects.filter(pk=old_flag.pk).update(created_at=LONG_AGO)
    initiative = JointInitiativeFactory(lead_agency=ilo, title="Changed initiative")
    quiet = JointInitiativeFactory(lead_agency=ilo, title="Quiet")
    JointInitiative.objects.filter(pk=quiet.pk).update(updated_at=LONG_AGO)

    digest = build_digest(sam, YEAR, WEEK)

    assert digest.agency is None
    assert set(titles(digest.others)) == {mine.title, theirs.title}
    assert set(digest.attention.open_pairs) == {flag, old_flag}
    assert [f.pk for f in digest.attention.overdue] == [old_flag.pk]
    assert digest.attention.initiatives == []
    assert [i for i, _note in digest.initiatives] == [initiative]
    assert digest.own == {} and digest.gaps == []
    subject, text, html = _render(digest)
    assert subject.startswith("GMG weekly: 1 decision due, 2 pairs to review — ")
    assert digest.context()["preheader"] == (
        "Needs your attention: 1 decision due, 2 pairs to review. 2 activities started or changed."
    )
    assert "Portal-wide" in html and "Decisions due" in text


# -- links, markup, size -----------------------------------------------------------------


def test_context_links_are_absolute(harry, ilo, iom_base):
    shared = ActivityFactory(agency=ilo, title="ILO survey in Kenya")
    make_flag(iom_base, shared)
    context = build_digest(harry, YEAR, WEEK).context()
    site = settings.SITE_URL
    item = context["sections"][0]["items"][0]
    assert item["url"] == f"{site}{shared.get_absolute_url()}"
    assert context["profile_url"] == f"{site}/digests/preferences/"
    token = context["unsubscribe_url"].removeprefix(f"{site}/digests/unsubscribe/").rstrip("/")
    assert tokens.read(token) == harry.pk
    for block in context["sections"] + context["attention"]:
        assert block["more_url"].startswith(site)
        for entry in block["items"]:
            assert entry["url"].startswith(site + "/")
    for line in context["own_lines"]:
        assert line["url"].startswith(site + "/")


def test_rendered_email_is_inline_styled_with_a_footer(harry, ilo, iom_base):
    ActivityFactory(agency=ilo, title="ILO survey <Kenya> & more")
    digest = build_digest(harry, YEAR, WEEK)
    subject, text, html = _render(digest)
    assert "\n" not in subject
    assert "<style" not in html and "<img" not in html and "<link" not in html
    assert "ILO survey &lt;Kenya&gt; &amp; more" in html
    assert "ILO survey <Kenya> & more" in text
    context = digest.context()
    for body in (text, html):
        assert "as a member of IOM" in body
        assert context["unsubscribe_url"] in body and context["profile_url"] in body
        assert context["archive_url"] in body
    assert 'style="display:none' in html  # the preheader


def test_a_full_week_reads_in_two_minutes(harry, sam, iom, ilo, iom_base):
    """Every list past its cap at once: the text part stays short.

    About 200 words a minute. This is the worst case, every block full (a typical digest on
    the benchmark data: BENCHMARKS.md). The old digest ran to 900 words and more.
    """
    _populate(iom, ilo, sam, 30)
    digest = build_digest(harry, YEAR, WEEK)
    text = _render(digest)[1]
    assert len(digest.others) == OTHERS_CAP
    assert words(text) < 400


def _populate(iom, ilo, sam, size):
    """`size` of everything a head's digest shows, for both agencies."""
    unhcr_like = AgencyFactory()
    start, _end = bounds(YEAR, WEEK)
    for n in range(size):
        own_new = ActivityFactory(agency=iom, priorities=[priority("b"), priority("c")])
        other = ActivityFactory(agency=ilo, countries=[country("KEN"), country("UGA")])
        third = ActivityFactory(agency=unhcr_like)
        third.regions.set([Region.objects.get(name="Eastern Africa")])
        refreshed(third)
        make_flag(own_new, other)
        make_flag(
            age(ActivityFactory(agency=iom)),
            age(ActivityFactory(agency=ilo)),
            status=OverlapFlag.Status.CONFIRMED if n % 2 else OverlapFlag.Status.COMPLEMENTARY,
            decided_at=start + datetime.timedelta(hours=n + 1),
            decided_by=sam,
            decision_note="Reviewed with both focal points.",
        )
        age(ActivityFactory(agency=iom, end_date=datetime.date(2026, 12, 10)))
        age(ActivityFactory(agency=iom), when=NOW - datetime.timedelta(days=300))
        initiative = JointInitiativeFactory(
            lead_agency=ilo,
            end_date=datetime.date(2026, 12, 20),
            status=JointInitiative.Status.ACTIVE if n % 2 else JointInitiative.Status.PROPOSED,
        )
        initiative.participating_agencies.set([iom])


@pytest.mark.parametrize("who", ["harry", "sam"])
def test_fixed_number_of_queries_whatever_the_size(
    who, request, iom, ilo, sam, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    # As the delivery loads the recipient: with the preference the unsubscribe link reads.
    user = type(user).objects.select_related("agency", "digest_preference").get(pk=user.pk)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            digest = build_digest(user, YEAR, WEEK)
        return len(queries), digest

    _populate(iom, ilo, sam, 2)
    small, digest = count()
    assert not digest.is_empty
    # The head's digest: 18 queries and its attention lists: 4 the coverage gaps
    # (priorities, sub-regions, counts, totals), 1 the footprints, 4 the week's news
    # (activities, priorities, countries, regions), 2 the ranked ones (the agency's pairs,
    # the rows shown) and the rest its own lines; the secretariat's: 6 and its attention
    # lists (no footprint, gaps, own lines or States' work). The attention lists are one
    # query on PostgreSQL (common.previews.Batch), one per list elsewhere (9 for an agency:
    # pairs three times, initiatives, positions, action points, meetings, requests for
    # support and follow-ups; 7 for the secretariat). On PostgreSQL 3 more: the SET LOCAL
    # that turns JIT off and the transaction around it.
    extra = 3 if connection.vendor == "postgresql" else 0
    if connection.features.supports_slicing_ordering_in_compound:
        attention = 1
    else:
        attention = 9 if who == "harry" else 7
    assert small == (18 if who == "harry" else 6) + attention + extra
    if who == "harry":
        # The next head's digest of the week reads the gaps, footprints and news kept.
        assert count()[0] == small - 4 - 1 - 4
    assert who != "harry" or digest.gaps  # the gaps' queries are counted
    _populate(iom, ilo, sam, 30)  # past every cap
    with django_assert_num_queries(small):
        digest = build_digest(user, YEAR, WEEK)
    assert len(digest.attention.open_pairs) == ATTENTION_CAP
    assert digest.attention.more("open_pairs") > 0
    assert len(digest.others) == OTHERS_CAP and digest.more("others") > 0
    # Rendering reads only what was fetched.
    with django_assert_num_queries(0):
        _render(digest)


@pytest.mark.parametrize(
    ("choice", "told_in_digest"),
    [(PairNotifications.DIGEST, True), (PairNotifications.IMMEDIATE, False)],
)
def test_pair_news_not_emailed_at_once_is_told_in_the_digest(
    iom, ilo, sam, mailoutbox, django_capture_on_commit_callbacks, choice, told_in_digest
):
    """A focal point who chose "in my digest only" reads the week's comment in the digest;
    one who was emailed at once is not told twice."""
    fiona = UserFactory(
        email="fiona.fp@iom.example",
        full_name="Fiona",
        agency=iom,
        role=Role.FOCAL_POINT,
        pair_notifications=choice,
    )
    flag = make_flag(ActivityFactory(agency=iom), ActivityFactory(agency=ilo))
    with django_capture_on_commit_callbacks(execute=True):
        review.comment(flag, by=sam, text="Both teams meet in Nairobi on Tuesday.")
    emailed = any("fiona.fp@iom.example" in m.to for m in mailoutbox)
    assert emailed is not told_in_digest

    digest = build_digest(fiona, YEAR, WEEK)
    texts = [event.comment.text for event in digest.pair_news]
    assert texts == (["Both teams meet in Nairobi on Tuesday."] if told_in_digest else [])
    body = digest.context()
    sections = [s["key"] for s in body["sections"]]
    assert ("pair_news" in sections) is told_in_digest
