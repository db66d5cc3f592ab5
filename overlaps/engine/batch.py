"""Checking many activities at once (an import) against the register, in one pass.

``check_activities(ids)`` gives the pairs that ``check_activity`` would give if each of
the activities were checked on its own, one after the other, in the same process: the
same candidates (another agency, a common covered country, overlapping periods), the same
gate and the same scores, from the same per-process cache (``incremental``). What changes
is how the work is shaped: the checked activities are encoded together and meet their
candidates country by country, as the nightly scan does: every checked activity working in
a country against the rows covering it, in matrix products of a few hundred targets at a
time, instead of one product per activity; a pair met through several countries is kept
once.

Three kinds of candidates, as for one check:
- the cached rows (the register as the cache last saw it), but for the activities being
  checked and those in the overlay, whose cached rows are stale;
- the overlay (activities created or changed in this process since the cache was built);
- the checked activities themselves, each pair once.

Every number is computed as on the single path: the word gate is the same sparse product
(a sum over the words both rows have, in column order, whichever side is the left one),
the embedding gate is recomputed with ``semantic_cosine`` on the pairs a dense product
finds with a margin, and the features come from ``text_cosines`` and ``assemble`` on
aligned rows. ``tests/test_overlap_batch.py`` checks the result against one-by-one checks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from . import incremental
from .loading import Profile, load_profiles
from .scoring import (
    FEATURES,
    PREFILTER_FLOOR,
    SEMANTIC_FLOOR,
    SEMANTIC_FLOOR_ACROSS,
    Score,
    assemble,
    combine,
    is_joint,
    reasons,
    semantic_cosine,
    semantic_gate,
    text_cosines,
)
from .textmodel import Vectors, shared_terms_of

# How many (target, candidate) cells one dense block of the gate may hold: the embedding
# product is float32, so 4M cells are 16 MB, whatever the size of the register.
BLOCK_CELLS = 4_000_000
# Pairs scored per chunk (the scan's size).
SCORE_CHUNK = 50_000
# The dense product finds embedding pairs with this margin below the lowest floor; the
# exact cosine then decides, as on every path.
MARGIN = 1e-3
LOWEST_FLOOR = min(SEMANTIC_FLOOR, SEMANTIC_FLOOR_ACROSS) - MARGIN


@dataclass
class _Side:
    """Rows on one side of the pairs, with what the gate and the scores read of them."""

    vecs: Vectors
    ids: np.ndarray
    agency: np.ndarray
    start: np.ndarray
    end: np.ndarray
    lang: np.ndarray
    initiative: np.ndarray  # -1: none
    usable: np.ndarray  # may be paired at all (present, not stale)
    side: Callable[[np.ndarray], tuple]  # (start, end, prio, tg, lang, places) of rows
    profile: Callable[[int], Profile]
    in_country: Callable[[str], np.ndarray]  # rows covering a country, and the global ones


def _cache_side(cache, stale: set) -> _Side:
    model, cols = cache.model, cache.cols
    usable = cols.present & ~np.isin(model.ids, np.fromiter(stale, dtype=np.int64))

    def in_country(country):
        # As ``_against_cache``: the country's list, and the global rows.
        part = cache.by_country.get(country)
        parts = [cache.globals] if part is None else [part, cache.globals]
        return cache.row_of(np.unique(np.concatenate(parts)))

    return _Side(
        vecs=model.vectors,
        ids=model.ids,
        agency=cols.agency,
        start=cols.start,
        end=cols.end,
        lang=cols.lang,
        initiative=cache.initiative,
        usable=usable,
        side=cols.side,
        profile=lambda row: cache.profiles[int(model.ids[row])],
        in_country=in_country,
    )


def _profile_side(cache, profiles: list[Profile], vecs: Vectors) -> _Side:
    n = len(profiles)
    start, end, prio, tg, lang, places = cache.cols.sides_of(profiles)
    by_country = defaultdict(list)
    globals_ = []
    for i, p in enumerate(profiles):
        if p.is_global:
            globals_.append(i)
        for c in p.countries:
            by_country[c].append(i)
    global_rows = np.array(globals_, dtype=np.int64)

    def in_country(country):
        part = np.array(by_country.get(country, ()), dtype=np.int64)
        return np.unique(np.concatenate([part, global_rows]))

    def side(rows):
        return (start[rows], end[rows], prio[rows], tg[rows], lang[rows], places[rows])

    return _Side(
        vecs=vecs,
        ids=np.array([p.id for p in profiles], dtype=np.int64),
        agency=np.array([p.agency_id for p in profiles], dtype=np.int64),
        start=start,
        end=end,
        lang=lang,
        initiative=np.array(
            [-1 if p.initiative_id is None else p.initiative_id for p in profiles], dtype=np.int64
        ),
        usable=np.ones(n, dtype=bool),
        side=side,
        profile=lambda row: profiles[row],
        in_country=in_country,
    )


def _gated_pairs(tgt: _Side, t_rows, cand: _Side, o_rows, lower_only: bool):
    """(t, o) row pairs of ``t_rows`` x ``o_rows`` that are candidates and pass the gate
    (or share an initiative). With ``lower_only``, only pairs whose target id is lower
    (both sides are the same activities: each pair once)."""
    o_rows = o_rows[cand.usable[o_rows]]
    if not len(o_rows) or not len(t_rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    XpO = cand.vecs.Xp[o_rows].T.tocsr()
    EO = cand.vecs.E[o_rows]
    step = max(1, BLOCK_CELLS // len(o_rows))
    found_t, found_o = [], []
    for begin in range(0, len(t_rows), step):
        t = t_rows[begin : begin + step]
        ok = tgt.agency[t][:, None] != cand.agency[o_rows][None, :]
        ok &= tgt.start[t][:, None] <= cand.end[o_rows][None, :]
        ok &= cand.start[o_rows][None, :] <= tgt.end[t][:, None]
        if lower_only:
            ok &= tgt.ids[t][:, None] < cand.ids[o_rows][None, :]
        # Words: the same sparse product as the single check's gate.
        S = (tgt.vecs.Xp[t] @ XpO).tocoo()
        sel = S.data >= PREFILTER_FLOOR
        word_t, word_o = S.row[sel].astype(np.int64), S.col[sel].astype(np.int64)
        # Meaning: a dense product with a margin, then the exact cosine of each pair found.
        P = tgt.vecs.E[t] @ EO.T
        near_t, near_o = np.nonzero((P >= LOWEST_FLOOR) & ok)
        del P
        exact = semantic_gate(
            semantic_cosine(tgt.vecs.E[t[near_t]], EO[near_o]),
            tgt.lang[t[near_t]],
            cand.lang[o_rows[near_o]],
        )
        near_t, near_o = near_t[exact], near_o[exact]
        # One initiative's work is a pair whatever its texts say.
        init = tgt.initiative[t][:, None]
        init_t, init_o = np.nonzero((init >= 0) & (init == cand.initiative[o_rows][None, :]))
        pt = np.concatenate([word_t, near_t, init_t])
        po = np.concatenate([word_o, near_o, init_o])
        keep = ok[pt, po]
        keys = np.unique(pt[keep] * len(o_rows) + po[keep])
        found_t.append(t[keys // len(o_rows)])
        found_o.append(o_rows[keys % len(o_rows)])
    return np.concatenate(found_t), np.concatenate(found_o)


def _pairs(tgt: _Side, targets: list[Profile], cand: _Side, lower_only=False):
    """Gated (t, o) row pairs of every target against its candidates among ``cand``.

    A target's candidates are the rows covering one of its countries (the global rows
    among them), as for one check; they are met country by country, every target of a
    country at once, and a pair met through several countries is kept once. A global
    target meets every row.
    """
    by_country = defaultdict(list)
    global_targets = []
    for i, p in enumerate(targets):
        if p.is_global:
            global_targets.append(i)
        else:
            for c in p.countries:
                by_country[c].append(i)
    found_t, found_o = [], []
    blocks = [
        (np.array(rows, dtype=np.int64), cand.in_country(c))
        for c, rows in sorted(by_country.items())
    ]
    if global_targets:
        everyone = np.arange(len(cand.ids), dtype=np.int64)
        blocks.append((np.array(global_targets, dtype=np.int64), everyone))
    for t_rows, o_rows in blocks:
        pt, po = _gated_pairs(tgt, t_rows, cand, o_rows, lower_only=lower_only)
        found_t.append(pt)
        found_o.append(po)
    if not found_t:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    keys = np.unique(np.concatenate(found_t) * len(cand.ids) + np.concatenate(found_o))
    return keys // len(cand.ids), keys % len(cand.ids)


def _scored(model, tgt: _Side, cand: _Side, pt, po, *, weights, threshold):
    """(a, b, Score), a < b, of the row pairs that reach the threshold or share an
    initiative, and share a covered country."""
    out = []
    for begin in range(0, len(pt), SCORE_CHUNK):
        t, o = pt[begin : begin + SCORE_CHUNK], po[begin : begin + SCORE_CHUNK]
        cosines = text_cosines(tgt.vecs.take(t), cand.vecs.take(o))
        feats = assemble(cosines, model.small, tgt.side(t), cand.side(o))
        values = combine(feats, weights)
        same_init = (tgt.initiative[t] >= 0) & (tgt.initiative[t] == cand.initiative[o])
        for k in np.flatnonzero((values >= threshold) | same_init).tolist():
            target, other = tgt.profile(int(t[k])), cand.profile(int(o[k]))
            if not (target.countries & other.countries):
                continue
            value = float(values[k])
            f = {name: feats[name][k] for name in FEATURES}
            terms = shared_terms_of(model, (tgt.vecs.Xw, int(t[k])), (cand.vecs.Xw, int(o[k])))
            score = Score(
                value, is_joint(target, other, value, threshold), reasons(target, other, f, terms)
            )
            a, b = sorted((target.id, other.id))
            out.append((a, b, score))
    return out


def _rows_of(vecs: Vectors, n: int) -> list[Vectors]:
    """Each row of ``vecs`` as its own 1-row Vectors, cut from the CSR arrays directly
    (fancy indexing a scipy matrix row by row costs ten times more)."""

    def cut(M, i):
        lo, hi = M.indptr[i], M.indptr[i + 1]
        return sparse.csr_matrix(
            (M.data[lo:hi], M.indices[lo:hi], np.array([0, hi - lo])), shape=(1, M.shape[1])
        )

    return [
        Vectors(
            cut(vecs.Xc, i),
            cut(vecs.Xw, i),
            cut(vecs.Xp, i),
            None if vecs.Z is None else vecs.Z[i : i + 1],
            cut(vecs.Xt, i),
            vecs.E[i : i + 1],
        )
        for i in range(n)
    ]


def check_activities(activity_ids: Iterable[int], *, weights: dict, threshold: float):
    """(a, b, Score), a < b, for every pair of the activities ``activity_ids`` (new or
    changed) with a score >= threshold or joint work: the union of what ``check_activity``
    gives for each of them. Like it, keeps them in the cache's overlay afterwards."""
    ids = sorted({int(i) for i in activity_ids})
    fresh = load_profiles(ids)
    cache = incremental._warm()
    cache.catch_up(exclude=ids)
    targets = [fresh[i] for i in sorted(fresh)]
    if not targets:
        return []
    model = cache.model
    target_vecs = model.transform(targets)
    tgt = _profile_side(cache, targets, target_vecs)
    calibration = {"weights": weights, "threshold": threshold}

    # Cached rows of the checked and the overlay's activities are stale: scored from fresh.
    stale = set(ids) | set(cache.overlay)
    cached = _cache_side(cache, stale)
    found = _scored(model, tgt, cached, *_pairs(tgt, targets, cached), **calibration)
    overlay = [(p, v) for pid, (p, v) in sorted(cache.overlay.items()) if pid not in set(ids)]
    if overlay:
        cand = _profile_side(
            cache, [p for p, _v in overlay], Vectors.stack([v for _p, v in overlay])
        )
        found += _scored(model, tgt, cand, *_pairs(tgt, targets, cand), **calibration)
    found += _scored(model, tgt, tgt, *_pairs(tgt, targets, tgt, lower_only=True), **calibration)

    for p, vecs in zip(targets, _rows_of(target_vecs, len(targets)), strict=True):
        cache.overlay[p.id] = (p, vecs)
    cache.max_seen = max(cache.max_seen, max(ids))
    return sorted(found, key=lambda t: (t[0], t[1]))
