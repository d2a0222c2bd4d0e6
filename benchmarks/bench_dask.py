"""``slaclock report`` on Dask workers, and ``slaclock.report`` of a Dask DataFrame: time,
throughput, scaling and peak memory per process, on a generated ticket log.

    python benchmarks/bench_dask.py --tickets 20000          # a quick look
    python benchmarks/bench_dask.py --tickets 10000000       # the large run
    python benchmarks/bench_dask.py --write                  # also write results/dask.txt

The log is made by ``examples/generate_tickets.py`` (seeded: every run times the same
rows) in ``--workdir`` and kept there for the next run, with its Parquet copy (for the
Python API, written once through ``dask.dataframe``). Each measurement runs in a fresh
process, as a user would run it:

- ``slaclock report LOG --format json --output ...`` with ``--jobs 1`` (the command's own
  process, no Dask), ``--scheduler processes --jobs 1`` (one local Dask worker) and
  ``--jobs 2`` (two local Dask workers);
- a script that starts a local cluster of 2 workers and calls ``slaclock.report(ddf)`` on
  the Parquet files, ``ddf = dask.dataframe.read_parquet(...)``.

Recorded: the wall-clock time from start to exit (cluster start and stop included), the
tickets per second, the speed-up over one Dask worker (the command's runs), and the peak
memory of the main process and of each worker process: every 50 ms the process tree is
walked and each process's peak resident set (``VmHWM`` of ``/proc/PID/status``, the
kernel's own peak, where there is one; else its current RSS, through psutil) is kept.

Not a test: the numbers depend on the machine and on what else it runs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import bench_report

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "examples" / "generate_tickets.py"
RESULTS = Path(__file__).resolve().parent / "results" / "dask.txt"

API_SCRIPT = """
import sys, time
import dask.dataframe as dd
from distributed import Client, LocalCluster
import slaclock

if __name__ == "__main__":
    workers, parquet = int(sys.argv[1]), sys.argv[2]
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, \\
            Client(cluster):
        start = time.perf_counter()
        report = slaclock.report(dd.read_parquet(parquet))
        print(len(report.tickets), time.perf_counter() - start)
"""


def digest(path: Path) -> str:
    """The SHA-256 of a file, read in pieces (a large report does not fit in memory)."""
    found = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            found.update(block)
    return found.hexdigest()


def make_log(path: Path, tickets: int, seed: int) -> None:
    if path.exists():
        return
    print(f"generating {tickets} tickets -> {path.name} ...", file=sys.stderr)
    start = time.perf_counter()
    subprocess.run([sys.executable, str(GENERATOR), "--tickets", str(tickets), "--seed",
                    str(seed), "--output", str(path)], check=True)
    print(f"  {time.perf_counter() - start:.1f} s", file=sys.stderr)


def make_parquet(log: Path, directory: Path) -> None:
    """The log as Parquet files, written by Dask without holding it in memory: every
    column as text, as the CSV gives it; a file per partition."""
    if directory.exists():
        return
    import dask.dataframe as dd

    print(f"writing {directory.name} ...", file=sys.stderr)
    start = time.perf_counter()
    # Partitions of at most 64 MB of CSV, and at least 8: work for every worker.
    blocksize = max(2**20, min(64 * 2**20, log.stat().st_size // 8))
    frame = dd.read_csv(str(log), dtype=str, blocksize=blocksize)
    frame.to_parquet(str(directory), write_index=False)
    print(f"  {time.perf_counter() - start:.1f} s", file=sys.stderr)


def _peak_kb(pid: int, psutil: Any) -> int | None:
    """The process's peak resident set in kB (VmHWM), or its current one."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    if psutil is None:
        return None
    try:
        return int(psutil.Process(pid).memory_info().rss // 1024)
    except psutil.Error:
        return None


def _children(pid: int, psutil: Any) -> list[int]:
    if psutil is not None:
        try:
            return [p.pid for p in psutil.Process(pid).children(recursive=True)]
        except psutil.Error:
            return []
    found: list[int] = []
    todo = [pid]
    while todo:  # /proc/PID/task/TID/children (Linux)
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{parent}/task/{tid}/children", encoding="ascii") as f:
                    kids = [int(x) for x in f.read().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


class TreePeaks:
    """Samples the peak resident set of a process and of each of its descendants."""

    def __init__(self, pid: int) -> None:
        try:
            import psutil  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            psutil = None
        self._psutil = psutil
        self.root = pid
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in [self.root, *_children(self.root, self._psutil)]:
                kb = _peak_kb(pid, self._psutil)
                if kb is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), kb)
            self._stop.wait(0.05)

    def stop(self) -> tuple[float, list[float]]:
        """The main process's peak and the workers' (the descendants over 40 MB: Dask's
        worker processes, not its small helpers), in MB."""
        self._stop.set()
        self._thread.join()
        main = self.peaks.get(self.root, 0) / 1024
        workers = sorted((kb / 1024 for pid, kb in self.peaks.items()
                          if pid != self.root and kb > 40 * 1024), reverse=True)
        return main, workers


def measure(cmd: list[str]) -> dict[str, Any]:
    env = {**os.environ, "SLACLOCK_NO_PROGRESS": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peaks = TreePeaks(proc.pid)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    main, workers = peaks.stop()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:6])} ... failed ({proc.returncode}): "
                         f"{err.decode().strip()}")
    return {"wall_s": wall, "main_mb": main, "workers_mb": workers, "stdout": out.decode()}


def machine() -> str:
    """The machine, the Python and slaclock, in one line (as ``bench_report.py`` says it)."""
    return "machine: " + "; ".join(line.removeprefix("machine: ").split("; load")[0]
                                   for line in bench_report.machine())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "slaclock-bench")
    parser.add_argument("--no-api", action="store_true", help="skip report(ddf)")
    parser.add_argument("--format", default="json", choices=("json", "csv", "table"),
                        help="the command's output format (default json)")
    parser.add_argument("--runs", default="local,one,two",
                        help="comma-separated, of: local (--jobs 1, no Dask), one (one Dask "
                             "worker), two (two Dask workers); default all")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    stem = f"tickets-{args.tickets}" + ("" if args.seed == 2026 else f"-seed{args.seed}")
    log = args.workdir / f"{stem}.csv"
    make_log(log, args.tickets, args.seed)
    lines = [
        f"slaclock report on Dask: {args.tickets} tickets, {log.stat().st_size / 2**20:.0f} "
        f"MB of CSV (examples/generate_tickets.py --tickets {args.tickets} --seed {args.seed}), "
        f"--format {args.format}",
        machine(),
        "",
        f"{'run':<44}  {'wall s':>7}  {'tickets/s':>9}  {'speed-up':>8}  {'main MB':>7}  "
        "workers' peak MB",
    ]
    print("\n".join(lines), flush=True)
    output = args.workdir / f"report.{args.format}"
    command = [sys.executable, "-m", "slaclock", "report", str(log), "--format", args.format,
               "--output", str(output)]
    known = {
        "local": ("--jobs 1 (this process, no Dask)", ["--jobs", "1"]),
        "one": ("--scheduler processes --jobs 1 (1 worker)",
                ["--scheduler", "processes", "--jobs", "1"]),
        "two": ("--jobs 2 (2 Dask workers)", ["--jobs", "2"]),
    }
    runs = [known[name] for name in args.runs.split(",")]
    one_worker = None
    reports = []
    for name, options in runs:
        r = measure([*command, *options])
        reports.append(digest(output))
        if "1 worker" in name:
            one_worker = r["wall_s"]
        speedup = "" if one_worker is None else f"{one_worker / r['wall_s']:.2f}"
        line = (f"{name:<44}  {r['wall_s']:>7.1f}  {args.tickets / r['wall_s']:>9.0f}  "
                f"{speedup:>8}  {r['main_mb']:>7.0f}  "
                f"{', '.join(f'{mb:.0f}' for mb in r['workers_mb']) or '-'}")
        print(line, flush=True)
        lines.append(line)
    same = all(report == reports[0] for report in reports)
    lines.append(f"the {len(reports)} reports are "
                 f"{'byte for byte the same' if same else 'DIFFERENT'} (SHA-256)")
    print(lines[-1], flush=True)
    if not args.no_api:
        parquet = args.workdir / f"{stem}.parquet"
        make_parquet(log, parquet)
        r = measure([sys.executable, "-c", API_SCRIPT, "2", str(parquet)])
        tickets, inside = r["stdout"].split()
        line = (f"{'report(ddf), Parquet, 2 Dask workers':<44}  {r['wall_s']:>7.1f}  "
                f"{args.tickets / r['wall_s']:>9.0f}  {'':>8}  {r['main_mb']:>7.0f}  "
                f"{', '.join(f'{mb:.0f}' for mb in r['workers_mb']) or '-'}")
        lines += [line, f"  ({tickets} tickets reported; report() itself {float(inside):.1f} s "
                        "of the wall time, the rest starting and stopping the cluster)"]
        print("\n".join(lines[-2:]), flush=True)
    if args.write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
