"""Output: rich tables for people, CSV safe to open in a spreadsheet, and charts.

Every value that comes from a log (a ticket id, a level, a file name) is printed as
literal text, never read as rich markup; files are written whole or not at all
(:func:`atomic_output`).
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import stat
import sys
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from slaclock._errors import LongCompileWarning, ProvisionalCalendarWarning
from slaclock.logs import BadRow, csv_safe, format_time
from slaclock.reporting._chart import FEW

if TYPE_CHECKING:
    from slaclock.sla import Regulation, RegulationVersions

__all__ = [
    "Provisional", "atomic_output", "calendar_table", "clock_label", "days_hours", "percent_of",
    "plot", "print_report", "print_rich", "provisional_notice", "provisional_years", "write_csv",
]

#: The width of tables written to a file or a pipe.
WIDTH = 140


# -- writing files ----------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path: str, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it holds the whole output or what it held before.

    The output goes to a temporary file in the target's directory, which replaces the
    target only when the ``with`` block ends without an exception; on an exception the
    temporary file is removed and an existing target is left as it was. The new file
    keeps an existing target's permissions (a new one gets the usual ``0o666`` less the
    umask); a symbolic link is followed, and a target that is not a regular file
    (``/dev/null``, a named pipe, a terminal) is written in place, never replaced.

    Args:
        path: the file to write.
        mode: ``"w"`` (text) or ``"wb"`` (bytes).
        kwargs: passed to :func:`open` (``encoding``, ``newline``).
    """
    target = os.path.realpath(path)
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(target, mode, **kwargs) as f:
            yield f
        return
    if existing is not None:
        bits = stat.S_IMODE(existing.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        bits = 0o666 & ~umask
    directory, name = os.path.split(target)
    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, bits)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], output: str | None) -> None:
    """CSV with every text cell neutralised against formula injection (:func:`csv_safe`)."""
    if output is None:
        _write_csv(sys.stdout, header, rows)
    else:
        with atomic_output(output, "w", encoding="utf-8", newline="") as f:
            _write_csv(f, header, rows)


def _write_csv(f: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(f)
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([csv_safe(_plain(v)) for v in row])


def _plain(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def clock_label(metric: str, cycle: int = 0) -> str:
    """How the command names a clock: its metric's name in the policy, words apart, with
    the cycle of a metric counted in cycles (1, 2, ...; a metric counted once is cycle 0).

    >>> clock_label("reaction"), clock_label("next_reaction", 2), clock_label("first_reply")
    ('reaction', 'next reaction 2', 'first reply')
    """
    name = metric.replace("_", " ")
    return f"{name} {cycle}" if cycle else name


# -- provisional years ------------------------------------------------------------------


class Provisional:
    """The provisional years met inside :func:`provisional_notice`."""

    def __init__(self) -> None:
        self.years: set[int] = set()
        self.other: list[str] = []
        self.exact = False

    def only(self, years: Iterable[int]) -> None:
        """Say exactly which years the answer rests on: the warnings (which name every
        year compiled, a margin included) are then ignored."""
        self.years = set(years)
        self.other = []
        self.exact = True

    def __bool__(self) -> bool:
        return bool(self.years or self.other)

    def notice(self) -> str | None:
        """One line for stderr, or ``None`` when no year was provisional."""
        if not self:
            return None
        what = [*_ranges(sorted(self.years)), *self.other]
        plural = len(self.years) + len(self.other) != 1 or any("-" in w for w in what)
        return (
            f"slaclock: note: {', '.join(what)} {'are' if plural else 'is a'} provisional "
            f"year{'s' if plural else ''}: without an official calendar, days off come from "
            "the fixed holidays and may change with a decree"
        )


def provisional_years(schedules: Iterable[Any], start: datetime, end: datetime) -> list[int]:
    """The years from ``start`` to ``end`` (either way round), read in each schedule's own
    zone, that any of ``schedules`` computes rather than reads from a published calendar:
    the years an answer counted on them rests on (``None`` and schedules that cannot say
    are passed over).

    >>> from slaclock import Calendar
    >>> new_year = datetime.fromisoformat("2027-12-31T20:00-05:00")  # 2028 in Moscow
    >>> provisional_years([Calendar.russia(), None], new_year, new_year)
    [2028]
    """
    first, last = sorted((start, end))
    years: set[int] = set()
    for schedule in schedules:
        check = getattr(schedule, "is_provisional", None)
        if check is None:
            continue
        zone = getattr(schedule, "zone", None)
        a, b = (first, last) if zone is None else (first.astimezone(zone), last.astimezone(zone))
        years.update(year for year in range(a.year, b.year + 1) if check(year))
    return sorted(years)


_YEAR = re.compile(r"(\d{1,4}) is a provisional year")


def _ranges(years: list[int]) -> list[str]:
    out: list[str] = []
    for year in years:
        if out and year == int(out[-1].rsplit("-", 1)[-1]) + 1:
            out[-1] = f"{out[-1].split('-')[0]}-{year}"
        else:
            out.append(str(year))
    return out


@contextlib.contextmanager
def provisional_notice(stream: IO[str] | None = None) -> Iterator[Provisional]:
    """Collect :class:`~slaclock.ProvisionalCalendarWarning` warnings and, at the end,
    write one line about them to ``stream`` (standard error by default) instead of a
    Python warning per year. The object yielded says which years were provisional (for a
    ``"provisional": true`` in JSON output)."""
    seen = Provisional()
    others: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ProvisionalCalendarWarning)
            # The command's user asked for the span: a long compile is no surprise here.
            warnings.simplefilter("ignore", LongCompileWarning)
            try:
                yield seen
            finally:
                for item in caught:
                    if not issubclass(item.category, ProvisionalCalendarWarning):
                        others.append(item)
                    elif seen.exact:
                        continue
                    elif found := _YEAR.match(str(item.message)):
                        seen.years.add(int(found[1]))
                    elif str(item.message) not in seen.other:
                        seen.other.append(str(item.message))
    finally:
        # Raised again outside the recording, which would record them once more.
        for item in others:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno,
                                   source=item.source)
        line = seen.notice()
        if line is not None:
            print(line, file=stream or sys.stderr)


# -- rich -------------------------------------------------------------------------------


def _console(output: str | None, file: Any = None, width: int | None = None) -> Any:
    from rich.console import Console as RichConsole

    class Console(RichConsole):
        def on_broken_pipe(self) -> None:
            # The command ends quietly with exit code 0 (rich would exit with 1).
            self.quiet = True
            raise BrokenPipeError

    if file is not None:
        return Console(file=file, width=width or WIDTH, color_system=None, soft_wrap=False)
    console = Console()
    if not console.is_terminal:
        console = Console(width=width or WIDTH, color_system=None)
    elif width is not None:
        console = Console(width=width)
    return console


def _table(title: Any) -> Any:
    from rich import box
    from rich.table import Table

    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD,
                 title_style="bold", pad_edge=False, show_edge=False)


def _fit(
    title: str,
    columns: Sequence[tuple[str, str, int]],
    rows: Iterable[Sequence[Any]],
    width: int,
    sections: Sequence[int] = (),
) -> Any:
    """A table of the columns that fit in ``width``: while it is too wide, the column of
    the highest priority number goes (priority 0 always stays). ``columns`` are
    (name, justify, priority); a section line comes before each row index in
    ``sections``."""
    rows = [list(row) for row in rows]
    keep = list(range(len(columns)))
    while True:
        table = _table(title)
        for i in keep:
            name, justify, _ = columns[i]
            table.add_column(name, justify=justify, no_wrap=True)
        for n, row in enumerate(rows):
            if n in sections:
                table.add_section()
            table.add_row(*(row[i] for i in keep))
        droppable = [i for i in keep if columns[i][2] > 0]
        if not droppable or _fits(table, width):
            return table
        keep.remove(max(droppable, key=lambda i: (columns[i][2], i)))


def _lit(value: object, style: str = "") -> Any:
    """A value from the log as literal text: ``[/x]`` or ``[link=...]`` is printed as it
    is, never read as markup."""
    from rich.text import Text

    return Text("" if value is None else str(value), style=style)


def print_rich(renderables: Sequence[Any], output: str | None, width: int | None = None) -> None:
    """Print rich renderables to stdout, or as plain text to ``output``."""
    if output is None:
        console = _console(None, width=width)
        for item in renderables:
            console.print(item)
        return
    with atomic_output(output, "w", encoding="utf-8") as f:
        console = _console(output, f, width)
        for item in renderables:
            console.print(item)


def _fits(table: Any, width: int) -> bool:
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=10_000, color_system=None)
    return bool(Measurement.get(console, console.options, table).maximum <= width)


def _width(table: Any) -> int:
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=10_000, color_system=None)
    return int(Measurement.get(console, console.options, table).maximum)


def _output_width(output: str | None) -> int:
    """The width tables are laid out for: the terminal's, or :data:`WIDTH`."""
    if output is not None:
        return WIDTH
    return int(_console(None).width)


def _hours(value: timedelta) -> str:
    hours = value / timedelta(hours=1)
    return f"{hours:g}"


def calendar_table(summary: Any, hours: str, calendar: str) -> Any:
    """The production-calendar table of a year."""
    title = f"{summary.year} production calendar ({calendar}, {hours})"
    if summary.provisional:
        title += ": provisional, no decree published yet"
    table = _table(_lit(title, "bold"))
    for name in ("Month", "Calendar days", "Working days", "Days off", "Shortened days",
                 "Working hours"):
        table.add_column(name, justify="left" if name == "Month" else "right")
    for row in summary.months:
        table.add_row(row.label, str(row.calendar_days), str(row.working_days),
                      str(row.days_off), str(row.shortened_days), _hours(row.working_hours))
    total = summary.total
    table.add_section()
    table.add_row(f"[bold]{total.label}[/]", str(total.calendar_days),
                  f"[bold]{total.working_days}[/]", str(total.days_off),
                  str(total.shortened_days), f"[bold]{_hours(total.working_hours)}[/]")
    return table


# -- the report -------------------------------------------------------------------------


def percent_of(part: int, whole: int, *, short: bool = False) -> str:
    """A share with the counts it is made of; ``-`` when there is nothing to count.

    >>> percent_of(1, 2), percent_of(0, 0), percent_of(2, 3, short=True)
    ('50.0% (1 of 2)', '-', '66.7% (3)')
    """
    if whole == 0:
        return "-"
    share = f"{part / whole * 100:.1f}%"
    return f"{share} ({whole})" if short else f"{share} ({part} of {whole})"


def days_hours(value: timedelta | None) -> str:
    """A duration as a person reads it: ``156d 19h``, ``5h 07m``, ``42m``; a minus sign
    when negative. Days are 24 hours.

    >>> days_hours(timedelta(hours=3763, minutes=4)), days_hours(timedelta(minutes=-307))
    ('156d 19h', '-5h 07m')
    >>> days_hours(timedelta(seconds=59)), days_hours(None)
    ('0m', '')
    """
    if value is None:
        return ""
    minutes = int(value / timedelta(minutes=1))
    sign, minutes = ("-", -minutes) if minutes < 0 else ("", minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, minute = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minute:02d}m"
    return f"{sign}{minute}m"


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


_STATE_STYLE = {
    "breached": "bold red", "running": "yellow", "paused": "cyan", "met": "green",
    "not_applicable": "dim",
}
#: Months with fewer tickets decided than this are starred in the table and drawn hollow
#: in the plot: their share rests on a ticket or two.
# Which clock of a ticket the narrow table shows: the most urgent.
_URGENCY = {"breached": 0, "running": 2, "paused": 3, "met": 4, "not_applicable": 5}




def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _level_order(policy_levels: Sequence[str], levels: Iterable[str]) -> list[str]:
    """``levels`` in the policy's order (any the policy does not name after, sorted)."""
    present = set(levels)
    known = [lv for lv in policy_levels if lv in present]
    return known + sorted(present - set(known))


def _worst_clock(rows: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """The clock a support manager looks at first: breached, then at risk, then running
    or paused, soonest deadline first."""

    def key(row: tuple[Any, ...]) -> tuple[int, float]:
        state, deadline, at_risk = row[5], row[6], row[9]
        rank = 1 if at_risk and state != "breached" else _URGENCY.get(state, 6)
        return rank, (deadline.timestamp() if deadline is not None else float("inf"))

    return min(rows, key=key)


def _tickets_table(shown: list[list[tuple[Any, ...]]], width: int, wide: bool) -> Any:
    """Every clock of every listed ticket when it fits in ``width`` (or ``wide``); else
    one row per ticket with its most urgent clock."""
    longest = max((len(rows[0][0]) for rows in shown if rows), default=6)
    full = _table("Tickets, most urgent first")
    for name, justify in (("Ticket", "left"), ("Level", "left"), ("Status", "left"),
                          ("Clock", "left"), ("State", "left"), ("Deadline", "left"),
                          ("Elapsed", "right"), ("Remaining", "right"), ("At risk", "left")):
        full.add_column(name, justify=justify, no_wrap=True,
                        min_width=longest if name == "Ticket" else None)
    for rows in shown:
        for i, (ticket, level, tstate, metric, cycle, state, deadline, elapsed, remaining,
                at_risk) in enumerate(rows):
            full.add_row(
                _lit(ticket if i == 0 else ""), _lit(level if i == 0 else ""),
                _lit(tstate if i == 0 else ""), _lit(clock_label(metric, cycle)),
                _lit(state, _STATE_STYLE.get(state, "")), _when(deadline),
                days_hours(elapsed), days_hours(remaining), "yes" if at_risk else "",
            )
    if wide or _fits(full, width):
        return full
    narrow = _table("Tickets, most urgent first (each one's most urgent clock; --wide "
                    "shows every clock)")
    narrow.add_column("Ticket", no_wrap=True, min_width=longest)
    narrow.add_column("Level", overflow="fold")
    narrow.add_column("Worst clock", overflow="fold")
    narrow.add_column("State", no_wrap=True)
    narrow.add_column("Deadline", no_wrap=True)
    for rows in shown:
        if not rows:
            continue
        ticket, level, _, metric, cycle, state, deadline, *_rest = _worst_clock(rows)
        at_risk = _rest[-1]
        narrow.add_row(
            _lit(ticket), _lit(level), _lit(clock_label(metric, cycle)),
            _lit("at risk" if at_risk and state != "breached" else
                 "n/a" if state == "not_applicable" else state, _STATE_STYLE.get(state, "")),
            _when(deadline),
        )
    return narrow


def _metric_cell(metrics: Mapping[str, Any], metric: str) -> str:
    found = metrics.get(metric)
    if found is None:
        return "-"  # the level sets no target for it
    return percent_of(found["met"], found["met"] + found["breached"])


def _months_table(months: list[dict[str, Any]], order: list[str], width: int) -> Any:
    """Compliance per month and level: each share with the tickets decided, or, when that
    is too wide, the share alone, starred where fewer than :data:`FEW` were decided."""
    grid: dict[str, dict[str, tuple[int, int]]] = {}
    for row in months:
        grid.setdefault(row["month"], {})[row["level"]] = (row["met"],
                                                           row["met"] + row["breached"])
    table: Any = None
    for short in (True, False):
        title = ("Compliance per month opened (tickets decided in brackets)" if short else
                 f"Compliance per month opened (*: fewer than {FEW} tickets decided)")
        table = _table(title)
        table.add_column("Month", no_wrap=True)
        for level in order:
            table.add_column(_lit(level.replace(".", "\n")), justify="right", no_wrap=True)
        table.add_column("all", justify="right", no_wrap=True)
        for month in sorted(grid):
            cells = grid[month]
            met = sum(c[0] for c in cells.values())
            decided = sum(c[1] for c in cells.values())
            table.add_row(
                month,
                *(_month_cell(*cells[lv], short) if lv in cells else "" for lv in order),
                _month_cell(met, decided, short),
            )
        if _fits(table, width):
            break
    return table


def _month_cell(met: int, decided: int, short: bool) -> str:
    if short or decided == 0:
        return percent_of(met, decided, short=True)
    return f"{met / decided * 100:.1f}%" + ("*" if decided < FEW else " ")


def print_report(
    summary: Any,
    meta: dict[str, Any],
    shown: list[list[tuple[Any, ...]]],
    bad: list[BadRow],
    output: str | None,
    *,
    policy: Regulation | RegulationVersions | None = None,
    wide: bool = False,
) -> None:
    """The report as tables: tickets, compliance per level and clock and per month,
    at-risk clocks, worst breaches, and what was read.

    The levels and the clocks are ``policy``'s (the default policy's for ``None``), in
    its order (:attr:`~slaclock.RegulationVersions.level_keys`,
    :attr:`~slaclock.RegulationVersions.metric_names`), each clock named by
    :func:`clock_label`.

    Tables are laid out for the terminal's width (140 columns in a file or a pipe):
    ticket ids are never cut, and the tickets table shows each ticket's most urgent
    clock when every clock does not fit; ``wide`` shows every clock whatever the width.
    """
    from rich.text import Text

    from slaclock.sla import as_versions

    versions = as_versions(policy)
    width = _output_width(output)
    data = summary.as_dict()
    items: list[Any] = []
    about = meta["policy"]
    filters = meta.get("filters")
    items.append(Text.assemble(
        ("SLA report ", "bold"), f"{meta['source']} as of {format_time(meta['at'])}\n",
        f"policy: {about['title'] or 'untitled'} (version {', '.join(about['versions'])})",
        *(() if not filters else (
            "\n", ("filters: ", "bold"), _filters_text(filters),
            f" ({meta['filtered_out']} other tickets left out of every table)",
        )),
    ))

    tickets = _tickets_table(shown, width, wide)
    items.append(tickets)
    total = data["tickets"]
    if len(shown) < total:
        items.append(Text(
            f"{len(shown)} of {total} tickets listed (--limit 0 lists all; --format csv or "
            "json writes every one)", style="dim",
        ))

    by_level = {row["level"]: row for row in data["levels"]}
    order = _level_order(versions.level_keys, by_level)
    level_rows = [
        [_lit(level), str(row["tickets"]), str(row["met"]), str(row["breached"]),
         str(row["in_progress"]), str(row["at_risk"]),
         Text(percent_of(row["met"], row["met"] + row["breached"]), style="bold")]
        for level in order for row in [by_level[level]]
    ]
    level_rows.append([
        "all", str(data["tickets"]), str(data["met"]), str(data["breached"]),
        str(data["in_progress"]), str(data["at_risk"]),
        Text(percent_of(data["met"], data["met"] + data["breached"]), style="bold"),
    ])
    items.append(_fit(
        "Compliance per level (tickets met, of those decided)",
        [("Level", "left", 0), ("Tickets", "right", 0), ("Met", "right", 3),
         ("Breached", "right", 0), ("Open", "right", 1), ("At risk", "right", 2),
         ("Compliance", "right", 0)],
        level_rows, width, sections=[len(order)],
    ))

    items.append(_fit(
        "Compliance per clock (met, of those decided; -: no target)",
        [("Level", "left", 0), ("Clock", "left", 0), ("Compliance", "right", 0)],
        ([_lit(level if i == 0 else ""), clock_label(metric),
          _metric_cell(by_level[level]["metrics"], metric)]
         for level in order
         for i, metric in enumerate(versions.metric_names)),
        width,
    ))

    items.append(_months_table(data["months"], order, width))

    risk = data["at_risk_clocks"]
    if risk:
        table = _table(f"At risk: {len(risk)} running clock{'s' if len(risk) != 1 else ''} "
                       "past the at-risk share of the target (soonest deadlines)")
        for name in ("Ticket", "Level", "Clock", "Deadline", "Used"):
            table.add_column(name, justify="right" if name == "Used" else "left",
                             no_wrap=name != "Level", overflow="fold")
        for item in risk[:10]:
            table.add_row(_lit(item["ticket"]), _lit(item["level"]),
                          _lit(clock_label(item["metric"], item["cycle"])),
                          _when(_parse(item["deadline"])), f"{item['used'] * 100:.1f}%")
        items.append(table)
    else:
        items.append(Text("At risk: no running clock is past the at-risk share."))

    worst = data["worst_breaches"]
    if worst:
        items.append(_fit(
            "Worst breaches (most working time past the deadline)",
            [("Ticket", "left", 0), ("Level", "left", 1), ("Clock", "left", 0),
             ("Deadline", "left", 2), ("Overdue", "right", 0), ("Met at", "left", 0)],
            ([_lit(item["ticket"]), _lit(item["level"]),
              _lit(clock_label(item["metric"], item["cycle"])), _when(_parse(item["deadline"])),
              days_hours(timedelta(seconds=item["overdue_seconds"])),
              _when(_parse(item["met_at"])) or "not yet"] for item in worst),
            width,
        ))

    read = f"{meta['rows']} rows read"
    if meta["skipped"]:
        read += f", {meta['skipped']} bad rows skipped (listed on stderr)"
    if meta["after_at"]:
        read += f", {meta['after_at']} rows after the report time not replayed"
        if meta["not_yet_opened"]:
            read += f" ({meta['not_yet_opened']} tickets not yet opened)"
    items.append(Text(read + ".", style="dim"))
    print_rich(items, output, max(width, _width(tickets)) if wide else None)


def _filters_text(filters: Mapping[str, Any]) -> str:
    parts = []
    if filters["since"]:
        parts.append(f"opened from {filters['since']}")
    if filters["until"]:
        parts.append(f"opened before {filters['until']}")
    for key, name in (("states", "state"), ("levels", "level"), ("customers", "customer")):
        if filters[key]:
            parts.append(f"{name} {' or '.join(filters[key])}")
    return "; ".join(parts)


def plot(
    summary: Any, path: str, goals: Mapping[str, float] | None = None,
    order: Sequence[str] = (),
) -> None:
    """Compliance per month and level, as a line chart (PNG or SVG by the file's name):
    :func:`slaclock.reporting._chart.compliance_figure`, the chart of ``Report.plot()``.

    Args:
        summary: the report's summary.
        path: the file to write (replaced only once the chart is drawn).
        goals: a compliance goal (a share, ``0.95``) per level, drawn as a dashed
            line in the level's colour.
        order: the levels in the order their lines are drawn (the policy's).
    """
    from slaclock.reporting._chart import compliance_figure

    try:
        fig = compliance_figure(summary, goals=goals, order=order)
    except ImportError:
        raise RuntimeError("--plot needs matplotlib: pip install 'slaclock[plot]'") from None
    fmt = path.rsplit(".", 1)[-1].lower()
    with atomic_output(path, "wb") as f:
        fig.savefig(f, format=fmt)
