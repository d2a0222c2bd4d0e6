"""``slaclock report --jobs N`` against ``--jobs 1``: wall time, CPU time and the speed-up,
on generated ticket logs (100,000 and 1,000,000 tickets by default).

    python benchmarks/bench_jobs.py                          # 100k and 1M, table and csv
    python benchmarks/bench_jobs.py --tickets 100000 --repeat 1   # a quick look
    python benchmarks/bench_jobs.py --write                  # also write results/jobs.txt

The logs are made by ``examples/generate_tickets.py`` (seeded) in ``--workdir`` and kept
there for the next run. Each run is the command in a fresh process, as a user runs it:
``slaclock report LOG --format F --output ... --jobs N``. The runs take turns, round after
round (``--repeat``), and each keeps its fastest round: what else the machine runs slows
some rounds, never speeds one up. Recorded: the wall-clock time from start to exit (the
pool of worker processes started and stopped included), the CPU time of the process and
of every process it started (sampled from ``/proc`` every 50 ms, so a few tens of
milliseconds may be missed), the speed-up of ``--jobs N`` over ``--jobs 1``, and whether
the reports are the same bytes (SHA-256). The machine's load average is said at the
start and the end of each log's rounds: on a machine shared with other work, the wall
times say less than the CPU times.

Not a test: the numbers depend on the machine and on what else it runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_dask import _children, digest, machine, make_log

RESULTS = Path(__file__).resolve().parent / "results" / "jobs.txt"
ROOT = Path(__file__).resolve().parent.parent
#: Clock ticks per second, for the CPU times of /proc/PID/stat.
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_ticks(pid: int) -> int | None:
    """The user and system time a process has used, in clock ticks (Linux)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


class TreeCPU:
    """Samples the CPU time of a process and of each of its descendants: the last seen of
    each, summed at the end."""

    def __init__(self, pid: int) -> None:
        self.root = pid
        self.seen: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in [self.root, *_children(self.root, None)]:
                ticks = _cpu_ticks(pid)
                if ticks is not None:
                    self.seen[pid] = max(self.seen.get(pid, 0), ticks)
            self._stop.wait(0.05)

    def stop(self) -> float:
        """The CPU seconds seen."""
        self._stop.set()
        self._thread.join()
        return sum(self.seen.values()) / TICKS


def run_once(command: list[str]) -> tuple[float, float]:
    """The command's wall time and CPU time (its processes'), in seconds."""
    env = {**os.environ, "SLACLOCK_NO_PROGRESS": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env)
    cpu = TreeCPU(proc.pid)
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    used = cpu.stop()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[4:])} failed ({proc.returncode}): "
                         f"{err.decode().strip()}")
    return wall, used


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_log(log: Path, tickets: int, formats: list[str], jobs: list[int], repeat: int,
              workdir: Path) -> list[str]:
    lines = [f"{tickets} tickets, {log.stat().st_size / 2**20:.0f} MB of CSV "
             f"(examples/generate_tickets.py --tickets {tickets}); load average at the "
             f"start: {load()}"]
    best: dict[tuple[str, int], tuple[float, float]] = {}
    digests: dict[tuple[str, int], str] = {}
    for _ in range(repeat):
        for fmt in formats:
            for n in jobs:
                output = workdir / f"report-{n}.{fmt}"
                wall, cpu = run_once([sys.executable, "-m", "slaclock", "report", str(log),
                                      "--format", fmt, "--output", str(output), "--jobs",
                                      str(n)])
                old = best.get((fmt, n))
                best[(fmt, n)] = (min(wall, old[0]), min(cpu, old[1])) if old else (wall, cpu)
                digests[(fmt, n)] = digest(output)
                print(f"  {fmt} --jobs {n}: {wall:.1f} s wall, {cpu:.1f} s CPU "
                      f"(load {load()})", file=sys.stderr, flush=True)
    lines.append(f"{'format':<7}  {'--jobs':>6}  {'wall s':>7}  {'CPU s':>6}  "
                 f"{'tickets/s':>9}  {'speed-up':>8}  same bytes")
    for fmt in formats:
        one = best[(fmt, jobs[0])][0]
        for n in jobs:
            wall, cpu = best[(fmt, n)]
            same = digests[(fmt, n)] == digests[(fmt, jobs[0])]
            lines.append(f"{fmt:<7}  {n:>6}  {wall:>7.1f}  {cpu:>6.1f}  "
                         f"{tickets / wall:>9.0f}  {one / wall:>8.2f}  "
                         f"{'yes' if same else 'NO'}")
    lines.append(f"load average at the end: {load()}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", default="100000,1000000",
                        help="comma-separated sizes (default 100000,1000000)")
    parser.add_argument("--formats", default="table,csv")
    parser.add_argument("--jobs", default="1,2", help="comma-separated, the first the "
                        "reference (default 1,2)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "slaclock-bench")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    lines = ["slaclock report --jobs N against --jobs 1 (fastest of "
             f"{args.repeat} rounds each)", machine(), ""]
    print("\n".join(lines), flush=True)
    same = True
    for tickets in (int(t) for t in args.tickets.split(",")):
        log = args.workdir / f"tickets-{tickets}.csv"
        make_log(log, tickets, 2026)
        found = bench_log(log, tickets, args.formats.split(","),
                          [int(n) for n in args.jobs.split(",")], args.repeat, args.workdir)
        same = same and not any(line.endswith(" NO") for line in found)
        print("\n".join(found), "", sep="\n", flush=True)
        lines += [*found, ""]
    if args.write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text("\n".join(lines), encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
