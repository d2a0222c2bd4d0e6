"""Named, hand-computed cases for the calendar's rules and the arithmetic's semantics."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pendulum
import pytest
import pytz

from slaclock import (
    Calendar,
    ConfigError,
    HorizonError,
    LongCompileWarning,
    NaiveDatetimeError,
    ProvisionalCalendarWarning,
    SlaclockError,
    WeeklyHours,
)

UTC = UTC
NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)


def ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


NINE_TO_SIX = Calendar(tz="America/New_York", hours="09:00-18:00")


# -- the deadline rule --------------------------------------------------------------------


def test_deadline_at_closing_time_is_closing_time_not_next_opening() -> None:
    assert NINE_TO_SIX.add(ny(2026, 3, 4, 17), H) == ny(2026, 3, 4, 18)


def test_deadline_from_closed_time_starts_counting_at_opening() -> None:
    assert NINE_TO_SIX.add(ny(2026, 3, 4, 20), H) == ny(2026, 3, 5, 10)


def test_deadline_over_a_weekend() -> None:
    assert NINE_TO_SIX.add(ny(2026, 3, 6, 17), 2 * H) == ny(2026, 3, 9, 10)


def test_zero_duration_returns_start_itself() -> None:
    start = ny(2026, 3, 7, 12)  # a Saturday: closed
    assert NINE_TO_SIX.add(start, timedelta(0)) is start


def test_negative_duration_goes_back_to_the_latest_instant() -> None:
    # One hour before Monday 09:00 is Friday 17:00; exactly a day back from Monday 09:00
    # is Friday 09:00 (the latest instant from which 9 hours lead to Monday 09:00).
    assert NINE_TO_SIX.add(ny(2026, 3, 9, 9), -H) == ny(2026, 3, 6, 17)
    assert NINE_TO_SIX.subtract(ny(2026, 3, 9, 9), 9 * H) == ny(2026, 3, 6, 9)


def test_business_time_is_negative_backwards() -> None:
    assert NINE_TO_SIX.business_time(ny(2026, 3, 5, 10), ny(2026, 3, 4, 17)) == -2 * H


def test_exact_to_the_microsecond() -> None:
    start = ny(2026, 3, 4, 17, 59, 59, 999_999)
    d = timedelta(microseconds=3)
    deadline = NINE_TO_SIX.add(start, d)
    assert deadline == ny(2026, 3, 5, 9, 0, 0, 2)
    assert NINE_TO_SIX.business_time(start, deadline) == d


def test_result_comes_back_in_the_zone_of_the_input() -> None:
    start = utc(2026, 3, 4, 22)  # 17:00 in New York
    deadline = NINE_TO_SIX.add(start, H)
    assert deadline.tzinfo is UTC
    assert deadline == utc(2026, 3, 4, 23)


def test_pytz_and_pendulum_inputs() -> None:
    start = pytz.timezone("America/New_York").localize(datetime(2026, 3, 6, 17))
    deadline = NINE_TO_SIX.add(start, 2 * H)
    assert deadline == ny(2026, 3, 9, 10)
    assert deadline.utcoffset() == timedelta(hours=-4)  # EDT after the switch
    p = pendulum.datetime(2026, 3, 6, 17, tz="America/New_York")
    result = NINE_TO_SIX.add(p, pendulum.duration(hours=2))
    assert isinstance(result, pendulum.DateTime)
    assert result == ny(2026, 3, 9, 10)


def test_naive_datetime_is_refused_with_a_fix() -> None:
    with pytest.raises(NaiveDatetimeError, match="Attach a time zone") as info:
        NINE_TO_SIX.business_time(datetime(2026, 3, 4, 9), ny(2026, 3, 4, 10))
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, SlaclockError)
    assert "start" in str(info.value)


def test_a_date_is_not_an_instant() -> None:
    with pytest.raises(TypeError, match="aware datetime"):
        NINE_TO_SIX.is_open(date(2026, 3, 4))  # type: ignore[arg-type]


# -- hours: breaks, overnight shifts, per-weekday ---------------------------------------


def test_lunch_break_is_not_working_time() -> None:
    cal = Calendar(tz="UTC", hours="09:00-13:00, 14:00-18:00")
    assert cal.add(utc(2026, 3, 4, 12, 30), H) == utc(2026, 3, 4, 14, 30)
    assert not cal.is_open(utc(2026, 3, 4, 13, 30))


def test_overnight_shift_belongs_to_the_day_it_starts_on() -> None:
    cal = Calendar(tz="UTC", hours={"mon-fri": "22:00-06:00"})
    # Friday's shift runs into Saturday morning; Saturday evening is closed.
    assert cal.is_open(utc(2026, 3, 7, 5, 59))
    assert not cal.is_open(utc(2026, 3, 7, 22))
    assert not cal.is_open(utc(2026, 3, 9, 3))  # Sunday's night: no shift started Sunday
    assert cal.is_business_day(date(2026, 3, 6))
    assert not cal.is_business_day(date(2026, 3, 7))


def test_different_hours_per_weekday() -> None:
    cal = Calendar(tz="UTC", hours={"mon-thu": "09:00-18:00", "fri": "09:00-16:45"})
    assert cal.next_close(utc(2026, 3, 6, 10)) == utc(2026, 3, 6, 16, 45)
    assert cal.business_time(utc(2026, 3, 2), utc(2026, 3, 9)) == timedelta(hours=43, minutes=45)


def test_always_is_open_at_every_instant_and_never_closes() -> None:
    cal = Calendar.always()
    start = utc(2026, 1, 1)
    assert cal.add(start, timedelta(days=400)) == start + timedelta(days=400)
    assert cal.next_close(start) is None


# -- dated rules and their precedence ------------------------------------------------------


def test_precedence_of_dated_rules() -> None:
    d = date(2026, 12, 31)  # Thursday
    cal = Calendar(
        tz="UTC", hours="09:00-18:00", holidays=[d, date(2026, 12, 30)],
        working_days=[date(2026, 12, 26), date(2026, 12, 30)],
        shortened={date(2026, 12, 29): 90, date(2026, 12, 26): 60},
        overrides={d: "09:00-15:00"},
    )
    assert cal.day_hours(d) == ((540, 900),)  # override beats the holiday
    assert cal.day_hours(date(2026, 12, 30)) == ((540, 1080),)  # working day beats holiday
    assert cal.day_hours(date(2026, 12, 26)) == ((540, 1020),)  # worked Saturday, shortened
    assert cal.day_hours(date(2026, 12, 29)) == ((540, 990),)


def test_shortening_eats_into_earlier_intervals() -> None:
    cal = Calendar(tz="UTC", hours="09:00-13:00, 14:00-14:30", shortened={date(2026, 3, 4): 60})
    assert cal.day_hours(date(2026, 3, 4)) == ((540, 750),)


def test_country_holidays_with_subdivision() -> None:
    ca = Calendar(tz="America/Los_Angeles", hours="09:00-17:00", holidays="US-CA")
    us = Calendar(tz="America/Los_Angeles", hours="09:00-17:00", holidays="US")
    cesar_chavez = date(2026, 3, 31)
    assert not ca.is_business_day(cesar_chavez)
    assert us.is_business_day(cesar_chavez)


def test_holidays_object_is_used_as_given() -> None:
    import holidays

    gb = holidays.country_holidays("GB", subdiv="SCT")
    cal = Calendar(tz="Europe/London", hours="09:00-17:00", holidays=gb)
    assert not cal.is_business_day(date(2026, 1, 2))  # 2 January, a Scottish holiday


def test_business_days_and_offsets() -> None:
    cal = Calendar(tz="UTC", hours="09:00-18:00", holidays=[date(2026, 3, 9)])
    assert cal.business_days(date(2026, 3, 2), date(2026, 3, 16)) == 9
    assert cal.business_days(date(2026, 3, 16), date(2026, 3, 2)) == -9
    assert cal.add_business_days(date(2026, 3, 6), 1) == date(2026, 3, 10)
    assert cal.add_business_days(date(2026, 3, 10), -1) == date(2026, 3, 6)
    assert cal.add_business_days(date(2026, 3, 7), 0) == date(2026, 3, 10)


# -- combining --------------------------------------------------------------------------


def test_desk_hours_within_customer_hours() -> None:
    desk = Calendar(tz="Europe/Moscow", hours="09:00-18:00")
    customer = Calendar(tz="Asia/Yekaterinburg", hours="09:00-18:00")  # two hours ahead
    both = desk & customer
    assert both.business_time(utc(2026, 3, 4), utc(2026, 3, 5)) == 7 * H
    either = desk | customer
    assert either.business_time(utc(2026, 3, 4), utc(2026, 3, 5)) == 11 * H
    lunch = Calendar(tz="Europe/Moscow", hours="13:00-14:00")
    assert (desk - lunch).business_time(utc(2026, 3, 4), utc(2026, 3, 5)) == 8 * H
    assert (desk - lunch).is_business_day(date(2026, 3, 4))
    assert not (desk - lunch).is_business_day(date(2026, 3, 7))


# -- DST: the named situations -------------------------------------------------------------
# New York, 2024: clocks go 02:00 -> 03:00 on 10 March, 02:00 -> 01:00 on 3 November.


def test_dst_start_bound_in_spring_gap_moves_to_the_transition() -> None:
    cal = Calendar(tz="America/New_York", hours={"sun": "02:30-10:00"})
    assert cal.next_open(ny(2024, 3, 10, 0)) == ny(2024, 3, 10, 3)
    assert cal.business_time(ny(2024, 3, 10), ny(2024, 3, 11)) == 7 * H


def test_dst_end_bound_in_spring_gap_moves_to_the_transition() -> None:
    cal = Calendar(tz="America/New_York", hours={"sun": "00:00-02:30"})
    assert cal.next_close(ny(2024, 3, 10, 1)) == ny(2024, 3, 10, 3)
    assert cal.business_time(ny(2024, 3, 10), ny(2024, 3, 11)) == 2 * H


def test_dst_autumn_fold_start_first_occurrence_end_second() -> None:
    cal = Calendar(tz="America/New_York", hours={"sun": "01:00-01:30"})
    assert cal.next_open(ny(2024, 11, 3, 0)) == ny(2024, 11, 3, 1, fold=0)
    assert cal.business_time(ny(2024, 11, 3), ny(2024, 11, 4)) == timedelta(minutes=90)
    closing = cal.next_close(ny(2024, 11, 3, 0))
    assert closing is not None
    # (Python compares an instant in a fold as unequal to any other zone's: compare in UTC.)
    assert closing.astimezone(UTC) == utc(2024, 11, 3, 6, 30)  # the second 01:30, EST
    assert closing.fold == 1


def test_dst_whole_day_lasts_23_and_25_hours() -> None:
    cal = Calendar.always("America/New_York")
    day = timedelta(days=1)
    assert cal.business_time(ny(2024, 3, 10), ny(2024, 3, 11)) == day - H
    assert cal.business_time(ny(2024, 11, 3), ny(2024, 11, 4)) == day + H


def test_dst_office_hours_keep_their_wall_clock() -> None:
    assert NINE_TO_SIX.add(ny(2024, 3, 8, 17), 2 * H) == ny(2024, 3, 11, 10)
    assert NINE_TO_SIX.business_time(ny(2024, 3, 8, 9), ny(2024, 3, 11, 18)) == 18 * H


def test_lord_howe_half_hour_shift() -> None:
    zone = ZoneInfo("Australia/Lord_Howe")  # 6 October 2024: 02:00 -> 02:30
    cal = Calendar(tz="Australia/Lord_Howe", hours={"sun": "02:00-03:00"})
    day = datetime(2024, 10, 6, tzinfo=zone)
    assert cal.business_time(day, day + timedelta(days=1)) == timedelta(minutes=30)


def test_kathmandu_quarter_hour_offset() -> None:
    cal = Calendar(tz="Asia/Kathmandu", hours="09:00-18:00")
    assert cal.next_open(utc(2026, 3, 4)) == utc(2026, 3, 4, 3, 15)


# -- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"tz": "Mars/Olympus", "hours": "09:00-18:00"}, "tz", "IANA"),
        ({"tz": "UTC", "hours": "09:00-25:00"}, "hours", "not a time of day"),
        ({"tz": "UTC", "hours": "9-18"}, "hours", "not a time"),
        ({"tz": "UTC", "hours": "09:00-13:00, 12:00-18:00"}, "hours", "overlap"),
        ({"tz": "UTC", "hours": "09:00-09:00"}, "hours", "empty"),
        ({"tz": "UTC", "hours": {"mon-fry": "09:00-18:00"}}, "hours", "unknown weekday"),
        ({"tz": "UTC", "hours": {"mon": "09:00-18:00", "mon-tue": "10:00-11:00"}}, "hours",
         "twice"),
        ({"tz": "UTC", "hours": {"mon": "20:00-10:00", "tue": "09:00-18:00"}}, "hours",
         "runs into"),
        ({"tz": "UTC", "hours": "09:00-18:00", "holidays": "XX"}, "holidays", "country"),
        ({"tz": "UTC", "hours": "09:00-18:00", "holidays": "US-ZZ"}, "holidays", "subdivision"),
        ({"tz": "UTC", "hours": "09:00-18:00", "days_off": [datetime(2026, 1, 1)]}, "days_off",
         "datetime.date"),
        ({"tz": "UTC", "hours": "09:00-18:00", "shortened": {date(2026, 1, 1): 0}},
         "shortened", "minutes"),
        ({"tz": "UTC", "hours": "09:00-18:00", "overrides": {date(2026, 1, 1): "9"}},
         "overrides[2026-01-01]", "not"),
        ({"tz": "UTC", "hours": "09:00-18:00", "days_off": [date(2026, 1, 3)],
          "working_days": [date(2026, 1, 3)]}, "working_days", "days_off too"),
    ],
)
def test_invalid_calendars_name_the_field_and_value(kwargs, field, words) -> None:
    with pytest.raises(ConfigError, match=words) as info:
        Calendar(**kwargs)
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_hours_round_trip_through_text() -> None:
    week = WeeklyHours.parse({"mon-thu": "09:00-13:00, 14:00-18:00", "fri": "22:00-06:00"})
    assert WeeklyHours.parse(
        {part.split(": ")[0]: part.split(": ")[1] for part in str(week).split("; ")}
    ) == week


def test_calendar_is_immutable_and_hashable() -> None:
    a = Calendar(tz="UTC", hours="09:00-18:00", holidays=[date(2026, 1, 1)])
    b = Calendar(tz="UTC", hours="09:00-18:00", holidays=[date(2026, 1, 1)])
    a.is_open(utc(2026, 1, 2, 10))  # compiling does not change equality
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    with pytest.raises(AttributeError):
        a.tz = "Europe/Moscow"  # type: ignore[misc]


def test_calendar_without_hours_has_no_deadlines() -> None:
    closed = Calendar(tz="UTC", hours="closed")
    with pytest.raises(HorizonError, match="never opens"):
        closed.add(utc(2026, 1, 1), H)
    with pytest.raises(HorizonError):
        closed.next_open(utc(2026, 1, 1))


# -- the compiled timeline -----------------------------------------------------------------


def test_timeline_invariants_over_years_compiled_out_of_order() -> None:
    cal = Calendar.russia("09:00-13:00, 14:00-18:00")
    moscow = ZoneInfo("Europe/Moscow")
    for year in (2020, 2017, 2026, 2013):
        cal.is_open(datetime(year, 6, 1, 12, tzinfo=moscow))
        cal._compiled._check()
    # Only the years asked are compiled, each once: no contiguous block.
    assert [c.year for c in cal._compiled.chunks()] == [2013, 2017, 2020, 2026]
    assert cal._compiled.compiled == 4


def test_hundred_year_timeline_is_small() -> None:
    cal = Calendar(tz="UTC", hours="09:00-13:00, 14:00-18:00")
    cal.business_time(utc(1950, 1, 1), utc(2049, 12, 31))
    tl = cal._compiled
    tl._check()
    assert tl.nbytes() < 2 * 1024 * 1024


def test_ten_year_span_equals_the_sum_of_its_years() -> None:
    cal = Calendar.russia()
    moscow = ZoneInfo("Europe/Moscow")
    bounds = [datetime(y, 1, 1, tzinfo=moscow) for y in range(2016, 2027)]
    parts = [cal.business_time(a, b) for a, b in itertools.pairwise(bounds)]
    assert cal.business_time(bounds[0], bounds[-1]) == sum(parts, timedelta(0))


def test_concurrent_first_queries_agree() -> None:
    cal = Calendar.russia()
    moscow = ZoneInfo("Europe/Moscow")
    results: list[timedelta] = []

    def query(year: int) -> None:
        results.append(cal.business_time(datetime(2013, 1, 1, tzinfo=moscow),
                                         datetime(year, 1, 1, tzinfo=moscow)))

    threads = [threading.Thread(target=query, args=(2027,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    cal._compiled._check()


def test_import_is_light() -> None:
    code = (
        "import sys, slaclock\n"
        "heavy = [m for m in sys.modules if m.startswith(('numpy', 'pandas', "
        "'holidays.countries', 'pendulum'))]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_calendar_pickles_without_its_compiled_years() -> None:
    import pickle

    cal = Calendar.russia()
    cal.is_open(datetime(2026, 3, 4, 10, tzinfo=ZoneInfo("Europe/Moscow")))
    copy = pickle.loads(pickle.dumps(cal))
    assert copy == cal
    assert copy._compiled.compiled == 0
    assert copy.add(utc(2026, 3, 4, 7), H) == cal.add(utc(2026, 3, 4, 7), H)


def test_the_last_year_a_datetime_holds() -> None:
    cal = Calendar(tz="Europe/Moscow", hours="09:00-18:00")
    assert cal.business_time(utc(9999, 12, 30), utc(9999, 12, 31)) == 9 * H  # a Thursday
    with pytest.raises(HorizonError):
        cal.add(utc(9999, 12, 31, 12), timedelta(hours=10))


# -- edges found in review -----------------------------------------------------------------


def test_date_methods_refuse_datetimes() -> None:
    cal = Calendar(tz="Europe/London", hours="09:00-17:00", holidays="GB")
    with pytest.raises(TypeError, match=r"\.date\(\)"):
        cal.is_business_day(datetime(2026, 12, 25))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"datetime\.date"):
        cal.business_days(date(2026, 12, 21), "2027-01-04")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="whole number"):
        cal.add_business_days(date(2026, 12, 24), 1.5)  # type: ignore[arg-type]
    assert cal.business_days(date(2026, 12, 21), date(2027, 1, 4)) == 7


def test_next_close_of_24_7_is_none_every_time_without_growing() -> None:
    cal = Calendar.always()
    t = utc(2026, 1, 1)
    assert cal.next_close(t) is None
    compiled = cal._compiled.compiled
    for _ in range(5):
        assert cal.next_close(t) is None
    assert cal._compiled.compiled == compiled


def test_next_close_does_not_depend_on_what_is_compiled() -> None:
    def make() -> Calendar:
        return Calendar(tz="UTC", hours={"mon-sun": "00:00-24:00"}, days_off=[date(2090, 6, 1)])

    t = utc(2026, 1, 1)
    warm = make()
    warm.business_time(t, utc(2100, 1, 1))
    assert make().next_close(t) is None
    assert warm.next_close(t) is None  # 2090 is more than 50 years away
    assert make().next_close(utc(2050, 1, 1)) == utc(2090, 6, 1)


def test_long_deadlines_compile_a_few_times_not_once_a_year() -> None:
    # A day off in every year: no year takes its total from another alike, each is compiled.
    cal = Calendar(tz="UTC", hours="09:00-18:00",
                   days_off=[date(year, 7, 1) for year in range(2026, 2400)])
    start = utc(2026, 1, 1)
    with pytest.warns(LongCompileWarning, match="compiled 30[0-9] years") as caught:
        deadline = cal.add(start, timedelta(hours=9 * 261 * 300))  # about 300 years of work
    assert caught[0].filename == __file__
    tl = cal._compiled
    # The search grew in a few batches (estimated from the working time of a year), and
    # compiled each year once: 2026, then about 300 years of totals, no year twice.
    assert tl.grows <= 3
    years = deadline.year - 2026 + 1
    assert tl.compiled == years
    # Only the years holding the two instants keep their intervals.
    assert [c.year for c in tl.chunks()] == [2026, deadline.year]
    assert cal.business_time(start, deadline) == timedelta(hours=9 * 261 * 300)
    assert tl.compiled == years  # the working time between came from the year totals
    tl._check()


def test_years_one_and_9999_count_once() -> None:
    ny = Calendar(tz="America/New_York", hours={"mon-sun": "19:00-20:00, 21:00-22:00"})
    assert ny.business_time(utc(9998, 12, 31, 12), utc(9999, 1, 1, 6)) == 2 * H
    tokyo = Calendar(tz="Asia/Tokyo", hours={"mon-sun": "01:00-02:00, 03:00-04:00"})
    assert tokyo.business_time(utc(1, 12, 31, 12), utc(2, 1, 1)) == 2 * H
    kiritimati = Calendar(tz="Pacific/Kiritimati", hours={"mon-sun": "01:00-02:00, 03:00-04:00"})
    assert kiritimati.business_time(utc(9998, 12, 31), utc(9999, 1, 1)) == 2 * H


def test_end_of_year_9999_is_an_answer_not_an_overflow() -> None:
    always = Calendar.always()
    assert always.is_open(utc(9999, 6, 1))
    last = datetime.max.replace(tzinfo=UTC)
    assert always.business_time(utc(9999, 12, 31), last) == timedelta(days=1) - timedelta(
        microseconds=1
    )
    nights = Calendar(tz="UTC", hours={"mon-sun": "22:00-06:00"})
    assert nights.business_time(utc(9999, 12, 30), utc(9999, 12, 31, 23)) == 15 * H  # 6+8+1
    assert always.next_close(utc(9990, 1, 1)) is None
    with pytest.raises(HorizonError):
        always.add_business_days(date.min, -1)


def test_calendars_combine_only_with_calendars() -> None:
    with pytest.raises(TypeError, match="another calendar"):
        NINE_TO_SIX & 5  # type: ignore[operator]


def test_overrides_given_as_tuples_are_checked() -> None:
    with pytest.raises(ConfigError, match="overrides"):
        Calendar(tz="UTC", hours="09:00-18:00", overrides={date(2026, 1, 1): (1, 2)})
    cal = Calendar(tz="UTC", hours="09:00-18:00", overrides={date(2026, 1, 1): ((600, 660),)})
    assert cal.day_hours(date(2026, 1, 1)) == ((600, 660),)


def test_provisional_warning_points_at_the_caller() -> None:
    cal = Calendar.russia()
    with pytest.warns(ProvisionalCalendarWarning) as caught:
        cal.add(datetime(2031, 3, 3, 10, tzinfo=ZoneInfo("Europe/Moscow")), H)
    assert caught[0].filename == __file__
