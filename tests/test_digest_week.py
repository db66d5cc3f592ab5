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


def test_future_week_is_refused():
    with pytest.raises(WeekError, match="future"):
        week.parse("2026-W49", now=NOW)
    assert week.parse("2026-W48", now=NOW) == (2026, 48)


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
