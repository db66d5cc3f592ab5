"""Activities in and out of CSV, for agencies that keep their own registers.

The file has one activity per row. Multi-valued cells hold several values
separated by ";". Agencies and partners are named by acronym, countries by
ISO 3166-1 alpha-3 code, regions by M49 code or name, priorities by letter,
target groups and themes by slug or name, the joint initiative by its number
or exact title, dates as YYYY-MM-DD.

Import upserts on (agency, reference): a row whose agency already has an
activity with that reference updates it, any other row creates one. The
optional columns are only touched when the header has them; an empty cell
in one of them clears the value (an empty `kind` keeps the current kind, or
the default for a new activity, since an activity always has a kind).

Every write goes through the services, so imports obey the same rules as the
forms.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from agencies.models import Agency
from common import spreadsheets
from geo.models import Country, Region
from initiatives.models import JointInitiative
from priorities.models import Priority, TargetGroup, Theme

from .models import Activity
from .services import activity_create, activity_update

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
OPTIONAL_COLUMNS = ("kind", "target_groups", "themes", "initiative")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

SEPARATOR = ";"

# Cells that may not be empty even before the services see them: the first two
# identify the row, and the parser needs the others to build the activity.
REQUIRED_VALUES = ("reference", "agency", "status", "start_date")

EXPORT_CHUNK_SIZE = 2000

# fromisoformat() alone would also take "20260131" or "2026-W05-6", which a
# spreadsheet never means; the format the file promises is YYYY-MM-DD only.
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


class RowError(NamedTuple):
    """A rejected row (or a problem with the whole file).

    `line` is the physical line where the row starts, the header being line 1;
    it is None only when the line cannot be known.
    """

    line: int | None
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    # With atomic=True, one bad row undoes the good ones; the counts then say
    # zero so that they never claim something the database does not hold.
    rolled_back: bool = False
    # Set when the file itself is at fault (encoding, header, broken quoting):
    # one of the errors then stands for the file, not for a row.
    file_error: bool = False

    @property
    def rejected(self):
        """The number of rejected rows."""
        return len(self.errors) - self.file_error

    @property
    def ok(self):
        return not self.errors


class _FileError(Exception):
    def __init__(self, line, message):
        super().__init__(message)
        self.error = RowError(line, message)


class _RowRejected(Exception):
    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


class _RolledBack(Exception):
    """Raised inside the outer transaction of an atomic import to undo it."""


# ---------------------------------------------------------------- export


def export_queryset(queryset=None):
    """Activities with everything the export reads fetched in a fixed number of queries."""
    if queryset is None:
        queryset = Activity.objects.all()
    # The initiative is written by number (titles are not unique), so its
    # row is never needed and no join is spent on it.
    return queryset.select_related("agency").prefetch_related(
        Prefetch("countries", queryset=Country.objects.only("iso3").order_by("iso3")),
        Prefetch("regions", queryset=Region.objects.only("code").order_by("code")),
        Prefetch("priorities", queryset=Priority.objects.only("code").order_by("code")),
        Prefetch("partners", queryset=Agency.objects.only("acronym").order_by("acronym")),
        Prefetch("target_groups", queryset=TargetGroup.objects.only("slug").order_by("slug")),
        Prefetch("themes", queryset=Theme.objects.only("slug").order_by("slug")),
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


def _read_text(fileobj):
    data = fileobj.read()
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _FileError(
            line,
            _(
                "The file is not UTF-8 text (byte 0x%(byte)02X cannot be read); "
                "save it as “CSV UTF-8” and try again. Nothing was imported."
            )
            % {"byte": data[exc.start]},
        ) from exc


def _split(cell):
    """The distinct non-empty values of a multi-valued cell, in their order."""
    values = (value.strip() for value in cell.split(SEPARATOR))
    return list(dict.fromkeys(value for value in values if value))


def _message_text(exc):
    """A ValidationError as "field: message" phrases, the way a person reads them."""
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    parts = []
    for name, messages in exc.message_dict.items():
        for message in messages:
            parts.append(message if name == NON_FIELD_ERRORS else f"{name}: {message}")
    return "; ".join(parts)


class _Vocabularies:
    """The reference tables, read once per import so a row costs no lookups."""

    def __init__(self):
        self.agencies = {a.acronym.lower(): a for a in Agency.objects.all()}
        self.countries = {c.iso3: c for c in Country.objects.all()}
        self.regions = {}
        for region in Region.objects.all():
            self.regions[region.code] = region
            self.regions[region.name.lower()] = region
        self.priorities = {p.code: p for p in Priority.objects.all()}
        self.target_groups = self._by_slug_or_name(TargetGroup)
        self.themes = self._by_slug_or_name(Theme)
        self._initiatives = {}

    @staticmethod
    def _by_slug_or_name(model):
        table = {}
        for item in model.objects.all():
            table[item.slug.lower()] = item
            table[item.name.lower()] = item
        return table

    def region(self, value):
        # Spreadsheets drop leading zeros, turning "002" into "2".
        key = value.zfill(3) if value.isascii() and value.isdigit() else value.lower()
        return self.regions.get(key)

    def initiative(self, value):
        """(initiative, problem); the problem is a message or None."""
        if value not in self._initiatives:
            found = []
            # Bounded so an absurd number cannot overflow the database's integer.
            if value.isascii() and value.isdigit() and len(value) < 18:
                found = list(JointInitiative.objects.filter(pk=int(value)))
            if not found:
                found = list(JointInitiative.objects.filter(title=value)[:2])
            if not found:
                outcome = (None, _('unknown joint initiative "%(value)s"') % {"value": value})
            elif len(found) > 1:
                outcome = (
                    None,
                    _(
                        'several joint initiatives are titled "%(value)s"; '
                        "name it by its number instead"
                    )
                    % {"value": value},
                )
            else:
                outcome = (found[0], None)
            self._initiatives[value] = outcome
        return self._initiatives[value]


class _RowParser:
    def __init__(self, columns, vocab):
        self.columns = columns
        self.vocab = vocab

    def parse(self, cells):
        """(agency, reference, fields) for the services, or raise _RowRejected."""
        row = dict(zip(self.columns, cells, strict=False))
        # A short row (a spreadsheet drops trailing empty cells) reads as empty.
        values = {
            name: spreadsheets.unprotect((row.get(name) or "").strip())
            for name in self.columns
            if name
        }
        problems = []
        for name in REQUIRED_VALUES:
            if not values[name]:
                problems.append(_("%(column)s: a value is required") % {"column": name})
        vocab = self.vocab

        agency = None
        if values["agency"]:
            agency = vocab.agencies.get(values["agency"].lower())
            if agency is None:
                problems.append(_('unknown agency "%(value)s"') % {"value": values["agency"]})

        fields = {
            "title": values["title"],
            "description": values["description"],
        }

        status = values["status"].lower()
        if status:
            if status in Activity.Status.values:
                fields["status"] = status
            else:
                problems.append(
                    _('unknown status "%(value)s" (use one of: %(choices)s)')
                    % {"value": values["status"], "choices": ", ".join(Activity.Status.values)}
                )

        for name in ("start_date", "end_date"):
            if values[name]:
                date = self._date(values[name])
                if date is None:
                    problems.append(
                        _('%(column)s: "%(value)s" is not a date in the form YYYY-MM-DD')
                        % {"column": name, "value": values[name]}
                    )
                else:
                    fields[name] = date
            elif name == "end_date":
                fields[name] = None
        start, end = fields.get("start_date"), fields.get("end_date")
        if start and end and end < start:
            problems.append(
                _("end_date: the end date %(end)s is before the start date %(start)s")
                % {"end": end.isoformat(), "start": start.isoformat()}
            )

        fields["countries"] = self._many(
            values["countries"],
            lambda v: vocab.countries.get(v.upper()),
            _('unknown country code "%(value)s"'),
            problems,
        )
        fields["regions"] = self._many(
            values["regions"], vocab.region, _('unknown region "%(value)s"'), problems
        )
        fields["priorities"] = self._many(
            values["priorities"],
            lambda v: vocab.priorities.get(v.lower()),
            _('unknown priority "%(value)s" (use the letters a to l)'),
            problems,
        )
        fields["partners"] = self._many(
            values["partners"],
            lambda v: vocab.agencies.get(v.lower()),
            _('unknown partner agency "%(value)s"'),
            problems,
        )

        if "kind" in values and values["kind"]:
            kind = values["kind"].lower()
            if kind in Activity.Kind.values:
                fields["kind"] = kind
            else:
                problems.append(
                    _('unknown kind "%(value)s" (use one of: %(choices)s)')
                    % {"value": values["kind"], "choices": ", ".join(Activity.Kind.values)}
                )
        if "target_groups" in values:
            fields["target_groups"] = self._many(
                values["target_groups"],
                lambda v: vocab.target_groups.get(v.lower()),
                _('unknown target group "%(value)s"'),
                problems,
            )
        if "themes" in values:
            fields["themes"] = self._many(
                values["themes"],
                lambda v: vocab.themes.get(v.lower()),
                _('unknown theme "%(value)s"'),
                problems,
            )
        if "initiative" in values:
            fields["initiative"] = None
            if values["initiative"]:
                initiative, problem = vocab.initiative(values["initiative"])
                if problem:
                    problems.append(problem)
                fields["initiative"] = initiative

        if problems:
            raise _RowRejected(problems)
        return agency, values["reference"], fields

    @staticmethod
    def _date(value):
        if not DATE_PATTERN.fullmatch(value):
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None

    @staticmethod
    def _many(cell, lookup, message, problems):
        found = []
        for value in _split(cell):
            item = lookup(value)
            if item is None:
                problems.append(message % {"value": value})
            else:
                found.append(item)
        return found


def _records(text):
    """Yield (line where the record starts, cells), skipping blank lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        # A quoted cell may span lines, so a record starts just after the
        # previous one ended, not at a count of records.
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _FileError(
                start,
                _("The CSV is malformed here (%(problem)s); rows from here on were not read.")
                % {"problem": exc},
            ) from exc
        if any(cell.strip() for cell in cells):
            yield start, cells


def _read_header(records):
    try:
        line, cells = next(records)
    except StopIteration:
        raise _FileError(
            1,
            _("The file is empty; it needs a header row with the columns: %(columns)s.")
            % {"columns": ", ".join(REQUIRED_COLUMNS)},
        ) from None
    columns = [cell.strip().lower() for cell in cells]
    seen, repeated = set(), []
    for name in columns:
        if name in COLUMNS and name in seen:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise _FileError(
            line,
            _("The header names these columns more than once: %(columns)s. Nothing was imported.")
            % {"columns": ", ".join(repeated)},
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        raise _FileError(
            line,
            _(
                "The header lacks the required column(s) %(missing)s; it must name: "
                "%(columns)s. Nothing was imported."
            )
            % {"missing": ", ".join(missing), "columns": ", ".join(REQUIRED_COLUMNS)},
        )
    # Columns the file may carry for its own use (notes, budget codes) are
    # blanked out so that they are never read, rather than refused.
    return [name if name in COLUMNS else "" for name in columns]


def _import_row(parser, line, cells, by, result):
    if len(cells) > len(parser.columns) and any(c.strip() for c in cells[len(parser.columns) :]):
        # Usually an unquoted comma inside a value, which shifts every cell after it.
        result.errors.append(
            RowError(
                line,
                _(
                    "the row has %(cells)d values but the header has %(columns)d columns "
                    "(is a value with a comma missing its quotes?)"
                )
                % {"cells": len(cells), "columns": len(parser.columns)},
            )
        )
        return
    try:
        agency, reference, fields = parser.parse(cells)
    except _RowRejected as exc:
        result.errors.append(RowError(line, "; ".join(exc.problems)))
        return
    try:
        # Its own savepoint: a row that fails leaves nothing behind, and the
        # rows before it stay saved.
        with transaction.atomic():
            existing = Activity.objects.filter(agency=agency, reference=reference).first()
            if existing is None:
                activity_create(agency=agency, by=by, reference=reference, **fields)
                result.created += 1
            else:
                activity_update(existing, by=by, **fields)
                result.updated += 1
    except ValidationError as exc:
        result.errors.append(RowError(line, _message_text(exc)))
    except DatabaseError as exc:
        # A colleague saving the same reference at that moment, for example.
        result.errors.append(
            RowError(line, _("the database refused the row: %(problem)s") % {"problem": exc})
        )


def import_csv(fileobj, *, by=None, atomic=False):
    """Create or update activities from a CSV file object (binary or text).

    Returns an ImportResult. Rows are saved one by one, each in its own
    savepoint; with `atomic`, nothing is kept unless every row is accepted.
    """
    result = ImportResult()
    try:
        text = _read_text(fileobj)
        records = _records(text)
        columns = _read_header(records)
        parser = _RowParser(columns, _Vocabularies())
    except UnicodeDecodeError as exc:
        # A text stream opened with the wrong encoding: its position is unknown.
        result.errors.append(
            RowError(
                None,
                _("The file is not UTF-8 text (%(problem)s); save it as “CSV UTF-8”.")
                % {"problem": exc.reason},
            )
        )
        result.file_error = True
        return result
    except _FileError as exc:
        result.errors.append(exc.error)
        result.file_error = True
        return result

    def run():
        try:
            for line, cells in records:
                _import_row(parser, line, cells, by, result)
        except _FileError as exc:
            result.errors.append(exc.error)
            result.file_error = True

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
