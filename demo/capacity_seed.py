"""Demonstration joint trainings and a secondment, loaded by `manage.py seed_demo`.

The records are in demo/fixtures/capacity.json (its "why" says what they are). Agencies are
named by acronym, demo people by the start of their email, priorities by their letters.
Everything is made through the capacity services, as the portal makes it; a training that
exists (by title) or a transfer that exists (by agencies and purpose) is left as it is, so the
seed can run again.
"""

import datetime
import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from agencies.models import Agency
from capacity import services
from capacity.models import Training, Transfer
from geo.models import Country
from priorities.models import Priority

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "capacity.json"


def seed(people, stdout):
    """Create what is missing; returns the number of trainings and transfers created."""
    spec = json.loads(FIXTURE.read_text(encoding="utf-8"))
    by_name = {user.email.partition("@")[0]: user for user in people}
    agencies = {a.acronym: a for a in Agency.objects.all()}
    today = timezone.localdate()

    def person(name):
        try:
            return by_name[name]
        except KeyError:
            raise CommandError(f"The demo data names an unknown person: {name}.") from None

    def period(item):
        start = today + datetime.timedelta(days=item["starts_in_days"])
        return start, start + datetime.timedelta(days=item["lasts_days"] - 1)

    created = 0
    for item in spec["trainings"]:
        if Training.objects.filter(title=item["title"]).exists():
            continue
        start, end = period(item)
        services.training_create(
            lead_agency=agencies[item["lead"]],
            by=person(item["by"]),
            organisers=[agencies[a] for a in item["organisers"]],
            participants=[(agencies[a], n) for a, n in item["participants"]],
            priorities=list(Priority.objects.filter(code__in=item["priorities"])),
            title=item["title"],
            description=item["description"],
            start_date=start,
            end_date=end,
            online=item["online"],
            country=Country.objects.get(pk=item["country"]) if item["country"] else None,
            city=item["city"],
            materials="\n".join(item["materials"]),
        )
        created += 1
    for item in spec["transfers"]:
        from_agency, to_agency = agencies[item["from"]], agencies[item["to"]]
        if Transfer.objects.filter(
            from_agency=from_agency, to_agency=to_agency, purpose=item["purpose"]
        ).exists():
            continue
        start, end = period(item)
        services.transfer_create(
            by=person(item["by"]),
            priorities=list(Priority.objects.filter(code__in=item["priorities"])),
            kind=item["kind"],
            person_name=item["person_name"],
            from_agency=from_agency,
            to_agency=to_agency,
            start_date=start,
            end_date=end,
            purpose=item["purpose"],
        )
        created += 1
    stdout.write(f"Recorded {created} joint trainings and transfers.")
    return created
