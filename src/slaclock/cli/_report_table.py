"""The report as tables for people: its tickets, most urgent first, compliance per level,
clock and month, the clocks at risk, the worst breaches, and what was read.

The levels and the clocks are the policy's, in its order, named by
:func:`~slaclock.cli._render.clock_label`; every value from the log is literal text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slaclock.cli._render import (
    _fit,
    _fits,
    _lit,
    _output_width,
    _table,
    _width,
    clock_label,
    print_rich,
)
from slaclock.logs import BadRow, format_time, printable, working_hours
from slaclock.reporting import percent_of
from slaclock.reporting._chart import FEW

if TYPE_CHECKING:
    from slaclock.reporting import Summary
    from slaclock.sla import Regulation, RegulationVersions

__all__ = ["print_report"]


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


_STATE_STYLE = {
    "breached": "bold red", "running": "yellow", "paused": "cyan", "met": "green",
    "not_applicable": "dim",
}
# Which clock of a ticket the narrow table shows: the most urgent.
_URGENCY = {"breached": 0, "running": 2, "paused": 3, "met": 4, "not_applicable": 5}


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
    full = _table("Tickets, most urgent first (elapsed and remaining: working hours)")
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
                working_hours(elapsed), working_hours(remaining), "yes" if at_risk else "",
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
    from rich.text import Text

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
            # A level's parts a line each (a level is a key of the policy's, or the log's).
            table.add_column(Text("\n".join(map(printable, level.split(".")))),
                             justify="right", no_wrap=True)
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
    summary: Summary,
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
        ("SLA report ", "bold"),
        f"{printable(meta['source'], None)} as of {format_time(meta['at'])}\n",
        f"policy: {printable(about['title'] or 'untitled', None)} "
        f"(version {printable(', '.join(about['versions']), None)})",
        *(() if not filters else (
            "\n", ("filters: ", "bold"), _filters_text(filters),
            f" ({meta['filtered_out']} other tickets left out of every table)",
        )),
    ))

    tickets = _tickets_table(shown, width, wide)
    if shown:  # --limit 0: the summary alone, no empty table of tickets
        items.append(tickets)
    total = data["tickets"]
    if len(shown) < total:
        items.append(Text(
            f"{len(shown)} of {total} tickets listed (--limit all lists all; --format csv or "
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
        ([_lit(level if i == 0 else ""), _lit(clock_label(metric)),
          _metric_cell(by_level[level]["metrics"], metric)]
         for level in order
         for i, metric in enumerate(versions.metric_names)),
        width,
    ))

    items.append(_months_table(data["months"], order, width))

    risk = summary.at_risk_sorted()
    if risk:
        table = _table(f"At risk: {len(risk)} running clock{'s' if len(risk) != 1 else ''} "
                       "past the at-risk share of the target (soonest deadlines)")
        for name in ("Ticket", "Level", "Clock", "Deadline", "Used"):
            table.add_column(name, justify="right" if name == "Used" else "left",
                             no_wrap=name != "Level", overflow="fold")
        for deadline, ticket, level, cycle, metric, _, used in risk[:10]:
            table.add_row(_lit(ticket), _lit(level), _lit(clock_label(metric, cycle)),
                          _when(deadline), f"{used * 100:.1f}%")
        items.append(table)
    else:
        items.append(Text("At risk: no running clock is past the at-risk share."))

    worst = summary.worst_sorted()
    if worst:
        items.append(_fit(
            "Worst breaches (most working hours past the deadline)",
            [("Ticket", "left", 0), ("Level", "left", 1), ("Clock", "left", 0),
             ("Deadline", "left", 2), ("Overdue", "right", 0), ("Met at", "left", 0)],
            ([_lit(ticket), _lit(level), _lit(clock_label(metric, cycle)), _when(deadline),
              working_hours(timedelta(seconds=overdue)), _when(met_at) or "not yet"]
             for overdue, ticket, level, metric, cycle, deadline, met_at in worst),
            width,
        ))

    read = f"{meta['rows']} rows read"
    whole = meta.get("left_out_rows", 0)
    if meta["skipped"] > whole:
        read += f", {meta['skipped'] - whole} bad rows skipped (listed on stderr)"
    if whole:
        read += f", {whole} rows of tickets left out whole (named on stderr)"
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
