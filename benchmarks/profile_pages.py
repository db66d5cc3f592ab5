"""Where a page's time goes: one pyinstrument profile per page, DEBUG off, in-process.

    .venv/bin/python benchmarks/profile_pages.py \\
        --database-url postgres://postgres@127.0.0.1:5432/gmg_load100k \\
        [--redis-url redis://127.0.0.1:6379/3] [--json var/bench/profiles.json]

Each page of benchmarks/load.py is requested once to warm up (templates compiled, caches
filled), then once under pyinstrument, through Django's test client signed in as a generated
staff member (a session row is written: use the benchmark's own database, as for load.py).
The settings are the portal's, read from the environment with DEBUG off, as load.py gives
them to gunicorn. For each page it reports the wall time and splits the sampled time by
the innermost layer each sample was in:
- SQL: inside the database driver's execute/fetch (Django's backend wrappers included),
  i.e. waiting on PostgreSQL and reading its answer;
- ORM: Django's query building and model instantiation (django/db/models);
- templates: Django's template engine, form widgets rendered through it included;
- Python: everything else (views, filters, forms, middleware, sessions).
It also times every query the request ran (their number, total and the slowest, with the
line of the portal's code that ran each), lists the functions with the most time of their
own outside the database, and writes each full profile as text under var/bench/profiles/
(and HTML with --html). Each template's inclusive render time and count is timed too.
"""

import argparse
import json
import os
import secrets
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATEGORIES = (
    ("SQL", ("django/db/backends/", "psycopg2/", "psycopg/")),
    ("ORM", ("django/db/models/",)),
    ("templates", ("django/template/", "django/templatetags/", "/templatetags/")),
)


def category_of(frame, inherited):
    path = (frame.file_path or "").replace("\\", "/")
    for name, markers in CATEGORIES:
        if any(marker in path for marker in markers):
            return name
    return inherited


def split_time(root):
    """Seconds of self time per category and per function (innermost layer wins)."""
    by_category = defaultdict(float)
    by_function = defaultdict(float)
    stack = [(root, "Python")]
    while stack:
        frame, inherited = stack.pop()
        if frame.is_synthetic:
            continue
        category = category_of(frame, inherited)
        own = frame.time - sum(c.time for c in frame.children if not c.is_synthetic)
        by_category[category] += own
        key = f"{frame.function} ({frame.file_path_short}:{frame.line_no})"
        by_function[key] += own
        stack.extend((child, category) for child in frame.children)
    return by_category, by_function


_OWN_CODE = {}


def _own(filename):
    """Whether `filename` is the portal's code (cached: this runs inside the profile)."""
    if filename not in _OWN_CODE:
        path = Path(filename)
        _OWN_CODE[filename] = (
            path.is_absolute()
            and path.is_relative_to(ROOT)
            and ".venv" not in path.parts
            and path != Path(__file__).resolve()
        )
    return _OWN_CODE[filename]


def app_caller():
    """The innermost frame of the portal's own code (not a library's) that ran a query."""
    frame = sys._getframe(2)
    while frame is not None:
        if _own(frame.f_code.co_filename):
            relative = Path(frame.f_code.co_filename).relative_to(ROOT)
            return f"{relative}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


class TemplateTimes:
    """Inclusive time and count of each template rendered (includes and widgets included),
    by wrapping Template._render while a page is profiled."""

    def __init__(self):
        self.times = defaultdict(float)
        self.counts = defaultdict(int)

    def __enter__(self):
        from django.template.base import Template

        self.original = original = Template._render
        times, counts = self.times, self.counts

        def _render(template, context):
            t0 = time.perf_counter()
            try:
                return original(template, context)
            finally:
                times[template.name] += time.perf_counter() - t0
                counts[template.name] += 1

        Template._render = _render
        return self

    def __exit__(self, *exc):
        from django.template.base import Template

        Template._render = self.original

    def top(self, n):
        ranked = sorted(self.times.items(), key=lambda kv: kv[1], reverse=True)[:n]
        return [
            {"template": name, "ms": round(t * 1000, 1), "renders": self.counts[name]}
            for name, t in ranked
        ]


def setup(args):
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
            "SITE_URL": "http://127.0.0.1:8000",
            "DJANGO_SECURE_COOKIES": "0",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "EMAIL_URL": "memory://",
            "DJANGO_LOG_LEVEL": "WARNING",
            # force_login skips the sign-in, so a secretariat session (--role secretariat)
            # would have no second step and be sent to set one up: not what is profiled.
            "DJANGO_TWO_STEP_REQUIRED_FOR_SECRETARIAT": "0",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    # DEBUG off: the pages' {% static %} read whitenoise's manifest.
    call_command("collectstatic", interactive=False, verbosity=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--role", default="staff", help="whose session: staff, head, …")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.0005, help="sampling, seconds")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "profiles"))
    parser.add_argument("--html", action="store_true", help="also write HTML profiles")
    parser.add_argument("--top", type=int, default=8, help="functions listed per page")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url (or DATABASE_URL) must be a PostgreSQL database")
    setup(args)

    import random

    from django.db import connection
    from django.test import Client
    from pyinstrument import Profiler

    from activities.models import Activity
    from agencies.models import Agency, User
    from benchmarks.load import BASELINE, BENCH_DOMAIN, pages
    from benchmarks.machine import describe
    from priorities.models import Priority

    user = (
        User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}", role=args.role, is_active=True)
        .order_by("pk")
        .first()
    )
    if user is None:
        raise SystemExit(f"no generated {args.role} in this database: run benchmarks/load.py")
    rng = random.Random(args.seed)
    ids = list(Activity.objects.order_by("pk").values_list("pk", flat=True)[:5000])
    sample = {
        "activity_ids": ids,
        "agency_slugs": list(Agency.objects.order_by("slug").values_list("slug", flat=True)),
        "priority_codes": list(Priority.objects.order_by("code").values_list("code", flat=True)),
    }
    client = Client()
    client.force_login(user)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": describe(args.database_url),
        "activities": Activity.objects.count(),
        "role": args.role,
        "pages": {},
    }

    for name, choose in pages(sample):
        url = choose(rng)
        client.get(url)  # warm-up
        queries = []

        def timed(execute, sql, params, many, context, queries=queries):
            caller = app_caller()
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append((time.perf_counter() - t0, sql, caller))

        profiler = Profiler(interval=args.interval)
        templates = TemplateTimes()
        with connection.execute_wrapper(timed), templates:
            t0 = time.perf_counter()
            profiler.start()
            response = client.get(url)
            profiler.stop()
            wall = time.perf_counter() - t0
        if response.status_code != 200:
            raise SystemExit(f"{name} ({url}) answered {response.status_code}")
        session = profiler.last_session
        by_category, by_function = split_time(session.root_frame())
        sampled = sum(by_category.values()) or 1.0
        slowest = sorted(queries, key=lambda q: q[0], reverse=True)[:3]
        python_frames = {
            fn: t for fn, t in by_function.items() if not fn.startswith(("_execute ", "execute "))
        }
        slug = "".join(ch if ch.isalnum() else "-" for ch in name.split(" (")[0]).strip("-")
        (out / f"{slug}.txt").write_text(
            profiler.output_text(unicode=True, color=False, show_all=False)
        )
        if args.html:
            (out / f"{slug}.html").write_text(profiler.output_html())
        top = sorted(python_frames.items(), key=lambda kv: kv[1], reverse=True)[: args.top]
        report["pages"][name] = {
            "url": url,
            "wall_ms": round(wall * 1000, 1),
            "queries": len(queries),
            "sql_wall_ms": round(sum(q[0] for q in queries) * 1000, 1),
            "slowest_query_ms": round(max((q[0] for q in queries), default=0) * 1000, 1),
            "slowest_queries": [
                {"ms": round(t * 1000, 1), "sql": " ".join(sql.split())[:300], "caller": caller}
                for t, sql, caller in slowest
            ],
            "share": {k: round(v / sampled, 3) for k, v in sorted(by_category.items())},
            "top": [(fn, round(t * 1000, 1)) for fn, t in top],
            "templates": templates.top(6),
            "profile": str((out / f"{slug}.txt").relative_to(ROOT))
            if (out / f"{slug}.txt").is_relative_to(ROOT)
            else str(out / f"{slug}.txt"),
        }
        r = report["pages"][name]
        share = ", ".join(f"{k} {v * 100:.0f} %" for k, v in r["share"].items())
        print(
            f"{name}: {r['wall_ms']:.0f} ms, {r['queries']} queries "
            f"({r['sql_wall_ms']:.0f} ms in SQL, slowest {r['slowest_query_ms']:.0f} ms); "
            f"{share}",
            flush=True,
        )
        for q in r["slowest_queries"]:
            print(f"    {q['ms']:8.1f} ms  SQL from {q['caller']}: {q['sql'][:110]}")
        for fn, ms in r["top"][:5]:
            print(f"    {ms:8.1f} ms  {fn}")
        for t in r["templates"]:
            print(f"    {t['ms']:8.1f} ms  template {t['template']} (×{t['renders']}, inclusive)")
    if BASELINE in report["pages"]:
        report["baseline"] = BASELINE
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
