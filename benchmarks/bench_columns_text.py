"""What the CSV and JSON text of a report costs: per ticket (each count's status, then
``MetricWriter.ticket``, as the command writes its parts now) against the columnar
writers of a clock table (``slaclock.reporting._columns_text``), in microseconds a clock.

1. it replays a generated log as the command does (``replay_tickets``) and keeps the
   counts, and makes their clock table (``ClockTable.of_counted``; the columnar engine
   makes it directly: not timed);
2. it times the per-ticket text of every ticket (the status made, then written; and the
   writer alone, the statuses made beforehand), the best of a few rounds;
3. it times the columnar text of the same tickets (``ticket_texts``) and a part's records
   of them written to /dev/null (``write_records``), on the table and on the table
   repeated ``--times`` times (a million tickets from the default 100,000), and checks
   the texts are the per-ticket ones, byte for byte.

    python benchmarks/bench_columns_text.py                 # 100,000 tickets, x10
    python benchmarks/bench_columns_text.py --write         # and writes results/columns_text.txt

Needs NumPy (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import os
import struct
import tempfile
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from bench_report import machine, make_log
from bench_vector import best  # the fastest of some rounds, the collector paused
from slaclock import Regulation
from slaclock.logs import EventLog
from slaclock.reporting import MetricWriter, Replayer, Tally, log_tickets, replay_tickets
from slaclock.reporting._clocks import ClockTable
from slaclock.reporting._columns_text import ticket_texts, write_records
from slaclock.sla import Counted
from slaclock.sla._governing import desk_zone

RESULTS = Path(__file__).resolve().parent / "results" / "columns_text.txt"
HEADER = struct.Struct("<qqI")  # a part file's record header (slaclock.cli._outputs)


def counts(log: EventLog) -> tuple[Any, list[Counted], list[int]]:
    """Every ticket of ``log`` counted as the command counts it, with its line."""
    assert log.last is not None
    at = log.last.astimezone(desk_zone(Regulation.default()))
    replayer = Replayer(Regulation.default(), at, None)
    out = [(r.counted, r.line) for r in replay_tickets(replayer, log_tickets(log), Tally(None))]
    return at, [c for c, _ in out], [line for _, line in out]


def repeated(table: ClockTable, times: int) -> ClockTable:
    """The table's tickets ``times`` times over (the same clocks: a larger report)."""
    n, m = len(table), len(table.owner)
    ticket_columns = ("line", "opened", "level", "coverage", "state", "critical", "customer")
    clock_columns = ("metric", "cycle", "clock_state", "start", "deadline", "elapsed",
                     "target_us", "used", "met_at", "breached_at", "at_risk", "clock",
                     "promised")
    return attrs.evolve(
        table, ticket=table.ticket * times,
        **{c: np.tile(getattr(table, c), times) for c in ticket_columns + clock_columns},
        first=np.concatenate([table.first[:-1] + k * m for k in range(times)] + [[m * times]]),
        owner=np.concatenate([table.owner + k * n for k in range(times)]),
    )


def measure(fmt: str, table: ClockTable, found: list[Counted], big: ClockTable,
            rounds: int) -> list[str]:
    """The lines of one format's timings (after checking the texts are the same)."""
    write = MetricWriter(fmt).ticket
    rows, big_rows = np.arange(len(table)), np.arange(len(big))
    expected = b"".join(write(c.status()).encode() for c in found)
    got = b"".join(bytes(data) for data, _ in ticket_texts(table, rows, fmt))
    assert got == expected, f"{fmt}: the columnar text differs from the per-ticket one"
    statuses = [c.status() for c in found]
    per_ticket = best(lambda: [write(c.status()) for c in found], rounds)
    writer = best(lambda: [write(s) for s in statuses], rounds)
    columns = best(lambda: [d for d, _ in ticket_texts(table, rows, fmt)], rounds)
    with open(os.devnull, "wb") as sink:
        records = best(lambda: write_records(big, big_rows, fmt, sink, HEADER), rounds)
    per = 1e6 / len(table.owner)
    return [
        f"{fmt}: per ticket, status and text: {per_ticket * per:.2f} us a clock; "
        f"the text alone: {writer * per:.2f} us",
        f"{fmt}: columnar text: {columns * per:.3f} us a clock ({per_ticket / columns:.0f}x "
        f"the status and text, {writer / columns:.0f}x the text alone)",
        f"{fmt}: columnar part records of {len(big):,} tickets, {len(big.owner):,} clocks, to "
        f"/dev/null: {records:.2f} s ({records * 1e6 / len(big.owner):.3f} us a clock)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--times", type=int, default=10,
                        help="the columnar writers also write the table this many times over")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "slaclock-bench",
                        help="where the generated log is kept (bench_report.py's too)")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"tickets-{args.tickets}.csv"
    make_log(path, args.tickets)
    lines = machine()
    at, found, opening = counts(EventLog.read(path, details=False))
    table = ClockTable.of_counted(at, found, opening)
    lines.append(f"{len(table):,} tickets, {len(table.owner):,} clocks (the default policy); "
                 f"best of {args.rounds} rounds")
    big = repeated(table, args.times)
    for fmt in ("csv", "json"):
        lines += measure(fmt, table, found, big, args.rounds)
        print(*lines[-3:], sep="\n", flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
