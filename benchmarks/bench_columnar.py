"""The report beside what users run instead: ``slaclock report`` against DuckDB and polars.

    python benchmarks/bench_columnar.py                         # 10k and 100k tickets, 3 rounds
    python benchmarks/bench_columnar.py --sizes 10000 --repeat 1    # a quick look
    python benchmarks/bench_columnar.py --million --write       # and 1M of the generator's log
    python benchmarks/bench_columnar.py --variant "columnar=--engine columnar"   # two engines
    python benchmarks/bench_columnar.py --same-as HEAD~3        # and that revision's bytes

On two logs of each size made by ``examples/generate_tickets.py`` (seeded; kept in
``--workdir`` for the next run): the generator's (``regular``: a few hundred distinct event
sequences) and ``--varied`` (random walks over the whole vocabulary: tens of thousands of
sequences at 100k tickets). Each run is a fresh process, as a user starts it:

- ``slaclock report LOG --jobs 1 --format csv|json|table --output FILE``, the whole
  command, once per ``--variant`` (a label and extra arguments: the hook to compare
  engines, ``--engine columnar`` once the command has one);
- ``alt_duckdb.py`` and ``alt_polars.py`` (one thread each), which answer a simpler
  question (``alt_common.py``): the speed to beat, not the answers.

The runs take turns, round after round, and each keeps its best round (least CPU, least
wall time; what else the machine runs slows a round, never speeds one up). For each: the
CPU time of the process and its children (user + system, from ``os.wait4``), the wall
time, the peak RSS (the kernel's ``ru_maxrss`` of the largest process), tickets per CPU
second, and its CPU as a multiple of DuckDB's on the same log. Then the checks: every
variant's output is the same bytes as the first's, in every round (and as ``--same-as``
REVISION's, the command of that revision checked out in a temporary git worktree), and
the two alternatives write the same bytes. ``--write`` writes ``results/columnar.txt``,
headed by the machine and its load average.

Not a test: the numbers depend on the machine and on what else it runs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import alt_common
import bench_report

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
GENERATOR = ROOT / "examples" / "generate_tickets.py"
RESULTS = HERE / "results" / "columnar.txt"
LOGS = ("regular", "varied")
FORMATS = ("csv", "json", "table")


@dataclass
class Log:
    """A generated log: which, how many tickets, its file and what the generator said."""

    kind: str
    tickets: int
    path: Path
    events: int
    sequences: int


@dataclass
class Best:
    """A run's best round, and the digests of its outputs, one a round."""

    cpu_s: float = float("inf")
    wall_s: float = float("inf")
    peak_mb: float = 0.0
    digests: list[str] = field(default_factory=list)


def make_log(workdir: Path, kind: str, tickets: int) -> Log:
    """The log, generated unless a previous run left it (with the generator's count)."""
    path = workdir / f"{'tickets' if kind == 'regular' else 'varied'}-{tickets}.csv"
    said = path.with_name(path.name + ".said")
    if not (path.exists() and said.exists()):
        print(f"generating {kind} {tickets} -> {path.name} ...", file=sys.stderr, flush=True)
        done = subprocess.run(
            [sys.executable, str(GENERATOR), "--tickets", str(tickets), "--output", str(path),
             *(["--varied"] if kind == "varied" else [])],
            check=True, capture_output=True, text=True, env=_env())
        said.write_text(done.stderr.strip().splitlines()[-1], encoding="utf-8")
    # "N tickets, R events, S distinct event sequences -> FILE"
    words = said.read_text(encoding="utf-8").split()
    return Log(kind, tickets, path, int(words[2]), int(words[4]))


def _env(src: Path = ROOT / "src") -> dict[str, str]:
    """The environment of every run: this tree's sources (or ``src``) first on the path,
    no progress on stderr, one thread for the libraries that start pools."""
    return {**os.environ, "PYTHONPATH": str(src), "SLACLOCK_NO_PROGRESS": "1",
            "POLARS_MAX_THREADS": "1", "OMP_NUM_THREADS": "1"}


def run(cmd: list[str], out: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """Run ``cmd`` in a fresh process: its CPU seconds (with its children's), wall
    seconds and peak RSS in MB; exits with its stderr if it fails."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0 or not out.exists():
            err.seek(0)
            raise SystemExit(f"{shlex.join(cmd)} failed ({proc.returncode}): "
                             f"{err.read().decode(errors='replace').strip()}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def contenders(
    log: Log, workdir: Path, formats: list[str], variants: list[tuple[str, list[str]]],
    other: Path | None,
) -> dict[str, tuple[list[str], Path, dict[str, str]]]:
    """Each run's label: its command, its output file and its environment."""
    runs = {}
    stem = workdir / f"out-{log.kind}-{log.tickets}"
    for fmt in formats:
        for label, extra in variants:
            out = Path(f"{stem}-{label}.{fmt}")
            runs[f"{label} {fmt}"] = (
                [sys.executable, "-m", "slaclock", "report", str(log.path), "--jobs", "1",
                 "--format", fmt, *extra, "--output", str(out)], out, _env())
    for name in ("duckdb", "polars"):
        out = Path(f"{stem}-{name}.csv")
        runs[name] = ([sys.executable, str(HERE / f"alt_{name}.py"), str(log.path), str(out)],
                      out, _env())
    if other is not None:  # once, after the rounds: its bytes, not its speed
        for fmt in formats:
            out = Path(f"{stem}-other.{fmt}")
            runs[f"other {fmt}"] = (
                [sys.executable, "-m", "slaclock", "report", str(log.path), "--jobs", "1",
                 "--format", fmt, "--output", str(out)], out, _env(other / "src"))
    return runs


def measure(
    log: Log, runs: dict[str, tuple[list[str], Path, dict[str, str]]], repeat: int,
) -> dict[str, Best]:
    """Every run ``repeat`` times, taking turns; ``other`` runs once, at the end."""
    best: dict[str, Best] = {label: Best() for label in runs}
    for round_ in range(1, repeat + 1):
        for label, (cmd, out, env) in runs.items():
            if label.startswith("other ") and round_ < repeat:
                continue
            out.unlink(missing_ok=True)
            cpu, wall, peak = run(cmd, out, env)
            kept = best[label]
            kept.cpu_s, kept.wall_s = min(kept.cpu_s, cpu), min(kept.wall_s, wall)
            kept.peak_mb = max(kept.peak_mb, peak)
            kept.digests.append(digest(out))
            print(f"  {log.kind} {log.tickets} round {round_}: {label:<18} CPU {cpu:7.2f} s  "
                  f"wall {wall:7.2f} s  {peak:6.0f} MB", file=sys.stderr, flush=True)
    return best


def checks(
    log: Log, best: dict[str, Best], formats: list[str], variants: list[str], against: str,
) -> list[str]:
    """The byte-identity of the outputs: every round of every variant against the first
    variant's first round, ``--same-as``'s against it, the two alternatives."""
    lines = []
    for fmt in formats:
        first = best[f"{variants[0]} {fmt}"].digests[0]
        for label in variants:
            found = best[f"{label} {fmt}"].digests
            same = all(d == first for d in found)
            lines.append(f"{log.kind} {log.tickets} {fmt}: {label}'s {len(found)} run(s) "
                         f"{'the same bytes' if same else 'DIFFERENT'} as {variants[0]}'s")
        if f"other {fmt}" in best:
            same = best[f"other {fmt}"].digests[0] == first
            lines.append(f"{log.kind} {log.tickets} {fmt}: {against}'s "
                         f"{'the same bytes' if same else 'DIFFERENT'} as {variants[0]}'s")
    same = best["duckdb"].digests[0] == best["polars"].digests[0]
    lines.append(f"{log.kind} {log.tickets}: duckdb and polars "
                 f"{'write the same bytes' if same else 'write DIFFERENT bytes'}")
    return lines


def check_targets() -> None:
    """``alt_common``'s targets are the regulation's (what it says it copies)."""
    regulation = tomllib.loads(
        (ROOT / "src" / "slaclock" / "data" / "regulation.toml").read_text(encoding="utf-8"))
    levels = regulation["levels"]
    reaction = {name: level["reaction"]["hours"] for name, level in levels.items()}
    resolution = {name: level["resolution"]["hours"] for name, level in levels.items()
                  if "resolution" in level}
    mine = {alt_common.RESOLUTION_LEVEL: alt_common.RESOLUTION_HOURS}
    if reaction != alt_common.REACTION_HOURS or resolution != mine:
        raise SystemExit(f"alt_common.py's targets are not the regulation's: {reaction}, "
                         f"{resolution}")


def revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True,
                              text=True, check=False).stdout.strip()

    rev = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src")
    return rev + (" with uncommitted changes to src/" if dirty else "")


def header(args: argparse.Namespace, variants: list[tuple[str, list[str]]]) -> list[str]:
    versions = []
    for name in ("duckdb", "polars", "polars-xdt", "numpy", "pyarrow"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    return [
        "slaclock report beside DuckDB and polars (benchmarks/bench_columnar.py)",
        *bench_report.machine(),
        f"slaclock revision {revision()}; {', '.join(versions)}",
        "runs: " + "; ".join(
            f"{label}: slaclock report LOG --jobs 1 --format F{' ' if extra else ''}"
            f"{shlex.join(extra)} --output FILE" for label, extra in variants)
        + "; duckdb: alt_duckdb.py (threads=1); polars: alt_polars.py (POLARS_MAX_THREADS=1)",
        f"each run: a fresh process, the best of {args.repeat} round(s), the runs taking "
        "turns; CPU = user + system of the process and its children (os.wait4); peak = "
        "ru_maxrss",
        "logs: examples/generate_tickets.py --tickets N (regular) and --varied, seed 2026; "
        "sequences = distinct event sequences (what the generator counts)",
    ]


def table(log: Log, best: dict[str, Best]) -> list[str]:
    duck = best["duckdb"].cpu_s
    lines = []
    for label, b in best.items():
        if label.startswith("other "):
            continue
        lines.append(
            f"{log.kind:<8} {log.tickets:>8} {log.events:>8} {log.sequences:>9}  {label:<18} "
            f"{b.cpu_s:>7.2f} {b.wall_s:>7.2f} {b.peak_mb:>7.0f} "
            f"{log.tickets / b.cpu_s:>11,.0f} {b.cpu_s / duck:>9.2f}")
    return lines


COLUMNS = (f"{'log':<8} {'tickets':>8} {'events':>8} {'sequences':>9}  {'run':<18} "
           f"{'CPU s':>7} {'wall s':>7} {'peak MB':>7} {'tickets/CPUs':>11} {'x DuckDB':>9}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="tickets, comma-separated (default 10000,100000)")
    parser.add_argument("--logs", default=",".join(LOGS),
                        help="regular, varied or both (default both)")
    parser.add_argument("--million", nargs="?", const="regular", metavar="LOGS",
                        help="also 1,000,000 tickets of these logs (default: regular)")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help="the command's formats, comma-separated (default csv,json,table)")
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL=ARGS",
                        help="a run of the command with extra arguments (repeatable; "
                             "default: slaclock= with none); the first is the reference "
                             "of the byte checks")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--same-as", metavar="REVISION",
                        help="check the command of REVISION writes the same bytes")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "slaclock-bench",
                        help="where the logs and outputs are kept (bench_report.py's too)")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    parser.add_argument("--note", default="", help="a line to add to the results")
    args = parser.parse_args(argv)
    variants = [(label, shlex.split(extra)) for label, _, extra in
                (v.partition("=") for v in args.variant)] or [("slaclock", [])]
    formats = args.formats.split(",")
    plan = [(kind, int(n)) for n in args.sizes.split(",") for kind in args.logs.split(",")]
    if args.million:
        plan += [(kind, 1_000_000) for kind in args.million.split(",")]
    if any(kind not in LOGS for kind, _ in plan) or not set(formats) <= set(FORMATS):
        parser.error(f"logs are {', '.join(LOGS)}; formats {', '.join(FORMATS)}")
    check_targets()
    args.workdir.mkdir(parents=True, exist_ok=True)
    lines = [*header(args, variants), ""]
    other = None
    if args.same_as:
        other = Path(tempfile.mkdtemp(prefix="slaclock-bench-")) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(other),
                        args.same_as], check=True, capture_output=True)
    print("\n".join(lines), flush=True)
    rows, notes = [COLUMNS], []
    print(COLUMNS, flush=True)
    try:
        for kind, tickets in plan:
            log = make_log(args.workdir, kind, tickets)
            runs = contenders(log, args.workdir, formats, variants, other)
            best = measure(log, runs, args.repeat)
            found = table(log, best)
            print("\n".join(found), flush=True)
            rows += found
            notes += checks(log, best, formats, [label for label, _ in variants],
                            args.same_as or "")
    finally:
        if other is not None:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(other)], check=False, capture_output=True)
            shutil.rmtree(other.parent, ignore_errors=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    tail = ["", *notes, f"load average at end: {load}", *([f"note: {args.note}"]
                                                          if args.note else [])]
    print("\n".join(tail))
    lines += rows + tail
    if args.write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
