"""A stop leaves nothing behind, and no one else's code runs in a report (issue 26): SIGTERM
unwinds as Ctrl-C does, a run killed outright is cleaned up by the next, a local Dask
cluster keeps its files in the run's directory and speaks TLS only, a dead worker and a
full temporary directory are one line, and a scheduler that never answers is given up.

The signal tests run the command in a child process, held at a known point by a pause
the test's script puts there (the sizes that split a log made small, as in
tests/test_cli_split.py), with its own TMPDIR under the test's directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli_runner import one_line_error, run
from slaclock.cli import _outputs, _report, _shards
from slaclock.cli._render import atomic_output

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "tickets.csv"
#: Generous bounds: the machine is shared, and a local cluster takes seconds to start.
START = 90.0
STOP = 60.0

#: The command, held where the test says (argv[1]: "output", in the middle of writing
#: --output, its .part beside it; "buckets": once the workers have split and replayed
#: the buckets, still running) until it is stopped; the file argv[2] tells the test it is
#: held. A log over 1 kB is split, in buckets of about 100 kB.
HELD = """
import sys, time
from slaclock.cli import _outputs, _shards, _workers

def hold(result):
    open(sys.argv[2], "w").close()
    time.sleep(600)
    return result

if __name__ == "__main__":
    _shards.SPLIT_BYTES = 1024
    _shards.BUCKET_BYTES = 100_000
    if sys.argv[1] == "output":
        read_parts = _outputs._read_parts

        def slow(path):
            for item in read_parts(path):
                yield hold(item)

        _outputs._read_parts = slow
    else:
        for runner in (_workers.OnDask, _workers.OnPool):
            def held(self, *args, buckets=runner.buckets):
                return hold(buckets(self, *args))

            runner.buckets = held
    from slaclock.cli import cli
    cli.main(sys.argv[3:], prog_name="slaclock")
"""


def _held(tmp_path: Path, where: str, *options: str) -> tuple[subprocess.Popen[str], Path,
                                                             Path]:
    """The command started with its own TMPDIR, once held at ``where``: the process, its
    TMPDIR and the directory of its --output."""
    temporary, out, script = tmp_path / "tmp", tmp_path / "out", tmp_path / "held.py"
    temporary.mkdir()
    out.mkdir()
    script.write_text(HELD, encoding="utf-8")
    held = tmp_path / "held"
    env = {**os.environ, "TMPDIR": str(temporary),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                       os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, str(script), where, str(held), "report", str(SAMPLE), "-f", "csv",
         "-o", str(out / "report.csv"), *options],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + START
    while not held.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, err = process.communicate()
            pytest.fail(f"the command did not get to {where}: {err}")
        time.sleep(0.05)
    return process, temporary, out


def _leftovers(*directories: Path) -> list[str]:
    return sorted(str(p.relative_to(d)) for d in directories for p in d.rglob("*"))


@pytest.mark.parametrize(("where", "options"), [
    ("output", ("--jobs", "1")),
    ("buckets", ("--jobs", "2")),
])
def test_sigterm_stops_a_report_as_ctrl_c_does_leaving_nothing_behind(
    tmp_path: Path, where: str, options: tuple[str, ...]
) -> None:
    """SIGTERM (``timeout``, systemd, CI): one line, exit code 143, and neither the split
    log's buckets, the shards' output, a local cluster's scratch files nor the .part of
    --output left; no warning of Python's resource tracker."""
    process, temporary, out = _held(tmp_path, where, *options)
    assert _leftovers(temporary), "the run had nothing in its temporary directory"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=STOP)
    assert process.returncode == 143, err
    assert err == "slaclock: terminated\n"
    assert _leftovers(temporary, out) == []


@pytest.mark.parametrize(("where", "options"), [
    ("output", ("--jobs", "1")),
    ("buckets", ("--jobs", "2")),
])
def test_ctrl_c_still_stops_a_report_leaving_nothing_behind(
    tmp_path: Path, where: str, options: tuple[str, ...]
) -> None:
    process, temporary, out = _held(tmp_path, where, *options)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=STOP)
    assert process.returncode == 130, err
    # Click ends the terminal's "^C" line first.
    assert err.lstrip("\n") == "slaclock: interrupted\n"
    assert _leftovers(temporary, out) == []


def test_a_run_killed_outright_leaves_a_directory_the_next_run_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    process, temporary, out = _held(tmp_path, "output", "--jobs", "1")
    process.kill()
    process.communicate(timeout=STOP)
    stale = [p for p in temporary.iterdir() if p.name.startswith("slaclock-")]
    assert len(stale) == 1
    # A live run's directory, and one that is not a run's (no lock file), are left alone.
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    with _report.run_directory() as alive:
        (temporary / "slaclock-not-a-run").mkdir()
        result = run("report", SAMPLE, "-f", "json", "-o", out / "report.json")
        assert result.exit_code == 0, result.stderr
        left = sorted(p.name for p in temporary.iterdir())
        assert left == sorted([Path(alive).name, "slaclock-not-a-run"])
    assert sorted(p.name for p in temporary.iterdir()) == ["slaclock-not-a-run"]


def _env(temporary: Path) -> dict[str, str]:
    """The environment of a child command: this tree's sources, its own TMPDIR."""
    return {**os.environ, "TMPDIR": str(temporary),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                        os.environ.get("PYTHONPATH")]))}


def _parts(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


def test_a_part_of_output_left_by_a_run_killed_outright_is_removed_by_the_next_run(
    tmp_path: Path,
) -> None:
    """``kill -9`` while the report writes a large ``--output`` leaves its ``.part``
    (nothing runs in a process killed outright); the next run with the same ``--output``
    takes the lock the dead writer held, which the system let go of, and removes it."""
    temporary, out = tmp_path / "tmp", tmp_path / "out"
    temporary.mkdir()
    out.mkdir()
    env = _env(temporary)
    log = tmp_path / "big.csv"
    subprocess.run([sys.executable, str(ROOT / "examples" / "generate_tickets.py"),
                    "--tickets", "200000", "--output", str(log)],
                   env=env, check=True, capture_output=True, timeout=START)
    command = [sys.executable, "-m", "slaclock", "report", str(log), "-f", "json",
               "--jobs", "1", "-o", str(out / "report.json")]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START
    while not _parts(out):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _, err = process.communicate()
            pytest.fail(f"the command did not write its .part: {err}")
        time.sleep(0.01)
    process.kill()
    process.communicate(timeout=STOP)
    left = _parts(out)
    assert len(left) == 1
    assert left[0].startswith(".report.json.")
    assert not (out / "report.json").exists()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300,
                           check=False)
    assert again.returncode == 0, again.stderr
    assert _parts(out) == []
    with open(out / "report.json", encoding="utf-8") as f:
        assert len(json.load(f)["tickets"]) == 200000


def test_the_part_of_a_live_writer_is_left_alone(tmp_path: Path) -> None:
    """A ``.part`` whose lock a live writer holds is not removed by another writer of the
    same output; one no one holds is, and a file of another name is left alone."""
    target = tmp_path / "report.csv"
    stale = tmp_path / ".report.csv.abc_1234.part"
    stale.write_text("half", encoding="utf-8")
    other = tmp_path / ".report.csv.x.abc_1234.part"  # the part of report.csv.x
    other.write_text("other", encoding="utf-8")
    with atomic_output(str(target)) as first:
        assert not stale.exists()
        first.write("first\n")
        (live,) = [p for p in _parts(tmp_path) if p != other.name]
        with atomic_output(str(target)) as second:
            second.write("second\n")
        assert (tmp_path / live).exists()
        assert target.read_text(encoding="utf-8") == "second\n"
    assert target.read_text(encoding="utf-8") == "first\n"
    assert _parts(tmp_path) == [other.name]


def test_a_part_locked_by_another_process_is_left_alone(tmp_path: Path) -> None:
    """The lock is the system's (``flock``), seen across processes: a child holding a
    ``.part`` keeps it while another process writes the same output."""
    part = tmp_path / ".report.csv.live0001.part"
    part.write_text("live", encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time\n"
         "f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('held', flush=True); time.sleep(600)", str(part)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with atomic_output(str(tmp_path / "report.csv")) as f:
            f.write("done\n")
        assert part.exists()
    finally:
        holder.kill()
        holder.communicate(timeout=STOP)
    with atomic_output(str(tmp_path / "report.csv")) as f:
        f.write("again\n")
    assert not part.exists()


@pytest.fixture
def own_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process's TMPDIR, for the test."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    return temporary


@pytest.mark.parametrize("options", [("--jobs", "2"), ("--scheduler", "processes",
                                                         "--jobs", "2")])
def test_workers_and_a_local_cluster_leave_no_scratch_space_in_tmpdir(
    tmp_path: Path, own_tmpdir: Path, options: tuple[str, ...]
) -> None:
    if "--scheduler" in options:
        pytest.importorskip("distributed")
    result = run("report", SAMPLE, *options, "-f", "json", "-o", tmp_path / "r.json")
    assert result.exit_code == 0, result.stderr
    assert _leftovers(own_tmpdir) == []


def _dies(*args: Any) -> Any:
    os._exit(1)


@pytest.mark.parametrize(("options", "said"), [
    (("--jobs", "2"), "a worker process died"),
    (("--scheduler", "processes", "--jobs", "2"), "a Dask worker died"),
])
def test_a_worker_that_dies_is_one_line_and_exit_2_not_an_internal_error(
    tmp_path: Path, own_tmpdir: Path, monkeypatch: pytest.MonkeyPatch,
    options: tuple[str, ...], said: str,
) -> None:
    """A worker killed under a shard (the system's out-of-memory killer, say) is not a
    bug of slaclock: one line that says what to do, exit code 2."""
    if "--scheduler" in options:
        pytest.importorskip("distributed")
    from slaclock.cli import _workers

    monkeypatch.setattr(_workers, "_range_task", _dies)  # sent by name: this one
    result = run("report", SAMPLE, *options, "-f", "json", "-o", tmp_path / "r.json")
    assert result.exit_code == 2, result.stderr
    line = one_line_error(result)
    assert "internal error" not in line
    assert said in line
    assert "fewer --jobs" in line
    assert _leftovers(own_tmpdir) == []


async def _answers(address: str, **connection: Any) -> bool:
    """Whether the Dask server at ``address`` takes a request (its identity: the RPC
    that also runs a function it is sent) from a client with these connection args."""
    from distributed.comm import connect

    try:
        comm = await asyncio.wait_for(connect(address, timeout=10, **connection), 20)
        try:
            await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), 10)
            answer = await asyncio.wait_for(comm.read(), 10)
        finally:
            comm.abort()
    except Exception:
        return False
    return isinstance(answer, dict) and "type" in answer


def _http_status(port: int, path: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_no_other_process_can_reach_the_local_cluster_of_jobs(own_tmpdir: Path) -> None:
    """The local cluster of ``--jobs`` listens on TLS only, with a certificate of the
    run's own: a plain TCP client, or a TLS client with a certificate of its own, gets
    no answer from its scheduler, its workers or their nannies; the command's client
    does; their HTTP servers serve no page, no metrics, no API."""
    distributed = pytest.importorskip("distributed")
    from distributed.security import Security

    from slaclock.reporting import _dask

    with _dask.cluster(None, 1, directory=str(own_tmpdir)) as client:
        info = client.scheduler_info()
        addresses = [info["address"]]
        for address, worker in info["workers"].items():
            addresses += [address, worker["nanny"]]
        assert client.submit(sum, [20, 22], pure=False).result() == 42
        stranger = Security.temporary().get_connection_args("client")
        for address in addresses:
            assert address.startswith("tls://127.0.0.1:"), address
            plain = "tcp://" + address.partition("://")[2]
            assert not asyncio.run(_answers(plain)), plain
            assert not asyncio.run(_answers(address, **stranger)), address
        own = client.security.get_connection_args("client")
        assert asyncio.run(_answers(addresses[0], **own))
        # Their HTTP servers answer a health check, and nothing else.
        ports = [port for server in [info, *info["workers"].values()]
                 for port in server["services"].values()]
        assert ports
        for port in ports:
            assert _http_status(port, "/health") == 200
            for path in ("/json/index.html", "/info/main/workers.html", "/metrics",
                         "/api/v1/get_workers"):
                assert _http_status(port, path) == 404, (port, path)
    assert isinstance(client, distributed.Client)


@contextlib.contextmanager
def _listener(close: bool) -> Iterator[str]:
    """A TCP listener on 127.0.0.1 that accepts every connection, and closes it at once
    (``close``) or never answers: its address."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection = server.accept()[0]
            except TimeoutError:
                continue
            except OSError:
                return
            if close:
                connection.close()
            else:
                held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for connection in held:
            connection.close()
        server.close()


@pytest.fixture
def silent_listener() -> Iterator[str]:
    """A TCP listener on 127.0.0.1 that accepts every connection and never answers."""
    with _listener(close=False) as address:
        yield address


def test_a_scheduler_that_never_answers_is_given_up_in_one_line(silent_listener: str) -> None:
    """Dask's client waits for ever on a listener that accepts and never answers: the
    command gives up after its wait for an answer (5 s, the command's start-up before it:
    within the 10 s the documentation promises; the bound here is generous)."""
    pytest.importorskip("distributed")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "slaclock", "report", str(SAMPLE), "--scheduler",
             silent_listener],
            capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(
                filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))},
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the command still waited for the scheduler after 60 s")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"--scheduler {silent_listener}: no Dask scheduler answered" in result.stderr


def test_the_wait_for_a_scheduler_s_answer_is_one_budget_connection_included(
    silent_listener: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reaching the address and its first answer share one wait
    (:data:`~slaclock.reporting._dask.ANSWER_TIMEOUT`), which the message names: short
    enough that the command's start-up and the wait stay within the promised 10 s."""
    pytest.importorskip("distributed")
    from slaclock.reporting import _dask

    assert _dask.ANSWER_TIMEOUT <= 5
    monkeypatch.setattr(_dask, "ANSWER_TIMEOUT", 1.0)
    started = time.monotonic()
    result = run("report", SAMPLE, "--scheduler", silent_listener)
    assert time.monotonic() - started < 30
    assert result.exit_code == 2, result.stderr
    assert (f"--scheduler {silent_listener}: no Dask scheduler answered within 1 s "
            "(no answer)") in one_line_error(result)


@pytest.fixture
def closing_listener() -> Iterator[str]:
    """A TCP listener on 127.0.0.1 that accepts every connection and closes it at once."""
    with _listener(close=True) as address:
        yield address


def test_a_listener_that_closes_the_connection_is_said_to_have_closed_it(
    closing_listener: str,
) -> None:
    """Not "no answer within 10 s" (it closed at once): one line that says what listens
    there closed the connection, and what it may be (not a Dask scheduler, or a TLS one
    reached with tcp://), exit code 2."""
    pytest.importorskip("distributed")
    result = run("report", SAMPLE, "--scheduler", closing_listener)
    assert result.exit_code == 2, result.stderr
    line = one_line_error(result)
    assert f"--scheduler {closing_listener}: what listens there closed the connection" in line
    assert "not a Dask scheduler, or a TLS one (reach that with tls://" in line
    assert "answered within" not in line


@pytest.mark.parametrize("engine", ["rows", "columns"])
def test_a_temporary_directory_that_fills_after_the_split_says_where_and_how_much(
    tmp_path: Path, own_tmpdir: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    from slaclock.reporting import _columns_text

    if engine == "rows":  # a split log, counted by rows
        monkeypatch.setattr(_report, "COLUMNS_BYTES", 0)
    monkeypatch.setattr(_shards, "SPLIT_BYTES", 1024)
    monkeypatch.setattr(_shards, "BUCKET_BYTES", 100_000)

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_outputs.Part, "write", full)
    monkeypatch.setattr(_columns_text, "write_records", full)
    result = run("report", SAMPLE, "-f", "csv", "-o", tmp_path / "r.csv", "--jobs", "1")
    assert result.exit_code == 2, result.stderr
    line = one_line_error(result)
    assert f"no room left in the temporary directory {own_tmpdir}" in line
    assert "TMPDIR" in line
    needed = _report.room_needed(str(SAMPLE), "csv", True)
    assert needed > SAMPLE.stat().st_size
    assert f"about {needed / 2**20:,.0f} MB" in line
    assert _leftovers(own_tmpdir) == []
    assert not (tmp_path / "r.csv").exists()


def test_each_bucket_is_removed_once_its_replay_is_the_last_it_needs(
    tmp_path: Path, own_tmpdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The temporary directory does not hold the whole split log and the whole output at
    once: replayed at --at, a bucket's file is gone before the next bucket is read."""
    monkeypatch.setattr(_report, "COLUMNS_BYTES", 0)  # a split log, counted by rows
    monkeypatch.setattr(_shards, "SPLIT_BYTES", 1024)
    monkeypatch.setattr(_shards, "BUCKET_BYTES", 100_000)
    seen: list[tuple[int, list[int]]] = []
    bucket = _shards._bucket

    def spy(spec: Any, index: int, at: Any) -> Any:
        seen.append((index, [i for i, b in enumerate(spec.buckets) if os.path.exists(b)]))
        return bucket(spec, index, at)

    monkeypatch.setattr(_shards, "_bucket", spy)
    result = run("report", SAMPLE, "-f", "csv", "-o", tmp_path / "r.csv", "--jobs", "1",
                 "--at", "2026-11-01T00:00Z")
    assert result.exit_code == 0, result.stderr
    assert sorted(index for index, _ in seen) == list(range(6))
    for n, (_, present) in enumerate(seen):
        assert present == sorted(index for index, _ in seen[n:])


def test_a_tls_scheduler_is_reached_with_the_tls_settings_of_dask_s_configuration(
    tmp_path: Path, own_tmpdir: Path
) -> None:
    """``--scheduler tls://...`` connects (the command's first question to it, and its
    client) with the certificates Dask's configuration names; without them, one line."""
    distributed = pytest.importorskip("distributed")
    import dask
    from distributed.security import Security

    from slaclock.reporting._dask import _close

    security = Security.temporary()
    files = {}
    for name, text in (("ca", security.tls_ca_file), ("cert", security.tls_client_cert),
                       ("key", security.tls_client_key)):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text(text, encoding="ascii")
    local = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tls://",
        host="127.0.0.1", security=security, dashboard_address=None,
    )
    try:
        address = local.scheduler_address
        assert address.startswith("tls://")
        refused = run("report", SAMPLE, "--scheduler", address)
        assert refused.exit_code == 2
        assert f"--scheduler {address}: no Dask scheduler answered" in one_line_error(refused)
        # Reached with tcp://, the TLS scheduler closes the connection.
        plain = "tcp://" + address.partition("://")[2]
        closed = run("report", SAMPLE, "--scheduler", plain)
        assert closed.exit_code == 2
        assert "closed the connection without answering" in one_line_error(closed)
        with dask.config.set({
            "distributed.comm.tls.ca-file": str(files["ca"]),
            "distributed.comm.tls.client.cert": str(files["cert"]),
            "distributed.comm.tls.client.key": str(files["key"]),
        }):
            result = run("report", SAMPLE, "--scheduler", address, "-f", "json",
                         "-o", tmp_path / "remote.json")
        assert result.exit_code == 0, result.stderr
    finally:
        _close(local)
    one = run("report", SAMPLE, "--jobs", "1", "-f", "json", "-o", tmp_path / "one.json")
    assert one.exit_code == 0
    assert (tmp_path / "remote.json").read_bytes() == (tmp_path / "one.json").read_bytes()
