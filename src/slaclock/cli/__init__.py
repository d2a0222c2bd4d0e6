"""The ``slaclock`` command: deadlines, working time, production calendars and SLA reports
from a ticket event log, without writing Python. See :doc:`/reference/cli`.

The command needs the ``cli`` extra (click and rich): ``pip install "slaclock[cli]"``.
The library itself does not.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from slaclock.cli._app import cli

__all__ = ["cli", "main"]

#: What the command needs beyond the library, by the name it is imported as.
NEEDS = ("click", "rich")
MISSING = (
    "slaclock: the command line needs {names}, which {verb} not installed: "
    "pip install \"slaclock[cli]\""
)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the ``slaclock`` command with ``argv`` (the process's arguments by default).

    Without click or rich it says, in one line on stderr, which extra to install, and
    exits with code 2.
    """
    missing = _missing()
    if missing:
        print(MISSING.format(names=" and ".join(missing),
                             verb="are" if len(missing) > 1 else "is"), file=sys.stderr)
        sys.exit(2)
    from slaclock.cli._app import main as run

    run(argv)


def _missing() -> list[str]:
    missing = []
    for name in NEEDS:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    return missing


def __getattr__(name: str) -> Any:
    # ``cli``, the click group, is loaded on first use: importing this package needs
    # neither click nor rich.
    if name == "cli":
        from slaclock.cli._app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
