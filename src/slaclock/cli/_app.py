"""The command line: the ``slaclock`` group, its error handling and exit codes; the
commands are in their own modules (``_deadline``, ``_calendar_cmd``, ``_report_cmd``)."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from slaclock._errors import INPUT_ERRORS
from slaclock.cli._calendar_cmd import calendar_command, elapsed
from slaclock.cli._deadline import deadline
from slaclock.cli._options import CONTEXT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from slaclock.cli._report_cmd import report
from slaclock.logs import printable

__all__ = ["cli", "main"]


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _PipeClosed(Exception):
    """Standard output was closed by its reader."""


class _StdoutClosed(Exception):
    """The command was started with its standard output closed (``slaclock ... >&-``)."""


class _ClosedStdout(io.TextIOBase):
    """Standard output when the process has none: any write, of text or of bytes, raises
    :class:`_StdoutClosed` (Python leaves ``sys.stdout`` ``None``, which click and rich
    write to as nowhere, silently)."""

    encoding = "utf-8"
    errors = "strict"

    def writable(self) -> bool:
        return True

    def write(self, text: Any) -> int:
        raise _StdoutClosed

    @property
    def buffer(self) -> Any:
        raise _StdoutClosed


class SlaclockGroup(click.Group):
    """The ``slaclock`` group: every error becomes one line on stderr and an exit code.

    0: success; 1: SLA breaches found (only with ``--fail-on-breach``); 2: a usage or
    input error; 3: an internal error (a bug: please report it; ``SLACLOCK_DEBUG=1``
    shows the traceback).
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = self._run(args, prog_name or "slaclock", complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def invoke(self, ctx: click.Context) -> Any:
        from slaclock.cli._render import provisional_notice

        try:
            # A provisional year is one line on stderr, not a Python warning per year.
            with provisional_notice():
                return super().invoke(ctx)
        except BrokenPipeError:
            # Before click's own handling, which exits with 1.
            raise _PipeClosed from None

    def _run(
        self, args: Sequence[str] | None, prog_name: str, complete_var: str | None, **extra: Any
    ) -> int:
        if sys.stdout is not None:
            return self._run_with_stdout(args, prog_name, complete_var, **extra)
        sys.stdout = _ClosedStdout()
        try:
            return self._run_with_stdout(args, prog_name, complete_var, **extra)
        finally:
            sys.stdout = None

    def _run_with_stdout(
        self, args: Sequence[str] | None, prog_name: str, complete_var: str | None, **extra: Any
    ) -> int:
        try:
            result = super().main(
                args, prog_name, complete_var, standalone_mode=False, **extra
            )
        except click.UsageError as error:
            path = error.ctx.command_path if error.ctx is not None else prog_name
            return _fail(
                f"{path}: error: {_one_line(error.format_message())} "
                f"(see '{path} --help')",
                EXIT_USAGE,
            )
        except click.ClickException as error:
            return _fail(f"{prog_name}: error: {_one_line(error.format_message())}", EXIT_USAGE)
        except click.Abort:
            return _fail(f"{prog_name}: interrupted", 130)
        except _StdoutClosed:
            return _fail(f"{prog_name}: error: standard output is closed: nothing can be "
                         "written to it (give the command an open one, or --output FILE)",
                         EXIT_USAGE)
        except (_PipeClosed, BrokenPipeError):
            # The reader went away (``slaclock report ... | head``): not an error.
            _silence_stdout()
            return EXIT_OK
        except INPUT_ERRORS as error:
            if os.environ.get("SLACLOCK_DEBUG"):
                raise
            return _fail(f"{prog_name}: error: {_one_line(str(error))}", EXIT_USAGE)
        except Exception as error:
            if os.environ.get("SLACLOCK_DEBUG"):
                raise
            return _fail(
                f"{prog_name}: internal error ({type(error).__name__}: "
                f"{_one_line(str(error))}); please report it (SLACLOCK_DEBUG=1 shows details)",
                EXIT_INTERNAL,
            )
        return result if isinstance(result, int) else EXIT_OK


def _fail(message: str, code: int) -> int:
    with contextlib.suppress(BrokenPipeError):
        # Messages quote the log (ticket ids, file names): no terminal escape gets through.
        click.echo(printable(message, limit=None), err=True)
    return code


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass



def _version() -> str:
    from slaclock._version import __version__

    return __version__


@click.group("slaclock", cls=SlaclockGroup, context_settings=CONTEXT)
@click.version_option(_version(), "-V", "--version", prog_name="slaclock",
                      message="%(prog)s %(version)s")
def cli() -> None:
    """SLA business time for support desks: deadlines, working time, production calendars,
    and SLA reports from a ticket event log.

    \b
    Examples:
      slaclock deadline --level commercial.standard --opened 2026-04-30T17:30+03:00
      slaclock elapsed 2026-04-30T17:30+03:00 2026-05-06T15:00+03:00
      slaclock calendar 2026
      slaclock report examples/tickets.csv

    Exit codes: 0 success; 1 SLA breaches found (only with --fail-on-breach); 2 a usage or
    input error; 3 an internal error. Errors are one line on stderr.
    """


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the ``slaclock`` command with ``argv`` (the process's arguments by default)."""
    cli.main(args=argv, prog_name="slaclock")
    raise AssertionError("unreachable")  # pragma: no cover - main() always exits


for _command in (deadline, elapsed, calendar_command, report):
    cli.add_command(_command)
