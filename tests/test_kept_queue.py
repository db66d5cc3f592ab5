"""The duplication queue's filter form, its page of pairs and the pairs it asks the
secretariat about first are kept in the shared cache (overlaps.views.flag_list,
overlaps.selectors.pairs_to_learn_from): a queue seen before is not rendered nor read again,
yet every change of what it shows is on the page at once, by whichever path it changes,
and nobody is shown a fragment made for someone who may see other pairs.

Each test first looks at the queue, so that what it checks afterwards would come from the
cache if the key did not move.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import services as activity_services
from agencies.models import Agency
from geo.models import Country
from initiatives import services as initiative_services
from initiatives.models import JointInitiative
from overlaps import review, services, tasks
from overlaps.models import OverlapFlag, ScoreCalibration

from .factories import ActivityFactory, UserFactory
from .markup import Page
from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log

pytestmark = pytest.mark.django_db

QUEUE = reverse("overlaps:flag-list")
Status = OverlapFlag.Status


def page_of(client, **params):
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return Page(response.content.decode())


def rows(client, **params):
    """Each row of the queue's table as the text of its cells."""
    page = page_of(client, **params)
    body = next(t for t in page.all("tbody"))
    return [
        [cell.text for cell in page.all("th") + page.all("td") if row in cell.ancestors]
        for row in page.all("tr")
        if body in row.ancestors
    ]


def links(client, **params):
    return {a.attrs.get("href") for a in page_of(client, **params).all("a")}


def asked_first(client):
    """The titles in "Help the portal learn" (the secretariat's first page to review)."""
    page = page_of(client)
    sections = [
        s for s in page.all("section") if s.attrs.get("aria-labelledby") == "learning-heading"
    ]
    if not sections:
        return []
    return [li.text for li in page.all("li") if sections[0] in li.ancestors]


# -- a queue seen before ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "sam"])
def test_a_queue_seen_before_reads_no_pair_again(client, who, pair, request):
    client.force_login(request.getfixturevalue(who))
    first = rows(client)
    with CaptureQueriesContext(connection) as queries:
        again = rows(client)
    assert again == first and len(first) == 1
    read = [
        q["sql"]
        for q in queries.captured_queries
        if "overlaps_overlapflag" in q["sql"] or "activities_activity" in q["sql"]
    ]
    assert read == []


def test_another_page_sort_or_filter_is_rendered_for_itself(client, sam, iom, ilo, settings):
    settings.PAGE_SIZE = 1
    a, b, c = (ActivityFactory(agency=agency) for agency in (iom, ilo, ilo))
    OverlapFlag.objects.create(activity_a=a, activity_b=b, score=0.9, reasons={})
    OverlapFlag.objects.create(activity_a=a, activity_b=c, score=0.6, reasons={})
    client.force_login(sam)
    assert rows(client)[0][0].startswith("90%")
    assert rows(client, page=2)[0][0].startswith("60%")
    assert rows(client, ordering="score")[0][0].startswith("60%")
    assert rows(client, min_similarity="80", page=1)[0][0].startswith("90%")


# -- every change of the pairs shows at once ------------------------------------------------


def test_a_decision_shows_at_once(client, sam, pair):
    client.force_login(sam)
    assert rows(client, status="decided") == [["No flagged pairs match."]]
    assert len(rows(client)) == 1
    review.decide(OverlapFlag.objects.get(), by=sam, status=Status.CONFIRMED)
    assert rows(client) == [["No flagged pairs match."]]
    (decided,) = rows(client, status="decided")
    assert decided[4] == "Confirmed duplication Sam"


def test_a_scan_that_rescores_a_pair_shows_at_once(
    client, sam, alice, pair, django_capture_on_commit_callbacks
):
    client.force_login(sam)
    # Changed, without its check (the worker has not run yet): the pair is as it was...
    with django_capture_on_commit_callbacks(execute=False):
        activity_services.activity_update(
            pair[0],
            by=alice,
            title="Small business grants for migrants returning to Kenya",
            description="Grants and coaching for returnees who start a business in Nairobi.",
        )
    before = OverlapFlag.objects.get().score
    shown = rows(client)[0][0]
    # ...until the nightly scan scores it again.
    assert services.full_scan()["updated"] == 1
    after = OverlapFlag.objects.get().score
    assert round(after * 100) != round(before * 100)
    assert rows(client)[0][0] != shown
    assert rows(client)[0][0].startswith(f"{round(after * 100)}%")


def test_the_check_on_save_shows_a_new_pair_and_its_cluster_at_once(
    client, sam, iom, ilo, pair, django_capture_on_commit_callbacks
):
    client.force_login(sam)
    assert len(rows(client)) == 1
    assert not any("/cluster/" in (href or "") for href in links(client))
    unhcr = Agency.objects.get(acronym="UNHCR")
    with django_capture_on_commit_callbacks(execute=False):
        third = log(unhcr, sam, "UNHCR-1", ILO_TEXT)
    assert len(rows(client)) == 1
    tasks.rescore_activity(third.pk)  # what the save queued, run by the worker
    assert len(rows(client)) == 3
    assert any("overlaps with 2 other activities" in " ".join(row) for row in rows(client))


def test_an_edited_activity_shows_at_once(client, sam, alice, pair):
    client.force_login(sam)
    assert IOM_TEXT[0] in rows(client)[0][1]
    activity_services.activity_update(
        pair[0], by=alice, title="Reintegration of returning migrants, Kenya"
    )
    assert "Reintegration of returning migrants, Kenya" in rows(client)[0][1]


def test_a_withdrawal_and_a_restore_show_at_once(client, sam, alice, pair):
    client.force_login(sam)
    assert len(rows(client)) == 1
    activity_services.activity_withdraw(pair[0], by=alice)
    assert rows(client) == [["No flagged pairs match."]]
    assert "withdrawn on" in rows(client, status="")[0][1]
    activity_services.activity_restore(pair[0], by=alice)
    assert len(rows(client)) == 1 and "withdrawn" not in rows(client)[0][1]


def test_a_pairs_initiative_and_its_new_title_show_at_once(client, sam, pair):
    client.force_login(sam)
    flag = review.decide(OverlapFlag.objects.get(), by=sam, status=Status.CONFIRMED)
    assert "/initiatives/" not in rows(client, status="decided")[0][4]
    initiative, created = review.initiative_from_flag(flag, by=sam)
    assert created
    assert initiative.title in rows(client, status="decided")[0][4]
    initiative_services.initiative_update(initiative, by=sam, title="Kenya returns, together")
    assert "Kenya returns, together" in rows(client, status="decided")[0][4]
    initiative_services.initiative_withdraw(initiative, by=sam)
    assert "Kenya returns, together" not in rows(client, status="decided")[0][4]
    initiative_services.initiative_restore(
        JointInitiative.all_objects.get(pk=initiative.pk), by=sam
    )
    assert "Kenya returns, together" in rows(client, status="decided")[0][4]


def test_a_renamed_agency_and_country_show_at_once(client, sam, iom, pair):
    client.force_login(sam)
    assert rows(client)[0][1].startswith("IOM ·")
    assert "Kenya" in rows(client)[0][3]
    iom.acronym = "IOM-UN"
    iom.save()
    assert rows(client)[0][1].startswith("IOM-UN ·")
    kenya = Country.objects.get(pk="KEN")
    kenya.name = "Republic of Kenya"
    kenya.save()
    assert "Republic of Kenya" in rows(client)[0][3]


def test_who_decided_shows_under_their_new_name_at_once(client, sam, pair):
    client.force_login(sam)
    review.decide(OverlapFlag.objects.get(), by=sam, status=Status.NOT_RELATED)
    assert rows(client, status="decided")[0][4] == "Not related Sam"
    sam.full_name = "Samira Haddad"
    sam.save()
    assert rows(client, status="decided")[0][4] == "Not related Samira Haddad"


# -- one person's fragment is never another's -----------------------------------------------


def test_the_secretariat_and_two_agencies_never_share_a_fragment(client, sam, alice, bob, iom, ilo):
    unhcr = Agency.objects.get(acronym="UNHCR")
    mine, theirs, other = (
        ActivityFactory(agency=iom, title="IOM's"),
        ActivityFactory(agency=ilo, title="ILO's"),
        ActivityFactory(agency=unhcr, title="UNHCR's"),
    )
    OverlapFlag.objects.create(activity_a=mine, activity_b=theirs, score=0.9, reasons={})
    OverlapFlag.objects.create(activity_a=theirs, activity_b=other, score=0.8, reasons={})
    carol = UserFactory(agency=unhcr)

    def seen(person):
        client.force_login(person)
        return sorted(row[1].split(" · ")[0] + "/" + row[2].split(" · ")[0] for row in rows(client))

    for _round in range(2):  # the second round reads whatever the first kept
        assert seen(sam) == ["ILO/UNHCR", "IOM/ILO"]
        assert seen(alice) == ["IOM/ILO"]
        assert seen(carol) == ["ILO/UNHCR"]
        assert seen(bob) == ["ILO/UNHCR", "IOM/ILO"]


# -- the filter form ------------------------------------------------------------------------


def test_the_kept_form_shows_each_requests_choices(client, sam, pair):
    client.force_login(sam)

    def chosen(**params):
        page = page_of(client, **params)
        return {
            select.attrs["name"]: [
                o.attrs["value"]
                for o in page.all("option")
                if select in o.ancestors and "selected" in o.attrs
            ]
            for select in page.all("select")
        }

    assert chosen()["status"] == ["open"]
    assert chosen(status="decided", ordering="date")["status"] == ["decided"]
    assert chosen(status="decided", ordering="date")["ordering"] == ["date"]
    assert chosen(country="KEN")["country"] == ["KEN"]
    assert chosen()["country"] == [""]


def test_a_renamed_option_shows_in_the_kept_form(client, sam, pair):
    client.force_login(sam)

    def countries():
        page = page_of(client, country="KEN")
        select = next(s for s in page.all("select") if s.attrs.get("name") == "country")
        return [o.text for o in page.all("option") if select in o.ancestors]

    assert "Kenya" in countries()
    kenya = Country.objects.get(pk="KEN")
    kenya.name = "Republic of Kenya"
    kenya.save()
    assert "Republic of Kenya" in countries() and "Kenya" not in countries()


def test_an_invalid_choice_is_refused_on_the_kept_form(client, sam, pair):
    client.force_login(sam)
    page = page_of(client, min_similarity="many")
    assert any("field--error" in d.attrs.get("class", "") for d in page.all("div"))
    assert not any("field--error" in d.attrs.get("class", "") for d in page_of(client).all("div"))


# -- the pairs asked about first (secretariat) --------------------------------------------


@pytest.fixture
def learning(db):
    ScoreCalibration.objects.create(weights={}, threshold=0.4, decisions=30)


def test_the_pairs_asked_first_follow_a_decision_at_once(client, sam, pair, learning):
    client.force_login(sam)
    assert len(asked_first(client)) == 1
    review.decide(OverlapFlag.objects.get(), by=sam, status=Status.COMPLEMENTARY)
    assert asked_first(client) == []


def test_the_pairs_asked_first_follow_a_withdrawal_and_an_edit_at_once(
    client, sam, alice, iom, pair, learning
):
    client.force_login(sam)
    assert "IOM, “Reintegration assistance" in asked_first(client)[0]
    activity_services.activity_update(pair[0], by=alice, title="Returning home to Kenya")
    assert "IOM, “Returning home to Kenya”" in asked_first(client)[0]
    iom.acronym = "IOM-UN"
    iom.save()
    assert "IOM-UN, “Returning home to Kenya”" in asked_first(client)[0]
    activity_services.activity_withdraw(pair[0], by=alice)
    assert asked_first(client) == []


def test_the_pairs_asked_first_are_the_secretariats_alone(client, sam, alice, pair, learning):
    client.force_login(sam)
    assert len(asked_first(client)) == 1
    client.force_login(alice)
    assert asked_first(client) == []
