"""Many tickets' clocks at one instant, in columns (:class:`ClockTable`): what the columnar
replay (:mod:`~slaclock.reporting._columnar`) makes, what the summary counts and the
writers write without a datetime or a status per ticket.

It holds what a :class:`~slaclock.sla.Counted` holds, ticket by ticket, in NumPy arrays:
instants as int64 UTC microseconds, durations as int64 microseconds, texts as small
integer codes into a tuple of the texts (``-1``: none). :meth:`ClockTable.of_counted`
makes one of per-ticket counts (the per-ticket engine's, the reference), and
:meth:`ClockTable.counted` gives a ticket's count back: the two engines meet on it.

Needs NumPy (``pip install "slaclock[cli]"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import numpy as np

from slaclock._instants import instant_text
from slaclock.reporting._codes import METRIC_STATES, NONE, TICKET_STATES, Codes
from slaclock.sla import ClockCount, Counted

__all__ = ["METRIC_STATES", "NONE", "TICKET_STATES", "ClockTable", "Codes", "merged"]

I64 = np.ndarray  # of int64
_US = timedelta(microseconds=1)


@attrs.frozen(eq=False)
class ClockTable:
    """The clocks of many tickets at :attr:`at`, one row a ticket and one row a clock.

    Ticket columns (``n`` rows, in the report's order): :attr:`ticket` (ids),
    :attr:`line` (the opening's line), :attr:`opened`, :attr:`level` (into
    :attr:`levels`), :attr:`coverage` (into :attr:`coverages`, ``-1``: none),
    :attr:`state` (into :data:`TICKET_STATES`), :attr:`critical`, :attr:`customer`
    (into :attr:`customers`, ``-1``: none), and :attr:`first`, the row of each ticket's
    first clock (``first[n]`` is the number of clocks).

    Clock columns (``m`` rows, each ticket's clocks together, in its status's order):
    :attr:`owner` (the ticket's row), :attr:`metric` (into :attr:`metrics`), :attr:`cycle`,
    :attr:`clock_state` (into :data:`METRIC_STATES`), :attr:`start`, :attr:`deadline`,
    :attr:`elapsed`, :attr:`target_us`, :attr:`met_at`, :attr:`breached_at` (int64,
    :data:`NONE` where missing), :attr:`used` (float64, NaN where missing),
    :attr:`at_risk`, :attr:`clock` (into :attr:`clocks`, ``-1``: none),
    :attr:`promised`, and :attr:`warn`, its warning thresholds (into :attr:`warns`; the
    at-risk share among them; ``-1``: none, a clock without a target).
    """

    at: datetime
    ticket: list[str]
    line: I64
    opened: I64
    level: np.ndarray
    levels: tuple[str, ...]
    coverage: np.ndarray
    coverages: tuple[str, ...]
    state: np.ndarray
    critical: np.ndarray
    customer: np.ndarray
    customers: tuple[str, ...]
    first: I64
    owner: I64
    metric: np.ndarray
    metrics: tuple[str, ...]
    cycle: np.ndarray
    clock_state: np.ndarray
    start: I64
    deadline: I64
    elapsed: I64
    target_us: I64
    used: np.ndarray
    met_at: I64
    breached_at: I64
    at_risk: np.ndarray
    clock: np.ndarray
    clocks: tuple[str, ...]
    promised: np.ndarray
    warn: np.ndarray | None = None
    warns: tuple[tuple[float, ...], ...] = ()

    @property
    def at_text(self) -> str:
        """The report's instant as its outputs write it."""
        return instant_text(self.at)

    def __len__(self) -> int:
        return len(self.ticket)

    @classmethod
    def of_counted(
        cls, at: datetime, counts: Sequence[Counted], lines: Sequence[int] | None = None
    ) -> ClockTable:
        """The table of per-ticket counts, in their order (``lines``: their openings'
        lines, default 1, 2, ...)."""
        levels, coverages, customers = Codes(), Codes(), Codes()
        metrics, clocks, warns = Codes(), Codes(), Codes()
        ticket_state = {s: i for i, s in enumerate(TICKET_STATES)}
        metric_state = {s: i for i, s in enumerate(METRIC_STATES)}
        heads: list[tuple[int, int, int, bool, int]] = []
        first = [0]
        rows: list[tuple[Any, ...]] = []
        for row, counted in enumerate(counts):
            level, coverage, state, critical, customer = counted.head
            heads.append((levels.code(level), coverages.code(coverage), ticket_state[state],
                          critical, customers.code(customer)))
            unpromised = counted.unpromised
            for c in counted.clocks:
                rows.append((
                    row, metrics.code(c.metric), c.cycle, metric_state[c.state], c.start,
                    _int(c.deadline), _int(c.elapsed), _int(c.target_us),
                    np.nan if c.used is None else c.used, _int(c.met_at),
                    _int(c.breached_at), c.at_risk, clocks.code(c.clock),
                    c.metric not in unpromised,
                    warns.code(c.thresholds) if c.thresholds else -1,
                ))
            first.append(len(rows))
        head = list(zip(*heads, strict=True)) if heads else [()] * 5
        column = list(zip(*rows, strict=True)) if rows else [()] * 15
        i64 = np.int64
        return cls(
            at, [c.ticket for c in counts],
            np.asarray(lines if lines is not None else range(1, len(counts) + 1), i64),
            np.asarray([c.opened for c in counts], i64),
            np.asarray(head[0], np.int32), tuple(levels.texts),
            np.asarray(head[1], np.int32), tuple(coverages.texts),
            np.asarray(head[2], np.int8), np.asarray(head[3], bool),
            np.asarray(head[4], np.int32), tuple(customers.texts),
            np.asarray(first, i64),
            np.asarray(column[0], i64), np.asarray(column[1], np.int32), tuple(metrics.texts),
            np.asarray(column[2], np.int32), np.asarray(column[3], np.int8),
            np.asarray(column[4], i64), np.asarray(column[5], i64), np.asarray(column[6], i64),
            np.asarray(column[7], i64), np.asarray(column[8], np.float64),
            np.asarray(column[9], i64), np.asarray(column[10], i64),
            np.asarray(column[11], bool), np.asarray(column[12], np.int32),
            tuple(clocks.texts), np.asarray(column[13], bool),
            np.asarray(column[14], np.int32), tuple(warns.texts),
        )

    def counted(self, row: int) -> Counted:
        """The count of the ticket in ``row``, as the per-ticket engine makes it."""
        clocks = []
        unpromised = set()
        for i in range(int(self.first[row]), int(self.first[row + 1])):
            metric = self.metrics[self.metric[i]]
            target_us = _opt(self.target_us[i])
            used = float(self.used[i])
            promised = bool(self.promised[i])
            if not promised:
                unpromised.add(metric)
            clocks.append(ClockCount(
                metric, int(self.cycle[i]), METRIC_STATES[self.clock_state[i]],
                int(self.start[i]), _opt(self.deadline[i]), _opt(self.elapsed[i]), target_us,
                None if target_us is None else target_us * _US,
                None if used != used else used, _opt(self.met_at[i]),
                _opt(self.breached_at[i]), bool(self.at_risk[i]),
                None if self.clock[i] < 0 else self.clocks[self.clock[i]],
                () if self.warn is None or self.warn[i] < 0 else self.warns[self.warn[i]],
            ))
        head = (
            self.levels[self.level[row]],
            None if self.coverage[row] < 0 else self.coverages[self.coverage[row]],
            TICKET_STATES[self.state[row]], bool(self.critical[row]),
            None if self.customer[row] < 0 else self.customers[self.customer[row]],
        )
        return Counted(self.ticket[row], self.at, int(self.opened[row]), head,
                       clocks, unpromised=frozenset(unpromised))


def merged(tables: Sequence[ClockTable], positions: Sequence[I64]) -> ClockTable:
    """The tickets of several tables as one, ordered by their ``positions`` (each
    table's tickets' places among all; each table's in increasing order)."""
    at = tables[0].at
    place = np.concatenate(positions)
    order = np.argsort(place, kind="stable")
    # Each ticket's clocks, by the merged order: (table, row) -> its clock rows.
    levels, coverages, customers, metrics, clocks, warns = (Codes() for _ in range(6))

    def remap(codes: Codes, texts: tuple[Any, ...], values: np.ndarray) -> np.ndarray:
        lookup = np.asarray([codes.code(t) for t in texts] + [-1], np.int32)
        return lookup[np.where(values < 0, len(texts), values)]

    def cat(name: str, codes: Codes | None = None, texts: str | None = None) -> np.ndarray:
        parts = []
        for t in tables:
            v = getattr(t, name)
            if codes is not None and texts is not None:
                v = remap(codes, getattr(t, texts), v)
            parts.append(v)
        return np.concatenate(parts)

    ticket_cols = {
        "line": cat("line"), "opened": cat("opened"),
        "level": cat("level", levels, "levels"),
        "coverage": cat("coverage", coverages, "coverages"),
        "state": cat("state"), "critical": cat("critical"),
        "customer": cat("customer", customers, "customers"),
    }
    ids = [i for t in tables for i in t.ticket]
    # Clock rows: each table's, its owners offset into the concatenation.
    offsets = np.cumsum([0] + [len(t) for t in tables])
    owner = np.concatenate([t.owner + off for t, off in zip(tables, offsets, strict=False)])
    clock_cols = {
        "metric": cat("metric", metrics, "metrics"), "cycle": cat("cycle"),
        "clock_state": cat("clock_state"), "start": cat("start"), "deadline": cat("deadline"),
        "elapsed": cat("elapsed"), "target_us": cat("target_us"), "used": cat("used"),
        "met_at": cat("met_at"), "breached_at": cat("breached_at"), "at_risk": cat("at_risk"),
        "clock": cat("clock", clocks, "clocks"), "promised": cat("promised"),
        "warn": np.concatenate([
            remap(warns, t.warns, t.warn if t.warn is not None else np.full(len(t.owner), -1))
            for t in tables]),
    }
    new_row = np.empty(order.size, np.int64)
    new_row[order] = np.arange(order.size)
    clock_order = np.lexsort((np.arange(owner.size), new_row[owner]))
    new_owner = new_row[owner][clock_order]
    first = np.searchsorted(new_owner, np.arange(order.size + 1), "left").astype(np.int64)
    return ClockTable(
        at, [ids[i] for i in order.tolist()], ticket_cols["line"][order],
        ticket_cols["opened"][order], ticket_cols["level"][order], tuple(levels.texts),
        ticket_cols["coverage"][order], tuple(coverages.texts), ticket_cols["state"][order],
        ticket_cols["critical"][order], ticket_cols["customer"][order],
        tuple(customers.texts), first, new_owner,
        clock_cols["metric"][clock_order], tuple(metrics.texts),
        cycle=clock_cols["cycle"][clock_order],
        clock_state=clock_cols["clock_state"][clock_order],
        start=clock_cols["start"][clock_order], deadline=clock_cols["deadline"][clock_order],
        elapsed=clock_cols["elapsed"][clock_order],
        target_us=clock_cols["target_us"][clock_order], used=clock_cols["used"][clock_order],
        met_at=clock_cols["met_at"][clock_order],
        breached_at=clock_cols["breached_at"][clock_order],
        at_risk=clock_cols["at_risk"][clock_order], clock=clock_cols["clock"][clock_order],
        clocks=tuple(clocks.texts), promised=clock_cols["promised"][clock_order],
        warn=clock_cols["warn"][clock_order], warns=tuple(warns.texts),
    )


def _int(value: int | None) -> int:
    return NONE if value is None else value


def _opt(value: Any) -> int | None:
    return None if value == NONE else int(value)
