"""The governance part of the site-wide sweep (test_sitewide.py): hostile meetings, agenda
items, action points, a chair and a working group; the pages with the roles that may see
them; and the forms sent back with typed text in them.

Kept in a module of its own so that the sweep gains a few lines where it calls these.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.models import ActionPoint, Chairmanship, Meeting, WorkingGroup


def _sweep():
    from . import test_sitewide

    return test_sitewide


def build(w):
    s = _sweep()
    agency = w["agency_a"]
    today = timezone.localdate()
    by = w[s.SECRETARIAT]
    meeting = services.meeting_create(
        by=by,
        kind=Meeting.Kind.PRINCIPALS,
        title=s.hostile("Meeting"),
        # Coming up: the digests and home pages list it.
        date=today + datetime.timedelta(days=3),
        place=s.hostile("Place", s.MEDIUM),
        online=True,
        chair=agency,
        decisions=s.hostile("Meeting decisions"),
    )
    item = services.agenda_item_add(
        meeting, by=by, title=s.hostile("Agenda item"), decision=s.hostile("Decision")
    )
    # Overdue and the hostile agency's: in its people's attention lists and digests.
    point = services.action_point_create(
        meeting,
        by=by,
        text=s.hostile("Action point"),
        owner=agency,
        due_date=today - datetime.timedelta(days=2),
        agenda_item=item,
    )
    services.action_point_set_status(
        point, by=w[s.FOCAL_POINT], status="in_progress", note=s.hostile("Progress note")
    )
    w["gov_meeting"], w["gov_item"], w["gov_point"] = meeting, item, point
    w["gov_meeting_gone"] = services.meeting_create(
        by=by, kind=Meeting.Kind.WORKING_LEVEL, title=s.hostile("Meeting to delete"), date=today
    )
    chair = services.chairmanship_create(
        label=s.hostile("Chair", s.SHORT),
        agency=agency,
        start=datetime.date(2031, 1, 1),
        end=datetime.date(2031, 12, 31),
        note=s.hostile("Chair note"),
    )
    group = services.working_group_create(
        name=s.hostile("Working group", s.MEDIUM),
        mandate=s.hostile("Mandate"),
        co_chairs=[agency],
        members=[agency],
    )
    w["gov_group"] = group
    w["gov_token"] = services.calendar_token_create(w[s.FOCAL_POINT]).token
    w["admin_objects"].update(
        {Meeting: meeting, ActionPoint: point, Chairmanship: chair, WorkingGroup: group}
    )


def pages(w):
    s = _sweep()
    meeting, item, point = w["gov_meeting"], w["gov_item"], w["gov_point"]
    secretariat = (s.SECRETARIAT,)
    return [
        ("governance:meeting-list", {}, s.SIGNED_IN, True),
        ("governance:meeting-export", {}, s.SIGNED_IN, False),
        ("governance:meeting-detail", {"pk": meeting.pk}, s.SIGNED_IN, True),
        ("governance:meeting-create", {}, secretariat, False),
        ("governance:meeting-edit", {"pk": meeting.pk}, secretariat, True),
        ("governance:meeting-delete", {"pk": meeting.pk}, secretariat, True),
        ("governance:agenda-item-create", {"pk": meeting.pk}, secretariat, True),
        ("governance:agenda-item-edit", {"pk": item.pk}, secretariat, True),
        ("governance:action-point-create", {"pk": meeting.pk}, secretariat, True),
        ("governance:action-point-list", {}, s.SIGNED_IN, True),
        ("governance:action-point-export", {}, s.SIGNED_IN, False),
        ("governance:action-point-detail", {"pk": point.pk}, s.SIGNED_IN, True),
        ("governance:action-point-edit", {"pk": point.pk}, secretariat, True),
        # The owner agency's focal point, and the secretariat.
        ("governance:action-point-status", {"pk": point.pk}, (s.FOCAL_POINT, s.SECRETARIAT), True),
        ("governance:chair-history", {}, s.SIGNED_IN, True),
        ("governance:working-group-list", {}, s.SIGNED_IN, True),
        ("governance:working-group-detail", {"slug": w["gov_group"].slug}, s.SIGNED_IN, True),
        ("governance:working-group-create", {}, secretariat, False),
        ("governance:working-group-edit", {"slug": w["gov_group"].slug}, secretariat, True),
        ("governance:calendar-settings", {}, s.SIGNED_IN, False),
        # No session needed: the private address is the key.
        ("governance:calendar-feed", {"token": w["gov_token"]}, s.ROLES, False),
        ("priority-detail", {"code": "c"}, s.SIGNED_IN, True),
    ]


def visits(w):
    s = _sweep()
    Visit, ROLES = s.Visit, s.ROLES
    meeting, item, point = w["gov_meeting"], w["gov_item"], w["gov_point"]

    filtered = {
        "q": "action",
        "owner": w["agency_a"].slug,
        "status": "not_done",
        "due": "overdue",
        "meeting": meeting.pk,
        "sort": "-meeting",
    }
    query = "?" + "&".join(f"{k}={v}" for k, v in filtered.items())
    listing = reverse("governance:action-point-list")
    yield Visit(s.STAFF, listing + query, expect=200, shows=True)
    yield Visit(s.STAFF, reverse("governance:action-point-export") + query, expect=200)
    meetings = {
        "q": "meeting",
        "kind": "principals",
        "year": meeting.date.year,
        "chair": w["agency_a"].slug,
        "sort": "-title",
    }
    query = "?" + "&".join(f"{k}={v}" for k, v in meetings.items())
    yield Visit(s.STAFF, reverse("governance:meeting-list") + query, expect=200, shows=True)
    yield Visit(s.STAFF, reverse("governance:meeting-export") + query, expect=200)

    def each_role(url, data, may, expect=200):
        for role in ROLES:
            allowed = role in may
            yield Visit(role, url, "post", data, expect=expect if allowed else None, shows=allowed)

    secretariat = (s.SECRETARIAT,)
    # Refused (an invalid kind, date or owner) with the typed text shown again.
    bad_meeting = {
        "kind": s.HOSTILE,
        "title": s.hostile("New meeting"),
        "date": s.MEDIUM,
        "place": s.hostile("Place", s.MEDIUM),
        "decisions": s.hostile("New decisions"),
    }
    yield from each_role(reverse("governance:meeting-create"), bad_meeting, secretariat)
    yield from each_role(
        reverse("governance:meeting-edit", args=[meeting.pk]), bad_meeting, secretariat
    )
    yield Visit(
        s.SECRETARIAT,
        reverse("governance:meeting-create"),
        "post",
        {**bad_meeting, "kind": "working_level", "date": "2031-03-01", "place": ""},
        expect=302,
        shows=True,
    )
    bad_item = {
        "title": s.hostile("New item"),
        "decision": s.hostile("New decision"),
        "position": s.SHORT,
    }
    yield from each_role(
        reverse("governance:agenda-item-create", args=[meeting.pk]), bad_item, secretariat
    )
    yield from each_role(
        reverse("governance:agenda-item-edit", args=[item.pk]), bad_item, secretariat
    )
    bad_point = {"text": s.hostile("New action"), "owner": s.SHORT, "due_date": s.SHORT}
    yield from each_role(
        reverse("governance:action-point-create", args=[meeting.pk]), bad_point, secretariat
    )
    yield from each_role(
        reverse("governance:action-point-edit", args=[point.pk]), bad_point, secretariat
    )
    yield Visit(
        s.SECRETARIAT,
        reverse("governance:action-point-create", args=[meeting.pk]),
        "post",
        {**bad_point, "owner": w["agency_a"].pk, "due_date": "2031-04-01"},
        expect=302,
        shows=True,
    )
    bad_status = {"status": s.SHORT, "note": s.hostile("New note"), "done_on": s.SHORT}
    status_url = reverse("governance:action-point-status", args=[point.pk])
    yield from each_role(status_url, bad_status, (s.FOCAL_POINT, s.SECRETARIAT))
    yield Visit(
        s.FOCAL_POINT,
        status_url,
        "post",
        {**bad_status, "status": "in_progress", "done_on": ""},
        expect=302,
        shows=True,
    )
    # Refused (a co-chair not among the members, an invalid agency) with the text shown again.
    agency = w["agency_a"]
    bad_group = {
        "name": s.hostile("New working group", s.MEDIUM),
        "mandate": s.hostile("New mandate"),
        "co_chairs": [agency.pk],
        "members": [s.SHORT],
    }
    group_edit = reverse("governance:working-group-edit", args=[w["gov_group"].slug])
    yield from each_role(reverse("governance:working-group-create"), bad_group, secretariat)
    yield from each_role(group_edit, bad_group, secretariat)
    yield from each_role(group_edit, {**bad_group, "members": []}, secretariat)
    yield Visit(
        s.SECRETARIAT,
        reverse("governance:working-group-create"),
        "post",
        {**bad_group, "members": [agency.pk]},
        expect=302,
        shows=True,
    )
    settings_url = reverse("governance:calendar-settings")
    yield Visit(s.HEAD, settings_url, "post", {"action": "create"}, expect=302)
    yield Visit(s.HEAD, settings_url, "post", {"action": "revoke"}, expect=302)
    gone = reverse("governance:meeting-delete", args=[w["gov_meeting_gone"].pk])
    for role in (s.ANONYMOUS, s.STAFF, s.FOCAL_POINT, s.HEAD, s.OUTSIDER):
        yield Visit(role, gone, "post", {"confirm": "on"})
    yield Visit(s.SECRETARIAT, gone, "post", {"confirm": "on"}, expect=302, shows=True)
