"""ICS in and out: the shipped sample checked by hand, Russia's 2027 calendar published and
read back, the round trip of any calendar, and every malformed file."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given

import slaclock
from slaclock import Calendar, CalendarFileError, calendar_to_ics, read_ics
from strategies import calendars

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "office_closures.ics"
LONDON = ZoneInfo("Europe/London")
H = timedelta(hours=1)
STAMP = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture(scope="module")
def office() -> Calendar:
    return read_ics(SAMPLE).calendar(tz="Europe/London", hours="09:00-17:30")


def events(text: str) -> list[dict[str, str]]:
    """The events of an ICS text as plain dicts of property name to raw value."""
    out: list[dict[str, str]] = []
    for block in text.split("BEGIN:VEVENT")[1:]:
        fields: dict[str, str] = {}
        for line in block.replace("\r\n ", "").split("\r\n"):
            name, sep, value = line.partition(":")
            if sep and name != "END":
                fields[name] = value
        out.append(fields)
    return out


# -- the shipped sample, by hand ---------------------------------------------------------


def test_sample_offsite_week_has_two_days_of_work(office: Calendar) -> None:
    # The team offsite runs Monday 14 to Wednesday 16 June (DTEND is exclusive).
    assert office.business_time(at(2027, 6, 14), at(2027, 6, 21)) == 17 * H


def test_sample_christmas_fortnight_has_66_hours(office: Calendar) -> None:
    # 20-23 Dec 4 x 8.5 h, Christmas Eve shortened by 2 h to 6.5 h, the substitute days
    # 27-28 Dec off, 29-31 Dec 3 x 8.5 h; Christmas and Boxing Day fall on the weekend.
    assert office.business_time(at(2027, 12, 20), at(2028, 1, 3)) == 66 * H


def test_sample_deadline_lands_at_the_early_close_of_christmas_eve(office: Calendar) -> None:
    assert office.add(at(2027, 12, 23, 16), 8 * H) == at(2027, 12, 24, 15, 30)


def test_sample_release_saturday_is_worked_with_the_normal_hours(office: Calendar) -> None:
    assert office.day_hours(date(2027, 9, 18)) == ((540, 1050),)


def test_sample_yearly_company_day_moves_in_2027_by_exdate(office: Calendar) -> None:
    assert not office.is_business_day(date(2026, 7, 3))  # first Friday of July
    assert office.is_business_day(date(2027, 7, 2))  # excluded by EXDATE ...
    assert not office.is_business_day(date(2027, 7, 9))  # ... and moved a week later
    assert not office.is_business_day(date(2028, 7, 7))


def test_sample_yearly_christmas_repeats_in_any_year(office: Calendar) -> None:
    assert not office.is_business_day(date(2030, 12, 25))  # a Wednesday
    assert office.holidays is not None
    assert office.holidays.rules(2030).names[date(2030, 12, 26)] == "Boxing Day"


def test_sample_cancelled_offsite_is_skipped(office: Calendar) -> None:
    assert office.is_business_day(date(2027, 4, 9))


def test_sample_dated_days_off_keep_their_names() -> None:
    days = read_ics(SAMPLE)
    assert days.off[date(2027, 3, 29)] == "Easter Monday"
    assert dict(days.shortened) == {date(2027, 12, 24): 120}
    assert days.working == {date(2027, 9, 18)}
    assert days.source.endswith("office_closures.ics")


# -- Russia's production calendar published as ICS ---------------------------------------


@pytest.fixture(scope="module")
def russia_2027() -> str:
    return calendar_to_ics(Calendar.russia(), 2027, name="Production calendar", stamp=STAMP)


def test_russia_2027_has_one_event_per_holiday_transfer_and_shortened_day(
    russia_2027: str,
) -> None:
    # 14 holidays, 6 days off moved or carried over, the working Saturday 20 Feb (itself
    # shortened) and 3 shortened weekdays.
    found = events(russia_2027)
    assert len(found) == 14 + 6 + 1 + 3
    by_date = {e["DTSTART;VALUE=DATE"]: e for e in found}
    assert by_date["20270220"]["CATEGORIES"] == "Working day,Shortened day"
    assert by_date["20270220"]["SUMMARY"] == r"Working day (1 h shorter)"
    assert by_date["20270220"]["DESCRIPTION"] == "Open 09:00-17:00 (Europe/Moscow)"
    assert by_date["20270430"]["X-SLACLOCK-SHORTENED-MINUTES"] == "60"
    assert by_date["20271231"]["CATEGORIES"] == "Day off"
    assert by_date["20271231"]["DTEND;VALUE=DATE"] == "20280101"
    assert by_date["20270101"]["SUMMARY"] == "Public holiday"
    assert all(e["TRANSP"] == "TRANSPARENT" for e in found)


def test_russia_2027_uids_are_stable_and_unique(russia_2027: str) -> None:
    again = calendar_to_ics(
        Calendar.russia(), 2027, name="Production calendar", stamp=STAMP + 30 * 24 * H
    )
    uids = [e["UID"] for e in events(russia_2027)]
    assert uids == [e["UID"] for e in events(again)]
    assert len(set(uids)) == len(uids)
    assert uids[0] == "20270101-production-calendar@slaclock"
    assert again != russia_2027  # only the DTSTAMP differs
    assert again.replace("20261231T090000Z", "20261201T090000Z") == russia_2027


def test_russia_2027_read_back_gives_the_official_norm(russia_2027: str) -> None:
    # 247 working days and 1972 hours on the 8-hour day (Calendar.russia's own check).
    back = read_ics(russia_2027).calendar(tz="Europe/Moscow", hours="09:00-13:00, 14:00-18:00")
    total = back.summary(2027).total
    assert (total.working_days, total.working_hours / H) == (247, 1972)
    assert back.is_shortened(date(2027, 2, 20))


def test_ics_output_is_rfc5545_text_with_crlf_and_a_product_id(russia_2027: str) -> None:
    assert russia_2027.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//slaclock//")
    assert russia_2027.endswith("END:VCALENDAR\r\n")
    assert "X-WR-CALNAME:Production calendar\r\n" in russia_2027
    assert all(len(line.encode()) <= 75 for line in russia_2027.split("\r\n"))


def test_override_with_other_hours_is_exported_and_read_back() -> None:
    cal = Calendar(tz="UTC", hours="09:00-18:00",
                   overrides={date(2027, 12, 30): "10:00-14:00"})
    text = calendar_to_ics(cal, 2027, stamp=STAMP)
    (event,) = events(text)
    assert event["CATEGORIES"] == "Other hours"
    assert event["X-SLACLOCK-HOURS"] == "10:00-14:00"
    back = read_ics(text).calendar(tz="UTC", hours="09:00-18:00")
    assert back.day_hours(date(2027, 12, 30)) == ((600, 840),)


def test_a_combined_calendar_cannot_be_exported() -> None:
    combined = Calendar.always() & Calendar.always()
    with pytest.raises(TypeError, match="a combination of calendars"):
        calendar_to_ics(combined, 2027)  # type: ignore[arg-type]


@given(calendars())
def test_any_calendar_written_and_read_back_has_the_same_hours(cal: Calendar) -> None:
    back = read_ics(calendar_to_ics(cal, (2024, 2025), stamp=STAMP)).calendar(
        tz=cal.tz, hours=cal.hours
    )
    day = date(2024, 1, 1)
    while day.year < 2026:
        assert back.day_hours(day) == cal.day_hours(day), day
        day += timedelta(days=1)


# -- malformed files: the file, the line, what to fix -------------------------------------


def ics(*body: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *body,
                        "END:VCALENDAR", ""])


def event(*props: str) -> list[str]:
    return ["BEGIN:VEVENT", "UID:x@test", "DTSTAMP:20260101T000000Z", *props, "END:VEVENT"]


def test_timed_event_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "team.ics"
    path.write_text(ics(*event("DTSTART;VALUE=DATE:20270101", "SUMMARY:New Year"),
                        *event("DTSTART:20270105T100000Z", "SUMMARY:Stand-up")))
    with pytest.raises(
        CalendarFileError, match=r"team\.ics: line 10 \(VEVENT 'Stand-up'\): a timed event"
    ):
        read_ics(path)


def test_dtend_before_dtstart_is_refused() -> None:
    with pytest.raises(CalendarFileError, match=r"line 4 \(VEVENT\): DTEND must be after"):
        read_ics(ics(*event("DTSTART;VALUE=DATE:20270105", "DTEND;VALUE=DATE:20270105")))


def test_weekly_rrule_is_refused() -> None:
    with pytest.raises(CalendarFileError, match=r"only yearly rules"):
        read_ics(ics(*event("DTSTART;VALUE=DATE:20270105", "RRULE:FREQ=WEEKLY")))


def test_rdate_is_refused() -> None:
    with pytest.raises(CalendarFileError, match=r"RDATE is not supported"):
        read_ics(ics(*event("DTSTART;VALUE=DATE:20270105", "RDATE;VALUE=DATE:20270106")))


def test_unclosed_event_names_the_line_it_opened_on() -> None:
    text = ics("BEGIN:VEVENT", "DTSTART;VALUE=DATE:20270105")
    with pytest.raises(CalendarFileError, match=r"line 6: END does not match: VEVENT opened"):
        read_ics(text)


def test_unfolded_long_line_is_refused_with_its_line() -> None:
    text = ics(*event("DTSTART;VALUE=DATE:20270105", "DESCRIPTION:first part",
                      "second part without a leading space"))
    with pytest.raises(CalendarFileError, match=r"line 9: not an iCalendar content line"):
        read_ics(text)


def test_file_not_in_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cp1251.ics"
    path.write_bytes(ics(*event("DTSTART;VALUE=DATE:20270105", "SUMMARY:Праздник"))
                     .encode("cp1251"))
    with pytest.raises(CalendarFileError, match=r"cp1251\.ics: line 8: not UTF-8"):
        read_ics(path)


def test_one_date_both_working_and_off_names_both_events() -> None:
    text = ics(*event("DTSTART;VALUE=DATE:20270220", "SUMMARY:Off"),
               *event("DTSTART;VALUE=DATE:20270220", "SUMMARY:Worked",
                      "CATEGORIES:Working day"))
    with pytest.raises(CalendarFileError, match=r"line 4 .* and line 10 .*: one date is both"):
        read_ics(text)


def test_bad_shortened_minutes_are_refused() -> None:
    text = ics(*event("DTSTART;VALUE=DATE:20270430", "CATEGORIES:Shortened day",
                      "X-SLACLOCK-SHORTENED-MINUTES:an hour"))
    with pytest.raises(CalendarFileError, match=r"must be whole minutes, 1 to 1439"):
        read_ics(text)


def test_other_hours_without_hours_are_refused() -> None:
    text = ics(*event("DTSTART;VALUE=DATE:20270430", "CATEGORIES:Other hours"))
    with pytest.raises(CalendarFileError, match=r"needs X-SLACLOCK-HOURS"):
        read_ics(text)


def test_shortened_day_without_minutes_loses_one_hour() -> None:
    days = read_ics(ics(*event("DTSTART;VALUE=DATE:20270430", "CATEGORIES:SHORTENED-DAY")))
    assert dict(days.shortened) == {date(2027, 4, 30): 60}


def test_dated_event_wins_over_a_yearly_one_on_its_date() -> None:
    days = read_ics(ics(
        *event("DTSTART;VALUE=DATE:20251231", "RRULE:FREQ=YEARLY", "SUMMARY:Year end"),
        *event("DTSTART;VALUE=DATE:20271231", "CATEGORIES:Working day", "SUMMARY:Close"),
    ))
    assert date(2027, 12, 31) in days.rules(2027).working
    assert date(2027, 12, 31) not in days.rules(2027).off
    assert date(2028, 12, 31) in days.rules(2028).off


def test_yearly_rule_with_count_stops() -> None:
    days = read_ics(ics(*event("DTSTART;VALUE=DATE:20260601", "DTEND;VALUE=DATE:20260603",
                               "RRULE:FREQ=YEARLY;COUNT=2", "SUMMARY:Summer days")))
    assert days.rules(2027).off == {date(2027, 6, 1), date(2027, 6, 2)}
    assert days.rules(2028).off == frozenset()


def test_yearly_event_spanning_new_year_counts_in_both_years() -> None:
    days = read_ics(ics(*event("DTSTART;VALUE=DATE:20261231", "DTEND;VALUE=DATE:20270103",
                               "RRULE:FREQ=YEARLY", "SUMMARY:New Year break")))
    assert days.rules(2027).off == {date(2027, 1, 1), date(2027, 1, 2), date(2027, 12, 31)}


# -- the optional dependency --------------------------------------------------------------


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)


def test_import_slaclock_does_not_import_icalendar() -> None:
    result = _run("import sys, slaclock; slaclock.read_ics; "
                  "slaclock.helpdesks.calendar_from_zendesk; print('icalendar' in sys.modules)")
    assert result.stdout.strip() == "False", result.stderr


def test_missing_icalendar_names_the_extra() -> None:
    result = _run(
        "import sys; sys.modules['icalendar'] = None\n"
        "import slaclock\n"
        "try:\n"
        "    slaclock.calendar_to_ics(slaclock.Calendar.always(), 2027)\n"
        "except ModuleNotFoundError as error:\n"
        "    print(error)\n"
    )
    assert "pip install 'slaclock[ics]'" in result.stdout, result.stderr


def test_public_names_are_exported() -> None:
    for name in ("read_ics", "calendar_to_ics", "DatedDays", "CalendarFileError"):
        assert name in slaclock.__all__
        assert getattr(slaclock, name) is not None
    # A Zendesk schedule is a helpdesk's: its reader lives with the other helpdesk readers.
    assert "calendar_from_zendesk" in slaclock.helpdesks.__all__


def test_yearly_rule_until_a_utc_time_ends_on_that_date() -> None:
    days = read_ics(ics(*event("DTSTART;VALUE=DATE:20270105",
                               "RRULE:FREQ=YEARLY;UNTIL=20290105T000000Z")))
    assert date(2029, 1, 5) in days.rules(2029).off
    assert days.rules(2030).off == frozenset()


def test_yearly_rule_that_does_not_give_its_dtstart_is_refused() -> None:
    with pytest.raises(CalendarFileError, match=r"does not give DTSTART \(2027-01-05\)"):
        read_ics(ics(*event("DTSTART;VALUE=DATE:20270105", "RRULE:FREQ=YEARLY;BYMONTH=2")))


def test_exporting_a_provisional_year_warns() -> None:
    with pytest.warns(slaclock.ProvisionalCalendarWarning, match="2031 is a provisional year"):
        calendar_to_ics(Calendar.russia(), 2031, stamp=STAMP)


def test_calendar_of_an_ics_file_pickles_and_compares_by_its_repeating_events() -> None:
    import pickle

    office = read_ics(SAMPLE).calendar(tz="Europe/London", hours="09:00-17:30")
    copy = pickle.loads(pickle.dumps(office))
    assert copy == office
    assert hash(copy) == hash(office)
    assert not copy.is_business_day(date(2031, 12, 25))
    christmas = read_ics(ics(*event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY")))
    boxing_day = read_ics(ics(*event("DTSTART;VALUE=DATE:20261226", "RRULE:FREQ=YEARLY")))
    assert len(christmas.off) == len(boxing_day.off) == 0  # only the rules differ
    assert christmas != boxing_day
