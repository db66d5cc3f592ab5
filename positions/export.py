"""The position list as a CSV file: one row per position, as the page filters it.

Written the way the other lists' files are (stages and priorities by code, agencies by
acronym, several values joined by ";"); cells a spreadsheet would run as a formula are
defused.
"""

import csv

from django.db.models import Prefetch

from common import spreadsheets
from priorities.models import Priority

from .models import Endorsement

COLUMNS = (
    "title",
    "kind",
    "status",
    "lead_agency",
    "priorities",
    "version",
    "comment_deadline",
    "endorsement_deadline",
    "endorsed_by",
    "declined_by",
    "not_answered",
    "adopted_on",
    "url",
)
SEPARATOR = ";"


def export_queryset(queryset):
    """The positions with everything export_row reads, in a fixed number of queries."""
    return queryset.select_related("lead_agency", "current_version").prefetch_related(
        Prefetch("priorities", queryset=Priority.objects.only("code").order_by("code")),
        Prefetch(
            "endorsements",
            queryset=Endorsement.objects.select_related("agency")
            .only("position_id", "status", "agency__acronym")
            .order_by("agency__acronym"),
        ),
    )


def _agencies(position, status):
    return SEPARATOR.join(
        e.agency.acronym for e in position.endorsements.all() if e.status == status
    )


def export_row(position, url):
    """One position (from export_queryset) as a list of cells in COLUMNS order."""
    Status = Endorsement.Status
    return [
        position.title,
        position.kind,
        position.status,
        position.lead_agency.acronym,
        SEPARATOR.join(priority.code for priority in position.priorities.all()),
        position.current_version.number if position.current_version else "",
        position.comment_deadline.isoformat() if position.comment_deadline else "",
        position.endorsement_deadline.isoformat() if position.endorsement_deadline else "",
        _agencies(position, Status.ENDORSED),
        _agencies(position, Status.DECLINED),
        _agencies(position, Status.PENDING),
        position.adopted_at.date().isoformat() if position.adopted_at else "",
        url,
    ]


def write_csv(positions, out, absolute_url):
    """Write the header and one row per position to `out`. Returns the number of rows."""
    # A byte-order mark, without which Excel reads UTF-8 as another encoding.
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for position in export_queryset(positions):
        cells = export_row(position, absolute_url(position.get_absolute_url()))
        writer.writerow([spreadsheets.protect(cell) for cell in cells])
        count += 1
    return count


__all__ = ["COLUMNS", "write_csv"]
