"""Zammad's tickets read with the built-in "zammad" mapping: the sample in
examples/zammad_tickets.json replayed on examples/zammad-policy.toml (09:00-17:00 UTC,
Monday to Friday; first response 4h and solution 16h, 2h and 8h for "3 high"; the pending
states pause both), every ticket's clocks worked out by hand; and each rule of the reader
on a record of its own.

The shapes follow Zammad's REST API documentation (docs.zammad.org, "Tickets", "Articles"
and "States": GET /api/v1/tickets/{id}?expand=true, /api/v1/ticket_articles/by_ticket/{id},
/api/v1/ticket_states) and the ticket history as Zammad's History.list returns it
(GET /api/v1/ticket_history/{id}: entries with type, object, attribute, value_from,
value_to, created_by_id, created_at), as a recorded response in the zammadoo client's
test fixtures shows it. June 2026: Monday the 1st; the report is taken on Friday the 12th
at 17:00 UTC. "h" is working hours.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import slaclock
from import_samples import clocks, utc
from slaclock import Event, Regulation, load_policy
from slaclock.helpdesks import Export, ExportError, Unknown, read_export

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "zammad_tickets.json"
H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture(scope="module")
def policy() -> Regulation:
    found = load_policy(ROOT / "examples" / "zammad-policy.toml")
    assert isinstance(found, Regulation)
    return found


@pytest.fixture(scope="module")
def export(policy: Regulation) -> Export:
    return read_export(SAMPLE, "zammad", policy)


@pytest.fixture(scope="module")
def report(export: Export, policy: Regulation) -> slaclock.Report:
    return slaclock.report(export.events, policy, at=utc(12, 17))


def test_zammad_sample_every_row_is_used_ignored_or_left_out_with_exact_counts(
    export: Export,
) -> None:
    # 24 tickets, 54 articles (24 opening ones, 30 more), 49 history entries besides each
    # ticket's "created" entry and each article's: a ticket's rows are its creation with
    # its first article (2), its history (1 + its articles + the others) and its other
    # articles: 24 * 2 + 24 + 54 + 49 + 30 = 205.
    assert export.rows == 205
    assert export.ignored == {
        "event created": 24,               # each ticket's creation, read from the ticket
        "article history created": 54,     # each article's entry; the articles are read
        "event merged_into": 1, "event notification": 1, "event email": 1,
        "article by System": 1,            # ticket 108's auto-reply
    }
    # Tickets 106 (merged) and 107 (removed): their creation (2 rows) and state change.
    assert len(export.rejected) == 6
    # The other 22 tickets: 44 creation rows, 42 state changes, 1 priority and 1 group
    # change, and 29 articles after the first (30 less the System's).
    assert export.used == 44 + 42 + 1 + 1 + 29 == 117
    assert export.rows == export.used + sum(export.ignored.values()) + len(export.rejected)
    assert export.unknown == []
    assert export.assumptions == []


def test_zammad_merged_and_removed_tickets_are_left_out_with_their_reason(
    export: Export, report: slaclock.Report,
) -> None:
    assert export.left_out == {
        "106": "merged into another ticket (Zammad state 'merged')",
        "107": "removed in Zammad (state 'removed')",
    }
    assert {(b.line, b.ticket, b.reason) for b in export.rejected} == {
        (6, "106", "ticket left out: merged into another ticket (Zammad state 'merged')"),
        (7, "107", "ticket left out: removed in Zammad (state 'removed')"),
    }
    assert "106" not in report.tickets
    assert "107" not in report.tickets


#: Each ticket's level, state, and its two clocks: (state, working time elapsed).
EXPECTED = {
    # Mon 09:00; agent's reply 10:30 (1h30); closed 15:00 (6h).
    "101": ("normal", "closed", ("met", 1 * H + 30 * M), ("met", 6 * H)),
    # Mon 09:00; an internal note 09:30 does not answer; the reply 13:30 (4h30 > 4h);
    # closed 16:00 (7h).
    "102": ("normal", "closed", ("breached", 4 * H + 30 * M), ("met", 7 * H)),
    # "3 high", Tue 09:00; reply 12:00 (3h > 2h); closed Wed 10:00: 8h + 1h = 9h > 8h.
    "103": ("high", "closed", ("breached", 3 * H), ("breached", 9 * H)),
    # Tue 09:00; reply and pending reminder 10:00 (1h); the customer's mail reopens it
    # 14:00; closed 16:00: 1h + 2h = 3h.
    "104": ("normal", "closed", ("met", 1 * H), ("met", 3 * H)),
    # Mon 16:00; reply Tue 10:00: 1h + 1h = 2h; closed Tue 12:00: 1h + 3h = 4h.
    "105": ("normal", "closed", ("met", 2 * H), ("met", 4 * H)),
    # Wed 09:00; System's auto-reply 09:01 is no answer; reply 11:00 (2h); closed 13:00.
    "108": ("normal", "closed", ("met", 2 * H), ("met", 4 * H)),
    # Opened by an agent on the phone Wed 11:00; the reply 12:00 (1h); closed 14:00 (3h).
    "109": ("normal", "closed", ("met", 1 * H), ("met", 3 * H)),
    # "3 high", Thu 09:00; reply 10:00 (1h); closed 14:00 (5h).
    "110": ("high", "closed", ("met", 1 * H), ("met", 5 * H)),
    # "3 high", Fri 16:00; reply Mon 09:30: 1h + 30min; closed Mon 15:00: 1h + 6h.
    "111": ("high", "closed", ("met", 1 * H + 30 * M), ("met", 7 * H)),
    # Mon 09:00 at "2 normal", raised to "3 high" 09:30: high's targets from the creation;
    # reply 10:30 (1h30 < 2h); closed 12:00 (3h < 8h).
    "112": ("high", "closed", ("met", 1 * H + 30 * M), ("met", 3 * H)),
    # Mon 10:00; the customer's own follow-up 10:30 is no answer; reply and pending close
    # 12:00 (2h); closed 13:00: the pending hour does not count, 2h.
    "113": ("normal", "closed", ("met", 2 * H), ("met", 2 * H)),
    # Tue 9 09:00; reply 09:45; still open Fri 17:00: 4 days of 8h = 32h > 16h.
    "114": ("normal", "open", ("met", 45 * M), ("breached", 32 * H)),
    # Fri 09:00, no answer by 17:00: 8h > 4h; the solution clock runs, 8h of 16h.
    "115": ("normal", "open", ("breached", 8 * H), ("running", 8 * H)),
    # Tue 09:00; two internal notes, then the reply 09:40; closed 10:00.
    "116": ("normal", "closed", ("met", 40 * M), ("met", 1 * H)),
    # Tue 14:00; reply and pending reminder 15:00 (1h); the reminder reopens it Wed 09:00;
    # closed 11:00: 1h + 2h.
    "117": ("normal", "closed", ("met", 1 * H), ("met", 3 * H)),
    # "3 high", Wed 09:00; reply 10:30; closed 16:30 (7h30 < 8h).
    "119": ("high", "closed", ("met", 1 * H + 30 * M), ("met", 7 * H + 30 * M)),
    # Wed 09:00; the customer's mail 11:00 is no answer; reply 14:00 (5h > 4h); closed
    # Thu 09:30: 8h + 30min.
    "120": ("normal", "closed", ("breached", 5 * H), ("met", 8 * H + 30 * M)),
    # Thu 09:00; moved to Sales 09:05; reply 09:30; closed 11:00.
    "121": ("normal", "closed", ("met", 30 * M), ("met", 2 * H)),
    # Thu 13:00; reply 13:15; closed 13:45.
    "122": ("normal", "closed", ("met", 15 * M), ("met", 45 * M)),
    # "3 high", Fri 09:00; reply 09:50; pending reminder from 13:00: 4h, paused.
    "123": ("high", "waiting", ("met", 50 * M), ("paused", 4 * H)),
    # Fri 10:00; an agent's public note 10:20 is a reply; open at 17:00: 7h.
    "124": ("normal", "open", ("met", 20 * M), ("running", 7 * H)),
    # Thu 13:00; reply 13:40; closed 16:00.
    "125": ("normal", "closed", ("met", 40 * M), ("met", 3 * H)),
}


def test_zammad_sample_clocks_worked_out_by_hand(report: slaclock.Report) -> None:
    assert report.rejected == []
    assert clocks(report, "first_response", "solution") == EXPECTED


def test_zammad_agent_article_is_the_desk_s_reply_and_customer_article_the_customer_s(
    export: Export,
) -> None:
    # Ticket 104: opened by the customer's web form, answered, pended, the customer's
    # mail, the state back to open (by the customer's mail), another reply, closed.
    assert [(e.kind, e.status or e.author, e.at) for e in export.events
            if e.ticket == "104"] == [
        ("created", "open", utc(2, 9)),
        ("status", "pending", utc(2, 10)),
        ("status", "open", utc(2, 14)),
        ("status", "closed", utc(2, 16)),
        ("reply", "desk", utc(2, 10)),
        ("reply", "customer", utc(2, 14)),
        ("reply", "desk", utc(2, 15)),
    ]
    created = next(e for e in export.events if e.ticket == "104")
    assert created.author == "customer"


def test_zammad_internal_article_is_a_note_and_does_not_answer(export: Export) -> None:
    assert [(e.kind, e.author, e.at) for e in export.events
            if e.ticket == "102" and e.kind in ("reply", "note")] == [
        ("note", "desk", utc(1, 9, 30)), ("reply", "desk", utc(1, 13, 30))]


def test_zammad_system_article_is_ignored_by_name(export: Export) -> None:
    assert export.ignored["article by System"] == 1
    assert [e.kind for e in export.events if e.ticket == "108"] == [
        "created", "status", "status", "reply"]


def test_zammad_ticket_opened_by_an_agent_on_the_phone_is_created_by_the_desk(
    export: Export,
) -> None:
    created = next(e for e in export.events if e.ticket == "109")
    assert (created.kind, created.author) == ("created", "desk")


def test_zammad_creation_takes_the_state_and_priority_before_their_first_change(
    export: Export,
) -> None:
    events = [e for e in export.events if e.ticket == "112"]
    assert events[0] == Event("112", utc(8, 9), "created", status="open", author="customer",
                              fields={"priority": "2 normal", "group": "Users"})
    assert Event("112", utc(8, 9, 30), "field", fields={"priority": "3 high"}) in events


# -- each rule on a record of its own ------------------------------------------------------


def _record(*, state: str | None = "closed", history: list[dict[str, Any]] | None = None,
            articles: list[dict[str, Any]] | None = None, **ticket: Any) -> dict[str, Any]:
    """One ticket opened Mon 1 June 09:00 UTC by a customer's mail."""
    data: dict[str, Any] = {"id": 7, "state": state, "priority": "2 normal",
                            "created_at": "2026-06-01T09:00:00Z", **ticket}
    if state is None:
        del data["state"]
    return {
        "ticket": data,
        "history": history if history is not None else [
            {"id": 1, "o_id": 7, "object": "Ticket", "type": "created",
             "created_by_id": 20, "created_at": "2026-06-01T09:00:00Z"}],
        "articles": articles if articles is not None else [
            {"id": 70, "ticket_id": 7, "sender": "Customer", "type": "email",
             "internal": False, "created_at": "2026-06-01T09:00:01Z"}],
    }


def _state(value_from: str, value_to: str, at: str = "2026-06-01T10:00:00Z"
           ) -> dict[str, Any]:
    return {"id": 2, "o_id": 7, "object": "Ticket", "type": "updated", "attribute": "state",
            "value_from": value_from, "value_to": value_to, "created_by_id": 3,
            "created_at": at}


def test_zammad_unknown_state_is_refused_with_its_record(policy: Regulation) -> None:
    # A custom state "in progress" (Zammad lets admins add states) that neither the mapping
    # nor the policy names: its change is refused, reported once with its record.
    records = [_record(), _record(state="in progress", history=[_state("new", "in progress")])]
    records[1]["ticket"]["id"] = 8
    export = read_export(records, "zammad", policy)
    assert export.unknown == [Unknown("status", "in progress", 1, 2)]
    assert export.problems() == [
        "<export>: record 2: unknown status 'in progress' (1 row; map it in the policy's "
        "[statuses] or the mapping's [log.statuses])"]
    with pytest.raises(ExportError, match="record 2: unknown status 'in progress'"):
        read_export(records, "zammad", policy, strict=True)


def test_zammad_article_without_its_sender_name_asks_for_expand() -> None:
    article = {"id": 71, "ticket_id": 7, "sender_id": 1, "internal": False,
               "created_at": "2026-06-01T10:00:00Z"}
    record = _record()
    record["articles"].append(article)
    export = read_export([record], "zammad")
    assert [b.reason for b in export.rejected] == [
        "ticket 7: article 71 names no sender: export the articles with ?expand=true (the "
        "sender's name, Agent or Customer)"]
    assert export.balanced


def test_zammad_ticket_with_only_a_state_id_asks_for_expand() -> None:
    export = read_export([_record(state=None, state_id=4)], "zammad")
    # The creation (the ticket and its first article) is refused, with the fix.
    assert [b.reason for b in export.rejected] == [
        "ticket 7 gives its state_id but not its state's name: export the tickets with "
        "?expand=true"] * 2
    assert (export.rows, export.used) == (3, 0)


def test_zammad_history_entry_of_a_type_the_mapping_does_not_name_is_reported() -> None:
    record = _record(history=[
        {"id": 3, "o_id": 7, "object": "Ticket", "type": "escalation_warning",
         "created_by_id": 1, "created_at": "2026-06-01T11:00:00Z"}])
    export = read_export([record], "zammad")
    assert export.unknown == [Unknown("event", "escalation_warning", 1, 1)]
    assert export.balanced


def test_zammad_history_read_as_the_api_object_or_its_list_with_either_key_names() -> None:
    # History.list names the keys type, object, attribute; History.add's names
    # (history_type, history_object, history_attribute) are read alike.
    old = {"id": 2, "o_id": 7, "history_object": "Ticket", "history_type": "updated",
           "history_attribute": "state", "value_from": "new", "value_to": "closed",
           "created_by_id": 3, "created_at": "2026-06-01T10:00:00Z"}
    as_list = read_export([_record(history=[old])], "zammad")
    as_object = read_export([_record(history={"history": [_state("new", "closed")],  # type: ignore[arg-type]
                                              "assets": {}})], "zammad")
    wrapped = read_export({"tickets": [_record(history=[old])]}, "zammad")
    for export in (as_list, as_object, wrapped):
        assert [(e.kind, e.status) for e in export.events] == [
            ("created", "open"), ("status", "closed")]


def test_zammad_malformed_records_are_refused_with_their_record_number() -> None:
    export = read_export([{"no": "ticket"}, _record(), {"ticket": {"state": "new"}}],
                         "zammad")
    assert [(b.line, b.reason) for b in export.rejected] == [
        (1, "tickets[0] is not a Zammad ticket (an object with ticket, history and "
            "articles)"),
        (3, "tickets[2].ticket has no id"),
    ]


_TIME = st.sampled_from(["2026-06-01T09:00:00Z", "2026-06-01T10:30:00.000Z",
                         "2026-06-02T16:00:00Z", "yesterday", None, 17])
_STATE = st.sampled_from(["new", "open", "pending reminder", "closed", "merged", "removed",
                          "in progress", None])
_ENTRY = st.fixed_dictionaries({
    "type": st.sampled_from(["created", "updated", "notification", "merged_into",
                             "escalation", None]),
    "object": st.sampled_from(["Ticket", "Ticket::Article", "Checklist", None]),
    "attribute": st.sampled_from(["state", "priority", "group", "title", None]),
    "value_from": _STATE, "value_to": _STATE, "created_by_id": st.sampled_from([1, 3, 20]),
    "created_at": _TIME,
})
_ARTICLE = st.fixed_dictionaries({
    "id": st.integers(1, 99),
    "sender": st.sampled_from(["Agent", "Customer", "System", "Robot", None]),
    "internal": st.sampled_from([True, False, None, "no"]),
    "created_at": _TIME,
})


@given(st.lists(st.tuples(_STATE, st.lists(_ENTRY, max_size=6),
                          st.lists(_ARTICLE, max_size=5)), max_size=6))
def test_zammad_any_ticket_s_rows_are_each_used_ignored_or_refused(
    policy: Regulation,
    tickets: list[tuple[str | None, list[dict[str, Any]], list[dict[str, Any]]]],
) -> None:
    records = [{"ticket": {"id": n, "state": state, "created_at": "2026-06-01T09:00:00Z"},
                "history": history, "articles": articles}
               for n, (state, history, articles) in enumerate(tickets, 1)]
    export = read_export(records, "zammad", policy)
    assert export.balanced
    # A ticket's rows: its creation, each history entry and each article.
    assert export.rows == sum(1 + len(h) + len(a) for _, h, a in tickets)
    assert not {e.ticket for e in export.events} & set(export.left_out)
