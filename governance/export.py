"""The action-point list as a CSV file, as the page filters it; cells a spreadsheet would run
as a formula are defused."""

import csv

from django.utils import timezone

from common import spreadsheets

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
CHUNK = 500


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
