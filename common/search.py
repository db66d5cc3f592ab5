"""Searching by words where there is no full-text search: the terms a person typed.

The syntax follows PostgreSQL's websearch, so that a search reads the same on every
database: words separated by spaces must all match, "a quoted phrase" matches as one
piece of text, and -word (or -"a phrase") excludes. The full-text engine also knows
"or"; here it is an ordinary word.
"""

import re
from typing import NamedTuple

# A term: an optional minus, then a quoted phrase (its closing quote optional, as a
# person may leave it off) or a run of non-space characters.
TERM = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')


class Term(NamedTuple):
    text: str
    excluded: bool = False


def terms(text):
    """The terms of a search, in order, without empty ones or repeats."""
    found = []
    for minus, phrase, word in TERM.findall(text or ""):
        value = " ".join((phrase or word).split()).strip('"')
        term = Term(value, excluded=bool(minus))
        # A dash alone is punctuation, as for the full-text engine.
        if value.strip("-") and term not in found:
            found.append(term)
    return found


def filter_words(queryset, text, condition):
    """`queryset` narrowed to the rows matching every term of `text`.

    `condition(word)` is the Q (or expression) that a row matching `word` satisfies.
    """
    for term in terms(text):
        match = condition(term.text)
        queryset = queryset.exclude(match) if term.excluded else queryset.filter(match)
    return queryset
