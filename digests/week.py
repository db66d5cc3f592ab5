"""ISO weeks, in UTC: the unit a digest is claimed and sent for."""

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext as _

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekError(ValueError):
    """A week that is malformed, does not exist, or lies in the future."""


def current(now=None):
    """(ISO year, ISO week) of `now` in UTC."""
    now = (now or timezone.now()).astimezone(datetime.UTC)
    year, week, _weekday = now.isocalendar()
    return year, week


def bounds(year, week):
    """[start, end) of an ISO week as aware UTC datetimes (Monday 00:00 to Monday 00:00)."""
    monday = datetime.date.fromisocalendar(year, week, 1)
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=datetime.UTC)
    return start, start + datetime.timedelta(days=7)


def parse(text, now=None):
    """'2026-W48' -> (2026, 48). Refuses malformed weeks, weeks that do not exist and the future."""
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
    if (year, week) > current(now):
        raise WeekError(_("%(text)s is in the future.") % {"text": text})
    return year, week


def label(year, week):
    return f"{year}-W{week:02d}"


def following(year, week):
    start, _end = bounds(year, week)
    nxt = start + datetime.timedelta(days=7)
    y, w, _d = nxt.isocalendar()
    return y, w
