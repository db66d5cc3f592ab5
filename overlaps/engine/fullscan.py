"""The full scan: every candidate pair of every activity, scored and filtered.

Keeping a full scan tractable
-----------------------------
Scoring all pairs of 100,000 activities (5e9) is out of the question, and even
country x period candidates run to tens of millions where thousands of
activities work in one country. The scan therefore:

1. builds an inverted index country -> activity rows (global activities are
   kept out of it and handled as one separate block against everything);
2. for each country computes, as one sparse matrix product, the similarity of
   *distinctive* words (stems present in at most ``PREFILTER_MAX_DF`` of all
   activities) between the activities of that country, and as one dense product
   the cosine of their stored sentence embeddings; pairs with ``prefilter >=
   PREFILTER_FLOOR`` or ``embedding cosine >= SEMANTIC_FLOOR`` (``_ACROSS``
   languages) go on. Common words
   ("migration", "migrants") are left out of the first product, which keeps it
   sparse; the second finds the same work told in other words or another language;
3. checks agencies and periods on those survivors with numpy, deduplicates
   pairs seen through several countries (np.unique on int64 keys), and scores
   them in vectorised chunks.

Memory is bounded by the matrices (one row per activity) and the survivors of
the prefilter; no all-pairs structure is ever built. A pair that passes neither
gate is never reported; ``check_activity`` applies the same gate so
that incremental and full scans agree.

Parallel scans
--------------
``blocks(profiles, n)`` splits activity ids into ``n`` lists by ``id % n``.
``scan(..., only_ids=block)`` (or ``scan_block(block, ...)``) reports exactly
the pairs ``(a, b)``, ``a < b``, whose *lower* id ``a`` is in the block. Every
pair is therefore computed in exactly one block and the union of the blocks is
the full scan. Each worker needs the same profiles and text model (fit once,
pickle, or refit: fitting is deterministic).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from .loading import Profile, load_profiles
from .scoring import (
    FEATURES,
    PREFILTER_FLOOR,
    SEMANTIC_FLOOR,
    SEMANTIC_FLOOR_ACROSS,
    Columns,
    Score,
    across_languages,
    combine,
    is_candidate,
    is_joint,
    reasons,
    row_features,
    same_initiative,
    semantic_cosine,
    semantic_gate,
)
from .textmodel import TextModel, shared_terms_of

logger = logging.getLogger(__name__)

CHUNK = 50_000


def candidate_pairs(profiles: dict[int, Profile]) -> Iterator[tuple[int, int]]:
    """Every candidate pair (a < b) once: shared covered country, overlapping periods.

    Inverted index country -> ids sorted by start; a sweep line over each list keeps
    only the activities still running. A pair is emitted by the lowest country the
    two share (global activities by their own pass), so nothing is stored to dedupe.
    The scan does not use it (its prefilter never builds all candidates); tests and
    benchmarks check the scan against it.
    """
    by_country = defaultdict(list)
    globals_ = []
    for p in profiles.values():
        if p.is_global:
            globals_.append(p)
        else:
            for c in p.countries:
                by_country[c].append(p)

    def sweep(items):
        items = sorted(items, key=lambda p: (p.start, p.id))
        running = []
        for p in items:
            running = [q for q in running if q.end is None or q.end >= p.start]
            yield p, running
            running.append(p)

    for country in sorted(by_country):
        for p, running in sweep(by_country[country]):
            for q in running:
                if q.agency_id == p.agency_id:
                    continue
                if min(p.countries & q.countries) != country:
                    continue
                yield (min(p.id, q.id), max(p.id, q.id))
    everyone = list(profiles.values())
    global_ids = {p.id for p in globals_}
    for p, running in sweep(everyone):
        for q in running:
            if q.agency_id == p.agency_id:
                continue
            if p.id in global_ids or q.id in global_ids:
                yield (min(p.id, q.id), max(p.id, q.id))


def blocks(profiles: dict[int, Profile], n: int) -> list[list[int]]:
    """Split activity ids into n independent blocks (by id % n) for parallel scans."""
    out = [[] for _ in range(max(n, 1))]
    for pid in sorted(profiles):
        out[pid % len(out)].append(pid)
    return out


def _survivors(model, cols, rows_by_country, global_rows, owner_mask) -> np.ndarray:
    """int64 keys a*N+b (row indices, a<b) of candidate pairs passing the text gate."""
    n = len(model.ids)
    keys = []
    Xp = model.Xp
    XpT = Xp.T.tocsr()

    E = model.E

    def collect(rows_a, rows_b, S):
        S = S.tocoo()
        sel = S.data >= PREFILTER_FLOOR
        # The second source: pairs whose embeddings are close, whatever their words. The
        # matrix product finds them with a margin, each pair against its own languages'
        # floor, and only among pairs the candidate rules allow; the gate itself is the
        # cosine computed as every path computes it (semantic_cosine), so a check on save
        # agrees exactly. Checked in slices: near pairs never sit in memory as 384-wide rows.
        P = E[rows_a] @ E[rows_b].T
        la, lb = cols.lang[rows_a][:, None], cols.lang[rows_b][None, :]
        floor = np.where(across_languages(la, lb), SEMANTIC_FLOOR_ACROSS, SEMANTIC_FLOOR)
        near = floor - 1e-3 <= P
        near &= cols.agency[rows_a][:, None] != cols.agency[rows_b][None, :]
        near &= cols.start[rows_a][:, None] <= cols.end[rows_b][None, :]
        near &= cols.start[rows_b][None, :] <= cols.end[rows_a][:, None]
        del P, floor
        near_a, near_b = np.nonzero(near)
        del near
        keep = np.zeros(len(near_a), dtype=bool)
        for start in range(0, len(near_a), 20_000):
            ia = rows_a[near_a[start : start + 20_000]]
            ib = rows_b[near_b[start : start + 20_000]]
            cosine = semantic_cosine(E[ia], E[ib])
            keep[start : start + 20_000] = semantic_gate(cosine, cols.lang[ia], cols.lang[ib])
        near_a, near_b = near_a[keep], near_b[keep]
        ra = np.concatenate([rows_a[S.row[sel]], rows_a[near_a]])
        rb = np.concatenate([rows_b[S.col[sel]], rows_b[near_b]])
        if not len(ra):
            return
        swap = model.ids[ra] > model.ids[rb]
        lo, hi = np.where(swap, rb, ra), np.where(swap, ra, rb)
        ok = (lo != hi) & owner_mask[lo]
        ok &= cols.agency[lo] != cols.agency[hi]
        ok &= (cols.start[lo] <= cols.end[hi]) & (cols.start[hi] <= cols.end[lo])
        ok &= cols.present[lo] & cols.present[hi]
        if ok.any():
            keys.append(lo[ok] * n + hi[ok])

    for rows in rows_by_country:
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) < 2:
            continue
        # A pair belongs to the block of its lower id, and both rows are in this country's
        # list: the block's own rows against the country's are enough (a worker's block
        # does its share of the products, not all of them). Slices of ~1,000 rows keep the
        # dense embedding product to 1,000 x n_c.
        owned = rows[owner_mask[rows]]
        for start in range(0, len(owned), 1000):
            part = owned[start : start + 1000]
            collect(part, rows, Xp[part] @ XpT[:, rows])
    if len(global_rows):
        global_rows = np.asarray(global_rows, dtype=np.int64)
        everyone = np.arange(n, dtype=np.int64)
        for start in range(0, len(global_rows), 200):
            part = global_rows[start : start + 200]
            collect(part, everyone, Xp[part] @ XpT)
    if not keys:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(keys))


def _initiative_keys(profiles, model, owner) -> np.ndarray:
    """Keys of candidate pairs of one joint initiative: reported whatever the text says."""
    by_initiative = defaultdict(list)
    for pid in sorted(profiles):
        if profiles[pid].initiative_id is not None:
            by_initiative[profiles[pid].initiative_id].append(pid)
    n = len(model.ids)
    extra = []
    for members in by_initiative.values():
        for i, a in enumerate(members):
            if not owner[model.index[a]]:
                continue
            for b in members[i + 1 :]:
                pa, pb = profiles[a], profiles[b]
                if is_candidate(pa, pb):
                    extra.append(model.index[a] * n + model.index[b])
    return np.array(extra, dtype=np.int64)


def scan(
    profiles: dict[int, Profile] | None = None,
    text_model: TextModel | None = None,
    *,
    weights: dict,
    threshold: float,
    progress: Callable[[int, int], None] | None = None,
    only_ids: set | None = None,
) -> Iterator[tuple[int, int, Score]]:
    """Yield (a, b, score), a < b, for pairs with score >= threshold or joint work.

    With ``only_ids``, only pairs whose lower id is in it (see ``blocks``).
    """
    profiles = load_profiles() if profiles is None else profiles
    model = TextModel.fit(profiles) if text_model is None else text_model
    missing = [p for pid, p in profiles.items() if pid not in model.index]
    if missing:
        model.add(missing)
    cols = Columns(profiles, model)
    owner = np.zeros(len(model.ids), dtype=bool)
    for pid in profiles if only_ids is None else only_ids:
        i = model.index.get(pid)
        if i is not None and pid in profiles:
            owner[i] = True

    by_country = defaultdict(list)
    global_rows = []
    for pid in sorted(profiles):
        p = profiles[pid]
        i = model.index[pid]
        if p.is_global:
            global_rows.append(i)
        else:
            for c in p.countries:
                by_country[c].append(i)
    rows_by_country = [by_country[c] for c in sorted(by_country)]
    keys = _survivors(model, cols, rows_by_country, global_rows, owner)
    extra = _initiative_keys(profiles, model, owner)
    if len(extra):
        keys = np.unique(np.concatenate([keys, extra]))

    n = len(model.ids)
    total = len(keys)
    done = 0
    for start in range(0, total, CHUNK):
        chunk = keys[start : start + CHUNK]
        ra, rb = chunk // n, chunk % n
        try:
            feats = row_features(model, cols, ra, rb)
            values = combine(feats, weights)
        except Exception:  # noqa: BLE001 - one bad chunk must not stop the scan
            logger.exception("Overlap scan: scoring chunk failed")
            done += len(chunk)
            continue
        for k in range(len(chunk)):
            try:
                a, b = int(model.ids[ra[k]]), int(model.ids[rb[k]])
                pa, pb = profiles[a], profiles[b]
                value = float(values[k])
                if value < threshold and not same_initiative(pa, pb):
                    continue
                # Regions listed on both sides are expanded; the index already
                # guaranteed a common country unless the pair came from a global row.
                if not (pa.countries & pb.countries):
                    continue
                f = {name: feats[name][k] for name in FEATURES}
                terms = shared_terms_of(model, int(ra[k]), int(rb[k]))
                yield (
                    a,
                    b,
                    Score(value, is_joint(pa, pb, value, threshold), reasons(pa, pb, f, terms)),
                )
            except Exception:  # noqa: BLE001
                logger.exception("Overlap scan: pair %s failed", chunk[k])
        done += len(chunk)
        if progress:
            progress(done, total)
    if progress and total == 0:
        progress(0, 0)


def scan_block(
    block: Iterable[int], profiles=None, text_model=None, *, weights: dict, threshold: float
):
    """One of ``blocks(...)``: the pairs whose lower id is in ``block``."""
    return scan(profiles, text_model, weights=weights, threshold=threshold, only_ids=set(block))
