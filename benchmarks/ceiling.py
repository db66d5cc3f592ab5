"""How far the engine's features can go on a held-out set: a diagnostic, nothing shipped.

    python benchmarks/ceiling.py [--set voices]

``benchmarks/heldout.py`` measures the shipped score. This script asks what a better
threshold or a better fit of the same features could reach, so that the next change is
chosen by evidence rather than by hope:

- the shipped score's best F1 at any threshold (a threshold picked on the held-out set
  itself: an upper bound, never a figure to ship);
- the features refitted on the training set "tutor" alone (``learning.fit_logistic``, as
  ``fit_score.py`` fits) and measured on the held-out set at the shipped threshold;
- the same with one more feature: the cosine of the embeddings after subtracting, from
  each, the mean embedding of its language in the training set. The model's cosines sit
  in a narrow band (most pairs above 0.8); centring spreads them;
- the gate's recall if the centred cosine opened it too, and what that costs in pairs.

Every pair that passes the candidate rules (different agencies, a common place, periods
that meet) is computed, gated or not, so the figures do not depend on the gate.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TRAINING_SET = "tutor"


def candidates_of(name):
    """Every cross-agency candidate pair of a set with its features, whether the gate lets it
    through and its shipped score; each activity's embedding and language."""
    import numpy as np

    from benchmarks import heldout
    from benchmarks.overlaps import clear
    from overlaps import engine
    from overlaps.engine.scoring import combine

    activities, gold_ids = heldout.read_set(name)
    clear()
    pk_of = heldout.store(activities)
    set_id = {pk: i for i, pk in pk_of.items()}
    profiles = engine.load_profiles()
    model = engine.TextModel.fit(list(profiles.values()))
    gated = {
        (a, b) for a, b, _s in engine.scan(profiles, model, weights=engine.WEIGHTS, threshold=0.0)
    }
    pairs, X, passed, y = [], [], [], []
    for a, b in engine.candidate_pairs(profiles):
        a, b = min(a, b), max(a, b)
        if profiles[a].agency_id == profiles[b].agency_id:
            continue
        feats = engine.pair_features(profiles[a], profiles[b], model)
        pairs.append((a, b))
        X.append([feats[f] for f in engine.FEATURES])
        passed.append((a, b) in gated)
        y.append(tuple(sorted((set_id[a], set_id[b]))) in gold_ids)
    X = np.array(X, dtype=np.float64)
    shipped = np.array(
        [combine(dict(zip(engine.FEATURES, row, strict=True)), engine.WEIGHTS) for row in X]
    )
    rows = np.array([[model.index[a], model.index[b]] for a, b in pairs])
    language = np.array([profiles[pid].language or "" for pid in model.ids])
    return {
        "X": X,
        "y": np.array(y, dtype=bool),
        "passed": np.array(passed, dtype=bool),
        "shipped": np.where(passed, shipped, 0.0),
        "rows": rows,
        "E": np.asarray(model.E, dtype=np.float64),
        "language": language,
        "gold": len(gold_ids),
    }


def centred_cosine(d, means):
    import numpy as np

    fallback = np.mean(list(means.values()), axis=0)
    centre = np.stack([means.get(lang, fallback) for lang in d["language"]])
    C = d["E"] - centre
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    return np.einsum("ij,ij->i", C[d["rows"][:, 0]], C[d["rows"][:, 1]])


def figures(y, score, threshold, gold):
    import numpy as np

    picked = score >= threshold
    tp = int((picked & y).sum())
    order = np.argsort(-score, kind="stable")
    hits = np.cumsum(y[order])
    k = np.arange(1, len(y) + 1)
    f1 = 2 * hits / (k + gold)
    i = int(f1.argmax())
    return (
        f"at {threshold}: P {tp / max(picked.sum(), 1):.3f} R {tp / gold:.3f}; best F1 at any "
        f"threshold {f1[i]:.3f} (P {hits[i] / k[i]:.3f}, R {hits[i] / gold:.3f})"
    )


def fit(X, y):
    """Logistic weights as the shipped fit has them: unregularised, feature weights >= 0."""
    import numpy as np
    from scipy.optimize import minimize
    from scipy.special import expit

    def loss(theta):
        z = X @ theta[:-1] + theta[-1]
        p = expit(z)
        eps = 1e-12
        value = -np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
        g = p - y
        return value, np.append(X.T @ g, g.sum())

    bounds = [(0, None)] * X.shape[1] + [(None, None)]
    theta = minimize(loss, np.zeros(X.shape[1] + 1), jac=True, bounds=bounds, method="L-BFGS-B").x
    return theta[:-1], theta[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="voices")
    args = parser.parse_args()

    from benchmarks import heldout
    from benchmarks.overlaps import setup

    if args.set not in heldout.available_sets():
        parser.error(f"{args.set} is not a held-out set: {', '.join(heldout.available_sets())}")
    setup(fresh=True)
    import numpy as np
    from scipy.special import expit

    from overlaps import engine

    train = candidates_of(TRAINING_SET)
    test = candidates_of(args.set)
    means = {
        lang: train["E"][train["language"] == lang].mean(axis=0) for lang in set(train["language"])
    }
    t = engine.DEFAULT_THRESHOLD
    print(
        f"== {args.set}: {len(test['y'])} candidate pairs, {test['gold']} gold; fitted on "
        f"{TRAINING_SET} ({len(train['y'])} candidate pairs); the gate's pairs only, as the "
        "engine scores"
    )
    print(f"shipped score                   {figures(test['y'], test['shipped'], t, test['gold'])}")

    def refit(extra):
        Xtr, Xte = train["X"], test["X"]
        names = list(engine.FEATURES)
        if extra:
            Xtr = np.column_stack([Xtr, centred_cosine(train, means)])
            Xte = np.column_stack([Xte, centred_cosine(test, means)])
            names.append("centred")
        keep = train["passed"]
        coef, bias = fit(Xtr[keep], train["y"][keep])
        return np.where(test["passed"], expit(Xte @ coef + bias), 0.0)

    print(
        f"refit on {TRAINING_SET}               {figures(test['y'], refit(False), t, test['gold'])}"
    )
    print(f"refit + centred cosine          {figures(test['y'], refit(True), t, test['gold'])}")

    centred = centred_cosine(test, means)
    y, passed = test["y"], test["passed"]
    print(
        f"gate: {passed.sum()} pairs scored, recall {(passed & y).sum() / test['gold']:.3f}; "
        "opened also at a centred cosine of:"
    )
    for floor in (0.35, 0.3, 0.25, 0.2, 0.15):
        opened = passed | (centred >= floor)
        print(
            f"  {floor}: {opened.sum()} pairs scored ({opened.sum() / passed.sum():.2f}x), "
            f"recall {(opened & y).sum() / test['gold']:.3f}"
        )


if __name__ == "__main__":
    main()
