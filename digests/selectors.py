"""Reads for the home pages: an agency's footprint, a week's digest deliveries."""

from django.db.models import Count, Exists, OuterRef

from activities.models import REGISTER, Activity
from activities.selectors import with_totals
from common import tallies
from geo.cached import countries as countries_cached
from priorities.cached import priorities as priorities_cached

from .models import DigestDelivery
from .services import due_recipients

# Countries named on a head's home page; the rest is a count.
FOOTPRINT_COUNTRIES = 12


def agency_footprint(agency):
    """Where an agency works: priorities and countries with its activities counted.

    Cancelled and withdrawn activities do not count (as in the digest). Countries are those
    named on the activities; region-wide work is not spread over every country of the
    region. Each count is a GROUP BY of the agency's links alone (the priorities', the
    countries'), kept until the register changes (common.tallies: the activity services
    move REGISTER on every save, withdrawal, restore and bulk load); the names are the
    cached reference rows'. Counting over every link of every agency took a second at
    100,000 activities.
    """
    counted = Activity.objects.of_agency(agency).exclude(status=Activity.Status.CANCELLED)

    def totals(relation, column):
        def count():
            links = getattr(Activity, relation).through.objects
            # A link is unique per activity and row: counting links counts activities.
            return dict(
                links.filter(activity__in=counted.values("pk"))
                .values_list(column)
                .annotate(n=Count("pk"))
                .order_by()
            )

        return tallies.kept(REGISTER, f"footprint-{relation}:{agency.pk}", count)

    priorities = with_totals(priorities_cached(), totals("priorities", "priority"), "code")
    countries = with_totals(countries_cached(), totals("countries", "country"), "name")
    return {
        "priorities": priorities,
        "countries": countries[:FOOTPRINT_COUNTRIES],
        "country_total": len(countries),
        "more_countries": max(len(countries) - FOOTPRINT_COUNTRIES, 0),
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
