"""Counts of activities by priority and by agency, for the pages that summarise the register.

Each is one aggregate query (GROUP BY in the database), whatever the number of rows.
"""

from django.db.models import Count, Q

from agencies.models import Agency
from priorities.models import Priority


def priority_counts(agency_id=None):
    """Every priority with `total` activities and, for an agency, `mine`."""
    return Priority.objects.annotate(
        total=Count("activities", distinct=True),
        mine=Count("activities", filter=Q(activities__agency=agency_id), distinct=True),
    )


def priority_footprint(agency):
    """Every priority with the number of `agency`'s activities under it as `total`."""
    return Priority.objects.annotate(
        total=Count("activities", filter=Q(activities__agency=agency), distinct=True)
    )


def priorities_with_counts():
    """Every priority with its activities, joint initiatives and agencies counted."""
    return Priority.objects.annotate(
        activity_count=Count("activities", distinct=True),
        initiative_count=Count("initiatives", distinct=True),
        agency_count=Count("activities__agency", distinct=True),
    )


def agencies_with_counts():
    """Every agency with its activities and active members counted, active agencies first."""
    return Agency.objects.annotate(
        activity_count=Count("activities", distinct=True),
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
    ).order_by("-is_active", "acronym")


def agencies_working_on(priority):
    """The agencies with activities under `priority`, busiest first, with `total`."""
    return (
        Agency.objects.annotate(
            total=Count("activities", filter=Q(activities__priorities=priority), distinct=True)
        )
        .filter(total__gt=0)
        .order_by("-total", "acronym")
    )
