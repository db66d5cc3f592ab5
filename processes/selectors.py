"""Reads the pages of other apps (priorities, dashboard) and this app's own pages make.

Each runs a fixed number of queries, whatever the number of rows.
"""

from dataclasses import dataclass

from django.urls import reverse

from agencies.models import Agency
from common.previews import Batch, Preview

from .models import Contribution, Event

# How many contributions a priority's page lists before "see all".
PRIORITY_PREVIEW = 10
# How many deadlines the dashboard lists.
DEADLINES_SHOWN = 5


@dataclass
class PrioritySection:
    latest: Preview
    list_url: str

    @property
    def contributions(self):
        return self.latest.rows

    @property
    def total(self):
        return self.latest.total


def for_priority(priority, user, batch=None):
    """The latest contributions serving `priority`, how many there are, and the list of all.

    Every contribution serves (e) (the services see to it), so priority (e)'s page lists
    them all. Read with the page's other previews when it passes its `batch` (filled when
    the page runs it), else at once. Their agencies and priorities are left to the page,
    which reads every section's in one query (common.links.attach_many).
    """
    own = batch is None
    batch = Batch() if own else batch
    latest = batch.add(
        Contribution.objects.visible_to(user).under_priority(priority).with_list_relations(),
        ("-date", "-pk"),
        PRIORITY_PREVIEW,
    )
    if own:
        batch.run()
    url = f"{reverse('processes:contribution-list')}?priority={priority.code}"
    return PrioritySection(latest, url)


def upcoming_deadlines(user, today):
    """The next events whose contributions are due today or later, nearest first."""
    return list(
        Event.objects.visible_to(user)
        .deadlines_from(today)
        .select_related("process")[:DEADLINES_SHOWN]
    )


@dataclass
class EventContributions:
    joint: list
    by_agency: list  # [(agency, [contribution, ...]), ...] by acronym
    not_yet: list  # active member agencies with no contribution, alone or joint


def for_event(event, user):
    """What an event's page shows of its contributions; three queries and the prefetches."""
    contributions = list(
        Contribution.objects.visible_to(user)
        .filter(event=event)
        .with_list_relations()
        .order_by("lead_agency__acronym", "-date", "pk")
    )
    joint = [c for c in contributions if c.is_joint]
    by_agency = {}
    for contribution in contributions:
        if not contribution.is_joint:
            by_agency.setdefault(contribution.lead_agency, []).append(contribution)
    contributed = Contribution.agencies.through.objects.filter(contribution__event=event).values(
        "agency_id"
    )
    not_yet = list(Agency.objects.active().exclude(pk__in=contributed).order_by("acronym"))
    return EventContributions(joint, list(by_agency.items()), not_yet)
