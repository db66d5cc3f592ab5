"""``TextModel``: the vectors the text features are cosines of, one row per activity.

Fitted on a corpus (every activity a scan looks at), it learns the character n-gram and
word-stem vocabularies with their IDF, which stems are *distinctive* (in at most
``PREFILTER_MAX_DF`` of activities) and, on a corpus of at least ``LSA_MIN_DOCS``, a
latent semantic space. Each profile then has four vectors (``Vectors``): ``Xc`` character
n-grams, ``Xw`` word stems, ``Xp`` distinctive stems only, ``Z`` LSA (or None).

``fit`` and ``transform`` encode a profile through one path (``_encode``), so the row a
profile gets when the model is fitted on it is bit for bit the row ``transform`` gives it
later. Every row is canonical (sorted indices) and computed from that profile alone, which
is what lets a check on save score a pair exactly as the scan did.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from . import semantic, text
from .loading import DRAFT_ID, Profile

logger = logging.getLogger(__name__)
# More texts than this embedded in one go outside `embed_activities` is worth a warning.
EMBED_WARNING = 500

# Stems in at most this share of activities are distinctive (see scoring and fullscan).
PREFILTER_MAX_DF = 0.15
# In a small corpus every word is rare enough to keep the prefilter's product cheap.
PREFILTER_MIN_DF = 200
# Latent semantic analysis: words of one subject co-occur across the corpus, so
# paraphrases with different vocabulary land close together.
LSA_DIMS = 64
LSA_SAMPLE = 20_000
# Latent topics need a corpus to be learnt from: on a few dozen activities every text about
# migration looks alike in them. Below this size character n-grams stand in (see scoring).
LSA_MIN_DOCS = 300


class Vectors(NamedTuple):
    """Aligned rows of the encodings (``Z`` is None without LSA).

    ``Xt`` (title character trigrams) and ``E`` (sentence embeddings) do not depend on the
    corpus: a title or a text gets the same row in a portal of 300 activities or 100,000.
    """

    Xc: sparse.csr_matrix
    Xw: sparse.csr_matrix
    Xp: sparse.csr_matrix
    Z: np.ndarray | None
    Xt: sparse.csr_matrix
    E: np.ndarray

    def take(self, rows) -> Vectors:
        rows = np.asarray(rows, dtype=np.int64)
        Z = None if self.Z is None else self.Z[rows]
        return Vectors(self.Xc[rows], self.Xw[rows], self.Xp[rows], Z, self.Xt[rows], self.E[rows])

    @classmethod
    def stack(cls, parts: list[Vectors]) -> Vectors:
        Zs = [p.Z for p in parts]
        return cls(
            sparse.vstack([p.Xc for p in parts]).tocsr(),
            sparse.vstack([p.Xw for p in parts]).tocsr(),
            sparse.vstack([p.Xp for p in parts]).tocsr(),
            np.vstack(Zs) if all(z is not None for z in Zs) else None,
            sparse.vstack([p.Xt for p in parts]).tocsr(),
            np.vstack([p.E for p in parts]),
        )


# Titles are compared as sets of character trigrams of their words (place names left
# out: "Migration profile for Ecuador" and "Ecuador: migration profile" are one title).
# Hashed, so a title's row needs no vocabulary learnt from the corpus.
TITLE_FEATURES = 2**18
_titles = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(3, 3),
    n_features=TITLE_FEATURES,
    binary=True,
    norm="l2",
    alternate_sign=False,
    dtype=np.float32,
)


def title_rows(profiles) -> sparse.csr_matrix:
    return _canonical(_titles.transform([text.title_words(p.title) for p in profiles]))


def _canonical(M) -> sparse.csr_matrix:
    # A product's column order depends on the order its terms were met; sorted, a row's
    # sums (norms, dot products) run in one order whichever batch the row was built in.
    M = M.tocsr()
    M.sort_indices()
    return M


def _count_words(docs: list[list[str]]) -> tuple[sparse.csr_matrix, list[str]]:
    """Word counts, one row per document, columns the sorted distinct words of ``docs``."""
    vocab = sorted({w for d in docs for w in d})
    index = {w: i for i, w in enumerate(vocab)}
    total = sum(len(d) for d in docs)
    rows = np.repeat(np.arange(len(docs), dtype=np.int64), [len(d) for d in docs])
    cols = np.fromiter((index[w] for d in docs for w in d), dtype=np.int64, count=total)
    # Repeated (row, word) entries are summed: whole numbers, exact in any order.
    raw = sparse.coo_matrix(
        (np.ones(total, dtype=np.float32), (rows, cols)), shape=(len(docs), len(vocab))
    )
    return _canonical(raw), vocab


class TextModel:
    """TF-IDF vectors (character n-grams and word stems) of a corpus, one row per activity."""

    def __init__(self):
        self.index: dict[int, int] = {}
        self.ids: np.ndarray = np.zeros(0, dtype=np.int64)
        self.small = False
        self.svd = None
        self.Z = None
        # Embeddings computed here because none was stored: {activity id: (text hash,
        # float16 bytes)}, for the service layer to store (``take_fresh_embeddings``).
        self.fresh_embeddings: dict[int, tuple[str, bytes]] = {}

    @classmethod
    def fit(cls, profiles) -> TextModel:
        profiles = list(profiles.values()) if isinstance(profiles, dict) else list(profiles)
        profiles.sort(key=lambda p: p.id)
        model = cls()
        model.ids = np.array([p.id for p in profiles], dtype=np.int64)
        model.index = {p.id: i for i, p in enumerate(profiles)}
        raw, vocab = _count_words([text.document(p) for p in profiles])

        model.chars = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), dtype=np.float32)
        # The n-grams of the corpus's words, learnt and counted in one pass.
        word_chars = model.chars.fit_transform(vocab or ["x"])
        char_counts = model._char_counts(raw, vocab, word_chars)
        model.char_tfidf = TfidfTransformer(sublinear_tf=True).fit(char_counts)

        model.stem_vocab = sorted({text.stem(w) for w in vocab})
        model.stem_index = {s: i for i, s in enumerate(model.stem_vocab)}
        model.surface = {}
        for w in vocab:
            model.surface.setdefault(text.stem(w), w)
        stem_counts = model._stem_counts(raw, vocab)
        model.word_tfidf = TfidfTransformer(sublinear_tf=True).fit(stem_counts)
        df = np.diff(stem_counts.tocsc().indptr)
        limit = max(PREFILTER_MAX_DF * len(profiles), PREFILTER_MIN_DF)
        model.distinctive = (df <= limit).astype(np.float64)

        # Too few activities to learn topics or which words are distinctive: the character
        # n-gram similarity then stands in for both (see scoring.assemble).
        model.small = len(profiles) < LSA_MIN_DOCS
        k = min(LSA_DIMS, len(model.stem_vocab) - 1, len(profiles) // 4)
        if k >= 8 and not model.small:
            from sklearn.decomposition import TruncatedSVD

            sample = model._word_vectors(stem_counts)
            if sample.shape[0] > LSA_SAMPLE:
                # A fixed sample is enough to find the subjects and keeps fit time flat.
                rows = np.random.RandomState(0).choice(sample.shape[0], LSA_SAMPLE, replace=False)
                sample = sample[np.sort(rows)]
            model.svd = TruncatedSVD(k, algorithm="randomized", n_iter=4, random_state=0)
            model.svd.fit(sample)

        vectors = model._encode(char_counts, stem_counts, profiles)
        model.Xc, model.Xw, model.Xp, model.Z, model.Xt, model.E = vectors
        return model

    # -- the one encoder: fit and transform both end here ------------------------------------

    def _char_counts(self, raw, vocab, word_chars=None):
        # char_wb n-grams never cross a word boundary, so a document's n-gram counts are
        # its word counts times each word's n-grams: the analyser runs once per distinct
        # word instead of once per word occurrence. The counts are whole numbers, exact
        # whatever order they are summed in, so fit may pass the matrix it already has.
        if word_chars is None:
            word_chars = self.chars.transform(vocab or ["x"])
        return _canonical(raw @ word_chars[: len(vocab)])

    def _stem_counts(self, raw, vocab):
        # Words the corpus never had are dropped; their character n-grams still count.
        cols = [self.stem_index.get(text.stem(w), -1) for w in vocab]
        keep = [i for i, col in enumerate(cols) if col >= 0]
        to_stem = sparse.csr_matrix(
            (np.ones(len(keep)), (keep, [cols[i] for i in keep])),
            shape=(len(vocab), max(len(self.stem_vocab), 1)),
        )
        return _canonical(raw @ to_stem)

    def _word_vectors(self, stem_counts):
        return _canonical(self.word_tfidf.transform(stem_counts))

    def _encode(self, char_counts, stem_counts, profiles) -> Vectors:
        Xc = _canonical(self.char_tfidf.transform(char_counts))
        Xw = self._word_vectors(stem_counts)
        Xp = _canonical(normalize(Xw @ sparse.diags(self.distinctive), copy=False))
        Z = None
        if self.svd is not None:
            Z = normalize(self.svd.transform(Xw)).astype(np.float32)
        E, fresh = semantic.vectors_for(profiles)
        if len(fresh) > EMBED_WARNING:
            # About 40 texts a second: a register without stored vectors stalls whoever
            # asked. `manage.py embed_activities` is the place for that work.
            logger.warning(
                "Embedded %s activities on the fly; run `manage.py embed_activities`", len(fresh)
            )
        self.fresh_embeddings.update(fresh)
        return Vectors(Xc, Xw, Xp, Z, title_rows(profiles), E)

    def transform(self, profiles: Iterable[Profile]) -> Vectors:
        """Rows for profiles outside the corpus (or with changed text), as ``fit`` encodes."""
        profiles = list(profiles)
        raw, vocab = _count_words([text.document(p) for p in profiles])
        return self._encode(self._char_counts(raw, vocab), self._stem_counts(raw, vocab), profiles)

    def take_fresh_embeddings(self) -> dict[int, tuple[str, bytes]]:
        """The embeddings computed since the last call (draft rows, id 0, left out)."""
        fresh, self.fresh_embeddings = self.fresh_embeddings, {}
        fresh.pop(DRAFT_ID, None)
        return fresh

    # -- rows ---------------------------------------------------------------------------------

    @property
    def vectors(self) -> Vectors:
        return Vectors(self.Xc, self.Xw, self.Xp, self.Z, self.Xt, self.E)

    def add(self, profiles: Iterable[Profile]) -> None:
        """Append or replace rows (keeps the fitted vocabulary and IDF)."""
        profiles = sorted(profiles, key=lambda p: p.id)
        if not profiles:
            return
        new = self.transform(profiles)
        replace = [i for i, p in enumerate(profiles) if p.id in self.index]
        append = [i for i, p in enumerate(profiles) if p.id not in self.index]
        if replace:
            rows = [self.index[profiles[i].id] for i in replace]
            self.Xc = _replace_rows(self.Xc, rows, new.Xc[replace])
            self.Xw = _replace_rows(self.Xw, rows, new.Xw[replace])
            self.Xp = _replace_rows(self.Xp, rows, new.Xp[replace])
            self.Xt = _replace_rows(self.Xt, rows, new.Xt[replace])
            self.E[rows] = new.E[replace]
            if new.Z is not None:
                self.Z[rows] = new.Z[replace]
        if append:
            start = len(self.ids)
            stacked = Vectors.stack([self.vectors, new.take(append)])
            self.Xc, self.Xw, self.Xp, self.Z, self.Xt, self.E = stacked
            self.ids = np.concatenate([self.ids, [profiles[i].id for i in append]])
            for k, i in enumerate(append):
                self.index[profiles[i].id] = start + k

    def similarity(self, id_a: int, id_b: int) -> float:
        """Character n-gram cosine of two activities of the corpus."""
        return float(rowdot(self.Xc[[self.index[id_a]]], self.Xc[[self.index[id_b]]])[0])

    def word_similarity(self, id_a: int, id_b: int) -> float:
        return float(rowdot(self.Xw[[self.index[id_a]]], self.Xw[[self.index[id_b]]])[0])

    def shared_terms(self, id_a: int, id_b: int, limit: int = 8) -> list[str]:
        return shared_terms_of(self, self.index[id_a], self.index[id_b], limit)


def _replace_rows(M, rows, new):
    M = M.tolil()
    for k, r in enumerate(rows):
        M[r] = new[k]
    return _canonical(M)


def rowdot(A, B) -> np.ndarray:
    """Dot products of aligned rows: row i of A with row i of B.

    The one way every path computes a text cosine: the products of matching entries,
    summed in column order, are the same numbers whichever side is A.
    """
    if A.shape[0] == 0:
        return np.zeros(0)
    return np.asarray(A.multiply(B).sum(axis=1)).ravel()


def _row_terms(model: TextModel, x):
    """(indices, data) of a word-stem row: a row number of model.Xw, or (matrix, row)."""
    X, row = (model.Xw, x) if isinstance(x, int) else x
    lo, hi = X.indptr[row], X.indptr[row + 1]
    return X.indices[lo:hi], X.data[lo:hi]


def shared_terms_of(model: TextModel, xa, xb, limit: int = 8) -> list[str]:
    """Shared word stems, strongest first; each side a row number of model.Xw or (matrix, row).

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
