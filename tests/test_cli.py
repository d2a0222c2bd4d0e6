"""The ``slaclock`` command, driven for real: in process through click's runner, and as a
subprocess for the README's main-job command."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner import one_line_error, run

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "tickets.csv"
HEADER = "ticket,time,event,level,detail,coverage\n"




@pytest.fixture(scope="module")
def sample_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("report") / "report.json"
    result = run("report", str(SAMPLE), "--format", "json", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, text: str, name: str = "log.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- the group ---------------------------------------------------------------------------


def test_version() -> None:
    from slaclock import __version__

    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"slaclock {__version__}"


@pytest.mark.parametrize("command", [[], ["deadline"], ["elapsed"], ["calendar"], ["report"]])
def test_help_with_examples_on_every_command(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "slaclock " in result.stdout.split("Examples:")[1]


def test_unknown_command_is_a_usage_error() -> None:
    result = run("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in one_line_error(result)


# -- deadline ----------------------------------------------------------------------------


def test_deadline_text() -> None:
    result = run("deadline", "--level", "commercial.standard", "--opened",
                 "2026-04-30T17:30+03:00")
    assert result.exit_code == 0
    assert "reaction deadline   2026-05-06T15:00:00+03:00" in result.stdout


def test_deadline_json_keys_and_a_level_without_resolution() -> None:
    result = run("deadline", "-l", "partner.standard", "--opened", "2026-04-30T17:30+03:00",
                 "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["level", "opened", "reaction_deadline", "resolution_deadline",
                          "provisional"]
    assert data["provisional"] is False
    assert data["opened"] == "2026-04-30T17:30:00+03:00"
    assert data["resolution_deadline"] is None


def test_deadline_around_the_clock_coverage() -> None:
    result = run("deadline", "-l", "commercial.emergency", "--opened", "2026-04-30T17:30+03:00",
                 "--coverage", "24x7", "-f", "json")
    assert json.loads(result.stdout)["reaction_deadline"] == "2026-05-01T01:30:00+03:00"


def test_deadline_needs_the_coverage_where_the_contract_decides() -> None:
    result = run("deadline", "-l", "commercial.emergency", "--opened", "2026-04-30T17:30+03:00")
    assert result.exit_code == 2
    assert "--coverage" in one_line_error(result)


def test_deadline_refuses_a_time_without_offset_rather_than_read_it_as_utc() -> None:
    result = run("deadline", "-l", "partner.standard", "--opened", "2026-04-30 17:30")
    assert result.exit_code == 2
    assert "no UTC offset" in one_line_error(result)
    result = run("deadline", "-l", "partner.standard", "--opened", "2026-04-30 17:30",
                 "--tz", "Europe/Moscow", "-f", "json")
    assert json.loads(result.stdout)["opened"] == "2026-04-30T17:30:00+03:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-l", "vip", "--opened", "2026-04-30T17:30+03:00"], "unknown service level 'vip'"),
        (["-l", "partner.standard"], "Missing option '--opened'"),
        (["-l", "partner.standard", "--opened", "2026-04-30 17:30", "--tz", "Mars/Base"],
         "unknown time zone"),
    ],
)
def test_deadline_errors_are_one_line(args: list[str], message: str) -> None:
    result = run("deadline", *args)
    assert result.exit_code == 2
    assert message in one_line_error(result)


def test_deadline_with_a_policy_file(tmp_path: Path) -> None:
    policy = write(tmp_path, """
format = 1
version = "2"
effective = 2026-01-01
[calendars.desk]
tz = "Europe/London"
hours = "09:00-17:00"
[levels.gold]
reaction = { hours = 2, clock = "desk" }
""", "desk.toml")
    result = run("deadline", "-l", "gold", "--opened", "2026-05-01T16:00+01:00", "--policy", policy,
                 "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["reaction_deadline"] == "2026-05-04T10:00:00+01:00"
    broken = write(tmp_path, "format = 1\nversion = \n", "broken.toml")
    result = run("deadline", "-l", "gold", "--opened", "now", "--policy", broken)
    assert result.exit_code == 2
    assert "broken.toml" in one_line_error(result)



def test_deadline_of_a_policy_with_its_own_metric_names() -> None:
    # Finding 4 of issue 20: the command read only the default policy's metric names
    # ("slaclock: error: 'reaction_deadline'", exit 2).
    args = ("deadline", "--policy", "examples/jsm-policy.toml", "--level", "high",
            "--opened", "2026-06-01T10:00+01:00")
    result = run(*args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "level": "high",
        "opened": "2026-06-01T10:00:00+01:00",
        "first_response_deadline": "2026-06-01T12:00:00+01:00",
        "resolution_deadline": "2026-06-02T10:00:00+01:00",
        "provisional": False,
    }
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "level                   high",
        "opened                  2026-06-01T10:00:00+01:00",
        "first response deadline 2026-06-01T12:00:00+01:00",
        "resolution deadline     2026-06-02T10:00:00+01:00",
    ]


def test_deadline_takes_the_version_in_force_on_the_openings_day_in_the_desks_zone(
    tmp_path: Path,
) -> None:
    # Finding 1 of issue 20, the command's part: the version was chosen by the opening's
    # date in whatever offset --opened was written with.
    policy = write(tmp_path, """
format = 1
[calendars.desk]
preset = "always"
tz = "Europe/Moscow"
[[versions]]
version = "2026"
effective = 2026-01-01
[versions.levels.standard]
reaction = { hours = 24, clock = "desk" }
[[versions]]
version = "2027"
effective = 2027-01-01
[versions.levels.standard]
reaction = { hours = 4, clock = "desk" }
""", "versions.toml")
    moscow = "2027-01-01T06:30:00+03:00"
    new_york = "2026-12-31T22:30:00-05:00"  # the same instant
    answers = []
    for opened in (moscow, new_york):
        result = run("deadline", "-l", "standard", "--opened", opened, "--policy", policy,
                     "-f", "json")
        assert result.exit_code == 0, result.stderr
        answers.append(json.loads(result.stdout)["reaction_deadline"])
    assert answers == ["2027-01-01T10:30:00+03:00", "2027-01-01T02:30:00-05:00"]


# -- elapsed -----------------------------------------------------------------------------


def test_elapsed_json() -> None:
    result = run("elapsed", "2026-04-30T17:30+03:00", "2026-05-06T15:00+03:00", "-f", "json")
    data = json.loads(result.stdout)
    assert data["business_seconds"] == 24 * 3600
    assert isinstance(data["business_seconds"], int)
    assert data["business_time"] == "24:00:00"


def test_elapsed_text_and_the_24x7_calendar() -> None:
    result = run("elapsed", "2026-04-30T17:30+03:00", "2026-05-01T17:30+03:00", "-c", "always")
    assert result.stdout.startswith("24h 00m of working time (86400 s)")


def test_elapsed_backwards_is_negative() -> None:
    result = run("elapsed", "2026-05-06T15:00+03:00", "2026-04-30T17:30+03:00", "-f", "json")
    assert json.loads(result.stdout)["business_seconds"] == -24 * 3600


def test_elapsed_on_a_calendar_file(tmp_path: Path) -> None:
    desk = write(tmp_path, 'tz = "Europe/Berlin"\nhours = "08:00-12:00"\nholidays = "DE"\n',
                 "desk.toml")
    result = run("elapsed", "2026-12-24T08:00+01:00", "2026-12-28T12:00+01:00", "-c", desk,
                 "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["business_seconds"] == 2 * 4 * 3600  # 24th and 28th


def test_elapsed_on_a_missing_calendar() -> None:
    result = run("elapsed", "2026-04-30T17:30+03:00", "now", "-c", "nowhere.toml")
    assert result.exit_code == 2
    assert "neither 'russia', 'always' nor an existing file" in one_line_error(result)


# -- calendar ----------------------------------------------------------------------------


def test_calendar_matches_the_official_norm() -> None:
    result = run("calendar", "2026", "--hours", "09:00-13:00, 14:00-18:00", "-f", "json")
    total = json.loads(result.stdout)["total"]
    assert (total["working_days"], total["working_hours"]) == (247, 1972)


def test_calendar_text_and_csv(tmp_path: Path) -> None:
    text = run("calendar", "2025").stdout
    assert "2025-05" in text
    assert "247" in text
    out = tmp_path / "2025.csv"
    assert run("calendar", "2025", "-f", "csv", "--output", str(out)).exit_code == 0
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 13
    assert rows[-1]["period"] == "2025"
    assert rows[-1]["working_days"] == "247"


def test_calendar_year_out_of_range() -> None:
    result = run("calendar", "0")
    assert result.exit_code == 2
    one_line_error(result)


@pytest.mark.parametrize(("typed", "meant"), [("26", "2026"), ("7", "2007")])
def test_calendar_of_a_two_digit_year_is_refused_with_the_year_it_likely_meant(
    typed: str, meant: str,
) -> None:
    result = run("calendar", typed)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert f"did you mean {meant}?" in line
    assert "four digits" in line
    assert result.stdout == ""


def test_calendar_of_a_year_past_9998_is_refused_without_a_guess() -> None:
    line = one_line_error(run("calendar", "9999"))
    assert "1000 to 9998" in line
    assert "did you mean" not in line


# -- report on the sample log -------------------------------------------------------------


def test_report_table_on_the_sample() -> None:
    result = run("report", str(SAMPLE))
    assert result.exit_code == 0, result.stderr
    for heading in ("Tickets", "Compliance per level", "Compliance per month opened",
                    "Worst breaches", "commercial.emergency"):
        assert heading in result.stdout
    assert "20 of 2000 tickets listed" in result.stdout
    assert result.stderr == ""  # the sample is clean


def test_report_json_is_complete(sample_json: dict[str, object]) -> None:
    data = sample_json
    assert list(data) == ["report_format", "slaclock", "source", "at", "policy", "rows",
                          "tickets_not_yet_opened", "provisional", "filters", "tickets",
                          "skipped", "summary"]
    assert data["provisional"] is False
    assert data["filters"] is None
    tickets = data["tickets"]
    summary = data["summary"]
    assert isinstance(tickets, list)
    assert isinstance(summary, dict)
    assert len(tickets) == summary["tickets"] == 2000
    assert data["skipped"] == []
    levels = {row["level"] for row in summary["levels"]}
    assert levels == {"partner.standard", "partner.emergency", "commercial.standard",
                      "commercial.operational", "commercial.emergency"}
    assert summary["met"] + summary["breached"] + summary["in_progress"] == 2000
    assert summary["breached"] == sum(t["breached"] for t in tickets)
    assert 0 < summary["compliance"] < 1
    assert len(summary["worst_breaches"]) == 10
    months = {row["month"] for row in summary["months"]}
    assert min(months) == "2025-01"
    assert max(months) == "2026-10"
    first = tickets[0]
    assert set(first) >= {"ticket", "level", "state", "metrics", "breached", "at_risk"}
    assert {"metric", "state", "deadline", "elapsed"} <= set(first["metrics"][0])


def test_report_csv_has_a_row_per_clock(tmp_path: Path, sample_json: dict[str, object]) -> None:
    out = tmp_path / "metrics.csv"
    result = run("report", str(SAMPLE), "-f", "csv", "-o", str(out))
    assert result.exit_code == 0
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    tickets = sample_json["tickets"]
    assert isinstance(tickets, list)
    assert len(rows) == sum(len(t["metrics"]) for t in tickets)
    assert {r["state"] for r in rows} <= {"running", "paused", "met", "breached",
                                          "not_applicable"}
    assert {r["breached"] for r in rows} == {"true", "false"}


def test_report_is_the_same_with_two_jobs(tmp_path: Path,
                                          sample_json: dict[str, object]) -> None:
    out = tmp_path / "report.json"
    result = run("report", str(SAMPLE), "-f", "json", "-o", str(out), "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == sample_json


def test_report_fail_on_breach() -> None:
    assert run("report", str(SAMPLE), "--limit", "1", "--fail-on-breach").exit_code == 1
    assert run("report", str(SAMPLE), "--limit", "1").exit_code == 0


def test_report_at_an_earlier_time(sample_json: dict[str, object]) -> None:
    result = run("report", str(SAMPLE), "--at", "2025-03-01T00:00+03:00", "-f", "json")
    data = json.loads(result.stdout)
    assert data["at"] == "2025-03-01T00:00:00+03:00"
    assert 0 < data["summary"]["tickets"] < 2000
    assert data["rows"]["after_at"] > 0
    assert "rows after --at were not replayed" in result.stderr


def test_report_plot(tmp_path: Path) -> None:
    png, svg = tmp_path / "c.png", tmp_path / "c.svg"
    assert run("report", str(SAMPLE), "--limit", "1", "--plot", str(png)).exit_code == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    assert run("report", str(SAMPLE), "--limit", "1", "--plot", str(svg)).exit_code == 0
    assert b"<svg" in svg.read_bytes()[:1000]
    result = run("report", str(SAMPLE), "--plot", str(tmp_path / "c.gif"))
    assert result.exit_code == 2


# -- report on bad logs ------------------------------------------------------------------

BAD_LOG = (
    HEADER
    + "T-1,2026-04-30T17:30+03:00,opened,commercial.standard,,\n"  # 2
    + "T-1,2026-04-30T18:00+03:00,closed,,,\n"  # 3: unknown event
    + "T-1,30.04.2026 18:10,responded,,,\n"  # 4: unparseable time
    + "T-2,2026-05-04T10:00+03:00,opened,partner.standard,,\n"  # 5
    + "T-2,2026-05-01T10:00+03:00,responded,,,\n"  # 6: before the opening
    + "T-3,2026-05-04T10:00+03:00,opened,vip,,\n"  # 7: unknown level
    + "T-3,2026-05-04T11:00+03:00,responded,,,\n"  # 8: its ticket never opened
    + "T-1,2026-05-04 12:00,responded,,,\n"  # 9: no offset
    + "T-1,2026-05-05T12:00+03:00,resolved,,,\n"  # 10
)


def test_a_bad_log_is_reported_row_by_row_and_goes_on(tmp_path: Path) -> None:
    result = run("report", write(tmp_path, BAD_LOG), "-f", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    skipped = {row["line"]: row["reason"] for row in data["skipped"]}
    assert sorted(skipped) == [3, 4, 6, 7, 8, 9]
    assert "unknown event 'closed'" in skipped[3]
    assert "unparseable time" in skipped[4]
    assert "before ticket 'T-2' was opened" in skipped[6]
    assert "unknown service level 'vip'" in skipped[7]
    assert "'opened' row (line 7) was refused" in skipped[8]
    assert "no UTC offset" in skipped[9]
    assert data["rows"] == {"total": 9, "skipped": 6, "after_at": 0}
    assert [t["ticket"] for t in data["tickets"]] == ["T-1", "T-2"]
    assert "log.csv:3: unknown event 'closed'" in result.stderr
    assert "skipped 6 bad rows of 9" in result.stderr


def test_strict_stops_at_the_first_bad_row(tmp_path: Path) -> None:
    result = run("report", write(tmp_path, BAD_LOG), "--strict")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert one_line_error(result).startswith("slaclock: error: ")
    assert "log.csv:3: unknown event 'closed'" in result.stderr


def test_strict_also_stops_at_a_row_the_sla_model_refuses(tmp_path: Path) -> None:
    text = HEADER + "T-3,2026-05-04T10:00+03:00,opened,vip,,\n"
    result = run("report", write(tmp_path, text), "--strict")
    assert result.exit_code == 2
    assert "log.csv:2:" in one_line_error(result)


def test_naive_times_need_tz(tmp_path: Path) -> None:
    text = (HEADER + "T-1,2026-04-30 17:30,opened,partner.standard,,\n"
            + "T-1,2026-05-04 10:00,responded,,,\n")
    path = write(tmp_path, text)
    result = run("report", path, "-f", "json")
    assert result.exit_code == 2  # no valid row left
    assert "no UTC offset" in result.stderr
    result = run("report", path, "-f", "json", "--tz", "Europe/Moscow")
    assert result.exit_code == 0, result.stderr
    (ticket,) = json.loads(result.stdout)["tickets"]
    assert ticket["opened"] == "2026-04-30T17:30:00+03:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("ticket,when\nT-1,now\n", "lacks the column(s) time, event"),
        (HEADER, "the log holds no events"),
    ],
)
def test_unreadable_logs_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    result = run("report", write(tmp_path, text))
    assert result.exit_code == 2
    assert message in one_line_error(result)


def test_a_missing_log_and_a_directory(tmp_path: Path) -> None:
    result = run("report", str(tmp_path / "missing.csv"))
    assert result.exit_code == 2
    assert "no such file" in one_line_error(result)
    assert run("report", str(tmp_path)).exit_code == 2


def test_csv_output_neutralises_formulas(tmp_path: Path) -> None:
    text = (HEADER + '"=HYPERLINK(""http://x"")",2026-04-30T17:30+03:00,opened,'
            "partner.standard,,\n")
    result = run("report", write(tmp_path, text), "-f", "csv")
    row, *_ = csv.DictReader(io.StringIO(result.stdout))
    assert row["ticket"] == "'=HYPERLINK(\"http://x\")"
    json_result = run("report", write(tmp_path, text), "-f", "json")
    (ticket,) = json.loads(json_result.stdout)["tickets"]
    assert ticket["ticket"] == '=HYPERLINK("http://x")'  # JSON keeps the id as it is


def test_json_lines_from_standard_input() -> None:
    lines = [
        {"ticket": "T-1", "time": "2026-04-30T17:30+03:00", "event": "opened",
         "level": "commercial.emergency", "coverage": "24x7"},
        {"ticket": "T-1", "time": "2026-05-01T03:00+03:00", "event": "responded"},
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    result = run("report", "-", "--input-format", "jsonl", "-f", "json", "--fail-on-breach",
                 input=text)
    assert result.exit_code == 1  # 9.5 hours around the clock: the 8-hour reaction breached
    (ticket,) = json.loads(result.stdout)["tickets"]
    assert ticket["coverage"] == "24x7"
    assert ticket["metrics"][0]["state"] == "breached"


def test_an_internal_error_is_one_line_with_exit_code_3(monkeypatch: pytest.MonkeyPatch) -> None:
    from slaclock.cli import _report

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(_report, "run_report", boom)
    result = run("report", str(SAMPLE))
    assert result.exit_code == 3
    assert "internal error (RuntimeError: kaboom)" in one_line_error(result)


# -- the real command --------------------------------------------------------------------


def test_readme_main_job_command_runs_as_a_subprocess() -> None:
    # The installed console script, as the README runs it (python -m slaclock without it).
    script = Path(sys.executable).with_name("slaclock")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "slaclock"]
    env = {**os.environ, "COLUMNS": "120"}
    done = subprocess.run(
        [*command, "report", "examples/tickets.csv"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Compliance per level" in done.stdout
    assert done.stderr == ""


def test_usage_error_exit_code_as_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "slaclock", "elapsed", "2026-04-30 17:30", "now"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "no UTC offset" in done.stderr


def test_report_picks_the_regulation_version_of_each_contract(tmp_path: Path) -> None:
    policy = write(tmp_path, """
format = 1
[calendars.always]
preset = "always"
tz = "UTC"
[[versions]]
version = "1"
effective = 2013-01-01
[versions.levels.std]
reaction = { hours = 48, clock = "always" }
[[versions]]
version = "2"
effective = 2026-01-01
[versions.levels.std]
reaction = { hours = 1, clock = "always" }
""", "terms.toml")
    log = write(tmp_path, (
        "ticket,time,event,level,signed\n"
        "A,2026-03-02T09:00Z,opened,std,2025-06-01\n"  # signed under version 1: 48 hours
        "A,2026-03-02T12:00Z,responded,,\n"
        "B,2026-03-02T09:00Z,opened,std,\n"  # opened under version 2: 1 hour
        "B,2026-03-02T12:00Z,responded,,\n"
    ))
    result = run("report", log, "--policy", policy, "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["policy"] == {"file": "terms.toml", "versions": ["1", "2"], "title": ""}
    assert {t["ticket"]: t["breached"] for t in data["tickets"]} == {"A": False, "B": True}


def test_a_reader_closing_the_pipe_is_not_an_error() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "slaclock", "report", str(SAMPLE), "--limit", "all"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0
    assert err == b""


def test_the_command_s_input_errors_are_one_list_the_app_and_its_workers_read() -> None:
    # The errors that exit with code 2 are named once (slaclock._errors.INPUT_ERRORS);
    # the command's main loop once wrote its own copy of the tuple.
    from slaclock import SlaclockError
    from slaclock._errors import INPUT_ERRORS

    assert (SlaclockError, OSError, ValueError, LookupError) == INPUT_ERRORS
    copies = [
        path.relative_to(ROOT / "src").as_posix()
        for path in sorted((ROOT / "src" / "slaclock").rglob("*.py"))
        if "OSError, ValueError, LookupError" in path.read_text(encoding="utf-8")
    ]
    assert copies == ["slaclock/_errors.py"]


@pytest.mark.parametrize("command", [
    ["deadline", "--opened", "2026-06-01T10:00+03:00"],
    ["report", SAMPLE],
])
def test_a_misspelt_level_is_a_usage_error_of_its_option_with_the_level_it_likely_meant(
    command: list[str],
) -> None:
    result = run(*command, "--level", "commercial.standart")
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line.startswith(f"slaclock {command[0]}: error: Invalid value for '--level': ")
    assert ("unknown service level 'commercial.standart' "
            "(did you mean 'commercial.standard'?)") in line
