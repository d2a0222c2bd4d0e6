"""ICS files that used to hang, raise raw errors or cost seconds a year (issue 26): each is
one CalendarFileError at once, or read and answered in bounded time. A fuzz test over the
grammar read_ics reads accepts only that error, and checks the yearly expansion against
dateutil's own, from DTSTART."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

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


# -- the grammar, fuzzed -------------------------------------------------------------------

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _date(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


dates = st.one_of(
    st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    st.dates(),
    st.sampled_from([date(1, 1, 1), date(9999, 12, 31), date(9999, 12, 30), date(2024, 2, 29)]),
)
odd = st.sampled_from(["é", "\x00", "\x7f", "\u202e", ",", ";", "=", ":", "", " ", "0"])
small = st.integers(1, 12)
integers = st.one_of(small, small, small, st.integers(-400, 400),
                     st.sampled_from([0, -1, 2147483647, -2147483648, 99999999999]))


@st.composite
def byday(draw: st.DrawFn) -> str:
    ordinal = draw(st.one_of(st.none(), st.integers(-99, 99)))
    return f"{'' if ordinal is None else f'{ordinal:+d}'}{draw(st.sampled_from(WEEKDAYS))}"


@st.composite
def rules(draw: st.DrawFn) -> str:
    parts = [f"FREQ={draw(st.sampled_from(['YEARLY'] * 6 + ['yearly', 'MONTHLY']))}"]
    numbers = st.lists(integers, min_size=1, max_size=3)

    def put(key: str, values: st.SearchStrategy[str]) -> None:
        if draw(st.integers(0, 9)) < 3:
            parts.append(f"{key}={draw(values)}")

    join = ",".join
    put("INTERVAL", integers.map(str))
    put("COUNT", integers.map(str))
    put("UNTIL", st.one_of(dates.map(_date), dates.map(lambda d: _date(d) + "T000000Z")))
    put("BYMONTH", st.lists(st.integers(-1, 13), min_size=1, max_size=3).map(
        lambda ms: join(map(str, ms))))
    put("BYDAY", st.lists(byday(), min_size=1, max_size=3).map(join))
    for key in ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS", "BYHOUR"):
        put(key, numbers.map(lambda ns: join(map(str, ns))))
    put("WKST", st.sampled_from(WEEKDAYS))
    if draw(st.integers(0, 19)) == 7:
        parts.append(f"X-NOTE={draw(odd)}")
    parts = draw(st.permutations(parts))
    text = ";".join(parts)
    if draw(st.integers(0, 9)) == 7:  # an odd character somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(odd) + text[at:]
    return text


@st.composite
def vevents(draw: st.DrawFn) -> list[str]:
    start = draw(dates)
    props = [f"DTSTART;VALUE=DATE:{_date(start)}"]
    ending = draw(st.sampled_from(["none", "dtend", "duration"]))
    short = st.integers(1, 3)
    length = draw(st.one_of(short, short, short, st.integers(-2, 400)))
    if ending == "dtend":
        ordinal = start.toordinal() + length
        near = date.fromordinal(ordinal) if 1 <= ordinal <= date.max.toordinal() else start
        end = draw(st.one_of(st.just(near), st.just(near), dates))
        props.append(f"DTEND;VALUE=DATE:{_date(end)}")
    elif ending == "duration":
        props.append(f"DURATION:P{length}D")
    if draw(st.booleans()):
        props.append(f"RRULE:{draw(rules())}")
    for _ in range(draw(st.integers(0, 2))):
        props.append(f"EXDATE;VALUE=DATE:{_date(draw(dates))}")
    if draw(st.integers(0, 19)) == 7:
        props.append(draw(st.sampled_from(props)))  # a property given twice
    categories = st.sampled_from(["Holiday", "Working day", "Shortened day"])
    if draw(st.booleans()):
        props.append(f"CATEGORIES:{draw(categories)}")
    return event(*draw(st.permutations(props)))


odd_bytes = st.one_of(st.none(), st.tuples(
    st.sampled_from([b"", b"\xff", b"\xc3", b"\x00", b"\r", b"\xef\xbb\xbf"]),
    st.floats(0, 1)))


@settings(max_examples=200, deadline=None)
@given(st.lists(vevents(), min_size=1, max_size=3), st.integers(1, 9999), odd_bytes)
@example([event("DTSTART;VALUE=DATE:20261231", "RRULE:FREQ=YEARLY;INTERVAL=0;BYMONTH=1")],
         2027, None)
@example([event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY;INTERVAL=0")], 2027, None)
@example([event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY;INTERVAL=-3;COUNT=5")],
         2027, None)
@example([event("DTSTART;VALUE=DATE:99991231", "DURATION:P2D")], 9999, None)
@example([event("DTSTART;VALUE=DATE:20000229", "RRULE:FREQ=YEARLY;INTERVAL=7;COUNT=400")],
         9998, (b"\xef\xbb\xbf", 0.0))
def test_any_ics_is_read_and_answered_in_bounded_time_or_refused_clearly(
    events: list[list[str]], year: int, raw: tuple[bytes, float] | None
) -> None:
    written = ics(*(line for vevent in events for line in vevent))
    text: str | bytes = written
    if raw is not None:  # the file's bytes, an odd byte somewhere
        data = written.encode()
        at = int(raw[1] * len(data))
        text = data[:at] + raw[0] + data[at:]

    def read_and_ask() -> object:
        try:
            days = read_ics(text)
        except CalendarFileError:
            return None
        try:
            for y in {1, year, min(year + 1, 9999), 9999}:
                days.rules(y)
            return open_in(days, year)
        except CalendarFileError as error:  # repeating events of two kinds met in a year
            return error.problem

    answer = within(20, read_and_ask)
    assert answer in (None, True, False) or str(answer).startswith("one date is both"), answer


# -- the expansion, checked against dateutil's own from DTSTART ---------------------------


def expanded_from_dtstart(rule: str, start: date, length: int, exdates: set[date],
                          year: int) -> set[date]:
    """The dates of ``year`` as expanding the rule from DTSTART with dateutil gives them
    (what read_ics did before)."""
    from dateutil.rrule import rrulestr

    lo = datetime(year, 1, 1) - timedelta(days=length - 1)
    found = rrulestr(rule, dtstart=datetime(start.year, start.month, start.day))
    out = set()
    for begin in found.between(lo, datetime(year, 12, 31), inc=True):
        if begin.date() not in exdates:
            out |= {begin.date() + timedelta(days=k) for k in range(length)}
    return {d for d in out if d.year == year}


@st.composite
def valid_rules(draw: st.DrawFn) -> tuple[str, str]:
    """A yearly rule within RFC 5545's ranges: its BY parts, and its INTERVAL and COUNT."""
    parts = ["FREQ=YEARLY"]
    months = draw(st.lists(st.integers(1, 12), max_size=3, unique=True))
    if months:
        parts.append(f"BYMONTH={','.join(map(str, months))}")
    kind = draw(st.sampled_from(["none", "byday", "bymonthday", "byyearday", "byweekno"]))
    top = {"byday": 5 if months else 53, "bymonthday": 31, "byyearday": 366, "byweekno": 53}
    if kind == "byday":
        ordinals = st.one_of(st.none(), st.integers(1, top[kind]), st.integers(-top[kind], -1))
        days = draw(st.lists(st.tuples(ordinals, st.sampled_from(WEEKDAYS)),
                             min_size=1, max_size=3))
        parts.append("BYDAY=" + ",".join(f"{'' if n is None else n}{d}" for n, d in days))
    elif kind != "none":
        values = st.one_of(st.integers(1, top[kind]), st.integers(-top[kind], -1))
        chosen = draw(st.lists(values, min_size=1, max_size=3))
        parts.append(f"{kind.upper()}={','.join(map(str, chosen))}")
    if kind == "byweekno":
        if draw(st.booleans()):
            parts.append(f"BYDAY={draw(st.sampled_from(WEEKDAYS))}")
        parts.append(f"WKST={draw(st.sampled_from(WEEKDAYS))}")
    if kind != "none" and draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.sampled_from([1, 2, -1, -2]))}")
    extra = []
    if draw(st.booleans()):
        extra.append(f"INTERVAL={draw(st.integers(1, 5))}")
    if draw(st.booleans()):
        extra.append(f"COUNT={draw(st.integers(1, 12))}")
    return ";".join(parts), ";".join(extra)


def first_date(by_parts: str, seed: date) -> date | None:
    """A date the rule's BY parts give in the 30 years from ``seed``'s (DTSTART's month
    and day where the rule takes them from DTSTART): a DTSTART RFC 5545 allows."""
    from dateutil.rrule import rrulestr

    if not any(f"{key}=" in by_parts for key in ("BYDAY", "MONTHDAY", "YEARDAY", "WEEKNO")):
        months = by_parts.partition("BYMONTH=")[2]
        month = int(months.split(",")[0]) if months else seed.month
        return date(seed.year, month, min(seed.day, 28))
    for year in range(seed.year, seed.year + 30):  # one year at a time: INTERVAL past 9999
        found = list(rrulestr(f"{by_parts};INTERVAL=9999", dtstart=datetime(year, 1, 1)))
        if found:
            day: date = found[0].date()
            return day
    return None


@settings(max_examples=100, deadline=None)
@given(valid_rules(), st.dates(date(1990, 1, 1), date(2060, 12, 31)), st.integers(1, 3),
       st.integers(2, 40), st.booleans())
def test_a_yearly_rule_gives_the_dates_dateutil_gives_from_dtstart(
    rule: tuple[str, str], seed: date, length: int, ahead: int, exclude: bool
) -> None:
    from dateutil.rrule import rrulestr

    by_parts, extra = rule
    text = f"{by_parts};{extra}" if extra else by_parts
    start = first_date(by_parts, seed)
    assume(start is not None)
    assert start is not None
    from_start = rrulestr(text, dtstart=datetime(start.year, start.month, start.day))
    exdates = {d.date() for d in from_start.between(
        datetime(start.year + 1, 1, 1), datetime(start.year + 3, 12, 31))[:1]} if exclude else set()
    props = [f"DTSTART;VALUE=DATE:{_date(start)}", f"DURATION:P{length}D", f"RRULE:{text}"]
    props += [f"EXDATE;VALUE=DATE:{_date(d)}" for d in exdates]
    days = read_ics(ics(*event(*props)))
    for year in (start.year, start.year + 1, start.year + ahead, start.year + 400 + ahead):
        assert days.rules(year).off == expanded_from_dtstart(text, start, length, exdates, year)
