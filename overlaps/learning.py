"""Fitting the score's weights and threshold to the decisions people made on flags.

Each decided flag is a labelled pair: ``confirmed`` is a positive, ``not_related`` a
negative. ``complementary`` (same subject, deliberately divided work) is a negative
by default, because the queue should not keep raising pairs people have already
called complementary; pass ``complementary="exclude"`` to leave them out instead.

A logistic regression (scikit-learn, no intercept tricks) is fitted on the engine's
feature values (``features``, the same function the engine scores with). Negative
coefficients are set to zero (a feature should never count against similarity) and
the rest are normalised to sum to 1, which makes them ``WEIGHTS`` of the engine. The
threshold is then the value of the new combined score that maximises F1 on the
decisions, so it is on the same [0, 1] scale as ``DEFAULT_THRESHOLD``.
"""

from __future__ import annotations

import numpy as np

from . import engine

MIN_DECISIONS = 30
POSITIVE = {"confirmed"}
NEGATIVE = {"not_related"}


def features(pa, pb, text_model) -> dict[str, float]:
    return engine.pair_features(pa, pb, text_model)


def _triples(decided_pairs):
    for item in decided_pairs:
        if hasattr(item, "activity_a_id"):
            yield item.activity_a_id, item.activity_b_id, str(item.status)
        else:
            a, b, status = item
            yield a, b, str(status)


def fit_weights(decided_pairs, profiles=None, text_model=None, complementary="negative"):
    """{"weights": {...}, "threshold": float, "n": int} from decided flags.

    ``decided_pairs``: OverlapFlag objects or (activity_a_id, activity_b_id, status)
    triples. Raises ValueError with fewer than MIN_DECISIONS usable decisions, or when
    the decisions are all of one kind.
    """
    from sklearn.linear_model import LogisticRegression

    negative = NEGATIVE | ({"complementary"} if complementary == "negative" else set())
    rows = [
        (a, b, 1 if s in POSITIVE else 0)
        for a, b, s in _triples(decided_pairs)
        if s in POSITIVE or s in negative
    ]
    if len(rows) < MIN_DECISIONS:
        raise ValueError(
            f"Need at least {MIN_DECISIONS} decided pairs (confirmed or not related) to fit "
            f"the weights; got {len(rows)}."
        )
    labels = np.array([y for _, _, y in rows])
    if labels.min() == labels.max():
        raise ValueError(
            "The decisions are all of one kind; both confirmed and rejected "
            "pairs are needed to fit the weights."
        )
    if profiles is None:
        profiles = engine.load_profiles(ids={i for a, b, _ in rows for i in (a, b)})
    if text_model is None:
        text_model = engine.TextModel.fit(profiles)
    X, y = [], []
    for a, b, label in rows:
        if a not in profiles or b not in profiles:
            continue
        f = features(profiles[a], profiles[b], text_model)
        X.append([f[name] for name in engine.FEATURES])
        y.append(label)
    X, y = np.array(X), np.array(y)
    if len(y) < MIN_DECISIONS or y.min() == y.max():
        raise ValueError(f"Only {len(y)} decided pairs still exist; need {MIN_DECISIONS}.")
    model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=1000)
    model.fit(X, y)
    coef = np.clip(model.coef_[0], 0.0, None)
    if coef.sum() == 0:
        raise ValueError("No feature separates the decisions; keep the current weights.")
    weights = {
        name: round(float(c / coef.sum()), 4) for name, c in zip(engine.FEATURES, coef, strict=True)
    }
    scores = X @ np.array([weights[name] for name in engine.FEATURES])
    best, best_f1 = engine.DEFAULT_THRESHOLD, -1.0
    for t in np.round(np.arange(0.05, 0.951, 0.005), 3):
        pred = scores >= t
        tp = int((pred & (y == 1)).sum())
        if tp == 0:
            continue
        p, r = tp / pred.sum(), tp / (y == 1).sum()
        f1 = 2 * p * r / (p + r)
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(t), f1
    return {"weights": weights, "threshold": best, "n": int(len(y))}
