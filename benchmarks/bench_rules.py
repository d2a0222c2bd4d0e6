"""Time of a report whose levels are chosen by selection rules: plain equality (the rules
slaclock always read) against the same choice made with operators and customers'
attributes, and against one level with rows per priority (issue #22).

    python benchmarks/bench_rules.py                     # 20,000 tickets, best of 6 rounds
    python benchmarks/bench_rules.py --tickets 2000 --repeat 1   # a quick look

Every ticket opens with a priority, tags and a customer, and changes its priority once,
so the rules choose twice per ticket. The three policies give every ticket the same
targets (the script checks the reports' summaries agree) and differ only in how they
say it. Not a test: read the numbers; they depend on the machine and what else it runs.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slaclock import Event, report
from slaclock.policy import parse_policy

BER = ZoneInfo("Europe/Berlin")
COMMON = {
    "version": "1", "effective": "2026-01-01", "fields": ["priority", "tags"],
    "calendars": {"office": {"tz": "Europe/Berlin", "hours": "09:00-17:00"}},
}
HOURS = {"urgent": 1, "high": 4, "normal": 8, "low": 24}


def plain() -> dict[str, object]:
    """A level per priority, and a rule per level: the way before #22."""
    return {**COMMON, "default_level": "low",
            "levels": {p: {"reaction": {"hours": h, "clock": "office"}}
                       for p, h in HOURS.items()},
            "select": [{"level": p, "when": {"priority": p}} for p in HOURS if p != "low"]}


def operators() -> dict[str, object]:
    """The same choice with operators and the customers' attributes."""
    return {**COMMON, "default_level": "low",
            "accounts": {f"c{i}": {"tier": "gold" if i % 2 else "basic"} for i in range(50)},
            "levels": {p: {"reaction": {"hours": h, "clock": "office"}}
                       for p, h in HOURS.items()},
            "select": [
                {"level": "urgent", "when": {"priority": {"is": "urgent", "is_not": "low"},
                                             "tags": {"none_of": "spam"}}},
                {"level": "high", "when": {"priority": {"contains": "hig"},
                                           "customer.tier": {"is_not": "nobody"}}},
                {"level": "normal", "when": {"priority": {"is": "normal"},
                                             "tags": {"any_of": ["a", "b", "c", "d"]}}},
                {"level": "normal", "when": {"priority": "normal"}},
            ]}


def rows() -> dict[str, object]:
    """One level with a row per priority."""
    return {**COMMON, "default_level": "sla",
            "levels": {"sla": {"by": {"priority": {
                p: {"reaction": {"hours": h, "clock": "office"}} for p, h in HOURS.items()}}}}}


def events(tickets: int) -> list[Event]:
    rng = random.Random(22)
    out = []
    start = datetime(2026, 6, 1, 8, tzinfo=BER)
    for n in range(tickets):
        at = start + timedelta(minutes=rng.randrange(60 * 24 * 60))
        ticket = f"T{n}"
        out.append(Event(ticket, at, "created", author="customer", customer=f"c{n % 50}",
                         fields={"priority": rng.choice(list(HOURS)),
                                 "tags": " ".join(rng.sample("abcdefg", 2))}))
        out.append(Event(ticket, at + timedelta(hours=2), "field",
                         fields={"priority": rng.choice(list(HOURS))}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=6)
    args = parser.parse_args()
    log = events(args.tickets)
    at = datetime(2026, 9, 1, tzinfo=BER)
    policies = {"plain equality": plain(), "operators": operators(), "rows": rows()}
    best: dict[str, float] = {}
    summaries = {}
    for round_ in range(args.repeat):
        # Each round in another order, after a collection: a report leaves garbage that
        # slows the next one in the same process, whichever it is.
        names = list(policies)
        for name in names[round_ % 3:] + names[:round_ % 3]:
            data = policies[name]
            policy = parse_policy(data, name)
            gc.collect()
            began = time.perf_counter()
            result = report(log, policy, at=at)
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - began)
            summaries[name] = {k: v for k, v in result.summary.as_dict().items()
                               if k in ("tickets", "met", "breached", "in_progress")}
    assert len({tuple(s.items()) for s in summaries.values()}) == 1, summaries
    base = best["plain equality"]
    print(f"{args.tickets:,} tickets, 2 selections each, best of {args.repeat}:")
    for name, seconds in best.items():
        print(f"  {name:15} {seconds:7.2f} s  {seconds / args.tickets * 1e6:6.1f} us/ticket"
              f"  x{seconds / base:.2f}")


if __name__ == "__main__":
    main()
