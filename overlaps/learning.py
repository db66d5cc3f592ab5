"""Refitting the score on the decisions people made on flags.

Each decided flag is a labelled pair: ``confirmed`` is a positive, ``not_related`` a
negative. ``complementary`` (same subject, deliberately divided work) is a negative
by default, because the queue should not keep raising pairs people have already
called complementary; pass ``complementary="exclude"`` to leave them out instead.

The score is a logistic model (``engine.scoring``): the probability that a pair is the
same work. A refit finds the weights and bias that make the decisions most likely,
starting from the calibration in force and held near it by a prior (``PRIOR_SD``): a
few dozen decisions move the score towards this portal's judgement without forgetting
what the shipped model knew, and feature weights stay non-negative (more similar text
never makes a pair less likely to be the same work). The threshold is not refitted: it
says what probability is worth a person's look (``DEFAULT_THRESHOLD``), and a refit
changes the probabilities, not that policy.
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


def fit_weights(
    decided_pairs,
    profiles=None,
    text_model=None,
    complementary="negative",
    prior=None,
    threshold=None,
):
    """{"weights": {...}, "threshold": float, "n": int} from decided flags.

    ``decided_pairs``: OverlapFlag objects or (activity_a_id, activity_b_id, status)
    triples. ``prior``: the weights to start from and stay near (default: the engine's).
    Raises ValueError with fewer than MIN_DECISIONS usable decisions, or when the
    decisions are all of one kind.
    """
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
    X, y = np.array(X, dtype=np.float64), np.array(y, dtype=np.float64)
    if len(y) < MIN_DECISIONS or y.min() == y.max():
        raise ValueError(f"Only {len(y)} decided pairs still exist; need {MIN_DECISIONS}.")
    start = dict(engine.WEIGHTS if prior is None else prior)
    weights = fit_logistic(X, y, start)
    return {
        "weights": weights,
        "threshold": engine.DEFAULT_THRESHOLD if threshold is None else threshold,
        "n": int(len(y)),
    }


# How far a refit may move each weight, in the units of the logistic model: one standard
# deviation of the prior. The bias, which carries the portal's own share of duplicates,
# moves more freely.
PRIOR_SD = 1.0
PRIOR_SD_BIAS = 3.0


def fit_logistic(X, y, prior: dict, sample_weight=None, prior_sd=PRIOR_SD) -> dict:
    """Maximum a posteriori logistic weights (``bias`` and one per FEATURES column of X).

    A Gaussian prior centred on ``prior`` (``prior_sd=None``: no prior, for fitting the
    shipped model on labelled sets); feature weights bounded at zero. L-BFGS-B from scipy.
    """
    from scipy.optimize import minimize
    from scipy.special import expit

    names = engine.FEATURES
    theta0 = np.array([prior.get(name, 0.0) for name in names] + [prior.get(engine.BIAS, 0.0)])
    k = len(names)
    w_s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    if prior_sd is None:
        precision = np.full(k + 1, 1e-6)
    else:
        precision = np.array([1 / prior_sd**2] * k + [1 / PRIOR_SD_BIAS**2])

    def objective(theta):
        z = X @ theta[:k] + theta[k]
        p = expit(z)
        delta = theta - theta0
        loss = np.sum(w_s * (np.logaddexp(0.0, z) - y * z)) + 0.5 * np.sum(precision * delta**2)
        g = w_s * (p - y)
        grad = np.concatenate([X.T @ g, [g.sum()]]) + precision * delta
        return loss, grad

    bounds = [(0.0, None)] * k + [(None, None)]
    start = np.clip(theta0, [b[0] if b[0] is not None else -np.inf for b in bounds], None)
    result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds)
    if not result.success:
        raise ValueError(
            f"The refit did not converge ({result.message}); keep the current weights."
        )
    theta = result.x
    weights = {name: round(float(theta[i]), 4) for i, name in enumerate(names)}
    weights[engine.BIAS] = round(float(theta[k]), 4)
    return weights
