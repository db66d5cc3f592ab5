"""Demonstration contributions to the major processes, loaded by `manage.py seed_demo`.

The records are in demo/fixtures/processes.json (its "why" says what is real and what is
not). Events are named by their process's short name and their title; agencies by acronym;
demo people by the start of their email; priorities by their letters. Everything is made
through the processes services, as the portal makes it; a record that exists (a process by
name, an event by process and title, a contribution by event, lead agency and title) is left
as it is, so the seed can run again.
"""

import datetime
import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from agencies.models import Agency
from demo import data as demo_data
from initiatives.models import JointInitiative
from priorities.models import Priority
from processes import services
from processes.models import Contribution, Event, Process

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "processes.json"


def _load():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _days(today, n):
    return today + datetime.timedelta(days=n)


def seed(people, stdout):
    """Create what is missing; returns the number of contributions created."""
    spec = _load()
    by_name = {user.email.partition("@")[0]: user for user in people}
    today = timezone.localdate()

    def person(name):
        try:
            return by_name[name]
        except KeyError:
            raise CommandError(f"The demo data names an unknown person: {name}.") from None

    for process_spec in spec["processes"]:
        process = Process.objects.filter(name=process_spec["name"]).first()
        if process is None:
            process = services.process_create(
                by=person(process_spec["by"]),
                name=process_spec["name"],
                acronym=process_spec["acronym"],
                kind=process_spec["kind"],
                description=process_spec["description"],
            )
        for event in process_spec["events"]:
            if process.events.filter(title=event["title"]).exists():
                continue
            start = _days(today, event["starts_in_days"])
            services.event_create(
                process,
                by=person(process_spec["by"]),
                title=event["title"],
                place=event["place"],
                start_date=start,
                end_date=_days(start, event["lasts_days"] - 1),
                contribution_deadline=_days(today, event["deadline_in_days"]),
                description=event["description"],
            )

    agencies = {a.acronym: a for a in Agency.objects.all()}
    initiatives = {s["key"]: s["title"] for s in demo_data.INITIATIVES}
    created = 0
    for item in spec["contributions"]:
        acronym, title = item["event"]
        event = Event.objects.filter(process__acronym=acronym, title=title).first()
        if event is None:
            raise CommandError(f"The demo data names an unknown event: {acronym}, {title}.")
        lead = agencies[item["lead"]]
        if Contribution.objects.filter(event=event, lead_agency=lead, title=item["title"]).exists():
            continue
        date = (
            _days(today, item["date_in_days"])
            if "date_in_days" in item
            else datetime.date.fromisoformat(item["date"])
        )
        initiative = None
        if item.get("initiative"):
            initiative = JointInitiative.objects.get(title=initiatives[item["initiative"]])
        services.contribution_create(
            event,
            lead_agency=lead,
            by=person(item["by"]),
            joint=bool(item.get("joint_with")),
            agencies=[agencies[a] for a in item.get("joint_with", ())],
            initiative=initiative,
            priorities=list(Priority.objects.filter(code__in=item["priorities"])),
            kind=item["kind"],
            title=item["title"],
            summary=item["summary"],
            date=date,
        )
        created += 1
    stdout.write(f"Created {created} contributions to major processes.")
    return created
