"""``slaclock report``: filters, the most urgent tickets first, empty reports, rows no
calendar can count, provisional years and worker processes.

Most cases run on a small log under a 24/7 policy (UTC, reaction in 10 hours for ``std``
and 2 hours for ``vip``, at risk from 80%), reported at 2026-03-10T12:00Z, so that every
expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner import collector_seen, one_line_error, run
from slaclock import ConfigError, NaiveDatetimeError, PolicyError, UnknownLevelError
from slaclock.logs import EventLogError

HEADER = "ticket,time,event,level,detail,coverage\n"
AT = "2026-03-10T12:00Z"
POLICY = """
format = 1
version = "1"
effective = 2026-01-01
at_risk = 0.8
[calendars.always]
preset = "always"
tz = "UTC"
[customers.commercial]
[levels.std]
customer = "commercial"
reaction = { hours = 10, clock = "always" }
[levels.vip]
customer = "commercial"
reaction = { hours = 2, clock = "always" }
"""
LOG = """ticket,time,event,level,customer
B1,2026-03-09T12:00Z,opened,std,Acme
B2,2026-03-10T00:00Z,opened,std,Globex
M1,2026-03-10T01:00Z,opened,std,Globex
M1,2026-03-10T02:00Z,responded,,
R1,2026-03-10T02:30Z,opened,std,acme
R2,2026-03-10T03:45Z,opened,std,Globex
E1,2026-03-10T06:00Z,opened,std,Globex
V1,2026-03-10T11:00Z,opened,vip,Globex
"""
# At 12:00: B1 breached 14 h ago (deadline 03-09 22:00), B2 2 h ago (10:00); R1 used
# 9.5 of 10 hours (95%), R2 8.25 (82.5%): at risk; V1 is due at 13:00 and E1 at 16:00;
# M1 was met. In the order they opened: B1 B2 M1 R1 R2 E1 V1.
MOST_URGENT_FIRST = ["B1", "B2", "R1", "R2", "V1", "E1", "M1"]
OPENING_ORDER = ["B1", "B2", "M1", "R1", "R2", "E1", "V1"]




@pytest.fixture
def desk(tmp_path: Path) -> tuple[str, str]:
    """The small log and its policy."""
    log, policy = tmp_path / "log.csv", tmp_path / "desk.toml"
    log.write_text(LOG, encoding="utf-8")
    policy.write_text(POLICY, encoding="utf-8")
    return str(log), str(policy)


def listed(stdout: str) -> list[str]:
    """The tickets of the table's ticket list, in order."""
    tickets = stdout.split("Compliance per level")[0]
    return re.findall(r"^([A-Z]\d) ", tickets, re.MULTILINE)


def report_json(desk: tuple[str, str], *args: str) -> dict[str, object]:
    log, policy = desk
    result = run("report", log, "-p", policy, "--at", AT, "-f", "json", *args)
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def tickets_of(data: dict[str, object]) -> list[str]:
    tickets = data["tickets"]
    assert isinstance(tickets, list)
    return [t["ticket"] for t in tickets]


# -- the most urgent first -------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_table_lists_breached_by_overdue_then_at_risk_by_share_then_deadline(
    desk: tuple[str, str], jobs: str
) -> None:
    log, policy = desk
    result = run("report", log, "-p", policy, "--at", AT, "--limit", "all", "--jobs", jobs)
    assert result.exit_code == 0, result.stderr
    assert listed(result.stdout) == MOST_URGENT_FIRST
    assert "most urgent first" in result.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_limit_keeps_the_most_urgent_not_the_oldest(desk: tuple[str, str], jobs: str) -> None:
    log, policy = desk
    result = run("report", log, "-p", policy, "--at", AT, "--limit", "3", "--jobs", jobs)
    assert result.exit_code == 0, result.stderr
    assert listed(result.stdout) == ["B1", "B2", "R1"]
    assert "3 of 7 tickets listed" in result.stdout


def test_csv_and_json_keep_the_order_tickets_opened(desk: tuple[str, str]) -> None:
    assert tickets_of(report_json(desk)) == OPENING_ORDER
    log, policy = desk
    result = run("report", log, "-p", policy, "--at", AT, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(dict.fromkeys(r["ticket"] for r in rows)) == OPENING_ORDER


def test_csv_lists_only_the_filtered_tickets(desk: tuple[str, str]) -> None:
    log, policy = desk
    result = run("report", log, "-p", policy, "--at", AT, "-f", "csv", "--state", "at-risk",
                 "--state", "breached")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(dict.fromkeys(r["ticket"] for r in rows)) == ["B1", "B2", "R1", "R2"]


# -- filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--state", "breached"], ["B1", "B2"]),
        (["--state", "at-risk"], ["R1", "R2"]),
        (["--state", "open"], ["R1", "R2", "E1", "V1"]),  # no clock breached, one running
        (["--state", "breached", "--state", "at-risk"], ["B1", "B2", "R1", "R2"]),
        (["--level", "vip"], ["V1"]),
        (["--level", "vip", "--level", "std", "--state", "breached"], ["B1", "B2"]),
        (["--customer", "ACME"], ["B1", "R1"]),  # any case
        (["--since", "2026-03-10"], OPENING_ORDER[1:]),  # midnight in the desk's zone
        (["--since", "2026-03-10T02:30"], ["R1", "R2", "E1", "V1"]),  # at or after
        (["--until", "2026-03-10T02:30Z"], ["B1", "B2", "M1"]),  # before
        (["--until", "2026-03-09"], ["B1"]),  # a date: up to the end of that day
        (["--since", "2026-03-10T01:00", "--until", "2026-03-10T04:00"], ["M1", "R1", "R2"]),
    ],
)
def test_filters_choose_the_tickets(
    desk: tuple[str, str], args: list[str], expected: list[str]
) -> None:
    data = report_json(desk, *args)
    assert tickets_of(data) == expected
    summary = data["summary"]
    assert isinstance(summary, dict)
    assert summary["tickets"] == len(expected)
    filters = data["filters"]
    assert isinstance(filters, dict)
    assert filters["tickets_left_out"] == 7 - len(expected)


def test_filters_apply_to_the_summary_alike(desk: tuple[str, str]) -> None:
    data = report_json(desk, "--customer", "acme")
    summary = data["summary"]
    assert isinstance(summary, dict)
    # B1 breached, R1 at risk and running: nothing of Globex's.
    assert (summary["tickets"], summary["breached"], summary["in_progress"],
            summary["at_risk"]) == (2, 1, 1, 1)
    assert [b["ticket"] for b in summary["worst_breaches"]] == ["B1"]
    assert [c["ticket"] for c in summary["at_risk_clocks"]] == ["R1"]
    assert data["filters"] == {"since": None, "until": None, "states": [], "levels": [],
                               "customers": ["acme"], "tickets_left_out": 5}


def test_the_table_says_which_filters_apply(desk: tuple[str, str]) -> None:
    log, policy = desk
    result = run("report", log, "-p", policy, "--at", AT, "--state", "breached")
    assert result.exit_code == 0, result.stderr
    assert listed(result.stdout) == ["B1", "B2"]
    assert "filters: state breached (5 other tickets left out of every table)" in result.stdout


def test_fail_on_breach_reads_the_filtered_tickets(desk: tuple[str, str]) -> None:
    log, policy = desk
    base = ["report", log, "-p", policy, "--at", AT, "--fail-on-breach"]
    assert run(*base).exit_code == 1
    assert run(*base, "--level", "vip").exit_code == 0  # V1 has not breached


def test_no_ticket_left_by_the_filters_is_an_error(desk: tuple[str, str]) -> None:
    log, policy = desk
    result = run("report", log, "-p", policy, "--at", AT, "--customer", "Initech",
                 "--fail-on-breach")
    assert result.exit_code == 2
    assert "no ticket matches --customer initech (of 7 tickets reported)" in (
        one_line_error(result))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--level", "gold"], "unknown service level 'gold'; the policy defines: std, vip"),
        (["--state", "late"], "'late' is not one of 'breached', 'at-risk', 'open'"),
        (["--since", "yesterday"], "'--since'"),
        (["--since", "2026-03-10", "--until", "2026-03-09T12:00Z"], "is not after --since"),
    ],
)
def test_bad_filters_are_usage_errors(
    desk: tuple[str, str], args: list[str], message: str
) -> None:
    log, policy = desk
    result = run("report", log, "-p", policy, *args)
    assert result.exit_code == 2
    assert message in one_line_error(result)


def test_help_says_filters_choose_the_summary_too() -> None:
    text = " ".join(run("report", "--help").stdout.split())
    for option in ("--since", "--until", "--state", "--level", "--customer"):
        assert option in text
    assert "the listed tickets and the summary alike" in text


# -- empty reports -----------------------------------------------------------------------

REFUSED = HEADER + (
    "T-1,2026-04-30T17:30+03:00,opened,vip,,\n"  # 2: unknown level
    "T-2,2026-04-30T17:30+03:00,opened,gold,,\n"  # 3: unknown level
    "T-2,2026-05-04T10:00+03:00,responded,,,\n"  # 4: its ticket never opened
)


def test_a_log_whose_rows_are_all_refused_is_an_error(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(REFUSED, encoding="utf-8")
    result = run("report", str(log), "--fail-on-breach")
    assert result.exit_code == 2  # not 0: --fail-on-breach cannot pass on nothing
    line = one_line_error(result)
    assert line.startswith("slaclock: error: ")
    assert ("log.csv: no ticket could be reported: 3 rows refused, the first on line 2: "
            in line)
    assert "unknown service level 'vip'" in line


def test_a_report_before_every_opening_is_an_error(desk: tuple[str, str]) -> None:
    log, policy = desk
    result = run("report", log, "-p", policy, "--at", "2026-01-01T00:00Z")
    assert result.exit_code == 2
    assert "no ticket had opened by --at 2026-01-01T00:00:00+00:00: the log's 7 tickets " \
           "open after it" in one_line_error(result)


# -- a row no calendar can count ----------------------------------------------------------------

YEAR_9999 = HEADER + (
    "T-1,2026-04-30T17:30+03:00,opened,commercial.standard,,\n"
    "T-1,2026-05-04T10:00+03:00,responded,,,\n"
    "T-9,2026-05-01T10:00+03:00,opened,partner.standard,,\n"
    "T-9,9999-12-31T23:00:00+00:00,responded,,,\n"  # line 5: year 10000 in Moscow
    "T-8,9999-06-01T00:00:00+00:00,opened,partner.standard,,\n"  # 6: the last year
    "T-8,9999-06-02T00:00:00+00:00,responded,,,\n"  # 7: its ticket never opened
)


def test_a_row_dated_9999_is_a_bad_row_like_any_other(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(YEAR_9999, encoding="utf-8")
    result = run("report", str(log), "-f", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["at"] == "2026-05-04T10:00:00+03:00"  # the last row that can be counted
    assert [t["ticket"] for t in data["tickets"]] == ["T-1", "T-9"]
    skipped = {row["line"]: row for row in data["skipped"]}
    assert sorted(skipped) == [5, 6, 7]
    assert skipped[5]["ticket"] == "T-9"
    assert "is past the last year a report can count (9998)" in skipped[5]["reason"]
    assert "'opened' row (line 6)" in skipped[7]["reason"]
    lines = result.stderr.splitlines()
    assert lines[0] == ("slaclock: log.csv:5: ticket 'T-9': 9999-12-31T23:00:00+00:00 is past "
                        "the last year a report can count (9998): check the row's time")
    assert lines[-1] == "slaclock: skipped 3 bad rows of 6; --strict stops at the first"


def test_a_row_dated_9999_stops_a_strict_report_in_one_line(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(YEAR_9999, encoding="utf-8")
    result = run("report", str(log), "--strict")
    assert result.exit_code == 2
    assert "log.csv:5: ticket 'T-9': 9999-12-31T23:00:00+00:00" in one_line_error(result)


def test_at_in_9999_is_a_usage_error(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(YEAR_9999, encoding="utf-8")
    result = run("report", str(log), "--at", "9999-12-31T23:00Z")
    assert result.exit_code == 2
    assert "--at 9999-12-31T23:00:00+00:00 is past the last year a report can count" in (
        one_line_error(result))


# -- provisional years --------------------------------------------------------------------

PROVISIONAL = HEADER + (
    "T-1,2030-04-30T17:30+03:00,opened,commercial.standard,,\n"
    "T-1,2030-05-06T10:00+03:00,responded,,,\n"
)
NOTE_2030 = "slaclock: note: 2030 is a provisional year: "


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_report_on_a_provisional_year_says_so_in_one_line(tmp_path: Path, fmt: str) -> None:
    log = tmp_path / "log.csv"
    log.write_text(PROVISIONAL, encoding="utf-8")
    result = run("report", str(log), "-f", fmt)
    assert result.exit_code == 0, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(NOTE_2030)
    if fmt == "json":
        assert json.loads(result.stdout)["provisional"] is True


def command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "slaclock", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_workers_print_no_warning_and_the_note_is_the_same_as_one_process(
    tmp_path: Path
) -> None:
    log = tmp_path / "log.csv"
    log.write_text(PROVISIONAL, encoding="utf-8")
    one = command("report", str(log), "-f", "json", "--jobs", "1")
    two = command("report", str(log), "-f", "json", "--jobs", "2")
    assert one.returncode == two.returncode == 0, two.stderr
    assert two.stderr == one.stderr
    (line,) = two.stderr.splitlines()
    assert line.startswith(NOTE_2030)
    assert json.loads(two.stdout)["provisional"] is True
    assert json.loads(two.stdout) == json.loads(one.stdout)


# -- worker processes ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [(REFUSED, 2), (YEAR_9999, 0)])
@pytest.mark.parametrize("strict", [[], ["--strict"]])
def test_two_workers_end_as_one_process_does(
    tmp_path: Path, text: str, code: int, strict: list[str]
) -> None:
    log = tmp_path / "log.csv"
    log.write_text(text, encoding="utf-8")
    one = command("report", str(log), "-f", "json", "--jobs", "1", *strict)
    two = command("report", str(log), "-f", "json", "--jobs", "2", *strict)
    assert one.returncode == (2 if strict else code)
    assert two.returncode == one.returncode
    assert two.stderr == one.stderr
    assert "Traceback" not in two.stderr
    assert two.stdout == one.stdout


@pytest.mark.parametrize("error", [
    EventLogError("log.csv", 7, "a bad row"), OverflowError("date value out of range"),
])
def test_a_failing_shard_sends_its_error_to_be_raised_as_one_process_would(
    tmp_path: Path, error: Exception
) -> None:
    from slaclock.cli import _workers

    def fails() -> None:
        raise error

    answer = _workers._attempt(fails)
    assert isinstance(answer, _workers._Failure)
    restored = pickle.loads(pickle.dumps(answer))  # as a Dask worker sends it
    with pytest.raises(type(error)) as raised:
        _workers._receive(restored)
    assert str(raised.value) == str(error)


def test_an_error_that_does_not_pickle_is_raised_by_name() -> None:
    from slaclock.cli import _workers

    class Local(Exception):  # not importable: does not survive pickling
        pass

    def fails() -> None:
        raise Local("no good")

    answer = _workers._attempt(fails)
    assert answer.error is None
    with pytest.raises(RuntimeError, match=r"^Local: no good$"):
        _workers._receive(pickle.loads(pickle.dumps(answer)))


@pytest.mark.parametrize("error", [
    PolicyError("desk.toml", "levels.vip.reaction.hours", -4, "expected a positive number"),
    ConfigError("coverage", "always", "one of 'business', '24x7' or None"),
    UnknownLevelError("gold", ("std", "vip")),
    NaiveDatetimeError("at", "2026-05-04 09:00"),
])
def test_a_worker_s_error_comes_back_as_itself_with_its_attributes(error: Exception) -> None:
    """Named case (issue 20): slaclock's errors pickle as themselves, so the main process
    raises the worker's error as one process would; a policy error came back as a
    ValueError found by its class's name."""
    from slaclock.cli import _workers

    def fails() -> None:
        raise error

    answer = pickle.loads(pickle.dumps(_workers._attempt(fails)))
    with pytest.raises(type(error)) as raised:
        _workers._receive(answer)
    assert type(raised.value) is type(error)
    assert str(raised.value) == str(error)
    assert vars(raised.value) == vars(error)


def test_an_input_error_that_does_not_pickle_is_still_an_input_error() -> None:
    """Named case (issue 20): what kind of error a worker's is travels with it, not its
    class's name: a ValueError of a class the main process cannot load is a ValueError
    (one line, exit code 2), not an internal error."""
    from slaclock.cli import _workers

    class Local(ValueError):  # not importable: does not survive pickling
        pass

    def fails() -> None:
        raise Local("a bad value")

    answer = pickle.loads(pickle.dumps(_workers._attempt(fails)))
    assert answer.error is None
    with pytest.raises(ValueError, match=r"^a bad value$"):
        _workers._receive(answer)


def test_an_event_log_error_names_the_log_as_given() -> None:
    from slaclock.cli import _workers

    def fails() -> None:
        raise EventLogError("/abs/log.csv", 3, "a bad row")

    with pytest.raises(EventLogError, match=r"^log.csv:3: a bad row$"):
        _workers._receive(_workers._attempt(fails), {"/abs/log.csv": "log.csv"})


def test_a_month_of_the_sample_is_the_months_row_of_the_whole_report() -> None:
    # The summary counts months in the desk's zone; --since/--until read dates there too.
    sample = str(Path(__file__).resolve().parent.parent / "examples" / "tickets.csv")
    whole = json.loads(run("report", sample, "-f", "json").stdout)
    september = [row for row in whole["summary"]["months"] if row["month"] == "2026-09"]
    result = run("report", sample, "-f", "json", "--since", "2026-09-01", "--until",
                 "2026-09-30")
    assert result.exit_code == 0, result.stderr
    part = json.loads(result.stdout)
    assert part["summary"]["tickets"] == sum(row["tickets"] for row in september) > 0
    assert part["summary"]["months"] == september
    assert {t["opened"][:7] for t in part["tickets"]} == {"2026-09"}
    assert part["filters"]["tickets_left_out"] == 2000 - part["summary"]["tickets"]


def test_the_collector_stays_paused_from_reading_to_the_last_ticket_replayed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Paused only while each runs, the collector's first pass after reading would walk
    # every row kept before the replay begins.
    from slaclock.cli import _shards

    seen = collector_seen(monkeypatch, _shards.Shard, "replay")
    sample = Path(__file__).resolve().parent.parent / "examples" / "tickets.csv"
    assert gc.isenabled()
    result = run("report", sample, "--jobs", "1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_comes_back_when_the_paused_work_fails() -> None:
    from slaclock.cli._shards import no_cycle_collection

    seen: list[bool] = []

    def fail() -> None:
        seen.append(gc.isenabled())
        raise EventLogError("log.csv", 2, "a row")

    assert gc.isenabled()
    with pytest.raises(EventLogError), no_cycle_collection():
        fail()
    assert seen == [False]
    assert gc.isenabled()


@pytest.mark.parametrize(("engine", "spied"), [("rows", "log_tickets"),
                                               ("columns", "replay_in_columns")])
def test_a_shard_of_a_running_cluster_leaves_the_collector_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine: str, spied: str
) -> None:
    """A running cluster's worker runs other tasks too: its shards do not pause the
    collector (``Spec.pause`` is off for them, test_dask), whichever engine counts."""
    from slaclock.cli import _shards

    sample = Path(__file__).resolve().parent.parent / "examples" / "tickets.csv"
    spec = _shards.Spec(str(sample), None, None, None, None, "json", 0, str(tmp_path), 1,
                        pause=False, engine=engine)
    seen = collector_seen(monkeypatch, _shards, spied)
    shard = _shards.Shard(spec, 0)
    info = shard.read()
    assert gc.isenabled()
    assert shard.replay(info.last).summary.tickets == 2000
    assert seen == [True]
    assert gc.isenabled()
