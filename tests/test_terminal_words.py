"""Words a support manager reads right in the terminal: working time in working hours
(never days of 24 hours), and the stumbles of a newcomer's first commands, each answered
by one line that says what to do."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from cli_runner import run
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
    result = run("report", SAMPLE, "--wide", "--limit", "0", "-o", out)
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
