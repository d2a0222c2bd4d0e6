"""The compiled form of a calendar: sorted open intervals with cumulative working time.

A :class:`Timeline` holds, for a contiguous range of UTC years, the calendar's open
intervals as three parallel arrays of 64-bit integers (UTC microseconds):

- ``starts[i]`` and ``ends[i]``: the i-th open interval ``[start, end)``; sorted, disjoint,
  and never touching (touching intervals are merged when compiled);
- ``cum[i]``: the working time from the timeline's first instant ``lo`` to ``ends[i]``.

The working time elapsed at any instant ``t`` (its *position*) is then one binary search::

    i = bisect_right(starts, t)      # intervals that started at or before t
    position = cum[i-1] - max(0, ends[i-1] - t)

and the difference of two positions is the working time between two instants, whatever
the span. A deadline is the inverse: a binary search of ``cum`` for the target position.
Timelines are immutable; a calendar that needs more years builds a larger one and swaps it
in under a lock, so readers never see a half-built timeline.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo

from ._instants import EPOCH, ONE_US

__all__ = ["Interval", "Timeline", "merge", "utc_year_bounds", "year_of"]

Interval = tuple[int, int]

MIN_YEAR = 1
MAX_YEAR = 9999


def utc_year_bounds(year: int) -> tuple[int, int]:
    """The UTC microseconds of 1 January of ``year`` and of ``year + 1``, 00:00 UTC."""
    lo = (datetime(year, 1, 1, tzinfo=UTC) - EPOCH) // ONE_US
    if year == MAX_YEAR:
        hi = lo + 365 * 86_400_000_000
    else:
        hi = (datetime(year + 1, 1, 1, tzinfo=UTC) - EPOCH) // ONE_US
    return lo, hi


def year_of(us: int, zone: tzinfo) -> int:
    """The local year of an instant in ``zone``, clamped to the years a datetime can hold."""
    try:
        return (EPOCH + timedelta(microseconds=us)).astimezone(zone).year
    except OverflowError:
        return MIN_YEAR if us < 0 else MAX_YEAR


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort intervals and merge those that overlap or touch; drop empty ones."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


class Timeline:
    """Open intervals of a calendar over ``[lo, hi)``, with cumulative working time.

    ``lo`` and ``hi`` are the starts of the calendar's local years ``first_year`` and
    ``last_year + 1``: a timeline covers whole years of the calendar's zone.

    Runtime complexity: :meth:`position` is O(log n) for n intervals; building is O(n).
    """

    __slots__ = ("cum", "ends", "first_year", "hi", "last_year", "lo", "starts")

    def __init__(
        self, first_year: int, last_year: int, lo: int, hi: int, intervals: list[Interval]
    ) -> None:
        self.first_year = first_year
        self.last_year = last_year
        self.lo = lo
        self.hi = hi
        self.starts = array("q", [s for s, _ in intervals])
        self.ends = array("q", [e for _, e in intervals])
        total = 0
        cum = array("q", bytes(8 * len(intervals)))
        for i, (start, end) in enumerate(intervals):
            total += end - start
            cum[i] = total
        self.cum = cum

    @property
    def total(self) -> int:
        """Working microseconds in ``[lo, hi)``."""
        return self.cum[-1] if self.cum else 0

    def position(self, t: int) -> int:
        """Working microseconds from ``lo`` to ``t`` (``lo <= t <= hi``)."""
        i = bisect_right(self.starts, t)
        if i == 0:
            return 0
        end = self.ends[i - 1]
        return self.cum[i - 1] - (end - t) if t < end else self.cum[i - 1]

    def intervals(self) -> list[Interval]:
        return list(zip(self.starts, self.ends, strict=True))

    def nbytes(self) -> int:
        """Memory held by the three arrays, in bytes."""
        return sum(a.buffer_info()[1] * a.itemsize for a in (self.starts, self.ends, self.cum))

    def _check(self) -> None:
        """Assert every invariant; the tests call it after every compile."""
        n = len(self.starts)
        assert len(self.ends) == n == len(self.cum)
        assert self.lo < self.hi
        total = 0
        for i in range(n):
            start, end = self.starts[i], self.ends[i]
            assert self.lo <= start < end <= self.hi, (i, start, end)
            if i:
                assert self.ends[i - 1] < start, f"intervals {i - 1} and {i} touch or overlap"
            total += end - start
            assert self.cum[i] == total, f"cum[{i}] is {self.cum[i]}, expected {total}"


class TimelineCache:
    """The mutable part of an immutable calendar: its compiled timeline, behind a lock."""

    __slots__ = ("extras", "lock", "timeline")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.timeline: Timeline | None = None
        self.extras: dict[object, object] = {}

    def __reduce__(self) -> tuple[type[TimelineCache], tuple[()]]:
        # A pickled calendar travels without its compiled years (and its lock): the copy
        # compiles what it needs. This is what lets Dask or multiprocessing ship calendars.
        return (TimelineCache, ())
