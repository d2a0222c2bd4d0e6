"""Values of other libraries: ``whenever`` instants and ``polars`` columns.

Neither library is a dependency: a value is recognised by the module its class comes
from (``type(x).__module__``), and the library is imported only then, when it is
certainly installed.

- ``whenever``: a ``ZonedDateTime``, ``Instant`` or ``OffsetDateTime`` is an instant, read
  through its ``to_stdlib()`` (``py_datetime()`` in versions before 0.8); a result comes
  back as the same class. A ``PlainDateTime`` is not an instant, and is refused with the
  conversion to use. A ``whenever.Date`` is a date.
- ``polars``: a ``pl.Datetime`` Series with a time zone holds instants (UTC microseconds
  underneath), a ``pl.Date`` Series dates, a ``pl.Duration`` Series durations; results
  are polars Series (null where the input is null). A naive ``pl.Datetime`` Series is
  refused with the conversion to use.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slaclock._errors import NaiveDatetimeError
from slaclock._instants import to_us

__all__: list[str] = []

_NAT = -(2**63)

#: The whenever classes that are instants (an exact moment on the time line).
_WHENEVER_INSTANTS = frozenset({"ZonedDateTime", "Instant", "OffsetDateTime",
                                "SystemDateTime"})
#: The whenever classes that are wall-clock times without a zone.
_WHENEVER_PLAIN = frozenset({"PlainDateTime", "LocalDateTime", "NaiveDateTime"})


# -- whenever ----------------------------------------------------------------------------


def is_whenever(value: object) -> bool:
    """Whether ``value`` is an object of the ``whenever`` package."""
    module = type(value).__module__
    return module.startswith("whenever") and (len(module) == 8 or module[8] == ".")


def _stdlib(value: Any) -> Any:
    convert = getattr(value, "to_stdlib", None) or getattr(value, "py_datetime", None)
    if convert is None:  # pragma: no cover - every whenever version has one of them
        raise TypeError(f"cannot convert whenever.{type(value).__name__} to the stdlib")
    return convert()


def whenever_datetime(value: Any, name: str) -> datetime:
    """A ``whenever`` instant as an aware :class:`~datetime.datetime`.

    Raises:
        NaiveDatetimeError: for a ``PlainDateTime`` (a wall-clock time, no instant).
        TypeError: for any other ``whenever`` value.
    """
    kind = type(value).__name__
    if kind in _WHENEVER_INSTANTS:
        out = _stdlib(value)
        assert isinstance(out, datetime)
        return out
    if kind in _WHENEVER_PLAIN:
        error = NaiveDatetimeError(name, value)
        error.args = (
            f"{name} is a whenever.{kind} ({value}): a wall-clock time without a zone is "
            "not an instant. Say where it was read, e.g. "
            f"{name}.assume_tz('Europe/Moscow'), or .assume_utc()",
        )
        raise error
    raise TypeError(
        f"{name} must be an instant (a datetime, or a whenever ZonedDateTime, Instant or "
        f"OffsetDateTime), not whenever.{kind}"
    )


def instant_us(value: Any, name: str) -> int:
    """The UTC microseconds of an aware datetime or a ``whenever`` instant."""
    if type(value) is not datetime and is_whenever(value):
        value = whenever_datetime(value, name)
    return to_us(value, name)


def like_whenever(result: datetime, model: Any) -> Any:
    """``result`` as an object of ``model``'s ``whenever`` class (``result`` is already in
    the model's zone)."""
    cls = type(model)
    maker = getattr(cls, "from_py_datetime", None)
    if maker is not None:  # whenever before 0.8
        return maker(result)
    return cls(result)


def whenever_date(value: Any, name: str) -> date:
    """A ``whenever.Date`` as a :class:`datetime.date` (other values are refused)."""
    if type(value).__name__ == "Date":
        out = _stdlib(value) if hasattr(value, "to_stdlib") else value.py_date()
        assert isinstance(out, date)
        return out
    raise TypeError(
        f"{name} must be a date (datetime.date or whenever.Date), not whenever."
        f"{type(value).__name__}"
    )


# -- polars ------------------------------------------------------------------------------


def is_polars(value: object) -> bool:
    """Whether ``value`` is a polars Series."""
    cls = type(value)
    return cls.__module__.split(".", 1)[0] == "polars" and cls.__name__ == "Series"


def _physical(series: Any) -> Any:
    """The integers underneath a polars column, nulls as ``NaT``'s integer."""
    import numpy as np
    import polars as pl

    values = series.to_physical().cast(pl.Int64).fill_null(_NAT).to_numpy()
    return np.ascontiguousarray(values, dtype=np.int64)


def _naive(series: Any, name: str) -> NaiveDatetimeError:
    error = NaiveDatetimeError(name, series)
    error.args = (
        f"{name} is a polars Series of naive datetimes ({series.dtype}): slaclock needs "
        f"instants. Attach the zone the times were recorded in, e.g. "
        f"{name}.dt.replace_time_zone('Europe/Moscow'), or 'UTC' when they are UTC.",
    )
    return error


def polars_instants(series: Any, name: str) -> tuple[Any, ZoneInfo]:
    """A polars ``Datetime`` Series with a time zone as UTC microseconds, and its zone."""
    import polars as pl

    dtype = series.dtype
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            raise _naive(series, name)
        return _physical(series.dt.cast_time_unit("us")), ZoneInfo(dtype.time_zone)
    raise TypeError(
        f"{name} must be a polars Series of time-zone-aware datetimes "
        f"(pl.Datetime(time_zone=...)), not of {dtype}"
    )


def polars_durations(series: Any, name: str) -> Any:
    """A polars ``Duration`` Series as microseconds."""
    import polars as pl

    if not isinstance(series.dtype, pl.Duration):
        raise TypeError(f"{name} must be a polars Series of durations, not of {series.dtype}")
    return _physical(series.dt.cast_time_unit("us"))


def polars_days(series: Any, name: str, zone: str) -> Any:
    """A polars ``Date`` Series (or ``Datetime``: the date as written, or in ``zone`` for
    an aware one) as day numbers."""
    import polars as pl

    dtype = series.dtype
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            series = series.dt.convert_time_zone(zone)
        series = series.dt.date()
    elif dtype != pl.Date:
        raise TypeError(f"{name} must be a polars Series of dates, not of {dtype}")
    return _physical(series)


def polars_result(name: str | None, values: Any, missing: Any, kind: str,
                  zone: Any = None) -> Any:
    """A polars Series of ``values`` (int64: counts, day numbers, microseconds) of the
    given kind (``"int"``, ``"bool"``, ``"date"``, ``"duration"``, ``"datetime"`` in
    ``zone``), null where ``missing``."""
    import numpy as np
    import polars as pl

    label = name or ""
    flat = np.asarray(values).reshape(-1)
    if kind == "bool":
        series = pl.Series(label, flat.astype(bool))
    else:
        series = pl.Series(label, np.where(flat == _NAT, 0, flat).astype(np.int64))
        if kind == "date":
            series = series.cast(pl.Int32).cast(pl.Date)
        elif kind == "duration":
            series = series.cast(pl.Duration("us"))
        elif kind == "datetime":
            key = getattr(zone, "key", None) or "UTC"
            series = series.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
            series = series.dt.convert_time_zone(key)
    where = np.flatnonzero(np.asarray(missing).reshape(-1))
    if where.size:
        series = series.scatter(where, None)
    return series
