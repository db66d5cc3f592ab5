"""Checking one activity (on save) or a draft (in the entry form) without a full scan.

Each process keeps a cache (``warm_cache``): every profile, the text model fitted on them
and per-row columns. It is never rebuilt by a check, because that costs as much as a scan;
a full scan run in the process rebuilds it (``services.full_scan``), and tests drop it.
Activities created or changed in this process since the cache was built live in a small
overlay that every later check also searches.

A check scores a pair exactly as the scan would with the same corpus: the checked
activity is encoded by the same encoder as the corpus rows, its features come from the
same functions, and the same distinctive-word gate applies (``scoring``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from .loading import Profile, load_profiles
from .scoring import (
    FEATURES,
    PREFILTER_FLOOR,
    Columns,
    Score,
    assemble,
    combine,
    is_candidate,
    is_joint,
    language_code,
    place_rows,
    reasons,
    same_initiative,
    semantic_cosine,
    semantic_gate,
    text_cosines,
)
from .textmodel import TextModel, Vectors, shared_terms_of


class _Cache:
    def __init__(self, profiles: dict[int, Profile], model: TextModel):
        self.profiles = profiles
        self.model = model
        self.cols = Columns(profiles, model)
        by_country = defaultdict(list)
        globals_ = []
        for pid in sorted(profiles):
            p = profiles[pid]
            if p.is_global:
                globals_.append(pid)
            for c in p.countries:
                by_country[c].append(pid)
        self.by_country = {c: np.array(v, dtype=np.int64) for c, v in by_country.items()}
        self.globals = np.array(globals_, dtype=np.int64)
        # Activities with a higher id were created after the cache was built.
        self.max_seen = max(profiles, default=0)
        # Row of each activity id, and each row's initiative (-1: none), as arrays so that a
        # check over thousands of candidates stays vectorised.
        self.ids = np.array(sorted(model.index), dtype=np.int64)
        self.rows = np.array([model.index[i] for i in self.ids.tolist()], dtype=np.int64)
        self.initiative = np.full(len(model.ids), -1, dtype=np.int64)
        for pid, p in profiles.items():
            if p.initiative_id is not None and pid in model.index:
                self.initiative[model.index[pid]] = p.initiative_id
        # id -> (profile, its 1-row Vectors): created or changed since the cache was built.
        self.overlay: dict[int, tuple[Profile, Vectors]] = {}

    def row_of(self, wanted: np.ndarray) -> np.ndarray:
        if not len(self.ids):
            return np.zeros(0, dtype=np.int64)
        at = np.clip(np.searchsorted(self.ids, wanted), 0, len(self.ids) - 1)
        return self.rows[at][np.isin(wanted, self.ids)]

    def catch_up(self, exclude: int | Iterable[int]) -> None:
        """Put activities created since the last look (in any process) in the overlay,
        but for ``exclude`` (the ones being checked, loaded by the caller)."""
        from activities.models import Activity

        exclude = [exclude] if isinstance(exclude, int) else list(exclude)
        new_ids = list(
            Activity.objects.filter(pk__gt=self.max_seen)
            .exclude(pk__in=exclude)
            .values_list("pk", flat=True)
            .order_by("pk")
        )
        if new_ids:
            for p in load_profiles(new_ids).values():
                self.overlay[p.id] = (p, self.model.transform([p]))
            self.max_seen = max(new_ids)


_cache: _Cache | None = None


def warm_cache(profiles=None, text_model=None) -> None:
    """Keep profiles and a fitted model in memory for the checks (e.g. after a scan)."""
    global _cache
    profiles = load_profiles() if profiles is None else dict(profiles)
    model = TextModel.fit(profiles) if text_model is None else text_model
    _cache = _Cache(profiles, model)


def take_fresh_embeddings() -> dict:
    """Embeddings the cache's text model computed since the last call (to be stored)."""
    return {} if _cache is None else _cache.model.take_fresh_embeddings()


def invalidate_cache() -> None:
    global _cache
    _cache = None


def _warm() -> _Cache:
    if _cache is None:
        warm_cache()
    return _cache


def _score(cache, target, target_vecs, others, other_vecs, sides, same_init, *, weights, threshold):
    """(other id, Score) for the others that reach the threshold or share an initiative.

    ``others`` are profiles (or a function from position to profile, for cache rows),
    ``other_vecs`` their rows, ``sides`` their (start, end, prio, tg) columns.
    """
    k = other_vecs.Xc.shape[0]
    if k == 0:
        return []
    model = cache.model
    cosines = text_cosines(target_vecs.take(np.zeros(k, dtype=np.int64)), other_vecs)
    side = (
        *(np.full(k, v, dtype=np.int64) for v in cache.cols.scalars(target)),
        # One row of the target's places, repeated: not k rows built one by one.
        place_rows([target], [0], 1)[np.zeros(k, dtype=np.int64)],
    )
    feats = assemble(cosines, model.small, side, sides)
    values = combine(feats, weights)
    out = []
    for i in np.flatnonzero((values >= threshold) | same_init).tolist():
        other = others(i) if callable(others) else others[i]
        # Reported only where the two share a country (regions expanded), as in the scan.
        if not (target.countries & other.countries):
            continue
        value = float(values[i])
        f = {name: feats[name][i] for name in FEATURES}
        terms = shared_terms_of(model, (target_vecs.Xw, 0), (other_vecs.Xw, i))
        joint = is_joint(target, other, value, threshold)
        out.append((other.id, Score(value, joint, reasons(target, other, f, terms))))
    return out


def _gate(target_vecs: Vectors, Xp, E, target_lang: int, other_langs) -> np.ndarray:
    """The scan's prefilter on the rows ``Xp``/``E``: distinctive words, or else
    embeddings, close enough (the cosine as every path computes it)."""
    words = np.asarray((Xp @ target_vecs.Xp.T).todense()).ravel() >= PREFILTER_FLOOR
    other_langs = np.asarray(other_langs, dtype=np.int64)
    meaning = np.zeros(E.shape[0], dtype=bool)
    for start in range(0, E.shape[0], 20_000):
        part = E[start : start + 20_000]
        target = np.repeat(target_vecs.E[:1], part.shape[0], axis=0)
        langs = other_langs[start : start + 20_000]
        meaning[start : start + 20_000] = semantic_gate(
            semantic_cosine(target, part), np.full(len(langs), target_lang), langs
        )
    return words | meaning


def _against_cache(cache, target, target_vecs, *, weights, threshold):
    """Candidates among the cached rows: same country (or global), another agency,
    overlapping period, not in the overlay (those are scored from there)."""
    model, cols = cache.model, cache.cols
    if target.is_global:
        rows = np.arange(len(model.ids), dtype=np.int64)
    else:
        parts = [cache.by_country.get(c) for c in target.countries]
        parts = [part for part in parts if part is not None] + [cache.globals]
        rows = cache.row_of(np.unique(np.concatenate(parts)))
    start, end = cols.scalars(target)[:2]
    ok = cols.present[rows] & (cols.agency[rows] != target.agency_id)
    ok &= (cols.start[rows] <= end) & (start <= cols.end[rows])
    overlay = np.fromiter(cache.overlay, dtype=np.int64, count=len(cache.overlay))
    ok &= ~np.isin(model.ids[rows], overlay)
    rows = rows[ok]
    initiative = cache.initiative[rows]
    same_init = (initiative >= 0) & (initiative == (target.initiative_id or -2))
    keep = same_init
    if len(rows):
        lang = language_code(target.language)
        keep = _gate(target_vecs, model.Xp[rows], model.E[rows], lang, cols.lang[rows])
        keep |= same_init
    rows, same_init = rows[keep], same_init[keep]
    return _score(
        cache,
        target,
        target_vecs,
        lambda i: cache.profiles[int(model.ids[rows[i]])],
        model.vectors.take(rows),
        cols.side(rows),
        same_init,
        weights=weights,
        threshold=threshold,
    )


def _against_profiles(cache, target, target_vecs, others, vectors_of, *, weights, threshold):
    """Candidates given as profiles (the overlay, a draft's), pair by pair rules.

    ``vectors_of(positions)`` gives the rows of ``others`` at those positions: only the
    candidates are stacked, because the overlay grows with every save in the process.
    """
    keep = [i for i, p in enumerate(others) if is_candidate(target, p)]
    if not keep:
        return []
    other_vecs = vectors_of(keep)
    others = [others[i] for i in keep]
    same_init = np.array([same_initiative(target, p) for p in others], dtype=bool)
    langs = [language_code(p.language) for p in others]
    gate = _gate(target_vecs, other_vecs.Xp, other_vecs.E, language_code(target.language), langs)
    passed = np.flatnonzero(gate | same_init)
    others = [others[i] for i in passed]
    return _score(
        cache,
        target,
        target_vecs,
        others,
        other_vecs.take(passed),
        cache.cols.sides_of(others),
        same_init[passed],
        weights=weights,
        threshold=threshold,
    )


def _ranked(found):
    return sorted(found, key=lambda t: (-t[1].value, t[0]))


def check_activity(activity_id: int, *, weights: dict, threshold: float):
    """Pairs of one (new or changed) activity with score >= threshold or joint work.

    The activity is reloaded from the database and encoded on its own, then kept in the
    overlay: later checks score it from there.
    """
    fresh = load_profiles([activity_id])
    if activity_id not in fresh:
        return []
    target = fresh[activity_id]
    cache = _warm()
    cache.catch_up(exclude=activity_id)
    target_vecs = cache.model.transform([target])
    cache.overlay[activity_id] = (target, target_vecs)
    calibration = {"weights": weights, "threshold": threshold}
    found = _against_cache(cache, target, target_vecs, **calibration)
    overlay = [(p, v) for pid, (p, v) in sorted(cache.overlay.items()) if pid != activity_id]
    found += _against_profiles(
        cache,
        target,
        target_vecs,
        [p for p, _v in overlay],
        lambda positions: Vectors.stack([overlay[i][1] for i in positions]),
        **calibration,
    )
    return _ranked(found)


def check_draft(draft: Profile, candidates: Iterable[Profile], *, weights: dict, threshold: float):
    """Pairs of an unsaved activity with ``candidates`` (fresh from the database), as
    ``check_activity`` would score them once the draft is saved. Nothing is kept."""
    candidates = sorted(candidates, key=lambda p: p.id)
    cache = _warm()
    found = _against_profiles(
        cache,
        draft,
        cache.model.transform([draft]),
        candidates,
        lambda positions: cache.model.transform([candidates[i] for i in positions]),
        weights=weights,
        threshold=threshold,
    )
    return _ranked(found)
