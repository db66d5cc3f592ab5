"""Two versions of a position's text compared, as data the templates render with escaping.

Nothing here makes markup: a diff is a list of segments (kind, text), kind one of "equal",
"insert" or "delete", and the template wraps each in <ins>/<del> with the text escaped as
any other. That is why the text a person typed can never turn into markup on the compare page.

`inline` compares word by word over the whole text (one column); `side_by_side` pairs the
lines (paragraphs) of the two texts, and compares the changed pairs word by word.
"""

import difflib
import re
from typing import NamedTuple

# Words and the runs of spaces between them: both kept, so that joining the tokens gives
# the text back exactly.
TOKEN = re.compile(r"\s+|[^\s]+")

EQUAL, INSERT, DELETE = "equal", "insert", "delete"


class Segment(NamedTuple):
    kind: str
    text: str


class Row(NamedTuple):
    """One line of a side-by-side diff: the old line and the new one, each as segments, with
    their line numbers (None where a side has no line)."""

    kind: str  # equal, insert, delete or replace
    old_number: int | None
    old: list
    new_number: int | None
    new: list


def _lines(text):
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _tokens(text):
    return TOKEN.findall(text or "")


def _merge(segments):
    """Neighbouring segments of the same kind joined, empty ones dropped."""
    merged = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].kind == segment.kind:
            merged[-1] = Segment(segment.kind, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def inline(old, new):
    """The change from `old` to `new`, word by word, as one list of segments."""
    a = _tokens((old or "").replace("\r\n", "\n"))
    b = _tokens((new or "").replace("\r\n", "\n"))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    segments = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment(EQUAL, "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment(DELETE, "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment(INSERT, "".join(b[j1:j2])))
    return _merge(segments)


def _words(old_line, new_line):
    """The two sides of a changed line: what stayed and what went (old), what stayed and
    what came (new)."""
    a, b = _tokens(old_line), _tokens(new_line)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    left, right = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(Segment(EQUAL, "".join(a[i1:i2])))
            right.append(Segment(EQUAL, "".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            left.append(Segment(DELETE, "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            right.append(Segment(INSERT, "".join(b[j1:j2])))
    return _merge(left), _merge(right)


def side_by_side(old, new):
    """The change from `old` to `new` line by line: a list of Rows."""
    a, b = _lines(old), _lines(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    rows = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for offset in range(i2 - i1):
                line = [Segment(EQUAL, a[i1 + offset])] if a[i1 + offset] else []
                rows.append(Row(EQUAL, i1 + offset + 1, line, j1 + offset + 1, list(line)))
            continue
        if op == "delete":
            for i in range(i1, i2):
                rows.append(Row(DELETE, i + 1, _merge([Segment(DELETE, a[i])]), None, []))
            continue
        if op == "insert":
            for j in range(j1, j2):
                rows.append(Row(INSERT, None, [], j + 1, _merge([Segment(INSERT, b[j])])))
            continue
        # A replaced block: its lines paired in order, the longer side's rest alone.
        for offset in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + offset, j1 + offset
            if i < i2 and j < j2:
                left, right = _words(a[i], b[j])
                rows.append(Row("replace", i + 1, left, j + 1, right))
            elif i < i2:
                rows.append(Row(DELETE, i + 1, _merge([Segment(DELETE, a[i])]), None, []))
            else:
                rows.append(Row(INSERT, None, [], j + 1, _merge([Segment(INSERT, b[j])])))
    return rows


def changed(old, new):
    """How many words were added and removed: (added, removed)."""
    added = removed = 0
    for segment in inline(old, new):
        words = len(segment.text.split())
        if segment.kind == INSERT:
            added += words
        elif segment.kind == DELETE:
            removed += words
    return added, removed
