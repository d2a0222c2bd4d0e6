"""Text a report writes: a value from a log made safe for a terminal line
(:func:`printable`) and for a spreadsheet cell (:func:`csv_safe`), instants
(:func:`format_time`) and durations (:func:`format_duration`, :func:`whole_seconds`, and
:func:`working_hours`, working time as people read it: the SLA model's rule, served
here too).
"""

from __future__ import annotations

import re
from datetime import timedelta

from slaclock._instants import duration_us, instant_text
from slaclock.sla import working_hours

__all__ = [
    "csv_safe", "format_duration", "format_time", "printable", "whole_seconds",
    "working_hours",
]


def printable(value: object, limit: int | None = 200) -> str:
    """Text from a log made safe for a one-line message on a terminal.

    Every character that does not print (a newline, a terminal escape, a direction
    override, half of a surrogate pair) is written as its Python escape, so a ticket id
    cannot move the cursor, recolour the terminal or forge a second line. Text longer
    than ``limit`` characters is cut, with ``...`` after it.

    >>> print(printable("T-1\\x1b[2J\\nslaclock: all good"))
    T-1\\x1b[2J\\nslaclock: all good
    >>> printable("x" * 10, limit=4)
    'xxxx...'
    """
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    """A character as its Python escape: ``\\x1b``, ``\\n``, ``\\u202e``."""
    return repr(ch)[1:-1]


#: What a CSV cell writes as its escape: NUL and the C0 controls but tab, line feed and
#: carriage return (a quoted cell holds them as text), DEL and the C1 controls.
_CSV_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?\Z")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula, nor a terminal as a control.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe, the spreadsheet's mark for "text"; numbers (``-3600``) are left as
    they are. NUL, the other C0 controls but tab, line feed and carriage return, DEL and
    the C1 controls are written as their escapes (``\\x00``, ``\\x1b``), as
    :func:`printable` writes them. ``None`` is an empty cell.

    >>> csv_safe("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> csv_safe(-3600), csv_safe("T-1"), csv_safe(None)
    ('-3600', 'T-1', '')
    >>> print(csv_safe("T\\x00\\x1b[2J"))
    T\\x00\\x1b[2J
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable():
        text = _CSV_CONTROLS.sub(lambda found: _escape(found[0]), text)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


#: ISO 8601 with the offset, to the second unless there are microseconds, an offset in
#: seconds written as UTC (:func:`slaclock._instants.instant_text`: the one rule).
format_time = instant_text


def format_duration(value: timedelta) -> str:
    """``H:MM:SS`` with unbounded hours (``50:30:00``), a minus sign when negative.

    >>> format_duration(timedelta(days=2, hours=2, minutes=30))
    '50:30:00'
    >>> format_duration(timedelta(seconds=-90))
    '-0:01:30'
    """
    us = duration_us(value)
    sign = "-" if us < 0 else ""
    us = abs(us)
    seconds, micro = divmod(us, 1_000_000)
    minutes, sec = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    text = f"{sign}{hours}:{minute:02d}:{sec:02d}"
    return f"{text}.{micro:06d}" if micro else text


def whole_seconds(value: timedelta) -> int:
    """The whole seconds of a duration, rounded toward zero."""
    us = duration_us(value)
    return us // 1_000_000 if us >= 0 else -((-us) // 1_000_000)
