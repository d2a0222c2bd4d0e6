"""Which tickets of a clock table a report keeps and lists, in columns: the filters
(:class:`~slaclock.cli._shards.Filters`) as a mask over the table's tickets
(:func:`kept`), and the table format's most urgent tickets (:func:`most_urgent`), each
what a shard decides ticket by ticket of each one's status and count, to the ticket.

A table is a :class:`~slaclock.reporting._clocks.ClockTable`: its clock states are codes
into :data:`METRIC_STATES`, its instants UTC microseconds. Needs NumPy (``pip install
"slaclock[cli]"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import numpy as np

from slaclock._instants import US_PER_SECOND, to_us
from slaclock.reporting import METRIC_STATES, NONE, overdue_seconds
from slaclock.sla import local_datetime

if TYPE_CHECKING:
    from slaclock.cli._shards import Filters
    from slaclock.reporting._clocks import ClockTable

__all__ = ["kept", "listed_key", "most_urgent", "urgency_keys"]

#: Two days in microseconds: two wall clocks' offsets from UTC differ by less.
_TWO_DAYS_US = 2 * 86_400 * US_PER_SECOND
#: The largest integer a float64 holds exactly.
_EXACT = 2**53


def _code(state: str) -> int:
    return METRIC_STATES.index(state)


def _any_per_ticket(table: ClockTable, clocks: np.ndarray) -> np.ndarray:
    """Whether each ticket has some clock where the clock mask ``clocks`` holds."""
    out = np.zeros(len(table), bool)
    out[table.owner[clocks]] = True
    return out


def _before(opened: np.ndarray, bound: datetime, zone: tzinfo | None) -> np.ndarray:
    """Where ``local_datetime(opened, zone) < bound``, as Python compares them: by the
    instant, or by the wall clock when ``bound`` has the same zone (the fold aside). The
    two agree on an instant over two days from ``bound``; the others are compared as
    datetimes, each distinct instant once."""
    bound_us = to_us(bound, "bound")
    out = opened < bound_us
    near = np.flatnonzero(np.abs(opened - bound_us) < _TWO_DAYS_US)
    if len(near):
        values, inverse = np.unique(opened[near], return_inverse=True)
        found = np.array([local_datetime(v, zone) < bound for v in values.tolist()], bool)
        out[near] = found[inverse]
    return out


def kept(
    filters: Filters, table: ClockTable,
    opening_customers: Sequence[str | None] | None = None,
) -> np.ndarray:
    """Which tickets of ``table`` pass every filter: a bool mask, one a ticket, where
    :meth:`Filters.keeps` holds of the ticket's status.

    - ``--since``/``--until``: the opening, a datetime in the zone of the report's
      instant, compared with the bound as Python compares datetimes;
    - ``--level``: the level in force at the report's instant;
    - ``--customer``: the ticket's customer casefolded, or, where it has none (or an
      empty one), its opening row's from ``opening_customers`` (one a ticket; without
      them, none);
    - ``--state``: ``breached`` where some clock breached, ``at-risk`` where some clock
      is at risk, ``open`` where none breached and some runs or is paused; every clock
      counts, an informational one's too.
    """
    n = len(table)
    out = np.ones(n, bool)
    zone = table.at.tzinfo
    if filters.since is not None:
        out &= ~_before(table.opened, filters.since, zone)
    if filters.until is not None:
        out &= _before(table.opened, filters.until, zone)
    if filters.levels:
        out &= _codes_in(table.level, [lv in filters.levels for lv in table.levels])
    if filters.customers:
        names = filters.customers
        own = _codes_in(table.customer,
                        [bool(c) and c.casefold() in names for c in table.customers])
        if opening_customers is not None:
            # `status.customer or customer`: none, or an empty one, is the opening row's.
            empty = _codes_in(table.customer, [not c for c in table.customers])
            empty |= table.customer < 0
            if empty.any():
                theirs = np.fromiter(
                    (c is not None and c.casefold() in names for c in opening_customers),
                    bool, count=n)
                own = np.where(empty, theirs, own)
        out &= own
    if filters.states:
        state = table.clock_state
        breached = _any_per_ticket(table, state == _code("breached"))
        chosen = np.zeros(n, bool)
        if "breached" in filters.states:
            chosen |= breached
        if "at-risk" in filters.states:
            chosen |= _any_per_ticket(table, table.at_risk)
        if "open" in filters.states:
            running = (state == _code("running")) | (state == _code("paused"))
            chosen |= ~breached & _any_per_ticket(table, running)
        out &= chosen
    return out


def _codes_in(column: np.ndarray, chosen: list[bool]) -> np.ndarray:
    """Where a code column (``-1``: none) is the code of a text chosen."""
    if not any(chosen):
        return np.zeros(len(column), bool)
    lookup = np.array([*chosen, False], bool)  # code -1 reads the last: not chosen
    found: np.ndarray = lookup[column]
    return found


def urgency_keys(table: ClockTable) -> tuple[np.ndarray, ...]:
    """Each ticket's urgency in columns, smallest first: the shard's key ``(rank,
    urgency, opened, line)`` (``_urgency`` in :mod:`~slaclock.cli._shards`) as ``(rank,
    overdue, share, opened, line)``. ``rank``: 0 breached, 1 at risk, 2 some clock
    running or paused with a deadline, 3 the rest; ``overdue``: for rank 0, the most
    whole seconds overdue of a breached clock, negated
    (:func:`~slaclock.reporting.overdue_seconds`); ``share``: for rank 1 the largest
    share used of a clock at risk, negated, for rank 2 the earliest such deadline as a
    POSIX timestamp (the float the shard divides); 0 otherwise. Every clock counts."""
    n = len(table)
    state = table.clock_state
    owner = table.owner
    rank = np.full(n, 3, np.int8)
    overdue = np.zeros(n, np.int64)
    share = np.zeros(n, np.float64)

    running = ((state == _code("running")) | (state == _code("paused"))) & (
        table.deadline != NONE)
    soonest = np.full(n, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(soonest, owner[running], table.deadline[running])
    has = _any_per_ticket(table, running)
    rank[has] = 2
    deadline = soonest[has]
    seconds = deadline.astype(np.float64) / US_PER_SECOND
    wide = np.flatnonzero(np.abs(deadline) > _EXACT)  # not a float exactly: as Python does
    seconds[wide] = [d / US_PER_SECOND for d in deadline[wide].tolist()]
    share[has] = seconds

    risky = table.at_risk & ~np.isnan(table.used)
    most = np.full(n, -np.inf)
    np.maximum.at(most, owner[risky], table.used[risky])
    has = _any_per_ticket(table, risky)
    rank[has] = 1
    share[has] = -most[has]

    breached = (state == _code("breached")) & (table.target_us != NONE) & (
        table.elapsed != NONE)
    late: np.ndarray = overdue_seconds(  # type: ignore[assignment]
        table.target_us[breached], table.elapsed[breached])
    worst = np.full(n, np.iinfo(np.int64).min, np.int64)
    np.maximum.at(worst, owner[breached], late)
    has = _any_per_ticket(table, breached)
    rank[has] = 0
    overdue[has] = -worst[has]
    share[has] = 0.0
    return rank, overdue, share, table.opened, table.line


def listed_key(keys: tuple[np.ndarray, ...], row: int) -> tuple[int, float, int, int]:
    """The key a shard lists the ticket at ``row`` by (``ShardResult.listed``, which the
    main process merges), from its :func:`urgency_keys`: ``(rank, urgency, opened,
    line)``, the urgency an int for rank 0 and a float otherwise, as ``_urgency`` makes
    it."""
    rank, overdue, share, opened, line = (key[row] for key in keys)
    return (int(rank), int(overdue) if rank == 0 else float(share), int(opened), int(line))


def most_urgent(table: ClockTable, rows: np.ndarray, limit: int | None) -> np.ndarray:
    """The rows among ``rows`` (row numbers, or a bool mask) the table format lists,
    most urgent first: the ``limit`` (``None``: every one) with the smallest
    :func:`urgency_keys`, in their order, as each shard's heap keeps them and the main
    process merges them (a tie, the same opening line of the same instant, in the order
    of ``rows``)."""
    rows = np.asarray(rows)
    rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64, copy=False)
    if limit is not None and limit <= 0:
        return rows[:0]
    keys = [key[rows] for key in urgency_keys(table)]
    order = np.lexsort(keys[::-1])
    if limit is not None:
        order = order[:limit]
    return rows[order]
