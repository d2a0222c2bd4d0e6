"""Freshdesk's tickets read with the built-in "freshdesk" mapping: the sample in
examples/freshdesk_tickets.json, with the ticket activities export
examples/freshdesk_activities.json beside it, replayed on examples/freshdesk-policy.toml
(09:00-17:00 UTC, Monday to Friday; first response 4h and resolution 16h, 1h and 4h for
Urgent and High; Pending pauses both), every ticket's clocks worked out by hand; and each
rule of the reader on a ticket of its own.

The shapes follow Freshdesk's API v2 reference (developers.freshdesk.com/api: "View a
Ticket" with include=conversations, "List all Conversations of a Ticket", the ticket
properties' status 2 Open, 3 Pending, 4 Resolved, 5 Closed and priority 1 Low to 4 Urgent,
the conversation's incoming and private flags) and the ticket activities export
(/api/v2/export/ticket_activities: activities_data with performed_at as
"DD-MM-YYYY HH:mm:ss +0000", ticket_id, performer_type, performer_id and activity), as
the Airbyte Freshdesk connector's unit tests mock it. June 2026: Monday the 1st; the report
is taken on Friday the 12th at 17:00 UTC. "h" is working hours.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import slaclock
from cli_runner import one_line_error, run
from import_samples import clocks, utc
from slaclock import Event, Regulation, load_policy
from slaclock.helpdesks import Export, ExportError, Unknown, read_export
from slaclock.helpdesks._export import Assumption

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture(scope="module")
def policy() -> Regulation:
    found = load_policy(EXAMPLES / "freshdesk-policy.toml")
    assert isinstance(found, Regulation)
    return found


@pytest.fixture(scope="module")
def export(policy: Regulation) -> Export:
    return read_export(EXAMPLES / "freshdesk_tickets.json", "freshdesk", policy,
                       companions={"activities": EXAMPLES / "freshdesk_activities.json"})


@pytest.fixture(scope="module")
def report(export: Export, policy: Regulation) -> slaclock.Report:
    return slaclock.report(export.events, policy, at=utc(12, 17))


def test_freshdesk_sample_every_row_is_used_ignored_or_left_out_with_exact_counts(
    export: Export,
) -> None:
    # 24 tickets (one row each: its creation), 29 conversations, and 112 activity
    # properties: 21 creating activities of 4 (new_ticket, status, priority, source) and
    # 28 more (status, priority, group, note), one of them of ticket 199, not exported.
    assert export.rows == 24 + 29 + 21 * 4 + 28 == 165
    assert export.ignored == {
        "field source": 21,                          # the channel a ticket came in by
        "activity note": 2,                          # the conversations are read instead
        "activity of a ticket not in the export": 1,
    }
    # Left out: 206 (creation 4 rows, a reply), 207 (creation 4 rows), 216 (creation, a
    # reply), 218 (creation, a status).
    assert len(export.rejected) == 5 + 4 + 2 + 2
    # The 20 others: 19 creations of 4 rows and 215's of 1; 27 conversations; 24 status,
    # priority and group changes.
    assert export.used == 19 * 4 + 1 + 27 + 24 == 128
    assert export.rows == export.used + sum(export.ignored.values()) + len(export.rejected)
    assert export.unknown == []


def test_freshdesk_deleted_spam_and_unknown_histories_are_left_out_with_their_reason(
    export: Export, report: slaclock.Report,
) -> None:
    assert export.left_out == {
        "206": "deleted in Freshdesk (deleted: true)",
        "207": "marked as spam in Freshdesk (spam: true)",
        # Resolved now, with no activity: when it was resolved is not in the export.
        "216": "its status changes are not in the export: give the ticket activities "
               "export covering its life (--with activities=FILE)",
        # Its activities begin with a status change, not its creation.
        "218": "the activities export begins after the ticket's creation, so its first "
               "status is not known: export the activities from the day it was created",
    }
    assert not set(export.left_out) & set(report.tickets)


def test_freshdesk_open_ticket_without_activities_rests_on_an_assumption(
    export: Export,
) -> None:
    assert [(a.key, a.tickets) for a in export.assumptions] == [
        ("freshdesk-no-activities", 1)]  # ticket 215
    assert [(e.kind, e.status) for e in export.events if e.ticket == "215"] == [
        ("created", "open")]


#: Each ticket's level, state, and its two clocks: (state, working time elapsed).
EXPECTED = {
    # Medium, Mon 09:00; agent's reply 10:30 (1h30); Resolved 15:00 (6h).
    "201": ("standard", "resolved", ("met", 1 * H + 30 * M), ("met", 6 * H)),
    # Mon 09:00; a private note 09:30 does not answer; reply 13:30 (4h30 > 4h); 16:00.
    "202": ("standard", "resolved", ("breached", 4 * H + 30 * M), ("met", 7 * H)),
    # High (3), Tue 09:00; reply 09:45; Resolved 14:00 (5h > 4h).
    "203": ("urgent", "resolved", ("met", 45 * M), ("breached", 5 * H)),
    # Tue 09:00; reply and Pending 10:00 (1h); the customer's reply and Open 14:00;
    # Resolved 16:00: 1h + 2h.
    "204": ("standard", "resolved", ("met", 1 * H), ("met", 3 * H)),
    # Mon 16:00; reply Tue 10:00: 1h + 1h; Resolved Tue 12:00: 1h + 3h.
    "205": ("standard", "resolved", ("met", 2 * H), ("met", 4 * H)),
    # Urgent (4), Wed 09:00; reply 09:20; Closed 10:00.
    "208": ("urgent", "closed", ("met", 20 * M), ("met", 1 * H)),
    # Low, an outbound e-mail (source 10) of an agent, Wed 11:00; the customer answers
    # 13:00; the agent's reply 14:00 (3h); Resolved 15:00 (4h).
    "209": ("standard", "resolved", ("met", 3 * H), ("met", 4 * H)),
    # Wed 09:00; an agent's public note 10:00 is a response (1h); Resolved 11:00.
    "210": ("standard", "resolved", ("met", 1 * H), ("met", 2 * H)),
    # High, Fri 16:30; reply Mon 09:15: 30min + 15min; Resolved Mon 11:00: 30min + 2h.
    "211": ("urgent", "resolved", ("met", 45 * M), ("met", 2 * H + 30 * M)),
    # Medium, Mon 09:00, Urgent from 09:30 (its targets from the creation); reply 09:50
    # (50min < 1h); Resolved 12:00 (3h < 4h).
    "212": ("urgent", "resolved", ("met", 50 * M), ("met", 3 * H)),
    # Mon 10:00; the customer adds 10:30; reply and Pending 12:00 (2h); Closed 13:00:
    # the pending hour does not count, 2h.
    "213": ("standard", "closed", ("met", 2 * H), ("met", 2 * H)),
    # Tue 9 09:00; reply 09:45; Open at Fri 17:00: 4 days of 8h = 32h > 16h.
    "214": ("standard", "open", ("met", 45 * M), ("breached", 32 * H)),
    # Fri 09:00, no activity, no answer by 17:00: 8h > 4h; resolution 8h of 16h.
    "215": ("standard", "open", ("breached", 8 * H), ("running", 8 * H)),
    # Tue 14:00; reply and Pending 15:00 (1h); Open again Wed 09:00; Resolved 11:00:
    # 1h + 2h.
    "217": ("standard", "resolved", ("met", 1 * H), ("met", 3 * H)),
    # High, Wed 09:00, a phone ticket; reply 09:30; Resolved 12:30.
    "219": ("urgent", "resolved", ("met", 30 * M), ("met", 3 * H + 30 * M)),
    # Wed 09:00; the customer's 11:00 is no answer; reply 14:00 (5h > 4h); Resolved Thu
    # 09:30: 8h + 30min.
    "220": ("standard", "resolved", ("breached", 5 * H), ("met", 8 * H + 30 * M)),
    # Thu 09:00; to the Sales group 09:05; reply 09:30; Resolved 11:00.
    "221": ("standard", "resolved", ("met", 30 * M), ("met", 2 * H)),
    # Thu 13:00; a private note 13:05; reply 13:15; Resolved 13:45.
    "222": ("standard", "resolved", ("met", 15 * M), ("met", 45 * M)),
    # Urgent, Fri 09:00; reply 09:50; Pending from 12:00: 3h, paused.
    "223": ("urgent", "waiting", ("met", 50 * M), ("paused", 3 * H)),
    # Fri 10:00; reply 10:20; Open at 17:00: 7h.
    "224": ("standard", "open", ("met", 20 * M), ("running", 7 * H)),
}


def test_freshdesk_sample_clocks_worked_out_by_hand(report: slaclock.Report) -> None:
    assert report.rejected == []
    assert clocks(report, "first_response", "resolution") == EXPECTED


def test_freshdesk_who_is_the_desk_by_the_conversation_s_incoming_and_private_flags(
    export: Export,
) -> None:
    # 204: agent reply (incoming false) is the desk's; the customer's (incoming true) the
    # customer's.
    assert [(e.kind, e.author, e.at) for e in export.events
            if e.ticket == "204" and e.kind in ("reply", "note")] == [
        ("reply", "desk", utc(2, 10)), ("reply", "customer", utc(2, 14)),
        ("reply", "desk", utc(2, 15))]
    # 202: a private note is the desk's internal note.
    assert [(e.kind, e.author) for e in export.events
            if e.ticket == "202" and e.kind in ("reply", "note")] == [
        ("note", "desk"), ("reply", "desk")]
    # 210: an agent's public note (source 2, private false) is a response.
    assert [(e.kind, e.author) for e in export.events
            if e.ticket == "210" and e.kind in ("reply", "note")] == [("reply", "desk")]


def test_freshdesk_creation_by_the_new_ticket_activity_with_its_status_and_priority(
    export: Export,
) -> None:
    events = [e for e in export.events if e.ticket == "212"]
    assert events[0] == Event("212", utc(8, 9), "created", status="open", author="customer",
                              fields={"priority": "Medium"})
    assert Event("212", utc(8, 9, 30), "field", fields={"priority": "Urgent"}) in events
    # An outbound e-mail (source 10) is a ticket the desk opened.
    assert next(e for e in export.events if e.ticket == "209").author == "desk"


# -- each rule on a ticket of its own ------------------------------------------------------


def _ticket(**extra: Any) -> dict[str, Any]:
    """Ticket 7, Medium, opened by e-mail Mon 1 June 09:00 UTC, Resolved now."""
    return {"id": 7, "status": 4, "priority": 2, "source": 1, "requester_id": 50,
            "created_at": "2026-06-01T09:00:00Z", "conversations": [], **extra}


def _activity(time: str, **properties: Any) -> dict[str, Any]:
    return {"performed_at": time, "ticket_id": 7, "performer_type": "agent",
            "performer_id": 1, "activity": properties}


def _read(activities: list[dict[str, Any]], policy: Regulation | None = None,
          **ticket: Any) -> Export:
    return read_export([_ticket(**ticket)], "freshdesk", policy,
                       companions={"activities": {"activities_data": activities}})


def test_freshdesk_status_numbers_and_names_map_onto_the_categories(
    policy: Regulation,
) -> None:
    # The ticket writes 2 Open ... 5 Closed; the activities write the names.
    opened = _activity("01-06-2026 09:00:00 +0000", new_ticket=True, status="Open")
    export = _read([opened, _activity("01-06-2026 10:00:00 +0000", status="Pending"),
                    _activity("01-06-2026 11:00:00 +0000", status="Resolved"),
                    _activity("01-06-2026 12:00:00 +0000", status="Closed")], policy)
    assert [(e.kind, e.status) for e in export.events] == [
        ("created", "open"), ("status", "pending"), ("status", "solved"), ("status", "closed")]
    alone = read_export([_ticket(status=2, id=8), _ticket(status=3, id=9)], "freshdesk")
    assert [(e.ticket, e.status) for e in alone.events] == [("8", "open")]
    assert alone.left_out.keys() == {"9"}  # Pending, with no activity to say since when


def test_freshdesk_unknown_custom_status_is_refused_with_its_record(
    policy: Regulation,
) -> None:
    # A custom status ("Waiting on Customer", number 6 and up) neither the mapping nor the
    # policy names: reported once, with the ticket's record.
    opened = _activity("01-06-2026 09:00:00 +0000", new_ticket=True, status="Open")
    export = _read([opened, _activity("01-06-2026 10:00:00 +0000",
                                      status="Waiting on Customer")], policy)
    assert export.unknown == [Unknown("status", "Waiting on Customer", 1, 1)]
    assert export.balanced
    with pytest.raises(ExportError, match="record 1: unknown status 'Waiting on Customer'"):
        read_export([_ticket()], "freshdesk", policy, strict=True, companions={
            "activities": {"activities_data": [opened, _activity(
                "01-06-2026 10:00:00 +0000", status="Waiting on Customer")]}})


def test_freshdesk_priorities_1_to_4_are_named_as_freshdesk_names_them() -> None:
    export = read_export([_ticket(id=n, status=2, priority=n) for n in (1, 2, 3, 4)],
                         "freshdesk")
    assert [e.fields["priority"] for e in export.events] == ["Low", "Medium", "High",
                                                             "Urgent"]
    assert export.assumptions == [Assumption(
        "freshdesk-no-activities", export.assumptions[0].text, 4)]


def test_freshdesk_activity_times_as_exported_or_iso_and_an_unreadable_one_refused() -> None:
    export = _read([
        _activity("2026-06-01T09:00:00Z", new_ticket=True, status="Open"),
        _activity("01-06-2026 11:00:00 +0000", status="Resolved"),
        _activity("1 June, 12:00", status="Closed"),
    ])
    assert [(e.kind, e.at) for e in export.events] == [
        ("created", utc(1, 9)), ("status", utc(1, 11))]
    assert [f"{export.where(b)}: {b.reason}" for b in export.rejected] == [
        "<activities>: activities_data[2]: time '1 June, 12:00' is neither the activities "
        "export's DD-MM-YYYY HH:mm:ss +0000 nor ISO 8601"]


def test_freshdesk_a_file_that_is_not_the_activities_export_is_refused() -> None:
    with pytest.raises(ExportError, match="expected the ticket activities export"):
        read_export([_ticket()], "freshdesk", companions={"activities": {"export": []}})


def test_freshdesk_conversation_without_its_flags_is_refused() -> None:
    conversation = {"id": 99, "created_at": "2026-06-01T10:00:00Z", "private": False}
    export = read_export([_ticket(status=2, conversations=[conversation])], "freshdesk")
    assert [b.reason for b in export.rejected] == [
        "ticket 7: conversation 99 lacks its incoming or private flag (true or false)"]


def test_freshdesk_malformed_tickets_are_refused_with_their_record_number() -> None:
    export = read_export([["not", "a ticket"], _ticket(status=2), {"status": 2}],
                         "freshdesk")
    assert [(b.line, b.reason) for b in export.rejected] == [
        (1, "tickets[0] is not a Freshdesk ticket (an object)"), (3, "tickets[2] has no id")]


def _conversations(count: int, ticket: int = 7) -> list[dict[str, Any]]:
    """``count`` conversations of ``ticket``, Mon 1 June from 10:00, a minute apart: the
    customer's, then the desk's reply, and so on."""
    return [{"id": 900 + n, "ticket_id": ticket, "incoming": n % 2 == 0, "private": False,
             "user_id": 50 if n % 2 == 0 else 1, "source": 0,
             "created_at": f"2026-06-01T10:{n:02d}:00Z"} for n in range(count)]


def test_freshdesk_ten_embedded_conversations_rest_on_an_assumption() -> None:
    # include=conversations embeds the first ten: a ticket with ten may have more.
    export = read_export([_ticket(status=2, conversations=_conversations(10)),
                          _ticket(id=8, status=2, conversations=_conversations(9, 8))],
                         "freshdesk")
    assert {a.key: a.tickets for a in export.assumptions} == {
        "freshdesk-ten-conversations": 1, "freshdesk-no-activities": 2}
    assert "--with conversations=FILE" in next(
        a.text for a in export.assumptions if a.key == "freshdesk-ten-conversations")


def test_freshdesk_conversations_file_replaces_the_embedded_ten() -> None:
    # Three files: the twelve in two pages, as the API pages them, and one conversation of
    # ticket 99, not in the export.
    files = [_conversations(12)[:10], _conversations(12)[10:], _conversations(1, 99)]
    export = read_export([_ticket(status=2, conversations=_conversations(10))], "freshdesk",
                         companions={"conversations": files})
    # 1 creation + 10 embedded (ignored) + 12 listed + 1 of another ticket (ignored).
    assert (export.rows, export.used) == (24, 13)
    assert export.ignored == {
        "embedded conversation (read from the conversations file)": 10,
        "conversation of a ticket not in the export": 1}
    assert [e.author for e in export.events if e.kind == "reply"] == [
        "customer", "desk"] * 6
    assert [a.key for a in export.assumptions] == ["freshdesk-no-activities"]


def test_the_command_reads_freshdesk_activities_and_prints_what_it_left_out() -> None:
    result = run("report", EXAMPLES / "freshdesk_tickets.json", "--map", "freshdesk",
                 "--with", f"activities={EXAMPLES / 'freshdesk_activities.json'}",
                 "--policy", EXAMPLES / "freshdesk-policy.toml", "--limit", "0")
    assert result.exit_code == 0, result.output
    said = [line.removeprefix("slaclock: freshdesk_tickets.json: ")
            for line in result.stderr.splitlines() if "freshdesk_tickets.json" in line]
    assert said[0] == ("165 rows read: 128 made events, 24 ignored (activity note: 2, "
                       "activity of a ticket not in the export: 1, field source: 21), "
                       "13 refused")
    assert "ticket 206 left out: deleted in Freshdesk (deleted: true)" in said
    assert any(line.startswith("1 ticket read on an assumption: a ticket with no activity")
               for line in said)
    # Without the activities, the command says which kinds the format reads beside it.
    wrong = run("report", EXAMPLES / "freshdesk_tickets.json", "--map", "freshdesk",
                "--with", f"users={EXAMPLES / 'freshdesk_activities.json'}")
    assert wrong.exit_code == 2
    assert "it reads activities, conversations" in one_line_error(wrong)


_TIME = st.sampled_from(["2026-06-01T09:00:00Z", "2026-06-02T16:00:00Z", "never", None])
_CONVERSATION = st.fixed_dictionaries({
    "id": st.integers(1, 99), "incoming": st.sampled_from([True, False, None]),
    "private": st.sampled_from([True, False, "no"]), "created_at": _TIME,
})
_PROPERTIES = st.dictionaries(
    st.sampled_from(["new_ticket", "status", "priority", "group", "note", "source"]),
    st.sampled_from([True, "Open", "Pending", "Resolved", "Waiting on Customer", 1, 4, None,
                     {"id": 5, "type": "reply"}]), max_size=4)
_ACTIVITY = st.fixed_dictionaries({
    "ticket_id": st.sampled_from([1, 2, 3, 99]),
    "performed_at": st.sampled_from(["01-06-2026 09:00:00 +0000", "01-06-2026 11:00:00 +0000",
                                     "2026-06-02T10:00:00Z", "soon", None]),
    "activity": _PROPERTIES,
})


@given(st.lists(st.tuples(st.sampled_from([2, 3, 4, 5, 6, None]), st.booleans(),
                          st.lists(_CONVERSATION, max_size=4)), max_size=3),
       st.lists(_ACTIVITY, max_size=8))
def test_freshdesk_any_ticket_s_rows_are_each_used_ignored_or_refused(
    policy: Regulation, tickets: list[tuple[int | None, bool, list[dict[str, Any]]]],
    activities: list[dict[str, Any]],
) -> None:
    records = [{"id": n, "status": status, "priority": 2, "deleted": deleted,
                "created_at": "2026-06-01T09:00:00Z", "conversations": conversations}
               for n, (status, deleted, conversations) in enumerate(tickets, 1)]
    export = read_export(records, "freshdesk", policy,
                         companions={"activities": {"activities_data": activities}})
    assert export.balanced
    # A ticket's rows: its creation, each conversation; an activity's: each property.
    assert export.rows == sum(1 + len(c) for _, _, c in tickets) + sum(
        len(a["activity"]) for a in activities)
    assert not {e.ticket for e in export.events} & set(export.left_out)


def test_a_refused_creation_takes_every_property_of_its_activity_with_it(
        policy: Regulation) -> None:
    # The creating activity sets new_ticket, a status the policy does not know, and a
    # group: the ticket never opens, so all three properties are refused with the
    # ticket's record (1 row) -- 4 rows, none lost (found by the accounting property).
    export = _read([_activity("01-06-2026 09:00:00 +0000", new_ticket=True,
                              status="Escalated", group="L2")], policy)
    assert (export.rows, export.used, len(export.rejected)) == (4, 0, 4)
    assert export.balanced


def test_another_file_given_as_the_activities_is_refused_whole() -> None:
    # The tickets file given by mistake as the activities: one error naming the file,
    # not a report with every item refused one by one.
    with pytest.raises(ExportError, match=r"freshdesk_tickets\.json: none of its items is an "
                                          r"activity .*--with activities=FILE"):
        read_export("examples/freshdesk_tickets.json", "freshdesk",
                    companions={"activities": "examples/freshdesk_tickets.json"})
