"""Coverage: how many activities serve each of the twelve priorities, per agency or per region,
and the gaps (a region with work under some priorities and none under another).

The counts are made in the database (GROUP BY), one query per matrix whatever the number of
activities; the labels (priorities, agencies, regions) are one more query each.

An activity counts in a region as `ActivityQuerySet.in_region` has it, so that a cell's number
is the length of the activity list its link opens: it names one of the region's countries, the
region itself, or a wider region covering it (World counts everywhere). A narrower region does
not count in a wider one, as in the list. Cancelled activities do not count: they serve nobody.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse

from agencies.models import Agency
from geo.models import Region
from priorities.models import Priority

from .filters import NOT_CANCELLED
from .models import Activity

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
        .values("priorities", "agency")
        .annotate(
            n=Count("pk", distinct=True),
            ji=Count("initiative", distinct=True, filter=Q(initiative__isnull=False)),
        )
        .order_by()
    )
    counts = {(r["priorities"], r["agency"]): (r["n"], r["ji"]) for r in rows}
    return _build(priorities, agencies, lambda a: a.pk, counts)


def _region_counts(level, start, end, by_priority=True, regions=None):
    """{(priority_id, region_code): (activities, joint initiatives)} at `level`, one query.

    Without `by_priority`, the key's priority is None and each activity counts once per region.
    With `regions` (codes, not empty), only those regions are counted: the same numbers for
    them, with less work than the whole level when the regions hold less of it.

    `place` pairs each activity with the regions of `level` it counts in (see the module's
    docstring); regions nest at most three deep under World, hence the three parent joins.
    """
    # The counted activities as a derived table, joined once (no ORDER BY: it would sort them).
    activities, id_params = (
        counted(start, end).order_by().values("id", "initiative_id").query.sql_with_params()
    )
    t = {
        "priorities": Activity.priorities.through._meta.db_table,
        "countries": Activity.countries.through._meta.db_table,
        "regions": Activity.regions.through._meta.db_table,
        "region": Region._meta.db_table,
        "region_countries": Region.countries.through._meta.db_table,
    }
    # (priority, place) rows are unique (place is a UNION; an activity names a priority
    # once), so COUNT(*) counts activities; grouping by initiative inside and counting the
    # groups outside counts distinct initiatives without a COUNT(DISTINCT), whose sort of
    # every row costs more than the rest of the query.
    if by_priority:
        inner, join, outer = (
            "ap.priority_id",
            f"JOIN {t['priorities']} ap ON ap.activity_id = a.id",
            "priority_id",
        )
    else:
        inner, join, outer = "NULL", "", "NULL"
    # PostgreSQL refuses a constant in GROUP BY: a NULL priority is selected only.
    inner_group = f"{inner}, " if by_priority else ""
    outer_group = f"{outer}, " if by_priority else ""
    # Each target region `r` is chosen by its level, and by its code when `regions` says.
    target = "r.level = %s"
    target_params = [level]
    if regions is not None:
        target += f" AND r.code IN ({', '.join(['%s'] * len(regions))})"
        target_params += list(regions)
    sql = f"""
        WITH covers AS (
            SELECT r.code AS target, r.code AS cover FROM {t["region"]} r WHERE {target}
            UNION SELECT r.code, p1.code FROM {t["region"]} r
                JOIN {t["region"]} p1 ON p1.code = r.parent_id WHERE {target}
            UNION SELECT r.code, p2.code FROM {t["region"]} r
                JOIN {t["region"]} p1 ON p1.code = r.parent_id
                JOIN {t["region"]} p2 ON p2.code = p1.parent_id WHERE {target}
            UNION SELECT r.code, p3.code FROM {t["region"]} r
                JOIN {t["region"]} p1 ON p1.code = r.parent_id
                JOIN {t["region"]} p2 ON p2.code = p1.parent_id
                JOIN {t["region"]} p3 ON p3.code = p2.parent_id WHERE {target}
        ),
        place AS (
            SELECT ac.activity_id, rc.region_id AS target
            FROM {t["countries"]} ac
            JOIN {t["region_countries"]} rc ON rc.country_id = ac.country_id
            JOIN {t["region"]} r ON r.code = rc.region_id AND {target}
            UNION
            SELECT ar.activity_id, covers.target
            FROM {t["regions"]} ar JOIN covers ON covers.cover = ar.region_id
        )
        SELECT {outer}, target, SUM(n), COUNT(initiative_id)
        FROM (
            SELECT {inner} AS priority_id, place.target, a.initiative_id, COUNT(*) AS n
            FROM place
            JOIN ({activities}) a ON a.id = place.activity_id
            {join}
            GROUP BY {inner_group}place.target, a.initiative_id
        ) counted
        GROUP BY {outer_group}target
    """
    params = target_params * 5 + list(id_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # PostgreSQL sums integers as numeric (Decimal): counts are ints.
        return {(p, r): (int(n), ji) for p, r, n, ji in cursor.fetchall()}


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
    counts = _region_counts(level, start, end, regions=regions)
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
    counts = _region_counts(level, start, end, by_priority=False, regions=regions)
    return {r: n for (_, r), (n, _) in counts.items()}


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
