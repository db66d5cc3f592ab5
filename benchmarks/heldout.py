"""The overlap engine on a labelled set written by someone who never saw it (issue 13).

    python benchmarks/heldout.py [--set voices] [--json out.json]

A set is a folder ``benchmarks/data/<name>/`` holding ``activities.jsonl`` (id, agency
acronym, title, description, countries ISO3, regions M49, start, end, priority codes,
language) and ``pairs.jsonl`` (the gold positive pairs; every other pair is negative).
Such a set measures the engine and nothing is ever fitted on it.

The set is stored like ``benchmarks/overlaps.py`` stores its corpus (a fresh SQLite file
under /tmp unless DATABASE_URL is set: that database's activities and flags are deleted,
never point it at real data), then the ``detect_overlaps`` command scans it, exactly as in
production (``overlaps.calibration.current()``'s weights and threshold), and the flags it
leaves are the reported pairs. A second scan at threshold 0 of the same profiles and text
model gives every pair that reaches scoring (a candidate that passes the prefilter gate),
with its score: the prefilter's recall, the threshold sweep and the examples come from it.
"""

import argparse
import datetime
import io
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = 15


# Sets the shipped score was fitted on (benchmarks/fit_score.py): they measure nothing.
TRAINING_SETS = {"tutor"}


def all_sets():
    return sorted(p.parent.name for p in DATA.glob("*/activities.jsonl"))


def available_sets():
    """The held-out sets: never used for fitting."""
    return [name for name in all_sets() if name not in TRAINING_SETS]


def read_set(name):
    """(activities by id, gold pairs as a set of sorted id tuples) of one set."""
    folder = DATA / name

    def lines(filename):
        with open(folder / filename, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    activities = {a["id"]: a for a in lines("activities.jsonl")}
    gold = {tuple(sorted((p["a"], p["b"]))) for p in lines("pairs.jsonl")}
    return activities, gold


def store(activities):
    """Insert the set in bulk as corpus.bulk_create does; return {set id: activity pk}."""
    from activities.models import Activity
    from benchmarks import corpus

    ids = sorted(activities)
    specs = [
        corpus.Spec(
            key=key,
            subject="",
            agency=a["agency"],
            title=a["title"],
            description=a["description"],
            start=datetime.date.fromisoformat(a["start"]),
            end=datetime.date.fromisoformat(a["end"]) if a.get("end") else None,
            countries=list(a["countries"]),
            regions=list(a["regions"]),
            priorities="".join(a["priorities"]),
        )
        for key, a in ((k, activities[i]) for k, i in enumerate(ids))
    ]
    evaluation = corpus.bulk_create(corpus.EvaluationSet(specs))
    pk_of = {ids[key]: pk for key, pk in evaluation.ids.items()}
    # The engine reads no language, but a record in the portal has one and its search
    # vector is stemmed in it: store both as a save would.
    by_language = {}
    for set_id, a in activities.items():
        by_language.setdefault(a["language"], []).append(pk_of[set_id])
    for language, pks in by_language.items():
        Activity.objects.filter(pk__in=pks).update(language=language)
    Activity.objects.all().refresh_search_vector()
    return pk_of


def prf(predicted, gold):
    tp = len(predicted & gold)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(gold) if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": f,
        "tp": tp,
        "reported": len(predicted),
        "gold": len(gold),
    }


def slices(activities):
    """Named predicates over a pair of set ids, for the per-language and place figures."""

    def lang(x):
        return activities[x]["language"]

    def region_only(x):
        return not activities[x]["countries"]

    return {
        "both en": lambda a, b: lang(a) == lang(b) == "en",
        "both fr": lambda a, b: lang(a) == lang(b) == "fr",
        "both es": lambda a, b: lang(a) == lang(b) == "es",
        "cross-language": lambda a, b: lang(a) != lang(b),
        # One side names regions only, the other countries: the region contains them.
        "region vs country": lambda a, b: region_only(a) != region_only(b),
        # Both sides region-only: the same region code, or one region inside the other.
        "region vs region": lambda a, b: region_only(a) and region_only(b),
    }


def best_threshold(scored, gold):
    """The threshold maximising F1 over the pairs that reach scoring (ties: the lowest)."""
    ranked = sorted(scored.items(), key=lambda kv: -kv[1])
    best, tp = (0.0, 1.0, {}), 0
    for i, (pair, value) in enumerate(ranked):
        tp += pair in gold
        if i + 1 < len(ranked) and ranked[i + 1][1] == value:
            continue
        p, r = tp / (i + 1), tp / len(gold)
        f = 2 * p * r / (p + r) if p + r else 0.0
        if f > best[0]:
            best = (f, value, {k for k, _v in ranked[: i + 1]})
    return best[1], best[2]


def evaluate(name):
    from django.core.management import call_command

    from benchmarks.overlaps import clear
    from overlaps import calibration, engine
    from overlaps.engine.scoring import combine
    from overlaps.models import OverlapFlag, ScoreCalibration

    activities, gold_ids = read_set(name)
    clear()
    t0 = time.perf_counter()
    pk_of = store(activities)
    set_id = {pk: i for i, pk in pk_of.items()}
    gold = {tuple(sorted((pk_of[a], pk_of[b]))) for a, b in gold_ids}
    agency = {pk_of[i]: a["agency"] for i, a in activities.items()}
    gold = {k for k in gold if agency[k[0]] != agency[k[1]]}
    t1 = time.perf_counter()

    weights, threshold = calibration.current()
    shipped = weights == engine.WEIGHTS and threshold == engine.DEFAULT_THRESHOLD
    call_command("detect_overlaps", stdout=io.StringIO(), stderr=io.StringIO())
    t2 = time.perf_counter()
    reported = {
        (a, b)
        for a, b in OverlapFlag.objects.values_list("activity_a_id", "activity_b_id")
        if agency[a] != agency[b]
    }

    # Everything that reaches scoring, as the command's scan computes it (the same
    # deterministic fit on the same profiles), with the gate and without the threshold.
    profiles = engine.load_profiles()
    model = engine.TextModel.fit(list(profiles.values()))
    features = {}
    scored = {}
    for a, b, s in engine.scan(profiles, model, weights=weights, threshold=0.0):
        if agency[a] != agency[b]:
            scored[(a, b)] = s.value
            features[(a, b)] = s.reasons["features"]
    candidates = set(engine.candidate_pairs(profiles))
    at_threshold = {k for k, v in scored.items() if v >= threshold}
    consistent = at_threshold == reported

    # Pairs that never reach scoring still have a score the gate kept from them: computed
    # the scan's way (pair_features then combine), for the list of misses only.
    def ungated(pair):
        feats = engine.pair_features(profiles[pair[0]], profiles[pair[1]], model)
        return float(combine({f: feats[f] for f in engine.FEATURES}, weights))

    out = {
        "set": name,
        "activities": len(activities),
        "gold_pairs": len(gold),
        "database": _vendor(),
        "date": datetime.date.today().isoformat(),
        "weights_source": "shipped defaults"
        if shipped
        else f"stored calibration ({ScoreCalibration.objects.in_force().count()} rows kept)",
        "threshold": threshold,
        "languages": dict(Counter(a["language"] for a in activities.values())),
        "seconds": {"insert": t1 - t0, "detect_overlaps": t2 - t1},
        "scan_agrees_with_flags": consistent,
        "overall": prf(reported, gold),
        "slices": {},
        "gate": {
            "candidate_recall": len(gold & candidates) / len(gold),
            "prefilter_recall": len(gold & set(scored)) / len(gold),
            "gold_not_candidates": len(gold - candidates),
            "gold_dropped_by_prefilter": len((gold & candidates) - set(scored)),
            "pairs_scored": len(scored),
            "candidate_pairs": len(candidates),
        },
    }
    for label, test in slices(activities).items():

        def keep(pairs, test=test):
            return {k for k in pairs if test(set_id[k[0]], set_id[k[1]])}

        g = keep(gold)
        entry = prf(keep(reported), g)
        entry["prefilter_recall"] = len(g & set(scored)) / len(g) if g else None
        out["slices"][label] = entry
    best_t, best_pred = best_threshold(scored, gold)
    out["best_threshold"] = {"threshold": best_t, **prf(best_pred, gold)}
    out["curve"] = {
        t: prf({k for k, v in scored.items() if v >= t}, gold) for t in (0.2, 0.3, 0.4, 0.5, 0.7)
    }
    out["after_decisions"] = simulate_decisions(features, gold, weights, threshold)
    # Does a score mean what it says? The share of gold pairs among the pairs in each band.
    bands = [(0.0, 0.1), (0.1, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)]
    out["reliability"] = []
    for lo, hi in bands:
        inside = [k for k, v in scored.items() if lo <= v < hi]
        if inside:
            mean = sum(scored[k] for k in inside) / len(inside)
            share = sum(1 for k in inside if k in gold) / len(inside)
            out["reliability"].append(
                {
                    "band": f"{lo:.1f}-{min(hi, 1.0):.1f}",
                    "pairs": len(inside),
                    "mean_score": mean,
                    "gold_share": share,
                }
            )

    def describe(pair, value, where):
        a, b = (activities[set_id[x]] for x in pair)
        return {
            "a": a["id"],
            "b": b["id"],
            "score": value,
            "where": where,
            "languages": f"{a['language']}-{b['language']}",
            "title_a": a["title"],
            "title_b": b["title"],
            "agencies": f"{a['agency']} / {b['agency']}",
        }

    missed = []
    for pair in gold - reported:
        if pair in scored:
            missed.append(describe(pair, scored[pair], "below threshold"))
        elif pair in candidates:
            missed.append(describe(pair, ungated(pair), "dropped by prefilter"))
        else:
            missed.append(describe(pair, None, "not a candidate"))
    missed.sort(key=lambda m: (m["score"] is None, -(m["score"] or 0), m["a"], m["b"]))
    out["missed_count"] = len(missed)
    out["missed_by_stage"] = dict(Counter(m["where"] for m in missed))
    # The gate's promise is that it only drops pairs the score would not report anyway.
    out["gate"]["dropped_gold_scoring_above_threshold"] = sum(
        1 for m in missed if m["where"] == "dropped by prefilter" and m["score"] >= threshold
    )
    out["missed"] = missed[:EXAMPLES]
    false = sorted(reported - gold, key=lambda k: (-scored.get(k, 0.0), k))
    out["false_positives"] = [describe(k, scored.get(k), "reported") for k in false[:EXAMPLES]]
    return out


def simulate_decisions(features, gold, weights, threshold, total=50, every=25):
    """The secretariat decides ``total`` pairs, as the queue asks: the open pairs nearest
    the threshold first; the score is refitted after every ``every`` decisions, as
    ``services.refit_from_decisions`` does (``learning.fit_logistic``, held near the
    calibration in force). Their verdicts come from the gold pairs. Returns the refitted
    score's figures on the whole set at the same threshold (the decided pairs included,
    judged by the refitted score, not by their decisions)."""
    import numpy as np

    from overlaps import engine, learning

    pairs = sorted(features)
    X = np.array([[features[k][f] for f in engine.FEATURES] for k in pairs], dtype=np.float64)
    y = np.array([k in gold for k in pairs], dtype=np.float64)

    def scores(w):
        z = X @ np.array([w[f] for f in engine.FEATURES]) + w[engine.BIAS]
        return 1 / (1 + np.exp(-z))

    current, decided = dict(weights), []
    while len(decided) < total:
        p = scores(current)
        # Open pairs: flagged (at or above the threshold) and not decided yet.
        open_ = [i for i in np.argsort(np.abs(p - threshold), kind="stable") if p[i] >= threshold]
        fresh = [i for i in open_ if i not in set(decided)][: min(every, total - len(decided))]
        if not fresh:
            break
        decided += fresh
        if y[decided].min() != y[decided].max():
            current = learning.fit_logistic(X[decided], y[decided], current)
    p = scores(current)
    return {
        "decisions": len(decided),
        "confirmed": int(y[decided].sum()),
        "weights": current,
        **prf({pairs[i] for i in np.flatnonzero(p >= threshold)}, gold),
    }


def _vendor():
    from django.db import connection

    return connection.vendor


def show(r):
    print(
        f"== Held-out set '{r['set']}': {r['activities']} activities "
        f"({', '.join(f'{k} {v}' for k, v in sorted(r['languages'].items()))}), "
        f"{r['gold_pairs']} gold pairs; {r['database']}, {r['date']}"
    )
    print(
        f"weights: {r['weights_source']}, threshold {r['threshold']}; insert "
        f"{r['seconds']['insert']:.1f} s, detect_overlaps {r['seconds']['detect_overlaps']:.1f} s"
    )
    if not r["scan_agrees_with_flags"]:
        print("WARNING: the flags of detect_overlaps differ from the scan at the threshold")
    print(f"{'':28} {'precision':>9} {'recall':>7} {'F1':>6} {'reported':>8} {'gold':>5}")

    def row(label, e):
        print(
            f"{label:28} {e['precision']:9.3f} {e['recall']:7.3f} {e['f1']:6.3f} "
            f"{e['reported']:8d} {e['gold']:5d}"
        )

    row(f"engine @ threshold {r['threshold']}", r["overall"])
    for label, e in r["slices"].items():
        row(f"  {label}", e)
    g = r["gate"]
    print(
        f"prefilter recall (gold pairs that reach scoring): {g['prefilter_recall']:.3f} "
        f"(candidates: {g['candidate_recall']:.3f}; {g['gold_not_candidates']} gold pairs are "
        f"not candidates, {g['gold_dropped_by_prefilter']} dropped by the prefilter; "
        f"{g['pairs_scored']} of {g['candidate_pairs']} candidate pairs scored)"
    )
    print(
        f"  gold pairs the prefilter dropped that would have scored >= the threshold: "
        f"{g['dropped_gold_scoring_above_threshold']}"
    )
    for label, e in r["slices"].items():
        if e["prefilter_recall"] is not None:
            print(f"  {label:26} prefilter recall {e['prefilter_recall']:.3f}")
    print(
        "threshold sweep (shipped weights): "
        + " | ".join(
            f"{t}: P {e['precision']:.3f} R {e['recall']:.3f}" for t, e in r["curve"].items()
        )
    )
    print(
        "reliability (mean score -> share that are gold): "
        + " | ".join(
            f"{b['band']}: {b['mean_score']:.2f} -> {b['gold_share']:.2f} ({b['pairs']})"
            for b in r["reliability"]
        )
    )
    d = r["after_decisions"]
    print(
        f"after {d['decisions']} simulated decisions ({d['confirmed']} confirmed; nearest the "
        f"threshold first, refit every 25): precision {d['precision']:.3f}, recall "
        f"{d['recall']:.3f}, F1 {d['f1']:.3f} at threshold {r['threshold']}"
    )
    b = r["best_threshold"]
    print(
        f"DIAGNOSTIC, not a shipped figure: the best threshold on this set would be "
        f"{b['threshold']:.4f}: precision {b['precision']:.3f}, recall {b['recall']:.3f}, "
        f"F1 {b['f1']:.3f}"
    )
    stages = ", ".join(f"{n} {where}" for where, n in sorted(r["missed_by_stage"].items()))
    print(f"-- {EXAMPLES} of {r['missed_count']} missed gold pairs ({stages}), highest score first")
    for m in r["missed"]:
        _example(m)
    print(f"-- {len(r['false_positives'])} false positives, highest score first")
    for m in r["false_positives"]:
        _example(m)


def _example(m):
    score = "  -   " if m["score"] is None else f"{m['score']:.4f}"
    print(f"{score} {m['languages']} {m['a']}/{m['b']} {m['agencies']} ({m['where']})")
    print(f"         {m['title_a']}")
    print(f"         {m['title_b']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="voices", choices=available_sets())
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    from benchmarks.overlaps import setup

    setup(fresh=True)
    result = evaluate(args.set)
    show(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
