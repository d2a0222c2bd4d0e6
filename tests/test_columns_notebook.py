"""Columns in a notebook (issue #25): the business-day queries over columns, whenever and
polars instants, and one provisional-years warning per call."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slaclock import Calendar, HorizonError, ProvisionalCalendarWarning
from strategies import calendars, dates

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


# -- business days over columns, against NumPy --------------------------------------------

GB = Calendar(tz="Europe/London", hours="09:00-17:00", holidays="GB")
FIRST, LAST = date(2024, 1, 1), date(2028, 12, 31)


def numpy_calendar(cal: Calendar, weekmask: str) -> Any:
    """NumPy's business-day calendar equal to ``cal`` over FIRST..LAST: ``weekmask`` and,
    as holidays, every day the mask opens that ``cal`` closes. Days the mask closes must
    all be closed in ``cal`` for this to be exact: checked."""
    holidays = []
    day = FIRST
    while day <= LAST:
        works = weekmask[day.weekday()] == "1"
        if works and not cal.is_business_day(day):
            holidays.append(day)
        assert works or not cal.is_business_day(day), day
        day += timedelta(days=1)
    return np.busdaycalendar(weekmask=weekmask, holidays=np.array(holidays, dtype="M8[D]"))


def random_days(seed: int, size: int) -> Any:
    rng = np.random.default_rng(seed)
    lo = np.datetime64(FIRST + timedelta(days=40), "D")
    span = (LAST - FIRST).days - 120  # 40 business days of n stay inside LAST
    return lo + rng.integers(0, span, size=size).astype("m8[D]")


@pytest.mark.parametrize(("cal", "weekmask"), [(GB, "1111100"), (Calendar.russia(), "1111111")],
                         ids=["GB, Monday to Friday", "Russia, working Saturdays"])
def test_business_days_of_a_column_equal_numpys_busday_count(cal: Calendar, weekmask: str) -> None:
    busdays = numpy_calendar(cal, weekmask)
    a, b = random_days(1, 500), random_days(2, 500)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    expected = np.busday_count(lo, hi, busdaycal=busdays)
    counted = cal.business_days(lo, hi)
    assert counted.dtype == np.int64
    np.testing.assert_array_equal(counted, expected)
    # swapping the bounds changes the sign (NumPy shifts its half-open interval instead)
    np.testing.assert_array_equal(cal.business_days(hi, lo), -expected)
    series = cal.business_days(pd.Series(lo), pd.Series(hi))
    assert series.dtype == "Int64"
    np.testing.assert_array_equal(series.to_numpy(dtype=np.int64), expected)


@pytest.mark.parametrize(("cal", "weekmask"), [(GB, "1111100"), (Calendar.russia(), "1111111")],
                         ids=["GB, Monday to Friday", "Russia, working Saturdays"])
def test_add_business_days_of_a_column_equals_numpys_busday_offset(
    cal: Calendar, weekmask: str
) -> None:
    busdays = numpy_calendar(cal, weekmask)
    days = random_days(3, 600)
    n = np.random.default_rng(4).integers(-40, 41, size=days.size)
    # slaclock does not count the start: NumPy's roll backward (n > 0) or forward (n <= 0)
    # then n steps is the same day.
    ahead = np.busday_offset(days, n, roll="backward", busdaycal=busdays)
    back = np.busday_offset(days, n, roll="forward", busdaycal=busdays)
    expected = np.where(n > 0, ahead, back)
    found = cal.add_business_days(days, n)
    assert found.dtype == np.dtype("M8[D]")
    np.testing.assert_array_equal(found, expected)
    np.testing.assert_array_equal(cal.add_business_days(days, 5),
                                  np.busday_offset(days, 5, roll="backward", busdaycal=busdays))


@pytest.mark.parametrize(("cal", "weekmask"), [(GB, "1111100"), (Calendar.russia(), "1111111")],
                         ids=["GB, Monday to Friday", "Russia, working Saturdays"])
def test_is_business_day_of_a_column_equals_numpys_is_busday(cal: Calendar, weekmask: str) -> None:
    busdays = numpy_calendar(cal, weekmask)
    days = np.arange(np.datetime64(FIRST, "D"), np.datetime64(LAST, "D") + 1)
    np.testing.assert_array_equal(cal.is_business_day(days), np.is_busday(days, busdaycal=busdays))


def test_a_series_of_dates_was_refused_and_now_gives_a_series_on_its_index() -> None:
    cal = Calendar.russia()
    opened = pd.Series([date(2026, 4, 28), date(2026, 5, 1), None], index=[101, 102, 103])
    counted = cal.business_days(opened, date(2026, 5, 15))
    assert counted.index.tolist() == [101, 102, 103]
    assert counted.tolist() == [11, 8, pd.NA]
    due = cal.add_business_days(opened, 3)
    assert due.tolist() == [date(2026, 5, 4), date(2026, 5, 6), None]
    assert cal.is_business_day(opened).tolist() == [True, False, pd.NA]


def test_a_datetime_series_counts_its_dates_as_written_or_in_the_calendars_zone() -> None:
    cal = Calendar.russia()
    naive = pd.Series(pd.to_datetime(["2026-05-08 23:30", "2026-05-12 10:00", None]))
    assert cal.is_business_day(naive).tolist() == [True, True, pd.NA]
    due = cal.add_business_days(naive, 1)
    assert due.dtype == naive.dtype
    assert due.tolist()[:2] == [pd.Timestamp("2026-05-12"), pd.Timestamp("2026-05-13")]
    # 2026-05-08 21:30 UTC is already Saturday 9 May (a holiday) in Moscow
    aware = pd.Series(pd.to_datetime(["2026-05-08 21:30"])).dt.tz_localize("UTC")
    assert cal.is_business_day(aware).tolist() == [False]


def test_lists_give_lists_and_a_scalar_beside_a_column_stands_for_every_row() -> None:
    cal = Calendar.russia()
    assert cal.business_days([date(2026, 4, 28), None], date(2026, 5, 15)) == [11, None]
    assert cal.business_days(date(2026, 4, 28), (date(2026, 5, 15), date(2026, 4, 28))) == (
        11, 0)
    assert cal.add_business_days(date(2026, 4, 30), [0, 1, -1]) == [
        date(2026, 4, 30), date(2026, 5, 4), date(2026, 4, 29)]
    assert cal.is_business_day([date(2026, 5, 1), None]) == [False, None]


def test_a_missing_date_in_a_numpy_count_is_refused_and_a_datetime_in_a_list_too() -> None:
    cal = Calendar.russia()
    with pytest.raises(ValueError, match="position 1"):
        cal.business_days(np.array(["2026-05-04", "NaT"], dtype="M8[D]"), date(2026, 6, 1))
    with pytest.raises(TypeError, match=r"start\[0\] must be a datetime.date"):
        cal.business_days([datetime(2026, 5, 4, tzinfo=MOSCOW)], date(2026, 6, 1))
    with pytest.raises(TypeError, match="whole number"):
        cal.add_business_days([date(2026, 5, 4)], [1.5])


def test_a_column_of_dates_that_meets_no_business_day_raises_the_scalar_horizon_error() -> None:
    never = Calendar(tz="UTC", hours={"mon": "closed"})
    with pytest.raises(HorizonError, match="no business day"):
        never.add_business_days(np.array(["2026-05-04"], dtype="M8[D]"), 1)


@settings(max_examples=max(1, settings().max_examples // 3))
@given(
    cal=calendars(),
    days=st.lists(st.one_of(st.none(), dates), min_size=1, max_size=8),
    ends=dates,
    n=st.lists(st.integers(-12, 12), min_size=1, max_size=1),
)
def test_the_column_forms_equal_the_scalar_forms_element_by_element(
    cal: Calendar, days: list[date | None], ends: date, n: list[int]
) -> None:
    present = [d for d in days if d is not None]
    assert cal.is_business_day(days) == [
        None if d is None else cal.is_business_day(d) for d in days]
    assert cal.business_days(days, ends) == [
        None if d is None else cal.business_days(d, ends) for d in days]
    try:
        expected: Any = [None if d is None else cal.add_business_days(d, n[0]) for d in days]
    except HorizonError:
        with pytest.raises(HorizonError):
            cal.add_business_days(days, n[0])
        return
    assert cal.add_business_days(days, n[0]) == expected
    # NumPy and pandas hold the same answers
    array = np.array(present, dtype="M8[D]")
    assert cal.add_business_days(array, n[0]).tolist() == [
        cal.add_business_days(d, n[0]) for d in present]
    series = pd.Series(days, dtype=object)
    assert cal.business_days(series, ends).tolist() == [
        pd.NA if d is None else cal.business_days(d, ends) for d in days]


# -- whenever instants and polars columns -------------------------------------------------


def test_a_whenever_zoned_datetime_is_an_instant_and_answers_in_its_class() -> None:
    whenever = pytest.importorskip("whenever")
    cal = Calendar.russia()
    opened = whenever.ZonedDateTime(2026, 4, 30, 17, 30, tz="Europe/Moscow")
    plain = datetime(2026, 4, 30, 17, 30, tzinfo=MOSCOW)
    due = cal.add(opened, timedelta(hours=24))
    assert isinstance(due, whenever.ZonedDateTime)
    assert due == whenever.ZonedDateTime(2026, 5, 6, 15, tz="Europe/Moscow")
    assert cal.business_time(opened, due) == timedelta(hours=24)
    assert cal.is_open(opened) is False
    assert cal.next_open(opened) == whenever.ZonedDateTime(2026, 5, 4, 9, tz="Europe/Moscow")
    assert cal.previous_close(opened) == whenever.ZonedDateTime(
        2026, 4, 30, 17, 30, tz="Europe/Moscow")
    first = next(iter(cal.periods(opened, due)))
    assert first == (whenever.ZonedDateTime(2026, 5, 4, 9, tz="Europe/Moscow"),
                     whenever.ZonedDateTime(2026, 5, 4, 18, tz="Europe/Moscow"))
    assert cal.add([opened, None], timedelta(hours=24)) == [due, None]
    assert cal.add(plain, timedelta(hours=24)) == datetime(2026, 5, 6, 15, tzinfo=MOSCOW)


def test_a_whenever_instant_and_offset_datetime_are_instants_too() -> None:
    whenever = pytest.importorskip("whenever")
    cal = Calendar.russia()
    instant = whenever.Instant.from_utc(2026, 5, 4, 7)  # 10:00 in Moscow
    offset = whenever.OffsetDateTime.parse_iso("2026-05-04T12:00+05:00")  # 10:00 in Moscow
    assert cal.business_time(instant, offset) == timedelta(0)
    assert cal.add(instant, timedelta(hours=1)) == whenever.Instant.from_utc(2026, 5, 4, 8)
    later = cal.add(offset, timedelta(hours=1))
    assert isinstance(later, whenever.OffsetDateTime)
    assert later == whenever.OffsetDateTime.parse_iso("2026-05-04T13:00+05:00")


def test_a_whenever_plain_datetime_is_refused_naming_assume_tz() -> None:
    whenever = pytest.importorskip("whenever")
    from slaclock import NaiveDatetimeError

    cal = Calendar.russia()
    with pytest.raises(NaiveDatetimeError, match=r"start\.assume_tz\('Europe/Moscow'\)"):
        cal.add(whenever.PlainDateTime(2026, 5, 4, 10), timedelta(hours=1))


def polars_opened() -> Any:
    pl = pytest.importorskip("polars")
    return pl.Series(
        "opened",
        [datetime(2026, 4, 30, 14, 30), None, datetime(2026, 5, 4, 7)],  # UTC
        dtype=pl.Datetime("us", time_zone="Europe/Moscow"),
    )


def test_a_polars_column_with_a_zone_gives_polars_columns_of_the_same_kind() -> None:
    import warnings

    pl = pytest.importorskip("polars")
    cal = Calendar.russia()
    opened = polars_opened()
    as_pandas = opened.to_pandas()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no Datetime64AssumedUTCWarning any more
        due = cal.add(opened, timedelta(hours=8))
        spent = cal.business_time(opened, due)
        open_now = cal.is_open(opened)
    assert isinstance(due, pl.Series)
    assert due.dtype == pl.Datetime("us", time_zone="Europe/Moscow")
    assert due.name == "opened"
    expected = cal.add(as_pandas, timedelta(hours=8))
    assert due.to_list() == [None if pd.isna(x) else x.to_pydatetime() for x in expected]
    assert spent.dtype == pl.Duration("us")
    assert spent.to_list() == [timedelta(hours=8), None, timedelta(hours=8)]
    assert open_now.dtype == pl.Boolean
    assert open_now.to_list() == [False, None, True]


def test_a_naive_polars_column_is_refused_naming_replace_time_zone() -> None:
    from slaclock import NaiveDatetimeError

    naive = polars_opened().dt.replace_time_zone(None)
    with pytest.raises(NaiveDatetimeError, match=r"\.dt\.replace_time_zone\('Europe/Moscow'\)"):
        Calendar.russia().is_open(naive)


def test_a_polars_date_column_counts_business_days_in_polars() -> None:
    pl = pytest.importorskip("polars")
    cal = Calendar.russia()
    days = pl.Series("day", [date(2026, 5, 1), None, date(2026, 5, 4)])
    assert cal.is_business_day(days).to_list() == [False, None, True]
    assert cal.add_business_days(days, 1).to_list() == [date(2026, 5, 4), None, date(2026, 5, 5)]
    counted = cal.business_days(days, date(2026, 5, 15))
    assert counted.dtype == pl.Int64
    assert counted.to_list() == [8, None, 8]


def test_slaclock_imports_neither_polars_nor_whenever_unless_given_one() -> None:
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys, warnings
        from datetime import date, datetime, timedelta
        from zoneinfo import ZoneInfo
        import numpy as np, pandas as pd
        import slaclock, slaclock.pandas
        cal = slaclock.Calendar.russia()
        t = datetime(2026, 5, 4, 10, tzinfo=ZoneInfo("Europe/Moscow"))
        cal.add(t, timedelta(hours=1)); cal.is_open([t]); cal.next_open(t)
        cal.add(pd.Series([t]), timedelta(hours=1))
        cal.business_days(np.array(["2026-05-04"], dtype="M8[D]"), date(2026, 6, 1))
        print(sorted({"polars", "whenever"} & set(sys.modules)))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_a_numpy_date_past_year_9999_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"day holds 10000-01-01, outside the years 1 to 9999"):
        Calendar.russia().is_business_day(np.array(["10000-01-01"], dtype="M8[D]"))


def test_the_pandas_accessor_counts_business_days_between_columns() -> None:
    import slaclock.pandas  # noqa: F401 - registers the accessor

    cal = Calendar.russia()
    frame = pd.DataFrame(
        {"opened": [date(2026, 4, 30), date(2026, 5, 1)], "n": [1, 2]}, index=[7, 8]
    )
    counted = frame.slaclock.business_days("opened", date(2026, 5, 15), calendar=cal)
    assert counted.to_dict() == {7: 9, 8: 8}
    due = frame.slaclock.add_business_days("opened", "n", calendar=cal)
    assert due.tolist() == [date(2026, 5, 4), date(2026, 5, 5)]
    assert frame.slaclock.add_business_days("opened", 1, calendar=cal).tolist() == [
        date(2026, 5, 4), date(2026, 5, 4)]
    assert frame.slaclock.is_business_day("opened", calendar=cal).tolist() == [True, False]
    assert frame["opened"].slaclock.is_business_day(calendar=cal).tolist() == [True, False]
    assert frame["opened"].slaclock.add_business_days(frame["n"], calendar=cal).tolist() == [
        date(2026, 5, 4), date(2026, 5, 5)]
    assert frame["opened"].slaclock.business_days(date(2026, 5, 4), calendar=cal).tolist() == [
        1, 0]


def test_a_nullable_series_of_n_gives_a_missing_date_where_n_is_missing() -> None:
    cal = Calendar.russia()
    n = pd.Series([1, None, -1], dtype="Int64", index=["a", "b", "c"])
    due = cal.add_business_days(date(2026, 4, 30), n)
    assert due.to_dict() == {"a": date(2026, 5, 4), "b": None, "c": date(2026, 4, 29)}
