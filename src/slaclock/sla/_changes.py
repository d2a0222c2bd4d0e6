"""When a ticket's status next changes with no new event: a clock reaches a warning
threshold, breaches, or starts or stops counting because its calendar opens or closes.

A helpdesk plugin keeps one timer per ticket, set to :meth:`~slaclock.Ticket.next_change`;
when it fires, the status it asks for shows the change. The rules (what counts as a change,
the order of changes at one instant) are in :doc:`/explanation/sla`.

The changes are found on the walk of the events recorded up to the instant asked (the
walk does not move without an event) and the calendar of each clock's target: a warning
threshold is the instant the calendar's working time from now reaches the share still
missing (:meth:`~slaclock.Schedule.add`), a breach is the clock's deadline (or, by the
working-time rule, the next opening after it), and a running clock on a calendar that
closes stops at its closing (:meth:`~slaclock.Schedule.next_close`) and starts at its next
opening (:meth:`~slaclock.Schedule.next_open`).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import attrs

from slaclock._errors import HorizonError
from slaclock._instants import from_us, to_us
from slaclock.calendars import Schedule, one_warning
from slaclock.sla._count import ClockCount, Cycle
from slaclock.sla._model import shares_of
from slaclock.sla._status import local_datetime

if TYPE_CHECKING:
    from slaclock.sla._ticket import Ticket

__all__ = ["Change", "ChangeKind", "ticket_changes"]

ChangeKind = Literal["at_risk", "breach", "starts", "stops"]

#: The order of the changes of one clock at one instant.
_RANK: dict[ChangeKind, int] = {"stops": 0, "starts": 1, "at_risk": 2, "breach": 3}


@attrs.frozen
class Change:
    """A change of a ticket's status that comes with no new event.

    Attributes:
        at: the first instant at which :meth:`~slaclock.Ticket.status` shows the change,
            in the zone of the instant asked (as a status's instants are). For a breach it
            is one microsecond after the clock's ``breached_at`` (its deadline, or by the
            working-time rule the next opening after it): the status at the deadline
            itself is not yet breached.
        metric: the metric's name in the policy.
        cycle: the clock's cycle (0 for a metric counted once per ticket).
        what: ``"at_risk"`` (the clock reaches a warning threshold), ``"breach"``,
            ``"starts"`` (a running clock starts counting: its calendar opens) or
            ``"stops"`` (it stops counting: its calendar closes).
        threshold: the share of the target reached, for ``"at_risk"``; else ``None``.
    """

    at: datetime
    metric: str
    cycle: int
    what: ChangeKind
    threshold: float | None = None


def _needed(share: float, target_us: int) -> int:
    """The least working time (microseconds) whose share of ``target_us`` is ``share`` or
    more, by the status's own comparison (``elapsed / target >= share``)."""
    need = math.ceil(share * target_us)
    while need > 0 and (need - 1) / target_us >= share:
        need -= 1
    while need / target_us < share:
        need += 1
    return need


#: One change in integers: (instant, rank of what, threshold or 0, what).
_Found = tuple[int, int, float, ChangeKind]


def _boundaries(schedule: Schedule, at_us: int) -> Iterator[_Found]:
    """The closings and openings of ``schedule`` after ``at_us``, in order: where a
    running clock on it stops and starts counting."""
    t = from_us(at_us, UTC)
    is_open = schedule.is_open(t)
    while True:
        if is_open:
            closing = schedule.next_close(t)
            if closing is None:
                return
            t = closing
            yield to_us(t), _RANK["stops"], 0.0, "stops"
        else:
            try:
                t = schedule.next_open(t)
            except HorizonError:
                return
            yield to_us(t), _RANK["starts"], 0.0, "starts"
        is_open = not is_open


def _counts(count: ClockCount, cycle: Cycle) -> bool:
    """Whether a clock counts working time whenever its calendar is open: a running one,
    or a breached one not yet met."""
    return cycle.counting and count.state in ("running", "breached")


def _clock_changes(
    count: ClockCount, cycle: Cycle, schedule: Schedule, at_us: int, working: bool,
    promised: bool = True,
) -> Iterator[_Found]:
    """The changes after ``at_us`` of one clock that counts (:func:`_counts`), in order
    (ties by :data:`_RANK`); a clock of an informational metric (not ``promised``) only
    starts and stops."""
    found: list[_Found] = []
    target_us, elapsed = count.target_us, count.elapsed
    if count.state == "running" and target_us and elapsed is not None and promised:
        for share in count.thresholds:
            need = _needed(share, target_us)
            if need > elapsed:
                try:
                    found.append((schedule._add_us(at_us, need - elapsed), _RANK["at_risk"],
                                  share, "at_risk"))
                except HorizonError:
                    break
        deadline = count.deadline
        if deadline is not None:
            # A deadline already past (reached as the clock paused, which resumed with
            # its target used up) breaches once the clock counts again: from ``at`` on,
            # at the first open instant, by either rule.
            if deadline < at_us:
                overrun = schedule._next_open_us(at_us)
            else:
                overrun = schedule._next_open_us(deadline) if working else deadline
            if overrun is not None:
                found.append((overrun + 1, _RANK["breach"], 0.0, "breach"))
    found.sort()
    yield from heapq.merge(found, _boundaries(schedule, at_us))


def _numbered(index: int, found: Iterator[_Found]
              ) -> Iterator[tuple[int, int, int, float, ChangeKind]]:
    """The changes of the clock at ``index``, its index put after their instant."""
    for t, rank, share, what in found:
        yield t, index, rank, share, what


def ticket_changes(
    ticket: Ticket, at: datetime, until: datetime | None,
    thresholds: Iterable[float] | None,
) -> list[Change]:
    """The changes of ``ticket``'s status after ``at``, up to ``until`` (inclusive); only
    the first one when ``until`` is ``None``. Events recorded after ``at`` are not read.

    The changes of one instant come in the order of the status's clocks, and for one clock
    ``stops``, ``starts``, ``at_risk`` (lower thresholds first), ``breach``.
    """
    at_us = to_us(at, "at")
    until_us = None if until is None else to_us(until, "until")
    shares = None if thresholds is None else shares_of(thresholds)
    return one_warning(_changes, ticket, at, at_us, until_us, shares)


def _changes(
    ticket: Ticket, at: datetime, at_us: int, until_us: int | None,
    shares: tuple[float, ...] | None,
) -> list[Change]:
    ticket._check_opened(at, at_us)
    if until_us is not None and until_us <= at_us:
        return []
    walk, times = ticket._walk_to(at_us, None)
    cycles: list[Cycle] = []
    counted = walk.count(ticket.id, times, at, at_us, ticket.at_risk, cycles,
                         ticket.thresholds if shares is None else shares)
    calendars = walk.calendars
    streams = []
    for index, (count, cycle) in enumerate(zip(counted.clocks, cycles, strict=True)):
        if count.clock is None or not _counts(count, cycle):
            continue  # paused, met, dropped or without a target: only an event changes it
        schedule = calendars[count.clock]
        streams.append(_numbered(index, _clock_changes(
            count, cycle, schedule, at_us, walk.working, count.metric not in counted.unpromised)))
    zone = at.tzinfo
    out: list[Change] = []
    clocks = counted.clocks
    for t, index, _, share, what in heapq.merge(*streams):
        if until_us is None:
            if out:
                break
        elif t > until_us:
            break
        count = clocks[index]
        out.append(Change(local_datetime(t, zone), count.metric, count.cycle, what,
                          share if what == "at_risk" else None))
    return out
