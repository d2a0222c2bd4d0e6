"""Working-time arithmetic shared by every calendar: the queries on a compiled timeline."""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, overload
from zoneinfo import ZoneInfo

import attrs

from slaclock._errors import HorizonError
from slaclock._instants import EPOCH, ONE_US, bound_to_us, duration_us, from_us, like, to_us

from ._days import check_date
from ._foreign import instant_us, is_whenever, like_whenever, whenever_datetime
from ._provisional import one_warning
from ._timeline import (
    FIRST_US,
    HORIZON_YEARS,
    LAST_US,
    MAX_YEAR,
    Interval,
    Timeline,
    merge,
)

if TYPE_CHECKING:
    import numpy
    import numpy.typing
    import pandas


__all__ = ["HORIZON_YEARS", "CombinedCalendar", "Schedule"]

_ONE_DAY = timedelta(days=1)


class _SeriesLike(Protocol):
    """A pandas Series, as the overloads of the array forms see it (pandas may have no
    type stubs installed; a NumPy array has no ``.dt``)."""

    @property
    def dt(self) -> Any: ...

    @property
    def index(self) -> Any: ...


_Method = TypeVar("_Method", bound=Callable[..., Any])

_FAR = HORIZON_YEARS * 366 * 86_400_000_000


def _shift_years(day: date, years: int) -> date:
    """``day`` moved by whole calendar years (29 February to 28 February).

    Raises:
        OverflowError: when the date would be outside the years 1 to 9999.
    """
    year = day.year + years
    if not 1 <= year <= MAX_YEAR:
        raise OverflowError(f"year {year} is out of range")
    if day.month == 2 and day.day == 29:
        day = day.replace(day=28)
    return day.replace(year=year)


def _horizon(a: int, *, forward: bool = True) -> int:
    """The instant exactly :data:`HORIZON_YEARS` calendar years after ``a`` (before it with
    ``forward=False``), in UTC microseconds: the same date and time of day in UTC, 29
    February taken to 28 February; past the years a datetime holds, an instant beyond
    the calendar's last (first) one."""
    utc = EPOCH + timedelta(microseconds=min(max(a, FIRST_US), LAST_US))
    try:
        day = _shift_years(utc.date(), HORIZON_YEARS if forward else -HORIZON_YEARS)
    except OverflowError:  # past the years 1 to 9999: past every instant the calendar has
        return a + _FAR if forward else a - _FAR
    return (datetime.combine(day, utc.timetz()) - EPOCH) // ONE_US


def _whenever_in_out(method: _Method) -> _Method:
    """Let a one-instant query take a ``whenever`` instant, and answer in its class."""

    @functools.wraps(method)
    def wrapper(self: Schedule, t: Any) -> Any:
        if type(t) is not datetime and is_whenever(t):
            found = method(self, whenever_datetime(t, "t"))
            return None if found is None else like_whenever(found, t)
        return method(self, t)

    return wrapper  # type: ignore[return-value]


def instant_datetime(value: Any, name: str) -> datetime:
    """An aware datetime, or a ``whenever`` instant as one."""
    return whenever_datetime(value, name) if is_whenever(value) else value


class Schedule(ABC):
    """When a desk is open, and the arithmetic of working time on it.

    Subclasses say which intervals are open in a year (``_chunk``); their
    :class:`~slaclock.calendars._timeline.Timeline` compiles the years each query touches and
    answers it with binary searches. Instances are immutable and safe to share between
    threads.
    """

    _compiled: Timeline

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

    def _open_span(self) -> tuple[int, int] | None:
        """UTC microseconds outside which the desk is certainly closed (``None``: no such
        bound; an empty span, ``lo >= hi``, when it never opens)."""
        return None

    def _never_opens_from(self, year: int, *, forward: bool) -> bool:
        """True when the desk certainly has no working time from ``year`` on (or, with
        ``forward=False``, up to it): what lets a search that cannot succeed stop."""
        return False

    def _always_open(self) -> bool:
        """True when the desk is certainly open at every instant (a 24/7 calendar): the
        working time between two instants is then the time between them."""
        return False

    def _year_key(self, year: int) -> Hashable | None:
        """A key of everything that decides the working time of local ``year``: two
        years with equal keys have equal totals, so the timeline compiles one of them and
        takes the other's total from it. ``None`` when there is no such key (the year is
        compiled)."""
        return None

    @abstractmethod
    def _business_day(self, day: date) -> bool:
        """Whether ``day`` (a checked date) is a business day (see the subclass for the
        exact rule)."""

    # -- combining -----------------------------------------------------------------------

    def __and__(self, other: Schedule) -> CombinedCalendar:
        """Open when both calendars are (a desk's hours within a customer's)."""
        return _combine("&", self, other)

    def __or__(self, other: Schedule) -> CombinedCalendar:
        """Open when either calendar is."""
        return _combine("|", self, other)

    def __sub__(self, other: Schedule) -> CombinedCalendar:
        """Open when this calendar is and ``other`` is not (a pause is a subtraction)."""
        return _combine("-", self, other)

    # -- queries ---------------------------------------------------------------------------

    @overload
    def business_time(self, start: datetime, end: datetime) -> timedelta: ...
    @overload
    def business_time(
        self, start: numpy.typing.NDArray[Any], end: Any
    ) -> numpy.typing.NDArray[numpy.timedelta64]: ...
    @overload
    def business_time(
        self, start: datetime, end: numpy.typing.NDArray[Any]
    ) -> numpy.typing.NDArray[numpy.timedelta64]: ...
    @overload
    def business_time(
        self, start: list[datetime | None], end: Any
    ) -> list[timedelta | None]: ...
    @overload
    def business_time(
        self, start: tuple[datetime | None, ...], end: Any
    ) -> tuple[timedelta | None, ...]: ...
    @overload
    def business_time(self, start: _SeriesLike, end: Any) -> pandas.Series: ...

    def business_time(self, start: Any, end: Any) -> Any:
        """The working time between two instants; negative when ``end`` is before ``start``.

        Exact to the microsecond. Given columns (NumPy arrays, pandas Series, lists), the
        working time of each pair (see :doc:`/reference/arrays`).

        Runtime complexity: O(log n) in the intervals of a year, whatever the span (the
        first query of a year compiles it; the years between two instants count by
        their totals).

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
            return one_warning(_arrays().business_time, self._compiled, start, end)
        else:
            a = instant_us(start, "start")
            b = instant_us(end, "end")
        c = self._compiled.hot
        if c.lo <= a <= c.hi and c.lo <= b <= c.hi:
            # Both in the year the last query used: YearChunk.position twice, written out
            # (a few percent faster than the calls: benchmarks/bench_compare.py).
            starts, ends, cum = c.starts, c.ends, c.cum
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
        return timedelta(microseconds=one_warning(self._compiled.business_time, a, b))

    @overload
    def add(self, start: datetime, duration: timedelta) -> datetime: ...
    @overload
    def add(
        self, start: numpy.typing.NDArray[Any], duration: Any
    ) -> numpy.typing.NDArray[numpy.datetime64]: ...
    @overload
    def add(
        self, start: datetime, duration: numpy.typing.NDArray[Any]
    ) -> numpy.typing.NDArray[numpy.datetime64]: ...
    @overload
    def add(self, start: list[datetime | None], duration: Any) -> list[datetime | None]: ...
    @overload
    def add(
        self, start: tuple[datetime | None, ...], duration: Any
    ) -> tuple[datetime | None, ...]: ...
    @overload
    def add(self, start: _SeriesLike, duration: Any) -> pandas.Series: ...

    def add(self, start: Any, duration: Any) -> Any:
        """The deadline: the earliest instant by which ``duration`` of working time has passed.

        ``business_time(start, add(start, d)) == d`` holds exactly. A deadline that ends
        exactly at closing time is that closing time, not the next opening: one hour added
        at 17:00 on a 09:00-18:00 day is 18:00. A zero duration returns ``start`` itself.

        A negative duration goes back: the *latest* instant from which ``-duration`` of
        working time leads to ``start``. So ``add(add(a, d), -d)`` is ``next_open(a)``, and
        ``add(add(a, -d), d)`` is ``a`` when the desk was open just before ``a``, else the
        end of the last open period before it.

        The result is in the zone of ``start``. Given columns, the deadline of each pair
        (see :doc:`/reference/arrays`). Runtime complexity: O(log n) within compiled
        years; a deadline in later years reads their totals.

        Raises:
            NaiveDatetimeError: when ``start`` has no zone.
            HorizonError: when the deadline would fall outside the years 1 to 9999 or
                cannot be written in the zone of ``start``, the duration is longer than
                the time left to year 9999 (``timedelta.max``), or the calendar has no
                working time left (it never opens, or not in 50 years of the search).
        """
        if type(start) is datetime and type(duration) is timedelta:
            try:
                a = (start - EPOCH) // ONE_US
            except TypeError:
                a = to_us(start, "start")
            d = duration // ONE_US
        elif _array_like(start) or _array_like(duration):
            return one_warning(_arrays().add, self._compiled, start, duration)
        elif is_whenever(start):
            return like_whenever(self.add(whenever_datetime(start, "start"), duration), start)
        else:
            a = to_us(start, "start")
            d = duration_us(duration)
        if d == 0:
            return start
        c = self._compiled.hot
        us = None
        if c.lo <= a <= c.hi:
            # In the year the last query used: YearChunk.position, then .ahead or .behind,
            # written out (a few percent faster than the calls: benchmarks/bench_compare.py).
            cum = c.cum
            i = bisect_right(c.starts, a)
            if i == 0:
                target = d
            else:
                e = c.ends[i - 1]
                target = cum[i - 1] - (e - a if e > a else 0) + d
            if d > 0:
                if target <= c.total:
                    j = bisect_left(cum, target)
                    us = c.ends[j] - (cum[j] - target)
            elif target >= 0:
                k = bisect_right(cum, target)
                us = c.starts[k] + target - (cum[k - 1] if k else 0)
        if us is None:
            us = one_warning(self._compiled.add, a, d)
        if type(start) is datetime:
            try:
                return (EPOCH + timedelta(microseconds=us)).astimezone(start.tzinfo)
            except OverflowError:
                pass  # from_us says so
        return like(from_us(us, start.tzinfo), start)

    # -- integer entry points, for the SLA model (UTC microseconds in and out) ----------

    def _business_us(self, a: int, b: int) -> int:
        """:meth:`business_time` of two instants in UTC microseconds, in microseconds."""
        c = self._compiled.hot
        if c.lo <= a <= c.hi and c.lo <= b <= c.hi:
            return c.position(b) - c.position(a)
        return self._compiled.business_time(a, b)

    def _add_us(self, a: int, d: int) -> int:
        """:meth:`add` in UTC microseconds.

        Raises:
            HorizonError: as :meth:`add` does.
        """
        return a if d == 0 else self._compiled.add(a, d)

    def _next_open_us(self, a: int) -> int | None:
        """:meth:`next_open` in UTC microseconds, or ``None`` beyond the search horizon."""
        return one_warning(self._compiled.next_open, a, _horizon(a))

    @overload
    def subtract(self, start: datetime, duration: timedelta) -> datetime: ...
    @overload
    def subtract(self, start: Any, duration: Any) -> Any: ...

    def subtract(self, start: Any, duration: Any) -> Any:
        """``add(start, -duration)``: the latest instant ``duration`` of working time earlier."""
        try:
            negated = -duration
        except OverflowError:  # -timedelta.min
            raise HorizonError(
                "a duration of working time is longer than the time since the start of year 1"
            ) from None
        return self.add(start, negated)

    @overload
    def is_open(self, t: datetime) -> bool: ...
    @overload
    def is_open(self, t: numpy.typing.NDArray[Any]) -> numpy.typing.NDArray[numpy.bool_]: ...
    @overload
    def is_open(self, t: list[datetime | None]) -> list[bool | None]: ...
    @overload
    def is_open(self, t: tuple[datetime | None, ...]) -> tuple[bool | None, ...]: ...
    @overload
    def is_open(self, t: _SeriesLike) -> pandas.Series: ...

    def is_open(self, t: Any) -> Any:
        """Whether the desk is open at ``t`` (intervals include their start, not their end).

        Given a column, whether it is open at each instant (see :doc:`/reference/arrays`).
        """
        if _array_like(t):
            return one_warning(_arrays().is_open, self._compiled, t)
        # One instant compiles one year at most: one warning at most, no scope needed.
        return self._compiled.is_open(instant_us(t, "t"))

    @_whenever_in_out
    def next_open(self, t: datetime) -> datetime:
        """``t`` itself when the desk is open then, else the next opening (in ``t``'s zone).

        Raises:
            HorizonError: when the calendar does not open in the 50 years after ``t``, or
                the opening cannot be written in ``t``'s zone (past year 9999).
        """
        a = to_us(t, "t")
        found = one_warning(self._compiled.next_open, a, _horizon(a))
        if found is None:
            raise HorizonError(
                f"the calendar does not open in the {HORIZON_YEARS} years after {t.isoformat()}"
            )
        if found == a:
            return t
        return like(from_us(found, t.tzinfo), t)

    @_whenever_in_out
    def next_close(self, t: datetime) -> datetime | None:
        """The end of the open period that contains ``t`` or, when closed, of the next one.

        Returns ``None`` when the desk does not close in the 50 years after ``t`` (a 24/7
        calendar never closes), or does not open in them.

        Raises:
            HorizonError: when the closing cannot be written in ``t``'s zone.
        """
        a = to_us(t, "t")
        found = one_warning(self._compiled.next_close, a, _horizon(a))
        return None if found is None else like(from_us(found, t.tzinfo), t)

    @_whenever_in_out
    def previous_open(self, t: datetime) -> datetime:
        """The latest instant up to ``t`` at which the desk was open: ``t`` itself when it
        is open then (or ``t`` is the very end of an open period), else the end of the
        last open period before ``t``, in ``t``'s zone.

        The mirror of :meth:`next_open`, and of pandas' ``rollback``: at Saturday noon on a
        Monday-to-Friday desk it is Friday's closing time.

        Raises:
            HorizonError: when the calendar was not open in the 50 years before ``t``, or
                the instant cannot be written in ``t``'s zone.
        """
        a = to_us(t, "t")
        found = one_warning(self._compiled.previous_open, a, _horizon(a, forward=False))
        if found is None:
            raise HorizonError(
                f"the calendar was not open in the {HORIZON_YEARS} years before {t.isoformat()}"
            )
        if found == a:
            return t
        return like(from_us(found, t.tzinfo), t)

    @_whenever_in_out
    def previous_close(self, t: datetime) -> datetime | None:
        """The latest instant up to ``t`` at which the desk was closed: ``t`` itself when it
        is closed then, else the start of the open period holding ``t`` (the desk was
        closed right up to it), in ``t``'s zone.

        Returns ``None`` when the desk was open throughout the 50 years before ``t`` (a
        24/7 calendar).

        Raises:
            HorizonError: when the instant cannot be written in ``t``'s zone.
        """
        a = to_us(t, "t")
        found = one_warning(self._compiled.previous_close, a, _horizon(a, forward=False))
        if found is None:
            return None
        if found == a:
            return t
        return like(from_us(found, t.tzinfo), t)

    def periods(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open periods between two instants, clipped to them, in ``start``'s zone.

        When ``end`` is after ``start``: the periods within ``[start, end)``, earliest
        first. When ``end`` is before ``start`` the walk goes backwards: the periods within
        ``[end, start)``, latest first (each still ``(opening, closing)``). A period that
        runs across the end of a year comes whole.
        """
        if is_whenever(start) or is_whenever(end):
            plain = self.periods(instant_datetime(start, "start"), instant_datetime(end, "end"))
            if not is_whenever(start):
                yield from plain
                return
            for opening, closing in plain:
                yield like_whenever(opening, start), like_whenever(closing, start)
            return
        a = to_us(start, "start")
        b = to_us(end, "end")
        zone = start.tzinfo
        found = self._compiled.periods(a, b) if b >= a else self._compiled.periods_back(a, b)
        for s, e in found:
            yield like(from_us(s, zone), start), like(from_us(e, zone), start)

    @overload
    def business_days(self, start: date, end: date) -> int: ...
    @overload
    def business_days(
        self, start: numpy.typing.NDArray[Any], end: Any
    ) -> numpy.typing.NDArray[numpy.int64]: ...
    @overload
    def business_days(
        self, start: date, end: numpy.typing.NDArray[Any]
    ) -> numpy.typing.NDArray[numpy.int64]: ...
    @overload
    def business_days(self, start: list[date | None], end: Any) -> list[int | None]: ...
    @overload
    def business_days(
        self, start: tuple[date | None, ...], end: Any
    ) -> tuple[int | None, ...]: ...
    @overload
    def business_days(self, start: _SeriesLike, end: Any) -> pandas.Series: ...
    @overload
    def business_days(self, start: Any, end: Any) -> Any: ...

    def business_days(self, start: Any, end: Any) -> Any:
        """The number of business days ``d`` with ``start <= d < end``, like NumPy's
        ``busday_count``; when ``end`` is before ``start``, minus the count from ``end`` to
        ``start`` (so that swapping the bounds changes the sign; NumPy instead shifts the
        half-open interval).

        Given columns of dates (NumPy ``datetime64[D]`` arrays, pandas Series, lists,
        polars Series; one date beside a column stands for every row), the count of each
        pair (see :doc:`/reference/arrays`).

        Runtime complexity: O(days); a column reads each year's business days once per
        calendar, then O(log days) per row.

        Raises:
            TypeError: for anything but two ``datetime.date`` (a datetime is refused: take
                its ``.date()`` in the calendar's zone).
        """
        if _array_like(start) or _array_like(end):
            return one_warning(_busdays().business_days, self, start, end)
        check_date(start, "start")
        check_date(end, "end")
        if end < start:
            return -self.business_days(end, start)
        count = 0
        day = start
        while day < end:
            count += self._business_day(day)
            day += _ONE_DAY
        return count

    @overload
    def add_business_days(self, day: date, n: int) -> date: ...
    @overload
    def add_business_days(
        self, day: numpy.typing.NDArray[Any], n: Any
    ) -> numpy.typing.NDArray[numpy.datetime64]: ...
    @overload
    def add_business_days(self, day: list[date | None], n: Any) -> list[date | None]: ...
    @overload
    def add_business_days(
        self, day: tuple[date | None, ...], n: Any
    ) -> tuple[date | None, ...]: ...
    @overload
    def add_business_days(self, day: _SeriesLike, n: Any) -> pandas.Series: ...
    @overload
    def add_business_days(self, day: Any, n: Any) -> Any: ...

    def add_business_days(self, day: Any, n: Any) -> Any:
        """The ``n``-th business day after ``day`` (before it when ``n`` is negative).

        ``day`` itself is not counted; ``n == 0`` gives ``day`` when it is a business day,
        else the next business day.

        Given a column of dates, or of ``n`` (a NumPy integer array, a Series, a list),
        the answer for each row, one value beside a column standing for every row (see
        :doc:`/reference/arrays`).

        Raises:
            TypeError: when ``day`` is not a ``datetime.date`` or ``n`` not an ``int``.
            HorizonError: when no business day lies within 50 years, or the answer would
                be outside the years 1 to 9999.
        """
        if _array_like(day) or _array_like(n):
            return one_warning(_busdays().add_business_days, self, day, n)
        check_date(day, "day")
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be a whole number of business days, not {n!r}")
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        since = day  # the first day of the search window: after the last business day
        span = 0  # the window's length in days (exactly HORIZON_YEARS calendar years)
        try:
            if remaining == 0:
                remaining, day = 1, day - _ONE_DAY
            while remaining:
                day += step
                if self._business_day(day):
                    remaining -= 1
                    span = 0
                    continue
                if not span:
                    since = day
                    span = abs((_shift_years(since, HORIZON_YEARS * step.days) - since).days)
                if abs((day - since).days) >= span:
                    raise HorizonError(
                        f"no business day in the {HORIZON_YEARS} years "
                        f"{'from' if n >= 0 else 'back from'} {since}"
                    )
        except OverflowError:
            raise HorizonError("the answer would lie outside the years 1 to 9999") from None
        return day

    @overload
    def is_business_day(self, day: date) -> bool: ...
    @overload
    def is_business_day(
        self, day: numpy.typing.NDArray[Any]
    ) -> numpy.typing.NDArray[numpy.bool_]: ...
    @overload
    def is_business_day(self, day: list[date | None]) -> list[bool | None]: ...
    @overload
    def is_business_day(self, day: tuple[date | None, ...]) -> tuple[bool | None, ...]: ...
    @overload
    def is_business_day(self, day: _SeriesLike) -> pandas.Series: ...

    def is_business_day(self, day: Any) -> Any:
        """Whether the desk works on ``day`` (the subclass says what counts: a
        :class:`~slaclock.Calendar`'s date with any hours, an overnight shift counting
        for the day it starts on; a combination's date with any open instant).

        Given a column of dates (a NumPy ``datetime64[D]`` array, a pandas Series, a list,
        a polars Series), whether each is (see :doc:`/reference/arrays`).

        Raises:
            TypeError: for anything but a ``datetime.date`` or a column of dates (a
                datetime is refused: take its ``.date()`` in the calendar's zone).
        """
        if type(day) is date:
            return self._business_day(day)
        if _array_like(day):
            return one_warning(_busdays().is_business_day, self, day)
        return self._business_day(check_date(day, "day"))

    def _open_on_date(self, day: date) -> bool:
        """Whether the desk is open at any instant of ``day`` in the calendar's zone."""
        check_date(day, "day")
        zone = self.zone
        lo = bound_to_us(zone, day, 0, end=False)
        hi = bound_to_us(zone, day, 1440, end=False)
        return self._compiled.business_time(lo, hi) > 0


def _array_like(value: object) -> bool:
    """Whether a value is a column of values (list, tuple, NumPy array, pandas Series or
    Index) for the array API, rather than one datetime."""
    return isinstance(value, list | tuple) or hasattr(value, "__array__")


def _busdays() -> Any:
    """The column forms of the business-day queries (they need NumPy)."""
    from . import _busdays as module

    return module


def _arrays() -> Any:
    """The array API, imported on first use (it needs NumPy)."""
    from . import _arrays as module

    return module


# -- the algebra: calendars combined ----------------------------------------------------


@attrs.frozen(kw_only=True)
class CombinedCalendar(Schedule):
    """Two calendars combined: ``&`` (both open), ``|`` (either open), ``-`` (the left open
    and the right closed). A calendar like any other; its dates are counted in the left
    calendar's zone, and a date is a business day when the desk is open at any instant of
    it.
    """

    op: Literal["&", "|", "-"]
    left: Schedule
    right: Schedule
    _compiled: Timeline = attrs.field(
        init=False, default=attrs.Factory(Timeline, takes_self=True), eq=False, hash=False,
        repr=False,
    )

    @property
    def zone(self) -> ZoneInfo:
        return self.left.zone

    @property
    def tz(self) -> str:
        return self.zone.key

    def _business_day(self, day: date) -> bool:
        return self._open_on_date(day)

    def _open_span(self) -> tuple[int, int] | None:
        left = self.left._open_span()
        if self.op == "-":
            return left
        right = self.right._open_span()
        if self.op == "&":
            if left is None or right is None:
                return left or right
            return max(left[0], right[0]), min(left[1], right[1])
        if left is None or right is None:
            return None
        if left[0] >= left[1]:
            return right
        if right[0] >= right[1]:
            return left
        return min(left[0], right[0]), max(left[1], right[1])

    def _weekly(self, years: range) -> _Week:
        left = _weekly_of(self.left, years)
        right = _weekly_of(self.right, years)
        if left is None or right is None:
            return _Week([], [], True)
        dated = left.dated or right.dated
        if self.op == "-":
            return _Week(combine("-", left.upper, right.lower),
                         combine("-", left.lower, right.upper), dated)
        return _Week(combine(self.op, left.upper, right.upper),
                     combine(self.op, left.lower, right.lower), dated)

    def _never_opens_from(self, year: int, *, forward: bool) -> bool:
        return _never_opens_from(self, year, forward=forward)

    def _always_open(self) -> bool:
        left, right = self.left._always_open(), self.right._always_open()
        return (left or right) if self.op == "|" else (left and right) if self.op == "&" else False

    def _year_key(self, year: int) -> Hashable | None:
        # The right calendar is compiled over the left's years: its own years are the
        # same only in the same zone.
        if self.left.zone.key != self.right.zone.key:
            return None
        left = self.left._year_key(year)
        if left is None:
            return None
        right = self.right._year_key(year)
        return None if right is None else (self.op, left, right)

    def _chunk(self, lo: int, hi: int) -> list[Interval]:
        return combine(self.op, self.left._chunk(lo, hi), self.right._chunk(lo, hi))



def _combine(op: Literal["&", "|", "-"], left: Schedule, right: object) -> CombinedCalendar:
    if not isinstance(right, Schedule):
        raise TypeError(
            f"a calendar combines only with another calendar, not {type(right).__name__}"
        )
    return CombinedCalendar(op=op, left=left, right=right)


def combine(op: str, left: list[Interval], right: list[Interval]) -> list[Interval]:
    """Intersect, unite or subtract two sorted, disjoint interval lists (a sweep)."""
    if op == "|":
        return merge(left + right)
    edges: list[tuple[int, int]] = []
    for start, end in left:
        edges += ((start, 1), (end, -1))
    for start, end in right:
        edges += ((start, 2), (end, -2))
    edges.sort()
    out: list[Interval] = []
    in_left = in_right = False
    opened: int | None = None
    i = 0
    while i < len(edges):
        at = edges[i][0]
        while i < len(edges) and edges[i][0] == at:
            kind = edges[i][1]
            if abs(kind) == 1:
                in_left = kind > 0
            else:
                in_right = kind > 0
            i += 1
        inside = in_left and (in_right if op == "&" else not in_right)
        if inside and opened is None:
            opened = at
        elif not inside and opened is not None:
            out.append((opened, at))
            opened = None
    return merge(out)


# -- proving that a search cannot succeed ------------------------------------------------


@attrs.frozen
class _Week:
    """Bounds on the open time of any week, in seconds of the UTC week (Monday 00:00 UTC
    is 0): the desk is open at most in ``upper`` and at least in ``lower``. ``dated`` is
    True when dated rules (overrides) may open it outside ``upper``."""

    upper: list[Interval]
    lower: list[Interval]
    dated: bool


def _weekly_of(schedule: Schedule, years: range) -> _Week | None:
    weekly = getattr(schedule, "_weekly", None)
    return weekly(years) if weekly is not None else None


def _never_opens_from(schedule: Schedule, year: int, *, forward: bool) -> bool:
    """Whether the weekly bounds prove the desk closed in every year from ``year`` on
    (or up to it): no dated rule can open it, and its weekly hours, moved by every UTC
    offset its zones use in those years, never meet as the combination asks."""
    years = range(year, MAX_YEAR + 1) if forward else range(1, year + 1)
    week = _weekly_of(schedule, years)
    return week is not None and not week.dated and not week.upper
