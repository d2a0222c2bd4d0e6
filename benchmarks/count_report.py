"""Instructions that ``slaclock report`` executes, here and at another revision.

    python benchmarks/count_report.py                      # against slaclock 0.1 (71d8afe)
    python benchmarks/count_report.py --against HEAD~3 --tickets 2000
    python benchmarks/count_report.py --against 1db9c62 --format table --floor

Wall-clock time on a shared machine varies by tens of percent from run to run; the
number of instructions a process executes does not (valgrind's callgrind counts them, the
same total for the same inputs whatever else the machine does). This script makes one
seeded log (``examples/generate_tickets.py``), checks out the other revision into a
temporary git worktree, and runs the same report in both under callgrind: once on a
log of one ticket (the fixed cost: imports, loading the policy) and once on the whole
log, so the cost per ticket is the difference (after a first run that compiles each
tree's bytecode, which is not counted). It also checks that both reports are the same:
byte for byte, or for ``--format json`` at least on every ticket and every total (the
JSON's tickets, skipped rows and summary: the head may have gained keys since).

``--floor`` also counts the floor of ``bench_report.py`` (read with ``csv.reader``, parse
every time, group by ticket, one JSON line per ticket) on the same two logs: the report's
cost per ticket as a multiple of the floor's, a ratio this machine's noise does not move.
(For ``--format table`` the cost per ticket also carries the table's rows per month,
which grow with the months the log spans, not with its tickets.)

Needs valgrind (Debian's ``valgrind`` package). Not a test: the numbers are read, and
reported in the closing notes and in ``benchmarks/results/count_report.txt``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = """
import sys
from slaclock.cli import main
sys.argv = ["slaclock", "report", sys.argv[1], "--jobs", "1", "--format", sys.argv[3],
            "-o", sys.argv[2]]
try:
    main()
except SystemExit as done:
    if done.code not in (0, None):
        raise
"""


#: The floor of ``bench_report.py`` (with the cyclic garbage collector paused).
FLOOR = """
import sys
sys.path.insert(0, sys.argv[3])
from bench_report import floor
floor(sys.argv[1], sys.argv[2])
"""


def instructions(tree: Path, log: Path, out: Path, fmt: str = "json",
                 program: str = RUN) -> int:
    """The instructions of one report run (or of ``program``, given the log, the output
    and ``fmt``) with ``tree``'s sources first on the path."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, "-c", program, str(log), str(out), fmt],
        capture_output=True, text=True, check=True, env={"PYTHONPATH": str(tree / "src")},
    )
    found = re.search(r"refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no total:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def same_report(a: Path, b: Path) -> bool:
    """Whether both reports say the same of every ticket, bad row and total (the head may
    have gained keys since)."""
    left, right = (json.loads(p.read_text(encoding="utf-8")) for p in (a, b))
    return all(left[key] == right[key] for key in ("tickets", "skipped", "summary"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="71d8afe", help="the other revision")
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--format", default="json", choices=("table", "csv", "json"),
                        help="the report's format (default json)")
    parser.add_argument("--floor", action="store_true",
                        help="also count the floor of bench_report.py on the same log")
    args = parser.parse_args()
    fmt = args.format
    with tempfile.TemporaryDirectory(prefix="slaclock-count-") as tmp:
        work = Path(tmp)
        log = work / "tickets.csv"
        subprocess.run(
            [sys.executable, str(ROOT / "examples" / "generate_tickets.py"), "--tickets",
             str(args.tickets), "--output", str(log)], check=True, capture_output=True,
        )
        lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
        one = work / "one.csv"
        one.write_text("".join(lines[:2]), encoding="utf-8")
        other = work / "other"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(other),
                        args.against], check=True, capture_output=True)
        try:
            rows = []
            for name, tree in (("this tree", ROOT), (args.against, other)):
                # Once without counting: a tree's first run compiles its bytecode.
                subprocess.run([sys.executable, "-c", RUN, str(one), str(work / "warm"), fmt],
                               check=True, capture_output=True,
                               env={"PYTHONPATH": str(tree / "src")})
                fixed = instructions(tree, one, work / f"{tree.name}-one.{fmt}", fmt)
                total = instructions(tree, log, work / f"{tree.name}.{fmt}", fmt)
                rows.append((name, fixed, total, (total - fixed) / args.tickets))
            same = (work / f"{ROOT.name}.{fmt}").read_bytes() == \
                (work / f"{other.name}.{fmt}").read_bytes()
            if not same and fmt == "json":
                same = same_report(work / f"{ROOT.name}.json", work / f"{other.name}.json")
            if args.floor:
                here = str(Path(__file__).resolve().parent)
                subprocess.run([sys.executable, "-c", FLOOR, str(one), str(work / "warm"),
                                here], check=True, capture_output=True,
                               env={"PYTHONPATH": str(ROOT / "src")})  # compiled once
                fixed = instructions(ROOT, one, work / "floor-one", here, FLOOR)
                total = instructions(ROOT, log, work / "floor", here, FLOOR)
                rows.append(("floor", fixed, total, (total - fixed) / args.tickets))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(other)], check=False, capture_output=True)
    print(f"slaclock report --jobs 1 --format {fmt} on {args.tickets} generated tickets "
          f"({len(lines) - 1} events), instructions counted by callgrind")
    print(f"{'revision':>12} {'fixed':>14} {'total':>14} {'per ticket':>12}")
    for name, fixed, total, per in rows:
        print(f"{name:>12} {fixed:>14,} {total:>14,} {per:>12,.0f}")
    print(f"per ticket: {rows[0][3] / rows[1][3]:.3f} times {args.against}'s; "
          f"reports {'identical' if same else 'DIFFERENT'}")
    if args.floor:
        print(f"per ticket: this tree {rows[0][3] / rows[2][3]:.2f} times the floor, "
              f"{args.against} {rows[1][3] / rows[2][3]:.2f} times")


if __name__ == "__main__":
    main()
