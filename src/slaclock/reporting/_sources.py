"""The events of a report, by ticket, from each kind of source: a log read from a file
(or one of its buckets), :class:`~slaclock.Event` values, a pandas DataFrame (a Dask
partition is one).

Each source gives the same thing, :class:`TicketEvents` per ticket, for the one replay
loop (:func:`~slaclock.reporting._replay.replay_tickets`): the ticket's ``(line, event)``
pairs, its opening first and the rest in time order (at one instant, in input order),
the contract's signing date its rows give (:func:`~slaclock.sla.signed_of`: the first
row in that order that gives one, ignoring rows the ticket refuses for their place: a
second opening, a row before the opening), and the rows refused before the replay.
Tickets come in the order they opened.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, tzinfo
from os import fspath
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import attrs

from slaclock._errors import EventError
from slaclock._instants import to_us
from slaclock.logs import BadRow, EventLog, general_columns, parse_time, signed_date
from slaclock.sla import OPENINGS, TAKES_LEVEL, Event, Happening, no_opening, signed_of

if TYPE_CHECKING:
    import pandas

    from slaclock.sla import Coverage, Role

__all__ = [
    "Source", "TicketEvents", "event_tickets", "frame_events", "log_tickets", "read_source",
]

class TicketEvents(NamedTuple):
    """One ticket's events, ready to replay.

    Attributes:
        ticket: the ticket's id.
        events: ``(line, event)`` pairs (the line of a log's row, or the position of an
            event in the input, from 1), the opening first, then in time order.
        signed: the contract's signing date the ticket's rows give, or ``None``.
        refused: rows left out before the replay (an event a row says refuses it).
    """

    ticket: str
    events: Sequence[tuple[int, Happening]]
    signed: date | None
    refused: list[BadRow]


@attrs.define
class Source:
    """A report's input, read.

    Attributes:
        tickets: each ticket's :class:`TicketEvents`, in the order they opened (an
            iterator for a log, read a ticket at a time).
        rejected: the rows refused as they were read, or grouped.
        rows: how many rows (or events) were read.
        last: the latest instant of the events read (UTC microseconds), or ``None``.
    """

    tickets: Iterable[TicketEvents]
    rejected: list[BadRow]
    rows: int
    last: int | None


def read_source(
    events: Iterable[Event] | str | os.PathLike[str] | pandas.DataFrame | Any,
    tz: tzinfo | None,
) -> Source:
    """Any of :func:`slaclock.report`'s inputs read into a :class:`Source`."""
    if isinstance(events, str | os.PathLike):
        log = EventLog.read(fspath(events), tz=tz)
        return Source(log_tickets(log), list(log.bad), log.rows,
                      None if log.last is None else to_us(log.last))
    rejected: list[BadRow] = []
    if is_frame(events):
        items, count = frame_events(events, tz, rejected)
    else:
        items = []
        for position, event in enumerate(events, 1):
            if not isinstance(event, Event):
                raise TypeError(
                    f"expected Event values, a log file's path or a DataFrame; item "
                    f"{position} is a {type(event).__name__}"
                )
            items.append((position, event, None))
        count = len(items)
    tickets, last = event_tickets(items, rejected)
    return Source(tickets, rejected, count, last)


# -- a log's rows --------------------------------------------------------------------------


#: A row's signing date.
_SIGNED = operator.attrgetter("signed")


def log_tickets(log: EventLog) -> Iterator[TicketEvents]:
    """The tickets of a log read from a file (grouped and checked by the reader: the
    opening first, no row before it, no duplicate), a ticket at a time. Each row goes to
    the walk as it is: the reader checked it by the rules an :class:`~slaclock.Event`
    follows (:func:`~slaclock.sla.said_problem`), so it is one."""
    new = tuple.__new__  # a named tuple made in C, without its constructor's Python call
    for ticket_id, rows in log.tickets.items():
        events = list(zip(map(_LINE, rows), rows, strict=True))
        yield new(TicketEvents, (ticket_id, events, signed_of(map(_SIGNED, rows)), []))


#: A row's line.
_LINE = operator.itemgetter(0)


# -- events, and the rows of a DataFrame ----------------------------------------------------


def event_tickets(
    items: Iterable[tuple[int, Event, date | None]], rejected: list[BadRow]
) -> tuple[list[TicketEvents], int | None]:
    """Events (each with its position and the signing date its row gives) by ticket, as
    :class:`TicketEvents`; a ticket without an opening has every event refused (into
    ``rejected``). Also the latest instant of all.
    """
    by_ticket: dict[str, list[tuple[int, int, int, Event, date | None]]] = {}
    last: int | None = None
    for position, event, signed in items:
        us = to_us(event.at)
        opening = 0 if event.kind in OPENINGS else 1
        by_ticket.setdefault(event.ticket, []).append((opening, us, position, event, signed))
        if last is None or us > last:
            last = us
    for group in by_ticket.values():
        group.sort(key=lambda item: item[:3])
    out: list[TicketEvents] = []
    for ticket_id, group in sorted(by_ticket.items(), key=lambda kv: kv[1][0][:3]):
        opening, opened_us = group[0][:2]
        if opening != 0:
            reason = no_opening(ticket_id, (item[3].kind for item in group))
            rejected.extend(BadRow(p, reason, ticket_id) for _, _, p, _, _ in group)
            continue
        # The signing date as a log's reader keeps it: the opening's, else the first of
        # the rows after it (not of a second opening, nor of a row before the first).
        signed = signed_of(
            s for i, (o, us, _, _, s) in enumerate(group) if i == 0 or (o and us >= opened_us)
        )
        out.append(TicketEvents(ticket_id, [(p, e) for _, _, p, e, _ in group], signed, []))
    return out, last


def is_frame(value: object) -> bool:
    """Whether ``value`` is a pandas DataFrame (or one like it), without importing pandas."""
    return type(value).__name__ == "DataFrame" and hasattr(value, "itertuples")


#: The columns a DataFrame's rows are read from (matched without regard to case).
_FRAME_COLUMNS = ("ticket", "time", "event", "level", "detail", "coverage", "customer",
                  "category", "signed", "status", "author", "field", "value", "fields")


def check_frame_columns(columns: Iterable[object]) -> dict[str, Any]:
    """The frame's columns by the log's names (matched without regard to case or
    surrounding spaces).

    Raises:
        EventError: when ``ticket``, ``time`` or ``event`` is missing.
    """
    named = {str(c).strip().lower(): c for c in columns}
    missing = [c for c in ("ticket", "time", "event") if c not in named]
    if missing:
        raise EventError(
            f"the DataFrame lacks the column(s) {', '.join(missing)}: a log needs ticket, "
            "time and event"
        )
    return named


def frame_events(
    frame: Any, tz: tzinfo | None, rejected: list[BadRow],
    positions: Sequence[int] | None = None,
) -> tuple[list[tuple[int, Event, date | None]], int]:
    """The events of a DataFrame in the log's columns, each with its position (from 1, or
    ``positions``: each row's) and the signing date of its row; rows that make no event
    go to ``rejected`` with their reason. Also how many rows the frame has."""
    columns = check_frame_columns(frame.columns)
    present = [n for n in _FRAME_COLUMNS if n in columns]
    out: list[tuple[int, Event, date | None]] = []
    numbers: Iterable[int] = range(1, len(frame) + 1) if positions is None else positions
    for position, values in zip(
        numbers, frame[[columns[n] for n in present]].itertuples(index=False, name=None),
        strict=True,
    ):
        cells = {k: _cell(v) for k, v in zip(present, values, strict=True)}
        try:
            at = _frame_time(cells["time"], tz)
            kind = cells["event"]
            ticket = cells["ticket"]
            general = general_columns(
                str(kind), cells.get("level"), cells.get("status"), cells.get("author"),
                cells.get("field"), cells.get("value"), cells.get("fields"),
            )
            if isinstance(general, str):
                raise EventError(general)
            level, status, author, fields, builtin = general or (None, None, None, None, {})
            signed = signed_date(cells.get("signed"))
            out.append((position, Event(
                str(ticket) if ticket is not None else "", at, kind,
                level or cells.get("level") if kind in TAKES_LEVEL else None,
                cells.get("detail"),
                cast("Coverage | None", builtin.get("coverage") or cells.get("coverage")),
                builtin.get("customer") or cells.get("customer"),
                builtin.get("category") or cells.get("category"), status=status,
                author=cast("Role | None", author), fields=fields,
            ), signed))
        except (EventError, ValueError) as error:
            ticket = cells.get("ticket")
            rejected.append(BadRow(position, str(error), None if ticket is None else str(ticket)))
    return out, len(frame)


def _frame_time(value: Any, tz: tzinfo | None) -> Any:
    """A DataFrame's time cell as an aware datetime: ISO text as a log's reader reads it,
    a timestamp or datetime as it is, one without a zone read in ``tz`` (refused without
    it, as text without an offset is)."""
    if isinstance(value, str):
        return parse_time(value, tz)
    if hasattr(value, "to_pydatetime") or isinstance(value, datetime):
        return parse_time(value, tz, no_zone=(
            "time {text!r} has no zone: pass the zone it is in (report(frame, "
            "tz=ZoneInfo('Europe/Moscow'))) or give the column one "
            "(frame['time'].dt.tz_localize(...))"
        ))
    return value


def _cell(value: object) -> Any:
    """A DataFrame cell as the log reader reads a cell: stripped text, an empty one (or
    NaN, NaT, ``pd.NA``, None) missing."""
    if isinstance(value, str):
        return value.strip() or None
    if type(value).__name__ == "NAType":  # pandas' NA, of nullable and Arrow columns
        return None
    try:
        if value is None or value != value:  # NaN and NaT are not equal to themselves
            return None
    except (TypeError, ValueError):
        pass
    return value
