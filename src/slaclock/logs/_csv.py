"""A CSV log's records: each read into a row by the log's :class:`RowChecker`, within the
reader's own :class:`ReadLimits`, a quoted field that is never closed refused as one bad
row (the lines after it read again), the rest of the file read on.

The csv module's field limit is the whole process's (:func:`csv.field_size_limit`), which
a library call must leave as it found it: the reader reads with a csv module of its own
(:func:`csv_module`), whose limit is the reader's.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs

from slaclock.logs._rows import (
    ALIASES,
    COLUMNS,
    FAST_KINDS,
    KIND_SET,
    NEEDS_LEVEL,
    REQUIRED,
    SKIP,
    BadRow,
    EventLogError,
    Row,
    RowChecker,
    new_row,
)

__all__ = [
    "DELIMITERS", "MAX_FIELD_CHARS", "MAX_FIELD_LINES", "ReadLimits", "TooLong", "csv_module",
    "csv_rows", "header_names", "separated_by", "too_long",
]

#: The delimiters a CSV header may be written with, tried for the hint when it lacks a
#: column.
DELIMITERS = (",", ";", "\t", "|")


def separated_by(
    line: str, columns: Iterable[str], used: str = ",",
    name: Callable[[str], str] = str.casefold,
) -> str | None:
    """The delimiter other than ``used`` that splits a header ``line`` into cells naming
    every one of ``columns`` (each cell stripped and read by ``name``), or ``None``: the
    hint for a header read with the wrong delimiter (a spreadsheet's ``;``, a tab).

    >>> separated_by("ticket;time;event;level", ["ticket", "time", "event"])
    ';'
    >>> separated_by("ticket,time,event", ["ticket", "time", "event"]) is None
    True
    """
    wanted = list(columns)
    for other in DELIMITERS:
        if other != used and other in line:
            cells = {name(cell.strip()) for cell in line.split(other)}
            if all(column in cells for column in wanted):
                return other
    return None

#: A quoted CSV field may run over at most this many lines ...
MAX_FIELD_LINES = 1000
#: ... and hold at most this many characters (a long comment of a few megabytes reads).
MAX_FIELD_CHARS = 4 * 2**20


@attrs.frozen
class ReadLimits:
    """What one reader accepts of a CSV log's fields.

    Attributes:
        field_lines: the most lines a quoted field may run over.
        field_chars: the most characters a field may hold.

    A field past either is a bad row (a quote never closed, most likely), and the lines it
    swallowed are read again as rows.
    """

    field_lines: int = MAX_FIELD_LINES
    field_chars: int = MAX_FIELD_CHARS

    @property
    def line_chars(self) -> int:
        """The most characters one line of a log file may hold, its line end aside: twice
        a field's (a field at its limit, and the row's other cells). A longer line is a bad
        row, refused as it is read, a piece at a time, never held whole."""
        return 2 * self.field_chars


def too_long(limits: ReadLimits) -> str:
    """Why a :class:`TooLong` line is a bad row."""
    return (f"the line runs past {_size(limits.line_chars)}, twice the most a field holds "
            f"({_size(limits.field_chars)}): split the row's text")


class TooLong(str):
    """The first characters of a line longer than :attr:`ReadLimits.line_chars`, all a
    reader keeps of it (:func:`~slaclock.logs._reader.read_rows` reads the rest of the line
    and drops it)."""

    __slots__ = ()


@functools.lru_cache(maxsize=8)
def csv_module(field_chars: int) -> Any:
    """A csv module of the reader's own whose fields may hold ``field_chars`` characters.

    The C module keeps its field limit per instance, so the reader loads an instance of
    its own, once per limit, and never touches the limit of the process's csv module. On
    an interpreter whose instances would share it, the reader reads with the process's
    module and limit (a field past that limit is then a bad row).
    """
    import _csv

    spec = importlib.util.find_spec("_csv")
    if spec is None or spec.loader is None:  # pragma: no cover - every CPython has one
        return _csv
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = _csv.field_size_limit()
    if module is _csv:  # pragma: no cover - a module without an instance of its own
        return _csv
    module.field_size_limit(field_chars)
    if _csv.field_size_limit() != before:  # pragma: no cover - one limit after all
        _csv.field_size_limit(before)
        return _csv
    return module


_QUOTE_HINT = "write a quote inside a quoted field twice: \"\""


class _Runaway(Exception):
    """A CSV record that cannot be a row: its quoted field ran away."""


def _feed(lines: Iterator[str], record: list[str], limits: ReadLimits) -> Iterator[str]:
    """The lines as :func:`csv.reader` pulls them, each kept in ``record`` until the reader
    of the current record clears it.

    The reader asks for another line before a record is complete only inside a quoted
    field, so a line asked for while ``record`` is not empty continues a field: past the
    ``limits`` (lines, characters), or at the end of the file, the field was never closed.
    """
    max_lines, max_chars = limits.field_lines, limits.field_chars
    chars = 0
    for text in lines:
        record.append(text)  # kept before any refusal: the lines after a bad row are read
        if len(record) > 1:
            chars += len(text)
            if len(record) > max_lines:
                raise _Runaway(f"a quoted field is never closed: it runs on past "
                               f"{max_lines} lines ({_QUOTE_HINT})")
            if chars > max_chars:
                raise _Runaway(f"a quoted field is never closed: it runs past "
                               f"{_size(max_chars)} ({_QUOTE_HINT})")
        else:
            chars = len(text)
            if type(text) is TooLong:
                raise _Runaway(too_long(limits))
        yield text
    if record:
        raise _Runaway(f"a quoted field is never closed: it runs to the end of the file "
                       f"({_QUOTE_HINT})")


def _column_name(cell: str) -> str:
    """A header cell as the log's header names a column (its alias read)."""
    name = cell.lower().lstrip("\ufeff")
    return ALIASES.get(name, name)


def _delimiter_hint(line: str) -> str:
    """What to say of a header written with another delimiter than the comma."""
    other = separated_by(line, REQUIRED, ",", _column_name)
    if other is None:
        return ""
    shown = "\\t" if other == "\t" else other
    return (f": the header seems to be separated by '{shown}': slaclock reads "
            "comma-separated CSV, so save the log with commas (a helpdesk's export goes "
            f"through --map, whose mapping may say delimiter = \"{shown}\")")


def csv_rows(
    stream: Iterator[str],
    source: str,
    check: RowChecker,
    keep: Callable[[str], bool] | None,
    limits: ReadLimits,
) -> Iterator[Row | BadRow]:
    """Every record of a CSV log after its header, as a row (or the placeholder of
    another shard's row, for a ``keep`` that refuses its ticket)."""
    module = csv_module(limits.field_chars)
    lines = iter(stream)
    record: list[str] = []
    reader = module.reader(_feed(lines, record, limits), csv.excel)
    try:
        header = next(reader)
    except StopIteration:
        raise EventLogError(source, None, "the file is empty (expected a CSV header)") from None
    except (module.Error, _Runaway) as error:
        raise EventLogError(source, 1, f"not CSV: {error}") from None
    names = header_names(header)
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise EventLogError(
            source, 1,
            f"the header lacks the column(s) {', '.join(missing)} (it must name at least "
            f"ticket, time, event; found: {', '.join(names) or 'nothing'})"
            + _delimiter_hint("".join(record) or ",".join(header)),
        )
    index = [names.index(name) if name in names else -1 for name in COLUMNS]
    width = max(index) + 1
    i_ticket, i_time, i_event, i_level, i_detail = index[:5]
    rare = [i for i in index[5:] if i >= 0]
    # The rare columns' cells: a tuple of them, or the one cell, a string; either is
    # empty throughout (`any` of it false) when the row leaves them all empty.
    rare_cells = operator.itemgetter(*rare) if rare else None
    optional = [(j, i) for j, i in enumerate(index[3:]) if i >= 0]
    kinds = FAST_KINDS
    needs_level = NEEDS_LEVEL
    ids = check.ids
    details = check.details and i_detail >= 0
    fast_time = check.times.fast
    next_line = len(record) + 1  # the file line the next record starts on
    record.clear()
    while True:
        try:
            for cells in reader:
                taken = len(record)
                if taken > 1:
                    _check_continuation(module, record, i_event, next_line)
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
                        yield SKIP
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
        except (module.Error, _Runaway) as error:
            # The record's first line is the bad row; its other lines are read again.
            reason = str(error) if isinstance(error, _Runaway) else \
                f"not readable as CSV: {error}"
            yield BadRow(next_line, reason, _first_cell(module, record[:1], i_ticket))
            again = record[1:]
            record.clear()
            next_line += 1
            reader = module.reader(_feed(itertools.chain(again, lines), record, limits),
                                   csv.excel)


def header_names(header: list[str]) -> list[str]:
    """The columns a CSV log's header names, as the reader takes them: stripped, in lower
    case, without a byte-order mark, an alias (:data:`ALIASES`) read as its column
    unless the header also names the column itself."""
    names = [name.strip().lower().lstrip("\ufeff") for name in header]
    # A set: a header of 100,000 columns is read in linear time.
    given = set(names)
    return [ALIASES.get(name, name) if ALIASES.get(name, name) not in given else name
            for name in names]


def _first_cell(module: Any, lines: list[str], i: int) -> str | None:
    """Cell ``i`` of a CSV line, stripped, or ``None``."""
    try:
        cells: list[str] = next(module.reader(lines, csv.excel), [])
    except module.Error:
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


def _check_continuation(module: Any, record: list[str], i_event: int, start: int) -> None:
    """Refuse a record whose quoted field swallowed a line that reads as a row of its own:
    the line's text inside the field (up to the quote that closes it) has three cells or
    more, and an event in the event column."""
    needed = max(i_event + 1, len(REQUIRED))
    for offset, text in enumerate(record[1:], 1):
        cells: list[str] = next(module.reader([_inside_quotes(text)], csv.excel), [])
        if len(cells) >= needed and cells[i_event].strip().lower() in KIND_SET:
            raise _Runaway(
                f"a quoted field is never closed: it runs on into line {start + offset}, "
                f"which reads as a row of its own ({_QUOTE_HINT})"
            )



def _size(chars: int) -> str:
    """A number of characters for a message: in MB when it is a whole number of them."""
    return f"{chars // 2**20} MB" if chars % 2**20 == 0 else f"{chars:,} characters"
