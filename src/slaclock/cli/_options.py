"""What every command shares: the exit codes, the options ``--tz``, ``--format`` and
``--output``, times given on the command line, and writing the answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any, ClassVar, TypeVar

import click

from slaclock.logs import parse_time, parse_zone
from slaclock.sla import json_safe

__all__ = [
    "CONTEXT", "EXIT_BREACH", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "FormatChoice",
    "InputError", "format_option", "instant", "output_option", "write_json", "write_text",
    "zone_option",
]

EXIT_OK = 0
EXIT_BREACH = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class InputError(click.ClickException):
    """A bad value or file: one line on stderr, exit code 2."""

    exit_code = EXIT_USAGE



def zone_option(value: str | None) -> tzinfo | None:
    """The zone ``--tz`` names, or ``None``."""
    if value is None:
        return None
    try:
        return parse_zone(value)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--tz'") from None


def instant(
    value: str, name: str, tz: tzinfo | None, *, allow_now: bool = False,
    unreadable: str | None = None,
) -> datetime:
    """A time given on the command line; ``now`` where allowed; ``unreadable`` says what
    the option takes when the text is no time (a template of ``{text!r}``)."""
    if allow_now and value.strip().lower() == "now":
        return datetime.now(UTC)
    try:
        if unreadable is not None:
            return parse_time(value, tz, unreadable=unreadable)
        return parse_time(value, tz)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=name) from None


def write_json(data: object, output: str | None = None) -> None:
    text = json_safe(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"
    write_text(text, output)


def write_text(text: str, output: str | None = None) -> None:
    """``text`` to standard output, or to the file ``output``, whole or not at all."""
    if output is None:
        click.echo(text, nl=False)
        return
    from slaclock.cli._render import atomic_output

    with atomic_output(output, "w", encoding="utf-8") as f:
        f.write(text)


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """``--format``: the choices shown, and ``text``, the former name of ``table``, still
    accepted without being shown."""

    ALIASES: ClassVar[dict[str, str]] = {"text": "table"}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        if isinstance(value, str) and value.lower() in self.ALIASES:
            value = self.ALIASES[value.lower()]
        return super().convert(value, param, ctx)


_F = TypeVar("_F", bound=Callable[..., Any])


def format_option(*choices: str) -> Callable[[_F], _F]:
    """The ``--format``/``-f`` option, ``table`` first and the default."""
    return click.option("--format", "-f", "fmt", type=FormatChoice(["table", *choices]),
                        default="table", show_default=True, help="The output's form.")


def output_option(what: str = "the output") -> Callable[[_F], _F]:
    """The ``--output``/``-o`` option of every command."""
    return click.option("--output", "-o", metavar="FILE",
                        help=f"Write {what} to FILE (replaced only once complete) instead "
                             "of standard output.")
