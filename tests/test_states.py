"""Engagements with States and requests for support: who may do what, the steps of a request,
follow-ups falling overdue, the lists and their CSV, and what reaches a head's attention.

Alice is IOM staff, Fiona IOM's focal point, Harry IOM's head, Bob ILO staff (an outsider to
IOM's records), Sam the secretariat; Olga is ILO's focal point.
"""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role
from digests.attention import needs_attention
from digests.presentation import attention_groups
from geo.models import Country
from priorities.models import Priority
from states import selectors, services
from states.models import Engagement, FollowUp, RequestEvent, SupportRequest

from .factories import ActivityFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def mexico(db):
    return Country.objects.get(iso3="MEX")


@pytest.fixture
def jk(db):
    return list(Priority.objects.filter(code__in=("j", "k")))


@pytest.fixture
def olga(ilo):
    return UserFactory(email="olga@ilo.example", agency=ilo, role=Role.FOCAL_POINT)


@pytest.fixture
def engagement(iom, alice, mexico, jk):
    return services.engagement_create(
        lead_agency=iom,
        by=alice,
        date=TODAY - 10 * DAY,
        counterpart_kind=Engagement.Kind.GOVERNMENT,
        counterpart_name="Secretaría de Relaciones Exteriores",
        country=mexico,
        topic="Labour migration corridors with Mexico",
        priorities=jk,
    )


def new_request(by, country, priorities, **fields):
    return services.request_create(
        by=by,
        country=country,
        received_date=TODAY - 5 * DAY,
        subject=fields.pop("subject", "Support to a national migration policy"),
        priorities=priorities,
        **fields,
    )


@pytest.fixture
def received(fiona, mexico, jk):
    return new_request(fiona, mexico, jk)


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


# -- engagements ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, may", [("alice", True), ("fiona", True), ("sam", True), ("harry", False), ("bob", False)]
)
def test_who_edits_an_engagement(client, request, engagement, who, may):
    user = request.getfixturevalue(who)
    login(client, user)
    url = reverse("states:engagement-edit", args=[engagement.pk])
    assert client.get(url).status_code == (200 if may else 403)
    data = {
        "date": TODAY.isoformat(),
        "counterpart_kind": "government",
        "country": "MEX",
        "counterpart_name": "SRE",
        "topic": "Changed topic",
        "priorities": [p.pk for p in engagement.priorities.all()],
        "version": engagement.version,
    }
    response = client.post(url, data)
    engagement.refresh_from_db()
    assert (engagement.topic == "Changed topic") is may
    assert response.status_code == (302 if may else 403)


def test_an_involved_agency_edits_it_too(client, engagement, ilo, bob, alice):
    services.engagement_update(engagement, by=alice, agencies=[ilo])
    login(client, bob)
    assert client.get(reverse("states:engagement-edit", args=[engagement.pk])).status_code == 200
    assert set(engagement.agencies.values_list("acronym", flat=True)) == {"IOM", "ILO"}


def test_anonymous_is_sent_to_sign_in(client, engagement, received):
    for url in (
        reverse("states:engagement-list"),
        reverse("states:engagement-detail", args=[engagement.pk]),
        reverse("states:request-detail", args=[received.pk]),
        reverse("states:request-step", args=[received.pk, "assign"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


def test_a_government_needs_its_country_and_nothing_is_half_saved(client, alice, jk, ilo):
    login(client, alice)
    before = Engagement.objects.count()
    response = client.post(
        reverse("states:engagement-create"),
        {
            "date": TODAY.isoformat(),
            "counterpart_kind": "government",
            "country": "",
            "counterpart_name": "Ministry of Labour",
            "topic": "Talks",
            "agencies": [ilo.pk],
            "priorities": [p.pk for p in jk],
        },
    )
    assert response.status_code == 200
    assert "Name the country of the Government." in response.context["form"].errors["country"]
    assert Engagement.objects.count() == before
    assert not Engagement.agencies.through.objects.exists()


def test_an_engagement_is_recorded_for_ones_own_agency(client, fiona, jk, iom):
    login(client, fiona)
    activity = ActivityFactory(agency=iom)
    response = client.post(
        reverse("states:engagement-create"),
        {
            "date": TODAY.isoformat(),
            "counterpart_kind": "rcp",
            "counterpart_name": "Colombo Process",
            "country": "MEX",  # dropped: a process spans countries
            "topic": "Recruitment costs",
            "priorities": [p.pk for p in jk],
            "activities": [activity.pk],
        },
    )
    engagement = Engagement.objects.get(topic="Recruitment costs")
    assert response.status_code == 302 and response.url == engagement.get_absolute_url()
    assert engagement.lead_agency == iom and engagement.country is None
    assert list(engagement.activities.all()) == [activity]
    assert list(engagement.agencies.all()) == [iom]


def test_a_head_or_an_anonymous_visitor_records_nothing(client, harry):
    login(client, harry)
    assert client.get(reverse("states:engagement-create")).status_code == 403


# -- follow-ups -------------------------------------------------------------------------------


def test_follow_ups_fall_overdue_and_are_marked_done(client, engagement, ilo, alice, bob):
    late = services.follow_up_create(
        engagement,
        by=alice,
        description="Send the draft MoU",
        owner_agency=ilo,
        due_date=TODAY - DAY,
    )
    soon = services.follow_up_create(
        engagement, by=alice, description="Share data", owner_agency=ilo, due_date=TODAY + DAY
    )
    assert list(FollowUp.objects.overdue(TODAY)) == [late]
    assert list(Engagement.objects.with_overdue(TODAY)) == [engagement]
    login(client, alice)
    listed = client.get(reverse("states:engagement-list"), {"overdue": "true"})
    assert list(listed.context["page"].object_list) == [engagement]
    page = client.get(engagement.get_absolute_url()).content.decode()
    assert "Overdue" in page

    # The owner agency's staff mark it done, though ILO is not otherwise involved.
    login(client, bob)
    response = client.post(reverse("states:follow-up-done", args=[late.pk]))
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.status == FollowUp.Status.DONE and late.done_date == TODAY
    assert not Engagement.objects.with_overdue(TODAY).exists()
    # Not the other follow-ups' owner? Bob owns both; Harry (a head) owns none.
    client.force_login(UserFactory(agency=ilo, role=Role.HEAD))
    assert client.post(reverse("states:follow-up-done", args=[soon.pk])).status_code == 403
    assert list(FollowUp.objects.open()) == [soon]


def test_a_follow_up_needs_a_due_date(client, engagement, alice, iom):
    login(client, alice)
    response = client.post(
        reverse("states:follow-up-create", args=[engagement.pk]),
        {"description": "Call back", "owner_agency": iom.pk, "due_date": ""},
    )
    assert response.status_code == 200 and "due_date" in response.context["form"].errors
    assert not FollowUp.objects.exists()


# -- requests for support ---------------------------------------------------------------------


def step(client, support_request, name, **data):
    return client.post(reverse("states:request-step", args=[support_request.pk, name]), data)


@pytest.mark.parametrize(
    "who, may",
    [("fiona", True), ("olga", True), ("sam", True), ("alice", False), ("harry", False)],
)
def test_who_logs_and_assigns_a_request(client, request, received, iom, who, may):
    user = request.getfixturevalue(who)
    login(client, user)
    assert client.get(reverse("states:request-create")).status_code == (200 if may else 403)
    response = step(client, received, "assign", lead_agency=iom.pk, note="IOM has the office")
    assert response.status_code == (302 if may else 403)
    received.refresh_from_db()
    assert (received.status == SupportRequest.Status.ASSIGNED) is may


@pytest.mark.parametrize(
    "who, may",
    [("fiona", True), ("sam", True), ("olga", False), ("alice", False), ("harry", False)],
)
def test_only_the_lead_agencys_focal_points_move_it_forward(
    client, request, received, iom, sam, who, may
):
    services.request_step(received, "assign", by=sam, lead_agency=iom)
    user = request.getfixturevalue(who)
    login(client, user)
    assert step(client, received, "start").status_code == (302 if may else 403)
    received.refresh_from_db()
    if not may:
        assert received.status == SupportRequest.Status.ASSIGNED
        return
    assert received.status == SupportRequest.Status.IN_PROGRESS
    # Closing asks for the outcome; without it nothing changes.
    response = step(client, received, "close", note="  ")
    assert response.status_code == 200 and "note" in response.context["form"].errors
    received.refresh_from_db()
    assert received.status == SupportRequest.Status.IN_PROGRESS
    assert step(client, received, "close", note="Policy adopted").status_code == 302
    received.refresh_from_db()
    assert received.status == SupportRequest.Status.CLOSED and received.outcome == "Policy adopted"
    history = list(received.events.values_list("from_status", "to_status", "actor", "note"))
    assert history == [
        ("", "received", received.created_by_id, ""),
        ("received", "assigned", sam.pk, ""),
        ("assigned", "in_progress", user.pk, ""),
        ("in_progress", "closed", user.pk, "Policy adopted"),
    ]


def test_steps_out_of_order_are_refused(client, received, fiona, iom, sam):
    login(client, sam)
    # Not started: it cannot be closed, whoever asks.
    assert step(client, received, "close", note="Done").status_code == 403
    assert step(client, received, "nonsense").status_code == 404
    with pytest.raises(Exception, match="cannot take this step"):
        services.request_step(received, "start", by=sam)
    assert RequestEvent.objects.filter(request=received).count() == 1
    # Assigning needs an agency; declining needs a reason.
    response = step(client, received, "assign", lead_agency="")
    assert "lead_agency" in response.context["form"].errors
    response = step(client, received, "decline", note="")
    assert "note" in response.context["form"].errors
    received.refresh_from_db()
    assert received.status == SupportRequest.Status.RECEIVED and received.lead_agency is None


def test_a_request_names_who_asked(client, fiona, jk):
    login(client, fiona)
    response = client.post(
        reverse("states:request-create"),
        {
            "country": "",
            "requesting_body": "",
            "received_date": TODAY.isoformat(),
            "subject": "Help",
            "priorities": [p.pk for p in jk],
        },
    )
    assert response.status_code == 200
    assert "Name the requesting country, or the body." in response.context["form"].errors["country"]
    assert not SupportRequest.objects.exists()


# -- lists, CSV, priority pages ---------------------------------------------------------------


def test_lists_filter_and_download(client, alice, engagement, received, iom, sam, mexico):
    services.request_step(received, "assign", by=sam, lead_agency=iom)
    other = new_request(sam, None, [Priority.objects.get(code="k")], requesting_body="=ECOWAS")
    login(client, alice)
    listed = client.get(reverse("states:request-list"), {"agency": iom.slug, "status": "assigned"})
    assert list(listed.context["page"].object_list) == [received]
    listed = client.get(reverse("states:request-list"), {"q": "ecowas", "sort": "-subject"})
    assert list(listed.context["page"].object_list) == [other]
    download = client.get(reverse("states:request-export"), {"country": "MEX"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["received", "country", "requesting_body", "subject", "status"]
    assert [r[3] for r in rows[1:]] == [received.subject]
    download = client.get(reverse("states:request-export"), {"status": "received"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[1][2] == "'=ECOWAS"  # defused for spreadsheets
    download = client.get(reverse("states:engagement-export"), {"country": "MEX"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[1][2:6] == [engagement.counterpart_name, "MEX", engagement.topic, "IOM"]


def test_lists_and_priority_pages_run_a_fixed_number_of_queries(
    client, alice, iom, ilo, sam, mexico, jk, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fill(n):
        for i in range(n):
            e = services.engagement_create(
                lead_agency=iom,
                by=alice,
                agencies=[ilo],
                date=TODAY,
                counterpart_kind="regional_body",
                counterpart_name=f"ECOWAS {i}",
                topic=f"Free movement {i}",
                priorities=jk,
            )
            services.follow_up_create(
                e, by=alice, description="x", owner_agency=iom, due_date=TODAY
            )
            # The first engagement's page gains a follow-up each time.
            services.follow_up_create(
                first(), by=alice, description="y", owner_agency=ilo, due_date=TODAY
            )
            r = new_request(sam, mexico, jk, subject=f"Request {i}")
            services.request_step(r, "assign", by=sam, lead_agency=iom)

    login(client, alice)
    first = Engagement.objects.order_by("pk").first
    urls = [
        lambda: first().get_absolute_url(),
        lambda: reverse("states:request-detail", args=[SupportRequest.objects.first().pk]),
        reverse("states:engagement-list"),
        reverse("states:request-list"),
        reverse("states:follow-up-list"),
        reverse("states:engagement-export"),
        reverse("states:request-export"),
        reverse("priority-detail", args=["j"]),
    ]
    fill(2)
    counts = {}
    urls = [url() if callable(url) else url for url in urls]
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
    fill(15)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            response = client.get(url)
        if url.endswith("engagements/"):
            assert response.context["page"].paginator.count == 17


def test_priority_page_lists_them(client, alice, engagement, received):
    login(client, alice)
    page = client.get(reverse("priority-detail", args=["k"])).content.decode()
    assert engagement.topic in page and received.subject in page
    section = selectors.for_priority(Priority.objects.get(code="a"), alice)
    assert section.engagement_total == 0 and section.request_total == 0


# -- attention and digest ---------------------------------------------------------------------


def test_a_heads_attention_lists_requests_and_follow_ups(
    engagement, received, iom, ilo, sam, alice
):
    services.request_step(received, "assign", by=sam, lead_agency=iom)
    late = services.follow_up_create(
        engagement, by=alice, description="Send the MoU", owner_agency=iom, due_date=TODAY - DAY
    )
    services.follow_up_create(  # far off: not yet
        engagement, by=alice, description="Review", owner_agency=iom, due_date=TODAY + 60 * DAY
    )
    services.follow_up_create(  # ILO's
        engagement, by=alice, description="ILO's part", owner_agency=ilo, due_date=TODAY
    )
    now = timezone.now()
    attention = needs_attention(iom, since=now - 7 * DAY, until=now)
    assert attention.support_requests == [received]
    assert attention.follow_ups == [late]
    assert "1 request for support assigned to you" in attention.summary()
    groups = {g["key"]: g for g in attention_groups(attention)}
    assert groups["support_requests"]["items"][0]["title"] == received.subject
    assert groups["follow_ups"]["items"][0]["note"] == "Overdue"
    assert not needs_attention(ilo, since=now - 7 * DAY, until=now).support_requests
    # Once closed it no longer asks for attention.
    services.request_step(received, "start", by=sam)
    services.request_step(received, "close", by=sam, note="Done")
    assert list(selectors.open_requests_for(iom)) == []


def test_the_digest_and_home_page_show_them(client, harry, received, iom, sam):
    from digests import week as weeks
    from digests.content import build_digest

    services.request_step(received, "assign", by=sam, lead_agency=iom)
    year, week = weeks.reported(timezone.now())
    digest = build_digest(harry, year, week)
    assert digest.attention.support_requests == [received]
    login(client, harry)
    home = client.get(reverse("dashboard")).content.decode()
    assert "Requests for support assigned to your agency" in home and received.subject in home
