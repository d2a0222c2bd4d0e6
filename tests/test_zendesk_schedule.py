"""Zendesk business-hours schedules read as calendars: the shipped sample checked by hand,
intervals across midnight and the end of the week, and every malformed record."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import slaclock
from slaclock import CalendarFileError
from slaclock.helpdesks import calendar_from_zendesk

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "zendesk_schedule.json"
NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)

# Monday 09:00-17:00 in Zendesk's minutes from Sunday 00:00.
MONDAY_9_TO_5 = {"start_time": 1980, "end_time": 2460}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.fixture(scope="module")
def sample() -> slaclock.Calendar:
    return calendar_from_zendesk(SAMPLE)


# -- the shipped sample, by hand ---------------------------------------------------------


def test_sample_zone_and_weekly_hours(sample: slaclock.Calendar) -> None:
    assert sample.tz == "America/New_York"
    assert str(sample.hours) == "mon-fri: 08:00-18:00; sat: 22:00-24:00; sun: 00:00-02:00"


def test_sample_week_of_martin_luther_king_day_has_44_hours(sample: slaclock.Calendar) -> None:
    # Monday 18 Jan 2027 is a holiday: Tue-Fri 4 x 10 h, then the on-call Saturday night
    # 22:00-24:00 and Sunday 00:00-02:00.
    assert sample.business_time(at(2027, 1, 18), at(2027, 1, 25)) == 44 * H


def test_sample_thanksgiving_holiday_of_two_days_leaves_34_hours(
    sample: slaclock.Calendar,
) -> None:
    # Thanksgiving runs Thursday 25 and Friday 26 Nov: Mon-Wed 30 h plus the weekend 4 h.
    assert sample.business_time(at(2027, 11, 22), at(2027, 11, 29)) == 34 * H
    assert not sample.is_business_day(date(2027, 11, 26))


def test_sample_deadline_across_the_spring_forward_night(sample: slaclock.Calendar) -> None:
    # Friday 12 March 17:00 EST + 8 h: Fri 1 h, Sat 22-24 2 h, Sun 00:00-02:00 EST 2 h (the
    # clocks jump at 02:00), Mon 15 March 08:00-11:00 EDT 3 h.
    deadline = sample.add(at(2027, 3, 12, 17), 8 * H)
    assert deadline == at(2027, 3, 15, 11)
    assert deadline.utcoffset() == -4 * H


def test_sample_deadline_over_the_winter_break_lands_on_the_weekend_shift(
    sample: slaclock.Calendar,
) -> None:
    # Thursday 23 Dec 17:00 + 4 h: 1 h on Thursday; 24-31 Dec is the winter break (so the
    # shift of Saturday 25 is off too); Sat 1 Jan 2028 22-24 2 h; Sun 2 Jan 00:00-01:00.
    assert sample.add(at(2027, 12, 23, 17), 4 * H) == at(2028, 1, 2, 1)


def test_sample_holidays_keep_their_names(sample: slaclock.Calendar) -> None:
    assert sample.holidays is not None
    names = sample.holidays.rules(2027).names
    assert names[date(2027, 7, 5)] == "Independence Day (observed)"
    assert names[date(2027, 12, 31)] == "Winter break"
    assert len(names) == 1 + 1 + 1 + 1 + 1 + 2 + 8


# -- intervals across midnight and the end of the week -----------------------------------


def test_interval_from_monday_morning_to_tuesday_evening_splits_at_midnight() -> None:
    # The older documentation's example: Monday 09:00 to Tuesday 17:00 in one interval.
    cal = calendar_from_zendesk(
        {"time_zone": "UTC", "intervals": [{"start_time": 1980, "end_time": 3900}]}
    )
    assert str(cal.hours) == "mon: 09:00-24:00; tue: 00:00-17:00"


def test_interval_across_the_end_of_the_week_wraps_to_sunday() -> None:
    # Saturday 22:00 to Sunday 02:00 written as one interval past minute 10080.
    cal = calendar_from_zendesk(
        {"time_zone": "UTC", "intervals": [{"start_time": 9960, "end_time": 10200}]}
    )
    assert str(cal.hours) == "sat: 22:00-24:00; sun: 00:00-02:00"
    sat = datetime(2027, 1, 9, 23, tzinfo=ZoneInfo("UTC"))
    assert cal.business_time(sat, sat + 4 * H) == 3 * H


def test_holiday_on_saturday_closes_only_saturday_part_of_the_overnight_shift() -> None:
    cal = calendar_from_zendesk({
        "schedule": {"time_zone": "UTC", "intervals": [{"start_time": 9960, "end_time": 10200}]},
        "holidays": [{"name": "Day off", "start_date": "2027-01-09", "end_date": "2027-01-09"}],
    })
    sat = datetime(2027, 1, 9, tzinfo=ZoneInfo("UTC"))
    assert cal.business_time(sat, sat + 48 * H) == 2 * H  # Sunday 00:00-02:00 only


def test_touching_intervals_on_one_day_merge() -> None:
    cal = calendar_from_zendesk({"time_zone": "UTC", "intervals": [
        {"start_time": 1980, "end_time": 2160}, {"start_time": 2160, "end_time": 2460},
    ]})
    assert str(cal.hours) == "mon: 09:00-17:00"


def test_whole_week_interval_is_open_around_the_clock() -> None:
    cal = calendar_from_zendesk({"time_zone": "UTC", "intervals": [
        {"start_time": 0, "end_time": 10080},
    ]})
    assert str(cal.hours) == "mon-sun: 00:00-24:00"


@st.composite
def week_intervals(draw: st.DrawFn) -> list[dict[str, int]]:
    """Disjoint intervals of a repeating week, some past minute 10080 (wrapping)."""
    bounds = sorted(draw(st.sets(st.integers(0, 2 * 10080), min_size=2, max_size=10)))
    pairs = list(zip(bounds[::2], bounds[1::2], strict=False))
    out: list[dict[str, int]] = []
    covered: set[int] = set()
    for start, end in pairs:
        start, end = start % 10080, start % 10080 + (end - start)
        if end - start > 10080 or not end > start:
            continue
        minutes = {m % 10080 for m in range(start, end)}
        if minutes & covered:
            continue
        covered |= minutes
        out.append({"start_time": start, "end_time": end})
    return out or [MONDAY_9_TO_5]


@given(week_intervals())
def test_a_week_of_working_time_is_the_sum_of_the_intervals(
    intervals: list[dict[str, int]],
) -> None:
    cal = calendar_from_zendesk({"time_zone": "UTC", "intervals": intervals})
    sunday = datetime(2027, 1, 3, tzinfo=ZoneInfo("UTC"))  # a Sunday 00:00
    total = sum(i["end_time"] - i["start_time"] for i in intervals)
    assert cal.business_time(sunday, sunday + timedelta(days=7)) == timedelta(minutes=total)
    for interval in intervals:  # each interval's first minute is open, wherever it falls
        assert cal.is_open(sunday + timedelta(minutes=interval["start_time"]))


# -- zones ----------------------------------------------------------------------------------


def test_rails_zone_names_and_iana_names_both_work() -> None:
    moscow = calendar_from_zendesk({"time_zone": "Moscow", "intervals": [MONDAY_9_TO_5]})
    iana = calendar_from_zendesk({"time_zone": "Europe/Moscow", "intervals": [MONDAY_9_TO_5]})
    assert moscow == iana


def test_every_zone_of_the_rails_table_loads() -> None:
    from slaclock.calendars._zendesk_schedule import rails_zones

    zones = rails_zones()
    assert zones["Pacific Time (US & Canada)"] == "America/Los_Angeles"
    assert zones["St. Petersburg"] == "Europe/Moscow"
    assert len(zones) == 151
    for zone in zones.values():
        ZoneInfo(zone)


def test_misspelt_zone_suggests_the_closest_name() -> None:
    with pytest.raises(CalendarFileError, match=r"did you mean 'Eastern Time \(US & Canada\)'"):
        calendar_from_zendesk(
            {"time_zone": "Eastern Time (US and Canada)", "intervals": [MONDAY_9_TO_5]}
        )


# -- the shapes of the API's answers -----------------------------------------------------


def test_list_of_schedules_needs_select_and_select_picks_by_name_or_id() -> None:
    data = {"schedules": [
        {"id": 1, "name": "EMEA", "time_zone": "London", "intervals": [MONDAY_9_TO_5]},
        {"id": 2, "name": "APAC", "time_zone": "Tokyo", "intervals": [MONDAY_9_TO_5]},
    ]}
    with pytest.raises(CalendarFileError, match=r"schedules: several schedules; choose one"):
        calendar_from_zendesk(data)
    assert calendar_from_zendesk(data, select="APAC").tz == "Asia/Tokyo"
    assert calendar_from_zendesk(data, select=1).tz == "Europe/London"
    with pytest.raises(CalendarFileError, match="no schedule has the name or id 'AMER'"):
        calendar_from_zendesk(data, select="AMER")


def test_holidays_from_their_own_file(tmp_path: Path) -> None:
    schedule = tmp_path / "schedule.json"
    schedule.write_text(json.dumps({"schedule": {"time_zone": "UTC",
                                                 "intervals": [MONDAY_9_TO_5]}}))
    holidays = tmp_path / "holidays.json"
    holidays.write_text(json.dumps({"holidays": [
        {"id": 7, "name": "Easter Monday", "start_date": "2027-03-29", "end_date": "2027-03-29"},
    ]}))
    cal = calendar_from_zendesk(schedule, holidays)
    assert not cal.is_business_day(date(2027, 3, 29))
    assert cal.is_business_day(date(2027, 4, 5))


# -- malformed schedules: the file, the record, what to fix ------------------------------


def test_malformed_json_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"schedule": {\n  "time_zone": "UTC",\n  "intervals": [,]\n}}')
    with pytest.raises(CalendarFileError, match=r"broken\.json: line 3, column 17: not valid"):
        calendar_from_zendesk(path)


def test_interval_with_text_minutes_names_the_record() -> None:
    with pytest.raises(
        CalendarFileError, match=r"<schedule>: schedule\.intervals\[1\]\.end_time: give whole"
    ):
        calendar_from_zendesk({"schedule": {"time_zone": "UTC", "intervals": [
            MONDAY_9_TO_5, {"start_time": 3420, "end_time": "3900"},
        ]}})


def test_interval_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(CalendarFileError, match=r"intervals\[0\]: end_time must be after"):
        calendar_from_zendesk(
            {"time_zone": "UTC", "intervals": [{"start_time": 2460, "end_time": 1980}]}
        )


def test_interval_starting_after_the_week_is_refused() -> None:
    with pytest.raises(CalendarFileError, match=r"start_time: must be from 0 to 10079"):
        calendar_from_zendesk(
            {"time_zone": "UTC", "intervals": [{"start_time": 10080, "end_time": 10100}]}
        )


def test_overlapping_intervals_name_both_records() -> None:
    with pytest.raises(
        CalendarFileError, match=r"intervals\[0\] and intervals\[1\]: these intervals overlap"
    ):
        calendar_from_zendesk({"time_zone": "UTC", "intervals": [
            MONDAY_9_TO_5, {"start_time": 2400, "end_time": 2520},
        ]})


def test_schedule_without_intervals_is_refused() -> None:
    with pytest.raises(CalendarFileError, match=r"intervals: give the schedule's intervals"):
        calendar_from_zendesk({"schedule": {"time_zone": "UTC", "intervals": []}})


def test_holiday_ending_before_it_starts_names_the_record(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    path.write_text(json.dumps({
        "schedule": {"time_zone": "UTC", "intervals": [MONDAY_9_TO_5]},
        "holidays": [
            {"name": "New Year", "start_date": "2027-01-01", "end_date": "2027-01-01"},
            {"name": "Typo", "start_date": "2027-05-03", "end_date": "2027-05-01"},
        ],
    }))
    with pytest.raises(CalendarFileError, match=r"desk\.json: holidays\[1\]: end_date is before"):
        calendar_from_zendesk(path)


def test_holiday_with_a_bad_date_names_the_field() -> None:
    with pytest.raises(CalendarFileError, match=r"holidays\[0\]\.start_date: give an ISO date"):
        calendar_from_zendesk({"schedule": {"time_zone": "UTC", "intervals": [MONDAY_9_TO_5]},
                               "holidays": [{"name": "X", "start_date": "01/05/2027"}]})


def test_a_document_without_a_schedule_says_what_to_give() -> None:
    with pytest.raises(CalendarFileError, match=r"no 'schedule' object"):
        calendar_from_zendesk({"tickets": []})


def test_calendar_file_error_is_a_config_error() -> None:
    assert issubclass(CalendarFileError, slaclock.ConfigError)
    assert issubclass(CalendarFileError, slaclock.SlaclockError)
