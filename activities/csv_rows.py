"""From the cells of one CSV row to the keyword arguments of the activity services.

Codes and names are looked up in the reference tables, read once per import. The
parser reports what it cannot read (an unknown code, a date in another format);
the register's own rules (an end before the start, no priority, ...) are left to
the services, which state each of them once.
"""

import datetime
import re

from django.utils.translation import gettext as _

from agencies.models import Agency
from common import spreadsheets
from geo.models import Country, Region
from initiatives.models import JointInitiative
from priorities.models import Priority, TargetGroup, Theme

from .csv_format import SEPARATOR
from .models import Activity

# Cells that may not be empty even before the services see them: the first two
# identify the row, and the parser needs the others to build the activity.
REQUIRED_VALUES = ("reference", "agency", "status", "start_date")

# fromisoformat() alone would also take "20260131" or "2026-W05-6", which a
# spreadsheet never means; the format the file promises is YYYY-MM-DD only.
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


class RowRejected(Exception):
    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


def _split(cell):
    """The distinct non-empty values of a multi-valued cell, in their order."""
    values = (value.strip() for value in cell.split(SEPARATOR))
    return list(dict.fromkeys(value for value in values if value))


class Vocabularies:
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


class RowParser:
    def __init__(self, columns, vocab):
        self.columns = columns
        self.vocab = vocab

    def parse(self, cells):
        """(agency, reference, fields) for the services, or raise RowRejected."""
        surplus = cells[len(self.columns) :]
        if any(cell.strip() for cell in surplus):
            # Usually an unquoted comma inside a value, which shifts every cell after it.
            raise RowRejected(
                [
                    _(
                        "the row has %(cells)d values but the header has %(columns)d columns "
                        "(is a value with a comma missing its quotes?)"
                    )
                    % {"cells": len(cells), "columns": len(self.columns)}
                ]
            )
        row = dict(zip(self.columns, cells, strict=False))
        # A short row (a spreadsheet drops trailing empty cells) reads as empty.
        values = {
            name: spreadsheets.unprotect((row.get(name) or "").strip())
            for name in self.columns
            if name
        }
        # PostgreSQL cannot store a NUL character, and a lookup with one fails
        # before any rule is read: the row is refused here, naming the cells.
        with_nul = [name for name, value in values.items() if "\x00" in value]
        if with_nul:
            raise RowRejected(
                [
                    _("%(column)s: holds a NUL character (byte 0), which cannot be saved")
                    % {"column": name}
                    for name in with_nul
                ]
            )
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
        if "language" in values and values["language"]:
            language = values["language"].lower()
            if language in Activity.Language.values:
                fields["language"] = language
            else:
                problems.append(
                    _('unknown language "%(value)s" (use one of: %(choices)s)')
                    % {"value": values["language"], "choices": ", ".join(Activity.Language.values)}
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
            raise RowRejected(problems)
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
