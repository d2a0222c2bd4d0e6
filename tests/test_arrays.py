"""The array forms of the calendar's queries against the scalar path, element by element."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slaclock
from slaclock import Calendar, HorizonError, NaiveDatetimeError
from strategies import ZONES, calendars, durations, instants

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")

from slaclock.calendars import _vector  # noqa: E402 - needs NumPy, skipped above without it

# NumPy datetime64 arrays are read as UTC on purpose here; the warning has its own test.
pytestmark = pytest.mark.filterwarnings("ignore::slaclock.Datetime64AssumedUTCWarning")

MOSCOW = ZoneInfo("Europe/Moscow")
LONDON = ZoneInfo("Europe/London")
# Each example checks a dozen elements: half the profile's examples (SLACLOCK_EXAMPLES).
EXAMPLES = settings(max_examples=max(1, settings().max_examples // 2))


def us_of(values: list[datetime | None]) -> np.ndarray:
    """UTC microseconds of aware datetimes, NaT for ``None``, as datetime64[us]."""
    out = [
        np.datetime64("NaT", "us") if v is None
        else np.datetime64(v.astimezone(UTC).replace(tzinfo=None), "us")
        for v in values
    ]
    return np.array(out, dtype="M8[us]")


def series_of(values: list[datetime | None], zone: str, index: list[int]) -> pd.Series:
    """The same instants as a tz-aware Series in ``zone``."""
    return pd.Series(us_of(values), index=index).dt.tz_localize("UTC").dt.tz_convert(zone)


def same_instant(x: datetime | None, y: datetime | None) -> bool:
    if x is None or y is None:
        return x is None and y is None
    return x.astimezone(UTC) == y.astimezone(UTC)


def with_gaps(draw: st.DrawFn, values: list[object]) -> list[object]:
    """Some values replaced by ``None`` (a missing value)."""
    return [None if draw(st.integers(0, 5)) == 0 else v for v in values]


columns = st.integers(0, 12)


# -- the scalar path, element by element -------------------------------------------------


@EXAMPLES
@given(calendars(), st.data())
def test_business_time_matches_scalar(cal: Calendar, data: st.DataObject) -> None:
    n = data.draw(columns)
    starts = with_gaps(data.draw, [data.draw(instants()) for _ in range(n)])
    ends = with_gaps(data.draw, [data.draw(instants()) for _ in range(n)])
    expected = [
        None if a is None or b is None else cal.business_time(a, b)
        for a, b in zip(starts, ends, strict=True)
    ]
    assert cal.business_time(starts, ends) == expected

    got = cal.business_time(us_of(starts), us_of(ends))
    assert got.dtype == np.dtype("m8[us]")
    assert got.tolist() == expected

    zone = data.draw(st.sampled_from(ZONES))
    index = list(range(100, 100 + n))
    series = cal.business_time(series_of(starts, zone, index), series_of(ends, zone, index))
    assert series.dtype == np.dtype("m8[us]")
    assert list(series.index) == index
    assert [None if pd.isna(v) else v.to_pytimedelta() for v in series] == expected


@EXAMPLES
@given(calendars(), st.data())
def test_add_matches_scalar(cal: Calendar, data: st.DataObject) -> None:
    if not any(cal.hours.days):
        return
    n = data.draw(columns)
    starts = with_gaps(data.draw, [data.draw(instants()) for _ in range(n)])
    signs = [data.draw(st.sampled_from([1, -1])) for _ in range(n)]
    ds = with_gaps(data.draw, [s * data.draw(durations) for s in signs])
    expected = [
        None if a is None or d is None else cal.add(a, d) for a, d in zip(starts, ds, strict=True)
    ]

    got = cal.add(starts, ds)
    assert all(same_instant(x, y) for x, y in zip(got, expected, strict=True))
    assert all(x is None or x.tzinfo is a.tzinfo for x, a in zip(got, starts, strict=True))

    deltas = np.array(
        [np.timedelta64("NaT", "us") if d is None else np.timedelta64(d, "us") for d in ds],
        dtype="m8[us]",
    )
    array = cal.add(us_of(starts), deltas)
    assert array.dtype == np.dtype("M8[us]")
    assert array.tolist() == [
        None if e is None else e.astimezone(UTC).replace(tzinfo=None) for e in expected
    ]

    zone = data.draw(st.sampled_from(ZONES))
    index = list(range(n))
    series = cal.add(series_of(starts, zone, index), pd.Series(deltas, index=index))
    assert str(series.dtype) == f"datetime64[us, {zone}]"
    assert all(
        same_instant(None if pd.isna(x) else x.to_pydatetime(), y)
        for x, y in zip(series, expected, strict=True)
    )


@EXAMPLES
@given(calendars(), st.data())
def test_is_open_matches_scalar(cal: Calendar, data: st.DataObject) -> None:
    n = data.draw(columns)
    times = with_gaps(data.draw, [data.draw(instants()) for _ in range(n)])
    expected = [None if t is None else cal.is_open(t) for t in times]
    assert cal.is_open(times) == expected
    array = cal.is_open(us_of(times))
    assert array.dtype == np.bool_
    assert array.tolist() == [bool(e) for e in expected]
    series = cal.is_open(series_of(times, "UTC", list(range(n))))
    assert str(series.dtype) == "boolean"
    assert [None if v is pd.NA else v for v in series] == expected


# Ten years of working time on a calendar open a few minutes a week span centuries: the
# warning that a call compiled over 200 years is right there, and not what is tested.
@pytest.mark.filterwarnings("ignore::slaclock.LongCompileWarning")
@EXAMPLES
@given(calendars(), instants(), st.lists(st.integers(-3 * 10**14, 3 * 10**14), max_size=8))
def test_deadlines_beyond_the_compiled_years(cal: Calendar, start: datetime, us: list[int]) -> None:
    """Durations of up to ten years: the timeline grows once per call, as far as needed."""
    if not any(cal.hours.days):
        return
    ds = [timedelta(microseconds=u) for u in us]
    expected = [cal.add(start, d) for d in ds]
    fresh = Calendar(**{f.name.lstrip("_"): getattr(cal, f.name) for f in _fields(cal)})
    got = fresh.add(start, ds)
    assert all(same_instant(x, y) for x, y in zip(got, expected, strict=True))


def _fields(cal: Calendar) -> list[object]:
    import attrs

    return [f for f in attrs.fields(Calendar) if f.init]


@given(
    st.lists(st.integers(0, 10**6), max_size=40, unique=True).map(sorted),
    st.lists(st.integers(0, 10**6), max_size=40),
    st.sampled_from(["left", "right"]),
)
def test_bucket_search_is_searchsorted(keys: list[int], queries: list[int], side: str) -> None:
    array = np.array(keys, dtype=np.int64)
    search = _vector._Search(array, 0, 10**6, side)
    q = np.array(queries, dtype=np.int64)
    assert search(q).tolist() == np.searchsorted(array, q, side=side).tolist()


# -- types, zones and missing values -----------------------------------------------------


@pytest.fixture
def cal() -> Calendar:
    return Calendar(tz="Europe/Moscow", hours="09:00-18:00")


def moscow(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)


def test_numpy_datetime64_is_read_as_utc(cal: Calendar) -> None:
    # 06:00 UTC is 09:00 in Moscow: the desk has just opened.
    times = np.array(["2026-03-02T06:00", "2026-03-02T05:59"], dtype="M8[m]")
    assert cal.is_open(times).tolist() == [True, False]
    assert cal.business_time(times[:1], np.array(["2026-03-02T07:30"], dtype="M8[s]"))[
        0
    ] == np.timedelta64(90, "m")
    deadline = cal.add(times[:1], np.timedelta64(9, "h"))
    assert deadline.tolist() == [datetime(2026, 3, 2, 15, 0)]  # 18:00 in Moscow


def test_nanoseconds_are_floored_like_the_scalar_path(cal: Calendar) -> None:
    stamp = pd.Timestamp("2026-03-02 09:00:00.0000019", tz="Europe/Moscow")
    series = pd.Series([stamp], dtype="datetime64[ns, Europe/Moscow]")
    ends = pd.Series([moscow(2026, 3, 2, 10)], dtype="datetime64[ns, Europe/Moscow]")
    scalar = cal.business_time(stamp, moscow(2026, 3, 2, 10))
    assert cal.business_time(series, ends)[0].to_pytimedelta() == scalar


def test_nat_in_gives_nat_out(cal: Calendar) -> None:
    starts = np.array(["2026-03-02T06:00", "NaT"], dtype="M8[us]")
    ends = np.array(["NaT", "2026-03-02T08:00"], dtype="M8[us]")
    assert np.isnat(cal.business_time(starts, ends)).all()
    assert np.isnat(cal.add(starts, np.array([None, 5], dtype="m8[h]"))).all()
    assert cal.is_open(starts).tolist() == [True, False]
    everything_missing = np.array(["NaT"] * 3, dtype="M8[us]")
    assert np.isnat(cal.business_time(everything_missing, everything_missing)).all()
    series = pd.Series(everything_missing).dt.tz_localize("UTC")
    assert cal.add(series, timedelta(hours=1)).isna().all()
    assert cal.is_open(series).isna().all()


def test_series_results_keep_index_and_zone(cal: Calendar) -> None:
    index = pd.Index(["a", "b"], name="ticket")
    opened = pd.Series(
        [moscow(2026, 3, 2, 17), moscow(2026, 3, 6, 17)], index=index, name="opened"
    ).dt.tz_convert("Asia/Tokyo")
    resolved = pd.Series([moscow(2026, 3, 3, 10), moscow(2026, 3, 9, 10)], index=index)
    spent = cal.business_time(opened, resolved)
    assert spent.index.equals(index)
    assert spent.dtype == np.dtype("m8[us]")
    assert spent.tolist() == [pd.Timedelta(hours=2)] * 2
    deadlines = cal.add(opened, timedelta(hours=2))
    assert deadlines.index.equals(index)
    assert deadlines.name == "opened"
    assert str(deadlines.dtype) == "datetime64[us, Asia/Tokyo]"
    assert deadlines.tolist() == [
        pd.Timestamp("2026-03-03 10:00", tz="Europe/Moscow"),
        pd.Timestamp("2026-03-09 10:00", tz="Europe/Moscow"),
    ]
    assert cal.is_open(opened).tolist() == [True, True]


def test_datetime_index_gives_an_index(cal: Calendar) -> None:
    times = pd.DatetimeIndex([moscow(2026, 3, 2, 8), moscow(2026, 3, 2, 9)])
    assert isinstance(cal.business_time(times, times + pd.Timedelta(hours=2)), pd.TimedeltaIndex)
    deadlines = cal.add(times, timedelta(hours=1))
    assert isinstance(deadlines, pd.DatetimeIndex)
    assert str(deadlines.tz) == "Europe/Moscow"
    assert cal.is_open(times).tolist() == [False, True]


def test_lists_and_tuples_give_lists_and_tuples(cal: Calendar) -> None:
    starts = [moscow(2026, 3, 2, 17), None]
    assert cal.business_time(starts, [moscow(2026, 3, 3, 10)] * 2) == [timedelta(hours=2), None]
    assert cal.add(tuple(starts), timedelta(hours=2)) == (moscow(2026, 3, 3, 10), None)
    assert cal.is_open(starts) == [True, None]


def test_one_value_stands_for_every_row(cal: Calendar) -> None:
    opened = moscow(2026, 3, 2, 9)
    ends = pd.Series([moscow(2026, 3, 2, 10), moscow(2026, 3, 3, 10)], index=[7, 8])
    spent = cal.business_time(opened, ends)
    assert spent.index.tolist() == [7, 8]
    assert spent.tolist() == [pd.Timedelta(hours=1), pd.Timedelta(hours=10)]
    assert cal.add(opened, [timedelta(hours=1), timedelta(hours=9)]) == [
        moscow(2026, 3, 2, 10), moscow(2026, 3, 2, 18)
    ]


def test_pendulum_in_pendulum_out(cal: Calendar) -> None:
    pendulum = pytest.importorskip("pendulum")
    start = pendulum.datetime(2026, 3, 2, 17, tz="Europe/Moscow")
    [deadline] = cal.add([start], [timedelta(hours=2)])
    assert type(deadline) is type(start)
    assert deadline == moscow(2026, 3, 3, 10)


# -- refusals --------------------------------------------------------------------------


def test_naive_series_is_refused(cal: Calendar) -> None:
    naive = pd.Series(pd.to_datetime(["2026-03-02 09:00"]))
    aware = naive.dt.tz_localize("Europe/Moscow")
    with pytest.raises(NaiveDatetimeError, match=r"starts is a pandas Series.*tz_localize"):
        cal.business_time(naive, aware)
    with pytest.raises(NaiveDatetimeError, match="ends"):
        cal.business_time(aware, naive)
    with pytest.raises(NaiveDatetimeError):
        cal.add(pd.DatetimeIndex(naive), timedelta(hours=1))
    with pytest.raises(NaiveDatetimeError):
        cal.is_open(naive)


def test_naive_datetime_in_a_list_is_refused(cal: Calendar) -> None:
    with pytest.raises(NaiveDatetimeError, match=r"starts\[1\]"):
        cal.business_time([moscow(2026, 3, 2), datetime(2026, 3, 2)], [moscow(2026, 3, 3)] * 2)


def test_columns_of_other_things_are_refused(cal: Calendar) -> None:
    with pytest.raises(TypeError, match="datetime64"):
        cal.is_open(np.array([1, 2]))
    with pytest.raises(TypeError, match="timedelta"):
        cal.add(np.array(["2026-03-02"], dtype="M8[D]"), np.array([3600]))
    with pytest.raises(TypeError, match=r"pd\.to_datetime"):
        cal.is_open(pd.Series(["2026-03-02 09:00"]))


def test_lengths_and_indexes_must_agree(cal: Calendar) -> None:
    times = np.array(["2026-03-02T06:00"] * 3, dtype="M8[us]")
    with pytest.raises(ValueError, match="different lengths"):
        cal.business_time(times, times[:2])
    a = pd.Series(times, index=[1, 2, 3]).dt.tz_localize("UTC")
    b = pd.Series(times, index=[3, 2, 1]).dt.tz_localize("UTC")
    with pytest.raises(ValueError, match="different indexes"):
        cal.business_time(a, b)


def test_a_calendar_that_never_opens_raises_horizon_error() -> None:
    closed = Calendar(tz="UTC", hours={"mon": "closed"})
    times = np.array(["2026-03-02T06:00"], dtype="M8[us]")
    assert cal_business_time_zero(closed, times)
    with pytest.raises(HorizonError):
        closed.add(times, np.timedelta64(1, "h"))


def cal_business_time_zero(cal: Calendar, times: np.ndarray) -> bool:
    # A timedelta64 compares with a timedelta64: a bare 0 would be NumPy's "generic" unit,
    # deprecated in NumPy 2.5.
    zero = np.timedelta64(0, "us")
    return bool((cal.business_time(times, times + np.timedelta64(1000, "D")) == zero).all())


def test_instants_past_year_9999_raise_horizon_error(cal: Calendar) -> None:
    with pytest.raises(HorizonError):
        cal.business_time(np.array(["2026-01-01"], dtype="M8[us]"),
                          np.array(["12000-01-01"], dtype="M8[us]"))
    with pytest.raises(HorizonError):
        cal.is_open(np.array(["-0001-01-01"], dtype="M8[us]"))


def test_without_numpy_the_scalar_api_works_and_arrays_say_what_to_install() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["numpy"] = None
        from datetime import UTC, datetime, timedelta
        import slaclock
        cal = slaclock.Calendar(tz="UTC", hours="09:00-18:00")
        t = datetime(2026, 3, 2, 9, tzinfo=UTC)
        assert cal.add(t, timedelta(hours=1)) == datetime(2026, 3, 2, 10, tzinfo=UTC)
        try:
            cal.add([t], timedelta(hours=1))
        except ModuleNotFoundError as error:
            assert "pip install 'slaclock[pandas]'" in str(error), error
        else:
            raise AssertionError("no error")
        assert not hasattr(slaclock, "no_such_name")
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


# -- the accessor ----------------------------------------------------------------------


@pytest.fixture
def tickets() -> pd.DataFrame:
    index = pd.Index([101, 102, 103], name="ticket")
    frame = pd.DataFrame(
        {
            "opened": [moscow(2026, 3, 2, 17), moscow(2026, 3, 6, 17, 30), None],
            "first_response": [moscow(2026, 3, 3, 10), moscow(2026, 3, 9, 9, 30), None],
            "sla": [timedelta(hours=4), timedelta(hours=-1), timedelta(hours=1)],
        },
        index=index,
    )
    frame["opened"] = frame["opened"].astype("datetime64[us, Europe/Moscow]")
    frame["first_response"] = frame["first_response"].astype("datetime64[us, Europe/Moscow]")
    return frame


def test_frame_accessor(cal: Calendar, tickets: pd.DataFrame) -> None:
    import slaclock.pandas  # noqa: F401 - registers the accessor

    spent = tickets.slaclock.business_time("opened", "first_response", calendar=cal)
    assert spent.index.equals(tickets.index)
    assert spent.tolist()[:2] == [pd.Timedelta(hours=2), pd.Timedelta(hours=1)]
    assert pd.isna(spent.iloc[2])
    deadlines = tickets.slaclock.add("opened", "sla", calendar=cal)
    assert deadlines.tolist()[:2] == [
        pd.Timestamp("2026-03-03 12:00", tz="Europe/Moscow"),
        pd.Timestamp("2026-03-06 16:30", tz="Europe/Moscow"),
    ]
    fixed = tickets.slaclock.add("opened", timedelta(hours=1), calendar=cal)
    assert fixed.iloc[0] == pd.Timestamp("2026-03-02 18:00", tz="Europe/Moscow")
    assert tickets.slaclock.is_open("opened", calendar=cal).tolist() == [True, True, pd.NA]
    with pytest.raises(TypeError, match="calendar"):
        tickets.slaclock.is_open("opened", calendar="Europe/Moscow")


def test_series_accessor(cal: Calendar, tickets: pd.DataFrame) -> None:
    import slaclock.pandas  # noqa: F401 - registers the accessor

    opened = tickets["opened"]
    assert opened.slaclock.business_time(tickets["first_response"], calendar=cal).equals(
        cal.business_time(opened, tickets["first_response"])
    )
    assert opened.slaclock.add(tickets["sla"], calendar=cal).equals(cal.add(opened, tickets["sla"]))
    assert opened.slaclock.is_open(calendar=cal).equals(cal.is_open(opened))


def test_lazy_module_lookup_is_unaffected() -> None:
    with pytest.raises(AttributeError):
        _ = slaclock.no_such_name
