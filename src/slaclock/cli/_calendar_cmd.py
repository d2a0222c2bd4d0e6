"""``slaclock elapsed`` and ``slaclock calendar``: working time on a calendar, and a
year's production calendar; the calendars the command line names (:func:`load_calendar`)."""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import Any

import click

from slaclock.cli._options import (
    CONTEXT,
    EXIT_OK,
    InputError,
    format_option,
    instant,
    output_option,
    write_json,
    write_text,
    zone_option,
)
from slaclock.logs import format_duration, format_time, whole_seconds, working_hours


def load_calendar(spec: str, hours: str | None = None, tz: tzinfo | None = None) -> Any:
    """``russia``, ``always`` or a calendar file (TOML or JSON: the keys of a policy's
    ``[calendars.NAME]`` table), all read by the library's one calendar loader: ``russia``
    is ``preset = "russia"`` (with ``hours``), ``always`` is ``preset = "always"``, with
    ``tz`` when given: without one, it is on UTC, as an ``always`` calendar of a policy
    file without ``tz`` is (the loader's rule, not restated here)."""
    from slaclock._errors import PolicyError
    from slaclock.sla import PolicyReader
    from slaclock.sla import load_calendar as load_calendar_file

    if spec in ("russia", "always"):
        if spec == "always" and hours:
            raise click.UsageError("--hours does not apply to the 'always' calendar")
        table: dict[str, Any] = {"preset": spec}
        if hours:
            table["hours"] = hours
        if spec == "always" and tz is not None:
            table["tz"] = str(tz)
        try:
            return PolicyReader(f"--calendar {spec}").calendar(table, "calendar")
        except PolicyError as error:
            option = "'--hours'" if error.field.endswith(".hours") else "'--calendar'"
            raise click.BadParameter(error.problem, param_hint=option) from None
    if hours:
        raise click.UsageError("--hours applies to the built-in calendars; a calendar file "
                               "sets its own hours")
    path = Path(spec)
    if not path.exists():
        raise click.BadParameter(
            f"{spec!r} is neither 'russia', 'always' nor an existing file",
            param_hint="'--calendar'",
        )
    return load_calendar_file(path)



# -- elapsed ----------------------------------------------------------------------------


@click.command(context_settings=CONTEXT, short_help="The working time between two instants.")
@click.argument("start")
@click.argument("end")
@click.option("--calendar", "-c", "calendar_spec", default="russia", show_default=True,
              metavar="russia|always|FILE",
              help="Russia's production calendar 09:00-18:00 Moscow time, 24/7 (in the "
                   "zone of --tz, UTC by default as in a policy file), or a calendar file "
                   "(TOML or JSON, the keys of a policy's calendar table).")
@click.option("--hours", metavar="HOURS",
              help="Weekly hours for the russia calendar, e.g. '09:00-13:00, 14:00-18:00'.")
@click.option("--tz", metavar="ZONE",
              help="The zone of times given without an offset, and of the always calendar.")
@format_option("json")
@output_option()
def elapsed(
    start: str, end: str, calendar_spec: str, hours: str | None, tz: str | None, fmt: str,
    output: str | None,
) -> int:
    """The working time between two instants (negative when END is before START).

    \b
    Examples:
      slaclock elapsed 2026-04-30T17:30+03:00 2026-05-06T15:00+03:00
      slaclock elapsed 2026-04-30T09:00Z now --calendar always --format json
      slaclock elapsed "2026-03-06 10:00" "2026-03-10 10:00" --tz Europe/Moscow

    JSON keys: start, end, calendar, business_seconds (whole seconds, an integer),
    business_time (H:MM:SS text), provisional (true when the span reaches a year past the
    last published production calendar).
    """
    from slaclock.cli._render import provisional_notice, provisional_years

    zone = zone_option(tz)
    a = instant(start, "'START'", zone, allow_now=True)
    b = instant(end, "'END'", zone, allow_now=True)
    schedule = load_calendar(calendar_spec, hours, zone)
    with provisional_notice() as provisional:
        worked = schedule.business_time(a, b)
        provisional.only(provisional_years([schedule], a, b))
    data = {
        "start": format_time(a),
        "end": format_time(b),
        "calendar": calendar_spec if calendar_spec in ("russia", "always")
        else Path(calendar_spec).name,
        "business_seconds": whole_seconds(worked),
        "business_time": format_duration(worked),
        "provisional": bool(provisional),
    }
    if fmt == "json":
        write_json(data, output)
    else:
        write_text(
            f"{working_hours(worked)} of working time ({data['business_seconds']} s) from "
            f"{data['start']} to {data['end']} on the {data['calendar']} calendar"
            + (" (provisional)" if provisional else "") + "\n",
            output,
        )
    return EXIT_OK


# -- calendar ---------------------------------------------------------------------------


def four_digit_year(year: int) -> int:
    """The command's YEAR: written with four digits, from 1000 to 9998 (a year the calendar
    can hold whole). A short number is a typo for a year of this century, not year 26 of
    the Julian era, and is refused with the year it likely meant.

    >>> four_digit_year(2026)
    2026
    """
    if 1000 <= year <= 9998:
        return year
    hint = f"; did you mean {2000 + year}?" if 0 <= year < 100 else ""
    raise click.BadParameter(f"{year} is not a year from 1000 to 9998 (write it with four "
                             f"digits){hint}", param_hint="'YEAR'")


@click.command("calendar", context_settings=CONTEXT,
             short_help="A year's production calendar, month by month.")
@click.argument("year", type=int, callback=lambda _ctx, _param, value: four_digit_year(value))
@click.option("--hours", metavar="HOURS",
              help="The desk's weekly hours [default: 09:00-18:00]; "
                   "'09:00-13:00, 14:00-18:00' gives the official 40-hour-week norm.")
@click.option("--calendar", "-c", "calendar_spec", default="russia", show_default=True,
              metavar="russia|always|FILE", help="Which calendar (see 'slaclock elapsed').")
@format_option("csv", "json", "ics")
@output_option()
def calendar_command(
    year: int, hours: str | None, calendar_spec: str, fmt: str, output: str | None
) -> int:
    """The year's production calendar, month by month: working days, days off, shortened
    days, working hours, and the year's totals.

    \b
    Examples:
      slaclock calendar 2026
      slaclock calendar 2026 --hours "09:00-13:00, 14:00-18:00"
      slaclock calendar 2025 --format csv --output 2025.csv
      slaclock calendar 2027 --format ics --output 2027.ics

    --format ics writes the year's days off, working weekends and shortened days as
    all-day events (RFC 5545) for a team's calendars; it needs the ics extra
    (pip install "slaclock[ics]").

    Working hours count each day's wall-clock hours, as official tables do. Years past
    the last published decree are computed from the Labour Code and marked provisional.
    """
    from slaclock.cli._render import provisional_notice

    schedule = load_calendar(calendar_spec, hours)
    if fmt == "ics":
        return _calendar_ics(schedule, year, calendar_spec, output)
    with provisional_notice() as provisional:
        summary = schedule.summary(year)
        provisional.only([year] if summary.provisional else [])
    rows = [row.as_dict() for row in summary.rows()]
    if fmt == "json":
        write_json(summary.as_dict(), output)
        return EXIT_OK
    if fmt == "csv":
        from slaclock.cli._render import write_csv

        header = list(rows[0])
        write_csv(header, ([row[k] for k in header] for row in rows), output)
        return EXIT_OK
    from slaclock.cli._render import calendar_table, print_rich

    hours_text = "around the clock" if calendar_spec == "always" else hours or "09:00-18:00"
    print_rich([calendar_table(summary, hours_text, calendar_spec)], output)
    return EXIT_OK


def _calendar_ics(schedule: Any, year: int, calendar_spec: str, output: str | None) -> int:
    """``slaclock calendar YEAR --format ics``: the year's dated days as ICS."""
    from slaclock.calendars import Calendar
    from slaclock.calendars._ics import calendar_to_ics
    from slaclock.cli._render import atomic_output, provisional_notice

    if not isinstance(schedule, Calendar):
        raise InputError("--format ics needs a calendar with dated days, not a combination "
                         "of calendars")
    try:
        with provisional_notice() as provisional:
            text = calendar_to_ics(schedule, year, name=f"Production calendar ({calendar_spec})")
            provisional.only([year] if schedule.is_provisional(year) else [])
    except ModuleNotFoundError as error:  # icalendar missing: one line, exit 2
        raise InputError(str(error)) from None
    if output is None:
        click.echo(text, nl=False)
    else:
        with atomic_output(output, "w", newline="") as f:
            f.write(text)
    return EXIT_OK
