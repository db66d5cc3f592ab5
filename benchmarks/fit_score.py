"""Fit the shipped score (``overlaps.engine.scoring.WEIGHTS``) on the training sets.

    python benchmarks/fit_score.py [--cases 300]

Training data, and only that: the generator's "tune" split (``benchmarks.corpus``) and the
"tutor" set (``benchmarks/data/tutor/``, written by hand by a helper who never saw the
engine). Each set weighs the same in the fit, so neither author's style decides alone.
The held-out sets (``benchmarks/heldout.py``: "voices"; the generator's "report" split)
are never read here.

Each set is stored as ``benchmarks/heldout.py`` stores it (a fresh SQLite file under /tmp
unless DATABASE_URL is set: its activities and flags are deleted), scanned at threshold 0
by the engine itself, so the fit sees exactly the pairs that pass the gate and exactly
the features the engine computes. Prints the WEIGHTS to paste into scoring.py, and each
set's precision and recall at a few thresholds with them.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TRAINING_SET = "tutor"


def pairs_of(name, cases):
    """(feature matrix, labels) of every pair that reaches scoring in one training set."""
    import numpy as np

    from benchmarks import corpus, heldout
    from benchmarks.overlaps import clear
    from overlaps import engine

    clear()
    if name == "tune":
        ev = corpus.generate("tune", cases=cases, names=corpus.country_names())
        corpus.create(ev, fast=True)
        members, everyone = corpus.region_members()
        gold, _joint = ev.gold(members, everyone)
    else:
        activities, gold_ids = heldout.read_set(name)
        pk_of = heldout.store(activities)
        gold = {tuple(sorted((pk_of[a], pk_of[b]))) for a, b in gold_ids}
    profiles = engine.load_profiles()
    model = engine.TextModel.fit(list(profiles.values()))
    X, y = [], []
    for a, b, score in engine.scan(profiles, model, weights=engine.WEIGHTS, threshold=0.0):
        if profiles[a].agency_id == profiles[b].agency_id:
            continue
        X.append([score.reasons["features"][f] for f in engine.FEATURES])
        y.append((a, b) in gold)
    return np.array(X, dtype=np.float64), np.array(y, dtype=np.float64), len(gold)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="clusters of the tune split")
    parser.add_argument(
        "--sd",
        type=float,
        default=None,
        help="a Gaussian prior on the weights centred on 0 with this standard deviation "
        "(default: none)",
    )
    args = parser.parse_args()

    from benchmarks.overlaps import setup

    setup(fresh=True)
    import numpy as np

    from overlaps import engine, learning

    data = {name: pairs_of(name, args.cases) for name in ("tune", TRAINING_SET)}
    X = np.vstack([d[0] for d in data.values()])
    y = np.concatenate([d[1] for d in data.values()])
    # Each set weighs the same: a weight of 1 / (its pairs), rescaled to mean 1.
    w = np.concatenate([np.full(len(d[1]), 1.0 / len(d[1])) for d in data.values()])
    w *= len(w) / w.sum()
    start = dict.fromkeys(engine.FEATURES, 0.0) | {engine.BIAS: 0.0}
    weights = learning.fit_logistic(X, y, start, sample_weight=w, prior_sd=args.sd)
    weights = {k: round(v, 2) for k, v in weights.items()}
    print("WEIGHTS = {")
    for name in (engine.BIAS, *engine.FEATURES):
        print(f'    "{name}": {weights[name]},')
    print("}")
    coef = np.array([weights[f] for f in engine.FEATURES])
    for name, (Xs, ys, gold) in data.items():
        p = 1 / (1 + np.exp(-(Xs @ coef + weights[engine.BIAS])))
        cells = []
        for t in (0.2, 0.3, 0.4, 0.5):
            tp = float(((p >= t) & (ys == 1)).sum())
            cells.append(f"t={t}: P {tp / max((p >= t).sum(), 1):.3f} R {tp / gold:.3f}")
        print(f"{name:6} ({len(ys)} pairs reach scoring, {gold} gold): " + " | ".join(cells))


if __name__ == "__main__":
    main()
