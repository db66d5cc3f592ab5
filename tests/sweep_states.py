"""The States app's part of the site-wide sweep (test_sitewide.py): hostile engagements,
follow-ups and requests for support, the pages with the roles that may see them, and the
forms sent back with typed text in them.

Kept in a module of its own so that the sweep gains a few lines where it calls these; the
names it shares (roles, payloads, Visit) are read from it when the sweep runs.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from geo.models import Country
from priorities.models import Priority
from states import services
from states.models import Engagement, FollowUp, SupportRequest


def _sweep():
    from . import test_sitewide

    return test_sitewide


def build(w):
    """Hostile records, led by or assigned to the hostile agency; their handles go into `w`."""
    s = _sweep()
    agency_a = w["agency_a"]
    today = timezone.localdate()
    kenya = Country.objects.get(pk="KEN")
    priorities = [w["priority"], Priority.objects.get(code="j")]
    engagement = services.engagement_create(
        lead_agency=agency_a,
        by=w[s.STAFF],
        date=today,
        counterpart_kind=Engagement.Kind.GOVERNMENT,
        counterpart_name=s.hostile("Ministry"),
        country=kenya,
        topic=s.hostile("Engagement"),
        summary=s.hostile("Engagement summary"),
        priorities=priorities,
        activities=[w["a1"]],
    )
    # Overdue: the head's digest and home page list it.
    follow_up = services.follow_up_create(
        engagement,
        by=w[s.STAFF],
        description=s.hostile("Follow-up"),
        owner_agency=agency_a,
        due_date=today - datetime.timedelta(days=3),
    )

    def support_request(title):
        return services.request_create(
            by=w[s.SECRETARIAT],
            country=kenya,
            requesting_body=s.hostile("Body"),
            received_date=today,
            subject=s.hostile(title),
            description=s.hostile(f"{title} description"),
            priorities=priorities,
        )

    received = support_request("Request received")
    assigned = support_request("Request assigned")
    # Assigned to the hostile agency: the head's digest and home page list it.
    services.request_step(
        assigned, "assign", by=w[s.SECRETARIAT], lead_agency=agency_a, note=s.hostile("Note")
    )
    w.update(
        st_engagement=engagement,
        st_follow_up=follow_up,
        st_received=received,
        st_assigned=assigned,
    )
    w["admin_objects"].update(
        {Engagement: engagement, FollowUp: follow_up, SupportRequest: assigned}
    )


def pages(w):
    """(URL name, kwargs, roles that may see it, whether it shows typed text)."""
    s = _sweep()
    engagement, follow_up = w["st_engagement"], w["st_follow_up"]
    received, assigned = w["st_received"], w["st_assigned"]
    recorders = (s.STAFF, s.FOCAL_POINT, s.SECRETARIAT, s.OUTSIDER)
    loggers = (s.FOCAL_POINT, s.SECRETARIAT)
    return [
        ("states:engagement-list", {}, s.SIGNED_IN, True),
        ("states:engagement-export", {}, s.SIGNED_IN, False),
        ("states:engagement-create", {}, recorders, False),
        ("states:engagement-detail", {"pk": engagement.pk}, s.SIGNED_IN, True),
        ("states:engagement-edit", {"pk": engagement.pk}, s.WRITERS, True),
        ("states:follow-up-create", {"pk": engagement.pk}, s.WRITERS, True),
        ("states:follow-up-list", {}, s.SIGNED_IN, True),
        ("states:follow-up-export", {}, s.SIGNED_IN, False),
        ("states:follow-up-edit", {"pk": follow_up.pk}, s.WRITERS, True),
        ("states:request-list", {}, s.SIGNED_IN, True),
        ("states:request-export", {}, s.SIGNED_IN, False),
        ("states:request-create", {}, loggers, False),
        ("states:request-detail", {"pk": received.pk}, s.SIGNED_IN, True),
        ("states:request-detail", {"pk": assigned.pk}, s.SIGNED_IN, True),
        ("states:request-edit", {"pk": received.pk}, loggers, True),
        ("states:request-step", {"pk": received.pk, "step": "assign"}, loggers, True),
        ("states:request-step", {"pk": assigned.pk, "step": "start"}, loggers, True),
        ("priority-detail", {"code": "j"}, s.SIGNED_IN, True),
    ]


def visits(w):
    """The lists filtered by every filter they have, and the forms sent back: refused with
    the typed text shown again, then accepted."""
    s = _sweep()
    Visit, ROLES = s.Visit, s.ROLES
    engagement, follow_up = w["st_engagement"], w["st_follow_up"]
    received, assigned = w["st_received"], w["st_assigned"]
    slug = w["agency_a"].slug

    def listing(name, **filters):
        query = "?" + "&".join(f"{k}={v}" for k, v in filters.items())
        return reverse(name) + query

    engagement_filters = {
        "q": "engagement",
        "country": "KEN",
        "agency": slug,
        "kind": "government",
        "priority": w["priority"].code,
        "overdue": "true",
        "year": engagement.date.year,
        "sort": "-counterpart",
    }
    yield Visit(
        s.STAFF, listing("states:engagement-list", **engagement_filters), expect=200, shows=True
    )
    yield Visit(s.STAFF, listing("states:engagement-export", **engagement_filters), expect=200)
    request_filters = {
        "q": "request",
        "country": "KEN",
        "agency": slug,
        "status": "assigned",
        "priority": w["priority"].code,
        "year": assigned.received_date.year,
        "sort": "-status",
    }
    yield Visit(s.STAFF, listing("states:request-list", **request_filters), expect=200, shows=True)
    yield Visit(s.STAFF, listing("states:request-export", **request_filters), expect=200)
    yield Visit(
        s.STAFF,
        listing("states:follow-up-list", q="follow-up", agency=slug, overdue="true", sort="due"),
        expect=200,
        shows=True,
    )
    yield Visit(
        s.STAFF,
        listing("states:follow-up-export", q="follow-up", agency=slug, overdue="true", sort="due"),
        expect=200,
    )

    def each_role(url, data, may, expect=200):
        for role in ROLES:
            allowed = role in may
            yield Visit(role, url, "post", data, expect=expect if allowed else None, shows=allowed)

    bad_engagement = {
        "lead_agency": w["agency_a"].pk,
        "date": s.HOSTILE,
        "counterpart_kind": s.HOSTILE,
        "country": s.HOSTILE,
        "counterpart_name": s.hostile("Counterpart"),
        "topic": s.hostile("New engagement"),
        "summary": s.hostile("New summary"),
        "agencies": [s.HOSTILE],
        "priorities": [s.HOSTILE],
        "activities": [s.HOSTILE],
    }
    good_engagement = {
        **bad_engagement,
        "date": "2031-05-10",
        "counterpart_kind": "regional_body",
        "country": "",
        "agencies": [],
        "priorities": [w["priority"].pk],
        "activities": [],
    }
    create = reverse("states:engagement-create")
    yield from each_role(
        create, bad_engagement, (s.STAFF, s.FOCAL_POINT, s.SECRETARIAT, s.OUTSIDER)
    )
    yield Visit(s.STAFF, create, "post", good_engagement, expect=302, shows=True)
    edit = reverse("states:engagement-edit", args=[engagement.pk])
    yield from each_role(edit, {**bad_engagement, "version": engagement.version}, s.WRITERS)

    bad_follow_up = {
        "description": s.hostile("New follow-up"),
        "owner_agency": s.HOSTILE,
        "due_date": s.HOSTILE,
    }
    add = reverse("states:follow-up-create", args=[engagement.pk])
    yield from each_role(add, bad_follow_up, s.WRITERS)
    yield Visit(
        s.FOCAL_POINT,
        add,
        "post",
        {**bad_follow_up, "owner_agency": w["agency_a"].pk, "due_date": "2031-01-01"},
        expect=302,
        shows=True,
    )
    edit = reverse("states:follow-up-edit", args=[follow_up.pk])
    yield from each_role(edit, {**bad_follow_up, "version": follow_up.version}, s.WRITERS)
    done = reverse("states:follow-up-done", args=[follow_up.pk])
    for role in (s.HEAD, s.OUTSIDER, s.ANONYMOUS):
        yield Visit(role, done, "post", {"done": "1"})
    yield Visit(s.STAFF, done, "post", {"done": "0"}, expect=302, shows=True)

    bad_request = {
        "country": s.HOSTILE,
        "requesting_body": s.hostile("New body"),
        "received_date": s.HOSTILE,
        "subject": s.hostile("New request"),
        "description": s.hostile("New description"),
        "priorities": [s.HOSTILE],
    }
    loggers = (s.FOCAL_POINT, s.SECRETARIAT)
    log = reverse("states:request-create")
    yield from each_role(log, bad_request, loggers)
    yield Visit(
        s.FOCAL_POINT,
        log,
        "post",
        {
            **bad_request,
            "country": "",
            "received_date": "2031-01-01",
            "priorities": [w["priority"].pk],
        },
        expect=302,
        shows=True,
    )
    edit = reverse("states:request-edit", args=[received.pk])
    yield from each_role(edit, {**bad_request, "version": received.version}, loggers)

    # Each step refused (no agency, no reason) with the typed note shown again, then taken.
    assign = reverse("states:request-step", args=[received.pk, "assign"])
    yield from each_role(assign, {"lead_agency": s.HOSTILE, "note": s.hostile("Why")}, loggers)
    start = reverse("states:request-step", args=[assigned.pk, "start"])
    for role in (s.STAFF, s.HEAD, s.OUTSIDER, s.ANONYMOUS):
        yield Visit(role, start, "post", {"note": s.hostile("Started")})
    yield Visit(
        s.FOCAL_POINT, start, "post", {"note": s.hostile("Started")}, expect=302, shows=True
    )
    close = reverse("states:request-step", args=[assigned.pk, "close"])
    yield from each_role(close, {"note": ""}, loggers)
    yield Visit(
        s.FOCAL_POINT, close, "post", {"note": s.hostile("Outcome")}, expect=302, shows=True
    )
    decline = reverse("states:request-step", args=[received.pk, "decline"])
    yield Visit(
        s.SECRETARIAT, decline, "post", {"note": s.hostile("Declined")}, expect=302, shows=True
    )
