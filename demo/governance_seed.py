"""Demonstration meetings, action points and working groups, loaded by `manage.py seed_demo`.

The records are in demo/fixtures/governance.json (its "why" says what is real and what is
not). Agencies are named by acronym, demo people by the start of their email. Everything is
made through the governance services, as the portal makes it: the secretariat records the
meetings and action points, the owner agency's focal point moves an action point on. A
meeting that exists (by title) and a working group that exists (by name) are left as they
are, so the seed can run again.
"""

import datetime
import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from agencies.models import Agency
from governance import services
from governance.models import Meeting, WorkingGroup

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "governance.json"


def seed(people, stdout):
    """Create what is missing; returns the number of meetings created."""
    spec = json.loads(FIXTURE.read_text(encoding="utf-8"))
    by_name = {user.email.partition("@")[0]: user for user in people}
    agencies = {a.acronym: a for a in Agency.objects.all()}
    today = timezone.localdate()

    def person(name):
        try:
            return by_name[name]
        except KeyError:
            raise CommandError(f"The demo data names an unknown person: {name}.") from None

    def agency(acronym):
        try:
            return agencies[acronym]
        except KeyError:
            raise CommandError(f"The demo data names an unknown agency: {acronym}.") from None

    def day(n):
        return today + datetime.timedelta(days=n)

    created = 0
    for item in spec["meetings"]:
        if Meeting.objects.filter(title=item["title"]).exists():
            continue
        by = person(item["by"])
        meeting = services.meeting_create(
            by=by,
            kind=item["kind"],
            title=item["title"],
            date=day(item["in_days"]),
            place=item["place"],
            online=item["online"],
            chair=agency(item["chair"]),
            decisions=item["decisions"],
        )
        agenda = [
            services.agenda_item_add(meeting, by=by, title=a["title"], decision=a["decision"])
            for a in item["agenda"]
        ]
        for ap in item["action_points"]:
            point = services.action_point_create(
                meeting,
                by=by,
                text=ap["text"],
                owner=agency(ap["owner"]),
                due_date=day(ap["due_in_days"]),
                agenda_item=agenda[ap["item"] - 1],
            )
            if ap["status"] != "open":
                services.action_point_set_status(
                    point,
                    by=person(ap["status_by"]),
                    status=ap["status"],
                    note=ap.get("note", ""),
                    done_on=day(ap["done_in_days"]) if "done_in_days" in ap else None,
                )
        created += 1
    for group in spec["working_groups"]:
        if WorkingGroup.objects.filter(name=group["name"]).exists():
            continue
        services.working_group_create(
            name=group["name"],
            mandate=group["mandate"],
            co_chairs=[agency(a) for a in group["co_chairs"]],
            members=[agency(a) for a in group["members"]],
        )
    stdout.write(f"Created {created} meetings of the group.")
    return created
