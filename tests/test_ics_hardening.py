"""ICS files that used to raise raw errors (issue 26): each is one CalendarFileError,
naming the line and what to fix."""

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
