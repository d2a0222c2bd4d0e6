"""ICS files that used to hang, raise raw errors or cost seconds a year (issue 26): each is
one CalendarFileError at once, naming the line and what to fix, or read and answered in
bounded time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

import pytest

from slaclock import CalendarFileError, DatedDays, read_ics

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "office_closures.ics"
T = TypeVar("T")


def within(seconds: float, work: Callable[[], T]) -> T:
    """``work()``'s result, or a failed test when it takes longer than ``seconds`` (a
    generous bound: the test fails instead of hanging; the thread is left to the exit)."""
    out: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            out.append(work())
        except BaseException as error:  # handed to the test's thread
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still running after {seconds} s")
    if errors:
        raise errors[0]
    return out[0]


def ics(*body: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *body,
                        "END:VCALENDAR", ""])


def event(*props: str) -> list[str]:
    return ["BEGIN:VEVENT", "UID:x@test", "DTSTAMP:20260101T000000Z", *props, "END:VEVENT"]


def refused(text: str | bytes, match: str) -> CalendarFileError:
    def read() -> DatedDays:
        return read_ics(text)

    with pytest.raises(CalendarFileError, match=match) as caught:
        within(10, read)
    return caught.value


def open_in(days: DatedDays, year: int) -> bool:
    cal = days.calendar(tz="UTC", hours="09:00-17:00")
    return cal.is_open(datetime(year, 6, 1, 10, tzinfo=UTC))


# -- INTERVAL: a positive number of years --------------------------------------------------


@pytest.mark.parametrize(
    ("start", "rule"),
    [
        ("20261231", "FREQ=YEARLY;INTERVAL=0;BYMONTH=1"),  # used to hang read_ics
        ("20261225", "FREQ=YEARLY;INTERVAL=0"),  # used to hang the first query
        ("20261225", "FREQ=YEARLY;INTERVAL=-3;COUNT=5"),  # used to fail every query
    ],
)
def test_an_rrule_with_interval_zero_or_negative_is_refused_at_once(start: str, rule: str) -> None:
    error = refused(ics(*event(f"DTSTART;VALUE=DATE:{start}", f"RRULE:{rule}")),
                    r"line 4 \(VEVENT\): INTERVAL is the number of years between repeats")
    assert "1 or more" in error.problem
    assert "INTERVAL=" in str(error.value)


def test_an_rrule_with_a_huge_interval_is_read_and_answers_at_once() -> None:
    text = ics(*event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY;INTERVAL=2147483647"))
    days = within(10, lambda: read_ics(text))
    assert within(10, lambda: days.rules(2026).off) == {date(2026, 12, 25)}
    assert within(10, lambda: days.rules(9998).off) == frozenset()
    assert within(10, lambda: open_in(days, 9998))


def test_an_interval_too_large_for_rfc_5545_is_one_clear_error() -> None:
    refused(ics(*event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY;INTERVAL=99999999999")),
            r"line 4 \(VEVENT\): cannot be read")


def test_count_and_until_of_a_rule_are_checked_at_read_time() -> None:
    start = "DTSTART;VALUE=DATE:20261225"
    refused(ics(*event(start, "RRULE:FREQ=YEARLY;COUNT=0")), r"COUNT is the number of repeats")
    refused(ics(*event(start, "RRULE:FREQ=YEARLY;COUNT=2;UNTIL=20301225")),
            r"a rule ends by COUNT or by UNTIL, not both")
    refused(ics(*event(start, "RRULE:FREQ=YEARLY;UNTIL=20251225")),
            r"UNTIL is before DTSTART \(2026-12-25\)")


# -- one clear error instead of a raw one --------------------------------------------------


@pytest.mark.parametrize("prop", ["DTSTART;VALUE=DATE:20261226", "DTEND;VALUE=DATE:20261227"])
def test_a_duplicate_dtstart_or_dtend_is_one_clear_error(prop: str) -> None:
    name = prop.partition(";")[0]
    refused(ics(*event("DTSTART;VALUE=DATE:20261225", "DTEND;VALUE=DATE:20261226", prop)),
            rf"line 4 \(VEVENT\): given 2 times; an event has one {name}")


def test_a_value_parameter_of_two_types_is_one_clear_error() -> None:
    refused(ics(*event("DTSTART;VALUE=DATE,DATE:20261225")),
            r"line 7: a property has one value type \(VALUE=DATE\)")


def test_an_event_running_past_the_year_9999_is_refused() -> None:
    refused(ics(*event("DTSTART;VALUE=DATE:99991231", "DURATION:P2D")),
            r"the event runs past 9999-12-31")


def test_a_yearly_event_at_the_end_of_9999_stops_with_the_last_date() -> None:
    days = read_ics(ics(*event("DTSTART;VALUE=DATE:20261231", "DTEND;VALUE=DATE:20270102",
                               "RRULE:FREQ=YEARLY")))
    assert days.rules(9999).off == {date(9999, 1, 1), date(9999, 12, 31)}
    assert days.rules(1).off == frozenset()


def test_a_non_ascii_rule_part_is_one_clear_error() -> None:
    error = refused(ics(*event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY;X-NOTE=é")),
                    r"X-NOTE is not a rule part of RFC 5545 that slaclock reads")
    assert "é" in str(error.value)


@pytest.mark.parametrize(
    ("rule", "match"),
    [
        ("BYSETPOS=-1;BYMONTH=2;BYDAY=53MO", r"counts the weekday in the month: 1 to 5"),
        ("BYDAY=99MO", r"counts the weekday in the year: 1 to 53"),
        ("BYDAY=2MO;BYWEEKNO=20", r"cannot go with BYWEEKNO"),
        ("BYMONTH=13", r"BYMONTH takes months 1 to 12"),
        ("BYMONTHDAY=0", r"BYMONTHDAY takes 1 to 31"),
        ("BYSETPOS=367;BYMONTH=12", r"BYSETPOS takes 1 to 366"),
        ("BYYEARDAY=-367", r"BYYEARDAY takes 1 to 366"),
        ("WKST=2MO;BYWEEKNO=1", r"WKST is a weekday"),
    ],
)
def test_a_rule_part_out_of_its_rfc_5545_range_is_refused(rule: str, match: str) -> None:
    refused(ics(*event("DTSTART;VALUE=DATE:20261225", f"RRULE:FREQ=YEARLY;{rule}")), match)


def test_time_of_day_parts_are_ignored_in_an_all_day_rule_as_rfc_5545_says() -> None:
    # BYHOUR made two occurrences a day, so COUNT=2 ended after one date.
    days = read_ics(ics(*event("DTSTART;VALUE=DATE:20261225",
                               "RRULE:FREQ=YEARLY;COUNT=2;BYHOUR=0,12")))
    assert days.rules(2027).off == {date(2027, 12, 25)}
    assert days.rules(2028).off == frozenset()


# -- text or path --------------------------------------------------------------------------


@pytest.mark.parametrize("lead", ["\ufeff", "\ufeff  ", "\n", "\r\n\r\n", "  \t"])
def test_text_after_a_byte_order_mark_or_white_space_is_read_with_its_line_numbers(
    lead: str,
) -> None:
    text = ics(*event("DTSTART;VALUE=DATE:20270105", "DTEND;VALUE=DATE:20270105"))
    lines = lead.count("\n")
    refused(lead + text, rf"line {4 + lines} \(VEVENT\): DTEND must be after")
    refused((lead + text).encode(), rf"line {4 + lines} \(VEVENT\): DTEND must be after")


def test_text_with_a_line_break_is_read_as_text_not_as_a_path() -> None:
    text = "VERSION:2.0\r\n" + ics()
    refused(text, r"<ics>: ")


def test_a_string_without_a_line_break_is_a_path(tmp_path: Path) -> None:
    path = tmp_path / "closures.ics"
    path.write_text(ics(*event("DTSTART;VALUE=DATE:20270105")))
    assert dict(read_ics(str(path)).off) == {date(2027, 1, 5): "Day off"}
    with pytest.raises(FileNotFoundError):
        read_ics(str(tmp_path / "missing.ics"))


# -- a year's expansion costs the same however far from DTSTART ---------------------------


def test_a_year_far_from_dtstart_is_expanded_without_the_years_between() -> None:
    import dateutil.rrule

    calls: list[int] = []
    original = dateutil.rrule.rrule._iter

    def counting(self: dateutil.rrule.rrule) -> object:
        for found in original(self):
            calls.append(1)
            yield found

    days = read_ics(SAMPLE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dateutil.rrule.rrule, "_iter", counting)
        off = days.rules(9998).off
    # Four yearly events: a handful of dates in 9998 (and 9997), not 8,000 years of them.
    assert {date(9998, 12, 25), date(9998, 12, 26), date(9998, 1, 1)} <= off
    assert len(calls) < 50


def test_the_sample_calendar_answers_for_the_year_9998_in_bounded_time() -> None:
    office = read_ics(SAMPLE).calendar(tz="Europe/London", hours="09:00-17:30")
    assert not within(20, lambda: office.is_business_day(date(9998, 7, 3)))  # 1st Friday
    assert office.is_business_day(date(9998, 7, 6))  # the Monday after
