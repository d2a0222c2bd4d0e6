"""A log read a byte range at a time, by as many worker processes (``--jobs``): each range
split by ticket on its own, each bucket the parts of every range, reports what one reader
of the whole log reports, byte for byte, whatever the number of ranges and jobs.

The reference is :func:`~slaclock.logs.split_log` (one reader, the whole log) and the
command with ``--jobs 1``.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_runner import one_line_error, run
from slaclock.cli import _shards
from slaclock.logs import (
    byte_ranges,
    line_offsets,
    merge_ranges,
    part_path,
    read_bucket,
    read_parts,
    split_log,
    split_range,
)

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "examples" / "tickets.csv"
HEADER = "ticket,time,event,level,detail,coverage\n"
#: The sample's first rows, a few tickets' whole lives.
ROWS = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[1:400]
#: Rows that are bad on their own, or for their ticket's sake (read when grouped).
ODD = [
    "T-BAD-1,2026-05-04T10:00+03:00,opened,platinum,,\n",
    ",2026-05-04T10:00+03:00,opened,partner.standard,,\n",
    "T-BAD-2,yesterday,opened,partner.standard,,\n",
    "T-BAD-3,2026-05-04T10:00+03:00,escalated,,,\n",
    "\n",
    'T-0001,2025-02-01T10:00+03:00,responded,,"a detail, quoted, with ""quotes""",\n',
]


def ranged(path: Path, ranges: int, buckets: int, workdir: Path) -> tuple[object, list[list]]:
    """The split of the log read a range at a time, and each bucket's rows."""
    cut = byte_ranges(str(path), ranges)
    assert cut is not None
    names = [str(workdir / f"r-{i}") for i in range(buckets)]
    found = [split_range(str(path), cut, r, names, details=False)
             for r in range(len(cut.bounds))]
    assert all(part.whole for part in found)
    offsets = line_offsets(found)
    rows = [list(read_parts((part_path(b, r), offsets[r]) for r in range(len(found))))
            for b in names]
    split = merge_ranges(found, names)
    return (split.rows, split.bad, split.latest, split.latest_bucket), rows


def whole(path: Path, buckets: int, workdir: Path) -> tuple[object, list[list]]:
    """The split of the log by one reader."""
    split = split_log(path, workdir, buckets, details=False)
    return ((split.rows, split.bad, split.latest, split.latest_bucket),
            [list(read_bucket(b)) for b in split.buckets])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.sampled_from(ROWS + ODD), min_size=0, max_size=60),
    ranges=st.integers(1, 7),
    buckets=st.integers(1, 5),
    crlf=st.booleans(),
    bom=st.booleans(),
    last_newline=st.booleans(),
)
def test_any_number_of_ranges_splits_as_one_reader(
    tmp_path_factory: pytest.TempPathFactory, rows: list[str], ranges: int, buckets: int,
    crlf: bool, bom: bool, last_newline: bool,
) -> None:
    """Property: the rows, bad rows (their lines and reasons), row count and latest row
    of a log read in any number of ranges are one reader's, bucket for bucket."""
    text = HEADER + "".join(rows)
    if not last_newline and rows:  # (a header without its line end is never cut)
        text = text.rstrip("\n")
    if crlf:
        text = text.replace("\n", "\r\n")
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    directory = tmp_path_factory.mktemp("ranges")
    log = directory / "log.csv"
    log.write_bytes(data)
    (directory / "a").mkdir()
    (directory / "b").mkdir()
    assert ranged(log, ranges, buckets, directory / "a") == whole(log, buckets, directory / "b")


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("ranges", [1, 2, 3, 8])
def test_json_lines_split_as_one_reader(tmp_path: Path, ranges: int, bom: bool) -> None:
    lines = [
        '{"ticket": "T-1", "time": "2026-05-04T10:00+03:00", "event": "opened", '
        '"level": "partner.standard"}\n',
        "\n",
        "not json\n",
        '{"ticket": "T-2", "time": "2026-05-04T11:00+03:00", "event": "opened", '
        '"level": "partner.standard"}\r\n',
        '{"ticket": "T-1", "time": "2026-05-04T12:00+03:00", "event": "responded"}\n',
        "[1, 2]\n",
        '{"ticket": "T-3", "time": "later", "event": "opened"}\n',
    ]
    log = tmp_path / "log.jsonl"
    log.write_text("\ufeff" * bom + "".join(lines * 5), encoding="utf-8", newline="")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert ranged(log, ranges, 3, tmp_path / "a") == whole(log, 3, tmp_path / "b")


def test_a_record_over_a_line_end_makes_its_range_not_whole(tmp_path: Path) -> None:
    """Named case: a quoted field holding a line end, in whichever range, and a quoted
    field that runs past a range's end: the log is then read by one reader."""
    log = tmp_path / "log.csv"
    middle = 'T-0001,2025-02-01T10:00+03:00,responded,,"two\nlines",\n'
    log.write_text(HEADER + "".join(ROWS[:40]) + middle + "".join(ROWS[40:80]),
                   encoding="utf-8")
    for count in (1, 2, 3, 5):
        cut = byte_ranges(str(log), count)
        assert cut is not None
        found = [split_range(str(log), cut, r, 2) for r in range(len(cut.bounds))]
        assert sum(not part.whole for part in found) == 1, count


def test_a_quote_never_closed_in_a_range_is_not_whole(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(HEADER + "".join(ROWS[:40]) + 'T-9,2025-02-01T10:00+03:00,opened,x,"open\n',
                   encoding="utf-8")
    cut = byte_ranges(str(log), 1)
    assert cut is not None
    assert not split_range(str(log), cut, 0, 2).whole


def test_the_cuts_fall_at_line_starts(tmp_path: Path) -> None:
    """Named case: each range starts just after a ``\\n``, the first after the header;
    the ranges cover the body without a gap; a header with a quote is not cut."""
    log = tmp_path / "log.csv"
    log.write_bytes((HEADER + "".join(ROWS[:50])).replace("\n", "\r\n").encode())
    data = log.read_bytes()
    cut = byte_ranges(str(log), 4)
    assert cut is not None
    assert cut.header == HEADER.replace("\n", "\r\n")
    assert cut.bounds[0][0] == len(HEADER) + 1
    assert cut.bounds[-1][1] == len(data)
    for (_, end), (start, _) in zip(cut.bounds, cut.bounds[1:], strict=False):
        assert end == start
        assert data[start - 1:start] == b"\n"
    assert len(cut.bounds) == 4
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('"ticket",time,event\n', encoding="utf-8")
    assert byte_ranges(str(quoted), 2) is None
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert byte_ranges(str(empty), 2) is None


# -- the command -------------------------------------------------------------------------


def report(tmp_path: Path, log: Path, fmt: str, *options: str) -> tuple[int, bytes, str]:
    out = tmp_path / f"report-{len(list(tmp_path.iterdir()))}.{fmt}"
    # The table's 60 most urgent: every bucket's own most urgent merged (a table of every
    # ticket takes a while to draw).
    limit = "60" if fmt == "table" else "all"
    result = run("report", log, "-f", fmt, "-o", out, "--limit", limit, *options)
    return result.exit_code, out.read_bytes() if out.exists() else b"", result.stderr


def messy(tmp_path: Path, name: str = "messy.csv", *, crlf: bool = False, bom: bool = False,
          quoted_newline: bool = False) -> Path:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    extra = ODD + (['T-0002,2025-02-01T10:00+03:00,responded,,"two\nlines",\n']
                   if quoted_newline else [])
    for i, row in enumerate(extra):
        lines.insert(1 + (i + 1) * (len(lines) // (len(extra) + 1)), row)
    text = "".join(lines)
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
@pytest.mark.parametrize("case", ["messy", "crlf and bom", "quoted newline"])
def test_jobs_write_the_bytes_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, case: str
) -> None:
    log = messy(tmp_path, crlf=case == "crlf and bom", bom=case == "crlf and bom",
                quoted_newline=case == "quoted newline")
    one = report(tmp_path, log, fmt, "--jobs", "1")
    assert one[0] == 0, one[2]
    assert len(one[1]) > 1000
    monkeypatch.setattr(_shards, "BUCKET_BYTES", 100_000)  # several buckets a worker
    for jobs in ("2", "3"):
        assert report(tmp_path, log, fmt, "--jobs", jobs) == one


def test_json_lines_on_jobs_write_the_bytes_of_one_process(tmp_path: Path) -> None:
    import csv
    import json

    log = tmp_path / "log.jsonl"
    with SAMPLE.open(encoding="utf-8") as f, log.open("w", encoding="utf-8") as out:
        for row in csv.DictReader(f):
            out.write(json.dumps({k: v for k, v in row.items() if v}) + "\n")
        out.write("not json\n")
    one = report(tmp_path, log, "json", "--jobs", "1")
    assert one[0] == 0, one[2]
    assert report(tmp_path, log, "json", "--jobs", "2") == one


def test_strict_on_jobs_is_the_first_bad_row_of_one_process(tmp_path: Path) -> None:
    log = messy(tmp_path)
    one = run("report", log, "--strict", "--jobs", "1")
    two = run("report", log, "--strict", "--jobs", "2")
    assert one.exit_code == two.exit_code == 2
    assert one_line_error(two) == one_line_error(one)


def test_a_byte_not_utf8_on_jobs_is_the_line_of_one_process(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    text = SAMPLE.read_bytes()
    middle = len(text) * 3 // 4
    log.write_bytes(text[:middle] + b"\xff" + text[middle:])
    one = run("report", log, "--jobs", "1")
    two = run("report", log, "--jobs", "2")
    assert one.exit_code == two.exit_code == 2
    assert one_line_error(two) == one_line_error(one)
    assert "not UTF-8" in one_line_error(one)


def test_jobs_need_no_dask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    one = report(tmp_path, SAMPLE, "csv", "--jobs", "1")
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    monkeypatch.setitem(sys.modules, "dask", None)
    assert report(tmp_path, SAMPLE, "csv", "--jobs", "2") == one


def test_a_worker_process_that_dies_is_one_line(tmp_path: Path) -> None:
    from slaclock.cli._shards import Spec
    from slaclock.cli._workers import PROCESS_DIED, ClusterError, OnPool

    spec = Spec(str(SAMPLE), None, None, None, None, "json", 0, str(tmp_path), 2)
    pool = OnPool(spec, 2)
    try:
        future = pool.pool.submit(os.kill, os.getpid(), 0)  # the pool is up
        future.result()
        dying = {pool.pool.submit(os._exit, 1): 0}
        with pytest.raises(ClusterError) as raised:
            list(pool._completed(dying))
        assert str(raised.value) == PROCESS_DIED
    finally:
        pool.close(True)


def test_the_pool_is_stopped_however_the_run_ends(tmp_path: Path) -> None:
    """Named case: a run that fails stops its workers at once."""
    from slaclock.cli._shards import Spec
    from slaclock.cli._workers import OnPool

    spec = Spec(str(SAMPLE), None, None, None, None, "json", 0, str(tmp_path), 2)
    pool = OnPool(spec, 2)
    pool.pool.submit(signal.getsignal, signal.SIGINT).result()
    processes = list(pool.pool._processes.values())  # type: ignore[attr-defined]
    pool.close(True)
    assert processes
    for process in processes:  # stopped: each ends within moments, never left running
        process.join(10)
    assert all(not p.is_alive() for p in processes)


def test_the_number_of_buckets_of_a_log_read_in_ranges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Named case: about BUCKET_BYTES of the log a bucket, as many for each worker."""
    log = tmp_path / "log.csv"
    log.write_bytes(b"x" * 1000)
    monkeypatch.setattr(_shards, "BUCKET_BYTES", 300)  # 4 buckets' worth
    assert [_shards.ranged_buckets(str(log), n) for n in (1, 2, 3, 4, 5)] == [4, 4, 6, 4, 5]
    monkeypatch.setattr(_shards, "BUCKET_BYTES", 10_000)
    assert [_shards.ranged_buckets(str(log), n) for n in (1, 2)] == [1, 2]


def test_more_jobs_than_lines(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(HEADER + "".join(ROWS[:3]), encoding="utf-8")
    one = report(tmp_path, log, "json", "--jobs", "1")
    assert one[0] == 0, one[2]
    assert report(tmp_path, log, "json", "--jobs", "4") == one
