"""The columnar replay: many tickets' clocks counted at once, in NumPy arrays, by the same
rules as the per-ticket engine (:class:`~slaclock.reporting._replay.Replayer`), giving a
:class:`~slaclock.reporting._clocks.ClockTable`.

How it goes (:func:`replay_columns`):

1. The events are in columns (:class:`Columns`): each ticket's rows together, their
   instants in UTC microseconds, and what each row says (:func:`~slaclock.sla.said`: all
   but its instant and free text) as a small integer, a *token*.
2. Each ticket's terms (:func:`~slaclock.sla.governing`) are found for all at once, and
   its *shape*: the terms and the tokens of its events up to the report's instant. Shapes
   are numbered one event position at a time over all the tickets that have one (a
   ``numpy.unique`` of (shape so far, token) pairs per position): exact, its cost
   following the number of events.
3. One ticket of each shape is replayed by the per-ticket engine; its walk (the clocks'
   cycles and spans, on the events' positions: :class:`~slaclock.sla.Walk`) is what
   every ticket of the shape walks, so it is the one set of rules.
4. Every cycle of every shape is laid out for each of its tickets, their spans placed on
   the tickets' own instants, and counted on its calendar's compiled arrays
   (:mod:`slaclock.calendars._vector`): working time, the deadline, the breach, by the
   rules of :func:`~slaclock.sla._count.walk_spans` and ``Counting._metric``, on whole
   arrays (:mod:`~slaclock.reporting._columnar_count`).

The shapes' walks cost what the per-ticket engine costs, once a shape: a log of varied
sequences costs about what it costs by rows (there, a ticket alone in its shape is counted
as it is walked). A ticket the columnar counting does not take goes to the per-ticket
engine, counted by reason in :attr:`Columnar.by_rows`: events at one instant or out of
order, an event the ticket refuses, no terms governing it, an instant the arrays do not
cover. Either way its clocks are the per-ticket engine's, to the microsecond; the
property tests hold the two equal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import attrs
import numpy as np

from slaclock._errors import ConfigError
from slaclock._instants import to_us
from slaclock.logs import BadRow
from slaclock.reporting._clocks import ClockTable, merged
from slaclock.reporting._columnar_count import Laid, Plan, count_plans
from slaclock.reporting._replay import Replayer, Tally, replay_tickets
from slaclock.reporting._sources import TicketEvents
from slaclock.sla import (
    Counted,
    Happening,
    Terms,
    governing,
    governing_opened,
    inside_rules,
    said,
)

__all__ = ["Columnar", "Columns", "replay_columns"]

I64 = np.ndarray



@attrs.define(eq=False)
class Columns:
    """Many tickets' events in columns, each ticket's rows together, the tickets in the
    report's order (the order they opened).

    Attributes:
        ids: the tickets' ids.
        first: the row of each ticket's first event; ``first[n]`` is the number of rows.
        times: each row's instant, UTC microseconds.
        token: what each row says, as a code (rows saying the same have the same code).
        customer: the customer of each token's event (the opening's picks the contract).
        signed: each ticket's contract signing date, or ``None``.
        line: each ticket's opening's line (or position in the input).
        events: a ticket's ``(line, event)`` pairs (by its row among the tickets), as the
            per-ticket engine takes them (:class:`TicketEvents`).
        refused: each ticket's rows refused before the replay (none for most).
    """

    ids: list[str]
    first: I64
    times: I64
    token: I64
    customer: list[str | None]
    signed: list[date | None]
    line: I64
    events: Callable[[int], Sequence[tuple[int, Happening]]]
    refused: dict[int, list[BadRow]] = attrs.Factory(dict)

    def ticket(self, i: int) -> TicketEvents:
        """Ticket ``i`` as the per-ticket engine takes it."""
        return TicketEvents(self.ids[i], self.events(i), self.signed[i],
                            self.refused.get(i, []))


def columns_of(tickets: Sequence[TicketEvents]) -> Columns:
    """The columns of tickets already read (:mod:`~slaclock.reporting._sources`)."""
    tokens: dict[tuple[Any, ...], int] = {}
    customer: list[str | None] = []
    times: list[int] = []
    token: list[int] = []
    first = [0]
    for t in tickets:
        for _, event in t.events:
            key = said(event)
            code = tokens.get(key)
            if code is None:
                code = tokens[key] = len(tokens)
                customer.append(event.customer)
            token.append(code)
            times.append(to_us(event.at, "at"))
        first.append(len(times))
    refused = {i: t.refused for i, t in enumerate(tickets) if t.refused}
    return Columns(
        [t.ticket for t in tickets], np.asarray(first, np.int64),
        np.asarray(times, np.int64), np.asarray(token, np.int64), customer,
        [t.signed for t in tickets],
        np.asarray([t.events[0][0] if t.events else 0 for t in tickets], np.int64),
        lambda i: tickets[i].events, refused,
    )


@attrs.define
class Columnar:
    """What the columnar replay found besides the clocks.

    Attributes:
        table: the clocks of the tickets counted, in the report's order.
        shapes: how many distinct shapes (terms and what the events say) were walked.
        by_rows: the tickets counted by the per-ticket engine, by reason.
        alone: the tickets alone in their shape, counted as it was walked (by the
            per-ticket engine, once).
    """

    table: ClockTable
    shapes: int = 0
    by_rows: Counter[str] = attrs.Factory(Counter)
    alone: int = 0


def replay_columns(replayer: Replayer, columns: Columns, tally: Tally) -> Columnar:
    """Count every ticket of ``columns`` at the replayer's instant, under its policy.

    The tickets that open after the instant, the events after it and the rows left out
    go to ``tally`` as :func:`~slaclock.reporting.replay_tickets` puts them; its summary
    is not touched (count the table: the summary's order is the table's)."""
    return _Replay(replayer, columns, tally).run()


class _Replay:
    def __init__(self, replayer: Replayer, columns: Columns, tally: Tally) -> None:
        self.replayer = replayer
        self.c = columns
        self.tally = tally
        self.at_us = replayer.at_us
        self.by_rows: Counter[str] = Counter()

    def run(self) -> Columnar:
        c = self.c
        n = len(c.ids)
        first, times = c.first, c.times
        at_us = self.at_us
        starts = first[:-1]
        length = np.diff(first)
        opened = times[starts] if n else np.zeros(0, np.int64)
        late = times > at_us
        after = np.add.reduceat(late.astype(np.int64), starts) if n and times.size else (
            np.zeros(n, np.int64))
        after[length == 0] = 0
        walked = length - after
        # Strictly increasing instants within each ticket (the per-ticket engine records
        # such events as given: no two share a key).
        step = np.diff(times) > 0 if times.size > 1 else np.zeros(0, bool)
        unordered = np.zeros(n, bool)
        if times.size > 1:
            bad = np.flatnonzero(~step) + 1  # the row that is not after its previous one
            inner = bad[np.isin(bad, starts, invert=True)]
            unordered[np.searchsorted(first, inner, "right") - 1] = True
        not_yet = (length > 0) & (opened > at_us)
        rows_mode = np.zeros(n, bool)
        reason: dict[int, str] = {}
        for i in np.flatnonzero(unordered & ~not_yet).tolist():
            rows_mode[i] = True
            reason[i] = "events at one instant or out of order"
        for i in c.refused:
            if not not_yet[i]:
                rows_mode[i] = True
                reason[i] = "rows refused as read"
        # The tickets opening after the instant: as the per-ticket engine counts them.
        self.tally.after_at += int(after[not_yet & ~rows_mode].sum())
        self.tally.not_yet_opened += int(np.count_nonzero(not_yet & ~rows_mode))
        live = ~not_yet & ~rows_mode & (length > 0)
        self.rows_mode, self.reason = rows_mode, reason
        terms_code = self._terms(opened, live)
        live &= ~rows_mode
        shape = self._shapes(terms_code, walked, live)
        return self._count(shape, after, live, rows_mode, reason)

    # -- terms and shapes -----------------------------------------------------------

    def _terms(self, opened: I64, live: np.ndarray) -> I64:
        """Each live ticket's terms and its selection rules' answers, as a code: tickets
        of one code walk alike (the regulation and the contract are the policy's own
        objects, kept by it, so their identities name them)."""
        c = self.c
        replayer = self.replayer
        versions = replayer.versions
        n = len(c.ids)
        code = np.full(n, -1, np.int64)
        found: dict[tuple[int, int | None, str | None, tuple[bool, ...]], int] = {}

        def code_of(t: Terms, inside: tuple[bool, ...]) -> int:
            key = (id(t.regulation), None if t.contract is None else id(t.contract),
                   t.coverage, inside)
            return found.setdefault(key, len(found))

        if replayer.terms is not None:
            plain = np.flatnonzero(live)
            groups: dict[Any, list[int]] = {None: plain.tolist()}
            fixed = replayer.terms
        elif not versions.contracts and not any(s is not None for s in c.signed):
            fixed = None  # no contract to name, no signing date: by the opening alone
            groups = {None: np.flatnonzero(live).tolist()}
        else:
            fixed = None
            customer = [c.customer[t] for t in c.token[c.first[:-1][live]].tolist()]
            groups = {}
            for i, who, signed in zip(np.flatnonzero(live).tolist(), customer,
                                      [c.signed[i] for i in np.flatnonzero(live).tolist()],
                                      strict=True):
                contract = versions.contracts.get(who) if who and versions.contracts else None
                key = (who, signed) if contract is not None or signed is not None else None
                groups.setdefault(key, []).append(i)
        for key, members in groups.items():
            idx = np.asarray(members, np.int64)
            if fixed is not None or key is not None:
                if fixed is None:
                    assert key is not None
                    try:
                        t0 = governing(versions, int(opened[idx[0]]), customer=key[0],
                                       signed=key[1], coverage=replayer.coverage)
                    except ConfigError:
                        self._no_terms(idx)
                        continue
                else:
                    t0 = fixed
                self._assign(code, idx, t0, opened, code_of)
                continue
            which, by_version = governing_opened(versions, opened[idx], replayer.coverage)
            for k, t in enumerate(by_version):
                self._assign(code, idx[which == k], t, opened, code_of)
            for i in idx[which < 0].tolist():
                try:
                    t = governing(versions, int(opened[i]), coverage=replayer.coverage)
                except ConfigError:
                    self._no_terms(np.asarray([i]))
                    continue
                self._assign(code, np.asarray([i]), t, opened, code_of)
        return code

    def _no_terms(self, idx: I64) -> None:
        """Tickets no terms govern: the per-ticket engine says why."""
        for i in idx.tolist():
            self.rows_mode[i] = True
            self.reason[i] = "no terms govern it"

    def _assign(self, code: I64, idx: I64, terms: Terms, opened: I64,
                code_of: Callable[[Terms, tuple[bool, ...]], int]) -> None:
        if not idx.size:
            return
        if not terms.regulation._rule_calendars:
            code[idx] = code_of(terms, ())
            return
        for i in idx.tolist():  # opened inside each selection rule's calendar, or not
            inside = inside_rules(terms.regulation, terms.contract, int(opened[i]))
            code[i] = code_of(terms, tuple(inside.values()))

    def _shapes(self, terms_code: I64, walked: I64, live: np.ndarray) -> I64:
        """Each live ticket's shape: its terms and the tokens of its events walked, one
        event position at a time (``-1`` for the others)."""
        c = self.c
        n = len(c.ids)
        shape = np.full(n, -1, np.int64)
        idx = np.flatnonzero(live & (walked > 0))
        if not idx.size:
            return shape
        order = idx[np.argsort(-walked[idx], kind="stable")]  # longest first: a prefix
        lengths = walked[order]
        node = terms_code[order].copy()
        rows = c.first[order]
        tokens = int(c.token.max()) + 1 if c.token.size else 1
        final = np.empty(order.size, np.int64)
        count = order.size
        depth = 0
        top = int(lengths[0])
        alive_at = np.searchsorted(-lengths, -np.arange(1, top + 1), "right")
        # alive_at[k]: tickets with more than k events walked (a prefix of ``order``).
        base = 0
        while depth < top:
            count = int(alive_at[depth])
            pair = node[:count] * tokens + c.token[rows[:count] + depth]
            _, node_new = np.unique(pair, return_inverse=True)
            node = node_new.astype(np.int64).reshape(-1)
            depth += 1
            ending = lengths[:count] == depth
            final[:count][ending] = node[ending] + base
            base += int(node.max()) + 1 if count else 0
        _, dense = np.unique(final, return_inverse=True)
        shape[order] = dense.reshape(-1)
        return shape

    # -- counting ---------------------------------------------------------------------

    def _count(
        self, shape: I64, after: I64, live: np.ndarray, rows_mode: np.ndarray,
        reason: dict[int, str],
    ) -> Columnar:
        c = self.c
        replayer = self.replayer
        shapes = int(shape.max()) + 1 if (shape >= 0).any() else 0
        members_order = np.argsort(shape, kind="stable")
        members_order = members_order[shape[members_order] >= 0]
        bounds = np.searchsorted(shape[members_order], np.arange(shapes + 1), "left")
        plans: list[Plan | None] = []
        # In a log of varied sequences, a ticket alone in its sequence is counted once, by
        # the per-ticket engine, as its shape's walk is found: laying its cycles out in
        # arrays would cost more. (In a log of few, the few are laid out with the rest:
        # merging them in would copy the whole table.)
        varied = shapes * 4 > int(np.count_nonzero(live))
        alone: list[int] = []
        alone_counts: list[Counted] = []
        for s in range(shapes):
            members = members_order[bounds[s]:bounds[s + 1]]
            rep = int(members[0])
            t = c.ticket(rep)
            counted, left_out, after_rep = replayer.ticket(t.ticket, t.events, t.signed)
            walk = replayer.walked
            plan = None
            if varied and counted is not None and not left_out and walk is not None \
                    and members.size == 1:
                alone.append(rep)
                alone_counts.append(counted)
                self.tally.after_at += after_rep
                plans.append(None)
                continue
            if counted is not None and not left_out and walk is not None:
                plan = Plan.of(walk)
            plans.append(plan)
            if plan is None:
                for i in members.tolist():
                    rows_mode[i] = True
                    reason[i] = "an event the ticket refuses, or a ticket not counted"
        columnar = live & ~rows_mode
        columnar[alone] = False
        laid = Laid(plans, members_order, bounds, shape, c.times, c.first, c.ids, c.line,
                    replayer.at, self.at_us)
        table, positions, overflow = count_plans(laid, np.flatnonzero(columnar))
        for i in overflow:
            reason[i] = "an instant the arrays do not cover"
        columnar[overflow] = False
        self.tally.after_at += int(after[columnar].sum())
        # The rest by rows, through the one loop (accounting, rows left out, not opened).
        by_rows = sorted(reason)
        for i in by_rows:
            self.by_rows[reason[i]] += 1
        fallback = Tally(None, self.tally.rejected)
        replayed = list(replay_tickets(replayer, [c.ticket(i) for i in by_rows], fallback))
        self.tally.after_at += fallback.after_at
        self.tally.not_yet_opened += fallback.not_yet_opened
        counts = [*alone_counts, *(r.counted for r in replayed)]
        if counts:
            position = {c.ids[i]: i for i in by_rows}
            places = [*alone, *(position[r.ticket] for r in replayed)]
            rows_table = ClockTable.of_counted(replayer.at, counts, c.line[places].tolist())
            table = merged([table, rows_table], [positions, np.asarray(places, np.int64)])
        return Columnar(table, shapes, self.by_rows, len(alone))
