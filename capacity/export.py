"""The trainings and transfers lists as CSV files: one row per record, as the page filters it.

Values are written as the other lists' files write them (priorities by code, agencies by
acronym, several values joined by ";"). Cells a spreadsheet would run as a formula are
defused.
"""

import csv

from django.db.models import Prefetch

from agencies.models import Agency
from common import spreadsheets
from priorities.models import Priority

SEPARATOR = ";"
# Rows read from the database at a time: a long list is never held in memory whole.
CHUNK = 500

TRAINING_COLUMNS = (
    "title",
    "start_date",
    "end_date",
    "status",
    "online",
    "country",
    "city",
    "lead_agency",
    "organisers",
    "participants",
    "participants_by_agency",
    "priorities",
    "materials",
    "url",
    "updated_at",
)
TRANSFER_COLUMNS = (
    "kind",
    "person",
    "from_agency",
    "to_agency",
    "start_date",
    "end_date",
    "purpose",
    "priorities",
    "url",
    "updated_at",
)


def _codes(priorities):
    return SEPARATOR.join(priority.code for priority in priorities)


def _priorities():
    return Prefetch("priorities", queryset=Priority.objects.only("code").order_by("code"))


def training_rows(trainings, absolute_url, today):
    queryset = (
        trainings.with_total()
        .select_related("lead_agency", "country")
        .prefetch_related(
            Prefetch("organisers", queryset=Agency.objects.only("acronym").order_by("acronym")),
            "participants__agency",
            _priorities(),
        )
    )
    for training in queryset.iterator(chunk_size=CHUNK):
        yield [
            training.title,
            training.start_date.isoformat(),
            training.end_date.isoformat() if training.end_date else "",
            training.status_on(today),
            "yes" if training.online else "no",
            training.country.iso3 if training.country else "",
            training.city,
            training.lead_agency.acronym,
            SEPARATOR.join(agency.acronym for agency in training.organisers.all()),
            training.participant_total,
            SEPARATOR.join(
                f"{row.agency.acronym}={row.participants}" for row in training.participants.all()
            ),
            _codes(training.priorities.all()),
            " ".join(training.material_links),
            absolute_url(training.get_absolute_url()),
            training.updated_at.isoformat(timespec="seconds"),
        ]


def transfer_rows(transfers, absolute_url, today):
    queryset = transfers.select_related("from_agency", "to_agency").prefetch_related(_priorities())
    for transfer in queryset.iterator(chunk_size=CHUNK):
        yield [
            transfer.kind,
            transfer.person_name,
            transfer.from_agency.acronym,
            transfer.to_agency.acronym,
            transfer.start_date.isoformat(),
            transfer.end_date.isoformat() if transfer.end_date else "",
            transfer.purpose,
            _codes(transfer.priorities.all()),
            absolute_url(transfer.get_absolute_url()),
            transfer.updated_at.isoformat(timespec="seconds"),
        ]


def write_csv(out, columns, rows):
    """Write the header and the rows to `out`; returns the number of rows."""
    # A byte-order mark, without which Excel reads UTF-8 (accents, dashes) as another encoding.
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    count = 0
    for cells in rows:
        writer.writerow([spreadsheets.protect(cell) for cell in cells])
        count += 1
    return count
