"""The timeline's array queries: int64 UTC microseconds in, int64 out, with NumPy.

A :class:`Vectors` is a flat view of consecutive compiled years of a
:class:`~slaclock.calendars._timeline.Timeline`: their intervals end to end, with the cumulative
working time running on across the years. Every element is answered with the scalar
path's formulas, written as NumPy operations (``searchsorted`` over the interval starts
and the cumulative working time): no Python-level loop per element, so the results are
the scalar results to the microsecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from slaclock._errors import HorizonError

from ._timeline import COMPILE_WARNING_YEARS, FIRST_US, LAST_US, Timeline, YearChunk, _warn_long

if TYPE_CHECKING:
    from numpy.typing import NDArray

    I64 = NDArray[np.int64]
    Mask = NDArray[np.bool_]

__all__ = ["NAT", "Vectors", "add_us", "business_time_us", "is_open_us", "vectors_of"]

NAT = -(2**63)


class _Search:
    """``searchsorted`` over a sorted int64 array in O(1): a table of buckets.

    The range ``[lo, lo + span]`` is cut into buckets of ``2**shift`` microseconds, about
    two per key; ``table[b]`` counts the keys before bucket ``b``'s first instant. A query
    reads its bucket's count, then steps over the few keys inside the bucket (``steps``
    is the most any bucket holds, so that many vectorised steps always suffice). Built in
    O(n) for n keys; the table holds two to four entries per key. When the keys are too
    uneven for few steps, NumPy's binary search is used instead.
    """

    __slots__ = ("keys", "lo", "padded", "shift", "side", "steps", "table")

    MAX_STEPS = 4

    def __init__(self, keys: I64, lo: int, span: int, side: Any) -> None:
        self.keys = keys
        self.lo = lo
        self.side = side
        n = len(keys)
        self.shift = max(0, (span // max(1, 2 * n)).bit_length() - 1)
        lows = lo + (np.arange((span >> self.shift) + 2, dtype=np.int64) << self.shift)
        self.table = np.searchsorted(keys, lows, side=side)
        self.steps = int(np.diff(self.table).max()) if n else 0
        self.padded = np.concatenate((keys, [np.iinfo(np.int64).max])).astype(np.int64)

    def __call__(self, t: I64) -> Any:
        """``searchsorted(keys, t, side)`` for ``t`` within ``[lo, lo + span]``."""
        if self.steps > self.MAX_STEPS:
            return np.searchsorted(self.keys, t, side=self.side)
        bucket = t - self.lo
        bucket >>= self.shift
        i = self.table[bucket]
        padded = self.padded
        for _ in range(self.steps):
            if self.side == "right":
                i += padded[i] <= t
            else:
                i += padded[i] < t
        return i


class Vectors:
    """The years ``first_year`` to ``last_year`` as flat NumPy arrays, with searches.

    ``ends1[i]`` and ``cum1[i]`` are ``ends[i - 1]`` and ``cum[i - 1]``, with ``lo`` and
    ``0`` in front, so that ``i = searchsorted(starts, t, "right")`` indexes them
    directly: ``position(t) = cum1[i] - max(0, ends1[i] - t)``, also when ``i == 0``.
    """

    __slots__ = ("_searches", "cum", "cum1", "ends", "ends1", "first_year", "hi",
                 "last_year", "lo", "starts", "total")

    def __init__(self, first_year: int, last_year: int, chunks: Sequence[YearChunk]) -> None:
        self.first_year = first_year
        self.last_year = last_year
        self.lo = chunks[0].lo
        self.hi = chunks[-1].hi
        empty = np.zeros(0, dtype=np.int64)
        self.starts = np.concatenate(
            [empty, *(np.frombuffer(c.starts, dtype=np.int64) for c in chunks if c.total)]
        )
        self.ends = np.concatenate(
            [empty, *(np.frombuffer(c.ends, dtype=np.int64) for c in chunks if c.total)]
        )
        pieces = [empty]
        offset = 0
        for c in chunks:
            if c.total:
                pieces.append(np.frombuffer(c.cum, dtype=np.int64) + np.int64(offset))
                offset += c.total
        self.cum = np.concatenate(pieces)
        self.total = offset
        self.ends1 = np.concatenate(([self.lo], self.ends)).astype(np.int64)
        self.cum1 = np.concatenate(([0], self.cum)).astype(np.int64)
        self._searches: dict[str, _Search] = {}

    def _search(self, name: str) -> _Search:
        search = self._searches.get(name)
        if search is None:
            if name == "starts":
                search = _Search(self.starts, self.lo, self.hi - self.lo, "right")
            else:
                search = _Search(self.cum, 0, self.total, name)
            self._searches[name] = search
        return search

    def bisect_starts(self, t: I64) -> Any:
        """``bisect_right(starts, t)`` of every element (``lo <= t <= hi``)."""
        return self._search("starts")(t)

    def positions(self, t: I64) -> I64:
        """The working time from ``lo`` to every element (all within ``[lo, hi]``)."""
        i = self.bisect_starts(t)
        late = self.ends1[i]
        late -= t
        np.maximum(late, 0, out=late)
        pos: I64 = self.cum1[i]
        pos -= late
        return pos

    def ahead(self, target: I64) -> I64:
        """The earliest instant at each target position (``0 < target <= total``)."""
        j = self._search("left")(target)
        out: I64 = self.ends[j]
        out += target
        out -= self.cum[j]
        return out

    def behind(self, target: I64) -> I64:
        """The latest instant at each target position (``0 <= target < total``)."""
        k = self._search("right")(target)
        out: I64 = self.starts[k]
        out += target
        out -= self.cum1[k]
        return out



def vectors_of(tl: Timeline, first: int, last: int) -> Vectors:
    """The NumPy view of ``tl``'s years ``first`` to ``last`` (compiled and kept), for the
    array queries; kept on the timeline while later calls stay within (or next to) its
    years."""
    cached: Vectors | None = tl._vectors
    if cached is not None and cached.first_year <= first and last <= cached.last_year:
        return cached
    if cached is not None and first <= cached.last_year + 1 and last >= cached.first_year - 1:
        # Overlapping or adjacent years: one wider view. Far years get a view of their
        # own (no block of years between is compiled for them).
        first, last = min(first, cached.first_year), max(last, cached.last_year)
    missing = sum(1 for y in range(first, last + 1) if y not in tl._chunks)
    chunks = [tl.chunk(y) for y in range(first, last + 1)]
    if missing > COMPILE_WARNING_YEARS:
        _warn_long(missing, first, last)
    vectors = Vectors(first, last, chunks)
    tl._vectors = vectors
    return vectors


def _cover(tl: Timeline, values: Sequence[I64], nat: Mask) -> tuple[Vectors, bool] | None:
    """The vectors covering every instant given, or ``None`` when all are missing."""
    lo = hi = None
    any_nat = bool(nat.any())
    for v in values:
        if v.size == 0:
            continue
        if any_nat:
            v = v[~nat]
            if v.size == 0:
                continue
        vlo, vhi = int(v.min()), int(v.max())
        lo = vlo if lo is None else min(lo, vlo)
        hi = vhi if hi is None else max(hi, vhi)
    if lo is None or hi is None:
        return None
    if lo < FIRST_US or hi > LAST_US:
        raise HorizonError(
            "an instant is outside the years a datetime can hold (1 to 9999); a NumPy "
            "datetime64 array can hold more"
        )
    first, last = tl.year_range(lo, hi)
    return vectors_of(tl, first, last), any_nat


def _filled(values: I64, nat: Mask, fill: int, any_nat: bool) -> I64:
    """``values`` with its missing elements replaced by ``fill`` (a copy only if any);
    clamped into the vectors' years."""
    if not any_nat:
        return np.ascontiguousarray(values)
    return np.where(nat, np.int64(fill), values)


def _clamped(values: I64, vectors: Vectors) -> I64:
    """Instants before local year 1 or after 9999 moved to its edge (nothing is open)."""
    if values.size and (int(values.min()) < vectors.lo or int(values.max()) > vectors.hi):
        return np.clip(values, vectors.lo, vectors.hi)
    return values


def business_time_us(tl: Timeline, a: I64, b: I64, nat: Mask) -> I64:
    """``position(b) - position(a)`` of every pair, ``NAT`` where ``nat`` is set."""
    cover = _cover(tl, (a, b), nat)
    if cover is None:
        return np.full(nat.shape, NAT, dtype=np.int64)
    vectors, any_nat = cover
    out = vectors.positions(_clamped(_filled(b, nat, vectors.lo, any_nat), vectors))
    out -= vectors.positions(_clamped(_filled(a, nat, vectors.lo, any_nat), vectors))
    if any_nat:
        out[nat] = NAT
    return out


def add_us(tl: Timeline, a: I64, d: I64, nat: Mask) -> I64:
    """The scalar ``add`` of every pair, ``NAT`` where ``nat`` is set."""
    cover = _cover(tl, (a,), nat)
    if cover is None:
        return np.full(nat.shape, NAT, dtype=np.int64)
    vectors, any_nat = cover
    a = _filled(a, nat, vectors.lo, any_nat)
    d = _filled(d, nat, 0, any_nat)
    if d.size and (
        bool(((d > 0) & (d > LAST_US - a)).any()) or bool(((d < 0) & (-d > a - FIRST_US)).any())
    ):
        raise HorizonError(
            "a duration of working time is longer than the time between its start and the "
            "end of year 9999 (or, going back, the start of year 1)"
        )
    t = _clamped(a, vectors)
    target = vectors.positions(t)
    target += d
    # Grow once for the furthest target each way (positions are monotonic in the flat
    # view, so the furthest target needs the furthest year). Growing back shifts every
    # position by the same amount, so positions are taken again after it.
    if target.size:
        first, last = vectors.first_year, vectors.last_year
        top = int(target.max())
        if top > vectors.total:
            last, _ = tl.walk(last + 1, top - vectors.total, forward=True)
        bottom = int(target.min())
        if bottom < 0:
            first, _ = tl.walk(first - 1, -bottom, forward=False)
        if (first, last) != (vectors.first_year, vectors.last_year):
            vectors = vectors_of(tl, first, last)
            t = _clamped(a, vectors)
            target = vectors.positions(t)
            target += d
    forward = d > 0
    back = d < 0
    n_forward = int(np.count_nonzero(forward))
    n_back = int(np.count_nonzero(back))
    if n_forward == d.size:
        return vectors.ahead(target)
    out = a.copy()
    if n_forward:
        out[forward] = vectors.ahead(target[forward])
    if n_back:
        out[back] = vectors.behind(target[back])
    if any_nat:
        out[nat] = NAT
    return out


def is_open_us(tl: Timeline, t: I64, nat: Mask) -> Mask:
    """Whether each instant lies in an open interval; ``False`` where ``nat`` is set."""
    cover = _cover(tl, (t,), nat)
    if cover is None:
        return np.zeros(nat.shape, dtype=np.bool_)
    vectors, any_nat = cover
    t = _filled(t, nat, vectors.lo, any_nat)
    i = vectors.bisect_starts(_clamped(t, vectors))
    out: Mask = t < vectors.ends1[i]
    out &= t >= vectors.lo
    if any_nat:
        out &= ~nat
    return out
