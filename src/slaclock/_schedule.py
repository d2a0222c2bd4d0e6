"""Working-time arithmetic shared by every calendar: the queries on a compiled timeline."""

from __future__ import annotations

from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ._days import check_date
from ._errors import HorizonError
from ._instants import EPOCH, ONE_US, bound_to_us, duration_us, from_us, like, to_us
from ._timeline import (
    MAX_YEAR,
    MIN_YEAR,
    Interval,
    Timeline,
    TimelineCache,
    year_of,
)

if TYPE_CHECKING:
    from ._calendar import CombinedCalendar

__all__ = ["HORIZON_YEARS", "Schedule"]

HORIZON_YEARS = 50
"""How far ``next_open`` and ``next_close`` look: 50 years after the instant asked."""

_ONE_DAY = timedelta(days=1)
_HORIZON_US = HORIZON_YEARS * 366 * 86_400_000_000


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
        """The instants starting local ``year`` and ``year + 1`` in the calendar's zone (for
        9999, the end of its last day)."""
        zone = self.zone
        lo = bound_to_us(zone, date(year, 1, 1), 0, end=False)
        if year >= MAX_YEAR:
            return lo, bound_to_us(zone, date.max, 1440, end=False)
        return lo, bound_to_us(zone, date(year + 1, 1, 1), 0, end=False)

    def _never_opens(self) -> bool:
        """True when no date can have working time (so a search need not look)."""
        return False

    @abstractmethod
    def is_business_day(self, day: date) -> bool:
        """Whether ``day`` is a business day (see the subclass for the exact rule)."""

    # -- combining -----------------------------------------------------------------------

    def __and__(self, other: Schedule) -> CombinedCalendar:
        """Open when both calendars are (a desk's hours within a customer's)."""
        from ._calendar import _combine

        return _combine("&", self, other)

    def __or__(self, other: Schedule) -> CombinedCalendar:
        """Open when either calendar is."""
        from ._calendar import _combine

        return _combine("|", self, other)

    def __sub__(self, other: Schedule) -> CombinedCalendar:
        """Open when this calendar is and ``other`` is not (a pause is a subtraction)."""
        from ._calendar import _combine

        return _combine("-", self, other)

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

    def _grow(self, tl: Timeline, years: int, *, forward: bool) -> Timeline:
        """``years`` more years into the future (or the past), in one compile."""
        if forward:
            if tl.last_year >= MAX_YEAR:
                raise HorizonError("the answer would lie after the end of year 9999")
            return self._extend(tl.first_year, min(MAX_YEAR, tl.last_year + years))
        if tl.first_year <= MIN_YEAR:
            raise HorizonError("the answer would lie before the start of year 1")
        return self._extend(max(MIN_YEAR, tl.first_year - years), tl.last_year)

    def _reach(self, tl: Timeline, at: int, need: int, *, forward: bool) -> Timeline:
        """A timeline holding at least ``need`` working microseconds after (before) ``at``.

        Grows by an estimate of the years still needed, at least doubling each step, so a
        deadline decades away costs a few compiles, not one per year.
        """
        if self._never_opens():
            raise HorizonError("the calendar never opens: it has no working hours at all")
        step = 1
        while True:
            have = tl.total - tl.position(at) if forward else tl.position(at)
            if have >= need:
                return tl
            rate = tl.total // (tl.last_year - tl.first_year + 1)
            estimate = -(-(need - have) // rate) if rate else 1
            step = max(2 * step, estimate)
            tl = self._grow(tl, step, forward=forward)

    def _find_open(self, tl: Timeline, a: int, limit: int) -> tuple[Timeline, int] | None:
        """The index of the interval containing ``a`` or, else, the next one, if it starts
        before ``limit``; growing the timeline as needed."""
        step = 1
        while True:
            i = bisect_right(tl.starts, a)
            if i and a < tl.ends[i - 1]:
                return tl, i - 1
            if i < len(tl.starts):
                return (tl, i) if tl.starts[i] <= limit else None
            if tl.hi > limit or tl.last_year >= MAX_YEAR:
                return None
            step *= 2
            tl = self._grow(tl, step, forward=True)

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
                a = (start - EPOCH) // ONE_US
                b = (end - EPOCH) // ONE_US
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
        if i == 0:
            pa = 0
        else:
            e = ends[i - 1]
            pa = cum[i - 1] - (e - a if e > a else 0)
        i = bisect_right(starts, b)
        if i == 0:
            pb = 0
        else:
            e = ends[i - 1]
            pb = cum[i - 1] - (e - b if e > b else 0)
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
            HorizonError: when the deadline would fall outside the years 1 to 9999, or the
                calendar never opens.
        """
        if type(start) is datetime and type(duration) is timedelta:
            try:
                a = (start - EPOCH) // ONE_US
            except TypeError:
                a = to_us(start, "start")
            d = duration // ONE_US
        elif _array_like(start) or _array_like(duration):
            return _arrays().add(self, start, duration)  # type: ignore[no-any-return]
        else:
            a = to_us(start, "start")
            d = duration_us(duration)
        if d == 0:
            return start
        us = self._add_us(a, d)
        if type(start) is datetime:
            try:
                return (EPOCH + timedelta(microseconds=us)).astimezone(start.tzinfo)
            except OverflowError:
                pass  # from_us says so
        return like(from_us(us, start.tzinfo), start)

    # -- integer entry points, for the SLA model (UTC microseconds in and out) ----------

    def _business_us(self, a: int, b: int) -> int:
        """:meth:`business_time` of two instants in UTC microseconds, in microseconds."""
        tl = self._cache.timeline
        if tl is None or not (tl.lo <= a <= tl.hi and tl.lo <= b <= tl.hi):
            tl = self._timeline(min(a, b), max(a, b))
        return tl.position(b) - tl.position(a)

    def _add_us(self, a: int, d: int) -> int:
        """:meth:`add` in UTC microseconds.

        Raises:
            HorizonError: as :meth:`add` does.
        """
        if d == 0:
            return a
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
        return us

    def _next_open_us(self, a: int) -> int | None:
        """:meth:`next_open` in UTC microseconds, or ``None`` beyond the search horizon."""
        found = self._find_open(self._timeline(a, a), a, a + _HORIZON_US)
        if found is None:
            return None
        tl, i = found
        return max(tl.starts[i], a)

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
        found = self._find_open(self._timeline(a, a), a, a + _HORIZON_US)
        if found is None:
            raise HorizonError(
                f"the calendar does not open in the {HORIZON_YEARS} years after {t.isoformat()}"
            )
        tl, i = found
        if tl.starts[i] <= a:
            return t
        return like(from_us(tl.starts[i], t.tzinfo), t)

    def next_close(self, t: datetime) -> datetime | None:
        """The end of the open period that contains ``t`` or, when closed, of the next one.

        Returns ``None`` when the desk does not close in the 50 years after ``t`` (a 24/7
        calendar never closes), or does not open in them.
        """
        a = to_us(t, "t")
        limit = a + _HORIZON_US
        found = self._find_open(self._timeline(a, a), a, limit)
        if found is None:
            return None
        tl, j = found
        start = tl.starts[j]
        step = 1
        while tl.ends[j] >= tl.hi and tl.hi <= limit and tl.last_year < MAX_YEAR:
            step *= 2  # the period runs past the compiled years: see where it ends
            tl = self._grow(tl, step, forward=True)
            j = bisect_right(tl.starts, start) - 1
        end = tl.ends[j]
        if end > limit or (end >= tl.hi and tl.last_year >= MAX_YEAR):
            return None
        return like(from_us(end, t.tzinfo), t)

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
        """The number of business days ``d`` with ``start <= d < end``, like NumPy's
        ``busday_count``; when ``end`` is before ``start``, minus the count from ``end`` to
        ``start`` (so that swapping the bounds changes the sign; NumPy instead shifts the
        half-open interval).

        Runtime complexity: O(days).

        Raises:
            TypeError: for anything but two ``datetime.date`` (a datetime is refused: take
                its ``.date()`` in the calendar's zone).
        """
        check_date(start, "start")
        check_date(end, "end")
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
            TypeError: when ``day`` is not a ``datetime.date`` or ``n`` not an ``int``.
            HorizonError: when no business day lies within 50 years, or the answer would
                be outside the years 1 to 9999.
        """
        check_date(day, "day")
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be a whole number of business days, not {n!r}")
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        limit = 366 * HORIZON_YEARS
        barren = 0
        try:
            if remaining == 0:
                remaining, day = 1, day - _ONE_DAY
            while remaining:
                day += step
                if self.is_business_day(day):
                    remaining -= 1
                    barren = 0
                else:
                    barren += 1
                    if barren > limit:
                        raise HorizonError(
                            f"no business day in the {HORIZON_YEARS} years from {day}"
                        )
        except OverflowError:
            raise HorizonError("the answer would lie outside the years 1 to 9999") from None
        return day

    def _open_on_date(self, day: date) -> bool:
        """Whether the desk is open at any instant of ``day`` in the calendar's zone."""
        check_date(day, "day")
        zone = self.zone
        lo = bound_to_us(zone, day, 0, end=False)
        hi = bound_to_us(zone, day, 1440, end=False)
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
