"""Calendars in and out of iCalendar (ICS, RFC 5545) files.

Reading (:func:`read_ics`): every all-day ``VEVENT`` is a dated rule, by its
``CATEGORIES`` (compared without case; ``-`` and ``_`` read as spaces):

- ``Working day`` (or ``Workday``): the dates are worked although the weekly hours close
  them (a working Saturday), with the hours of the first open weekday;
- ``Shortened day`` (or ``Short day``): the dates close early, by the event's
  ``X-SLACLOCK-SHORTENED-MINUTES`` (default 60, the Russian pre-holiday hour); with
  ``Working day`` too, a worked weekend closed early;
- ``Other hours``: the dates have the hours of the event's ``X-SLACLOCK-HOURS``
  (``10:00-14:00``, or ``closed``);
- anything else (no category, ``Holiday``, ...): the dates are days off, named by the
  event's ``SUMMARY``.

``DTEND`` is exclusive (a one-day event ends the next day) and may be replaced by a
``DURATION`` of whole days or left out (one day). ``RRULE`` may repeat an event yearly
(``FREQ=YEARLY`` with ``INTERVAL``, ``COUNT``, ``UNTIL``, ``BYMONTH``, ``BYDAY``...), with
``EXDATE`` dates left out; each rule part is checked against its range in RFC 5545 when the
file is read. A rule is expanded one year at a time with ``dateutil`` (which ``icalendar``
depends on), from the dates its BY parts give in that year: the Gregorian calendar repeats
every 400 years, so a rule costs at most 400 expansions, cached, however far a year is
from its ``DTSTART``, and ``INTERVAL``, ``COUNT`` and ``UNTIL`` are applied by arithmetic
on the years. Other frequencies, ``RDATE``, and timed events are refused. A dated event
wins over a repeating one on the same date; two events of different kinds on one date are
an error (for two repeating events, raised by the query that reaches that year).
Cancelled events (``STATUS:CANCELLED``) are skipped.

Writing (:func:`calendar_to_ics`) uses the same vocabulary, so a file written by slaclock
reads back to the same days.
"""

from __future__ import annotations

import functools
import os
import re
import warnings
from array import array
from collections.abc import Iterable
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, timedelta
from typing import Any

import attrs

from slaclock._errors import CalendarFileError, ConfigError, ProvisionalCalendarWarning

from ._calendar import Calendar, _shorten
from ._dated import DatedDays
from ._days import YearRules
from ._hours import MINUTES_PER_DAY, DayHours, format_day_hours, parse_day_hours

__all__ = ["INSTALL_HINT", "calendar_to_ics", "read_ics"]

INSTALL_HINT = "ICS files need the icalendar package: pip install 'slaclock[ics]'"

_ONE_DAY = timedelta(days=1)
_LONGEST_EVENT = 366  # days
_WORKING = {"working day", "workday", "work day"}
_SHORTENED = {"shortened day", "short day"}
_OTHER = {"other hours"}
_MINUTES_PROP = "X-SLACLOCK-SHORTENED-MINUTES"
_HOURS_PROP = "X-SLACLOCK-HOURS"


def _icalendar() -> Any:
    try:
        import icalendar
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(INSTALL_HINT, name="icalendar") from error
    return icalendar


@attrs.frozen
class _Kind:
    """What an event says about its dates."""

    off: bool = False
    working: bool = False
    shortened: int | None = None
    hours: DayHours | None = None

    def label(self) -> str:
        if self.hours is not None:
            return "other hours"
        if self.working:
            return "working day" + (", shortened" if self.shortened else "")
        return "shortened day" if self.shortened else "day off"


@attrs.frozen
class _Entry:
    kind: _Kind
    name: str
    where: str


def _put(table: dict[date, _Entry], day: date, entry: _Entry, source: str) -> None:
    old = table.get(day)
    if old is None:
        table[day] = entry
    elif old.kind != entry.kind:
        raise CalendarFileError(
            source, f"{old.where} and {entry.where}", day.isoformat(),
            f"one date is both a {old.kind.label()} and a {entry.kind.label()}; keep one",
        )
    elif entry.name not in old.name.split(" / "):
        table[day] = attrs.evolve(old, name=f"{old.name} / {entry.name}")


def _rules_of(table: dict[date, _Entry], year: int | None = None) -> YearRules:
    off: dict[date, str] = {}
    working: set[date] = set()
    shortened: dict[date, int] = {}
    for day, entry in table.items():
        if year is not None and day.year != year:
            continue
        kind = entry.kind
        if kind.off:
            off[day] = entry.name
        if kind.working:
            working.add(day)
        if kind.shortened:
            shortened[day] = kind.shortened
    return YearRules(off=frozenset(off), working=frozenset(working), shortened=shortened,
                     names=off)


@functools.lru_cache(maxsize=4096)
def _dates_in_cycle_year(rule: str, residue: int) -> array[int]:
    """The days after 1 January of every date ``rule`` gives in the year ``2000 + residue``
    (two bytes a date).

    The Gregorian calendar repeats every 400 years, weekdays and ISO weeks included, so the
    dates a yearly rule (its BY parts, every year) gives in a year depend only on the year
    modulo 400: at most 400 expansions a rule, however far the year is from DTSTART.
    """
    from dateutil.rrule import rrulestr

    year = 2000 + residue
    # An INTERVAL that leaves the years 1-9999 after this one: dateutil stops at its end
    # even when the rule gives no date in the years just after it.
    expanded = rrulestr(f"{rule};INTERVAL={MAXYEAR}", dtstart=datetime(year, 1, 1))
    new_year = date(year, 1, 1).toordinal()
    return array("H", (d.toordinal() - new_year for d in expanded))


def _starts_in(rule: str, start: date, interval: int, year: int) -> list[date]:
    """The first dates of a rule's occurrences in ``year``, by INTERVAL from DTSTART
    (COUNT and UNTIL aside)."""
    if year < start.year or (year - start.year) % interval:
        return []
    new_year = date(year, 1, 1).toordinal()
    days = [date.fromordinal(new_year + k) for k in _dates_in_cycle_year(rule, year % 400)]
    return [d for d in days if d >= start] if year == start.year else days


@functools.lru_cache(maxsize=1024)
def _last_of_count(rule: str, start: date, interval: int, count: int) -> date | None:
    """The COUNT-th date of a rule (None: the years end first). Counted by years, each
    year's number of dates read from the 400-year cycle."""
    seen = 0
    for year in range(start.year, MAXYEAR + 1, interval):
        if year == start.year:
            found = len(_starts_in(rule, start, interval, year))
        else:
            found = len(_dates_in_cycle_year(rule, year % 400))
        if seen + found >= count:
            return _starts_in(rule, start, interval, year)[count - seen - 1]
        seen += found
    return None


@attrs.frozen
class _Repeating:
    """One yearly event: its RRULE, expanded per year.

    ``rule`` is ``FREQ=YEARLY`` with the BY parts (DTSTART's month and day written out
    where the rule takes them from DTSTART); ``interval``, ``count`` and ``until`` are
    applied here, so a year's dates cost the same whatever its distance from ``start``.
    """

    rule: str
    start: date
    length: int
    exdates: frozenset[date]
    entry: _Entry
    interval: int = 1
    count: int | None = None
    until: date | None = None

    def last(self) -> date | None:
        """The last first date the rule gives (None: none before the end of year 9999)."""
        if self.count is None:
            return self.until
        return _last_of_count(self.rule, self.start, self.interval, self.count)

    def days(self, year: int) -> list[date]:
        if not MINYEAR <= year <= MAXYEAR:
            return []
        last = self.last()
        lo, hi = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        out: list[date] = []
        for period in (year - 1, year) if self.length > 1 else (year,):
            for first in _starts_in(self.rule, self.start, self.interval, period):
                if last is not None and first > last:
                    break
                if first in self.exdates:
                    continue
                begin = first.toordinal()
                out += [date.fromordinal(k)
                        for k in range(max(begin, lo), min(begin + self.length - 1, hi) + 1)]
        return out


@attrs.frozen
class _YearlyEvents:
    """The repeating events of a file: the ``recurring`` part of its :class:`DatedDays`."""

    events: tuple[_Repeating, ...]
    source: str

    def __call__(self, year: int) -> YearRules:
        table: dict[date, _Entry] = {}
        for event in self.events:
            for day in event.days(year):
                _put(table, day, event.entry, self.source)
        return _rules_of(table)


def read_ics(source: str | bytes | os.PathLike[str]) -> DatedDays:
    """Read days off, working days and shortened days from an ICS (iCalendar) file.

    Args:
        source: a file's path, or the file's text: bytes, or a string that starts with
            ``BEGIN:VCALENDAR`` (after any byte-order mark and white space, which are
            dropped, the lines keeping their numbers) or holds a line break. Any other
            string is a path.

    Returns:
        a :class:`DatedDays`: give it to a calendar as ``holidays``, or call its
        :meth:`~DatedDays.calendar`. The reading rules (categories for working and
        shortened days, yearly ``RRULE``) are in :doc:`/howto/zendesk-schedule-and-ics`.

    Raises:
        CalendarFileError: naming the file, the line of the offending ``VEVENT`` (or
            content line) and what to fix; the only error a file's content raises. Among
            the refusals: a property an event has once (``DTSTART``, ``DTEND``,
            ``DURATION``, ``RRULE``) given twice; a ``VALUE`` parameter with two types;
            an event that runs past 9999-12-31; a rule that is not ``FREQ=YEARLY``, whose
            ``INTERVAL`` or ``COUNT`` is not a positive number, that has both ``COUNT``
            and ``UNTIL`` or an ``UNTIL`` before ``DTSTART``, a rule part RFC 5545 does
            not define (``X-...``, ``RSCALE``), or a number out of its part's range
            (``BYMONTH`` 1 to 12, ``BYMONTHDAY`` ±1 to 31, ``BYYEARDAY`` and
            ``BYSETPOS`` ±1 to 366, ``BYWEEKNO`` ±1 to 53, a numbered ``BYDAY`` ±1 to 53,
            or ±1 to 5 with ``BYMONTH``, and none with ``BYWEEKNO``); a rule whose first
            date is not ``DTSTART``. ``BYHOUR``, ``BYMINUTE`` and ``BYSECOND`` are
            ignored, as RFC 5545 says for all-day events. A query raises it too, for the
            year in which two repeating events of different kinds meet on a date.
        ModuleNotFoundError: when the ``icalendar`` package is missing (``pip install
            'slaclock[ics]'``).
        OSError: when the file cannot be read.

    >>> days = read_ics('''BEGIN:VCALENDAR
    ... VERSION:2.0
    ... PRODID:-//Example desk//EN
    ... BEGIN:VEVENT
    ... UID:xmas@example.com
    ... DTSTAMP:20260101T000000Z
    ... DTSTART;VALUE=DATE:20261225
    ... DTEND;VALUE=DATE:20261227
    ... SUMMARY:Christmas break
    ... END:VEVENT
    ... END:VCALENDAR''')
    >>> for day, name in days.off.items():
    ...     print(day, name)
    2026-12-25 Christmas break
    2026-12-26 Christmas break
    """
    icalendar = _icalendar()
    name, text = _text_of(source)
    lines = _check_structure(text, name)
    try:
        parsed = icalendar.Calendar.from_ical(text)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
        # icalendar's own errors are ValueErrors; the others are its slips on odd input
        where = _failing_event(icalendar, text, lines)
        raise CalendarFileError(
            name, where, f"{type(error).__name__}: {error}"[:80],
            "not a valid iCalendar file (RFC 5545)",
        ) from None
    dated: dict[date, _Entry] = {}
    repeating: list[_Repeating] = []
    for index, event in enumerate(parsed.walk("VEVENT")):
        line = lines[index] if index < len(lines) else 0
        summary = str(event.get("SUMMARY", "")).strip()
        where = f"line {line} (VEVENT {summary!r})" if summary else f"line {line} (VEVENT)"
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        errors = getattr(event, "errors", None)
        if errors:
            prop, message = errors[0]
            raise CalendarFileError(name, where, prop, f"cannot be read: {message}")
        first, length = _span(event, name, where)
        kind = _kind(event, name, where)
        entry = _Entry(kind, summary or ("Day off" if kind.off else kind.label()), where)
        rule = event.get("RRULE")
        if event.get("RDATE") is not None:
            raise CalendarFileError(
                name, where, "RDATE", "RDATE is not supported; write one event per date"
            )
        if rule is None:
            for k in range(length):
                _put(dated, first + k * _ONE_DAY, entry, name)
            continue
        repeating.append(_repeating(rule, first, length, event, entry, name, where))
    table = _rules_of(dated)
    overrides = {d: e.kind.hours for d, e in dated.items() if e.kind.hours is not None}
    return DatedDays(
        off=dict(table.names), working=table.working, shortened=table.shortened,
        overrides=overrides, source=name,
        recurring=_YearlyEvents(tuple(repeating), name),
    )


_LEADING = "\ufeff \t\r\n"  # a byte-order mark and white space before BEGIN:VCALENDAR


def _text_of(source: object) -> tuple[str, str]:
    if isinstance(source, bytes):
        return "<ics>", _decode(source, "<ics>")
    if isinstance(source, str) and (
        source.lstrip(_LEADING)[:15].upper() == "BEGIN:VCALENDAR"
        or "\n" in source or "\r" in source
    ):
        return "<ics>", _trimmed(source)
    if isinstance(source, str | os.PathLike):
        name = os.fspath(source)
        with open(name, "rb") as file:
            return name, _decode(file.read(), name)
    raise TypeError(f"read_ics takes a path, or the file's text, not {type(source).__name__}")


def _trimmed(text: str) -> str:
    """``text`` without the byte-order mark and white space before its first line, each
    line keeping its number."""
    body = text.lstrip(_LEADING)
    skipped = text[: len(text) - len(body)]
    return "\n" * sum(piece[-1] in "\r\n" for piece in skipped.splitlines(True)) + body


def _decode(data: bytes, name: str) -> str:
    try:
        return _trimmed(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CalendarFileError(
            name, f"line {line}", data[error.start : error.start + 4],
            "not UTF-8; iCalendar files are UTF-8 (RFC 5545): re-save the file as UTF-8",
        ) from None


_BEGIN_END = re.compile(r"^(BEGIN|END):([A-Za-z0-9-]+)\s*$")
_VALUES = re.compile(r";VALUE=[^;:]*,", re.IGNORECASE)  # VALUE=DATE,DATE-TIME


def _failing_event(icalendar: Any, text: str, events: list[int]) -> str:
    """Where the parser fails: the line of the first ``VEVENT`` it cannot read alone."""
    rows = text.splitlines()
    for number in events:
        block = []
        for row in rows[number - 1 :]:
            block.append(row)
            if row.strip().upper() == "END:VEVENT":
                break
        try:
            icalendar.Calendar.from_ical("\r\n".join(["BEGIN:VCALENDAR", *block, "END:VCALENDAR"]))
        except (ValueError, TypeError, AttributeError, IndexError, KeyError):
            return f"line {number} (VEVENT)"
    return "(file)"


def _check_structure(text: str, name: str) -> list[int]:
    """Check BEGIN/END nesting line by line; the line of each ``BEGIN:VEVENT``."""
    stack: list[tuple[str, int]] = []
    events: list[int] = []
    seen_calendar = False
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw[0] in " \t":
            continue  # blank, or the continuation of a folded line
        match = _BEGIN_END.match(raw)
        if _VALUES.search(raw.partition(":")[0]):
            raise CalendarFileError(
                name, f"line {number}", raw[:40],
                "a property has one value type (VALUE=DATE); write one VALUE",
            )
        if match is None:
            if ":" not in raw and ";" not in raw:
                raise CalendarFileError(
                    name, f"line {number}", raw[:40],
                    "not an iCalendar content line (NAME:VALUE); a long line must be "
                    "folded with a leading space",
                )
            continue
        verb, component = match[1].upper(), match[2].upper()
        if verb == "BEGIN":
            if not stack:
                if component != "VCALENDAR" or seen_calendar:
                    raise CalendarFileError(
                        name, f"line {number}", raw, "the file must hold one VCALENDAR"
                    )
                seen_calendar = True
            if component == "VEVENT":
                events.append(number)
            stack.append((component, number))
        elif not stack or stack[-1][0] != component:
            opened = f"{stack[-1][0]} opened on line {stack[-1][1]}" if stack else "nothing"
            raise CalendarFileError(
                name, f"line {number}", raw, f"END does not match: {opened} is open"
            )
        else:
            stack.pop()
    if stack:
        component, number = stack[-1]
        raise CalendarFileError(
            name, f"line {number}", f"BEGIN:{component}", "never closed: add END:" + component
        )
    if not seen_calendar:
        raise CalendarFileError(name, "line 1", text[:40], "no BEGIN:VCALENDAR")
    return events


def _all_day(value: object, name: str, where: str, prop: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise CalendarFileError(
            name, where, f"{prop}:{value}",
            "a timed event; only all-day events (DTSTART;VALUE=DATE:20270101) give days",
        )
    return value


def _one(event: Any, prop: str, name: str, where: str) -> Any:
    """The event's one ``prop`` (None when absent); given twice, an error."""
    value = event.get(prop)
    if isinstance(value, list):
        raise CalendarFileError(
            name, where, prop, f"given {len(value)} times; an event has one {prop}"
        )
    return value


def _span(event: Any, name: str, where: str) -> tuple[date, int]:
    start = _one(event, "DTSTART", name, where)
    if start is None:
        raise CalendarFileError(name, where, None, "no DTSTART; add DTSTART;VALUE=DATE:...")
    first = _all_day(start.dt, name, where, "DTSTART")
    end, duration = _one(event, "DTEND", name, where), _one(event, "DURATION", name, where)
    if end is not None:
        given = f"DTEND:{end.dt}"
        length = (_all_day(end.dt, name, where, "DTEND") - first).days
    elif duration is not None:
        delta = duration.dt
        given = f"DURATION:{delta}"
        if not isinstance(delta, timedelta) or delta % _ONE_DAY:
            raise CalendarFileError(
                name, where, given, "an all-day event lasts whole days (P1D)"
            )
        length = delta // _ONE_DAY
    else:
        given, length = f"DTSTART:{first}", 1
    if length < 1:
        raise CalendarFileError(
            name, where, given,
            "DTEND must be after DTSTART (it is exclusive: a one-day event ends the next day)",
        )
    if length > _LONGEST_EVENT:
        raise CalendarFileError(
            name, where, f"{length} days", "an event longer than a year; check DTEND"
        )
    if first.toordinal() + length - 1 > date.max.toordinal():
        raise CalendarFileError(
            name, where, given, "the event runs past 9999-12-31, the last date a calendar "
            "holds; end it by then",
        )
    return first, length


def _categories(event: Any) -> set[str]:
    value = event.get("CATEGORIES")
    if value is None:
        return set()
    props = value if isinstance(value, list) else [value]
    out = set()
    for prop in props:
        cats = getattr(prop, "cats", None)
        for cat in cats if cats is not None else str(prop).split(","):
            out.add(" ".join(str(cat).lower().replace("-", " ").replace("_", " ").split()))
    return out


def _kind(event: Any, name: str, where: str) -> _Kind:
    cats = _categories(event)
    working = bool(cats & _WORKING)
    shortened = bool(cats & _SHORTENED)
    if cats & _OTHER:
        if working or shortened:
            raise CalendarFileError(
                name, where, sorted(cats), "'Other hours' cannot be combined with "
                "'Working day' or 'Shortened day'; the hours say it all",
            )
        text = event.get(_HOURS_PROP)
        if text is None:
            raise CalendarFileError(
                name, where, None, f"an 'Other hours' event needs {_HOURS_PROP}:10:00-14:00"
            )
        try:
            hours = parse_day_hours(str(text), _HOURS_PROP)
        except ConfigError as error:
            raise CalendarFileError(name, where, str(text), error.problem) from None
        return _Kind(hours=hours)
    minutes = None
    if shortened:
        raw = event.get(_MINUTES_PROP)
        minutes = 60
        if raw is not None:
            try:
                minutes = int(str(raw))
            except ValueError:
                minutes = 0
            if not 0 < minutes < MINUTES_PER_DAY:
                raise CalendarFileError(
                    name, where, str(raw), f"{_MINUTES_PROP} must be whole minutes, 1 to 1439"
                )
    return _Kind(off=not (working or shortened), working=working, shortened=minutes)


# The rule parts of RFC 5545 (3.3.10) a yearly rule of all-day events may have.
_RULE_PARTS = ("FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR",
               "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST")
_ONE_VALUE = ("FREQ", "UNTIL", "COUNT", "INTERVAL", "WKST")
# Numbered parts, 1 to n or -n to -1 (counted from the end); BYMONTH is 1 to 12.
_NUMBERED = {"BYMONTHDAY": 31, "BYYEARDAY": 366, "BYWEEKNO": 53, "BYSETPOS": 366}
_DAY_PARTS = ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")


def _weekday(day: Any) -> str:
    weekday = str(day.weekday).upper()
    return f"{day.relative:+d}{weekday}" if day.relative else weekday


def _checked_rule(
    rule: Any, first: date, name: str, where: str
) -> tuple[str, int, int | None, date | None]:
    """A yearly RRULE checked part by part: its BY parts as one text (DTSTART's month and
    day written out where the rule takes them from DTSTART), its INTERVAL, COUNT, UNTIL."""
    written = f"RRULE:{rule.to_ical().decode('utf-8', 'replace')}"

    def refuse(problem: str) -> CalendarFileError:
        return CalendarFileError(name, where, written, problem)

    parts = {str(k).upper(): v if isinstance(v, list) else [v] for k, v in rule.items()}
    freq = [str(f).upper() for f in parts.get("FREQ", [])]
    if freq != ["YEARLY"]:
        raise CalendarFileError(
            name, where, f"FREQ={','.join(freq)}",
            "only yearly rules (RRULE:FREQ=YEARLY) make sense for days off; write other "
            "dates as events of their own",
        )
    for key, values in parts.items():
        if key not in _RULE_PARTS:
            raise refuse(f"{key} is not a rule part of RFC 5545 that slaclock reads; "
                         f"it reads {', '.join(_RULE_PARTS)}")
        if key in _ONE_VALUE and len(values) != 1:
            raise refuse(f"{key} takes one value")
    if "COUNT" in parts and "UNTIL" in parts:
        raise refuse("a rule ends by COUNT or by UNTIL, not both (RFC 5545); keep one")
    interval = int(parts.get("INTERVAL", [1])[0])
    if interval < 1:
        raise refuse("INTERVAL is the number of years between repeats: a whole number, "
                     "1 or more (RFC 5545: a positive integer)")
    count = int(parts["COUNT"][0]) if "COUNT" in parts else None
    if count is not None and count < 1:
        raise refuse("COUNT is the number of repeats: a whole number, 1 or more")
    until = None
    if "UNTIL" in parts:
        value = parts["UNTIL"][0]
        until = value.date() if isinstance(value, datetime) else value
        if not isinstance(until, date):
            raise refuse("UNTIL is the last date (UNTIL=20301231)")
        if until < first:
            raise refuse(f"UNTIL is before DTSTART ({first.isoformat()}): the rule gives no date")
    months = sorted({int(m) for m in parts.get("BYMONTH", [])})
    if any(getattr(m, "leap", False) for m in parts.get("BYMONTH", [])) or not all(
        1 <= m <= 12 for m in months
    ):
        raise refuse("BYMONTH takes months 1 to 12")
    for key, top in _NUMBERED.items():
        if not all(1 <= abs(int(n)) <= top for n in parts.get(key, [])):
            raise refuse(f"{key} takes 1 to {top}, or -{top} to -1 counted from the end")
    for day in parts.get("BYDAY", []):
        if not day.relative:
            continue
        if "BYWEEKNO" in parts:
            raise refuse("a numbered BYDAY (2MO) cannot go with BYWEEKNO (RFC 5545)")
        top, within = (5, "month") if months else (53, "year")
        if not 1 <= abs(day.relative) <= top:
            raise refuse(f"a numbered BYDAY counts the weekday in the {within}: 1 to {top}, "
                         f"or -{top} to -1 from its end, not {_weekday(day)}")
    for day in parts.get("WKST", []):
        if day.relative:
            raise refuse("WKST is a weekday (WKST=MO)")
    # BYHOUR, BYMINUTE and BYSECOND are ignored: RFC 5545 says so for all-day events.
    out = ["FREQ=YEARLY"]
    if not any(key in parts for key in _DAY_PARTS):  # the day of DTSTART, as RFC 5545 says
        parts["BYMONTHDAY"] = [first.day]
        months = months or [first.month]
    if "BYDAY" in parts:
        out.append("BYDAY=" + ",".join(sorted({_weekday(d) for d in parts["BYDAY"]})))
    if months:
        parts["BYMONTH"] = months
    for key in ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS"):
        if key in parts:
            out.append(f"{key}={','.join(str(n) for n in sorted({int(n) for n in parts[key]}))}")
    if "WKST" in parts:
        out.append(f"WKST={_weekday(parts['WKST'][0])}")
    return ";".join(out), interval, count, until


def _repeating(
    rule: Any, first: date, length: int, event: Any, entry: _Entry, name: str, where: str
) -> _Repeating:
    if isinstance(rule, list):
        raise CalendarFileError(name, where, "RRULE", "one RRULE per event")
    if entry.kind.hours is not None:
        raise CalendarFileError(
            name, where, "RRULE", "an 'Other hours' event cannot repeat; write its dates"
        )
    text, interval, count, until = _checked_rule(rule, first, name, where)
    exdates: set[date] = set()
    raw = event.get("EXDATE")
    for prop in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        for value in getattr(prop, "dts", []):
            day = value.dt
            exdates.add(day.date() if isinstance(day, datetime) else day)
    repeating = _Repeating(text, first, length, frozenset(exdates), entry, interval, count,
                           until)
    written = f"RRULE:{rule.to_ical().decode('utf-8', 'replace')}"
    try:
        starts = _starts_in(text, first, interval, first.year)
    except (ValueError, TypeError, IndexError, OverflowError) as error:
        raise CalendarFileError(name, where, written, f"cannot be read: {error}") from None
    if starts[:1] != [first]:
        raise CalendarFileError(
            name, where, written,
            f"the rule does not give DTSTART ({first.isoformat()}) as its first date, and "
            "RFC 5545 leaves such a rule undefined; start the event on the rule's first date",
        )
    return repeating


# -- writing -------------------------------------------------------------------------------


def _total(hours: DayHours) -> int:
    return sum(end - start for start, end in hours)


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return " ".join(p for p in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if p)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "calendar"


def calendar_to_ics(
    calendar: Calendar,
    year: int | Iterable[int],
    *,
    name: str | None = None,
    stamp: datetime | None = None,
) -> str:
    """A year's days off, working weekends and shortened days as an ICS file's text.

    One all-day event per date (RFC 5545; free time, ``TRANSP:TRANSPARENT``), with a UID
    made of the date and ``name``, so publishing the calendar again updates the events
    instead of adding new ones:

    - a **day off** (a holiday or a moved day off, also one that falls on a weekend),
      named after the holiday where the calendar knows it;
    - a **working day**: a weekend date worked (category ``Working day``);
    - a **shortened day**: a working day closed early (category ``Shortened day``, with
      ``X-SLACLOCK-SHORTENED-MINUTES``);
    - **other hours**: a date whose hours an override changed otherwise (category
      ``Other hours``, with ``X-SLACLOCK-HOURS``).

    :func:`read_ics` reads the file back: with the same zone and weekly hours, the
    calendar it gives has the same hours on every date of the year.

    Args:
        calendar: a :class:`Calendar` (not a combination of calendars).
        year: a year, or several.
        name: the published calendar's name (``X-WR-CALNAME``), also part of every UID:
            give each calendar you publish its own. Default: ``"Working calendar
            (<zone>)"``.
        stamp: the ``DTSTAMP`` of every event (when the file was made); default now.
            Pass one to make the output byte for byte the same each time.

    Warns:
        ProvisionalCalendarWarning: for a year whose dated rules are computed, not
            published (see :meth:`Calendar.is_provisional`).

    Raises:
        ModuleNotFoundError: when the ``icalendar`` package is missing (``pip install
            'slaclock[ics]'``).

    >>> text = calendar_to_ics(Calendar.russia(), 2027, stamp=datetime(2026, 12, 1, tzinfo=UTC))
    >>> print(text[text.index("BEGIN:VEVENT"):].split("END:VEVENT")[0].strip())
    BEGIN:VEVENT
    SUMMARY:Public holiday
    DTSTART;VALUE=DATE:20270101
    DTEND;VALUE=DATE:20270102
    DTSTAMP:20261201T000000Z
    UID:20270101-working-calendar-europe-moscow@slaclock
    CATEGORIES:Day off
    DESCRIPTION:Closed
    TRANSP:TRANSPARENT
    """
    if not isinstance(calendar, Calendar):
        raise TypeError(
            "calendar_to_ics writes a Calendar's dated rules; a combination of calendars "
            f"has none of its own (got {type(calendar).__name__})"
        )
    icalendar = _icalendar()
    years = [year] if isinstance(year, int) else sorted(set(year))
    title = name if name is not None else f"Working calendar ({calendar.tz})"
    slug = _slug(title)
    stamp = stamp if stamp is not None else datetime.now(UTC).replace(microsecond=0)
    if stamp.tzinfo is None:
        raise ConfigError("stamp", stamp, "give an aware datetime, e.g. in UTC")
    stamp = stamp.astimezone(UTC)
    from slaclock._version import __version__

    out = icalendar.Calendar()
    out.add("prodid", f"-//slaclock//slaclock {__version__}//EN")
    out.add("version", "2.0")
    out.add("calscale", "GREGORIAN")
    out.add("x-wr-calname", title)
    for y in years:
        if calendar.is_provisional(y):
            warnings.warn(ProvisionalCalendarWarning(
                f"{y} is a provisional year: the days published are computed from the "
                "fixed holidays, without the government's transfers, and may change",
                (y,),
            ), stacklevel=2)
        rules = calendar.holidays.rules(y) if calendar.holidays is not None else YearRules()
        day = date(y, 1, 1)
        while day.year == y:
            described = _describe(calendar, day, rules)
            if described is not None:
                summary, categories, extra = described
                hours = calendar.day_hours(day)
                event = icalendar.Event()
                event.add("uid", f"{day:%Y%m%d}-{slug}@slaclock")
                event.add("dtstamp", stamp)
                event.add("dtstart", day)
                event.add("dtend", day + _ONE_DAY)
                event.add("summary", summary)
                event.add("categories", categories)
                event.add("description", f"Open {format_day_hours(hours)} ({calendar.tz})"
                          if hours else "Closed")
                event.add("transp", "TRANSPARENT")
                for key, value in extra.items():
                    event.add(key, value)
                out.add_component(event)
            day += _ONE_DAY
    text: str = out.to_ical().decode("utf-8")
    return text


def _describe(
    calendar: Calendar, day: date, rules: YearRules
) -> tuple[str, list[str], dict[str, str]] | None:
    """The summary, categories and slaclock properties of ``day``'s event, if it has one."""
    base = calendar.hours.days[day.weekday()]
    hours = calendar.day_hours(day)
    if not hours:
        if not (base or day in calendar.days_off or day in rules.off):
            return None  # an ordinary weekend
        label = rules.names.get(day) or "Day off"
        return label[:1].upper() + label[1:], ["Day off"], {}
    expected = base or calendar.hours.standard_day()
    lost = _total(expected) - _total(hours)
    if hours == expected:
        return None if base else ("Working day", ["Working day"], {})
    if lost > 0 and _shorten(expected, lost) == hours:
        summary = f"{'Shortened' if base else 'Working'} day ({_duration(lost)} shorter)"
        categories = ["Shortened day"] if base else ["Working day", "Shortened day"]
        return summary, categories, {_MINUTES_PROP: str(lost)}
    text = format_day_hours(hours)
    return f"Other hours: {text}", ["Other hours"], {_HOURS_PROP: text}
