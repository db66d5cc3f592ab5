"""The major processes' part of the site-wide sweep (test_sitewide.py): hostile records, the
pages with the roles that may see them, and the forms sent back with typed text in them.

Kept in a module of its own so that the sweep gains a few lines where it calls these; the
names it shares (roles, payloads, Visit) are read from it when the sweep runs.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from processes import services
from processes.models import Contribution, Event, Process


def _sweep():
    from . import test_sitewide

    return test_sitewide


def _address(host):
    """A valid address (no spaces) that breaks out of an attribute if written unescaped."""
    return f"https://{host}/?q=\"'>{_sweep().SHORT}"


def build(w):
    """Hostile processes, events and contributions; their handles go into `w`."""
    s = _sweep()
    agency_a, agency_b = w["agency_a"], Agency.objects.get(slug="hostile-b")
    today = timezone.localdate()
    process = services.process_create(
        by=w[s.SECRETARIAT],
        name=s.hostile("Process"),
        kind=Process.Kind.REGIONAL_CONSULTATIVE,
        description=s.hostile("Process description"),
        website=_address("process.example"),
    )
    event = services.event_create(
        process,
        by=w[s.SECRETARIAT],
        title=s.hostile("Event"),
        place=s.hostile("Place", s.MEDIUM),
        start_date=today + datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=32),
        # Due soon: the dashboard lists it.
        contribution_deadline=today + datetime.timedelta(days=10),
        description=s.hostile("Event description"),
        website=_address("event.example"),
    )

    def contribution(title, **fields):
        return services.contribution_create(
            event,
            lead_agency=agency_a,
            by=w[s.STAFF],
            priorities=[w["priority"]],
            kind=Contribution.Kind.STATEMENT,
            title=s.hostile(title),
            summary=s.hostile(f"{title} summary"),
            date=today,
            link=_address("statement.example"),
            **fields,
        )

    w["proc"] = process
    w["proc_event"] = event
    w["proc_contribution"] = contribution("Statement")
    w["proc_joint"] = contribution(
        "Joint input", joint=True, agencies=[agency_b], initiative=w["initiative"]
    )
    w["proc_contribution_gone"] = contribution("Statement to delete")
    w["proc_event_gone"] = services.event_create(
        process, by=None, title=s.hostile("Event to delete"), start_date=today
    )
    w["proc_gone"] = services.process_create(
        by=None, name=s.hostile("Process to delete"), acronym=s.SHORT, kind=Process.Kind.OTHER
    )
    w["admin_objects"].update({Process: process, Event: event, Contribution: w["proc_joint"]})


def pages(w):
    """(URL name, kwargs, roles that may see it, whether it shows typed text), as the
    sweep's own list of pages."""
    s = _sweep()
    process, event = w["proc"], w["proc_event"]
    contribution, joint = w["proc_contribution"], w["proc_joint"]
    secretariat = (s.SECRETARIAT,)
    contributors = (s.STAFF, s.FOCAL_POINT, s.SECRETARIAT, s.OUTSIDER)
    return [
        ("processes:process-list", {}, s.SIGNED_IN, True),
        ("processes:process-detail", {"slug": process.slug}, s.SIGNED_IN, True),
        ("processes:process-create", {}, secretariat, False),
        ("processes:process-edit", {"slug": process.slug}, secretariat, True),
        ("processes:process-delete", {"slug": process.slug}, secretariat, True),
        ("processes:event-create", {"slug": process.slug}, secretariat, True),
        ("processes:event-detail", {"pk": event.pk}, s.SIGNED_IN, True),
        ("processes:event-edit", {"pk": event.pk}, secretariat, True),
        ("processes:event-delete", {"pk": event.pk}, secretariat, True),
        ("processes:contribution-list", {}, s.SIGNED_IN, True),
        ("processes:contribution-export", {}, s.SIGNED_IN, False),
        ("processes:contribution-detail", {"pk": contribution.pk}, s.SIGNED_IN, True),
        ("processes:contribution-detail", {"pk": joint.pk}, s.SIGNED_IN, True),
        ("processes:contribution-create", {"pk": event.pk}, contributors, True),
        ("processes:joint-input-create", {"pk": event.pk}, contributors, True),
        ("processes:contribution-edit", {"pk": contribution.pk}, s.WRITERS, True),
        ("processes:contribution-edit", {"pk": joint.pk}, s.WRITERS, True),
        ("processes:contribution-delete", {"pk": contribution.pk}, s.WRITERS, True),
        # Every contribution serves (e): its page lists them.
        ("priority-detail", {"code": "e"}, s.SIGNED_IN, True),
    ]


def visits(w):
    """The list filtered by every filter it has, and the forms sent back: refused with the
    typed text shown again, then accepted; the deletions last."""
    s = _sweep()
    Visit, ROLES = s.Visit, s.ROLES
    process, event = w["proc"], w["proc_event"]
    contribution = w["proc_contribution"]

    filtered = {
        "q": "statement",
        "process": process.slug,
        "event": event.pk,
        "agency": w["agency_a"].slug,
        "scope": "single",
        "kind": Contribution.Kind.STATEMENT,
        "priority": w["priority"].code,
        "year": contribution.date.year,
        "sort": "-agency",
    }
    listing = reverse("processes:contribution-list")
    query = "?" + "&".join(f"{k}={v}" for k, v in filtered.items())
    yield Visit(s.STAFF, listing + query, expect=200, shows=True)
    yield Visit(s.STAFF, reverse("processes:contribution-export") + query, expect=200)

    def each_role(url, data, may, expect=200):
        for role in ROLES:
            allowed = role in may
            yield Visit(role, url, "post", data, expect=expect if allowed else None, shows=allowed)

    new_process = {
        "name": s.hostile("New process"),
        "acronym": s.SHORT,
        "kind": s.HOSTILE,
        "description": s.hostile("New description"),
        "website": s.HOSTILE,
    }
    create_process = reverse("processes:process-create")
    yield from each_role(create_process, new_process, (s.SECRETARIAT,))
    yield Visit(
        s.SECRETARIAT,
        create_process,
        "post",
        {**new_process, "kind": Process.Kind.OTHER, "website": ""},
        expect=302,
        shows=True,
    )
    edit_process = reverse("processes:process-edit", args=[process.slug])
    yield from each_role(
        edit_process, {**new_process, "version": process.version}, (s.SECRETARIAT,)
    )

    bad_event = {
        "title": s.hostile("New event"),
        "place": s.hostile("Place", s.MEDIUM),
        "start_date": "2031-05-10",
        "end_date": "2031-05-01",
        "contribution_deadline": s.HOSTILE,
        "description": s.hostile("New event description"),
        "website": s.HOSTILE,
    }
    add_event = reverse("processes:event-create", args=[process.slug])
    yield from each_role(add_event, bad_event, (s.SECRETARIAT,))
    yield Visit(
        s.SECRETARIAT,
        add_event,
        "post",
        {**bad_event, "end_date": "", "contribution_deadline": "", "website": ""},
        expect=302,
        shows=True,
    )
    edit_event = reverse("processes:event-edit", args=[event.pk])
    yield from each_role(edit_event, {**bad_event, "version": event.version}, (s.SECRETARIAT,))

    bad_contribution = {
        "lead_agency": w["agency_a"].pk,
        "kind": s.HOSTILE,
        "title": s.hostile("New statement"),
        "summary": s.hostile("New summary"),
        "date": s.HOSTILE,
        "link": s.HOSTILE,
        "agencies": [s.HOSTILE],
        "initiative": s.HOSTILE,
        "priorities": [s.HOSTILE],
    }
    good_contribution = {
        **bad_contribution,
        "kind": Contribution.Kind.DATA,
        "date": "2031-05-10",
        "link": "",
        "initiative": "",
        "priorities": [w["priority"].pk],
    }
    contributors = (s.STAFF, s.FOCAL_POINT, s.SECRETARIAT, s.OUTSIDER)
    contribute = reverse("processes:contribution-create", args=[event.pk])
    yield from each_role(contribute, bad_contribution, contributors)
    yield Visit(s.STAFF, contribute, "post", good_contribution, expect=302, shows=True)
    joint = reverse("processes:joint-input-create", args=[event.pk])
    yield from each_role(joint, bad_contribution, contributors)
    other = Agency.objects.get(slug="hostile-b").pk
    yield Visit(
        s.FOCAL_POINT,
        joint,
        "post",
        {**good_contribution, "agencies": [other], "initiative": w["initiative"].pk},
        expect=302,
        shows=True,
    )
    edit = reverse("processes:contribution-edit", args=[contribution.pk])
    yield from each_role(edit, {**bad_contribution, "version": contribution.version}, s.WRITERS)

    # Last: these remove what the pages above show.
    gone = reverse("processes:contribution-delete", args=[w["proc_contribution_gone"].pk])
    for role in (s.HEAD, s.OUTSIDER, s.ANONYMOUS):
        yield Visit(role, gone, "post", {"confirm": "on"})
    yield Visit(s.STAFF, gone, "post", {"confirm": "on"}, expect=302, shows=True)
    for name, record, done in (
        ("processes:event-delete", w["proc_event_gone"].pk, 302),
        ("processes:process-delete", w["proc_gone"].slug, 302),
        # Both have records under them: refused, and the page says why.
        ("processes:event-delete", event.pk, 200),
        ("processes:process-delete", process.slug, 200),
    ):
        url = reverse(name, args=[record])
        for role in (s.STAFF, s.FOCAL_POINT, s.HEAD, s.OUTSIDER, s.ANONYMOUS):
            yield Visit(role, url, "post", {"confirm": "on"})
        yield Visit(s.SECRETARIAT, url, "post", {"confirm": "on"}, expect=done, shows=True)
