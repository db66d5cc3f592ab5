"""An agency's profile: its priority footprint, where it works, the agencies it works with
most, its open joint initiatives; each number on a small hand-made world, each link opening
the list it counts, as each kind of reader may see it."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import selectors
from activities.models import Activity
from agencies.models import Role
from geo.models import Country, Region
from initiatives.models import JointInitiative, Participation
from overlaps import selectors as overlap_selectors
from overlaps.models import OverlapFlag
from priorities.models import Priority

from .factories import (
    ActivityFactory,
    AgencyFactory,
    JointInitiativeFactory,
    ParticipationFactory,
    UserFactory,
)
from .markup import Page

pytestmark = pytest.mark.django_db

S = OverlapFlag.Status
SCRIPT = "<script>alert(1)</script>"


def p(*codes):
    return list(Priority.objects.filter(code__in=codes))


def c(*iso3s):
    return list(Country.objects.filter(pk__in=iso3s))


def region(name):
    return Region.objects.get(name=name)


def pair(x, y, status, decided=True):
    a, b = sorted((x, y), key=lambda activity: activity.pk)
    return OverlapFlag.objects.create(
        activity_a=a,
        activity_b=b,
        score=0.8,
        status=status,
        decided_at=timezone.now() if decided else None,
    )


def initiative(lead, status, priorities, accepted=(), invited=(), title=None):
    named = {"title": title} if title else {}
    made = JointInitiativeFactory(
        lead_agency=lead, status=status, priorities=p(*priorities), **named
    )
    for agency in accepted:
        ParticipationFactory(initiative=made, agency=agency, status=Participation.Status.ACCEPTED)
    for agency in invited:
        ParticipationFactory(initiative=made, agency=agency)
    return made


@pytest.fixture
def world(iom, ilo):
    """IOM's work, ILO's and that of an agency with hostile markup in its names.

    IOM (not cancelled): a1 (b, d) in Kenya naming ILO as partner; a2 (b) in Kenya and
    Uganda; a3 (c) Africa-wide; a4 (a) World-wide; a6 (e) in France. a5 is cancelled and
    names ILO too. ILO's b1 names IOM as partner; b2 is a duplication of a2; b3 was judged
    not related to a1; b4 is an open pair with a2; b5 a scan's undecided joint-work label
    with a1. The hostile agency's x1 complements a6.
    """
    hostile = AgencyFactory(
        acronym="<svg/onload=alert()>", slug="hostile", name=f"Hostile {SCRIPT} agency"
    )
    a1 = ActivityFactory(agency=iom, priorities=p("b", "d"), countries=c("KEN"))
    a1.partners.set([ilo])
    a2 = ActivityFactory(agency=iom, priorities=p("b"), countries=c("KEN", "UGA"))
    a3 = ActivityFactory(agency=iom, priorities=p("c"), countries=[], regions=[region("Africa")])
    a4 = ActivityFactory(agency=iom, priorities=p("a"), countries=[], regions=[region("World")])
    a5 = ActivityFactory(
        agency=iom, priorities=p("b"), countries=c("KEN"), status=Activity.Status.CANCELLED
    )
    a5.partners.set([ilo])
    a6 = ActivityFactory(agency=iom, priorities=p("e"), countries=c("FRA"))
    b1 = ActivityFactory(agency=ilo, countries=c("KEN"))
    b1.partners.set([iom])
    b2, b3, b4, b5, b6 = (ActivityFactory(agency=ilo) for _ in range(5))
    x1 = ActivityFactory(agency=hostile, title=f"Hostile {SCRIPT} work", countries=c("FRA"))
    pair(a2, b2, S.CONFIRMED)
    pair(a1, b3, S.NOT_RELATED)
    pair(a2, b4, S.OPEN, decided=False)
    pair(a1, b5, S.JOINT, decided=False)
    pair(a5, b6, S.JOINT)  # a5 is cancelled: the pair does not count
    pair(a6, x1, S.COMPLEMENTARY)

    A = JointInitiative.Status
    j1 = initiative(iom, A.ACTIVE, "b", accepted=[ilo], title="Decent work corridors")
    j2 = initiative(ilo, A.PROPOSED, "c", invited=[iom], title="Skills partnership")
    j3 = initiative(iom, A.CANCELLED, "b", accepted=[ilo], title="Abandoned idea")
    j4 = initiative(hostile, A.ACTIVE, "e", accepted=[iom], title=f"Hostile {SCRIPT} initiative")
    j5 = initiative(iom, A.COMPLETED, "d", title="Finished survey")
    # Invited and declined, or invited and not answered: not taking part.
    j6 = initiative(ilo, A.ACTIVE, "f", invited=[iom], title="Waiting for IOM")
    Participation.objects.filter(initiative=j6, agency=iom).update(
        status=Participation.Status.DECLINED
    )
    return {
        "hostile": hostile,
        "activities": [a1, a2, a3, a4, a6],
        "initiatives": {"j1": j1, "j2": j2, "j3": j3, "j4": j4, "j5": j5, "j6": j6},
    }


def profile(client, user, agency, query=""):
    client.force_login(user)
    response = client.get(reverse("agency-detail", args=[agency.slug]) + query)
    assert response.status_code == 200
    return response


def section(html, heading_id):
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.context["page"].paginator.count


# -- the priority footprint ----------------------------------------------------------------


def test_footprint_counts_activities_and_initiatives_per_priority(world, client, alice, iom):
    response = profile(client, alice, iom)
    rows = {pr.code: pr for pr in response.context["profile"]()["priorities"]}
    assert list(rows) == list("abcdefghijkl")
    assert {code: pr.activity_count for code, pr in rows.items() if pr.activity_count} == {
        "a": 1,
        "b": 2,  # a1, a2; a5 is cancelled
        "c": 1,
        "d": 1,
        "e": 1,
    }
    # j1 under (b); j3 under (b) was closed without completion; j5 completed under (d);
    # j4 led by another under (e); j2 (c) and j6 (f) were never accepted.
    assert {code: pr.initiative_count for code, pr in rows.items() if pr.initiative_count} == {
        "b": 1,
        "d": 1,
        "e": 1,
    }
    # The busiest priority takes the darkest step of the coverage scale; none, the lightest.
    assert rows["b"].step == 5 and rows["a"].step == 3 and rows["g"].step == 0


def test_each_footprint_number_opens_the_list_it_counts(world, client, alice, iom):
    response = profile(client, alice, iom)
    for priority in response.context["profile"]()["priorities"]:
        assert f"agency={iom.slug}" in priority.url and f"priority={priority.code}" in priority.url
        assert listed(client, priority.url) == priority.activity_count, priority.code
    html = response.content.decode()
    b = next(pr for pr in response.context["profile"]()["priorities"] if pr.code == "b")
    assert re.search(
        r'cov-5"><a href="' + re.escape(b.url.replace("&", "&amp;")) + r'">2</a>', html
    )


# -- where it works --------------------------------------------------------------------------


def test_countries_count_named_and_region_wide_work(world, client, alice, iom):
    response = profile(client, alice, iom)
    countries = response.context["profile"]()["countries"]
    africa = region("Africa").countries.count()
    # Every African country (a3 is Africa-wide) and France; a4's World reaches the others
    # only, which are left out.
    assert response.context["profile"]()["country_total"] == africa + 1
    assert [(x.pk, x.total) for x in countries[:2]] == [("KEN", 4), ("UGA", 3)]
    assert len(countries) == 10
    # The rest have a3 and a4 (Africa) or a6 and a4 (France): 2 each, by name.
    assert all(x.total == 2 for x in countries[2:])
    assert [x.name for x in countries[2:]] == sorted(x.name for x in countries[2:])
    assert response.context["profile"]()["world_wide"] == 1
    html = response.content.decode()
    assert f"Show all {africa + 1} countries" in html


def test_all_countries_are_shown_on_request(world, client, alice, iom):
    response = profile(client, alice, iom, "?countries=all")
    countries = {x.pk: x.total for x in response.context["profile"]()["countries"]}
    assert len(countries) == region("Africa").countries.count() + 1
    assert countries["FRA"] == 2 and countries["KEN"] == 4
    assert "USA" not in countries  # reached through World only
    assert "Show all" not in response.content.decode()


def test_regions_count_as_the_list_filters_them(world, client, alice, iom):
    response = profile(client, alice, iom)
    regions = {r.name: r.total for r in response.context["profile"]()["regions"]}
    # Africa: a1, a2 (Kenya, Uganda), a3 (Africa), a4 (World); Europe: a6 and a4; the
    # other continents a4 alone.
    assert regions == {"Africa": 4, "Europe": 2, "Americas": 1, "Asia": 1, "Oceania": 1}


def test_each_place_number_opens_the_list_it_counts(world, client, alice, iom):
    response = profile(client, alice, iom, "?countries=all")
    places = list(response.context["profile"]()["regions"])
    countries = response.context["profile"]()["countries"]
    places += [x for x in countries if x.pk in ("KEN", "UGA", "FRA", "EGY")]
    assert len(places) == 9
    for place in places:
        assert listed(client, place.url) == place.total, place
    assert listed(client, response.context["profile"]()["all_url"]) == 5


# -- the agencies it works with most -----------------------------------------------------------


def ranked(response):
    return [
        (a.acronym, a.partner_count, a.initiative_count, a.pair_count, a.total)
        for a in response.context["works_with"]
    ]


def test_works_with_adds_partners_initiatives_and_decided_pairs(world, client, alice, iom):
    response = profile(client, alice, iom)
    # ILO: a1 names it and b1 names IOM (a5 is cancelled); j1 (j3 was closed, j2 and j6
    # never accepted); the confirmed a2-b2 (not related, open, a scan's label and a pair with
    # cancelled work are left out). The hostile agency: j4, and a6-x1 complementary.
    assert ranked(response) == [("ILO", 2, 1, 1, 4), ("<svg/onload=alert()>", 0, 1, 1, 2)]
    html = section(response.content.decode(), "works-with-heading")
    assert f'href="{reverse("agency-detail", args=["ilo"])}"' in html
    assert f'href="{reverse("agency-detail", args=["hostile"])}"' in html


def test_works_with_is_the_same_seen_from_the_other_side(world, client, sam, ilo, iom):
    response = profile(client, sam, ilo)
    assert ranked(response) == [("IOM", 2, 1, 1, 4)]


def test_pairs_count_only_where_the_reader_may_see_them(world, client, bob, iom):
    # Bob (ILO) sees ILO's pairs, not the one between IOM and the hostile agency.
    assert ranked(profile(client, bob, iom)) == [
        ("ILO", 2, 1, 1, 4),
        ("<svg/onload=alert()>", 0, 1, 0, 1),
    ]
    outsider = UserFactory(agency=AgencyFactory())
    assert ranked(profile(client, outsider, iom)) == [
        ("ILO", 2, 1, 0, 3),
        ("<svg/onload=alert()>", 0, 1, 0, 1),
    ]


def test_works_with_keeps_the_busiest_first_and_caps_the_list(iom, sam):
    others = [AgencyFactory(acronym=f"Z{n}") for n in range(overlap_selectors.WORKS_WITH_CAP)]
    others.append(AgencyFactory(acronym="A-LAST"))
    for n, other in enumerate(others):
        for _ in range(n + 1):
            ActivityFactory(agency=iom).partners.set([other])
    found = overlap_selectors.works_with(iom, sam)
    assert [a.acronym for a in found] == [a.acronym for a in reversed(others)][
        : overlap_selectors.WORKS_WITH_CAP
    ]
    assert found[0].total == len(others)


# -- open initiatives ------------------------------------------------------------------------


def test_open_initiatives_are_those_it_leads_or_accepted(world, client, alice, iom):
    response = profile(client, alice, iom)
    j = world["initiatives"]
    assert list(response.context["initiatives"]()["open"]) == [j["j1"], j["j4"]]
    assert set(response.context["initiatives"]()["past"]) == {j["j3"], j["j5"]}
    html = section(response.content.decode(), "initiatives-heading")
    assert "Decent work corridors" in html and "Skills partnership" not in html
    assert "Waiting for IOM" not in html


def test_its_focal_point_sees_the_invitations_awaiting_an_answer(world, client, fiona, iom):
    response = profile(client, fiona, iom)
    j2 = world["initiatives"]["j2"]
    assert [i.initiative for i in response.context["invitations"]] == [j2]
    html = section(response.content.decode(), "initiatives-heading")
    assert f'href="{reverse("initiatives:answer", args=[j2.pk])}"' in html
    assert client.get(reverse("initiatives:answer", args=[j2.pk])).status_code == 200


@pytest.mark.parametrize("who", ["alice", "harry", "bob", "ilo_focal_point", "sam"])
def test_others_do_not_see_the_invitations_to_answer(world, client, iom, ilo, who, request):
    if who == "ilo_focal_point":
        user = UserFactory(agency=ilo, role=Role.FOCAL_POINT)
    else:
        user = request.getfixturevalue(who)
    response = profile(client, user, iom)
    j2 = world["initiatives"]["j2"]
    answer = reverse("initiatives:answer", args=[j2.pk])
    if who == "sam":  # the secretariat follows answers up, and may not answer for IOM
        assert [i.initiative for i in response.context["invitations"]] == [j2]
        html = section(response.content.decode(), "initiatives-heading")
        assert answer not in html
        assert f'href="{j2.get_absolute_url()}"' in html
    else:
        assert list(response.context["invitations"]) == []
        assert answer not in response.content.decode()


# -- the page --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(world, client, iom):
    response = client.get(reverse("agency-detail", args=[iom.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_hostile_names_are_escaped(world, client, sam, iom):
    hostile = world["hostile"]
    for agency in (iom, hostile):
        html = profile(client, sam, agency).content.decode()
        assert "<script>alert(" not in html and "<svg/onload" not in html
        assert "&lt;svg/onload=alert()&gt;" in html
    html = profile(client, sam, iom).content.decode()
    assert "Hostile &lt;script&gt;alert(1)&lt;/script&gt; initiative" in html


def test_the_page_has_one_h1_sections_and_captioned_tables(world, client, alice, iom):
    page = Page(profile(client, alice, iom).content.decode())
    assert len(page.all("h1")) == 1
    headings = [h.text for h in page.all("h2")]
    for heading in (
        "Priority footprint",
        "Where it works",
        "The agencies it works with most",
        "Open joint initiatives",
    ):
        assert heading in headings
    tables = page.all("table")
    assert len(tables) >= 5
    captions = page.all("caption")
    assert len(captions) == len(tables)
    assert all(caption.text for caption in captions)
    assert all(th.attrs.get("scope") in ("col", "row") for th in page.all("th"))


def test_an_agency_with_nothing_yet_has_a_plain_profile(client, alice):
    empty = AgencyFactory()
    response = profile(client, alice, empty)
    html = response.content.decode()
    assert all(pr.activity_count == 0 for pr in response.context["profile"]()["priorities"])
    assert "No activity names a place yet." in html
    assert "No open joint initiative." in html
    assert response.context["works_with"] == []


def _grow(iom, ilo, n):
    """n more of everything the profile counts, around IOM."""
    others = [AgencyFactory() for _ in range(n)]
    for k, other in enumerate(others):
        mine = ActivityFactory(
            agency=iom,
            priorities=p("g", "h"),
            countries=c("KEN", "PER"),
            regions=[region("Asia")],
        )
        mine.partners.set([other, ilo])
        theirs = ActivityFactory(agency=other, countries=c("PER"))
        theirs.partners.set([iom])
        pair(mine, theirs, [S.CONFIRMED, S.JOINT, S.COMPLEMENTARY][k % 3])
        initiative(iom, JointInitiative.Status.ACTIVE, "gh", accepted=[other], invited=[ilo])
        initiative(other, JointInitiative.Status.PROPOSED, "i", invited=[iom])


def test_the_profile_runs_a_fixed_number_of_queries(
    world, client, fiona, iom, ilo, django_assert_max_num_queries
):
    client.force_login(fiona)
    url = reverse("agency-detail", args=[iom.slug])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow(iom, ilo, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url + "?countries=all")
    assert response.status_code == 200
    # The larger world was counted: 12 more agencies to rank, 12 more invitations.
    assert len(response.context["works_with"]) == overlap_selectors.WORKS_WITH_CAP
    assert len(response.context["invitations"]) == 13


def test_the_selectors_count_only_the_activities_given(world, iom, sam):
    """`visible_to` is the one gate: what it hides, the profile does not count."""
    visible = Activity.objects.none()
    assert selectors.agency_countries(iom, visible) == []
    assert selectors.agency_regions(iom, visible) == []
    assert [pr.activity_count for pr in selectors.agency_priorities(iom, visible)] == [0] * 12
    some = Activity.objects.filter(pk=world["activities"][0].pk)  # a1: (b, d) in Kenya
    assert [(x.pk, x.total) for x in selectors.agency_countries(iom, some)] == [("KEN", 1)]
    counts = {pr.code: pr.activity_count for pr in selectors.agency_priorities(iom, some)}
    assert counts["b"] == counts["d"] == 1 and counts["a"] == 0
    # Nobody signed in sees no activity, hence no partner and no pair: only the initiatives
    # remain (the page itself is closed to them).
    assert [
        (a.acronym, a.partner_count, a.initiative_count, a.pair_count)
        for a in overlap_selectors.works_with(iom, AnonymousUser())
    ] == [("<svg/onload=alert()>", 0, 1, 0), ("ILO", 0, 1, 0)]  # a tie: by acronym
