"""ISO weeks, in UTC: the unit a digest reports on and is claimed and sent for."""

import datetime
import re

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekError(ValueError):
    """A week that is malformed, does not exist, or is not over yet."""


def current(now=None):
    """(ISO year, ISO week) of `now` in UTC."""
    now = (now or timezone.now()).astimezone(datetime.UTC)
    year, week, _weekday = now.isocalendar()
    return year, week


def reported(now=None):
    """(ISO year, ISO week) that a digest sent at `now` reports on: the last complete week.

    The digest of a week goes out in the week after (settings.DIGEST_DAY / DIGEST_HOUR, see
    services.send_time), so that it covers seven whole days rather than the hours since
    Monday. From Monday 00:00 UTC the week just ended is the one reported, before its digest
    has gone out too.
    """
    now = (now or timezone.now()).astimezone(datetime.UTC)
    return current(now - datetime.timedelta(days=7))


def bounds(year, week):
    """[start, end) of an ISO week as aware UTC datetimes (Monday 00:00 to Monday 00:00)."""
    monday = datetime.date.fromisocalendar(year, week, 1)
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=datetime.UTC)
    return start, start + datetime.timedelta(days=7)


def parse(text, now=None):
    """'2026-W48' -> (2026, 48). Refuses malformed weeks, weeks that do not exist and weeks
    that are not over yet (a digest reports on a whole week, see `reported`)."""
    match = WEEK_RE.match((text or "").strip())
    if not match:
        raise WeekError(_("Give the week as YYYY-Www, for example 2026-W48."))
    year, week = int(match[1]), int(match[2])
    try:
        datetime.date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise WeekError(
            _("%(year)s has no ISO week %(week)s.") % {"year": year, "week": week}
        ) from exc
    _start, end = bounds(year, week)
    if end > (now or timezone.now()):
        raise WeekError(
            _("%(text)s is not over yet: a digest reports on a whole week.") % {"text": text}
        )
    return year, week


def days(year, week):
    """(Monday, Sunday) of an ISO week, as dates: the week as a period of days."""
    start, end = bounds(year, week)
    return start.date(), (end - datetime.timedelta(days=1)).date()


def label(year, week):
    return f"{year}-W{week:02d}"


def dates(year, week):
    """The week as people say it: "23–29 November 2026", "30 November – 6 December 2026",
    "28 December 2026 – 3 January 2027". Month names and the order of day, month and year
    follow the active language (the formats are translatable strings)."""
    first, last = days(year, week)
    full = pgettext("date format: day, month and year", "j F Y")
    if first.year != last.year:
        begin = date_format(first, full)
    elif first.month != last.month:
        begin = date_format(first, pgettext("date format: day and month", "j F"))
    else:
        # Translators: the days of one week within one month, e.g. "23–29 November 2026".
        return pgettext("week within a month", "%(first_day)s–%(last_date)s") % {
            "first_day": date_format(first, pgettext("date format: day", "j")),
            "last_date": date_format(last, full),
        }
    # Translators: a week across two months or years, e.g. "30 November – 6 December 2026".
    return pgettext("week across months", "%(first_date)s – %(last_date)s") % {
        "first_date": begin,
        "last_date": date_format(last, full),
    }


def following(year, week):
    start, _end = bounds(year, week)
    nxt = start + datetime.timedelta(days=7)
    y, w, _d = nxt.isocalendar()
    return y, w


def preceding(year, week):
    start, _end = bounds(year, week)
    y, w, _d = (start - datetime.timedelta(days=7)).isocalendar()
    return y, w
