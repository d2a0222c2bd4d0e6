"""An event log read straight into columns (:class:`~slaclock.reporting._columnar.Columns`)
with pyarrow, for the columnar replay: what :meth:`slaclock.logs.EventLog.read` makes of
the same file, by the same rules, without a Python object per row.

The rules are the log reader's own, asked once per distinct value instead of once per
row: each distinct combination of a row's cells but its ticket and time is checked by
:class:`~slaclock.logs.RowChecker` (the kind, the level where the kind needs one, the
coverage, the customer, the category, the signing date), each distinct ticket id is
:func:`~slaclock.logs.clean`, and a ticket whose rows are not one opening then strictly
later rows is put in order by :func:`~slaclock.logs.check_ticket`. Times of the common
shapes (``2026-04-30T17:30:00+03:00``, with or without microseconds) are read on arrays,
the others one by one as the reader reads them.

It reads a CSV log of the common shape only, and gives ``None`` (read it by rows, with
:func:`~slaclock.reporting._sources.read_source`) for any other: a JSON lines log, a
quoted line end or a blank line (the lines of the rows would move), a
line longer than the reader's limits, text that is not UTF-8, a row the reader refuses
(whose reason the row reader gives), a time it does not read, a shard's share of a log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs
import numpy as np

from slaclock._instants import to_us
from slaclock.logs import (
    COLUMNS,
    BadRow,
    ReadLimits,
    Row,
    RowChecker,
    check_ticket,
    clean,
    header_names,
)
from slaclock.reporting._columnar import Columns
from slaclock.sla import OPENINGS, said

__all__ = ["ColumnsRead", "read_columns", "takes"]

#: The columns it reads (all but the free text).
_READ = ("ticket", "time", "event", "level", "coverage", "customer", "category", "signed",
         "status", "author", "field", "value")
_IGNORED = ("detail",)


@attrs.define(eq=False)
class ColumnsRead:
    """A log read into columns: as :class:`~slaclock.reporting._sources.Source` says it.

    Attributes:
        columns: the tickets' events, in the order the tickets opened.
        rejected: the rows left out, with their reasons (a ticket's order: a duplicate,
            a second opening, a row before the opening, a ticket without one).
        rows: how many rows the log holds.
        last: the latest instant of the rows kept (UTC microseconds), or ``None``.
    """

    columns: Columns
    rejected: list[BadRow]
    rows: int
    last: int | None


def takes(path: str) -> bool:
    """Whether :func:`read_columns` may read the log at ``path``: a ``.csv`` file (not
    standard input), pyarrow installed (the command's extra brings it)."""
    if path == "-" or not path.lower().endswith(".csv"):
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def read_columns(path: str, limits: ReadLimits | None = None) -> ColumnsRead | None:
    """The log at ``path`` in columns, or ``None`` for a log to read by rows (see the
    module's docstring for which)."""
    if not takes(path):
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    limits = limits or ReadLimits()
    scan = _scan(path, min(limits.line_chars, limits.field_chars))
    if scan is None:
        return None
    names = header_names(scan.header)
    if len(set(names)) != len(names) or not {"ticket", "time", "event"} <= set(names) \
            or any(n not in COLUMNS for n in names):
        return None
    source: Any = path
    if scan.bom:  # read from memory, past the mark
        with open(path, "rb") as f:
            source = pa.py_buffer(f.read()[3:])
    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(use_threads=False, column_names=names,
                                           skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                include_columns=[n for n in names if n in _READ],
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, OSError):
        return None
    del source
    rows = table.num_rows
    if rows + 1 != scan.lines:
        return None  # a quoted line end, or a line the reader would not count
    columns = {name: table[name] for name in table.column_names}
    del table  # each column let go once read
    return _Reader(columns, rows).read()


@attrs.define
class _Scan:
    """What one pass over a log's bytes finds: its header's cells, whether it starts with
    a byte-order mark, and how many lines it has (the last one even without a line end)."""

    header: list[str]
    bom: bool
    lines: int


def _scan(path: str, longest: int) -> _Scan | None:
    """Read the log at ``path`` a block at a time: ``None`` when the columns would not
    read it as the row reader does (a lone carriage return, a line longer than
    ``longest``, a blank line, a header that is no UTF-8 CSV line, an empty file)."""
    block = 1 << 24
    ends: list[Any] = []
    offset = 0
    cr = crlf = 0
    previous = b""
    try:
        with open(path, "rb") as f:
            head = f.read(3)
            bom = head == b"\xef\xbb\xbf"
            start = head if not bom else b""
            while True:
                data = start + f.read(block)
                start = b""
                if not data:
                    break
                view = np.frombuffer(data, np.uint8)
                ends.append(np.flatnonzero(view == 10) + offset)
                cr += data.count(b"\r")
                crlf += data.count(b"\r\n") + (previous == b"\r" and data[:1] == b"\n")
                previous = data[-1:]
                offset += len(data)
            found = np.concatenate([np.zeros(0, np.int64), *ends])
            if not offset or cr != crlf or not found.size:
                return None  # a lone carriage return: a line end to the CSV module
            last = offset if previous != b"\n" else int(found[-1])
            widths = np.diff(np.r_[-1, found, last])
            if int(widths.max()) > longest:
                return None
            starts = np.r_[0, found[:-1] + 1]
            for i in np.flatnonzero(widths[:found.size] <= 3).tolist():  # blank lines?
                f.seek(int(starts[i]) + 3 * bom)
                if not f.read(int(found[i] - starts[i])).strip():
                    return None
            f.seek(3 * bom)
            first = f.read(int(found[0]))
    except OSError:
        return None  # the row reader says what is wrong
    try:
        header = next(csv.reader(io.StringIO(first.decode("utf-8"))))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return None
    return _Scan(header, bom, int(found.size) + (previous != b"\n"))


def _factorized(values: Any) -> tuple[Any, Any]:
    """``numpy.unique(values, return_inverse=True)`` of non-negative integers, by a table
    where their range is small (the usual case: a few hundred combinations)."""
    if values.size and int(values.max()) < 4 * values.size + 1024:
        present = np.bincount(values) > 0
        keys = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        return keys, lookup[values]
    keys, inverse = np.unique(values, return_inverse=True)
    return keys, inverse.reshape(-1)


#: The characters ``str.strip`` removes, as a regular expression's class (RE2).
_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x110000))
                       if c.isspace()) + "]"


def _cleaned(dictionary: Any, values: list[str]) -> list[str | None]:
    """:func:`~slaclock.logs.clean` of each distinct ticket id, asked only of the ids that
    are empty or start or end with white space."""
    import pyarrow.compute as pc

    odd = pc.or_(pc.match_substring_regex(dictionary, f"^{_SPACE}|{_SPACE}$"),
                 pc.equal(pc.binary_length(dictionary), 0))
    out: list[str | None] = list(values)
    for i in np.flatnonzero(odd.to_numpy(zero_copy_only=False)).tolist():
        out[i] = clean(values[i])
    return out


def _codes_and_values(column: Any) -> tuple[Any, list[str]]:
    """A string column's dictionary codes (int32) and its distinct values."""
    encoded = column.combine_chunks().dictionary_encode()
    return (encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False),
            encoded.dictionary.to_pylist())


class _Reader:
    def __init__(self, columns: dict[str, Any], rows: int) -> None:
        self.columns = columns
        self.rows = rows

    def read(self) -> ColumnsRead | None:
        table, rows = self.columns, self.rows
        # Rows' columns in int32 where they fit (a log of 2**31 rows is not read whole).
        line = np.arange(2, rows + 2, dtype=np.int32)
        # Ticket ids, cleaned (a blank one is a bad row: read by rows).
        tcodes, tvalues = _codes_and_values(table["ticket"])
        cleaned = _cleaned(table.pop("ticket").combine_chunks().dictionary_encode().dictionary,
                           tvalues)
        if any(v is None for v in cleaned):
            return None
        if cleaned == tvalues:  # the usual log: no id in spaces
            ticket, id_list = tcodes, tvalues
        else:  # ids the same once cleaned are one ticket
            ids: dict[str, int] = {}
            remap = np.asarray([ids.setdefault(v, len(ids)) for v in cleaned], np.int32)  # type: ignore[arg-type]
            ticket, id_list = remap[tcodes], list(ids)
        texts = table.pop("time")
        times = _times(texts)
        if times is None:
            return None
        # Every other cell: one check of each distinct combination.
        present = [n for n in _READ[2:] if n in table]
        parts = [_codes_and_values(table.pop(n)) for n in present]
        # The combination of a row's codes as one integer (mixed radix), then its code.
        combined = np.zeros(rows, np.int64)
        for codes, values in parts:
            combined = combined * (len(values) + 1) + codes
        keys, combo = _factorized(combined)
        combos = np.empty((keys.size, len(parts)), np.int64)
        rest = keys.copy()
        for j in range(len(parts) - 1, -1, -1):
            radix = len(parts[j][1]) + 1
            combos[:, j] = rest % radix
            rest //= radix
        check = RowChecker(None, details=False)
        tokens: dict[tuple[Any, ...], int] = {}
        token_of_combo = np.empty(len(combos), np.int32)
        said_rows: list[Row] = []
        signed_of_combo: list[Any] = []
        opens = np.zeros(len(combos), bool)
        for k, values in enumerate(combos.tolist()):
            cells = {n: parts[j][1][v] for j, (n, v) in enumerate(zip(present, values,
                                                                        strict=True))}
            found = check(0, "t", "2000-01-01T00:00:00+00:00", cells.get("event"),
                          cells.get("level"), None, cells.get("coverage"),
                          cells.get("customer"), cells.get("category"), cells.get("signed"),
                          cells.get("status"), cells.get("author"), cells.get("field"),
                          cells.get("value"))
            if isinstance(found, BadRow):
                return None  # its reason is the row reader's to give
            key = said(found)
            code = tokens.get(key)
            if code is None:
                code = tokens[key] = len(said_rows)
                said_rows.append(found)
            token_of_combo[k] = code
            signed_of_combo.append(found.signed)
            opens[k] = found.kind in OPENINGS
        token = token_of_combo[combo] if rows else np.zeros(0, np.int32)
        signed_code = np.asarray([-1 if s is None else i for i, s in enumerate(signed_of_combo)],
                                 np.int32)[combo] if rows else np.zeros(0, np.int32)
        opening = opens[combo] if rows else np.zeros(0, bool)
        del combined, combo

        def time_of(line: int) -> datetime:  # a row's time as the reader reads it
            return datetime.fromisoformat(texts[line - 2].as_py())

        held = [ticket, times, token, line, signed_code, opening]
        del ticket, times, token, line, signed_code, opening, parts, tcodes
        return _group(held, id_list, said_rows, tokens, signed_of_combo, rows, time_of)


def _group(held: list[Any], ids: list[str], said_rows: list[Row],
           tokens: dict[tuple[Any, ...], int], signed_values: list[Any], rows: int,
           time_of: Callable[[int], datetime]) -> ColumnsRead:
    """The rows grouped by ticket as the log reader groups them (:class:`EventLog`):
    ``held``, the rows' ticket, time, token, line, signing date and opening columns, is
    emptied as they are put in order."""
    ticket, times = held[0], held[1]
    # Each ticket's rows by instant, then line (in file order: a stable sort by ticket
    # is enough where each ticket's rows come in time order, as a log is written).
    order = np.argsort(ticket, kind="stable")
    if rows > 1:
        t = times[order]
        same = ticket[order]
        if ((np.diff(t) < 0) & (same[1:] == same[:-1])).any():
            order = np.lexsort((held[3], times, ticket))
        del t, same
    del ticket, times
    for i, column in enumerate(held):  # each put in order, the old one let go
        held[i] = column[order]
    del column, order
    ticket, times, token, line, signed_code, opening = held
    held.clear()
    n = len(ids)
    first = np.searchsorted(ticket, np.arange(n + 1), "left").astype(np.int64)
    heads = first[:-1]
    # Regular: one opening, the first row, the others strictly later.
    regular = (np.add.reduceat(opening.astype(np.int64), heads) == 1) & opening[heads]
    tie = np.flatnonzero(np.diff(times) <= 0) + 1
    tie = tie[np.isin(tie, heads, invert=True)]
    regular[np.searchsorted(first, tie, "right") - 1] = False

    def row(r: int, ticket_id: str) -> Row:
        code = int(signed_code[r])
        return said_rows[int(token[r])]._replace(
            line=int(line[r]), ticket=ticket_id, at=time_of(int(line[r])),
            signed=None if code < 0 else signed_values[code])

    # The others in order by the log's own rule, their rows put after all the rows.
    rejected: list[BadRow] = []
    start = heads.copy()
    length = np.diff(first)
    extra: list[Row] = []
    for i in np.flatnonzero(~regular).tolist():
        kept = check_ticket(ids[i], [row(r, ids[i]) for r in range(first[i], first[i + 1])],
                            rejected)
        start[i] = rows + len(extra)
        length[i] = len(kept)
        extra.extend(kept)
    if extra:
        times = np.r_[times, [to_us(r.at) for r in extra]].astype(np.int64)
        token = np.r_[token, [tokens[said(r)] for r in extra]].astype(np.int64)
        line = np.r_[line, [r.line for r in extra]].astype(np.int64)
        signed_code = np.r_[signed_code, [_signed_code(r, signed_values) for r in extra]
                            ].astype(np.int64)
    # The tickets kept, in the order they opened (ties: file order).
    tickets = np.flatnonzero(length > 0)
    tickets = tickets[np.lexsort((line[start[tickets]], times[start[tickets]]))]
    reps = length[tickets]
    out_first = np.r_[0, np.cumsum(reps)].astype(np.int64)
    src = np.repeat(start[tickets], reps) + (
        np.arange(int(out_first[-1])) - np.repeat(out_first[:-1], reps))
    times, token, line, signed_code = times[src], token[src], line[src], signed_code[src]
    # Each ticket's signing date: the first its rows give, in order.
    signed: list[Any] = [None] * tickets.size
    given = np.flatnonzero(signed_code >= 0)
    if given.size:
        owner = np.searchsorted(out_first, given, "right") - 1
        firsts = np.r_[True, owner[1:] != owner[:-1]]
        for j, r in zip(owner[firsts].tolist(), given[firsts].tolist(), strict=True):
            signed[j] = signed_values[int(signed_code[r])]
    id_out = [ids[i] for i in tickets.tolist()]

    def events(j: int) -> list[tuple[int, Row]]:
        return [(int(line[r]), row(r, id_out[j]))
                for r in range(int(out_first[j]), int(out_first[j + 1]))]

    columns = Columns(id_out, out_first, times, token, [r.customer for r in said_rows],
                      signed, line[out_first[:-1]], events)
    rejected.sort(key=lambda b: b.line)
    return ColumnsRead(columns, rejected, rows, int(times.max()) if times.size else None)


def _signed_code(row: Row, values: list[Any]) -> int:
    """The code of a row's signing date among ``values``."""
    return -1 if row.signed is None else values.index(row.signed)


# -- times ----------------------------------------------------------------------------------


def _times(column: Any) -> Any:
    """Each row's instant (UTC microseconds) as ``datetime.fromisoformat`` reads it, or
    ``None`` when one is not an ISO time with an offset (read by rows: the reader says
    why). Texts of the two common shapes are read by pyarrow (which refuses a day, an hour
    or an offset out of range, as ``fromisoformat`` does); any other one by one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = column.combine_chunks()
    n = len(arr)
    out = np.empty(n, np.int64)
    if not n:
        return out
    offsets = np.frombuffer(arr.buffers()[1], np.int32)[arr.offset:arr.offset + n + 1]
    data = np.frombuffer(arr.buffers()[2], np.uint8)
    length = np.diff(offsets)
    done = np.zeros(n, bool)
    for width in (25, 32):
        idx = np.flatnonzero(length == width)
        if not idx.size:
            continue
        if idx.size == n and offsets[-1] - offsets[0] == n * width:
            buf = data[offsets[0]:offsets[-1]].reshape(n, width)
            texts = arr
        else:
            buf = data[offsets[idx][:, None] + np.arange(width)]
            texts = arr.take(pa.array(idx))
        ok = _shaped(buf, width)
        if not ok.all():
            idx, texts = idx[ok], texts.filter(pa.array(ok))
        try:
            us = pc.cast(texts, pa.timestamp("us", tz="UTC")).cast(pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue  # a day or an hour out of range: one by one, as the reader reads it
        out[idx] = us.to_numpy(zero_copy_only=False)
        done[idx] = True
    rest = np.flatnonzero(~done)
    if rest.size:
        texts = arr.take(pa.array(rest)).to_pylist()
        for j, text in zip(rest.tolist(), texts, strict=True):
            try:
                at = datetime.fromisoformat(text)
            except ValueError:
                return None
            if at.tzinfo is None:
                return None
            out[j] = to_us(at)
    return out


def _shaped(buf: Any, width: int) -> Any:
    """Which fixed-width texts are ``YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM`` (``+`` or ``-``)
    by their separators, with an offset under a day (``fromisoformat``'s bound): in
    these shapes pyarrow reads what ``fromisoformat`` reads, and refuses what it refuses
    (a digit missing, a day, an hour or a second out of range)."""
    off = 26 if width == 32 else 19  # the offset's sign
    ok = (buf[:, 4] == 45) & (buf[:, 7] == 45) & (buf[:, 10] == 84) & (buf[:, 13] == 58)
    ok &= (buf[:, 16] == 58) & (buf[:, off + 3] == 58)
    ok &= (buf[:, off] == 43) | (buf[:, off] == 45)
    if width == 32:
        ok &= buf[:, 19] == 46
    for i in (off + 1, off + 2, off + 4, off + 5):
        ok &= (buf[:, i] - 48) < 10  # uint8: a byte below '0' wraps round
    hours = (buf[:, off + 1] - 48) * 10 + (buf[:, off + 2] - 48)
    ok &= (hours < 24) & (buf[:, off + 4] < 54)  # minutes under 60
    return ok
