"""Output: rich tables for people, CSV safe to open in a spreadsheet, and charts."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from slaclock._eventlog import BadRow, csv_safe, format_duration, format_time

__all__ = ["calendar_table", "plot", "print_report", "print_rich", "write_csv"]

#: The width of tables written to a file or a pipe.
WIDTH = 140
LEVEL_ORDER = (
    "partner.standard", "partner.emergency", "commercial.standard", "commercial.operational",
    "commercial.emergency",
)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], output: str | None) -> None:
    """CSV with every text cell neutralised against formula injection (:func:`csv_safe`)."""
    if output is None:
        _write_csv(sys.stdout, header, rows)
    else:
        with open(output, "w", encoding="utf-8", newline="") as f:
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


def _console(output: str | None, file: Any = None) -> Any:
    from rich.console import Console as RichConsole

    class Console(RichConsole):
        def on_broken_pipe(self) -> None:
            # The command ends quietly with exit code 0 (rich would exit with 1).
            self.quiet = True
            raise BrokenPipeError

    if file is not None:
        return Console(file=file, width=WIDTH, color_system=None, soft_wrap=False)
    console = Console()
    if not console.is_terminal:
        console = Console(width=WIDTH, color_system=None)
    return console


def _table(title: str) -> Any:
    from rich import box
    from rich.table import Table

    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD,
                 title_style="bold")


def print_rich(renderables: Sequence[Any], output: str | None) -> None:
    """Print rich renderables to stdout, or as plain text to ``output``."""
    if output is None:
        console = _console(None)
        for item in renderables:
            console.print(item)
        return
    with open(output, "w", encoding="utf-8") as f:
        console = _console(output, f)
        for item in renderables:
            console.print(item)


def _hours(value: timedelta) -> str:
    hours = value / timedelta(hours=1)
    return f"{hours:g}"


def calendar_table(summary: Any, hours: str, calendar: str) -> Any:
    """The production-calendar table of a year."""
    title = f"{summary.year} production calendar ({calendar}, {hours})"
    if summary.provisional:
        title += ": provisional, no decree published yet"
    table = _table(title)
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


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _short(duration: timedelta | None) -> str:
    if duration is None:
        return ""
    text = format_duration(duration)
    return text.rsplit(":", 1)[0] if text.count(":") == 2 else text  # H:MM


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


_STATE_STYLE = {
    "breached": "bold red", "running": "yellow", "paused": "cyan", "met": "green",
    "not_applicable": "dim",
}


def _clock(metric: str, cycle: int) -> str:
    return metric if metric != "next_reaction" else f"next reaction {cycle}"


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _level_order(levels: Iterable[str]) -> list[str]:
    known = [lv for lv in LEVEL_ORDER if lv in levels]
    return known + sorted(set(levels) - set(known))


def print_report(
    summary: Any,
    meta: dict[str, Any],
    shown: list[list[tuple[Any, ...]]],
    bad: list[BadRow],
    output: str | None,
) -> None:
    """The report as tables: tickets, compliance per level and per month, at-risk
    clocks, worst breaches, and what was read."""
    from rich.text import Text

    data = summary.as_dict()
    items: list[Any] = []
    policy = meta["policy"]
    items.append(Text.assemble(
        ("SLA report ", "bold"), f"{meta['source']} as of {format_time(meta['at'])}\n",
        f"policy: {policy['title'] or 'untitled'} (version {', '.join(policy['versions'])})",
    ))

    tickets = _table("Tickets")
    for name, justify in (("Ticket", "left"), ("Level", "left"), ("Status", "left"),
                          ("Clock", "left"), ("State", "left"), ("Deadline", "left"),
                          ("Elapsed", "right"), ("Remaining", "right"), ("At risk", "left")):
        tickets.add_column(name, justify=justify, no_wrap=True)
    for rows in shown:
        for i, (ticket, level, tstate, metric, cycle, state, deadline, elapsed, remaining,
                at_risk) in enumerate(rows):
            label = _clock(metric, cycle)
            tickets.add_row(
                ticket if i == 0 else "", level if i == 0 else "", tstate if i == 0 else "",
                label, Text(state, style=_STATE_STYLE.get(state, "")), _when(deadline),
                _short(elapsed), _short(remaining), "yes" if at_risk else "",
            )
    items.append(tickets)
    total = data["tickets"]
    if len(shown) < total:
        items.append(Text(
            f"{len(shown)} of {total} tickets listed (--limit 0 lists all; --format csv or "
            "json writes every one)", style="dim",
        ))

    levels = _table("Compliance per level (tickets met, of those decided)")
    for name in ("Level", "Tickets", "Met", "Breached", "In progress", "At risk", "Reaction",
                 "Next reaction", "Resolution", "Compliance"):
        levels.add_column(name, justify="left" if name == "Level" else "right", no_wrap=True)
    by_level = {row["level"]: row for row in data["levels"]}
    for level in _level_order(by_level):
        row = by_level[level]
        metrics = row["metrics"]
        levels.add_row(
            level, str(row["tickets"]), str(row["met"]), str(row["breached"]),
            str(row["in_progress"]), str(row["at_risk"]),
            *(_pct(metrics[m]["compliance"]) if m in metrics else "-"
              for m in ("reaction", "next_reaction", "resolution")),
            Text(_pct(row["compliance"]), style="bold"),
        )
    levels.add_section()
    levels.add_row(
        "all", str(data["tickets"]), str(data["met"]), str(data["breached"]),
        str(data["in_progress"]), str(data["at_risk"]), "", "", "",
        Text(_pct(data["compliance"]), style="bold"),
    )
    items.append(levels)

    months = _table("Compliance per month opened")
    months.add_column("Month", no_wrap=True)
    order = _level_order(by_level)
    for level in order:
        months.add_column(level.replace(".", "\n"), justify="right")
    months.add_column("all", justify="right")
    grid: dict[str, dict[str, dict[str, Any]]] = {}
    for row in data["months"]:
        grid.setdefault(row["month"], {})[row["level"]] = row
    for month in sorted(grid):
        cells = grid[month]
        met = sum(c["met"] for c in cells.values())
        breached = sum(c["breached"] for c in cells.values())
        months.add_row(
            month,
            *(_pct(cells[lv]["compliance"]) if lv in cells else "" for lv in order),
            _pct(None if met + breached == 0 else met / (met + breached)),
        )
    items.append(months)

    risk = data["at_risk_clocks"]
    if risk:
        table = _table(f"At risk: {len(risk)} running clock{'s' if len(risk) != 1 else ''} "
                       "past the at-risk share of the target (soonest deadlines)")
        for name in ("Ticket", "Level", "Clock", "Deadline", "Used"):
            table.add_column(name, justify="right" if name == "Used" else "left", no_wrap=True)
        for item in risk[:10]:
            table.add_row(item["ticket"], item["level"], _clock(item["metric"], item["cycle"]),
                          _when(_parse(item["deadline"])), _pct(item["used"]))
        items.append(table)
    else:
        items.append(Text("At risk: no running clock is past the at-risk share."))

    worst = data["worst_breaches"]
    if worst:
        table = _table("Worst breaches (most working time past the deadline)")
        for name in ("Ticket", "Level", "Clock", "Deadline", "Overdue", "Met at"):
            table.add_column(name, justify="right" if name == "Overdue" else "left",
                             no_wrap=True)
        for item in worst:
            table.add_row(item["ticket"], item["level"], _clock(item["metric"], item["cycle"]),
                          _when(_parse(item["deadline"])),
                          _short(timedelta(seconds=item["overdue_seconds"])),
                          _when(_parse(item["met_at"])) or "not yet")
        items.append(table)

    read = f"{meta['rows']} rows read"
    if meta["skipped"]:
        read += f", {meta['skipped']} bad rows skipped (listed on stderr)"
    if meta["after_at"]:
        read += f", {meta['after_at']} rows after the report time not replayed"
        if meta["not_yet_opened"]:
            read += f" ({meta['not_yet_opened']} tickets not yet opened)"
    items.append(Text(read + ".", style="dim"))
    print_rich(items, output)


def plot(summary: Any, path: str) -> None:
    """Compliance per month and level, as a line chart (PNG or SVG by the file's name)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise RuntimeError(
            "--plot needs matplotlib: pip install 'slaclock[plot]'"
        ) from None
    data = summary.as_dict()
    months = sorted({row["month"] for row in data["months"]})
    series: dict[str, dict[str, float]] = {}
    for row in data["months"]:
        if row["compliance"] is not None:
            series.setdefault(row["level"], {})[row["month"]] = row["compliance"] * 100
    fig, ax = plt.subplots(figsize=(11, 5), layout="constrained")
    positions = {month: i for i, month in enumerate(months)}
    for level in _level_order(series):
        points = series[level]
        xs = [positions[m] for m in months if m in points]
        ax.plot(xs, [points[m] for m in months if m in points], marker="o", markersize=3,
                label=level)
    ax.set_xticks(range(len(months)), months, rotation=90, fontsize=8)
    ax.set_ylabel("tickets met, % of decided")
    ax.set_ylim(0, 102)
    ax.set_title("SLA compliance per month opened and service level")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    fig.savefig(path, format=path.rsplit(".", 1)[-1].lower())
    plt.close(fig)
