"""The CSV reader's fast path against the slow one, and a stray quote against a blank line.

The reader parses a clean row of the common shape itself and hands every other row to
:class:`~slaclock.logs.RowChecker`; both must give the same rows. A quote that is never
closed must cost its own row only: the log reads as if that line were blank.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slaclock.logs import BadRow, EventLog, Row, RowChecker, read_rows, split_log
from slaclock.logs._rows import COLUMNS, KINDS

TICKETS = st.sampled_from(["T-1", "T-2", "T-3", " T-4", "T-5 ", "", "  ", "T,6", 'T"7'])
TIMES = st.sampled_from([
    "2026-04-30T17:30:00+03:00", "2026-04-30T17:30+03:00", "2026-05-04T10:00:00Z",
    "2026-05-04T10:00:00.250000+00:00", " 2026-04-30T17:30+03:00", "2026-04-30 17:30",
    "20260430T173000+0300", "soon", "", "2026-02-30T10:00+03:00",
])
EVENTS = st.sampled_from([*KINDS, " opened", "RESPONDED", "Waiting ", "closed", ""])
LEVELS = st.sampled_from(["", "partner.standard", " commercial.standard", "x ", "  "])
FREE = st.text(alphabet='ab ,"\n\r\t;', max_size=12)
OPTIONAL = {
    "coverage": st.sampled_from(["", "business", "24x7", " 24X7", "always"]),
    "customer": st.sampled_from(["", "ACME", " acme "]),
    "category": st.sampled_from(["", "development", "errors"]),
    "signed": st.sampled_from(["", "2025-03-01", "March", " 2025-03-01"]),
    "status": st.sampled_from(["", "Pending", " solved"]),
    "author": st.sampled_from(["", "desk", "Customer", "bot"]),
    "field": st.sampled_from(["", "priority", "level", "customer"]),
    "value": st.sampled_from(["", "high", "partner.standard"]),
}


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[str], list[dict[str, str]]]:
    """A header (the required columns and some optional ones, in any order and case) and
    rows of cells that are clean or not in every way the reader knows of."""
    extra = draw(st.lists(st.sampled_from(COLUMNS[3:]), unique=True))
    header = draw(st.permutations(["ticket", "time", "event", *extra]))
    header = [draw(st.sampled_from([name, name.upper(), f" {name}"])) for name in header]
    strategies = {"ticket": TICKETS, "time": TIMES, "event": EVENTS, "level": LEVELS,
                  "detail": FREE, **OPTIONAL}
    rows = draw(st.lists(
        st.fixed_dictionaries({name: strategies[name.strip().lower()] for name in header}),
        max_size=12,
    ))
    return header, rows


def write_csv(header: list[str], rows: list[dict[str, str]], terminator: str) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=terminator)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[name] for name in header])
    return out.getvalue()


def slow_rows(text: str) -> list[Row | BadRow]:
    """Every record through the checker, its line counted by the csv module."""
    reader = csv.reader(io.StringIO(text, newline=""))
    names = [name.strip().lower() for name in next(reader)]
    check = RowChecker(None)
    out: list[Row | BadRow] = []
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line is not a row
        values = dict(zip(names, cells + [""] * (len(names) - len(cells)), strict=False))
        out.append(check(line, *(values.get(name) for name in COLUMNS)))
    return out


def comparable(rows: list[Row | BadRow]) -> list[object]:
    """Rows with their times as ISO text: equal instants of other offsets stay apart."""
    return [row._replace(at=row.at.isoformat()) if isinstance(row, Row) else row
            for row in rows]


@given(logs(), st.sampled_from(["\n", "\r\n"]))
def test_the_fast_path_reads_every_row_as_the_checker_does(
    log: tuple[list[str], list[dict[str, str]]], terminator: str
) -> None:
    header, rows = log
    text = write_csv(header, rows, terminator)
    fast = list(read_rows(io.StringIO(text, newline=""), source="log.csv"))
    assert comparable(fast) == comparable(slow_rows(text))


@st.composite
def logs_with_a_stray_quote(draw: st.DrawFn) -> tuple[str, str, int]:
    """A log of rows with known events, and the same log with one line opening a quote it
    never closes (instead of a blank line); the line number of that line."""
    rows = draw(st.lists(st.fixed_dictionaries({
        "ticket": st.sampled_from(["T-1", "T-2", "T 3"]),
        "time": TIMES,
        "event": st.sampled_from([*KINDS, "OPENED", " responded"]),
        "level": LEVELS,
        "detail": st.text(alphabet='ab "\n', max_size=10),
    }), max_size=8))
    header = ["ticket", "time", "event", "level", "detail"]
    lines = write_csv(header, rows, "\n").splitlines(keepends=True)
    # Insert at a record boundary: after the header or after any complete record.
    boundaries = [1]
    record = io.StringIO("".join(lines[1:]), newline="")
    reader = csv.reader(record)
    for _ in reader:
        boundaries.append(reader.line_num + 1)
    at = draw(st.sampled_from(boundaries))
    stray = 'T-9,2026-04-30T17:30+03:00,responded,,"Screen is 5"" wide\n'
    blank = "\n"
    return ("".join([*lines[:at], blank, *lines[at:]]),
            "".join([*lines[:at], stray, *lines[at:]]), at + 1)


@given(logs_with_a_stray_quote())
def test_a_stray_quote_costs_its_own_row_only(case: tuple[str, str, int]) -> None:
    with_blank, with_stray, line = case
    expected = list(read_rows(io.StringIO(with_blank, newline=""), source="log.csv"))
    got = list(read_rows(io.StringIO(with_stray, newline=""), source="log.csv"))
    bad = [row for row in got if isinstance(row, BadRow) and row.line == line]
    assert len(bad) == 1, got
    assert "never closed" in bad[0].reason
    assert bad[0].ticket == "T-9"
    assert comparable([row for row in got if row is not bad[0]]) == comparable(expected)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(logs(), st.integers(1, 5), st.sampled_from(["\n", "\r\n"]))
def test_a_log_split_into_buckets_groups_as_the_whole_log(
    tmp_path_factory: pytest.TempPathFactory,
    log: tuple[list[str], list[dict[str, str]]], buckets: int, terminator: str,
) -> None:
    header, rows = log
    workdir = tmp_path_factory.mktemp("split")
    path = workdir / "log.csv"
    path.write_text(write_csv(header, rows, terminator), encoding="utf-8", newline="")
    whole = EventLog.read(path)
    split = split_log(path, workdir, buckets)
    assert split.rows == whole.rows
    parts = [EventLog.from_bucket(bucket) for bucket in split.buckets]
    tickets = {t: rows for part in parts for t, rows in part.tickets.items()}
    assert {t: comparable(r) for t, r in tickets.items()} == {
        t: comparable(r) for t, r in whole.tickets.items()}
    bad = sorted([*split.bad, *(b for part in parts for b in part.bad)], key=lambda b: b.line)
    assert bad == whole.bad
    lasts = [part.last for part in parts if part.last is not None]
    assert max(lasts, default=None) == whole.last
    assert split.latest is None or whole.last is None or split.latest >= whole.last
