"""The ``--now``/``--at`` option of the app's commands, read by slaclock's time parser."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError

from slaclock.logs import parse_time


def instant(text: str | None) -> datetime | None:
    """The instant ``text`` says (ISO 8601 with an offset), or ``None`` for none.

    Raises:
        CommandError: for a text that is not such an instant (Django prints it on one
            line and exits with status 1).
    """
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError as error:
        raise CommandError(f"--now/--at: {error}") from None
