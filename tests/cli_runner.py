"""The ``slaclock`` command driven in process, as the command-line tests drive it."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner, Result

from slaclock.cli import cli


def run(*args: object, input: str | None = None) -> Result:
    """The command with these arguments (paths and numbers as text); exceptions the command
    does not turn into an exit code propagate."""
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def one_line_error(result: Result) -> str:
    """The error on stderr: exactly one line, never a traceback."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def collector_seen(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[bool]:
    """Whether the cyclic garbage collector was on at each call of ``owner.name``, which
    is replaced (for the test) by a spy that notes it and calls the original."""
    import gc

    seen: list[bool] = []
    original = getattr(owner, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return seen
