"""The meeting and action-point lists as CSV files, as the pages filter them; cells a
spreadsheet would run as a formula are defused."""

import csv

from django.db.models import Prefetch
from django.utils import timezone

from common import spreadsheets

from .models import AgendaItem

COLUMNS = (
    "meeting",
    "meeting_date",
    "agenda_item",
    "action",
    "owner",
    "due_date",
    "status",
    "done_on",
    "overdue",
    "progress_note",
    "url",
)
MEETING_COLUMNS = (
    "date",
    "kind",
    "title",
    "place",
    "online",
    "chair",
    "agenda",
    "decisions",
    "action_points",
    "action_points_open",
    "url",
)
CHUNK = 500
# Agenda items in one cell, one per line, as the meeting's page numbers them.
AGENDA_SEPARATOR = "\n"


def write_csv(action_points, out, absolute_url):
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    today = timezone.localdate()
    count = 0
    rows = action_points.select_related("meeting", "owner", "agenda_item")
    for point in rows.iterator(chunk_size=CHUNK):
        cells = [
            point.meeting.title,
            point.meeting.date.isoformat(),
            point.agenda_item.title if point.agenda_item else "",
            point.text,
            point.owner.acronym,
            point.due_date.isoformat(),
            point.status,
            point.done_on.isoformat() if point.done_on else "",
            "yes" if point.is_overdue_on(today) else "no",
            point.status_note,
            absolute_url(point.get_absolute_url()),
        ]
        writer.writerow([spreadsheets.protect(cell) for cell in cells])
        count += 1
    return count


def write_meetings_csv(meetings, out, absolute_url):
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(MEETING_COLUMNS)
    # The counts are annotated and the agenda prefetched per chunk: the file costs the same
    # few queries for ten meetings or a thousand.
    rows = (
        meetings.select_related("chair")
        .with_counts()
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position", "pk"))
        )
    )
    count = 0
    for meeting in rows.iterator(chunk_size=CHUNK):
        cells = [
            meeting.date.isoformat(),
            meeting.kind,
            meeting.title,
            meeting.place,
            "yes" if meeting.online else "no",
            meeting.chair.acronym if meeting.chair_id else "",
            AGENDA_SEPARATOR.join(str(item) for item in meeting.agenda_items.all()),
            meeting.decisions,
            meeting.action_point_count,
            meeting.open_count,
            absolute_url(meeting.get_absolute_url()),
        ]
        writer.writerow([spreadsheets.protect(cell) for cell in cells])
        count += 1
    return count
