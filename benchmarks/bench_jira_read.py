"""How long the Jira reader takes on an issue search with its changelog pages, bulk fetch
and comment pages beside it: the 24 issues of examples/jira_desk_issues.json copied
``--copies`` times under new keys (and ids), read with ``read_export`` and the JSM policy.

    python benchmarks/bench_jira_read.py              # 200 copies: 4,800 issues
    python benchmarks/bench_jira_read.py --copies 20

Prints the best of ``--rounds`` runs, per issue and per row; asserts nothing (the
machine's noise is not the reader's).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import slaclock
from slaclock.helpdesks import read_export

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def renamed(text: str, copy: int) -> Any:
    """The sample's JSON with every key SD-1nn and id 10nnn moved to copy ``copy``."""
    for n in [*range(101, 131), 999]:
        text = text.replace(f"SD-{n}", f"SD-{copy * 1000 + n}")
        text = text.replace(f"\"{10000 + n}\"", f"\"{copy * 100000 + 10000 + n}\"")
        text = text.replace(f"/{10000 + n}/", f"/{copy * 100000 + 10000 + n}/")
    return json.loads(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    names = {kind: (EXAMPLES / f"jira_desk_{kind}.json").read_text() for kind in
             ("issues", "changelog_pages", "changelog_bulk", "comments")}
    issues: list[Any] = []
    pages: list[Any] = []
    bulk: list[Any] = []
    comments: list[Any] = []
    for copy in range(args.copies):
        issues.extend(renamed(names["issues"], copy)["issues"])
        pages.extend(renamed(names["changelog_pages"], copy))
        bulk.append(renamed(names["changelog_bulk"], copy))
        comments.extend(renamed(names["comments"], copy))
    policy = slaclock.load_policy(EXAMPLES / "jsm-policy.toml")
    best = float("inf")
    export = None
    for _ in range(args.rounds):
        start = time.perf_counter()
        export = read_export({"issues": issues}, "jira", policy, companions={
            "changelog": [pages, bulk], "comments": [comments]})
        best = min(best, time.perf_counter() - start)
    assert export is not None
    print(f"{len(issues)} issues, {export.rows} rows ({export.used} used, "
          f"{len(export.left_out)} issues left out): best of {args.rounds} "
          f"{best:.3f} s, {best / len(issues) * 1e6:.1f} us an issue, "
          f"{best / export.rows * 1e6:.2f} us a row")


if __name__ == "__main__":
    main()
