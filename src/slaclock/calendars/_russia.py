"""Russia's official production calendar (производственный календарь).

For every year from 2013 to the latest one the government has published, the days off,
working weekends and shortened pre-holiday days come from ``data/russia.toml``, a reviewed
file that cites the decree each year comes from. Other years are *provisional*: computed
from the fixed holidays of Labour Code art. 112 (as the ``holidays`` package lists them),
the art. 112 carry-over of a holiday that falls on a weekend to the next working day, and
the art. 95 rule that the working day before a holiday is one hour shorter; no decree
transfers. Compiling a provisional year emits a :class:`~slaclock.ProvisionalCalendarWarning`.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import attrs

from ._days import YearRules

__all__ = ["RussianProductionCalendar", "published_years", "russia_data"]

_ONE_DAY = timedelta(days=1)
#: Labour Code art. 112 holidays outside the New Year holidays: (month, day).
_CARRIED = ((2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4))


@cache
def russia_data() -> dict[str, Any]:
    """The parsed data file (cached)."""
    text = resources.files("slaclock").joinpath("data/russia.toml").read_text("utf-8")
    return tomllib.loads(text)


def published_years() -> range:
    """The years the data file holds, from 2013 to the latest published one."""
    years = [int(y) for y in russia_data()["years"]]
    return range(min(years), max(years) + 1)


@attrs.frozen
class RussianProductionCalendar:
    """The day source of :meth:`slaclock.Calendar.russia`.

    Args:
        shortened: close one hour early on the pre-holiday days the calendar shortens.
        nonworking_days: also take the president's paid "non-working days" of 2020 and
            2021 off (they are working days in the official norms; off by default).
    """

    shortened: bool = True
    nonworking_days: bool = False

    def rules(self, year: int) -> YearRules:
        data = russia_data()
        entry = data["years"].get(str(year))
        if entry is None:
            return self._provisional(year)
        holidays = set(entry["holidays"])
        off = holidays | set(entry["days_off"])
        if self.nonworking_days:
            off |= {d for d in data["nonworking_paid"]["dates"] if d.year == year}
        working = frozenset(entry["working_weekends"])
        shortened = {d: 60 for d in entry["shortened"] if d not in off} if self.shortened else {}
        names = {d: "public holiday" if d in holidays else "day off" for d in off}
        return YearRules(
            off=frozenset(off), working=working, shortened=shortened, names=names
        )

    def _provisional(self, year: int) -> YearRules:
        names = dict(_listed_holidays().get(year, {}))
        off = set(names)
        for month, day in _CARRIED:
            holiday = date(year, month, day)
            if holiday in names and holiday.weekday() >= 5:
                monday = holiday + timedelta(days=7 - holiday.weekday())
                if monday not in off:  # the holidays package may have carried it already
                    names[monday] = f"{names[holiday]} (carried over, art. 112)"
                    off.add(monday)
        shortened: dict[date, int] = {}
        if self.shortened:
            eves = [date(year, m, d) - _ONE_DAY for m, d in _CARRIED
                    if date(year, m, d) in names]
            if year < 9999 and date(year + 1, 1, 1) in _listed_holidays().get(year + 1, {}):
                eves.append(date(year, 12, 31))
            shortened = {d: 60 for d in eves if d.weekday() < 5 and d not in off}
        return YearRules(
            off=frozenset(off), shortened=shortened, provisional=True, names=names
        )


@cache
def _listed_holidays() -> dict[int, dict[date, str]]:
    """Russia's fixed holidays as the ``holidays`` package lists them, by year, read once
    (it lists them from 1991 to 2100: a year outside has none, so nothing to carry over
    or to shorten the eve of)."""
    import holidays

    listed = holidays.country_holidays("RU", years=range(1, 10_000))
    by_year: dict[int, dict[date, str]] = {}
    for day, name in listed.items():
        by_year.setdefault(day.year, {})[day] = str(name)
    return by_year
