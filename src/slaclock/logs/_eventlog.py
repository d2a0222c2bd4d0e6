"""Ticket event logs: reading a CSV or JSON-lines export into per-ticket event rows.

A log is one row per event, in any order. Every row keeps the line it came from, so a bad
row can be reported as ``tickets.csv:12: unknown event 'closed'``. Reading never stops at
a bad row and never drops one silently: each is kept as a :class:`BadRow` with its reason,
and the caller decides whether to stop (``--strict``) or to go on and say how many it
skipped.

The format (see :doc:`/reference/event-log`):

========== ========================================================================
column     meaning
========== ========================================================================
ticket     the ticket id (any text)
time       an ISO 8601 instant with its UTC offset (``2026-04-30T17:30:00+03:00``)
event      ``opened``, ``responded``, ``waiting``, ``customer_replied``,
           ``level_changed``, ``to_development``, ``resolved`` or ``reopened``
level      the service level, on ``opened`` and ``level_changed``
detail     free text (subject, comment); optional
coverage   the contract's coverage: ``business`` or ``24x7``; optional
customer   the customer's name or id; optional, kept
category   the request's category; ``development`` on ``opened`` marks a development
           request (no resolution target); optional
signed     the date the customer's contract was signed (``2025-03-01``): with a policy
           of several regulation versions, it picks the version; optional
========== ========================================================================

The ``level`` column is read on ``opened`` and ``level_changed`` rows only, so an export
that repeats the ticket's level on every row reads as it is.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import operator
import os
import pickle
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from slaclock._errors import SlaclockError
from slaclock._instants import duration_us
from slaclock.sla import (
    BUILTIN_FIELDS,
    COVERAGES,
    OPENINGS,
    ROLES,
    VOCABULARY,
    Kind,
    said_problem,
    same_event,
)

__all__ = [
    "COLUMNS",
    "KINDS",
    "BadRow",
    "EventLog",
    "EventLogError",
    "Row",
    "check_log_path",
    "csv_safe",
    "parse_time",
    "parse_zone",
    "printable",
    "read_rows",
]

#: The event kinds a log may hold: the SLA model's, both vocabularies.
KINDS = tuple(VOCABULARY)
"""The event kinds a log may hold, the same as the SLA model's."""

COLUMNS = (
    "ticket", "time", "event", "level", "detail", "coverage", "customer", "category", "signed",
    "status", "author", "field", "value",
)
"""The columns of the format, in the order slaclock writes them."""

#: Other names of columns: those of :meth:`slaclock.Event.as_dict`.
ALIASES = {"at": "time", "kind": "event"}

REQUIRED = ("ticket", "time", "event")
#: The kinds whose rows need a level (the level column is read on the kinds that take one).
_NEEDS_LEVEL = frozenset(name for name, kind in VOCABULARY.items() if kind.level == "needs")
_KIND_SET = {kind: kind for kind in KINDS}
#: The kinds a clean row of the common shape may have to take the CSV fast path.
_FAST_KINDS = {name: name for name, kind in VOCABULARY.items() if not kind.general}
_COVERAGE_SET = {"": None, **{c: c for c in COVERAGES}}

LogFormat = Literal["csv", "jsonl"]


class EventLogError(SlaclockError, ValueError):
    """An event log could not be read at all (a missing column, an unreadable file), or,
    in strict mode, held a bad row.

    Attributes:
        source: the file's name, as given.
        line: the line of the bad row, or ``None`` when the whole file is at fault.
        reason: what was wrong, in one sentence.
    """

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {reason}")


class Row(NamedTuple):
    """One event of the log, checked and parsed."""

    line: int
    ticket: str
    at: datetime
    kind: str
    level: str | None
    detail: str | None
    coverage: str | None
    customer: str | None
    category: str | None
    signed: date | None
    status: str | None = None
    author: str | None = None
    fields: Mapping[str, str | None] | None = None


#: ``new_row(Row, values)``: a :class:`Row` of all its thirteen values, made without the
#: named tuple's own ``__new__`` (a Python function, twice the cost on a log's every row).
new_row = tuple.__new__


@attrs.frozen
class BadRow:
    """A row that was not replayed, and why.

    Attributes:
        line: the line the row starts on (1 is the header of a CSV file).
        reason: what was wrong, in one sentence.
        ticket: the row's ticket id, when it had one.
    """

    line: int
    reason: str
    ticket: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "ticket": self.ticket, "reason": self.reason}


# -- times ------------------------------------------------------------------------------


def parse_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``, or a :class:`ValueError` that says what to give."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: give an IANA name such as 'Europe/Moscow' or 'UTC'"
        ) from None


_ISO_HINT = "expected ISO 8601 with an offset, e.g. 2026-04-30T17:30:00+03:00"


def parse_time(text: str, tz: tzinfo | None = None) -> datetime:
    """An aware datetime from ISO 8601 text.

    A text with an offset (``+03:00``, ``Z``) is that instant. A text without one is
    *refused* unless ``tz`` says which zone its wall-clock time is in; it is never read as
    UTC. In a zone with daylight saving time, a wall-clock time that happens twice (an
    autumn fold) or never (a spring gap) is refused too, rather than guessed.

    Raises:
        ValueError: with a one-sentence reason.

    >>> parse_time("2026-04-30T17:30+03:00").isoformat()
    '2026-04-30T17:30:00+03:00'
    >>> parse_time("2026-04-30 17:30")
    Traceback (most recent call last):
    ...
    ValueError: time '2026-04-30 17:30' has no UTC offset: add one (...) or say which zone ...
    >>> parse_time("2026-04-30 17:30", ZoneInfo("Europe/Moscow")).isoformat()
    '2026-04-30T17:30:00+03:00'
    """
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = _parse_with_pendulum(text)
    if value.tzinfo is None:
        if tz is None:
            raise ValueError(
                f"time {text!r} has no UTC offset: add one (2026-04-30T17:30+03:00) or say "
                "which zone it is in (--tz Europe/Moscow)"
            )
        return _localize(text, value, tz)
    return value


def _parse_with_pendulum(text: str) -> datetime:
    """The forms :meth:`datetime.fromisoformat` refuses (``20260430T173000+0300``, ...).

    pendulum's top-level ``parse`` reads a text without an offset as UTC; its parsing
    module does not, so a naive result stays naive and :func:`parse_time` can refuse it.
    """
    import pendulum.parsing

    try:
        parsed = pendulum.parsing.parse(text)
    except (ValueError, TypeError):
        parsed = None
    if not isinstance(parsed, datetime):
        raise ValueError(f"unparseable time {text!r}: {_ISO_HINT}")
    offset = parsed.utcoffset()
    zone = None if offset is None else timezone(offset)
    return datetime(
        parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second,
        parsed.microsecond, tzinfo=zone,
    )


def _localize(text: str, naive: datetime, tz: tzinfo) -> datetime:
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either a fold (both read back as this wall time) or a gap (neither does).
        back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        what = "happens twice (a daylight-saving fold)" if back == naive else "never happens"
        raise ValueError(
            f"time {text!r} {what} in {tz}: give it with its UTC offset"
        )
    return first


# -- reading --------------------------------------------------------------------------


def detect_format(name: str, head: str) -> LogFormat:
    """``"jsonl"`` for ``.jsonl``/``.ndjson``/``.json`` files or text starting with ``{``;
    ``"csv"`` otherwise."""
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    return "jsonl" if head.lstrip().startswith("{") else "csv"


def _clean(value: object) -> str | None:
    if value is None or value == "":
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    return text or None


class _Unshared(dict[str, str]):
    """Ticket ids not shared between rows: a log read to be split keeps no id of every
    ticket it sees."""

    def setdefault(self, key: str, default: str = "") -> str:
        return default


class _Checker:
    """Turns raw cells into a :class:`Row` or a :class:`BadRow`.

    One per log: it shares each ticket id and each UTC offset between rows, which keeps a
    large log small in memory. ``details=False`` leaves the free-text ``detail`` out.
    """

    def __init__(self, tz: tzinfo | None, details: bool = True, share_ids: bool = True) -> None:
        self.tz = tz
        self.details = details
        self.ids: dict[str, str] = {} if share_ids else _Unshared()
        self.zones: dict[tzinfo, tzinfo] = {}

    def time(self, text: str) -> datetime | None:
        """The fast path: an ISO text with an offset, or ``None``."""
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            return None
        zone = at.tzinfo
        if zone is None:
            return None
        shared = self.zones.setdefault(zone, zone)
        if shared is zone:
            return at
        # The same instant, with the zone object every row of that offset shares (so a
        # large log keeps one): astimezone does it in half the time of replace, but goes
        # through UTC, which is out of range at the ends of years 1 and 9999.
        try:
            return at.astimezone(shared)
        except OverflowError:
            return at.replace(tzinfo=shared)

    def __call__(
        self,
        line: int,
        ticket: object,
        time: object,
        event: object,
        level: object = None,
        detail: object = None,
        coverage: object = None,
        customer: object = None,
        category: object = None,
        signed: object = None,
        status: object = None,
        author: object = None,
        field: object = None,
        value: object = None,
        fields: object = None,
    ) -> Row | BadRow:
        ticket_id = _clean(ticket)
        if ticket_id is None:
            return BadRow(line, "no ticket id")
        ticket_id = self.ids.setdefault(ticket_id, ticket_id)
        kind = _KIND_SET.get(event) if isinstance(event, str) else None
        if kind is None:
            if isinstance(event, str):
                kind = _KIND_SET.get(event.strip().lower())
            if kind is None:
                return BadRow(
                    line, f"unknown event {event!r} (expected one of: {', '.join(KINDS)})",
                    ticket_id,
                )
        if not isinstance(time, str):
            return BadRow(line, "no time" if time is None else f"time {time!r} is not text",
                          ticket_id)
        at = self.time(time)
        if at is None:
            if not time.strip():
                return BadRow(line, "no time", ticket_id)
            try:
                at = parse_time(time, self.tz)
            except ValueError as error:
                return BadRow(line, str(error), ticket_id)
        general = _general(kind, level, status, author, field, value, fields)
        if isinstance(general, str):
            return BadRow(line, general, ticket_id)
        if general is None:  # a row of the default vocabulary: the level where it needs one
            lvl = _clean(level) if kind in _NEEDS_LEVEL else None
        else:
            lvl = general[0]
            if general[4].get("customer") is not None:
                customer = general[4]["customer"]
            if general[4].get("category") is not None:
                category = general[4]["category"]
            if general[4].get("coverage") is not None:
                coverage = general[4]["coverage"]
        cov = None
        if coverage:
            cov_text = _clean(coverage)
            cov = _COVERAGE_SET.get(cov_text.lower() if cov_text else "", "?")
            if cov == "?":
                return BadRow(
                    line, f"unknown coverage {coverage!r} (expected 'business' or '24x7')",
                    ticket_id,
                )
        day = None
        if signed:
            try:
                day = date.fromisoformat(str(signed).strip())
            except ValueError:
                return BadRow(line, f"signed {signed!r} is not a date (2025-03-01)", ticket_id)
        return Row(
            line, ticket_id, at, kind, lvl,
            _clean(detail) if detail and self.details else None, cov,
            _clean(customer) if customer else None, _clean(category) if category else None,
            day,
            *(general[1:4] if general is not None else (None, None, None)),
        )


def _general(
    kind: str, level: object, status: object, author: object, field: object, value: object,
    fields: object,
) -> tuple[str | None, str | None, str | None, Mapping[str, str | None] | None,
           dict[str, str | None]] | str | None:
    """A row's level and general columns checked against the vocabulary
    (:func:`~slaclock.sla._vocabulary.said_problem`, the rules an event follows):
    ``(level, status, author, fields, built-in fields)``, the reason the row is bad, or
    ``None`` for a row of the default vocabulary without them (or of a kind the
    vocabulary does not know, which the caller refuses). The level column is read on the
    kinds that take a level only (an export may repeat the ticket's level on every row);
    ``fields`` (a mapping) and the ``field`` and ``value`` columns give field changes, the
    built-in fields among them (level, customer, category, coverage) apart."""
    spec: Kind | None = VOCABULARY.get(kind)
    if spec is None:
        return None
    status_text = _clean(status)
    author_text = _clean(author)
    name = _clean(field)
    level_text = _clean(level) if spec.level != "refuses" else None
    if status_text is None and author_text is None and name is None and not fields:
        if spec.level == "needs" and level_text is None:
            return said_problem(spec, "row", level=None, status=None, author=None, fields=False)
        if not spec.general:
            return None
    extra: dict[str, str | None] = {}
    if isinstance(fields, Mapping):
        for key, text in fields.items():
            if not isinstance(key, str) or not (text is None or isinstance(text, str | int)):
                return f"fields maps names to text, not {key!r}: {text!r}"
            extra[key] = None if text is None else str(text)
    elif fields is not None:
        return f"fields is an object of name to value, not {fields!r}"
    if name is not None:
        extra[name] = _clean(value)
    if author_text is not None and author_text.lower() in ROLES:
        author_text = author_text.lower()
    named = bool(extra)
    builtin = {k: extra.pop(k) for k in list(extra) if k in BUILTIN_FIELDS}
    lvl = builtin.pop("level", None)
    if lvl is None:
        lvl = level_text
    problem = said_problem(spec, "row", level=lvl, status=status_text, author=author_text,
                           fields=named)
    if problem is not None:
        return problem
    if spec.fields != "refuses" and not spec.opens and not named and lvl is None:
        return (f"a {kind!r} row needs the field it changes (the field and value columns, "
                "or fields)")
    return lvl, status_text, author_text, extra or None, builtin


#: A quoted CSV field may run over at most this many lines ...
MAX_FIELD_LINES = 1000
#: ... and hold at most this many characters (a long comment of a few megabytes reads).
MAX_FIELD_CHARS = 4 * 2**20

_QUOTE_HINT = "write a quote inside a quoted field twice: \"\""


class _Runaway(Exception):
    """A CSV record that cannot be a row: its quoted field ran away."""


def _feed(lines: Iterator[str], record: list[str]) -> Iterator[str]:
    """The lines as :func:`csv.reader` pulls them, each kept in ``record`` until the reader
    of the current record clears it.

    The reader asks for another line before a record is complete only inside a quoted
    field, so a line asked for while ``record`` is not empty continues a field: past
    :data:`MAX_FIELD_LINES` lines or :data:`MAX_FIELD_CHARS` characters, or at the end
    of the file, the field was never closed.
    """
    chars = 0
    for text in lines:
        record.append(text)  # kept before any refusal: the lines after a bad row are read
        if len(record) > 1:
            chars += len(text)
            if len(record) > MAX_FIELD_LINES:
                raise _Runaway(f"a quoted field is never closed: it runs on past "
                               f"{MAX_FIELD_LINES} lines ({_QUOTE_HINT})")
            if chars > MAX_FIELD_CHARS:
                raise _Runaway(f"a quoted field is never closed: it runs past "
                               f"{MAX_FIELD_CHARS // 2**20} MB ({_QUOTE_HINT})")
        else:
            chars = len(text)
        yield text
    if record:
        raise _Runaway(f"a quoted field is never closed: it runs to the end of the file "
                       f"({_QUOTE_HINT})")


def _csv_rows(
    stream: Iterator[str],
    source: str,
    check: _Checker,
    keep: Callable[[str], bool] | None,
) -> Iterator[Row | BadRow]:
    # The module's limit is process-wide: raise it (never lower it) so that a long
    # comment on one line reads; runaway fields are bounded by _feed.
    if csv.field_size_limit() < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)
    lines = iter(stream)
    record: list[str] = []
    reader = csv.reader(_feed(lines, record))
    try:
        header = next(reader)
    except StopIteration:
        raise EventLogError(source, None, "the file is empty (expected a CSV header)") from None
    except (csv.Error, _Runaway) as error:
        raise EventLogError(source, 1, f"not CSV: {error}") from None
    names = [name.strip().lower().lstrip("\ufeff") for name in header]
    names = [ALIASES.get(name, name) if ALIASES.get(name, name) not in names else name
             for name in names]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise EventLogError(
            source, 1,
            f"the header lacks the column(s) {', '.join(missing)} (it must name at least "
            f"ticket, time, event; found: {', '.join(names) or 'nothing'})",
        )
    index = [names.index(name) if name in names else -1 for name in COLUMNS]
    width = max(index) + 1
    i_ticket, i_time, i_event, i_level, i_detail = index[:5]
    rare = [i for i in index[5:] if i >= 0]
    # The rare columns' cells: a tuple of them, or the one cell, a string; either is
    # empty throughout (`any` of it false) when the row leaves them all empty.
    rare_cells = operator.itemgetter(*rare) if rare else None
    optional = [(j, i) for j, i in enumerate(index[3:]) if i >= 0]
    kinds = _FAST_KINDS
    needs_level = _NEEDS_LEVEL
    ids = check.ids
    details = check.details and i_detail >= 0
    fast_time = check.time
    next_line = len(record) + 1  # the file line the next record starts on
    record.clear()
    while True:
        try:
            for cells in reader:
                taken = len(record)
                if taken > 1:
                    _check_continuation(record, i_event, next_line)
                start = next_line
                next_line += taken
                record.clear()
                if len(cells) < width:
                    if not cells or (len(cells) == 1 and not cells[0].strip()):
                        continue  # a blank line is not a row
                    cells += [""] * (width - len(cells))
                ticket = cells[i_ticket]
                if keep is not None:
                    stripped = ticket.strip()
                    if stripped and not keep(stripped):
                        yield _SKIP
                        continue
                # The fast path: a clean row of the common shape.
                kind = kinds.get(cells[i_event])
                if kind is not None and ticket and not ticket[0].isspace() \
                        and not ticket[-1].isspace() \
                        and (rare_cells is None or not any(rare_cells(cells))):
                    at = fast_time(cells[i_time])
                    level = cells[i_level] if i_level >= 0 and kind in needs_level else None
                    if at is not None and (
                        kind not in needs_level or (level and level == level.strip())
                    ):
                        detail = cells[i_detail].strip() or None if details else None
                        yield new_row(Row, (start, ids.setdefault(ticket, ticket), at, kind,
                                            level, detail, None, None, None, None, None,
                                            None, None))
                        continue
                extra: list[object] = [None] * (len(COLUMNS) - 3)
                for j, i in optional:
                    extra[j] = cells[i]
                yield check(start, ticket, cells[i_time], cells[i_event], *extra)
            return
        except (csv.Error, _Runaway) as error:
            # The record's first line is the bad row; its other lines are read again.
            reason = str(error) if isinstance(error, _Runaway) else \
                f"not readable as CSV: {error}"
            yield BadRow(next_line, reason, _first_cell(record[:1], i_ticket))
            again = record[1:]
            record.clear()
            next_line += 1
            reader = csv.reader(_feed(itertools.chain(again, lines), record))


def _first_cell(lines: list[str], i: int) -> str | None:
    """Cell ``i`` of a CSV line, stripped, or ``None``."""
    try:
        cells = next(csv.reader(lines), [])
    except csv.Error:
        return None
    return (cells[i].strip() or None) if len(cells) > i else None


def _inside_quotes(text: str) -> str:
    """The start of a line that continues a quoted field, up to the quote closing it."""
    i = 0
    while (j := text.find('"', i)) >= 0:
        if not text.startswith('"', j + 1):
            return text[:j]
        i = j + 2  # a doubled quote is a quote in the text
    return text


def _check_continuation(record: list[str], i_event: int, start: int) -> None:
    """Refuse a record whose quoted field swallowed a line that reads as a row of its own:
    the line's text inside the field (up to the quote that closes it) has three cells or
    more, and an event in the event column."""
    needed = max(i_event + 1, len(REQUIRED))
    for offset, text in enumerate(record[1:], 1):
        cells = next(csv.reader([_inside_quotes(text)]), [])
        if len(cells) >= needed and cells[i_event].strip().lower() in _KIND_SET:
            raise _Runaway(
                f"a quoted field is never closed: it runs on into line {start + offset}, "
                f"which reads as a row of its own ({_QUOTE_HINT})"
            )


def _jsonl_rows(
    stream: Iterator[str], check: _Checker, keep: Callable[[str], bool] | None
) -> Iterator[Row | BadRow]:
    for line, text in enumerate(stream, 1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except ValueError as error:
            yield BadRow(line, f"not a JSON object: {error}")
            continue
        except RecursionError:
            yield BadRow(line, "not a JSON object: nested too deeply")
            continue
        if not isinstance(obj, dict):
            yield BadRow(line, f"not a JSON object: {type(obj).__name__}")
            continue
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
            yield _SKIP
            continue
        if "time" not in obj and "at" in obj:
            obj["time"] = obj["at"]
        if "event" not in obj and "kind" in obj:
            obj["event"] = obj["kind"]
        yield check(line, ticket, *(obj.get(name) for name in (*COLUMNS[1:], "fields")))


_JSON_KEYS = frozenset((*COLUMNS, *ALIASES, "fields"))


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


#: A row of another shard: counted, not kept.
_SKIP = BadRow(0, "another shard's row")


def read_rows(
    lines: Iterable[str],
    *,
    source: str = "<events>",
    fmt: LogFormat | None = None,
    tz: tzinfo | None = None,
    keep: Callable[[str], bool] | None = None,
    details: bool = True,
    share_ids: bool = True,
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

    Raises:
        EventLogError: when the file as a whole cannot be read (no header, a required
            column missing).

    >>> text = ["ticket,time,event,level", "T1,2026-04-30T17:30+03:00,opened,partner.standard"]
    >>> [row.kind for row in read_rows(text)]
    ['opened']
    """
    it = iter(lines)
    if fmt is None:
        first = next(it, None)
        fmt = detect_format(source, first or "")
        if first is not None:
            it = itertools.chain([first], it)
    check = _Checker(tz, details, share_ids)
    if fmt == "csv":
        return _csv_rows(it, source, check, keep)
    return _jsonl_rows(it, check, keep)


# -- grouping ---------------------------------------------------------------------------


@attrs.define
class EventLog:
    """A log read and grouped by ticket, each ticket's rows in time order.

    Attributes:
        source: the file's name.
        tickets: ticket id to its rows, sorted by time (rows at the same instant keep
            their file order), the ``opened`` row first. Tickets in order of first opening.
        bad: the rows left out, and why, in line order.
        rows: how many rows the log holds (blank lines are not rows).
        last: the latest time of any good row, or ``None``.
    """

    source: str
    tickets: dict[str, list[Row]]
    bad: list[BadRow]
    rows: int
    last: datetime | None

    @classmethod
    def read(
        cls,
        path: str | Path,
        *,
        fmt: LogFormat | None = None,
        tz: tzinfo | None = None,
        keep: Callable[[str], bool] | None = None,
        progress: Callable[[int], None] | None = None,
        details: bool = True,
    ) -> EventLog:
        """Read and group the log at ``path`` (``"-"`` is standard input).

        Args:
            fmt: ``"csv"`` or ``"jsonl"``; guessed from the name or first character.
            tz: the zone of times written without an offset (refused otherwise).
            keep: read only the tickets whose id it accepts (a shard).
            progress: called now and then with the number of characters read so far.
            details: keep the ``detail`` text of each row.

        Raises:
            EventLogError: the file cannot be opened or read as a log at all.
        """
        source, stream = _open(path)
        with stream, _decoding(source):
            return cls.from_rows(
                read_rows(
                    _counting(stream, progress), source=source, fmt=fmt, tz=tz, keep=keep,
                    details=details,
                ),
                source=source,
                keep=keep,
            )

    @classmethod
    def from_bucket(cls, bucket: str, *, source: str = "<events>") -> EventLog:
        """Group the rows of one bucket of :func:`split_log` (their bad rows and row count
        are the split's, not the bucket's)."""
        return cls.from_rows(read_bucket(bucket), source=source)

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Row | BadRow],
        *,
        source: str = "<events>",
        keep: Callable[[str], bool] | None = None,
    ) -> EventLog:
        """Group rows by ticket and check each ticket's order: a ticket needs one
        ``opened`` row, and no row may come before it."""
        tickets: dict[str, list[Row]] = {}
        bad: list[BadRow] = []
        count = 0
        last: datetime | None = None
        for row in rows:
            count += 1
            if type(row) is not Row:
                assert isinstance(row, BadRow)
                if row is _SKIP:
                    continue
                if keep is None or row.ticket is None or keep(row.ticket):
                    bad.append(row)
                continue
            ticket = row.ticket
            group = tickets.get(ticket)
            if group is None:
                if keep is not None and not keep(ticket):
                    continue
                tickets[ticket] = [row]
            else:
                group.append(row)
        out: dict[str, list[Row]] = {}
        for ticket, group in tickets.items():
            checked = _check_ticket(ticket, group, bad)
            if checked:
                out[ticket] = checked
                end = checked[-1].at
                if last is None or end > last:
                    last = end
        # Tickets in the order they were opened (ties: file order).
        ordered = dict(sorted(out.items(), key=lambda item: (item[1][0].at, item[1][0].line)))
        bad.sort(key=lambda b: b.line)
        return cls(source, ordered, bad, count, last)

    @property
    def skipped(self) -> int:
        """How many rows were left out."""
        return len(self.bad)


#: A row's instant and line (the row is a tuple: its fields by position, in C).
_AT_AND_LINE = operator.itemgetter(2, 0)
#: A row's instant.
_AT = operator.itemgetter(2)


def _check_ticket(ticket: str, group: list[Row], bad: list[BadRow]) -> list[Row]:
    # The rows by instant, an opening first among the rows of its instant, then by line.
    # Sorted by instant and line, a ticket's one opening is its first row (the usual case)
    # or the rows take the second sort.
    if len(group) > 1:
        group.sort(key=_AT_AND_LINE)
    opened = [r for r in group if r.kind in OPENINGS]
    if len(opened) == 1 and opened[0] is group[0]:
        instants = list(map(_AT, group))
        if all(map(operator.lt, instants, instants[1:])):
            return group  # one opening, first, and no two rows at one instant: all kept
    if (opened and opened[0] is not group[0]) or len(opened) > 1:
        group.sort(key=lambda r: (r.at, r.kind not in OPENINGS, r.line))
        opened = [r for r in group if r.kind in OPENINGS]
    if not opened:
        bad.extend(
            BadRow(r.line, f"ticket {ticket!r} has no 'opened' event", ticket) for r in group
        )
        return []
    first = min(opened, key=lambda r: r.line)
    kept: list[Row] = []
    prev: Row | None = None
    same: dict[tuple[object, ...], int] | None = None  # the rows at prev's instant
    for r in group:
        if prev is not None and r.at == prev.at:
            if same is None:
                same = {_values(prev): prev.line}
            original = same.setdefault(_values(r), r.line)
            if original != r.line:
                bad.append(BadRow(
                    r.line,
                    f"duplicate of line {original} (the same ticket, time, event and values)",
                    ticket,
                ))
                continue
        else:
            same = None
        prev = r
        if r.kind in OPENINGS and r is not first:
            bad.append(BadRow(
                r.line,
                f"ticket {ticket!r} was already opened on line {first.line}; a new cycle "
                "is 'reopened'",
                ticket,
            ))
        elif r.at < first.at:
            bad.append(BadRow(
                r.line,
                f"{r.kind!r} at {r.at.isoformat()} is before ticket {ticket!r} was opened "
                f"({first.at.isoformat()}, line {first.line})",
                ticket,
            ))
        else:
            kept.append(r)
    return kept


def _values(row: Row) -> tuple[object, ...]:
    """What makes two rows of a ticket at one instant the same event: what an event says
    (:func:`~slaclock.sla._event.same_event`: all but the free-text detail), and the
    signed date."""
    return (*same_event(row), row.signed)


def _open(path: str | Path) -> tuple[str, IO[str]]:
    """The log's name, and its text (``"-"``: standard input)."""
    source = str(path)
    try:
        if source == "-":
            return source, io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        return source, open(path, encoding="utf-8-sig", newline="")
    except IsADirectoryError:
        raise EventLogError(source, None, "is a directory: give the log file in it") from None
    except OSError as error:
        raise EventLogError(source, None, f"cannot open: {error.strerror}") from None


@contextlib.contextmanager
def _decoding(source: str) -> Iterator[None]:
    try:
        yield
    except UnicodeDecodeError as error:
        raise EventLogError(
            source, None, f"not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None


# -- a log too large to hold: split by ticket ---------------------------------------------


@attrs.define
class Split:
    """A log's rows split by ticket into bucket files (:func:`split_log`).

    Attributes:
        buckets: the files, one per bucket: each holds every good row of its tickets.
        rows: how many rows the log holds.
        bad: the rows refused on their own (an unknown event, a bad time, ...), in line
            order; a ticket's rows refused for the ticket's sake (no opening, a duplicate)
            are found when its bucket is grouped.
        latest: the latest time of the rows in the buckets: the log's last instant
            (:attr:`EventLog.last`) unless the latest rows are refused when grouped.
    """

    buckets: list[str]
    rows: int
    bad: list[BadRow]
    latest: datetime | None


#: Rows kept per bucket before they are written out.
_BUCKET_CHUNK = 4096


def bucket_of(ticket: str, buckets: int) -> int:
    """The bucket (or shard) of a ticket: the same in every process and every run."""
    return zlib.crc32(ticket.encode("utf-8", "surrogatepass")) % buckets


def split_log(
    path: str | Path,
    workdir: str | Path,
    buckets: int,
    *,
    fmt: LogFormat | None = None,
    tz: tzinfo | None = None,
    progress: Callable[[int], None] | None = None,
    details: bool = True,
) -> Split:
    """Read the log at ``path`` once and write its rows, by ticket (:func:`bucket_of`),
    into ``buckets`` files in ``workdir``: each bucket is grouped and replayed alone
    (:meth:`EventLog.from_bucket`), so the memory a report takes is a bucket's, however
    large the log. The rows are written as they were read (pickled, in chunks), each
    keeping its line.

    Raises:
        EventLogError: as :meth:`EventLog.read`.
    """
    paths = [os.path.join(workdir, f"bucket-{i}.rows") for i in range(buckets)]
    for bucket in paths:
        open(bucket, "wb").close()
    # Rows wait in memory a chunk a bucket, at most about a million in all, and each
    # chunk is appended to its file, opened only then: neither memory nor open files
    # grow with the number of buckets.
    chunk_rows = max(64, min(_BUCKET_CHUNK, 1_000_000 // buckets))
    pending: list[list[tuple[Any, ...]]] = [[] for _ in range(buckets)]

    def flush(i: int) -> None:
        with open(paths[i], "ab") as f:
            pickle.dump(pending[i], f, protocol=pickle.HIGHEST_PROTOCOL)
        pending[i] = []

    bad: list[BadRow] = []
    rows = 0
    latest: datetime | None = None
    source, stream = _open(path)
    with stream, _decoding(source):
        for row in read_rows(_counting(stream, progress), source=source, fmt=fmt, tz=tz,
                             details=details, share_ids=False):
            rows += 1
            if type(row) is not Row:
                assert isinstance(row, BadRow)
                bad.append(row)
                continue
            if latest is None or row.at > latest:
                latest = row.at
            i = bucket_of(row.ticket, buckets)
            chunk = pending[i]
            chunk.append(tuple(row))
            if len(chunk) >= chunk_rows:
                flush(i)
        for i, chunk in enumerate(pending):
            if chunk:
                flush(i)
    bad.sort(key=lambda b: b.line)
    return Split(paths, rows, bad, latest)


def read_bucket(bucket: str) -> Iterator[Row]:
    """The rows of one bucket of :func:`split_log`, in the order they were read."""
    with open(bucket, "rb") as f:
        while True:
            try:
                chunk = pickle.load(f)
            except EOFError:
                return
            for values in chunk:
                yield new_row(Row, values)


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


def _counting(lines: Iterable[str], progress: Callable[[int], None] | None) -> Iterator[str]:
    """The lines, reporting now and then how many characters have been read (the lines
    themselves when nothing is told)."""
    if progress is None:
        return iter(lines)
    return _told(lines, progress)


def _told(lines: Iterable[str], progress: Callable[[int], None]) -> Iterator[str]:
    chars = 0
    step = 1 << 20
    mark = step
    for text in lines:
        chars += len(text)
        if chars >= mark:
            progress(chars)
            mark = chars + step
        yield text
    progress(chars)


# -- writing ----------------------------------------------------------------------------


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
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?\Z")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe, the spreadsheet's mark for "text"; numbers (``-3600``) are left as
    they are. ``None`` is an empty cell.

    >>> csv_safe("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> csv_safe(-3600), csv_safe("T-1"), csv_safe(None)
    ('-3600', 'T-1', '')
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def format_time(value: datetime) -> str:
    """ISO 8601 with the offset, to the second unless there are microseconds."""
    return value.isoformat(timespec="seconds" if not value.microsecond else "microseconds")


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
