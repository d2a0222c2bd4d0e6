"""``slaclock report --map``: a helpdesk's export read as it is, on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_runner import run

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
ZENDESK_POLICY = ROOT / "docs" / "reference" / "policies" / "zendesk-like.toml"



def test_a_zendesk_export_reports_with_the_named_mapping() -> None:
    result = run("report", EXAMPLES / "zendesk_ticket_events.json", "--map", "zendesk",
                 "--policy", ZENDESK_POLICY, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    tickets = {t["ticket"]: t for t in data["tickets"]}
    # Ticket 101's first reply: 2 h 30 of office time (the importer's hand-checked case).
    first = next(m for m in tickets["101"]["metrics"] if m["metric"] == "first_reply")
    assert (first["state"], first["elapsed"]) == ("met", 9000)
    assert tickets["102"]["breached"] is True



def test_the_report_table_shows_the_policys_own_metrics_and_levels_in_its_order() -> None:
    # Finding 5 of issue 20: the table named the default regulation's clocks (reaction,
    # next reaction, resolution) and levels, whatever the policy: the Jira-like policy's
    # first_response was left out and its reaction shown as "-".
    result = run("report", EXAMPLES / "jira_issues.json", "--map", "jira",
                 "--policy", EXAMPLES / "jsm-policy.toml")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Level ") and
                 "Clock" in line)
    clocks = [line.split() for line in lines[start + 2:start + 6]]
    assert clocks == [
        ["high", "first", "response", "0.0%", "(0", "of", "1)"],
        ["resolution", "-"],
        ["standard", "first", "response", "100.0%", "(1", "of", "1)"],
        ["resolution", "100.0%", "(1", "of", "1)"],
    ]
    assert "reaction" not in result.stdout
    # The Zendesk-like policy lists urgent before normal: so do its tables.
    result = run("report", EXAMPLES / "zendesk_ticket_events.json", "--map", "zendesk",
                 "--policy", ZENDESK_POLICY)
    assert result.exit_code == 0, result.output
    month = next(line for line in result.stdout.splitlines() if line.startswith("Month "))
    assert month.split() == ["Month", "urgent", "normal", "all"]
    assert "next reply 1 " in result.stdout


def test_a_status_history_spreadsheet_in_windows_1251_reports_with_its_mapping_file() -> None:
    result = run("report", EXAMPLES / "status_history_ru.csv", "--map",
                 EXAMPLES / "status_history_ru.toml", "--policy", EXAMPLES / "desk-ru.toml",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["rows"]["total"] > 0
    assert {t["ticket"] for t in data["tickets"]} >= {"ЗВ-102", "ЗВ-103"}


def test_an_unknown_status_is_said_once_a_row_with_its_count_and_stops_a_strict_run(
    tmp_path: Path,
) -> None:
    log = tmp_path / "history.csv"
    log.write_text(
        "ticket,time,field,old_value,new_value,author_role\n"
        "1,2026-06-01T09:00Z,status,,open,customer\n"
        "1,2026-06-01T10:00Z,status,open,Escalated,desk\n"
        "1,2026-06-01T11:00Z,status,open,Escalated,desk\n",
        encoding="utf-8",
    )
    policy = tmp_path / "p.toml"
    policy.write_text('version = "1"\neffective = 2026-01-01\ndefault_level = "x"\n'
                      '[calendars.a]\npreset = "always"\n'
                      '[levels.x]\nreaction = { hours = 4, clock = "a" }\n', encoding="utf-8")
    result = run("report", log, "--map", "status-history", "--policy", policy)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    # Each row left out said once, like any bad row (none dropped), with the value's count
    # and how to map it.
    assert [line for line in lines if "Escalated" in line] == [
        f"slaclock: history.csv:{n}: unknown status 'Escalated' (2 rows; map it in the "
        "policy's [statuses] or the mapping's [log.statuses])" for n in (3, 4)]
    strict = run("report", log, "--map", "status-history", "--policy", policy, "--strict")
    assert strict.exit_code == 2
    assert strict.stderr.count("\n") == 1
    assert "history.csv:3" in strict.stderr


def test_an_unknown_mapping_is_a_usage_error_before_any_work() -> None:
    result = run("report", EXAMPLES / "tickets.csv", "--map", "kayako")
    assert result.exit_code == 2
    assert "'--map': 'kayako' is neither a built-in mapping" in result.stderr


def test_a_year_of_the_production_calendar_as_ics(tmp_path: Path) -> None:
    result = run("calendar", "2027", "--format", "ics")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("BEGIN:VEVENT") == 24  # the 2027 decree's dated days
    out = tmp_path / "2027.ics"
    assert run("calendar", "2027", "-f", "ics", "-o", out).exit_code == 0
    def unstamped(text: str) -> list[str]:  # DTSTAMP is when each was written
        return [line for line in text.splitlines() if not line.startswith("DTSTAMP:")]

    assert unstamped(out.read_text(encoding="utf-8")) == unstamped(result.stdout)
    provisional = run("calendar", "2031", "-f", "ics")
    assert provisional.exit_code == 0
    (note,) = provisional.stderr.splitlines()
    assert note.startswith("slaclock: note: 2031 is a provisional year")


def test_the_plot_draws_the_compliance_goals_the_policy_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slaclock.cli import _render

    drawn: dict[str, object] = {}
    monkeypatch.setattr(_render, "plot", lambda summary, path, goals=None, order=(): drawn.update(
        path=path, targets=goals, order=order))
    policy = tmp_path / "goals.toml"
    policy.write_text(
        'version = "1"\neffective = 2013-01-01\n[calendars.a]\npreset = "always"\n'
        'tz = "Europe/Moscow"\n'
        '[levels."partner.standard"]\ncompliance = 0.95\nreaction = { hours = 48, clock = "a" }\n'
        '[levels."partner.emergency"]\nreaction = { hours = 16, clock = "a" }\n'
        '[levels."commercial.standard"]\ncompliance = 0.9\n'
        'reaction = { hours = 24, clock = "a" }\n'
        '[levels."commercial.operational"]\nreaction = { hours = 12, clock = "a" }\n'
        '[levels."commercial.emergency"]\nreaction = { hours = 8, clock = "a" }\n',
        encoding="utf-8")
    out = tmp_path / "c.svg"
    result = run("report", EXAMPLES / "tickets.csv", "--policy", policy, "--plot", out,
                 "--coverage", "24x7", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert drawn["targets"] == {"partner.standard": 0.95, "commercial.standard": 0.9}
    assert drawn["order"] == ("partner.standard", "partner.emergency", "commercial.standard",
                              "commercial.operational", "commercial.emergency")


def test_a_compliance_goal_is_a_share(tmp_path: Path) -> None:
    from slaclock import PolicyError, load_policy

    policy = tmp_path / "bad.toml"
    policy.write_text('version = "1"\neffective = 2013-01-01\n[calendars.a]\npreset = "always"\n'
                      '[levels.x]\ncompliance = 95\nreaction = { hours = 1, clock = "a" }\n',
                      encoding="utf-8")
    with pytest.raises(PolicyError, match=r"levels\.x\.compliance: expected a share"):
        load_policy(policy)


def test_the_map_option_names_every_built_in_mapping() -> None:
    from slaclock.cli._report_cmd import report
    from slaclock.helpdesks._mapping import BUILTIN_MAPPINGS

    [option] = [p for p in report.params if p.name == "mapping"]
    assert option.help is not None
    assert [name for name in BUILTIN_MAPPINGS if name not in option.help] == []
