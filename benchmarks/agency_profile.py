"""How long an agency's profile takes on the server: the page built and rendered.

    DATABASE_URL=postgres://... python benchmarks/agency_profile.py [--activities 100000]

Loads the same corpus as benchmarks/digests.py (its setup, clear and populate: the database
named by DATABASE_URL loses its activities, flags and initiatives; never point it at real
data; without DATABASE_URL a fresh SQLite file under /tmp is used), then names partner agencies
on a tenth of the activities and records the initiatives' participants as accepted answers.

The profile of the busiest agency is requested by the secretariat (who sees every pair) and
by a staff member of that agency, `--repeat` times after one warm-up; the median is reported
with the queries it ran.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.digests import BENCH_DOMAIN, clear, populate, setup  # noqa: E402


def add_partners_and_answers(rng):
    from django.db import connection, transaction

    from activities.models import Activity
    from agencies.models import Agency
    from initiatives.models import JointInitiative, Participation

    agencies = list(Agency.objects.filter(is_active=True).values_list("pk", flat=True))
    through = Activity.partners.through
    rows = [
        through(activity_id=pk, agency_id=partner)
        for pk, agency_id in Activity.objects.values_list("pk", "agency_id")
        if rng.random() < 0.1
        for partner in rng.sample(agencies, 2)
        if partner != agency_id
    ]
    members = JointInitiative.participating_agencies.through.objects.values_list(
        "jointinitiative_id", "agency_id"
    )
    with transaction.atomic():
        through.objects.bulk_create(rows, batch_size=5000)
        Participation.objects.bulk_create(
            [
                Participation(initiative_id=i, agency_id=a, status=Participation.Status.ACCEPTED)
                for i, a in members
            ],
            ignore_conflicts=True,
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return len(rows)


def time_profile(user, slug, repeat):
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from gmg_portal.views import agency_detail

    factory = RequestFactory()
    times, queries = [], 0
    for n in range(repeat + 1):
        request = factory.get(f"/agencies/{slug}/")
        request.user = user
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = agency_detail(request, slug)
            elapsed = time.perf_counter() - t0
        assert response.status_code == 200, response.status_code
        if n:  # the first is a warm-up (templates, translations)
            times.append(elapsed)
        queries = len(captured)
    return statistics.median(times), queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=48)
    parser.add_argument("--reuse", action="store_true", help="keep the data already loaded")
    args = parser.parse_args()
    setup()
    from django.db.models import Count

    from activities.models import Activity
    from agencies.models import Agency, Role, User

    rng = random.Random(args.seed)
    if not args.reuse:
        clear()
        populate(args.activities, 30, rng)
        partners = add_partners_and_answers(rng)
        print(f"loaded {Activity.objects.count()} activities, {partners} partner rows")
    busiest = Agency.objects.annotate(n=Count("activities")).order_by("-n").first()
    secretariat = User.objects.filter(role=Role.SECRETARIAT).first()
    staff, _created = User.objects.get_or_create(
        email=f"profile-staff@{BENCH_DOMAIN}",
        defaults={"full_name": "Staff", "agency": busiest, "role": Role.STAFF},
    )
    print(f"profile of {busiest.acronym} ({busiest.n} activities)")
    for label, user in (("secretariat", secretariat), ("staff of the agency", staff)):
        median, queries = time_profile(user, busiest.slug, args.repeat)
        print(f"  as {label}: {median * 1000:.0f} ms median, {queries} queries")


if __name__ == "__main__":
    main()
