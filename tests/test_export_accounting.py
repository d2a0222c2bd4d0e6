"""Every row of an export accounted for: the piles a reader sorts rows into, tickets left
out whole with their reason, what a reader assumed, and the files read beside an export
(``companions``, the command's ``--with``)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from cli_runner import one_line_error, run
from slaclock import Event
from slaclock.helpdesks import ExportError, load_mapping, read_export
from slaclock.helpdesks._export import _Builder
from slaclock.helpdesks._read import READERS, Reader
from slaclock.logs import BadRow

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _toy(data: Any, build: _Builder) -> None:
    """A reader of ``[{"ticket", "minute", "status"}]``, leaving out the tickets whose
    record says ``"gone"`` and assuming the role of every author."""
    for number, record in enumerate(data, 1):
        ticket = record["ticket"]
        if record.get("gone"):
            build.ignore("record gone")
            build.leave_out(ticket, "the helpdesk deleted it", number)
            continue
        build.assume("toy-roles", "every author is the customer (no users given)", ticket)
        at = T0.replace(minute=record["minute"])
        build.use(number, lambda t=ticket, a=at: Event(t, a, "created", status="new",
                                                       author="customer"), ticket)
    for name, users in build.companion_json("users"):
        assert name
        assert isinstance(users, list)


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(READERS, "jira", Reader(_toy, json=True, companions={"users": "x"}))


def test_a_ticket_left_out_has_every_row_refused_with_its_reason_before_and_after(
        toy: None) -> None:
    data = [{"ticket": "A", "minute": 0}, {"ticket": "B", "minute": 1},
            {"ticket": "A", "minute": 2, "gone": True}, {"ticket": "A", "minute": 3}]
    export = read_export(data, "jira")
    # A's two rows that made events (records 1 and 4) are refused at the end; record 3
    # was ignored by the reader; B keeps its one event.
    assert [e.ticket for e in export.events] == ["B"]
    assert export.lines == [2]
    assert export.left_out == {"A": "the helpdesk deleted it"}
    assert export.rejected == [BadRow(1, "ticket left out: the helpdesk deleted it", "A"),
                               BadRow(4, "ticket left out: the helpdesk deleted it", "A")]
    assert (export.rows, export.used, export.ignored) == (4, 1, {"record gone": 1})
    assert export.balanced


def test_an_assumption_counts_the_tickets_resting_on_it_and_not_those_left_out(
        toy: None) -> None:
    data = [{"ticket": "A", "minute": 0}, {"ticket": "B", "minute": 1},
            {"ticket": "B", "minute": 2}, {"ticket": "C", "minute": 3, "gone": True},
            {"ticket": "C", "minute": 4}]
    export = read_export(data, "jira")
    [assumed] = export.assumptions
    assert (assumed.key, assumed.tickets) == ("toy-roles", 2)  # A and B; C is out
    assert export.totals() == [
        "<export>: 5 rows read: 3 made events, 1 ignored (record gone: 1), 1 refused",
        "<export>: ticket C left out: the helpdesk deleted it",
        "<export>: 2 tickets read on an assumption: every author is the customer (no "
        "users given)",
    ]


def test_strict_stops_at_a_ticket_left_out(toy: None) -> None:
    with pytest.raises(ExportError, match="record 1: ticket 'A' left out: the helpdesk"):
        read_export([{"ticket": "A", "minute": 0, "gone": True}], "jira", strict=True)


def test_companions_are_read_as_files_or_data_and_an_unknown_kind_is_refused(
        toy: None, tmp_path: Any) -> None:
    users = tmp_path / "users.json"
    users.write_text(json.dumps([{"id": 1, "role": "agent"}]))
    data = [{"ticket": "A", "minute": 0}]
    assert read_export(data, "jira", companions={"users": users}).used == 1
    assert read_export(data, "jira", companions={"users": [users, [{"id": 2}]]}).used == 1
    with pytest.raises(ExportError, match=r"--with orgs: the jira format reads no companion "
                                          r"file of kind 'orgs' \(it reads users\)"):
        read_export(data, "jira", companions={"orgs": users})


def test_a_format_that_reads_no_companions_says_so() -> None:
    with pytest.raises(ExportError, match=r"the csv format reads no companion .*it reads none"):
        read_export(io.StringIO("ticket,time\n"), "status-history", companions={"users": []})


def test_every_format_has_its_reader() -> None:
    from slaclock.helpdesks._mapping import FORMATS

    assert set(READERS) == set(FORMATS)


def test_the_command_prints_the_export_totals_once() -> None:
    result = run("report", "examples/zendesk_ticket_events.json", "--map", "zendesk",
                 "--policy", "docs/reference/policies/zendesk-like.toml", "--limit", "0")
    assert result.exit_code == 0, result.output
    totals = [line for line in result.stderr.splitlines() if "rows read" in line]
    assert totals == [
        "slaclock: zendesk_ticket_events.json: 37 rows read: 28 made events, 9 ignored "
        "(event Notification: 1, field assignee_id: 1, field requester_id: 3, field "
        "subject: 3, field tags: 1), 0 refused"
    ]


def test_with_needs_a_map_and_a_kind_and_a_file(tmp_path: Any) -> None:
    no_map = run("report", "examples/tickets.csv", "--with", "users=examples/tickets.csv")
    assert no_map.exit_code == 2
    assert "give --map too" in one_line_error(no_map)
    bad = run("report", "examples/zendesk_ticket_events.json", "--map", "zendesk",
              "--with", "users.json")
    assert bad.exit_code == 2
    assert "'users.json' is not KIND=FILE" in one_line_error(bad)
    missing = run("report", "examples/zendesk_ticket_events.json", "--map", "zendesk",
                  "--with", f"users={tmp_path / 'none.json'}")
    assert missing.exit_code == 2
    assert "is not a file" in one_line_error(missing)


def test_the_command_names_a_ticket_left_out_once_and_never_as_bad_rows() -> None:
    # SD-111's changelog is cut short (2 of 5 histories) and nothing completes it: its 5
    # rows are the ticket left out, said once, not 5 bad rows skipped.
    result = run("report", "examples/jira_desk_issues.json", "--map", "jira",
                 "--policy", "examples/jsm-policy.toml", "--limit", "0")
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if "SD-111" in line]
    assert said == ["slaclock: jira_desk_issues.json: ticket SD-111 left out: changelog "
                    "truncated: 2 of 5 histories; give its changelog pages with --with "
                    "changelog=FILE"]
    assert "bad row" not in result.stderr


def test_the_totals_name_the_eight_most_frequent_ignored_kinds_and_cut_long_values() -> None:
    # Ten fields, each ignored as often as its number: the eight most frequent (3 to 10)
    # are named, "and 2 more kinds" says the rest; a 100-character field is cut to 60.
    long = "f" * 100
    lines = ["ticket,time,field,old_value,new_value,author_role"]
    for n in range(1, 11):
        name = long if n == 10 else f"x{n}"
        lines += [f"1,2026-06-01T09:00Z,{name},,v,customer"] * n
    from slaclock.helpdesks import ExportMapping

    mapping = attrs.evolve(load_mapping("status-history"), other_fields="ignore")
    assert isinstance(mapping, ExportMapping)
    [totals] = read_export(io.StringIO("\n".join(lines) + "\n"), mapping).totals()
    named = ", ".join(f"field x{n}: {n}" for n in range(3, 10))
    assert totals == (f"<export>: 55 rows read: 0 made events, 55 ignored (field {'f' * 51}"
                      f"...: 10, {named} and 2 more kinds), 0 refused")


def _placing(data: Any, build: _Builder) -> None:
    """A reader of one file beside the export: its rows are placed in that file."""
    for name, rows in build.companion_json("users"):
        with build.within(name):
            for number, row in enumerate(rows, 1):
                build.status(row.get("status"), number, "A")
    build.reject(1, "the export's own row")


def test_a_row_rejected_in_a_file_beside_the_export_is_placed_in_that_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setitem(READERS, "jira", Reader(_placing, json=True, companions={"users": "x"}))
    users = tmp_path / "users.json"
    users.write_text(json.dumps([{"status": "open"}, {}, {"status": "Escalated"}]))
    from slaclock import Regulation

    export = read_export([], "jira", Regulation.default(), companions={"users": users})
    # users.json's record 2 has no status and record 3 an unknown one; the export's own
    # row stays at its record.
    assert [export.where(b) for b in export.rejected] == [
        "users.json: record 2", "users.json: record 3", "<export>: record 1"]
    assert export.problems()[0] == (
        "users.json: record 3: unknown status 'Escalated' (1 row; map it in the policy's "
        "[statuses] or the mapping's [log.statuses])")


def test_the_written_report_keeps_the_export_s_totals_and_the_tickets_left_out(
        tmp_path: Any) -> None:
    # Jira's sample without its pages: 88 rows, 68 made events, 2 ignored, 18 refused, the
    # refused being the rows of the five issues left out. The JSON report keeps all of it:
    # its rows (88, 18 skipped, each with its reason), and the export's totals.
    out = tmp_path / "report.json"
    result = run("report", "examples/jira_desk_issues.json", "--map", "jira",
                 "--policy", "examples/jsm-policy.toml", "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text("utf-8"))
    assert written["rows"] == {"total": 88, "skipped": 18, "after_at": 0}
    export = written["export"]
    assert (export["rows"], export["used"], export["refused"]) == (88, 68, 18)
    assert sum(export["ignored"].values()) == 2
    assert sorted(export["left_out"]) == ["SD-111", "SD-112", "SD-113", "SD-114", "SD-115"]
    assert {s["ticket"] for s in written["skipped"]} == set(export["left_out"])
    assert all(s["reason"].startswith("ticket left out: ") for s in written["skipped"])
    assert [a["key"] for a in export["assumptions"]] == ["roles-by-reporter"]
    assert "skipped the 18 rows of 5 tickets left out whole" in result.stderr


def test_a_log_s_json_report_has_no_export_block() -> None:
    result = run("report", "examples/tickets.csv", "--format", "json", "--limit", "0")
    assert result.exit_code == 0
    assert "export" not in json.loads(result.stdout)


def test_a_mapping_with_day_and_month_swapped_refuses_the_whole_export(
        tmp_path: Any) -> None:
    # The Russian sample's mapping with MM.DD.YYYY: 01.06.2026 would read as 6 January and
    # every date with a day up to 12 be misread; 15.06.2026 shows the swap, so the export
    # is refused whole (exit 2, one line naming the right pattern), not a plausible report.
    from pathlib import Path

    text = Path("examples/status_history_ru.toml").read_text("utf-8")
    mapping = tmp_path / "mdy.toml"
    mapping.write_text(text.replace('time_format = "DD.MM.YYYY HH:mm"',
                                    'time_format = "MM.DD.YYYY HH:mm"'), "utf-8")
    with pytest.raises(ExportError, match=r"reads only as 'DD\.MM\.YYYY HH:mm': the "
                                          r"mapping's time_format 'MM\.DD\.YYYY HH:mm' has "
                                          r"the day and the month the other way round"):
        read_export("examples/status_history_ru.csv", mapping)
    result = run("report", "examples/status_history_ru.csv", "--map", mapping,
                 "--policy", "examples/desk-ru.toml")
    assert result.exit_code == 2
    assert 'set time_format = "DD.MM.YYYY HH:mm"' in one_line_error(result)


def _documented_commands() -> list[tuple[str, list[str]]]:
    """Each ``slaclock report`` command line of the how-tos of helpdesk exports, as its
    arguments (continuation lines joined)."""
    import shlex
    from pathlib import Path

    found = []
    for page in sorted(Path("docs/howto").glob("*.rst")):
        lines = page.read_text("utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.startswith("    slaclock report "):
                text = line.strip()
                while text.endswith("\\"):
                    i += 1
                    text = text[:-1] + " " + lines[i].strip()
                found.append((page.name, shlex.split(text)[1:]))
    return found


@pytest.mark.parametrize(("page", "args"), _documented_commands())
def test_every_documented_export_command_runs_from_the_project_s_folder(
        page: str, args: list[str]) -> None:
    assert "--map" in args, page
    result = run(*args, "--limit", "0")
    assert result.exit_code == 0, (page, result.stderr)
    assert "rows read:" in result.stderr


def test_an_export_read_without_a_policy_says_the_embedded_one_counts_it() -> None:
    # Zammad's sample under the embedded regulation: its tickets have none of its levels,
    # so nothing can be reported; the error says which policy counted them, and places
    # the refused rows by their record in the JSON export.
    result = run("report", "examples/zammad_tickets.json", "--map", "zammad")
    assert result.exit_code == 2
    error = result.stderr.splitlines()[-1]
    assert "the first in zammad_tickets.json: record 1: ticket '101' cannot be counted" in error
    assert error.endswith("; no --policy was given, so the embedded support regulation "
                          "counted the export: give your desk's policy with --policy")
    with_policy = run("report", "examples/zammad_tickets.json", "--map", "zammad",
                      "--policy", "examples/zammad-policy.toml", "--limit", "0")
    assert with_policy.exit_code == 0
    assert "no --policy" not in with_policy.stderr
