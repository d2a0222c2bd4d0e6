"""How fast the ServiceNow, Redmine, Freshdesk and Zammad readers read: the samples in
examples/ copied N times (each copy's ids renamed), read with their companions, best of
three runs.

    python benchmarks/bench_readers.py            # 200 copies: 5,200 incidents, 5,000 issues,
                                                  # 4,800 Freshdesk and 4,800 Zammad tickets
    python benchmarks/bench_readers.py --copies 20

Prints each reader's rows, time and rows per second; checks that every row is accounted
for and that the copies give the sample's events times N. Not a test: nothing here runs
in CI.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from slaclock.helpdesks import read_export

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _servicenow(copies: int) -> tuple[Any, dict[str, Any]]:
    audit, incidents, journal = (_load(f"servicenow_{n}.json")["result"]
                                 for n in ("sys_audit", "incidents", "journal"))

    def renamed(records: list[dict[str, Any]], keys: tuple[str, ...], copy: int
                ) -> list[dict[str, Any]]:
        return [{**r, **{k: f"{r[k]}-{copy}" for k in keys if k in r}} for r in records]

    return ({"result": [r for c in range(copies) for r in renamed(audit, ("documentkey",), c)]},
            {"incidents": {"result": [r for c in range(copies)
                                      for r in renamed(incidents, ("sys_id", "number"), c)]},
             "journal": {"result": [r for c in range(copies)
                                    for r in renamed(journal, ("element_id",), c)]}})


def _redmine(copies: int) -> tuple[Any, dict[str, Any]]:
    issues = _load("redmine_issues.json")
    return ([{"issue": {**i["issue"], "id": i["issue"]["id"] + 1000 * c}}
             for c in range(copies) for i in issues],
            {"statuses": _load("redmine_issue_statuses.json"),
             "users": _load("redmine_memberships.json")})


def _freshdesk(copies: int) -> tuple[Any, dict[str, Any]]:
    tickets = _load("freshdesk_tickets.json")
    activities = _load("freshdesk_activities.json")

    def ticket(t: dict[str, Any], c: int) -> dict[str, Any]:
        conversations = [{**v, "ticket_id": v["ticket_id"] + 1000 * c}
                         for v in t.get("conversations", [])]
        return {**t, "id": t["id"] + 1000 * c, "conversations": conversations}

    return ([ticket(t, c) for c in range(copies) for t in tickets],
            {"activities": {**activities, "activities_data": [
                {**a, "ticket_id": a["ticket_id"] + 1000 * c}
                for c in range(copies) for a in activities["activities_data"]]}})


def _zammad(copies: int) -> tuple[Any, dict[str, Any]]:
    tickets = _load("zammad_tickets.json")

    def copy(t: dict[str, Any], c: int) -> dict[str, Any]:
        shift = 1000 * c
        return {
            "ticket": {**t["ticket"], "id": t["ticket"]["id"] + shift},
            "history": {**t["history"], "history": [
                {**h, "o_id": h["o_id"] + shift} if h.get("object") == "Ticket" else h
                for h in t["history"]["history"]]},
            "articles": [{**a, "ticket_id": a["ticket_id"] + shift} for a in t["articles"]],
        }

    return [copy(t, c) for c in range(copies) for t in tickets], {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=200)
    copies = parser.parse_args().copies
    for name, build in (("servicenow", _servicenow), ("redmine", _redmine),
                        ("freshdesk", _freshdesk), ("zammad", _zammad)):
        data, companions = build(copies)
        one = read_export(build(1)[0], name, companions=build(1)[1])
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            export = read_export(data, name, companions=companions)
            best = min(best, time.perf_counter() - start)
        assert export.balanced
        assert len(export.events) == copies * len(one.events)
        print(f"{name:10} {export.rows:8,} rows {best:7.3f} s {export.rows / best:10,.0f} rows/s")


if __name__ == "__main__":
    main()
