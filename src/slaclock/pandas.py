"""The ``.slaclock`` accessor on pandas DataFrames and Series.

Importing this module registers it (``import slaclock.pandas``); nothing else does, so
``import slaclock`` never imports pandas. The accessor is a thin layer over the calendar's
own array methods (:meth:`~slaclock.Schedule.business_time`,
:meth:`~slaclock.Schedule.add`, :meth:`~slaclock.Schedule.is_open`, and the business-day
queries :meth:`~slaclock.Schedule.business_days`,
:meth:`~slaclock.Schedule.add_business_days`, :meth:`~slaclock.Schedule.is_business_day`,
given Series), which read column names for you and return Series aligned with the frame's
index.

>>> import pandas as pd
>>> import slaclock.pandas
>>> from slaclock import Calendar
>>> cal = Calendar(tz="Europe/London", hours="09:00-17:00")
>>> tickets = pd.DataFrame({
...     "opened": pd.to_datetime(["2026-03-02 16:00", "2026-03-06 16:30"]),
...     "resolved": pd.to_datetime(["2026-03-03 10:00", "2026-03-09 09:30"]),
... }).apply(lambda column: column.dt.tz_localize("Europe/London"))
>>> tickets.slaclock.business_time("opened", "resolved", calendar=cal)
0   0 days 02:00:00
1   0 days 01:00:00
dtype: timedelta64[us]
>>> tickets["opened"].slaclock.add(pd.Timedelta(hours=4), calendar=cal)
0   2026-03-03 12:00:00+00:00
1   2026-03-09 12:30:00+00:00
Name: opened, dtype: datetime64[us, Europe/London]
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

from .calendars._schedule import Schedule

__all__ = ["SlaclockFrameAccessor", "SlaclockSeriesAccessor"]


def _check(calendar: object) -> Schedule:
    if not isinstance(calendar, Schedule):
        raise TypeError(
            "calendar must be a slaclock Calendar (or a combination of calendars), not "
            f"{type(calendar).__name__}"
        )
    return calendar


@pd.api.extensions.register_dataframe_accessor("slaclock")
class SlaclockFrameAccessor:
    """``df.slaclock``: working-time arithmetic between a DataFrame's columns.

    Columns are named by label; a Series (or, for durations, one timedelta) may stand
    in for a column. Every column of instants must be tz-aware (``datetime64[unit,
    zone]``); a naive one raises :class:`~slaclock.NaiveDatetimeError`. Missing values
    (``NaT``) give ``NaT``. Cost: a few passes over the columns, O(log n) or better per
    row in the calendar's compiled intervals; no Python loop per row.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def _column(self, column: Any) -> Any:
        if isinstance(column, pd.Series | timedelta | date):
            return column
        return self._frame[column]

    def business_time(self, start: Any, end: Any, *, calendar: Schedule) -> pd.Series:
        """The working time from column ``start`` to column ``end``, row by row: a
        ``timedelta64[us]`` Series with the frame's index (negative where ``end`` is
        earlier)."""
        return _check(calendar).business_time(self._column(start), self._column(end))

    def add(self, start: Any, duration: Any, *, calendar: Schedule) -> pd.Series:
        """The deadline of each row: column ``start`` plus ``duration`` of working time,
        in the zone of ``start``. ``duration`` is a column of timedeltas, a Series, or
        one :class:`~datetime.timedelta` for every row (negative ones go back)."""
        return _check(calendar).add(self._column(start), self._column(duration))

    def is_open(self, column: Any, *, calendar: Schedule) -> pd.Series:
        """Whether the desk is open at each instant of ``column``: a nullable
        ``boolean`` Series (``<NA>`` where the instant is missing)."""
        return _check(calendar).is_open(self._column(column))

    def business_days(self, start: Any, end: Any, *, calendar: Schedule) -> pd.Series:
        """The business days from column ``start`` to column ``end`` (a column of dates,
        or one :class:`~datetime.date`), row by row: nullable ``Int64`` counts, like
        NumPy's ``busday_count``."""
        return _check(calendar).business_days(self._column(start), self._column(end))

    def add_business_days(self, day: Any, n: Any, *, calendar: Schedule) -> pd.Series:
        """The ``n``-th business day after each date of column ``day``; ``n`` is one
        ``int`` for every row, or a column (label or Series) of whole numbers."""
        count = n if isinstance(n, int) else self._column(n)
        return _check(calendar).add_business_days(self._column(day), count)

    def is_business_day(self, column: Any, *, calendar: Schedule) -> pd.Series:
        """Whether each date of ``column`` is a business day (nullable ``boolean``)."""
        return _check(calendar).is_business_day(self._column(column))


@pd.api.extensions.register_series_accessor("slaclock")
class SlaclockSeriesAccessor:
    """``series.slaclock``: the same arithmetic from a Series of tz-aware instants.

    The Series holds the starts; results keep its index.
    """

    def __init__(self, series: pd.Series) -> None:
        self._series = series

    def business_time(self, end: Any, *, calendar: Schedule) -> pd.Series:
        """The working time from each instant to ``end`` (a Series on the same index,
        or one aware datetime)."""
        return _check(calendar).business_time(self._series, end)

    def add(self, duration: Any, *, calendar: Schedule) -> pd.Series:
        """The deadline of each instant after ``duration`` of working time (a Series of
        timedeltas or one timedelta), in the Series' zone."""
        return _check(calendar).add(self._series, duration)

    def is_open(self, *, calendar: Schedule) -> pd.Series:
        """Whether the desk is open at each instant (nullable ``boolean``)."""
        return _check(calendar).is_open(self._series)

    def business_days(self, end: Any, *, calendar: Schedule) -> pd.Series:
        """The business days from each date to ``end`` (a Series on the same index, or
        one :class:`~datetime.date`): nullable ``Int64`` counts."""
        return _check(calendar).business_days(self._series, end)

    def add_business_days(self, n: Any, *, calendar: Schedule) -> pd.Series:
        """The ``n``-th business day after each date (``n``: an ``int`` or a Series)."""
        return _check(calendar).add_business_days(self._series, n)

    def is_business_day(self, *, calendar: Schedule) -> pd.Series:
        """Whether each date is a business day (nullable ``boolean``)."""
        return _check(calendar).is_business_day(self._series)
