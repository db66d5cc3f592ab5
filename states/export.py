"""The lists as CSV files: one row per record, as the page filters it.

Values are written as the other lists' files write them (kinds and statuses by code,
agencies by acronym, several values joined by ";"). Cells a spreadsheet would run as a
formula are defused.
"""

import csv

from django.db.models import Count, Prefetch, Q

from agencies.models import Agency
from common import spreadsheets
from priorities.models import Priority

SEPARATOR = ";"
CHUNK = 500

ENGAGEMENT_COLUMNS = (
    "date",
    "counterpart_kind",
    "counterpart",
    "country",
    "topic",
    "lead_agency",
    "agencies",
    "priorities",
    "follow_ups_open",
    "summary",
    "url",
    "updated_at",
)
REQUEST_COLUMNS = (
    "received",
    "country",
    "requesting_body",
    "subject",
    "status",
    "lead_agency",
    "priorities",
    "outcome",
    "description",
    "url",
    "updated_at",
)
FOLLOW_UP_COLUMNS = (
    "due_date",
    "description",
    "owner_agency",
    "status",
    "overdue",
    "done_date",
    "engagement",
    "engagement_date",
    "country",
    "url",
)


def _codes(priorities):
    return SEPARATOR.join(p.code for p in priorities)


def _prefetches():
    return (Prefetch("priorities", queryset=Priority.objects.only("code").order_by("code")),)


def engagement_rows(engagements, absolute_url):
    queryset = (
        engagements.select_related("country", "lead_agency")
        .prefetch_related(
            Prefetch("agencies", queryset=Agency.objects.only("acronym").order_by("acronym")),
            *_prefetches(),
        )
        .annotate(open_follow_ups=Count("follow_ups", filter=Q(follow_ups__status="open")))
    )
    for e in queryset.iterator(chunk_size=CHUNK):
        yield [
            e.date.isoformat(),
            e.counterpart_kind,
            e.counterpart_name,
            e.country.iso3 if e.country_id else "",
            e.topic,
            e.lead_agency.acronym,
            SEPARATOR.join(a.acronym for a in e.agencies.all()),
            _codes(e.priorities.all()),
            e.open_follow_ups,
            e.summary,
            absolute_url(e.get_absolute_url()),
            e.updated_at.isoformat(timespec="seconds"),
        ]


def request_rows(requests, absolute_url):
    queryset = requests.select_related("country", "lead_agency").prefetch_related(*_prefetches())
    for r in queryset.iterator(chunk_size=CHUNK):
        yield [
            r.received_date.isoformat(),
            r.country.iso3 if r.country_id else "",
            r.requesting_body,
            r.subject,
            r.status,
            r.lead_agency.acronym if r.lead_agency_id else "",
            _codes(r.priorities.all()),
            r.outcome,
            r.description,
            absolute_url(r.get_absolute_url()),
            r.updated_at.isoformat(timespec="seconds"),
        ]


def follow_up_rows(follow_ups, absolute_url, today):
    queryset = follow_ups.select_related("owner_agency", "engagement__country")
    for f in queryset.iterator(chunk_size=CHUNK):
        engagement = f.engagement
        yield [
            f.due_date.isoformat(),
            f.description,
            f.owner_agency.acronym,
            f.status,
            "yes" if f.is_overdue_on(today) else "no",
            f.done_date.isoformat() if f.done_date else "",
            engagement.topic,
            engagement.date.isoformat(),
            engagement.country.iso3 if engagement.country_id else "",
            absolute_url(f.get_absolute_url()),
        ]


def write_csv(columns, rows, out):
    """The header and the rows to `out`, each cell defused; the number of rows."""
    # A byte-order mark, without which Excel reads UTF-8 (accents, dashes) as another encoding.
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    count = 0
    for cells in rows:
        writer.writerow([spreadsheets.protect(cell) for cell in cells])
        count += 1
    return count
