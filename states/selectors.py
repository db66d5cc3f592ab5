"""Reads other apps' pages make of this app (priorities, digests) and this app's own pages.

Each runs a fixed number of queries, whatever the number of rows.
"""

import datetime
from dataclasses import dataclass

from django.urls import reverse

from common.previews import Batch, Preview

from .models import Engagement, FollowUp, SupportRequest

# How many records of each kind a priority's page lists before "see all".
PRIORITY_PREVIEW = 10
# A follow-up due within this many days is "due" in the digest and on the home page.
DUE_SOON_DAYS = 7


@dataclass
class PrioritySection:
    engagement_preview: Preview
    engagement_url: str
    request_preview: Preview
    request_url: str

    @property
    def engagements(self):
        return self.engagement_preview.rows

    @property
    def engagement_total(self):
        return self.engagement_preview.total

    @property
    def requests(self):
        return self.request_preview.rows

    @property
    def request_total(self):
        return self.request_preview.total


def for_priority(priority, user, batch=None):
    """The latest engagements and requests for support serving `priority`, how many there
    are of each, and the lists of all: read with the page's other previews when it passes
    its `batch` (filled when the page runs it), else at once in one query.
    Their agencies and priorities are left to the page, which
    reads every section's in one query (common.links.attach_many)."""
    own = batch is None
    batch = Batch() if own else batch
    engagements = batch.add(
        Engagement.objects.visible_to(user).under_priority(priority).with_list_relations(),
        ("-date", "-pk"),
        PRIORITY_PREVIEW,
    )
    requests = batch.add(
        SupportRequest.objects.visible_to(user).under_priority(priority).with_list_relations(),
        ("-received_date", "-pk"),
        PRIORITY_PREVIEW,
    )
    if own:
        batch.run()
    return PrioritySection(
        engagements,
        f"{reverse('states:engagement-list')}?priority={priority.code}",
        requests,
        f"{reverse('states:request-list')}?priority={priority.code}",
    )


def open_requests_for(agency):
    """Requests for support assigned to `agency` that it has not closed or declined, the
    oldest first."""
    return (
        SupportRequest.objects.open()
        .filter(lead_agency_id=agency.pk)
        .select_related("country", "lead_agency")
        .order_by("received_date", "pk")
    )


def due_follow_ups_for(agency, today):
    """Open follow-ups `agency` owns that are overdue or due within DUE_SOON_DAYS, the
    earliest first."""
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    return (
        FollowUp.objects.due_by(horizon)
        .filter(owner_agency_id=agency.pk)
        .select_related("engagement__country", "owner_agency")
        .order_by("due_date", "pk")
    )
