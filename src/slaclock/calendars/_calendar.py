"""The calendar: what a user says about when a desk works."""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Hashable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from slaclock._errors import ConfigError, HorizonError
from slaclock._instants import bound_to_us, from_us

from ._days import DaySource, FrozenDateMap, YearRules, check_date, to_dates, to_day_source
from ._hours import (
    MINUTES_PER_DAY,
    DayHours,
    WeeklyHours,
    check_day_hours,
    parse_day_hours,
    parse_weekly_hours,
)
from ._provisional import note
from ._schedule import CombinedCalendar, Schedule, _never_opens_from, _Week
from ._timeline import Interval, Timeline, merge

if TYPE_CHECKING:
    from ._summary import YearSummary

__all__ = ["Calendar", "CombinedCalendar"]

_ONE_DAY = timedelta(days=1)


#: Zone names that depend on the machine the code runs on, not on a place.
_MACHINE_ZONES = frozenset({"localtime", "posixrules", "factory"})


def _zone(value: object) -> str:
    """attrs converter for ``Calendar.tz``: an IANA zone name, checked.

    Refused: names that mean the machine's own zone (``"localtime"``), and fixed UTC
    offsets (a ``datetime.timezone`` or text such as ``"+05:30"``): a desk's dates and
    hours follow the rules of a place, so the message names the IANA zone to use.
    """
    if isinstance(value, tzinfo):
        key = getattr(value, "key", None) or getattr(value, "zone", None)
        if isinstance(key, str):  # a ZoneInfo (or a pytz zone): take its name
            value = key
        else:
            raise ConfigError("tz", value, _offset_hint(value))
    if not isinstance(value, str) or not value:
        raise ConfigError("tz", value, "give an IANA zone name such as 'Europe/Moscow'")
    if value.lower() in _MACHINE_ZONES or value.startswith(("/", ".")):
        raise ConfigError(
            "tz", value,
            "this zone depends on the machine the code runs on; give the desk's IANA zone "
            "name, e.g. 'Europe/Moscow'",
        )
    offset = _OFFSET_TEXT.match(value)
    if offset is not None:
        sign = -1 if offset["sign"] == "-" else 1
        minutes = sign * (int(offset["h"]) * 60 + int(offset["m"] or 0))
        raise ConfigError("tz", value, _offset_hint(timezone(timedelta(minutes=minutes))))
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "tz", value, "not an IANA time zone name; e.g. 'Europe/Moscow', 'UTC'"
        ) from None
    return value


_OFFSET_TEXT = re.compile(r"^(?:UTC|GMT)?\s*(?P<sign>[+-])(?P<h>\d{1,2}):?(?P<m>\d{2})?$")


def _offset_hint(zone: tzinfo) -> str:
    """The message for a fixed offset: which IANA zone keeps that offset."""
    offset = zone.utcoffset(None)
    if offset is None:
        return "give an IANA zone name such as 'Europe/Moscow'"
    minutes = int(offset / timedelta(minutes=1))
    text = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if minutes % 60 == 0:
        # The Etc zones are fixed offsets, with POSIX's inverted sign.
        hint = f"'Etc/GMT{-minutes // 60:+d}'" if minutes else "'UTC'"
    else:
        hint = _FIXED_ZONES.get(minutes, "the zone of the desk's city")
        hint = f"'{hint}'" if "/" in hint else hint
    return (
        f"a fixed UTC offset ({text}) is not a time zone: it has no rules for the desk's "
        f"dates. Give the IANA zone of the place, e.g. {hint} (which keeps {text} all "
        "year), or the desk's city zone if it moves its clocks"
    )


#: IANA zones that keep a fixed offset that is not a whole number of hours.
_FIXED_ZONES = {
    -570: "Pacific/Marquesas", 210: "Asia/Tehran", 270: "Asia/Kabul",
    330: "Asia/Kolkata", 345: "Asia/Kathmandu", 390: "Asia/Yangon",
    570: "Australia/Darwin", 765: "Pacific/Chatham",
}


def _shortened(value: object) -> FrozenDateMap[int]:
    if isinstance(value, FrozenDateMap):
        return value
    if isinstance(value, Mapping):
        for day, minutes in value.items():
            to_dates([day], "shortened")
            if type(minutes) is not int or not 0 < minutes < MINUTES_PER_DAY:
                raise ConfigError(
                    "shortened", {day: minutes}, "minutes must be a whole number from 1 to 1439"
                )
        return FrozenDateMap(value)
    return FrozenDateMap((day, 60) for day in to_dates(value, "shortened"))


def _overrides(value: object) -> FrozenDateMap[DayHours]:
    if isinstance(value, FrozenDateMap):
        return value
    if not isinstance(value, Mapping):
        raise ConfigError("overrides", value, "give a mapping of date to hours, e.g. "
                          "{date(2026, 12, 31): '09:00-15:00'}")
    out = {}
    for day, hours in value.items():
        to_dates([day], "overrides")
        field = f"overrides[{day.isoformat()}]"
        if isinstance(hours, tuple):  # already parsed: the invariants weekly hours keep
            out[day] = check_day_hours(hours, field, "the hours")
            continue
        out[day] = parse_day_hours(hours, field)
    return FrozenDateMap(out)


def _days_off(value: object) -> frozenset[date]:
    return to_dates(value, "days_off")


def _working_days(value: object) -> frozenset[date]:
    return to_dates(value, "working_days")


@attrs.frozen(kw_only=True)
class Calendar(Schedule):
    """When a desk works: a zone, weekly hours, and the dated exceptions to them.

    Args:
        tz: the IANA zone the hours are read in (``"Europe/Moscow"``, or a ``ZoneInfo``).
            Required: slaclock never assumes a system zone; ``"localtime"`` and fixed UTC
            offsets are refused with the IANA zone to use instead.
        hours: weekly hours: a string for Monday to Friday (``"09:00-13:00, 14:00-18:00"``),
            or a mapping of weekdays to hours (``{"mon-thu": "09:00-18:00",
            "fri": "09:00-16:45"}``; a range runs forward through the week, so
            ``"sun-thu"`` is Sunday to Thursday). ``"22:00-06:00"`` crosses midnight and
            belongs to the day it starts on.
        holidays: days off: a country code of the ``holidays`` package (``"GB"``,
            ``"US-CA"`` with a subdivision), a ``holidays.HolidayBase``, or dates.
        days_off: more dates off.
        working_days: dates worked although the weekly hours close them (a working
            Saturday); they use the hours of the first open weekday.
        shortened: dates that close early: a mapping of date to minutes, or dates (one
            hour each).
        overrides: other hours on one date (``{date(2026, 12, 31): "09:00-15:00"}``, or
            ``"closed"``), as text or as the minutes :meth:`day_hours` returns
            (``((540, 900),)``; each ``(start, end)`` with ``0 <= start < 1440`` and
            ``start < end <= start + 1440``, an end past 1440 running overnight).

    Times are written ``HH:MM`` in ASCII digits.

    Which rule wins on a date, first to last: ``overrides``; ``working_days``;
    ``days_off``; the ``holidays`` source (its days off, then its working weekends);
    the weekly hours. Shortening applies to whatever hours the day then has, except an
    override's, and takes minutes off the end of the day.

    Calendars combine: ``a & b`` is open when both are, ``a | b`` when either is,
    ``a - b`` when ``a`` is and ``b`` is not.

    >>> from datetime import datetime, timedelta
    >>> from zoneinfo import ZoneInfo
    >>> cal = Calendar(tz="Europe/London", hours="09:00-17:00", holidays="GB")
    >>> start = datetime(2026, 12, 24, 16, 0, tzinfo=ZoneInfo("Europe/London"))
    >>> cal.add(start, timedelta(hours=2))
    datetime.datetime(2026, 12, 29, 10, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/London'))
    """

    tz: str = attrs.field(converter=_zone)
    hours: WeeklyHours = attrs.field(converter=parse_weekly_hours)
    holidays: DaySource | None = attrs.field(default=None, converter=to_day_source)
    days_off: frozenset[date] = attrs.field(default=frozenset(), converter=_days_off)
    working_days: frozenset[date] = attrs.field(
        default=frozenset(), converter=_working_days
    )
    shortened: FrozenDateMap[int] = attrs.field(factory=FrozenDateMap, converter=_shortened)
    overrides: FrozenDateMap[DayHours] = attrs.field(
        factory=FrozenDateMap, converter=_overrides
    )
    _compiled: Timeline = attrs.field(
        init=False, default=attrs.Factory(Timeline, takes_self=True), eq=False, hash=False,
        repr=False,
    )

    def __attrs_post_init__(self) -> None:
        both = self.days_off & self.working_days
        if both:
            raise ConfigError(
                "working_days", sorted(both), "these dates are in days_off too; keep one"
            )

    @classmethod
    def always(cls, tz: str = "UTC") -> Calendar:
        """A 24/7 calendar: every instant is working time.

        >>> Calendar.always().hours
        WeeklyHours('mon-sun: 00:00-24:00')
        """
        return cls(tz=tz, hours={"mon-sun": "00:00-24:00"})

    @classmethod
    def russia(
        cls,
        hours: str | Mapping[str, str] | WeeklyHours = "09:00-18:00",
        *,
        shortened: bool = True,
        nonworking_days: bool = False,
        **rules: Any,
    ) -> Calendar:
        """Russia's official production calendar in Moscow time.

        Monday to Friday (or ``hours``), minus public holidays and the days off moved by
        government decree, plus the Saturdays worked instead, with every pre-holiday day
        one hour shorter, as the official calendar lists them (2013 to the latest
        published year; see :doc:`/explanation/russia`). Other years are computed from the
        Labour Code's rules and flagged by :class:`~slaclock.ProvisionalCalendarWarning`.

        Args:
            hours: the desk's weekly hours, in any form :class:`Calendar` takes.
            shortened: ``False`` ignores the shortening of pre-holiday days.
            nonworking_days: ``True`` also takes off the paid "non-working days" the
                president declared in 2020 and 2021 (working days in the official norms).
            rules: more dated rules: ``days_off``, ``working_days``, ``overrides``, or a
                ``shortened_days`` mapping of other shortened dates.

        >>> from datetime import datetime, timedelta
        >>> from zoneinfo import ZoneInfo
        >>> cal = Calendar.russia()
        >>> opened = datetime(2026, 4, 30, 17, 30, tzinfo=ZoneInfo("Europe/Moscow"))
        >>> cal.add(opened, timedelta(hours=24))
        datetime.datetime(2026, 5, 6, 15, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Moscow'))
        """
        from ._russia import RussianProductionCalendar

        if "shortened_days" in rules:
            rules["shortened"] = rules.pop("shortened_days")
        return cls(
            tz="Europe/Moscow",
            hours=hours,
            holidays=RussianProductionCalendar(
                shortened=shortened, nonworking_days=nonworking_days
            ),
            **rules,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def summary(self, year: int) -> YearSummary:
        """The year's production-calendar table: working days, days off, shortened days
        and working hours of each month and of the year (see :class:`YearSummary`).

        >>> Calendar.russia("09:00-13:00, 14:00-18:00").summary(2026).total.working_days
        247
        """
        from ._summary import summarize

        return summarize(self, year)

    def is_shortened(self, day: date) -> bool:
        """Whether ``day`` is a working day closed early by a shortening rule."""
        if day in self.overrides or not self.day_hours(day):
            return False
        return day in self.shortened or day in self._rules(day.year).shortened

    # -- the rules of a date -------------------------------------------------------------

    def _rules(self, year: int) -> YearRules:
        extras = self._compiled.extras
        rules = extras.get(year)
        if rules is None:
            rules = self.holidays.rules(year) if self.holidays is not None else YearRules()
            extras[year] = rules
        assert isinstance(rules, YearRules)
        return rules

    def day_hours(self, day: date) -> DayHours:
        """The hours the desk works on ``day``, after every dated rule.

        >>> cal = Calendar(tz="UTC", hours="09:00-18:00", shortened=[date(2026, 4, 30)])
        >>> cal.day_hours(date(2026, 4, 30))
        ((540, 1020),)
        """
        check_date(day, "day")
        override: DayHours | None = self.overrides.get(day)
        if override is not None:
            return override
        rules = self._rules(day.year)
        if day in self.working_days:
            hours = self.hours.days[day.weekday()] or self.hours.standard_day()
        elif day in self.days_off or day in rules.off:
            return ()
        elif day in rules.working:
            hours = self.hours.days[day.weekday()] or self.hours.standard_day()
        else:
            hours = self.hours.days[day.weekday()]
        cut = self.shortened.get(day) or rules.shortened.get(day)
        return _shorten(hours, cut) if cut and hours else hours

    def _open_span(self) -> tuple[int, int] | None:
        if not self.hours.is_empty:
            return None
        # Closed every weekday (and so on working days too): open only on overrides.
        dates = [day for day, hours in self.overrides.items() if hours]
        if not dates:
            return _NEVER
        zone = self.zone
        return (
            bound_to_us(zone, max(date.min, dates[0] - 2 * _ONE_DAY), 0, end=False),
            bound_to_us(zone, dates[-1], 3 * MINUTES_PER_DAY, end=True),
        )

    def _weekly(self, years: range) -> _Week:
        week = self.hours.days
        standard = self.hours.standard_day()
        exact = (self.holidays is None and not self.days_off and not self.shortened
                 and not self.overrides)
        low, high = _offset_range(self.tz, years.start, years.stop)
        upper: list[Interval] = []
        lower: list[Interval] = []
        for weekday in range(7):
            base = weekday * 86_400
            # A date's hours are its weekday's, or the first open weekday's on a worked
            # date, shortened or not: never more than this.
            for start, end in week[weekday] or standard:
                upper.append((base + start * 60 - high, base + end * 60 - low))
            if exact:
                for start, end in week[weekday]:
                    lower.append((base + start * 60 - low, base + end * 60 - high))
        dated = any(self.overrides.values())
        return _Week(_fold(upper), _fold(lower), dated)

    def _never_opens_from(self, year: int, *, forward: bool) -> bool:
        return _never_opens_from(self, year, forward=forward)

    def _always_open(self) -> bool:
        whole = ((0, MINUTES_PER_DAY),)
        return (all(day == whole for day in self.hours.days) and self.holidays is None
                and not self.days_off and not self.shortened and not self.overrides)

    def _year_key(self, year: int) -> Hashable | None:
        """What decides ``year``'s working time, outside the years whose zone rules are
        irregular (from the zone's first change to 2039) and the years of the calendar's
        own dated rules: the
        weekday of 1 January and the year's length, the zone's offset changes placed in
        the year, and the day source's rules as month and day (with those of 31 December
        before, whose overnight hours reach into the year)."""
        if year in self._dated_years():
            return None
        zone = _zone_shape(self.tz, year)
        if zone is None:
            return None
        first = date(year, 1, 1)
        shape: tuple[object, ...] = (first.weekday(), calendar.isleap(year), zone)
        if self.holidays is None:
            return shape
        rules = self._rules(year)
        if rules.provisional:
            self._warn_if_provisional(year)
        before = self._rules(year - 1)
        eve = first - _ONE_DAY
        return (
            *shape,
            frozenset((d.month, d.day) for d in rules.off),
            frozenset((d.month, d.day) for d in rules.working),
            frozenset(((d.month, d.day), m) for d, m in rules.shortened.items()),
            (eve in before.off, eve in before.working, before.shortened.get(eve)),
        )

    def _dated_years(self) -> frozenset[int]:
        """The years the calendar's own dated rules touch (a rule's year, and the next
        one, which an overnight interval of 31 December reaches)."""
        found = self._compiled.extras.get("dated_years")
        if found is None:
            days = [*self.overrides, *self.days_off, *self.working_days, *self.shortened]
            found = frozenset(y for d in days for y in (d.year, d.year + 1))
            self._compiled.extras["dated_years"] = found
        assert isinstance(found, frozenset)
        return found

    def _business_day(self, day: date) -> bool:
        """Whether the desk has any hours on ``day`` (an overnight shift counts for the day
        it starts on)."""
        return bool(self.day_hours(day))

    def is_provisional(self, year: int) -> bool:
        """Whether ``year``'s dated rules are computed rather than published officially."""
        return self._rules(year).provisional

    def _chunk(self, lo: int, hi: int) -> list[Interval]:
        zone = self.zone
        first = _local_date(lo, zone)
        last = _local_date(hi - 1, zone)
        for year in range(first.year, last.year + 1):
            self._warn_if_provisional(year)
        out: list[Interval] = []
        # One day earlier for an overnight interval reaching in; one later for DST edges.
        day = first - _ONE_DAY if first > date.min else first
        last = last + _ONE_DAY if last < date.max else last
        while True:
            for start, end in self.day_hours(day):
                s = bound_to_us(zone, day, start, end=False)
                e = bound_to_us(zone, day, end, end=True)
                if s < hi and e > lo:
                    out.append((max(s, lo), min(e, hi)))
            if day >= last:
                break
            day += _ONE_DAY
        return merge(out)

    def _warn_if_provisional(self, year: int) -> None:
        """Note the first time this calendar compiles a provisional year (one warning per
        call names them all: see ``_provisional``)."""
        key = ("warned", year)
        extras = self._compiled.extras
        if key in extras or not self._rules(year).provisional:
            return
        extras[key] = True
        note(year)



def _local_date(us: int, zone: ZoneInfo) -> date:
    try:
        return from_us(us, zone).date()
    except (HorizonError, OverflowError):
        return date.min if us < 0 else date.max


def _shorten(hours: DayHours, minutes: int) -> DayHours:
    """Take ``minutes`` off the end of a day's hours."""
    out = list(hours)
    while minutes and out:
        start, end = out[-1]
        if end - start > minutes:
            out[-1] = (start, end - minutes)
            break
        minutes -= end - start
        out.pop()
    return tuple(out)


# -- proving that a search cannot succeed ----------------------------------------------

#: The span of a calendar that never opens: empty, and beyond every instant both ways.
_NEVER = (2**62, -(2**62))
_WEEK_SECONDS = 7 * 86_400


def _fold(intervals: list[Interval]) -> list[Interval]:
    """Intervals of seconds (any integers) folded onto one week and merged."""
    out: list[Interval] = []
    for start, end in intervals:
        if end <= start:
            continue
        if end - start >= _WEEK_SECONDS:
            return [(0, _WEEK_SECONDS)]
        start, end = start % _WEEK_SECONDS, start % _WEEK_SECONDS + (end - start)
        if end > _WEEK_SECONDS:
            out += [(start, _WEEK_SECONDS), (0, end - _WEEK_SECONDS)]
        else:
            out.append((start, end))
    return merge(out)


def _offset_range(key: str, first: int, stop: int) -> tuple[int, int]:
    """The least and the greatest UTC offset (seconds) zone ``key`` uses in the years
    ``first`` to ``stop - 1``.

    After 2037 a zone repeats one yearly rule, and before its first transition it keeps
    one offset, so the years looked at are cut to 1800-2045 (each sampled once, and
    remembered)."""
    lo_year = max(1800, min(first, 2037))
    hi_year = min(max(stop, lo_year + 1), 2046)
    if stop > 2037:
        hi_year = 2046
    offsets = [_year_offsets(key, year) for year in range(lo_year, hi_year)]
    return min(low for low, _ in offsets), max(high for _, high in offsets)


@functools.lru_cache(maxsize=4096)
def _year_offsets(key: str, year: int) -> tuple[int, int]:
    """The least and the greatest UTC offset (seconds) of zone ``key`` in ``year``,
    sampled twice a day from 1970, daily in 1900-1969 and weekly before (a zone's offsets
    last weeks or years, not hours; before 1900 most zones keep their local mean time)."""
    zone = ZoneInfo(key)
    seen: set[timedelta] = set()
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=12 if year >= 1970 else 24 if year >= 1900 else 168)
    while t < end:
        offset = t.astimezone(zone).utcoffset()
        assert offset is not None
        seen.add(offset)
        t += step
    seconds = [int(x.total_seconds()) for x in seen]
    return min(seconds), max(seconds)


#: From this year on a zone repeats its yearly rule (or, for a few zones, a table of
#: predicted changes, each lasting weeks): there a year's offset changes are read by
#: sampling weekly, and a year is known by where they fall. Before its first change a zone
#: keeps one offset (its local mean time). The years between are compiled as they come.
_RULED_FROM = 2040
_SAMPLE = timedelta(days=7)
#: No zone has a predicted change listed past 2100 (Morocco's, the last, end in the 2080s):
#: from here on every zone repeats one yearly rule.
_CYCLE_FROM = 2100


@functools.lru_cache(maxsize=1024)
def _first_change(key: str) -> int:
    """The first year (1800 to 2040) in which zone ``key`` leaves the offset it keeps from
    year 1 (:data:`_RULED_FROM` when it keeps it until then); no zone changes before
    1800."""
    first = _offset_seconds(datetime(1, 1, 2, tzinfo=UTC), ZoneInfo(key))
    for year in range(1800, _RULED_FROM):
        if _year_offsets(key, year) != (first, first):
            return year
    return _RULED_FROM


@functools.lru_cache(maxsize=65_536)
def _zone_shape(key: str, year: int) -> tuple[tuple[int, int], ...] | None:
    """The offset changes of zone ``key`` from a few days before local ``year`` to a few
    days after it: each as (seconds of wall-clock time from the year's 1 January 00:00,
    the offset after it less the one before the year), so that two years with the same
    shape, weekday of 1 January and length map every wall-clock time of the year to the
    same UTC instant, up to one constant. ``None`` for the years compiled as they come
    (from the zone's first change to 2039, and the years 1 and 9999)."""
    if not 1 < year < 9999:
        return None
    if year < _first_change(key) - 1:  # the year and its neighbours keep one offset
        return ()
    if year < _RULED_FROM:
        return None
    if year >= _CYCLE_FROM + 400:
        # The Gregorian calendar repeats every 400 years, and so does a yearly rule.
        return _zone_shape(key, _CYCLE_FROM + (year - _CYCLE_FROM) % 400)
    zone = ZoneInfo(key)
    t = datetime(year - 1, 12, 28, tzinfo=UTC)
    end = datetime(year + 1, 1, 4, tzinfo=UTC)
    first = datetime(year, 1, 1)
    base = previous = _offset_seconds(t, zone)
    changes: list[tuple[int, int]] = []
    while t < end:
        step = min(t + _SAMPLE, end)
        offset = _offset_seconds(step, zone)
        if offset != previous:
            # The change lies in (t, step]: find its second.
            lo, hi = t, step
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) // 2
                if _offset_seconds(mid, zone) == previous:
                    lo = mid
                else:
                    hi = mid
            wall = hi.replace(tzinfo=None) + timedelta(seconds=previous) - first
            changes.append((int(wall.total_seconds()), offset - base))
            previous = offset
        t = step
    return tuple(changes)


def _offset_seconds(t: datetime, zone: ZoneInfo) -> int:
    """The UTC offset of ``zone`` at the UTC instant ``t``, in seconds."""
    offset = t.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())
