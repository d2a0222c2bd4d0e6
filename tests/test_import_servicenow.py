"""ServiceNow's incident history in: ``sys_audit`` records with the incidents (and their
journal) beside them, read with the built-in ``servicenow`` mapping.

The sample (examples/servicenow_*.json) is shaped after ServiceNow's public documents:
the REST Table API (``GET /api/now/table/{tableName}``: ``{"result": [...]}``, values as
strings, reference fields as ``{"link", "value"}``, ``sysparm_display_value`` and
dot-walked ``sysparm_fields``), "Viewing Sys Audit and Audit Relationship Change tables"
(``sys_audit``: tablename, fieldname, documentkey, user, oldvalue, newvalue; journal
entries audited too) and the incident state choices (1 New, 2 In Progress, 3 On Hold,
6 Resolved, 7 Closed, 8 Canceled). It runs on examples/servicenow-policy.toml: an
08:00-17:00 Europe/London schedule (BST in June: UTC+1; the audit's times are UTC),
response 1h and resolution 8h for priorities 1 and 2, 4h and 24h for the others, On Hold
pausing the resolution. "h" is working hours; the report is at Fri 5 June 14:00 London.
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
from cli_runner import one_line_error, run
from slaclock import Event, Regulation, load_policy
from slaclock.helpdesks import Assumption, Export, ExportError, Unknown, load_mapping, read_export
from verdict_table import assert_verdicts

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AUDIT = EXAMPLES / "servicenow_sys_audit.json"
AGENTS = EXAMPLES / "servicenow_agents.json"
INCIDENTS = EXAMPLES / "servicenow_incidents.json"
JOURNAL = EXAMPLES / "servicenow_journal.json"
LON = ZoneInfo("Europe/London")
H = timedelta(hours=1)
M = timedelta(minutes=1)
CANCELED = ("canceled in ServiceNow (state 8): its task SLAs are canceled, neither met nor "
            "breached")


def lon(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=LON)


@pytest.fixture(scope="module")
def policy() -> Regulation:
    found = load_policy(EXAMPLES / "servicenow-policy.toml")
    assert isinstance(found, Regulation)
    return found


@pytest.fixture(scope="module")
def export(policy: Regulation) -> Export:
    return read_export(AUDIT, "servicenow", policy,
                       companions={"incidents": INCIDENTS, "journal": JOURNAL})


@pytest.fixture(scope="module")
def report(export: Export, policy: Regulation) -> slaclock.Report:
    return slaclock.report(export.events, policy, at=lon(5, 14))


def of(export: Export, ticket: str) -> list[Event]:
    return [e for e in export.events if e.ticket == ticket]


def incident(number: str, **fields: Any) -> dict[str, Any]:
    record = {"sys_id": f"id-{number}", "number": number, "opened_at": "2026-06-01 08:00:00",
              "caller_id": {"link": "https://example.service-now.com/api/now/table/sys_user/u1",
                            "value": "u1"},
              "caller_id.user_name": "ana.lopes", "priority": "3", "state": "2"}
    record.update(fields)
    return record


def audit(number: str, at: str, field: str, old: str, new: str, user: str = "fiona.hart"
          ) -> dict[str, Any]:
    return {"tablename": "incident", "documentkey": f"id-{number}", "fieldname": field,
            "oldvalue": old, "newvalue": new, "sys_created_on": at, "user": user,
            "sys_created_by": user}


def read(audits: list[dict[str, Any]], incidents: list[dict[str, Any]],
         policy: Regulation | None = None, **companions: Any) -> Export:
    return read_export({"result": audits}, "servicenow", policy,
                       companions={"incidents": {"result": incidents}, **companions})


# -- the sample: every record accounted for, every verdict worked out by hand ------------


def test_servicenow_sample_every_record_is_used_ignored_or_refused(export: Export) -> None:
    # 146 audit records + 26 incidents (one opening each) + 34 journal entries = 206 rows.
    # Ignored: incident_state mirrors every state change (12 a day Mon-Thu + 2 on Fri =
    # 50), assigned_to 4, and the audit's 30 comments and 4 work notes, read from the
    # journal instead: 88. Refused: the 4 canceled incidents' opening and state change
    # (2 each). Used: 206 - 88 - 8 = 110.
    assert (export.rows, export.used, len(export.rejected)) == (206, 110, 8)
    assert export.ignored == {
        "field incident_state": 50, "field assigned_to": 4,
        "field comments (read from the journal)": 30,
        "field work_notes (read from the journal)": 4,
    }
    assert export.unknown == []
    assert export.balanced
    assert export.totals()[0] == (
        "servicenow_sys_audit.json: 206 rows read: 110 made events, 88 ignored "
        "(field assigned_to: 4, field comments (read from the journal): 30, "
        "field incident_state: 50, field work_notes (read from the journal): 4), 8 refused")


def test_servicenow_sample_without_the_journal_reads_comments_from_the_audit(
    export: Export, policy: Regulation,
) -> None:
    alone = read_export(AUDIT, "servicenow", policy, companions={"incidents": INCIDENTS})
    # 146 + 26 = 172 rows; ignored 50 + 4 = 54; refused 8; used 172 - 54 - 8 = 110.
    assert (alone.rows, alone.used, len(alone.rejected)) == (172, 110, 8)
    assert alone.ignored == {"field incident_state": 50, "field assigned_to": 4}
    # The same events, from either source (a ticket is the set of its events).
    def key(e: Event) -> tuple[str, datetime, str, str, str]:
        return (e.ticket, e.at, e.kind, str(e.author), str(e.status))

    assert sorted(alone.events, key=key) == sorted(export.events, key=key)


def test_servicenow_sample_verdicts_match_the_table_worked_by_hand(
    report: slaclock.Report,
) -> None:
    # examples/servicenow_expected.csv: one line per incident with its arithmetic.
    assert assert_verdicts(report, EXAMPLES / "servicenow_expected.csv",
                           ("response", "resolution")) == 22  # 26 incidents, 4 of them canceled


def test_servicenow_state_numbers_are_named_by_the_mapping(export: Export) -> None:
    # INC0010001: opened in state 1, then 2, 6 and 7: New, In Progress, Resolved, Closed.
    assert [(e.kind, e.status) for e in of(export, "INC0010001") if e.status] == [
        ("created", "New"), ("status", "In Progress"), ("status", "Resolved"),
        ("status", "Closed")]
    assert of(export, "INC0010001")[0] == Event(
        "INC0010001", lon(1, 9), "created", status="New", author="customer",
        fields={"priority": "3"})


def test_servicenow_on_hold_pauses_the_resolution_until_the_caller_answers(
    export: Export, report: slaclock.Report,
) -> None:
    assert [e.status for e in of(export, "INC0010004") if e.kind == "status"] == [
        "On Hold", "In Progress", "Resolved"]
    # The hold reason (1: Awaiting Caller) is a ticket field a policy can read; the
    # caller's comment clears it and puts the incident back In Progress at once, as
    # ServiceNow's "Life cycle of an Incident" says.
    assert [e.fields for e in of(export, "INC0010004") if e.kind == "field"] == [
        {"hold_reason": "1"}, {"hold_reason": None}]
    # Mon 09:00-10:00 (1h), On Hold until the caller's comment Tue 09:30, then
    # 09:30-12:00 (2h30): 3h30.
    resolution = report.tickets["INC0010004"].metric("resolution")
    assert (resolution.state, resolution.elapsed, resolution.met_at) == (
        "met", 3 * H + 30 * M, lon(2, 12))


def test_servicenow_work_notes_are_internal_and_the_caller_s_comments_no_response(
    export: Export, report: slaclock.Report,
) -> None:
    assert [(e.kind, e.author) for e in of(export, "INC0010005") if e.author] == [
        ("created", "customer"), ("reply", "customer"), ("note", "desk"), ("reply", "desk")]
    # Opened 09:00; the caller's comment 09:20 and the work note 09:40 do not answer, the
    # comment at 12:00 does: 3h of 4h.
    response = report.tickets["INC0010005"].metric("response")
    assert (response.state, response.elapsed, response.met_at) == ("met", 3 * H, lon(1, 12))


def test_servicenow_critical_response_breached_overnight(report: slaclock.Report) -> None:
    # Priority 2 opened Mon 16:30: 1h is 16:30-17:00 and Tue 08:00-08:30; the comment at
    # 08:45 is late.
    response = report.tickets["INC0010003"].metric("response")
    assert (response.state, response.breached_at, response.met_at) == (
        "breached", lon(2, 8, 30), lon(2, 8, 45))
    assert report.tickets["INC0010003"].level == "critical"


def test_a_canceled_servicenow_incident_is_left_out_with_its_reason(export: Export) -> None:
    canceled = ["INC0010006", "INC0010012", "INC0010018", "INC0010024"]
    assert export.left_out == dict.fromkeys(canceled, CANCELED)
    assert not any(e.ticket in canceled for e in export.events)
    assert {(b.ticket, b.reason) for b in export.rejected} == {
        (t, f"ticket left out: {CANCELED}") for t in canceled}


def test_servicenow_roles_by_caller_are_an_assumption_counted_per_ticket(
    export: Export, policy: Regulation,
) -> None:
    # 26 incidents, 4 left out: 22 read on the assumption.
    assert [(a.key, a.tickets) for a in export.assumptions] == [
        ("servicenow-caller-is-customer", 22)]
    # The users with the itil role (examples/servicenow_agents.json) remove it, and give
    # the same events; so does a mapping listing the agents, everyone else a customer.
    for mapping, agents in (
        (load_mapping("servicenow"), {"agents": AGENTS}),
        (attrs.evolve(load_mapping("servicenow"), agents={"fiona.hart", "george.ince"},
                      default_role="customer"), {}),
    ):
        exact = read_export(AUDIT, mapping, policy, companions={
            "incidents": INCIDENTS, "journal": JOURNAL, **agents})
        assert exact.assumptions == []
        assert exact.events == export.events


def test_servicenow_with_the_agents_a_caller_s_colleague_is_a_customer() -> None:
    # bob.s is no agent and not the caller: by the assumption the desk, by the agents file
    # a self-service user; fiona.hart (itil) is the desk either way.
    audits = [audit("INC1", "2026-06-01 09:00:00", "comments", "", "Same for me", "bob.s"),
              audit("INC1", "2026-06-01 09:30:00", "comments", "", "Looking", "fiona.hart")]
    guessed = read(audits, [incident("INC1")])
    assert [e.author for e in guessed.events if e.kind == "reply"] == ["desk", "desk"]
    known = read(audits, [incident("INC1")], agents={"result": [
        {"user.user_name": "fiona.hart", "role.name": "itil"}]})
    assert [e.author for e in known.events if e.kind == "reply"] == ["customer", "desk"]
    assert known.assumptions == []


# -- rules, on small exports ---------------------------------------------------------------


def test_servicenow_a_mapping_that_renames_state_8_reads_the_canceled_incident() -> None:
    audits = [audit("INC1", "2026-06-01 09:00:00", "state", "1", "8")]
    assert list(read(audits, [incident("INC1", state="8")]).left_out) == ["INC1"]
    closing = attrs.evolve(load_mapping("servicenow"),
                           statuses={**load_mapping("servicenow").statuses, "8": "Closed"})
    found = read_export({"result": audits}, closing,
                        companions={"incidents": {"result": [incident("INC1", state="8")]}})
    assert (found.left_out, [e.status for e in found.events]) == ({}, ["New", "Closed"])


def test_servicenow_opening_takes_the_state_and_priority_before_their_first_change() -> None:
    found = read([audit("INC1", "2026-06-01 09:00:00", "priority", "4", "2"),
                  audit("INC1", "2026-06-01 09:30:00", "state", "1", "2")],
                 [incident("INC1", state="2", priority="2")])
    # The incident is now In Progress at priority 2; it opened New at priority 4.
    assert found.events[0] == Event("INC1", lon(1, 9), "created", status="New",
                                    author="customer", fields={"priority": "4"})
    assert [e.fields or e.status for e in found.events[1:]] == [{"priority": "2"},
                                                                "In Progress"]


def test_servicenow_an_audited_insert_opens_the_incident_in_the_state_it_set() -> None:
    # With inserts audited, the incident's creation writes each field from nothing.
    found = read([audit("INC1", "2026-06-01 08:00:00", "state", "", "1"),
                  audit("INC1", "2026-06-01 08:00:00", "priority", "", "4"),
                  audit("INC1", "2026-06-01 09:30:00", "state", "1", "2")],
                 [incident("INC1", state="2", priority="4")])
    assert found.events[0] == Event("INC1", lon(1, 9), "created", status="New",
                                    author="customer", fields={"priority": "4"})
    assert found.rejected == []


def test_servicenow_a_reopened_incident_resumes_its_resolution(policy: Regulation) -> None:
    # Opened Mon 08:00 London (07:00 UTC), Resolved 10:00 (2h), back In Progress at 13:00,
    # Resolved again at 15:00 (2h): 4h of 24h.
    found = read([audit("INC1", "2026-06-01 09:00:00", "state", "1", "6"),
                  audit("INC1", "2026-06-01 12:00:00", "state", "6", "2"),
                  audit("INC1", "2026-06-01 14:00:00", "state", "2", "6")],
                 [incident("INC1", opened_at="2026-06-01 07:00:00", state="6")], policy)
    resolution = slaclock.report(found.events, policy, at=lon(2, 9)).tickets["INC1"].metric(
        "resolution")
    assert (resolution.state, resolution.elapsed, resolution.met_at) == (
        "met", 4 * H, lon(1, 15))


def test_servicenow_unknown_state_is_refused_with_its_record(policy: Regulation) -> None:
    found = read([audit("INC1", "2026-06-01 09:00:00", "state", "1", "2"),
                  audit("INC1", "2026-06-01 09:30:00", "state", "2", "9")],
                 [incident("INC1", state="9")], policy)
    assert found.unknown == [Unknown("status", "9", 1, 2)]
    assert found.problems() == [
        "<export>: record 2: unknown status '9' (1 row; map it in the policy's [statuses] "
        "or the mapping's [log.statuses])"]


def test_servicenow_display_values_of_all_read_their_raw_value() -> None:
    # sysparm_display_value=all: every field {"display_value", "value"}.
    def both(display: str, value: str) -> dict[str, str]:
        return {"display_value": display, "value": value}

    record = {"sys_id": both("id-INC1", "id-INC1"), "number": both("INC1", "INC1"),
              "opened_at": both("01/06/2026 09:00:00", "2026-06-01 08:00:00"),
              "caller_id.user_name": both("ana.lopes", "ana.lopes"),
              "priority": both("3 - Moderate", "3"), "state": both("In Progress", "2")}
    found = read([audit("INC1", "2026-06-01 09:30:00", "state", "1", "2")], [record])
    assert [(e.kind, e.status) for e in found.events] == [("created", "New"),
                                                           ("status", "In Progress")]
    assert found.events[0].at == lon(1, 9)


def test_servicenow_display_values_are_refused_naming_the_raw_export() -> None:
    # sysparm_display_value=true: states by label, times in the exporting user's zone.
    with pytest.raises(ExportError, match=(
        r"^<incidents>: record 1: the incidents hold display values \(state 'In Progress'\)"
        r".*export raw values \(sysparm_display_value=false")):
        read([], [incident("INC1", state="In Progress")])


def test_servicenow_without_the_incidents_is_refused_naming_the_companion() -> None:
    with pytest.raises(ExportError, match=r"give the incidents too \(--with incidents=FILE"):
        read_export({"result": []}, "servicenow")


def test_servicenow_audit_of_an_incident_not_in_the_incidents_is_refused() -> None:
    found = read([audit("INC9", "2026-06-01 09:30:00", "state", "1", "2")],
                 [incident("INC1")])
    assert found.problems() == [
        "<export>: record 1: incident id-INC9 is not in the incidents file: its opening is "
        "unknown (export the incidents the audit covers)"]
    assert (found.rows, found.used) == (2, 1)  # INC1's opening


def test_servicenow_without_the_caller_s_user_name_a_commented_incident_is_left_out() -> None:
    found = read([audit("INC1", "2026-06-01 09:30:00", "comments", "", "Hello", "bob")],
                 [incident("INC1", **{"caller_id.user_name": None})])
    assert list(found.left_out) == ["INC1"]
    assert "caller_id.user_name" in found.left_out["INC1"]
    assert found.events == []
    assert found.balanced


def test_servicenow_an_incident_given_twice_is_read_once() -> None:
    # Table API pages read with sysparm_offset while incidents change can overlap: the
    # same record twice is counted as ignored, another version of it refused.
    found = read([], [incident("INC1"), incident("INC1"), incident("INC1", state="6")])
    assert [e.status for e in found.events] == ["In Progress"]
    assert found.ignored == {"incident given twice": 1}
    assert [f"{found.where(b)}: {b.reason}" for b in found.rejected] == [
        "<incidents>: record 3: the incident id-INC1 again, other than in <incidents>, "
        "record 1: the first is read"]


def test_servicenow_records_of_other_tables_are_ignored_by_their_table() -> None:
    other = dict(audit("INC1", "2026-06-01 09:30:00", "state", "1", "2"), tablename="problem")
    found = read([other], [incident("INC1")])
    assert found.ignored == {"table problem": 1}


def test_servicenow_a_companion_kind_it_does_not_read_is_refused_with_those_it_does() -> None:
    with pytest.raises(ExportError, match=r"reads no companion file of kind 'users' "
                       r"\(it reads agents, incidents, journal\)"):
        read([], [incident("INC1")], users={"result": []})


def test_servicenow_journal_entry_of_no_known_incident_names_its_file() -> None:
    entry = {"element": "comments", "element_id": "nope", "value": "Hi",
             "sys_created_on": "2026-06-01 09:00:00", "sys_created_by": "ana.lopes"}
    found = read([], [incident("INC1")], journal={"result": [entry]})
    assert [f"{found.where(b)}: {b.reason}" for b in found.rejected] == [
        "<journal>: record 1: no incident of the incidents file has its element_id ('nope')"]


def test_servicenow_assumption_is_printed_with_the_totals(export: Export) -> None:
    assert export.assumptions == [Assumption(
        "servicenow-caller-is-customer",
        "author roles guessed: the incident's caller is the customer, every other user the "
        "desk (give the users with the itil role with --with agents=FILE to be exact)",
        22)]
    assert export.totals()[-1].startswith(
        "servicenow_sys_audit.json: 22 tickets read on an assumption: author roles guessed")


# -- any records: each accounted for, or the file refused with its reason -----------------

_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 9),
    st.sampled_from(["", "1", "2", "3", "6", "8", "9", "In Progress", "id-INC1", "id-INC2",
                     "comments", "work_notes", "state", "priority", "hold_reason", "incident",
                     "problem", "ana.lopes", "fiona.hart", "2026-06-01 09:00:00",
                     "2026-06-31 09:00:00", "01/06/2026 09:00"]),
    st.dictionaries(st.sampled_from(["value", "display_value", "link"]),
                    st.sampled_from(["2", "In Progress", "", "id-INC1"]), max_size=2),
)


def _records(keys: tuple[str, ...]) -> st.SearchStrategy[list[Any]]:
    record = st.fixed_dictionaries({}, optional=dict.fromkeys(keys, _VALUE))
    return st.lists(st.one_of(record, _VALUE), max_size=6)


@given(
    _records(("tablename", "documentkey", "fieldname", "oldvalue", "newvalue",
              "sys_created_on", "user", "sys_created_by")),
    st.lists(st.fixed_dictionaries(
        {"sys_id": st.sampled_from(["id-INC1", "id-INC2"])},
        optional={**dict.fromkeys(("number", "opened_at", "caller_id.user_name", "priority"),
                                  _VALUE),
                  # raw states (display values refuse the whole file: tested above)
                  "state": st.sampled_from(["1", "2", "6", "8", "9", "", " "])}), max_size=3),
    _records(("element", "element_id", "sys_created_on", "sys_created_by")),
)
def test_servicenow_any_records_are_each_used_ignored_or_refused(
    audits: list[Any], incidents: list[Any], journal: list[Any],
) -> None:
    found = read(audits, incidents, journal={"result": journal})
    # One row each: every audit record, every incident (its opening), every journal entry.
    assert found.rows == len(audits) + len(incidents) + len(journal)
    assert found.balanced


# -- the command -----------------------------------------------------------------------------


def test_the_command_reads_servicenow_with_its_companions_and_says_what_it_assumed() -> None:
    result = run("report", AUDIT, "--map", "servicenow", "--policy",
                 EXAMPLES / "servicenow-policy.toml", "--with", f"incidents={INCIDENTS}",
                 "--with", f"journal={JOURNAL}", "--limit", "0")
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    assert said[0].startswith("slaclock: servicenow_sys_audit.json: 206 rows read: 110 made "
                              "events, 88 ignored")
    assert said[1] == ("slaclock: servicenow_sys_audit.json: tickets INC0010006, INC0010012, "
                       f"INC0010018, INC0010024 left out: {CANCELED}")
    assert said[2].startswith("slaclock: servicenow_sys_audit.json: 22 tickets read on an "
                              "assumption: author roles guessed")


def test_the_command_without_the_incidents_says_so_in_one_line() -> None:
    result = run("report", AUDIT, "--map", "servicenow", "--policy",
                 EXAMPLES / "servicenow-policy.toml")
    assert result.exit_code == 2
    assert "give the incidents too (--with incidents=FILE" in one_line_error(result)
