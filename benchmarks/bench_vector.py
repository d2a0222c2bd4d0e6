"""Would ``slaclock report`` gain by counting its clocks on the calendar as arrays?

The report replays tickets one at a time; each clock asks its calendar for the working
time of its spans (``business_time``) and for its deadline (``add``), one pair of
instants at a time. The engine also answers those questions for whole NumPy arrays
(``business_time_us`` and ``add_us`` of ``slaclock.calendars._vector``). This script
measures how much of the replay those questions are, and what the same questions cost
asked as arrays:

1. it replays a generated log as the command does (``replay_tickets``, the collector
   paused), the best of a few rounds;
2. it replays it once more recording every question a clock asks its calendar;
3. it asks the recorded questions again, one call at a time, through the integer entry
   points the clocks use, and then as one array per calendar, and checks the answers
   are the same.

The difference between the two is the most an array form could save: it leaves out
what an array form of the report would add (gathering each walk's tickets and their
instants into arrays, and scattering the answers back into each ticket's clocks).

    python benchmarks/bench_vector.py                   # 100,000 tickets
    python benchmarks/bench_vector.py --write           # and writes results/vector.txt

Needs NumPy (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench_report import machine, make_log
from slaclock import Regulation
from slaclock._errors import HorizonError
from slaclock.calendars import _vector as vector
from slaclock.logs import EventLog
from slaclock.reporting import Replayer, Tally, log_tickets, replay_tickets
from slaclock.sla._governing import desk_zone

RESULTS = Path(__file__).resolve().parent / "results" / "vector.txt"


def best(run: Callable[[], object], rounds: int) -> float:
    """The fastest of ``rounds`` timings of ``run``, the collector paused."""
    times = []
    for _ in range(rounds):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times)


def replay(log: EventLog, at: Any) -> None:
    """Every ticket of ``log`` replayed as the command replays it."""
    replayer = Replayer(Regulation.default(), at, None)
    for _ in replay_tickets(replayer, log_tickets(log), Tally(None)):
        pass


def recorded(log: EventLog, at: Any) -> tuple[dict[Any, list[tuple[int, int]]],
                                              dict[Any, list[tuple[int, int]]], int]:
    """The questions the clocks ask their calendars in one replay: the pairs of instants
    of ``business_time`` and the (start, duration) pairs of ``add``, by calendar; and how
    many ``next_open`` questions (no array form) they ask besides."""
    import slaclock.sla._count as clock

    spans: dict[Any, list[tuple[int, int]]] = defaultdict(list)
    adds: dict[Any, list[tuple[int, int]]] = defaultdict(list)
    opens = 0
    real = clock._business, clock._add, clock._next_open

    def business(schedule: Any, a: int, b: int) -> int:
        spans[schedule].append((a, b))
        return real[0](schedule, a, b)

    def add(schedule: Any, a: int, d: int) -> int | None:
        adds[schedule].append((a, d))
        return real[1](schedule, a, d)

    def next_open(schedule: Any, t: int) -> int | None:
        nonlocal opens
        opens += 1
        return real[2](schedule, t)

    clock._business, clock._add, clock._next_open = business, add, next_open
    try:
        replay(log, at)
    finally:
        clock._business, clock._add, clock._next_open = real
    return spans, adds, opens


def one_at_a_time(spans: dict[Any, list[tuple[int, int]]],
                  adds: dict[Any, list[tuple[int, int]]]) -> list[int | None]:
    out: list[int | None] = []
    for schedule, pairs in spans.items():
        business = schedule._business_us
        out += [business(a, b) for a, b in pairs]
    for schedule, pairs in adds.items():
        add = schedule._add_us
        for a, d in pairs:
            try:
                out.append(add(a, d))
            except HorizonError:
                out.append(None)
    return out


def as_arrays(columns: list[tuple[Any, str, Any, Any]]) -> list[Any]:
    """Each calendar's questions as one array call (the columns made beforehand)."""
    out = []
    for timeline, kind, first, second in columns:
        nat = np.zeros(len(first), dtype=bool)
        if kind == "business":
            out.append(vector.business_time_us(timeline, first, second, nat))
        else:
            out.append(vector.add_us(timeline, first, second, nat))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "slaclock-bench",
                        help="where the generated log is kept (bench_report.py's too)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write results/vector.txt")
    args = parser.parse_args(argv)

    workdir = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"tickets-{args.tickets}.csv"
    make_log(path, args.tickets)
    gc.disable()
    log = EventLog.read(path, details=False)
    gc.enable()
    assert log.last is not None
    at = log.last.astimezone(desk_zone(Regulation.default()))

    replay_s = best(lambda: replay(log, at), args.rounds)
    spans, adds, opens = recorded(log, at)
    n_spans = sum(map(len, spans.values()))
    n_adds = sum(map(len, adds.values()))
    scalar_s = best(lambda: one_at_a_time(spans, adds), args.rounds)

    columns = []
    for schedule, pairs in spans.items():
        a, b = np.array(pairs, dtype=np.int64).T.copy()
        columns.append((schedule._compiled, "business", a, b))
    for schedule, pairs in adds.items():
        a, d = np.array(pairs, dtype=np.int64).T.copy()
        columns.append((schedule._compiled, "add", a, d))
    as_arrays(columns)  # the arrays' views and tables built once, as a report would
    array_s = best(lambda: as_arrays(columns), args.rounds)

    # The same answers, or the comparison means nothing.
    scalar = one_at_a_time(spans, adds)
    arrays: list[int | None] = []
    for got in as_arrays(columns):  # an add past the calendars raises, as one by one
        arrays += got.tolist()
    same = scalar == arrays

    lines = [
        f"the clocks' calendar questions in a replay of {args.tickets} generated tickets "
        f"({sum(map(len, log.tickets.values()))} events), as of {at.isoformat()}",
        *machine(),
        f"replay (replay_tickets, every ticket)    {replay_s:7.3f} s",
        f"  business_time, one call each: {n_spans:>9} calls",
        f"  add, one call each:           {n_adds:>9} calls",
        f"  both, asked again one by one            {scalar_s:7.3f} s "
        f"({scalar_s / replay_s:.1%} of the replay)",
        f"  both, asked as one array per calendar   {array_s:7.3f} s "
        f"({array_s / replay_s:.1%} of the replay)",
        f"  next_open (no array form), not timed: {opens} calls",
        f"the most arrays could save: {scalar_s - array_s:.2f} s, "
        f"{(scalar_s - array_s) / replay_s:.0%} of the replay, before gathering and "
        "scattering",
        f"answers the same one by one and as arrays: {'yes' if same else 'NO'}",
        f"each timing: the fastest of {args.rounds} rounds, the collector paused",
    ]
    print("\n".join(lines))
    if args.write:
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(RESULTS.parents[2])}", file=sys.stderr)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
