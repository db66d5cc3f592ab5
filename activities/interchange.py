"""Activities in and out of CSV, for agencies that keep their own registers.

The file has one activity per row. Multi-valued cells hold several values
separated by ";". Agencies and partners are named by acronym, countries by
ISO 3166-1 alpha-3 code, regions by M49 code or name, priorities by letter,
target groups and themes by slug or name, the joint initiative by its number
or exact title, dates as YYYY-MM-DD.

Import upserts on (agency, reference), references compared regardless of capitals
as the register compares them: a row whose agency already has an activity with
that reference updates it (keeping the stored spelling of the reference), any
other row creates one. The optional columns are only touched when the header has
them; an empty cell in one of them clears the value (an empty `kind` or
`language` keeps the current one, or the default for a new activity, since an
activity always has both).

The whole file is read and checked first (csv_format): a file that cannot be read
strictly is refused with nothing saved. Each row is then parsed (csv_rows) and
saved through the services, so imports obey the same rules as the forms; a row
that breaks one is reported with its line and the other rows go on.

Export goes through EXPORT_FORMATS, one writer per file format, each turning the
rows of export_rows into a stream of text: the portal's download offers every format
registered there.

Modules: csv_format (columns, strict reading), csv_rows (cells to service
arguments), this one (export, and the upsert).
"""

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency
from common import spreadsheets
from geo.models import Country, Region
from priorities.models import Priority, TargetGroup, Theme

from .csv_format import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    SEPARATOR,
    FileRefused,
    RowError,
    read_file,
)
from .csv_rows import RowParser, RowRejected, Vocabularies
from .models import Activity
from .services import activity_batch, activity_create, activity_update

__all__ = [
    "COLUMNS",
    "EXPORT_FORMATS",
    "ExportFormat",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportResult",
    "RowError",
    "export_queryset",
    "export_row",
    "export_rows",
    "import_csv",
    "csv_lines",
    "write_csv",
]

EXPORT_CHUNK_SIZE = 2000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    # With atomic=True, one bad row undoes the good ones; the counts then say
    # zero so that they never claim something the database does not hold.
    rolled_back: bool = False
    # Set when the file itself is at fault (encoding, header, broken quoting):
    # its one error then stands for the file, not for a row, and nothing was saved.
    file_error: bool = False

    @property
    def rejected(self):
        """The number of rejected rows."""
        return len(self.errors) - self.file_error

    @property
    def ok(self):
        return not self.errors


class _RolledBack(Exception):
    """Raised inside the outer transaction of an atomic import to undo it."""


# ---------------------------------------------------------------- export


# The multi-valued columns: each relation, and the field its rows are named by in the file.
RELATION_COLUMNS = {
    "countries": "iso3",
    "regions": "code",
    "priorities": "code",
    "partners": "acronym",
    "target_groups": "slug",
    "themes": "slug",
}


def export_queryset(queryset=None):
    """Activities with everything export_row reads fetched in a fixed number of queries."""
    if queryset is None:
        queryset = Activity.objects.all()
    # The initiative is written by number (titles are not unique), so its
    # row is never needed and no join is spent on it.
    return (
        queryset.defer("search_vector")
        .select_related("agency")
        .prefetch_related(
            Prefetch("countries", queryset=Country.objects.only("iso3").order_by("iso3")),
            Prefetch("regions", queryset=Region.objects.only("code").order_by("code")),
            Prefetch("priorities", queryset=Priority.objects.only("code").order_by("code")),
            Prefetch("partners", queryset=Agency.objects.only("acronym").order_by("acronym")),
            Prefetch("target_groups", queryset=TargetGroup.objects.only("slug").order_by("slug")),
            Prefetch("themes", queryset=Theme.objects.only("slug").order_by("slug")),
        )
    )


def _join(values):
    return SEPARATOR.join(values)


def export_row(activity, codes=None):
    """One activity as a dict keyed by COLUMNS.

    `codes` gives, for each column of RELATION_COLUMNS, the codes of its related rows in
    order; without it they are read from the activity, fetched by export_queryset().
    """
    if codes is None:
        codes = {
            name: [getattr(item, attr) for item in getattr(activity, name).all()]
            for name, attr in RELATION_COLUMNS.items()
        }
    return {
        "reference": activity.reference,
        "agency": activity.agency.acronym,
        "title": activity.title,
        "description": activity.description,
        "status": activity.status,
        "start_date": activity.start_date.isoformat(),
        "end_date": activity.end_date.isoformat() if activity.end_date else "",
        "countries": _join(codes["countries"]),
        "regions": _join(codes["regions"]),
        "priorities": _join(codes["priorities"]),
        "partners": _join(codes["partners"]),
        "kind": activity.kind,
        "target_groups": _join(codes["target_groups"]),
        "themes": _join(codes["themes"]),
        "initiative": str(activity.initiative_id) if activity.initiative_id else "",
        "language": activity.language,
    }


def _codes_by_activity(ids):
    """{column: {activity id: [codes]}} for the activities `ids`, one query per relation.

    Reads the codes straight from the link tables (a join only where the code is not
    the related row's key): no model instances, which is most of the cost of a
    prefetch_related on a large export.
    """
    found = {}
    for name, attr in RELATION_COLUMNS.items():
        field = Activity._meta.get_field(name)
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        rows = (
            field.remote_field.through.objects.filter(**{f"{source}__in": ids})
            .order_by(f"{target}__{attr}")
            .values_list(source, f"{target}__{attr}")
        )
        codes = defaultdict(list)
        for activity_id, code in rows:
            codes[activity_id].append(code)
        found[name] = codes
    return found


def export_rows(queryset=None):
    """Yield one dict per activity, in the queryset's order, reading in chunks.

    The chunked iterator keeps memory flat on large registers (a server-side cursor on
    PostgreSQL); each chunk's related codes are read once for the chunk, never per
    activity, so the number of queries grows with the chunks, not the rows.
    """
    if queryset is None:
        queryset = Activity.objects.all()
    # Written by number, the initiative's row is never needed; nor is the search vector.
    activities = (
        queryset.defer("search_vector").select_related("agency").iterator(EXPORT_CHUNK_SIZE)
    )
    while chunk := list(islice(activities, EXPORT_CHUNK_SIZE)):
        codes = _codes_by_activity([activity.pk for activity in chunk])
        for activity in chunk:
            yield export_row(
                activity, {name: codes[name].get(activity.pk, []) for name in RELATION_COLUMNS}
            )


class _Echo:
    """A stand-in file for csv.writer: each write hands the line back instead."""

    def write(self, value):
        return value


def csv_lines(rows):
    """The header line, then one line per row (dicts from export_rows).

    Cells a spreadsheet would run as a formula are defused (common.spreadsheets).
    """
    writer = csv.DictWriter(_Echo(), fieldnames=COLUMNS)
    yield writer.writeheader()
    for row in rows:
        yield writer.writerow({name: spreadsheets.protect(value) for name, value in row.items()})


def write_csv(rows, out):
    """Write the header and `rows` (dicts from export_rows) to a text stream; return the count."""
    count = -1  # the header is a line, not a row
    for line in csv_lines(rows):
        out.write(line)
        count += 1
    return count


# About the size of a network write: one line per chunk would cost a write per row.
STREAM_CHUNK_CHARS = 64 * 1024


def _in_chunks(lines):
    buffer, size = [], 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= STREAM_CHUNK_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def _csv_download(rows):
    # A byte-order mark, without which Excel reads UTF-8 (accents) as another encoding;
    # import_csv skips it, so the file still round-trips.
    yield "\ufeff"
    yield from _in_chunks(csv_lines(rows))


@dataclass(frozen=True)
class ExportFormat:
    """A file format the activities can be downloaded in.

    `stream` turns the rows of export_rows into the file's text, piece by piece, so
    that the download never holds the whole file.
    """

    key: str
    label: str
    content_type: str
    extension: str
    stream: Callable[[Iterable[dict]], Iterator[str]]


# Keyed by the name in the download's URL. XLSX and IATI XML are to come as more entries.
EXPORT_FORMATS = {
    f.key: f
    for f in (
        ExportFormat(
            key="csv",
            label=gettext_lazy("CSV"),
            content_type="text/csv; charset=utf-8",
            extension="csv",
            stream=_csv_download,
        ),
    )
}


# ---------------------------------------------------------------- import


def _message_text(exc):
    """A ValidationError as "field: message" phrases, the way a person reads them."""
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    parts = []
    for name, messages in exc.message_dict.items():
        for message in messages:
            parts.append(message if name == NON_FIELD_ERRORS else f"{name}: {message}")
    return "; ".join(parts)


class _Existing:
    """The activities a file's rows update, read in one query for the whole file.

    Keyed as the register compares references: by agency and lower-cased reference. A row
    that creates an activity adds it, so that the same reference later in the file updates
    it. A twin saved by someone else during the import is refused by the table's unique
    index, as the row's "reference taken" error.
    """

    CHUNK = 5000

    def __init__(self, keys):
        self.found = {}
        lowered = sorted({reference.lower() for _agency, reference in keys})
        agencies = {agency.pk for agency, _reference in keys}
        for start in range(0, len(lowered), self.CHUNK):
            matches = (
                Activity.objects.defer("search_vector")
                .annotate(reference_lower=Lower("reference"))
                .filter(
                    agency_id__in=agencies,
                    reference_lower__in=lowered[start : start + self.CHUNK],
                )
            )
            for activity in matches:
                self.found[(activity.agency_id, activity.reference_lower)] = activity

    def get(self, agency, reference):
        return self.found.get((agency.pk, reference.lower()))

    def add(self, agency, reference, activity):
        self.found[(agency.pk, reference.lower())] = activity

    def discard(self, agency, reference):
        self.found.pop((agency.pk, reference.lower()), None)


def _database_refused(exc):
    return _("the database refused the row: %(problem)s") % {"problem": exc}


class _Import:
    """The rows of one file saved in one batch, and what became of each.

    Each row is validated by the services and, if it breaks no rule, waits in the batch
    with the others until they are written together (ActivityBatch.flush): a row the
    database still refuses then is reported on its line, the others are saved. A row for
    an activity that an earlier row of the file has left waiting has them written first.
    """

    def __init__(self, existing, by, result, batch):
        self.existing, self.by, self.result, self.batch = existing, by, result, batch
        # (activity, line, agency, reference, created) of each row waiting
        self.waiting = []

    def row(self, record, parsed):
        if isinstance(parsed, RowRejected):
            self.result.errors.append(RowError(record.line, "; ".join(parsed.problems)))
            return
        agency, reference, fields = parsed
        existing = self.existing.get(agency, reference)
        if existing is not None and self.batch.waiting(existing):
            self.flush()
            existing = self.existing.get(agency, reference)
        try:
            # Validated here; written by the batch, so a row that breaks a rule leaves
            # nothing behind and needs no savepoint.
            if existing is None:
                saved = activity_create(
                    agency=agency,
                    by=self.by,
                    reference=reference,
                    batch=self.batch,
                    reference_is_new=True,
                    **fields,
                )
                self.existing.add(agency, reference, saved)
            else:
                saved = activity_update(existing, by=self.by, batch=self.batch, **fields)
        except ValidationError as exc:
            self.result.errors.append(RowError(record.line, _message_text(exc)))
            return
        except DatabaseError as exc:
            # What no rule foresees, e.g. a code deleted from a reference table meanwhile.
            self.result.errors.append(RowError(record.line, _database_refused(exc)))
            return
        self.waiting.append((saved, record.line, agency, reference, existing is None))

    def flush(self):
        """Write the rows waiting in the batch; report each refused one on its line."""
        refused = {id(activity): exc for activity, exc in self.batch.flush()}
        for activity, line, agency, reference, created in self.waiting:
            exc = refused.get(id(activity))
            if exc is None:
                if created:
                    self.result.created += 1
                else:
                    self.result.updated += 1
                continue
            if created:
                # A later row with its reference creates it, as if this row had never been.
                self.existing.discard(agency, reference)
            message = (
                _message_text(exc) if isinstance(exc, ValidationError) else _database_refused(exc)
            )
            self.result.errors.append(RowError(line, message))
        self.waiting = []


def _parse(parser, record):
    try:
        return parser.parse(record.cells)
    except RowRejected as exc:
        return exc


def import_csv(fileobj, *, by=None, atomic=False):
    """Create or update activities from a CSV file object (binary or text).

    Returns an ImportResult. The file is read and checked whole first; then each row
    is validated by the services, and saved unless it breaks a rule; with `atomic`,
    nothing is kept unless every row is accepted.

    The rows are saved in one transaction as one batch (activities.services.activity_batch):
    each row is validated and the valid ones written together (a row the database still
    refuses then is reported on its line, the others saved); their search vectors and
    coverage tallies are refreshed once for the set, and one message asks the apps above
    for one overlap check of all of them, after the commit. Every row's validation and
    history are its own, as for a single save.
    """
    result = ImportResult()
    try:
        columns, records = read_file(fileobj)
    except FileRefused as exc:
        result.errors.append(exc.error)
        result.file_error = True
        return result
    parser = RowParser(columns, Vocabularies())
    parsed = [_parse(parser, record) for record in records]
    existing = _Existing([p[:2] for p in parsed if not isinstance(p, RowRejected)])
    try:
        with activity_batch() as batch:
            rows = _Import(existing, by, result, batch)
            for record, outcome in zip(records, parsed, strict=True):
                rows.row(record, outcome)
            rows.flush()
            # In the file's order, whichever step refused each row.
            result.errors.sort(key=lambda error: (error.line is None, error.line or 0))
            if atomic and result.errors:
                raise _RolledBack
    except _RolledBack:
        result.created = result.updated = 0
        result.rolled_back = True
    return result
