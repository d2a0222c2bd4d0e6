"""Helpdesk exports in: the three samples in examples/ read with their mappings and replayed,
each named ticket's clocks worked out by hand; the errors an export can hold, each one
clear line naming the file and the line or record; a Hypothesis round trip through a
status-history CSV.

Zendesk's sample runs on docs/reference/policies/zendesk-like.toml (09:00-17:00
Europe/Berlin, CEST in June: UTC+2), Jira's on examples/jsm-policy.toml (09:00-17:00
Europe/London, BST: UTC+1), the status history on examples/desk-ru.toml (09:00-18:00 on
Russia's production calendar, Moscow: UTC+3). "h" is working hours.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import slaclock
from slaclock import Event, Regulation, load_policy
from slaclock.helpdesks import (
    Export,
    ExportError,
    ExportMapping,
    MappingError,
    Unknown,
    load_mapping,
    read_export,
)
from slaclock.helpdesks._mapping import read_policy_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ZENDESK_POLICY = ROOT / "docs" / "reference" / "policies" / "zendesk-like.toml"
BER = ZoneInfo("Europe/Berlin")
LON = ZoneInfo("Europe/London")
MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def ber(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=BER)


def lon(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=LON)


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=MSK)


def policy_of(path: Path) -> Regulation:
    found = load_policy(path)
    assert isinstance(found, Regulation)
    return found


@pytest.fixture(scope="module")
def zendesk_policy() -> Regulation:
    return policy_of(ZENDESK_POLICY)


@pytest.fixture(scope="module")
def zendesk(zendesk_policy: Regulation) -> Export:
    return read_export(EXAMPLES / "zendesk_ticket_events.json", "zendesk", zendesk_policy)


@pytest.fixture(scope="module")
def zendesk_report(zendesk: Export, zendesk_policy: Regulation) -> slaclock.Report:
    return slaclock.report(zendesk.events, zendesk_policy, at=ber(5, 12))


def clock(report: slaclock.Report, ticket: str, metric: str, cycle: int | None = None
          ) -> slaclock.MetricStatus:
    return report.tickets[ticket].metric(metric, cycle)


# -- Zendesk: the incremental ticket events export -------------------------------------------


def test_zendesk_sample_every_child_event_is_used_or_ignored(zendesk: Export) -> None:
    assert (zendesk.rows, zendesk.used) == (37, 28)
    assert zendesk.ignored == {
        "field subject": 3, "field requester_id": 3, "event Notification": 1,
        "field assignee_id": 1, "field tags": 1,
    }
    assert zendesk.rejected == []
    assert zendesk.unknown == []
    assert zendesk.balanced
    assert zendesk.unit == "record"


def test_zendesk_creating_audit_is_one_created_event_with_its_fields(zendesk: Export) -> None:
    first = zendesk.events[0]
    assert first == Event("101", datetime(2026, 6, 1, 7, tzinfo=UTC), "created",
                          status="new", author="customer",
                          fields={"priority": "normal", "group": "360004101"})
    # The description (the creating audit's comment) is the creation, not a second reply.
    assert [e.kind for e in zendesk.events if e.ticket == "101"] == [
        "created", "status", "reply", "status", "reply", "status", "note", "reply", "status",
    ]


def test_zendesk_ticket_replied_then_waiting_then_solved_clocks_by_hand(
    zendesk_report: slaclock.Report,
) -> None:
    status = zendesk_report.tickets["101"]
    assert (status.level, status.state) == ("normal", "resolved")
    # Created Mon 09:00; the agent's public reply at 11:30: 2h30 of 8h.
    first = clock(zendesk_report, "101", "first_reply")
    assert (first.state, first.elapsed, first.met_at) == ("met", 2 * H + 30 * M, ber(1, 11, 30))
    # The customer's reply Tue 10:00; the private note at 14:00 does not answer it; the
    # public reply at 15:00 does: 5h.
    next_reply = clock(zendesk_report, "101", "next_reply", 1)
    assert (next_reply.state, next_reply.elapsed) == ("met", 5 * H)
    # Pending Mon 12:00 to Tue 10:00 (5h + 1h of office time) is not the requester's wait:
    # Mon 09-12 (3h) + Tue 10-15 (5h).
    assert clock(zendesk_report, "101", "requester_wait").elapsed == 8 * H
    # Total resolution counts every unsolved status: Mon 09-17 + Tue 09-15.
    resolution = clock(zendesk_report, "101", "resolution")
    assert (resolution.state, resolution.elapsed, resolution.met_at) == (
        "met", 14 * H, ber(2, 15))


def test_zendesk_high_priority_breaches_first_reply_at_the_deadline_instant(
    zendesk_report: slaclock.Report,
) -> None:
    # Priority high selects the urgent level: first reply 1h around the clock from Wed
    # 08:00 (before the office opens); the reply at 09:30 is late, breached at 09:00.
    status = zendesk_report.tickets["102"]
    assert (status.level, status.state) == ("urgent", "open")
    first = clock(zendesk_report, "102", "first_reply")
    assert (first.state, first.breached_at, first.met_at) == (
        "breached", ber(3, 9), ber(3, 9, 30))


def test_zendesk_hold_is_the_policy_s_on_hold_by_the_mapping(zendesk: Export) -> None:
    statuses = [e.status for e in zendesk.events if e.ticket == "102" and e.kind == "status"]
    assert statuses == ["open", "On-hold", "open"]


def test_zendesk_priority_raised_after_creation_counts_urgent_targets_from_creation(
    zendesk_report: slaclock.Report,
) -> None:
    # Normal at Thu 09:00, high at 09:30: the urgent 1h counts from 09:00, so the reply
    # at 10:30 breached at 10:00 (level_change = "from_start").
    status = zendesk_report.tickets["103"]
    assert status.level == "urgent"
    first = clock(zendesk_report, "103", "first_reply")
    assert (first.state, first.breached_at) == ("breached", ber(4, 10))


def test_zendesk_breaches_agree_with_zendesk_s_own_metric_events(
    zendesk_report: slaclock.Report,
) -> None:
    found = slaclock.helpdesks.compare_breaches(
        zendesk_report, EXAMPLES / "zendesk_ticket_metric_events.json")
    assert [(c.ticket, c.zendesk_metric, c.agree) for c in found] == [
        ("101", "reply_time", True), ("101", "resolution_time", True),
        ("101", "requester_wait_time", True),  # its breach event is deleted: withdrawn
        ("102", "reply_time", True), ("103", "reply_time", True),
    ]
    assert found[3].zendesk == found[3].slaclock == ber(3, 9)
    assert found[4].zendesk == found[4].slaclock == ber(4, 10)


def test_zendesk_breach_slaclock_does_not_see_is_a_disagreement(
    zendesk_report: slaclock.Report,
) -> None:
    data = json.loads((EXAMPLES / "zendesk_ticket_metric_events.json").read_text())
    data["ticket_metric_events"].append({
        "id": 1, "ticket_id": 101, "metric": "agent_work_time", "instance_id": 0,
        "type": "breach", "time": "2026-06-02T09:00:00Z",
    })
    data["ticket_metric_events"].append({
        "id": 2, "ticket_id": 999, "metric": "reply_time", "instance_id": 1,
        "type": "apply_sla", "time": "2026-06-02T09:00:00Z",
    })
    found = {(c.ticket, c.zendesk_metric): c
             for c in slaclock.helpdesks.compare_breaches(zendesk_report, data)}
    work = found["101", "agent_work_time"]
    assert (work.zendesk, work.slaclock, work.agree) == (ber(2, 11), None, False)
    missing = found["999", "reply_time"]
    assert (missing.in_report, missing.agree) == (False, False)


def test_zendesk_metric_names_can_be_mapped_one_to_one(
    zendesk_report: slaclock.Report,
) -> None:
    found = slaclock.helpdesks.compare_breaches(
        zendesk_report, EXAMPLES / "zendesk_ticket_metric_events.json",
        {"reply_time": "first_reply"})
    assert {(c.ticket, c.metrics) for c in found} == {
        ("101", ("first_reply",)), ("102", ("first_reply",)), ("103", ("first_reply",))}


def test_zendesk_agents_listed_by_id_are_the_desk_whoever_requested() -> None:
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 50,
         "child_events": [{"event_type": "Create", "status": "new"},
                          {"event_type": "Comment", "author_id": 50, "public": True}]},
        {"ticket_id": 7, "created_at": "2026-06-01T08:00:00Z", "updater_id": 60,
         "child_events": [{"event_type": "Comment", "author_id": 60, "public": True}]},
    ]}
    by_requester = read_export(data, "zendesk")
    assert [e.author for e in by_requester.events] == ["customer", "desk"]
    # Agent 50 opened the ticket on the customer's behalf; 60 is the customer.
    listed = read_export(data, ExportMapping("z", format="zendesk", agents=["50"],
                                             customers=["60"], fields={"status": "status"}))
    assert [e.author for e in listed.events] == ["desk", "customer"]


def test_zendesk_comment_without_the_sideload_uses_comment_present_and_the_updater() -> None:
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 50,
         "child_events": [{"event_type": "Create", "status": "new"}]},
        {"ticket_id": 7, "created_at": "2026-06-01T08:00:00Z", "updater_id": 60,
         "child_events": [{"event_type": "Change", "status": "open",
                           "previous_value": "new", "comment_present": True,
                           "comment_public": False}]},
    ]}
    export = read_export(data, "zendesk")
    assert [(e.kind, e.author) for e in export.events] == [
        ("created", "customer"), ("note", "desk")]


def test_zendesk_child_event_kinds_follow_the_mapping_s_events() -> None:
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 50,
         "child_events": [{"event_type": "Create", "status": "new"}]},
        {"ticket_id": 7, "created_at": "2026-06-01T08:00:00Z", "updater_id": 60,
         "child_events": [{"event_type": "VoiceComment", "public": True, "author_id": 60},
                          {"event_type": "Cc", "recipients": [50]},
                          {"event_type": "TicketMerge"}]},
    ]}
    export = read_export(data, "zendesk")
    assert [(e.kind, e.author) for e in export.events] == [
        ("created", "customer"), ("reply", "desk")]
    assert export.ignored == {"event Cc": 1}
    assert export.unknown == [Unknown("event", "TicketMerge", 1, 2)]
    assert export.problems() == [
        "<export>: record 2: unknown event 'TicketMerge' (1 row; map it in the mapping's "
        "[log.events], or to \"ignore\")"]


def test_zendesk_audit_with_only_a_unix_timestamp_reads_as_utc() -> None:
    data = {"ticket_events": [{"ticket_id": 7, "timestamp": 1780297200, "updater_id": 50,
                               "child_events": [{"event_type": "Create", "status": "new"}]}]}
    assert read_export(data, "zendesk").events[0].at == ber(1, 9)


def test_zendesk_malformed_record_is_rejected_with_its_record_number() -> None:
    data = {"ticket_events": [
        {"ticket_id": 7, "created_at": "2026-06-01T07:00:00Z", "updater_id": 50,
         "child_events": [{"event_type": "Create", "status": "new"}]},
        {"ticket_id": 7, "created_at": "2026-06-01T08:00:00Z", "child_events": "oops"},
        {"ticket_id": 7, "created_at": "yesterday", "child_events": [{}, {}]},
    ]}
    export = read_export(data, "zendesk")
    assert [(b.line, b.reason[:40]) for b in export.rejected] == [
        (2, "ticket_events[1] has no child_events lis"),
        (3, "time 'yesterday' is not ISO 8601 (e.g. 2"),
        (3, "time 'yesterday' is not ISO 8601 (e.g. 2"),
    ]
    assert export.balanced
    assert export.problems()[0].startswith("<export>: record 2: ticket_events[1]")
    with pytest.raises(ExportError, match=r"^<export>: record 2: ticket_events\[1\] has no"):
        read_export(data, "zendesk", strict=True)


def test_zendesk_malformed_json_names_the_file_and_line(tmp_path: Path) -> None:
    text = (EXAMPLES / "zendesk_ticket_events.json").read_text()
    lines = text.splitlines()
    lines[40] = lines[40].replace(",", "")  # a missing comma
    path = tmp_path / "events.json"
    path.write_text("\n".join(lines))
    with pytest.raises(ExportError, match=r"^events.json:4[12]: not valid JSON: Expecting"):
        read_export(path, "zendesk")


def test_zendesk_an_object_that_is_not_an_export_is_refused() -> None:
    with pytest.raises(ExportError, match="expected an object with 'ticket_events'"):
        read_export({"tickets": []}, "zendesk")


# -- Jira Service Management: issues with their changelog and comments ----------------------


@pytest.fixture(scope="module")
def jira_policy() -> Regulation:
    return policy_of(EXAMPLES / "jsm-policy.toml")


@pytest.fixture(scope="module")
def jira(jira_policy: Regulation) -> Export:
    return read_export(EXAMPLES / "jira_issues.json", "jira", jira_policy)


@pytest.fixture(scope="module")
def jira_report(jira: Export, jira_policy: Regulation) -> slaclock.Report:
    return slaclock.report(jira.events, jira_policy, at=lon(4, 13))


def test_jira_sample_every_item_and_comment_is_used_or_ignored(jira: Export) -> None:
    assert (jira.rows, jira.used) == (16, 14)
    assert jira.ignored == {"field assignee": 1, "field resolution": 1}
    assert jira.rejected == []
    assert jira.unknown == []
    assert jira.balanced


def test_jira_creation_takes_the_status_and_priority_before_their_first_change(
    jira: Export,
) -> None:
    sd2 = [e for e in jira.events if e.ticket == "SD-2"]
    assert sd2[0] == Event("SD-2", lon(3, 16), "created", status="Waiting for support",
                           author="customer", fields={"priority": "High"})
    assert sd2[1].fields == {"priority": "Highest"}


def test_jira_internal_comment_is_a_note_and_does_not_answer(
    jira: Export, jira_report: slaclock.Report
) -> None:
    sd1 = [(e.kind, e.author) for e in jira.events if e.ticket == "SD-1" and e.author]
    assert sd1 == [("created", "customer"), ("note", "desk"), ("reply", "desk"),
                   ("reply", "customer"), ("reply", "desk")]
    # Created Mon 09:00; the internal comment at 10:15 is not the first response, the
    # public one at 11:00 is: 2h of 4h.
    first = clock(jira_report, "SD-1", "first_response")
    assert (first.state, first.elapsed, first.met_at) == ("met", 2 * H, lon(1, 11))


def test_jira_waiting_for_customer_pauses_time_to_resolution(
    jira_report: slaclock.Report,
) -> None:
    # Mon 09:00-11:00 (2h), waiting for the customer until Tue 09:30, then to Resolved at
    # 12:00 (2h30).
    resolution = clock(jira_report, "SD-1", "resolution")
    assert (resolution.state, resolution.elapsed, resolution.met_at) == (
        "met", 4 * H + 30 * M, lon(2, 12))
    assert jira_report.tickets["SD-1"].state == "resolved"


def test_jira_high_priority_first_response_breached_overnight(
    jira_report: slaclock.Report,
) -> None:
    # High: 2h from Wed 16:00: Wed 16-17 and Thu 09-10; the reply at 10:30 is late.
    status = jira_report.tickets["SD-2"]
    assert status.level == "high"
    first = clock(jira_report, "SD-2", "first_response")
    assert (first.state, first.breached_at, first.met_at) == ("breached", lon(4, 10),
                                                               lon(4, 10, 30))
    # Time to resolution, 8h, still running at Thu 13:00: 1h + 4h.
    resolution = clock(jira_report, "SD-2", "resolution")
    assert (resolution.state, resolution.elapsed, resolution.deadline) == (
        "running", 5 * H, lon(4, 16))


def test_jira_service_desk_api_comments_and_a_single_issue_read() -> None:
    issue = {
        "key": "HD-9",
        "fields": {"created": "2026-06-01T09:00:00.000+0100",
                   "status": {"name": "Waiting for support"},
                   "reporter": {"accountId": "c1", "accountType": "customer"},
                   "comment": {"comments": [
                       {"author": {"accountId": "a1", "accountType": "atlassian"},
                        "created": {"iso8601": "2026-06-01T10:00:00+0100"}, "public": False},
                       {"author": {"accountId": "a1", "accountType": "atlassian"},
                        "created": "2026-06-01T11:00:00.000+0100",
                        "properties": [{"key": "sd.public.comment",
                                        "value": {"internal": True}}]},
                       {"author": {"accountId": "c1", "accountType": "customer"},
                        "created": "2026-06-01T12:00:00.000+0100"},
                   ]}},
    }
    export = read_export(issue, "jira")
    assert [(e.kind, e.author) for e in export.events] == [
        ("created", "customer"), ("note", "desk"), ("note", "desk"), ("reply", "customer")]


def test_jira_listed_agent_is_the_desk_even_as_the_reporter() -> None:
    issue = {"key": "HD-1", "fields": {
        "created": "2026-06-01T09:00:00.000+0100", "status": {"name": "Open"},
        "reporter": {"accountId": "a1"}, "creator": {"accountId": "a1"}}}
    mapping = ExportMapping("j", format="jira", agents=["a1"], default_role="requester",
                            fields={"status": "status"})
    assert read_export(issue, mapping).events[0].author == "desk"


# -- a status-history spreadsheet: Windows-1251, ';', day-first Moscow times ---------------


@pytest.fixture(scope="module")
def desk_ru() -> Regulation:
    return policy_of(EXAMPLES / "desk-ru.toml")


@pytest.fixture(scope="module")
def history_mapping() -> ExportMapping:
    return load_mapping(EXAMPLES / "status_history_ru.toml")


@pytest.fixture(scope="module")
def history(history_mapping: ExportMapping, desk_ru: Regulation) -> Export:
    return read_export(EXAMPLES / "status_history_ru.csv", history_mapping, desk_ru)


@pytest.fixture(scope="module")
def history_report(history: Export, desk_ru: Regulation) -> slaclock.Report:
    return slaclock.report(history.events, desk_ru, at=msk(16, 12))


def test_status_history_every_row_is_used_or_ignored(history: Export) -> None:
    assert (history.rows, history.used, history.ignored) == (19, 16, {"field Тема": 3})
    assert history.rejected == []
    assert history.unknown == []
    assert history.balanced
    # Lines count from the header (line 1).
    assert history.lines[:3] == [2, 3, 5]


def test_status_history_status_from_nothing_is_the_creation(history: Export) -> None:
    assert history.events[0] == Event("ЗВ-101", msk(1, 10), "created", status="Новая",
                                      author="customer")
    assert history.events[1] == Event("ЗВ-101", msk(1, 10), "field",
                                      fields={"priority": "Обычный"})


def test_status_history_ticket_answered_waited_resolved_and_closed_by_hand(
    history_report: slaclock.Report,
) -> None:
    status = history_report.tickets["ЗВ-101"]
    assert (status.level, status.state) == ("standard", "closed")
    # Opened Mon 10:00, the desk's question at 15:30.
    reaction = clock(history_report, "ЗВ-101", "reaction")
    assert (reaction.state, reaction.elapsed) == ("met", 5 * H + 30 * M)
    # The customer's answer Wed 11:00, resolved Thu 10:00: 7h + 1h.
    assert clock(history_report, "ЗВ-101", "next_reaction", 1).elapsed == 8 * H
    # Mon 10:00-15:31, waiting until Wed 11:00, then Wed 11-18 and Thu 09-10.
    resolution = clock(history_report, "ЗВ-101", "resolution")
    assert (resolution.state, resolution.elapsed) == ("met", 13 * H + 31 * M)
    # Closing the solved ticket started nothing.
    assert [m.metric for m in status.metrics] == ["reaction", "next_reaction", "resolution"]


def test_status_history_high_priority_reaction_across_a_shortened_day_and_russia_day(
    history_report: slaclock.Report,
) -> None:
    # 12h from Wed 10 June 15:00: Wed 15-18 (3h), Thu 11 June shortened before the
    # holiday 09-17 (8h), Fri 12 June Russia Day, the weekend, Mon 15 June 09-10.
    status = history_report.tickets["ЗВ-102"]
    assert status.level == "operational"
    reaction = clock(history_report, "ЗВ-102", "reaction")
    assert (reaction.state, reaction.deadline, reaction.breached_at, reaction.met_at) == (
        "breached", msk(15, 10), msk(15, 10), msk(15, 11, 30))
    assert clock(history_report, "ЗВ-102", "resolution").state == "not_applicable"


def test_status_history_ticket_opened_by_the_desk_on_the_phone(
    history: Export, history_report: slaclock.Report,
) -> None:
    assert [e.author for e in history.events if e.ticket == "ЗВ-103"] == ["desk", None]
    assert clock(history_report, "ЗВ-103", "reaction").elapsed == 15 * M


def _ru_text() -> str:
    return (EXAMPLES / "status_history_ru.csv").read_bytes().decode("cp1251")


def test_an_unknown_status_is_reported_once_with_its_count_and_first_line(
    tmp_path: Path, history_mapping: ExportMapping, desk_ru: Regulation
) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(_ru_text().replace("Решена", "Выполнена").encode("cp1251"))
    export = read_export(path, history_mapping, desk_ru)
    assert export.unknown == [Unknown("status", "Выполнена", 2, 11)]
    assert [b.line for b in export.rejected] == [11, 20]
    assert export.balanced
    assert export.rows == 19
    assert export.problems() == [
        "history.csv:11: unknown status 'Выполнена' (2 rows; map it in the policy's "
        "[statuses] or the mapping's [log.statuses])",
    ]
    with pytest.raises(ExportError) as caught:
        read_export(path, history_mapping, desk_ru, strict=True)
    assert str(caught.value) == (
        "history.csv:11: unknown status 'Выполнена': map it in the policy's [statuses] or "
        "the mapping's [log.statuses]")
    assert (caught.value.line, caught.value.unit) == (11, "line")


def test_an_unknown_status_can_be_renamed_by_the_mapping(
    tmp_path: Path, history_mapping: ExportMapping, desk_ru: Regulation
) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(_ru_text().replace("Решена", "Выполнена").encode("cp1251"))
    renamed = ExportMapping(**{**_fields(history_mapping), "statuses": {"Выполнена": "Решена"}})
    export = read_export(path, renamed, desk_ru)
    assert export.unknown == []
    assert export.used == 16


def _fields(mapping: ExportMapping) -> dict[str, object]:
    import attrs

    return attrs.asdict(mapping, recurse=False)


def test_an_unknown_field_is_reported_unless_the_mapping_ignores_it(
    history_mapping: ExportMapping,
) -> None:
    text = "Заявка;Дата;Поле;Было;Стало;Автор;Роль\n1;01.06.2026 10:00;Срок;;завтра;;Клиент\n"
    export = read_export(_stream(text), history_mapping)
    assert export.unknown == [Unknown("field", "Срок", 1, 2)]
    relaxed = ExportMapping(**{**_fields(history_mapping), "other_fields": "ignore"})
    assert read_export(_stream(text), relaxed).ignored == {"field Срок": 1}


def _stream(text: str, encoding: str = "cp1251") -> object:
    import io

    return io.BytesIO(text.encode(encoding))


def test_a_utf8_file_read_as_windows_1251_is_refused_with_the_fix(
    tmp_path: Path, history_mapping: ExportMapping
) -> None:
    path = tmp_path / "history.csv"
    path.write_text(_ru_text(), encoding="utf-8")
    with pytest.raises(ExportError, match=r'^history.csv: the file is UTF-8 text, not '
                       r'windows-1251 as the mapping says: set encoding = "utf-8" in \[log\]$'):
        read_export(path, history_mapping)


def test_a_windows_1251_file_read_as_utf8_names_the_line_and_the_fix(
    tmp_path: Path, history_mapping: ExportMapping
) -> None:
    path = tmp_path / "history.csv"
    header, rest = _ru_text().split("\n", 1)
    path.write_bytes(header.encode("ascii", "replace") + b"\n" + rest.encode("cp1251"))
    utf8 = ExportMapping(**{**_fields(history_mapping), "encoding": "utf-8"})
    with pytest.raises(ExportError, match=r'^history.csv:2: byte 0x\w\w is not utf-8 text; it '
                       r'reads as Windows-1251: set encoding = "windows-1251" in \[log\]$'):
        read_export(path, utf8)


def test_a_wrong_delimiter_names_the_header_line_and_the_right_one(
    history_mapping: ExportMapping,
) -> None:
    comma = ExportMapping(**{**_fields(history_mapping), "delimiter": ","})
    with pytest.raises(ExportError) as caught:
        read_export(EXAMPLES / "status_history_ru.csv", comma)
    message = str(caught.value)
    assert message.startswith("status_history_ru.csv:1: the header lacks the column(s) ")
    assert message.endswith("the header is ';'-separated: set delimiter = \";\" in [log]")


def test_a_bom_before_a_utf8_header_is_not_part_of_the_first_column() -> None:
    text = "\ufeffticket,time,field,old_value,new_value,author_role\n" \
           "1,2026-06-01T09:00+02:00,status,,New,customer\n"
    export = read_export(_stream(text, "utf-8"), "status-history")
    assert [e.kind for e in export.events] == ["created"]


def test_a_time_without_offset_and_a_mapping_without_zone_is_refused_not_read_as_utc(
) -> None:
    text = "ticket,time,field,old_value,new_value,author_role\n1,2026-06-01 09:00,status,,New,customer\n"  # noqa: E501
    export = read_export(_stream(text, "utf-8"), "status-history")
    assert export.events == []
    assert export.rejected[0].reason.startswith(
        "time '2026-06-01 09:00' has no UTC offset and the mapping gives no zone: set tz")


def test_a_wall_clock_time_the_zone_skips_is_refused() -> None:
    mapping = ExportMapping("m", columns={"ticket": "t", "time": "at", "field": "f", "new": "v"},
                            fields={"status": "status"}, time_format="DD.MM.YYYY HH:mm",
                            tz="Europe/Berlin")
    export = read_export(_stream("t,at,f,v\n1,29.03.2026 02:30,status,New\n", "utf-8"), mapping)
    assert export.rejected[0].reason == (
        "time '29.03.2026 02:30' never happens in Europe/Berlin: give it with its UTC offset")


def test_an_author_role_the_mapping_does_not_know_is_rejected(
    history_mapping: ExportMapping,
) -> None:
    text = "Заявка;Дата;Поле;Было;Стало;Автор;Роль\n1;01.06.2026 10:00;Статус;;Новая;Бот;Робот\n"
    export = read_export(_stream(text), history_mapping)
    assert export.rejected[0].reason == (
        "author role 'Робот' is neither desk nor customer: map it in the mapping's [log.roles]")


def test_a_comment_without_author_or_role_is_rejected_with_the_fix() -> None:
    mapping = ExportMapping("m", columns={"ticket": "t", "time": "at", "field": "f", "new": "v"},
                            fields={"status": "status", "comment": "reply"})
    export = read_export(_stream("t,at,f,v\n1,2026-06-01T09:00Z,comment,hi\n", "utf-8"),
                         mapping)
    assert export.problems() == [
        "<export>:2: the row names no author nor role: set default_role in the mapping (or "
        "map a role column)"]


def test_event_column_kinds_map_onto_the_general_vocabulary() -> None:
    mapping = ExportMapping(
        "otrs", columns={"ticket": "TicketID", "time": "CreateTime", "event": "HistoryType",
                         "new": "Value", "role": "Sender", "field": "Field"},
        tz="Europe/Berlin",
        events={"NewTicket": "created", "StateUpdate": "status", "FollowUp": "reply",
                "SendAnswer": "reply", "AddNote": "note", "PriorityUpdate": "field",
                "Lock": "ignore"},
        fields={"priority": "priority"}, roles={"agent": "desk", "customer": "customer"})
    text = ("TicketID,CreateTime,HistoryType,Field,Value,Sender\n"
            "5,2026-06-01 09:00:00,NewTicket,,new,customer\n"
            "5,2026-06-01 09:10:00,Lock,,,agent\n"
            "5,2026-06-01 09:20:00,PriorityUpdate,priority,4 high,agent\n"
            "5,2026-06-01 09:30:00,SendAnswer,,,agent\n"
            "5,2026-06-01 09:40:00,AddNote,,,agent\n"
            "5,2026-06-01 09:50:00,StateUpdate,,closed successful,agent\n"
            "5,2026-06-01 10:00:00,Merged,,,agent\n")
    export = read_export(_stream(text, "utf-8"), mapping)
    assert [(e.kind, e.status or e.author or dict(e.fields)) for e in export.events] == [
        ("created", "new"), ("field", {"priority": "4 high"}), ("reply", "desk"),
        ("note", "desk"), ("status", "closed successful")]
    assert export.ignored == {"event Lock": 1}
    assert export.unknown == [Unknown("event", "Merged", 1, 8)]
    assert export.balanced
    assert export.rows == 7


# -- mappings ------------------------------------------------------------------------------


def test_the_built_in_mappings_load_by_name() -> None:
    assert [load_mapping(n).format for n in ("zendesk", "jira", "status-history")] == [
        "zendesk", "jira", "csv"]


def test_a_mapping_inside_a_policy_file_reads_beside_the_policy(tmp_path: Path) -> None:
    path = tmp_path / "desk.toml"
    path.write_text(
        (EXAMPLES / "desk-ru.toml").read_text("utf-8") + "\n"
        + (EXAMPLES / "status_history_ru.toml").read_text("utf-8"), encoding="utf-8")
    policy, mapping = read_policy_file(path)
    assert mapping is not None
    assert mapping.delimiter == ";"
    assert load_mapping(path) == mapping
    export = read_export(EXAMPLES / "status_history_ru.csv", mapping, policy)
    assert export.used == 16


@pytest.mark.parametrize(("text", "key", "problem"), [
    ("[log]\nformat = 'xml'\n", "log.format", "one of csv, zendesk, jira"),
    ("[log]\ncolumns = { ticket = 'id' }\n", "log.columns.time", "missing"),
    ("[log]\ncolumns = { ticket = 'a', time = 'b', event = 'c' }\ndelimiter = ';;'\n",
     "log.delimiter", "one character"),
    ("[log]\ncolumns = { ticket = 'a', time = 'b', event = 'c' }\ntz = 'Mars/Olympus'\n",
     "log.tz", "unknown time zone"),
    ("[log]\ncolumns = { ticket = 'a', time = 'b', event = 'c' }\nencoding = 'klingon'\n",
     "log.encoding", "unknown encoding"),
    ("[log]\ncolumns = { ticket = 'a', time = 'b', event = 'c' }\n"
     "events = { Opened = 'opened' }\n", "log.events.Opened", "one of created"),
    ("[log]\ncolumns = { ticket = 'a', time = 'b', event = 'c' }\nroles = { x = 'admin' }\n",
     "log.roles.x", "one of desk, customer"),
    ("[log]\ncolum = {}\n", "log.colum", "unknown key"),
    ("title = 'no log'\n", "log", "a mapping is a [log] table"),
])
def test_a_bad_mapping_names_the_file_and_the_key(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    path = tmp_path / "map.toml"
    path.write_text(text)
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert caught.value.path == "map.toml"
    assert caught.value.field == key
    assert problem in caught.value.problem


def test_an_unknown_mapping_name_lists_the_built_in_ones() -> None:
    with pytest.raises(MappingError, match="the built-in mappings are zendesk, jira, "):
        load_mapping("kayako")


def test_time_formats_iso_unix_and_patterns() -> None:
    assert ExportMapping("m").parse_time("2026-06-01T07:00:00Z") == datetime(
        2026, 6, 1, 7, tzinfo=UTC)
    assert ExportMapping("m", time_format="unix").parse_time("1780297200") == datetime(
        2026, 6, 1, 7, tzinfo=UTC)
    offset = ExportMapping("m", time_format="DD.MM.YYYY HH:mm Z").parse_time(
        "01.06.2026 10:00 +03:00")
    assert offset == msk(1, 10)
    with pytest.raises(ValueError, match="does not match the mapping's format"):
        ExportMapping("m", time_format="DD.MM.YYYY HH:mm", tz="UTC").parse_time("2026-06-01")
    with pytest.raises(ValueError, match="does not match"):
        ExportMapping("m", time_format="DD.MM.YYYY HH:mm", tz="UTC").parse_time(
            "31.02.2026 10:00")


# -- round trip: events -> status-history rows -> read back -> the same events -------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_RU_STATUSES = ("Новая", "В работе", "Ожидает ответа", "Решена", "Закрыта")
_TEXT = st.text(st.sampled_from("абвгдеёжАБВГ xyz;,\"'0123-«»"), min_size=1, max_size=12) \
    .map(str.strip).filter(bool)


@st.composite
def ru_histories(draw: st.DrawFn) -> list[Event]:
    """Tickets as a status-history export can hold them: a creation (a status set from
    nothing), then status changes, public and internal comments, priority changes; at
    whole minutes (the export's pattern has no seconds), in Moscow time."""
    events: list[Event] = []
    for number in range(draw(st.integers(1, 3))):
        ticket = f"ЗВ-{number};" + draw(_TEXT)
        at = msk(1, 9) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
        events.append(Event(ticket, at, "created", status=draw(st.sampled_from(_RU_STATUSES)),
                            author=draw(st.sampled_from(("desk", "customer")))))
        for _ in range(draw(st.integers(0, 6))):
            at += timedelta(minutes=draw(st.integers(0, 600)))
            kind = draw(st.sampled_from(("status", "reply", "note", "field")))
            if kind == "status":
                events.append(Event(ticket, at, "status",
                                    status=draw(st.sampled_from(_RU_STATUSES))))
            elif kind == "field":
                events.append(Event(ticket, at, "field", fields={"priority": draw(_TEXT)}))
            else:
                events.append(Event(ticket, at, kind, detail=draw(_TEXT),
                                    author=draw(st.sampled_from(("desk", "customer")))))
    return events


def _to_rows(events: list[Event], mapping: ExportMapping) -> bytes:
    """The events as the export's rows, in its columns, pattern, delimiter and encoding."""
    import csv
    import io

    import pendulum

    field_name = {target: name for name, target in mapping.fields.items()}
    role_name = {role: name for name, role in mapping.roles.items()}
    columns = mapping.columns
    header = [columns[c] for c in ("ticket", "time", "field", "old", "new", "author", "role")]
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=mapping.delimiter, lineterminator="\r\n")
    writer.writerow(header)
    current: dict[tuple[str, str], str] = {}
    for e in events:
        when = pendulum.instance(e.at).in_timezone(mapping.tz or "UTC").format(
            mapping.time_format)
        if e.kind in ("created", "status"):
            assert e.status is not None
            field, new = field_name["status"], e.status
        elif e.kind == "field":
            field, new = field_name["priority"], e.fields["priority"] or ""
        else:
            field, new = field_name[e.kind], e.detail or ""
        old = "" if e.kind == "created" else current.get((e.ticket, field), "")
        current[e.ticket, field] = new
        role = role_name[e.author] if e.author else role_name["desk"]
        writer.writerow([e.ticket, when, field, old, new, "Автор", role])
    return out.getvalue().encode(mapping.codec)


@given(ru_histories())
def test_status_history_round_trip_reads_back_the_same_events(events: list[Event]) -> None:
    import io

    mapping = load_mapping(EXAMPLES / "status_history_ru.toml")
    export = read_export(io.BytesIO(_to_rows(events, mapping)), mapping,
                         policy_of(EXAMPLES / "desk-ru.toml"))
    assert export.rejected == []
    assert export.events == events
    assert (export.rows, export.used) == (len(events), len(events))


_CELL = st.one_of(st.just(""), _TEXT, st.sampled_from(
    ["Статус", "Приоритет", "Комментарий", "Тема", "Срок", "Новая", "Решена", "Клиент",
     "Сотрудник", "01.06.2026 10:00", "31.13.2026 25:00", "29.03.2026 02:30"]))


@given(st.lists(st.lists(_CELL, min_size=0, max_size=9), max_size=12))
def test_any_rows_are_each_used_ignored_or_rejected(rows: list[list[str]]) -> None:
    import csv
    import io

    mapping = load_mapping(EXAMPLES / "status_history_ru.toml")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Заявка", "Дата", "Поле", "Было", "Стало", "Автор", "Роль"])
    writer.writerows(rows)
    export = read_export(io.BytesIO(out.getvalue().encode("cp1251")), mapping,
                         policy_of(EXAMPLES / "desk-ru.toml"))
    assert export.balanced
    assert export.rows == sum(1 for r in rows if any(c.strip() for c in r))
    assert len(export.events) == export.used
    assert sum(u.count for u in export.unknown) <= len(export.rejected)


def test_jira_a_truncated_changelog_leaves_the_issue_out_with_its_reason() -> None:
    # More in tests/test_import_jira.py: the changelog pages given beside it complete it.
    issue = {"key": "HD-2", "fields": {"created": "2026-06-01T09:00:00.000+0100",
                                       "status": {"name": "Open"},
                                       "reporter": {"accountId": "c1"}},
             "changelog": {"startAt": 0, "maxResults": 1, "total": 3, "histories": [
                 {"created": "2026-06-01T10:00:00.000+0100", "items": [
                     {"field": "status", "fromString": "Open", "toString": "Done"}]}]}}
    export = read_export(issue, "jira")
    reason = ("changelog truncated: 1 of 3 histories; give its changelog pages with --with "
              "changelog=FILE")
    assert export.events == []
    assert export.left_out == {"HD-2": reason}
    # The creation and the one item: both refused, none called a bad row of its own.
    assert [b.reason for b in export.rejected] == [f"ticket left out: {reason}"] * 2


_ZENDESK_STATUSES = ("new", "open", "pending", "hold", "solved")


@st.composite
def zendesk_tickets(draw: st.DrawFn) -> tuple[list[dict[str, object]], list[Event]]:
    """Zendesk audits and the events they mean: a creating audit (status, priority, the
    requester's description), then audits changing the status or priority, or holding a
    public or private comment by the requester or an agent."""
    audits: list[dict[str, object]] = []
    events: list[Event] = []
    for ticket in range(1, draw(st.integers(1, 3)) + 1):
        requester, agent = 1000 + ticket, 2000 + ticket
        at = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(
            seconds=draw(st.integers(0, 86_400 * 30)))
        status = draw(st.sampled_from(_ZENDESK_STATUSES))
        priority = draw(st.sampled_from(("low", "normal", "high", "urgent")))
        audits.append({"ticket_id": ticket, "created_at": at.isoformat(), "updater_id": requester,
                       "child_events": [
                           {"event_type": "Create", "status": status},
                           {"event_type": "Create", "priority": priority},
                           {"event_type": "Comment", "author_id": requester, "public": True}]})
        events.append(Event(str(ticket), at, "created",
                            status="On-hold" if status == "hold" else status, author="customer",
                            fields={"priority": priority}))
        for _ in range(draw(st.integers(0, 5))):
            at += timedelta(seconds=draw(st.integers(1, 36_000)))
            what = draw(st.sampled_from(("status", "priority", "comment")))
            who = draw(st.sampled_from((requester, agent)))
            if what == "status":
                new = draw(st.sampled_from(_ZENDESK_STATUSES))
                child: dict[str, object] = {"event_type": "Change", "status": new,
                                            "previous_value": status}
                status = new
                event = Event(str(ticket), at, "status",
                              status="On-hold" if new == "hold" else new)
            elif what == "priority":
                new = draw(st.sampled_from(("low", "normal", "high", "urgent")))
                child = {"event_type": "Change", "priority": new, "previous_value": priority}
                priority = new
                event = Event(str(ticket), at, "field", fields={"priority": new})
            else:
                public = draw(st.booleans())
                child = {"event_type": "Comment", "author_id": who, "public": public}
                event = Event(str(ticket), at, "reply" if public else "note",
                              author="customer" if who == requester else "desk")
            audits.append({"ticket_id": ticket, "created_at": at.isoformat(),
                           "updater_id": who, "child_events": [child]})
            events.append(event)
    return audits, events


@given(zendesk_tickets())
def test_zendesk_round_trip_audits_read_back_as_their_events(
    case: tuple[list[dict[str, object]], list[Event]],
) -> None:
    audits, events = case
    export = read_export({"ticket_events": audits}, "zendesk")
    assert export.rejected == []
    assert export.events == events
    children = [child for audit in audits for child in audit["child_events"]]  # type: ignore[attr-defined]
    assert export.used == export.rows == len(children)


def test_rows_the_report_leaves_out_point_back_into_the_export(
    tmp_path: Path, history_mapping: ExportMapping, desk_ru: Regulation
) -> None:
    # Without its creation row, ЗВ-103's status change (now line 19) opens nothing.
    lines = _ru_text().splitlines(keepends=True)
    path = tmp_path / "history.csv"
    path.write_bytes("".join(lines[:17] + lines[18:]).encode("cp1251"))
    export = read_export(path, history_mapping, desk_ru)
    report = slaclock.report(export.events, desk_ru, at=msk(16, 12))
    assert [(b.line, b.ticket, b.reason) for b in export.relocate(report.rejected)] == [
        (19, "ЗВ-103",
         "ticket 'ЗВ-103' has no 'created' event (the event that opens a ticket)")]
    assert export.where(19) == "history.csv:19"


def test_zendesk_custom_status_unknown_to_the_policy_names_its_first_record(
    zendesk_policy: Regulation,
) -> None:
    data = json.loads((EXAMPLES / "zendesk_ticket_events.json").read_text())
    for record in data["ticket_events"][7:9]:  # ticket 102's reply and its hold
        for child in record["child_events"]:
            if child.get("status") in ("open", "hold"):
                child["status"] = "escalated"
    export = read_export(data, "zendesk", zendesk_policy)
    assert export.unknown == [Unknown("status", "escalated", 2, 8)]
    assert export.balanced
    with pytest.raises(ExportError) as caught:
        read_export(data, "zendesk", zendesk_policy, strict=True)
    assert str(caught.value) == (
        "<export>: record 8: unknown status 'escalated': map it in the policy's [statuses] "
        "or the mapping's [log.statuses]")


def test_mappings_and_exports_pickle_for_worker_processes(
    history_mapping: ExportMapping, history: Export
) -> None:
    import pickle

    assert pickle.loads(pickle.dumps(history_mapping)) == history_mapping
    assert pickle.loads(pickle.dumps(history.events)) == history.events


def test_jira_status_unknown_to_the_policy_is_reported_by_issue(jira_policy: Regulation) -> None:
    data = json.loads((EXAMPLES / "jira_issues.json").read_text())
    item = data["issues"][1]["changelog"]["histories"][1]["items"][0]
    item["toString"] = "Triage"
    export = read_export(data, "jira", jira_policy)
    assert export.unknown == [Unknown("status", "Triage", 1, 2)]
    assert export.problems()[0].startswith("<export>: record 2: unknown status 'Triage'")


# -- the public face ------------------------------------------------------------------------


def test_slaclock_helpdesks_is_a_public_face_of_the_same_names() -> None:
    import subprocess
    import sys
    import warnings

    import slaclock.helpdesks as helpdesks

    served_by_0_1 = [
        "ExportMapping", "load_mapping", "read_export", "Export", "Unknown", "ExportError",
        "MappingError", "compare_breaches", "BreachComparison", "ZendeskMetricEvent",
        "ZENDESK_METRICS", "read_zendesk_metric_events", "calendar_from_zendesk",
    ]
    assert set(served_by_0_1) <= set(helpdesks.__all__)
    with warnings.catch_warnings():  # slaclock.<name> may be served with a deprecation
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in served_by_0_1:
            assert getattr(helpdesks, name) is getattr(slaclock, name), name
    # The face loads no optional dependency: pandas and NumPy stay out.
    code = ("import sys, slaclock.helpdesks; "
            "print(sorted(m for m in ('numpy', 'pandas', 'dask') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_zendesk_metric_event_times_are_read_by_the_logs_one_time_parser() -> None:
    # A time the log reader takes (padded, or in pendulum's forms) is one the metric
    # events take; a time it refuses is refused in the metric reader's own words.
    def events(time: object) -> list[dict[str, object]]:
        return [{"ticket_id": 7, "metric": "reply_time", "instance_id": 1,
                 "type": "breach", "time": time}]

    read = slaclock.helpdesks.read_zendesk_metric_events
    (event,) = read(events(" 2026-06-02T09:00:00Z "))
    assert event.at == datetime(2026, 6, 2, 9, tzinfo=UTC)
    (event,) = read(events("2026-06-02 12:00:00 +03:00"))
    assert event.at == datetime(2026, 6, 2, 9, tzinfo=UTC)
    with pytest.raises(ExportError, match="time 'yesterday' is not ISO 8601"):
        read(events("yesterday"))
    with pytest.raises(ExportError, match="time '2026-06-02T09:00:00' has no UTC offset"):
        read(events("2026-06-02T09:00:00"))
