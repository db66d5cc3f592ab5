"""Demonstration engagements with States and regional processes and requests for support,
loaded by `manage.py seed_demo`.

The records are in demo/fixtures/states.json (its "why" says what is real and what is not).
Agencies are named by acronym, countries by ISO code, demo people by the start of their
email, priorities by their letters. Everything is made through the states services, as the
portal makes it, by people the portal would let do it; an engagement that exists (by lead
agency and topic) or a request (by subject) is left as it is, so the seed can run again.
"""

import datetime
import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from activities.models import Activity
from agencies.models import Agency
from geo.models import Country
from priorities.models import Priority
from states import services
from states.models import Engagement, SupportRequest

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "states.json"


def seed(people, stdout):
    """Create what is missing; returns (engagements, requests) created."""
    spec = json.loads(FIXTURE.read_text(encoding="utf-8"))
    by_name = {user.email.partition("@")[0]: user for user in people}
    agencies = {a.acronym: a for a in Agency.objects.all()}
    priorities = {p.code: p for p in Priority.objects.all()}
    today = timezone.localdate()

    def person(name):
        try:
            return by_name[name]
        except KeyError:
            raise CommandError(f"The demo data names an unknown person: {name}.") from None

    def day(n):
        return today + datetime.timedelta(days=n)

    def country(code):
        return Country.objects.get(pk=code) if code else None

    engagements = 0
    for item in spec["engagements"]:
        lead = agencies[item["lead"]]
        if Engagement.objects.filter(lead_agency=lead, topic=item["topic"]).exists():
            continue
        by = person(item["by"])
        engagement = services.engagement_create(
            lead_agency=lead,
            by=by,
            agencies=[agencies[a] for a in item["with"]],
            date=day(item["date_in_days"]),
            counterpart_kind=item["kind"],
            counterpart_name=item["counterpart"],
            country=country(item["country"]),
            topic=item["topic"],
            summary=item["summary"],
            priorities=[priorities[c] for c in item["priorities"]],
            # One of the lead's own activities under these priorities, where it has one.
            activities=list(
                Activity.objects.filter(
                    agency=lead, priorities__code__in=item["priorities"]
                ).order_by("pk")[:1]
            ),
        )
        for follow in item["follow_ups"]:
            follow_up = services.follow_up_create(
                engagement,
                by=by,
                description=follow["description"],
                owner_agency=agencies[follow["owner"]],
                due_date=day(follow["due_in_days"]),
            )
            if "done_in_days" in follow:
                services.follow_up_set_done(
                    follow_up, by=by, done=True, on=day(follow["done_in_days"])
                )
        engagements += 1

    requests = 0
    for item in spec["requests"]:
        if SupportRequest.objects.filter(subject=item["subject"]).exists():
            continue
        received = day(item["received_in_days"])
        support_request = services.request_create(
            by=person(item["by"]),
            country=country(item["country"]),
            requesting_body=item["body"],
            received_date=received,
            subject=item["subject"],
            description=item["description"],
            priorities=[priorities[c] for c in item["priorities"]],
            at=_moment(received),
        )
        for n, (step, name, lead, note) in enumerate(item["steps"], start=1):
            support_request = services.request_step(
                support_request,
                step,
                by=person(name),
                lead_agency=agencies[lead] if lead else None,
                note=note,
                # A week between steps, and never after today.
                at=_moment(min(received + datetime.timedelta(days=7 * n), today)),
            )
        requests += 1
    stdout.write(
        f"Created {engagements} engagements with States and {requests} requests for support."
    )
    return engagements, requests


def _moment(day):
    return datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=datetime.UTC)
