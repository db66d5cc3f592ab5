"""Reads for the home pages: an agency's footprint, a week's digest deliveries."""

from django.db.models import Count, Exists, OuterRef, Q

from activities.models import Activity
from geo.models import Country
from priorities.models import Priority

from .attention import first_rows
from .models import DigestDelivery
from .services import due_recipients

# Countries named on a head's home page; the rest is a count.
FOOTPRINT_COUNTRIES = 12


def agency_footprint(agency):
    """Where an agency works: priorities and countries with its activities counted. 2 queries.

    Cancelled activities do not count (as in the digest). Countries are those named on the
    activities; region-wide work is not spread over every country of the region.
    """
    kept = [s for s in Activity.Status.values if s != Activity.Status.CANCELLED]
    # Joined from priorities and countries, so not through `Activity.objects`: withdrawn
    # activities are left out here.
    mine = Q(
        activities__agency=agency,
        activities__status__in=kept,
        activities__deleted_at__isnull=True,
    )
    priorities = list(
        Priority.objects.annotate(total=Count("activities", filter=mine, distinct=True))
        .filter(total__gt=0)
        .order_by("-total", "code")
    )
    countries, country_total = first_rows(
        Country.objects.annotate(total=Count("activities", filter=mine, distinct=True)).filter(
            total__gt=0
        ),
        ("-total", "name"),
        cap=FOOTPRINT_COUNTRIES,
    )
    return {
        "priorities": priorities,
        "countries": countries,
        "country_total": country_total,
        "more_countries": max(country_total - len(countries), 0),
    }


def week_deliveries(year, week):
    """The digests of a week by status: sent, empty, failed, pending. 2 queries.

    Pending counts rows not finished yet and due people with an address whose digest has not
    been claimed yet (before the weekly send, that is everyone due).
    """
    counts = dict.fromkeys(DigestDelivery.Status.values, 0)
    rows = (
        DigestDelivery.objects.for_week(year, week)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts.update(dict(rows))
    unclaimed = (
        due_recipients(year, week)
        .exclude(email="")
        .exclude(
            Exists(
                DigestDelivery.objects.filter(
                    recipient=OuterRef("pk"), iso_year=year, iso_week=week
                )
            )
        )
        .count()
    )
    S = DigestDelivery.Status
    return {
        "sent": counts[S.SENT],
        "empty": counts[S.EMPTY],
        "failed": counts[S.FAILED],
        "pending": counts[S.PENDING] + counts[S.SENDING] + unclaimed,
    }


__all__ = ["agency_footprint", "week_deliveries"]
