"""How a pair is scored.

A pair is first a *candidate*: different agencies, at least one common covered
country, overlapping periods. Only candidates are scored. Each candidate gets
seven features, all in [0, 1]:

``text_char``
    cosine of character n-gram (char_wb, 3-5) TF-IDF vectors of title +
    description. Survives rewording and inflection ("remittance"/"remittances",
    "reintegration"/"reintegrating").
``text_word``
    cosine of word-stem TF-IDF vectors. Separates sibling subjects that share
    many characters but not their distinctive words (victim *assistance* versus
    *prosecution* of trafficking).
``text_lsa``
    cosine in a 64-dimension latent semantic space (TruncatedSVD of the word-stem
    TF-IDF, fitted on the corpus): words of one subject co-occur, so paraphrases
    that share few words still land close.
``text_distinct``
    cosine of the word-stem vectors restricted to the distinctive words (those in
    at most 15 % of activities): what tells sibling subjects apart once the common
    vocabulary of migration work is set aside. It carries the largest weight.

On a corpus under LSA_MIN_DOCS activities neither topics nor distinctive words can
be learnt; ``text_char`` then stands in for ``text_lsa`` and ``text_distinct``.
``priorities``
    Jaccard index of the GMG priority codes.
``target_groups``
    Jaccard index of the target groups (0 when either side names none).
``period``
    overlap in days / 180, capped at 1 (1 when both are open-ended). Its fitted
    weight is 0 (every candidate already overlaps in time); it is kept so that
    decisions can give it weight through ``overlaps.learning``.

The text is what ``text.document`` makes of title + description: place names,
stopwords and accents removed (see ``overlaps.engine.text``).

``score = sum(weights[f] * feature[f])``, rounded to 4 places. The weights sum to 1
so the score is in [0, 1]. A pair is reported when ``score >= threshold`` or when it
is joint work. ``WEIGHTS`` and ``DEFAULT_THRESHOLD`` (0.32) were fitted by logistic
regression on the tuning split of ``benchmarks.corpus`` (see BENCHMARKS.md); a refit on
people's decisions (``overlaps.calibration``) replaces them. Every entry point takes
the weights and threshold as required arguments: the service layer resolves them once.

Joint work: both activities belong to the same joint initiative (always
reported), or one lists the other's agency as partner (reported as joint only
when the score reaches the threshold: partners doing unrelated things in the
same country are not joint work on a subject).

A pair with no distinctive term in common (``text_distinct`` cosine under
``PREFILTER_FLOOR`` before any stand-in) is never reported unless it is one
initiative's work: the scan's prefilter drops it, and the checks apply the same gate.

The scan, the check on save and the draft check compute features with the functions
below (``text_cosines`` then ``assemble``) from rows encoded by one encoder, so a pair
scores exactly the same whichever path scores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.utils.translation import gettext_lazy as _

from .loading import Profile
from .textmodel import TextModel, Vectors, rowdot, shared_terms_of

# Fitted with overlaps.learning.fit_weights on the "tune" split of benchmarks.corpus
# (never on the "report" split the figures in BENCHMARKS.md come from).
DEFAULT_THRESHOLD: float = 0.32
WEIGHTS: dict = {
    "text_char": 0.03,
    "text_word": 0.0,
    "text_lsa": 0.3519,
    "priorities": 0.0706,
    "target_groups": 0.0521,
    "period": 0.0003,
    # Cosine over the distinctive words only (those in at most 15 % of activities): what
    # separates sibling subjects that share the common vocabulary of migration work.
    "text_distinct": 0.4951,
}
FEATURES = tuple(WEIGHTS)
# Pairs whose distinctive-word cosine is below this never reach the threshold in
# practice (see the benchmark corpus); the gate is what keeps the scan sparse.
PREFILTER_FLOOR = 0.08
PERIOD_FULL_DAYS = 180
OPEN_END = date.max.toordinal()
MAX_REASON_COUNTRIES = 20

REASON_LABELS = {
    "countries": _("Common countries"),
    "overlap_days": _("Days both run"),
    "priorities": _("Common priorities"),
    "target_groups": _("Common target groups"),
    "text_similarity": _("Text similarity"),
    "shared_terms": _("Shared terms"),
}


@dataclass
class Score:
    value: float
    joint: bool
    reasons: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- columns


class Columns:
    """Per-activity numbers aligned with the text model's rows, for vectorised checks."""

    def __init__(self, profiles: dict[int, Profile], model: TextModel):
        n = len(model.ids)
        self.agency = np.full(n, -1, dtype=np.int64)
        self.start = np.zeros(n, dtype=np.int64)
        self.end = np.full(n, OPEN_END, dtype=np.int64)
        self.prio = np.zeros(n, dtype=np.int64)
        self.tg = np.zeros(n, dtype=np.int64)
        self.present = np.zeros(n, dtype=bool)
        slugs = sorted({s for p in profiles.values() for s in p.target_groups})
        self.tg_bit = {s: i % 62 for i, s in enumerate(slugs)}
        for pid, p in profiles.items():
            i = model.index.get(pid)
            if i is None:
                continue
            self.present[i] = True
            self.agency[i] = p.agency_id
            self.start[i], self.end[i], self.prio[i], self.tg[i] = self.scalars(p)

    def scalars(self, p: Profile) -> tuple[int, int, int, int]:
        """(start, end, priorities mask, target groups mask) of any profile."""
        return (
            p.start.toordinal(),
            p.end.toordinal() if p.end is not None else OPEN_END,
            _mask(p.priorities, lambda c: ord(c) - ord("a")),
            _mask(p.target_groups, self.tg_bit.get),
        )

    def side(self, rows) -> tuple:
        return self.start[rows], self.end[rows], self.prio[rows], self.tg[rows]

    def sides_of(self, profiles: list[Profile]) -> tuple:
        """``side`` for profiles outside the columns (a checked activity, a draft)."""
        values = np.array([self.scalars(p) for p in profiles], dtype=np.int64).reshape(-1, 4)
        return tuple(values[:, i] for i in range(4))


def _mask(values, bit) -> int:
    m = 0
    for v in values:
        b = bit(v)
        if b is not None and 0 <= b < 62:
            m |= 1 << b
    return m


def _popcount(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.uint64)
    count = np.zeros(x.shape, dtype=np.int64)
    while np.any(x):
        count += (x & np.uint64(1)).astype(np.int64)
        x = x >> np.uint64(1)
    return count


def _jaccard(ma, mb) -> np.ndarray:
    inter = _popcount(ma & mb)
    union = _popcount(ma | mb)
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


# --------------------------------------------------------------------------- features


def text_cosines(a: Vectors, b: Vectors) -> tuple[np.ndarray, ...]:
    """(char, word, lsa, distinct) cosines of aligned rows; lsa is word's without LSA."""
    text_char = rowdot(a.Xc, b.Xc)
    text_word = rowdot(a.Xw, b.Xw)
    text_distinct = rowdot(a.Xp, b.Xp)
    if a.Z is not None and b.Z is not None:
        text_lsa = np.einsum("ij,ij->i", a.Z, b.Z).astype(np.float64)
    else:
        text_lsa = text_word
    return text_char, text_word, text_lsa, text_distinct


def assemble(cosines, small: bool, side_a, side_b) -> dict[str, np.ndarray]:
    """The feature columns from the text cosines and both sides' (start, end, prio, tg)."""
    text_char, text_word, text_lsa, text_distinct = cosines
    if small:
        # Too few activities to learn topics or distinctive words (see LSA_MIN_DOCS).
        text_lsa = text_distinct = text_char
    start_a, end_a, prio_a, tg_a = side_a
    start_b, end_b, prio_b, tg_b = side_b
    overlap = np.minimum(end_a, end_b) - np.maximum(start_a, start_b) + 1
    both_open = (end_a == OPEN_END) & (end_b == OPEN_END)
    period = np.where(both_open, 1.0, np.clip(overlap / PERIOD_FULL_DAYS, 0.0, 1.0))
    return {
        "text_char": np.clip(text_char, 0.0, 1.0),
        "text_word": np.clip(text_word, 0.0, 1.0),
        "text_lsa": np.clip(text_lsa, 0.0, 1.0),
        "text_distinct": np.clip(text_distinct, 0.0, 1.0),
        "priorities": _jaccard(prio_a, prio_b),
        "target_groups": _jaccard(tg_a, tg_b),
        "period": period,
    }


def row_features(model: TextModel, cols: Columns, a, b) -> dict[str, np.ndarray]:
    """Feature columns for the pairs of model rows (a[i], b[i])."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    vectors = model.vectors
    cosines = text_cosines(vectors.take(a), vectors.take(b))
    return assemble(cosines, model.small, cols.side(a), cols.side(b))


def combine(feats: dict[str, np.ndarray], weights: dict) -> np.ndarray:
    total = sum(weights[f] * feats[f] for f in FEATURES)
    return np.round(np.clip(total, 0.0, 1.0), 4)


# --------------------------------------------------------------------------- pairs


def periods_overlap(pa: Profile, pb: Profile) -> bool:
    return (pa.end is None or pa.end >= pb.start) and (pb.end is None or pb.end >= pa.start)


def is_candidate(pa: Profile, pb: Profile) -> bool:
    """Different agencies, a common covered country, overlapping periods."""
    return (
        pa.agency_id != pb.agency_id
        and periods_overlap(pa, pb)
        and bool(pa.countries & pb.countries)
    )


def is_joint_link(pa: Profile, pb: Profile) -> bool:
    return pb.agency_id in pa.partner_ids or pa.agency_id in pb.partner_ids


def same_initiative(pa: Profile, pb: Profile) -> bool:
    return pa.initiative_id is not None and pa.initiative_id == pb.initiative_id


def is_joint(pa: Profile, pb: Profile, value: float, threshold: float) -> bool:
    return same_initiative(pa, pb) or (is_joint_link(pa, pb) and value >= threshold)


def reasons(pa: Profile, pb: Profile, feats: dict, shared_terms: list) -> dict:
    """What a person reads to judge the pair; ``feats`` holds this pair's feature values."""
    common = sorted(pa.countries & pb.countries)
    if pa.end is None and pb.end is None:
        days = None
    else:
        end = min(d for d in (pa.end, pb.end) if d is not None)
        days = (end - max(pa.start, pb.start)).days + 1
    out = {
        "countries": common[:MAX_REASON_COUNTRIES],
        "overlap_days": days,
        "priorities": sorted(pa.priorities & pb.priorities),
        "target_groups": sorted(pa.target_groups & pb.target_groups),
        "text_similarity": round(float(feats["text_char"]), 4),
        "shared_terms": shared_terms,
        "features": {f: round(float(feats[f]), 4) for f in FEATURES},
    }
    if len(common) > MAX_REASON_COUNTRIES:
        out["count"] = len(common)
    if pa.is_global or pb.is_global:
        out["global"] = True
    return out


def _pair_rows(pa: Profile, pb: Profile, text_model: TextModel) -> dict[str, np.ndarray]:
    for p in (pa, pb):
        if p.id not in text_model.index:
            text_model.add([p])
    cols = Columns({pa.id: pa, pb.id: pb}, text_model)
    return row_features(text_model, cols, [text_model.index[pa.id]], [text_model.index[pb.id]])


def pair_features(pa: Profile, pb: Profile, text_model: TextModel) -> dict[str, float]:
    """The feature values of one pair, exactly as the scan computes them."""
    feats = _pair_rows(pa, pb, text_model)
    return {name: float(feats[name][0]) for name in FEATURES}


def score_pair(
    pa: Profile, pb: Profile, text_model: TextModel, *, weights: dict, threshold: float
) -> Score | None:
    """Score of one pair, or None when it is not a candidate at all."""
    if not is_candidate(pa, pb):
        return None
    feats = _pair_rows(pa, pb, text_model)
    value = float(combine(feats, weights)[0])
    terms = shared_terms_of(text_model, text_model.index[pa.id], text_model.index[pb.id])
    return Score(
        value=value,
        joint=is_joint(pa, pb, value, threshold),
        reasons=reasons(pa, pb, {name: feats[name][0] for name in FEATURES}, terms),
    )
