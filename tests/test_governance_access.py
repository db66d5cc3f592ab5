"""Who may read and write the group's meetings and action points: every view, with named
people. Alice is IOM staff, Fiona IOM's focal point, Harry IOM's head, Bob ILO staff (an
outsider to IOM's action points), Sam the secretariat; anonymous visitors sign in first."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role
from governance import services
from governance.models import ActionPoint, Meeting

from .factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def meeting(sam, iom):
    meeting = services.meeting_create(
        by=sam,
        kind=Meeting.Kind.PRINCIPALS,
        title="Principals 2026",
        date=TODAY - datetime.timedelta(days=30),
        place="Geneva",
        chair=iom,
    )
    services.agenda_item_add(meeting, by=sam, title="Workplan", decision="Adopted.")
    return meeting


@pytest.fixture
def point(meeting, sam, iom):
    return services.action_point_create(
        meeting, by=sam, text="Circulate the workplan", owner=iom, due_date=TODAY
    )


@pytest.fixture
def ilo_focal(ilo):
    return UserFactory(email="ilo-fp@ilo.example", agency=ilo, role=Role.FOCAL_POINT)


def test_anonymous_is_sent_to_sign_in_everywhere(client, meeting, point):
    for url in [
        reverse("governance:meeting-list"),
        reverse("governance:meeting-detail", args=[meeting.pk]),
        reverse("governance:meeting-create"),
        reverse("governance:action-point-list"),
        reverse("governance:action-point-export"),
        reverse("governance:action-point-detail", args=[point.pk]),
        reverse("governance:action-point-status", args=[point.pk]),
        reverse("governance:chair-history"),
        reverse("governance:working-group-list"),
        reverse("governance:calendar-settings"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.parametrize("who", ["alice", "fiona", "harry", "bob"])
def test_only_the_secretariat_records_meetings(client, request, who, meeting, point, iom):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("governance:meeting-detail", args=[meeting.pk])).status_code == 200
    for name, args in [
        ("meeting-create", []),
        ("meeting-edit", [meeting.pk]),
        ("meeting-delete", [meeting.pk]),
        ("agenda-item-create", [meeting.pk]),
        ("agenda-item-edit", [meeting.agenda_items.get().pk]),
        ("action-point-create", [meeting.pk]),
        ("action-point-edit", [point.pk]),
    ]:
        url = reverse(f"governance:{name}", args=args)
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"title": "x", "text": "x"}).status_code == 403, name
    assert Meeting.objects.count() == 1 and ActionPoint.objects.count() == 1


def test_secretariat_records_a_meeting_agenda_and_action_point(client, sam, iom):
    client.force_login(sam)
    response = client.post(
        reverse("governance:meeting-create"),
        {"kind": "principals", "title": "Principals", "date": "2026-05-01", "chair": iom.pk},
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    client.post(
        reverse("governance:agenda-item-create", args=[meeting.pk]),
        {"title": "Data", "decision": "A joint paper."},
    )
    client.post(reverse("governance:agenda-item-create", args=[meeting.pk]), {"title": "AOB"})
    assert list(meeting.agenda_items.values_list("position", "title")) == [(1, "Data"), (2, "AOB")]
    item = meeting.agenda_items.get(position=1)
    client.post(
        reverse("governance:action-point-create", args=[meeting.pk]),
        {
            "text": "Draft the paper",
            "owner": iom.pk,
            "due_date": "2026-06-01",
            "agenda_item": item.pk,
        },
    )
    point = ActionPoint.objects.get()
    assert (point.owner, point.agenda_item, point.status) == (iom, item, "open")


def test_an_agenda_item_of_another_meeting_is_refused(sam, meeting, iom):
    other = services.meeting_create(by=sam, kind="working_level", title="WL", date=TODAY)
    with pytest.raises(Exception) as exc:
        services.action_point_create(
            other,
            by=sam,
            text="x",
            owner=iom,
            due_date=TODAY,
            agenda_item=meeting.agenda_items.get(),
        )
    assert "agenda_item" in exc.value.message_dict


def test_owner_focal_point_updates_status_others_may_not(
    client, fiona, alice, harry, bob, ilo_focal, sam, point
):
    url = reverse("governance:action-point-status", args=[point.pk])
    for outsider in (alice, harry, bob, ilo_focal):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
        assert client.post(url, {"status": "done"}).status_code == 403
    point.refresh_from_db()
    assert point.status == "open"
    client.force_login(fiona)
    assert client.get(url).status_code == 200
    response = client.post(url, {"status": "in_progress", "note": "Drafting"})
    assert response.status_code == 302
    point.refresh_from_db()
    assert (point.status, point.done_on, point.status_note) == ("in_progress", None, "Drafting")
    client.post(url, {"status": "done"})
    point.refresh_from_db()
    assert (point.status, point.done_on) == ("done", TODAY)
    # The secretariat may reopen it; the done date goes with "done".
    client.force_login(sam)
    client.post(url, {"status": "open"})
    point.refresh_from_db()
    assert (point.status, point.done_on) == ("open", None)


def test_done_date_cannot_be_in_the_future(client, fiona, point):
    client.force_login(fiona)
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = client.post(
        reverse("governance:action-point-status", args=[point.pk]),
        {"status": "done", "done_on": tomorrow.isoformat()},
    )
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    point.refresh_from_db()
    assert point.status == "open"


def test_a_meeting_with_action_points_is_not_deleted(client, sam, meeting, point):
    client.force_login(sam)
    client.post(reverse("governance:meeting-delete", args=[meeting.pk]), {"confirm": "on"})
    assert Meeting.objects.filter(pk=meeting.pk).exists()
    empty = services.meeting_create(by=sam, kind="working_level", title="WL", date=TODAY)
    client.post(reverse("governance:meeting-delete", args=[empty.pk]), {"confirm": "on"})
    assert not Meeting.objects.filter(pk=empty.pk).exists()
