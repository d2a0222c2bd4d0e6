"""A shard of ``slaclock report`` read and replayed in columns: the log read by pyarrow
(:mod:`slaclock.reporting._columns_read`), every ticket counted by the columnar replay
(:mod:`slaclock.reporting._columnar`), the tickets kept, the summary, the table's most
urgent and the CSV or JSON text found on the clock table (:mod:`~slaclock.cli._picked`,
:mod:`slaclock.reporting._columns_text`): the same answer, byte for byte, as the
per-ticket engine's (:meth:`~slaclock.cli._shards.Shard.replay`), which the command uses
for whatever this one does not read (``--engine rows``, an export read through ``--map``,
a JSON-lines log, a log split over jobs, a log the columnar reader leaves to the rows).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

import attrs
import numpy as np

from slaclock._instants import from_us
from slaclock.reporting import NONE, Replayer, Summary, Tally
from slaclock.sla import local_datetime

__all__ = ["Replayed", "read_in_columns", "replay_in_columns"]


def read_in_columns(path: str) -> Any | None:
    """The log at ``path`` read in columns, or ``None`` (read it by rows)."""
    try:
        from slaclock.reporting._columns_read import read_columns
    except ImportError:  # NumPy or pyarrow missing: the command's extra brings them
        return None
    return read_columns(path)


def last_of(read: Any) -> datetime | None:
    """The latest instant of a log read in columns."""
    return None if read.last is None else from_us(read.last, UTC)


@attrs.define
class Replayed:
    """What a shard replayed in columns gives (a
    :class:`~slaclock.cli._shards.ShardResult` but its output's path)."""

    tally: Tally
    listed: list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]
    first: datetime | None
    last: datetime | None
    #: How the tickets were counted: in columns, their shapes, and by rows with why.
    engine: dict[str, Any]


def replay_in_columns(
    read: Any, replayer: Replayer, filters: Any, fmt: str, limit: int | None,
    part: IO[bytes] | None, header: Any, cells: Callable[[Any], list[tuple[Any, ...]]],
) -> Replayed:
    """Replay the tickets of ``read`` at the replayer's instant, keep those ``filters``
    keep, sum them up, and write them to ``part`` (CSV, JSON: records of ``header``) or
    list the table's ``limit`` most urgent (``cells`` of their statuses)."""
    from slaclock.cli._picked import kept, listed_key, most_urgent, urgency_keys
    from slaclock.reporting._columnar import replay_columns
    from slaclock.reporting._columns_text import write_records

    tally = Tally(Summary(replayer.versions.metric_names), [])
    found = replay_columns(replayer, read.columns, tally)
    table = found.table
    rows = np.arange(len(table))
    if filters:
        mask = kept(filters, table, _opening_customers(read.columns, table)
                    if filters.customers else None)
        tally.filtered_out += int(len(table) - np.count_nonzero(mask))
        rows = np.flatnonzero(mask)
    assert tally.summary is not None
    tally.summary._count_table(table, rows)
    listed: list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]] = []
    if part is not None:
        write_records(table, rows, fmt, part, header)
    elif limit != 0:
        keys = urgency_keys(table)
        listed = [(listed_key(keys, int(r)), cells(table.counted(int(r)).status()))
                  for r in most_urgent(table, rows, limit)]
    zone = replayer.at.tzinfo
    first = last = None
    if rows.size:
        first = local_datetime(int(table.opened[rows].min()), zone)
        owned = np.zeros(len(table), bool)
        owned[rows] = True
        deadlines = table.deadline[owned[table.owner] & (table.deadline != NONE)]
        if deadlines.size:
            last = local_datetime(int(deadlines.max()), zone)
    engine = {"columns": len(table) - sum(found.by_rows.values()), "shapes": found.shapes,
              "alone": found.alone, "rows": dict(found.by_rows)}
    return Replayed(tally, listed, first, last, engine)


def _opening_customers(columns: Any, table: Any) -> list[str | None]:
    """The customer each table ticket's opening row gives (a filter falls back to it)."""
    order = np.argsort(columns.line)
    where = order[np.searchsorted(columns.line[order], table.line)]
    tokens = columns.token[columns.first[where]]
    customer = columns.customer
    return [customer[t] for t in tokens.tolist()]
