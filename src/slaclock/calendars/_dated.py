"""Dated days read from a file: a day source for :class:`~slaclock.Calendar`.

What a Zendesk schedule's holidays or an ICS file say about dates: days off (with their
names), working days, shortened days, and days with other hours. It is a
:class:`~slaclock.DaySource`, so it goes in a calendar's ``holidays`` argument.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from ._days import FrozenDateMap, YearRules
from ._hours import DayHours

if TYPE_CHECKING:
    from ._calendar import Calendar
    from ._hours import WeeklyHours

__all__ = ["DatedDays"]


def _frozen_map(value: Mapping[date, Any]) -> FrozenDateMap[Any]:
    return value if isinstance(value, FrozenDateMap) else FrozenDateMap(value)


def _frozen_set(value: Iterable[date]) -> frozenset[date]:
    return frozenset(value)


def _no_recurrences(year: int) -> YearRules:
    return YearRules()


@attrs.frozen(kw_only=True)
class DatedDays:
    """Dated rules read from a file: a day source for a :class:`Calendar`.

    :func:`~slaclock.helpdesks.calendar_from_zendesk` and :func:`read_ics` make these; give
    one to a calendar as its ``holidays``, or let :meth:`calendar` build the calendar.
    ``rules(year)`` gives a year's rules, as every day source does: the dated ones below,
    and those of the file's repeating events (an ICS ``RRULE``), expanded for that year; on
    a date, a dated rule wins over a repeating one.

    Attributes:
        off: the dated days off, each with its name (``"New Year's Day"``); those of
            repeating events are in ``rules(year)``.
        working: dates worked although the weekly hours close them (a working Saturday).
        shortened: dates closed early, with the minutes they lose.
        overrides: dates with other hours (ICS events of the ``Other hours`` category);
            a day source cannot carry hours, so pass them to the calendar as
            ``overrides`` (:meth:`calendar` does).
        source: the file the days were read from.

    >>> days = DatedDays(off={date(2027, 1, 1): "New Year's Day"})
    >>> cal = days.calendar(tz="Europe/London", hours="09:00-17:00")
    >>> cal.is_business_day(date(2027, 1, 1)), cal.is_business_day(date(2027, 1, 4))
    (False, True)
    """

    off: FrozenDateMap[str] = attrs.field(factory=FrozenDateMap, converter=_frozen_map)
    working: frozenset[date] = attrs.field(default=frozenset(), converter=_frozen_set)
    shortened: FrozenDateMap[int] = attrs.field(factory=FrozenDateMap, converter=_frozen_map)
    overrides: FrozenDateMap[DayHours] = attrs.field(
        factory=FrozenDateMap, converter=_frozen_map
    )
    source: str = ""
    # Repeating rules (an ICS RRULE), expanded one year at a time; a frozen attrs object
    # from slaclock.calendars._ics, so it compares, hashes and pickles with the rest.
    _recurring: Callable[[int], YearRules] = attrs.field(
        default=_no_recurrences, repr=False, alias="recurring"
    )

    def rules(self, year: int) -> YearRules:
        """The rules of ``year``: the dated ones win over recurring ones on a date."""
        extra = self._recurring(year)
        names = {d: n for d, n in extra.names.items() if d.year == year}
        names.update((d, n) for d, n in self.off.items() if d.year == year)
        dated = set(self.off) | self.working | set(self.shortened) | set(self.overrides)
        off = {d for d in extra.off if d not in dated} | {d for d in self.off if d.year == year}
        working = {d for d in extra.working if d not in dated}
        working |= {d for d in self.working if d.year == year}
        shortened = {d: m for d, m in extra.shortened.items() if d not in dated}
        shortened.update((d, m) for d, m in self.shortened.items() if d.year == year)
        return YearRules(
            off=frozenset(off), working=frozenset(working), shortened=shortened,
            names={d: n for d, n in names.items() if d in off},
        )

    def calendar(
        self, *, tz: str, hours: str | Mapping[str, str] | WeeklyHours, **more: Any
    ) -> Calendar:
        """A :class:`Calendar` with these days, in ``tz`` with weekly ``hours``.

        ``more`` takes the calendar's other arguments (``days_off``, ``working_days``,
        ``shortened``, ``overrides``; overrides given here win over the file's).
        """
        from ._calendar import Calendar

        overrides = {**self.overrides, **more.pop("overrides", {})}
        return Calendar(tz=tz, hours=hours, holidays=self, overrides=overrides, **more)
