"""The CSV and JSON text of many tickets' clocks at once, from a :class:`ClockTable`: what
:class:`~slaclock.reporting.MetricWriter` writes of each ticket's status, byte for byte,
made in NumPy arrays of bytes without a datetime, a status or a count per ticket.

Each output line (a clock's CSV row; a ticket's JSON head or one of its clocks) is a row
of a byte matrix whose columns are the fields, each field padded with the byte ``0xFF``
(never in UTF-8 text) where it is shorter than its column; dropping every ``0xFF`` leaves
the text. The fields are made by lookups: an instant's date from a table of the days the
instants fall on, its time of day from a table of the day's seconds, its offset from a
table of the zone's offsets on those days (two offset look-ups a day, one an instant on
a day the zone changes its offset); a number's digits two at a time; a text (a level, a
metric's name) once per distinct text, a ticket id once per ticket (all of a chunk's at
once when they are plain). Each instant is made once: a clock's start that is its
ticket's opening takes the opening's text. What cannot be made so is made by the
per-ticket rule itself: the ``repr`` of each share used in JSON, a duration's seconds in
JSON below 100 microseconds or past 10**15, a used share in CSV too close to a rounding
tie, and a whole chunk of tickets with an instant near the ends of years 1 and 9999
(:meth:`Counted.status <slaclock.sla.Counted.status>`, which raises there as it does).

:func:`ticket_texts` gives the texts (chunk by chunk, with each ticket's size in bytes),
:func:`write_records` writes a report part's records of them (the command's part files),
:func:`tickets_text` all of them as one string.

Needs NumPy (``pip install "slaclock[cli]"``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, timedelta, timezone, tzinfo
from json.encoder import encode_basestring
from typing import IO

import numpy as np

from slaclock.logs import csv_safe
from slaclock.reporting._clocks import METRIC_STATES, NONE, TICKET_STATES, ClockTable
from slaclock.reporting._rows import MetricWriter
from slaclock.sla import WRITABLE, json_safe, local_datetime

__all__ = ["CHUNK", "ticket_texts", "tickets_text", "write_records"]

#: How many tickets are made at once (the byte matrices of a chunk stay in the caches'
#: reach, not a gigabyte of a million tickets).
CHUNK = 16_384
#: The padding byte of a field shorter than its column (never a byte of UTF-8).
PAD = 0xFF
_U8 = np.uint8
_DAY = 86_400_000_000
_SECOND = 1_000_000
_MINUTE = 60_000_000
#: Instants a datetime in any zone can be (:data:`slaclock.sla.WRITABLE`).
_FIRST_US, _LAST_US = WRITABLE
#: The two-byte codes of a pair of digits (``_LEAD[q]``), of a number's first pair
#: (``_LEAD[100 + q]``: no leading zero, nothing for 0) and of a number's only pair
#: (``_LEAD[200 + q]``: no leading zero, "0" for 0).
_LEAD = np.concatenate([
    np.frombuffer(b"".join(f"{q:02d}".encode() for q in range(100)), np.uint16),
    np.frombuffer(b"".join(f"{q:>2}".replace(" ", "\xff").encode("latin-1") if q else
                           b"\xff\xff" for q in range(100)), np.uint16),
    np.frombuffer(b"".join(f"{q:>2}".replace(" ", "\xff").encode("latin-1")
                           for q in range(100)), np.uint16),
])
#: The digits of 0-99, two bytes each.
_PAIRS = _LEAD[:100].view(_U8).reshape(100, 2)
_TIMES: list[np.ndarray] = []  # "HH:MM:SS" of each second of a day, made when first used


def ticket_texts(
    table: ClockTable, rows: np.ndarray, fmt: str, chunk: int = CHUNK
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The text of the tickets in ``rows`` (rows of ``table``, in this order), in chunks:
    each chunk's tickets' texts in UTF-8, one after the other (a NumPy array of bytes: a
    buffer, for ``file.write`` or ``bytes``), and each one's size in bytes (int64).
    ``chunk`` tickets at a time. A ticket's text is ``MetricWriter(fmt).ticket(status)``
    of its status (``table.counted(row).status()``): its CSV rows (``"csv"``), or its
    JSON object (``"json"``, :meth:`~slaclock.TicketStatus.to_json`).

    Raises:
        ValueError: for a format but ``"csv"`` and ``"json"``.
        HorizonError: for a ticket with an instant its zone cannot write (as its status).
    """
    if fmt not in ("csv", "json"):
        raise ValueError(f"no metric rows in the format {fmt!r}: 'csv' or 'json'")
    rows = np.asarray(rows, np.int64)
    texts = _Texts(table, fmt)
    for begin in range(0, len(rows), chunk):
        yield texts.chunk(rows[begin:begin + chunk])


def tickets_text(table: ClockTable, rows: np.ndarray, fmt: str) -> str:
    """The texts of :func:`ticket_texts`, one after the other, as one string."""
    return b"".join([data.tobytes() for data, _ in ticket_texts(table, rows, fmt)]).decode()


def write_records(
    table: ClockTable, rows: np.ndarray, fmt: str, file: IO[bytes], header: struct.Struct
) -> None:
    """Write to ``file`` what a report's part writes of each ticket in ``rows``, in this
    order: ``header.pack(opened, line, size)`` (the ticket's opening in UTC microseconds,
    its line, its text's size in bytes) then its text (:func:`ticket_texts`).

    ``header`` is the part file's record header; its format must be ``"<qqI"``.
    """
    if header.format != "<qqI":
        raise ValueError(f"a record header of the format '<qqI', not {header.format!r}")
    rows = np.asarray(rows, np.int64)
    kind = np.dtype([("opened", "<i8"), ("line", "<i8"), ("size", "<u4")])
    done = 0
    for data, sizes in ticket_texts(table, rows, fmt):
        n = len(sizes)
        picked = rows[done:done + n]
        done += n
        heads = np.empty(n, kind)
        heads["opened"] = table.opened[picked]
        heads["line"] = table.line[picked]
        heads["size"] = sizes
        out = np.empty(len(data) + n * 20, _U8)
        starts = np.zeros(n, np.int64)
        np.cumsum(sizes[:-1] + 20, out=starts[1:])
        at_head = np.zeros(len(out), bool)
        spots = (starts[:, None] + np.arange(20)).ravel()
        at_head[spots] = True
        out[spots] = heads.view(_U8)
        out[~at_head] = data
        file.write(out.data)


class _Texts:
    """The writer of one table's tickets in one format: the texts of its levels, metric
    names, coverages, clocks' names and the report's instant, made once."""

    def __init__(self, table: ClockTable, fmt: str) -> None:
        self.table = table
        self.fmt = fmt
        self.json = fmt == "json"
        self.zone = table.at.tzinfo
        if self.json:
            made: Callable[[str], str] = _json_text
            self.levels = _text_table([made(t) for t in table.levels])
            self.metrics = _text_table([made(t) for t in table.metrics])
            self.coverages = _text_table([made(t) for t in table.coverages] + ["null"])
            self.clocks = _text_table([made(t) for t in table.clocks] + ["null"])
        else:
            quoted = MetricWriter("csv")._quoted
            self.quoted = quoted
            self.levels = _text_table([quoted((csv_safe(t),)) for t in table.levels])
            self.metrics = _text_table([quoted((csv_safe(t),)) for t in table.metrics])
            self.coverages = _text_table([*table.coverages, ""])
        self.ticket_states = _text_table(list(TICKET_STATES))
        self.clock_states = _text_table(list(METRIC_STATES))
        self.breached_code = METRIC_STATES.index("breached")
        self.at_text = table.at_text
        #: The zone's offsets by UTC day, as found (:func:`_offsets`).
        self.days: dict[int, tuple[int, int]] = {}

    def chunk(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = self.table
        first = t.first
        begin, end = first[rows], first[rows + 1]
        counts = end - begin
        # The chunk's clocks, ticket by ticket: their rows in the table and their tickets.
        owner = np.repeat(np.arange(len(rows)), counts)
        clocks = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
        clocks += np.repeat(begin, counts)
        opened_us = t.opened[rows]
        instants = [opened_us] + [c[clocks] for c in (t.start, t.deadline, t.met_at,
                                                      t.breached_at)]
        if any(((c != NONE) & ((c < _FIRST_US) | (c > _LAST_US))).any() for c in instants):
            return self._one_by_one(rows)
        # Each instant written once: a clock's start is mostly its ticket's opening, and
        # many clocks have no deadline, were not met or did not breach.
        own = [np.ones(len(rows), bool), instants[1] != opened_us[owner]] + [
            c != NONE for c in instants[2:]]
        wanted = [c[keep] for c, keep in zip(instants, own, strict=True)]
        made = _Instants(np.concatenate(wanted), self.zone, self.json, self.days).out
        pieces = np.cumsum([0] + [len(c) for c in wanted]).tolist()
        none = np.full(made.shape[1], PAD, _U8)
        if self.json:
            none[:4] = np.frombuffer(b"null", _U8)
        blocks: list[np.ndarray] = []
        for i, keep in enumerate(own):
            block = np.empty((len(keep), made.shape[1]), _U8)
            if i == 1:  # the start: the opening's text, unless the clock's own
                block[:] = blocks[0][owner]
            else:
                block[:] = none
            block[keep] = made[pieces[i]:pieces[i + 1]]
            blocks.append(block)
        opened, start, deadline, met_at, breached_at = blocks
        if self.json:
            return self._json(rows, clocks, owner, counts, opened, start, deadline, met_at,
                              breached_at)
        return self._csv(rows, clocks, owner, counts, opened, start, deadline, met_at,
                         breached_at)

    def _one_by_one(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The texts by the per-ticket rule (raising where it raises)."""
        write = MetricWriter(self.fmt).ticket
        texts = [write(self.table.counted(int(r)).status()).encode() for r in rows]
        return (np.frombuffer(b"".join(texts), _U8),
                np.fromiter(map(len, texts), np.int64, len(texts)))

    def _flags(self, clocks: np.ndarray, owner: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
        """Each clock's at-risk and breached flags, and each ticket's (any of its clocks')."""
        t = self.table
        at_risk = t.at_risk[clocks]
        breached = t.clock_state[clocks] == self.breached_code
        ticket_risk = np.zeros(n, bool)
        ticket_risk[owner[at_risk]] = True
        ticket_breached = np.zeros(n, bool)
        ticket_breached[owner[breached]] = True
        return at_risk, breached, ticket_risk, ticket_breached

    def _csv(self, rows: np.ndarray, clocks: np.ndarray, owner: np.ndarray,
             counts: np.ndarray, opened: np.ndarray, start: np.ndarray, deadline: np.ndarray,
             met_at: np.ndarray, breached_at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = self.table
        quoted = self.quoted
        ids = [t.ticket[r] for r in rows.tolist()]
        plain = _plain_ids(ids)
        if plain is None:
            plain = _text_table([quoted((csv_safe(i),)) for i in ids])
        head = _hcat([
            plain, _COMMA, _rows(self.levels, t.level[rows]),
            _COMMA,
            _rows(self.coverages, t.coverage[rows]), _COMMA,
            _rows(self.ticket_states, t.state[rows]), _COMMA, opened,
        ], len(rows))
        target_us, elapsed = t.target_us[clocks], t.elapsed[clocks]
        remaining = np.where((target_us != NONE) & (elapsed != NONE), target_us - elapsed, NONE)
        at_risk, breached, _, _ = self._flags(clocks, owner, len(rows))
        lines = _hcat([
            _rows(head, owner), _COMMA, _rows(self.metrics, t.metric[clocks]), _COMMA,
            _cycles(t.cycle[clocks]), _COMMA,
            _rows(self.clock_states, t.clock_state[clocks]), _COMMA, start, _COMMA, deadline,
            _COMMA, *(x for d in (target_us, elapsed, remaining)
                      for x in (_ints(_seconds_down(d), empty=b""), _COMMA)),
            _used_csv(t.used[clocks]), _COMMA, met_at, _COMMA, breached_at, _COMMA,
            _rows(_BOOLS, at_risk.view(np.int8)), _COMMA, _rows(_BOOLS, breached.view(np.int8)),
            _CRLF,
        ], len(clocks))
        return _joined(lines, np.cumsum(counts))

    def _json(self, rows: np.ndarray, clocks: np.ndarray, owner: np.ndarray,
              counts: np.ndarray, opened: np.ndarray, start: np.ndarray, deadline: np.ndarray,
              met_at: np.ndarray, breached_at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = self.table
        n = len(rows)
        at_risk, _, ticket_risk, ticket_breached = self._flags(clocks, owner, n)
        ids = [t.ticket[r] for r in rows.tolist()]
        plain = _plain_ids(ids)
        empty = counts == 0
        ticket: list[np.ndarray | bytes] = (
            [b'{"ticket": ', _text_table([_json_text(i) for i in ids])] if plain is None
            else [b'{"ticket": "', plain, b'"'])
        heads = _hcat([
            *ticket,
            f', "at": "{self.at_text}", "level": '.encode(),
            _rows(self.levels, t.level[rows]),
            b', "coverage": ', _rows(self.coverages, t.coverage[rows]),
            b', "state": "', _rows(self.ticket_states, t.state[rows]),
            b'", "opened": ', opened,
            b', "critical": ', _rows(_BOOLS, t.critical[rows].view(np.int8)),
            b', "at_risk": ', _rows(_BOOLS, ticket_risk.view(np.int8)),
            b', "breached": ', _rows(_BOOLS, ticket_breached.view(np.int8)),
            b', "metrics": [', np.where(empty[:, None], _CLOSE[None, :], PAD).astype(_U8),
        ], n)
        target_us, elapsed = t.target_us[clocks], t.elapsed[clocks]
        remaining = np.where((target_us != NONE) & (elapsed != NONE), target_us - elapsed, NONE)
        last = np.zeros(len(clocks), bool)
        last[np.cumsum(counts)[~empty] - 1] = True
        used = t.used[clocks]
        lines = _hcat([
            b'{"metric": ', _rows(self.metrics, t.metric[clocks]),
            b', "cycle": ', _cycles(t.cycle[clocks]),
            b', "state": "', _rows(self.clock_states, t.clock_state[clocks]),
            b'", "start": ', start, b', "deadline": ', deadline,
            b', "elapsed": ', _json_seconds(elapsed),
            b', "remaining": ', _json_seconds(remaining),
            b', "used": ',
            _text_table(["null" if u != u else repr(u) for u in used.tolist()]),
            b', "met_at": ', met_at, b', "breached_at": ', breached_at,
            b', "at_risk": ', _rows(_BOOLS, at_risk.view(np.int8)),
            b', "target": ', _json_seconds(target_us),
            b', "clock": ', _rows(self.clocks, t.clock[clocks]),
            _rows(_PROMISED, t.promised[clocks].view(np.int8)),
            _rows(_SEPARATORS, last.view(np.int8)),
        ], len(clocks))
        # Each ticket's head, then its clocks.
        head_text, head_sizes = _joined(heads, np.arange(1, n + 1))
        line_text, line_sizes = _joined(lines, np.cumsum(counts))
        pieces = np.empty(2 * n, np.int64)
        pieces[0::2], pieces[1::2] = head_sizes, line_sizes
        at_head = np.repeat(np.tile(np.array([True, False]), n), pieces)
        out = np.empty(len(at_head), _U8)
        out[at_head] = head_text
        out[~at_head] = line_text
        return out, head_sizes + line_sizes


def _json_text(text: str) -> str:
    """A text as the JSON of a status writes it (made safe for a terminal)."""
    made = encode_basestring(text)
    return made if made.isascii() and "\x7f" not in made else json_safe(made)


# -- fields: matrices of bytes, one row per line -----------------------------------------


def _text_table(texts: Sequence[str]) -> np.ndarray:
    """The texts in UTF-8, one per row, padded."""
    data = [t.encode("utf-8") for t in texts]
    return _packed(b"".join(data), np.fromiter(map(len, data), np.int64, len(data)))


def _packed(data: bytes, sizes: np.ndarray) -> np.ndarray:
    """Texts given one after the other (``data``) and by their sizes, one per row, padded."""
    width = int(sizes.max(initial=0))
    out = np.full((len(sizes), width), PAD, _U8)
    if width:
        flat = np.frombuffer(data, _U8)
        # Where each byte goes: its text's row, its place in the text.
        starts = np.cumsum(sizes) - sizes
        spots = np.arange(len(flat)) + np.repeat(np.arange(len(sizes)) * width - starts, sizes)
        out.reshape(-1)[spots] = flat
    return out


#: The bytes of an id written as it is, in CSV (but a leading "-") and in JSON's quotes.
_PLAIN = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:/#-"


def _plain_ids(ids: list[str]) -> np.ndarray | None:
    """The ids' table when every id is plain (not empty, of the bytes :data:`_PLAIN`, not
    starting with ``-``): its own CSV cell, and its own JSON text in quotes. ``None``
    when one is not."""
    joined = "\n".join(ids)
    if not ids or not joined.isascii():
        return None
    data = joined.encode("ascii")
    if (data.translate(None, _PLAIN) != b"\n" * (len(ids) - 1) or not ids[0] or not ids[-1]
            or b"\n\n" in data or data.startswith(b"-") or b"\n-" in data):
        return None
    return _packed(data.replace(b"\n", b""), np.fromiter(map(len, ids), np.int64, len(ids)))


def _words(*words: str) -> np.ndarray:
    return _text_table(list(words))


_COMMA = b","
_CRLF = b"\r\n"
_BOOLS = _words("false", "true")
_CLOSE = np.frombuffer(b"]}", _U8)
_PROMISED = _words(', "promised": false}', "}")
#: What follows a clock's JSON: the next clock's, or the end of the ticket's.
_SEPARATORS = _words(", ", "]}")


def _hcat(fields: Sequence[np.ndarray | bytes], lines: int) -> np.ndarray:
    """The fields of ``lines`` lines side by side (``bytes``: the same on every line)."""
    widths = [len(f) if isinstance(f, bytes) else f.shape[1] for f in fields]
    template = np.full(sum(widths), PAD, _U8)
    at = 0
    for field, width in zip(fields, widths, strict=True):
        if isinstance(field, bytes):
            template[at:at + width] = np.frombuffer(field, _U8)
        at += width
    out = np.empty((lines, len(template)), _U8)
    out[:] = template
    at = 0
    for field, width in zip(fields, widths, strict=True):
        if not isinstance(field, bytes):
            out[:, at:at + width] = field
        at += width
    return out


def _joined(lines: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lines' text without the padding, and the size of each group of lines (a
    ticket's: ``ends``, the line after each group)."""
    kept = lines != PAD
    sizes = np.zeros(len(lines) + 1, np.int64)
    np.cumsum(kept.view(_U8).sum(axis=1, dtype=np.uint16), out=sizes[1:])
    bounds = sizes[ends]
    return lines[kept], np.diff(bounds, prepend=0)


def _ints(values: np.ndarray, empty: bytes | None = None) -> np.ndarray:
    """Integers in decimal (``NONE``: ``empty``, by default the padding alone), two
    digits at a time from the right: a pair with no digits left of it drops its leading
    zeros (:data:`_LEAD`)."""
    missing = values == NONE
    v = np.where(missing, 0, values) if missing.any() else values
    negative = v < 0
    v = np.abs(v)
    pairs = max(1, (len(str(int(v.max(initial=0)))) + 1) // 2)
    out = np.empty((len(v), 2 * pairs + 1), _U8)
    out[:, 0] = np.where(negative, ord("-"), PAD)
    for place in range(2 * pairs - 1, 0, -2):
        high = v // 100
        lead = (high == 0).view(_U8)
        out[:, place:place + 2] = _pairs(_LEAD[v - high * 100 + lead * (
            200 if place == 2 * pairs - 1 else 100)])
        v = high
    if empty is not None and missing.any():
        out = _put(out, missing, empty)
    return out


def _cycles(cycles: np.ndarray) -> np.ndarray:
    """Cycle numbers in decimal (a pair of digits looked up, for the usual few cycles)."""
    if not len(cycles) or cycles.min() < 0 or cycles.max() > 99:
        return _ints(cycles.astype(np.int64))
    return _pairs(_LEAD[cycles.astype(np.intp) + 200])


def _pairs(codes: np.ndarray) -> np.ndarray:
    """Two-byte codes (uint16) as two columns of bytes."""
    return codes.view(_U8).reshape(-1, 2)


def _rows(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]``, each row copied whole."""
    if not table.shape[1]:
        return np.empty((len(index), 0), _U8)
    whole = np.ascontiguousarray(table).view(f"V{table.shape[1]}").reshape(-1)
    found: np.ndarray = whole[index].view(_U8).reshape(len(index), table.shape[1])
    return found


def _widened(field: np.ndarray, width: int) -> np.ndarray:
    """The field padded to at least ``width`` columns."""
    if width <= field.shape[1]:
        return field
    return np.concatenate([field, np.full((len(field), width - field.shape[1]), PAD, _U8)],
                          axis=1)


def _put(field: np.ndarray, where: np.ndarray, text: bytes) -> np.ndarray:
    """The field with ``text`` on the lines ``where``."""
    field = _widened(field, len(text))
    row = np.full(field.shape[1], PAD, _U8)
    row[:len(text)] = np.frombuffer(text, _U8)
    field[where] = row
    return field


def _overwrite(field: np.ndarray, rows: np.ndarray, texts: np.ndarray) -> np.ndarray:
    """The field with the lines ``rows`` replaced by ``texts`` (a field of their own)."""
    field = _widened(field, texts.shape[1])
    field[rows] = PAD
    field[rows, :texts.shape[1]] = texts
    return field


def _seconds_down(us: np.ndarray) -> np.ndarray:
    """Durations in whole seconds, rounded down (``NONE`` kept)."""
    return np.where(us == NONE, NONE, us // _SECOND)


def _json_seconds(us: np.ndarray) -> np.ndarray:
    """Durations as a status's JSON writes them: whole seconds as an integer, else the
    ``repr`` of the seconds (``null`` for ``NONE``)."""
    missing = us == NONE
    whole = ~missing & (us % _SECOND == 0)
    out = _ints(np.where(whole, us // _SECOND, NONE), empty=b"null")
    fraction = np.flatnonzero(~missing & ~whole)
    if not len(fraction):
        return out
    value = us[fraction]
    size = np.abs(value)
    # From 100 microseconds to below 10**15 (at most 15 digits: no shorter decimal is the
    # same float), the repr of the seconds is the decimal of the microseconds, its
    # trailing zeros dropped; below, the repr is in exponent form, written by itself.
    plain = (size >= 100) & (size < 10**15)
    spots = np.flatnonzero(plain)
    if len(spots):
        s = size[spots]
        micro = s % _SECOND
        tail = np.empty((len(spots), 7), _U8)
        tail[:, 0] = ord(".")
        m = micro.copy()
        for place in (5, 3, 1):
            tail[:, place:place + 2] = _PAIRS[m % 100]
            m //= 100
        zeros = np.zeros(len(spots), np.int64)
        for k in range(1, 6):
            zeros += micro % 10**k == 0
        tail[:, 1:][np.arange(6)[None, :] >= (6 - zeros)[:, None]] = PAD
        sign = np.where(value[spots] < 0, ord("-"), PAD).astype(_U8)[:, None]
        out = _overwrite(out, fraction[spots], _hcat([sign, _ints(s // _SECOND), tail],
                                                     len(spots)))
    odd = np.flatnonzero(~plain)
    if len(odd):
        out = _overwrite(out, fraction[odd], _text_table([
            repr(timedelta(microseconds=x).total_seconds()) for x in value[odd].tolist()]))
    return out


def _used_csv(used: np.ndarray) -> np.ndarray:
    """The shares used as CSV writes them (``f"{used:.4f}"``; empty for NaN)."""
    missing = used != used
    plain = ~missing & (used >= 0) & (used < 2.0**40)
    scaled = np.where(plain, used, 0.0) * 10_000.0
    # The float product is within a part in 2**52 of the exact one: a share that close
    # to a tie (or negative, or too large) is written by f"{:.4f}" itself.
    tie = np.abs(scaled - np.floor(scaled) - 0.5) <= scaled * 2.0**-50
    plain &= ~tie
    units = np.where(plain, np.rint(scaled), 0.0).astype(np.int64)
    out = _hcat([_ints(units // 10_000), b".", _digits4(units % 10_000)], len(used))
    out[missing] = PAD
    odd = np.flatnonzero(~plain & ~missing)
    if len(odd):
        out = _overwrite(out, odd, _text_table([f"{u:.4f}" for u in used[odd].tolist()]))
    return out


def _digits4(v: np.ndarray) -> np.ndarray:
    out = np.empty((len(v), 4), _U8)
    high = v // 100
    out[:, 2:] = _pairs(_LEAD[v - high * 100])
    out[:, :2] = _pairs(_LEAD[high])
    return out


# -- instants ------------------------------------------------------------------------------


class _Instants:
    """Instants (UTC microseconds, ``NONE``: none) as :func:`~slaclock._instants.instant_text`
    writes them in ``zone``: ``YYYY-MM-DDTHH:MM:SS``, ``.ffffff`` when there are
    microseconds, the offset ``+HH:MM`` (UTC's for an offset not in whole minutes); in
    quotes or ``null`` for JSON, empty for CSV."""

    def __init__(self, us: np.ndarray, zone: tzinfo | None, json: bool,
                 known: dict[int, tuple[int, int]]) -> None:
        missing = us == NONE
        u = np.where(missing, 0, us) if missing.any() else us
        offsets, codes, texts = _offsets(u, zone, known)
        local = u + offsets
        days = local // _DAY
        seconds = (local - days * _DAY) // _SECOND
        micro = local % _SECOND
        distinct, row = _distinct(days)
        if not _TIMES:
            _TIMES.append(_times())
        fields: list[np.ndarray | bytes] = [
            _rows(_dates(distinct), row), b"T", _rows(_TIMES[0], seconds)]
        fraction = np.flatnonzero(micro)
        if len(fraction):
            tail = np.full((len(u), 7), PAD, _U8)
            m = micro[fraction]
            tail[fraction, 0] = ord(".")
            for place in (5, 3, 1):
                high = m // 100
                tail[fraction, place:place + 2] = _pairs(_LEAD[m - high * 100])
                m = high
            fields.append(tail)
        fields.append(_rows(_text_table(texts), codes))
        if json:
            fields = [b'"', *fields, b'"']
        out = _hcat(fields, len(u))
        if missing.any():
            out = _put(out, missing, b"null" if json else b"")
        self.out = out


def _distinct(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct days, sorted, and each day's place among them (``np.unique``'s
    answer; by a table of the days between the first and the last when they are few)."""
    low = int(days.min(initial=0))
    span = int(days.max(initial=0)) - low + 1
    if span > max(4 * len(days), 1 << 16):
        distinct, at = np.unique(days, return_inverse=True)
        return distinct, at.reshape(-1)
    seen = np.zeros(span, bool)
    seen[days - low] = True
    found = np.flatnonzero(seen)
    row = np.zeros(span, np.int64)
    row[found] = np.arange(len(found))
    return found + low, row[days - low]


def _dates(days: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` of days since 1970-01-01 (the proleptic Gregorian calendar)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    out = np.empty((len(days), 10), _U8)
    out[:, 0:2] = _PAIRS[year // 100]
    out[:, 2:4] = _PAIRS[year % 100]
    out[:, 4] = out[:, 7] = ord("-")
    out[:, 5:7] = _PAIRS[month]
    out[:, 8:10] = _PAIRS[day]
    return out


def _times() -> np.ndarray:
    """``HH:MM:SS`` of each second of a day."""
    s = np.arange(86_400)
    out = np.empty((86_400, 8), _U8)
    out[:, 0:2] = _PAIRS[s // 3600]
    out[:, 2] = out[:, 5] = ord(":")
    out[:, 3:5] = _PAIRS[s // 60 % 60]
    out[:, 6:8] = _PAIRS[s % 60]
    return out


def _offsets(us: np.ndarray, zone: tzinfo | None, known: dict[int, tuple[int, int]]
             ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The offset ``instant_text`` writes each instant with in ``zone`` (microseconds; an
    offset not in whole minutes is UTC's), a code per instant and the texts by code.

    Two look-ups per UTC day the instants fall on (its first and last microsecond): a
    day whose two agree has that offset throughout (no zone changes its offset and back
    within a day); on a day whose two differ, each instant's offset is looked up.
    ``known``: each day's two offsets found so far (for the zone)."""
    if zone is None or zone is UTC or (isinstance(zone, timezone) and zone.utcoffset(None)
                                       == timedelta(0)):
        return np.zeros(len(us), np.int64), np.zeros(len(us), np.int64), ["+00:00"]
    distinct, at = _distinct(us // _DAY)
    by_day = np.zeros((2, len(distinct)), np.int64)
    for i, d in enumerate(distinct.tolist()):
        day = known.get(d)
        if day is None:
            day = known[d] = (_offset_at(d * _DAY, zone), _offset_at((d + 1) * _DAY - 1, zone))
        by_day[:, i] = day
    changing = np.flatnonzero((by_day[0] != by_day[1])[at])
    exact = np.array([_offset_at(u, zone) for u in us[changing].tolist()], np.int64)
    # Whole minutes, or UTC's.
    by_day[by_day % _MINUTE != 0] = 0
    exact[exact % _MINUTE != 0] = 0
    found = np.unique(np.concatenate([by_day.ravel(), exact]))
    offsets = by_day[0][at]
    codes = np.searchsorted(found, by_day[0])[at]
    if len(changing):
        offsets[changing] = exact
        codes[changing] = np.searchsorted(found, exact)
    return offsets, codes, [_offset_text(o) for o in found.tolist()]


def _offset_at(us: int, zone: tzinfo) -> int:
    offset = local_datetime(us, zone).utcoffset()
    assert offset is not None
    return offset // timedelta(microseconds=1)


def _offset_text(offset: int) -> str:
    sign = "-" if offset < 0 else "+"
    minutes = abs(offset) // _MINUTE
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
