"""A deliberately naive reference for calendar arithmetic, to test the compiled timeline.

Nothing here is fast or clever: each date's rules are evaluated on their own, each
wall-clock bound is mapped to UTC by trying every offset the zone uses around it, and
working time is summed interval by interval. It shares no code with slaclock's timeline.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from slaclock import Calendar
from slaclock.calendars._calendar import CombinedCalendar

UTC = UTC
ONE_DAY = timedelta(days=1)


def day_hours(cal: Calendar, day: date) -> list[tuple[int, int]]:
    """The rules of the Calendar docstring, applied one by one."""
    if day in cal.overrides:
        return list(cal.overrides[day])
    rules = cal.holidays.rules(day.year) if cal.holidays is not None else None
    weekday_hours = list(cal.hours.days[day.weekday()])
    first_open = next((list(h) for h in cal.hours.days if h), [])
    if day in cal.working_days:
        hours = weekday_hours or first_open
    elif day in cal.days_off or (rules is not None and day in rules.off):
        hours = []
    elif rules is not None and day in rules.working:
        hours = weekday_hours or first_open
    else:
        hours = weekday_hours
    cut = cal.shortened.get(day) or (rules.shortened.get(day) if rules else None)
    if cut and hours:
        # Take the minutes off the end, interval by interval.
        while cut and hours:
            start, end = hours[-1]
            if end - start > cut:
                hours[-1] = (start, end - cut)
                cut = 0
            else:
                cut -= end - start
                hours.pop()
    return hours


def wall_to_utc(zone: ZoneInfo, wall: datetime, *, end: bool) -> datetime:
    """Every UTC instant that reads as ``wall``: the first for a start, the last for an
    end; in a gap, the first instant whose local time is past ``wall``."""
    offsets = _offsets_around(zone, wall.date())
    found = []
    for offset in offsets:
        utc = (wall - offset).replace(tzinfo=UTC)
        if utc.astimezone(zone).replace(tzinfo=None) == wall:
            found.append(utc)
    if found:
        return max(found) if end else min(found)
    utc = (wall - max(offsets)).replace(tzinfo=UTC)
    while utc.astimezone(zone).replace(tzinfo=None) <= wall:
        utc += timedelta(minutes=1)
    # back to the exact second of the transition
    while (utc - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None) > wall:
        utc -= timedelta(seconds=1)
    return utc


@lru_cache(maxsize=100_000)
def _offsets_around(zone: ZoneInfo, day: date) -> frozenset[timedelta]:
    """Every UTC offset the zone uses from two days before ``day`` to two days after."""
    offsets = set()
    probe = datetime(day.year, day.month, day.day) - 2 * ONE_DAY
    while probe <= datetime(day.year, day.month, day.day) + 3 * ONE_DAY:
        offsets.add(probe.replace(tzinfo=zone).utcoffset())
        probe += timedelta(minutes=15)
    return frozenset(offsets)


class OutOfReach(Exception):
    """The reference walked its whole window without using up the duration."""


def merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def intervals(cal: object, first: date, last: date) -> list[tuple[datetime, datetime]]:
    """The open intervals of the days ``first`` to ``last``, in UTC."""
    if isinstance(cal, CombinedCalendar):
        return combined(cal, first, last)
    assert isinstance(cal, Calendar)
    zone = ZoneInfo(cal.tz)
    out = []
    day = first
    while day <= last:
        midnight = datetime(day.year, day.month, day.day)
        for start, end in day_hours(cal, day):
            out.append((
                wall_to_utc(zone, midnight + timedelta(minutes=start), end=False),
                wall_to_utc(zone, midnight + timedelta(minutes=end), end=True),
            ))
        day += ONE_DAY
    return merged(out)


def combined(cal: CombinedCalendar, first: date, last: date) -> list[tuple[datetime, datetime]]:
    left = intervals(cal.left, first - 2 * ONE_DAY, last + 2 * ONE_DAY)
    right = intervals(cal.right, first - 2 * ONE_DAY, last + 2 * ONE_DAY)
    if cal.op == "|":
        return merged(left + right)
    if cal.op == "&":
        return merged([
            (max(a, c), min(b, d)) for a, b in left for c, d in right if max(a, c) < min(b, d)
        ])
    out = []
    for a, b in left:
        pieces = [(a, b)]
        for c, d in right:
            pieces = [
                piece
                for s, e in pieces
                for piece in ((s, min(e, c)), (max(s, d), e))
                if piece[0] < piece[1]
            ]
        out.extend(pieces)
    return merged(out)


def window(start: datetime, end: datetime) -> tuple[date, date]:
    lo, hi = min(start, end), max(start, end)
    return lo.astimezone(UTC).date() - 3 * ONE_DAY, hi.astimezone(UTC).date() + 3 * ONE_DAY


def business_time(cal: object, start: datetime, end: datetime) -> timedelta:
    # In UTC: datetimes of one zone compare and subtract by wall clock, ignoring fold.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    lo, hi = sorted((start, end))
    total = timedelta(0)
    for a, b in intervals(cal, *window(lo, hi)):
        overlap = min(b, hi) - max(a, lo)
        if overlap > timedelta(0):
            total += overlap
    return total if start <= end else -total


def add(cal: object, start: datetime, duration: timedelta, span_days: int = 400) -> datetime:
    """Walk the intervals from ``start`` until ``duration`` is used up."""
    if duration == timedelta(0):
        return start
    zone = start.tzinfo
    start = start.astimezone(UTC)  # arithmetic on a zoned datetime is wall-clock arithmetic
    first, last = window(start, start)
    if duration > timedelta(0):
        remaining = duration
        for a, b in intervals(cal, first, last + span_days * ONE_DAY):
            if b <= start:
                continue
            a = max(a, start)
            if b - a >= remaining:
                return (a + remaining).astimezone(zone)
            remaining -= b - a
    else:
        remaining = -duration
        for a, b in reversed(intervals(cal, first - span_days * ONE_DAY, last)):
            if a >= start:
                continue
            b = min(b, start)
            if b - a >= remaining:
                return (b - remaining).astimezone(zone)
            remaining -= b - a
    raise OutOfReach(f"{duration} is not reached within {span_days} days")


def is_open(cal: object, t: datetime) -> bool:
    return any(a <= t < b for a, b in intervals(cal, *window(t, t)))


def previous_open(cal: object, t: datetime, span_days: int = 60) -> datetime | None:
    """The latest instant up to ``t`` in the closure of an open interval."""
    t = t.astimezone(UTC)
    first, last = window(t - span_days * ONE_DAY, t)
    best = None
    for a, b in intervals(cal, first, last):
        if a <= t:
            best = t if t <= b else b
    return best


def previous_close(cal: object, t: datetime, span_days: int = 60) -> datetime | None:
    """``t`` when closed, else the start of the interval holding it."""
    t = t.astimezone(UTC)
    first, last = window(t - span_days * ONE_DAY, t)
    found = [a for a, b in intervals(cal, first, last) if a <= t < b]
    if not found:
        return t
    return found[0]
