"""The calendar engine hardened (issue 26): clear refusals, searches that keep their
documented horizon, and far years answered without compiling each of them."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta

import holidays
import pytest

from slaclock import Calendar, ConfigError, HorizonError

H = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("hours", [((0, 3000),), ((600, 540),), ((-5, 60),), ((60, 60),)])
def test_an_override_given_as_minutes_out_of_a_day_is_refused(hours: tuple) -> None:
    with pytest.raises(ConfigError, match=r"overrides\[2026-01-05\].*0 <= start < 1440"):
        Calendar(tz="UTC", hours="09:00-17:00", overrides={date(2026, 1, 5): hours})


def test_an_override_given_as_minutes_keeps_an_overnight_interval_as_weekly_hours_do() -> None:
    cal = Calendar(tz="UTC", hours="09:00-17:00", overrides={date(2026, 1, 5): ((1320, 1800),)})
    assert cal.overrides[date(2026, 1, 5)] == ((1320, 1800),)
    assert cal.day_hours(date(2026, 1, 5)) == Calendar(
        tz="UTC", hours="09:00-17:00", overrides={date(2026, 1, 5): "22:00-06:00"}
    ).day_hours(date(2026, 1, 5))


@pytest.mark.parametrize("text", ["٠٩:٠٠-١٧:٠٠", "۰۹:۰۰-۱۷:۰۰", "０９:００-１７:００"])
def test_hours_in_digits_other_than_ascii_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="ASCII digits"):
        Calendar(tz="UTC", hours=text)
    with pytest.raises(ConfigError, match="ASCII digits"):
        Calendar(tz="UTC", hours="09:00-17:00", overrides={date(2026, 1, 5): text})


def test_a_calendar_over_a_holidays_object_equals_its_unpickled_copy() -> None:
    cal = Calendar(tz="Europe/London", hours="09:00-17:00",
                   holidays=holidays.country_holidays("GB"))
    copy = pickle.loads(pickle.dumps(cal))
    assert copy == cal
    assert hash(copy) == hash(cal)
    # Whichever years either has compiled (each fills its holidays object in lazily).
    cal.add(utc(2026, 12, 24, 16), 2 * H)
    assert copy == cal
    assert cal != Calendar(tz="Europe/London", hours="09:00-17:00",
                           holidays=holidays.country_holidays("US"))


def test_next_open_looks_exactly_fifty_years_ahead() -> None:
    start = utc(2026, 1, 1)
    inside = Calendar(tz="UTC", hours={}, overrides={date(2075, 12, 31): "09:00-10:00"})
    assert inside.next_open(start) == utc(2075, 12, 31, 9)
    beyond = Calendar(tz="UTC", hours={}, overrides={date(2076, 1, 20): "09:00-10:00"})
    with pytest.raises(HorizonError, match="50 years after 2026-01-01"):
        beyond.next_open(start)
    assert beyond.next_close(start) is None


def test_previous_open_looks_exactly_fifty_years_back() -> None:
    start = utc(2076, 1, 1)
    behind = Calendar(tz="UTC", hours={}, overrides={date(2025, 12, 12): "09:00-10:00"})
    with pytest.raises(HorizonError, match="50 years before 2076-01-01"):
        behind.previous_open(start)
    assert behind.previous_close(utc(2076, 1, 1)) == utc(2076, 1, 1)


def test_add_business_days_names_the_start_of_the_window_it_searched() -> None:
    closed = [date(2026, 1, 1) + timedelta(days=i) for i in range(366 * 53)]
    cal = Calendar(tz="UTC", hours="09:00-17:00", days_off=closed)
    with pytest.raises(HorizonError, match=r"no business day in the 50 years from 2026-01-02$"):
        cal.add_business_days(date(2026, 1, 1), 1)
    with pytest.raises(HorizonError, match=r"back from 2078-12-31$"):
        cal.add_business_days(date(2079, 1, 1), -1)
