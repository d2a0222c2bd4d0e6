"""Time and peak memory of ``slaclock report`` on a large generated ticket log.

    python benchmarks/bench_report.py                    # 1,000,000 tickets, -j 1 and -j 2
    python benchmarks/bench_report.py --tickets 20000 --jobs 1   # a quick look
    python benchmarks/bench_report.py --write            # also write results/report.txt
    python benchmarks/bench_report.py --tickets 100000 --repeat 3   # the fastest of 3 rounds
    python benchmarks/bench_report.py --tickets 100000 --against HEAD~3  # and that revision

The log is made by ``examples/generate_tickets.py`` (seeded, so every run times the same
rows) and kept in ``--workdir`` (a temporary directory by default) for the next run. Each
measurement runs the real command in a fresh process, as a user would, and records:

- the wall-clock time, from start to exit;
- the peak memory: the largest sum of the resident set sizes of the command and its
  worker processes, sampled every 50 ms (needs ``psutil``), and the kernel's peak RSS of
  the largest single process (``wait4``), which sampling cannot miss;
- the CPU time the processes used.

Beside the command, the same way, it runs the *floor*: the least any Python report over
the log can do (read it with ``csv.reader``, parse every time with
``datetime.fromisoformat``, group the rows by ticket, write one JSON line per ticket), and
prints each run's time as a multiple of the floor's, wall clock and CPU. ``--jobs 1``
should stay within 3 times the floor. The floor pauses the cyclic garbage collector, as
the command does while it reads and replays (the fastest such program does); the row
"floor with gc" is the same program with the collector on, for reference.

Not a test: the targets are checked by reading the numbers, which depend on the machine
and on what else it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "examples" / "generate_tickets.py"
RESULTS = Path(__file__).resolve().parent / "results" / "report.txt"


def make_log(path: Path, tickets: int) -> None:
    if path.exists():
        return
    print(f"generating {tickets} tickets -> {path.name} ...", file=sys.stderr)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(GENERATOR), "--tickets", str(tickets), "--output", str(path)],
        check=True,
    )
    print(f"  {time.perf_counter() - start:.1f} s", file=sys.stderr)


class TreeMemory:
    """Samples the summed RSS of a process and its descendants."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self._stop = threading.Event()
        try:
            import psutil  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            self.available = False
            return
        self.available = True
        self._root = psutil.Process(pid)
        self._psutil = psutil
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        psutil = self._psutil
        while not self._stop.is_set():
            try:
                procs = [self._root, *self._root.children(recursive=True)]
                total = 0
                for proc in procs:
                    with contextlib.suppress(psutil.Error):
                        total += proc.memory_info().rss
                self.peak = max(self.peak, total)
            except psutil.Error:
                return
            self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()
        if self.available:
            self._thread.join()


def measure(
    log: Path, jobs: int, fmt: str, workdir: Path, src: Path | None = None
) -> dict[str, Any]:
    """The command, of this tree or of the sources in ``src`` (another revision's)."""
    cmd = [sys.executable, "-m", "slaclock", "report", str(log), "--jobs", str(jobs),
           "--format", fmt]
    out_path = workdir / f"report{'-other' if src else ''}.{fmt}"
    if fmt != "table":
        cmd += ["--output", str(out_path)]
    found = run(cmd, "slaclock report", out_path if fmt != "table" else None,
                {"PYTHONPATH": str(src)} if src else {})
    return {"jobs": jobs, "format": fmt, **found}


def measure_floor(log: Path, workdir: Path, collect: bool = False) -> dict[str, Any]:
    out_path = workdir / "floor.jsonl"
    return run([sys.executable, __file__, "--floor-collecting" if collect else "--floor",
                str(log), str(out_path)], "the floor", out_path)


def floor(log: str, out: str, collect: bool = False) -> None:
    """The floor: read, parse the times, group by ticket, one JSON line per ticket; the
    cyclic garbage collector paused unless ``collect`` (millions of rows kept make each
    of its passes longer: on a million tickets it takes most of the time)."""
    if not collect:
        gc.disable()
    tickets: dict[str, list[list[Any]]] = {}
    with open(log, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = [name.strip().lower() for name in next(reader)]
        i_ticket, i_time = header.index("ticket"), header.index("time")
        for row in reader:
            row[i_time] = datetime.fromisoformat(row[i_time])
            tickets.setdefault(row[i_ticket], []).append(row)
    with open(out, "w", encoding="utf-8") as f:
        for ticket, rows in tickets.items():
            f.write(json.dumps({
                "ticket": ticket, "events": len(rows), "opened": rows[0][i_time].isoformat(),
                "last": rows[-1][i_time].isoformat(),
            }) + "\n")


def run(
    cmd: list[str], label: str, out_path: Path | None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``cmd`` in a fresh process: its wall-clock and CPU time, its peak memory."""
    env = {**os.environ, "SLACLOCK_NO_PROGRESS": "1", **(env or {})}
    start = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=subprocess.PIPE, env=env)
        memory = TreeMemory(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        memory.stop()
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        proc.stderr.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed ({proc.returncode}): {err.strip()}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "tree_peak_mb": memory.peak / 2**20 if memory.available else None,
        "max_process_mb": usage.ru_maxrss / 1024,
        "output_mb": out_path.stat().st_size / 2**20 if out_path is not None else None,
    }


def machine() -> list[str]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import slaclock

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [
        f"machine: {platform.system()} {platform.machine()}, {model}, "
        f"{os.cpu_count()} logical CPUs; load average at start: {load}",
        f"python {platform.python_version()}, slaclock {slaclock.__version__}",
    ]


def measure_all(
    runs: dict[str, Callable[[], dict[str, Any]]], best: dict[str, dict[str, Any]],
    repeat: int,
) -> None:
    """Each run ``repeat`` times into ``best``: the runs take turns, round after round,
    and each keeps its fastest round (what else the machine runs slows some rounds,
    never speeds one up) and its largest memory."""
    for round_ in range(1, repeat + 1):
        for label, run_once in runs.items():
            found = run_once()
            kept = best.setdefault(label, found)
            for key in ("wall_s", "cpu_s"):
                kept[key] = min(kept[key], found[key])
            for key in ("max_process_mb", "tree_peak_mb"):
                if found[key] is not None:
                    kept[key] = max(kept[key] or 0, found[key])
            if repeat > 1:
                print(f"  round {round_}: {label} {found['wall_s']:.1f} s", file=sys.stderr,
                      flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--jobs", default="1,2", help="comma-separated (default 1,2)")
    parser.add_argument("--formats", default="table",
                        help="comma-separated: table, csv, json (default table)")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "slaclock-bench")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    parser.add_argument("--note", default="", help="a line to add to the results")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every run, the fastest kept (default 1)")
    parser.add_argument("--against", metavar="REVISION",
                        help="also run the command of another revision (a git worktree)")
    parser.add_argument("--floor", nargs=2, metavar=("LOG", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--floor-collecting", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor or args.floor_collecting:
        floor(*(args.floor or args.floor_collecting), collect=bool(args.floor_collecting))
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    log = args.workdir / f"tickets-{args.tickets}.csv"
    make_log(log, args.tickets)
    with open(log, "rb") as f:
        rows = sum(1 for _ in f) - 1
    lines = [
        f"slaclock report on a generated log: {args.tickets} tickets, {rows} events, "
        f"{log.stat().st_size / 2**20:.0f} MB of CSV "
        f"(examples/generate_tickets.py --tickets {args.tickets}, seed 2026)",
        *machine(),
        "",
        f"{'run':<13}  {'wall s':>7}  {'CPU s':>7}  {'x floor':>7}  {'x CPU':>5}  "
        f"{'peak MB (all)':>13}  {'peak MB (1 proc)':>16}  {'output MB':>9}",
    ]
    other = None
    if args.against:
        other = Path(tempfile.mkdtemp(prefix="slaclock-bench-")) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(other),
                        args.against], check=True, capture_output=True)
        lines.insert(3, f"{args.against[:7]}: the same command at revision {args.against}")
    print("\n".join(lines), flush=True)
    runs: dict[str, Callable[[], dict[str, Any]]] = {
        "floor": lambda: measure_floor(log, args.workdir),
        "floor with gc": lambda: measure_floor(log, args.workdir, collect=True),
    }
    for fmt in args.formats.split(","):
        for jobs in (int(j) for j in args.jobs.split(",")):
            runs[f"-j {jobs} {fmt}"] = (
                lambda jobs=jobs, fmt=fmt: measure(log, jobs, fmt, args.workdir))
            if other is not None:
                runs[f"{args.against[:7]} {fmt}"] = (
                    lambda jobs=jobs, fmt=fmt: measure(log, jobs, fmt, args.workdir,
                                                       other / "src"))
    best: dict[str, dict[str, Any]] = {}
    try:
        measure_all(runs, best, args.repeat)
    finally:
        if other is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(other)], check=False, capture_output=True)
            shutil.rmtree(other.parent, ignore_errors=True)
    base = best["floor"]

    def line_of(label: str, r: dict[str, Any]) -> str:
        tree = f"{r['tree_peak_mb']:.0f}" if r["tree_peak_mb"] is not None else "n/a"
        out = f"{r['output_mb']:.0f}" if r["output_mb"] is not None else "-"
        return (f"{label:<13}  {r['wall_s']:>7.1f}  {r['cpu_s']:>7.1f}  "
                f"{r['wall_s'] / base['wall_s']:>7.2f}  {r['cpu_s'] / base['cpu_s']:>5.2f}  "
                f"{tree:>13}  {r['max_process_mb']:>16.0f}  {out:>9}")

    for label, r in best.items():
        lines.append(line_of(label, r))
        print(lines[-1], flush=True)
    tail = []
    if other is not None:
        for fmt in args.formats.split(","):
            if fmt != "table":
                mine, theirs = (args.workdir / f"report{x}.{fmt}" for x in ("", "-other"))
                same = mine.read_bytes() == theirs.read_bytes()
                tail.append(f"{fmt}: this tree's report and {args.against[:7]}'s are "
                            f"{'the same bytes' if same else 'DIFFERENT'}")
    if args.repeat > 1:
        tail.append(f"each run: the fastest of {args.repeat} rounds, the runs taking turns")
    if hasattr(os, "getloadavg"):
        tail.append(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.note:
        tail.append(f"note: {args.note}")
    print("\n".join(tail))
    lines += tail
    if args.write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
