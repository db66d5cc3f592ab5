"""Quality and speed of the overlap engine.

    python benchmarks/overlaps.py [--activities 100000] [--subset 3000] [--split report]

Uses a fresh SQLite file under /tmp unless DATABASE_URL is set (then that database is
used and its activities are deleted: never point it at real data).
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "/tmp/gmg_overlap_bench.sqlite3"


def setup(fresh):
    if not os.environ.get("DATABASE_URL"):
        if fresh and os.path.exists(DEFAULT_DB):
            os.remove(DEFAULT_DB)
        os.environ["DATABASE_URL"] = f"sqlite:///{DEFAULT_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gmg_portal.settings")
    import django

    django.setup()
    if fresh:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def clear():
    from django.db import connection

    from activities.models import Activity, ActivityPlace
    from initiatives.models import JointInitiative
    from overlaps.models import ActivityEmbedding, OverlapFlag

    OverlapFlag.objects.all().delete()
    if connection.vendor == "sqlite":
        # Bulk deletion through the ORM collects every row; the through tables go first.
        with connection.cursor() as cur:
            for model in (Activity,):
                for f in model._meta.many_to_many:
                    cur.execute(f"DELETE FROM {f.remote_field.through._meta.db_table}")
            cur.execute(f"DELETE FROM {ActivityPlace._meta.db_table}")
            cur.execute(f"DELETE FROM {ActivityEmbedding._meta.db_table}")
            cur.execute(f"DELETE FROM {Activity._meta.db_table}")
    else:
        Activity.objects.all().delete()
    JointInitiative.objects.all().delete()


def prf(predicted, gold):
    tp = len(predicted & gold)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(gold) if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def baseline_scores(profiles):
    """All pairs, word TF-IDF cosine, no blocking, no place-name removal."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = sorted(profiles)
    X = TfidfVectorizer(stop_words="english").fit_transform(
        [f"{profiles[i].title} {profiles[i].description}" for i in ids]
    )
    S = (X @ X.T).toarray()
    iu = np.triu_indices(len(ids), 1)
    return ids, S[iu], iu


def quality(split, cases, thresholds=None):
    from benchmarks import corpus
    from overlaps import engine

    clear()
    ev = corpus.generate(split, cases=cases, names=corpus.country_names())
    corpus.create(ev)
    members, everyone = corpus.region_members()
    gold, gold_joint = ev.gold(members, everyone)
    profiles = engine.load_profiles()
    model = engine.TextModel.fit(profiles)
    all_scores = {}
    for a, b, s in engine.scan(profiles, model, weights=engine.WEIGHTS, threshold=0.0):
        all_scores[(a, b)] = s
    out = {"activities": len(profiles), "gold_pairs": len(gold), "gold_joint": len(gold_joint)}
    curve = {}

    def same_initiative(k):
        init = profiles[k[0]].initiative_id
        return init is not None and init == profiles[k[1]].initiative_id

    # Scanned at threshold 0, so "joint" must be re-derived per threshold: partners
    # count only above it, a shared initiative always (as engine.scan does).
    for t in thresholds or [engine.DEFAULT_THRESHOLD]:
        pred = {k for k, s in all_scores.items() if s.value >= t or same_initiative(k)}
        curve[round(t, 3)] = prf(pred, gold)
    out["curve"] = curve
    t = engine.DEFAULT_THRESHOLD
    pred = {k for k, s in all_scores.items() if s.value >= t or same_initiative(k)}
    out["engine"] = prf(pred, gold)
    joint_pred = {k for k in pred if all_scores[k].joint}
    out["joint"] = prf(joint_pred, gold_joint)
    # Brute force on the same activities
    ids, sims, iu = baseline_scores(profiles)
    base = {}
    for t in (0.2, 0.3, 0.4, 0.5, 0.6):
        sel = sims >= t
        pairs = {(ids[i], ids[j]) for i, j in zip(iu[0][sel], iu[1][sel], strict=True)}
        base[t] = prf(pairs, gold)
    out["baseline"] = base
    misses = sorted(gold - pred)[:5]
    out["missed_examples"] = [
        (profiles[a].title, profiles[b].title, all_scores.get((a, b)) and all_scores[(a, b)].value)
        for a, b in misses
    ]
    false = sorted(pred - gold)[:5]
    out["false_examples"] = [
        (profiles[a].title, profiles[b].title, all_scores[(a, b)].value) for a, b in false
    ]
    return out


def scale_phase(subset, checks):
    """Run in its own process so that peak RSS is the scan's, not the data generator's."""
    import numpy as np
    from django.db import connection, reset_queries

    from overlaps import engine

    # The engine's own fitted calibration, not a refit stored in the benchmark database.
    FITTED = {"weights": engine.WEIGHTS, "threshold": engine.DEFAULT_THRESHOLD}
    result = {}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    profiles = engine.load_profiles()
    t1 = time.perf_counter()
    model = engine.TextModel.fit(profiles)
    t2 = time.perf_counter()
    found = sum(1 for _ in engine.scan(profiles, model, **FITTED))
    t3 = time.perf_counter()
    result.update(
        activities=len(profiles),
        load=t1 - t0,
        fit=t2 - t1,
        scan=t3 - t2,
        total=t3 - t0,
        reported=found,
        rss_before_mb=rss0 / 1024,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    engine.warm_cache(profiles, model)
    rng = random.Random(11)
    sample = rng.sample(sorted(profiles), checks)

    def timed(pids, change):
        from django.db.models import F, Value
        from django.db.models.functions import Concat

        from activities.models import Activity

        times = []
        for pid in pids:
            if change:
                # What a save does: the activity's text changed since the cache was built, so
                # the check also embeds the new text (its stored vector is stale).
                Activity.objects.filter(pk=pid).update(
                    description=Concat(F("description"), Value(" Revised."))
                )
            reset_queries()
            s = time.perf_counter()
            engine.check_activity(pid, **FITTED)
            times.append((time.perf_counter() - s) * 1000)
        return times

    half = len(sample) // 2
    unchanged, changed = timed(sample[:half], False), timed(sample[half:], True)
    result.update(
        check_p50=float(np.percentile(unchanged, 50)),
        check_p95=float(np.percentile(unchanged, 95)),
        check_max=max(unchanged),
        changed_p50=float(np.percentile(changed, 50)),
        changed_p95=float(np.percentile(changed, 95)),
        db=connection.vendor,
    )
    # Same subset through the engine and through brute force
    sub_ids = sorted(rng.sample(sorted(profiles), subset))
    sub = {i: profiles[i] for i in sub_ids}
    del profiles, model
    engine.invalidate_cache()
    s = time.perf_counter()
    sub_model = engine.TextModel.fit(sub)
    n_engine = sum(1 for _ in engine.scan(sub, sub_model, **FITTED))
    result["subset_engine_s"] = time.perf_counter() - s
    result["subset_engine_reported"] = n_engine
    s = time.perf_counter()
    ids, sims, iu = baseline_scores(sub)
    result["subset_baseline_s"] = time.perf_counter() - s
    result["subset_baseline_pairs"] = len(sims)
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--subset", type=int, default=3000)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--cases", type=int, default=150)
    parser.add_argument("--split", default="report", choices=["tune", "report"])
    parser.add_argument("--phase", default="all", choices=["all", "quality", "scale"])
    args = parser.parse_args()

    if args.phase == "scale":
        setup(fresh=False)
        scale_phase(args.subset, args.checks)
        return

    setup(fresh=True)
    from benchmarks import corpus
    from overlaps import engine

    grid = [round(0.25 + 0.025 * i, 3) for i in range(15)]
    q = quality(args.split, args.cases, grid)
    print(
        f"== Quality on the '{args.split}' split "
        f"({q['activities']} activities, {q['gold_pairs']} gold overlaps, "
        f"{q['gold_joint']} joint)"
    )
    print(f"{'method':44} {'precision':>9} {'recall':>7} {'F1':>6}")
    p, r, f = q["engine"]
    print(
        f"{'engine @ DEFAULT_THRESHOLD=' + str(engine.DEFAULT_THRESHOLD):44} "
        f"{p:9.3f} {r:7.3f} {f:6.3f}"
    )
    p, r, f = q["joint"]
    print(f"{'  joint-work labelling (of gold joint)':44} {p:9.3f} {r:7.3f} {f:6.3f}")
    for t, (p, r, f) in q["baseline"].items():
        print(f"{'baseline word TF-IDF, all pairs, t=' + str(t):44} {p:9.3f} {r:7.3f} {f:6.3f}")
    print("threshold curve:", {t: tuple(round(x, 3) for x in v) for t, v in q["curve"].items()})
    print("missed:", q["missed_examples"])
    print("false:", q["false_examples"])
    if args.phase == "quality":
        return

    clear()
    print(f"== Generating {args.activities} activities ...", flush=True)
    t = time.perf_counter()
    ev = corpus.generate_large(args.activities, names=corpus.country_names())
    corpus.bulk_create(ev)
    print(f"   inserted in {time.perf_counter() - t:.1f} s", flush=True)
    # First-time embedding of the register, reported on its own: after this, every scan reads
    # the stored vectors and a save embeds only its own text.
    from overlaps import services

    t = time.perf_counter()
    embedded = services.embed_missing()
    seconds = time.perf_counter() - t
    print(
        f"== First-time embedding: {embedded} activities in {seconds:.1f} s "
        f"({embedded / max(seconds, 1e-9):.1f} texts/s)",
        flush=True,
    )
    from django.db import connections

    connections.close_all()
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            "scale",
            "--subset",
            str(args.subset),
            "--checks",
            str(args.checks),
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=True,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"== Scale ({res['activities']} activities, {res['db']})")
    print(
        f"load_profiles {res['load']:.2f} s | TextModel.fit {res['fit']:.2f} s | "
        f"scan {res['scan']:.2f} s | total {res['total']:.2f} s | "
        f"pairs reported {res['reported']}"
    )
    print(
        f"peak RSS {res['peak_rss_mb']:.0f} MB (interpreter + Django before: "
        f"{res['rss_before_mb']:.0f} MB)"
    )
    print(
        f"check_activity p50 {res['check_p50']:.1f} ms, p95 {res['check_p95']:.1f} ms, "
        f"max {res['check_max']:.1f} ms over {args.checks // 2} unchanged activities; "
        f"after an edit p50 {res['changed_p50']:.1f} ms, p95 {res['changed_p95']:.1f} ms"
    )
    print(
        f"subset of {args.subset}: engine (fit+scan) {res['subset_engine_s']:.2f} s, "
        f"{res['subset_engine_reported']} pairs; brute force all "
        f"{res['subset_baseline_pairs']} pairs {res['subset_baseline_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
