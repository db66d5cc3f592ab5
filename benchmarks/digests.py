"""How long the weekly digests take to build and render (nothing is sent).

    python benchmarks/digests.py [--activities 100000] [--heads 30] [--no-baseline] [--words]
        [--sent] [--reuse]

Uses a fresh SQLite file under /tmp unless DATABASE_URL is set (then that database is
used and its activities, flags, initiatives and benchmark people are deleted: never point
it at real data).

For every head: build_digest (the sections, fixed queries), digest.context() and the
subject/text/HTML render, timed together. The baseline is the same content built without
select_related/prefetch, so each item's agency, priorities and places are read lazily
while rendering: the N+1 the fixed-query builder avoids.

--words reports how long the heads' digests are to read: the words of the plain-text part
(whitespace-separated runs with a letter or digit, so "·" and "↔" are not words and a link
is one; the footer included) over the heads' non-empty digests, median and max, and prints
the median one.
"""

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "/tmp/gmg_digest_bench.sqlite3"
BENCH_DOMAIN = "digest-bench.example"


def setup():
    if not os.environ.get("DATABASE_URL"):
        if os.path.exists(DEFAULT_DB):
            os.remove(DEFAULT_DB)
        os.environ["DATABASE_URL"] = f"sqlite:///{DEFAULT_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gmg_portal.settings")
    os.environ.setdefault("EMAIL_URL", "locmem://")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def clear():
    from django.db import connection

    from activities.models import Activity, ActivityPlace
    from agencies.models import User
    from digests.models import DigestDelivery, DigestPreference
    from initiatives.models import JointInitiative
    from overlaps.models import OverlapFlag

    OverlapFlag.objects.all().delete()
    with connection.cursor() as cur:
        for f in Activity._meta.many_to_many:
            cur.execute(f"DELETE FROM {f.remote_field.through._meta.db_table}")
        cur.execute(f"DELETE FROM {ActivityPlace._meta.db_table}")
        cur.execute(f"DELETE FROM {Activity._meta.db_table}")
    JointInitiative.objects.all().delete()
    bench = User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")
    DigestDelivery.objects.filter(recipient__in=bench).delete()
    DigestPreference.objects.filter(user__in=bench).delete()
    bench.delete()


def populate(n_activities, n_heads, rng):
    from django.db import connection, transaction
    from django.utils import timezone

    from activities.models import Activity
    from agencies.models import Agency, Role, User
    from digests import week as weeks
    from geo.models import Country, Region
    from initiatives.models import JointInitiative
    from overlaps.models import OverlapFlag
    from priorities.models import Priority

    now = timezone.now()
    today = now.date()
    week_start, _end = weeks.bounds(*weeks.current(now))
    agencies = list(Agency.objects.filter(is_active=True).order_by("pk"))
    priorities = list(Priority.objects.values_list("pk", flat=True))
    countries = list(Country.objects.values_list("pk", flat=True))
    regions = list(Region.objects.filter(level__gte=1).values_list("pk", flat=True))
    world = Region.WORLD_CODE
    kinds = [k for k, _label in Activity.Kind.choices]
    words = str.split(
        "labour migration remittances survey training border management return reintegration "
        "diaspora health refugees asylum trafficking smuggling climate displacement data "
        "statistics policy dialogue skills recruitment children youth women protection"
    )

    # Each agency has a home: a few priorities and a few dozen countries it mostly works in.
    homes = {
        a.pk: (
            rng.sample(priorities, rng.randint(3, 6)),
            rng.sample(countries, rng.randint(20, 60)),
        )
        for a in agencies
    }
    t0 = time.perf_counter()
    A = Activity.priorities.through
    C = Activity.countries.through
    R = Activity.regions.through
    three_years = 3 * 365 * 86400
    batch = 5000
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Without the audit history's triggers (pghistory) for this transaction: each
            # row loaded would write an event, and the load, which took 25 s before them,
            # ran for over 30 minutes on these 2 cores. Nothing the digests read is there.
            with connection.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = replica")
        for offset in range(0, n_activities, batch):
            rows = []
            for i in range(offset, min(offset + batch, n_activities)):
                agency = agencies[i % len(agencies)]
                created = now - datetime.timedelta(seconds=rng.randint(0, three_years))
                roll = rng.random()
                if roll < 0.003:  # new this week
                    created = week_start + (now - week_start) * rng.random()
                    updated = created
                elif roll < 0.018:  # changed this week
                    updated = week_start + (now - week_start) * rng.random()
                else:
                    updated = created + (now - created) * rng.random() ** 3
                start = created.date() - datetime.timedelta(days=rng.randint(0, 200))
                end = (
                    None
                    if rng.random() < 0.2
                    else start + datetime.timedelta(days=rng.randint(30, 1500))
                )
                status = rng.choices(
                    ["planned", "ongoing", "completed", "cancelled"], [2, 6, 3, 0.5]
                )[0]
                rows.append(
                    Activity(
                        agency=agency,
                        reference=f"BENCH-{i:07d}",
                        title=" ".join(rng.sample(words, rng.randint(3, 7))).capitalize(),
                        description=" ".join(rng.choices(words, k=30)),
                        kind=rng.choice(kinds),
                        status=status,
                        start_date=start,
                        end_date=end,
                        created_at=created,
                        updated_at=updated,
                    )
                )
            created_rows = Activity.objects.bulk_create(rows)
            if connection.vendor == "sqlite" and created_rows[0].pk is None:
                raise SystemExit("bulk_create returned no primary keys")
            ap, ac, ar = [], [], []
            for act in created_rows:
                home_p, home_c = homes[act.agency_id]
                pool = home_p if rng.random() < 0.8 else priorities
                for p in rng.sample(pool, rng.randint(1, min(3, len(pool)))):
                    ap.append(A(activity_id=act.pk, priority_id=p))
                roll = rng.random()
                if roll < 0.03:
                    ar.append(R(activity_id=act.pk, region_id=world))
                elif roll < 0.12:
                    ar.append(R(activity_id=act.pk, region_id=rng.choice(regions)))
                else:
                    pool = home_c if rng.random() < 0.85 else countries
                    for c in rng.sample(pool, rng.randint(1, 3)):
                        ac.append(C(activity_id=act.pk, country_id=c))
            A.objects.bulk_create(ap, batch_size=5000)
            C.objects.bulk_create(ac, batch_size=5000)
            R.objects.bulk_create(ar, batch_size=5000)
        # As the services do after a save (the coverage matrices read these tallies).
        Activity.objects.refresh_coverage()

        ids_by_agency = {}
        for pk, agency_id in Activity.objects.values_list("pk", "agency_id"):
            ids_by_agency.setdefault(agency_id, []).append(pk)
        agency_ids = list(ids_by_agency)

        # Heads: one per agency, then a second head for the first agencies.
        heads = [
            User(
                email=f"head{n}@{BENCH_DOMAIN}",
                full_name=f"Head {n}",
                agency=agencies[n % len(agencies)],
                role=Role.HEAD,
            )
            for n in range(n_heads)
        ]
        User.objects.bulk_create(heads)
        secretariat = User.objects.create(
            email=f"sec@{BENCH_DOMAIN}", full_name="Secretariat", role=Role.SECRETARIAT
        )

        flags, seen = [], set()
        while len(flags) < max(n_activities // 30, 10):
            x, y = rng.sample(agency_ids, 2)
            a, b = sorted((rng.choice(ids_by_agency[x]), rng.choice(ids_by_agency[y])))
            if (a, b) in seen:
                continue
            seen.add((a, b))
            roll = rng.random()
            fields = {"status": "open"}
            if roll < 0.25:
                fields = {
                    "status": rng.choice(["confirmed", "complementary", "not_related"]),
                    "decided_by": secretariat,
                    "decided_at": now - datetime.timedelta(days=rng.randint(0, 400)),
                    "decision_note": "Reviewed with both focal points.",
                }
            elif roll < 0.28:
                fields = {
                    "status": "complementary",
                    "decided_by": secretariat,
                    "decided_at": week_start + (now - week_start) * rng.random(),
                }
            flags.append(
                OverlapFlag(
                    activity_a_id=a, activity_b_id=b, score=rng.uniform(0.4, 0.99), **fields
                )
            )
        OverlapFlag.objects.bulk_create(flags, batch_size=2000)

        initiatives = []
        for n in range(max(n_activities // 500, 5)):
            start = today + datetime.timedelta(days=rng.randint(-700, 60))
            initiatives.append(
                JointInitiative(
                    title=f"Joint initiative {n}",
                    lead_agency=rng.choice(agencies),
                    status=rng.choice(["proposed", "active", "completed"]),
                    start_date=start,
                    end_date=start + datetime.timedelta(days=rng.randint(60, 900)),
                )
            )
        JointInitiative.objects.bulk_create(initiatives)
        through = JointInitiative.participating_agencies.through
        through.objects.bulk_create(
            [
                through(jointinitiative_id=ini.pk, agency_id=a.pk)
                for ini in initiatives
                for a in rng.sample(agencies, rng.randint(1, 4))
                if a.pk != ini.lead_agency_id
            ]
        )
        # auto_now set updated_at to now: spread it back, a few changed this week.
        for ini in initiatives:
            if rng.random() > 0.1:
                JointInitiative.objects.filter(pk=ini.pk).update(
                    updated_at=now - datetime.timedelta(days=rng.randint(8, 500))
                )
        prior = JointInitiative.priorities.through
        prior.objects.bulk_create(
            [
                prior(jointinitiative_id=ini.pk, priority_id=p)
                for ini in initiatives
                for p in rng.sample(priorities, 2)
            ]
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return time.perf_counter() - t0, len(flags), len(initiatives)


def count_words(text):
    return len([w for w in text.split() if any(c.isalnum() for c in w)])


def run(users, year, week, naive=False, now=None):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from common import emails
    from digests import content
    from overlaps.models import FlagQuerySet

    saved = content.prefetch_related_objects, FlagQuerySet.with_pair
    if naive:
        content.prefetch_related_objects = lambda *args, **kwargs: None
        FlagQuerySet.with_pair = lambda self: self
    try:
        times, queries, texts, empty = [], [], [], 0
        t_all = time.perf_counter()
        for user in users:
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                digest = content.build_digest(user, year, week, now=now)
                subject, text, _html = emails.render("digest", digest.context())
                times.append(time.perf_counter() - t0)
            queries.append(len(captured))
            if digest.is_empty:
                empty += 1
            else:
                texts.append((count_words(text), subject, text))
        total = time.perf_counter() - t_all
    finally:
        content.prefetch_related_objects, FlagQuerySet.with_pair = saved
    return {
        "total": total,
        "p50": statistics.median(times),
        "p95": sorted(times)[max(int(round(0.95 * len(times))) - 1, 0)],
        "q_min": min(queries),
        "q_max": max(queries),
        "words": statistics.median(n for n, _s, _t in texts) if texts else 0,
        "texts": sorted(texts, key=lambda t: t[0]),
        "empty": empty,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--heads", type=int, default=30)
    parser.add_argument("--seed", type=int, default=48)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--words", action="store_true", help="report the words of the digests' text part"
    )
    parser.add_argument(
        "--sent",
        action="store_true",
        help="build each digest as the weekly run does, on the Monday after the week: the "
        "week is over, so its coverage gaps are counted for the first digest and kept",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the data of the last run on this database (same --activities and --seed) "
        "instead of loading it again: on PostgreSQL the history triggers make loading slow",
    )
    args = parser.parse_args()

    setup()
    from django.db import connection

    from activities.models import REGISTER
    from agencies.models import Role, User
    from common import tallies
    from digests import week as weeks
    from initiatives.models import JointInitiative
    from overlaps.models import OverlapFlag

    rng = random.Random(args.seed)
    if args.reuse and User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").exists():
        load_s = 0.0
        n_flags = OverlapFlag.objects.count()
        n_initiatives = JointInitiative.objects.count()
    else:
        clear()
        load_s, n_flags, n_initiatives = populate(args.activities, args.heads, rng)
    heads = list(
        User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}", role=Role.HEAD)
        .select_related("agency")
        .order_by("pk")
    )
    year, week = weeks.current()
    now = None
    if args.sent:
        now = weeks.bounds(year, week)[1] + datetime.timedelta(hours=6)
    print(
        f"database: {connection.vendor}; {args.activities} activities, {len(heads)} heads, "
        f"{n_flags} flags, {n_initiatives} initiatives (loaded in {load_s:.1f} s)"
    )
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    run(heads[:2], year, week)  # warm up caches (templates, translations)
    # What the digests keep for every reader of the week (footprints, news, gaps) is counted
    # again in the timed run, by its first digest, as after a change to the register.
    tallies.changed(REGISTER)
    results = {"fixed queries": run(heads, year, week, now=now)}
    if not args.no_baseline:
        results["baseline (no select_related/prefetch)"] = run(heads, year, week, naive=True)
    for name, r in results.items():
        print(
            f"{name}: {len(heads)} digests in {r['total']:.2f} s; per digest p50 "
            f"{r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms; queries per digest "
            f"{r['q_min']}-{r['q_max']}; median words {r['words']}; empty {r['empty']}"
        )
    if args.words:
        texts = results["fixed queries"]["texts"]
        if not texts:
            print("words: every digest was empty")
            return
        counts = [n for n, _subject, _text in texts]
        median_words, median_subject, median_text = texts[(len(texts) - 1) // 2]
        print(
            f"words of the text part over {len(texts)} non-empty digests: median "
            f"{statistics.median(counts):g}, min {counts[0]}, max {counts[-1]}"
        )
        print(f"subject of the median digest ({median_words} words): {median_subject}")
        print(median_text)


if __name__ == "__main__":
    main()
