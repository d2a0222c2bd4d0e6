"""Redmine's issues with their journals in, read with the built-in ``redmine`` mapping.

The sample (examples/redmine_*.json) is shaped after Redmine's REST API documentation
(https://www.redmine.org/projects/redmine/wiki/Rest_api): Rest_Issues (``GET
/issues/{id}.json?include=journals``: the issue with ``journals``, each with ``user``,
``notes``, ``private_notes``, ``created_on`` and ``details`` of ``property``, ``name``,
``old_value``, ``new_value``; the list ``GET /issues.json`` does not include journals),
Rest_IssueStatuses (``issue_statuses``: ``id``, ``name``, ``is_closed``) and
Rest_Memberships (``memberships``: ``user`` or ``group``, ``roles``), with Redmine's default
data (statuses New 1, In Progress 2, Resolved 3, Feedback 4, Closed 5, Rejected 6; roles
Manager, Developer, Reporter). It runs on docs/reference/policies/redmine-like.toml:
09:00-17:00 Europe/Berlin (CEST in June: UTC+2; the API's times are UTC), response 4h and
resolution 16h in working hours, an issue opened out of hours answered within 2h around
the clock, Feedback pausing the resolution, a Feature without a resolution term, judged by
the working time spent. "h" is working hours; the report is at Fri 5 June 16:00 Berlin.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import slaclock
from cli_runner import run
from slaclock import Event, Regulation, load_policy
from slaclock.helpdesks import Export, ExportError, load_mapping, read_export
from verdict_table import assert_verdicts

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ISSUES = EXAMPLES / "redmine_issues.json"
STATUSES = EXAMPLES / "redmine_issue_statuses.json"
MEMBERS = EXAMPLES / "redmine_memberships.json"
BER = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def ber(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=BER)


@pytest.fixture(scope="module")
def policy() -> Regulation:
    found = load_policy(ROOT / "docs" / "reference" / "policies" / "redmine-like.toml")
    assert isinstance(found, Regulation)
    return found


@pytest.fixture(scope="module")
def export(policy: Regulation) -> Export:
    return read_export(ISSUES, "redmine", policy, companions={"statuses": STATUSES})


@pytest.fixture(scope="module")
def report(export: Export, policy: Regulation) -> slaclock.Report:
    return slaclock.report(export.events, policy, at=ber(5, 16))


def of(export: Export, ticket: str) -> list[Event]:
    return [e for e in export.events if e.ticket == ticket]


def issue(journals: list[dict[str, Any]] | None, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 7, "tracker": {"id": 1, "name": "Bug"}, "status": {"id": 2, "name": "In Progress"},
        "priority": {"id": 2, "name": "Normal"}, "author": {"id": 21, "name": "Ines Brandt"},
        "created_on": "2026-06-01T08:00:00Z"}
    if journals is not None:
        record["journals"] = journals
    record.update(fields)
    return {"issue": record}


def journal(at: str, user: tuple[int, str], notes: str = "", private: bool = False,
            *details: tuple[str, str, str]) -> dict[str, Any]:
    return {"id": 1, "user": {"id": user[0], "name": user[1]}, "notes": notes,
            "created_on": at, "private_notes": private,
            "details": [{"property": "attr", "name": name, "old_value": old, "new_value": new}
                        for name, old, new in details]}


LENA = (5, "Lena Fischer")
INES = (21, "Ines Brandt")


# -- the sample: every record accounted for, every verdict worked out by hand ------------


def test_redmine_sample_every_journal_entry_is_used_ignored_or_refused(export: Export) -> None:
    # 25 issues: 25 openings. Each day (Mon-Thu) six issues whose journals hold
    # 301-style: notes + status, status + done_ratio (4); 302: 2 notes, status + done_ratio
    # (4); 303: notes + status twice, notes + status + done_ratio (7); 304: notes + status,
    # status + done_ratio (4); 305: notes, status + done_ratio (3); 306: notes, notes +
    # status, status + done_ratio (5): 27 a day, 108; Friday's issue: notes + status (2).
    # 25 + 108 + 2 = 135 rows, the 24 done_ratio changes ignored: 111 used.
    assert (export.rows, export.used, export.rejected) == (135, 111, [])
    assert export.ignored == {"field done_ratio": 24}
    assert export.left_out == {}
    assert export.balanced


def test_redmine_sample_verdicts_match_the_table_worked_by_hand(
    report: slaclock.Report,
) -> None:
    # examples/redmine_expected.csv: one line per issue with its arithmetic.
    assert assert_verdicts(report, EXAMPLES / "redmine_expected.csv",
                           ("response", "resolution")) == 25


def test_redmine_status_ids_are_named_by_the_statuses_companion(export: Export) -> None:
    # Issue 303: created New (the first change's old value, id 1), then Feedback (4),
    # In Progress (2), Resolved (3).
    assert [(e.kind, e.status) for e in of(export, "303") if e.status] == [
        ("created", "New"), ("status", "Feedback"), ("status", "In Progress"),
        ("status", "Resolved")]
    assert of(export, "303")[0] == Event("303", ber(1, 10), "created", status="New",
                                         author="customer",
                                         fields={"priority": "High", "tracker": "Support"})


def test_redmine_status_ids_without_a_name_are_refused_with_their_record(
    policy: Regulation,
) -> None:
    # Without the companion, only the statuses issues are in now are named (In Progress,
    # Resolved): every opening (New, id 1) is refused, and the four changes to Feedback.
    bare = read_export(ISSUES, "redmine", policy)
    assert (bare.rows, bare.used, len(bare.rejected)) == (135, 111 - 29, 29)
    assert bare.rejected[0].line == 1
    assert bare.rejected[0].reason == (
        "issue 301: the value it was created with: status id 1 has no name: give Redmine's "
        "list with --with statuses=FILE (GET /issue_statuses.json), or name the id in the "
        "mapping's [log.statuses]")


def test_redmine_status_ids_can_be_named_by_the_mapping(policy: Regulation) -> None:
    mapping = attrs.evolve(load_mapping("redmine"), statuses={"1": "New", "4": "Feedback"})
    found = read_export(ISSUES, mapping, policy)
    assert (found.used, found.rejected) == (111, [])


def test_redmine_private_notes_are_internal_and_no_response(
    export: Export, report: slaclock.Report,
) -> None:
    assert [(e.kind, e.author) for e in of(export, "302") if e.author] == [
        ("created", "customer"), ("note", "desk"), ("reply", "desk")]
    # Opened 10:00; the private note 10:30 does not answer, the notes at 13:00 do: 3h.
    response = report.tickets["302"].metric("response")
    assert (response.state, response.elapsed, response.met_at) == ("met", 3 * H, ber(1, 13))


def test_redmine_journal_with_notes_and_details_is_a_comment_and_the_changes(
    export: Export,
) -> None:
    # Issue 301's first journal (11:00) holds notes and a status change: both.
    at_eleven = [(e.kind, e.status) for e in of(export, "301") if e.at == ber(1, 11)]
    assert sorted(at_eleven, key=str) == [("reply", None), ("status", "In Progress")]


def test_redmine_feedback_pauses_the_resolution_until_the_author_answers(
    report: slaclock.Report,
) -> None:
    # Mon 10:00-11:00 (1h), Feedback until the author's answer Tue 10:00, then
    # 10:00-14:00 (4h): 5h.
    resolution = report.tickets["303"].metric("resolution")
    assert (resolution.state, resolution.elapsed, resolution.met_at) == (
        "met", 5 * H, ber(2, 14))


def test_redmine_author_roles_are_an_assumption_unless_memberships_are_given(
    export: Export, policy: Regulation,
) -> None:
    assert [(a.key, a.tickets) for a in export.assumptions] == [
        ("redmine-author-is-customer", 25)]
    members = read_export(ISSUES, "redmine", policy,
                          companions={"statuses": STATUSES, "users": MEMBERS})
    assert members.assumptions == []
    assert members.events == export.events


def test_redmine_a_reporter_member_other_than_the_author_is_a_customer() -> None:
    # Karla (a Reporter) comments on Ines's issue: without memberships she would be the
    # desk (not the author); with them she is a customer, and Lena (a Developer) the desk.
    karla = (23, "Karla Novak")
    data = issue([journal("2026-06-01T09:00:00Z", karla, "Same here."),
                  journal("2026-06-01T10:00:00Z", LENA, "Fixed.")])
    guessed = read_export(data, "redmine")
    assert [e.author for e in guessed.events] == ["customer", "desk", "desk"]
    known = read_export(data, "redmine", companions={"users": MEMBERS})
    assert [e.author for e in known.events] == ["customer", "customer", "desk"]


def test_redmine_members_through_a_group_are_named_by_the_groups_file() -> None:
    # examples/redmine_memberships.json gives the group "Second line" (id 40) the
    # Developer role; Nora (31) is in it. Without the groups she is no member: a customer,
    # on an assumption the export says; with them, the desk.
    nora = (31, "Nora Lind")
    data = issue([journal("2026-06-01T09:00:00Z", nora, "Checking the logs.")])
    unsure = read_export(data, "redmine", companions={"users": MEMBERS})
    assert [e.author for e in unsure.events] == ["customer", "customer"]
    assert [(a.key, a.tickets) for a in unsure.assumptions] == [
        ("redmine-group-members-unknown", 1)]
    groups = [{"group": {"id": 40, "name": "Second line",
                         "users": [{"id": 31, "name": "Nora Lind"}]}}]
    known = read_export(data, "redmine", companions={"users": MEMBERS, "groups": groups})
    assert [e.author for e in known.events] == ["customer", "desk"]
    assert known.assumptions == []


def test_redmine_a_member_role_the_mapping_does_not_name_is_refused() -> None:
    members = {"memberships": [{"id": 1, "user": {"id": 5, "name": "Lena Fischer"},
                                "roles": [{"id": 9, "name": "Tester"}]}]}
    found = read_export(issue([journal("2026-06-01T09:00:00Z", LENA, "Checked.")]),
                        "redmine", companions={"users": members})
    assert [b.reason for b in found.rejected] == [
        "author role 'Tester' is neither desk nor customer: map it in the mapping's "
        "[log.roles]"]


def test_redmine_an_issue_without_its_journals_is_left_out_with_its_reason() -> None:
    found = read_export(EXAMPLES / "redmine_issue_list.json", "redmine")
    assert found.left_out == {"326": (
        "the issue comes without its journals (GET /issues.json does not include them): "
        "export each issue with /issues/{id}.json?include=journals")}
    assert (found.rows, found.events, found.balanced) == (1, [], True)


def test_redmine_priority_changes_are_named_by_the_issues_or_the_companion() -> None:
    data = issue([journal("2026-06-01T09:00:00Z", LENA, "", False, ("priority_id", "2", "4"))],
                 priority={"id": 4, "name": "Urgent"})
    found = read_export(data, "redmine")
    # Normal (2) is named by no issue: the opening is refused; Urgent (4) is the issue's own.
    assert [b.reason for b in found.rejected] == [
        "issue 7: the value it was created with: priority id 2 has no name: give Redmine's "
        "list with --with priorities=FILE (GET /enumerations/issue_priorities.json)"]
    named = read_export(data, "redmine", companions={"priorities": {"issue_priorities": [
        {"id": 2, "name": "Normal", "is_default": True}, {"id": 4, "name": "Urgent"}]}})
    assert [e.fields for e in named.events] == [{"priority": "Normal", "tracker": "Bug"},
                                                {"priority": "Urgent"}]


def test_redmine_journals_as_older_redmines_write_them_are_read() -> None:
    # Before private notes (Redmine 2.1) a journal has no private_notes; a journal without
    # notes may have no notes key at all, and a detail setting a value from nothing no
    # old_value (the shapes of issues captured from a Redmine 2.x in public projects).
    data = issue([
        {"id": 1, "user": {"id": 5, "name": "Lena Fischer"},
         "created_on": "2026-06-01T09:00:00Z",
         "details": [{"property": "attr", "name": "fixed_version_id", "new_value": "84"}]},
        {"id": 2, "user": {"id": 5, "name": "Lena Fischer"}, "notes": "Done.",
         "created_on": "2026-06-01T10:00:00Z",
         "details": [{"property": "attr", "name": "status_id", "old_value": "2",
                      "new_value": "3"}]},
    ], status={"id": 3, "name": "Resolved"})
    found = read_export(data, "redmine",
                        companions={"statuses": {"issue_statuses": [
                            {"id": 2, "name": "In Progress"}, {"id": 3, "name": "Resolved"}]}})
    assert [(e.kind, e.status) for e in found.events] == [
        ("created", "In Progress"), ("status", "Resolved"), ("reply", None)]
    assert found.ignored == {"field fixed_version_id": 1}
    assert (found.rows, found.used) == (4, 3)


def test_redmine_an_issue_without_its_author_is_refused_with_the_reason() -> None:
    found = read_export(issue([], author=None), "redmine")
    assert found.problems() == [
        "<export>: record 1: issue 7: no user named (an issue needs its author, a journal "
        "its user)"]


def test_redmine_other_journal_properties_are_ignored_by_kind() -> None:
    entry = journal("2026-06-01T09:00:00Z", LENA)
    entry["details"] = [{"property": "attachment", "name": "12", "old_value": None,
                         "new_value": "log.txt"},
                        {"property": "cf", "name": "3", "old_value": "", "new_value": "x"}]
    found = read_export(issue([entry, journal("2026-06-01T09:30:00Z", LENA)]), "redmine")
    assert found.ignored == {"detail attachment": 1, "detail cf": 1,
                             "journal without notes nor details": 1}


def test_redmine_a_companion_that_is_not_redmine_s_list_is_refused_with_its_record() -> None:
    with pytest.raises(ExportError, match=r"^<statuses>: record 1: issue_statuses\[0\] is not "
                       r"an object with an id and a name"):
        read_export(issue([]), "redmine", companions={"statuses": {"issue_statuses": [{}]}})


# -- any issues: each row accounted for, or the file refused with its reason --------------

_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-1, 7),
    st.sampled_from(["", "1", "2", "4", "9", "status_id", "priority_id", "tracker_id",
                     "done_ratio", "attr", "cf", "attachment", "Looks fixed.",
                     "2026-06-01T08:00:00Z", "2026-06-31T08:00:00Z"]),
    st.fixed_dictionaries({}, optional={"id": st.sampled_from([1, 2, 5, 21, "x"]),
                                        "name": st.sampled_from(["New", "Bug", "Lena Fischer",
                                                                 "Ines Brandt", ""])}),
)
_DETAIL = st.one_of(_VALUE, st.fixed_dictionaries({}, optional=dict.fromkeys(
    ("property", "name", "old_value", "new_value"), _VALUE)))
_JOURNAL = st.one_of(_VALUE, st.fixed_dictionaries({}, optional={
    "user": _VALUE, "notes": _VALUE, "private_notes": _VALUE, "created_on": _VALUE,
    "details": st.one_of(_VALUE, st.lists(_DETAIL, max_size=3))}))
_ISSUE = st.one_of(_VALUE, st.fixed_dictionaries({}, optional={
    "id": _VALUE, "created_on": _VALUE, "author": _VALUE, "status": _VALUE,
    "priority": _VALUE, "tracker": _VALUE,
    "journals": st.one_of(_VALUE, st.lists(_JOURNAL, max_size=3))}))


@given(st.lists(_ISSUE, max_size=4))
def test_redmine_any_issues_are_each_used_ignored_or_refused(issues: list[Any]) -> None:
    try:
        found = read_export({"issues": issues}, "redmine", companions={"users": MEMBERS})
    except ExportError:  # pragma: no cover - no whole-file refusal is expected here
        pytest.fail("a page of issues is read, row by row")
    assert found.balanced
    assert len(found.events) == found.used
    # At least one row per issue (its opening, or the reason it has none).
    assert found.rows >= len(issues)


def test_the_command_reads_redmine_with_its_companions() -> None:
    result = run("report", ISSUES, "--map", "redmine", "--policy",
                 ROOT / "docs" / "reference" / "policies" / "redmine-like.toml",
                 "--with", f"statuses={STATUSES}", "--with", f"users={MEMBERS}",
                 "--limit", "0")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("slaclock: ")] == [
        "slaclock: redmine_issues.json: 135 rows read: 111 made events, 24 ignored "
        "(field done_ratio: 24), 0 refused"]
