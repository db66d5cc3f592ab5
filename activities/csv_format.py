"""The activities CSV file: its columns, and reading it strictly before any row is saved.

A file is read whole and checked before the import saves anything, so that a file
the reader cannot trust is refused as a whole, with the line where it goes wrong,
instead of half imported. What "strictly" can honestly catch is the damage an
unclosed quote does, which a lenient reader turns into one huge value:

- the CSV grammar itself, read with `strict=True`: a quote that closes and is
  followed by more text in the same value, or a file that ends inside quotes;
- a line break inside a value of a column that holds one line (every column the
  import reads except `description`): in this format only a quote left open puts
  one there;
- a record over several lines of which every line, split at the commas without
  regard to quotes, has at least as many values as the header: rows swallowed into
  one `description` by a quote left open.

It cannot catch a quote left open whose swallowed text looks like an ordinary
multi-line description (say the swallowed row itself held quoted commas): that row
reaches the import as one description and its own row is missing. Short rows stay
accepted (spreadsheets drop trailing empty cells); a row with more values than the
header is the row's problem, reported with that row.
"""

import csv
import io
from typing import NamedTuple

from django.utils.translation import gettext as _

REQUIRED_COLUMNS = (
    "reference",
    "agency",
    "title",
    "description",
    "status",
    "start_date",
    "end_date",
    "countries",
    "regions",
    "priorities",
    "partners",
)
# Added later, each at the end, so that files written before still import.
OPTIONAL_COLUMNS = ("kind", "target_groups", "themes", "initiative", "language")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# The one column whose values may run over several lines.
MULTI_LINE_COLUMNS = ("description",)

DELIMITER = ","
# Between the values of a multi-valued cell.
SEPARATOR = ";"


class RowError(NamedTuple):
    """A rejected row (or a problem with the whole file).

    `line` is the physical line where the row starts, the header being line 1;
    it is None only when the line cannot be known.
    """

    line: int | None
    message: str


class FileRefused(Exception):
    """The file as a whole cannot be imported; nothing of it is saved."""

    def __init__(self, line, message):
        super().__init__(message)
        self.error = RowError(line, message)


class Record(NamedTuple):
    line: int  # where the record starts
    end: int  # the line where it ends
    cells: list


def read_file(fileobj):
    """(columns, records) of a CSV file object, binary or text; raise FileRefused.

    `columns` names the header's columns, "" for those the import does not read.
    """
    lines = io.StringIO(_read_text(fileobj), newline="").readlines()
    records = _parse(lines)
    if not records:
        raise FileRefused(
            1,
            _("The file is empty; it needs a header row with the columns: %(columns)s.")
            % {"columns": ", ".join(REQUIRED_COLUMNS)},
        )
    header, *rows = records
    columns = _columns(header)
    for record in rows:
        _check_record(columns, record, lines)
    return columns, rows


def _read_text(fileobj):
    try:
        data = fileobj.read()
    except UnicodeDecodeError as exc:
        # A text stream opened with the wrong encoding: its position is unknown.
        raise FileRefused(
            None,
            _("The file is not UTF-8 text (%(problem)s); save it as “CSV UTF-8”.")
            % {"problem": exc.reason},
        ) from exc
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileRefused(
            line,
            _(
                "The file is not UTF-8 text (byte 0x%(byte)02X cannot be read); "
                "save it as “CSV UTF-8” and try again. Nothing was imported."
            )
            % {"byte": data[exc.start]},
        ) from exc


def _parse(lines):
    """Every non-blank record with the line it starts on, or FileRefused."""
    reader = csv.reader(lines, delimiter=DELIMITER, strict=True)
    records = []
    while True:
        # A quoted cell may span lines, so a record starts just after the
        # previous one ended, not at a count of records.
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            raise FileRefused(
                start,
                _(
                    "The CSV cannot be read from here on (%(problem)s); a quote is "
                    "probably left open. Nothing was imported."
                )
                % {"problem": exc},
            ) from exc
        if any(cell.strip() for cell in cells):
            records.append(Record(start, reader.line_num, cells))


def _columns(header):
    columns = [cell.strip().lower() for cell in header.cells]
    seen, repeated = set(), []
    for name in columns:
        if name in COLUMNS and name in seen:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise FileRefused(
            header.line,
            _("The header names these columns more than once: %(columns)s. Nothing was imported.")
            % {"columns": ", ".join(repeated)},
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        raise FileRefused(
            header.line,
            _(
                "The header lacks the required column(s) %(missing)s; it must name: "
                "%(columns)s. Nothing was imported."
            )
            % {"missing": ", ".join(missing), "columns": ", ".join(REQUIRED_COLUMNS)},
        )
    # Columns the file may carry for its own use (notes, budget codes) are
    # blanked out so that they are never read, rather than refused.
    return [name if name in COLUMNS else "" for name in columns]


def _check_record(columns, record, lines):
    """Refuse the file if `record` shows the marks of a quote left open (see above)."""
    if record.end == record.line:
        return
    for name, cell in zip(columns, record.cells, strict=False):
        if name and name not in MULTI_LINE_COLUMNS and ("\n" in cell or "\r" in cell):
            raise FileRefused(
                record.line,
                _(
                    "The value in column “%(column)s” runs over several lines, which only "
                    "a description may; a quote is probably left open. Nothing was imported."
                )
                % {"column": name},
            )
    own = lines[record.line - 1 : record.end]
    if all(len(line.split(DELIMITER)) >= len(columns) for line in own):
        raise FileRefused(
            record.line,
            _(
                "Lines %(first)d to %(last)d each look like a row but read as one; a quote "
                "is probably left open. Nothing was imported."
            )
            % {"first": record.line, "last": record.end},
        )
