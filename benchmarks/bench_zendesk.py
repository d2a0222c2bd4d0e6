"""Time the Zendesk readers on generated exports: the incremental ticket events export
(with its users side-loaded, and without them: the requester rule) and the warehouse
tables (ticket_field_history with ticket_comment, user and ticket beside it).

    python benchmarks/bench_zendesk.py                # 20,000 tickets
    python benchmarks/bench_zendesk.py --tickets 2000 --repeat 3

Each export is generated in memory (each ticket: opened with a status, priority, type and
description; a CC'd colleague's comment, an agent's reply, a notification, solved), then
read ``--repeat`` times, taking turns; each reading keeps its fastest round (what else the
machine runs slows a round, never speeds one up). It prints the rows read and the
microseconds a row. Run it with another revision's sources first on ``PYTHONPATH`` to
compare (the users and the tables need this revision). These are not tests.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slaclock.helpdesks import read_export

AGENT, CC = 7001, 9000001
START = datetime(2026, 6, 1, 7, tzinfo=UTC)


def _at(ticket: int, minutes: int) -> datetime:
    return START + timedelta(minutes=ticket * 7 + minutes)


def events_export(tickets: int, users: bool) -> dict[str, Any]:
    """An incremental ticket events export of ``tickets`` tickets."""
    out: list[dict[str, Any]] = []
    for n in range(tickets):
        requester = 100000 + n

        def audit(minutes: int, updater: int, children: list[dict[str, Any]],
                  n: int = n) -> None:
            out.append({"id": len(out) + 1, "ticket_id": n + 1, "updater_id": updater,
                        "created_at": _at(n, minutes).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "via": "Web form", "event_type": "Audit", "child_events": children})

        def comment(author: int, public: bool = True) -> dict[str, Any]:
            return {"id": 1, "type": "Comment", "event_type": "Comment", "author_id": author,
                    "public": public, "body": "...", "attachments": []}

        audit(0, requester, [
            {"id": 1, "event_type": "Create", "status": "new"},
            {"id": 2, "event_type": "Create", "priority": "normal"},
            {"id": 3, "event_type": "Create", "type": "incident"},
            {"id": 4, "event_type": "Create", "requester_id": requester},
            {"id": 5, "event_type": "Create", "subject": "Help"}, comment(requester),
            {"id": 6, "event_type": "Notification", "type": "Notification"}])
        audit(30, CC, [comment(CC), {"id": 7, "event_type": "EmailCcChange"}])
        audit(90, AGENT, [{"id": 8, "event_type": "Change", "status": "open",
                           "previous_value": "new"}, comment(AGENT)])
        audit(150, AGENT, [{"id": 9, "event_type": "Change", "status": "solved",
                            "previous_value": "open"}])
    page: dict[str, Any] = {"ticket_events": out, "end_of_stream": True}
    if users:
        page["users"] = [{"id": 100000 + n, "role": "end-user"} for n in range(tickets)] + [
            {"id": CC, "role": "end-user"}, {"id": AGENT, "role": "agent"}]
    return page


def tables(tickets: int) -> dict[str, str]:
    """Fivetran's tables of ``tickets`` tickets, as CSV texts."""
    def text(header: list[str], rows: list[list[object]]) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()

    history: list[list[object]] = []
    comments: list[list[object]] = []
    for n in range(tickets):
        requester, ticket = 100000 + n, n + 1

        def at(minutes: int, n: int = n) -> str:
            return _at(n, minutes).strftime("%Y-%m-%d %H:%M:%S.000")

        for field, value in (("status", "new"), ("priority", "normal"), ("type", "incident"),
                             ("requester_id", requester)):
            history.append([field, ticket, at(0), requester, value])
        history += [["status", ticket, at(90), AGENT, "open"],
                    ["status", ticket, at(150), AGENT, "solved"]]
        comments += [[ticket, at(0), "true", requester], [ticket, at(30), "true", CC],
                     [ticket, at(90), "true", AGENT]]
    users = [[100000 + n, "end-user"] for n in range(tickets)] + [[CC, "end-user"],
                                                                   [AGENT, "agent"]]
    return {
        "history": text(["field_name", "ticket_id", "updated", "user_id", "value"], history),
        "comments": text(["ticket_id", "created", "public", "user_id"], comments),
        "users": text(["id", "role"], users),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plain = json.dumps(events_export(args.tickets, users=False))
    with_users = json.dumps(events_export(args.tickets, users=True))
    runs: dict[str, Callable[[], Any]] = {
        "zendesk events, no users": lambda: read_export(io.StringIO(plain), "zendesk"),
    }
    try:
        table = tables(args.tickets)
        read_export(io.StringIO("ticket_id,field_name,updated,value\n"), "zendesk-tables")
    except (KeyError, ValueError):  # a revision without the users or the tables
        pass
    else:
        runs["zendesk events, users"] = lambda: read_export(io.StringIO(with_users), "zendesk")
        runs["zendesk-tables"] = lambda: read_export(
            io.StringIO(table["history"]), "zendesk-tables",
            companions={"comments": io.StringIO(table["comments"]),
                        "users": io.StringIO(table["users"])})
    best = dict.fromkeys(runs, float("inf"))
    rows = {}
    for _ in range(args.repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            export = run()
            best[name] = min(best[name], time.perf_counter() - start)
            rows[name] = export.rows
    print(f"{args.tickets} tickets, best of {args.repeat}")
    for name in runs:
        print(f"  {name:26} {rows[name]:>9} rows  {best[name]:7.3f} s  "
              f"{best[name] / rows[name] * 1e6:6.2f} us/row")


if __name__ == "__main__":
    main()
