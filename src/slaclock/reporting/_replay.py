"""The one replay of many tickets: :class:`Replayer` counts one ticket's clocks under the
terms that govern it (:func:`~slaclock.sla.governing`), :func:`replay_tickets` walks the
tickets of any source (:mod:`~slaclock.reporting._sources`), feeding a :class:`Tally`, and
:func:`replay` is the library's replay of :class:`~slaclock.Event` values under one
regulation.

:func:`slaclock.report`, the Dask partitions and the command's shards all replay through
:func:`replay_tickets`.
"""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

import attrs

from slaclock._errors import ConfigError, EventError, SlaclockError
from slaclock._instants import EPOCH, US_PER_SECOND, to_us
from slaclock.logs import BadRow
from slaclock.reporting._sources import TicketEvents, event_tickets
from slaclock.reporting._summary import Summary
from slaclock.sla import (
    Counted,
    Event,
    Happening,
    Regulation,
    RegulationVersions,
    Shapes,
    Terms,
    Ticket,
    TicketStatus,
    Walk,
    as_versions,
    governing,
    inside_rules,
    said,
)

__all__ = ["Replayed", "Replayer", "Tally", "replay", "replay_tickets"]


class Replayer:
    """Replays tickets one at a time under a policy at an instant: the one engine behind
    :func:`replay_tickets`.

    Args:
        policy: the policy (one version, or versions and contracts).
        at: the instant of the statuses.
        coverage: the default coverage of every ticket.
        terms: the terms of every ticket, when one regulation governs them all
            (:func:`replay`); else each ticket's are the policy's
            :func:`~slaclock.sla.governing` terms.
    """

    def __init__(
        self, policy: Regulation | RegulationVersions, at: datetime, coverage: str | None,
        *, terms: Terms | None = None,
    ) -> None:
        self.versions = as_versions(policy)
        self.terms = terms
        self.at = at
        self.at_us = to_us(at, "at")
        self.coverage = coverage
        self.shapes = Shapes()
        #: The event sequences known to be recorded as given (:meth:`ticket`), by what they
        #: say: their walks, by the selection rules' answers at the opening; or
        #: ``_REFUSED`` for one that is not (some event refused, or the ticket not counted).
        self.known: dict[tuple[Any, ...], dict[tuple[bool, ...], Walk]] = {}
        #: The walk the last ticket was counted on, when its events were recorded as given
        #: (none refused, at strictly increasing instants, every one walked); else
        #: ``None``. Every ticket saying the same under the same terms walks alike (the
        #: columnar replay counts them all on it, :mod:`~slaclock.reporting._columnar`).
        self.walked: Walk | None = None

    def ticket(
        self, ticket_id: str, events: Sequence[tuple[int, Happening]], signed: date | None = None,
    ) -> tuple[Counted | None, list[BadRow], int]:
        """One ticket's clocks from its ``(line, event)`` pairs (all of ``ticket_id``),
        the opening first: each event an :class:`~slaclock.Event`, or a log's row (which
        its reader checked as one, :func:`~slaclock.reporting._sources.log_tickets`).

        Returns:
            ``(counted, rejected, after)``: the clocks in integers, whose
            :meth:`~slaclock.sla._clock.Counted.status` is the ticket's status (``None`` when
            the ticket cannot be counted: it opens after the instant, or its opening was
            refused), the events left out, and how many come after the instant.
        """
        at_us = self.at_us
        self.walked = None
        opening = events[0][1]
        # The instants of the stdlib's datetimes (a log's rows) from their difference to
        # the epoch, its fields read (a third faster than dividing it); to_us for the rest.
        times = [
            ((d := e.at - EPOCH).days * 86_400 + d.seconds) * US_PER_SECOND + d.microseconds
            if type(e.at) is datetime else to_us(e.at, "at")
            for _, e in events
        ]
        if times[0] > at_us:
            return None, [], len(events)
        try:
            terms = self.terms or governing(self.versions, times[0], customer=opening.customer,
                                            signed=signed, coverage=self.coverage)
        except ConfigError as error:
            reason = f"ticket {ticket_id!r}: {error.problem}"
            return None, [BadRow(line, reason, ticket_id) for line, _ in events], 0
        regulation, contract, coverage = terms.regulation, terms.contract, terms.coverage
        # Events of the ticket at strictly increasing instants are recorded in the order
        # given (no two share a key), so whether each is refused depends only on what
        # they say, under the ticket's terms; and what the walk makes of them, on that
        # and on whether it opened inside the selection rules' calendars. A sequence
        # recorded whole once is counted again on its walk, without a Ticket.
        n = bisect_right(times, at_us)
        shape: tuple[Any, ...] | None = None
        if all(map(operator.lt, times, times[1:])) and all(
            map(ticket_id.__eq__, map(_TICKET, map(_EVENT, events)))  # in C
        ):
            # What each event says, as the walk's cache reads it (:func:`~slaclock.sla.said`).
            shape = (
                id(regulation), None if contract is None else id(contract), coverage,
                *[said(e) for _, e in events[:n]],
            )
            walks = self.known.get(shape)
            if walks is not None and walks is not _REFUSED:
                # Found only now (as the walk finds it): it compiles the opening's year
                # of the rules' calendars, which a ticket refused never asks for.
                inside = tuple(inside_rules(regulation, contract, times[0]).values())
                walk = walks.get(inside)
                if walk is not None:
                    del times[n:]
                    try:
                        counted = walk.count(ticket_id, times, self.at, at_us,
                                             regulation.at_risk)
                    except SlaclockError as error:
                        reason = f"ticket {ticket_id!r} cannot be counted: {error}"
                        return None, [BadRow(events[0][0], reason, ticket_id)], len(events) - n
                    self.walked = walk
                    return counted, [], len(events) - n
        ticket = Ticket(ticket_id, regulation, coverage, contract=contract)
        rejected: list[BadRow] = []
        refused: int | None = None
        after = 0
        for (line, event), us in zip(events, times, strict=True):
            key = ticket._key(event, us)
            if key[0] > at_us:
                after += 1
                continue
            if refused is not None:
                rejected.append(BadRow(
                    line, f"ticket {ticket_id!r} was not opened: its 'opened' row (line "
                    f"{refused}) was refused", ticket_id,
                ))
                continue
            try:
                ticket._record(event, key)
            except EventError as error:
                rejected.append(BadRow(line, str(error), ticket_id))
                if event is opening:
                    refused = line
        if refused is not None:
            if shape is not None:
                self._learn(shape, None)
            return None, rejected, after
        try:
            ticket._check_opened(self.at, at_us)
            walk, walked = ticket._walk_to(at_us, self.shapes)
            counted = walk.count(ticket_id, walked, self.at, at_us, ticket.at_risk)
        except SlaclockError as error:
            if shape is not None:
                self._learn(shape, None)
            reason = f"ticket {ticket_id!r} cannot be counted: {error}"
            return None, [*rejected, BadRow(events[0][0], reason, ticket_id)], after
        if shape is not None:
            whole = not rejected and len(walked) == n
            self._learn(shape, walk if whole else None)
            if whole:
                self.walked = walk
        return counted, rejected, after

    def _learn(self, shape: tuple[Any, ...], walk: Walk | None) -> None:
        """Remember what became of a sequence of events: its walk, under the selection
        rules' answers it was walked with; ``None``, some event refused or the ticket not
        counted, and every ticket saying so is recorded anew (bounded as :class:`Shapes`
        is)."""
        known = self.known
        if len(known) >= self.shapes.limit:
            known.clear()
        if walk is None:
            known[shape] = _REFUSED
            return
        walks = known.get(shape)
        if walks is None:
            walks = known[shape] = {}
        if walks is not _REFUSED:
            walks[tuple(walk.inside.values())] = walk


#: An event's ticket, and a ``(line, event)`` pair's event.
_TICKET = operator.attrgetter("ticket")
_EVENT = operator.itemgetter(1)

#: What ``Replayer.known`` holds for a sequence not recorded as given.
_REFUSED: dict[tuple[bool, ...], Walk] = {}


# -- the loop over many tickets ---------------------------------------------------------------


@attrs.define
class Tally:
    """What a replay of many tickets counts besides each ticket's clocks.

    Attributes:
        summary: the tickets counted (those a filter keeps), or ``None`` for a replay
            that sums nothing up (:func:`replay`).
        rejected: the rows (or events) left out, with their reasons, in no set order.
        after_at: how many events come after the instant and were not replayed.
        not_yet_opened: how many tickets open after the instant.
        filtered_out: how many tickets counted a filter left out.
    """

    summary: Summary | None
    rejected: list[BadRow] = attrs.Factory(list)
    after_at: int = 0
    not_yet_opened: int = 0
    filtered_out: int = 0


class Replayed(NamedTuple):
    """One ticket counted (:func:`replay_tickets`).

    Attributes:
        ticket: its id.
        line: its opening's line (or position in the input).
        counted: its clocks in integers (:meth:`~slaclock.sla.Counted.status` makes its
            status).
        status: its status, when a filter made it already.
    """

    ticket: str
    line: int
    counted: Counted
    status: TicketStatus | None


def replay_tickets(
    replayer: Replayer,
    tickets: Iterable[TicketEvents],
    tally: Tally,
    keep: Callable[[TicketStatus, str | None], bool] | None = None,
) -> Iterator[Replayed]:
    """Replay each ticket (:meth:`Replayer.ticket`) and yield those counted, in the order
    given, after counting them in ``tally``'s summary (if any); the rows left out, the events after
    the instant and the tickets not yet opened go to ``tally`` too.

    Args:
        replayer: the policy and instant.
        tickets: the tickets of a source (:mod:`~slaclock.reporting._sources`).
        tally: where the counts go.
        keep: when given, a ticket is counted and yielded only if ``keep(status,
            customer)`` holds (its status, and the customer its opening row gives); the
            others are counted in ``tally.filtered_out``.
    """
    rejected = tally.rejected
    count = None if tally.summary is None else tally.summary._count
    after_at = not_yet = filtered_out = 0
    try:
        for ticket_id, events, signed, refused in tickets:
            if refused:
                rejected.extend(refused)
            if not events:
                continue
            counted, left_out, after = replayer.ticket(ticket_id, events, signed)
            after_at += after
            if counted is None:
                if left_out:
                    rejected.extend(left_out)
                elif not refused:
                    not_yet += 1
                continue
            if left_out:
                rejected.extend(left_out)
            status = None
            if keep is not None:
                status = counted.status()
                if not keep(status, events[0][1].customer):
                    filtered_out += 1
                    continue
            if count is not None:
                count(counted)
            # A tuple made in C (a named tuple's own constructor is a Python call).
            yield _new(Replayed, (ticket_id, events[0][0], counted, status))
    finally:
        tally.after_at += after_at
        tally.not_yet_opened += not_yet
        tally.filtered_out += filtered_out


#: A named tuple made without its constructor's Python call.
_new = tuple.__new__


# -- the library's replay of events under one regulation ----------------------------------


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

    Each ticket's events are taken as :func:`slaclock.report` takes them: its opening
    first, then in time order; events after ``at`` are not replayed, and tickets that
    open after ``at`` are left out.

    Args:
        events: the log; events of many tickets, in any order.
        regulation: the regulation every ticket is counted under.
        at: the instant of the statuses.
        strict: raise on the first bad event (``True``), or leave bad events out and go on
            (``False``): an event the ticket refuses, and every ticket without an opening.
        coverage: the default coverage of every ticket.
        rejected: when given, the events left out and why are appended to it, in the
            order given.

    Raises:
        EventError: with ``strict``, for the first bad event or ticket (in the order
            given).

    Runtime complexity: O(E log E) for E events (each ticket is sorted and walked once).
    """
    items: list[tuple[int, Event, date | None]] = []
    order: dict[str, None] = {}
    for position, event in enumerate(events, 1):
        if not isinstance(event, Event):
            raise TypeError(f"expected Event values, got {type(event).__name__}")
        items.append((position, event, None))
        order[event.ticket] = None
    if not items:
        return {}
    bad: list[BadRow] = []
    tickets, _ = event_tickets(items, bad)
    replayer = Replayer(regulation, at, coverage, terms=Terms(regulation, None, coverage))
    tally = Tally(None, bad)
    statuses = {r.ticket: r.counted.status() for r in replay_tickets(replayer, tickets, tally)}
    if bad:
        bad.sort(key=operator.attrgetter("line"))
        if strict:
            raise EventError(bad[0].reason, items[bad[0].line - 1][1])
        if rejected is not None:
            rejected.extend(
                (items[b.line - 1][1], EventError(b.reason, items[b.line - 1][1])) for b in bad
            )
    return {ticket: statuses[ticket] for ticket in order if ticket in statuses}
