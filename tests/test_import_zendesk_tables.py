"""Zendesk's warehouse tables (Fivetran's Zendesk Support connector, as dbt_zendesk reads
them; Airbyte's and Stitch's column names too): ``ticket_field_history`` with no previous
value, where a ticket's first status opens it, with ``ticket_comment``, ``user`` and
``ticket`` beside it.

The sample (examples/zendesk_tables/, 24 tickets; its README names the schema documents
it follows) is our own, shaped after Fivetran's Zendesk Support schema (fivetran.com/docs,
Zendesk Support ERD) and the column lists of fivetran/dbt_zendesk_source
(``get_ticket_field_history_columns``: _fivetran_synced, field_name, ticket_id, updated,
user_id, value). Fivetran writes times in UTC without an offset; the policy is
docs/reference/policies/zendesk-like.toml (09:00-17:00 Europe/Berlin, CEST = UTC+2;
normal: first reply 8 office hours, resolution 80; urgent/high: first reply 1 hour and
resolution 24, round the clock). Times below are Berlin's; "h" is hours on the metric's
calendar.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.cli_runner import run
from tests.import_samples import clocks
from tests.test_import_zendesk import DELETED, ROOT, H, ber, zendesk_like

import slaclock
from slaclock import Regulation
from slaclock.helpdesks import Assumption, Export, ExportError, ExportMapping, read_export

TABLES = ROOT / "examples" / "zendesk_tables"
HISTORY = TABLES / "ticket_field_history.csv"
WITH = {"comments": TABLES / "ticket_comment.csv", "users": TABLES / "user.csv",
        "tickets": TABLES / "ticket.csv"}
M = timedelta(minutes=1)


@pytest.fixture(scope="module")
def policy() -> Regulation:
    return zendesk_like()


@pytest.fixture(scope="module")
def tables(policy: Regulation) -> Export:
    return read_export(HISTORY, "zendesk-tables", policy, companions=WITH)


@pytest.fixture(scope="module")
def report(tables: Export, policy: Regulation) -> slaclock.Report:
    return slaclock.report(tables.events, policy, at=ber(5, 17))


def test_the_tables_sample_accounts_for_every_row(tables: Export) -> None:
    # ticket_field_history: 151 rows; ticket_comment: 51 rows; 202 in all.
    # Each of the 23 tickets kept opens with 5 history rows (status, priority, type,
    # group_id: the creation; requester_id: ignored) and its description comment (part
    # of the creation): 5 rows used, 1 ignored.
    # After the creation: 301-306 open + reply + solved = 3 each (18); 307-318 a status
    # + reply = 2 each (24); 319-321 the CC's comment + open + reply = 3 each (9); 323
    # note + open + reply = 3; 324 priority + open + reply = 3: 57 rows.
    # used: 23 x 5 + 57 = 172; ignored: 23 (field requester_id); refused: the deleted
    # ticket 322's 7 rows (5 at creation, its status "deleted", its description).
    assert (tables.rows, tables.used, len(tables.rejected)) == (202, 172, 7)
    assert tables.ignored == {"field requester_id": 23}
    assert tables.balanced
    assert tables.unknown == []
    assert tables.assumptions == []  # every author is in the user table
    assert tables.left_out == {"322": DELETED}
    assert [b.reason for b in tables.rejected] == [f"ticket left out: {DELETED}"] * 7


def test_the_first_status_opens_the_ticket_and_later_ones_change_it(tables: Export) -> None:
    got = [(e.at, e.kind, e.status or e.author, dict(e.fields))
           for e in tables.events if e.ticket == "301"]
    assert got == [
        (ber(1, 9), "created", "new", {"priority": "normal", "type": "incident",
                                       "group": "360011"}),
        (ber(1, 10), "status", "open", {}),
        (ber(1, 10), "reply", "desk", {}),
        (ber(1, 11), "status", "solved", {}),
    ]


def test_the_ticket_s_description_is_part_of_its_creation_not_a_reply(tables: Export) -> None:
    created = next(e for e in tables.events if e.ticket == "302")
    assert (created.kind, created.author) == ("created", "customer")
    assert [e.kind for e in tables.events if e.ticket == "302" and e.at == ber(1, 9)] == [
        "created"]


# Each ticket's level, state, first reply and resolution, worked by hand (report at Fri 5
# June 17:00).
EXPECTED = {
    # A: opened Mon 09:00, the agent's reply at 09:00 + k h, solved an hour later:
    # 301 replied 10:00 (1h), solved 11:00 (2h); ... 306 replied 15:00, solved 16:00 (7h).
    "301": ("normal", "resolved", ("met", 1 * H), ("met", 2 * H)),
    "302": ("normal", "resolved", ("met", 2 * H), ("met", 3 * H)),
    "303": ("normal", "resolved", ("met", 3 * H), ("met", 4 * H)),
    "304": ("normal", "resolved", ("met", 4 * H), ("met", 5 * H)),
    "305": ("normal", "resolved", ("met", 5 * H), ("met", 6 * H)),
    "306": ("normal", "resolved", ("met", 6 * H), ("met", 7 * H)),
    # B: opened Mon 15:00. Replied Tue 11:00: Mon 15-17 (2h) + Tue 09-11 (2h) = 4h.
    # Still open: resolution Mon 2h + Tue, Wed, Thu 3 x 8h + Fri 8h = 34h.
    "307": ("normal", "open", ("met", 4 * H), ("running", 34 * H)),
    "308": ("normal", "open", ("met", 4 * H), ("running", 34 * H)),
    "309": ("normal", "open", ("met", 4 * H), ("running", 34 * H)),
    # Replied Wed 11:00: 2h + Tue 8h + 2h = 12h, past the 8h target.
    "310": ("normal", "open", ("breached", 12 * H), ("running", 34 * H)),
    "311": ("normal", "open", ("breached", 12 * H), ("running", 34 * H)),
    "312": ("normal", "open", ("breached", 12 * H), ("running", 34 * H)),
    # C: urgent, opened Tue 10:00, pending since the reply; resolution round the clock:
    # Tue 10:00 -> Fri 17:00 = 3 x 24h + 7h = 79h, past 24h. 313-315 replied 10:30
    # (30 min); 316-318 at 11:30 (90 min, past the hour).
    "313": ("urgent", "waiting", ("met", 30 * M), ("breached", 79 * H)),
    "314": ("urgent", "waiting", ("met", 30 * M), ("breached", 79 * H)),
    "315": ("urgent", "waiting", ("met", 30 * M), ("breached", 79 * H)),
    "316": ("urgent", "waiting", ("breached", 90 * M), ("breached", 79 * H)),
    "317": ("urgent", "waiting", ("breached", 90 * M), ("breached", 79 * H)),
    "318": ("urgent", "waiting", ("breached", 90 * M), ("breached", 79 * H)),
    # D: opened Wed 09:00; the CC'd end user's comment at 10:00 is the customer's; the
    # agent's at 13:00 the first reply: 4h. Resolution: Wed 8h + Thu 8h + Fri 8h = 24h.
    "319": ("normal", "open", ("met", 4 * H), ("running", 24 * H)),
    "320": ("normal", "open", ("met", 4 * H), ("running", 24 * H)),
    "321": ("normal", "open", ("met", 4 * H), ("running", 24 * H)),
    # F: opened Thu 09:00; the internal note at 10:00 is no reply; the public one at
    # 12:00 is: 3h. Resolution: Thu 8h + Fri 8h = 16h.
    "323": ("normal", "open", ("met", 3 * H), ("running", 16 * H)),
    # G: opened Fri 09:00 as normal, raised to high at 09:30: the urgent targets count
    # from the creation (level_change = from_start), round the clock: reply at 11:00 is
    # 2h, past 1h; resolution 09:00 -> 17:00 = 8h of 24h.
    "324": ("urgent", "open", ("breached", 2 * H), ("running", 8 * H)),
}


def test_the_tables_sample_clocks_by_hand(report: slaclock.Report) -> None:
    assert clocks(report, "first_reply", "resolution") == EXPECTED
    assert report.rejected == []


def test_without_the_user_table_the_requester_rule_decides_and_is_said(
    policy: Regulation,
) -> None:
    export = read_export(HISTORY, "zendesk-tables", policy,
                         companions={"comments": WITH["comments"], "tickets": WITH["tickets"]})
    # 23 tickets rest on the guess (not the deleted 322).
    assert export.assumptions == [Assumption(
        "roles-by-requester",
        "author roles guessed: the requester is the customer, any other author the desk "
        "(no Zendesk user names them: give --with users=FILE)", 23)]
    report = slaclock.report(export.events, policy, at=ber(5, 17))
    # 319: the CC'd colleague is not the requester, so the rule takes her comment at
    # 10:00 for the desk's first reply: 09:00 -> 10:00 = 1h, where the users say 4h.
    assert report.tickets["319"].metric("first_reply").elapsed == 1 * H


def test_a_status_deleted_in_the_history_leaves_the_ticket_out_without_the_ticket_table(
) -> None:
    export = read_export(HISTORY, "zendesk-tables", companions={"comments": WITH["comments"]})
    assert export.left_out == {"322": DELETED}
    assert "322" not in {e.ticket for e in export.events}


# -- other shapes -------------------------------------------------------------------------


def history(text: str) -> io.StringIO:
    return io.StringIO(text)


def test_airbyte_s_comment_columns_created_at_and_author_id_are_read() -> None:
    hist = history("ticket_id,field_name,updated,user_id,value\n"
                   "9,status,2026-06-01T07:00:00Z,1,new\n")
    comments = ("id,ticket_id,created_at,author_id,public,body\n"
                "5,9,2026-06-01T08:00:00Z,2,true,Hello\n")
    users = "id,role\n1,end-user\n2,agent\n"
    export = read_export(hist, "zendesk-tables", companions={
        "comments": io.StringIO(comments), "users": io.StringIO(users)})
    assert [(e.kind, e.author, e.at) for e in export.events] == [
        ("created", "customer", ber(1, 9)), ("reply", "desk", ber(1, 10))]


def test_a_mapping_renames_the_history_s_columns() -> None:
    hist = history("ticket,field,changed_at,by,new_value\n"
                   "9,status,2026-06-01T07:00:00Z,1,new\n"
                   "9,status,2026-06-01T09:00:00Z,2,solved\n")
    mapping = ExportMapping("m", format="zendesk-tables", default_role="customer",
                            columns={"ticket": "ticket", "field": "field",
                                     "time": "changed_at", "author": "by", "new": "new_value"},
                            fields={"status": "status"})
    assert [(e.kind, e.status) for e in read_export(hist, mapping).events] == [
        ("created", "new"), ("status", "solved")]


def test_a_ticket_without_a_status_row_is_refused_with_its_reason() -> None:
    hist = history("ticket_id,field_name,updated,user_id,value\n"
                   "9,priority,2026-06-01T07:00:00Z,1,high\n")
    export = read_export(hist, "zendesk-tables")
    assert [(b.line, b.reason) for b in export.rejected] == [
        (2, "the ticket has no status in ticket_field_history: its creation is not in the "
            "export")]


def test_a_comment_s_refusal_names_its_file_and_line() -> None:
    hist = history("ticket_id,field_name,updated,user_id,value\n"
                   "9,status,2026-06-01T07:00:00Z,1,new\n")
    comments = io.StringIO("ticket_id,created,user_id,public\n"
                           "9,2026-06-01T08:00:00Z,2,maybe\n"
                           "9,yesterday,2,true\n")
    comments.name = "ticket_comment.csv"
    export = read_export(hist, "zendesk-tables", companions={"comments": comments})
    assert [f"{export.where(b)}: {b.reason}"[:50] for b in export.rejected] == [
        "ticket_comment.csv:3: time 'yesterday' is not ISO ",
        "ticket_comment.csv:2: the comment's public flag 'm",
    ]
    assert export.balanced


def test_a_companion_kind_the_tables_do_not_read_is_refused_naming_those_they_do() -> None:
    with pytest.raises(ExportError, match=r"reads no companion file of kind 'audits' \(it "
                       r"reads comments, tickets, users\)"):
        read_export(history("ticket_id\n"), "zendesk-tables",
                    companions={"audits": io.StringIO("x")})


def test_the_command_reports_the_tables_with_their_companions() -> None:
    result = run("report", HISTORY, "--map", "zendesk-tables",
                 "--policy", ROOT / "docs" / "reference" / "policies" / "zendesk-like.toml",
                 "--with", f"comments={WITH['comments']}", "--with", f"users={WITH['users']}",
                 "--with", f"tickets={WITH['tickets']}", "--at", "2026-06-05T17:00+02:00",
                 "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert "ticket_field_history.csv: 202 rows read: 172 made events" in result.stderr
    assert "ticket 322 left out: " + DELETED in result.stderr


# -- the order of the tables' rows does not matter ----------------------------------------


def _lines(path: Path) -> tuple[str, list[str]]:
    header, *rows = path.read_text("utf-8").splitlines(keepends=True)
    return header, rows


def _events(export: Export) -> list[tuple[object, ...]]:
    return sorted((e.ticket, e.at, e.kind, e.status, e.author, sorted(e.fields.items()))
                  for e in export.events)


@settings(max_examples=max(1, settings().max_examples // 4), deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_tables_rows_in_any_order_read_as_the_same_events(random: Random) -> None:
    # A warehouse returns a table's rows in no particular order: shuffled history and
    # comments read as the same events, with the same totals, as the files in order.
    expected = read_export(HISTORY, "zendesk-tables", companions=WITH)
    tables = {}
    for name, path in (("history", HISTORY), ("comments", WITH["comments"])):
        header, rows = _lines(path)
        random.shuffle(rows)
        tables[name] = header + "".join(rows)
    shuffled = read_export(io.StringIO(tables["history"]), "zendesk-tables", companions={
        **WITH, "comments": io.StringIO(tables["comments"])})
    assert _events(shuffled) == _events(expected)
    assert (shuffled.rows, shuffled.used, shuffled.ignored, len(shuffled.rejected)) == (
        expected.rows, expected.used, expected.ignored, len(expected.rejected))
    assert shuffled.left_out == expected.left_out
