"""Counts of activities by priority and by agency, for the pages that summarise the register.

Each is one aggregate query (GROUP BY in the database), whatever the number of rows.
"""

from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.lookups import GreaterThan

from agencies.cached import agencies as agencies_cached
from agencies.models import Agency
from common import tallies
from geo.cached import countries as countries_cached
from geo.cached import regions as regions_cached
from geo.models import Country, Region
from initiatives.models import JointInitiative
from priorities.cached import priorities as priorities_cached
from priorities.models import Priority

from .models import REGISTER, Activity, ActivityPlace, priority_bit

# A join from another table to its activities does not pass through `Activity.objects`,
# which hides withdrawn ones: the counts say so themselves.
ALIVE = Q(activities__deleted_at__isnull=True)


def priority_counts(agency_id=None):
    """Every priority with `total` activities and, for an agency, `mine`.

    One pass over the activities' priority masks (`priority_bit`, kept by the services and
    read from the coverage index alone, as the coverage matrices read them), kept until the
    register changes (common.tallies).
    """
    priorities = priorities_cached()

    def count():
        def under(priority):
            return GreaterThan(F("priority_mask").bitand(priority_bit(priority.pk)), 0)

        mine = Q(agency=agency_id)
        found = Activity.objects.aggregate(
            **{f"total_{p.pk}": Count("pk", filter=under(p)) for p in priorities},
            **{f"mine_{p.pk}": Count("pk", filter=under(p) & mine) for p in priorities},
        )
        return {p.pk: (found[f"total_{p.pk}"], found[f"mine_{p.pk}"]) for p in priorities}

    counts = tallies.kept(REGISTER, f"priority-counts:{agency_id}", count)
    for priority in priorities:
        priority.total, priority.mine = counts.get(priority.pk, (0, 0))
    return priorities


def priorities_with_counts():
    """Every priority with its activities, joint initiatives and agencies counted."""
    return Priority.objects.annotate(
        activity_count=Count("activities", filter=ALIVE, distinct=True),
        initiative_count=Count(
            "initiatives", filter=Q(initiatives__deleted_at__isnull=True), distinct=True
        ),
        agency_count=Count("activities__agency", filter=ALIVE, distinct=True),
    )


def agencies_with_counts():
    """Every agency with its activities and active members counted, active agencies first."""
    return Agency.objects.annotate(
        activity_count=Count("activities", filter=ALIVE, distinct=True),
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
    ).order_by("-is_active", "acronym")


def with_totals(rows, totals, name):
    """The cached `rows` that have a total in `totals` (by pk), each with it as `total`,
    largest first, then by the attribute `name`."""
    found = []
    for row in rows:
        if totals.get(row.pk):
            row.total = totals[row.pk]
            found.append(row)
    return sorted(found, key=lambda row: (-row.total, getattr(row, name)))


def agencies_working_on(priority):
    """The agencies with activities under `priority`, busiest first, with `total`.

    One GROUP BY over the priority's links, kept until the register changes (common.tallies).
    """
    under = Activity.objects.under_priority(priority)
    totals = tallies.kept(
        REGISTER,
        f"agencies-working-on:{tallies.query_key(under)}",
        lambda: dict(under.values_list("agency").annotate(n=Count("pk")).order_by()),
    )
    return with_totals(agencies_cached(), totals, "acronym")


# -- an agency's profile -------------------------------------------------------------------
#
# The profile counts what a person may see (`activities` is `Activity.objects.visible_to(user)`)
# and leaves cancelled work out, as the coverage matrices do: each number is then the length
# of the activity list its link opens (?status=not_cancelled).


def profile_activities(agency, activities):
    """The activities of `agency` its profile counts: those given, cancelled left out."""
    return activities.of_agency(agency).exclude(status=Activity.Status.CANCELLED)


def agency_priorities(agency, activities):
    """Every priority a–l with `agency`'s activities under it (`activity_count`) and the joint
    initiatives it leads or took part in under it (`initiative_count`; closed without
    completion left out). Each count is a GROUP BY over `agency`'s rows alone; the activities'
    is kept until the register changes (common.tallies). 1 or 2 queries."""
    counted = profile_activities(agency, activities)
    under = _kept(
        "agency-priorities",
        counted,
        lambda: dict(
            Activity.priorities.through.objects.filter(activity__in=counted.values("pk"))
            .values_list("priority")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    )
    initiatives = dict(
        JointInitiative.priorities.through.objects.filter(
            jointinitiative__in=JointInitiative.objects.taking_part(agency)
            .exclude(status=JointInitiative.Status.CANCELLED)
            .values("pk")
        )
        .values_list("priority")
        .annotate(n=Count("pk"))
        .order_by()
    )
    priorities = priorities_cached()
    for priority in priorities:
        priority.activity_count = under.get(priority.pk, 0)
        priority.initiative_count = initiatives.get(priority.pk, 0)
    return priorities


def agency_countries(agency, activities):
    """The countries `agency` works in, busiest first: each with `total`, its activities there
    as `ActivityQuerySet.in_country` has them (named, or through a region covering it).

    A country only World-wide work reaches is left out (it would list every country); that
    work still counts in the others, as it does in the list behind each number. Bounded by
    the number of countries, whatever the number of activities. 1 query, kept until the
    register changes (common.tallies).
    """
    counted = profile_activities(agency, activities)
    if counted.query.is_empty():
        return []
    by_code = {country.pk: country for country in countries_cached()}
    found = []
    for code, total in _kept("agency-countries", counted, lambda: _country_totals(counted)):
        country = by_code[code]
        country.total = total
        found.append(country)
    return found


def _country_totals(counted):
    """[(country code, activities)] for `agency_countries`, busiest first."""
    ids, params = counted.order_by().values("id").query.sql_with_params()
    t = {
        "country": Country._meta.db_table,
        "countries": Activity.countries.through._meta.db_table,
        "regions": Activity.regions.through._meta.db_table,
        "region_countries": Region.countries.through._meta.db_table,
    }
    # `paths` pairs each activity with each country it reaches, and whether it reaches it
    # other than through World (1 or 0: SQLite has no booleans); an activity counts once per
    # country however it gets there.
    # Table names and Django-compiled SQL, values as parameters (bandit B608).
    sql = f"""
        WITH counted AS ({ids}),
        paths AS (
            SELECT ac.activity_id, ac.country_id, 1 AS named
            FROM {t["countries"]} ac JOIN counted ON counted.id = ac.activity_id
            UNION ALL
            SELECT ar.activity_id, rc.country_id, CASE WHEN ar.region_id <> %s THEN 1 ELSE 0 END
            FROM {t["regions"]} ar JOIN counted ON counted.id = ar.activity_id
            JOIN {t["region_countries"]} rc ON rc.region_id = ar.region_id
        ),
        place AS (
            SELECT activity_id, country_id, MAX(named) AS named
            FROM paths GROUP BY activity_id, country_id
        )
        SELECT c.iso3, p.total FROM {t["country"]} c
        JOIN (
            SELECT country_id, COUNT(*) AS total, SUM(named) AS named
            FROM place GROUP BY country_id
        ) p ON p.country_id = c.iso3
        WHERE p.named > 0
        ORDER BY p.total DESC, c.name, c.iso3
    """  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, Region.WORLD_CODE])
        return [tuple(row) for row in cursor.fetchall()]


def agency_regions(agency, activities):
    """The M49 regions (continents) with `agency`'s activities in each as `total`, as
    `ActivityQuerySet.in_region` counts them (their places, kept by the services); regions
    without any are left out. 1 GROUP BY over the agency's places, kept until the register
    changes (common.tallies)."""
    counted = profile_activities(agency, activities)
    if counted.query.is_empty():
        return []
    # A place is unique per activity and region: counting places counts activities.
    totals = _kept(
        "agency-regions",
        counted,
        lambda: dict(
            ActivityPlace.objects.filter(
                level=Region.Level.REGION, activity__in=counted.values("pk")
            )
            .values_list("region")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    )
    return with_totals(regions_cached(), totals, "name")


def world_wide_count(agency, activities):
    """How many of `agency`'s activities name World (they count in every country). 1 query,
    kept until the register changes (common.tallies)."""
    counted = profile_activities(agency, activities)
    return _kept(
        "agency-world-wide",
        counted,
        lambda: counted.filter(regions__code=Region.WORLD_CODE).distinct().count(),
    )


def _kept(name, counted, compute):
    """`compute()` about the activities `counted`, kept until the register changes."""
    if counted.query.is_empty():
        return compute()
    return tallies.kept(REGISTER, f"{name}:{tallies.query_key(counted)}", compute)
