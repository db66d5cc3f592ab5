"""Reads other apps make of the group's governance (priority pages, digests, the "needs your
attention" list). Each runs a fixed number of queries whatever the number of rows."""

from dataclasses import dataclass

from django.db.models import Count, Window, prefetch_related_objects
from django.urls import reverse

from .models import ActionPoint, Meeting

# The priority of the Terms of Reference the group's own coordination serves.
GOVERNANCE_PRIORITY = "c"
PRIORITY_PREVIEW = 10
# An action point due within this many days needs its owner's attention.
DUE_SOON_DAYS = 7
# Meetings this many days ahead are "coming up".
MEETINGS_AHEAD_DAYS = 14


@dataclass
class PrioritySection:
    meetings: list
    total: int
    list_url: str


def for_priority(priority, user):
    """The latest meetings and their decisions, on priority (c)'s page (the group's
    coherent institutional response); empty on the others'. Two queries."""
    if priority.code != GOVERNANCE_PRIORITY:
        return PrioritySection([], 0, "")
    meetings = Meeting.objects.visible_to(user).select_related("chair")
    rows = list(
        meetings.annotate(_total=Window(Count("pk"))).order_by("-date", "-pk")[:PRIORITY_PREVIEW]
    )
    prefetch_related_objects(rows, "agenda_items")
    return PrioritySection(rows, rows[0]._total if rows else 0, reverse("governance:meeting-list"))


def action_points_due(agency, today, days=DUE_SOON_DAYS):
    """Action points not done that are overdue or due within `days` days: `agency`'s, or
    (None) every agency's. Oldest due first."""
    points = ActionPoint.objects.due_within(today, days).select_related("owner", "meeting")
    if agency is not None:
        points = points.owned_by(agency)
    return points


def meetings_coming_up(today, days=MEETINGS_AHEAD_DAYS):
    return Meeting.objects.upcoming(today, days).select_related("chair")


def action_point_list_url(agency=None):
    url = reverse("governance:action-point-list")
    params = "status=not_done&due=soon"
    if agency is not None:
        params += f"&owner={agency.slug}"
    return f"{url}?{params}"
