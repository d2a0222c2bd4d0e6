"""Working-time arithmetic shared by every calendar: the queries on a compiled timeline."""

from __future__ import annotations

from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ._errors import HorizonError
from ._instants import date_us, duration_us, from_us, like, to_us, wall_to_us
from ._timeline import (
    MAX_YEAR,
    MIN_YEAR,
    Interval,
    Timeline,
    TimelineCache,
    utc_year_bounds,
    year_of,
)

__all__ = ["HORIZON_YEARS", "Schedule"]

HORIZON_YEARS = 50
"""How many consecutive years without working time a search crosses before giving up."""

_ONE_DAY = timedelta(days=1)
_ONE_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Schedule(ABC):
    """When a desk is open, and the arithmetic of working time on it.

    Subclasses say which intervals are open in a year (``_chunk``); this class
    compiles them lazily into a :class:`~slaclock._timeline.Timeline` and answers every
    query with binary searches on it. Instances are immutable and safe to share between
    threads.
    """

    _cache: TimelineCache

    @property
    @abstractmethod
    def zone(self) -> ZoneInfo:
        """The calendar's zone, where its dates (business days) are counted."""

    @abstractmethod
    def _chunk(self, lo: int, hi: int) -> list[Interval]:
        """The merged open intervals within ``[lo, hi)`` (UTC microseconds), clipped to it.

        ``lo`` and ``hi`` bound one local year of the schedule being compiled (which, in a
        combination, may be another calendar's)."""

    def _bounds(self, year: int) -> tuple[int, int]:
        """The instants starting local ``year`` and ``year + 1`` in the calendar's zone."""
        if year <= MIN_YEAR or year >= MAX_YEAR:
            return utc_year_bounds(year)
        zone = self.zone
        return (
            wall_to_us(zone, date_us(date(year, 1, 1)), end=False),
            wall_to_us(zone, date_us(date(year + 1, 1, 1)), end=False),
        )

    @abstractmethod
    def is_business_day(self, day: date) -> bool:
        """Whether ``day`` is a business day (see the subclass for the exact rule)."""

    # -- compiling -----------------------------------------------------------------------

    def _timeline(self, lo: int, hi: int) -> Timeline:
        """A timeline covering the instants ``lo`` to ``hi`` (UTC microseconds)."""
        tl = self._cache.timeline
        if tl is not None and tl.lo <= lo and hi <= tl.hi:
            return tl
        zone = self.zone
        return self._extend(year_of(lo, zone), year_of(hi, zone))

    def _extend(self, first: int, last: int) -> Timeline:
        with self._cache.lock:
            tl = self._cache.timeline
            if tl is not None:
                if tl.first_year <= first and last <= tl.last_year:
                    return tl
                before = range(first, tl.first_year)
                after = range(tl.last_year + 1, last + 1)
                first, last = min(first, tl.first_year), max(last, tl.last_year)
                pieces = [self._chunk(*self._bounds(y)) for y in before]
                pieces.append(tl.intervals())
                pieces.extend(self._chunk(*self._bounds(y)) for y in after)
            else:
                pieces = [self._chunk(*self._bounds(y)) for y in range(first, last + 1)]
            lo, hi = self._bounds(first)[0], self._bounds(last)[1]
            new = Timeline(first, last, lo, hi, _join(pieces))
            self._cache.timeline = new
            return new

    def _grow(self, tl: Timeline, *, forward: bool) -> Timeline:
        """One step further into the future (or the past); raises past the year range."""
        if forward:
            if tl.last_year >= MAX_YEAR:
                raise HorizonError("no working time found before the end of year 9999")
            return self._extend(tl.first_year, tl.last_year + 1)
        if tl.first_year <= MIN_YEAR:
            raise HorizonError("no working time found after the start of year 1")
        return self._extend(tl.first_year - 1, tl.last_year)

    def _reach(self, tl: Timeline, at: int, need: int, *, forward: bool) -> Timeline:
        """A timeline holding at least ``need`` working microseconds after (before) ``at``."""
        barren = 0
        while True:
            have = tl.total - tl.position(at) if forward else tl.position(at)
            if have >= need:
                return tl
            years = tl.last_year - tl.first_year + 1
            rate = tl.total // years
            step = 1 if rate == 0 else max(1, -(-(need - have) // rate))
            step = min(step, HORIZON_YEARS)
            grown = tl
            for _ in range(step):
                grown = self._grow(grown, forward=forward)
            barren = barren + step if grown.total == tl.total else 0
            if barren >= HORIZON_YEARS:
                raise HorizonError(
                    f"the calendar has no working time in the {barren} years "
                    f"{'after' if forward else 'before'} {from_us(at, None).isoformat()}"
                )
            tl = grown

    # -- queries ---------------------------------------------------------------------------

    def business_time(self, start: datetime, end: datetime) -> timedelta:
        """The working time between two instants; negative when ``end`` is before ``start``.

        Exact to the microsecond. Runtime complexity: O(log n) in the number of compiled
        intervals, whatever the span (the first query of a new year compiles that year).

        Raises:
            NaiveDatetimeError: when either datetime has no zone.
        """
        # The hot path: plain aware datetimes, converted inline (to_us says why one fails).
        if type(start) is datetime and type(end) is datetime:
            try:
                a = (start - _EPOCH) // _ONE_US
                b = (end - _EPOCH) // _ONE_US
            except TypeError:
                a = to_us(start, "start")
                b = to_us(end, "end")
        elif _array_like(start) or _array_like(end):
            return _arrays().business_time(self, start, end)  # type: ignore[no-any-return]
        else:
            a = to_us(start, "start")
            b = to_us(end, "end")
        tl = self._cache.timeline
        if tl is None or not (tl.lo <= a <= tl.hi and tl.lo <= b <= tl.hi):
            tl = self._timeline(min(a, b), max(a, b))
        # position(b) - position(a), inlined: two binary searches.
        starts, ends, cum = tl.starts, tl.ends, tl.cum
        i = bisect_right(starts, a)
        pa = 0 if i == 0 else cum[i - 1] - max(0, ends[i - 1] - a)
        i = bisect_right(starts, b)
        pb = 0 if i == 0 else cum[i - 1] - max(0, ends[i - 1] - b)
        return timedelta(microseconds=pb - pa)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The deadline: the earliest instant by which ``duration`` of working time has passed.

        ``business_time(start, add(start, d)) == d`` holds exactly. A deadline that ends
        exactly at closing time is that closing time, not the next opening: one hour added
        at 17:00 on a 09:00-18:00 day is 18:00. A zero duration returns ``start`` itself.

        A negative duration goes back: the *latest* instant from which ``-duration`` of
        working time leads to ``start``. So ``add(add(a, d), -d)`` is ``next_open(a)``.

        The result is in the zone of ``start``. Runtime complexity: O(log n).

        Raises:
            NaiveDatetimeError: when ``start`` has no zone.
            HorizonError: when the calendar has no working time for 50 years on end.
        """
        if type(start) is datetime and type(duration) is timedelta:
            try:
                a = (start - _EPOCH) // _ONE_US
            except TypeError:
                a = to_us(start, "start")
            d = duration // _ONE_US
        elif _array_like(start) or _array_like(duration):
            return _arrays().add(self, start, duration)  # type: ignore[no-any-return]
        else:
            a = to_us(start, "start")
            d = duration_us(duration)
        if d == 0:
            return start
        tl = self._cache.timeline
        if tl is None or not tl.lo <= a <= tl.hi:
            tl = self._timeline(a, a)
        if d > 0:
            target = tl.position(a) + d
            if target > tl.total:
                tl = self._reach(tl, a, d, forward=True)
                target = tl.position(a) + d
            cum = tl.cum
            j = bisect_left(cum, target)
            us = tl.ends[j] - (cum[j] - target)
        else:
            target = tl.position(a) + d
            if target < 0:
                tl = self._reach(tl, a, -d, forward=False)
                target = tl.position(a) + d
            cum = tl.cum
            k = bisect_right(cum, target)
            us = tl.starts[k] + target - (cum[k - 1] if k else 0)
        if type(start) is datetime:
            try:
                return (_EPOCH + timedelta(microseconds=us)).astimezone(start.tzinfo)
            except OverflowError:
                pass  # from_us says so
        return like(from_us(us, start.tzinfo), start)

    def subtract(self, start: datetime, duration: timedelta) -> datetime:
        """``add(start, -duration)``: the latest instant ``duration`` of working time earlier."""
        return self.add(start, -duration)

    def is_open(self, t: datetime) -> bool:
        """Whether the desk is open at ``t`` (intervals include their start, not their end)."""
        if _array_like(t):
            return _arrays().is_open(self, t)  # type: ignore[no-any-return]
        a = to_us(t, "t")
        tl = self._timeline(a, a)
        i = bisect_right(tl.starts, a)
        return i > 0 and a < tl.ends[i - 1]

    def next_open(self, t: datetime) -> datetime:
        """``t`` itself when the desk is open then, else the next opening (in ``t``'s zone).

        Raises:
            HorizonError: when the calendar does not open in the 50 years after ``t``.
        """
        a = to_us(t, "t")
        tl = self._timeline(a, a)
        i = bisect_right(tl.starts, a)
        if i and a < tl.ends[i - 1]:
            return t
        tl = self._reach(tl, a, 1, forward=True)
        return like(from_us(tl.starts[bisect_right(tl.starts, a)], t.tzinfo), t)

    def next_close(self, t: datetime) -> datetime | None:
        """The end of the open period that contains ``t`` or, when closed, of the next one.

        Returns ``None`` when the desk stays open without a break for 50 years (a 24/7
        calendar never closes).
        """
        a = to_us(t, "t")
        tl = self._reach(self._timeline(a, a), a, 1, forward=True)
        i = bisect_right(tl.starts, a)
        j = i - 1 if i and a < tl.ends[i - 1] else i
        start = tl.starts[j]
        for _ in range(HORIZON_YEARS):
            k = bisect_right(tl.starts, start) - 1
            if tl.ends[k] < tl.hi:
                return like(from_us(tl.ends[k], t.tzinfo), t)
            tl = self._grow(tl, forward=True)
        return None

    def periods(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open periods within ``[start, end)``, clipped to it, in ``start``'s zone."""
        a = to_us(start, "start")
        b = to_us(end, "end")
        if b <= a:
            return
        tl = self._timeline(a, b)
        zone = start.tzinfo
        i = max(bisect_right(tl.starts, a) - 1, 0)
        starts, ends = tl.starts, tl.ends
        for k in range(i, len(starts)):
            s, e = starts[k], ends[k]
            if s >= b:
                break
            if e > a:
                yield like(from_us(max(s, a), zone), start), like(from_us(min(e, b), zone), start)

    def business_days(self, start: date, end: date) -> int:
        """The number of business days ``d`` with ``start <= d < end`` (like NumPy's
        ``busday_count``); negative when ``end`` is before ``start``.

        Runtime complexity: O(days).
        """
        if end < start:
            return -self.business_days(end, start)
        count = 0
        day = start
        while day < end:
            count += self.is_business_day(day)
            day += _ONE_DAY
        return count

    def add_business_days(self, day: date, n: int) -> date:
        """The ``n``-th business day after ``day`` (before it when ``n`` is negative).

        ``day`` itself is not counted; ``n == 0`` gives ``day`` when it is a business day,
        else the next business day.

        Raises:
            HorizonError: when fewer than ``n`` business days lie within 50 years.
        """
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        if remaining == 0:
            remaining, day = 1, day - _ONE_DAY
        limit = 366 * HORIZON_YEARS
        barren = 0
        while remaining:
            try:
                day += step
            except OverflowError:
                raise HorizonError("ran out of dates looking for business days") from None
            if self.is_business_day(day):
                remaining -= 1
                barren = 0
            else:
                barren += 1
                if barren > limit:
                    raise HorizonError(f"no business day in the {HORIZON_YEARS} years from {day}")
        return day

    def _open_on_date(self, day: date) -> bool:
        """Whether the desk is open at any instant of ``day`` in the calendar's zone."""
        zone = self.zone
        lo = wall_to_us(zone, date_us(day), end=False)
        hi = wall_to_us(zone, date_us(day + _ONE_DAY), end=False)
        tl = self._timeline(lo, hi)
        return tl.position(hi) > tl.position(lo)


def _array_like(value: object) -> bool:
    """Whether a value is a column of values (list, tuple, NumPy array, pandas Series or
    Index) for the array API, rather than one datetime."""
    return isinstance(value, list | tuple) or hasattr(value, "__array__")


def _arrays() -> Any:
    """The array API, imported on first use (it needs NumPy)."""
    from . import _arrays as module

    return module


def _join(pieces: list[list[Interval]]) -> list[Interval]:
    """Concatenate sorted, disjoint interval lists of consecutive ranges, merging at joints."""
    out: list[Interval] = []
    for piece in pieces:
        if not piece:
            continue
        if out and out[-1][1] >= piece[0][0]:
            out[-1] = (out[-1][0], max(out[-1][1], piece[0][1]))
            out.extend(piece[1:])
        else:
            out.extend(piece)
    return out
