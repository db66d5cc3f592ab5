import csv
from itertools import islice

from common import spreadsheets

from .reasons import Names, describe, describe_flags

HEADER = [
    "reference_a",
    "agency_a",
    "reference_b",
    "agency_b",
    "similarity",
    "status",
    "reasons",
    # The agencies whose side of the pair was withdrawn (deleted), if any.
    "withdrawn",
]

# Rows described together: names are read once per export, places once per chunk.
CHUNK = 2000


def reasons_sentence(reasons, score=None):
    """The reasons of one flag as one line a person can check (names read for it alone;
    for many flags, `reasons.describe_flags` reads them in bulk)."""
    return describe(reasons or {}, score=score).sentence()


def write_flags_csv(flags, out):
    writer = csv.writer(out)
    writer.writerow(HEADER)
    count = 0
    names = Names()
    rows = flags.iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        for flag in describe_flags(chunk, names=names):
            cells = [
                flag.activity_a.reference,
                flag.activity_a.agency.acronym,
                flag.activity_b.reference,
                flag.activity_b.agency.acronym,
                f"{flag.similarity}%",
                flag.status,
                flag.described.sentence(),
                " ".join(a.agency.acronym for a in flag.withdrawn_sides),
            ]
            writer.writerow([spreadsheets.protect(cell) for cell in cells])
            count += 1
    return count
