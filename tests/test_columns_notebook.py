"""Columns in a notebook (issue #25): the business-day queries over columns, whenever and
polars instants, and one provisional-years warning per call."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slaclock import Calendar, ProvisionalCalendarWarning

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")

MOSCOW = ZoneInfo("Europe/Moscow")


# -- one ProvisionalCalendarWarning per call ---------------------------------------------


def test_a_column_spanning_provisional_years_warns_once_naming_the_span() -> None:
    cal = Calendar.russia()
    opened = pd.Series(pd.date_range("2028-01-10", "2094-06-01", freq="180D"))
    opened = opened.dt.tz_localize("Europe/Moscow")
    with pytest.warns(ProvisionalCalendarWarning) as caught:
        cal.add(opened, timedelta(hours=8))
    records = [w for w in caught if issubclass(w.category, ProvisionalCalendarWarning)]
    assert len(records) == 1
    message = str(records[0].message)
    assert message.startswith("2028-2094 are provisional years: ")
    assert records[0].message.years == tuple(range(2028, 2095))  # type: ignore[union-attr]
    assert records[0].filename == __file__


def test_working_time_across_provisional_decades_warns_once() -> None:
    cal = Calendar.russia()
    start = datetime(2028, 1, 5, 10, tzinfo=MOSCOW)
    with pytest.warns(ProvisionalCalendarWarning) as caught:
        cal.business_time(start, datetime(2094, 1, 5, 10, tzinfo=MOSCOW))
    assert len(caught) == 1
    assert str(caught[0].message).startswith("2028-2094 are provisional years: ")


def test_one_provisional_year_keeps_its_one_year_message_and_warns_once_per_calendar() -> None:
    cal = Calendar.russia()
    start = datetime(2031, 3, 3, 10, tzinfo=MOSCOW)
    with pytest.warns(ProvisionalCalendarWarning, match=r"^2031 is a provisional year: "):
        cal.add(start, timedelta(hours=8))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cal.add(start, timedelta(hours=9))  # already said for this calendar
