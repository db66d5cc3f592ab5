"""How long a CSV import of many activities takes, and its overlap check.

    DATABASE_URL=postgres://…/a_copy_of_a_register python benchmarks/import_bench.py \\
        [--rows 10000] [--baseline-rows 300] [--updates 0.1] [--seed 11] [--no-check] \\
        [--embed-register] [--json] [--keep] [--profile FILE]

Point DATABASE_URL at a database that already holds a register (e.g. a copy of one made
by `manage.py generate_benchmark_data`), never at real data. Everything the benchmark
saves is rolled back at the end unless --keep, so the same copy serves the next run.

The file: --rows activities with the generator's texts (benchmarks/corpus.generate_large,
another seed than the register's), of which a share (--updates) re-import an activity of
the register with a new text, as an agency re-sending its whole register does.

Reported separately, in one run:
- the import itself (activities.interchange.import_csv): rows/s, all upkeep included;
- the overlap check it queues (its one outbox message, run eagerly here as the worker
  would run it), and within it the first-time embedding of the new texts, which no
  amount of batching makes cheap on these machines (about 38 texts/s on 2 cores);
- the baseline, in the same run: the path before bulk imports, on --baseline-rows rows
  of the same kind: each row imported on its own and checked on its own
  (overlaps.services.rescore_activity), as the per-row outbox messages did.

The per-process overlap cache is warmed first, as a worker holds it after the nightly
scan (reported, not counted). The check needs the register's stored sentence vectors:
without them warming would embed the whole register (about 43 minutes at 100,000
activities), so the check is skipped with a message unless --embed-register, which
embeds them first as setup (reported, not counted).

--json prints one JSON object (the figures) instead of the text report.
--profile FILE writes a pyinstrument profile of the bulk import (not of its check) to FILE,
as text; the profiler slows the import, so its figures are not the report's.
"""

import argparse
import csv
import datetime
import io
import json
import os
import platform
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 30.0


class _Undo(Exception):
    """Raised to roll a measured import back."""


def setup():
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a copy of a register (never real data).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gmg_portal.settings")
    os.environ.setdefault("EMAIL_URL", "locmem://")
    # The overlap check runs in this process, as the worker would run it.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    import django

    django.setup()


class Clock:
    """Seconds spent in the sentence encoder, whichever path calls it."""

    def __init__(self):
        self.seconds = 0.0
        self.texts = 0

    @contextmanager
    def watching(self):
        from overlaps.engine import semantic

        original = semantic._encode

        def timed(texts):
            started = time.perf_counter()
            try:
                return original(texts)
            finally:
                self.seconds += time.perf_counter() - started
                self.texts += len(texts)

        semantic._encode = timed
        try:
            yield self
        finally:
            semantic._encode = original


def _rows(specs, prefix, updates, rng):
    """CSV rows for `specs`; a share `updates` re-imports register activities."""
    from activities.interchange import COLUMNS
    from activities.models import Activity

    existing = list(
        Activity.objects.order_by("?").values_list("agency__acronym", "reference")[
            : int(len(specs) * updates)
        ]
    )
    every = round(1 / updates) if updates > 0 else 0
    rows = []
    for i, s in enumerate(specs):
        agency, reference = s.agency, f"{prefix}-{s.key:06d}"
        if every and i % every == 0 and existing:
            agency, reference = existing.pop()
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            reference=reference,
            agency=agency,
            title=s.title[:250],
            description=s.description,
            status="ongoing" if s.start <= datetime.date.today() else "planned",
            start_date=s.start.isoformat(),
            end_date=s.end.isoformat() if s.end else "",
            countries=";".join(s.countries),
            regions=";".join(s.regions),
            priorities=";".join(sorted(set(s.priorities))),
            target_groups=";".join(s.target_groups),
        )
        rows.append(row)
    rng.shuffle(rows)
    return rows


def _file(rows):
    from activities.interchange import COLUMNS

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def register_state():
    from activities.models import Activity
    from overlaps.engine import semantic
    from overlaps.models import ActivityEmbedding

    total = Activity.objects.exclude(status=Activity.Status.CANCELLED).count()
    stored = ActivityEmbedding.objects.filter(
        version=semantic.VERSION, activity__deleted_at__isnull=True
    ).count()
    return {"activities": total, "stored_vectors": stored, "missing_vectors": total - stored}


def _backend_cpu():
    """CPU seconds of this connection's PostgreSQL backend so far (None elsewhere): with
    the Python process's, a figure the other work on a shared machine disturbs less than
    wall time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # the database on another machine
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def profiled(path):
    """pyinstrument around the block, its text report written to `path` (nothing if None)."""
    if path is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        Path(path).write_text(profiler.output_text(unicode=False, color=False))


def new_path(data, check, clock, profile=None):
    """The import as it is now, then its one queued check; rolled back by the caller."""
    from activities.interchange import import_csv
    from common import outbox
    from common.history import changes_by
    from common.models import OutboxMessage

    out = {}
    backend, cpu = _backend_cpu(), time.process_time()
    started = time.perf_counter()
    with changes_by(command="import_bench"), profiled(profile):
        result = import_csv(io.BytesIO(data))
    out["import_seconds"] = time.perf_counter() - started
    out["import_python_cpu_seconds"] = time.process_time() - cpu
    if backend is not None:
        out["import_postgres_cpu_seconds"] = _backend_cpu() - backend
    out.update(created=result.created, updated=result.updated, rejected=result.rejected)
    messages = list(OutboxMessage.objects.filter(task="overlaps.tasks.rescore_activities"))
    out["messages_queued"] = len(messages)
    out["activities_in_message"] = sum(len(m.args[0]) for m in messages)
    if not check:
        return out
    before = clock.seconds, clock.texts
    started = time.perf_counter()
    out["published"] = outbox.drain(ids=[m.pk for m in messages])
    out["check_seconds"] = time.perf_counter() - started
    out["embedding_seconds"] = clock.seconds - before[0]
    out["texts_embedded"] = clock.texts - before[1]
    out["check_without_embedding_seconds"] = out["check_seconds"] - out["embedding_seconds"]
    return out


def old_path(data, check, clock):
    """The path before bulk imports: each row imported and checked on its own."""
    from django.conf import settings

    from activities.interchange import import_csv
    from activities.models import Activity
    from common.history import changes_by
    from overlaps import services

    lines = data.decode().splitlines(keepends=True)
    header, body = lines[0], list(csv.reader(lines[1:]))
    out = {"import_seconds": 0.0, "check_seconds": 0.0, "rows": 0}
    before = clock.seconds, clock.texts
    bulk_tasks = settings.ACTIVITIES_CHANGED_IN_BULK_TASKS
    settings.ACTIVITIES_CHANGED_IN_BULK_TASKS = []
    try:
        for cells in body:
            line = io.StringIO()
            csv.writer(line).writerow(cells)
            started = time.perf_counter()
            with changes_by(command="import_bench"):
                import_csv(io.BytesIO((header + line.getvalue()).encode()))
            out["import_seconds"] += time.perf_counter() - started
            out["rows"] += 1
            if not check:
                continue
            saved = (
                Activity.objects.filter(agency__acronym=cells[1], reference=cells[0])
                .values_list("pk", flat=True)
                .first()
            )
            if saved is not None:
                started = time.perf_counter()
                services.rescore_activity(saved)
                out["check_seconds"] += time.perf_counter() - started
    finally:
        settings.ACTIVITIES_CHANGED_IN_BULK_TASKS = bulk_tasks
    out["embedding_seconds"] = clock.seconds - before[0]
    out["texts_embedded"] = clock.texts - before[1]
    return out


@contextmanager
def rolled_back(keep):
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            if not keep:
                raise _Undo
    except _Undo:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=300)
    parser.add_argument("--updates", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-check", action="store_true", help="time the import only")
    parser.add_argument("--embed-register", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true", help="commit what the import saves")
    parser.add_argument("--profile", metavar="FILE", help="profile the bulk import into FILE")
    args = parser.parse_args()
    setup()

    from django.db import connection

    from benchmarks import corpus
    from overlaps import engine, services

    say = (lambda *a: None) if args.json else (lambda *a: print(*a, flush=True))
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {connection.vendor}",
        "rows": args.rows,
        "baseline_rows": args.baseline_rows,
        "updates": args.updates,
        "target_seconds": TARGET_SECONDS,
    }
    figures["register"] = register_state()
    say(f"== Register: {figures['register']}")
    check = not args.no_check
    if check and figures["register"]["missing_vectors"]:
        if args.embed_register:
            started = time.perf_counter()
            embedded = services.embed_missing()
            seconds = time.perf_counter() - started
            figures["setup_register_embedding"] = {"texts": embedded, "seconds": seconds}
            say(f"== Setup: embedded {embedded} register texts in {seconds:.1f} s (not counted)")
        else:
            check = False
            figures["check_skipped"] = (
                f"{figures['register']['missing_vectors']} register activities have no stored "
                "vector; warming the cache would embed them all first. Run "
                "`manage.py embed_activities` on the copy, or pass --embed-register."
            )
            say(f"!! Overlap check skipped: {figures['check_skipped']}")

    rng = random.Random(args.seed)
    names = corpus.country_names()
    specs = corpus.generate_large(n=args.rows + args.baseline_rows, seed=args.seed, names=names)
    tag = f"IB{args.seed}-{int(time.time()) % 100000}"
    data = _file(_rows(specs.specs[: args.rows], f"{tag}N", args.updates, rng))
    baseline = _file(_rows(specs.specs[args.rows :], f"{tag}B", args.updates, rng))

    def warm():
        engine.invalidate_cache()
        started = time.perf_counter()
        engine.warm_cache()
        return time.perf_counter() - started

    clock = Clock()
    with clock.watching():
        if check:
            figures["setup_cache_warm_seconds"] = warm()
            say(f"== Setup: overlap cache warmed in {figures['setup_cache_warm_seconds']:.1f} s")
        with rolled_back(args.keep):
            new = new_path(data, check, clock, args.profile)
        new["rows_per_second"] = args.rows / new["import_seconds"]
        if check:
            new["total_seconds"] = new["import_seconds"] + new["check_seconds"]
            new["total_without_embedding_seconds"] = new["total_seconds"] - new["embedding_seconds"]
            new["texts_per_second"] = new["texts_embedded"] / max(new["embedding_seconds"], 1e-9)
        figures["bulk"] = new
        say(
            f"== Bulk import of {args.rows} rows: {new['import_seconds']:.1f} s "
            f"({new['rows_per_second']:.0f} rows/s; CPU: Python "
            f"{new['import_python_cpu_seconds']:.1f} s, PostgreSQL "
            f"{new.get('import_postgres_cpu_seconds', float('nan')):.1f} s); created "
            f"{new['created']}, updated "
            f"{new['updated']}, rejected {new['rejected']}; {new['messages_queued']} message "
            f"for {new['activities_in_message']} activities"
        )
        if check:
            say(
                f"   its overlap check: {new['check_seconds']:.1f} s, of which embedding "
                f"{new['texts_embedded']} new texts {new['embedding_seconds']:.1f} s "
                f"({new['texts_per_second']:.1f} texts/s) and the check itself "
                f"{new['check_without_embedding_seconds']:.1f} s"
            )
            met = "met" if new["total_seconds"] <= TARGET_SECONDS else "NOT met"
            say(
                f"   import + check: {new['total_seconds']:.1f} s (target {TARGET_SECONDS:.0f} "
                f"s: {met}); without the first-time embedding "
                f"{new['total_without_embedding_seconds']:.1f} s"
            )

        if args.baseline_rows:
            if check:
                warm()
            with rolled_back(keep=False):
                old = old_path(baseline, check, clock)
            per_row = (old["import_seconds"] + old["check_seconds"]) / max(old["rows"], 1)
            old["seconds_per_row"] = per_row
            old["rows_per_second"] = old["rows"] / max(old["import_seconds"], 1e-9)
            old["extrapolated_seconds_for_rows"] = per_row * args.rows
            figures["baseline_per_row"] = old
            say(
                f"== Baseline, the per-row path on {old['rows']} rows: import "
                f"{old['import_seconds']:.1f} s ({old['rows_per_second']:.0f} rows/s)"
                + (
                    f", checks {old['check_seconds']:.1f} s (embedding "
                    f"{old['embedding_seconds']:.1f} s of it); {per_row * 1000:.0f} ms a row, "
                    f"≈ {old['extrapolated_seconds_for_rows']:.0f} s for {args.rows} rows "
                    "(extrapolated)"
                    if check
                    else ""
                )
            )
    if args.json:
        print(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
