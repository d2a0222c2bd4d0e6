"""Words a support manager reads right in the terminal: working time in working hours
(never days of 24 hours), and the stumbles of a newcomer's first commands, each answered
by one line that says what to do."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cli_runner import one_line_error, run
from slaclock.cli import _render
from slaclock.logs import working_hours

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "tickets.csv"
EXAMPLES = ROOT / "examples"
#: A working duration as the report writes it, and the old days-of-24-hours form.
HOURS = re.compile(r"^-?\d+h \d\dm$|^-?\d{1,2}m$")
DAYS = re.compile(r"\b\d+d \d+h\b")


@pytest.fixture
def at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table laid out for an 80-column terminal (the runner's output is no terminal)."""
    monkeypatch.setattr(_render, "WIDTH", 80)


# -- working time reads in working hours ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(hours=3763, minutes=4), "3763h 04m"),
        (timedelta(hours=24), "24h 00m"),
        (timedelta(hours=5, minutes=7), "5h 07m"),
        (timedelta(minutes=42, seconds=59), "42m"),
        (timedelta(0), "0m"),
        (timedelta(seconds=-59), "0m"),
        (-timedelta(hours=17, minutes=9), "-17h 09m"),
        (-timedelta(days=2, hours=1), "-49h 00m"),
        (None, ""),
    ],
)
def test_working_time_is_written_in_working_hours_never_in_days(
    value: timedelta | None, text: str
) -> None:
    assert working_hours(value) == text


@pytest.mark.usefixtures("at_80_columns")
def test_the_80_column_report_writes_overdue_time_in_working_hours() -> None:
    result = run("report", SAMPLE)
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert not DAYS.search(result.stdout)
    worst = result.stdout.split("Worst breaches")[1]
    assert worst.splitlines()[0].strip() == "(most working hours past the deadline)"
    first = next(line for line in worst.splitlines() if line.startswith("T-0104"))
    # 3763 working hours past the deadline: twenty months of nine-hour days, which the
    # old form wrote as "156d 19h" (five months, to anyone who reads it).
    assert first.split()[-4:] == ["3763h", "04m", "not", "yet"]


@pytest.mark.usefixtures("at_80_columns")
def test_the_wide_tickets_table_at_80_columns_says_its_durations_are_working_hours() -> None:
    result = run("report", SAMPLE, "--wide")
    assert result.exit_code == 0, result.stderr
    tickets = result.stdout.split("Compliance per level")[0]
    assert "Tickets, most urgent first (elapsed and remaining: working hours)" in tickets
    assert not DAYS.search(tickets)
    t0104 = tickets.split("T-0104")[1].split("T-0221")[0]
    resolution = next(line for line in t0104.splitlines() if "resolution" in line)
    assert resolution.split()[-4:] == ["3811h", "04m", "-3763h", "04m"]


def test_every_duration_cell_of_the_report_is_in_hours_and_minutes(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = run("report", SAMPLE, "--wide", "--limit", "all", "-o", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert not DAYS.search(text)
    cells = re.findall(r"-?\d+h \d\dm", text)
    assert len(cells) > 1000
    assert all(HOURS.match(cell) for cell in cells)


def test_elapsed_says_its_working_time_in_working_hours() -> None:
    result = run("elapsed", "2026-04-30T17:30+03:00", "2026-05-08T17:30+03:00")
    assert result.exit_code == 0, result.stderr
    # More than a day's 24 hours of working time: hours still, no "1d 20h".
    assert result.stdout.startswith("44h 00m of working time (158400 s) from ")


# -- a newcomer's stumbles: one line that says what to do, exit code 2 -------------------


def write(tmp_path: Path, text: str, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.usefixtures("at_80_columns")
@pytest.mark.parametrize(("delimiter", "shown"), [(";", ";"), ("\t", "\\t")])
def test_a_log_separated_by_semicolons_is_told_its_delimiter(
    tmp_path: Path, delimiter: str, shown: str
) -> None:
    log = write(tmp_path, delimiter.join(["ticket", "time", "event", "level"]) + "\n"
                + delimiter.join(["T-1", "2026-05-04T09:00+03:00", "opened",
                                  "partner.standard"]) + "\n")
    result = run("report", log)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line.startswith(f"slaclock: error: {log}:1: the header lacks the column(s) ")
    assert (f"the header seems to be separated by '{shown}': slaclock reads "
            "comma-separated CSV, so save the log with commas") in line
    assert f'delimiter = "{shown}"' in line


def test_a_header_that_lacks_a_column_gets_no_delimiter_hint(tmp_path: Path) -> None:
    result = run("report", write(tmp_path, "ticket;when;event\nT-1;x;opened\n"))
    assert result.exit_code == 2
    assert "separated by" not in one_line_error(result)


def test_an_export_read_with_the_wrong_delimiter_still_names_its_own(tmp_path: Path) -> None:
    from slaclock.helpdesks import ExportError, load_mapping, read_export

    path = write(tmp_path, "ticket;time;field;old_value;new_value;author_role\n")
    with pytest.raises(ExportError, match="the header is ';'-separated: set delimiter = \";\""):
        read_export(path, load_mapping("status-history"))


@pytest.mark.usefixtures("at_80_columns")
def test_a_day_first_time_in_a_log_points_at_a_mappings_time_format(tmp_path: Path) -> None:
    log = write(tmp_path, "ticket,time,event,level\n"
                          "T-1,04.05.2026 09:00,opened,partner.standard\n")
    result = run("report", log)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "unparseable time '04.05.2026 09:00': expected ISO 8601 with an offset" in line
    assert ('time_format = "DD.MM.YYYY HH:mm" reads it, in the [log] table of a mapping '
            "given with --map") in line
    strict = run("report", log, "--strict")
    assert strict.exit_code == 2
    assert "time_format" in one_line_error(strict)


def _error_after_totals(result: Any) -> str:
    """The one error line of a report of an export, after the export's totals."""
    totals, error = result.stderr.splitlines()
    assert result.exit_code == 2
    assert "1 row read: 0 made events, 0 ignored, 1 refused" in totals
    assert "Traceback" not in result.stderr
    return str(error)


def test_a_day_first_time_in_an_export_names_the_time_format_that_reads_it(
        tmp_path: Path) -> None:
    # 13.06.2026: a day over 12 first, and dots, so day first.
    export = write(tmp_path, "ticket,time,field,old_value,new_value,author_role\n"
                             "7,13.06.2026 09:05,status,,open,customer\n")
    line = _error_after_totals(run("report", export, "--map", "status-history"))
    assert "time '13.06.2026 09:05' is not ISO 8601" in line
    assert 'time_format = "DD.MM.YYYY HH:mm" reads it, in the mapping\'s [log]' in line


def test_a_slashed_date_that_could_be_either_way_names_both_time_formats(
        tmp_path: Path) -> None:
    export = write(tmp_path, "ticket,time,field,old_value,new_value,author_role\n"
                             "7,06/01/2026 9:05 PM,status,,open,customer\n")
    line = _error_after_totals(run("report", export, "--map", "status-history"))
    assert ('time_format = "DD/MM/YYYY h:mm A" or time_format = "MM/DD/YYYY h:mm A" reads '
            "it") in line


def test_a_time_that_is_no_date_at_all_gets_no_time_format_hint(tmp_path: Path) -> None:
    log = write(tmp_path, "ticket,time,event,level\nT-1,soon,opened,partner.standard\n")
    line = one_line_error(run("report", log))
    assert "unparseable time 'soon'" in line
    assert "time_format" not in line


@pytest.mark.usefixtures("at_80_columns")
@pytest.mark.parametrize(
    ("name", "said"),
    [("zendesk_ticket_events.json", "this looks like a Zendesk ticket events export: add "
                                    "--map zendesk"),
     ("jira_issues.json", "this looks like a Jira issue export: add --map jira"),
     ("zendesk_ticket_metric_events.json", "report on the ticket events export with --map "
                                           "zendesk")],
)
def test_a_helpdesk_export_without_map_says_which_map_to_add(name: str, said: str) -> None:
    result = run("report", EXAMPLES / name)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line.startswith(f"slaclock: error: {EXAMPLES / name}:1: this looks like ")
    assert line.endswith(said)
    assert "bad rows" not in line


def test_a_zendesk_export_on_one_line_without_map_says_add_map_zendesk(tmp_path: Path) -> None:
    import json

    data = json.loads((EXAMPLES / "zendesk_ticket_events.json").read_text(encoding="utf-8"))
    result = run("report", write(tmp_path, json.dumps(data), "events.json"))
    assert result.exit_code == 2
    assert one_line_error(result).endswith(
        "events.json:1: this looks like a Zendesk ticket events export: add --map zendesk")


def test_a_json_document_that_is_no_export_is_told_a_log_is_json_lines(tmp_path: Path) -> None:
    text = '[\n  {"ticket": "T-1", "time": "2026-05-04T09:00+03:00", "event": "opened"}\n]\n'
    result = run("report", write(tmp_path, text, "events.json"))
    assert result.exit_code == 2
    assert "one JSON document, not JSON lines: a log in JSON is one event object per line" \
        in one_line_error(result)


def test_a_json_lines_log_still_reads_after_the_export_check(tmp_path: Path) -> None:
    text = ('{"ticket": "T-1", "time": "2026-05-04T09:00+03:00", "event": "opened", '
            '"level": "partner.standard", "issues": 2}\n')
    result = run("report", write(tmp_path, text, "events.json"), "-f", "json")
    assert result.exit_code == 0, result.stderr


@pytest.mark.usefixtures("at_80_columns")
def test_an_unknown_map_is_said_once_with_the_built_in_mappings() -> None:
    result = run("report", SAMPLE, "--map", "kayako")
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line.count("kayako") == 1
    assert "'--map': 'kayako' is neither a built-in mapping nor a mapping file" in line
    assert "the built-in mappings are zendesk, jira, status-history" in line
    assert "did you mean" not in line  # Kayako is no typo of any of them
    typo = one_line_error(run("report", SAMPLE, "--map", "zendsk"))
    assert "(did you mean 'zendesk'?)" in typo


def test_a_bad_mapping_file_is_named_once(tmp_path: Path) -> None:
    mapping = write(tmp_path, '[log]\ndelimiter = ";;"\n', "map.toml")
    line = one_line_error(run("report", SAMPLE, "--map", mapping))
    assert line.count("map.toml") == 1
    assert "map.toml: log." in line


def test_a_ticket_without_its_created_event_is_told_in_the_events_own_words() -> None:
    from datetime import UTC, datetime

    from slaclock import Event, EventError, Regulation, Ticket, report

    at = datetime(2026, 5, 4, 9, tzinfo=UTC)
    events = [
        Event("Z-1", at, "created", level="partner.standard", status="open", author="customer"),
        Event("Z-2", at, "status", status="pending"),
        Event("Z-3", at, "responded"),
    ]
    got = report(events, at=datetime(2026, 5, 5, tzinfo=UTC))
    reasons = {bad.ticket: bad.reason for bad in got.rejected}
    assert reasons == {
        "Z-2": "ticket 'Z-2' has no 'created' event (the event that opens a ticket)",
        "Z-3": "ticket 'Z-3' has no 'opened' event",
    }
    ticket = Ticket("Z-2", Regulation.default())
    ticket.record(events[1])
    with pytest.raises(EventError, match=r"^ticket 'Z-2' has no 'created' event \(the event "):
        ticket.status(datetime(2026, 5, 5, tzinfo=UTC))


def test_a_log_of_general_events_without_created_says_created(tmp_path: Path) -> None:
    log = write(tmp_path, "ticket,time,event,level,status,author\n"
                          "Z-1,2026-05-04T09:00+03:00,created,partner.standard,open,customer\n"
                          "Z-2,2026-05-04T09:00+03:00,status,,pending,\n"
                          "Z-2,2026-05-04T10:00+03:00,responded,,,\n")
    result = run("report", log, "--strict")
    assert result.exit_code == 2
    assert one_line_error(result).endswith(
        "log.csv:3: ticket 'Z-2' has no opening event ('opened' or 'created')")


def test_a_report_for_a_chart_with_limit_0_lists_no_ticket(tmp_path: Path) -> None:
    # --limit 0 with --plot printed all 4,825 lines of the sample's tickets: 0 lists none.
    png = tmp_path / "compliance.png"
    result = run("report", SAMPLE, "--limit", "0", "--plot", png)
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Tickets, most urgent first" not in result.stdout
    assert "0 of 2000 tickets listed (--limit all lists all" in result.stdout
    assert len(result.stdout.splitlines()) < 120


def test_limit_all_lists_every_ticket_and_a_bad_limit_says_what_it_takes() -> None:
    result = run("report", SAMPLE, "--limit", "all")
    assert result.exit_code == 0
    assert "tickets listed" not in result.stdout
    bad = run("report", SAMPLE, "--limit", "some")
    assert bad.exit_code == 2
    assert "'some' is not a number of tickets: give 0 or more, or 'all'" in bad.stderr


def test_the_plot_is_drawn_to_a_pdf_as_report_plot_saves_one(tmp_path: Path) -> None:
    pdf = tmp_path / "compliance.pdf"
    result = run("report", SAMPLE, "--limit", "0", "--plot", pdf)
    assert result.exit_code == 0, result.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"
    gif = one_line_error(run("report", SAMPLE, "--plot", tmp_path / "c.gif"))
    assert "must end in .png, .svg or .pdf" in gif


def test_a_since_that_is_no_date_says_so_not_that_it_lacks_an_offset() -> None:
    result = run("report", SAMPLE, "--since", "2026-13-01")
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "'2026-13-01' is not a date (month must be in 1..12)" in line
    assert "offset" not in line


@pytest.mark.parametrize("text", ["2026-5-1", "nonsense", "yesterday"])
def test_a_since_or_until_that_is_no_time_says_what_they_take(text: str) -> None:
    for option in ("--since", "--until"):
        line = one_line_error(run("report", SAMPLE, option, text))
        assert f"'{text}' is neither a date (2026-05-01) nor a time in ISO 8601" in line
        assert "with an offset, e.g." not in line


@pytest.mark.parametrize(("args", "code"), [
    (["report", "{sample}", "--limit", "0", "--plot", "{tmp}/c.png"], 0),
    (["report", "{sample}", "--limit", "0", "--plot", "{tmp}/c.pdf"], 0),
    (["report", "{sample}", "--since", "2026-13-01"], 2),
    (["report", "{sample}", "--level", "commercial.standart"], 2),
    (["report", "{examples}/zendesk_ticket_events.json"], 2),
    (["report", "{sample}", "--map", "kayako"], 2),
    (["calendar", "26"], 2),
    (["deadline", "--level", "commercial.standart", "--opened", "2026-06-01T10:00+03:00"], 2),
])
def test_each_stumble_as_a_manager_s_80_column_terminal_shows_it(
    args: list[str], code: int, tmp_path: Path,
) -> None:
    # The command as a person runs it: in its own process, its output a real terminal
    # (a pseudo-terminal) 80 columns wide. What it prints fits, an error is one line.
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import termios

    argv = [a.format(sample=SAMPLE, tmp=tmp_path, examples=SAMPLE.parent) for a in args]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 80, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "slaclock", *argv], stdout=slave, stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "TERM": "xterm"},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed with the command
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.stderr is not None
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == code, stderr
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode())
    assert "Traceback" not in stderr
    assert all(len(line) <= 80 for line in screen.splitlines()), screen
    if code:
        assert len(stderr.splitlines()) == 1, stderr
    else:
        assert "Compliance per level" in screen
