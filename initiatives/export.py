"""The joint-initiative list as a CSV file: one row per initiative, as the page filters it.

Values are written the way the activities file writes them (statuses and priorities by
code, agencies by acronym, several values joined by ";"), so that the two files can be
read side by side. Cells a spreadsheet would run as a formula are defused.
"""

import csv

from django.db.models import Prefetch

from agencies.models import Agency
from common import spreadsheets
from priorities.models import Priority

COLUMNS = (
    "title",
    "lead_agency",
    "participating_agencies",
    "status",
    "primary_priority",
    "priorities",
    "start_date",
    "end_date",
    "people_reached",
    "activities",
    "url",
)
SEPARATOR = ";"


def export_queryset(queryset):
    """The initiatives with everything export_row reads, in a fixed number of queries."""
    return (
        queryset.select_related("lead_agency", "primary_priority")
        .prefetch_related(
            Prefetch(
                "participating_agencies",
                queryset=Agency.objects.only("acronym").order_by("acronym"),
            ),
            Prefetch("priorities", queryset=Priority.objects.only("code").order_by("code")),
        )
        .with_activity_count()
    )


def export_row(initiative, url):
    """One initiative (from export_queryset) as a list of cells in COLUMNS order."""
    return [
        initiative.title,
        initiative.lead_agency.acronym,
        SEPARATOR.join(agency.acronym for agency in initiative.participating_agencies.all()),
        initiative.status,
        initiative.primary_priority.code if initiative.primary_priority else "",
        SEPARATOR.join(priority.code for priority in initiative.priorities.all()),
        initiative.start_date.isoformat() if initiative.start_date else "",
        initiative.end_date.isoformat() if initiative.end_date else "",
        "" if initiative.people_reached is None else initiative.people_reached,
        initiative.activity_count,
        url,
    ]


def write_csv(initiatives, out, absolute_url):
    """Write the header and one row per initiative to `out`; `absolute_url(path)` makes
    each initiative's address whole. Returns the number of rows."""
    # A byte-order mark, without which Excel reads UTF-8 (accents, dashes) as another
    # encoding.
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for initiative in export_queryset(initiatives):
        cells = export_row(initiative, absolute_url(initiative.get_absolute_url()))
        writer.writerow([spreadsheets.protect(cell) for cell in cells])
        count += 1
    return count
