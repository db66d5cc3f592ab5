import datetime

import pytest

from digests import tokens, week
from digests.week import WeekError

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)


def test_year_boundary_weeks():
    # 2026 has 53 ISO weeks; New Year's Day 2027 still belongs to 2026-W53.
    assert week.current(datetime.datetime(2026, 12, 31, 23, 0, tzinfo=datetime.UTC)) == (2026, 53)
    assert week.current(datetime.datetime(2027, 1, 1, 8, 0, tzinfo=datetime.UTC)) == (2026, 53)
    assert week.current(datetime.datetime(2027, 1, 4, 0, 0, tzinfo=datetime.UTC)) == (2027, 1)
    assert week.following(2026, 53) == (2027, 1)


def test_bounds_are_utc_mondays():
    start, end = week.bounds(2026, 13)
    assert start == datetime.datetime(2026, 3, 23, tzinfo=datetime.UTC)
    assert end - start == datetime.timedelta(days=7)


def test_current_week_uses_utc_not_local_time():
    # Sunday 23:30 in New York is already Monday in UTC.
    new_york = datetime.timezone(datetime.timedelta(hours=-5))
    local = datetime.datetime(2026, 11, 29, 23, 30, tzinfo=new_york)
    assert week.current(local) == (2026, 49)


@pytest.mark.parametrize("text", ["2026-48", "W48", "2026-W5", "", "2026-w48x"])
def test_malformed_weeks_are_refused(text):
    with pytest.raises(WeekError, match="YYYY-Www"):
        week.parse(text, now=NOW)


def test_week_that_does_not_exist_is_refused():
    with pytest.raises(WeekError, match="no ISO week 53"):
        week.parse("2025-W53", now=NOW)


def test_a_week_that_is_not_over_yet_is_refused():
    # NOW is the Friday of 2026-W48: a digest reports on a whole week.
    for text in ("2026-W48", "2026-W49", "2099-W01"):
        with pytest.raises(WeekError, match=f"{text} is not over yet"):
            week.parse(text, now=NOW)
    assert week.parse("2026-W47", now=NOW) == (2026, 47)
    # From Monday 00:00 UTC it is over.
    monday = datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC)
    with pytest.raises(WeekError, match="not over yet"):
        week.parse("2026-W48", now=monday - datetime.timedelta(seconds=1))
    assert week.parse("2026-W48", now=monday) == (2026, 48)


@pytest.mark.parametrize(
    "now, expected",
    [
        # The digest sent on Monday 30 November 2026 at 06:00 reports on 23-29 November.
        (datetime.datetime(2026, 11, 30, 6, 0, tzinfo=datetime.UTC), (2026, 48)),
        (datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC), (2026, 48)),
        (datetime.datetime(2026, 12, 6, 23, 59, tzinfo=datetime.UTC), (2026, 48)),
        (datetime.datetime(2026, 11, 29, 23, 59, tzinfo=datetime.UTC), (2026, 47)),
        # 2026 has 53 ISO weeks: 28 December 2026 to 3 January 2027, reported in January.
        (datetime.datetime(2027, 1, 4, 6, 0, tzinfo=datetime.UTC), (2026, 53)),
        (datetime.datetime(2027, 1, 11, 6, 0, tzinfo=datetime.UTC), (2027, 1)),
        (datetime.datetime(2026, 12, 28, 6, 0, tzinfo=datetime.UTC), (2026, 52)),
    ],
)
def test_the_week_reported_is_the_last_complete_one(now, expected):
    assert week.reported(now) == expected
    start, end = week.bounds(*expected)
    assert end <= now < end + datetime.timedelta(days=7)


def test_the_week_reported_is_utc_not_local_time():
    # Sunday 23:30 in New York is already Monday in UTC, where 2026-W49 has ended.
    new_york = datetime.timezone(datetime.timedelta(hours=-5))
    assert week.reported(datetime.datetime(2026, 12, 6, 23, 30, tzinfo=new_york)) == (2026, 49)
    assert week.reported(datetime.datetime(2026, 12, 6, 18, 30, tzinfo=new_york)) == (2026, 48)


def test_preceding_and_following_weeks_across_a_53_week_year():
    assert week.preceding(2027, 1) == (2026, 53)
    assert week.preceding(2026, 53) == (2026, 52)
    assert week.following(2026, 52) == (2026, 53)
    assert week.preceding(2026, 1) == (2025, 52)


def test_tampered_unsubscribe_token_reads_as_nobody(alice):
    token = tokens.make(alice)
    assert tokens.read(token) == alice.pk
    assert tokens.read(token[:-2] + "xx") is None
    assert tokens.read("garbage") is None


@pytest.mark.parametrize(
    "year,number,expected",
    [
        (2026, 48, "23–29 November 2026"),
        (2026, 49, "30 November – 6 December 2026"),
        (2026, 53, "28 December 2026 – 3 January 2027"),
        (2027, 1, "4–10 January 2027"),
    ],
)
def test_a_week_reads_as_dates(year, number, expected):
    assert week.dates(year, number) == expected


def test_week_dates_follow_the_language():
    from django.utils import translation

    with translation.override("fr"):
        assert week.dates(2026, 49) == "30 novembre – 6 décembre 2026"
