"""The secretariat's review, second pass: joint work as a decision, the queue's tabs, and the
reasons of a pair in people's words, the same on the pair page, the queue and the CSV."""

import csv
import io
from html import unescape

import pytest
from django.urls import reverse

from agencies.models import Agency
from geo.models import Country, Region
from overlaps import reasons, review, services
from overlaps.engine import Score
from overlaps.filters import FlagFilter
from overlaps.models import OverlapFlag
from priorities.models import Priority, TargetGroup

from .factories import ActivityFactory
from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log

Status = OverlapFlag.Status


@pytest.fixture
def unhcr(db):
    return Agency.objects.get(acronym="UNHCR")


def make_flag(x, y, score=0.8, reasons=None, **fields):
    a, b = sorted((x, y), key=lambda activity: activity.pk)
    return OverlapFlag.objects.create(
        activity_a=a, activity_b=b, score=score, reasons=reasons or {}, **fields
    )


def queue(client, **params):
    return client.get(reverse("overlaps:flag-list"), params)


def queue_ids(response):
    return {flag.pk for flag in response.context["page"].object_list}


# Joint work is a decision


def test_the_secretariat_decides_a_pair_as_joint_work(client, sam, iom, unhcr):
    flag = make_flag(ActivityFactory(agency=iom), ActivityFactory(agency=unhcr))
    client.force_login(sam)
    response = client.post(
        reverse("overlaps:flag-decide", args=[flag.pk]),
        {"status": "joint", "note": "They already work together.", "version": flag.version},
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == Status.JOINT
    assert flag.decided_by == sam
    assert flag.decided_at is not None
    assert flag.is_decided
    assert flag in OverlapFlag.objects.decided()
    page = client.get(flag.get_absolute_url()).content.decode()
    assert "They already work together." in page
    assert "decided by Sam" in page


def test_a_joint_work_decision_survives_rescans(pair, sam):
    flag = OverlapFlag.objects.get()
    review.decide(flag, by=sam, status=Status.JOINT, note="Partners in all but name.")
    services.full_scan()
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == (Status.JOINT, sam)
    # Even a scan that no longer finds the pair keeps the decision.
    services.sync_flags({}, {}, scope_ids=None)
    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == (Status.JOINT, sam)


def test_a_scan_labelled_joint_pair_follows_the_scans(iom, unhcr):
    # Not decided: labelled joint by a scan (partners), it goes when the scan no longer
    # finds it, and turns open when it is no longer joint.
    a, b = ActivityFactory(agency=iom), ActivityFactory(agency=unhcr)
    flag = make_flag(a, b, status=Status.JOINT)
    pair = (flag.activity_a_id, flag.activity_b_id)
    services.sync_flags({pair: Score(value=0.8, joint=False, reasons={})}, {})
    flag.refresh_from_db()
    assert flag.status == Status.OPEN
    services.sync_flags({}, {})
    assert not OverlapFlag.objects.filter(pk=flag.pk).exists()


# The queue's tabs


@pytest.fixture
def every_kind(sam, iom, ilo, unhcr):
    """Two pairs to review, one labelled joint by a scan, one decided joint, one decided
    apart; all involve UNHCR, and only the first involves IOM."""
    flags = {
        "open_iom": make_flag(ActivityFactory(agency=iom), ActivityFactory(agency=unhcr)),
        "open_ilo": make_flag(ActivityFactory(agency=ilo), ActivityFactory(agency=unhcr)),
        "partners": make_flag(
            ActivityFactory(agency=ilo), ActivityFactory(agency=unhcr), status=Status.JOINT
        ),
        "decided_joint": make_flag(ActivityFactory(agency=ilo), ActivityFactory(agency=unhcr)),
        "confirmed": make_flag(ActivityFactory(agency=ilo), ActivityFactory(agency=unhcr)),
    }
    review.decide(flags["decided_joint"], by=sam, status=Status.JOINT)
    review.decide(flags["confirmed"], by=sam, status=Status.CONFIRMED)
    return flags


def tab_links(response):
    """{label: (href, aria-current)} of the queue's tabs."""
    from .markup import Page

    page = Page(response.content.decode())
    (nav,) = [n for n in page.all("nav") if n.attrs.get("aria-label") == "Pairs by status"]
    return {
        link.text.strip(): (link.attrs["href"], link.attrs.get("aria-current"))
        for link in page.all("a")
        if nav in link.ancestors
    }


def test_the_queue_has_a_tab_for_each_kind_with_its_count(client, sam, every_kind):
    client.force_login(sam)
    response = queue(client)
    # The default tab is the pairs to review.
    assert queue_ids(response) == {every_kind["open_iom"].pk, every_kind["open_ilo"].pk}
    links = tab_links(response)
    assert list(links) == ["To review (2)", "Joint work (2)", "Decided (1)"]
    assert links["To review (2)"][1] == "page"
    assert links["Joint work (2)"][1] is None

    joint = queue(client, status="joint")
    assert queue_ids(joint) == {every_kind["partners"].pk, every_kind["decided_joint"].pk}
    assert tab_links(joint)["Joint work (2)"][1] == "page"
    content = joint.content.decode()
    assert "partners or one initiative" in content  # the scan's label, told apart
    decided = queue(client, status="decided")
    assert queue_ids(decided) == {every_kind["confirmed"].pk}
    assert tab_links(decided)["Decided (1)"][1] == "page"


def test_the_tabs_keep_the_other_filters_and_count_under_them(client, sam, every_kind):
    client.force_login(sam)
    response = queue(client, agency="iom")
    links = tab_links(response)
    assert list(links) == ["To review (1)", "Joint work (0)", "Decided (0)"]
    href = links["Joint work (0)"][0]
    assert "agency=iom" in href and "status=joint" in href


def test_a_member_sees_the_joint_work_of_their_agency(client, bob, every_kind):
    client.force_login(bob)  # ILO: in every pair but the first
    links = tab_links(queue(client))
    assert list(links) == ["To review (1)", "Joint work (2)", "Decided (1)"]


def test_tab_counts_cost_one_query(client, sam, every_kind, django_assert_num_queries):
    flag_filter = FlagFilter({}, queryset=OverlapFlag.objects.all())
    with django_assert_num_queries(1):
        counts = flag_filter.tab_counts()
    assert counts == {"open": 2, "joint": 2, "decided": 1}


# Reasons in words


@pytest.fixture
def worded(iom, unhcr):
    """A pair whose reasons hold codes, slugs and stems, as the engine stores them."""
    group = TargetGroup.objects.create(slug="returnees-x", name="People coming home")
    a = ActivityFactory(
        agency=iom,
        reference="IOM-9",
        title="Household survey",
        description="Remittances sent home by returnees.",
        countries=[Country.objects.get(pk="KEN"), Country.objects.get(pk="UGA")],
    )
    b = ActivityFactory(
        agency=unhcr,
        reference="UNHCR-9",
        title="Study of households",
        description="What each remittance pays for.",
        countries=[Country.objects.get(pk="KEN"), Country.objects.get(pk="UGA")],
    )
    return make_flag(
        a,
        b,
        score=0.734,
        reasons={
            "countries": ["KEN", "UGA"],
            "overlap_days": 200,
            "priorities": ["b"],
            "target_groups": [group.slug],
            "text_similarity": 0.41,
            "shared_terms": ["remittances", "household"],
        },
    )


def expected_words():
    b = Priority.objects.get(code="b")
    return [
        "shared area: Kenya, Uganda",
        "overlap in time: 200 days",
        f"shared priorities: (b) {b.short_title}",
        "shared target groups: People coming home",
        "shared words: remittances / remittance, household / households",
    ]


def test_reasons_read_the_same_on_the_pair_page_the_queue_and_the_csv(client, sam, worded):
    client.force_login(sam)
    sentence = "; ".join(expected_words())

    listed = queue(client)
    (flag,) = listed.context["page"].object_list
    assert flag.described.sentence() == sentence
    html = listed.content.decode()
    assert sentence in unescape(html)
    assert "73%" in html

    rows = list(csv.DictReader(io.StringIO(queue(client, format="csv").content.decode())))
    assert rows[0]["reasons"] == sentence
    assert rows[0]["similarity"] == "73%"

    detail = client.get(worded.get_absolute_url())
    described = detail.context["described"]
    assert described.sentence() == sentence
    page = detail.content.decode()
    for shown in (
        "Kenya, Uganda",
        "200 days",
        "People coming home",
        "remittances / remittance",
        "household / households",
        "73% similar",
    ):
        assert shown in page, shown
    # Each text's own words are marked where they stand.
    assert "<mark>Remittances</mark>" in page
    assert "<mark>remittance</mark>" in page
    for code in ("KEN", "UGA", "returnees-x", "41%"):
        assert code not in page, code
        assert code not in rows[0]["reasons"]


def test_the_reasons_filter_reads_a_bare_reasons_dict(worded):
    from overlaps.templatetags.overlap_tags import reasons_sentence

    sentence = reasons_sentence(worded.reasons)
    assert sentence.startswith("shared area: Kenya, Uganda; overlap in time: 200 days")
    # Without the texts the engine's words are shown as stored.
    assert "shared words: remittances, household" in sentence


def test_words_by_stem_follows_the_engines_tokenizer():
    words = reasons.words_by_stem("Remittances, remittances and REMITTANCE in Kenya; the 2026 plan")
    assert words[reasons.stem("remittances")] == ["remittances", "REMITTANCE"]
    # Place names and stopwords are not compared by the engine, so they are not words here.
    assert not {reasons.stem("kenya"), "the", "and"} & set(words)


def test_world_is_named_not_listed(iom, ilo, alice, bob, django_capture_on_commit_callbacks):
    world = Region.objects.get(pk="001")
    with django_capture_on_commit_callbacks(execute=True):
        log(iom, alice, "IOM-1", IOM_TEXT, countries=[], regions=[world])
    with django_capture_on_commit_callbacks(execute=True):
        log(ilo, bob, "ILO-1", ILO_TEXT, countries=[], regions=[world])
    flag = OverlapFlag.objects.get()
    assert flag.reasons["count"] > 200  # what the engine stored: 20 codes and a count
    (described,) = [f.described for f in reasons.describe_flags(OverlapFlag.objects.with_pair())]
    assert described.area == ["World"]
    assert described.sentence().startswith("shared area: World;")


def test_a_whole_region_is_named_and_a_country_within_it_is_the_shared_area(
    iom, ilo, alice, bob, django_capture_on_commit_callbacks
):
    eastern_africa = Region.objects.get(name="Eastern Africa")
    world = Region.objects.get(pk="001")
    with django_capture_on_commit_callbacks(execute=True):
        first = log(iom, alice, "IOM-1", IOM_TEXT, countries=[], regions=[eastern_africa])
    with django_capture_on_commit_callbacks(execute=True):
        log(ilo, bob, "ILO-1", ILO_TEXT, countries=[], regions=[eastern_africa])
    (described,) = [f.described for f in reasons.describe_flags(OverlapFlag.objects.with_pair())]
    assert described.area == ["Eastern Africa"]

    # World against one country: the shared area is that country.
    from activities import services as activity_services

    with django_capture_on_commit_callbacks(execute=True):
        activity_services.activity_update(first, by=alice, regions=[world])
    with django_capture_on_commit_callbacks(execute=True):
        log(iom, alice, "IOM-2", ILO_TEXT)  # Kenya only, against ILO's Eastern Africa
    flags = reasons.describe_flags(OverlapFlag.objects.with_pair())
    areas = {tuple(flag.described.area) for flag in flags}
    assert ("Kenya",) in areas
    assert ("Eastern Africa",) in areas


def test_the_csv_reads_names_in_bulk(
    client, sam, iom, unhcr, worded, django_assert_max_num_queries
):
    client.force_login(sam)
    url = reverse("overlaps:flag-list") + "?format=csv"
    client.get(url)  # warm up the session
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for _ in range(15):
        make_flag(
            ActivityFactory(agency=iom), ActivityFactory(agency=unhcr), reasons=worded.reasons
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(list(csv.reader(io.StringIO(response.content.decode())))) == 17


def test_the_pair_page_reads_names_in_bulk(client, sam, worded, django_assert_max_num_queries):
    client.force_login(sam)
    client.get(worded.get_absolute_url())
    with django_assert_max_num_queries(25) as few:
        client.get(worded.get_absolute_url())
    names = [q["sql"] for q in few.captured_queries if '"geo_country"' in q["sql"]]
    # The activities' countries (prefetched for the page) and the names: no query per code.
    assert len(names) <= 2


def test_reasons_in_words_reads_names_once_for_a_whole_template(
    worded, django_assert_max_num_queries
):
    from django.template import Context, Template

    template = Template(
        "{% load overlap_tags %}{% for r in rows %}{% reasons_in_words r %}|{% endfor %}"
    )
    with django_assert_max_num_queries(3):  # countries, priorities, target groups
        html = template.render(Context({"rows": [worded.reasons] * 10}))
    assert html.count("shared area: Kenya, Uganda") == 10


# One pair, one joint initiative


def test_an_undecided_pair_is_not_made_a_joint_initiative(sam, iom, unhcr):
    from django.core.exceptions import ValidationError

    from initiatives.models import JointInitiative

    flag = make_flag(ActivityFactory(agency=iom), ActivityFactory(agency=unhcr))
    with pytest.raises(ValidationError):
        review.initiative_from_flag(flag, by=sam, expected_version=flag.version)
    labelled = make_flag(
        ActivityFactory(agency=iom), ActivityFactory(agency=unhcr), status=Status.JOINT
    )
    with pytest.raises(ValidationError):  # a scan's label is not a decision
        review.initiative_from_flag(labelled, by=sam, expected_version=labelled.version)
    assert not JointInitiative.objects.exists()


def test_activities_already_in_one_initiative_make_no_other(sam, iom, ilo, unhcr):
    from initiatives.models import JointInitiative

    from .factories import JointInitiativeFactory

    existing = JointInitiativeFactory(lead_agency=iom)
    a = ActivityFactory(agency=iom, initiative=existing)
    b = ActivityFactory(agency=unhcr, initiative=existing)
    c = ActivityFactory(agency=ilo, initiative=existing)
    first = review.decide(make_flag(a, b), by=sam, status=Status.JOINT)
    second = review.decide(make_flag(a, c), by=sam, status=Status.JOINT)

    assert review.initiative_from_flag(first, by=sam) == (existing, False)
    first.refresh_from_db()
    assert first.initiative == existing
    # An initiative is one pair's source at most; the other pair finds it all the same.
    assert review.initiative_from_flag(second, by=sam) == (existing, False)
    second.refresh_from_db()
    assert second.initiative is None
    assert JointInitiative.objects.count() == 1
