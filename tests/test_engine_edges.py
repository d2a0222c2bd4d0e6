"""The engine at its edges: hand-computed cases for each rule decided in issue 13."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest

from slaclock import Calendar, ConfigError, HorizonError, WeeklyHours

H = timedelta(hours=1)
MOSCOW = ZoneInfo("Europe/Moscow")
JERUSALEM = ZoneInfo("Asia/Jerusalem")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def moscow(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)


NINE_TO_SIX = Calendar(tz="Europe/Moscow", hours="09:00-18:00")

# -- silent wrong answers ------------------------------------------------------------------


def test_is_open_at_the_first_microsecond_of_a_year_not_yet_compiled() -> None:
    cal = Calendar.always("UTC")
    assert cal.is_open(utc(2026, 6, 1))  # compiles 2026 only
    assert cal.is_open(utc(2027, 1, 1))
    assert cal.business_time(utc(2026, 12, 31, 23), utc(2027, 1, 1, 1)) == 2 * H


def test_is_open_array_at_the_first_microsecond_of_a_year_not_yet_compiled() -> None:
    np = pytest.importorskip("numpy")
    cal = Calendar.always("UTC")
    assert cal.is_open(utc(2026, 6, 1))
    times = np.array(["2027-01-01T00:00"], dtype="M8[us]")
    with pytest.warns(Warning, match="reads it as UTC"):
        assert cal.is_open(times).tolist() == [True]


def test_weekday_range_sun_thu_wraps_through_the_weekend() -> None:
    cal = Calendar(tz="Asia/Jerusalem", hours={"sun-thu": "09:00-17:00"})
    assert [bool(d) for d in cal.hours.days] == [True, True, True, True, False, False, True]
    # Thursday 16:00 plus two hours: one on Thursday, one on Sunday (Friday, Saturday off).
    thursday = datetime(2026, 3, 5, 16, tzinfo=JERUSALEM)
    assert cal.add(thursday, 2 * H) == datetime(2026, 3, 8, 10, tzinfo=JERUSALEM)


def test_weekday_range_fri_mon_runs_forward() -> None:
    cal = Calendar(tz="UTC", hours={"fri-mon": "10:00-12:00"})
    assert [bool(d) for d in cal.hours.days] == [True, False, False, False, True, True, True]


def test_weekly_hours_built_directly_are_validated() -> None:
    with pytest.raises(ConfigError, match="seven days"):
        WeeklyHours(((),) * 6)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="overlap"):
        WeeklyHours((((540, 800), (700, 900)), (), (), (), (), (), ()))
    with pytest.raises(ConfigError, match="interval of a day"):
        WeeklyHours((((600, 500),), (), (), (), (), (), ()))
    with pytest.raises(ConfigError, match="runs into"):
        WeeklyHours((((1320, 2000),), ((540, 600),), (), (), (), (), ()))
    ok = WeeklyHours((((540, 1080),), (), (), (), (), (), ()))
    assert Calendar(tz="UTC", hours=ok).hours == ok


def test_machine_zone_localtime_is_refused() -> None:
    with pytest.raises(ConfigError, match="depends on the machine"):
        Calendar(tz="localtime", hours="09:00-18:00")


@pytest.mark.parametrize(
    ("tz", "hint"),
    [
        (timezone(timedelta(hours=5, minutes=30)), "Asia/Kolkata"),
        (timezone(timedelta(hours=-5)), "Etc/GMT+5"),
        ("+03:00", "Etc/GMT-3"),
        (UTC, "'UTC'"),
    ],
)
def test_fixed_offset_zone_is_refused_naming_the_iana_zone(tz: object, hint: str) -> None:
    with pytest.raises(ConfigError, match="fixed UTC offset") as caught:
        Calendar(tz=tz, hours="09:00-18:00")  # type: ignore[arg-type]
    assert hint in str(caught.value)


def test_a_zoneinfo_object_is_taken_by_its_name() -> None:
    assert Calendar(tz=MOSCOW, hours="09:00-18:00").tz == "Europe/Moscow"  # type: ignore[arg-type]


# -- the timeline owns its growth ------------------------------------------------------------


def test_a_far_query_compiles_only_its_own_year() -> None:
    cal = Calendar(tz="Europe/Moscow", hours="09:00-18:00")
    cal.is_open(moscow(2026, 3, 2, 10))
    cal.is_open(moscow(2526, 3, 2, 10))
    tl = cal._compiled
    assert tl.compiled == 2
    assert [c.year for c in tl.chunks()] == [2026, 2526]
    tl._check()


def test_working_time_between_far_years_comes_from_year_totals() -> None:
    cal = Calendar(tz="UTC", hours="09:00-18:00")
    weekdays = sum(
        (date(2026, 1, 1) + timedelta(days=k)).weekday() < 5
        for k in range((date(2126, 1, 1) - date(2026, 1, 1)).days)
    )
    assert cal.business_time(utc(2026, 1, 1), utc(2126, 1, 1)) == 9 * H * weekdays
    tl = cal._compiled
    assert [c.year for c in tl.chunks()] == [2026, 2126]  # the years between keep no intervals
    # A year takes the total of the first year alike (the same weekday of 1 January and
    # length, 14 kinds, in a zone that keeps one offset) without being compiled.
    compiled = tl.compiled
    assert compiled < 20
    assert cal.business_time(utc(2030, 1, 1), utc(2100, 1, 1)) > timedelta(0)
    # 2030 and 2100 are compiled again for their intervals; the 69 years between are read
    # from their totals.
    assert tl.compiled == compiled + 2


# -- fail fast -----------------------------------------------------------------------------------


def test_a_combined_calendar_that_never_opens_fails_fast() -> None:
    never = NINE_TO_SIX & Calendar(tz="America/Los_Angeles", hours="09:00-18:00")
    with pytest.raises(HorizonError, match="never opens"):
        never.add(utc(2026, 3, 2, 10), H)
    with pytest.raises(HorizonError, match="never opens"):
        never.add(utc(2026, 3, 2, 10), -H)
    # The weekly hours proved it after one closed year each way, not 50 years of searching.
    assert never._compiled.compiled <= 4


def test_a_calendar_minus_24_7_never_opens_and_fails_fast() -> None:
    never = NINE_TO_SIX - Calendar.always()
    with pytest.raises(HorizonError, match="never opens"):
        never.add(utc(2026, 3, 2, 10), H)
    assert never._compiled.compiled <= 2


def test_hours_only_on_override_dates_stop_after_the_last_one() -> None:
    cal = Calendar(tz="UTC", hours="closed", overrides={date(2026, 5, 1): "09:00-10:00"})
    assert cal.add(utc(2026, 3, 2), timedelta(minutes=30)) == utc(2026, 5, 1, 9, 30)
    with pytest.raises(HorizonError, match="never opens"):
        cal.add(utc(2026, 3, 2), 2 * H)
    assert cal._compiled.compiled <= 2


def test_timedelta_max_is_refused_before_any_search() -> None:
    cal = Calendar(tz="UTC", hours="09:00-18:00")
    with pytest.raises(HorizonError, match="longer than"):
        cal.add(utc(2026, 3, 2), timedelta.max)
    with pytest.raises(HorizonError, match="longer than"):
        cal.subtract(utc(2026, 3, 2), timedelta.max)
    with pytest.raises(HorizonError):
        cal.subtract(utc(2026, 3, 2), timedelta.min)
    assert cal._compiled.compiled == 0


# -- the edges of time ---------------------------------------------------------------------


def test_near_year_9999_results_raise_horizon_error_not_overflow() -> None:
    last = datetime(9999, 12, 31, 20, tzinfo=MOSCOW)
    with pytest.raises(HorizonError):
        NINE_TO_SIX.add(last, 10 * H)
    with pytest.raises(HorizonError):
        NINE_TO_SIX.next_open(last)
    assert NINE_TO_SIX.next_close(last) is None
    # The opening exists in UTC but cannot be written in Tokyo (past 9999-12-31 there).
    evenings = Calendar(tz="America/New_York", hours={"mon-sun": "19:00-20:00"})
    with pytest.raises(HorizonError):
        evenings.next_open(datetime(9999, 12, 31, 22, tzinfo=ZoneInfo("Asia/Tokyo")))
    with pytest.raises(HorizonError):
        evenings.next_close(datetime(9999, 12, 31, 22, tzinfo=ZoneInfo("Asia/Tokyo")))


def test_near_year_1_results_raise_horizon_error_not_overflow() -> None:
    with pytest.raises(HorizonError):
        NINE_TO_SIX.subtract(utc(1, 1, 2, 12), 30 * H)
    with pytest.raises(HorizonError):
        NINE_TO_SIX.previous_open(utc(1, 1, 1, 1))


def test_summary_of_year_9999_is_a_table() -> None:
    summary = Calendar(tz="UTC", hours="09:00-18:00").summary(9999)
    assert summary.total.working_days == 261
    assert summary.months[-1].last == date(9999, 12, 31)


# -- threads ---------------------------------------------------------------------------------


def _compile_from_sixteen_threads(shared: object) -> None:
    calendars = [Calendar(tz="Europe/London", hours="09:00-17:00", holidays=shared)
                 for _ in range(16)]
    errors: list[BaseException] = []
    results: list[timedelta] = []
    barrier = threading.Barrier(16)

    def work(cal: Calendar) -> None:
        try:
            barrier.wait()
            results.append(cal.business_time(utc(1990, 1, 1), utc(2030, 1, 1)))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(cal,)) for cal in calendars]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1


def test_a_shared_holidays_object_compiles_from_many_threads() -> None:
    # Without the lock a round fails more often than not (dictionary changed size during
    # iteration); three rounds, each with a fresh object that fills itself in year by year.
    for _ in range(3):
        _compile_from_sixteen_threads(holidays.country_holidays("GB"))


# -- before and after ----------------------------------------------------------------------


def test_previous_open_on_saturday_noon_is_fridays_closing() -> None:
    assert NINE_TO_SIX.previous_open(moscow(2026, 3, 7, 12)) == moscow(2026, 3, 6, 18)


def test_previous_open_while_open_and_at_the_bounds_is_the_instant_itself() -> None:
    assert NINE_TO_SIX.previous_open(moscow(2026, 3, 4, 12)) == moscow(2026, 3, 4, 12)
    assert NINE_TO_SIX.previous_open(moscow(2026, 3, 4, 9)) == moscow(2026, 3, 4, 9)
    assert NINE_TO_SIX.previous_open(moscow(2026, 3, 4, 18)) == moscow(2026, 3, 4, 18)
    assert NINE_TO_SIX.previous_open(moscow(2026, 3, 4, 8)) == moscow(2026, 3, 3, 18)


def test_previous_open_of_a_closed_calendar_is_a_horizon_error() -> None:
    with pytest.raises(HorizonError, match="50 years"):
        Calendar(tz="UTC", hours="closed").previous_open(utc(2026, 1, 1))


def test_previous_close_while_open_is_the_opening_and_while_closed_the_instant() -> None:
    assert NINE_TO_SIX.previous_close(moscow(2026, 3, 4, 12)) == moscow(2026, 3, 4, 9)
    assert NINE_TO_SIX.previous_close(moscow(2026, 3, 4, 9)) == moscow(2026, 3, 4, 9)
    assert NINE_TO_SIX.previous_close(moscow(2026, 3, 7, 12)) == moscow(2026, 3, 7, 12)
    assert Calendar.always().previous_close(utc(2026, 1, 1)) is None


def test_previous_close_of_a_night_shift_across_new_year() -> None:
    nights = Calendar(tz="UTC", hours={"mon-sun": "22:00-06:00"})
    assert nights.previous_close(utc(2027, 1, 1, 3)) == utc(2026, 12, 31, 22)
    assert nights.next_close(utc(2026, 12, 31, 23)) == utc(2027, 1, 1, 6)


def test_periods_walk_backwards_latest_first() -> None:
    got = list(NINE_TO_SIX.periods(moscow(2026, 3, 7), moscow(2026, 3, 5, 12)))
    assert got == [
        (moscow(2026, 3, 6, 9), moscow(2026, 3, 6, 18)),
        (moscow(2026, 3, 5, 12), moscow(2026, 3, 5, 18)),
    ]


def test_periods_of_a_night_shift_come_whole_across_new_year() -> None:
    nights = Calendar(tz="UTC", hours={"mon-sun": "22:00-06:00"})
    got = list(nights.periods(utc(2026, 12, 31, 12), utc(2027, 1, 1, 12)))
    assert got == [(utc(2026, 12, 31, 22), utc(2027, 1, 1, 6))]


def test_an_array_with_one_stray_far_date_warns_of_a_long_compile() -> None:
    np = pytest.importorskip("numpy")
    from slaclock import Datetime64AssumedUTCWarning, LongCompileWarning

    cal = Calendar(tz="UTC", hours="09:00-18:00")
    times = np.array(["2026-03-02T10:00", "2400-03-02T10:00"], dtype="M8[us]")
    with pytest.warns(Datetime64AssumedUTCWarning), pytest.warns(LongCompileWarning):
        assert cal.is_open(times).tolist() == [True, True]


def test_two_datetime64_arrays_give_one_warning_pointing_at_the_caller() -> None:
    np = pytest.importorskip("numpy")
    import warnings

    from slaclock import Datetime64AssumedUTCWarning

    times = np.array(["2026-03-02T10:00"], dtype="M8[us]")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NINE_TO_SIX.business_time(times, times)
    assert [w.category for w in caught] == [Datetime64AssumedUTCWarning]
    assert "starts and ends" in str(caught[0].message)
    assert caught[0].filename == __file__


def test_threads_asking_for_years_in_any_order_compile_each_year_once() -> None:
    cal = Calendar.russia("09:00-13:00, 14:00-18:00")
    years = list(range(2013, 2027))  # the published years: no provisional warning
    barrier = threading.Barrier(8)
    answers: dict[int, list[bool]] = {}

    def work(k: int) -> None:
        barrier.wait()
        order = years[k:] + years[:k] if k % 2 else years[::-1]
        answers[k] = [cal.is_open(moscow(y, 6, 1 + k % 3, 11)) for y in order]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 8
    assert cal._compiled.compiled == len(years)
    cal._compiled._check()


def test_arrays_in_a_far_year_after_a_near_one_compile_only_the_far_year() -> None:
    np = pytest.importorskip("numpy")
    import warnings

    from slaclock import Datetime64AssumedUTCWarning

    cal = Calendar(tz="UTC", hours="09:00-18:00")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Datetime64AssumedUTCWarning)
        assert cal.is_open(np.array(["2026-03-02T10:00"], dtype="M8[us]")).tolist() == [True]
        saturday_and_monday = np.array(["2526-03-02T10:00", "2526-03-04T10:00"], dtype="M8[us]")
        assert cal.is_open(saturday_and_monday).tolist() == [False, True]
    assert cal._compiled.compiled == 2
