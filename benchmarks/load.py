"""Load test of the real stack: gunicorn (DEBUG off) + PostgreSQL + Redis on loopback.

    .venv/bin/python benchmarks/load.py \\
        --database-url postgres://postgres@127.0.0.1:5432/gmg_load \\
        --redis-url redis://127.0.0.1:6379/3 \\
        [--activities 100000] [--clients 20,50] [--json out.json]

What it does, bounded in time and in requests, and stopping by itself:
1. Makes sure the database exists and is migrated; when it holds no activity, fills it with
   `manage.py generate_benchmark_data --activities N --seed S` (so a fresh machine works).
   It writes to that database (sessions, last sign-in, the clients' passwords): give it a
   benchmark database of its own, never a shared or real one.
2. Starts its own gunicorn with the project's gunicorn.conf.py (gthread workers and threads as
   docker-compose runs them), the portal's settings read from the environment with DEBUG
   off, persistent database connections with health checks, and Redis as cache; the only
   difference is benchmarks/settings.py's URLconf, which adds the raw-SQL baseline page.
3. Signs in one client per person through the real sign-in form (allauth), people of every
   role from the generated data: staff, focal points, heads and the secretariat, who must
   use two-step sign-in: each of its people gets an authenticator app (a TOTP secret) and
   its client types the app's code, as the portal requires in production.
4. For each number of clients (closed loop: each client sends its next request when the last
   one answered, no think time), requests each page alone for --duration seconds (or
   --max-requests requests): p50/p95/p99, throughput and errors per page, and the list
   pages' throughput as a ratio to the baseline measured in the same run. Then the pages
   together, in a random mix (--mixed-duration), as on a Monday morning.
5. Stops gunicorn, prints the table and writes the figures as JSON (--json).

The clients run as threads of this process, on the same cores as the server: at high
request rates they take some of the CPU the server would have (see BENCHMARKS.md).
"""

import argparse
import base64
import hmac
import json
import math
import os
import random
import secrets
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import machine  # noqa: E402
from benchmarks.benchdb import ensure_database  # noqa: E402

# The password the benchmark gives the people it signs in as (only @bench.example people of
# generated data). Long and random-looking so that the portal's own rules would accept it.
PASSWORD = "load-bench-7f3c9e2a-pass"  # nosec B105: benchmark data only
BENCH_DOMAIN = "bench.example"
# One of these per 10 clients, in this order: most people who open the portal are staff.
ROLE_CYCLE = [
    "staff",
    "focal_point",
    "staff",
    "head",
    "staff",
    "secretariat",
    "staff",
    "focal_point",
    "staff",
    "head",
]
BASELINE = "baseline (raw SQL, 25 rows)"
LIST_PAGES = ("activity list", "activity list, filtered", "activity list, search")


def pages(sample):
    """(name, function choosing the next URL) for each page, baseline first."""
    activity_ids = sample["activity_ids"]
    agencies = sample["agency_slugs"]
    priorities = sample["priority_codes"]

    def rotate(values, template):
        # Each client draws from its own seeded generator: detail pages see many ids.
        def choose(rng):
            return template.format(rng.choice(values))

        return choose

    def fixed(url):
        return lambda rng: url

    return [
        (BASELINE, fixed("/bench/baseline/activities/")),
        ("activity list", fixed("/activities/")),
        ("activity list, filtered", fixed("/activities/?region=011&status=ongoing")),
        ("activity list, search", fixed("/activities/?q=health")),
        ("dashboard", fixed("/")),
        ("activity detail", rotate(activity_ids, "/activities/{}/")),
        ("agency detail", rotate(agencies, "/agencies/{}/")),
        ("priority detail", rotate(priorities, "/priorities/{}/")),
        ("duplication queue", fixed("/overlaps/")),
        ("coverage matrix", fixed("/coverage/")),
        ("digest archive", fixed("/digests/")),
    ]


# What each page's URLs look like, for the report.
URLS = {
    BASELINE: "/bench/baseline/activities/",
    "activity list": "/activities/",
    "activity list, filtered": "/activities/?region=011&status=ongoing",
    "activity list, search": "/activities/?q=health",
    "dashboard": "/",
    "activity detail": "/activities/<id>/",
    "agency detail": "/agencies/<slug>/",
    "priority detail": "/priorities/<code>/",
    "duplication queue": "/overlaps/",
    "coverage matrix": "/coverage/",
    "digest archive": "/digests/",
}


# Set-up ------------------------------------------------------------------------------------


def server_environment(args, port):
    """The portal's environment as docker-compose gives it, on loopback."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "SITE_URL", "REDIS_", "EMAIL_", "GMG_"))
    }
    origin = f"http://127.0.0.1:{port}"
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": origin,
        "DJANGO_CSRF_TRUSTED_ORIGINS": origin,
        # Plain http on loopback, as the compose stack (docker-compose.yml says why).
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": args.database_url,
        "DATABASE_CONN_MAX_AGE": str(args.conn_max_age),
        "REDIS_URL": args.redis_url,
        "EMAIL_URL": "memory://",
        "DJANGO_LOG_LEVEL": "WARNING",
        # The clients all come from 127.0.0.1: one office behind one address.
        "DJANGO_TRUSTED_PROXY_COUNT": "0",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
    }


def manage(env, *command):
    subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "gmg_portal.settings"},
        check=True,
    )


def prepare_data(args, env, n_clients):
    """Generate data if there is none; choose the clients' people and give them a password.

    Runs Django in this process with the server's environment, then closes its connections
    before the load starts.
    """
    os.environ.update({**env, "DJANGO_SETTINGS_MODULE": "gmg_portal.settings"})
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connections

    from activities.models import Activity
    from agencies.middleware import two_step_required
    from agencies.models import Agency, User
    from priorities.models import Priority

    existing = Activity.all_objects.count()
    if not existing:
        print(f"no activities: generating {args.activities} (seed {args.seed})", flush=True)
        t0 = time.perf_counter()
        call_command("generate_benchmark_data", activities=args.activities, seed=args.seed)
        print(f"generated in {time.perf_counter() - t0:.1f} s", flush=True)
    n_activities = Activity.objects.count()

    by_role = {}
    for user in User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}", is_active=True).order_by(
        "pk"
    ):
        by_role.setdefault(user.role, []).append(user)
    people, taken = [], dict.fromkeys(by_role, 0)
    for k in range(n_clients):
        role = ROLE_CYCLE[k % len(ROLE_CYCLE)]
        if taken.get(role, 0) >= len(by_role.get(role, [])):
            role = "staff"  # fewer people of that role than clients asking for one
        if taken.get(role, 0) >= len(by_role.get(role, [])):
            raise SystemExit(f"not enough generated people for {n_clients} clients")
        people.append(by_role[role][taken[role]])
        taken[role] += 1
    # One hash for everyone, as the generator does: hashing per person costs seconds each.
    hashed = make_password(PASSWORD)
    pks = [p.pk for p in people]
    User.objects.filter(pk__in=pks).update(password=hashed)
    EmailAddress.objects.filter(user_id__in=pks).update(verified=True)
    # The secretariat must use two-step sign-in: each of its clients gets an authenticator app
    # of its own (a fresh TOTP secret, replacing any earlier run's) and types its code.
    secrets_by_pk = {}
    for person in people:
        if two_step_required(person):
            Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).delete()
            secrets_by_pk[person.pk] = generate_totp_secret()
            TOTP.activate(person, secrets_by_pk[person.pk])

    rng = random.Random(args.seed)
    ids = list(Activity.objects.values_list("pk", flat=True).order_by("pk"))
    sample = {
        "activities": n_activities,
        "activity_ids": rng.sample(ids, min(500, len(ids))),
        "agency_slugs": list(Agency.objects.order_by("slug").values_list("slug", flat=True)),
        "priority_codes": list(Priority.objects.order_by("code").values_list("code", flat=True)),
        "people": [(p.email, p.role, secrets_by_pk.get(p.pk)) for p in people],
    }
    connections.close_all()
    return sample


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env, port, log_path):
    # Closed by stop_gunicorn, when the server it collects the output of has stopped.
    log = open(log_path, "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "gmg_portal.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proc.log = log
    import requests

    # On a loaded machine the workers take a while to import Django and the apps: wait for
    # the first answer, and never leave the server running if it does not come.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            stop_gunicorn(proc)
            raise SystemExit(f"gunicorn stopped at start-up; see {log_path}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=10).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_gunicorn(proc)
    raise SystemExit(f"gunicorn did not answer within 120 s; see {log_path}")


def stop_gunicorn(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    proc.log.close()


# Clients -----------------------------------------------------------------------------------


def totp_code(secret, at=None):
    """The authenticator app's current code (RFC 6238: HMAC-SHA1, 30 s, 6 digits)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), "sha1")
    raw = digest.digest()
    offset = raw[-1] & 0x0F
    value = struct.unpack(">I", raw[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"


def sign_in(base, email, secret=None):
    """A requests session signed in through allauth's forms, as a browser would: the
    password, then for the secretariat the code of its authenticator app."""
    import requests

    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=60).raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "login": email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=60,
    )
    two_step = f"{base}/accounts/2fa/authenticate/"
    if secret and response.headers.get("Location") in (two_step, "/accounts/2fa/authenticate/"):
        for _attempt in range(2):  # a code typed as its 30 s ran out gets one more try
            session.get(two_step, timeout=60).raise_for_status()
            response = session.post(
                two_step,
                data={
                    "code": totp_code(secret),
                    "csrfmiddlewaretoken": session.cookies["csrftoken"],
                },
                headers={"Referer": two_step},
                allow_redirects=False,
                timeout=60,
            )
            if response.status_code == 302:
                break
            time.sleep(30 - time.time() % 30 + 0.5)
    if response.status_code != 302 or response.headers.get("Location") != "/":
        raise SystemExit(
            f"sign-in of {email} failed: {response.status_code} "
            f"{response.headers.get('Location', '')}"
        )
    return session


def percentile(sorted_values, p):
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    if not sorted_values:
        return None
    return sorted_values[max(math.ceil(p / 100 * len(sorted_values)) - 1, 0)]


def run_phase(base, sessions, choosers, duration, max_requests, seed):
    """Every session requests pages from `choosers` (name → URL function) in a closed loop
    until `duration` seconds have passed or `max_requests` were sent; the figures per page."""
    lock = threading.Lock()
    sent = [0]
    samples = {name: [] for name in choosers}
    errors = {name: {} for name in choosers}
    names = list(choosers)
    start = time.perf_counter()
    deadline = start + duration

    def client(k, session):
        rng = random.Random(seed * 1000 + k)
        while time.perf_counter() < deadline:
            with lock:
                if sent[0] >= max_requests:
                    return
                sent[0] += 1
            name = rng.choice(names)
            url = base + choosers[name](rng)
            t0 = time.perf_counter()
            try:
                response = session.get(url, allow_redirects=False, timeout=60)
                status = response.status_code
            except Exception as exc:  # a timeout or a dropped connection is an error too
                status = type(exc).__name__
            elapsed = time.perf_counter() - t0
            with lock:
                samples[name].append(elapsed)
                if status != 200:
                    errors[name][str(status)] = errors[name].get(str(status), 0) + 1

    threads = [
        threading.Thread(target=client, args=(k, s), daemon=True) for k, s in enumerate(sessions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    result = {}
    for name in names:
        times = sorted(samples[name])
        n_errors = sum(errors[name].values())
        result[name] = {
            "requests": len(times),
            "errors": n_errors,
            "error_statuses": errors[name],
            "p50_ms": _ms(percentile(times, 50)),
            "p95_ms": _ms(percentile(times, 95)),
            "p99_ms": _ms(percentile(times, 99)),
            "max_ms": _ms(times[-1] if times else None),
            "rps": round(len(times) / wall, 2) if wall else None,
            "seconds": round(wall, 2),
        }
    return result


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


# Report ------------------------------------------------------------------------------------


def print_level(level):
    print(f"\n{level['clients']} clients, each page alone for up to {level['duration']} s:")
    print(
        f"{'page':<28} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'req/s':>7} {'÷ baseline':>10}"
    )
    for name, r in level["pages"].items():
        ratio = f"{r['ratio_to_baseline'] * 100:.0f} %" if r.get("ratio_to_baseline") else ""
        print(
            f"{name:<28} {r['requests']:>8} {r['errors']:>6} {_fmt(r['p50_ms']):>8} "
            f"{_fmt(r['p95_ms']):>8} {_fmt(r['p99_ms']):>8} {r['rps']:>7} {ratio:>10}"
        )
    mixed = level.get("mixed")
    if mixed:
        total = sum(r["requests"] for r in mixed["pages"].values())
        errors = sum(r["errors"] for r in mixed["pages"].values())
        print(
            f"mixed, {mixed['seconds']} s: {total} requests, {mixed['rps']} req/s in all, "
            f"{errors} errors; p95 per page: "
            + ", ".join(f"{name} {_fmt(r['p95_ms'])}" for name, r in mixed["pages"].items())
        )


def _fmt(value):
    return "-" if value is None else f"{value:.0f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="a PostgreSQL database of the benchmark's own (default: $DATABASE_URL)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="Redis for the cache and the broker (default: $REDIS_URL or db 0)",
    )
    parser.add_argument("--activities", type=int, default=100_000, help="generated if empty")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", default="20,50", help="comma-separated client counts")
    parser.add_argument("--duration", type=float, default=20, help="seconds per page alone")
    parser.add_argument("--mixed-duration", type=float, default=60, help="seconds of the mix")
    parser.add_argument("--max-requests", type=int, default=5000, help="per phase")
    parser.add_argument(
        "--page",
        action="append",
        dest="pages",
        help="measure only this page (repeatable; the baseline is always measured)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=1800, help="skip the phases left after this (s)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--conn-max-age", type=int, default=60, help="DATABASE_CONN_MAX_AGE")
    parser.add_argument("--skip-migrate", action="store_true", help="the database is migrated")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--log", default=str(ROOT / "var" / "bench" / "gunicorn.log"))
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url (or DATABASE_URL) must be a PostgreSQL database")
    levels = [int(c) for c in args.clients.split(",") if c.strip()]
    # Stopped from outside (make interrupted, a CI timeout): unwind, so that the finally
    # below stops the gunicorn this script started.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    t_start = time.monotonic()

    port = free_port()
    env = server_environment(args, port)
    if ensure_database(args.database_url):
        print("created the database", flush=True)
    if not args.skip_migrate:
        manage(env, "migrate", "--noinput", "--verbosity", "0")
    # DEBUG off serves static files through whitenoise's manifest, which collectstatic writes.
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    sample = prepare_data(args, env, max(levels))
    print(
        f"{sample['activities']} activities; clients: "
        + ", ".join(role for _email, role, _secret in sample["people"][: len(ROLE_CYCLE)])
        + " …",
        flush=True,
    )
    report = {
        "machine": machine.describe(args.database_url),
        "config": {
            "activities": sample["activities"],
            "workers": args.workers,
            "threads": args.threads,
            "worker_class": "gthread",
            "conn_max_age": args.conn_max_age,
            "duration": args.duration,
            "mixed_duration": args.mixed_duration,
            "max_requests": args.max_requests,
            "people": dict(Counter(role for _email, role, _secret in sample["people"])),
            "two_step": sum(1 for _email, _role, secret in sample["people"] if secret),
            "command": " ".join(["benchmarks/load.py", *(argv or sys.argv[1:])]),
        },
        "levels": [],
    }
    Path(args.log).parent.mkdir(parents=True, exist_ok=True)
    server = start_gunicorn(env, port, args.log)
    base = f"http://127.0.0.1:{port}"
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            sessions = list(pool.map(lambda p: sign_in(base, p[0], p[2]), sample["people"]))
        page_list = pages(sample)
        if args.pages:
            wanted = set(args.pages)
            unknown = wanted - {name for name, _choose in page_list}
            if unknown:
                raise SystemExit(f"unknown pages: {', '.join(sorted(unknown))}")
            page_list = [(n, c) for n, c in page_list if n == BASELINE or n in wanted]
        # Warm-up, not counted: each worker process compiles templates and fills its caches.
        run_phase(
            base,
            sessions[: 2 * args.workers * args.threads],
            dict(page_list),
            duration=60,
            max_requests=len(page_list) * 4 * args.workers,
            seed=0,
        )
        for clients in levels:
            level = {"clients": clients, "duration": args.duration, "pages": {}}
            report["levels"].append(level)
            for name, choose in page_list:
                if time.monotonic() - t_start > args.time_limit:
                    level["skipped"] = "time limit"
                    break
                level["pages"][name] = run_phase(
                    base,
                    sessions[:clients],
                    {name: choose},
                    args.duration,
                    args.max_requests,
                    seed=clients,
                )[name]
                level["pages"][name]["url"] = URLS[name]
            baseline = level["pages"].get(BASELINE, {}).get("rps")
            for r in level["pages"].values():
                r["ratio_to_baseline"] = round(r["rps"] / baseline, 3) if baseline else None
            if args.mixed_duration > 0 and time.monotonic() - t_start <= args.time_limit:
                mix = {name: choose for name, choose in page_list if name != BASELINE}
                pages_mixed = run_phase(
                    base,
                    sessions[:clients],
                    mix,
                    args.mixed_duration,
                    args.max_requests,
                    seed=clients + 1,
                )
                seconds = max(r["seconds"] for r in pages_mixed.values())
                total = sum(r["requests"] for r in pages_mixed.values())
                level["mixed"] = {
                    "seconds": seconds,
                    "rps": round(total / seconds, 2) if seconds else None,
                    "pages": pages_mixed,
                }
            print_level(level)
            sys.stdout.flush()
    finally:
        stop_gunicorn(server)
    report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    report["seconds"] = round(time.monotonic() - t_start, 1)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nload test done in {report['seconds']} s")
    return report


if __name__ == "__main__":
    main()
