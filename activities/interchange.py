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

Modules: csv_format (columns, strict reading), csv_rows (cells to service
arguments), this one (export, and the upsert).
"""

import csv
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

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
from .services import activity_create, activity_update

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportResult",
    "RowError",
    "export_queryset",
    "export_row",
    "export_rows",
    "import_csv",
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


def export_queryset(queryset=None):
    """Activities with everything the export reads fetched in a fixed number of queries."""
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


def export_row(activity):
    """One activity as a dict keyed by COLUMNS; expects export_queryset()'s prefetching."""
    return {
        "reference": activity.reference,
        "agency": activity.agency.acronym,
        "title": activity.title,
        "description": activity.description,
        "status": activity.status,
        "start_date": activity.start_date.isoformat(),
        "end_date": activity.end_date.isoformat() if activity.end_date else "",
        "countries": _join(c.iso3 for c in activity.countries.all()),
        "regions": _join(r.code for r in activity.regions.all()),
        "priorities": _join(p.code for p in activity.priorities.all()),
        "partners": _join(a.acronym for a in activity.partners.all()),
        "kind": activity.kind,
        "target_groups": _join(t.slug for t in activity.target_groups.all()),
        "themes": _join(t.slug for t in activity.themes.all()),
        "initiative": str(activity.initiative_id) if activity.initiative_id else "",
        "language": activity.language,
    }


def export_rows(queryset=None):
    """Yield one dict per activity, in the queryset's order, reading in chunks.

    The chunked iterator keeps memory flat on large registers while the
    prefetches still run once per chunk rather than once per activity.
    """
    for activity in export_queryset(queryset).iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield export_row(activity)


def write_csv(rows, out):
    """Write the header and `rows` (dicts from export_rows) to a text stream; return the count."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({name: spreadsheets.protect(value) for name, value in row.items()})
        count += 1
    return count


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


def _import_row(parser, record, by, result):
    try:
        agency, reference, fields = parser.parse(record.cells)
    except RowRejected as exc:
        result.errors.append(RowError(record.line, "; ".join(exc.problems)))
        return
    try:
        # Its own savepoint: a row that fails leaves nothing behind, and the
        # rows before it stay saved.
        with transaction.atomic():
            existing = Activity.objects.with_reference(agency, reference).first()
            if existing is None:
                activity_create(agency=agency, by=by, reference=reference, **fields)
                result.created += 1
            else:
                activity_update(existing, by=by, **fields)
                result.updated += 1
    except ValidationError as exc:
        result.errors.append(RowError(record.line, _message_text(exc)))
    except DatabaseError as exc:
        # What no rule foresees, e.g. a code deleted from a reference table meanwhile.
        result.errors.append(
            RowError(record.line, _("the database refused the row: %(problem)s") % {"problem": exc})
        )


def import_csv(fileobj, *, by=None, atomic=False):
    """Create or update activities from a CSV file object (binary or text).

    Returns an ImportResult. The file is read and checked whole first; then rows
    are saved one by one, each in its own savepoint; with `atomic`, nothing is
    kept unless every row is accepted.
    """
    result = ImportResult()
    try:
        columns, records = read_file(fileobj)
    except FileRefused as exc:
        result.errors.append(exc.error)
        result.file_error = True
        return result
    parser = RowParser(columns, Vocabularies())

    def run():
        for record in records:
            _import_row(parser, record, by, result)

    if not atomic:
        run()
        return result
    try:
        with transaction.atomic():
            run()
            if result.errors:
                raise _RolledBack
    except _RolledBack:
        result.created = result.updated = 0
        result.rolled_back = True
    return result
