"""Cross-agency overlap detection.

Two activities of different agencies *overlap* when they work on the same
subject, in at least one common country, during overlapping periods. A region
covers every one of its countries and "World" (M49 001) covers all of them; an
activity without an end date is still running.

How a pair is scored
--------------------
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

Before the text features are built, place names are removed: every word of the
English, French and Spanish names of countries and regions, demonyms derived
from them and capital cities. Two unrelated activities that both mention
"Kenya" and "Nairobi" ten times are not made similar by it. Accents are folded,
English/French/Spanish stopwords dropped.

``score = sum(WEIGHTS[f] * feature[f])``, rounded to 4 places. WEIGHTS sum to 1
so the score is in [0, 1]. A pair is reported when ``score >= DEFAULT_THRESHOLD``
(0.32; weights and threshold fitted by logistic regression on the tuning split of
``overlaps.evaluation``, see BENCHMARKS.md)
or when it is joint work.

Joint work: both activities belong to the same joint initiative (always
reported), or one lists the other's agency as partner (reported as joint only
when the score reaches the threshold: partners doing unrelated things in the
same country are not joint work on a subject).

Keeping a full scan tractable
-----------------------------
Scoring all pairs of 100,000 activities (5e9) is out of the question, and even
country x period candidates run to tens of millions where thousands of
activities work in one country. The scan therefore:

1. builds an inverted index country -> activity rows (global activities are
   kept out of it and handled as one separate block against everything);
2. for each country computes, as one sparse matrix product, the similarity of
   *distinctive* words (stems present in at most ``PREFILTER_MAX_DF`` of all
   activities) between the activities of that country; only pairs with
   ``prefilter >= PREFILTER_FLOOR`` go on. Common words ("migration",
   "migrants") are left out of this product, which keeps it sparse;
3. checks agencies and periods on those survivors with numpy, deduplicates
   pairs seen through several countries (np.unique on int64 keys), and scores
   them in vectorised chunks.

Memory is bounded by the matrices (one row per activity) and the survivors of
the prefilter; no all-pairs structure is ever built. A pair with no distinctive
term in common is never reported; ``check_activity`` applies the same gate so
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

import hashlib
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
from django.utils.translation import gettext_lazy as _
from scipy import sparse
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
    TfidfTransformer,
)
from sklearn.preprocessing import normalize

logger = logging.getLogger(__name__)

# Fitted with overlaps.learning.fit_weights on the "tune" split of overlaps.evaluation
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
# practice (see the evaluation); the gate is what keeps the scan sparse.
PREFILTER_FLOOR = 0.08
PREFILTER_MAX_DF = 0.15
PREFILTER_MIN_DF = 200
PERIOD_FULL_DAYS = 180
# Latent semantic analysis: words of one subject co-occur across the corpus, so
# paraphrases with different vocabulary land close together.
LSA_DIMS = 64
LSA_SAMPLE = 20_000
# Latent topics need a corpus to be learnt from: on a few dozen activities every text about
# migration looks alike in them. Below this size character n-grams stand in (module docstring).
LSA_MIN_DOCS = 300
WORLD = "001"
OPEN_END = date.max.toordinal()
MAX_REASON_COUNTRIES = 20
CHUNK = 50_000

REASON_LABELS = {
    "countries": _("Common countries"),
    "overlap_days": _("Days both run"),
    "priorities": _("Common priorities"),
    "target_groups": _("Common target groups"),
    "text_similarity": _("Text similarity"),
    "shared_terms": _("Shared terms"),
}


@dataclass(frozen=True)
class Profile:
    id: int
    agency_id: int
    title: str
    description: str
    start: date
    end: date | None
    countries: frozenset
    priorities: frozenset = frozenset()
    target_groups: frozenset = frozenset()
    partner_ids: frozenset = frozenset()
    initiative_id: int | None = None
    is_global: bool = False


@dataclass
class Score:
    value: float
    joint: bool
    reasons: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- loading


def load_profiles(ids=None) -> dict[int, Profile]:
    """Profiles of activities (all but cancelled when ``ids`` is None) in eight queries."""
    from activities.models import Activity
    from geo.models import Country, Region

    qs = Activity.objects.exclude(status=Activity.Status.CANCELLED).order_by()
    through_filter = {}
    if ids is not None:
        ids = sorted({int(i) for i in ids})
        qs = qs.filter(pk__in=ids)
        through_filter = {"activity_id__in": ids}
    rows = list(
        qs.values_list(
            "id", "agency_id", "title", "description", "start_date", "end_date", "initiative_id"
        )
    )
    if not rows:
        return {}

    def pairs(through, column):
        out = defaultdict(set)
        for aid, value in through.objects.filter(**through_filter).values_list(
            "activity_id", column
        ):
            out[aid].add(value)
        return out

    countries = pairs(Activity.countries.through, "country_id")
    regions = pairs(Activity.regions.through, "region_id")
    priorities = pairs(Activity.priorities.through, "priority__code")
    groups = pairs(Activity.target_groups.through, "targetgroup__slug")
    partners = pairs(Activity.partners.through, "agency_id")
    region_members = defaultdict(set)
    for code, iso3 in Region.countries.through.objects.values_list("region_id", "country_id"):
        region_members[code].add(iso3)
    # World may not list its members in every database; it covers all countries anyway.
    region_members[WORLD] = set(Country.objects.values_list("iso3", flat=True))

    out = {}
    for aid, agency_id, title, description, start, end, initiative_id in rows:
        covered = set(countries.get(aid, ()))
        act_regions = regions.get(aid, ())
        for code in act_regions:
            covered |= region_members.get(code, set())
        out[aid] = Profile(
            id=aid,
            agency_id=agency_id,
            title=title or "",
            description=description or "",
            start=start,
            end=end,
            countries=frozenset(covered),
            priorities=frozenset(priorities.get(aid, ())),
            target_groups=frozenset(groups.get(aid, ())),
            partner_ids=frozenset(partners.get(aid, ())),
            initiative_id=initiative_id,
            is_global=WORLD in act_regions,
        )
    return out


def material_fingerprint(profile: Profile) -> str:
    parts = [
        profile.title.strip(),
        profile.description.strip(),
        ",".join(sorted(profile.countries)),
        profile.start.isoformat() if profile.start else "",
        profile.end.isoformat() if profile.end else "",
        ",".join(sorted(profile.priorities)),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# --------------------------------------------------------------------------- text

STOPWORDS = set(ENGLISH_STOP_WORDS) | {
    "le",
    "la",
    "les",
    "de",
    "des",
    "du",
    "un",
    "une",
    "et",
    "en",
    "au",
    "aux",
    "pour",
    "par",
    "sur",
    "dans",
    "avec",
    "ou",
    "que",
    "qui",
    "est",
    "sont",
    "ce",
    "ces",
    "son",
    "sa",
    "ses",
    "leur",
    "leurs",
    "ne",
    "pas",
    "plus",
    "entre",
    "afin",
    "notamment",
    "el",
    "los",
    "las",
    "del",
    "y",
    "o",
    "para",
    "por",
    "con",
    "sin",
    "sobre",
    "una",
    "unos",
    "unas",
    "se",
    "su",
    "sus",
    "al",
    "como",
    "este",
    "esta",
    "estos",
    "estas",
    "mediante",
    "activity",
    "activities",
    "project",
    "programme",
    "program",
    "support",
    "agency",
    "agencies",
    "national",
    "government",
    "governments",
    "countries",
    "country",
    "region",
    "regional",
    "including",
    "strengthen",
    "strengthening",
}
CAPITALS = [
    "nairobi",
    "mombasa",
    "addis",
    "ababa",
    "kampala",
    "juba",
    "khartoum",
    "mogadishu",
    "djibouti",
    "dakar",
    "bamako",
    "niamey",
    "ouagadougou",
    "abuja",
    "lagos",
    "accra",
    "abidjan",
    "conakry",
    "freetown",
    "monrovia",
    "tripoli",
    "tunis",
    "algiers",
    "rabat",
    "casablanca",
    "cairo",
    "amman",
    "beirut",
    "damascus",
    "baghdad",
    "ankara",
    "istanbul",
    "kabul",
    "islamabad",
    "karachi",
    "lahore",
    "dhaka",
    "kathmandu",
    "colombo",
    "delhi",
    "mumbai",
    "bangkok",
    "manila",
    "jakarta",
    "hanoi",
    "yangon",
    "phnom",
    "penh",
    "kuala",
    "lumpur",
    "bishkek",
    "dushanbe",
    "tashkent",
    "almaty",
    "astana",
    "moscow",
    "kyiv",
    "chisinau",
    "tbilisi",
    "yerevan",
    "baku",
    "athens",
    "rome",
    "madrid",
    "paris",
    "berlin",
    "brussels",
    "geneva",
    "vienna",
    "warsaw",
    "budapest",
    "sarajevo",
    "belgrade",
    "skopje",
    "tirana",
    "lima",
    "quito",
    "bogota",
    "caracas",
    "santiago",
    "buenos",
    "aires",
    "montevideo",
    "asuncion",
    "la",
    "paz",
    "brasilia",
    "sao",
    "paulo",
    "mexico",
    "tegucigalpa",
    "guatemala",
    "salvador",
    "managua",
    "panama",
    "havana",
    "kingston",
    "santo",
    "domingo",
    "port",
    "prince",
    "harare",
    "lusaka",
    "lilongwe",
    "maputo",
    "pretoria",
    "johannesburg",
    "gaborone",
    "windhoek",
    "kinshasa",
    "kigali",
    "bujumbura",
    "dodoma",
    "dar",
    "salaam",
    "antananarivo",
    "ndjamena",
    "yaounde",
    "douala",
    "bangui",
    "libreville",
]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


_WORD = re.compile(r"[a-z]+")


def _demonyms(word: str) -> set:
    stem = word[:-1] if word[-1] in "aeiouy" else word
    return {word + "n", word + "ns", stem + "an", stem + "ian", stem + "ese", word + "i"}


@lru_cache(maxsize=1)
def place_words() -> frozenset:
    """Every word of country and region names (en/fr/es), their demonyms, and capitals."""
    from geo.models import Country, Region

    names = []
    for row in Country.objects.values_list("name", "name_fr", "name_es"):
        names.extend(row)
    names.extend(Region.objects.values_list("name", flat=True))
    words = set(CAPITALS)
    for name in names:
        for word in _WORD.findall(_fold(name or "")):
            if len(word) < 3 or word in STOPWORDS:
                continue
            words.add(word)
            words |= _demonyms(word)
    # Region names are built from compass words; their adjectives are places too.
    words |= {"african", "asian", "european", "american", "arab", "sahel", "sahelian"}
    return frozenset(words)


_SUFFIXES = sorted(
    [
        "ations",
        "ation",
        "ations",
        "ions",
        "ion",
        "ings",
        "ing",
        "ers",
        "er",
        "ies",
        "ied",
        "es",
        "s",
        "ments",
        "ment",
        "ities",
        "ity",
        "als",
        "al",
        "ives",
        "ive",
        "ed",
        "ly",
        "ances",
        "ance",
        "ences",
        "ence",
    ],
    key=len,
    reverse=True,
)


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def tokens(text: str, places: frozenset | None = None) -> list[str]:
    places = place_words() if places is None else places
    return [
        w
        for w in _WORD.findall(_fold(text))
        if len(w) >= 3 and w not in STOPWORDS and w not in places
    ]


def _identity(x):
    return x


class TextModel:
    """TF-IDF vectors (character n-grams and word stems) of a corpus, one row per activity."""

    def __init__(self):
        self.index: dict[int, int] = {}
        self.ids: np.ndarray = np.zeros(0, dtype=np.int64)
        self.small = False

    @classmethod
    def fit(cls, profiles) -> TextModel:
        profiles = list(profiles.values()) if isinstance(profiles, dict) else list(profiles)
        profiles.sort(key=lambda p: p.id)
        model = cls()
        model.ids = np.array([p.id for p in profiles], dtype=np.int64)
        model.index = {p.id: i for i, p in enumerate(profiles)}
        docs = [tokens(f"{p.title} {p.description}") for p in profiles]
        model.words = CountVectorizer(analyzer=_identity, dtype=np.float32)
        raw = model.words.fit_transform(docs)
        vocab = model.words.get_feature_names_out()
        # char_wb n-grams never cross a word boundary, so a document's n-gram counts are
        # its word counts times each word's n-grams: the analyser runs once per distinct
        # word instead of once per word occurrence.
        model.chars = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), dtype=np.float32)
        word_chars = model.chars.fit_transform(list(vocab) or ["x"])
        model.char_tfidf = TfidfTransformer(sublinear_tf=True)
        model.Xc = model.char_tfidf.fit_transform(raw @ word_chars).tocsr()

        stems = [_stem(w) for w in vocab]
        model.stem_vocab = sorted(set(stems))
        stem_index = {s: i for i, s in enumerate(model.stem_vocab)}
        model.surface = {}
        for w in vocab:
            model.surface.setdefault(_stem(w), w)
        to_stem = sparse.csr_matrix(
            (np.ones(len(vocab)), (list(range(len(vocab))), [stem_index[s] for s in stems])),
            shape=(len(vocab), max(len(model.stem_vocab), 1)),
        )
        model._to_stem_cols = np.array([stem_index[s] for s in stems], dtype=np.int64)
        counts = (raw @ to_stem).tocsr()
        model.word_tfidf = TfidfTransformer(sublinear_tf=True)
        model.Xw = model.word_tfidf.fit_transform(counts).tocsr()
        df = np.diff(counts.tocsc().indptr)
        # In a small corpus every word is rare enough to keep the product cheap.
        limit = max(PREFILTER_MAX_DF * len(profiles), PREFILTER_MIN_DF)
        model.distinctive = (df <= limit).astype(np.float64)
        model.Xp = model._prefilter_matrix(model.Xw)
        # Too few activities to learn topics or which words are distinctive: the character
        # n-gram similarity then stands in for both (see _text_features).
        model.small = len(profiles) < LSA_MIN_DOCS
        k = min(LSA_DIMS, model.Xw.shape[1] - 1, len(profiles) // 4)
        model.svd = None
        model.Z = None
        if k >= 8 and len(profiles) >= LSA_MIN_DOCS:
            from sklearn.decomposition import TruncatedSVD

            model.svd = TruncatedSVD(k, algorithm="randomized", n_iter=4, random_state=0)
            sample = model.Xw
            if sample.shape[0] > LSA_SAMPLE:
                # A fixed sample is enough to find the subjects and keeps fit time flat.
                rows = np.random.RandomState(0).choice(sample.shape[0], LSA_SAMPLE, replace=False)
                sample = sample[np.sort(rows)]
            model.svd.fit(sample)
            model.Z = model._lsa(model.Xw)
        return model

    def _lsa(self, Xw):
        if self.svd is None:
            return None
        return normalize(self.svd.transform(Xw)).astype(np.float32)

    def _prefilter_matrix(self, Xw):
        kept = Xw @ sparse.diags(self.distinctive)
        return normalize(kept.tocsr(), copy=False)

    def transform(self, profiles: Iterable[Profile]):
        """(Xc, Xw, Xp) rows for profiles outside the corpus (or with changed text)."""
        # The title counts twice, as in ``fit``.
        docs = [tokens(f"{p.title} {p.title} {p.description}") for p in profiles]
        vocab = sorted({w for d in docs for w in d})
        index = {w: i for i, w in enumerate(vocab)}
        r, c, v = [], [], []
        for i, d in enumerate(docs):
            counts = defaultdict(int)
            for w in d:
                counts[index[w]] += 1
            for j, n in counts.items():
                r.append(i)
                c.append(j)
                v.append(n)
        raw = sparse.csr_matrix((v, (r, c)), shape=(len(docs), len(vocab)))
        word_chars = self.chars.transform(vocab or ["x"])[: len(vocab)]
        Xc = self.char_tfidf.transform(raw @ word_chars).tocsr()
        stem_index = {s: i for i, s in enumerate(self.stem_vocab)}
        cols = [stem_index.get(_stem(w), -1) for w in vocab]
        keep = [i for i, col in enumerate(cols) if col >= 0]
        to_stem = sparse.csr_matrix(
            (np.ones(len(keep)), (keep, [cols[i] for i in keep])),
            shape=(len(vocab), max(len(self.stem_vocab), 1)),
        )
        Xw = self.word_tfidf.transform((raw @ to_stem).tocsr()).tocsr()
        return Xc, Xw, self._prefilter_matrix(Xw), self._lsa(Xw)

    def add(self, profiles: Iterable[Profile]) -> None:
        """Append or replace rows (keeps the fitted vocabulary and IDF)."""
        profiles = sorted(profiles, key=lambda p: p.id)
        if not profiles:
            return
        Xc, Xw, Xp, Z = self.transform(profiles)
        new_rows = []
        for i, p in enumerate(profiles):
            if p.id in self.index:
                new_rows.append(i)
        keep = [i for i in range(len(profiles)) if i not in set(new_rows)]
        replace = {profiles[i].id: i for i in new_rows}
        if replace:
            rows = [self.index[pid] for pid in replace]
            src = list(replace.values())
            self.Xc = _replace_rows(self.Xc, rows, Xc[src])
            self.Xw = _replace_rows(self.Xw, rows, Xw[src])
            self.Xp = _replace_rows(self.Xp, rows, Xp[src])
            if Z is not None:
                self.Z[rows] = Z[src]
        if keep:
            start = len(self.ids)
            self.Xc = sparse.vstack([self.Xc, Xc[keep]]).tocsr()
            self.Xw = sparse.vstack([self.Xw, Xw[keep]]).tocsr()
            self.Xp = sparse.vstack([self.Xp, Xp[keep]]).tocsr()
            if Z is not None:
                self.Z = np.vstack([self.Z, Z[keep]])
            self.ids = np.concatenate([self.ids, [profiles[i].id for i in keep]])
            for k, i in enumerate(keep):
                self.index[profiles[i].id] = start + k

    def similarity(self, id_a: int, id_b: int) -> float:
        a, b = self.index[id_a], self.index[id_b]
        return float(_rowdot(self.Xc, [a], [b])[0])

    def word_similarity(self, id_a: int, id_b: int) -> float:
        a, b = self.index[id_a], self.index[id_b]
        return float(_rowdot(self.Xw, [a], [b])[0])

    def shared_terms(self, id_a: int, id_b: int, limit: int = 8) -> list[str]:
        return _shared_terms_of(self, self.index[id_a], self.index[id_b], limit)


def _replace_rows(M, rows, new):
    M = M.tolil()
    for k, r in enumerate(rows):
        M[r] = new[k]
    return M.tocsr()


def _rowdot(X, a_idx, b_idx) -> np.ndarray:
    if len(a_idx) == 0:
        return np.zeros(0)
    return np.asarray(X[a_idx].multiply(X[b_idx]).sum(axis=1)).ravel()


# --------------------------------------------------------------------------- arrays


class _Arrays:
    """Per-activity columns aligned with the text model's rows, for vectorised checks."""

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
            self.start[i] = p.start.toordinal()
            if p.end is not None:
                self.end[i] = p.end.toordinal()
            self.prio[i] = _mask(p.priorities, lambda c: ord(c) - ord("a"))
            self.tg[i] = _mask(p.target_groups, self.tg_bit.get)


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


def _features(model, arr, a, b) -> dict[str, np.ndarray]:
    """Feature columns for the row pairs (a[i], b[i])."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    Xc_a = model.Xc[a]
    Xw_a = model.Xw[a]
    text_char = np.asarray(Xc_a.multiply(model.Xc[b]).sum(axis=1)).ravel()
    text_word = np.asarray(Xw_a.multiply(model.Xw[b]).sum(axis=1)).ravel()
    text_distinct = np.asarray(model.Xp[a].multiply(model.Xp[b]).sum(axis=1)).ravel()
    if model.Z is not None:
        text_lsa = np.einsum("ij,ij->i", model.Z[a], model.Z[b]).astype(np.float64)
    else:
        text_lsa = text_word
    return _assemble(
        text_char,
        text_word,
        text_lsa,
        text_distinct,
        model.small,
        (arr.start[a], arr.end[a], arr.prio[a], arr.tg[a]),
        (arr.start[b], arr.end[b], arr.prio[b], arr.tg[b]),
    )


def _assemble(text_char, text_word, text_lsa, text_distinct, small, side_a, side_b):
    """The feature columns from the text cosines and both sides' (start, end, prio, tg).

    Shared by the scan and the incremental check so the two can never score differently.
    """
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


def _combine(feats: dict[str, np.ndarray], weights=None) -> np.ndarray:
    weights = WEIGHTS if weights is None else weights
    total = sum(weights[f] * feats[f] for f in FEATURES)
    return np.round(np.clip(total, 0.0, 1.0), 4)


# --------------------------------------------------------------------------- pairs


def _periods_overlap(pa: Profile, pb: Profile) -> bool:
    return (pa.end is None or pa.end >= pb.start) and (pb.end is None or pb.end >= pa.start)


def _is_joint_link(pa: Profile, pb: Profile) -> bool:
    return pb.agency_id in pa.partner_ids or pa.agency_id in pb.partner_ids


def _same_initiative(pa: Profile, pb: Profile) -> bool:
    return pa.initiative_id is not None and pa.initiative_id == pb.initiative_id


def _reasons(pa: Profile, pb: Profile, model: TextModel, feats: dict, terms=True) -> dict:
    common = sorted(pa.countries & pb.countries)
    countries = common[:MAX_REASON_COUNTRIES]
    if pa.end is None and pb.end is None:
        days = None
    else:
        end = min(d for d in (pa.end, pb.end) if d is not None)
        days = (end - max(pa.start, pb.start)).days + 1
    reasons = {
        "countries": countries,
        "overlap_days": days,
        "priorities": sorted(pa.priorities & pb.priorities),
        "target_groups": sorted(pa.target_groups & pb.target_groups),
        "text_similarity": round(float(feats["text_char"]), 4),
        "shared_terms": (
            model.shared_terms(pa.id, pb.id) if terms and pa.id in model.index else []
        ),
        "features": {f: round(float(feats[f]), 4) for f in FEATURES},
    }
    if len(common) > MAX_REASON_COUNTRIES:
        reasons["count"] = len(common)
    if pa.is_global or pb.is_global:
        reasons["global"] = True
    return reasons


def score_pair(pa: Profile, pb: Profile, text_model: TextModel, weights=None) -> Score | None:
    """Score of one pair, or None when it is not a candidate at all."""
    if pa.agency_id == pb.agency_id or not _periods_overlap(pa, pb):
        return None
    if not (pa.countries & pb.countries):
        return None
    for p in (pa, pb):
        if p.id not in text_model.index:
            text_model.add([p])
    arr = _Arrays({pa.id: pa, pb.id: pb}, text_model)
    feats = _features(text_model, arr, [text_model.index[pa.id]], [text_model.index[pb.id]])
    feats = {k: v[0] for k, v in feats.items()}
    value = float(_combine(feats, weights))
    threshold = DEFAULT_THRESHOLD
    joint = _same_initiative(pa, pb) or (_is_joint_link(pa, pb) and value >= threshold)
    return Score(value=value, joint=joint, reasons=_reasons(pa, pb, text_model, feats))


def candidate_pairs(profiles: dict[int, Profile]) -> Iterator[tuple[int, int]]:
    """Every candidate pair (a < b) once: shared covered country, overlapping periods.

    Inverted index country -> ids sorted by start; a sweep line over each list keeps
    only the activities still running. A pair is emitted by the lowest country the
    two share (global activities by their own pass), so nothing is stored to dedupe.
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


# --------------------------------------------------------------------------- scan


def blocks(profiles: dict[int, Profile], n: int) -> list[list[int]]:
    """Split activity ids into n independent blocks (by id % n) for parallel scans."""
    out = [[] for _ in range(max(n, 1))]
    for pid in sorted(profiles):
        out[pid % len(out)].append(pid)
    return out


def _survivors(model, arr, rows_by_country, global_rows, owner_mask) -> np.ndarray:
    """int64 keys a*N+b (row indices, a<b) of candidate pairs passing the text gate."""
    n = len(model.ids)
    keys = []
    Xp = model.Xp
    XpT = Xp.T.tocsr()

    def collect(rows_a, rows_b, S):
        S = S.tocoo()
        if S.nnz == 0:
            return
        sel = S.data >= PREFILTER_FLOOR
        ra = rows_a[S.row[sel]]
        rb = rows_b[S.col[sel]]
        swap = model.ids[ra] > model.ids[rb]
        lo, hi = np.where(swap, rb, ra), np.where(swap, ra, rb)
        ok = (lo != hi) & owner_mask[lo]
        ok &= arr.agency[lo] != arr.agency[hi]
        ok &= (arr.start[lo] <= arr.end[hi]) & (arr.start[hi] <= arr.end[lo])
        ok &= arr.present[lo] & arr.present[hi]
        if ok.any():
            keys.append(lo[ok] * n + hi[ok])

    for rows in rows_by_country:
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) < 2:
            continue
        for start in range(0, len(rows), 4000):
            part = rows[start : start + 4000]
            collect(part, rows, Xp[part] @ XpT[:, rows])
    if len(global_rows):
        global_rows = np.asarray(global_rows, dtype=np.int64)
        everyone = np.arange(n, dtype=np.int64)
        for start in range(0, len(global_rows), 500):
            part = global_rows[start : start + 500]
            collect(part, everyone, Xp[part] @ XpT)
    if not keys:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(keys))


def scan(
    profiles: dict[int, Profile] | None = None,
    text_model: TextModel | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Callable[[int, int], None] | None = None,
    only_ids: set | None = None,
    weights: dict | None = None,
) -> Iterator[tuple[int, int, Score]]:
    """Yield (a, b, score), a < b, for pairs with score >= threshold or joint work.

    With ``only_ids``, only pairs whose lower id is in it (see ``blocks``).
    """
    profiles = load_profiles() if profiles is None else profiles
    model = TextModel.fit(profiles) if text_model is None else text_model
    missing = [p for pid, p in profiles.items() if pid not in model.index]
    if missing:
        model.add(missing)
    arr = _Arrays(profiles, model)
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
    keys = _survivors(model, arr, rows_by_country, global_rows, owner)

    # Same joint initiative is reported whatever the text says.
    by_initiative = defaultdict(list)
    for pid in sorted(profiles):
        if profiles[pid].initiative_id is not None:
            by_initiative[profiles[pid].initiative_id].append(pid)
    extra = []
    n = len(model.ids)
    for members in by_initiative.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pa, pb = profiles[a], profiles[b]
                if not owner[model.index[a]]:
                    continue
                if pa.agency_id != pb.agency_id and _periods_overlap(pa, pb):
                    if pa.countries & pb.countries:
                        extra.append(model.index[a] * n + model.index[b])
    if extra:
        keys = np.unique(np.concatenate([keys, np.array(extra, dtype=np.int64)]))

    total = len(keys)
    done = 0
    for start in range(0, total, CHUNK):
        chunk = keys[start : start + CHUNK]
        ra, rb = chunk // n, chunk % n
        try:
            feats = _features(model, arr, ra, rb)
            values = _combine(feats, weights)
        except Exception:  # noqa: BLE001 - one bad chunk must not stop the scan
            logger.exception("Overlap scan: scoring chunk failed")
            done += len(chunk)
            continue
        for k in range(len(chunk)):
            try:
                a, b = int(model.ids[ra[k]]), int(model.ids[rb[k]])
                pa, pb = profiles[a], profiles[b]
                value = float(values[k])
                same_init = _same_initiative(pa, pb)
                if value < threshold and not same_init:
                    continue
                # Regions listed on both sides are expanded; the index already
                # guaranteed a common country unless the pair came from a global row.
                if not (pa.countries & pb.countries):
                    continue
                joint = same_init or (_is_joint_link(pa, pb) and value >= threshold)
                f = {name: feats[name][k] for name in FEATURES}
                reasons = _reasons(pa, pb, model, f, terms=False)
                reasons["shared_terms"] = _shared_terms_of(model, int(ra[k]), int(rb[k]))
                yield a, b, Score(value=value, joint=joint, reasons=reasons)
            except Exception:  # noqa: BLE001
                logger.exception("Overlap scan: pair %s failed", chunk[k])
        done += len(chunk)
        if progress:
            progress(done, total)
    if progress and total == 0:
        progress(0, 0)


def scan_block(block: Iterable[int], profiles=None, text_model=None, **kwargs):
    """One of ``blocks(...)``: the pairs whose lower id is in ``block``."""
    return scan(profiles, text_model, only_ids=set(block), **kwargs)


# --------------------------------------------------------------------------- incremental

_CACHE: dict = {}


def warm_cache(profiles=None, text_model=None) -> None:
    """Keep profiles and a fitted model in memory for ``check_activity`` (e.g. after a scan)."""
    profiles = load_profiles() if profiles is None else dict(profiles)
    model = TextModel.fit(profiles) if text_model is None else text_model
    by_country = defaultdict(list)
    globals_ = []
    for pid in sorted(profiles):
        p = profiles[pid]
        if p.is_global:
            globals_.append(pid)
        for c in p.countries:
            by_country[c].append(pid)
    _CACHE.clear()
    _CACHE.update(
        profiles=profiles,
        model=model,
        by_country={c: np.array(v, dtype=np.int64) for c, v in by_country.items()},
        globals=np.array(globals_, dtype=np.int64),
        max_id=max(profiles, default=0),
    )
    _CACHE["arrays"] = _Arrays(profiles, model)
    # Row of each activity id, and each row's initiative (-1: none), as arrays so that a
    # check over thousands of candidates stays vectorised.
    ids = np.array(sorted(model.index), dtype=np.int64)
    rows = np.array([model.index[i] for i in ids.tolist()], dtype=np.int64)
    _CACHE["row_of"] = lambda wanted: rows[
        np.clip(np.searchsorted(ids, wanted), 0, max(len(ids) - 1, 0))
    ][np.isin(wanted, ids)]
    initiative = np.full(len(model.ids), -1, dtype=np.int64)
    for pid, p in profiles.items():
        if p.initiative_id is not None and pid in model.index:
            initiative[model.index[pid]] = p.initiative_id
    _CACHE["initiative"] = initiative


def invalidate_cache() -> None:
    _CACHE.clear()


def _scalars(p: Profile, tg_bit: dict) -> tuple[int, int, int, int]:
    return (
        p.start.toordinal(),
        p.end.toordinal() if p.end is not None else OPEN_END,
        _mask(p.priorities, lambda c: ord(c) - ord("a")),
        _mask(p.target_groups, tg_bit.get),
    )


def _features_against(
    vecs, scalars, Xc, Xw, Xp, Z, start, end, prio, tg, small=False
) -> dict[str, np.ndarray]:
    """Features of one activity (its own vectors) against k others, as ``_features`` computes."""
    Xc_t, Xw_t, Xp_t, Z_t = vecs
    text_char = np.asarray((Xc @ Xc_t.T).todense()).ravel()
    text_word = np.asarray((Xw @ Xw_t.T).todense()).ravel()
    text_distinct = np.asarray((Xp @ Xp_t.T).todense()).ravel()
    text_lsa = (Z @ Z_t[0]).astype(np.float64) if Z is not None and Z_t is not None else text_word
    start_t, end_t, prio_t, tg_t = scalars
    k = len(start)
    target = (
        np.full(k, start_t, dtype=np.int64),
        np.full(k, end_t, dtype=np.int64),
        np.full(k, prio_t, dtype=np.int64),
        np.full(k, tg_t, dtype=np.int64),
    )
    return _assemble(
        text_char, text_word, text_lsa, text_distinct, small, target, (start, end, prio, tg)
    )


def _row_terms(model: TextModel, x):
    """(indices, data) of a row of model.Xw given by number, or of a 1-row matrix."""
    if isinstance(x, int):
        lo, hi = model.Xw.indptr[x], model.Xw.indptr[x + 1]
        return model.Xw.indices[lo:hi], model.Xw.data[lo:hi]
    return x.indices, x.data


def _shared_terms_of(model: TextModel, xa, xb, limit: int = 8) -> list[str]:
    """Shared word stems, strongest first; each side a row number of model.Xw or a 1-row matrix.

    Read straight from the CSR arrays: slicing a row out of a scipy matrix costs more
    than the whole comparison, and a scan does this for every pair it reports.
    """
    ia, da = _row_terms(model, xa)
    ib, db = _row_terms(model, xb)
    common, ka, kb = np.intersect1d(ia, ib, assume_unique=True, return_indices=True)
    if not len(common):
        return []
    weight = da[ka] * db[kb]
    order = np.lexsort((common, -weight))[:limit]
    return [
        model.surface.get(model.stem_vocab[c], model.stem_vocab[c]) for c in common[order].tolist()
    ]


def check_activity(activity_id: int, threshold: float = DEFAULT_THRESHOLD, weights=None):
    """Pairs of one (new or changed) activity with score >= threshold or joint work.

    The cache (``warm_cache``: every profile, the fitted text model and per-row arrays)
    is never rebuilt here, because that costs as much as a scan. The checked activity is
    reloaded from the database and encoded on its own; activities created or changed in
    this process since the cache was built live in a small overlay that every later check
    also searches. The next full scan (nightly) folds the overlay back into the cache.
    """
    from activities.models import Activity

    fresh = load_profiles([activity_id])
    if activity_id not in fresh:
        return []
    target = fresh[activity_id]
    if not _CACHE:
        warm_cache()
    profiles, model, arr = _CACHE["profiles"], _CACHE["model"], _CACHE["arrays"]
    overlay = _CACHE.setdefault("overlay", {})

    seen = _CACHE.get("max_seen", _CACHE["max_id"])
    new_ids = list(
        Activity.objects.filter(pk__gt=seen)
        .exclude(pk=activity_id)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    if new_ids:
        for p in load_profiles(new_ids).values():
            overlay[p.id] = (p, model.transform([p]))
        _CACHE["max_seen"] = max(new_ids)
    vecs = model.transform([target])
    overlay[activity_id] = (target, vecs)
    scalars = _scalars(target, arr.tg_bit)

    out = []

    def collect(others, feats, candidates=None):
        """Keep the pairs that reach the threshold (or share an initiative)."""
        values = _combine(feats, weights)
        same = (
            candidates["same_init"]
            if candidates is not None
            else np.array([_same_initiative(target, o) for o, _x in others], dtype=bool)
        )
        for k in np.flatnonzero((values >= threshold) | same).tolist():
            other, xb = others(k) if callable(others) else others[k]
            if not (target.countries & other.countries):
                continue
            f = {name: feats[name][k] for name in FEATURES}
            joint = bool(same[k]) or (_is_joint_link(target, other) and values[k] >= threshold)
            reasons = _reasons(target, other, model, f, terms=False)
            reasons["shared_terms"] = _shared_terms_of(model, vecs[1], xb)
            out.append((other.id, Score(float(values[k]), joint, reasons)))

    # Candidates in the cache: same country (or global), another agency, overlapping period.
    if target.is_global:
        rows = np.arange(len(model.ids), dtype=np.int64)
    else:
        parts = [_CACHE["by_country"].get(c) for c in target.countries]
        parts = [part for part in parts if part is not None] + [_CACHE["globals"]]
        cand = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        rows = _CACHE["row_of"](cand)
    if len(rows):
        start_t, end_t = scalars[0], scalars[1]
        ok = arr.present[rows] & (arr.agency[rows] != target.agency_id)
        ok &= (arr.start[rows] <= end_t) & (start_t <= arr.end[rows])
        # Rows that changed in this process are scored from the overlay instead.
        ok &= ~np.isin(model.ids[rows], np.fromiter(overlay, dtype=np.int64, count=len(overlay)))
        rows = rows[ok]
    if len(rows):
        gate = np.asarray((model.Xp[rows] @ vecs[2].T).todense()).ravel()
        initiative = _CACHE["initiative"][rows]
        same_init = (initiative >= 0) & (initiative == (target.initiative_id or -2))
        keep = (gate >= PREFILTER_FLOOR) | same_init
        rows, same_init = rows[keep], same_init[keep]
    if len(rows):
        feats = _features_against(
            vecs,
            scalars,
            model.Xc[rows],
            model.Xw[rows],
            model.Xp[rows],
            model.Z[rows] if model.Z is not None else None,
            arr.start[rows],
            arr.end[rows],
            arr.prio[rows],
            arr.tg[rows],
            small=model.small,
        )
        collect(
            lambda k: (profiles[int(model.ids[rows[k]])], int(rows[k])),
            feats,
            {"same_init": same_init},
        )

    # Candidates in the overlay (few): the same rules, pair by pair.
    extra = [
        (p, v)
        for pid, (p, v) in sorted(overlay.items())
        if pid != activity_id
        and p.agency_id != target.agency_id
        and _periods_overlap(target, p)
        and (target.countries & p.countries)
    ]
    if extra:
        sc = [_scalars(p, arr.tg_bit) for p, _v in extra]
        Z_parts = [v[3] for _p, v in extra]
        feats = _features_against(
            vecs,
            scalars,
            sparse.vstack([v[0] for _p, v in extra]).tocsr(),
            sparse.vstack([v[1] for _p, v in extra]).tocsr(),
            sparse.vstack([v[2] for _p, v in extra]).tocsr(),
            np.vstack(Z_parts) if all(z is not None for z in Z_parts) else None,
            np.array([x[0] for x in sc], dtype=np.int64),
            np.array([x[1] for x in sc], dtype=np.int64),
            np.array([x[2] for x in sc], dtype=np.int64),
            np.array([x[3] for x in sc], dtype=np.int64),
            small=model.small,
        )
        collect([(p, v[1]) for p, v in extra], feats)

    out.sort(key=lambda t: (-t[1].value, t[0]))
    return out


def pair_features(pa: Profile, pb: Profile, text_model: TextModel) -> dict[str, float]:
    """The feature values of one pair, exactly as the scan computes them."""
    for p in (pa, pb):
        if p.id not in text_model.index:
            text_model.add([p])
    arr = _Arrays({pa.id: pa, pb.id: pb}, text_model)
    feats = _features(text_model, arr, [text_model.index[pa.id]], [text_model.index[pb.id]])
    return {name: float(feats[name][0]) for name in FEATURES}
