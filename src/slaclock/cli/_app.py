"""The command line: parsing, error handling and the small commands."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, ClassVar, NoReturn, TypeVar

import click

from slaclock._errors import SlaclockError
from slaclock.logs import (
    EventLogError,
    check_log_path,
    format_duration,
    format_time,
    parse_time,
    parse_zone,
    printable,
    whole_seconds,
)

__all__ = ["EXIT_BREACH", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "cli", "main"]

EXIT_OK = 0
EXIT_BREACH = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class InputError(click.ClickException):
    """A bad value or file: one line on stderr, exit code 2."""

    exit_code = EXIT_USAGE


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _PipeClosed(Exception):
    """Standard output was closed by its reader."""


class SlaclockGroup(click.Group):
    """The ``slaclock`` group: every error becomes one line on stderr and an exit code.

    0: success; 1: SLA breaches found (only with ``--fail-on-breach``); 2: a usage or
    input error; 3: an internal error (a bug: please report it; ``SLACLOCK_DEBUG=1``
    shows the traceback).
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = self._run(args, prog_name or "slaclock", complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def invoke(self, ctx: click.Context) -> Any:
        from ._render import provisional_notice

        try:
            # A provisional year is one line on stderr, not a Python warning per year.
            with provisional_notice():
                return super().invoke(ctx)
        except BrokenPipeError:
            # Before click's own handling, which exits with 1.
            raise _PipeClosed from None

    def _run(
        self, args: Sequence[str] | None, prog_name: str, complete_var: str | None, **extra: Any
    ) -> int:
        try:
            result = super().main(
                args, prog_name, complete_var, standalone_mode=False, **extra
            )
        except click.UsageError as error:
            path = error.ctx.command_path if error.ctx is not None else prog_name
            return _fail(
                f"{path}: error: {_one_line(error.format_message())} "
                f"(see '{path} --help')",
                EXIT_USAGE,
            )
        except click.ClickException as error:
            return _fail(f"{prog_name}: error: {_one_line(error.format_message())}", EXIT_USAGE)
        except click.Abort:
            return _fail(f"{prog_name}: interrupted", 130)
        except (_PipeClosed, BrokenPipeError):
            # The reader went away (``slaclock report ... | head``): not an error.
            _silence_stdout()
            return EXIT_OK
        except (SlaclockError, OSError, ValueError, LookupError) as error:
            if os.environ.get("SLACLOCK_DEBUG"):
                raise
            return _fail(f"{prog_name}: error: {_one_line(str(error))}", EXIT_USAGE)
        except Exception as error:
            if os.environ.get("SLACLOCK_DEBUG"):
                raise
            return _fail(
                f"{prog_name}: internal error ({type(error).__name__}: "
                f"{_one_line(str(error))}); please report it (SLACLOCK_DEBUG=1 shows details)",
                EXIT_INTERNAL,
            )
        return result if isinstance(result, int) else EXIT_OK


def _fail(message: str, code: int) -> int:
    with contextlib.suppress(BrokenPipeError):
        # Messages quote the log (ticket ids, file names): no terminal escape gets through.
        click.echo(printable(message, limit=None), err=True)
    return code


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _version() -> str:
    from slaclock import __version__

    return __version__


@click.group("slaclock", cls=SlaclockGroup, context_settings=CONTEXT)
@click.version_option(_version(), "-V", "--version", prog_name="slaclock",
                      message="%(prog)s %(version)s")
def cli() -> None:
    """SLA business time for support desks: deadlines, working time, production calendars,
    and SLA reports from a ticket event log.

    \b
    Examples:
      slaclock deadline --level commercial.standard --opened 2026-04-30T17:30+03:00
      slaclock elapsed 2026-04-30T17:30+03:00 2026-05-06T15:00+03:00
      slaclock calendar 2026
      slaclock report examples/tickets.csv

    Exit codes: 0 success; 1 SLA breaches found (only with --fail-on-breach); 2 a usage or
    input error; 3 an internal error. Errors are one line on stderr.
    """


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the ``slaclock`` command with ``argv`` (the process's arguments by default)."""
    cli.main(args=argv, prog_name="slaclock")
    raise AssertionError("unreachable")  # pragma: no cover - main() always exits


# -- shared helpers ---------------------------------------------------------------------


def zone_option(value: str | None) -> tzinfo | None:
    """The zone ``--tz`` names, or ``None``."""
    if value is None:
        return None
    try:
        return parse_zone(value)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--tz'") from None


def instant(value: str, name: str, tz: tzinfo | None, *, allow_now: bool = False) -> datetime:
    """A time given on the command line; ``now`` where allowed."""
    if allow_now and value.strip().lower() == "now":
        return datetime.now(UTC)
    try:
        return parse_time(value, tz)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=name) from None


def write_json(data: object, output: str | None = None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    write_text(text, output)


def write_text(text: str, output: str | None = None) -> None:
    """``text`` to standard output, or to the file ``output``, whole or not at all."""
    if output is None:
        click.echo(text, nl=False)
        return
    from ._render import atomic_output

    with atomic_output(output, "w", encoding="utf-8") as f:
        f.write(text)


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """``--format``: the choices shown, and ``text``, the former name of ``table``, still
    accepted without being shown."""

    ALIASES: ClassVar[dict[str, str]] = {"text": "table"}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        if isinstance(value, str) and value.lower() in self.ALIASES:
            value = self.ALIASES[value.lower()]
        return super().convert(value, param, ctx)


_F = TypeVar("_F", bound=Callable[..., Any])


def format_option(*choices: str) -> Callable[[_F], _F]:
    """The ``--format``/``-f`` option, ``table`` first and the default."""
    return click.option("--format", "-f", "fmt", type=FormatChoice(["table", *choices]),
                        default="table", show_default=True, help="The output's form.")


def output_option(what: str = "the output") -> Callable[[_F], _F]:
    """The ``--output``/``-o`` option of every command."""
    return click.option("--output", "-o", metavar="FILE",
                        help=f"Write {what} to FILE (replaced only once complete) instead "
                             "of standard output.")


#: The zone of the ``always`` calendar when ``--tz`` names none: the desk's of the default
#: policy, whose ``russia`` and ``24x7`` calendars are both on Moscow time.
DESK_ZONE = "Europe/Moscow"


def load_calendar(spec: str, hours: str | None = None, tz: tzinfo | None = None) -> Any:
    """``russia``, ``always`` or a calendar file (TOML or JSON: the keys of a policy's
    ``[calendars.NAME]`` table), all read by the library's one calendar loader: ``russia``
    is ``preset = "russia"`` (with ``hours``), ``always`` is ``preset = "always"`` in the
    zone ``tz`` (:data:`DESK_ZONE` by default)."""
    from slaclock._errors import PolicyError
    from slaclock.sla import _Reader

    if spec in ("russia", "always"):
        if spec == "always" and hours:
            raise click.UsageError("--hours does not apply to the 'always' calendar")
        table: dict[str, Any] = {"preset": spec}
        if hours:
            table["hours"] = hours
        if spec == "always":
            table["tz"] = getattr(tz, "key", None) or DESK_ZONE
        try:
            return _Reader(f"--calendar {spec}").calendar(table, "calendar")
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
    return read_calendar_file(path)


def read_calendar_file(path: Path) -> Any:
    from slaclock import load_calendar

    return load_calendar(path)


# -- deadline ---------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT, short_help="A ticket's reaction and resolution deadlines.")
@click.option("--level", "-l", required=True, metavar="LEVEL",
              help="The service level, e.g. commercial.standard.")
@click.option("--opened", required=True, metavar="TIME",
              help="When the ticket was opened: ISO 8601 with an offset "
                   "(2026-04-30T17:30+03:00), or 'now'.")
@click.option("--coverage", type=click.Choice(["business", "24x7"]),
              help="The contract's coverage, for a level counted as the contract says "
                   "(commercial.emergency).")
@click.option("--policy", "-p", "policy_file", metavar="FILE",
              type=click.Path(exists=True, dir_okay=False),
              help="A policy file (TOML or JSON); the embedded regulation by default.")
@click.option("--tz", metavar="ZONE", help="The zone of a --opened without an offset.")
@format_option("json")
@output_option()
def deadline(
    level: str, opened: str, coverage: str | None, policy_file: str | None, tz: str | None,
    fmt: str, output: str | None,
) -> int:
    """The reaction deadline of a ticket and, where the level has one, its resolution
    deadline, if nothing pauses its clock.

    With a policy of several regulation versions, the version in force on the day the
    ticket opened applies.

    \b
    Examples:
      slaclock deadline --level commercial.standard --opened 2026-04-30T17:30+03:00
      slaclock deadline -l commercial.emergency --coverage 24x7 --opened now -f json
      slaclock deadline -l partner.standard --opened "2026-12-30 16:00" --tz Europe/Moscow

    JSON keys: level, opened, reaction_deadline, resolution_deadline (null when the level
    sets none), provisional (true when a deadline falls in a year past the last published
    production calendar); times are ISO 8601 with offsets.
    """
    at = instant(opened, "'--opened'", zone_option(tz), allow_now=True)
    from slaclock._errors import ConfigError

    from ._render import provisional_notice

    regulation = regulation_for(policy_file, at)
    try:
        with provisional_notice() as provisional:
            result = regulation.deadlines(level, at, coverage)
            ends = [d for d in (result["reaction_deadline"], result["resolution_deadline"])
                    if d is not None]
            provisional.only(sorted({
                year for metric in ("reaction", "resolution")
                for year in provisional_years(regulation.clock(level, metric, coverage), at,
                                              max(ends, default=at))
            }))
    except ConfigError as error:
        if error.field != "coverage":
            raise
        raise click.UsageError(
            f"{level} is counted as the contract says: give --coverage business or "
            "--coverage 24x7",
            click.get_current_context(),
        ) from None
    data = {
        "level": result["level"],
        "opened": format_time(at),
        "reaction_deadline": _maybe_time(result["reaction_deadline"]),
        "resolution_deadline": _maybe_time(result["resolution_deadline"]),
        "provisional": bool(provisional),
    }
    if fmt == "json":
        write_json(data, output)
        return EXIT_OK
    width = 20
    lines = [
        f"{'level':<{width}}{data['level']}",
        f"{'opened':<{width}}{data['opened']}",
        f"{'reaction deadline':<{width}}{data['reaction_deadline']}",
        f"{'resolution deadline':<{width}}"
        f"{data['resolution_deadline'] or 'none (the level sets no resolution target)'}",
    ]
    if provisional:
        lines.append(f"{'':<{width}}(provisional: a year past the last published calendar)")
    write_text("\n".join(lines) + "\n", output)
    return EXIT_OK


def provisional_years(schedule: Any, start: datetime, end: datetime) -> list[int]:
    """The years from ``start`` to ``end`` (either way round) that ``schedule`` computes
    rather than reads from a published calendar."""
    check = getattr(schedule, "is_provisional", None)
    if check is None:
        return []
    zone = getattr(schedule, "tz", None)
    first, last = sorted((start, end))
    if isinstance(zone, tzinfo):
        first, last = first.astimezone(zone), last.astimezone(zone)
    return [year for year in range(first.year, last.year + 1) if check(year)]


def _maybe_time(value: datetime | None) -> str | None:
    return None if value is None else format_time(value)


def regulation_for(policy_file: str | None, day: datetime | None = None) -> Any:
    """The regulation of ``--policy`` (or the embedded one); with versions, the one in
    force on ``day`` (the latest without one)."""
    from slaclock.sla import Regulation, RegulationVersions, load_policy

    if policy_file is None:
        return Regulation.default()
    policy = load_policy(policy_file)
    if isinstance(policy, RegulationVersions):
        return policy.latest if day is None else policy.in_force(day.date())
    return policy


# -- elapsed ----------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT, short_help="The working time between two instants.")
@click.argument("start")
@click.argument("end")
@click.option("--calendar", "-c", "calendar_spec", default="russia", show_default=True,
              metavar="russia|always|FILE",
              help="Russia's production calendar 09:00-18:00 Moscow time, 24/7 (in the "
                   "zone of --tz, Moscow by default), or a calendar file (TOML or JSON, the "
                   "keys of a policy's calendar table).")
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
    from ._render import provisional_notice

    zone = zone_option(tz)
    a = instant(start, "'START'", zone, allow_now=True)
    b = instant(end, "'END'", zone, allow_now=True)
    schedule = load_calendar(calendar_spec, hours, zone)
    with provisional_notice() as provisional:
        worked = schedule.business_time(a, b)
        provisional.only(provisional_years(schedule, a, b))
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
            f"{data['business_time']} of working time ({data['business_seconds']} s) from "
            f"{data['start']} to {data['end']} on the {data['calendar']} calendar"
            + (" (provisional)" if provisional else "") + "\n",
            output,
        )
    return EXIT_OK


# -- calendar ---------------------------------------------------------------------------


@cli.command("calendar", context_settings=CONTEXT,
             short_help="A year's production calendar, month by month.")
@click.argument("year", type=click.IntRange(1, 9998))
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
    from ._render import provisional_notice

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
        from ._render import write_csv

        header = list(rows[0])
        write_csv(header, ([row[k] for k in header] for row in rows), output)
        return EXIT_OK
    from ._render import calendar_table, print_rich

    hours_text = "around the clock" if calendar_spec == "always" else hours or "09:00-18:00"
    print_rich([calendar_table(summary, hours_text, calendar_spec)], output)
    return EXIT_OK


def _calendar_ics(schedule: Any, year: int, calendar_spec: str, output: str | None) -> int:
    """``slaclock calendar YEAR --format ics``: the year's dated days as ICS."""
    from slaclock.calendars import Calendar
    from slaclock.calendars._ics import calendar_to_ics

    from ._render import atomic_output, provisional_notice

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


# -- report -----------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT, short_help="An SLA report from a ticket event log.")
@click.argument("events", metavar="EVENTS")
@click.option("--at", "at_text", metavar="TIME",
              help="Report as of TIME (ISO 8601 or 'now') [default: the log's last event].")
@click.option("--policy", "-p", "policy_file", metavar="FILE",
              type=click.Path(exists=True, dir_okay=False),
              help="A policy file (TOML or JSON); the embedded regulation by default.")
@click.option("--coverage", type=click.Choice(["business", "24x7"]),
              help="The coverage of tickets whose rows give none (for commercial.emergency).")
@format_option("csv", "json")
@output_option("the report")
@click.option("--tz", metavar="ZONE",
              help="The zone of times written without an offset (refused otherwise).")
@click.option("--input-format", type=click.Choice(["csv", "jsonl"]),
              help="The log's format [default: from the file name or its first character].")
@click.option("--map", "-m", "mapping", metavar="NAME|FILE",
              help="Read EVENTS as a helpdesk's own export, through a mapping: zendesk, "
                   "jira, status-history, or a mapping file (TOML with a [log] table; a "
                   "policy file may hold it).")
@click.option("--strict", is_flag=True, help="Stop at the first bad row (exit code 2).")
@click.option("--fail-on-breach", is_flag=True,
              help="Exit with code 1 when any ticket breached its SLA.")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="Tickets listed in the table format, the most urgent first (0: all); "
                   "csv and json list all.")
@click.option("--plot", metavar="FILE",
              help="Draw compliance per month and level to FILE (.png or .svg; needs "
                   "matplotlib: pip install 'slaclock[plot]').")
@click.option("--since", metavar="TIME|DATE",
              help="Only tickets opened at or after TIME (ISO 8601; a date is its midnight; "
                   "without an offset, in the desk's zone).")
@click.option("--until", metavar="TIME|DATE",
              help="Only tickets opened before TIME (a date: up to the end of that day).")
@click.option("--state", "states", multiple=True,
              type=click.Choice(["breached", "at-risk", "open"]),
              help="Only tickets in this state (repeatable: any of them): breached (some "
                   "clock), at-risk (some running clock), open (none breached, some "
                   "running or paused).")
@click.option("--level", "-l", "levels", multiple=True, metavar="LEVEL",
              help="Only tickets at this level (the level in force; repeatable).")
@click.option("--customer", "customers", multiple=True, metavar="NAME",
              help="Only this customer's tickets (any case; repeatable).")
@click.option("--wide", is_flag=True,
              help="List every clock of each ticket in the table, whatever the width (the "
                   "table shows each ticket's most urgent clock where every clock does not "
                   "fit).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Shards of the tickets, each a Dask task; more than 1 starts a local Dask "
                   "cluster of that many worker processes (needs pip install "
                   "'slaclock[dask]') [default: 0, automatic: one per CPU, at most 4, for "
                   "logs over 32 MB when Dask is installed; this process otherwise].")
@click.option("--scheduler", metavar="processes|tcp://HOST:PORT",
              help="Run the shards on Dask: 'processes' starts a local cluster (--jobs "
                   "workers, one per CPU for 0); an address connects to a running "
                   "scheduler, whose workers must read EVENTS and the --policy file at the "
                   "same absolute path (--jobs shards, for 0 one per worker thread).")
def report(
    events: str, at_text: str | None, policy_file: str | None, coverage: str | None, fmt: str,
    output: str | None,
    tz: str | None, input_format: str | None, strict: bool, fail_on_breach: bool, limit: int,
    plot: str | None, jobs: int, since: str | None, until: str | None,
    states: tuple[str, ...], levels: tuple[str, ...], customers: tuple[str, ...], wide: bool,
    mapping: str | None, scheduler: str | None,
) -> int:
    """Replay a ticket event log and report every ticket's SLA metrics (state, deadline,
    elapsed working time, breached) with a summary: compliance per level and per month,
    tickets at risk, and the worst breaches.

    EVENTS is a CSV file or JSON lines ('-' reads standard input); see the event-log
    format in the documentation. Bad rows are reported with their line number and left
    out; --strict stops at the first. A log that leaves no ticket to report on (every row
    refused, every ticket opened after --at, or none left by the filters) is an error,
    exit code 2.

    The filters (--since, --until, --state, --level, --customer) choose the tickets of
    the whole report: the listed tickets and the summary alike. The table lists the most
    urgent tickets first (breached, most overdue first; then at risk, most of the target
    used first; then the earliest deadline); csv and json keep the order tickets opened.

    \b
    Examples:
      slaclock report examples/tickets.csv
      slaclock report tickets.csv --at 2026-10-01T00:00+03:00 --format json -o report.json
      slaclock report export.jsonl --tz Europe/Moscow --strict --fail-on-breach
      slaclock report tickets.csv --format csv --output metrics.csv --plot compliance.png
      slaclock report tickets.csv --since 2026-09-01 --state breached --state at-risk
      slaclock report export.json --map zendesk --policy zendesk-like.toml
    """
    from ._report import run_report

    zone = zone_option(tz)
    filters = _report_filters(policy_file, since, until, states, levels, customers)
    at = None if at_text is None else instant(at_text, "'--at'", zone, allow_now=True)
    if plot is not None:
        _check_plot(plot)
    try:
        check_log_path(events)
    except EventLogError as error:
        raise InputError(str(error)) from None
    if mapping is not None:
        _check_mapping(mapping)
    try:
        outcome = run_report(
            events, at=at, policy_file=policy_file, fmt=fmt, output=output, tz=zone,
            input_format=input_format, strict=strict, limit=limit, plot=plot, jobs=jobs,
            coverage=coverage, wide=wide, filters=filters, mapping=mapping,
            scheduler=_scheduler(scheduler),
        )
    except SlaclockError as error:  # EventLogError, ExportError, PolicyError: one line
        raise InputError(str(error)) from None
    if fail_on_breach and outcome.breached:
        return EXIT_BREACH
    return EXIT_OK



def _scheduler(value: str | None) -> str | None:
    """``--scheduler``: ``processes``, or a scheduler's address (``tcp://host:port``; any
    Dask protocol, ``tls://``, ``ws://``, ...)."""
    if value is None:
        return None
    text = value.strip()
    if text.lower() == "processes":
        return "processes"
    scheme, sep, rest = text.partition("://")
    if not sep or not scheme.isalnum() or not rest:
        raise click.BadParameter(
            f"{value!r} is neither 'processes' nor a scheduler's address (tcp://HOST:PORT)",
            param_hint="'--scheduler'",
        )
    return text


def _check_mapping(spec: str) -> None:
    """Refuse a bad ``--map`` before any work: an unknown name, a malformed file."""
    from slaclock.helpdesks import MappingError, load_mapping

    try:
        load_mapping(spec)
    except (MappingError, OSError) as error:
        raise click.UsageError(f"--map {spec}: {error}") from None


def _report_filters(
    policy_file: str | None, since: str | None, until: str | None, states: tuple[str, ...],
    levels: tuple[str, ...], customers: tuple[str, ...],
) -> Any:
    """The report's filters; a period is read in the desk's zone, and a level must be
    one of the policy's."""
    from slaclock.sla import as_versions, desk_zone

    from ._report import Filters, load_policy_file

    if not (since or until or states or levels or customers):
        return Filters()
    policy = load_policy_file(policy_file)
    zone = desk_zone(policy)
    start = None if since is None else _period_bound(since, "'--since'", zone, end=False)
    stop = None if until is None else _period_bound(until, "'--until'", zone, end=True)
    if start is not None and stop is not None and stop <= start:
        raise click.BadParameter(f"{until!r} is not after --since {since!r}",
                                 param_hint="'--until'")
    known = list(dict.fromkeys(key for v in as_versions(policy).versions for key in v.levels))
    for level in levels:
        if level not in known:
            raise click.BadParameter(
                f"unknown service level {level!r}; the policy defines: {', '.join(known)}",
                param_hint="'--level'",
            )
    return Filters(start, stop, frozenset(states), frozenset(levels),
                   frozenset(c.strip() for c in customers))


def _period_bound(text: str, name: str, zone: tzinfo, *, end: bool) -> datetime:
    """An instant of ``--since``/``--until``: ISO 8601, without an offset in ``zone``; a
    date alone is its midnight there (for the end of a period, the next midnight, so
    that ``--until 2026-01-31`` takes in the whole of the 31st)."""
    from datetime import date, timedelta

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return instant(text, name, zone)
    if end:
        if day == date.max:
            raise click.BadParameter(f"{text!r} is too late", param_hint=name)
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _check_plot(path: str) -> None:
    """Refuse a ``--plot`` that cannot be drawn before any work is done."""
    import importlib.util

    if Path(path).suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter("the plot file must end in .png or .svg", param_hint="'--plot'")
    if importlib.util.find_spec("matplotlib") is None:
        raise click.UsageError(
            "--plot needs matplotlib, which is not installed: pip install 'slaclock[plot]'"
        )
