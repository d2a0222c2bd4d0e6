"""The calendar engine hardened (issue 26): clear refusals, searches that keep their
documented horizon, and far years answered without compiling each of them."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta

import holidays
import pytest

from slaclock import Calendar, ConfigError, HorizonError, ProvisionalCalendarWarning

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


# -- far years: a year alike gives its total, not a compile --------------------------------


def test_working_time_to_year_9999_on_a_24_7_calendar_compiles_a_few_dozen_years() -> None:
    cal = Calendar.always()
    start, end = utc(2026, 1, 1), utc(9999, 12, 31)
    assert cal.business_time(start, end) == end - start
    # 2026-2039 each, then one year of each kind (weekday of 1 January, leap or not).
    assert cal._compiled.compiled <= 14 + 14 + 2


def test_a_target_no_year_before_9999_can_reach_is_refused_without_compiling_every_year(
) -> None:
    cal = Calendar(tz="UTC", hours={"mon": "09:00-09:01"})  # one minute a week
    with pytest.raises(HorizonError, match="after the end of year 9999"):
        cal.add(utc(2026, 1, 1), 10_000 * H)
    assert cal._compiled.compiled < 100


def test_russia_from_year_1_to_9999_compiles_a_bounded_number_of_years() -> None:
    cal = Calendar.russia()
    with pytest.warns(ProvisionalCalendarWarning):
        total = cal.business_time(utc(1, 1, 1), utc(9999, 12, 31))
    assert total > timedelta(0)
    # The published years, 1800-2039, and a year of each kind before and after.
    assert cal._compiled.compiled < 600


def test_a_row_in_year_1_costs_a_few_dozen_years_not_two_thousand() -> None:
    cal = Calendar(tz="Europe/Moscow", hours="09:00-18:00")
    assert cal.business_time(utc(1, 1, 2), utc(2026, 1, 1)) > timedelta(0)
    assert cal._compiled.compiled < 300


CALENDARS = {
    "london with a night on sundays": Calendar(
        tz="Europe/London", hours={"mon-fri": "09:00-17:00", "sun": "23:00-02:30"}),
    "new york across the DST hour": Calendar(
        tz="America/New_York", hours={"mon-fri": "01:30-02:30, 22:00-23:00",
                                      "sat": "20:00-04:00"}),
    "lord howe's half-hour DST": Calendar(
        tz="Australia/Lord_Howe", hours={"mon-sun": "01:45-02:15"}),
    "casablanca's predicted changes": Calendar(
        tz="Africa/Casablanca", hours={"mon-sun": "00:00-24:00"}),
    "GB holidays": Calendar(tz="Europe/London", hours="09:00-17:00", holidays="GB"),
    "US holidays, nights": Calendar(tz="America/Chicago", hours="22:00-06:00", holidays="US"),
    "russia": Calendar.russia(),
    "dated rules": Calendar(tz="Europe/Berlin", hours="08:00-16:00",
                            overrides={date(2500, 12, 31): "20:00-04:00"},
                            days_off=[date(3000, 5, 5)]),
}
YEARS = [2, 3, 4, 5, 1797, 1798, 1799, 2040, 2041, 2042, 2043, 2044, 2045, 2046, 2047,
         2048, 2099, 2100, 2101, 2500, 2501, 3000, 3001, 5000, 7777, 9998]


@pytest.mark.filterwarnings("ignore::slaclock.ProvisionalCalendarWarning")
@pytest.mark.parametrize("name", list(CALENDARS))
def test_a_year_taken_from_a_year_alike_has_the_total_it_compiles_to(name: str) -> None:
    cal = CALENDARS[name]
    timeline = cal._compiled
    for block in (range(2, 40), range(1790, 1800), range(2040, 2110), range(2490, 2510),
                  range(2990, 3010), range(4990, 5010), range(7770, 7780), range(9990, 9999)):
        timeline.totals(block, warn=False)
    for year in YEARS:
        lo, hi = timeline._bounds(year)
        assert timeline.total(year) == sum(e - s for s, e in cal._chunk(lo, hi)), year


def test_a_combined_calendar_in_one_zone_takes_far_totals_from_years_alike() -> None:
    office = Calendar(tz="Europe/London", hours="09:00-17:00", holidays="GB")
    lunch = Calendar(tz="Europe/London", hours={"mon-sun": "12:00-13:00"})
    both = office - lunch
    timeline = both._compiled
    timeline.totals(range(2040, 3040), warn=False)
    assert timeline.compiled < 500
    for year in (2041, 2500, 3039):
        lo, hi = timeline._bounds(year)
        assert timeline.total(year) == sum(e - s for s, e in both._chunk(lo, hi))


@pytest.mark.filterwarnings("ignore::slaclock.ProvisionalCalendarWarning")
def test_a_provisional_russian_year_carries_over_and_shortens_only_the_holidays_listed() -> None:
    cal = Calendar.russia()
    # The holidays package lists Russia's holidays from 1991 to 2100: 2101 has none, so no
    # Monday is a carried-over holiday and no eve is shortened.
    assert cal.day_hours(date(2101, 5, 2)) == ((540, 1080),)  # Monday after 1 May (Sunday)
    assert cal.day_hours(date(2101, 2, 22)) == ((540, 1080),)  # no 23 February to shorten
    # 4 November became a holiday in 2005: in 2001 it was a Sunday like any other.
    assert cal.is_business_day(date(2001, 11, 5))
    # Inside the listed years nothing changes: 2099's carried-over 1 May and 9 May.
    assert not cal.is_business_day(date(2099, 5, 11))


@pytest.mark.parametrize("tz", ["UTC", "Europe/London", "America/St_Johns"])
def test_working_time_on_a_24_7_calendar_is_end_minus_start_without_compiling(tz: str) -> None:
    cal = Calendar.always(tz)
    start, end = utc(2026, 3, 29, 0, 30), utc(9999, 12, 31)
    assert cal.business_time(start, end) == end - start
    assert cal.business_time(end, start) == start - end
    assert cal._compiled.compiled == 0
    both = cal | Calendar(tz="UTC", hours="09:00-17:00")
    assert both.business_time(start, end) == end - start
    assert both._compiled.compiled == 0
    # Not 24/7: a holiday, or a minute missing, and the years are compiled.
    gb = Calendar(tz=tz, hours={"mon-sun": "00:00-24:00"}, holidays="GB")
    assert gb.business_time(utc(2026, 12, 24), utc(2026, 12, 27)) < 3 * 24 * H


@pytest.mark.parametrize("holidays_of", ["GB", [date(2026, 1, 1) + timedelta(days=k)
                                                 for k in range(0, 3650, 3)]])
def test_a_target_no_year_can_reach_on_a_calendar_with_holidays_compiles_few_years(
    holidays_of: object,
) -> None:
    cal = Calendar(tz="Europe/London", hours={"mon": "09:00-09:01"}, holidays=holidays_of)
    with pytest.raises(HorizonError, match="after the end of year 9999"):
        cal.add(utc(2026, 1, 1), 10_000 * H)
    assert cal._compiled.compiled < 300


def test_a_year_the_holidays_package_lists_nothing_for_is_not_asked_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cal = Calendar(tz="Europe/London", hours="09:00-17:00", holidays="GB-SCT")
    assert cal.is_business_day(date(2026, 12, 28)) is False  # the package answers 2026
    asked: list[object] = []

    def ask(*args: object, **kwargs: object) -> None:
        asked.append((args, kwargs))

    monkeypatch.setattr(holidays, "country_holidays", ask)
    assert cal.is_business_day(date(5000, 12, 25))  # 2100 is the package's last year
    assert asked == []
