"""Zendesk business-hours schedules as slaclock calendars.

The format, as Zendesk's Schedules API documents it (facts; see
:doc:`/howto/zendesk-schedule-and-ics`):

- a schedule has a ``time_zone`` (a Ruby on Rails zone name such as ``"Eastern Time (US &
  Canada)"``) and ``intervals``, each a ``start_time`` and ``end_time`` in minutes from the
  start of the week, Sunday 00:00 (Monday 09:00 is 1980). Current schedules split their
  intervals at midnight; older ones could run across it.
- the schedule's holidays (a separate endpoint) each have a ``name``, a ``start_date`` and
  an ``end_date``, ISO dates, both included; they close the whole dates in the schedule's
  zone.

The API wraps one schedule as ``{"schedule": {...}}``, the list as ``{"schedules": [...]}``
and the holidays as ``{"holidays": [...]}``.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slaclock._errors import CalendarFileError

from ._dated import DatedDays
from ._hours import MINUTES_PER_DAY, WEEKDAYS, format_day_hours

if TYPE_CHECKING:
    from ._calendar import Calendar

__all__ = ["calendar_from_zendesk", "iana_zone", "rails_zones"]

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
_LONGEST_HOLIDAY = 366  # days: a longer one is a typo in a year


@cache
def rails_zones() -> dict[str, str]:
    """Zendesk's (Ruby on Rails') zone names and their IANA zones, from
    ``data/rails_time_zones.toml`` (the source is named there).

    >>> rails_zones()["Eastern Time (US & Canada)"]
    'America/New_York'
    """
    text = resources.files("slaclock").joinpath("data/rails_time_zones.toml").read_text("utf-8")
    zones: dict[str, str] = tomllib.loads(text)["zones"]
    return zones


def iana_zone(name: object, source: str = "<schedule>", field: str = "time_zone") -> str:
    """The IANA zone of a Zendesk zone name, or of an IANA name given as it is.

    >>> iana_zone("Moscow"), iana_zone("Europe/Moscow")
    ('Europe/Moscow', 'Europe/Moscow')
    """
    if not isinstance(name, str) or not name:
        raise CalendarFileError(
            source, field, name, "give the schedule's zone, e.g. 'Eastern Time (US & Canada)'"
        )
    zones = rails_zones()
    if name in zones:
        return zones[name]
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    else:
        return name
    close = difflib.get_close_matches(name, list(zones), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise CalendarFileError(
        source, field, name,
        f"{hint}not a Zendesk zone name (e.g. 'Eastern Time (US & Canada)', 'Moscow') nor an "
        "IANA one (e.g. 'America/New_York')",
    )


def calendar_from_zendesk(
    schedule: str | os.PathLike[str] | Mapping[str, Any],
    holidays: str | os.PathLike[str] | Mapping[str, Any] | Sequence[Any] | None = None,
    *,
    select: str | int | None = None,
) -> Calendar:
    """A :class:`~slaclock.Calendar` from a Zendesk business-hours schedule.

    Args:
        schedule: a JSON file's path, or its parsed data: what Zendesk's Schedules API
            returns for one schedule (``{"schedule": {...}}``), for the list
            (``{"schedules": [...]}``, with ``select``), or the schedule object itself.
            Holidays may sit beside it (``{"schedule": {...}, "holidays": [...]}``).
        holidays: the schedule's holidays, when they are in a file of their own: a path,
            the endpoint's answer (``{"holidays": [...]}``) or the list. Given, they
            replace any holidays beside the schedule.
        select: the name or id of the schedule to take from a list of several.

    The zone may be a Zendesk (Rails) name or an IANA one. Intervals are split at
    midnight into the weekdays they cover, so an interval across midnight or across the
    end of the week (Saturday night to Sunday morning) works; a holiday closes its whole
    dates in the schedule's zone, as in Zendesk.

    Raises:
        CalendarFileError: naming the file, the record (``schedule.intervals[2]``,
            ``holidays[0].end_date``) and what to fix.
        OSError: when a file cannot be read.

    >>> cal = calendar_from_zendesk({"schedule": {
    ...     "time_zone": "Moscow",
    ...     "intervals": [{"start_time": 1980, "end_time": 2520}],  # Monday 09:00-18:00
    ... }, "holidays": [
    ...     {"name": "Labour Day", "start_date": "2027-05-03", "end_date": "2027-05-03"},
    ... ]})
    >>> cal.tz, cal.hours
    ('Europe/Moscow', WeeklyHours('mon: 09:00-18:00'))
    >>> cal.is_business_day(date(2027, 5, 3)), cal.is_business_day(date(2027, 5, 10))
    (False, True)
    """
    source, data = _load(schedule, "<schedule>")
    sched, where = _find_schedule(data, source, select)
    tz = iana_zone(sched.get("time_zone"), source, _join(where, "time_zone"))
    hours = _weekly_hours(sched.get("intervals"), source, _join(where, "intervals"))
    if holidays is not None:
        hsource, hdata = _load(holidays, "<holidays>")
    else:
        hsource, hdata = source, None
        if isinstance(data, Mapping) and "holidays" in data:
            hdata = {"holidays": data["holidays"]}
        elif "holidays" in sched:
            hdata = {"holidays": sched["holidays"]}
    days = _holidays(hdata, hsource) if hdata is not None else {}
    return DatedDays(off=days, source=source).calendar(tz=tz, hours=hours)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _load(value: object, default: str) -> tuple[str, Any]:
    if isinstance(value, str | os.PathLike):
        name = os.fspath(value)
        with open(name, encoding="utf-8-sig") as file:
            text = file.read()
        try:
            return name, json.loads(text)
        except json.JSONDecodeError as error:
            raise CalendarFileError(
                name, f"line {error.lineno}, column {error.colno}", text[error.pos:][:20],
                f"not valid JSON ({error.msg}); export the API's answer as it is",
            ) from None
    if isinstance(value, Mapping | list | tuple):
        return default, value
    raise CalendarFileError(
        default, "schedule", value, "give a JSON file's path or its parsed data (a dict)"
    )


def _find_schedule(
    data: Any, source: str, select: str | int | None
) -> tuple[Mapping[str, Any], str]:
    if not isinstance(data, Mapping):
        raise CalendarFileError(
            source, "(top level)", type(data).__name__,
            "expected an object with 'schedule' (or 'schedules', or 'time_zone' and "
            "'intervals')",
        )
    if isinstance(data.get("schedule"), Mapping):
        return data["schedule"], "schedule"
    if isinstance(data.get("schedules"), list):
        listed = data["schedules"]
        found = [
            (i, s) for i, s in enumerate(listed)
            if isinstance(s, Mapping) and (select is None or select in (s.get("id"), s.get("name")))
        ]
        if len(found) == 1:
            return found[0][1], f"schedules[{found[0][0]}]"
        names = [s.get("name") for s in listed if isinstance(s, Mapping)]
        problem = (
            f"no schedule has the name or id {select!r}" if select is not None and not found
            else "several schedules; choose one with select= (its name or id)"
        )
        raise CalendarFileError(source, "schedules", names, problem)
    if "intervals" in data or "time_zone" in data:
        return data, ""
    raise CalendarFileError(
        source, "(top level)", sorted(data)[:6],
        "no 'schedule' object; give the Schedules API's answer ({\"schedule\": {...}})",
    )


def _weekly_hours(intervals: object, source: str, field: str) -> dict[str, str]:
    if not isinstance(intervals, list) or not intervals:
        raise CalendarFileError(
            source, field, intervals,
            "give the schedule's intervals: a list of {start_time, end_time} in minutes "
            "from Sunday 00:00",
        )
    # Each weekday's pieces (Monday = 0), with the record each came from.
    pieces: list[list[tuple[int, int, int]]] = [[] for _ in range(7)]
    for i, interval in enumerate(intervals):
        here = f"{field}[{i}]"
        if not isinstance(interval, Mapping):
            raise CalendarFileError(source, here, interval, "expected {start_time, end_time}")
        start, end = interval.get("start_time"), interval.get("end_time")
        for key, value in (("start_time", start), ("end_time", end)):
            if type(value) is not int:
                raise CalendarFileError(
                    source, f"{here}.{key}", value,
                    "give whole minutes from Sunday 00:00 (Monday 09:00 is 1980)",
                )
        assert isinstance(start, int)
        assert isinstance(end, int)
        if not 0 <= start < MINUTES_PER_WEEK:
            raise CalendarFileError(
                source, f"{here}.start_time", start, "must be from 0 to 10079 (Saturday 23:59)"
            )
        if not start < end <= start + MINUTES_PER_WEEK:
            raise CalendarFileError(
                source, here, {"start_time": start, "end_time": end},
                "end_time must be after start_time, and at most a week after it",
            )
        minute = start
        while minute < end:
            day_start = minute - minute % MINUTES_PER_DAY
            piece_end = min(end, day_start + MINUTES_PER_DAY)
            weekday = (day_start // MINUTES_PER_DAY % 7 + 6) % 7  # Sunday first -> Monday first
            pieces[weekday].append((minute - day_start, piece_end - day_start, i))
            minute = piece_end
    hours: dict[str, str] = {}
    for weekday, day in enumerate(pieces):
        day.sort()
        merged: list[tuple[int, int]] = []
        last_record = -1
        for start, end, record in day:
            if merged and start < merged[-1][1]:
                raise CalendarFileError(
                    source, f"{field}[{last_record}] and {field}[{record}]",
                    WEEKDAYS[weekday], "these intervals overlap on this weekday; merge them",
                )
            if merged and start == merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
            last_record = record
        if merged:
            hours[WEEKDAYS[weekday]] = format_day_hours(tuple(merged))
    return hours


def _holidays(data: Any, source: str) -> dict[date, str]:
    if isinstance(data, Mapping) and "holidays" in data:
        data = data["holidays"]
    if not isinstance(data, list | tuple):
        raise CalendarFileError(
            source, "holidays", type(data).__name__,
            "give the holidays endpoint's answer ({\"holidays\": [...]}) or its list",
        )
    days: dict[date, str] = {}
    for i, holiday in enumerate(data):
        here = f"holidays[{i}]"
        if not isinstance(holiday, Mapping):
            raise CalendarFileError(source, here, holiday, "expected {name, start_date, end_date}")
        first = _date(holiday.get("start_date"), source, f"{here}.start_date")
        last = _date(holiday.get("end_date", holiday.get("start_date")), source,
                     f"{here}.end_date")
        if last < first:
            raise CalendarFileError(
                source, here, {"start_date": first.isoformat(), "end_date": last.isoformat()},
                "end_date is before start_date; the end date is included, so a one-day "
                "holiday has both the same",
            )
        if (last - first).days >= _LONGEST_HOLIDAY:
            raise CalendarFileError(
                source, f"{here}.end_date", last.isoformat(),
                "a holiday longer than a year; check the year",
            )
        name = holiday.get("name")
        label = name.strip() if isinstance(name, str) and name.strip() else "Holiday"
        day = first
        while day <= last:
            if day not in days:
                days[day] = label
            elif label not in days[day].split(" / "):
                days[day] = f"{days[day]} / {label}"
            day += timedelta(days=1)
    return days


def _date(value: object, source: str, field: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise CalendarFileError(source, field, value, "give an ISO date such as '2027-01-01'")
