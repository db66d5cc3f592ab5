"""Coverage: how many activities serve each of the twelve priorities, per agency or per region,
and the gaps (a region with work under some priorities and none under another); how many work
in each country (the map), per priority and quarter, and per agency (the charts).

The counts are made in the database (GROUP BY), one query per matrix whatever the number of
activities; the labels (priorities, agencies, regions) are one more query each. They read
what the services keep for the purpose: each activity's priorities as a bit mask and the
regions it counts in (ActivityPlace), so that 100,000 activities are grouped without
joining them to their priorities or working out their regions on every page.

An activity counts in a region as `ActivityQuerySet.in_region` has it, so that a cell's number
is the length of the activity list its link opens: it names one of the region's countries, the
region itself, or a wider region covering it (World counts everywhere). A narrower region does
not count in a wider one, as in the list. Cancelled activities do not count: they serve nobody.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext

from agencies.models import Agency
from common import tallies
from geo.models import Region
from priorities.models import Priority

from .filters import NOT_CANCELLED
from .models import REGISTER, Activity, ActivityPlace

# Regions a matrix can be drawn over: the M49 regions (continents) or their sub-regions.
REGION_LEVELS = (Region.Level.REGION, Region.Level.SUBREGION)


@dataclass
class Cell:
    priority: Priority
    column: object  # an Agency or a Region
    activities: int = 0
    initiatives: int = 0  # distinct joint initiatives the cell's activities belong to
    gap: bool = False


@dataclass
class Matrix:
    priorities: list
    columns: list
    rows: list = field(default_factory=list)  # [(priority, [Cell, ...])]
    maximum: int = 0

    def column_totals(self):
        """Activities per column, all priorities together (an activity under two counts twice)."""
        return [sum(row[i].activities for _, row in self.rows) for i in range(len(self.columns))]


def counted(start=None, end=None):
    """The activities a matrix counts: not cancelled, running in [start, end] (open bounds)."""
    return Activity.objects.exclude(status=Activity.Status.CANCELLED).running_between(start, end)


def _tally(priorities, rows):
    """{(priority_id, column): (activities, joint initiatives)} from grouped rows.

    `rows` are (priority_mask, column, initiative_id, activities): the database counts each
    activity once per column and mask, and the bits are expanded here, over a few thousand
    groups at most, rather than the database joining every (activity, priority) pair.
    """
    bits = [(p.pk, 1 << p.pk) for p in priorities]
    activities, initiatives = {}, {}
    for mask, column, initiative, n in rows:
        for pk, bit in bits:
            if mask & bit:
                key = (pk, column)
                activities[key] = activities.get(key, 0) + n
                if initiative is not None:
                    initiatives.setdefault(key, set()).add(initiative)
    return {key: (n, len(initiatives.get(key, ()))) for key, n in activities.items()}


def _kept_tally(priorities, rows):
    """`_tally`, kept (common.tallies) until the register or a reference list changes.

    Grouping every counted activity is a scan of the register (about 100 ms at 100,000
    activities) for numbers that change a few hundred times a day. They depend on the
    activities (every write moves the register's version on) and on which agencies are
    active and which priorities there are (the reference lists' version); the grouped
    query's SQL names the period and the level."""
    reference = tallies.version(tallies.REFERENCE)
    return tallies.kept(
        REGISTER,
        f"coverage\x00{reference}\x00{tallies.query_key(rows)}",
        lambda: _tally(priorities, rows),
    )


def _build(priorities, columns, key, counts):
    matrix = Matrix(priorities=priorities, columns=columns)
    for priority in priorities:
        cells = []
        for column in columns:
            n, ji = counts.get((priority.pk, key(column)), (0, 0))
            cells.append(Cell(priority, column, activities=n, initiatives=ji))
            matrix.maximum = max(matrix.maximum, n)
        matrix.rows.append((priority, cells))
    return matrix


def agency_matrix(start=None, end=None):
    """Priorities × active agencies (the agency that logged the activity). 3 queries."""
    priorities = list(Priority.objects.order_by("code"))
    agencies = list(Agency.objects.active().order_by("acronym"))
    rows = (
        counted(start, end)
        .filter(agency__is_active=True)
        .values_list("priority_mask", "agency", "initiative")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _build(priorities, agencies, lambda a: a.pk, _kept_tally(priorities, rows))


def _places(level, start, end, regions=None):
    """The (activity, region) pairs at `level` of the counted activities (ActivityPlace),
    in `regions` (codes) only when given.

    The conditions of `counted` on the joined activity, rather than `activity__in=counted()`,
    which would read the activities twice.
    """
    condition = ~Q(activity__status=Activity.Status.CANCELLED)
    if end:
        condition &= Q(activity__start_date__lte=end)
    if start:
        condition &= Q(activity__end_date__isnull=True) | Q(activity__end_date__gte=start)
    places = ActivityPlace.objects.filter(condition, level=level)
    if regions is not None:
        places = places.filter(region__in=regions)
    return places


def _region_counts(priorities, level, start, end, regions=None):
    """{(priority_id, region_code): (activities, joint initiatives)} at `level`, one query.

    An activity counts in a region as `ActivityQuerySet.in_region` has it (its places,
    kept by the services); a place is unique per activity and region, so COUNT counts
    activities.
    """
    rows = (
        _places(level, start, end, regions)
        .values_list("activity__priority_mask", "region", "activity__initiative")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _kept_tally(priorities, rows)


def region_matrix(level=Region.Level.REGION, start=None, end=None, regions=None):
    """Priorities × the regions of `level`, with gaps marked. 3 queries.

    With `regions` (region codes), the columns of those of them that are of `level`, with
    the same numbers and gaps as in the whole matrix (a column does not depend on the others).
    """
    priorities = list(Priority.objects.order_by("code"))
    columns = Region.objects.filter(level=level).order_by("name")
    if regions is not None:
        regions = list(regions)
        if not regions:
            return _build(priorities, [], lambda r: r.pk, {})
        columns = columns.filter(code__in=regions)
    counts = _region_counts(priorities, level, start, end, regions)
    matrix = _build(priorities, list(columns), lambda r: r.pk, counts)
    _mark_gaps(matrix)
    return matrix


def _mark_gaps(matrix):
    """A gap: no activity under a priority in a region where other priorities have some."""
    for i, _region in enumerate(matrix.columns):
        column = [cells[i] for _, cells in matrix.rows]
        if any(cell.activities for cell in column):
            for cell in column:
                cell.gap = cell.activities == 0


@dataclass
class Gap:
    priority: Priority
    region: Region
    others: int  # activities in the region under other priorities (distinct activities)


def gaps(level=Region.Level.REGION, start=None, end=None, regions=None):
    """The gaps of the region matrix, region by region, with how much serves other priorities.

    `others` counts distinct activities in the region (an activity under two other priorities
    counts once). With `regions` (region codes), the gaps of those regions alone, the same
    ones as in the whole list: the weekly digest asks for the sub-regions where an agency
    works. At most 4 queries.
    """
    matrix = region_matrix(level, start, end, regions=regions)
    found = [(cell.priority, cell.column) for _, cells in matrix.rows for cell in cells if cell.gap]
    if not found:
        return []
    # No activity here is under the gap's priority, so each one in the region serves others.
    totals = _region_totals(level, start, end, regions=sorted({r.pk for _p, r in found}))
    found.sort(key=lambda pr: (pr[1].name, pr[0].code))
    return [Gap(p, r, totals.get(r.pk, 0)) for p, r in found]


def _region_totals(level, start, end, regions=None):
    """{region_code: distinct activities counted in it, whatever their priorities}. 1 query."""
    places = _places(level, start, end, regions)
    return dict(places.values_list("region").annotate(n=Count("pk")).order_by())


def cell_url(cell, start=None, end=None):
    """The activity list behind a cell: its priority, its agency or region, the period."""
    # The matrices leave cancelled work out; so does the list behind a cell.
    query = {"priority": cell.priority.code, "status": NOT_CANCELLED}
    if isinstance(cell.column, Region):
        query["region"] = cell.column.pk
    else:
        query["agency"] = cell.column.slug
    if start:
        query["running_from"] = start.isoformat()
    if end:
        query["running_to"] = end.isoformat()
    return f"{reverse('activities:list')}?{urlencode(query)}"


# -- the map: activities per country -----------------------------------------------------------


def country_counts(start=None, end=None):
    """{country iso3: activities counted in it}, for the countries with at least one. 1 query.

    An activity counts in a country as `ActivityQuerySet.in_country` has it, so that the
    number is the length of the list the country's link opens: it names the country, or a
    region the country is in (World counts everywhere), once however many of these it names.

    Counted as named countries − those also covered by a named region + the activities of
    each region spread over its countries; the regions form a tree (a country's regions are
    one line of nested regions), so an activity is spread from the widest region it names
    only, and each region's count is spread once, not each of its activities.
    """
    activities, id_params = counted(start, end).order_by().values("id").query.sql_with_params()
    t = {
        "countries": Activity.countries.through._meta.db_table,
        "regions": Activity.regions.through._meta.db_table,
        "region": Region._meta.db_table,
        "region_countries": Region.countries.through._meta.db_table,
    }
    # Regions nest at most three deep under World: a named region's wider ones are its
    # parent, grandparent and great-grandparent.
    # Table names from the models, values as parameters (bandit B608).
    sql = f"""
        SELECT country_id, SUM(n) FROM (
            SELECT ac.country_id, COUNT(*) AS n
            FROM {t["countries"]} ac JOIN ({activities}) a ON a.id = ac.activity_id
            GROUP BY ac.country_id
            UNION ALL
            SELECT covered.country_id, -COUNT(*) FROM (
                SELECT DISTINCT ac.activity_id, ac.country_id
                FROM {t["countries"]} ac
                JOIN {t["regions"]} ar ON ar.activity_id = ac.activity_id
                JOIN {t["region_countries"]} rc
                    ON rc.region_id = ar.region_id AND rc.country_id = ac.country_id
            ) covered JOIN ({activities}) a ON a.id = covered.activity_id
            GROUP BY covered.country_id
            UNION ALL
            SELECT rc.country_id, SUM(widest.n) FROM (
                SELECT ar.region_id, COUNT(*) AS n
                FROM {t["regions"]} ar
                JOIN ({activities}) a ON a.id = ar.activity_id
                JOIN {t["region"]} r ON r.code = ar.region_id
                LEFT JOIN {t["region"]} p1 ON p1.code = r.parent_id
                LEFT JOIN {t["region"]} p2 ON p2.code = p1.parent_id
                WHERE NOT EXISTS (
                    SELECT 1 FROM {t["regions"]} wider
                    WHERE wider.activity_id = ar.activity_id
                    AND wider.region_id IN (r.parent_id, p1.parent_id, p2.parent_id)
                )
                GROUP BY ar.region_id
            ) widest JOIN {t["region_countries"]} rc ON rc.region_id = widest.region_id
            GROUP BY rc.country_id
        ) parts
        GROUP BY country_id
        HAVING SUM(n) > 0
    """  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, list(id_params) * 3)
        # PostgreSQL sums integers as numeric (Decimal): counts are ints.
        return {country: int(n) for country, n in cursor.fetchall()}


# -- the charts: per priority and quarter, per agency ----------------------------------------

# Quarters shown when the period leaves a bound open, and the most a chart shows.
DEFAULT_QUARTERS = 8
MAX_QUARTERS = 12


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    @property
    def start(self):
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self):
        return self.next().start - datetime.timedelta(days=1)

    def next(self):
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def minus(self, n):
        index = self.year * 4 + self.number - 1 - n
        return Quarter(index // 4, index % 4 + 1)

    @classmethod
    def of(cls, day):
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self):
        # "Q1 2026"; French says "T1 2026".
        return gettext("Q%(number)s %(year)s") % {"number": self.number, "year": self.year}


def quarters(start, end, today):
    """The quarters a chart shows for the period [start, end]: whole quarters, oldest first.

    An open end is the current quarter (or the start's, if later); an open start is
    DEFAULT_QUARTERS back from the end. A period longer than MAX_QUARTERS keeps its last
    ones. Returns (quarters, whether some of the period's quarters were left out).
    """
    last = Quarter.of(end) if end else Quarter.of(today)
    first = Quarter.of(start) if start else last.minus(DEFAULT_QUARTERS - 1)
    if first.start > last.start:
        last = first
    found = [first]
    while found[-1] != last:
        found.append(found[-1].next())
    return found[-MAX_QUARTERS:], len(found) > MAX_QUARTERS


def priority_quarters(shown):
    """[(priority, [activities running in each quarter of `shown`])]. 2 queries.

    An activity counts in every quarter it runs in, for each of its priorities; cancelled
    ones do not count. One GROUP BY over (activity, priority) with one conditional count per
    quarter, which every database runs alike.
    """
    priorities = list(Priority.objects.order_by("code"))
    in_quarter = {
        f"q{i}": Count(
            "pk",
            filter=Q(start_date__lte=q.end) & (Q(end_date__isnull=True) | Q(end_date__gte=q.start)),
        )
        for i, q in enumerate(shown)
    }
    rows = (
        counted(shown[0].start, shown[-1].end)
        .values("priorities")
        .annotate(**in_quarter)
        .order_by()
    )
    counts = {r["priorities"]: [r[f"q{i}"] for i in range(len(shown))] for r in rows}
    return [(p, counts.get(p.pk, [0] * len(shown))) for p in priorities]


def agency_counts(start=None, end=None):
    """[(agency, activities it logged in the period)] for the active agencies, most first.

    2 queries."""
    agencies = list(Agency.objects.active().order_by("acronym"))
    rows = (
        counted(start, end)
        .filter(agency__is_active=True)
        .values("agency")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {r["agency"]: r["n"] for r in rows}
    found = [(a, counts.get(a.pk, 0)) for a in agencies]
    return sorted(found, key=lambda pair: -pair[1])  # stable: acronyms order ties


def period_urls(name, values, start=None, end=None):
    """{value: the activity list behind a number of the map or the charts}: filtered on
    `name`=value (country=iso3, agency=slug, priority=code), running in the period, cancelled
    work left out as counted. The list's address is reversed once for all the values."""
    rest = {"status": NOT_CANCELLED}
    if start:
        rest["running_from"] = start.isoformat()
    if end:
        rest["running_to"] = end.isoformat()
    base = reverse("activities:list")
    return {value: f"{base}?{urlencode({name: value, **rest})}" for value in values}
