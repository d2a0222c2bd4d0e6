"""Business days over whole columns: the array forms of
:meth:`~slaclock.Schedule.business_days`, :meth:`~slaclock.Schedule.add_business_days` and
:meth:`~slaclock.Schedule.is_business_day`.

Each call reads the calendar's business days of the years it touches as one boolean
array per year (computed once per calendar from the scalar rule, ``is_business_day`` of
each date, and kept), and answers every element with NumPy operations: a count is a
difference of running sums, the ``n``-th business day a ``searchsorted``. The results are
the scalar results, element by element.

What a call accepts, and what it returns:

- a NumPy ``datetime64`` array (``datetime64[D]``, or any unit: the date as written)
  gives ``int64`` counts, ``datetime64[D]`` dates and ``bool`` flags;
- a pandas ``Series`` or ``Index`` of ``datetime.date`` objects, or of datetimes (naive:
  the date as written; tz-aware: the date in the calendar's zone) gives a ``Series`` on
  the input's index (or an ``Index``): nullable ``Int64`` counts, dates held as the input
  held them (``datetime.date`` objects, or naive ``datetime64`` midnights) and the
  nullable ``boolean`` dtype;
- a list or tuple of dates (``None`` for a missing value) gives a list or tuple of
  ``int``, of ``datetime.date`` or of ``bool``;
- a polars ``Series`` of ``pl.Date`` gives a polars Series (``Int64``, ``Date``,
  ``Boolean``; null for null).

One date (or, for ``n``, one ``int``) beside a column stands for every row; ``n`` may be a
column of whole numbers. A missing date gives a missing value (``False`` from
``is_business_day`` in a NumPy array; a NumPy array of counts has no missing value, so a
``NaT`` there is refused: use a pandas Series).

Cost: one pass over the days of the years the call spans, the first time a calendar
meets them (the scalar rule of each date), then O(m log d) for m elements.
"""

from __future__ import annotations

import calendar as _gregorian
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from ._arrays import (
    _NAT,
    _booleans,
    _Column,
    _flat,
    _leader,
    _own_errors,
    _pandas,
    _result_shape,
    _sequence,
    require_numpy,
)
from ._days import check_date
from ._foreign import is_polars, polars_days, polars_result
from ._timeline import HORIZON_YEARS

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ._schedule import Schedule

    I64 = NDArray[np.int64]
    Mask = NDArray[np.bool_]

__all__: list[str] = []

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
#: Day numbers (days since 1970-01-01) of 1 January of year 1 and of 31 December 9999.
_FIRST_DAY = date.min.toordinal() - _EPOCH_ORDINAL
_LAST_DAY = date.max.toordinal() - _EPOCH_ORDINAL
#: How far a search for the n-th business day reads ahead of its dates before it leaves
#: the rest to the scalar rule (which says when no business day lies within reach).
_SEARCH_DAYS = (HORIZON_YEARS + 1) * 366


# -- the public entry points (called by Schedule's methods) ------------------------------


@_own_errors
def business_days(schedule: Schedule, starts: Any, ends: Any) -> Any:
    """``business_days(starts[i], ends[i])``, element by element."""
    require_numpy()
    zone = schedule.zone.key
    a = _days(starts, "start", zone)
    b = _days(ends, "end", zone)
    shape = _result_shape(a, b)
    av, bv = _flat(a, shape), _flat(b, shape)
    missing = (av == _NAT) | (bv == _NAT)
    out = np.zeros(av.shape, dtype=np.int64)
    if not missing.all():
        known = ~missing
        lo = int(min(av[known].min(), bv[known].min()))
        hi = int(max(av[known].max(), bv[known].max()))
        flags = _span(schedule, lo, hi + 1)
        running = np.concatenate(([0], np.cumsum(flags, dtype=np.int64)))
        out[known] = running[bv[known] - lo] - running[av[known] - lo]
    return _counts_out(out.reshape(shape), missing.reshape(shape), _leader(a, b))


@_own_errors
def is_business_day(schedule: Schedule, days: Any) -> Any:
    """``is_business_day(days[i])``, element by element."""
    require_numpy()
    d = _days(days, "day", schedule.zone.key)
    flat = _flat(d, d.values.shape)
    missing = flat == _NAT
    out = np.zeros(flat.shape, dtype=bool)
    if not missing.all():
        out[~missing] = _flags_of(schedule, flat[~missing])
    shape = d.values.shape
    return _booleans(out.reshape(shape), missing.reshape(shape), d)


@_own_errors
def add_business_days(schedule: Schedule, days: Any, n: Any) -> Any:
    """``add_business_days(days[i], n[i])``, element by element."""
    require_numpy()
    d = _days(days, "day", schedule.zone.key)
    k = _whole_numbers(n, "n")
    shape = _result_shape(d, k)
    dv, kv = _flat(d, shape), _flat(k, shape)
    missing = (dv == _NAT) | (kv == _NAT)
    out = np.full(dv.shape, _NAT, dtype=np.int64)
    todo = ~missing
    if todo.any():
        out[todo] = _nth(schedule, dv[todo], kv[todo])
    return _dates_out(out.reshape(shape), _leader(d, k), d)


# -- the business days of a span ---------------------------------------------------------


def _year_flags(schedule: Schedule, year: int) -> Mask:
    """Whether each date of ``year`` is a business day (the scalar rule, kept per year)."""
    extras = schedule._compiled.extras
    key = ("business_days", year)
    flags = extras.get(key)
    if flags is None:
        first = date(year, 1, 1)
        length = 366 if _gregorian.isleap(year) else 365
        rule = schedule._business_day
        one = timedelta(days=1)
        flags = np.fromiter(
            (rule(first + i * one) for i in range(length)), dtype=bool, count=length
        )
        extras[key] = flags
    out: Mask = flags  # type: ignore[assignment]
    return out


def _year_of(day: int) -> int:
    return date.fromordinal(day + _EPOCH_ORDINAL).year


def _first_of(year: int) -> int:
    return date(year, 1, 1).toordinal() - _EPOCH_ORDINAL


def _span(schedule: Schedule, lo: int, hi: int) -> Mask:
    """The business-day flags of the day numbers ``lo`` to ``hi - 1``."""
    first, last = _year_of(lo), _year_of(hi - 1)
    flags = np.concatenate([_year_flags(schedule, y) for y in range(first, last + 1)])
    start = lo - _first_of(first)
    out: Mask = flags[start:start + hi - lo]
    return out


def _flags_of(schedule: Schedule, days: I64) -> Mask:
    """The business-day flags of the given day numbers (only their years are read)."""
    years = days.view("M8[D]").astype("M8[Y]").view(np.int64) + 1970
    out = np.empty(days.shape, dtype=bool)
    for year in np.unique(years).tolist():
        here = years == year
        out[here] = _year_flags(schedule, year)[days[here] - _first_of(year)]
    return out


def _nth(schedule: Schedule, days: I64, n: I64) -> I64:
    """The ``n[i]``-th business day after ``days[i]`` (the scalar rule's meaning of ``n``),
    read from a span that grows until it holds every answer; what a span of
    :data:`_SEARCH_DAYS` beyond the dates does not hold is left to the scalar rule."""
    out = np.empty(days.shape, dtype=np.int64)
    todo = np.ones(days.shape, dtype=bool)
    ahead = int(n.max(initial=0))
    behind = int(-n.min(initial=0))
    pad = 14
    while True:
        grow_ahead = min(_SEARCH_DAYS, pad + 2 * ahead)
        grow_behind = min(_SEARCH_DAYS, pad + 2 * behind)
        lo = max(_FIRST_DAY, int(days.min()) - grow_behind)
        hi = min(_LAST_DAY, int(days.max()) + grow_ahead)
        business = np.flatnonzero(_span(schedule, lo, hi + 1)) + lo
        d, k = days[todo], n[todo]
        # How many business days come before each date (strictly, or up to it).
        before = np.searchsorted(business, d, side="left")
        upto = np.searchsorted(business, d, side="right")
        at = np.where(k > 0, upto + k - 1, np.where(k == 0, before, before + k))
        found = (at >= 0) & (at < business.size)
        index = np.flatnonzero(todo)
        out[index[found]] = business[at[found]]
        todo[index[found]] = False
        at_limit = grow_ahead >= _SEARCH_DAYS and grow_behind >= _SEARCH_DAYS
        if not todo.any() or at_limit or (lo == _FIRST_DAY and hi == _LAST_DAY):
            break
        pad *= 4
    for i in np.flatnonzero(todo).tolist():
        # Past the search span: the scalar rule answers, or says why it cannot.
        start = date.fromordinal(int(days[i]) + _EPOCH_ORDINAL)
        answer = schedule.add_business_days(start, int(n[i]))
        out[i] = answer.toordinal() - _EPOCH_ORDINAL
    return out


# -- reading the inputs ------------------------------------------------------------------


def _day_number(value: object, name: str) -> int:
    return check_date(value, name).toordinal() - _EPOCH_ORDINAL




def _days(value: Any, name: str, zone: str) -> _Column:
    """One argument of dates as day numbers (days since 1970-01-01; ``NaT`` missing)."""
    pd = _pandas()
    if pd is not None and isinstance(value, pd.Series | pd.Index):
        return _pandas_days(pd, value, name, zone)
    if is_polars(value):
        return _Column("polars", polars_days(value, name, zone), name=value.name,
                       items=value, unit="date")
    if isinstance(value, list | tuple):
        column = _sequence(value, name, _day_number)
        column.unit = "object"
        return column
    if isinstance(value, date):
        return _Column("scalar", np.array(_day_number(value, name), dtype=np.int64))
    array = np.asarray(value)
    if array.dtype.kind != "M":
        raise TypeError(
            f"{name} must hold dates: a NumPy datetime64[D] array, a pandas Series of "
            f"dates, a list of datetime.date or one date; got an array of {array.dtype}"
        )
    return _Column("numpy", _day_numbers(array, name), name=name)


def _day_numbers(array: Any, name: str) -> I64:
    """The days of a datetime64 array (any unit: the date as written), ``NaT`` kept.

    Raises:
        ValueError: for a date outside the years 1 to 9999 (a ``datetime.date``'s).
    """
    out: I64 = np.ascontiguousarray(array.astype("M8[D]")).view(np.int64)
    present = out[out != _NAT]
    if present.size and (present.min() < _FIRST_DAY or present.max() > _LAST_DAY):
        bad = present[(present < _FIRST_DAY) | (present > _LAST_DAY)][0]
        raise ValueError(
            f"{name} holds {bad.view('M8[D]')}, outside the years 1 to 9999 a calendar "
            "counts"
        )
    return out


def _pandas_days(pd: Any, value: Any, name: str, zone: str) -> _Column:
    kind = "series" if isinstance(value, pd.Series) else "index"
    index = value.index if kind == "series" else None
    dtype = value.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        if kind == "series":
            wall = value.dt.tz_convert(zone).dt.tz_localize(None)
        else:
            wall = value.tz_convert(zone).tz_localize(None)
        return _Column(kind, _day_numbers(wall.to_numpy(), name), index=index, name=value.name,
                       unit=str(dtype.unit))
    if getattr(dtype, "kind", None) == "M":
        return _Column(kind, _day_numbers(value.to_numpy(), name), index=index, name=value.name,
                       unit=np.datetime_data(dtype)[0])
    if dtype.kind == "O":
        values = _sequence(value.tolist(), name, _day_number).values
        return _Column(kind, values, index=index, name=value.name, unit="object")
    raise TypeError(
        f"{name} must be a pandas Series or Index of dates (datetime.date objects, or "
        f"datetime64), not of {dtype}"
    )


def _whole_numbers(value: Any, name: str) -> _Column:
    """``n``: one int, or a column of whole numbers (missing values kept as ``NaT``)."""
    pd = _pandas()
    if pd is not None and isinstance(value, pd.Series | pd.Index):
        kind = "series" if isinstance(value, pd.Series) else "index"
        if not pd.api.types.is_integer_dtype(value.dtype):
            raise TypeError(f"{name} must be a Series of whole numbers, not of {value.dtype}")
        missing = value.isna().to_numpy()
        values = value.fillna(0).to_numpy(dtype=np.int64, copy=True)
        values[missing] = _NAT
        index = value.index if kind == "series" else None
        return _Column(kind, values, index=index, name=value.name)
    if is_polars(value):
        import polars as pl

        if not value.dtype.is_integer():
            raise TypeError(f"{name} must be a polars Series of integers, not {value.dtype}")
        filled = value.cast(pl.Int64).fill_null(_NAT).to_numpy()
        return _Column("polars", np.asarray(filled, dtype=np.int64), items=value)
    if isinstance(value, list | tuple):
        return _sequence(value, name, _whole)
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return _Column("scalar", np.array(int(value), dtype=np.int64))
    array = np.asarray(value)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be a whole number of business days, or a column of them; got "
            f"{type(value).__name__} of {array.dtype}"
        )
    return _Column("numpy", array.astype(np.int64))


def _whole(item: object, name: str) -> int:
    if isinstance(item, bool | np.bool_) or not isinstance(item, int | np.integer):
        raise TypeError(f"{name} must be a whole number of business days, not {item!r}")
    return int(item)


# -- shaping the results -----------------------------------------------------------------


def _counts_out(out: I64, missing: Mask, lead: _Column) -> Any:
    if lead.kind == "polars":
        return polars_result(lead.name, out, missing, "int")
    if lead.kind in ("series", "index"):
        pd = _pandas()
        values = pd.arrays.IntegerArray(out, missing.copy())
        if lead.kind == "series":
            return pd.Series(values, index=lead.index)
        return pd.Index(values)
    if lead.kind in ("list", "tuple"):
        items = [None if m else c for c, m in zip(out.tolist(), missing.tolist(), strict=True)]
        return items if lead.kind == "list" else tuple(items)
    if missing.any():
        where = int(np.flatnonzero(missing.reshape(-1))[0])
        raise ValueError(
            f"a date is missing (NaT) at position {where}: a NumPy array of counts has no "
            "missing value; drop the NaT rows, or pass pandas Series (nullable Int64 "
            "counts)"
        )
    return int(out[()]) if out.ndim == 0 else out


def _dates_out(out: I64, lead: _Column, days: _Column) -> Any:
    m8 = out.view("M8[D]")
    if lead.kind == "polars":
        return polars_result(days.name if days.kind == "polars" else lead.name, out,
                             out == _NAT, "date")
    if lead.kind in ("series", "index"):
        pd = _pandas()
        name = days.name if days.kind in ("series", "index") else None
        if days.unit == "object" or (days.unit is None and days.kind != "numpy"):
            items = [None if x is None else x for x in m8.tolist()]
            values: Any = pd.array(items, dtype=object)
        else:
            unit = days.unit if days.unit in ("s", "ms", "us", "ns") else "s"
            values = m8.astype(f"M8[{unit}]")
        if lead.kind == "series":
            return pd.Series(values, index=lead.index, name=name)
        return pd.Index(values, name=name)
    if lead.kind in ("list", "tuple"):
        items = m8.tolist()
        return items if lead.kind == "list" else tuple(items)
    if out.ndim == 0:
        return date.fromordinal(int(out) + _EPOCH_ORDINAL)
    return m8
