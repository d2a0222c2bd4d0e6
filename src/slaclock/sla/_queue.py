"""The work queue: the tickets in the order the desk should work on them
(:func:`order_queue`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from slaclock._instants import to_us
from slaclock.sla._status import TicketStatus

__all__ = ["QUEUE_RULES", "order_queue"]

#: The orderings :func:`order_queue` knows.
QUEUE_RULES = ("regulation", "deadline")


def _arrival(status: TicketStatus) -> tuple[int, int, str]:
    return (0 if status.critical else 1, to_us(status.opened), status.ticket)


def order_queue(
    statuses: Iterable[TicketStatus],
    rule: str = "regulation",
    *,
    include_resolved: bool = False,
) -> list[TicketStatus]:
    """The tickets in the order the desk should work on them.

    Rules:

    - ``"regulation"`` (the default): the regulation's rule: tickets in order of arrival,
      with highly critical ones (levels marked ``critical``: the emergency and operational
      levels) ahead of the queue, themselves in order of arrival.
    - ``"deadline"``: earliest deadline first: by the earliest deadline of a running clock
      (an overdue one first of all); tickets with no running deadline (waiting for the
      customer, handed to development) after them. Ties fall back to the regulation's
      order.

    Resolved (and closed) tickets are left out unless ``include_resolved`` (then they come
    last, in the regulation's order). The ordering is stable and depends only on the
    statuses.

    Raises:
        ValueError: for an unknown rule.

    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> from slaclock import Event, Regulation, replay
    >>> msk = ZoneInfo("Europe/Moscow")
    >>> log = [
    ...     Event("A", datetime(2026, 5, 4, 9, tzinfo=msk), "opened", level="partner.standard"),
    ...     Event("B", datetime(2026, 5, 4, 10, tzinfo=msk), "opened",
    ...           level="commercial.operational"),
    ...     Event("C", datetime(2026, 5, 4, 11, tzinfo=msk), "opened",
    ...           level="commercial.standard"),
    ... ]
    >>> statuses = replay(log, Regulation.default(), datetime(2026, 5, 4, 12, tzinfo=msk))
    >>> [s.ticket for s in order_queue(statuses.values())]
    ['B', 'A', 'C']
    >>> [s.ticket for s in order_queue(statuses.values(), "deadline")]
    ['B', 'C', 'A']
    """
    if rule not in QUEUE_RULES:
        raise ValueError(f"unknown queue rule {rule!r}; one of {', '.join(QUEUE_RULES)}")
    items = list(statuses)
    for item in items:
        if not isinstance(item, TicketStatus):
            raise TypeError(f"expected TicketStatus values, got {type(item).__name__}")
    finished = ("resolved", "closed")
    open_ = [s for s in items if s.state not in finished]
    done = sorted((s for s in items if s.state in finished), key=_arrival)
    if rule == "regulation":
        ordered = sorted(open_, key=_arrival)
    else:

        def by_deadline(status: TicketStatus) -> tuple[int, int, tuple[int, int, str]]:
            deadline: datetime | None = status.next_deadline
            if deadline is None:
                return (1, 0, _arrival(status))
            return (0, to_us(deadline), _arrival(status))

        ordered = sorted(open_, key=by_deadline)
    return ordered + done if include_resolved else ordered
