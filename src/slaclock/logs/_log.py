"""A log read and grouped by ticket (:class:`EventLog`): each ticket's rows in time order,
checked in that order (one opening, first; no row before it; no row twice: rows that say
the same event at one instant, their free-text detail aside, are one and the rest
duplicates).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from pathlib import Path

import attrs

from slaclock.logs._buckets import read_bucket
from slaclock.logs._csv import ReadLimits
from slaclock.logs._reader import counting, decoding, open_log, read_rows
from slaclock.logs._rows import SKIP, BadRow, LogFormat, Row
from slaclock.sla import OPENINGS, no_opening, same_event

__all__ = ["EventLog", "check_ticket"]


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
        limits: ReadLimits | None = None,
    ) -> EventLog:
        """Read and group the log at ``path`` (``"-"`` is standard input).

        Args:
            fmt: ``"csv"`` or ``"jsonl"``; guessed from the name or first character.
            tz: the zone of times written without an offset (refused otherwise).
            keep: read only the tickets whose id it accepts (a shard).
            progress: called now and then with the number of characters read so far.
            details: keep the ``detail`` text of each row.
            limits: what the reader accepts of a CSV log's fields
                (:class:`~slaclock.logs._csv.ReadLimits`).

        Raises:
            EventLogError: the file cannot be opened or read as a log at all.
        """
        source, stream = open_log(path)
        with stream, decoding(source, stream):
            return cls.from_rows(
                read_rows(
                    counting(stream, progress), source=source, fmt=fmt, tz=tz, keep=keep,
                    details=details, limits=limits,
                ),
                source=source,
                keep=keep,
            )

    @classmethod
    def from_bucket(cls, bucket: str, *, source: str = "<events>") -> EventLog:
        """Group the rows of one bucket of :func:`~slaclock.logs._buckets.split_log` (their
        bad rows and row count
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
                if row is SKIP:
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
            checked = check_ticket(ticket, group, bad)
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


def check_ticket(ticket: str, group: list[Row], bad: list[BadRow]) -> list[Row]:
    """A ticket's rows as the log keeps them: by instant (its one opening first among the
    rows of its instant, then by line), without a duplicate, a second opening or a row
    before the opening, each left out into ``bad`` with its reason; none without an
    opening."""
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
        reason = no_opening(ticket, (r.kind for r in group))
        bad.extend(BadRow(r.line, reason, ticket) for r in group)
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
