"""Replaying a log of events: the status at one instant of every ticket in it
(:func:`replay`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from slaclock._errors import EventError
from slaclock._instants import to_us
from slaclock.sla._event import Event
from slaclock.sla._regulation import Regulation
from slaclock.sla._status import TicketStatus
from slaclock.sla._ticket import Ticket

__all__ = ["replay"]


def replay(
    events: Iterable[Event],
    regulation: Regulation,
    at: datetime,
    *,
    strict: bool = True,
    coverage: str | None = None,
    rejected: list[tuple[Event, EventError]] | None = None,
) -> dict[str, TicketStatus]:
    """The status at ``at`` of every ticket in a log of events, in any order.

    Tickets that open after ``at`` are left out.

    Args:
        events: the log; events of many tickets, in any order.
        regulation: the regulation every ticket is counted under.
        at: the instant of the statuses.
        strict: raise on the first bad event (``True``), or leave bad events out and go on
            (``False``): an event the ticket refuses, and every ticket without an opening.
        coverage: the default coverage of every ticket.
        rejected: when given, the events left out and why are appended to it.

    Raises:
        EventError: with ``strict``, for the first bad event or ticket.

    Runtime complexity: O(E log E) for E events (each ticket is sorted and walked once).
    """
    tickets: dict[str, Ticket] = {}
    for event in events:
        if not isinstance(event, Event):
            raise TypeError(f"expected Event values, got {type(event).__name__}")
        ticket = tickets.get(event.ticket)
        if ticket is None:
            ticket = Ticket(event.ticket, regulation, coverage)
            tickets[event.ticket] = ticket
        try:
            ticket.record(event)
        except EventError as error:
            if strict:
                raise
            if rejected is not None:
                rejected.append((event, error))
    at_us = to_us(at, "at")
    out: dict[str, TicketStatus] = {}
    for ticket_id, ticket in tickets.items():
        opened = ticket.opened
        if opened is None:
            missing = EventError(f"ticket {ticket_id} has no 'opened' event")
            if strict:
                raise missing
            if rejected is not None:
                rejected.extend((e, missing) for e in ticket.events)
            continue
        if to_us(opened.at) > at_us:
            continue
        try:
            out[ticket_id] = ticket.status(at)
        except EventError as error:
            if strict:
                raise
            if rejected is not None:
                rejected.extend((e, error) for e in ticket.events)
    return out
