"""``slaclock report --engine columns`` (the default) against ``--engine rows``, the
per-ticket engine: the same bytes on standard output, in every format, with every filter,
on the shipped log, on the generator's varied log, and on a log whose tickets the columnar
engine leaves in part to the rows (events at one instant, refused rows); and ``--debug``
says how the tickets were counted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner import run

EXAMPLES = Path(__file__).parent.parent / "examples"

FILTERS = (
    (),
    ("--state", "breached"),
    ("--state", "at-risk", "--state", "open"),
    ("--customer", "customer-004", "--customer", "CUSTOMER-067"),
    ("--since", "2025-06-01", "--until", "2026-03-01T12:00+03:00", "--level",
     "commercial.standard"),
)


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("varied") / "varied.csv"
    subprocess.run([sys.executable, str(EXAMPLES / "generate_tickets.py"), "--varied",
                    "--tickets", "600", "--output", str(path)], check=True,
                   capture_output=True)
    return path


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped log's first 300 rows, with rows at one instant, a duplicate, a row
    before its opening and an unknown level."""
    lines = (EXAMPLES / "tickets.csv").read_text("utf-8").splitlines()[:300]
    opened = next(line for line in lines[1:] if ",opened," in line)
    ticket, time = opened.split(",")[:2]
    lines += [
        f"{ticket},{time},responded,,,",  # at the opening's instant
        f"{ticket},{time},responded,,,",  # and again
        "T-early,2025-01-01T08:00:00+03:00,responded,,,",
        "T-early,2025-01-02T08:00:00+03:00,opened,partner.standard,,",
        "T-odd,2025-01-03T08:00:00+03:00,opened,no.such.level,,",
    ]
    path = tmp_path_factory.mktemp("mixed") / "mixed.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _both(*args: object) -> None:
    columns = run("report", *args, "--engine", "columns")
    rows = run("report", *args, "--engine", "rows")
    assert columns.exit_code == rows.exit_code, (columns.stderr, rows.stderr)
    assert columns.stdout == rows.stdout
    assert columns.stderr == rows.stderr


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
@pytest.mark.parametrize("filters", FILTERS)
def test_the_engines_write_the_same_report(fmt: str, filters: tuple[str, ...]) -> None:
    _both(EXAMPLES / "tickets.csv", "--format", fmt, "--limit", "all", *filters)


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_the_engines_agree_on_the_varied_log(varied: Path, fmt: str) -> None:
    _both(varied, "--format", fmt, "--limit", "50")
    _both(varied, "--format", fmt, "--state", "breached", "--at", "2026-06-01T09:00+03:00")
    _both(varied, "--format", fmt, "--customer", "customer-004", "--customer", "Customer-067")


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_the_engines_agree_where_tickets_go_by_rows(mixed: Path, fmt: str) -> None:
    _both(mixed, "--format", fmt)


def test_debug_says_how_the_tickets_were_counted(mixed: Path) -> None:
    said = run("report", mixed, "--format", "csv", "--debug").stderr
    assert "tickets counted in columns" in said
    assert "for events at one instant or out of order" in said
    rows = run("report", mixed, "--format", "csv", "--debug", "--engine", "rows").stderr
    assert "every ticket counted by rows" in rows
