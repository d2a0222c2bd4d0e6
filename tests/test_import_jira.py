"""Jira as Jira means it, and Jira Service Management's own SLA verdicts compared.

The sample is examples/jira_desk_*.json (24 issues of a London desk, June 2026; its
README names the Atlassian references its shapes follow): a search page whose changelog
or comments are truncated for five issues, the changelog pages, a bulk fetch answer and
the comment pages given beside it, and JSM's SLA answers. The policy is
examples/jsm-policy.toml (09:00-17:00 Europe/London, BST: UTC+1; first response 4h and
resolution 16h, 2h and 8h for Highest and High); the report is at Fri 12 June 12:00.
Every metric's expected value is worked by hand in examples/jira_desk_expected.csv, the
arithmetic in its last column. "h" is working hours.
"""

from __future__ import annotations

import copy
import csv
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slaclock
from cli_runner import run
from slaclock import Event, Regulation, load_policy
from slaclock.helpdesks import (
    Assumption,
    Export,
    ExportError,
    ExportMapping,
    JsmSla,
    compare_breaches,
    compare_jsm_slas,
    read_export,
    read_jsm_slas,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
LON = ZoneInfo("Europe/London")
H = timedelta(hours=1)
M = timedelta(minutes=1)
ISSUES = EXAMPLES / "jira_desk_issues.json"
PAGES = EXAMPLES / "jira_desk_changelog_pages.json"
BULK = EXAMPLES / "jira_desk_changelog_bulk.json"
COMMENTS = EXAMPLES / "jira_desk_comments.json"
SLAS = EXAMPLES / "jira_desk_sla.json"
GIVEN: dict[str, Any] = {"changelog": [PAGES, BULK], "comments": COMMENTS}
CHANGELOG_113 = ("changelog truncated: 1 of 4 histories; give its changelog pages with "
                 "--with changelog=FILE")
COMMENTS_115 = ("comments truncated: 2 of 5 comments; give its comment pages with --with "
                "comments=FILE")


def lon(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=LON)


@pytest.fixture(scope="module")
def policy() -> Regulation:
    found = load_policy(EXAMPLES / "jsm-policy.toml")
    assert isinstance(found, Regulation)
    return found


@pytest.fixture(scope="module")
def desk(policy: Regulation) -> Export:
    return read_export(ISSUES, "jira", policy, companions=GIVEN)


@pytest.fixture(scope="module")
def report(desk: Export, policy: Regulation) -> slaclock.Report:
    return slaclock.report(desk.events, policy, at=lon(12, 12))


def events_of(export: Export, ticket: str) -> list[tuple[str, str | None, datetime]]:
    return [(e.kind, e.status or e.author, e.at) for e in export.events if e.ticket == ticket]


def issue_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ISSUES.read_text())
    return data


def issue(key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(i for i in issue_data()["issues"] if i["key"] == key)
    return found


# -- the record accounting ---------------------------------------------------------------


def test_the_desk_sample_accounts_for_every_row_exactly(desk: Export) -> None:
    # Rows: 24 creations + 40 changelog items + 31 comments read once, + 3 items and 1
    # comment given twice (SD-111's two newest histories are in its pages too, SD-112's
    # newest in the bulk fetch, SD-114's first comment in its page) + 1 item of an issue
    # the export does not hold (the bulk fetch's 10999) = 100.
    # Refused: SD-113 (its creation, 1 item, 1 comment: 3) and SD-115 (its creation, 1
    # item, 2 comments: 4) = 7. Ignored: 3 fields + 5 copies and strays = 8.
    # Used: 100 - 8 - 7 = 85.
    assert (desk.rows, desk.used, len(desk.rejected)) == (100, 85, 7)
    assert desk.ignored == {
        "field resolution": 1, "field assignee": 2, "changelog item given twice": 3,
        "comment given twice": 1, "changelog item of an issue not in the export": 1,
    }
    assert desk.balanced
    assert desk.unknown == []
    assert desk.left_out == {"SD-113": CHANGELOG_113, "SD-115": COMMENTS_115}
    assert [(b.line, b.ticket, b.reason) for b in desk.rejected] == [
        *[(13, "SD-113", f"ticket left out: {CHANGELOG_113}")] * 3,
        *[(15, "SD-115", f"ticket left out: {COMMENTS_115}")] * 4,
    ]
    assert len(desk.events) == desk.used  # one row, one event in this sample


def test_each_metric_of_the_desk_sample_is_as_worked_by_hand(report: slaclock.Report) -> None:
    with (EXAMPLES / "jira_desk_expected.csv").open(encoding="utf-8") as file:
        expected = list(csv.DictReader(file))
    assert len(expected) == 44  # 22 issues read, 2 metrics each

    def instant(text: str) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    def hours(text: str) -> timedelta:
        h, m = text.split(":")
        return int(h) * H + int(m) * M

    found = [(t, m.metric) for t, s in report.tickets.items() for m in s.metrics]
    assert sorted(found) == sorted((row["ticket"], row["metric"]) for row in expected)
    for row in expected:
        status = report.tickets[row["ticket"]]
        clock = status.metric(row["metric"])
        assert (status.level, clock.state, clock.elapsed, clock.breached_at,
                clock.met_at) == (row["level"], row["state"], hours(row["elapsed"]),
                                  instant(row["breached_at"]), instant(row["met_at"])), row


# -- truncated histories and comments ----------------------------------------------------


def test_a_truncated_changelog_without_its_pages_leaves_the_issue_out_with_its_reason(
    policy: Regulation,
) -> None:
    alone = read_export(ISSUES, "jira", policy)
    # Without the files beside it, each issue the search truncated is out, none read
    # from the oldest status the page happens to hold, none called a bad row.
    assert alone.left_out == {
        "SD-111": "changelog truncated: 2 of 5 histories; give its changelog pages with "
                  "--with changelog=FILE",
        "SD-112": "changelog truncated: 1 of 3 histories; give its changelog pages with "
                  "--with changelog=FILE",
        "SD-113": CHANGELOG_113,
        "SD-114": "comments truncated: 1 of 3 comments; give its comment pages with --with "
                  "comments=FILE",
        "SD-115": COMMENTS_115,
    }
    assert {e.ticket for e in alone.events}.isdisjoint(alone.left_out)
    assert all(b.reason.startswith("ticket left out: ") for b in alone.rejected)
    # Rows: 24 creations + 35 items (the 40 less SD-111's 3 and SD-112's 2 the search
    # dropped) + 29 comments (the 31 less SD-114's 2 only in its page) = 88. Refused:
    # SD-111 (1 + 2 + 2), SD-112 (1 + 1 + 1), SD-113 (3), SD-114 (1 + 1 + 1), SD-115 (4)
    # = 18. Ignored: 2 fields (SD-111's assignee change is among the dropped histories).
    # Used: 88 - 18 - 2 = 68.
    assert (alone.rows, len(alone.rejected), sum(alone.ignored.values()), alone.used) == (
        88, 18, 2, 68)
    assert alone.balanced
    assert alone.totals()[1:6] == [
        f"jira_desk_issues.json: ticket {ticket} left out: {reason}"
        for ticket, reason in alone.left_out.items()]


def test_a_truncated_history_and_truncated_comments_are_both_named() -> None:
    data = issue("SD-113")
    data["fields"]["comment"]["total"] = 4
    export = read_export(data, "jira")
    assert export.left_out == {"SD-113": f"{CHANGELOG_113}; comments truncated: 1 of 4 "
                                         "comments; give its comment pages with --with "
                                         "comments=FILE"}


def test_changelog_pages_named_by_their_self_url_complete_the_issue(desk: Export) -> None:
    # SD-111 opened in "Waiting for support": the status before its first change (history
    # 3002, only in the pages), not "Waiting for customer" (before 3004, the oldest the
    # search kept).
    assert events_of(desk, "SD-111") == [
        ("created", "Waiting for support", lon(9, 9)),
        ("status", "In Progress", lon(9, 10)),
        ("status", "Waiting for customer", lon(9, 11)),
        ("status", "In Progress", lon(9, 14)),
        ("status", "Resolved", lon(9, 16)),
        ("reply", "desk", lon(9, 11)),
        ("reply", "customer", lon(9, 14)),
    ]


def test_a_bulk_fetch_names_its_issue_by_id_and_completes_it(desk: Export) -> None:
    assert events_of(desk, "SD-112") == [
        ("created", "Waiting for support", lon(9, 10)),
        ("status", "In Progress", lon(9, 10, 30)),
        ("status", "Escalated", lon(9, 11)),
        ("status", "Resolved", lon(9, 15)),
        ("reply", "desk", lon(9, 11)),
    ]


def test_comment_pages_complete_the_comments_and_the_public_reply_answers(
    desk: Export, report: slaclock.Report,
) -> None:
    assert events_of(desk, "SD-114") == [
        ("created", "Waiting for support", lon(10, 9)),
        ("status", "Resolved", lon(10, 16)),
        ("note", "desk", lon(10, 9, 15)),
        ("reply", "desk", lon(10, 10)),
        ("reply", "customer", lon(10, 11)),
    ]
    # Wed 09:00 to the public reply at 10:00 (only in the page): 1h of 4h.
    first = report.tickets["SD-114"].metric("first_response")
    assert (first.state, first.elapsed) == ("met", 1 * H)


def test_pages_wrapped_with_their_issue_key_are_read_and_given_as_data() -> None:
    data = issue("SD-113")
    histories = [{"id": "5001", "created": "2026-06-09T10:00:00.000+0100", "items": [
        {"field": "status", "fromString": "Waiting for support", "toString": "In Progress"}]},
        {"id": "5002", "created": "2026-06-09T11:00:00.000+0100", "items": [
            {"field": "status", "fromString": "In Progress",
             "toString": "Waiting for customer"}]},
        {"id": "5003", "created": "2026-06-09T13:00:00.000+0100", "items": [
            {"field": "status", "fromString": "Waiting for customer",
             "toString": "In Progress"}]}]
    page = {"issueKey": "SD-113", "startAt": 0, "maxResults": 3, "total": 4, "isLast": False,
            "values": histories}
    export = read_export(data, "jira", companions={"changelog": page})
    assert export.left_out == {}
    assert [e.status for e in export.events if e.kind in ("created", "status")] == [
        "Waiting for support", "In Progress", "Waiting for customer", "In Progress",
        "Resolved"]
    # The same page named by issueId instead: the issue is matched by its id.
    page = {**page, "issueId": "10113"}
    del page["issueKey"]
    assert read_export(data, "jira", companions={"changelog": [page]}).left_out == {}


def test_a_page_that_names_no_issue_is_refused_with_the_fix() -> None:
    page = {"startAt": 0, "maxResults": 3, "total": 4, "isLast": True, "values": []}
    with pytest.raises(ExportError, match=r"<changelog>: page 1: the changelog page names no "
                                          r"issue: add \"issueKey\" to it"):
        read_export(issue("SD-113"), "jira", companions={"changelog": page})


def test_pages_still_short_of_the_total_leave_the_issue_out() -> None:
    # The pages say 6 histories exist (more than the search's 5): 5 are given.
    pages = json.loads(PAGES.read_text())
    pages[1]["total"] = 6
    export = read_export(issue("SD-111"), "jira", companions={"changelog": [pages]})
    assert export.left_out == {"SD-111": "changelog truncated: 5 of 6 histories; give its "
                                         "changelog pages with --with changelog=FILE"}


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_split_of_the_histories_into_pages_reads_as_the_whole_changelog(
    data: st.DataObject,
) -> None:
    """However the search and the pages split SD-111's five histories (the search keeps
    the newest few, the pages overlap it and each other, in any order), the events are
    those of the whole changelog read from the issue alone; every copy is counted."""
    whole = issue("SD-111")
    histories = json.loads(PAGES.read_text())[0]["values"] + \
        json.loads(PAGES.read_text())[1]["values"]
    complete = copy.deepcopy(whole)
    complete["changelog"] = {"startAt": 0, "maxResults": 5, "total": 5,
                             "histories": histories}
    expected = read_export(complete, "jira").events

    kept = data.draw(st.integers(0, 5))
    cut = copy.deepcopy(whole)
    cut["changelog"] = {"startAt": 0, "maxResults": kept, "total": 5,
                        "histories": histories[5 - kept:]}
    missing = histories[:5 - kept]
    extra = data.draw(st.lists(st.sampled_from(histories), max_size=4))
    chunks = data.draw(st.permutations([*missing, *extra]))
    size = data.draw(st.integers(1, 3))
    pages = [{"issueKey": "SD-111", "total": 5, "values": list(chunks[i:i + size])}
             for i in range(0, len(chunks), size)]
    export = read_export(cut, "jira", companions={"changelog": [pages]} if pages else None)
    assert export.left_out == {}
    assert sorted(export.events, key=lambda e: (e.at, e.kind, str(e.status))) == \
        sorted(expected, key=lambda e: (e.at, e.kind, str(e.status)))
    # Every history beyond the five, one item each, is a copy counted as ignored.
    assert export.ignored.get("changelog item given twice", 0) == len(extra)
    assert export.balanced


# -- restricted comments -----------------------------------------------------------------


@pytest.mark.parametrize("hidden", [
    {"visibility": {"type": "role", "value": "Service Desk Team"}},
    {"visibility": {"type": "group", "value": "jira-servicedesk-users"}, "jsdPublic": True},
    {"visibility": {"type": "group", "identifier": "5f1e0c3a", "value": "support"}},
    {"jsdPublic": False},
    {"public": False},
    {"properties": [{"key": "sd.public.comment", "value": {"internal": True}}]},
], ids=["role", "group-even-if-jsdPublic", "group-by-identifier", "jsdPublic-false",
        "public-false", "sd-public-comment-internal"])
def test_a_comment_hidden_from_the_customer_is_an_internal_note(hidden: dict[str, Any]) -> None:
    comment = {"id": "1", "author": {"accountId": "a1", "accountType": "atlassian"},
               "created": "2026-06-01T10:00:00.000+0100", **hidden}
    data = {"key": "HD-1", "fields": {
        "created": "2026-06-01T09:00:00.000+0100", "status": {"name": "Waiting for support"},
        "reporter": {"accountId": "c1", "accountType": "customer"},
        "comment": {"comments": [comment], "total": 1}}}
    assert [e.kind for e in read_export(data, "jira").events] == ["created", "note"]
    del comment["id"]
    for key in hidden:
        del comment[key]
    assert [e.kind for e in read_export(data, "jira").events] == ["created", "reply"]


def test_restricted_comments_in_the_sample_do_not_answer_the_customer(
    desk: Export, report: slaclock.Report,
) -> None:
    # SD-105's comment restricted to a role at 10:00 (Server/DC) is a note; the reply at
    # 12:00 answers: 3h. SD-106's group-restricted comment is a note: no reply before
    # Resolved at 15:00 stops the clock, 2h past its 13:00 deadline.
    assert events_of(desk, "SD-105")[1:] == [
        ("status", "Resolved", lon(2, 16)), ("note", "desk", lon(2, 10)),
        ("reply", "desk", lon(2, 12))]
    assert report.tickets["SD-105"].metric("first_response").elapsed == 3 * H
    first = report.tickets["SD-106"].metric("first_response")
    assert (first.state, first.breached_at) == ("breached", lon(3, 13))


def test_a_server_export_without_account_types_rests_on_the_roles_assumption(
    desk: Export,
) -> None:
    # SD-105's agent is a Server/DC user (name and key, no accountType): the reporter
    # rule decides the role, and the export says so.
    assert [(a.key, a.tickets) for a in desk.assumptions] == [("roles-by-reporter", 1)]
    assert desk.assumptions[0].text.startswith("author roles guessed: the reporter is the "
                                               "customer, every other author the desk")
    # Listing the agent removes the assumption.
    mapping = ExportMapping("j", format="jira", agents=["agent1"], default_role="requester",
                            fields={"status": "status"}, other_fields="ignore")
    assert read_export(issue("SD-105"), mapping).assumptions == []
    assert isinstance(desk.assumptions[0], Assumption)


# -- the command ---------------------------------------------------------------------------


def test_the_command_reads_the_pages_given_with_with() -> None:
    result = run("report", ISSUES, "--map", "jira", "--policy", EXAMPLES / "jsm-policy.toml",
                 "--with", f"changelog={PAGES}", "--with", f"changelog={BULK}",
                 "--with", f"comments={COMMENTS}", "--at", "2026-06-12T12:00+01:00",
                 "--limit", "0")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("slaclock: jira_desk_issues.json: 100 rows read: 85 made "
                               "events, 8 ignored")
    assert f"slaclock: jira_desk_issues.json: ticket SD-113 left out: {CHANGELOG_113}" in lines
    assert "SD-111" not in result.stderr


def test_the_command_refuses_a_companion_kind_jira_does_not_read() -> None:
    result = run("report", ISSUES, "--map", "jira", "--with", f"users={PAGES}")
    assert result.exit_code == 2
    assert "the jira format reads no companion file of kind 'users' (it reads changelog, " \
        "comments)" in result.stderr


# -- Jira Service Management's own verdicts ---------------------------------------------------


def test_jsm_s_verdicts_agree_except_where_its_configuration_differs(
    desk: Export, report: slaclock.Report,
) -> None:
    found = compare_jsm_slas(report, SLAS, export=desk)
    # 24 issues x 2 SLAs + SD-130's first response; "Time to close after resolution" is
    # not in JSM_METRICS: left out.
    assert len(found) == 49
    assert compare_jsm_slas(report, read_jsm_slas(SLAS), export=desk) == found
    differ = {(c.ticket, c.helpdesk_metric): c for c in found if not c.same_instant}
    assert sorted(differ) == [
        ("SD-113", "Time to first response"), ("SD-113", "Time to resolution"),
        ("SD-115", "Time to first response"), ("SD-115", "Time to resolution"),
        ("SD-117", "Time to resolution"), ("SD-118", "Time to first response"),
        ("SD-122", "Time to resolution"), ("SD-124", "Time to first response"),
        ("SD-130", "Time to first response"),
    ]
    assert all(c.reason is None and c.helpdesk == "Jira Service Management"
               for c in found if c.same_instant)
    # Breached on both sides at the same instant: SD-103's first response (Mon 10:00 +
    # 2h), SD-109's resolution (Mon 8h + Tue 8h: Tue 17:00), SD-120's ongoing first
    # response (Thu 15:00 + 2h).
    both = sorted((c.ticket, c.helpdesk_breach) for c in found
                  if c.same_instant and c.helpdesk_breach is not None)
    assert both == [("SD-103", lon(1, 12)), ("SD-104", lon(2, 13)), ("SD-106", lon(3, 13)),
                    ("SD-109", lon(2, 17)), ("SD-120", lon(11, 17))]

    def said(ticket: str, metric: str) -> tuple[Any, ...]:
        c = differ[ticket, metric]
        return c.in_report, c.agree, c.helpdesk_breach, c.slaclock, c.reason

    assert said("SD-113", "Time to resolution") == (
        False, False, None, None, f"the ticket was left out of the export: {CHANGELOG_113}")
    assert said("SD-115", "Time to first response")[4] == \
        f"the ticket was left out of the export: {COMMENTS_115}"
    # JSM pauses in Pending, the policy does not: Wed 09:00-10:00 + Thu 09:00-11:00 = 3h
    # for JSM; Wed 09:00-17:00 (breached at 17:00) + Thu 09:00-11:00 = 10h for slaclock.
    assert said("SD-117", "Time to resolution") == (
        True, False, None, lon(10, 17), "JSM counted 3h 00m of working time, slaclock "
        "10h 00m: another calendar or pause conditions")
    # JSM's first response goal for this request is 8h; the policy's standard 4h.
    assert said("SD-118", "Time to first response") == (
        True, False, None, lon(11, 13), "JSM's goal is 8h 00m, slaclock's target 4h 00m: "
        "another level or goal")
    # In Pending since Thu 10:00: paused for JSM, breached at Thu 17:00 for slaclock.
    assert said("SD-122", "Time to resolution") == (
        True, False, None, lon(11, 17), "JSM's cycle is paused, slaclock's clock is "
        "breached")
    # JSM's calendar opens at 08:30: Fri 16:00-17:00 + Mon 08:30-09:30 breaches at 09:30,
    # 3h by the reply at 10:30; slaclock's at 10:00, 2h30.
    assert said("SD-124", "Time to first response") == (
        True, True, lon(8, 9, 30), lon(8, 10), "JSM counted 3h 00m of working time, "
        "slaclock 2h 30m: another calendar or pause conditions")
    assert said("SD-130", "Time to first response")[::4] == (
        False, "the report holds no ticket SD-130")


def test_jsm_cycles_are_read_with_their_times_goals_and_pauses() -> None:
    slas = {(s.ticket, s.name): s for s in read_jsm_slas(SLAS)}
    resolution = slas["SD-116", "Time to resolution"]
    assert [(c.start, c.stop, c.elapsed, c.breached) for c in resolution.cycles] == [
        (lon(10, 9), lon(10, 12), 3 * H, False), (lon(11, 9), lon(11, 11), 2 * H, False)]
    paused = slas["SD-121", "Time to resolution"].cycles[0]
    assert (paused.ongoing, paused.paused, paused.stop, paused.breach_time, paused.goal,
            paused.remaining) == (True, True, None, None, 16 * H, 15 * H)
    assert slas["SD-120", "Time to first response"].breached_at == lon(11, 17)


def test_a_cycle_count_difference_is_the_reason_when_verdicts_differ(
    report: slaclock.Report,
) -> None:
    # SD-116's resolution, as if JSM's second cycle (from the reopening, Thu 09:00) had
    # breached at Thu 10:00: JSM counts two cycles, slaclock one resumed clock.
    answer = next(a for a in json.loads(SLAS.read_text()) if a["issueKey"] == "SD-116")
    cycle = answer["values"][1]["completedCycles"][1]
    cycle["breached"] = True
    cycle["breachTime"] = {"iso8601": "2026-06-11T10:00:00+0100"}
    [_, c] = compare_jsm_slas(report, answer)
    assert (c.helpdesk_breach, c.slaclock, c.reason) == (
        lon(11, 10), None, "JSM counted 2 cycles, slaclock 1 cycle: their start and stop "
        "conditions differ")


def test_jsm_slas_read_by_issue_key_and_from_an_issue_search_s_sla_fields(
    report: slaclock.Report,
) -> None:
    answer = next(a for a in json.loads(SLAS.read_text()) if a["issueKey"] == "SD-103")
    by_key = {"SD-103": {k: v for k, v in answer.items() if k != "issueKey"}}
    search = {"issues": [{"key": "SD-103", "fields": {
        "summary": "Request SD-103", "customfield_10030": answer["values"][0],
        "customfield_10031": answer["values"][1]}}]}
    for source in (answer, by_key, [answer], search):
        assert [(s.ticket, s.name, s.breached_at) for s in read_jsm_slas(source)] == [
            ("SD-103", "Time to first response", lon(1, 12)),
            ("SD-103", "Time to resolution", None)]
    # A metric table of the desk's own SLA names; names matched without regard to case.
    [c] = compare_jsm_slas(report, search, {"TIME TO FIRST RESPONSE": "first_response"})
    assert (c.metrics, c.same_instant) == (("first_response",), True)


def test_an_sla_answer_without_its_issue_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "slas.json"
    path.write_text(json.dumps([{"size": 0, "values": []}]))
    with pytest.raises(ExportError, match=r"slas.json: record 1: an SLA answer without its "
                                          r"issue: add \"issueKey\""):
        read_jsm_slas(path)
    path.write_text(json.dumps({"issueKey": "SD-1", "values": [{"name": "Time to first "
                    "response", "completedCycles": [{"breached": True}]}]}))
    with pytest.raises(ExportError, match="SLA 'Time to first response' of SD-1: a breached "
                                          "cycle without its breachTime"):
        read_jsm_slas(path)
    path.write_text(json.dumps({"issueKey": "SD-1", "values": [{"name": "T", "ongoingCycle": {
        "startTime": {"iso8601": "yesterday"}}}]}))
    with pytest.raises(ExportError, match="startTime: time 'yesterday' is not ISO 8601"):
        read_jsm_slas(path)


def test_a_jsm_time_given_only_as_epoch_millis_is_read_as_utc() -> None:
    answer = {"issueKey": "SD-9", "values": [{"name": "Time to first response",
              "ongoingCycle": {"startTime": {"epochMillis": 1780300800000},
                               "breached": False}}]}
    [sla] = read_jsm_slas(answer)
    # 1780300800 s = 2026-06-01T08:00:00Z (20605 days of 86400 s, + 8h).
    assert sla.cycles[0].start == lon(1, 9)
    assert isinstance(sla, JsmSla)


def test_zendesk_comparisons_now_say_why_they_differ() -> None:
    policy = load_policy(ROOT / "docs" / "reference" / "policies" / "zendesk-like.toml")
    events = [Event("5", lon(1, 8), "created", status="New", author="customer")]
    report = slaclock.report(events, policy, at=lon(2, 12))
    zendesk = [{"ticket_id": 6, "metric": "reply_time", "instance_id": 1,
                "type": "apply_sla", "time": "2026-06-01T07:00:00Z"}]
    [c] = compare_breaches(report, {"ticket_metric_events": zendesk})
    assert (c.helpdesk, c.zendesk_metric, c.zendesk, c.reason) == (
        "Zendesk", "reply_time", None, "the report holds no ticket 6")
