"""Cross-agency overlap detection.

Two activities of different agencies *overlap* when they work on the same
subject, in at least one common country, during overlapping periods. A region
covers every one of its countries and "World" (M49 001) covers all of them; an
activity without an end date is still running.

The engine in six modules, read in this order:

``loading``      activities as immutable profiles, read from the database in bulk
                 (regions expanded to their countries); a draft by the same rules.
``text``         the words compared: accents folded, stopwords and place names removed,
                 suffixes stemmed; its word lists are ``data/*.txt``.
``textmodel``    ``TextModel``: TF-IDF of character n-grams and word stems, distinctive
                 words, LSA; fitted on the corpus, with one encoder for every profile.
``scoring``      the features of a pair and its score: **how a pair is scored** is
                 explained there.
``fullscan``     every candidate pair at once, tractably, optionally in blocks for workers.
``incremental``  one activity on save, or a draft, against a per-process cache.
``batch``        many activities at once (an import), against the same cache, in one pass.

Weights and threshold are required keyword arguments of every entry point (``scan``,
``scan_block``, ``check_activity``, ``check_activities``, ``check_draft``, ``score_pair``):
the service layer
resolves them once (``overlaps.calibration.current()``: the latest refit, else
``WEIGHTS`` and ``DEFAULT_THRESHOLD``), so the nightly scan, the check on save and the
draft check all score with one calibration, and a pair gets the same score on each path.
"""

from . import semantic
from .batch import check_activities
from .fullscan import blocks, candidate_pairs, scan, scan_block
from .incremental import (
    check_activity,
    check_draft,
    invalidate_cache,
    take_fresh_embeddings,
    warm_cache,
)
from .loading import WORLD, Profile, draft_profile, load_profiles, material_fingerprint
from .scoring import (
    BIAS,
    DEFAULT_THRESHOLD,
    FEATURES,
    PREFILTER_FLOOR,
    REASON_LABELS,
    SEMANTIC_FLOOR,
    WEIGHTS,
    Score,
    pair_features,
    score_pair,
)
from .text import place_words, tokens
from .textmodel import LSA_MIN_DOCS, TextModel

__all__ = [
    "BIAS",
    "DEFAULT_THRESHOLD",
    "FEATURES",
    "LSA_MIN_DOCS",
    "PREFILTER_FLOOR",
    "REASON_LABELS",
    "SEMANTIC_FLOOR",
    "WEIGHTS",
    "WORLD",
    "Profile",
    "Score",
    "TextModel",
    "blocks",
    "candidate_pairs",
    "check_activities",
    "check_activity",
    "check_draft",
    "draft_profile",
    "invalidate_cache",
    "load_profiles",
    "material_fingerprint",
    "pair_features",
    "place_words",
    "scan",
    "scan_block",
    "score_pair",
    "semantic",
    "take_fresh_embeddings",
    "tokens",
    "warm_cache",
]
