"""Reading an event log: a CSV or JSON-lines file (or its lines) into rows
(:func:`read_rows`), each a :class:`~slaclock.logs._rows.Row` or a
:class:`~slaclock.logs._rows.BadRow`; and the log file itself (opened, decoded, its
progress told, checked to be a regular file).

Reading never stops at a bad row and never drops one silently: each is kept as a
:class:`~slaclock.logs._rows.BadRow` with its reason, and the caller decides whether to
stop (``--strict``) or to go on and say how many it skipped. Reading changes nothing of
the process (a pause of the garbage collector, if wanted, is the caller's).
"""

from __future__ import annotations

import codecs
import contextlib
import io
import itertools
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import tzinfo
from pathlib import Path
from typing import IO, Any

from slaclock.logs._csv import ReadLimits, TooLong, csv_rows, too_long
from slaclock.logs._rows import (
    ALIASES,
    COLUMNS,
    SKIP,
    BadRow,
    EventLogError,
    LogFormat,
    Row,
    RowChecker,
)

__all__ = [
    "check_log_path",
    "counting",
    "decoding",
    "detect_format",
    "open_log",
    "read_rows",
]


def detect_format(name: str, head: str) -> LogFormat:
    """``"jsonl"`` for ``.jsonl``/``.ndjson``/``.json`` files or text starting with ``{``;
    ``"csv"`` otherwise."""
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    return "jsonl" if head.lstrip().startswith("{") else "csv"



def _jsonl_rows(
    stream: Iterator[str], check: RowChecker, keep: Callable[[str], bool] | None,
    limits: ReadLimits, source: str,
) -> Iterator[Row | BadRow]:
    first = True
    for line, text in enumerate(stream, 1):
        if type(text) is TooLong:
            yield BadRow(line, too_long(limits))
            first = False
            continue
        if not text.strip():
            continue
        if first and text.strip() in ("{", "["):
            # A JSON document written over many lines, not JSON lines: an export, most
            # likely, which a line-by-line reading would refuse line by line.
            raise EventLogError(source, line, _one_document(text, stream))
        try:
            obj = json.loads(text)
        except ValueError as error:
            yield BadRow(line, f"not a JSON object: {error}")
            first = False
            continue
        except RecursionError:
            yield BadRow(line, "not a JSON object: nested too deeply")
            first = False
            continue
        if not isinstance(obj, dict):
            yield BadRow(line, f"not a JSON object: {type(obj).__name__}")
            first = False
            continue
        if first and "ticket" not in obj and (shape := _export_shape(obj)) is not None:
            raise EventLogError(source, line, shape)
        first = False
        if not _JSON_KEYS.issuperset(obj):
            # Keys are matched as CSV headers are: without regard to case or spaces.
            obj = {k.strip().lower(): v for k, v in obj.items()}
        if "\\u" in text and (reason := _lone_surrogate(obj)) is not None:
            yield BadRow(line, reason)
            continue
        ticket = obj.get("ticket")
        if isinstance(ticket, int) and not isinstance(ticket, bool):
            ticket = str(ticket)
        if not isinstance(ticket, str):
            ticket = None
        if keep is not None and ticket and ticket.strip() and not keep(ticket.strip()):
            yield SKIP
            continue
        if "time" not in obj and "at" in obj:
            obj["time"] = obj["at"]
        if "event" not in obj and "kind" in obj:
            obj["event"] = obj["kind"]
        yield check(line, ticket, *(obj.get(name) for name in (*COLUMNS[1:], "fields")))


_JSON_KEYS = frozenset((*COLUMNS, *ALIASES, "fields"))

#: A top-level key of a JSON document, on a line of its own (as exports are indented).
_KEY = re.compile(r'(\s*)"((?:[^"\\]|\\.)*)"\s*:')
#: How many lines of a JSON document are looked at for its top-level keys.
_LOOK_AHEAD = 64


def _export_shape(keys: Iterable[str]) -> str | None:
    """What to say of a JSON document with these top-level keys when it is a helpdesk
    export, which slaclock reads through a mapping (``None`` for any other)."""
    names = set(keys)
    if "ticket_events" in names:
        return "this looks like a Zendesk ticket events export: add --map zendesk"
    if "ticket_metric_events" in names:
        return ("this looks like Zendesk's ticket metric events (its own SLA verdicts, "
                "for slaclock.helpdesks.compare_breaches): report on the ticket events "
                "export with --map zendesk")
    if "issues" in names or {"key", "changelog"} <= names:
        return "this looks like a Jira issue export: add --map jira"
    if "tickets" in names:
        return ("this looks like a Zendesk tickets export, which holds no history: "
                "export the ticket events (incremental/ticket_events.json) and add --map "
                "zendesk")
    return None


def _one_document(first: str, stream: Iterator[str]) -> str:
    """Why a log that opens with a line of ``{`` or ``[`` is refused: a helpdesk export
    (told by its top-level keys, in the lines that follow) or one JSON document."""
    keys: list[str] = []
    indent: str | None = None
    if first.strip() == "{":
        for text in itertools.islice(stream, _LOOK_AHEAD):
            found = _KEY.match(text)
            if found is None or type(text) is TooLong:
                continue
            indent = found[1] if indent is None else indent
            if found[1] == indent:
                keys.append(found[2])
    shape = _export_shape(keys)
    if shape is not None:
        return shape
    return ("the file is one JSON document, not JSON lines: a log in JSON is one event "
            "object per line ({\"ticket\": ..., \"time\": ..., \"event\": ...})")


def _lone_surrogate(obj: dict[str, Any]) -> str | None:
    """Why a column's text is not text: a ``\\ud800`` escape decodes to half a character,
    which no file or terminal can hold."""
    for name in COLUMNS:
        value = obj.get(name)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return (f"the {name!r} value holds a lone surrogate escape (such as "
                        "\\ud800), half of a character: fix the export's encoding")
    return None



def read_rows(
    lines: Iterable[str],
    *,
    source: str = "<events>",
    fmt: LogFormat | None = None,
    tz: tzinfo | None = None,
    keep: Callable[[str], bool] | None = None,
    details: bool = True,
    share_ids: bool = True,
    limits: ReadLimits | None = None,
) -> Iterator[Row | BadRow]:
    """Every row of a log, in file order: a :class:`Row`, or a :class:`BadRow` that says
    what was wrong with it.

    Args:
        lines: the log's lines (an open text file, with ``newline=""`` for CSV).
        source: the file's name, for messages and to guess the format.
        fmt: ``"csv"`` or ``"jsonl"``; guessed from ``source`` or the first character.
        tz: the zone of times written without an offset (refused otherwise).
        keep: parse only the rows of the tickets whose id it accepts; the others come as
            one shared placeholder that :meth:`EventLog.from_rows` counts and drops.
        details: keep the ``detail`` text (``False`` saves memory on large logs).
        share_ids: rows of a ticket share one id object (less memory for rows kept; a
            log read to be split keeps none, and so remembers no id).
        limits: what this reader accepts of a CSV log's fields (:class:`ReadLimits`: by
            default, a field over 1,000 lines or 4 MB is a bad row, and a line of a
            file over 8 MB, which is read a piece at a time, never whole).

    Raises:
        EventLogError: when the file as a whole cannot be read (no header, a required
            column missing).

    >>> text = ["ticket,time,event,level", "T1,2026-04-30T17:30+03:00,opened,partner.standard"]
    >>> [row.kind for row in read_rows(text)]
    ['opened']
    """
    limits = limits or ReadLimits()
    readline = getattr(lines, "readline", None)
    it = iter(lines) if readline is None else _bounded_lines(readline, limits.line_chars)
    if fmt is None:
        first = next(it, None)
        fmt = detect_format(source, first or "")
        if first is not None:
            it = itertools.chain([first], it)
    check = RowChecker(tz, details, share_ids)
    if fmt == "csv":
        return csv_rows(it, source, check, keep, limits)
    return _jsonl_rows(it, check, keep, limits, source)


def _bounded_lines(readline: Callable[[int], str], limit: int) -> Iterator[str]:
    """The lines of a file, each read with at most ``limit`` characters besides its line
    end: the start of a longer line comes as a :class:`TooLong`, the rest of it is read a
    piece at a time and dropped, so that no line is held whole (a line of a gigabyte
    would take two in memory)."""
    size = limit + 2  # a line at the limit, and its line end ("\r\n")
    while text := readline(size):
        if len(text) < size or text.endswith(("\n", "\r")):
            if len(text) > limit + 1 and len(text.rstrip("\r\n")) > limit:
                text = TooLong(text)
            yield text
            continue
        yield TooLong(text)
        while len(rest := readline(size)) == size and not rest.endswith(("\n", "\r")):
            pass



def open_log(path: str | Path) -> tuple[str, IO[str]]:
    """The log's name, and its text (``"-"``: standard input)."""
    source = str(path)
    try:
        if source == "-":
            # Standard input cannot be read twice: its bytes are counted as they are read,
            # for the offset of a byte that is not UTF-8 (see :func:`decoding`).
            counted: Any = _Counted(sys.stdin.buffer)  # a binary stream, as TextIOWrapper's
            return source, io.TextIOWrapper(counted, encoding="utf-8-sig", newline="")
        return source, open(path, encoding="utf-8-sig", newline="")
    except IsADirectoryError:
        raise EventLogError(source, None, "is a directory: give the log file in it") from None
    except OSError as error:
        raise EventLogError(source, None, f"cannot open: {error.strerror}") from None


class _Counted(io.BufferedIOBase):
    """A binary stream read through, its bytes and newlines counted."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.bytes = 0
        self.newlines = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._counted(self._raw.read(-1 if size is None else size))

    def read1(self, size: int = -1) -> bytes:
        read1 = getattr(self._raw, "read1", self._raw.read)
        return self._counted(read1(size))

    def _counted(self, data: bytes) -> bytes:
        self.bytes += len(data)
        self.newlines += data.count(b"\n")
        return data


@contextlib.contextmanager
def decoding(source: str, stream: IO[str] | None = None) -> Iterator[None]:
    """Turn a byte that is not UTF-8, met while reading the log ``source`` (through
    ``stream``, as :func:`open_log` opened it), into an :class:`EventLogError` naming its
    line and its offset in the file."""
    try:
        yield
    except UnicodeDecodeError as error:
        counted = getattr(stream, "buffer", None)
        where = _bad_byte(source, error, counted if isinstance(counted, _Counted) else None)
        at = "" if where is None else f" at byte {where[0]:,}"
        raise EventLogError(
            source, None if where is None else where[1],
            f"not UTF-8 text ({error.reason}{at}; save the log as UTF-8)",
        ) from None


def _bad_byte(
    source: str, error: UnicodeDecodeError, counted: _Counted | None
) -> tuple[int, int] | None:
    """The file offset and line of the first byte that is not UTF-8.

    The decoder's error counts from the start of the chunk it was given, not from the
    start of the file: a file is read again up to its first bad byte; standard input, which
    cannot be, was counted as it was read (``counted``: the chunk in error is the last
    bytes read).
    """
    if source == "-":
        if counted is None:
            return None
        chunk = error.object
        offset = counted.bytes - len(chunk) + error.start
        return offset, counted.newlines - chunk.count(b"\n", error.start) + 1
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    try:
        with open(source, "rb") as f:
            while block := f.read(1 << 20):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as bad:
                    pending = len(bad.object) - len(block)  # bytes kept from the last block
                    start = offset - pending + bad.start
                    # The kept bytes are part of one character: no newline among them.
                    before = block.count(b"\n", 0, max(0, bad.start - pending))
                    return start, lines + before + 1
                offset += len(block)
                lines += block.count(b"\n")
    except OSError:
        return None
    return None



def check_log_path(path: str) -> None:
    """Refuse, with a message that says why, a log path that is not a regular file: a
    missing file, a directory, a named pipe (a report may read its log more than once).
    ``"-"`` (standard input) is accepted.

    Raises:
        EventLogError: naming the path and what to give instead.
    """
    if path == "-":
        return
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise EventLogError(path, None, "no such file") from None
    except OSError as error:
        raise EventLogError(path, None, f"cannot open: {error.strerror}") from None
    if stat.S_ISDIR(mode):
        raise EventLogError(path, None, "is a directory: give the log file in it")
    if stat.S_ISFIFO(mode):
        raise EventLogError(
            path, None,
            "is a named pipe: save the log to a file, or give it on standard input ('-')",
        )
    if not stat.S_ISREG(mode):
        raise EventLogError(path, None, "is not a regular file: give the log file")


def counting(lines: Iterable[str], progress: Callable[[int], None] | None) -> Iterable[str]:
    """The lines, reporting now and then how many characters have been read (the lines
    themselves when nothing is told). A file stays a file: what :func:`read_rows` reads of
    it, a line at a time within the reader's limits, is counted."""
    if progress is None:
        return lines
    readline = getattr(lines, "readline", None)
    if readline is not None:
        return _Told(readline, progress)
    return _told(lines, progress)


class _Told:
    """Characters read, told to ``progress`` every megabyte and at the end; over a file's
    ``readline`` (as :func:`read_rows` reads a file) or over lines (:func:`_told`)."""

    def __init__(self, readline: Callable[[int], str], progress: Callable[[int], None]) -> None:
        self._readline = readline
        self._progress = progress
        self._chars = 0
        self._mark = 1 << 20

    def readline(self, size: int = -1) -> str:
        return self.note(self._readline(size))

    def note(self, text: str) -> str:
        """Count ``text`` read (``""``: the end)."""
        self._chars += len(text)
        if self._chars >= self._mark or not text:
            self._progress(self._chars)
            self._mark = self._chars + (1 << 20)
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(lambda: self.readline(-1), "")


def _told(lines: Iterable[str], progress: Callable[[int], None]) -> Iterator[str]:
    told = _Told(lambda _size: "", progress)
    for text in lines:
        yield told.note(text)
    told.note("")
