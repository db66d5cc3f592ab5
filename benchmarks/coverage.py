"""How long the coverage matrices take on the server: the page built and rendered.

    DATABASE_URL=postgres://... python benchmarks/coverage.py [--activities 100000] [--repeat 5]

Loads the same corpus as benchmarks/digests.py (its setup, clear and populate: the database
named by DATABASE_URL loses its activities, flags and initiatives; never point it at real
data; without DATABASE_URL a fresh SQLite file under /tmp is used).

For each matrix (priorities × agencies, × M49 regions, × sub-regions) and two periods (the
page's default, the current year; and any time, every row), the view runs on a request
(selector, then template render), `--repeat` times after one warm-up; the median is reported
with the queries it ran. The baseline, in the same run, counts the same matrices the naive
way: every activity read with its priorities and places (prefetched), tallied in a Python
loop, on a subset of 10,000 activities, a tenth of the corpus.

The map (/coverage/map/: activities per country) and the charts (/coverage/charts/: per
priority and quarter, per agency) are timed the same way; the map's baseline is the same
naive loop over the countries each activity names or covers through its regions. The map's
shapes are read once per process, before the timed runs (that first read is timed apart).
"""

import argparse
import datetime
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.digests import clear, populate, setup  # noqa: E402

BASELINE_SUBSET = 10_000


def time_page(view, user, query, repeat):
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    factory = RequestFactory()
    times, queries = [], 0
    for n in range(repeat + 1):
        request = factory.get("/coverage/", query)
        request.user = user
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = view(request)
            elapsed = time.perf_counter() - t0
        assert response.status_code == 200, response.status_code
        if n:  # the first is a warm-up (templates, translations)
            times.append(elapsed)
        queries = len(captured)
    return statistics.median(times), queries


def naive_counts(by, level, start, end):
    """The matrix counted in Python over the first BASELINE_SUBSET activities."""
    from activities import coverage
    from geo.models import Region

    parents = dict(Region.objects.values_list("code", "parent_id"))
    # country -> the regions of `level` it belongs to
    at_level = {}
    for country, code in Region.countries.through.objects.filter(region__level=level).values_list(
        "country_id", "region_id"
    ):
        at_level.setdefault(country, set()).add(code)
    # region named by an activity -> the regions of `level` it covers (itself, or under it)
    covers = {}
    for code in Region.objects.filter(level=level).values_list("code", flat=True):
        node = code
        while node:
            covers.setdefault(node, set()).add(code)
            node = parents[node]

    ids = list(
        coverage.counted(start, end).order_by("pk").values_list("pk", flat=True)[:BASELINE_SUBSET]
    )
    counts = Counter()
    activities = coverage.counted().filter(pk__in=ids).prefetch_related("priorities")
    if by != "agency":
        activities = activities.prefetch_related("countries", "regions")
    for activity in activities:
        if by == "agency":
            columns = {activity.agency_id}
        else:
            columns = set()
            for country in activity.countries.all():
                columns |= at_level.get(country.pk, set())
            for region in activity.regions.all():
                columns |= covers.get(region.pk, set())
        for priority in activity.priorities.all():
            for column in columns:
                counts[priority.pk, column] += 1
    return counts


def naive_country_counts(start, end):
    """The map's counts in Python over the first BASELINE_SUBSET activities."""
    from activities import coverage

    ids = list(
        coverage.counted(start, end).order_by("pk").values_list("pk", flat=True)[:BASELINE_SUBSET]
    )
    counts = Counter()
    activities = (
        coverage.counted().filter(pk__in=ids).prefetch_related("countries", "regions__countries")
    )
    for activity in activities:
        places = {c.pk for c in activity.countries.all()}
        for region in activity.regions.all():
            places |= {c.pk for c in region.countries.all()}
        counts.update(places)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=48)
    args = parser.parse_args()

    setup()
    from django.db import connection
    from django.utils import timezone

    from agencies.models import Role, User
    from geo.models import Region
    from gmg_portal import views

    clear()
    t0 = time.perf_counter()
    populate(args.activities, 1, random.Random(args.seed))
    print(f"loaded {args.activities} activities in {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does soon after a bulk load: the tallies' UPDATE of every row
            # left a dead copy of each, which a fresh register would not have.
            cursor.execute("VACUUM ANALYZE")
    user = User.objects.filter(role=Role.SECRETARIAT).first()

    today = timezone.localdate()
    year = (datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31))
    periods = {"this year": year, "any time": (None, None)}
    levels = {"agency": None, "region": Region.Level.REGION, "subregion": Region.Level.SUBREGION}
    print(f"database: {connection.vendor}; {args.activities} activities; median of {args.repeat}")
    print("| matrix | period | page (build + render) | queries | naive loop, 10,000 rows |")
    print("|---|---|---|---|---|")
    for by, level in levels.items():
        for label, (start, end) in periods.items():
            query = {
                "by": by,
                "running_from": start.isoformat() if start else "",
                "running_to": end.isoformat() if end else "",
            }
            page_s, queries = time_page(views.coverage_matrix, user, query, args.repeat)
            t0 = time.perf_counter()
            naive = naive_counts(by, level, start, end)
            naive_s = time.perf_counter() - t0
            if args.activities <= BASELINE_SUBSET:
                # The subset is the whole corpus: both ways must agree, cell by cell.
                matrix = views._coverage_matrix(by, start, end)
                fast = {
                    (c.priority.pk, c.column.pk): c.activities
                    for _p, cells in matrix.rows
                    for c in cells
                    if c.activities
                }
                assert fast == dict(naive), f"{by} {label}: the SQL and the loop disagree"
            print(
                f"| {by} | {label} | {page_s * 1000:.0f} ms | {queries} | {naive_s * 1000:.0f} ms |"
            )

    from activities import coverage
    from geo import shapes

    shapes.world.cache_clear()
    t0 = time.perf_counter()
    shapes.world()
    print(f"\nmap shapes read, projected and simplified once: {time.perf_counter() - t0:.2f} s")
    print("| page | period | page (build + render) | queries | naive loop, 10,000 rows |")
    print("|---|---|---|---|---|")
    for label, (start, end) in periods.items():
        query = {
            "running_from": start.isoformat() if start else "",
            "running_to": end.isoformat() if end else "",
        }
        page_s, queries = time_page(views.coverage_map, user, query, args.repeat)
        t0 = time.perf_counter()
        naive = naive_country_counts(start, end)
        naive_s = time.perf_counter() - t0
        if args.activities <= BASELINE_SUBSET:
            assert coverage.country_counts(start, end) == dict(naive), f"map {label}: disagree"
        print(f"| map | {label} | {page_s * 1000:.0f} ms | {queries} | {naive_s * 1000:.0f} ms |")
        page_s, queries = time_page(views.coverage_charts, user, query, args.repeat)
        print(f"| charts | {label} | {page_s * 1000:.0f} ms | {queries} | |")


if __name__ == "__main__":
    main()
