"""The compiled form of a calendar: one year at a time, with each year's working time.

A :class:`Timeline` belongs to one calendar and owns everything compiled from it. Its
unit is the calendar's local year: a :class:`YearChunk` holds that year's open intervals
as three parallel arrays of 64-bit integers (UTC microseconds):

- ``starts[i]`` and ``ends[i]``: the i-th open interval ``[start, end)``; sorted, disjoint,
  never touching, and clipped to the year (an interval that crosses midnight of 31
  December is cut in two at the boundary, one piece in each year);
- ``cum[i]``: the working time from the year's first instant ``lo`` to ``ends[i]``.

The working time elapsed in a year up to an instant ``t`` (its *position*) is one binary
search::

    i = bisect_right(starts, t)      # intervals that started at or before t
    position = cum[i-1] - max(0, ends[i-1] - t)

Between two instants of one year the working time is the difference of their positions;
between two years, the rest of the first year, the *totals* of the years in between, and
the position in the last. A year's total is kept after the year is compiled, also when
its intervals are not, so a query in 2526 after one in 2026 compiles 2526 (and, when the
working time from 2026 is asked, the totals of the years between, once), never a
contiguous block, and never the same year twice. A year whose calendar gives a key
(``_year_key``: what decides its total) takes the total of the first year with the same
key instead of being compiled, so far years cost a dictionary look-up each.

Chunks are immutable. Compiling takes the timeline's lock, so two threads never compile
the same year; readers never lock and never see a half-built chunk.

Runtime complexity: a query within compiled years is O(log n) in the intervals of a year;
the first query of a year compiles it, O(days).
"""

from __future__ import annotations

import itertools
import threading
import warnings
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from slaclock._errors import HorizonError, LongCompileWarning
from slaclock._instants import EPOCH, ONE_US

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

__all__ = ["Interval", "Timeline", "YearChunk", "merge", "utc_year_bounds", "year_of"]

Interval = tuple[int, int]

MIN_YEAR = 1
MAX_YEAR = 9999

HORIZON_YEARS = 50
"""How far a search for an opening or a closing looks: 50 years from the instant asked;
and how many years without any working time a deadline search crosses before it gives up."""

COMPILE_WARNING_YEARS = 200
"""One call that compiles more years than this emits a :class:`~slaclock.LongCompileWarning`."""

_BATCH_MAX = 256


def utc_year_bounds(year: int) -> tuple[int, int]:
    """The UTC microseconds of 1 January of ``year`` and of ``year + 1``, 00:00 UTC."""
    lo = (datetime(year, 1, 1, tzinfo=UTC) - EPOCH) // ONE_US
    if year == MAX_YEAR:
        hi = lo + 365 * 86_400_000_000
    else:
        hi = (datetime(year + 1, 1, 1, tzinfo=UTC) - EPOCH) // ONE_US
    return lo, hi


#: The first and the last instant a datetime can hold, in UTC microseconds.
FIRST_US = utc_year_bounds(MIN_YEAR)[0]
LAST_US = utc_year_bounds(MAX_YEAR)[1] - 1


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


class Source(Protocol):
    """What a timeline needs from its calendar (:class:`~slaclock.Schedule` provides it)."""

    @property
    def zone(self) -> ZoneInfo: ...

    def _bounds(self, year: int) -> tuple[int, int]: ...

    def _chunk(self, lo: int, hi: int) -> list[Interval]: ...

    def _open_span(self) -> tuple[int, int] | None: ...

    def _never_opens_from(self, year: int, *, forward: bool) -> bool: ...

    def _year_key(self, year: int) -> Hashable | None: ...

    def _always_open(self) -> bool: ...


class YearChunk:
    """The open intervals of one local year ``[lo, hi)``, with cumulative working time."""

    __slots__ = ("cum", "ends", "hi", "lo", "starts", "total", "year")

    def __init__(self, year: int, lo: int, hi: int, intervals: list[Interval]) -> None:
        self.year = year
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
        self.total = total

    def position(self, t: int) -> int:
        """Working microseconds from ``lo`` to ``t`` (``lo <= t <= hi``)."""
        i = bisect_right(self.starts, t)
        if i == 0:
            return 0
        end = self.ends[i - 1]
        return self.cum[i - 1] - (end - t) if t < end else self.cum[i - 1]

    def ahead(self, target: int) -> int:
        """The earliest instant at position ``target`` (``0 < target <= total``)."""
        cum = self.cum
        j = bisect_left(cum, target)
        return self.ends[j] - (cum[j] - target)

    def behind(self, target: int) -> int:
        """The latest instant at position ``target`` (``0 <= target < total``)."""
        cum = self.cum
        k = bisect_right(cum, target)
        return self.starts[k] + target - (cum[k - 1] if k else 0)

    def intervals(self) -> list[Interval]:
        return list(zip(self.starts, self.ends, strict=True))

    def nbytes(self) -> int:
        """Memory held by the three arrays, in bytes."""
        return sum(a.buffer_info()[1] * a.itemsize for a in (self.starts, self.ends, self.cum))

    def _check(self) -> None:
        n = len(self.starts)
        assert len(self.ends) == n == len(self.cum)
        assert self.lo < self.hi
        total = 0
        for i in range(n):
            start, end = self.starts[i], self.ends[i]
            assert self.lo <= start < end <= self.hi, (self.year, i, start, end)
            if i:
                assert self.ends[i - 1] < start, f"{self.year}: intervals {i - 1}, {i} touch"
            total += end - start
            assert self.cum[i] == total, f"{self.year}: cum[{i}] is {self.cum[i]}, not {total}"
        assert self.total == total


#: Stands for "no chunk yet" in the hot path: no instant satisfies ``lo <= t <= hi``.
_NOTHING = YearChunk(0, 1, 0, [])


class Timeline:
    """Everything compiled from one calendar: year chunks, year totals, and searches.

    The calendar creates it empty; every query asks it for what it needs, and it compiles
    the years the query touches (see the module docstring). ``hot`` is the chunk the
    last query used, for the calendar's fast path.

    Attributes:
        compiled: how many years have been compiled (each at most once while its chunk
            or total is kept).
        grows: how many times a search compiled a batch of years ahead of (or behind) the
            ones it had.
    """

    __slots__ = (
        "_always",
        "_by_key",
        "_by_lo",
        "_chunks",
        "_edges",
        "_los",
        "_prefix",
        "_recent",
        "_totals",
        "_vectors",
        "compiled",
        "extras",
        "grows",
        "hot",
        "lock",
        "source",
    )

    def __init__(self, source: Source) -> None:
        self.source = source
        self.lock = threading.RLock()
        self.extras: dict[object, object] = {}
        self.hot: YearChunk = _NOTHING
        self.compiled = 0
        self.grows = 0
        self._chunks: dict[int, YearChunk] = {}
        self._edges: tuple[int, int] | None = None
        self._totals: dict[int, int] = {}
        self._los: list[int] = []  # sorted ``lo`` of the kept chunks
        self._by_lo: dict[int, YearChunk] = {}
        # The last few years compiled for their totals only: the year a search stops in
        # is kept from here, not compiled again.
        self._recent: dict[int, YearChunk] = {}
        self._prefix: tuple[int, list[int], list[int]] | None = None
        self._vectors: Any = None
        # Year totals by the key of what decides them (see Schedule._year_key): a year
        # whose key is known takes its total from here, without being compiled.
        self._by_key: dict[Hashable, int] = {}
        self._always: bool | None = None  # open at every instant (asked once)

    def __reduce__(self) -> tuple[Callable[..., Timeline], tuple[Any]]:
        # A pickled calendar travels without its compiled years (and its lock): the copy
        # compiles what it needs. This is what lets Dask or multiprocessing ship calendars.
        return (Timeline, (self.source,))

    # -- compiling ---------------------------------------------------------------------

    def _bounds(self, year: int) -> tuple[int, int]:
        return self.source._bounds(year)

    @property
    def first_lo(self) -> int:
        """The first instant of local year 1."""
        edges = self._edges or self._find_edges()
        return edges[0]

    @property
    def last_hi(self) -> int:
        """The end of local year 9999."""
        edges = self._edges or self._find_edges()
        return edges[1]

    def _find_edges(self) -> tuple[int, int]:
        self._edges = (self._bounds(MIN_YEAR)[0], self._bounds(MAX_YEAR)[1])
        return self._edges

    def _build(self, year: int) -> YearChunk:
        lo, hi = self._bounds(year)
        chunk = YearChunk(year, lo, hi, self.source._chunk(lo, hi))
        self.compiled += 1
        return chunk

    def chunk(self, year: int) -> YearChunk:
        """The compiled chunk of local ``year`` (compiled now, and kept, if need be)."""
        chunk = self._chunks.get(year)
        if chunk is not None:
            return chunk
        with self.lock:
            chunk = self._chunks.get(year)
            if chunk is None:
                chunk = self._recent.pop(year, None) or self._build(year)
                self._chunks[year] = chunk
                self._by_lo[chunk.lo] = chunk
                self._los.insert(bisect_left(self._los, chunk.lo), chunk.lo)
                if year not in self._totals:
                    self._totals[year] = chunk.total
                    self._prefix = None
            return chunk

    def total(self, year: int) -> int:
        """The working time of local ``year``."""
        total = self._totals.get(year)
        if total is None:
            self.totals(range(year, year + 1))
            total = self._totals[year]
        return total

    def totals(self, years: range, *, warn: bool = True) -> int:
        """Compile the totals of ``years`` (intervals not kept), in one batch; how many
        years were compiled (a year whose key is known is not)."""
        with self.lock:
            missing = [y for y in years if y not in self._totals]
            built: list[int] = []
            by_key = self._by_key
            year_key = self.source._year_key
            for year in missing:
                key = year_key(year)
                if key is not None:
                    total = by_key.get(key)
                    if total is not None:
                        self._totals[year] = total
                        continue
                chunk = self._build(year)
                built.append(year)
                self._totals[year] = chunk.total
                if key is not None:
                    by_key[key] = chunk.total
                self._recent[year] = chunk
                if len(self._recent) > 4:
                    del self._recent[next(iter(self._recent))]
            if missing:
                self._prefix = None
        if warn and len(built) > COMPILE_WARNING_YEARS:
            _warn_long(len(built), built[0], built[-1])
        return len(built)

    def between(self, first: int, last: int) -> int:
        """The working time of the years ``first`` to ``last - 1``."""
        if last <= first:
            return 0
        sums = self._prefix  # (first year, running totals, running count of known years)
        if sums is None or not (sums[0] <= first and last - sums[0] < len(sums[1])) or (
            sums[2][last - sums[0]] - sums[2][first - sums[0]] != last - first
        ):
            self.totals(range(first, last))
            sums = self._rebuild_prefix()
        lo, prefix = sums[0], sums[1]
        return prefix[last - lo] - prefix[first - lo]

    def _rebuild_prefix(self) -> tuple[int, list[int], list[int]]:
        with self.lock:
            years = self._totals
            lo, hi = min(years), max(years)
            prefix = [0] * (hi - lo + 2)
            known = [0] * (hi - lo + 2)
            running = count = 0
            for k in range(hi - lo + 1):
                total = years.get(lo + k)
                if total is not None:
                    running += total
                    count += 1
                prefix[k + 1] = running
                known[k + 1] = count
            sums = (lo, prefix, known)
            self._prefix = sums  # one assignment: readers see the old sums or the new
            return sums

    # -- finding the year of an instant ------------------------------------------------

    def clamp(self, t: int) -> int:
        """``t`` moved into the local years 1 to 9999 (outside them nothing is open)."""
        first, last = self._edges or self._find_edges()
        if t < first:
            return first
        return last if t > last else t

    def chunk_at(self, t: int) -> YearChunk:
        """The chunk of the year holding ``t`` (``lo <= t < hi``; the end of year 9999
        belongs to 9999), compiled if need be. ``t`` must be clamped."""
        los = self._los
        i = bisect_right(los, t) - 1
        if i >= 0:
            chunk = self._by_lo[los[i]]
            if t < chunk.hi:
                self.hot = chunk
                return chunk
        year = year_of(t, self.source.zone)
        lo, hi = self._bounds(year)
        if t < lo:
            year -= 1
        elif t >= hi and year < MAX_YEAR:
            year += 1
        chunk = self.chunk(max(MIN_YEAR, min(MAX_YEAR, year)))
        self.hot = chunk
        return chunk

    # -- scalar queries (UTC microseconds) ---------------------------------------------

    def business_time(self, a: int, b: int) -> int:
        """The working microseconds from ``a`` to ``b`` (negative when ``b < a``)."""
        if b < a:
            return -self.business_time(b, a)
        first, last = self._edges or self._find_edges()
        if a < first:
            a = first
        if b > last:
            b = last
        always = self._always
        if always is None:
            always = self._always = self.source._always_open()
        if always:  # a 24/7 calendar: the working time is the time, whatever the span
            return max(0, b - a)
        # The chunks of a and b, looked up inline (this is the scalar path across years).
        los, by_lo = self._los, self._by_lo
        i = bisect_right(los, a) - 1
        ca = by_lo[los[i]] if i >= 0 else _NOTHING
        if a >= ca.hi or a < ca.lo:
            ca = self.chunk_at(a)
            los = self._los
        j = bisect_right(los, b) - 1
        cb = by_lo[los[j]] if j >= 0 else _NOTHING
        # b belongs to [lo, hi) of its chunk; only the end of year 9999 is its chunk's hi.
        if not (cb.lo <= b < cb.hi or b == cb.hi == last):
            cb = self.chunk_at(b)
        pb = cb.position(b)
        if ca is cb:
            return pb - ca.position(a)
        return ca.total - ca.position(a) + self.between(ca.year + 1, cb.year) + pb

    def add(self, a: int, d: int) -> int:
        """The instant ``d`` working microseconds after ``a`` (before it when negative),
        by the rule of :meth:`slaclock.Schedule.add`."""
        if d == 0:
            return a
        if (d > 0 and d > LAST_US - a) or (d < 0 and -d > a - FIRST_US):
            raise HorizonError(
                f"a duration of {timedelta(microseconds=abs(d))} of working time is longer "
                "than the time between the instant asked and the "
                f"{'end of year 9999' if d > 0 else 'start of year 1'}"
            )
        t = self.clamp(a)
        chunk = self.chunk_at(t)
        position = chunk.position(t)
        if d > 0:
            target = position + d
            if target <= chunk.total:
                return chunk.ahead(target)
            year, rest = self._walk(chunk.year + 1, target - chunk.total, forward=True)
            return self.chunk(year).ahead(rest)
        target = position + d
        if target >= 0:
            return chunk.behind(target)
        year, rest = self._walk(chunk.year - 1, -target, forward=False)
        found = self.chunk(year)
        return found.behind(found.total - rest)

    def _walk(self, year: int, need: int, *, forward: bool) -> tuple[int, int]:
        """The year in which ``need`` more working microseconds are used up, walking from
        ``year`` on (or back), and what is left of ``need`` at that year's start (end)."""
        step = 1 if forward else -1
        span = self.source._open_span()
        barren = 0
        compiled = 0
        start_year = year
        while True:
            if not MIN_YEAR <= year <= MAX_YEAR:
                edge = "after the end of year 9999" if forward else "before the start of year 1"
                raise HorizonError(f"the answer would lie {edge}")
            if span is not None:
                lo, hi = self._bounds(year)
                if lo >= span[1] if forward else hi <= span[0]:
                    raise HorizonError(_never(self.source, "after" if forward else "before",
                                              start_year))
            # A batch: the years the known rate says are needed (one when no rate is known:
            # a closed year is checked, by the proof below, before more are compiled).
            rate = self.hot.total
            count = max(1, min(_BATCH_MAX, -(-need // rate))) if rate else 1
            batch = range(year, year + count) if forward else range(year - count + 1, year + 1)
            batch = range(max(MIN_YEAR, batch.start), min(MAX_YEAR, batch.stop - 1) + 1)
            if any(y not in self._totals for y in batch):
                self.grows += 1
            compiled += self.totals(batch, warn=False)
            for y in batch if forward else reversed(batch):
                total = self._totals[y]
                if total >= need:
                    if compiled > COMPILE_WARNING_YEARS:
                        _warn_long(compiled, min(start_year, y), max(start_year, y))
                    return y, need
                need -= total
                if total:
                    barren = 0
                    continue
                barren += 1
                if barren == 1 and self.source._never_opens_from(y, forward=forward):
                    raise HorizonError(_never(self.source, "after" if forward else "before",
                                              start_year))
                if barren >= HORIZON_YEARS:
                    raise HorizonError(
                        f"the calendar has no working time in the {HORIZON_YEARS} years "
                        f"{'after' if forward else 'before'} {y - step * (HORIZON_YEARS - 1)}"
                    )
            year = (batch.stop if forward else batch.start - 1)

    def is_open(self, t: int) -> bool:
        """Whether ``t`` lies in an open interval (which holds its start, not its end)."""
        if t < FIRST_US or t > LAST_US:
            return False
        chunk = self.chunk_at(self.clamp(t))
        i = bisect_right(chunk.starts, t)
        return i > 0 and t < chunk.ends[i - 1]

    def _years(self, year: int, *, forward: bool, limit: int) -> Iterator[YearChunk]:
        """The chunks with working time from ``year`` on (or back), up to the year holding
        ``limit``; compiles totals first so that closed years keep no intervals."""
        step = 1 if forward else -1
        barren = 0
        span = self.source._open_span()
        while MIN_YEAR <= year <= MAX_YEAR:
            lo, hi = self._bounds(year)
            if (lo > limit) if forward else (hi < limit):
                return
            if span is not None and (lo >= span[1] if forward else hi <= span[0]):
                return
            if self.total(year):
                barren = 0
                yield self.chunk(year)
            else:
                barren += 1
                if barren == 1 and self.source._never_opens_from(year, forward=forward):
                    return
            year += step

    def next_open(self, t: int, limit: int) -> int | None:
        """``t`` when open, else the start of the next open interval, if it is before
        ``limit``."""
        t = self.clamp(t)
        chunk = self.chunk_at(t)
        i = bisect_right(chunk.starts, t)
        if i and t < chunk.ends[i - 1]:
            return t
        if i < len(chunk.starts):
            return chunk.starts[i] if chunk.starts[i] <= limit else None
        for later in self._years(chunk.year + 1, forward=True, limit=limit):
            start = later.starts[0]
            return start if start <= limit else None
        return None

    def next_close(self, t: int, limit: int) -> int | None:
        """The end of the open period holding ``t`` or, when closed, of the next one, if
        it is at or before ``limit`` and before the end of year 9999."""
        start = self.next_open(t, limit)
        if start is None:
            return None
        chunk = self.chunk_at(start)
        j = bisect_right(chunk.starts, start) - 1
        end = chunk.ends[j]
        while end == chunk.hi and chunk.year < MAX_YEAR and end <= limit:
            nxt = self.chunk(chunk.year + 1)
            if not nxt.starts or nxt.starts[0] != end:
                break
            chunk, end = nxt, nxt.ends[0]  # the period runs on into the next year
        if end > limit or end >= self.last_hi:
            return None
        return end

    def previous_open(self, t: int, limit: int) -> int | None:
        """``t`` when open at ``t`` or at its end, else the end of the latest open
        period before ``t``, if it is at or after ``limit``."""
        t = self.clamp(t)
        chunk = self.chunk_at(t)
        i = bisect_right(chunk.starts, t)
        if i:
            end = chunk.ends[i - 1]
            return t if t <= end else end
        if t == chunk.lo and chunk.year > MIN_YEAR:
            before = self.chunk(chunk.year - 1)
            if before.ends and before.ends[-1] == t:
                return t
        for earlier in self._years(chunk.year - 1, forward=False, limit=limit):
            end = earlier.ends[-1]
            return end if end >= limit else None
        return None

    def previous_close(self, t: int, limit: int) -> int | None:
        """``t`` when closed at ``t``, else the start of the open period holding ``t``, if
        it is at or after ``limit`` and after the start of year 1."""
        t = self.clamp(t)
        chunk = self.chunk_at(t)
        i = bisect_right(chunk.starts, t)
        if not (i and t < chunk.ends[i - 1]):
            return t
        start = chunk.starts[i - 1]
        while start == chunk.lo and chunk.year > MIN_YEAR and start >= limit:
            before = self.chunk(chunk.year - 1)
            if not before.ends or before.ends[-1] != start:
                break
            chunk, start = before, before.starts[-1]  # the period began the year before
        if start < limit or start <= self.first_lo:
            return None
        return start

    def periods(self, a: int, b: int) -> Iterator[Interval]:
        """The open periods within ``[a, b)``, clipped to it, earliest first; periods that
        run across a year's end come whole."""
        a, b = self.clamp(a), self.clamp(b)
        if b <= a:
            return
        first = self.chunk_at(a)
        last_year = self.chunk_at(b).year
        pending: Interval | None = None
        for chunk in self._years(first.year, forward=True, limit=b):
            if chunk.year > last_year:
                break
            i = max(bisect_right(chunk.starts, a) - 1, 0)
            for k in range(i, len(chunk.starts)):
                s, e = chunk.starts[k], chunk.ends[k]
                if s >= b:
                    break
                if e <= a:
                    continue
                s, e = max(s, a), min(e, b)
                if pending is not None and pending[1] == s:
                    pending = (pending[0], e)
                    continue
                if pending is not None:
                    yield pending
                pending = (s, e)
        if pending is not None:
            yield pending

    def periods_back(self, a: int, b: int) -> Iterator[Interval]:
        """The open periods within ``[b, a)``, clipped to it, latest first."""
        a, b = self.clamp(a), self.clamp(b)
        if a <= b:
            return
        first = self.chunk_at(a)
        last_year = self.chunk_at(b).year
        pending: Interval | None = None
        for chunk in self._years(first.year, forward=False, limit=b):
            if chunk.year < last_year:
                break
            i = bisect_left(chunk.starts, a)
            for k in range(min(i, len(chunk.starts)) - 1, -1, -1):
                s, e = chunk.starts[k], chunk.ends[k]
                if e <= b:
                    break
                s, e = max(s, b), min(e, a)
                if pending is not None and pending[0] == e:
                    pending = (s, pending[1])
                    continue
                if pending is not None:
                    yield pending
                pending = (s, e)
        if pending is not None:
            yield pending

    # -- arrays ------------------------------------------------------------------------

    def year_range(self, lo: int, hi: int) -> tuple[int, int]:
        """The local years holding the instants ``lo`` and ``hi`` (clamped)."""
        return self.chunk_at(self.clamp(lo)).year, self.chunk_at(self.clamp(hi)).year

    def walk(self, year: int, need: int, *, forward: bool) -> tuple[int, int]:
        """:meth:`_walk` for the array path."""
        return self._walk(year, need, forward=forward)

    # -- checking ----------------------------------------------------------------------

    def nbytes(self) -> int:
        """Memory held by the kept chunks' arrays, in bytes."""
        return sum(chunk.nbytes() for chunk in self._chunks.values())

    def chunks(self) -> list[YearChunk]:
        """The kept chunks, earliest first."""
        return [self._chunks[y] for y in sorted(self._chunks)]

    def _check(self) -> None:
        """Assert every invariant; the tests call it after queries."""
        chunks = self.chunks()
        for chunk in chunks:
            chunk._check()
            assert self._totals[chunk.year] == chunk.total
            assert (chunk.lo, chunk.hi) == self._bounds(chunk.year)
        for before, after in itertools.pairwise(chunks):
            if after.year == before.year + 1:
                assert before.hi == after.lo, (before.year, after.year)
        assert self._los == sorted(c.lo for c in chunks)


def _never(source: Source, where: str, year: int) -> str:
    years = f"from {year} on" if where == "after" else f"up to {year}"
    return (f"the calendar never opens {years}: no working hours can fall there (its weekly "
            "hours never meet, or it is open only on dated overrides that lie elsewhere)")


def _warn_long(years: int, first: int, last: int) -> None:
    from slaclock._errors import caller_level

    warnings.warn(
        f"one call compiled {years} years of the calendar ({first} to {last}); such spans "
        "cost time and memory (about 1 ms and a few KB a year). Is an instant or a duration "
        "much larger than meant?",
        LongCompileWarning,
        stacklevel=caller_level(),
    )
