"""Zendesk read as Zendesk means it: the ticket's type field, deleted tickets, who is the
desk (users side-loaded or given in a users file, else the requester rule said out loud),
every documented child event type read or ignored by name.

The samples are our own, shaped after Zendesk's public references: "Incremental Exports"
(developer.zendesk.com, Incremental Ticket Event Export: ``child_events`` with
``event_type``, the field set as a key of its own, ``previous_value``), "Ticket Audit
events reference" (the child event types; the audits' ``type``/``field_name``/``value``
shape), "Users" (``role``: end-user, agent, admin) and "About Zendesk Support ticket
metrics" (a reply is a public comment by an agent).

``examples/zendesk_ticket_events_users.json`` holds three tickets and its users, on the
Zendesk-like policy (docs/reference/policies/zendesk-like.toml: 09:00-17:00
Europe/Berlin, CEST in June = UTC+2; normal first reply 8 working hours). Times below are
Berlin's; "h" is working hours.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.cli_runner import run

import slaclock
from slaclock import Regulation, load_policy
from slaclock.helpdesks import Assumption, Export, ExportMapping, Unknown, read_export
from slaclock.helpdesks._zendesk import ZENDESK_EVENT_TYPES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SAMPLE = EXAMPLES / "zendesk_ticket_events_users.json"
USERS = EXAMPLES / "zendesk_users.json"
BER = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
DELETED = 'Zendesk deleted it (status "deleted"): a deleted ticket is in no SLA report'


def ber(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=BER)


def zendesk_like() -> Regulation:
    """docs/reference/policies/zendesk-like.toml."""
    found = load_policy(ROOT / "docs" / "reference" / "policies" / "zendesk-like.toml")
    assert isinstance(found, Regulation)
    return found


@pytest.fixture(scope="module")
def policy() -> Regulation:
    return zendesk_like()


@pytest.fixture(scope="module")
def sample(policy: Regulation) -> Export:
    return read_export(SAMPLE, "zendesk", policy)


def without_users() -> dict[str, Any]:
    data = json.loads(SAMPLE.read_text("utf-8"))
    del data["users"]
    return data


# -- the sample, worked by hand --------------------------------------------------------


def test_the_users_sample_accounts_for_every_child_event(sample: Export) -> None:
    # 11 audits, 30 child events:
    #   201: 7 + 2 + 2 + 3 + 1 = 15; 202: 4 + 1 = 5; 203: 5 + 2 + 1 + 2 = 10.
    # used: 201 creation 4 (status, priority, type, comment) + Ben's reply 1 + type change 1
    #   + open 1 + reply 1 + solved 1 = 9; 203 creation 4 + Erik's reply 1 + pending 1
    #   + reply 1 = 7; 9 + 7 = 16.
    # ignored: subject 1, requester_id 3 (201's, 203's creation and its change), and one
    #   each of NotificationWithCcs, EmailCcChange, FollowerChange, Notification,
    #   AgentMacroReference: 1 + 3 + 5 = 9.
    # refused: the deleted ticket 202's 5 child events. 16 + 9 + 5 = 30.
    assert (sample.rows, sample.used, len(sample.rejected)) == (30, 16, 5)
    assert sample.ignored == {
        "field subject": 1, "field requester_id": 3, "event NotificationWithCcs": 1,
        "event EmailCcChange": 1, "event FollowerChange": 1, "event Notification": 1,
        "event AgentMacroReference": 1,
    }
    assert sample.balanced
    assert sample.unknown == []
    assert sample.assumptions == []  # every author is among the side-loaded users


def test_the_users_sample_events_by_hand(sample: Export) -> None:
    got = [(line, e.ticket, e.at, e.kind, e.status or e.author, dict(e.fields))
           for line, e in zip(sample.lines, sample.events, strict=True)]
    assert got == [
        (1, "201", ber(1, 9), "created", "new", {"priority": "normal", "type": "incident"}),
        (2, "201", ber(1, 10), "reply", "customer", {}),  # Ben, CC'd, an end user
        (3, "201", ber(1, 11), "field", None, {"type": "problem"}),
        (4, "201", ber(1, 12), "status", "open", {}),
        (4, "201", ber(1, 12), "reply", "desk", {}),  # Petra, an agent
        (5, "201", ber(1, 13), "status", "solved", {}),
        (8, "203", ber(2, 9), "created", "new", {"priority": "normal", "type": "question"}),
        (10, "203", ber(2, 10), "reply", "customer", {}),  # Erik, the new requester
        (11, "203", ber(2, 11), "status", "pending", {}),
        (11, "203", ber(2, 11), "reply", "desk", {}),
    ]


def test_the_users_sample_clocks_by_hand(sample: Export, policy: Regulation) -> None:
    report = slaclock.report(sample.events, policy, at=ber(5, 12))
    assert set(report.tickets) == {"201", "203"}  # 202 was deleted
    first = report.tickets["201"].metric("first_reply")
    # Opened Mon 1 June 09:00; Ben's comment at 10:00 is the customer's; Petra's at 12:00
    # is the first reply: 09:00 -> 12:00 = 3h, within the normal 8h.
    assert (first.state, first.elapsed) == ("met", 3 * H)
    resolution = report.tickets["201"].metric("resolution")
    # 09:00 -> solved 13:00 = 4h of the normal 80h.
    assert (resolution.state, resolution.elapsed) == ("met", 4 * H)
    first = report.tickets["203"].metric("first_reply")
    # Opened Tue 2 June 09:00 by Dana; Erik (made requester at 09:30) writes at 10:00;
    # Petra replies at 11:00: 09:00 -> 11:00 = 2h.
    assert (first.state, first.elapsed) == ("met", 2 * H)


# -- the type field --------------------------------------------------------------------


def test_the_ticket_type_set_at_creation_is_the_field_type(sample: Export) -> None:
    assert sample.events[0].fields["type"] == "incident"


def test_a_change_of_the_type_field_is_a_field_event_not_refused(sample: Export) -> None:
    change = sample.events[2]
    assert (change.kind, dict(change.fields)) == ("field", {"type": "problem"})
    assert not any("no field name" in b.reason for b in sample.rejected)


def test_the_type_field_in_the_audits_shape_is_named_by_field_name() -> None:
    # The Ticket Audits API's shape: "type" is the event's kind, field_name the field.
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 50,
         "child_events": [{"type": "Create", "field_name": "status", "value": "new"},
                          {"type": "Create", "field_name": "type", "value": "task"}]},
        {"ticket_id": 7, "created_at": "2026-06-01T08:00:00Z", "updater_id": 60,
         "child_events": [{"type": "Change", "field_name": "type", "value": "incident",
                           "previous_value": "task"}]},
    ]}
    export = read_export(data, "zendesk")
    assert [(e.kind, dict(e.fields)) for e in export.events] == [
        ("created", {"type": "task"}), ("field", {"type": "incident"})]


def test_the_ticket_audits_api_s_pages_read_as_the_export() -> None:
    # "Ticket Audits" (GET /api/v2/tickets/{id}/audits): audits with author_id and events
    # of the audits' shape; Airbyte's ticket_audits stream keeps it.
    data = {"audits": [
        {"id": 1, "ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "author_id": 9001,
         "events": [{"id": 11, "type": "Create", "field_name": "status", "value": "new"},
                    {"id": 12, "type": "Create", "field_name": "type", "value": "task"},
                    {"id": 13, "type": "Comment", "author_id": 9001, "public": True,
                     "body": "Help"},
                    {"id": 14, "type": "Notification", "subject": "Received"}]},
        {"id": 2, "ticket_id": 7, "created_at": "2026-06-01T08:00:00Z", "author_id": 7001,
         "events": [{"id": 21, "type": "Change", "field_name": "status", "value": "open",
                     "previous_value": "new"},
                    {"id": 22, "type": "Comment", "author_id": 7001, "public": True,
                     "body": "On it"}]},
    ], "next_page": None, "previous_page": None, "count": 2}
    export = read_export(data, "zendesk")
    assert [(e.at, e.kind, e.status or e.author, dict(e.fields)) for e in export.events] == [
        (ber(1, 9), "created", "new", {"type": "task"}),
        (ber(1, 10), "status", "open", {}),
        (ber(1, 10), "reply", "desk", {}),  # 7001 is not the requester 9001
    ]
    assert export.ignored == {"event Notification": 1}


def test_the_type_field_maps_like_any_field() -> None:
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 50,
         "child_events": [{"event_type": "Create", "status": "new"},
                          {"event_type": "Create", "type": "incident"}]},
    ]}
    mapping = ExportMapping("z", format="zendesk", fields={"status": "status",
                                                           "type": "category"},
                            default_role="requester")
    assert read_export(data, mapping).events[0].category == "incident"


# -- deleted tickets -------------------------------------------------------------------


def test_a_deleted_zendesk_ticket_is_left_out_with_its_reason(sample: Export) -> None:
    assert sample.left_out == {"202": DELETED}
    assert [(b.line, b.ticket, b.reason) for b in sample.rejected] == [
        (6, "202", f"ticket left out: {DELETED}")] * 4 + [
        (7, "202", f"ticket left out: {DELETED}")]
    assert not any(u.value == "deleted" for u in sample.unknown)


def test_a_deleted_ticket_stops_a_strict_reading_at_its_record() -> None:
    with pytest.raises(slaclock.helpdesks.ExportError,
                       match=r"^zendesk_ticket_events_users.json: record 7: ticket '202' left"):
        read_export(SAMPLE, "zendesk", strict=True)


def test_a_deleted_ticket_is_counted_in_the_totals_not_breached(
    sample: Export, policy: Regulation,
) -> None:
    assert sample.totals()[1] == (
        f"zendesk_ticket_events_users.json: ticket 202 left out: {DELETED}")
    report = slaclock.report(sample.events, policy, at=ber(5, 12))
    assert "202" not in report.tickets


# -- who is the desk -------------------------------------------------------------------


def test_a_cc_d_end_user_s_public_comment_is_the_customer_s_never_a_desk_reply(
    sample: Export,
) -> None:
    ben = sample.events[1]
    assert (ben.ticket, ben.at, ben.kind, ben.author) == ("201", ber(1, 10), "reply",
                                                         "customer")


def test_users_given_in_a_users_file_decide_the_roles() -> None:
    export = read_export(without_users(), "zendesk", companions={"users": USERS})
    assert [(e.ticket, e.author) for e in export.events if e.kind == "reply"] == [
        ("201", "customer"), ("201", "desk"), ("203", "customer"), ("203", "desk")]
    assert export.assumptions == []


def test_an_admin_is_the_desk() -> None:
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 1,
         "child_events": [{"event_type": "Create", "status": "new"},
                          {"event_type": "Comment", "author_id": 1, "public": True}]},
        {"ticket_id": 7, "created_at": "2026-06-01T08:00:00Z", "updater_id": 2,
         "child_events": [{"event_type": "Comment", "author_id": 2, "public": True}]},
    ], "users": [{"id": 1, "role": "end-user"}, {"id": 2, "role": "admin"}]}
    assert [e.author for e in read_export(data, "zendesk").events] == ["customer", "desk"]


def test_a_user_role_zendesk_does_not_document_is_refused_until_the_mapping_maps_it(
) -> None:
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 5,
         "child_events": [{"event_type": "Create", "status": "new"}]},
    ], "users": [{"id": 5, "role": "light-agent"}]}
    assert [b.reason for b in read_export(data, "zendesk").rejected] == [
        "author role 'light-agent' is neither desk nor customer: map it in the mapping's "
        "[log.roles]"]
    mapping = ExportMapping("z", format="zendesk", fields={"status": "status"},
                            roles={"light-agent": "desk"}, default_role="requester")
    assert read_export(data, mapping).events[0].author == "desk"


def test_without_users_the_requester_rule_is_used_and_said_for_each_ticket(
    policy: Regulation,
) -> None:
    export = read_export(without_users(), "zendesk", policy)
    # 201: Ben is not the requester, so the rule takes him for the desk: his comment at
    # 10:00 is the "first reply", 1h after opening, where Zendesk (and the users) say 3h.
    assert next((e.ticket, e.at, e.author) for e in export.events if e.kind == "reply") == (
        "201", ber(1, 10), "desk")
    # Two tickets rest on the guess; the deleted 202 is not counted.
    assert export.assumptions == [Assumption(
        "roles-by-requester",
        "author roles guessed: the requester is the customer, any other author the desk "
        "(no Zendesk user names them: give --with users=FILE)", 2)]
    report = slaclock.report(export.events, policy, at=ber(5, 12))
    assert report.tickets["201"].metric("first_reply").elapsed == 1 * H


def test_users_that_name_none_of_the_authors_say_so_in_the_assumption() -> None:
    # The sample's own users given beside the other export (whose authors are other
    # people): the fallback is said with what is wrong, not "give --with users=FILE".
    export = read_export("examples/zendesk_ticket_events.json", "zendesk",
                         companions={"users": "examples/zendesk_users.json"})
    assert [a.text for a in export.assumptions] == [
        "author roles guessed: the requester is the customer, any other author the desk "
        "(the users given do not name them: give the users of this export's account)"]


def test_the_requester_rule_follows_a_change_of_requester() -> None:
    export = read_export(without_users(), "zendesk")
    # 203: opened by Dana (9005); at 09:30 Erik (9004) is made the requester, so his
    # comment at 10:00 is the customer's, and the agent's at 11:00 the desk's.
    assert [(e.at, e.author) for e in export.events
            if e.ticket == "203" and e.kind == "reply"] == [
        (ber(2, 10), "customer"), (ber(2, 11), "desk")]


def test_agents_listed_in_the_mapping_win_over_the_users() -> None:
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 1,
         "child_events": [{"event_type": "Create", "status": "new"},
                          {"event_type": "Comment", "author_id": 1, "public": True}]},
    ], "users": [{"id": 1, "role": "end-user"}]}
    mapping = ExportMapping("z", format="zendesk", agents=["1"], fields={"status": "status"})
    assert read_export(data, mapping).events[0].author == "desk"


def test_a_users_file_without_users_is_refused_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "users.json"
    bad.write_text('{"tickets": []}', "utf-8")
    with pytest.raises(slaclock.helpdesks.ExportError,
                       match=r"^users.json: expected an object with 'users'"):
        read_export(without_users(), "zendesk", companions={"users": bad})


# -- child event types -----------------------------------------------------------------


def test_every_documented_child_event_type_is_read_or_ignored_by_name() -> None:
    kinds = [k for k, what in ZENDESK_EVENT_TYPES.items() if what == "ignore"]
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 1,
         "child_events": [{"event_type": "Create", "status": "new"}]},
        {"ticket_id": 7, "created_at": "2026-06-01T08:00:00Z", "updater_id": 2,
         "child_events": [{"event_type": kind, "id": n} for n, kind in enumerate(kinds)]
         + [{"event_type": "FacebookComment", "author_id": 2, "public": True}]},
    ]}
    export = read_export(data, "zendesk")
    assert export.unknown == []
    assert export.ignored == {f"event {kind}": 1 for kind in kinds}
    assert [(e.kind, e.author) for e in export.events] == [
        ("created", "customer"), ("reply", "desk")]


def test_an_undocumented_child_event_type_is_refused_with_its_record() -> None:
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 1,
         "child_events": [{"event_type": "Create", "status": "new"},
                          {"event_type": "TicketMergeEvent"}]},
    ]}
    export = read_export(data, "zendesk")
    assert export.unknown == [Unknown("event", "TicketMergeEvent", 1, 1)]
    assert export.problems() == [
        "<export>: record 1: unknown event 'TicketMergeEvent' (1 row; map it in the "
        "mapping's [log.events], or to \"ignore\")"]


def test_the_command_says_an_unknown_child_event_once_a_row(tmp_path: Path) -> None:
    data = json.loads(SAMPLE.read_text("utf-8"))
    data["ticket_events"][1]["child_events"].append({"event_type": "TicketMergeEvent"})
    export = tmp_path / "events.json"
    export.write_text(json.dumps(data), "utf-8")
    result = run("report", export, "--map", "zendesk", "--at", "2026-06-05T12:00+02:00",
                 "--policy", ROOT / "docs" / "reference" / "policies" / "zendesk-like.toml")
    assert result.exit_code == 0, result.stderr
    told = [line for line in result.stderr.splitlines() if "TicketMergeEvent" in line]
    assert told == ["slaclock: events.json: record 2: unknown event 'TicketMergeEvent' (1 "
                    "row; map it in the mapping's [log.events], or to \"ignore\")"]


def test_the_mapping_s_events_table_overrides_the_documented_meaning() -> None:
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 1,
         "child_events": [{"event_type": "Create", "status": "new"},
                          {"event_type": "VoiceComment", "author_id": 2, "public": True}]},
    ]}
    mapping = ExportMapping("z", format="zendesk", fields={"status": "status"},
                            events={"VoiceComment": "ignore"}, default_role="requester")
    export = read_export(data, mapping)
    assert export.ignored == {"event VoiceComment": 1}
