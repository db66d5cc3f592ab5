"""The duplication review: who sees, decides and comments on overlap flags, with named people."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from activities.models import Activity
from agencies.models import Agency, Role
from common import tallies
from initiatives.models import JointInitiative
from overlaps import review
from overlaps.models import PAIRS, FlagComment, OverlapFlag
from overlaps.templatetags.overlap_tags import mark_terms

from .factories import ActivityFactory, UserFactory

REASONS = {
    "countries": ["KEN"],
    "overlap_days": 365,
    "priorities": ["b"],
    "target_groups": [],
    "text_similarity": 0.62,
    "shared_terms": ["remittances", "household"],
}


def make_flag(x, y, score=0.8, **fields):
    a, b = sorted((x, y), key=lambda activity: activity.pk)
    fields.setdefault("reasons", REASONS)
    return OverlapFlag.objects.create(activity_a=a, activity_b=b, score=score, **fields)


@pytest.fixture
def unhcr(db):
    return Agency.objects.get(acronym="UNHCR")


@pytest.fixture
def iom_activity(iom):
    return ActivityFactory(agency=iom, reference="IOM-2026-001", title="Remittance survey Kenya")


@pytest.fixture
def unhcr_activity(unhcr):
    return ActivityFactory(
        agency=unhcr, reference="UNHCR-2026-001", title="Refugee household study"
    )


@pytest.fixture
def ilo_activity(ilo):
    return ActivityFactory(agency=ilo, reference="ILO-2026-001", title="Labour market survey")


@pytest.fixture
def iom_flag(iom_activity, unhcr_activity):
    """IOM and UNHCR: ILO has nothing to do with it."""
    return make_flag(iom_activity, unhcr_activity, score=0.81)


@pytest.fixture
def ilo_flag(ilo_activity, unhcr_activity):
    """ILO and UNHCR: IOM has nothing to do with it."""
    return make_flag(ilo_activity, unhcr_activity, score=0.55)


def list_url(**params):
    url = reverse("overlaps:flag-list")
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params)
    return url


def queue_ids(response):
    return {flag.pk for flag in response.context["page"].object_list}


# Who sees what


def test_anonymous_is_sent_to_sign_in(client, iom_flag):
    for url in (list_url(), iom_flag.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_secretariat_sees_every_flag(client, sam, iom_flag, ilo_flag):
    client.force_login(sam)
    response = client.get(list_url())
    assert response.status_code == 200
    assert queue_ids(response) == {iom_flag.pk, ilo_flag.pk}
    assert "Duplication review" in response.content.decode()


def test_staff_sees_only_flags_of_own_agency(client, alice, iom_flag, ilo_flag):
    client.force_login(alice)
    response = client.get(list_url())
    assert response.status_code == 200
    assert queue_ids(response) == {iom_flag.pk}
    assert client.get(iom_flag.get_absolute_url()).status_code == 200
    assert client.get(ilo_flag.get_absolute_url()).status_code == 404


def test_outsider_cannot_see_a_flag_about_other_agencies(client, bob, iom_flag, ilo_flag):
    client.force_login(bob)
    assert queue_ids(client.get(list_url())) == {ilo_flag.pk}
    assert client.get(iom_flag.get_absolute_url()).status_code == 404
    response = client.post(reverse("overlaps:flag-comment", args=[iom_flag.pk]), {"text": "Hello"})
    assert response.status_code == 404
    assert not FlagComment.objects.exists()


def test_head_of_agency_reads_without_deciding(client, harry, iom_flag):
    client.force_login(harry)
    response = client.get(iom_flag.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("overlaps:flag-decide", args=[iom_flag.pk]) not in content
    assert reverse("overlaps:flag-initiative", args=[iom_flag.pk]) not in content
    response = client.post(
        reverse("overlaps:flag-decide", args=[iom_flag.pk]), {"status": "not_related"}
    )
    assert response.status_code == 403


def test_secretariat_sees_the_decision_form(client, sam, iom_flag):
    client.force_login(sam)
    content = client.get(iom_flag.get_absolute_url()).content.decode()
    assert reverse("overlaps:flag-decide", args=[iom_flag.pk]) in content
    # An undecided pair is not offered as a joint initiative yet.
    assert reverse("overlaps:flag-initiative", args=[iom_flag.pk]) not in content
    assert "Decide the pair as a confirmed duplication or as joint work" in content


@pytest.mark.parametrize("status", [OverlapFlag.Status.CONFIRMED, OverlapFlag.Status.JOINT])
def test_a_pair_decided_as_duplication_or_joint_work_offers_a_joint_initiative(
    client, sam, iom_flag, status
):
    review.decide(iom_flag, by=sam, status=status)
    client.force_login(sam)
    content = client.get(iom_flag.get_absolute_url()).content.decode()
    assert reverse("overlaps:flag-initiative", args=[iom_flag.pk]) in content


@pytest.mark.parametrize(
    "status", [OverlapFlag.Status.COMPLEMENTARY, OverlapFlag.Status.NOT_RELATED]
)
def test_a_pair_decided_apart_offers_no_joint_initiative(client, sam, iom_flag, status):
    review.decide(iom_flag, by=sam, status=status)
    client.force_login(sam)
    content = client.get(iom_flag.get_absolute_url()).content.decode()
    assert reverse("overlaps:flag-initiative", args=[iom_flag.pk]) not in content


# Decisions


def loaded_version(client, flag, form="decision_form"):
    """The version a person's browser holds after opening the pair page."""
    response = client.get(flag.get_absolute_url())
    assert response.status_code == 200
    return response.context[form]["version"].value()


def test_secretariat_decides_and_the_decision_is_kept(client, sam, iom_flag):
    client.force_login(sam)
    response = client.post(
        reverse("overlaps:flag-decide", args=[iom_flag.pk]),
        {
            "status": "complementary",
            "note": "Different populations.",
            "version": loaded_version(client, iom_flag),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == iom_flag.get_absolute_url()
    iom_flag.refresh_from_db()
    assert iom_flag.status == OverlapFlag.Status.COMPLEMENTARY
    assert iom_flag.decision_note == "Different populations."
    assert iom_flag.decided_by == sam
    assert iom_flag.decided_at is not None
    page = client.get(iom_flag.get_absolute_url()).content.decode()
    assert "Complementary" in page
    assert "Different populations." in page


@pytest.mark.parametrize("person", ["alice", "fiona", "harry"])
def test_only_the_secretariat_decides(client, request, iom_flag, person):
    client.force_login(request.getfixturevalue(person))
    response = client.post(
        reverse("overlaps:flag-decide", args=[iom_flag.pk]), {"status": "not_related"}
    )
    assert response.status_code == 403
    iom_flag.refresh_from_db()
    assert iom_flag.status == OverlapFlag.Status.OPEN
    assert iom_flag.decided_by is None


def test_decision_must_be_one_of_the_four(client, sam, iom_flag):
    client.force_login(sam)
    response = client.post(
        reverse("overlaps:flag-decide", args=[iom_flag.pk]),
        {"status": "open", "version": iom_flag.version},
    )
    assert response.status_code == 200
    assert response.context["decision_form"].errors["status"]
    iom_flag.refresh_from_db()
    assert iom_flag.status == OverlapFlag.Status.OPEN


@pytest.fixture
def sara(db):
    """A second member of the secretariat, deciding the same queue as Sam."""
    return UserFactory(
        email="sara@gmg.example", full_name="Sara", agency=None, role=Role.SECRETARIAT
    )


def decide_url(flag):
    return reverse("overlaps:flag-decide", args=[flag.pk])


def test_the_second_of_two_people_deciding_a_pair_is_told_and_keeps_her_note(sam, sara, iom_flag):
    sams, saras = Client(), Client()
    sams.force_login(sam)
    saras.force_login(sara)
    sam_loaded = loaded_version(sams, iom_flag)
    sara_loaded = loaded_version(saras, iom_flag)

    response = sams.post(
        decide_url(iom_flag),
        {"status": "complementary", "note": "Different populations.", "version": sam_loaded},
    )
    assert response.status_code == 302
    response = saras.post(
        decide_url(iom_flag),
        {"status": "confirmed", "note": "Same survey, twice funded.", "version": sara_loaded},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Someone else changed this pair since you opened it" in content
    assert "Same survey, twice funded." in content
    assert response.context["decision_form"]["note"].value() == "Same survey, twice funded."
    iom_flag.refresh_from_db()
    assert iom_flag.status == OverlapFlag.Status.COMPLEMENTARY
    assert iom_flag.decision_note == "Different populations."
    assert iom_flag.decided_by == sam


def test_after_a_stale_refusal_the_page_shows_the_other_decision_and_may_replace_it(
    sam, sara, iom_flag
):
    sams, saras = Client(), Client()
    sams.force_login(sam)
    saras.force_login(sara)
    sara_loaded = loaded_version(saras, iom_flag)
    sams.post(
        decide_url(iom_flag),
        {"status": "complementary", "note": "", "version": loaded_version(sams, iom_flag)},
    )
    refused = saras.post(
        decide_url(iom_flag), {"status": "confirmed", "note": "Twice.", "version": sara_loaded}
    )
    assert "Complementary" in refused.content.decode()

    # She has now seen Sam's decision: sending the form again is a choice, not an accident.
    again = {
        name: refused.context["decision_form"][name].value()
        for name in ("status", "note", "version")
    }
    assert saras.post(decide_url(iom_flag), again).status_code == 302
    iom_flag.refresh_from_db()
    assert iom_flag.status == OverlapFlag.Status.CONFIRMED
    assert iom_flag.decided_by == sara


def test_a_double_click_on_record_decision_is_not_an_error(client, sam, iom_flag):
    client.force_login(sam)
    data = {
        "status": "not_related",
        "note": "Other region.",
        "version": loaded_version(client, iom_flag),
    }
    assert client.post(decide_url(iom_flag), data).status_code == 302
    assert client.post(decide_url(iom_flag), data).status_code == 302
    iom_flag.refresh_from_db()
    assert iom_flag.status == OverlapFlag.Status.NOT_RELATED
    assert iom_flag.version == data["version"] + 1


def test_a_decision_without_the_version_it_was_made_on_is_refused(client, sam, iom_flag):
    client.force_login(sam)
    response = client.post(decide_url(iom_flag), {"status": "confirmed", "note": "Kept."})
    assert response.status_code == 200
    assert "Kept." in response.content.decode()
    iom_flag.refresh_from_db()
    assert iom_flag.status == OverlapFlag.Status.OPEN


def test_a_comment_does_not_make_an_open_decision_form_stale(client, sam, alice, iom_flag):
    client.force_login(sam)
    version = loaded_version(client, iom_flag)
    other = Client()
    other.force_login(alice)
    other.post(reverse("overlaps:flag-comment", args=[iom_flag.pk]), {"text": "FYI."})
    response = client.post(
        decide_url(iom_flag), {"status": "confirmed", "note": "", "version": version}
    )
    assert response.status_code == 302


def test_decide_refuses_get(client, sam, iom_flag):
    client.force_login(sam)
    assert client.get(reverse("overlaps:flag-decide", args=[iom_flag.pk])).status_code == 405


# Comments


@pytest.mark.parametrize("person", ["alice", "fiona", "harry", "sam"])
def test_people_of_the_pair_comment(client, request, iom_flag, person):
    user = request.getfixturevalue(person)
    client.force_login(user)
    response = client.post(
        reverse("overlaps:flag-comment", args=[iom_flag.pk]), {"text": "We talked to UNHCR."}
    )
    assert response.status_code == 302
    comment = FlagComment.objects.get()
    assert comment.flag == iom_flag
    assert comment.author == user
    page = client.get(iom_flag.get_absolute_url()).content.decode()
    assert "We talked to UNHCR." in page


def test_a_double_click_on_add_comment_adds_it_once(client, alice, iom_flag):
    client.force_login(alice)
    url = reverse("overlaps:flag-comment", args=[iom_flag.pk])
    assert client.post(url, {"text": "We talked to UNHCR."}).status_code == 302
    assert client.post(url, {"text": " We talked to UNHCR. "}).status_code == 302
    assert FlagComment.objects.count() == 1
    assert client.post(url, {"text": "And to ILO."}).status_code == 302
    assert FlagComment.objects.count() == 2


def test_empty_comment_is_refused(client, alice, iom_flag):
    client.force_login(alice)
    response = client.post(reverse("overlaps:flag-comment", args=[iom_flag.pk]), {"text": " "})
    assert response.status_code == 200
    assert response.context["comment_form"].errors
    assert not FlagComment.objects.exists()


# CSV


def test_csv_download_uses_the_filters(client, sam, iom_flag, ilo_flag):
    client.force_login(sam)
    response = client.get(list_url(format="csv", agency="iom"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "reference_a",
        "agency_a",
        "reference_b",
        "agency_b",
        "similarity",
        "status",
        "reasons",
        "withdrawn",
    ]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["reference_a"] == "IOM-2026-001"
    assert row["agency_a"] == "IOM"
    assert row["reference_b"] == "UNHCR-2026-001"
    assert row["agency_b"] == "UNHCR"
    assert row["similarity"] == "81%"
    assert row["status"] == "open"
    assert "shared area: Kenya" in row["reasons"]
    assert "KEN" not in row["reasons"]


def test_csv_download_is_limited_to_own_agency(client, alice, iom_flag, ilo_flag):
    client.force_login(alice)
    rows = list(csv.reader(io.StringIO(client.get(list_url(format="csv")).content.decode())))
    assert [row[0] for row in rows[1:]] == ["IOM-2026-001"]


def test_queue_page_links_to_the_csv(client, sam, iom_flag):
    client.force_login(sam)
    content = client.get(list_url(agency="iom")).content.decode()
    assert "format=csv" in content


# Joint initiative


def test_secretariat_turns_a_flag_into_a_joint_initiative(
    client, sam, iom, unhcr, iom_flag, iom_activity, unhcr_activity
):
    review.decide(iom_flag, by=sam, status=OverlapFlag.Status.CONFIRMED)
    client.force_login(sam)
    response = client.post(
        reverse("overlaps:flag-initiative", args=[iom_flag.pk]),
        {"version": loaded_version(client, iom_flag, "initiative_form")},
    )
    initiative = JointInitiative.objects.get()
    assert response.status_code == 302
    assert response["Location"] == initiative.get_absolute_url()
    assert initiative.lead_agency == iom
    assert set(initiative.participating_agencies.all()) == {iom, unhcr}
    assert set(Activity.objects.filter(initiative=initiative)) == {iom_activity, unhcr_activity}
    iom_flag.refresh_from_db()
    assert iom_flag.status == OverlapFlag.Status.CONFIRMED


@pytest.mark.parametrize("status", [OverlapFlag.Status.CONFIRMED, OverlapFlag.Status.JOINT])
def test_a_double_click_on_create_joint_initiative_creates_one(client, sam, iom_flag, status):
    review.decide(iom_flag, by=sam, status=status)
    client.force_login(sam)
    url = reverse("overlaps:flag-initiative", args=[iom_flag.pk])
    data = {"version": loaded_version(client, iom_flag, "initiative_form")}
    first = client.post(url, data)
    second = client.post(url, data, follow=True)

    initiative = JointInitiative.objects.get()
    assert first["Location"] == initiative.get_absolute_url()
    # The second click lands where the first was going, and says nothing more was made.
    assert second.redirect_chain[-1][0] == initiative.get_absolute_url()
    assert "no other was created" in second.content.decode()
    assert set(Activity.objects.filter(initiative=initiative)) == {
        iom_flag.activity_a,
        iom_flag.activity_b,
    }


def test_create_joint_initiative_from_a_page_older_than_a_decision_creates_nothing(
    client, sam, sara, iom_flag
):
    iom_flag = review.decide(iom_flag, by=sam, status="confirmed")
    client.force_login(sam)
    loaded = loaded_version(client, iom_flag, "initiative_form")
    iom_flag = review.decide(iom_flag, by=sara, status="complementary", note="Not the same.")
    response = client.post(
        reverse("overlaps:flag-initiative", args=[iom_flag.pk]), {"version": loaded}, follow=True
    )
    assert response.redirect_chain[-1][0] == iom_flag.get_absolute_url()
    assert "no joint initiative was created" in response.content.decode()
    assert not JointInitiative.objects.exists()
    iom_flag.refresh_from_db()
    assert iom_flag.status == OverlapFlag.Status.COMPLEMENTARY


def test_create_joint_initiative_without_a_version_creates_nothing(client, sam, iom_flag):
    client.force_login(sam)
    response = client.post(reverse("overlaps:flag-initiative", args=[iom_flag.pk]))
    assert response.status_code == 302
    assert not JointInitiative.objects.exists()


@pytest.mark.parametrize("person", ["alice", "fiona", "harry"])
def test_only_the_secretariat_creates_initiatives(client, request, iom_flag, person):
    client.force_login(request.getfixturevalue(person))
    response = client.post(reverse("overlaps:flag-initiative", args=[iom_flag.pk]))
    assert response.status_code == 403
    assert not JointInitiative.objects.exists()


def test_no_initiative_from_a_dismissed_flag(client, sam, iom_flag):
    iom_flag.status = OverlapFlag.Status.NOT_RELATED
    iom_flag.save()
    client.force_login(sam)
    response = client.post(
        reverse("overlaps:flag-initiative", args=[iom_flag.pk]), {"version": iom_flag.version}
    )
    assert response.status_code == 302
    assert not JointInitiative.objects.exists()


# Filters


def test_filter_by_agency_on_either_side(client, sam, iom_flag, ilo_flag):
    client.force_login(sam)
    assert queue_ids(client.get(list_url(agency="iom"))) == {iom_flag.pk}
    assert queue_ids(client.get(list_url(agency="ilo"))) == {ilo_flag.pk}
    assert queue_ids(client.get(list_url(agency="unhcr"))) == {iom_flag.pk, ilo_flag.pk}


def test_status_defaults_to_open(client, sam, iom_flag, ilo_flag):
    ilo_flag.status = OverlapFlag.Status.NOT_RELATED
    ilo_flag.save()
    client.force_login(sam)
    assert queue_ids(client.get(list_url())) == {iom_flag.pk}
    assert queue_ids(client.get(list_url(status="not_related"))) == {ilo_flag.pk}
    assert queue_ids(client.get(list_url(status=""))) == {iom_flag.pk, ilo_flag.pk}


def test_filter_by_min_similarity_in_percent(client, sam, iom_flag, ilo_flag):
    client.force_login(sam)
    assert queue_ids(client.get(list_url(min_similarity="70"))) == {iom_flag.pk}
    assert queue_ids(client.get(list_url(min_similarity="50"))) == {iom_flag.pk, ilo_flag.pk}
    # Shown as 81%, so at least 81%.
    assert queue_ids(client.get(list_url(min_similarity="81"))) == {iom_flag.pk}
    assert queue_ids(client.get(list_url(min_similarity="82"))) == set()


def test_filter_by_priority_and_country(client, sam, iom_flag, ilo_flag, ilo_activity):
    from geo.models import Country
    from priorities.models import Priority

    ilo_activity.priorities.add(Priority.objects.get(code="e"))
    ilo_activity.countries.add(Country.objects.get(pk="UGA"))
    client.force_login(sam)
    assert queue_ids(client.get(list_url(priority="e"))) == {ilo_flag.pk}
    assert queue_ids(client.get(list_url(priority="b"))) == {iom_flag.pk, ilo_flag.pk}
    assert queue_ids(client.get(list_url(country="UGA"))) == {ilo_flag.pk}


def test_ordering_by_score(client, sam, iom_flag, ilo_flag):
    client.force_login(sam)
    ids = [f.pk for f in client.get(list_url(ordering="score")).context["page"].object_list]
    assert ids == [ilo_flag.pk, iom_flag.pk]
    ids = [f.pk for f in client.get(list_url(ordering="-score")).context["page"].object_list]
    assert ids == [iom_flag.pk, ilo_flag.pk]


def test_queue_queries_do_not_grow_with_rows(
    client, sam, iom, unhcr, django_assert_max_num_queries
):
    client.force_login(sam)
    first = ActivityFactory(agency=iom)
    make_flag(first, ActivityFactory(agency=unhcr))
    client.get(list_url())  # warm up the session and caches
    # Session, person, count, page, clusters, tab counts; names of the reasons: activities'
    # regions, countries, priorities (one query per kind, not per row); for the secretariat,
    # the calibration in force, the pairs nearest its threshold and the refits' history.
    # The counts are kept until a pair changes: measured as after a change, counted again.
    tallies.changed(PAIRS)
    with django_assert_max_num_queries(15) as one_row:
        client.get(list_url())
    for _ in range(15):
        make_flag(first, ActivityFactory(agency=unhcr))
    tallies.changed(PAIRS)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(list_url())
    assert response.context["page"].paginator.count == 16


# Pair page


def test_pair_page_escapes_descriptions_and_marks_shared_terms(client, sam, iom, unhcr):
    a = ActivityFactory(
        agency=iom, description="<script>alert('x')</script> Household remittances in Kenya."
    )
    b = ActivityFactory(agency=unhcr, description="Remittances of refugee households & more.")
    flag = make_flag(a, b)
    client.force_login(sam)
    content = client.get(flag.get_absolute_url()).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(" in content
    assert "<mark>remittances</mark>" in content
    assert "<mark>Remittances</mark>" in content
    assert "<mark>households</mark>" in content
    assert "&amp; more" in content
    assert "80% similar" in content
    assert "365 days" in content


def test_mark_terms_escapes_text_and_terms():
    html = mark_terms("a <b>fish & chips</b> for <i>Chips</i>", ["chip", "amp", "<b>"])
    # Nothing is marked inside the escaped "&amp;", and no tag gets through.
    assert html == (
        "a &lt;b&gt;fish &amp; <mark>chips</mark>&lt;/b&gt; for "
        "&lt;i&gt;<mark>Chips</mark>&lt;/i&gt;"
    )
    assert mark_terms("<i>x</i>", []) == "&lt;i&gt;x&lt;/i&gt;"


# Clusters


def test_cluster_follows_open_flags_only(client, sam, iom, ilo, unhcr):
    a = ActivityFactory(agency=iom)
    b = ActivityFactory(agency=unhcr)
    c = ActivityFactory(agency=ilo)
    d = ActivityFactory(agency=iom)
    lone = ActivityFactory(agency=ilo)
    make_flag(a, b)
    make_flag(b, c)
    make_flag(c, d, status=OverlapFlag.Status.NOT_RELATED)
    make_flag(d, lone)
    client.force_login(sam)
    response = client.get(reverse("overlaps:activity-cluster", args=[a.pk]))
    assert response.status_code == 200
    assert {activity.pk for activity in response.context["activities"]} == {a.pk, b.pk, c.pk}
    assert len(response.context["flags"]) == 2


def test_cluster_shows_only_flags_the_person_may_see(client, bob, iom, ilo, unhcr):
    a = ActivityFactory(agency=ilo)
    b = ActivityFactory(agency=unhcr)
    c = ActivityFactory(agency=iom)
    make_flag(a, b)
    make_flag(b, c)  # UNHCR–IOM: private to them
    client.force_login(bob)
    response = client.get(reverse("overlaps:activity-cluster", args=[a.pk]))
    assert {activity.pk for activity in response.context["activities"]} == {a.pk, b.pk}


def test_similar_activities_partial_lists_focal_points(iom, fiona, unhcr_activity):
    from django.template.loader import render_to_string

    class FakeScore:
        value = 0.7
        reasons = REASONS

    html = render_to_string(
        "includes/similar_activities.html",
        {
            "similar": [(unhcr_activity, FakeScore())],
            "focal_points": {unhcr_activity.agency_id: [fiona]},
        },
    )
    assert unhcr_activity.get_absolute_url() in html
    assert "fiona@iom.example" in html
    # The proposal is made in the portal, filled in, with the other agency invited.
    propose = reverse("initiatives:create")
    assert f'href="{propose}?title=Joint' in html
    assert f"invited_agencies={unhcr_activity.agency_id}" in html
    assert "mailto:fiona@iom.example?subject=" not in html
    assert "70% similar" in html


def test_queue_points_out_clusters(client, sam, iom, ilo):
    unhcr = Agency.objects.get(acronym="UNHCR")
    hub = ActivityFactory(agency=iom, reference="HUB-1")
    others = [ActivityFactory(agency=ilo), ActivityFactory(agency=unhcr)]
    for other in others:
        a, b = sorted([hub, other], key=lambda act: act.pk)
        OverlapFlag.objects.create(activity_a=a, activity_b=b, score=0.8, reasons={})
    client.force_login(sam)
    html = client.get(reverse("overlaps:flag-list")).content.decode()
    assert "HUB-1 overlaps with 2 other activities" in html
    assert reverse("overlaps:activity-cluster", args=[hub.pk]) in html
