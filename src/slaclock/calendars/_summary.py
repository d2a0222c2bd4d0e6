"""Production-calendar tables: working days, days off and hours per month and year."""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ._calendar import Calendar

__all__ = ["PeriodSummary", "YearSummary", "summarize"]

_ONE_DAY = timedelta(days=1)


@attrs.frozen
class PeriodSummary:
    """One row of a production-calendar table.

    Attributes:
        label: ``"2026-01"`` for a month, ``"2026"`` for the year.
        first, last: the first and last date of the period (both included).
        calendar_days: the number of dates.
        working_days: dates with working hours.
        days_off: ``calendar_days - working_days``: weekends and holidays.
        shortened_days: working days closed early by a shortening rule.
        working_hours: the nominal working time: the sum of each day's wall-clock hours,
            as official tables count it (on a day a DST shift shortens, the real time is
            what :meth:`~slaclock.Schedule.business_time` returns).
    """

    label: str
    first: date
    last: date
    calendar_days: int
    working_days: int
    days_off: int
    shortened_days: int
    working_hours: timedelta

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, hours as a number (may be fractional)."""
        return {
            "period": self.label,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "calendar_days": self.calendar_days,
            "working_days": self.working_days,
            "days_off": self.days_off,
            "shortened_days": self.shortened_days,
            "working_hours": self.working_hours / timedelta(hours=1),
        }


@attrs.frozen
class YearSummary:
    """A year's production calendar: twelve months and the year's totals.

    Attributes:
        year: the year.
        months: twelve :class:`PeriodSummary`, January first.
        total: the year's :class:`PeriodSummary`.
        provisional: True when the year's rules are computed, not published.
    """

    year: int
    months: tuple[PeriodSummary, ...]
    total: PeriodSummary
    provisional: bool

    def rows(self) -> tuple[PeriodSummary, ...]:
        """The months, then the year."""
        return (*self.months, self.total)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "provisional": self.provisional,
            "months": [m.as_dict() for m in self.months],
            "total": self.total.as_dict(),
        }


def _period(cal: Calendar, label: str, first: date, last: date) -> PeriodSummary:
    days = working = shortened = minutes = 0
    for k in range((last - first).days + 1):  # no date past `last`: 9999-12-31 has none
        day = first + k * _ONE_DAY
        hours = cal.day_hours(day)
        days += 1
        if hours:
            working += 1
            shortened += cal.is_shortened(day)
            minutes += sum(end - start for start, end in hours)
    return PeriodSummary(
        label, first, last, days, working, days - working, shortened, timedelta(minutes=minutes)
    )


def summarize(cal: Calendar, year: int) -> YearSummary:
    """The production-calendar table of ``year`` (see :meth:`Calendar.summary`)."""
    months = tuple(
        _period(
            cal, f"{year}-{m:02d}", date(year, m, 1),
            date(year, m, _stdlib_calendar.monthrange(year, m)[1]),
        )
        for m in range(1, 13)
    )
    total = PeriodSummary(
        str(year), date(year, 1, 1), date(year, 12, 31),
        sum(m.calendar_days for m in months),
        sum(m.working_days for m in months),
        sum(m.days_off for m in months),
        sum(m.shortened_days for m in months),
        sum((m.working_hours for m in months), timedelta(0)),
    )
    return YearSummary(year, months, total, cal.is_provisional(year))
