"""Russia's production calendar against the official norms and hand-checked days."""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from slaclock import Calendar, ProvisionalCalendarWarning
from slaclock.calendars._russia import RussianProductionCalendar, published_years, russia_data

MSK = ZoneInfo("Europe/Moscow")
EIGHT_HOURS = "09:00-13:00, 14:00-18:00"

# The official yearly norms of a 40-hour week (working days, hours), from ../shared/DOMAIN.md.
NORMS = {
    2015: (247, 1971), 2016: (247, 1974), 2017: (247, 1973), 2018: (247, 1970),
    2019: (247, 1970), 2020: (248, 1979), 2021: (247, 1972), 2022: (247, 1973),
    2023: (247, 1973), 2024: (248, 1979), 2025: (247, 1972), 2026: (247, 1972),
}


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.mark.parametrize(("year", "norm"), NORMS.items(), ids=str)
def test_year_matches_official_norm(year: int, norm: tuple[int, int]) -> None:
    total = Calendar.russia(EIGHT_HOURS).summary(year).total
    assert (total.working_days, total.working_hours) == (norm[0], timedelta(hours=norm[1]))


@pytest.mark.parametrize("year", list(published_years()), ids=str)
def test_data_file_norms_hold(year: int) -> None:
    entry = russia_data()["years"][str(year)]
    total = Calendar.russia(EIGHT_HOURS).summary(year).total
    assert total.working_days == entry["norm_days"]
    assert total.working_hours == timedelta(hours=entry["norm_hours_40"])
    assert entry["decree"].startswith("Постановление Правительства РФ")


def _named_days() -> list[tuple[date, str, str]]:
    rows = []
    text = (Path(__file__).parent / "data" / "russia_named_days.txt").read_text("utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            day, status, _, what = (part.strip() for part in line.split("|"))
            rows.append((date.fromisoformat(day), status, what))
    return rows


@pytest.mark.parametrize(("day", "status", "what"), _named_days(), ids=lambda v: str(v))
def test_named_day(day: date, status: str, what: str) -> None:
    cal = Calendar.russia()  # 09:00-18:00
    hours = {"off": 0, "working 8h": 9, "working 7h (shortened)": 8}[status]
    got = cal.business_time(msk(day.year, day.month, day.day), msk(day.year, day.month, day.day)
                            + timedelta(days=1))
    assert got == timedelta(hours=hours), what


def test_commercial_standard_before_may_holidays_2026() -> None:
    """24 business hours from Thursday 30 April 2026 17:30: 30 April closes at 17:00, 1-3 May
    are off, 4 and 5 May give 18 hours, the last 6 on Wednesday 6 May end at 15:00."""
    assert Calendar.russia().add(msk(2026, 4, 30, 17, 30), timedelta(hours=24)) == msk(
        2026, 5, 6, 15
    )


def test_shortened_day_with_lunch_break_closes_at_17() -> None:
    cal = Calendar.russia(EIGHT_HOURS)
    assert cal.day_hours(date(2026, 4, 30)) == ((540, 780), (840, 1020))
    assert cal.next_close(msk(2026, 4, 30, 14, 30)) == msk(2026, 4, 30, 17)


def test_shortened_false_keeps_full_days() -> None:
    cal = Calendar.russia(shortened=False)
    assert cal.next_close(msk(2026, 4, 30, 14, 30)) == msk(2026, 4, 30, 18)
    assert cal.summary(2026).total.working_hours == timedelta(hours=247 * 9)


def test_working_saturday_works_weekday_hours() -> None:
    """1 November 2025 (Saturday) is worked, shortened, instead of 3 November."""
    cal = Calendar.russia()
    assert cal.day_hours(date(2025, 11, 1)) == ((540, 1020),)
    assert cal.day_hours(date(2025, 11, 3)) == ()


def test_pandemic_non_working_days_are_an_option() -> None:
    april = (msk(2020, 4, 1), msk(2020, 5, 1))
    assert Calendar.russia().business_time(*april) > timedelta(0)
    assert Calendar.russia(nonworking_days=True).business_time(*april) == timedelta(0)
    assert Calendar.russia().summary(2020).total.working_days == 248


def test_holidays_package_disagreements_are_overridden() -> None:
    """Where ``holidays`` differs from the official calendar, the official calendar wins.

    2014-03-10 (Monday): 8 March 2014 was a Saturday, so Labour Code art. 112 carried the
    day off to Monday 10 March; ``holidays`` (0.109) lists no such day.
    """
    official = RussianProductionCalendar()
    differences = {}
    for year in range(2013, 2028):
        package = holidays.country_holidays("RU", years=year)
        rules = official.rules(year)
        day = date(year, 1, 1)
        while day.year == year:
            ours = day in rules.off
            theirs = day in package
            if day.weekday() < 5 and ours != theirs:
                differences[day] = "off" if ours else "working"
            day += timedelta(days=1)
        assert set(getattr(package, "weekend_workdays", set())) == set(rules.working), year
    # {} once a release of ``holidays`` adds the 2014 carry-over.
    assert differences in ({date(2014, 3, 10): "off"}, {})
    assert Calendar.russia().day_hours(date(2014, 3, 10)) == ()


def test_provisional_year_warns_once_and_says_so() -> None:
    cal = Calendar.russia()
    assert not cal.is_provisional(2027)
    assert cal.is_provisional(2028)
    with pytest.warns(ProvisionalCalendarWarning, match="2028"):
        cal.add(msk(2028, 3, 1, 10), timedelta(hours=1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cal.add(msk(2028, 3, 2, 10), timedelta(hours=1))  # compiled already: no warning


def test_provisional_year_applies_labour_code_rules() -> None:
    """2028 is not published: fixed holidays, the art. 112 carry-over of 4 November
    (a Saturday) to Monday 6 November, and art. 95 shortened eves."""
    cal = Calendar.russia()
    rules = cal._rules(2028)
    assert date(2028, 11, 6) in rules.off
    assert date(2028, 11, 3) in rules.shortened  # Friday before Saturday's holiday
    assert date(2028, 2, 22) in rules.shortened  # Tuesday before 23 February
    with pytest.warns(ProvisionalCalendarWarning):
        cal.business_time(msk(2028, 1, 1), msk(2028, 2, 1))


def test_provisional_warning_can_be_an_error() -> None:
    cal = Calendar.russia()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProvisionalCalendarWarning)
        with pytest.raises(ProvisionalCalendarWarning):
            cal.business_time(msk(2031, 1, 1), msk(2031, 2, 1))


def test_summary_of_2026_by_month() -> None:
    summary = Calendar.russia(EIGHT_HOURS).summary(2026)
    january, may = summary.months[0], summary.months[4]
    assert (january.working_days, january.days_off, january.working_hours) == (
        15, 16, timedelta(hours=120)
    )
    assert (may.working_days, may.shortened_days) == (19, 1)
    assert summary.total.shortened_days == 4
    assert summary.as_dict()["total"]["working_hours"] == 1972
    assert not summary.provisional
