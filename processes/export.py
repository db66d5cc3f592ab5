"""The contribution list as a CSV file: one row per contribution, as the page filters it.

Values are written as the other lists' files write them (kinds and priorities by code,
agencies by acronym, several values joined by ";"). Cells a spreadsheet would run as a
formula are defused.
"""

import csv

from django.db.models import Prefetch

from agencies.models import Agency
from common import spreadsheets
from priorities.models import Priority

COLUMNS = (
    "process",
    "event",
    "event_start",
    "place",
    "kind",
    "title",
    "date",
    "lead_agency",
    "agencies",
    "joint",
    "initiative",
    "priorities",
    "link",
    "summary",
    "url",
    "updated_at",
)
SEPARATOR = ";"
# Rows read from the database at a time: a long list is never held in memory whole.
CHUNK = 500


def export_queryset(queryset):
    """The contributions with everything export_row reads, in a fixed number of queries
    per chunk."""
    return queryset.select_related("event__process", "lead_agency", "initiative").prefetch_related(
        Prefetch("agencies", queryset=Agency.objects.only("acronym").order_by("acronym")),
        Prefetch("priorities", queryset=Priority.objects.only("code").order_by("code")),
    )


def export_row(contribution, url):
    """One contribution (from export_queryset) as a list of cells in COLUMNS order."""
    event = contribution.event
    return [
        event.process.label,
        event.title,
        event.start_date.isoformat(),
        event.place,
        contribution.kind,
        contribution.title,
        contribution.date.isoformat(),
        contribution.lead_agency.acronym,
        SEPARATOR.join(agency.acronym for agency in contribution.agencies.all()),
        "yes" if contribution.is_joint else "no",
        contribution.initiative.title if contribution.initiative else "",
        SEPARATOR.join(priority.code for priority in contribution.priorities.all()),
        contribution.link,
        contribution.summary,
        url,
        contribution.updated_at.isoformat(timespec="seconds"),
    ]


def write_csv(contributions, out, absolute_url):
    """Write the header and one row per contribution to `out`; `absolute_url(path)` makes
    each contribution's address whole. Returns the number of rows."""
    # A byte-order mark, without which Excel reads UTF-8 (accents, dashes) as another encoding.
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for contribution in export_queryset(contributions).iterator(chunk_size=CHUNK):
        cells = export_row(contribution, absolute_url(contribution.get_absolute_url()))
        writer.writerow([spreadsheets.protect(cell) for cell in cells])
        count += 1
    return count
