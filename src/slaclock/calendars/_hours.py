"""Weekly working hours: parsing and validation.

Hours are wall-clock times in the calendar's zone, at minute resolution. A day's hours are
a tuple of ``(start, end)`` pairs in minutes after that day's midnight, sorted, with
``0 <= start < 1440`` and ``start < end <= start + 1440``; an end past 1440 is an overnight
interval that belongs to the day it starts on (``"22:00-06:00"`` is ``(1320, 1800)``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import TypeAlias

import attrs

from slaclock._errors import ConfigError

__all__ = [
    "DayHours", "WeeklyHours", "check_day_hours", "parse_day_hours", "parse_weekly_hours",
]

DayHours: TypeAlias = tuple[tuple[int, int], ...]
"""One day's open intervals, in minutes after midnight (see the module docstring)."""

MINUTES_PER_DAY = 1440

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_INDEX = {name: i for names in (WEEKDAYS, _FULL_NAMES) for i, name in enumerate(names)}
_CLOSED = {"", "closed", "off", "-"}
_TIME = re.compile(r"^\s*([0-9]{1,2}):([0-9]{2})\s*$")  # ASCII digits only
#: One part of the weekly text form: weekdays, a colon, that day's hours.
_WEEK_PART = re.compile(r"^\s*([A-Za-z][A-Za-z ,-]*?)\s*:\s*(.*?)\s*$")


def _parse_time(text: str, field: str, whole: str) -> int:
    match = _TIME.match(text)
    if match is None:
        raise ConfigError(
            field, whole, f"{text.strip()!r} is not a time; write HH:MM in ASCII digits, e.g. 09:00"
        )
    hour, minute = int(match[1]), int(match[2])
    if minute > 59 or hour > 24 or (hour == 24 and minute != 0):
        raise ConfigError(
            field, whole, f"{text.strip()!r} is not a time of day; use 00:00 to 24:00"
        )
    return hour * 60 + minute


def parse_day_hours(text: str, field: str = "hours") -> DayHours:
    """Parse one day's hours, e.g. ``"09:00-13:00, 14:00-18:00"`` or ``"closed"``.

    An interval whose end is earlier than its start crosses midnight and belongs to the day
    it starts on. ``"00:00-24:00"`` is the whole day. Intervals may touch but not overlap.

    >>> parse_day_hours("09:00-13:00, 14:00-18:00")
    ((540, 780), (840, 1080))
    >>> parse_day_hours("22:00-06:00")
    ((1320, 1800),)
    """
    if not isinstance(text, str):
        raise ConfigError(field, text, "hours must be a string such as '09:00-18:00'")
    if text.strip().lower() in _CLOSED:
        return ()
    intervals: list[tuple[int, int]] = []
    for part in text.split(","):
        bounds = part.split("-")
        if len(bounds) != 2:
            raise ConfigError(
                field, text, f"{part.strip()!r} is not an interval; write HH:MM-HH:MM"
            )
        start = _parse_time(bounds[0], field, text)
        end = _parse_time(bounds[1], field, text)
        if start == MINUTES_PER_DAY:
            raise ConfigError(field, text, f"{part.strip()!r} starts at 24:00; start at 00:00")
        if end == start:
            raise ConfigError(
                field, text, f"{part.strip()!r} is empty; for the whole day write 00:00-24:00"
            )
        if end < start:
            end += MINUTES_PER_DAY  # overnight: ends on the next day
        intervals.append((start, end))
    intervals.sort()
    for (s1, e1), (s2, e2) in itertools.pairwise(intervals):
        if s2 < e1:
            raise ConfigError(
                field, text, f"intervals {_fmt(s1, e1)} and {_fmt(s2, e2)} overlap"
            )
    return tuple(intervals)


def _fmt(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60 % 24:02d}:{end % 60:02d}"


def format_day_hours(day: DayHours) -> str:
    """The text form of one day's hours, as :func:`parse_day_hours` reads it."""
    if not day:
        return "closed"
    return ", ".join(
        _fmt(s, e) if e != MINUTES_PER_DAY else f"{s // 60:02d}:{s % 60:02d}-24:00"
        for s, e in day
    )


def _parse_days(key: str, field: str) -> list[int]:
    days: list[int] = []
    for chunk in key.lower().replace(" ", "").split(","):
        first, sep, last = chunk.partition("-")
        if first not in _DAY_INDEX or (sep and last not in _DAY_INDEX):
            raise ConfigError(
                field, key, f"unknown weekday in {chunk!r}; use mon, tue, wed, thu, fri, sat, sun"
            )
        a = _DAY_INDEX[first]
        b = _DAY_INDEX[last] if sep else a
        # A range runs forward through the week, wrapping after Sunday: "sun-thu" is
        # Sunday to Thursday (a desk in Israel or the Gulf), "fri-mon" Friday to Monday.
        days.extend((a + k) % 7 for k in range((b - a) % 7 + 1))
    return days


@attrs.frozen
class WeeklyHours:
    """Working hours for each weekday, Monday first.

    Build it from a string of one day's hours (Monday to Friday), from a mapping of
    weekday keys (``"mon"``, ``"mon-thu"``, ``"sat,sun"``) to hours strings, or from the
    weekly text form ``str()`` prints: the mapping's items written ``key: hours`` and
    joined by ``;`` (``"mon-thu: 09:00-18:00; fri: 09:00-16:45"``). Weekdays not named are
    closed; ``WeeklyHours.parse(str(h)) == h`` for every ``h``.

    >>> WeeklyHours.parse({"mon-thu": "09:00-18:00", "fri": "09:00-16:45"})
    WeeklyHours('mon-thu: 09:00-18:00; fri: 09:00-16:45')
    >>> WeeklyHours.parse("mon-thu: 09:00-18:00; fri: 09:00-16:45").days[4]
    ((540, 1005),)
    """

    days: tuple[DayHours, DayHours, DayHours, DayHours, DayHours, DayHours, DayHours]

    def __attrs_post_init__(self) -> None:
        # Built directly (``WeeklyHours(days)``) or by ``parse``: the same checks.
        _check_week(self.days)

    @classmethod
    def parse(
        cls, spec: str | Mapping[str, str] | WeeklyHours, field: str = "hours"
    ) -> WeeklyHours:
        """Read weekly hours from a string or a weekday mapping (see the class docstring)."""
        if isinstance(spec, WeeklyHours):
            return spec
        week: list[DayHours | None] = [None] * 7
        if isinstance(spec, str) and (";" in spec or _WEEK_PART.match(spec)):
            return cls.parse(_week_items(spec, field), field)
        if isinstance(spec, str):
            day = parse_day_hours(spec, field)
            for i in range(5):
                week[i] = day
        elif isinstance(spec, Mapping):
            for key, value in spec.items():
                if not isinstance(key, str):
                    raise ConfigError(field, key, "weekday keys must be strings such as 'mon-fri'")
                day = parse_day_hours(value, f"{field}[{key!r}]")
                for i in _parse_days(key, field):
                    if week[i] is not None:
                        raise ConfigError(field, key, f"{WEEKDAYS[i]} is given hours twice")
                    week[i] = day
        else:
            raise ConfigError(
                field, spec, "give a string such as '09:00-18:00' or a mapping such as "
                "{'mon-fri': '09:00-18:00'}"
            )
        days = tuple(d or () for d in week)
        try:
            return cls(days)  # type: ignore[arg-type]
        except ConfigError as error:
            raise ConfigError(field, spec, error.problem) from None

    @property
    def is_empty(self) -> bool:
        """True when no weekday has any hours."""
        return not any(self.days)

    def standard_day(self) -> DayHours:
        """The hours of the first weekday (Monday on) that has any: what a worked weekend uses."""
        return next((day for day in self.days if day), ())

    def __str__(self) -> str:
        groups: list[tuple[int, int, DayHours]] = []
        for i, day in enumerate(self.days):
            if groups and groups[-1][2] == day and groups[-1][1] == i - 1:
                groups[-1] = (groups[-1][0], i, day)
            else:
                groups.append((i, i, day))
        parts = []
        for a, b, day in groups:
            if not day:
                continue
            key = WEEKDAYS[a] if a == b else f"{WEEKDAYS[a]}-{WEEKDAYS[b]}"
            parts.append(f"{key}: {format_day_hours(day)}")
        return "; ".join(parts) or "closed"

    def __repr__(self) -> str:
        return f"WeeklyHours({str(self)!r})"


def _week_items(text: str, field: str) -> dict[str, str]:
    """The weekday mapping the weekly text form ``"mon-fri: 09:00-17:00; sat: closed"``
    says (the form :meth:`WeeklyHours.__str__` prints)."""
    items: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        match = _WEEK_PART.match(part)
        if match is None:
            raise ConfigError(
                field, text, f"{part.strip()!r} is not weekdays and their hours; write e.g. "
                "'mon-fri: 09:00-17:00; sat: 10:00-14:00'"
            )
        key, hours = match[1], match[2]
        if key in items:
            raise ConfigError(field, text, f"{key!r} is given hours twice")
        items[key] = hours
    return items


def check_day_hours(day: object, field: str, name: str) -> DayHours:
    """``day`` if it is one day's hours as data by the invariants of the module docstring
    (the form :func:`parse_day_hours` returns), else a :class:`ConfigError` for ``field``."""
    if not isinstance(day, tuple):
        raise ConfigError(field, day, f"{name} must be a tuple of (start, end) minutes")
    previous_end = None
    for pair in day:
        if (
            not isinstance(pair, tuple) or len(pair) != 2
            or not all(type(x) is int for x in pair)
        ):
            raise ConfigError(field, day, f"{name}: {pair!r} is not a (start, end) pair "
                              "of whole minutes")
        start, end = pair
        if not 0 <= start < MINUTES_PER_DAY or not start < end <= start + MINUTES_PER_DAY:
            raise ConfigError(field, day, f"{name}: {pair!r} is not an interval of a day "
                              "(0 <= start < 1440, start < end <= start + 1440; an end past "
                              "1440 runs overnight)")
        if previous_end is not None and start < previous_end:
            raise ConfigError(field, day, f"{name} are not sorted or overlap at "
                              f"{_fmt(start, end)}")
        previous_end = end
    return day


def _check_week(days: object) -> None:
    """Every invariant of the module docstring, for seven days of hours given as data."""
    if not isinstance(days, tuple) or len(days) != 7:
        raise ConfigError("hours", days, "give seven days of hours, Monday first")
    for i, day in enumerate(days):
        check_day_hours(day, "hours", f"{WEEKDAYS[i]}'s hours")
    # An overnight interval must not run into the next day's first interval.
    for i, day in enumerate(days):
        nxt = days[(i + 1) % 7]
        if day and nxt and day[-1][1] - MINUTES_PER_DAY > nxt[0][0]:
            raise ConfigError(
                "hours", days,
                f"{WEEKDAYS[i]}'s {_fmt(*day[-1])} runs into {WEEKDAYS[(i + 1) % 7]}'s "
                f"{_fmt(*nxt[0])}",
            )


def parse_weekly_hours(spec: str | Mapping[str, str] | WeeklyHours) -> WeeklyHours:
    """attrs converter for ``Calendar.hours``."""
    return WeeklyHours.parse(spec)
