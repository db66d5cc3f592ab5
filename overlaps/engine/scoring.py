"""How a pair is scored.

A pair is first a *candidate*: different agencies, at least one common covered
country, overlapping periods. Only candidates are scored. Each candidate gets
eleven features, all in [0, 1]:

``text_char``
    cosine of character n-gram (char_wb, 3-5) TF-IDF vectors of title +
    description. Survives rewording and inflection ("remittance"/"remittances").
``text_word``
    cosine of word-stem TF-IDF vectors.
``text_lsa``
    cosine in a 64-dimension latent semantic space (TruncatedSVD of the word-stem
    TF-IDF, fitted on the corpus): words of one subject co-occur, so paraphrases
    that share few words still land close.
``text_distinct``
    cosine of the word-stem vectors restricted to the distinctive words (those in
    at most 15 % of activities): what tells sibling subjects apart once the common
    vocabulary of migration work is set aside.

On a corpus under LSA_MIN_DOCS activities neither topics nor distinctive words can
be learnt; ``text_char`` then stands in for ``text_lsa`` and ``text_distinct``.
``semantic``
    cosine of the two sentence embeddings (``semantic``: multilingual-e5-small),
    stretched from this model's band [0.80, 0.95] to [0, 1].
``semantic_across``
    the same value when the two are written in different languages, else 0: there
    the word and character features see nothing in common and only the embedding
    can tell, so it earns its own weight.
``title``
    cosine of the titles' character trigrams (place names and stopwords left out):
    near-identical titles in a common country and period are almost always one work.
``places``
    Jaccard index of the covered countries.
``priorities``
    Jaccard index of the GMG priority codes.
``target_groups``
    Jaccard index of the target groups (0 when either side names none).
``period``
    overlap in days / 180, capped at 1 (1 when both are open-ended).

The text is what ``text.document`` makes of title + description: place names,
stopwords and accents removed (see ``overlaps.engine.text``); the embedding reads the
title and description as written.

**What the score means.** ``score = 1 / (1 + exp(-(bias + sum(weights[f] *
feature[f]))))``, rounded to 4 places: the probability, by a logistic model, that the
two activities are the same work. A pair at 0.5 is a coin toss in a portal of 300
activities or of 100,000. ``WEIGHTS`` were fitted by ``benchmarks/fit_score.py`` on
labelled sets that no figure in BENCHMARKS.md is measured on; a refit on the
secretariat's decisions (``overlaps.learning``, ``overlaps.calibration``) moves them and
keeps that meaning. A pair is reported when ``score >= threshold`` (``DEFAULT_THRESHOLD``
0.3: a 30 % chance is worth a person's look) or when it is joint work. Every entry
point takes the weights and threshold as required arguments: the service layer
resolves them once.

Joint work: both activities belong to the same joint initiative (always
reported), or one lists the other's agency as partner (reported as joint only
when the score reaches the threshold: partners doing unrelated things in the
same country are not joint work on a subject).

The gate: a pair reaches scoring when its distinctive words meet
(``text_distinct`` cosine >= ``PREFILTER_FLOOR`` before any stand-in) or its
embeddings do (cosine >= ``SEMANTIC_FLOOR``, or ``SEMANTIC_FLOOR_ACROSS`` when the two
are written in different languages), or when it is one initiative's work.
The scan's prefilter drops the others, and the checks apply the same gate.

The scan, the check on save and the draft check compute features with the functions
below (``text_cosines`` then ``assemble``) from rows encoded by one encoder, so a pair
scores exactly the same whichever path scores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.utils.translation import gettext_lazy as _
from scipy import sparse

from .loading import Profile
from .textmodel import TextModel, Vectors, rowdot, shared_terms_of

# A logistic model: score = 1 / (1 + exp(-(bias + sum(weights[f] * feature[f])))), the
# probability that the pair is the same work. Fitted by ``benchmarks/fit_score.py`` on the
# generator's "tune" split and on the "tutor" set (written by hand by someone who never
# saw the engine), each set weighing the same; never on the held-out sets the figures in
# BENCHMARKS.md come from. A refit on people's decisions (``overlaps.learning``) moves
# these numbers and keeps the meaning of the score.
BIAS = "bias"
WEIGHTS: dict = {
    "bias": -12.03,
    "text_char": 0.0,
    "text_word": 0.0,
    "text_lsa": 10.41,
    "text_distinct": 7.44,
    "priorities": 3.54,
    "target_groups": 2.66,
    "period": 1.34,
    "semantic": 0.0,
    # The embedding's similarity counted again when the two are written in different
    # languages: there the word and character features are blind, and only it can speak.
    "semantic_across": 15.06,
    "title": 4.36,
    # Jaccard index of the covered countries: work on the same places, not a region-wide
    # programme against one country in it.
    "places": 0.26,
}
FEATURES = tuple(f for f in WEIGHTS if f != BIAS)
# Reported when the model gives at least this chance that the two are the same work. Low
# on purpose: for the secretariat a missed duplicate costs far more than a pair dismissed.
DEFAULT_THRESHOLD: float = 0.3
# The band of embedding cosines the model uses (see semantic_scale).
SEMANTIC_LOW, SEMANTIC_HIGH = 0.80, 0.95
# The gate before scoring. A pair reaches scoring when its distinctive words meet
# (cosine >= PREFILTER_FLOOR) or, whatever its words, its embeddings do (cosine >=
# SEMANTIC_FLOOR): the second source is what finds the same work described in another
# language or another vocabulary.
PREFILTER_FLOOR = 0.08
# Across languages the words never meet, so the embeddings alone must let the pair through;
# within a language they only add the near-paraphrases the words missed. Within a language
# the model's cosines sit high for any two texts on one subject (0.90-0.94 for different
# programmes of one subject on the generator's large register): at 0.90 that path let 98 %
# of the scan's pairs through at 10,000 activities and grew with the square of the register,
# while on every labelled set it added at most 2 gold pairs, none scoring at the threshold.
# At 0.95 it keeps the near-identical texts the words missed and little else.
SEMANTIC_FLOOR = 0.95
SEMANTIC_FLOOR_ACROSS = 0.85
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
        self.lang = np.zeros(n, dtype=np.int64)
        self.present = np.zeros(n, dtype=bool)
        self.places = sparse.csr_matrix((n, PLACE_COLUMNS), dtype=np.float64)
        slugs = sorted({s for p in profiles.values() for s in p.target_groups})
        self.tg_bit = {s: i % 62 for i, s in enumerate(slugs)}
        for pid, p in profiles.items():
            i = model.index.get(pid)
            if i is None:
                continue
            self.present[i] = True
            self.agency[i] = p.agency_id
            self.start[i], self.end[i], self.prio[i], self.tg[i], self.lang[i] = self.scalars(p)
        rows = [(model.index[pid], p) for pid, p in profiles.items() if pid in model.index]
        self.places = place_rows([p for _i, p in rows], [i for i, _p in rows], n)

    def scalars(self, p: Profile) -> tuple[int, int, int, int, int]:
        """(start, end, priorities mask, target groups mask, language) of any profile."""
        return (
            p.start.toordinal(),
            p.end.toordinal() if p.end is not None else OPEN_END,
            _mask(p.priorities, lambda c: ord(c) - ord("a")),
            _mask(p.target_groups, self.tg_bit.get),
            language_code(p.language),
        )

    def side(self, rows) -> tuple:
        return (
            self.start[rows],
            self.end[rows],
            self.prio[rows],
            self.tg[rows],
            self.lang[rows],
            self.places[rows],
        )

    def sides_of(self, profiles: list[Profile]) -> tuple:
        """``side`` for profiles outside the columns (a checked activity, a draft)."""
        values = np.array([self.scalars(p) for p in profiles], dtype=np.int64).reshape(-1, 5)
        places = place_rows(profiles, range(len(profiles)), len(profiles))
        return (*(values[:, i] for i in range(5)), places)


# Covered countries as a binary row, one column per possible ISO 3166 alpha-3 code: the
# same column for a code in any corpus, so a row needs nothing learnt.
PLACE_COLUMNS = 26**3


def _place_column(iso3: str) -> int:
    code = (iso3.upper() + "AAA")[:3]
    return sum((ord(c) - 65) % 26 * 26**k for k, c in enumerate(reversed(code)))


def place_rows(profiles, rows, n) -> sparse.csr_matrix:
    """The covered countries of ``profiles`` at ``rows`` of an n-row binary matrix."""
    r, c = [], []
    for row, p in zip(rows, profiles, strict=True):
        for iso3 in sorted(p.countries):
            r.append(row)
            c.append(_place_column(iso3))
    M = sparse.csr_matrix(
        (np.ones(len(r)), (np.array(r, dtype=np.int64), np.array(c, dtype=np.int64))),
        shape=(n, PLACE_COLUMNS),
    )
    M.sort_indices()
    return M


def language_code(language: str) -> int:
    """0 for an unknown language (never "across"), else a number per language."""
    language = (language or "").strip().lower()
    return int.from_bytes(language.encode()[:4].ljust(4, b"\0"), "big") if language else 0


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


def semantic_cosine(Ea: np.ndarray, Eb: np.ndarray) -> np.ndarray:
    """Cosine of aligned embedding rows, summed in one order on every path."""
    return np.einsum("ij,ij->i", Ea, Eb).astype(np.float64)


def text_cosines(a: Vectors, b: Vectors) -> tuple[np.ndarray, ...]:
    """(char, word, lsa, distinct, title, embedding) cosines of aligned rows; lsa is
    word's without LSA."""
    text_char = rowdot(a.Xc, b.Xc)
    text_word = rowdot(a.Xw, b.Xw)
    text_distinct = rowdot(a.Xp, b.Xp)
    if a.Z is not None and b.Z is not None:
        text_lsa = np.einsum("ij,ij->i", a.Z, b.Z).astype(np.float64)
    else:
        text_lsa = text_word
    return (
        text_char,
        text_word,
        text_lsa,
        text_distinct,
        rowdot(a.Xt, b.Xt),
        semantic_cosine(a.E, b.E),
    )


def across_languages(lang_a, lang_b) -> np.ndarray:
    return (lang_a != lang_b) & (lang_a != 0) & (lang_b != 0)


def semantic_gate(cosine: np.ndarray, lang_a, lang_b) -> np.ndarray:
    """The second source of the gate: embeddings close enough for the pair's languages."""
    floor = np.where(across_languages(lang_a, lang_b), SEMANTIC_FLOOR_ACROSS, SEMANTIC_FLOOR)
    return cosine >= floor


def semantic_scale(cosine: np.ndarray) -> np.ndarray:
    """The embedding cosine on [0, 1]: this model puts any two texts about migration
    between 0.80 and 0.95, so that band is what is stretched (a property of the model,
    not of the corpus)."""
    return np.clip((cosine - SEMANTIC_LOW) / (SEMANTIC_HIGH - SEMANTIC_LOW), 0.0, 1.0)


def assemble(cosines, small: bool, side_a, side_b) -> dict[str, np.ndarray]:
    """The feature columns from the text cosines and both sides' (start, end, prio, tg,
    language)."""
    text_char, text_word, text_lsa, text_distinct, title, embedding = cosines
    if small:
        # Too few activities to learn topics or distinctive words (see LSA_MIN_DOCS).
        text_lsa = text_distinct = text_char
    start_a, end_a, prio_a, tg_a, lang_a, places_a = side_a
    start_b, end_b, prio_b, tg_b, lang_b, places_b = side_b
    overlap = np.minimum(end_a, end_b) - np.maximum(start_a, start_b) + 1
    both_open = (end_a == OPEN_END) & (end_b == OPEN_END)
    period = np.where(both_open, 1.0, np.clip(overlap / PERIOD_FULL_DAYS, 0.0, 1.0))
    semantic = semantic_scale(embedding)
    across = across_languages(lang_a, lang_b)
    return {
        "text_char": np.clip(text_char, 0.0, 1.0),
        "text_word": np.clip(text_word, 0.0, 1.0),
        "text_lsa": np.clip(text_lsa, 0.0, 1.0),
        "text_distinct": np.clip(text_distinct, 0.0, 1.0),
        "priorities": _jaccard(prio_a, prio_b),
        "target_groups": _jaccard(tg_a, tg_b),
        "period": period,
        "semantic": semantic,
        "semantic_across": np.where(across, semantic, 0.0),
        "title": np.clip(title, 0.0, 1.0),
        "places": _place_jaccard(places_a, places_b),
    }


def _place_jaccard(A, B) -> np.ndarray:
    """Jaccard index of the covered countries: 1 for the same places, small for a region
    (or the world) against one of its countries."""
    inter = rowdot(A, B)
    union = np.asarray(A.sum(axis=1)).ravel() + np.asarray(B.sum(axis=1)).ravel() - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def row_features(model: TextModel, cols: Columns, a, b) -> dict[str, np.ndarray]:
    """Feature columns for the pairs of model rows (a[i], b[i])."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    vectors = model.vectors
    cosines = text_cosines(vectors.take(a), vectors.take(b))
    return assemble(cosines, model.small, cols.side(a), cols.side(b))


def combine(feats: dict[str, np.ndarray], weights: dict) -> np.ndarray:
    """The probability that each pair is the same work: a logistic model of the features."""
    z = weights[BIAS] + sum(weights[f] * feats[f] for f in FEATURES)
    return np.round(1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64))), 4)


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
