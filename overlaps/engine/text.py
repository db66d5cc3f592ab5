"""The words two activities are compared on.

Accents are folded and text lower-cased; English, French and Spanish stopwords and the
words nearly every activity uses are dropped; so are place names: every word of the
English, French and Spanish names of countries and regions (from the database), demonyms
derived from them, and capital cities. Two unrelated activities that both mention "Kenya"
and "Nairobi" ten times are not made similar by it. Words are stemmed by stripping one
English suffix.

The word lists live in ``data/*.txt`` (one word a line, ``#`` comments) and are read once,
when this module is imported.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

DATA = Path(__file__).resolve().parent / "data"


def _word_list(name: str) -> list[str]:
    words = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        words.extend(line.split("#", 1)[0].split())
    return words


STOPWORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset(_word_list("stopwords.txt"))
CAPITALS = frozenset(_word_list("capitals.txt"))
PLACE_ADJECTIVES = frozenset(_word_list("place_adjectives.txt"))
# Longest first, so that "ations" is stripped rather than "s".
SUFFIXES = tuple(sorted(set(_word_list("suffixes.txt")), key=lambda s: (-len(s), s)))
# A stem keeps at least this many letters: "ties" is not "t".
MIN_STEM = 4

_WORD = re.compile(r"[a-z]+")


def fold(text: str) -> str:
    """Lower case without accents: "Sénégal" -> "senegal"."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


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
        for word in _WORD.findall(fold(name or "")):
            if len(word) < 3 or word in STOPWORDS:
                continue
            words.add(word)
            words |= _demonyms(word)
    return frozenset(words | PLACE_ADJECTIVES)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def tokens(text: str, places: frozenset | None = None) -> list[str]:
    """The words of ``text`` that say what it is about, in order (not yet stemmed)."""
    places = place_words() if places is None else places
    return [
        w
        for w in _WORD.findall(fold(text))
        if len(w) >= 3 and w not in STOPWORDS and w not in places
    ]


def document(profile) -> list[str]:
    """The words a profile is compared on: its title and its description, each once.

    The only place that says which fields count and how much: the text model fits and
    encodes every profile (scanned, checked on save, or a draft) through this.
    """
    return tokens(f"{profile.title} {profile.description}")


def title_words(title: str) -> str:
    """A title as compared with another title: its words without places and stopwords."""
    return " ".join(tokens(title or ""))


# Function words that belong to one of the portal's languages only ("de", "la", "en", "que"
# are shared and left out). People leave the activity form's language at its default
# (English) when they write in French or Spanish, and an import may carry no language at
# all; a wrong label hides a cross-language pair from the one feature that can see it.
# fmt: off
FUNCTION_WORDS = {
    "en": frozenset({"the", "and", "of", "to", "for", "with", "on", "by", "from", "their", "is",
                     "are", "this", "that", "which", "will", "its"}),
    "fr": frozenset({"le", "les", "des", "du", "et", "pour", "dans", "avec", "sur", "aux", "au",
                     "une", "est", "leur", "leurs", "qui", "ces"}),
    "es": frozenset({"el", "los", "las", "del", "y", "para", "con", "por", "una", "es", "su",
                     "sus", "al", "como", "entre"}),
}
# fmt: on
# Evidence needed to overrule the label: this many function words of one language, and at
# least twice as many as of any other. A title alone rarely has that: its label stands.
LANGUAGE_MIN_WORDS = 3


def written_language(title: str, description: str, label: str = "") -> str:
    """The language the text is written in, by its function words, else ``label``."""
    words = _WORD.findall(fold(f"{title} {description}"))
    counts = sorted(
        ((sum(w in vocab for w in words), code) for code, vocab in FUNCTION_WORDS.items()),
        reverse=True,
    )
    (best, code), (second, _other) = counts[0], counts[1]
    if best >= LANGUAGE_MIN_WORDS and best >= 2 * second:
        return code
    return label or ""
