"""Any CSV file to the activity import: no exception escapes, every rejected row is named with
a message, and nothing is half-saved.

As documented in activities/interchange.py: a file that cannot be read strictly is refused
whole with one message; otherwise each row is saved or rejected on its own (each in its own
savepoint), and with `atomic` nothing is kept unless every row is accepted.

Files are drawn by Hypothesis: random bytes; and rows of cells that are sometimes valid and
sometimes anything (NUL, control characters, long strings), under a header of the columns
in any order, with columns missing or unknown, written in UTF-8, UTF-8 with a BOM, UTF-16 or
Latin-1.
"""

import csv
import io
import os

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from activities.interchange import COLUMNS, import_csv
from activities.models import Activity

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("GMG_FUZZ_EXAMPLES", 30)),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ANY_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.sampled_from(["\x00", "a\x00b", "KEN\x00", "\r", " ", ";", ";;", "x" * 3000]),
)
VALID = {
    "reference": st.sampled_from(["R-1", "r-1", "R-2", "R-3"]),
    "agency": st.sampled_from(["IOM", "ILO", "iom"]),
    "title": st.sampled_from(["Labour survey", "Return assistance"]),
    "description": st.sampled_from(["", "Several\nlines"]),
    "status": st.sampled_from([s.value for s in Activity.Status]),
    "start_date": st.sampled_from(["2026-01-01", "2026-06-30"]),
    "end_date": st.sampled_from(["2026-12-31", "2026-03-01"]),
    "countries": st.sampled_from(["KEN", "KEN;UGA", ""]),
    "regions": st.sampled_from(["", "202"]),
    "priorities": st.sampled_from(["a", "b;d", ""]),
    "partners": st.sampled_from(["", "ILO"]),
    "kind": st.sampled_from(["", "research"]),
    "target_groups": st.just(""),
    "themes": st.just(""),
    "initiative": st.just(""),
    "language": st.sampled_from(["", "en", "fr"]),
}


# A whole header, a good row and one whose every text has a NUL in it.
NUL_ROW = (
    ",".join(COLUMNS[:11])
    + "\nR-1,IOM,Survey,Text,planned,2026-01-01,2026-12-31,KEN,,a,"
    + "\nR\x00,IOM,T\x00,D\x00,planned\x00,2026-01-01,2026-12-31,KEN\x00,\x00,a\x00,\x00\n"
).encode()


@st.composite
def csv_files(draw):
    """(bytes, number of data rows) of a CSV file with a shuffled, maybe damaged header."""
    columns = draw(st.permutations(COLUMNS))
    columns = columns[: draw(st.integers(len(COLUMNS) - 3, len(COLUMNS)))]
    if draw(st.booleans()):
        columns.insert(draw(st.integers(0, len(columns))), draw(ANY_TEXT))
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {c: st.one_of(VALID.get(c, ANY_TEXT), ANY_TEXT) for c in columns}
            ).map(lambda row: [row[c] for c in columns]),
            max_size=5,
        )
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return out.getvalue().encode(encoding, errors="replace"), len(rows)


def imported(data, atomic):
    """Run the import in a savepoint that is rolled back: (result, activities added)."""
    with transaction.atomic():
        before = set(Activity.objects.values_list("pk", flat=True))
        result = import_csv(io.BytesIO(data), atomic=atomic)
        added = Activity.objects.exclude(pk__in=before)
        for activity in added:
            # What was saved is whole: it passes the model's own checks.
            activity.full_clean()
        count = added.count()
        transaction.set_rollback(True)
    return result, count


def check(result, added, atomic, rows=None):
    for line, message in result.errors:
        assert message.strip(), "a rejected row without a message"
        assert line is None or line >= 1
    if result.file_error:
        assert len(result.errors) == 1 and added == 0
        return
    if rows is not None and not result.rolled_back:
        # Every row is accounted for: saved or rejected with its own line.
        assert result.created + result.updated + result.rejected == rows
        assert len({line for line, _m in result.errors}) == result.rejected
    if atomic and result.errors:
        assert result.rolled_back and added == 0
    else:
        assert added == result.created


@FUZZ
@given(file=csv_files(), atomic=st.booleans())
@example(file=(b"reference,agency,title\nR\x00,IOM,T\x00\n", 1), atomic=False)
@example(file=(NUL_ROW, 2), atomic=False)
@example(file=(NUL_ROW, 2), atomic=True)
def test_any_csv_is_imported_or_refused_row_by_row_never_half_saved(db, file, atomic):
    data, rows = file
    result, added = imported(data, atomic)
    check(result, added, atomic, rows=None if data.startswith(b"\xff\xfe") else rows)


@FUZZ
@given(data=st.binary(max_size=2000), atomic=st.booleans())
@example(data=b"\x00" * 10, atomic=False)
@example(data=b"reference,agency\n\x00,\x00\n", atomic=True)
def test_any_bytes_are_imported_or_refused_without_an_exception(db, data, atomic):
    result, added = imported(data, atomic)
    check(result, added, atomic)


def test_the_command_refuses_a_file_of_nuls_and_saves_nothing(db, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(("\x00".join(COLUMNS) + "\nR\x00,IOM\n").encode())
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_activities", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip()
    assert not Activity.objects.exists()
