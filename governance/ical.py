"""A person's calendar as iCalendar text (RFC 5545), written by hand: a few components, with
the escaping (section 3.3.11) and line folding (section 3.1) the format asks for."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ActionPoint, Meeting

# Meetings further back than this are history, not a calendar's business.
PAST_DAYS = 365
# Octets in a content line before it is folded (CRLF excluded).
LINE_OCTETS = 75
PRODID = "-//GMG Portal//Governance calendar//EN"


def escape(text):
    """A TEXT value: backslash, semicolon and comma escaped; line breaks as \\n; other
    control characters (not allowed in TEXT) dropped."""
    text = str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(ch for ch in text if ch == "\t" or ord(ch) >= 0x20 and ord(ch) != 0x7F)


def fold(line):
    """Split a content line into lines of at most LINE_OCTETS octets, each continuation
    starting with one space; never inside a UTF-8 character."""
    out, current, size = [], "", 0
    limit = LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            # The leading space of a continuation line counts towards its octets.
            current, size, limit = " ", 1, LINE_OCTETS
        current += ch
        size += width
    out.append(current)
    return out


def _date(value):
    return value.strftime("%Y%m%d")


def _event(uid, stamp, day, summary, description, url, location=""):
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_date(day)}",
        f"DTEND;VALUE=DATE:{_date(day + datetime.timedelta(days=1))}",
        f"SUMMARY:{escape(summary)}",
    ]
    if location:
        lines.append(f"LOCATION:{escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape(description)}")
    lines += [f"URL:{url}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def feed_items(user, today):
    """The meetings (from a year back) and the open action-point deadlines relevant to
    `user`: its agency's, or every agency's for the secretariat. Two queries."""
    meetings = (
        Meeting.objects.filter(date__gte=today - datetime.timedelta(days=PAST_DAYS))
        .select_related("chair")
        .order_by("date", "pk")
    )
    points = ActionPoint.objects.not_done().select_related("owner", "meeting")
    if not user.is_secretariat:
        points = points.filter(owner_id=user.agency_id)
    return list(meetings), list(points.order_by("due_date", "pk"))


def calendar(user, absolute_url, host, now=None):
    """The whole feed, as a string with CRLF line ends."""
    now = now or timezone.now()
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    meetings, points = feed_items(user, timezone.localdate())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(_('GMG meetings and deadlines'))}",
    ]
    for meeting in meetings:
        description = meeting.get_kind_display()
        if meeting.chair:
            description += "\n" + _("Chair: %(chair)s") % {"chair": meeting.chair.acronym}
        lines += _event(
            f"meeting-{meeting.pk}@{host}",
            stamp,
            meeting.date,
            meeting.title,
            description,
            absolute_url(meeting.get_absolute_url()),
            location=meeting.where,
        )
    for point in points:
        lines += _event(
            f"action-point-{point.pk}@{host}",
            stamp,
            point.due_date,
            _("Due (%(owner)s): %(action)s") % {"owner": point.owner.acronym, "action": point.text},
            _("Action point of “%(meeting)s”") % {"meeting": point.meeting.title},
            absolute_url(point.get_absolute_url()),
        )
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in fold(line))
