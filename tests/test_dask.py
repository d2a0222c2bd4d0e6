"""Dask: the array functions per partition, ``slaclock.report`` of a Dask DataFrame, and
``slaclock report`` on Dask workers (a local cluster of ``--jobs`` processes, or a running
scheduler's address), all byte for byte the same as one process.

One local cluster serves the whole module (started once, closed quietly at the end).
"""

from __future__ import annotations

import gc
import logging
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402

import slaclock  # noqa: E402
from cli_runner import one_line_error, run  # noqa: E402
from slaclock import Calendar  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "tickets.csv"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A local cluster of two worker processes on TCP (so a second process can reach its
    scheduler), quiet, closed without fail however slow the machine is."""
    with dask.config.set({
        "distributed.scheduler.allowed-failures": 0,
        "distributed.comm.timeouts.connect": "120s",
    }):
        local = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
            dashboard_address=None, silence_logs=logging.CRITICAL,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not 8787: it may be taken
        )
    try:
        yield local
    finally:
        _close_quietly(local)


def _close_quietly(closable: Any) -> None:
    """Close a cluster or client: a slow close is not a test failure, nor is what Dask's
    objects say while they are collected (unraisable exceptions of ``__del__``)."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        from slaclock.reporting._dask import _close

        _close(closable)
        gc.collect()
    finally:
        sys.unraisablehook = hook


@pytest.fixture(scope="module")
def client(cluster: Any) -> Iterator[Any]:
    connected = distributed.Client(cluster, set_as_default=False)
    try:
        yield connected
    finally:
        _close_quietly(connected)


# -- the array functions per partition ----------------------------------------------------


def response_time(part: pd.DataFrame) -> pd.Series:
    return Calendar.russia().business_time(part["opened"], part["resolved"])


def deadline(part: pd.DataFrame) -> pd.Series:
    return Calendar.russia().add(part["opened"], timedelta(hours=8))


def test_map_partitions_on_a_local_cluster(client: Any) -> None:
    opened = pd.Series(
        pd.date_range("2026-04-27 08:00", periods=200, freq="53min", tz="Europe/Moscow")
    )
    tickets = pd.DataFrame({"opened": opened, "resolved": opened + pd.Timedelta(hours=30)})
    frame = dd.from_pandas(tickets, npartitions=4)
    cal = Calendar.russia()
    spent = frame.map_partitions(response_time, meta=pd.Series(dtype="timedelta64[us]"))
    due = frame.map_partitions(
        deadline, meta=pd.Series(dtype="datetime64[us, Europe/Moscow]", name="opened")
    )
    got_spent, got_due = client.compute([spent, due], sync=True)
    pd.testing.assert_series_equal(got_spent, cal.business_time(opened, tickets["resolved"]))
    pd.testing.assert_series_equal(got_due, cal.add(opened, timedelta(hours=8)), check_names=False)


# -- slaclock.report of a Dask DataFrame --------------------------------------------------


def assert_same_report(got: slaclock.Report, want: slaclock.Report) -> None:
    assert got.at == want.at
    assert list(got.tickets) == list(want.tickets)  # the order tickets opened, too
    assert got.tickets == want.tickets
    assert got.rejected == want.rejected
    assert got.summary.as_dict() == want.summary.as_dict()
    assert (got.events, got.after_at, got.not_yet_opened) == (
        want.events, want.after_at, want.not_yet_opened)


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_a_report_on_a_dask_frame_is_the_report_on_the_pandas_frame(
    client: Any, npartitions: int
) -> None:
    frame = pd.read_csv(SAMPLE)
    want = slaclock.report(frame)
    with dask.config.set(scheduler=client):
        got = slaclock.report(dd.from_pandas(frame, npartitions=npartitions))
    assert_same_report(got, want)
    assert len(got.tickets) == 2000


def messy_log(seed: int) -> pd.DataFrame:
    """Rows of the sample in a random order with bad rows among them: unknown levels and
    events, bad times, rows without a ticket id, tickets without an opening, two tickets
    opened at the same instant, ticket ids with spaces around them; times as text or as
    timestamps."""
    rng = random.Random(seed)
    sample = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    tickets = rng.sample(sorted(set(sample["ticket"])), 150)
    rows = sample[sample["ticket"].isin(tickets)].to_dict("records")
    for row in rng.sample(rows, 12):
        row["level"] = "platinum" if row["event"] == "opened" else row["level"]
        row["time"] = rng.choice([row["time"], "yesterday", "2026-02-30T10:00+03:00"])
    for row in rng.sample(rows, 5):
        row["event"] = rng.choice(["escalated", "responded"])
    for row in rng.sample(rows, 4):
        row["ticket"] = rng.choice(["", f"  {row['ticket']} "])
    opened = [r for r in rows if r["event"] == "opened"]
    for a, b in zip(opened[::7], opened[1::7], strict=False):
        b["time"] = a["time"]
    rows.append({"ticket": "T-NO-OPENING", "time": "2026-05-04T10:00+03:00",
                 "event": "responded", "level": "", "detail": "", "coverage": ""})
    rng.shuffle(rows)
    frame = pd.DataFrame(rows)
    if seed % 2:
        frame["time"] = pd.to_datetime(frame["time"], errors="coerce", utc=True)
    return frame


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_report_on_a_messy_dask_frame_keeps_the_lines_of_the_pandas_report(
    client: Any, seed: int
) -> None:
    frame = messy_log(seed)
    want = slaclock.report(frame)
    assert want.rejected, "the log has bad rows"
    with dask.config.set(scheduler=client):
        got = slaclock.report(dd.from_pandas(frame, npartitions=2 + seed))
    assert_same_report(got, want)


def test_a_report_on_a_dask_frame_at_an_instant_and_strict() -> None:
    # Dask's default scheduler (threads), no cluster: the same report.
    frame = messy_log(5)
    at = pd.Timestamp("2026-03-01T00:00+03:00").to_pydatetime()
    ddf = dd.from_pandas(frame, npartitions=3)
    assert_same_report(slaclock.report(ddf, at=at), slaclock.report(frame, at=at))
    with pytest.raises(slaclock.EventError) as want:
        slaclock.report(frame, strict=True)
    with pytest.raises(slaclock.EventError) as got:
        slaclock.report(ddf, strict=True)
    assert str(got.value) == str(want.value)


def test_a_dask_frame_without_the_log_columns_is_refused_as_a_pandas_one() -> None:
    frame = pd.DataFrame({"ticket": ["A"], "when": ["2026-05-04T10:00+03:00"]})
    with pytest.raises(slaclock.EventError) as want:
        slaclock.report(frame)
    with pytest.raises(slaclock.EventError) as got:
        slaclock.report(dd.from_pandas(frame, npartitions=1))
    assert str(got.value) == str(want.value)


def test_a_dask_frame_is_told_from_a_pandas_one_without_importing_dask() -> None:
    from slaclock.reporting._dask import is_dask_frame

    frame = pd.DataFrame({"ticket": ["A"]})
    assert is_dask_frame(dd.from_pandas(frame, npartitions=1))
    assert not is_dask_frame(frame)
    assert not is_dask_frame([])


# -- slaclock report on Dask workers ------------------------------------------------------


BAD_ROWS = (
    "T-BAD-1,2026-05-04T10:00+03:00,opened,platinum,,\n"
    ",2026-05-04T10:00+03:00,opened,partner.standard,,\n"
    "T-BAD-2,yesterday,opened,partner.standard,,\n"
    "T-BAD-3,2026-05-04T10:00+03:00,escalated,,,\n"
    "T-BAD-4,2026-05-04T10:00+03:00,responded,,,\n"
)


@pytest.fixture(scope="module")
def messy_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with bad rows spread through it."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = BAD_ROWS.splitlines(keepends=True)
    for i, row in enumerate(bad):
        lines.insert(1 + (i + 1) * (len(lines) // (len(bad) + 1)), row)
    path = tmp_path_factory.mktemp("logs") / "messy.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


FILTERS = ("--state", "breached", "--state", "open", "--level", "commercial.standard",
           "--level", "partner.standard", "--since", "2025-06-01")


def report_bytes(tmp_path: Path, log: Path, fmt: str, *options: str) -> tuple[bytes, str]:
    out = tmp_path / f"report-{len(list(tmp_path.iterdir()))}.{fmt}"
    result = run("report", log, "-f", fmt, "-o", out, "--limit", "all", *options)
    assert result.exit_code == 0, result.stderr
    return out.read_bytes(), result.stderr


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
@pytest.mark.parametrize("case", ["sample", "bad rows and filters"])
def test_one_process_local_workers_and_a_running_cluster_write_the_same_bytes(
    tmp_path: Path, cluster: Any, messy_csv: Path, fmt: str, case: str
) -> None:
    log, options = (SAMPLE, ()) if case == "sample" else (messy_csv, FILTERS)
    one = report_bytes(tmp_path, log, fmt, "--jobs", "1", *options)
    local = report_bytes(tmp_path, log, fmt, "--jobs", "2", *options)
    remote = report_bytes(tmp_path, log, fmt, "--scheduler", cluster.scheduler_address,
                          *options)
    assert len(one[0]) > 1000
    assert local == one
    assert remote == one
    if case != "sample":
        assert "skipped 5 bad rows" in one[1]


def test_a_running_cluster_with_more_shards_than_workers(
    tmp_path: Path, cluster: Any, messy_csv: Path
) -> None:
    one = report_bytes(tmp_path, messy_csv, "json", "--jobs", "1")
    five = report_bytes(tmp_path, messy_csv, "json", "--jobs", "5", "--scheduler",
                        cluster.scheduler_address)
    assert five == one


def test_a_worker_s_error_is_the_one_line_of_one_process(
    tmp_path: Path, cluster: Any
) -> None:
    log = tmp_path / "log.csv"
    log.write_text(SAMPLE.read_text(encoding="utf-8")[:2000] + BAD_ROWS, encoding="utf-8")
    one = run("report", log, "--strict", "--jobs", "1")
    remote = run("report", log, "--strict", "--scheduler", cluster.scheduler_address)
    assert one.exit_code == remote.exit_code == 2
    assert one_line_error(remote) == one_line_error(one)
    assert one_line_error(one).startswith(f"slaclock: error: {log}:")


def test_the_command_on_workers_says_nothing_more_than_one_process(
    cluster: Any, messy_csv: Path
) -> None:
    def command(*options: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "slaclock", "report", str(messy_csv), "-f", "csv",
             *options], capture_output=True, timeout=300, check=False,
            env={**os.environ, "SLACLOCK_NO_PROGRESS": "1"},
        )

    one = command("--jobs", "1")
    for options in (("--jobs", "2"), ("--scheduler", cluster.scheduler_address)):
        other = command(*options)
        assert other.returncode == one.returncode == 0
        assert other.stderr == one.stderr  # the bad rows' lines, no Dask log line
        assert other.stdout == one.stdout


def test_one_job_does_not_import_dask() -> None:
    code = (
        "import sys\n"
        "from slaclock.cli import cli\n"
        "code = cli.main(['report', sys.argv[1], '--jobs', '0', '-f', 'json', '-o',"
        " sys.argv[2]], standalone_mode=False)\n"
        "assert code == 0, code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
        "assert not loaded, loaded\n"
    )
    out = Path(os.devnull)
    result = subprocess.run([sys.executable, "-c", code, str(SAMPLE), str(out)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("options", [("--scheduler", "processes"),
                                     ("--scheduler", "tcp://127.0.0.1:8786")])
def test_without_dask_several_jobs_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    result = run("report", SAMPLE, *options)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line.startswith(f"slaclock: error: {options[0]} ")
    assert line.endswith('pip install "slaclock[dask]"')


def test_without_dask_the_automatic_choice_is_a_pool_for_a_log_this_process_for_an_export(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from slaclock.cli import _report

    monkeypatch.setitem(sys.modules, "distributed", None)
    monkeypatch.setattr(_report, "AUTO_JOBS_BYTES", 0)  # the sample counts as large
    monkeypatch.setattr(_report, "_cpus", lambda: 2)
    assert _report.auto_jobs(str(SAMPLE)) == 2  # a pool of processes needs no Dask
    assert _report.auto_jobs(str(SAMPLE), "zendesk") == 1  # an export's workers do
    one = report_bytes(tmp_path, SAMPLE, "json", "--jobs", "1")
    assert report_bytes(tmp_path, SAMPLE, "json") == one


def test_an_unreachable_scheduler_is_a_quick_one_line_error() -> None:
    start = time.monotonic()
    result = run("report", SAMPLE, "--scheduler", "tcp://127.0.0.1:9")
    assert time.monotonic() - start < 15
    assert result.exit_code == 2
    assert one_line_error(result) == (
        "slaclock: error: --scheduler tcp://127.0.0.1:9: no Dask scheduler answers there "
        "(Connection refused); is it running, at that address?"
    )


@pytest.mark.parametrize("value", ["threads", "127.0.0.1:8786", "tcp://"])
def test_a_scheduler_that_is_no_address_is_a_usage_error(value: str) -> None:
    result = run("report", SAMPLE, "--scheduler", value)
    assert result.exit_code == 2
    assert "--scheduler" in one_line_error(result)


def test_standard_input_cannot_go_to_a_scheduler() -> None:
    result = run("report", "-", "--scheduler", "processes",
                 input=SAMPLE.read_text(encoding="utf-8"))
    assert result.exit_code == 2
    assert "not standard input" in one_line_error(result)


def test_a_running_cluster_s_workers_are_not_asked_to_pause_the_collector(
    cluster: Any, tmp_path: Path
) -> None:
    import contextlib

    from slaclock.cli._shards import Spec
    from slaclock.cli._workers import on_dask

    spec = Spec(str(SAMPLE), None, None, None, None, "json", 0, str(tmp_path), 2)
    assert spec.pause
    with contextlib.ExitStack() as stack:
        shards = on_dask(stack, str(SAMPLE), cluster.scheduler_address, 2, spec)
        assert not shards.spec.pause


def test_a_worker_that_dies_is_one_line(cluster: Any, client: Any, tmp_path: Path) -> None:
    # Last in the module: it kills one of the cluster's workers (its nanny starts another).
    from slaclock.cli._shards import Spec
    from slaclock.cli._workers import WORKER_DIED, OnDask

    spec = Spec(str(SAMPLE), None, None, None, None, "json", 0, str(tmp_path), 2)
    shards = OnDask(client, spec, ship=False, names={})
    with pytest.raises(RuntimeError) as raised:
        shards._gather([client.submit(os._exit, 1, pure=False)])
    assert str(raised.value) == WORKER_DIED
    shards.release()


def test_a_split_log_on_two_local_workers_writes_the_same_bytes(
    tmp_path: Path, messy_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slaclock.cli import _shards

    one = report_bytes(tmp_path, messy_csv, "json", "--jobs", "1")
    monkeypatch.setattr(_shards, "SPLIT_BYTES", 1024)
    monkeypatch.setattr(_shards, "BUCKET_BYTES", 100_000)
    two = report_bytes(tmp_path, messy_csv, "json", "--jobs", "2")
    assert two == one


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_a_log_with_a_record_over_two_lines_on_a_cluster_writes_the_same_bytes(
    tmp_path: Path, cluster: Any, messy_csv: Path, fmt: str
) -> None:
    """Named case: a quoted field holding a line end; no range's reader can place it, so
    a local cluster's buckets are split by the command's process and a running cluster's
    shards read the log whole."""
    lines = messy_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(len(lines) // 2,
                 'T-0002,2025-02-01T10:00+03:00,responded,,"two\nlines",\n')
    log = tmp_path / "quoted.csv"
    log.write_text("".join(lines), encoding="utf-8")
    one = report_bytes(tmp_path, log, fmt, "--jobs", "1")
    assert report_bytes(tmp_path, log, fmt, "--scheduler", "processes", "--jobs", "2") == one
    assert report_bytes(tmp_path, log, fmt, "--scheduler", cluster.scheduler_address) == one
