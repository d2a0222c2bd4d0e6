"""Generate a realistic ticket event log for ``slaclock report``: seeded, so reproducible.

The shipped sample, ``examples/tickets.csv``, is this script's default output::

    python examples/generate_tickets.py                      # 2,000 tickets -> examples/tickets.csv
    python examples/generate_tickets.py --tickets 1000000 --output big.csv   # the benchmark's log
    python examples/generate_tickets.py --format jsonl --output - | head
    python examples/generate_tickets.py --varied --tickets 100000 --output varied.csv

Tickets arrive over 2025 and 2026 (to the end of October 2026, when the log is "exported"),
mostly in the desk's working hours, some at night, at weekends and late on the shortened
days before public holidays. Each ticket is played out on the regulation's calendar (Moscow,
09:00-18:00, Russia's production calendar; around the clock for commercial emergency
contracts bought as 24/7): the desk responds (usually in time, sometimes late), asks the
customer for information and waits for the reply, escalates or downgrades the level, hands
development matters over, resolves, and now and then a customer reopens. Rows are written
in time order, as a helpdesk exports them; events after the export instant are not written,
so the latest tickets are still open.

``--varied`` plays tickets out as a random walk instead, for benchmarks whose cost follows
the number of distinct event sequences: each ticket opens with ``opened`` or ``created``
(by the desk or the customer, sometimes a development request), then takes up to twenty
events of the default and the general kinds (responses, questions, replies and notes by
either side, status changes to every category, level changes by ``level_changed`` and by
``field``, hand-offs, resolutions, reopenings, closing), for one of a few hundred named
customers. Every step is one the regulation's policy takes from the state the ticket is in.
The log then has the columns ``customer``, ``category``, ``status``, ``author``, ``field``
and ``value`` as well. Tens of thousands of its 100,000 tickets' sequences differ (the
count is printed: a sequence is what each event says, without its time, its free text or
the customer's name; 77,250 of 100,000 at the default seed).
"""

from __future__ import annotations

import argparse
import csv
import heapq
import random
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from slaclock import Calendar

MSK = ZoneInfo("Europe/Moscow")
HERE = Path(__file__).resolve().parent
COLUMNS = ("ticket", "time", "event", "level", "detail", "coverage")

#: level: (share of tickets, maximum reaction in hours, maximum resolution in hours or None)
LEVELS = {
    "partner.standard": (0.27, 48, None),
    "partner.emergency": (0.06, 16, None),
    "commercial.standard": (0.42, 24, 48),
    "commercial.operational": (0.15, 12, None),
    "commercial.emergency": (0.10, 8, None),
}
SUBJECTS = {
    "standard": [
        "Installation fails on Windows Server 2022",
        "How do I set up nightly backups?",
        "Question: user rights for the cashier role",
        "Slow report generation, version 5.2",
        "Update 5.3 asks for a licence key again",
        'Error "Connection refused" when printing receipts',
        "Setting up a second workstation, licence transfer",
        "=SUM in the sales report template returns #VALUE",
        "Custom report template for the tax office",
        "-- crash at start after the driver update",
        "Scanner not detected, model Honeywell 1900",
        "Theoretical question: stock write-off order",
    ],
    "emergency": [
        "The whole system is down in all shops",
        "Database server does not start after power loss",
        "Critical error: sales cannot be closed, version 5.3",
        "All cash registers lost connection to the server",
        "Node 2 of the cluster stopped, service unavailable",
    ],
}
DEV_DETAILS = ["feature request", "custom driver", "report template", "new module"]


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    x = rng.random() * sum(weights.values())
    for key, weight in weights.items():
        x -= weight
        if x < 0:
            return key
    return key


class Generator:
    """Plays out tickets; ``events(i, opened)`` is one ticket's rows in time order."""

    def __init__(self, seed: int, start: datetime, end: datetime) -> None:
        self.rng = random.Random(seed)
        self.start, self.end = start, end
        self.desk = Calendar.russia()
        self.always = Calendar.always("Europe/Moscow")
        self.shares = {level: share for level, (share, _, _) in LEVELS.items()}
        self.eves = [
            day for day in _dates(start.date(), end.date())
            if self.desk.is_shortened(day)
        ]

    def opening_times(self, n: int) -> list[datetime]:
        """``n`` arrival instants, sorted: working hours, nights and pre-holiday evenings."""
        rng = self.rng
        span = (self.end - self.start).total_seconds()
        work = self.desk.business_time(self.start, self.end).total_seconds()
        out = []
        for _ in range(n):
            x = rng.random()
            if x < 0.80:  # in working hours
                t = self.desk.add(self.start, timedelta(seconds=int(rng.random() * work)))
            elif x < 0.97 or not self.eves:  # any time: nights, weekends, holidays
                t = self.start + timedelta(seconds=int(rng.random() * span))
            else:  # late on a shortened day before a public holiday
                day = rng.choice(self.eves)
                t = datetime(day.year, day.month, day.day, 15, tzinfo=MSK) + timedelta(
                    seconds=rng.randrange(3 * 3600)
                )
            out.append(min(t, self.end - timedelta(seconds=1)).astimezone(MSK))
        out.sort()
        return out

    def events(self, ticket: str, opened: datetime) -> Iterator[tuple[datetime, tuple[str, ...]]]:
        rng = self.rng
        level = _pick(rng, self.shares)
        customer = level.split(".")[0]
        coverage = ""
        if level == "commercial.emergency":
            coverage = "24x7" if rng.random() < 0.4 else "business"
        clock = self.always if coverage == "24x7" else self.desk
        kind = "emergency" if level.endswith(("emergency", "operational")) else "standard"
        subject = rng.choice(SUBJECTS[kind])
        yield opened, (ticket, "opened", level, subject, coverage)
        t = opened

        def reaction(after: datetime) -> datetime:
            hours = LEVELS[level][1]
            share = rng.uniform(1.02, 2.5) if rng.random() < 0.07 else rng.random() ** 2 * 0.9
            return clock.add(after, timedelta(seconds=int(hours * 3600 * share) + 60))

        t = reaction(t)
        yield t, (ticket, "responded", "", "", "")

        if rng.random() < 0.06:  # the level turns out wrong
            t = clock.add(t, timedelta(minutes=rng.randrange(5, 240)))
            others = [lv for lv in LEVELS if lv.startswith(customer) and lv != level]
            new = rng.choice(others)
            why = "escalated: whole system stopped" if "emergency" in new else "downgraded"
            level = new
            coverage = ""
            if level == "commercial.emergency":  # the contract's emergency agreement
                coverage = "24x7" if rng.random() < 0.4 else "business"
            clock = self.always if coverage == "24x7" else self.desk
            yield t, (ticket, "level_changed", level, why, coverage)

        for _ in range(2 if rng.random() < 0.1 else 1):
            if rng.random() >= 0.35:
                break
            t = t + timedelta(minutes=rng.randrange(2, 90))  # the desk asks for information
            yield t, (ticket, "waiting", "", "asked for logs and the product version", "")
            if rng.random() < 0.07:
                return  # the customer never answers
            t = t + timedelta(seconds=int(rng.lognormvariate(9.5, 1.3)) + 60)
            yield t, (ticket, "customer_replied", "", "", "")
            t = reaction(t)
            yield t, (ticket, "responded", "", "", "")

        if rng.random() < 0.08 and kind == "standard":
            t = clock.add(t, timedelta(minutes=rng.randrange(10, 600)))
            yield t, (ticket, "to_development", "", rng.choice(DEV_DETAILS), "")
            if rng.random() < 0.4:
                return  # still in development
            t = t + timedelta(days=rng.randrange(5, 120))
            yield t, (ticket, "resolved", "", "fixed in a release", "")
            return

        if rng.random() < 0.05:
            return  # forgotten: no resolution
        target = LEVELS[level][2]
        if target is not None:
            share = rng.uniform(1.02, 2.0) if rng.random() < 0.1 else rng.uniform(0.05, 0.97)
            done = clock.add(opened, timedelta(seconds=int(target * 3600 * share)))
        else:
            done = clock.add(t, timedelta(seconds=int(rng.lognormvariate(10.5, 1.0))))
        t = max(done, t + timedelta(minutes=5))
        yield t, (ticket, "resolved", "", "", "")

        if rng.random() < 0.05:  # the customer comes back
            t = t + timedelta(seconds=rng.randrange(3600, 10 * 86400))
            yield t, (ticket, "reopened", "", "the error is back", "")
            t = reaction(t)
            yield t, (ticket, "responded", "", "", "")
            t = clock.add(t, timedelta(seconds=int(rng.lognormvariate(9.5, 1.0))))
            yield t, (ticket, "resolved", "", "", "")


#: The varied log's columns: the default ones, then the general vocabulary's.
VARIED_COLUMNS = (*COLUMNS, "customer", "category", "status", "author", "field", "value")
#: The categories a ticket may be answered, asked, resolved or handed over in.
UNSOLVED = ("open", "pending", "on_hold")


class VariedGenerator(Generator):
    """Plays out tickets as random walks over the whole vocabulary (``--varied``):
    ``events(i, opened)`` is one ticket's rows (:data:`VARIED_COLUMNS` but the time) in
    time order. The walk keeps the ticket's status category, and takes only the steps the
    regulation's policy accepts from it."""

    def __init__(self, seed: int, start: datetime, end: datetime) -> None:
        super().__init__(seed, start, end)
        self.customers = [f"customer-{i:03d}" for i in range(1, 301)]

    def events(self, ticket: str, opened: datetime) -> Iterator[tuple[datetime, tuple[str, ...]]]:
        rng = self.rng
        level = _pick(rng, self.shares)
        kind = level.split(".")[0]
        coverage = self._coverage(level)
        clock = self.always if coverage == "24x7" else self.desk
        customer = rng.choice(self.customers)
        category = "development" if rng.random() < 0.04 else ""
        subject = rng.choice(SUBJECTS["emergency" if level.endswith(("emergency", "operational"))
                                      else "standard"])

        def row(event: str, *, level: str = "", detail: str = "", coverage: str = "",
                status: str = "", author: str = "", field: str = "", value: str = "",
                ) -> tuple[str, ...]:
            return (ticket, event, level, detail, coverage, customer if event in
                    ("opened", "created") else "", category if event in ("opened", "created")
                    else "", status, author, field, value)

        if rng.random() < 0.6:
            yield opened, row("opened", level=level, detail=subject, coverage=coverage)
        else:
            yield opened, row("created", level=level, detail=subject, coverage=coverage,
                              author=rng.choice(("customer", "customer", "desk")),
                              status="open" if rng.random() < 0.5 else "")
        state, t = "open", opened
        for _ in range(rng.randrange(3, 21)):
            if state == "closed" or (state == "solved" and rng.random() < 0.4):
                return
            if rng.random() < 0.35:  # the desk's time: counted on the ticket's clock
                hours = LEVELS[level][1] * (rng.random() ** 2 * 1.3)
                t = clock.add(t, timedelta(seconds=int(hours * 3600) + 60))
            else:  # the customer's, or a colleague's: any hour
                t = t + timedelta(seconds=int(rng.lognormvariate(8.5, 1.6)) + 30)
            if t >= self.end:
                return
            if state == "solved":
                step = rng.choice(("reopened", "status:open", "status:closed",
                                   "reply:customer", "note:desk"))
            else:
                step = _pick(rng, VARIED_STEPS)
            name, _, arg = step.partition(":")
            if name in ("responded", "customer_replied", "to_development"):
                yield t, row(name)
            elif name in ("waiting", "resolved", "reopened"):
                yield t, row(name, detail="" if rng.random() < 0.7 else "said so")
                state = {"waiting": "pending", "resolved": "solved", "reopened": "open"}[name]
            elif name in ("reply", "note"):
                yield t, row(name, author=arg or rng.choice(("desk", "customer")))
            elif name == "status":
                new = arg or rng.choice(("open", "pending", "on_hold", "on_hold", "solved",
                                         "closed"))
                yield t, row("status", status=new)
                state = new
            elif arg == "category":  # a development matter after all
                yield t, row("field", field="category", value="development")
            else:  # level_changed, or the level field set by hand
                level = rng.choice([lv for lv in LEVELS if lv.startswith(kind) and lv != level])
                coverage = self._coverage(level)
                clock = self.always if coverage == "24x7" else self.desk
                if name == "level_changed":
                    yield t, row(name, level=level, coverage=coverage,
                                 detail="escalated" if "emergency" in level else "")
                else:
                    yield t, row("field", level=level, coverage=coverage)

    def _coverage(self, level: str) -> str:
        if level != "commercial.emergency":
            return ""
        return "24x7" if self.rng.random() < 0.4 else "business"


#: The varied walk's steps from an unsolved ticket, and their weights.
VARIED_STEPS = {
    "responded": 3.0, "waiting": 1.5, "customer_replied": 2.0, "reply:desk": 2.0,
    "reply:customer": 2.0, "note": 1.5, "status": 2.0, "level_changed": 0.4, "field": 0.3,
    "field:category": 0.15, "to_development": 0.3, "resolved": 2.0,
}


def _dates(first: date, last: date) -> Iterator[date]:
    while first <= last:
        yield first
        first += timedelta(days=1)


def generate(
    out: IO[str], n: int, *, seed: int, start: datetime, end: datetime, fmt: str = "csv",
    varied: bool = False,
) -> tuple[int, int]:
    """Write ``n`` tickets' events to ``out`` in time order (played out by
    :class:`VariedGenerator` when ``varied``); returns the number of rows and of distinct
    event sequences: tickets whose events say the same things in the same order count
    once, what an event says being all the clocks read of it (its kind, level, coverage,
    category, status, author, field and value), not its time, its ticket, its free text
    or the customer's name."""
    gen = (VariedGenerator if varied else Generator)(seed, start, end)
    columns = VARIED_COLUMNS if varied else COLUMNS
    width = len(str(n))
    pending: list[tuple[datetime, int, tuple[str, ...]]] = []
    sequences: set[tuple[tuple[str, ...], ...]] = set()
    seq = rows = 0
    writer = csv.writer(out, lineterminator="\n")
    if fmt == "csv":
        writer.writerow(columns)

    def emit(until: datetime | None) -> None:
        nonlocal rows
        while pending and (until is None or pending[0][0] <= until):
            at, _, (ticket, *said) = heapq.heappop(pending)
            stamp = at.isoformat(timespec="seconds")
            if fmt == "csv":
                writer.writerow((ticket, stamp, *said))
            else:
                import json

                obj = {"ticket": ticket, "time": stamp}
                obj.update((k, v) for k, v in zip(columns[2:], said, strict=True) if v)
                out.write(json.dumps(obj, ensure_ascii=False) + "\n")
            rows += 1

    for i, opened in enumerate(gen.opening_times(n), 1):
        emit(opened)
        sequence = []
        for at, row in gen.events(f"T-{i:0{width}d}", opened):
            at = at.replace(microsecond=0).astimezone(MSK)
            if at >= end:
                break  # after the export: not in the log yet
            seq += 1
            heapq.heappush(pending, (at, seq, row))
            sequence.append(row[1:3] + row[4:5] + row[6:])  # what the clocks read of it
        sequences.add(tuple(sequence))
    emit(None)
    return rows, len(sequences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=2000, help="how many (default 2000)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1),
                        help="first day tickets arrive (default 2025-01-01)")
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 1),
                        help="the export day: nothing on or after it (default 2026-11-01)")
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument("--varied", action="store_true",
                        help="tickets as random walks over the whole vocabulary: tens of "
                             "thousands of distinct event sequences at 100,000 tickets")
    parser.add_argument("--output", default=str(HERE / "tickets.csv"),
                        help="file to write, '-' for standard output "
                             "(default examples/tickets.csv)")
    args = parser.parse_args(argv)
    if args.tickets < 1 or args.end <= args.start:
        parser.error("need at least one ticket and --end after --start")
    start = datetime(args.start.year, args.start.month, args.start.day, tzinfo=MSK)
    end = datetime(args.end.year, args.end.month, args.end.day, tzinfo=MSK)
    if args.output == "-":
        rows, sequences = generate(sys.stdout, args.tickets, seed=args.seed, start=start,
                                   end=end, fmt=args.format, varied=args.varied)
    else:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            rows, sequences = generate(out, args.tickets, seed=args.seed, start=start,
                                       end=end, fmt=args.format, varied=args.varied)
    print(f"{args.tickets} tickets, {rows} events, {sequences} distinct event sequences "
          f"-> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
