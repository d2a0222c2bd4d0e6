"""A log too large to hold, split by ticket: its rows written into bucket files
(:func:`split_log`), each read back (:func:`read_bucket`) and grouped and replayed alone,
so the memory a report takes is a bucket's. :func:`bucket_of` is the one rule that says
which bucket (or shard) a ticket's rows go to.
"""

from __future__ import annotations

import os
import pickle
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import attrs

from slaclock.logs._csv import ReadLimits
from slaclock.logs._reader import counting, decoding, open_log, read_rows
from slaclock.logs._rows import BadRow, LogFormat, Row, new_row

__all__ = ["Split", "bucket_of", "read_bucket", "split_log"]


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
    latest_bucket: int | None = None
    source, stream = open_log(path)
    with stream, decoding(source, stream):
        for row in read_rows(counting(stream, progress), source=source, fmt=fmt, tz=tz,
                             details=details, share_ids=False, limits=limits):
            rows += 1
            if type(row) is not Row:
                assert isinstance(row, BadRow)
                bad.append(row)
                continue
            i = bucket_of(row.ticket, buckets)
            if latest is None or row.at > latest:
                latest = row.at
                latest_bucket = i
            chunk = pending[i]
            chunk.append(tuple(row))
            if len(chunk) >= chunk_rows:
                flush(i)
        for i, chunk in enumerate(pending):
            if chunk:
                flush(i)
    bad.sort(key=lambda b: b.line)
    return Split(paths, rows, bad, latest, latest_bucket)


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
