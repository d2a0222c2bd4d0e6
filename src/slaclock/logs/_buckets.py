"""A log too large to hold, split by ticket: its rows written into bucket files
(:func:`split_log`), each read back (:func:`read_bucket`) and grouped and replayed alone,
so the memory a report takes is a bucket's. :func:`bucket_of` is the one rule that says
which bucket (or shard) a ticket's rows go to.

A log may also be cut into byte ranges (:func:`byte_ranges`), each read and split by
ticket on its own, by as many processes (:func:`split_range`): each bucket is then the
parts of every range (:func:`read_parts`), in file order, the same rows a reader of the
whole log reads, on the same lines, whenever no record runs over a line end.
"""

from __future__ import annotations

import io
import itertools
import os
import pickle
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import attrs

from slaclock.logs._csv import ReadLimits
from slaclock.logs._reader import (
    _bounded_lines,
    counting,
    decoding,
    detect_format,
    open_log,
    read_rows,
)
from slaclock.logs._rows import BadRow, EventLogError, LogFormat, Row, new_row

__all__ = [
    "RangeSplit", "Ranges", "Split", "bucket_of", "byte_ranges", "line_offsets",
    "merge_ranges", "part_path", "read_bucket", "read_parts", "split_log", "split_range",
]


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
        latest_bucket: the bucket of the first row at ``latest`` (read first, it tells
            at once whether ``latest`` is the log's last instant).
    """

    buckets: list[str]
    rows: int
    bad: list[BadRow]
    latest: datetime | None
    latest_bucket: int | None = None


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
    limits: ReadLimits | None = None,
) -> Split:
    """Read the log at ``path`` once and write its rows, by ticket (:func:`bucket_of`),
    into ``buckets`` files in ``workdir``: each bucket is grouped and replayed alone
    (:meth:`~slaclock.logs._log.EventLog.from_bucket`), so the memory a report takes is a
    bucket's, however large the log. The rows are written as they were read (pickled, in
    chunks), each keeping its line. ``fmt``, ``tz``, ``details`` and ``limits``: as
    :func:`~slaclock.logs._reader.read_rows`; ``progress`` is told the characters read.

    Raises:
        EventLogError: as :meth:`EventLog.read`.
    """
    paths = [os.path.join(workdir, f"bucket-{i}.rows") for i in range(buckets)]
    for bucket in paths:
        open(bucket, "wb").close()
    def append(i: int, chunk: bytes) -> None:
        with open(paths[i], "ab") as f:
            f.write(chunk)

    bad: list[BadRow] = []
    rows = 0
    sorter = _Sorter(buckets, append)
    source, stream = open_log(path)
    with stream, decoding(source, stream):
        for row in read_rows(counting(stream, progress), source=source, fmt=fmt, tz=tz,
                             details=details, share_ids=False, limits=limits):
            rows += 1
            if type(row) is not Row:
                assert isinstance(row, BadRow)
                bad.append(row)
                continue
            sorter.add(row)
        sorter.close()
    bad.sort(key=lambda b: b.line)
    return Split(paths, rows, bad, sorter.latest, sorter.latest_bucket)


class _Sorter:
    """Rows sorted into buckets by ticket (:func:`bucket_of`), as pickled chunks given to
    ``sink(bucket, bytes)``, and the latest row's time and bucket (the first row at it).
    Rows wait in memory a chunk a bucket, at most about a million in all, and each chunk
    is given once full: neither memory nor open files grow with the number of buckets."""

    def __init__(self, count: int, sink: Callable[[int, bytes], None]) -> None:
        self.count = count
        self.sink = sink
        self.chunk_rows = max(64, min(_BUCKET_CHUNK, 1_000_000 // count))
        self.pending: list[list[tuple[Any, ...]]] = [[] for _ in range(count)]
        self.latest: datetime | None = None
        self.latest_bucket: int | None = None

    def add(self, row: Row) -> None:
        i = bucket_of(row.ticket, self.count)
        latest = self.latest
        if latest is None or row.at > latest:
            self.latest = row.at
            self.latest_bucket = i
        chunk = self.pending[i]
        chunk.append(tuple(row))
        if len(chunk) >= self.chunk_rows:
            self._flush(i)

    def close(self) -> None:
        for i, chunk in enumerate(self.pending):
            if chunk:
                self._flush(i)

    def _flush(self, i: int) -> None:
        self.sink(i, pickle.dumps(self.pending[i], protocol=pickle.HIGHEST_PROTOCOL))
        self.pending[i] = []


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


# -- a log cut into byte ranges, each split by ticket on its own ---------------------------


#: The most bytes a CSV header may take to be read on its own by each range's reader.
_HEADER_BYTES = 1 << 20


@attrs.frozen
class Ranges:
    """A log's body cut into byte ranges (:func:`byte_ranges`), each read and split by
    ticket on its own (:func:`split_range`), in parallel.

    Attributes:
        fmt: the log's format.
        header: a CSV log's header line, which each range's reader reads first (``None``
            for JSON lines).
        bounds: the ranges, ``(start, end)`` byte offsets, in file order: each starts at a
            line start (just after a ``\\n``) and ends where the next starts.
    """

    fmt: LogFormat
    header: str | None
    bounds: tuple[tuple[int, int], ...]


def byte_ranges(path: str, count: int, fmt: LogFormat | None = None) -> Ranges | None:
    """The body of the log at ``path`` cut into about ``count`` byte ranges of like size,
    each starting at a line start (after a ``\\n``, so a ``\\r\\n`` is never cut, nor a
    UTF-8 character); ``None`` when the log is not cut: its header is no plain line (a
    quote in it, a line end that is not ``\\n``, over a megabyte) or the file is empty.
    ``fmt``: as :func:`~slaclock.logs._reader.read_rows` (guessed as it guesses).

    Whether a record of the log runs over a cut (a quoted field holding a line end) is
    known only once the ranges are read: :attr:`RangeSplit.whole` says so.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        first = f.readline(_HEADER_BYTES)
        if not first:
            return None
        try:
            head = first.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
        fmt = fmt or detect_format(str(path), head)
        header: str | None = None
        body = 3 if first.startswith(b"\xef\xbb\xbf") else 0  # a BOM is not text
        if fmt == "csv":
            if not first.endswith(b"\n") or b'"' in first or b"\r" in first[:-2]:
                return None
            header, body = head, len(first)
        cuts = [body]
        for i in range(1, count):
            at = max(cuts[-1], body + (size - body) * i // count)
            if at >= size:
                break
            f.seek(at)
            f.readline()  # to the next line start
            at = f.tell()
            if at >= size:
                break
            if at > cuts[-1]:
                cuts.append(at)
    cuts.append(size)
    bounds = tuple((a, b) for a, b in itertools.pairwise(cuts) if b > a)
    return Ranges(fmt, header, bounds or ((body, size),))


@attrs.define
class RangeSplit:
    """What reading one byte range of a log and splitting its rows by ticket found.

    Lines are counted from the range's start: :attr:`lines` is how many the range holds,
    which places the next range's lines in the file; a row's line is its place in the
    range (plus one for a CSV log's header), the line the reader of the bucket adds the
    lines of the ranges before to (:func:`read_parts`).

    Attributes:
        whole: whether the range's records all end within their line: a record running
            over lines (a quoted field holding a line end), over the range's end, a byte
            that is not UTF-8 or a JSON line that may be the start of a document: the log
            is then read from its start instead, as one reader reads it.
        lines: how many lines the range holds.
        rows: how many rows.
        bad: the rows refused on their own, in line order.
        latest: the latest time of its rows, and the bucket of the first row at it.
        parts: each bucket's rows (pickled chunks), when they are not written to files.
    """

    whole: bool
    lines: int = 0
    rows: int = 0
    bad: list[BadRow] = attrs.Factory(list)
    latest: datetime | None = None
    latest_bucket: int | None = None
    parts: list[bytes] | None = None


def part_path(bucket: str, index: int) -> str:
    """The file of a bucket's rows from range ``index`` of :func:`split_range`."""
    return f"{bucket}.{index}"


class _Window(io.RawIOBase):
    """Bytes ``start`` to ``end`` of a file, as a stream."""

    def __init__(self, path: str, start: int, end: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed with the window
        self._file.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)[: self._left]
        n = self._file.readinto(view)
        self._left -= n
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


def split_range(
    path: str,
    ranges: Ranges,
    index: int,
    buckets: list[str] | int,
    *,
    tz: tzinfo | None = None,
    details: bool = True,
    limits: ReadLimits | None = None,
) -> RangeSplit:
    """Read range ``index`` of ``ranges`` of the log at ``path`` and split its rows by
    ticket (:func:`bucket_of`) as :func:`split_log` does: into the files
    :func:`part_path` names beside each of ``buckets``, or, given their number, into
    :attr:`RangeSplit.parts`. The rows are those one reader of the whole log reads (the
    same rows, bad rows and reasons) when every range is :attr:`~RangeSplit.whole`: a
    record that may run over a line end makes the range not whole, and its rows are
    dropped. ``tz``, ``details`` and ``limits``: as
    :func:`~slaclock.logs._reader.read_rows`.
    """
    limits = limits or ReadLimits()
    count = buckets if isinstance(buckets, int) else len(buckets)
    files = None if isinstance(buckets, int) else [part_path(b, index) for b in buckets]
    base = 0 if ranges.header is None else 1  # the header is line 1 of every range
    start, end = ranges.bounds[index]
    pulled = 0
    ended = False

    def lines(readline: Callable[[int], str]) -> Iterator[str]:
        nonlocal pulled, ended
        for text in _bounded_lines(readline, limits.line_chars):
            pulled += 1
            yield text
        ended = True

    found = RangeSplit(True)
    parts: list[list[bytes]] = [[] for _ in range(count)]

    def sink(i: int, chunk: bytes) -> None:
        if files is None:
            parts[i].append(chunk)
        else:
            with open(files[i], "ab") as f:
                f.write(chunk)

    sorter = _Sorter(count, sink)

    if files is not None:
        for name in files:
            open(name, "wb").close()
    stream = io.TextIOWrapper(io.BufferedReader(_Window(path, start, end), 1 << 20),
                              encoding="utf-8", newline="")
    try:
        with stream:
            text = lines(stream.readline)
            source = itertools.chain([ranges.header], text) if ranges.header else text
            for row in read_rows(source, source=path, fmt=ranges.fmt, tz=tz,
                                 details=details, share_ids=False, limits=limits):
                if ended or pulled != row.line - base:
                    return RangeSplit(False)  # a record over a line end
                found.rows += 1
                if type(row) is not Row:
                    assert isinstance(row, BadRow)
                    found.bad.append(row)
                    continue
                sorter.add(row)
            sorter.close()
    except (UnicodeDecodeError, EventLogError):
        # Said as one reader of the whole log says it (its line, its byte), or, for a
        # JSON line that opens a document, not said at all by a reader that has read
        # rows before it.
        return RangeSplit(False)
    found.lines = pulled
    found.latest = sorter.latest
    found.latest_bucket = sorter.latest_bucket
    if files is None:
        found.parts = [b"".join(p) for p in parts]
    return found


def merge_ranges(splits: list[RangeSplit], buckets: list[str]) -> Split:
    """The split of the whole log from its ranges' (each :attr:`~RangeSplit.whole`): the
    bad rows placed on the log's lines, the latest row's time and bucket (the first row
    at it, in file order)."""
    bad: list[BadRow] = []
    latest: datetime | None = None
    latest_bucket: int | None = None
    before = 0
    for found in splits:
        assert found.whole
        bad.extend(attrs.evolve(b, line=b.line + before) if before else b
                   for b in found.bad)
        if found.latest is not None and (latest is None or found.latest > latest):
            latest, latest_bucket = found.latest, found.latest_bucket
        before += found.lines
    return Split(buckets, sum(f.rows for f in splits), bad, latest, latest_bucket)


def line_offsets(splits: list[RangeSplit]) -> tuple[int, ...]:
    """How many lines of the log come before each range: what a row's line in its range
    is added to."""
    offsets = []
    before = 0
    for found in splits:
        offsets.append(before)
        before += found.lines
    return tuple(offsets)


def read_parts(parts: Iterable[tuple[str | bytes, int]]) -> Iterator[Row]:
    """The rows of one bucket from every range of :func:`split_range`, in file order:
    each part (a file, or the bytes of :attr:`RangeSplit.parts`) with the lines of the
    log before its range, which its rows' lines are counted after."""
    for part, before in parts:
        with (open(part, "rb") if isinstance(part, str) else io.BytesIO(part)) as f:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    break
                if before:
                    for values in chunk:
                        yield new_row(Row, (values[0] + before, *values[1:]))
                else:
                    for values in chunk:
                        yield new_row(Row, values)
