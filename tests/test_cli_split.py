"""A large log split by ticket into buckets, each read and replayed alone, reports what the
log read whole reports, byte for byte (the sizes that split a log are made small here)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from cli_runner import collector_seen, one_line_error, run
from slaclock.cli import _report, _shards
from slaclock.logs import split_log

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "examples" / "tickets.csv"

BAD_ROWS = (
    "T-BAD-1,2026-05-04T10:00+03:00,opened,platinum,,\n"
    ",2026-05-04T10:00+03:00,opened,partner.standard,,\n"
    "T-BAD-2,yesterday,opened,partner.standard,,\n"
    "T-0002,2025-01-08T04:31:51+03:00,opened,commercial.standard,Question: user rights for the cashier role,\n"  # noqa: E501
)
#: The latest row of the log belongs to a ticket that never opened: the split's latest
#: row is not the log's last instant.
NEVER_OPENED = "T-LATE,2026-12-30T10:00+03:00,responded,,,\n"


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every log over 1 kB is split, in buckets of about 100 kB (six for the sample), and
    counted by rows (the columnar engine reads no log that large)."""
    monkeypatch.setattr(_report, "COLUMNS_BYTES", 0)
    monkeypatch.setattr(_shards, "SPLIT_BYTES", 1024)
    monkeypatch.setattr(_shards, "BUCKET_BYTES", 100_000)


def messy(tmp_path: Path, *extra: str) -> Path:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = BAD_ROWS.splitlines(keepends=True)
    for i, row in enumerate(bad):
        lines.insert(1 + (i + 1) * (len(lines) // (len(bad) + 1)), row)
    path = tmp_path / "messy.csv"
    path.write_text("".join([*lines, *extra]), encoding="utf-8")
    return path


def report(tmp_path: Path, log: Path, fmt: str, *options: str) -> tuple[int, bytes, str]:
    out = tmp_path / f"report-{len(list(tmp_path.iterdir()))}.{fmt}"
    result = run("report", log, "-f", fmt, "-o", out, "--limit", "all", *options)
    return result.exit_code, out.read_bytes() if out.exists() else b"", result.stderr


def whole_and_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, log: Path, fmt: str, *options: str
) -> tuple[tuple[int, bytes, str], tuple[int, bytes, str]]:
    whole = report(tmp_path, log, fmt, *options)  # in columns
    with monkeypatch.context() as m:
        m.setattr(_report, "COLUMNS_BYTES", 0)  # split, and counted by rows
        m.setattr(_shards, "SPLIT_BYTES", 1024)
        m.setattr(_shards, "BUCKET_BYTES", 100_000)
        calls: list[int] = []
        split_log = _report.split_log

        def counting(*args: object, **kwargs: object) -> object:
            calls.append(1)
            return split_log(*args, **kwargs)  # type: ignore[arg-type]

        m.setattr(_report, "split_log", counting)
        split = report(tmp_path, log, fmt, *options)
        assert calls == [1], "the log was split"
    return whole, split


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
@pytest.mark.parametrize("options", [(), ("--state", "breached", "--level",
                                          "commercial.standard", "--since", "2025-06-01"),
                                     ("--at", "2026-03-02T12:00+03:00")])
def test_a_split_log_reports_what_the_whole_log_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, options: tuple[str, ...]
) -> None:
    whole, split = whole_and_split(tmp_path, monkeypatch, messy(tmp_path), fmt, *options)
    assert whole[0] == 0
    assert len(whole[1]) > 1000
    assert split == whole


def test_the_instant_is_the_log_s_last_even_when_the_latest_row_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole, split = whole_and_split(tmp_path, monkeypatch, messy(tmp_path, NEVER_OPENED),
                                   "json")
    assert b'"at": "2026-10-31' in whole[1]
    assert "has no 'opened' event" in whole[2]
    assert split == whole


def test_a_row_past_the_last_year_is_a_bad_row_of_a_split_log_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = "T-0001,9999-06-01T10:00+03:00,responded,,,\n"
    whole, split = whole_and_split(tmp_path, monkeypatch, messy(tmp_path, late), "json")
    assert "past the last year" in whole[2]
    assert split == whole


def test_strict_stops_at_the_first_bad_row_of_a_split_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = messy(tmp_path)
    whole = run("report", log, "--strict")
    monkeypatch.setattr(_shards, "SPLIT_BYTES", 1024)
    monkeypatch.setattr(_shards, "BUCKET_BYTES", 100_000)
    split = run("report", log, "--strict")
    assert (split.exit_code, split.stderr) == (whole.exit_code, whole.stderr)
    assert split.exit_code == 2
    assert one_line_error(split).endswith("messy.csv:3316: no ticket id")


@pytest.mark.usefixtures("split")
def test_a_split_log_of_bad_rows_only_says_so_in_one_line(tmp_path: Path) -> None:
    log = tmp_path / "bad.csv"
    log.write_text("ticket,time,event,level\n" + "T-1,soon,opened,partner.standard\n" * 100,
                   encoding="utf-8")
    result = run("report", log)
    assert result.exit_code == 2
    assert "no valid row to report on: 100 bad rows" in one_line_error(result)


def test_the_number_of_buckets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Named case: a log splits only past SPLIT_BYTES, in buckets of BUCKET_BYTES, at
    least one per worker; never standard input, an export, or a remote cluster's."""
    log = tmp_path / "log.csv"
    log.write_bytes(b"x" * 1000)
    monkeypatch.setattr(_shards, "SPLIT_BYTES", 999)
    monkeypatch.setattr(_shards, "BUCKET_BYTES", 300)
    assert _shards.split_buckets(str(log), None, None, 1) == 4
    assert _shards.split_buckets(str(log), None, "processes", 6) == 6
    assert _shards.split_buckets(str(log), None, "tcp://10.0.0.1:8786", 2) == 0
    assert _shards.split_buckets(str(log), "zendesk", None, 1) == 0
    assert _shards.split_buckets("-", None, None, 1) == 0
    monkeypatch.setattr(_shards, "SPLIT_BYTES", 1000)
    assert _shards.split_buckets(str(log), None, None, 1) == 0


@pytest.mark.usefixtures("split")
def test_no_room_to_split_is_one_line_that_says_where_and_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import errno

    from slaclock.logs import _buckets

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_buckets._Sorter, "_flush", full)  # a bucket's chunk written
    result = run("report", SAMPLE)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "cannot split the log by ticket in the temporary directory" in line
    assert "No space left on device" in line
    assert "TMPDIR" in line


def test_a_bucket_is_read_and_replayed_with_the_collector_paused_throughout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As one task of a Dask worker does it: read, then replayed, then let go.
    split = split_log(SAMPLE, tmp_path, 2, details=False)
    spec = _shards.Spec(str(SAMPLE), None, None, None, None, "json", 0, str(tmp_path), 2,
                        buckets=tuple(split.buckets))
    seen = collector_seen(monkeypatch, _shards.Shard, "replay")
    assert gc.isenabled()
    info, result = _shards._bucket(spec, 0, split.latest)
    assert info.tickets > 0
    assert result is not None
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_runs_between_the_buckets_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: None
) -> None:
    # Each bucket loads the policy again, whose calendars hold reference cycles: paused
    # across every bucket, those of each would be kept to the end.
    seen = collector_seen(monkeypatch, _shards, "_bucket")
    code, _, stderr = report(tmp_path, SAMPLE, "json", "--jobs", "1")
    assert code == 0, stderr
    assert len(seen) > 1
    assert all(seen)
