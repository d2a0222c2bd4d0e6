"""The per-event cost of a helpdesk plugin: each time a ticket event arrives, record it, ask
the ticket's status, and ask when the status next changes (to set the ticket's one timer).

Run from the repository root::

    python benchmarks/bench_live.py            # 10, 100 and 1,000 events
    python benchmarks/bench_live.py --quick    # fewer repeats

The ticket is one long conversation on the default policy (Russia's production calendar,
09:00-18:00 Moscow): opened, then the customer and the desk take turns every 40 minutes,
with a wait for the customer now and then, so every clock has cycles to count. For each
size n the ticket is built with n - 1 events (not timed) and the n-th event is timed:
``record``, then ``status`` at its instant, then ``next_change`` at its instant (when the
slaclock installed has it); and apart, the status's ``view()`` (what a page shows, or a
plugin stores beside the status). Each cost is the median of the repeats, in
microseconds, each repeat on a fresh ticket that asked its status (and its view) after
every event before, as a plugin does. Run it against another checkout with
``PYTHONPATH=<checkout>/src``: a slaclock without ``Ticket.next_change`` (or
``TicketStatus.view``) reports it as ``-``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import warnings
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slaclock import Event, Regulation, Ticket

MSK = ZoneInfo("Europe/Moscow")
SIZES = (10, 100, 1000)


def conversation(n: int) -> list[Event]:
    """``n`` events of one ticket: opened, then replies in turn every 40 minutes."""
    at = datetime(2026, 2, 2, 9, 30, tzinfo=MSK)
    events = [Event("T-1", at, "opened", level="commercial.standard")]
    kinds = ("responded", "customer_replied", "waiting", "customer_replied")
    for i in range(1, n):
        at += timedelta(minutes=40)
        events.append(Event("T-1", at, kinds[i % len(kinds)]))
    return events


def measure(n: int, repeats: int) -> dict[str, float | None]:
    """The median cost (microseconds) of the n-th event's record, status, next change."""
    policy = Regulation.default()
    events = conversation(n)
    has_next = hasattr(Ticket, "next_change")
    costs: dict[str, list[float]] = {"record": [], "status": [], "next_change": [], "view": []}
    for _ in range(repeats):
        ticket = Ticket("T-1", policy)
        for event in events[:-1]:  # the plugin asked after every earlier event
            ticket.record(event)
            status = ticket.status(event.at)
            if has_next:
                status.view()
        last = events[-1]
        t0 = time.perf_counter()
        ticket.record(last)
        t1 = time.perf_counter()
        status = ticket.status(last.at)
        t2 = time.perf_counter()
        if has_next:
            ticket.next_change(last.at)
        t3 = time.perf_counter()
        if has_next:
            status.view()
        t4 = time.perf_counter()
        costs["record"].append((t1 - t0) * 1e6)
        costs["status"].append((t2 - t1) * 1e6)
        costs["next_change"].append((t3 - t2) * 1e6)
        costs["view"].append((t4 - t3) * 1e6)
    out: dict[str, float | None] = {k: statistics.median(v) for k, v in costs.items()}
    if not has_next:
        out["next_change"] = out["view"] = None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # provisional years: not what is measured
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"slaclock from {sys.modules['slaclock'].__file__}")
    print(f"{'events':>7} {'record':>10} {'status':>10} {'next_change':>12} {'total':>10} "
          f"{'view':>10}  (us)")
    for n in SIZES:
        repeats = (3 if n == 1000 else 7) if args.quick else (7 if n == 1000 else 25)
        cost = measure(n, repeats)
        nxt, view = cost["next_change"], cost["view"]
        total = sum(v for k, v in cost.items() if v is not None and k != "view")
        print(f"{n:>7} {cost['record']:>10.1f} {cost['status']:>10.1f} "
              f"{'-' if nxt is None else f'{nxt:.1f}':>12} {total:>10.1f} "
              f"{'-' if view is None else f'{view:.1f}':>10}")


if __name__ == "__main__":
    main()
