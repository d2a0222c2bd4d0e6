"""What the command prints and writes: literal log values, tables at 80 columns, shares
with their counts, files written whole, provisional years, and a light install."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_runner import run
from slaclock.cli import _render, _report_table
from slaclock.cli._render import atomic_output
from slaclock.reporting import percent_of

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "tickets.csv"
HEADER = "ticket,time,event,level,detail,coverage\n"



def write(tmp_path: Path, text: str, name: str = "log.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- literal values ----------------------------------------------------------------------

MARKUP_IDS = ["[/x]", "[link=http://evil.example]click me[/link]", "[bold red]T-1[/]"]


def test_ticket_ids_are_printed_literally_not_as_markup(tmp_path: Path) -> None:
    rows = "".join(f'"{t}",2026-04-30T17:30+03:00,opened,partner.standard,,\n'
                   for t in MARKUP_IDS)
    result = run("report", write(tmp_path, HEADER + rows))
    assert result.exit_code == 0, result.stderr
    for ticket in MARKUP_IDS:
        assert ticket in result.stdout


def test_a_markup_id_in_a_file_written_by_the_table_format(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    rows = "".join(f'"{t}",2026-04-30T17:30+03:00,opened,partner.standard,,\n'
                   for t in MARKUP_IDS)
    result = run("report", write(tmp_path, HEADER + rows), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert all(ticket in text for ticket in MARKUP_IDS)
    assert "\x1b" not in text  # no terminal codes in a file


def test_error_messages_escape_terminal_codes_from_the_command_line(tmp_path: Path) -> None:
    result = run("report", str(tmp_path / "log\x1b[2J\nforged.csv"))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "\x1b" not in line
    assert "log\\x1b[2J forged.csv: no such file" in line  # one line, no escape code


# -- tables that fit -----------------------------------------------------------------------


@pytest.fixture
def at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_render, "WIDTH", 80)


@pytest.mark.usefixtures("at_80_columns")
def test_at_80_columns_every_line_fits_and_no_ticket_id_is_cut() -> None:
    result = run("report", str(SAMPLE))
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "…" not in result.stdout
    tickets = result.stdout.split("Compliance per level")[0]
    assert len(re.findall(r"^T-\d{4} ", tickets, re.MULTILINE)) == 20  # 20 whole ids
    assert "Worst clock" in result.stdout
    assert "Remaining" not in result.stdout


@pytest.mark.usefixtures("at_80_columns")
def test_long_ticket_ids_are_never_cut(tmp_path: Path) -> None:
    ids = [f"HELPDESK-2026-{n:09d}" for n in range(3)]
    rows = "".join(f"{t},2026-04-30T17:30+03:00,opened,commercial.operational,,\n"
                   f"{t},2026-05-04T10:00+03:00,waiting,,,\n" for t in ids)
    result = run("report", write(tmp_path, HEADER + rows))
    assert result.exit_code == 0, result.stderr
    assert all(t in result.stdout for t in ids)


def test_the_table_shows_every_clock_where_it_fits() -> None:
    result = run("report", str(SAMPLE))  # 140 columns off a terminal
    assert "Remaining" in result.stdout
    assert "Worst clock" not in result.stdout


@pytest.mark.usefixtures("at_80_columns")
def test_the_wide_option_shows_every_clock_at_80_columns() -> None:
    narrow = run("report", str(SAMPLE))
    assert "Worst clock" in narrow.stdout
    result = run("report", str(SAMPLE), "--wide")
    assert result.exit_code == 0, result.stderr
    assert "Remaining" in result.stdout
    assert "Worst clock" not in result.stdout
    assert "--wide" in run("report", "--help").stdout


def test_shares_come_with_counts_and_a_clock_without_target_is_a_dash(tmp_path: Path) -> None:
    rows = (
        "T-1,2026-04-29T10:00+03:00,opened,partner.emergency,,\n"
        "T-1,2026-04-29T11:00+03:00,responded,,,\n"
        "T-2,2026-04-29T10:00+03:00,opened,partner.emergency,,\n"
        "T-2,2026-05-12T11:00+03:00,responded,,,\n"
    )
    result = run("report", write(tmp_path, HEADER + rows))
    assert result.exit_code == 0, result.stderr
    table = result.stdout.split("Compliance per clock")[1].split("Compliance per month")[0]
    reaction = next(line for line in table.splitlines() if "reaction" in line)
    assert reaction.split()[-4:] == ["50.0%", "(1", "of", "2)"]
    resolution = next(line for line in table.splitlines() if "resolution" in line)
    assert resolution.split() == ["resolution", "-"]
    assert not re.search(r"(?<![\d.])0\.0%", table)


def test_percent_of() -> None:
    assert percent_of(1, 2) == "50.0% (1 of 2)"
    assert percent_of(0, 1) == "0.0% (0 of 1)"
    assert percent_of(0, 0) == "-"
    assert percent_of(7, 8, short=True) == "87.5% (8)"


# -- files written whole -------------------------------------------------------------------


def test_atomic_output_replaces_the_file_only_once_complete(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("before", encoding="utf-8")
    target.chmod(0o640)

    def fail_half_way() -> None:
        with atomic_output(str(target)) as f:
            f.write("half a rep")
            raise RuntimeError("the run failed")

    with pytest.raises(RuntimeError, match="the run failed"):
        fail_half_way()
    assert target.read_text(encoding="utf-8") == "before"
    assert os.listdir(tmp_path) == ["report.txt"]  # no temporary file left
    with atomic_output(str(target)) as f:
        f.write("after")
        assert target.read_text(encoding="utf-8") == "before"  # not yet
    assert target.read_text(encoding="utf-8") == "after"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["report.txt"]


def test_atomic_output_makes_a_new_file_with_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        with atomic_output(str(tmp_path / "new.csv"), "wb") as f:
            f.write(b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644


def test_atomic_output_follows_a_link_and_writes_a_device_in_place(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with atomic_output(str(link)) as f:
        f.write("new")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new"
    with atomic_output(os.devnull) as f:
        f.write("nothing")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.parametrize("args", [["report", str(SAMPLE)],
                                  ["calendar", "2026"], ["calendar", "2026", "-f", "csv"]])
def test_a_failed_run_leaves_an_existing_output_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    out = tmp_path / "out.txt"
    out.write_text("the last good report", encoding="utf-8")

    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(_render, "csv_safe", boom)
    monkeypatch.setattr(_report_table, "working_hours", boom)
    monkeypatch.setattr(_render, "_hours", boom)
    result = run(*args, "--output", str(out))
    assert result.exit_code == 3
    assert out.read_text(encoding="utf-8") == "the last good report"
    assert os.listdir(tmp_path) == ["out.txt"]


STRICT_FAILS = HEADER + (
    "T-1,2026-04-30T17:30+03:00,opened,partner.standard,,\n"
    "T-1,2026-04-30T18:00+03:00,closed,,,\n"  # a bad row: --strict stops here
)


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_strict_stop_leaves_an_existing_output_intact(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out.txt"
    out.write_text("the last good report", encoding="utf-8")
    log = write(tmp_path, STRICT_FAILS)
    result = run("report", log, "-f", fmt, "--strict", "--output", str(out))
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "the last good report"
    assert sorted(os.listdir(tmp_path)) == ["log.csv", "out.txt"]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_error_while_writing_csv_or_json_leaves_an_existing_output_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    from slaclock.cli import _outputs

    real = _outputs._read_parts

    def fails_midway(path: str) -> Iterator[tuple[int, int, bytes]]:
        parts = real(path)
        yield next(parts)  # some tickets are written, then the run fails
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(_outputs, "_read_parts", fails_midway)
    out = tmp_path / "out.txt"
    out.write_text("the last good report", encoding="utf-8")
    result = run("report", str(SAMPLE), "-f", fmt, "--output", str(out))
    assert result.exit_code == 3
    assert "the disk went away" in result.stderr
    assert out.read_text(encoding="utf-8") == "the last good report"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_bad_row_messages_escape_the_file_name_and_the_ticket_id(tmp_path: Path) -> None:
    ticket = "T\x1b[31m\nslaclock: all good"
    text = HEADER + f'"{ticket}",2026-04-30T17:30+03:00,opened,vip,,\n' + (
        "T-2,2026-04-30T17:30+03:00,opened,partner.standard,,\n")
    log = write(tmp_path, text, "log\x1b[2J.csv")
    result = run("report", log, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2  # the bad row and the count: no forged line
    assert lines[0].startswith("slaclock: log\\x1b[2J.csv:2: ")
    assert "T\\x1b[31m\\nslaclock: all good" in lines[0]


def test_run_report_refuses_a_directory_with_its_own_message(tmp_path: Path) -> None:
    from slaclock.cli._report import run_report
    from slaclock.logs import EventLogError

    with pytest.raises(EventLogError, match="is a directory: give the log file in it"):
        run_report(str(tmp_path), at=None, policy_file=None, fmt="json", output=None,
                   tz=None, input_format=None, strict=False, limit=None, plot=None, jobs=1)


@pytest.mark.parametrize("command", [
    ["deadline", "-l", "partner.standard", "--opened", "2026-04-30T17:30+03:00"],
    ["elapsed", "2026-04-30T17:30+03:00", "2026-05-06T15:00+03:00"],
    ["calendar", "2026"],
])
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_every_command_writes_its_output_with_o(
    tmp_path: Path, command: list[str], fmt: str
) -> None:
    out = tmp_path / "out"
    result = run(*command, "-f", fmt, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        json.loads(text)
    else:
        assert text.strip()


# -- one vocabulary ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["deadline", "elapsed", "calendar", "report"])
def test_o_is_output_and_table_is_the_format_in_every_command(command: str) -> None:
    help_text = run(command, "--help").stdout
    assert "-o, --output FILE" in help_text
    assert "[table|" in help_text
    assert "text" not in help_text.split("--format")[1].split("\n")[0]


def test_text_is_still_accepted_for_the_table_format() -> None:
    old = run("deadline", "-l", "partner.standard", "--opened", "2026-04-30T17:30+03:00",
              "--format", "text")
    new = run("deadline", "-l", "partner.standard", "--opened", "2026-04-30T17:30+03:00")
    assert old.exit_code == 0
    assert old.stdout == new.stdout


def test_deadline_o_is_no_longer_opened() -> None:
    result = run("deadline", "-l", "partner.standard", "-o", "2026-04-30T17:30+03:00")
    assert result.exit_code == 2
    assert "Missing option '--opened'" in result.stderr


# -- usage errors up front -----------------------------------------------------------------


def test_plot_without_matplotlib_is_a_usage_error_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from slaclock.cli import _report

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report ran")

    monkeypatch.setattr(_report, "run_report", no_work)
    result = run("report", str(SAMPLE), "--plot", str(tmp_path / "c.png"))
    assert result.exit_code == 2
    assert "--plot needs matplotlib" in result.stderr
    assert "slaclock[plot]" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_directory_or_a_fifo_as_the_log(tmp_path: Path) -> None:
    result = run("report", str(tmp_path))
    assert result.exit_code == 2
    assert "is a directory: give the log file in it" in result.stderr
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run("report", str(fifo))  # would block forever if it were opened
    assert result.exit_code == 2
    assert "is a named pipe" in result.stderr


def test_json_lines_on_standard_input_are_detected() -> None:
    line = {"ticket": "T-1", "time": "2026-04-30T17:30+03:00", "event": "opened",
            "level": "partner.standard"}
    result = run("report", "-", "-f", "json", input=json.dumps(line) + "\n")
    assert result.exit_code == 0, result.stderr
    (ticket,) = json.loads(result.stdout)["tickets"]
    assert ticket["ticket"] == "T-1"


# -- provisional years ---------------------------------------------------------------------


def test_a_provisional_year_is_one_clear_line_and_is_in_the_json() -> None:
    result = run("deadline", "-l", "commercial.standard", "--opened", "2030-01-09T10:00+03:00",
                 "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["provisional"] is True
    (line,) = result.stderr.splitlines()
    assert line.startswith("slaclock: note: 2030 is a provisional year: ")
    assert "Warning" not in line


def test_a_query_over_thousands_of_years_prints_one_notice() -> None:
    result = run("elapsed", "0016-01-01T00:00Z", "9999-12-01T00:00Z", "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["provisional"] is True
    (line,) = result.stderr.splitlines()
    assert line.startswith("slaclock: note: 16-2012, ")
    assert "-9999 are provisional years" in line


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_provisional_calendar_year_says_so_in_every_format(fmt: str) -> None:
    result = run("calendar", "2031", "-f", fmt)
    assert result.exit_code == 0
    (line,) = result.stderr.splitlines()
    assert line.startswith("slaclock: note: 2031 is a provisional year: ")
    assert run("calendar", "2026", "-f", fmt).stderr == ""


def test_a_published_year_is_not_provisional() -> None:
    result = run("elapsed", "2026-04-30T17:30+03:00", "2026-05-06T15:00+03:00", "-f", "json")
    assert json.loads(result.stdout)["provisional"] is False
    assert result.stderr == ""


# -- a light install -----------------------------------------------------------------------


@pytest.mark.parametrize(("hidden", "named"), [
    (["click"], "needs click, which is not installed"),
    (["rich"], "needs rich, which is not installed"),
    (["click", "rich"], "needs click and rich, which are not installed"),
])
def test_the_command_without_its_extra_says_what_to_install(
    hidden: list[str], named: str
) -> None:
    code = (
        "import sys\n"
        f"for name in {hidden!r}: sys.modules[name] = None  # as if not installed\n"
        "from slaclock.cli import main\n"
        "main(['report', 'examples/tickets.csv'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr == f'slaclock: the command line {named}: pip install "slaclock[cli]"\n'


def test_the_library_imports_without_the_command_lines_dependencies() -> None:
    code = (
        "import sys\n"
        "sys.modules['click'] = sys.modules['rich'] = None\n"
        "import slaclock, slaclock.cli, slaclock.logs\n"
        "print(slaclock.Calendar.russia().summary(2026).total.working_days)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "247\n"


# -- the plot ------------------------------------------------------------------------------


def test_the_plot_draws_targets_and_few_ticket_months_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib.axes

    summary = {"months": [
        {"month": "2025-01", "level": "partner.emergency", "met": 9, "breached": 1},
        {"month": "2025-02", "level": "partner.emergency", "met": 0, "breached": 1},
        {"month": "2025-03", "level": "partner.emergency", "met": 8, "breached": 2},
    ]}

    class Summary:
        def as_dict(self) -> dict[str, object]:
            return summary

    drawn: list[tuple[list[float], dict[str, object]]] = []
    lines: list[float] = []
    plot_line, axhline = matplotlib.axes.Axes.plot, matplotlib.axes.Axes.axhline

    def spy_plot(self: object, xs: object, ys: list[float], *args: object,
                 **kwargs: object) -> object:
        drawn.append((list(ys), kwargs))
        return plot_line(self, xs, ys, *args, **kwargs)  # type: ignore[arg-type]

    def spy_axhline(self: object, y: float, *args: object, **kwargs: object) -> object:
        lines.append(y)
        return axhline(self, y, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(matplotlib.axes.Axes, "plot", spy_plot)
    monkeypatch.setattr(matplotlib.axes.Axes, "axhline", spy_axhline)
    out = tmp_path / "c.png"
    _render.plot(Summary(), str(out), goals={"partner.emergency": 0.9})
    assert out.read_bytes().startswith(b"\x89PNG")
    line, few = drawn[0][0], drawn[1][0]
    assert line[0] == 90.0
    assert line[1] != line[1]  # NaN: the line does not dive through one ticket's 0%
    # The axis spans the line (80 and 90) and the goal: from 70. One ticket's 0% is
    # under it, a hollow triangle on its floor (its value written beside it).
    assert few == [70.0]
    assert drawn[1][1]["marker"] == "v"
    assert drawn[1][1]["markerfacecolor"] == "white"
    assert lines == [90.0]


def test_a_failed_plot_leaves_an_existing_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib.figure

    out = tmp_path / "c.png"
    out.write_bytes(b"the last chart")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", boom)
    with pytest.raises(OSError, match="disk full"):
        _render.plot(type("S", (), {"as_dict": lambda self: {"months": []}})(), str(out))
    assert out.read_bytes() == b"the last chart"
    assert os.listdir(tmp_path) == ["c.png"]


# -- one calendar loader -------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["russia", "always", "file"])
def test_every_calendar_spec_goes_through_the_librarys_calendar_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    from slaclock.sla import PolicyReader as _Reader

    real = _Reader.calendar
    seen: list[object] = []

    def spy(self: _Reader, value: object, key: str) -> object:
        seen.append(value)
        return real(self, value, key)

    monkeypatch.setattr(_Reader, "calendar", spy)
    name = spec if spec != "file" else write(tmp_path, 'preset = "always"\n', "cal.toml")
    result = run("elapsed", "2026-04-30T17:30+03:00", "2026-05-01T17:30+03:00", "-c", name)
    assert result.exit_code == 0, result.stderr
    (table,) = seen
    assert isinstance(table, dict)
    assert table["preset"] == (spec if spec != "file" else "always")


def test_the_always_calendar_is_on_utc_without_tz_on_the_command_line_as_in_a_policy_file(
) -> None:
    # Finding 6 of issue 20: 'always' was Moscow on the command line and UTC in a policy
    # file. One rule now, the policy file's: UTC unless a zone is given.
    from zoneinfo import ZoneInfo

    from slaclock import Calendar
    from slaclock.cli._calendar_cmd import load_calendar
    from slaclock.policy import parse_policy

    policy = parse_policy(tomllib.loads(
        'format = 1\nversion = "1"\neffective = 2026-01-01\n'
        '[calendars.a]\npreset = "always"\n'
        '[levels.x]\nreaction = { hours = 4, clock = "a" }\n'
    ), "desk.toml")
    always = load_calendar("always")
    assert always.zone == ZoneInfo("UTC")
    assert always == policy.calendars["a"] == Calendar.always()
    assert load_calendar("always", tz=ZoneInfo("Asia/Tokyo")).zone == ZoneInfo("Asia/Tokyo")
    assert load_calendar("russia").zone == ZoneInfo("Europe/Moscow")


def test_a_bad_hours_option_names_the_option() -> None:
    result = run("elapsed", "2026-04-30T17:30+03:00", "now", "--hours", "25:00-26:00")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "Invalid value for '--hours': '25:00' is not a time of day" in line


def test_the_always_calendar_table_says_around_the_clock() -> None:
    result = run("calendar", "2026", "-c", "always")
    assert result.exit_code == 0, result.stderr
    assert "2026 production calendar (always, around the clock)" in result.stdout
    assert "09:00-18:00" not in result.stdout
