"""Working-time arithmetic over whole columns: the array forms of the calendar's queries.

:meth:`Schedule.business_time <slaclock.Schedule.business_time>`,
:meth:`~slaclock.Schedule.add` and :meth:`~slaclock.Schedule.is_open` come here when they
are given columns instead of single values. Each call reads the same compiled
:class:`~slaclock.calendars._timeline.Timeline` as the scalar path, through zero-copy NumPy views of
its arrays, and answers every element with the scalar path's formulas, written as NumPy
operations (``searchsorted`` over the interval starts and the cumulative working time):
no Python-level loop per element, so the results are the scalar results to the
microsecond.

What a call accepts, and what it returns:

- a NumPy ``datetime64`` array (any unit) is read as UTC, since it carries no zone (with
  a :class:`~slaclock.Datetime64AssumedUTCWarning`);
  results are ``timedelta64[us]``, ``datetime64[us]`` (UTC) and ``bool`` arrays;
- a tz-aware pandas ``Series`` or ``DatetimeIndex`` gives a ``Series`` with the input's
  index (or an ``Index``): ``timedelta64[us]``, ``datetime64[us, zone]`` in the input's
  zone, and the nullable ``boolean`` dtype; a *naive* one is refused with
  :class:`~slaclock.NaiveDatetimeError`, as a naive datetime is;
- a list or tuple of aware datetimes (``None`` for a missing value) gives a list or
  tuple of :class:`~datetime.timedelta`, of datetimes in each element's zone, or of
  ``bool``;
- a polars ``Series`` of ``pl.Datetime(time_zone=...)`` gives a polars Series:
  ``Duration``, ``Datetime`` in the input's zone, ``Boolean`` (null for null); a naive
  one is refused with :class:`~slaclock.NaiveDatetimeError`.

Durations are ``timedelta64`` arrays, ``Timedelta`` Series, lists of timedeltas or one
:class:`~datetime.timedelta` for every row; one aware datetime likewise stands for every
row. A missing value (``NaT``, ``None``) in gives a missing value out (``is_open`` of a
``NaT`` is ``False`` in a NumPy array, ``<NA>`` in pandas, ``None`` in a list).
Nanoseconds are floored to the microsecond, as the scalar path does with a pandas
``Timestamp``.

Cost: O(m log n) for m elements over n compiled intervals, with a handful of passes over
the data; the timeline is compiled or extended once per call, from the smallest and
largest instants given. A deadline that no working time within reach can meet raises
:class:`~slaclock.HorizonError` for the whole call.

NumPy is imported when this module is; pandas only when a pandas object is given (and
by :mod:`slaclock.pandas`). Without NumPy the module still imports, and the array forms
raise :class:`ModuleNotFoundError` saying what to install.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, TypeVar

from slaclock._errors import Datetime64AssumedUTCWarning, NaiveDatetimeError
from slaclock._instants import duration_us, from_us, like, to_us

from ._foreign import (
    instant_us,
    is_polars,
    is_whenever,
    like_whenever,
    polars_durations,
    polars_instants,
    polars_result,
    whenever_datetime,
)

try:
    import numpy as np
except ModuleNotFoundError as error:  # pragma: no cover - exercised in a subprocess
    if error.name != "numpy":
        raise
    _NUMPY_MISSING = True
else:
    _NUMPY_MISSING = False

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ._timeline import Timeline

    I64 = NDArray[np.int64]
    Mask = NDArray[np.bool_]

__all__: list[str] = []

F = TypeVar("F", bound=Callable[..., Any])

INSTALL_HINT = (
    "slaclock's array API (columns of datetimes: NumPy arrays, pandas Series, lists) "
    "needs NumPy, and pandas for Series: pip install 'slaclock[pandas]'"
)

_NAT = -(2**63)


def require_numpy() -> None:
    """Raise a :class:`ModuleNotFoundError` that says what to install, without NumPy."""
    if _NUMPY_MISSING:
        raise ModuleNotFoundError(INSTALL_HINT, name="numpy")


# -- the public entry points (called by Schedule's methods) ------------------------------


def _own_errors(function: F) -> F:
    """Errors raised here are about the columns: hide the scalar path's ``TypeError``
    that sent the call here (it would show as "during handling of ...")."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as error:
            error.__suppress_context__ = True
            raise

    return wrapper  # type: ignore[return-value]


def _vector() -> Any:
    """The NumPy kernels (imported on first use: NumPy is an extra)."""
    from slaclock.calendars import _vector

    return _vector


@_own_errors
def business_time(timeline: Timeline, starts: Any, ends: Any) -> Any:
    """The working time between ``starts[i]`` and ``ends[i]``, element by element."""
    require_numpy()
    a = _instants(starts, "starts")
    b = _instants(ends, "ends")
    _warn_if_utc_assumed(a, b)
    shape = _result_shape(a, b)
    av, bv = _flat(a, shape), _flat(b, shape)
    nat = _missing(av) | _missing(bv)
    out = _vector().business_time_us(timeline, av, bv, nat).reshape(shape)
    return _timedeltas(out, _leader(a, b))


@_own_errors
def add(timeline: Timeline, starts: Any, durations: Any) -> Any:
    """The deadlines ``add(starts[i], durations[i])``, element by element."""
    require_numpy()
    a = _instants(starts, "starts")
    _warn_if_utc_assumed(a)
    d = _durations(durations, "durations")
    shape = _result_shape(a, d)
    av, dv = _flat(a, shape), _flat(d, shape)
    nat = _missing(av) | _missing(dv)
    out = _vector().add_us(timeline, av, dv, nat).reshape(shape)
    return _datetimes(out, _leader(a, d), a)


@_own_errors
def is_open(timeline: Timeline, times: Any) -> Any:
    """Whether the desk is open at ``times[i]``, element by element."""
    require_numpy()
    t = _instants(times, "times")
    _warn_if_utc_assumed(t)
    shape = t.values.shape
    tv = _flat(t, shape)
    nat = _missing(tv)
    out = _vector().is_open_us(timeline, tv, nat)
    return _booleans(out.reshape(shape), nat.reshape(shape), t)


# -- reading the inputs ------------------------------------------------------------------


class _Column:
    """One argument as int64 microseconds, with what is needed to shape the result.

    ``kind`` is ``"scalar"``, ``"numpy"``, ``"series"``, ``"index"``, ``"list"`` or
    ``"tuple"`` (or ``"polars"``); ``unit`` is how a column of dates holds them
    (``"object"`` for ``datetime.date`` objects, else a ``datetime64`` unit); ``zone`` is
    the zone of a pandas column or of a scalar datetime (``None`` for NumPy: UTC);
    ``items`` are a list's own datetimes (their zones and classes).
    """

    __slots__ = ("index", "items", "kind", "name", "unit", "values", "zone")

    def __init__(
        self,
        kind: str,
        values: I64,
        *,
        zone: tzinfo | None = None,
        index: Any = None,
        name: Any = None,
        items: Sequence[Any] | datetime | None = None,
        unit: str | None = None,
    ) -> None:
        self.kind = kind
        self.values = values
        self.zone = zone
        self.index = index
        self.name = name
        self.items = items
        self.unit = unit


def _pandas() -> Any:
    """The pandas module when it is loaded (a pandas object can exist only then)."""
    return sys.modules.get("pandas")


def _instants(value: Any, name: str) -> _Column:
    pd = _pandas()
    if pd is not None and isinstance(value, pd.Series | pd.Index):
        return _pandas_instants(pd, value, name)
    if is_polars(value):
        values, zone = polars_instants(value, name)
        return _Column("polars", values, zone=zone, name=value.name, items=value)
    if isinstance(value, list | tuple):
        return _sequence_instants(value, name)
    if is_whenever(value):
        value = whenever_datetime(value, name)
    if isinstance(value, datetime):
        return _Column("scalar", np.array(to_us(value, name), dtype=np.int64),
                       zone=value.tzinfo, items=value)
    array = np.asarray(value)
    if array.dtype.kind != "M":
        raise TypeError(
            f"{name} must hold datetimes: a NumPy datetime64 array, a tz-aware pandas "
            f"Series or DatetimeIndex, or a list of aware datetimes; got an array of "
            f"{array.dtype}"
        )
    return _Column("numpy", _as_us(array, "M8[us]"), name=name)


def _warn_if_utc_assumed(*columns: _Column) -> None:
    """One :class:`~slaclock.Datetime64AssumedUTCWarning` per call that reads a NumPy
    datetime64 array (which has no zone) as UTC."""
    from slaclock._errors import caller_level

    names = [c.name for c in columns if c.kind == "numpy"]
    if names:
        warnings.warn(
            f"{' and '.join(names)}: a NumPy datetime64 array carries no zone, and slaclock "
            "reads it as UTC. Pass a tz-aware pandas Series or aware datetimes to be "
            "explicit, or silence this with "
            "warnings.simplefilter('ignore', slaclock.Datetime64AssumedUTCWarning)",
            Datetime64AssumedUTCWarning,
            stacklevel=caller_level(),
        )


def _pandas_instants(pd: Any, value: Any, name: str) -> _Column:
    kind = "series" if isinstance(value, pd.Series) else "index"
    dtype = value.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        utc = value.dt.tz_convert(None) if kind == "series" else value.tz_convert(None)
        values = _as_us(utc.to_numpy(), "M8[us]")
        index = value.index if kind == "series" else None
        return _Column(kind, values, zone=dtype.tz, index=index, name=value.name)
    if getattr(dtype, "kind", None) == "M":
        error = NaiveDatetimeError(name, value)
        error.args = (
            f"{name} is a pandas {type(value).__name__} of naive datetimes ({dtype}): "
            "slaclock needs instants. Attach the zone the times were recorded in, e.g. "
            f"{name}.dt.tz_localize('Europe/Moscow') (or .tz_localize on an index), or "
            "'UTC' when they are UTC.",
        )
        raise error
    raise TypeError(
        f"{name} must be a pandas Series or Index of tz-aware datetimes (dtype "
        f"datetime64[unit, zone]), not of {dtype}; convert it with pd.to_datetime(...)"
    )


def _sequence(value: Sequence[Any], name: str, convert: Callable[[Any, str], int]) -> _Column:
    """A list or tuple as int64, each item through ``convert(item, "name[i]")``, a missing
    item (``None``, ``NaT``) as ``NaT``'s integer."""
    out = np.empty(len(value), dtype=np.int64)
    for i, item in enumerate(value):
        out[i] = _NAT if _is_missing(item) else convert(item, f"{name}[{i}]")
    return _Column("list" if isinstance(value, list) else "tuple", out, items=value)


def _sequence_instants(value: Sequence[Any], name: str) -> _Column:
    return _sequence(value, name, instant_us)


def _durations(value: Any, name: str) -> _Column:
    pd = _pandas()
    if pd is not None and isinstance(value, pd.Series | pd.Index):
        kind = "series" if isinstance(value, pd.Series) else "index"
        if getattr(value.dtype, "kind", None) != "m":
            raise TypeError(f"{name} must be a Series or Index of timedeltas, not {value.dtype}")
        index = value.index if kind == "series" else None
        return _Column(kind, _as_us(value.to_numpy(), "m8[us]"), index=index, name=value.name)
    if is_polars(value):
        return _Column("polars", polars_durations(value, name), name=value.name, items=value)
    if isinstance(value, list | tuple):
        return _sequence(value, name, duration_us)
    if isinstance(value, timedelta):
        return _Column("scalar", np.array(duration_us(value, name), dtype=np.int64))
    array = np.asarray(value)
    if array.dtype.kind != "m":
        raise TypeError(
            f"{name} must hold timedeltas: a NumPy timedelta64 array, a pandas Timedelta "
            f"Series, a list of timedeltas or one timedelta; got an array of {array.dtype}"
        )
    return _Column("numpy", _as_us(array, "m8[us]"))


def _as_us(array: Any, unit: str) -> I64:
    """The int64 microseconds of a datetime64/timedelta64 array (floored; NaT kept)."""
    if array.dtype != np.dtype(unit):
        array = array.astype(unit)
    out: I64 = array.view(np.int64)
    return out


def _is_missing(item: object) -> bool:
    """``None``, or a value not equal to itself (pandas' ``NaT``, NumPy's NaT, NaN)."""
    return item is None or item != item


def _flat(column: _Column, shape: tuple[int, ...]) -> I64:
    """The column's values broadcast to ``shape``, as a one-dimensional contiguous array."""
    out: I64 = np.ascontiguousarray(np.broadcast_to(column.values, shape)).reshape(-1)
    return out


def _missing(values: I64) -> Mask:
    out: Mask = values == _NAT
    return out


def _result_shape(*columns: _Column) -> tuple[int, ...]:
    shapes = [c.values.shape for c in columns]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(
            "the columns have different lengths: "
            + ", ".join(str(s[0]) if s else "one value" for s in shapes)
        ) from None


def _leader(*columns: _Column) -> _Column:
    """The argument whose type the result takes: pandas first, then NumPy, then lists."""
    series = [c for c in columns if c.kind == "series"]
    if len(series) > 1:
        first = series[0].index
        for other in series[1:]:
            if not first.equals(other.index):
                raise ValueError(
                    "the Series have different indexes; align them first (slaclock pairs "
                    "elements by position, not by label)"
                )
    for kind in ("series", "index", "polars", "numpy", "list", "tuple"):
        for c in columns:
            if c.kind == kind:
                return c
    return columns[0]


# -- shaping the results -----------------------------------------------------------------


def _timedeltas(out: I64, lead: _Column) -> Any:
    m8 = out.view("m8[us]")
    if lead.kind == "polars":
        return polars_result("", out, out == _NAT, "duration")
    if lead.kind == "series":
        return _pandas().Series(m8, index=lead.index, copy=False)
    if lead.kind == "index":
        return _pandas().TimedeltaIndex(m8)
    if lead.kind in ("list", "tuple"):
        items = m8.tolist()
        return items if lead.kind == "list" else tuple(items)
    return m8[()] if m8.ndim == 0 else m8


def _datetimes(out: I64, lead: _Column, starts: _Column) -> Any:
    m8 = out.view("M8[us]")
    if lead.kind == "polars":
        zone = _common_zone(starts.items) if starts.kind in ("list", "tuple") else starts.zone
        name = starts.name if starts.kind == "polars" else ""
        return polars_result(name, out, out == _NAT, "datetime", zone=zone)
    if lead.kind in ("series", "index"):
        pd = _pandas()
        listed = starts.kind in ("list", "tuple")
        zone = _common_zone(starts.items) if listed else starts.zone
        name = starts.name if starts.kind in ("series", "index") else None
        if lead.kind == "series":
            series = pd.Series(m8, index=lead.index, name=name, copy=False)
            return series.dt.tz_localize("UTC").dt.tz_convert(zone or "UTC")
        return pd.DatetimeIndex(m8, name=name).tz_localize("UTC").tz_convert(zone or "UTC")
    if lead.kind in ("list", "tuple"):
        items = _python_datetimes(out, starts)
        return items if lead.kind == "list" else tuple(items)
    return m8[()] if m8.ndim == 0 else m8


def _python_datetimes(out: I64, starts: _Column) -> list[datetime | None]:
    """Datetimes in each start's zone (and class), like the scalar path returns."""
    models = starts.items
    result: list[datetime | None] = []
    for i, us in enumerate(out.tolist()):
        if us == _NAT:
            result.append(None)
            continue
        if isinstance(models, datetime):
            model: datetime | None = models
        elif models is not None:
            model = models[i]
        else:
            model = None
        if model is None:
            result.append(from_us(us, starts.zone or UTC))
        elif is_whenever(model):
            zone = whenever_datetime(model, "start").tzinfo
            result.append(like_whenever(from_us(us, zone), model))
        else:
            result.append(like(from_us(us, model.tzinfo), model))
    return result


def _common_zone(items: Any) -> tzinfo | None:
    zones = {id(z): z for z in (_zone_of(x) for x in items if not _is_missing(x))}
    return next(iter(zones.values())) if len(zones) == 1 else None


def _zone_of(item: Any) -> tzinfo | None:
    if is_whenever(item):
        return whenever_datetime(item, "start").tzinfo
    zone: tzinfo | None = item.tzinfo
    return zone


def _booleans(out: Mask, nat: Mask, column: _Column) -> Any:
    if column.kind == "polars":
        return polars_result(column.name, out, nat, "bool")
    if column.kind in ("series", "index"):
        pd = _pandas()
        values = pd.arrays.BooleanArray(out, nat.copy())
        if column.kind == "series":
            return pd.Series(values, index=column.index, name=column.name)
        return pd.Index(values, name=column.name)
    if column.kind in ("list", "tuple"):
        items: list[bool | None] = [
            None if missing else flag
            for flag, missing in zip(out.tolist(), nat.tolist(), strict=True)
        ]
        return items if column.kind == "list" else tuple(items)
    return out[()] if out.ndim == 0 else out
