"""``slaclock report``: its options, checked before any work, then the report's run
(``_report``)."""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import click

from slaclock._errors import SlaclockError, UnknownLevelError
from slaclock.cli._options import (
    CONTEXT,
    EXIT_BREACH,
    EXIT_OK,
    InputError,
    format_option,
    instant,
    output_option,
    zone_option,
)
from slaclock.logs import EventLogError, check_log_path
from slaclock.sla import COVERAGES


def limit_of(text: str) -> int | None:
    """``--limit``: how many tickets the table lists, a whole number (0 lists none: the
    summary alone, as for a chart) or ``all`` (``None``).

    >>> limit_of("20"), limit_of("0"), limit_of("all")
    (20, 0, None)
    """
    text = text.strip().lower()
    if text == "all":
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    raise click.BadParameter(f"{text!r} is not a number of tickets: give 0 or more, or 'all'",
                             param_hint="'--limit'")


@click.command(context_settings=CONTEXT, short_help="An SLA report from a ticket event log.")
@click.argument("events", metavar="EVENTS")
@click.option("--at", "at_text", metavar="TIME",
              help="Report as of TIME (ISO 8601 or 'now') [default: the log's last event].")
@click.option("--policy", "-p", "policy_file", metavar="FILE",
              type=click.Path(exists=True, dir_okay=False),
              help="A policy file (TOML or JSON); the embedded regulation by default.")
@click.option("--coverage", type=click.Choice(COVERAGES),
              help="The coverage of tickets whose rows give none (for commercial.emergency).")
@format_option("csv", "json")
@output_option("the report")
@click.option("--tz", metavar="ZONE",
              help="The zone of times written without an offset (refused otherwise).")
@click.option("--input-format", type=click.Choice(["csv", "jsonl"]),
              help="The log's format [default: from the file name or its first character].")
@click.option("--map", "-m", "mapping", metavar="NAME|FILE",
              help="Read EVENTS as a helpdesk's own export, through a mapping: zendesk, "
                   "zendesk-tables, jira, freshdesk, zammad, servicenow, redmine, "
                   "status-history, or a mapping file (TOML with a [log] table; a policy "
                   "file may hold it).")
@click.option("--with", "companions", multiple=True, metavar="KIND=FILE",
              callback=lambda _c, _p, v: companions_of(v),
              help="A file the --map format reads beside EVENTS (repeatable), by kind: "
                   "users=FILE (Zendesk), changelog=FILE (Jira), activities=FILE "
                   "(Freshdesk), incidents=FILE (ServiceNow), ...; each helpdesk's how-to "
                   "lists its kinds.")
@click.option("--strict", is_flag=True, help="Stop at the first bad row (exit code 2).")
@click.option("--fail-on-breach", is_flag=True,
              help="Exit with code 1 when any ticket breached its SLA.")
@click.option("--limit", default="20", callback=lambda _c, _p, v: limit_of(v),
              show_default=True, metavar="N|all",
              help="Tickets listed in the table format, the most urgent first (0: none, "
                   "the summary alone; all: every one); csv and json list all.")
@click.option("--plot", metavar="FILE",
              help="Draw compliance per month and level to FILE (.png, .svg or .pdf; needs "
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
              help="Worker processes: more than 1 starts a pool of that many, each reading "
                   "a byte range of the log and replaying a share of its tickets (an export "
                   "read through --map: a local Dask cluster, which needs pip install "
                   "'slaclock[dask]') [default: 0, automatic: one per CPU, at most 4, for "
                   "logs over 32 MB; this process otherwise].")
@click.option("--engine", type=click.Choice(["columns", "rows"]), default="columns",
              show_default=True,
              help="How the tickets are counted: 'columns' reads and replays a CSV log in "
                   "NumPy arrays where it can (the tickets it cannot take, and the logs it "
                   "does not read, go to the per-ticket engine); 'rows' counts every "
                   "ticket on its own. The report is the same, byte for byte.")
@click.option("--debug", is_flag=True,
              help="Say on standard error how the report was counted: the tickets the "
                   "columnar engine counted, and those it left to the per-ticket engine "
                   "and why.")
@click.option("--scheduler", metavar="processes|tcp://HOST:PORT",
              help="Run the shards on Dask: 'processes' starts a local cluster (--jobs "
                   "workers, one per CPU for 0); an address connects to a running "
                   "scheduler, whose workers must read EVENTS and the --policy file at the "
                   "same absolute path (--jobs shards, for 0 one per worker thread).")
def report(
    events: str, at_text: str | None, policy_file: str | None, coverage: str | None, fmt: str,
    output: str | None,
    tz: str | None, input_format: str | None, strict: bool, fail_on_breach: bool,
    limit: int | None,
    plot: str | None, jobs: int, since: str | None, until: str | None,
    states: tuple[str, ...], levels: tuple[str, ...], customers: tuple[str, ...], wide: bool,
    mapping: str | None, scheduler: str | None, companions: tuple[tuple[str, str], ...],
    engine: str = "columns", debug: bool = False,
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
    from slaclock.cli._report import run_report

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
    elif companions:
        raise click.UsageError("--with names a file of a helpdesk's export: give --map too")
    try:
        with terminated_as_interrupted():
            outcome = run_report(
                events, at=at, policy_file=policy_file, fmt=fmt, output=output, tz=zone,
                input_format=input_format, strict=strict, limit=limit, plot=plot,
                jobs=jobs, coverage=coverage, wide=wide, filters=filters, mapping=mapping,
                scheduler=_scheduler(scheduler), companions=companions, engine=engine,
                debug=debug,
            )
    except SlaclockError as error:  # EventLogError, ExportError, PolicyError: one line
        raise InputError(str(error)) from None
    except Terminated:
        click.echo("slaclock: terminated", err=True)
        raise click.exceptions.Exit(EXIT_TERMINATED) from None
    if fail_on_breach and outcome.breached:
        return EXIT_BREACH
    return EXIT_OK


#: The exit code of a report stopped by SIGTERM: 128 + 15, as a shell says it.
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(BaseException):
    """SIGTERM (what ``timeout``, systemd and CI send), raised where the run is, so that
    it unwinds as Ctrl-C does: the local cluster stopped, the temporary directory and a
    half-written ``--output`` removed."""


@contextlib.contextmanager
def terminated_as_interrupted() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` (once: a second one
    during the cleanup is ignored, SIGKILL still stops the process). Only the main
    thread can take a signal: elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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


def companions_of(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``--with KIND=FILE`` values as (kind, file) pairs, each file one that exists."""
    out = []
    for value in values:
        kind, sep, path = value.partition("=")
        if not sep or not kind.strip() or not path:
            raise click.BadParameter(f"{value!r} is not KIND=FILE (users=users.json)",
                                     param_hint="'--with'")
        if not Path(path).is_file():
            raise click.BadParameter(f"{path!r} is not a file", param_hint="'--with'")
        out.append((kind.strip(), path))
    return tuple(out)


def _check_mapping(spec: str) -> None:
    """Refuse a bad ``--map`` before any work: an unknown name, a malformed file."""
    from slaclock.helpdesks import MappingError, load_mapping

    try:
        load_mapping(spec)
    except MappingError as error:  # it names the mapping already
        raise click.BadParameter(str(error), param_hint="'--map'") from None
    except OSError as error:
        raise click.UsageError(f"--map {spec}: {error}") from None


def _report_filters(
    policy_file: str | None, since: str | None, until: str | None, states: tuple[str, ...],
    levels: tuple[str, ...], customers: tuple[str, ...],
) -> Any:
    """The report's filters; a period is read in the desk's zone, and a level must be
    one of the policy's."""
    from slaclock.cli._report import Filters, load_policy_file
    from slaclock.sla import as_versions, desk_zone

    if not (since or until or states or levels or customers):
        return Filters()
    policy = load_policy_file(policy_file)
    zone = desk_zone(policy)
    start = None if since is None else _period_bound(since, "'--since'", zone, end=False)
    stop = None if until is None else _period_bound(until, "'--until'", zone, end=True)
    if start is not None and stop is not None and stop <= start:
        raise click.BadParameter(f"{until!r} is not after --since {since!r}",
                                 param_hint="'--until'")
    known = as_versions(policy).level_keys
    for level in levels:
        if level not in known:
            raise click.BadParameter(str(UnknownLevelError(level, known)),
                                     param_hint="'--level'")
    return Filters(start, stop, frozenset(states), frozenset(levels),
                   frozenset(c.strip() for c in customers))


#: What ``--since`` and ``--until`` take, said of a text that is neither.
PERIOD_BOUND = ("{text!r} is neither a date (2026-05-01) nor a time in ISO 8601 "
                "(2026-05-01T09:00, in the desk's zone, or with an offset)")


def _period_bound(text: str, name: str, zone: tzinfo, *, end: bool) -> datetime:
    """An instant of ``--since``/``--until``: ISO 8601, without an offset in ``zone``; a
    date alone is its midnight there (for the end of a period, the next midnight, so
    that ``--until 2026-01-31`` takes in the whole of the 31st)."""
    from datetime import date, timedelta

    try:
        day = date.fromisoformat(text.strip())
    except ValueError as error:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text.strip()):  # a date, but not a real one
            raise click.BadParameter(
                f"{text!r} is not a date ({error}): give YYYY-MM-DD, or a time in ISO 8601",
                param_hint=name,
            ) from None
        return instant(text, name, zone, unreadable=PERIOD_BOUND)
    if end:
        if day == date.max:
            raise click.BadParameter(f"{text!r} is too late", param_hint=name)
        day += timedelta(days=1)
    return instant(day.isoformat(), name, zone)


#: What ``--plot`` draws to, by the file's extension (as ``Report.plot`` saves).
PLOT_FORMATS = (".png", ".svg", ".pdf")


def _check_plot(path: str) -> None:
    """Refuse a ``--plot`` that cannot be drawn before any work is done."""
    import importlib.util

    if Path(path).suffix.lower() not in PLOT_FORMATS:
        raise click.BadParameter(
            f"the plot file must end in {', '.join(PLOT_FORMATS[:-1])} or {PLOT_FORMATS[-1]}",
            param_hint="'--plot'")
    if importlib.util.find_spec("matplotlib") is None:
        raise click.UsageError(
            "--plot needs matplotlib, which is not installed: pip install 'slaclock[plot]'"
        )
