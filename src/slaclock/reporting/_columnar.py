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
   ``numpy.unique`` of (shape so far, token) pairs per position): exact, and its cost
   follows the number of events, not how varied their sequences are.
3. One ticket of each shape is replayed by the per-ticket engine; its walk (the clocks'
   cycles and spans, on the events' positions: :class:`~slaclock.sla.Walk`) is what
   every ticket of the shape walks, so it is the one set of rules.
4. Every cycle of every shape is laid out for each of its tickets, their spans placed on
   the tickets' own instants, and counted on its calendar's compiled arrays
   (:mod:`slaclock.calendars._vector`): working time, the deadline, the breach, by the
   rules of :func:`~slaclock.sla._count.walk_spans` and ``Counting._metric``, on whole
   arrays.

A ticket the columnar counting does not take goes to the per-ticket engine, counted by
reason in :attr:`Columnar.by_rows`: events at one instant or out of order, an event the
ticket refuses, a level change in its life, a target longer out of hours or counted from
the next opening, an instant the arrays do not cover. Either way its clocks are the
per-ticket engine's, to the microsecond; the property tests hold the two equal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import attrs
import numpy as np

from slaclock._errors import ConfigError, HorizonError
from slaclock.calendars import Schedule
from slaclock.logs import BadRow
from slaclock.reporting._clocks import (
    METRIC_STATES,
    NONE,
    TICKET_STATES,
    ClockTable,
    Codes,
    merged,
)
from slaclock.reporting._replay import Replayer, Tally, replay_tickets
from slaclock.reporting._sources import TicketEvents
from slaclock.sla import (
    Happening,
    Terms,
    Walk,
    governing,
    governing_opened,
    inside_rules,
    with_share,
)

__all__ = ["Columnar", "Columns", "replay_columns"]

I64 = np.ndarray

_RUNNING, _PAUSED, _MET, _BREACHED, _NA = (METRIC_STATES.index(s) for s in (
    "running", "paused", "met", "breached", "not_applicable"))
_OUTCOMES = {None: 0, "met": 1, "dropped": 2, "not_applicable": 3}


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
    from slaclock.sla import said

    tokens: dict[tuple[Any, ...], int] = {}
    customer: list[str | None] = []
    times: list[int] = []
    token: list[int] = []
    first = [0]
    from slaclock._instants import to_us

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
    """

    table: ClockTable
    shapes: int = 0
    by_rows: Counter[str] = attrs.Factory(Counter)


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
        terms_code, terms = self._terms(opened, live)
        live &= ~rows_mode
        shape = self._shapes(terms_code, walked, live)
        return self._count(shape, terms, terms_code, walked, after, live, rows_mode, reason)

    # -- terms and shapes -----------------------------------------------------------

    def _terms(self, opened: I64, live: np.ndarray) -> tuple[I64, list[tuple[Terms, int]]]:
        """Each live ticket's terms (and its selection rules' answers) as a code into
        the list returned: ``(terms, inside)`` pairs."""
        c = self.c
        replayer = self.replayer
        versions = replayer.versions
        n = len(c.ids)
        code = np.full(n, -1, np.int64)
        found: dict[tuple[int, int | None, str | None, tuple[bool, ...]], int] = {}
        terms_list: list[tuple[Terms, int]] = []
        insides: dict[tuple[bool, ...], int] = {}

        def code_of(t: Terms, inside: tuple[bool, ...]) -> int:
            key = (id(t.regulation), None if t.contract is None else id(t.contract),
                   t.coverage, inside)
            k = found.get(key)
            if k is None:
                k = found[key] = len(terms_list)
                terms_list.append((t, insides.setdefault(inside, len(insides))))
            return k

        if replayer.terms is not None:
            plain = np.flatnonzero(live)
            groups: dict[Any, list[int]] = {None: plain.tolist()}
            fixed = replayer.terms
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
        return code, terms_list

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
        self, shape: I64, terms: list[tuple[Terms, int]], terms_code: I64, walked: I64,
        after: I64, live: np.ndarray, rows_mode: np.ndarray, reason: dict[int, str],
    ) -> Columnar:
        c = self.c
        replayer = self.replayer
        len(c.ids)
        shapes = int(shape.max()) + 1 if (shape >= 0).any() else 0
        members_order = np.argsort(shape, kind="stable")
        members_order = members_order[shape[members_order] >= 0]
        bounds = np.searchsorted(shape[members_order], np.arange(shapes + 1), "left")
        plans: list[_Plan | None] = []
        for s in range(shapes):
            rep = int(members_order[bounds[s]])
            t = c.ticket(rep)
            counted, left_out, _ = replayer.ticket(t.ticket, t.events, t.signed)
            walk = replayer.walked
            plan = None
            why = None
            if counted is None or left_out or walk is None:
                why = "an event the ticket refuses, or a ticket not counted"
            else:
                why = _unsupported(walk)
                if why is None:
                    plan = _Plan.of(walk, replayer)
            plans.append(plan)
            if plan is None:
                for i in members_order[bounds[s]:bounds[s + 1]].tolist():
                    rows_mode[i] = True
                    reason[i] = why or "unsupported"
        columnar = live & ~rows_mode
        self.tally.after_at += int(after[columnar].sum())
        table, positions, overflow = _Counter(
            self, shape, plans, members_order, bounds, columnar).table()
        for i in overflow:
            reason[i] = "an instant the arrays do not cover"
        # The rest by rows, through the one loop (accounting, rows left out, not opened).
        by_rows = sorted(reason)
        for i in by_rows:
            self.by_rows[reason[i]] += 1
        fallback = Tally(None, self.tally.rejected)
        replayed = list(replay_tickets(replayer, [c.ticket(i) for i in by_rows], fallback))
        self.tally.after_at += fallback.after_at
        self.tally.not_yet_opened += fallback.not_yet_opened
        if replayed:
            position = {c.ids[i]: i for i in by_rows}
            rows_table = ClockTable.of_counted(
                replayer.at, [r.counted for r in replayed], [r.line for r in replayed])
            table = merged([table, rows_table], [positions, np.asarray(
                [position[r.ticket] for r in replayed], np.int64)])
        return Columnar(table, shapes, self.by_rows)


def _unsupported(walk: Walk) -> str | None:
    """Why the columnar counting does not take a shape's walk, or ``None``."""
    if len(walk.regimes) != 1:
        return "a level change"
    if walk.extras:
        return "a target longer out of hours or counted from the next opening"
    return None


@attrs.define
class _Plan:
    """What every ticket of a shape shares: its head and, per clock, the cycles."""

    head: tuple[int, int, int, bool, int]
    cycles: list[_CycleTemplate]
    share: float

    @classmethod
    def of(cls, walk: Walk, replayer: Replayer) -> _Plan:
        plan = walk.plan
        assert plan is not None
        clocks, head = plan
        out = []
        for order, (m, cycles, alone) in enumerate(clocks):
            for cycle in cycles:
                out.append(_CycleTemplate(
                    order, m.name, bool(m.cycles), not m.informational, alone,
                    cycle.start, -1 if cycle.end is None else cycle.end,
                    _OUTCOMES[cycle.outcome],
                    [(a, -1 if b is None else b) for a, b in cycle.spans],
                    bool(alone is not None and alone[0].hidden_in and cycle.end is None
                         and walk.category in alone[0].hidden_in),
                    None if alone is None else alone[0].clock_name(walk.regimes[0][2]),
                    walk.working, _PAUSED_RULES.get(walk.paused_deadline, 0),
                    () if alone is None or m.informational else with_share(
                        alone[0].warn or walk.regimes[0][1].warn or walk.regulation.warn,
                        walk.regulation.at_risk),
                ))
        return cls(head, out, walk.regulation.at_risk)  # type: ignore[arg-type]


@attrs.define
class _CycleTemplate:
    order: int
    metric: str
    cycles: bool
    promised: bool
    found: Any
    start: int
    end: int
    outcome: int
    spans: list[tuple[int, int]]
    hidden: bool
    clock: str | None
    #: The breach rule: by working time (else the instant).
    working: bool
    #: The deadline of a paused clock: 1 projected, 2 frozen, 0 none.
    paused_rule: int
    #: The warning thresholds of a promised clock with a target.
    thresholds: tuple[float, ...]


_PAUSED_RULES = {"projected": 1, "frozen": 2}


class _Counter:
    """Every cycle of every shape laid out for its tickets and counted on arrays."""

    def __init__(self, replay: _Replay, shape: I64, plans: list[_Plan | None],
                 members: I64, bounds: I64, columnar: np.ndarray) -> None:
        self.r = replay
        self.shape = shape
        self.plans = plans
        self.members = members
        self.bounds = bounds
        self.columnar = columnar

    def table(self) -> tuple[ClockTable, I64, list[int]]:
        """The table of the tickets counted, their rows among all the tickets, and the
        tickets left to the per-ticket engine (an instant the arrays do not cover)."""
        r = self.r
        c = r.c
        at_us = r.at_us
        at = r.replayer.at
        times = c.times
        tickets = np.flatnonzero(self.columnar)
        if not tickets.size:
            return ClockTable.of_counted(at, []), tickets, []
        # One row per (ticket, cycle template): the cycle templates of all shapes.
        cyc_shape, cyc_index, templates = [], [], []
        for s, plan in enumerate(self.plans):
            if plan is None:
                continue
            for k, tpl in enumerate(plan.cycles):
                cyc_shape.append(s)
                cyc_index.append(k)
                templates.append(tpl)
        tshape = np.asarray(cyc_shape, np.int64)
        counts = np.diff(self.bounds)
        # Expand each template over its shape's tickets.
        reps = counts[tshape]
        total = int(reps.sum())
        tpl_of = np.repeat(np.arange(len(templates)), reps)
        group_start = np.repeat(np.cumsum(reps) - reps, reps)
        within = np.arange(total) - group_start
        owner = self.members[self.bounds[tshape[tpl_of]] + within]
        base = c.first[owner]
        col = _TemplateColumns(templates)
        start = times[base + col.start[tpl_of]]
        end_pos = col.end[tpl_of]
        ended = np.where(end_pos >= 0, times[base + np.maximum(end_pos, 0)], NONE)
        end = np.where(end_pos >= 0, ended, at_us)
        outcome = col.outcome[tpl_of]
        promised = col.promised[tpl_of]
        met_at = np.where(outcome == 1, ended, NONE)
        deadline = np.full(total, NONE, np.int64)
        breached_at = np.full(total, NONE, np.int64)
        elapsed = np.full(total, NONE, np.int64)
        target_us = np.full(total, NONE, np.int64)
        has_target = col.has_target[tpl_of]
        overflow = np.zeros(total, bool)
        # Spans: one row per (cycle row, span template).
        for _key, sched, members in col.by_schedule(tpl_of, has_target):
            _walk_spans(self, sched, col, members, tpl_of, base, start, end, at_us,
                        deadline, breached_at, elapsed, target_us, overflow, promised)
        state = np.full(total, _NA, np.int8)
        t = has_target
        paused = col.paused[tpl_of]
        hidden = col.hidden[tpl_of] & t
        deadline[hidden] = NONE
        breached_at[hidden] = NONE
        shown = promised & ~hidden  # a hidden clock is promised nothing while hidden
        state[t & (outcome == 0) & paused] = _PAUSED
        state[t & (outcome == 0) & ~paused] = _RUNNING
        state[t & (outcome == 1)] = _MET
        state[t & (outcome == 2)] = _MET  # dropped: replaced below
        state[t & (outcome == 3)] = _NA
        state[breached_at != NONE] = _BREACHED
        na = state == _NA
        # Not applicable: no deadline, no target; its elapsed kept where counted.
        deadline[na] = NONE
        breached_at[na] = NONE
        met_at[na & t] = NONE
        tus = np.where(na, NONE, target_us)
        used = np.where(na | (tus == NONE), np.nan,
                        elapsed / np.where(tus == NONE, 1, tus).astype(np.float64))
        share = np.asarray([p.share if p is not None else 0.0 for p in self.plans])[
            tshape[tpl_of]]
        at_risk = shown & (state == _RUNNING) & (used >= share)
        # A dropped cycle not breached: a metric in cycles leaves it out, another shows
        # it not applicable.
        dropped = (outcome == 2) & (state != _BREACHED)
        keep = ~(dropped & col.cycles[tpl_of])
        void = dropped & ~col.cycles[tpl_of]
        state[void] = _NA
        deadline[void] = NONE
        breached_at[void] = NONE
        met_at[void] = NONE
        tus[void] = NONE
        used[void] = np.nan
        at_risk[void] = False
        clock = np.where(state == _NA, -1, col.clock[tpl_of])
        warn = np.where(state == _NA, -1, col.warn[tpl_of])
        # Order: by ticket, then the template's order (clocks, each metric's cycles).
        order = np.lexsort((tpl_of, owner))
        order = order[keep[order]]
        owner_o = owner[order]
        tpl_o = tpl_of[order]
        # Cycle numbers: the rank among the kept cycles of its metric, for metrics in
        # cycles; 0 otherwise.
        group = owner_o * (int(col.metric.max()) + 1 if col.metric.size else 1) + col.metric[tpl_o]
        newgroup = np.r_[True, group[1:] != group[:-1]] if group.size else np.zeros(0, bool)
        ranks = np.arange(group.size) - np.maximum.accumulate(
            np.where(newgroup, np.arange(group.size), 0)) + 1
        cycle = np.where(col.cycles[tpl_o], ranks, 0).astype(np.int32)
        bad_tickets = set(owner[overflow].tolist())
        for column in (start, deadline, breached_at, met_at):
            outside = (column != NONE) & ((column < _WRITABLE[0]) | (column > _WRITABLE[1]))
            bad_tickets.update(owner[outside].tolist())
        # The table: tickets in the report's order (their rows among the tickets).
        kept_tickets = tickets  # every ticket, those without a clock too
        if bad_tickets:
            drop = np.isin(owner_o, np.asarray(sorted(bad_tickets), np.int64))
            order = order[~drop]
            owner_o, tpl_o, cycle = owner_o[~drop], tpl_o[~drop], cycle[~drop]
            kept_tickets = kept_tickets[np.isin(kept_tickets, list(bad_tickets), invert=True)]
        row_of = np.full(len(c.ids), -1, np.int64)
        row_of[kept_tickets] = np.arange(kept_tickets.size)
        first = np.searchsorted(row_of[owner_o], np.arange(kept_tickets.size + 1), "left")
        codes = _HeadCodes(self.plans)
        sh = self.shape[kept_tickets]
        table = ClockTable(
            at, [c.ids[i] for i in kept_tickets.tolist()],
            c.line[kept_tickets],
            times[c.first[kept_tickets]],
            codes.level[sh], tuple(codes.levels.texts),
            codes.coverage[sh], tuple(codes.coverages.texts),
            codes.state[sh], codes.critical[sh],
            codes.customer[sh], tuple(codes.customers.texts),
            first.astype(np.int64),
            row_of[owner_o], col.metric[tpl_o], tuple(col.metrics.texts), cycle,
            state[order], start[order], deadline[order], elapsed[order], tus[order],
            used[order], met_at[order], breached_at[order], at_risk[order],
            clock[order], tuple(col.clocks.texts), promised[order],
            warn[order], tuple(col.warns.texts),
        )
        return table, kept_tickets, sorted(bad_tickets)


#: Instants a datetime in any zone can be (as ``Counted._writable`` checks).
from slaclock.sla._count import _WRITABLE  # noqa: E402


class _HeadCodes:
    """Each shape's ticket head as codes."""

    def __init__(self, plans: list[_Plan | None]) -> None:
        self.levels, self.coverages, self.customers = Codes(), Codes(), Codes()
        state = {s: i for i, s in enumerate(TICKET_STATES)}
        level, coverage, st, critical, customer = [], [], [], [], []
        for p in plans:
            head = p.head if p is not None else ("", None, "open", False, None)
            level.append(self.levels.code(head[0]))  # type: ignore[arg-type]
            coverage.append(self.coverages.code(head[1]))  # type: ignore[arg-type]
            st.append(state[head[2]])  # type: ignore[index]
            critical.append(bool(head[3]))
            customer.append(self.customers.code(head[4]))  # type: ignore[arg-type]
        self.level = np.asarray(level, np.int32)
        self.coverage = np.asarray(coverage, np.int32)
        self.state = np.asarray(st, np.int8)
        self.critical = np.asarray(critical, bool)
        self.customer = np.asarray(customer, np.int32)


class _TemplateColumns:
    """The cycle templates as arrays (one element a template), and their spans."""

    def __init__(self, templates: list[_CycleTemplate]) -> None:
        self.templates = templates
        self.metrics, self.clocks, self.warns = Codes(), Codes(), Codes()
        self.warn = np.asarray(
            [self.warns.code(t.thresholds) if t.thresholds else -1 for t in templates],
            np.int32)
        self.start = np.asarray([t.start for t in templates], np.int64)
        self.end = np.asarray([t.end for t in templates], np.int64)
        self.outcome = np.asarray([t.outcome for t in templates], np.int8)
        self.promised = np.asarray([t.promised for t in templates], bool)
        self.cycles = np.asarray([t.cycles for t in templates], bool)
        self.hidden = np.asarray([t.hidden for t in templates], bool)
        self.has_target = np.asarray([t.found is not None for t in templates], bool)
        self.metric = np.asarray([self.metrics.code(t.metric) for t in templates], np.int32)
        self.clock = np.asarray([self.clocks.code(t.clock) for t in templates], np.int32)
        self.paused = np.asarray(
            [t.end < 0 and not (t.spans and t.spans[-1][1] < 0) for t in templates], bool)
        self.target = np.asarray(
            [t.found[2] if t.found is not None else 0 for t in templates], np.int64)
        self.working = np.asarray([t.working for t in templates], bool)
        self.paused_rule = np.asarray([t.paused_rule for t in templates], np.int8)
        # Spans: one row a span template, with its cycle template.
        span_tpl, span_a, span_b = [], [], []
        for k, t in enumerate(templates):
            for a, b in t.spans:
                span_tpl.append(k)
                span_a.append(a)
                span_b.append(b)
        self.span_tpl = np.asarray(span_tpl, np.int64)
        self.span_a = np.asarray(span_a, np.int64)
        self.span_b = np.asarray(span_b, np.int64)
        # The first span template of each cycle template, and how many.
        self.span_count = np.bincount(self.span_tpl, minlength=len(templates)).astype(np.int64)
        self.span_first = np.cumsum(self.span_count) - self.span_count
        #: The last span's end of each template (its position, -1 open or none).
        self.last_end = np.asarray(
            [t.spans[-1][1] if t.spans else -2 for t in templates], np.int64)

    def by_schedule(self, tpl_of: I64, has_target: np.ndarray
                    ) -> list[tuple[int, Schedule, I64]]:
        """The cycle rows with a target, grouped by their target's calendar."""
        sched: dict[int, Schedule] = {}
        code = np.full(len(self.templates), -1, np.int64)
        for k, t in enumerate(self.templates):
            if t.found is not None:
                s = t.found[1]
                sched.setdefault(id(s), s)
                code[k] = list(sched).index(id(s))
        rows_code = code[tpl_of]
        out = []
        for j, (key, s) in enumerate(sched.items()):
            out.append((key, s, np.flatnonzero(rows_code == j)))
        return out


def _walk_spans(
    counter: _Counter, schedule: Schedule, col: _TemplateColumns, rows: I64, tpl_of: I64,
    base: I64, start: I64, end: I64, at_us: int, deadline: I64, breached_at: I64,
    elapsed: I64, target_us: I64, overflow: np.ndarray, promised: np.ndarray,
) -> None:
    """:func:`~slaclock.sla._count.walk_spans` and the clock's deadline, breach and
    elapsed (``Counting._metric`` for one level all the ticket's life) of the cycle rows
    ``rows`` on ``schedule``, written into the arrays given."""
    if not rows.size:
        return
    tl = schedule._compiled
    tpl = tpl_of[rows]
    target = col.target[tpl]
    target_us[rows] = target
    origin = start[rows]
    nspans = col.span_count[tpl]
    # Span rows: each cycle row's spans, in order.
    total = int(nspans.sum())
    span_owner = np.repeat(np.arange(rows.size), nspans)
    seg_start = np.cumsum(nspans) - nspans
    k = np.arange(total) - np.repeat(seg_start, nspans)
    st = col.span_first[tpl][span_owner] + k
    b0 = base[rows][span_owner]
    begin = c_times(counter)[b0 + col.span_a[st]]
    bpos = col.span_b[st]
    is_open = bpos < 0
    fin = np.where(is_open, NONE, c_times(counter)[b0 + np.maximum(bpos, 0)])
    o = origin[span_owner]
    skip = ~is_open & (fin <= o)
    s0 = np.where(begin >= o, begin, o)
    stop = np.where(is_open, at_us, fin)
    worked = np.zeros(total, np.int64)
    pos = stop > s0
    if pos.any():
        worked[pos] = _business(tl, s0[pos], stop[pos])
    worked[skip] = 0
    csum = np.cumsum(worked)
    seg_total = np.zeros(rows.size, np.int64)
    has = nspans > 0
    seg_end = seg_start + nspans - 1
    seg_total[has] = csum[seg_end[has]] - np.r_[0, csum][seg_start[has]]
    spent_before = csum - worked - np.r_[0, csum][np.repeat(seg_start, nspans)]
    tgt = target[span_owner]
    cand = ~skip & (is_open | (spent_before + worked >= tgt))
    big = np.iinfo(np.int64).max
    first_idx = np.full(rows.size, big, np.int64)
    if total:
        idx = np.where(cand, np.arange(total), big)
        first_idx[has] = np.minimum.reduceat(idx, seg_start[has])
    found = first_idx != big
    fd = first_idx[found]
    dl = np.full(rows.size, NONE, np.int64)
    if fd.size:
        dl_found, bad = _add(schedule, s0[fd], tgt[fd] - spent_before[fd])
        dl[found] = dl_found
        if bad.any():
            overflow[rows[np.flatnonzero(found)[bad]]] = True
    working = col.working[tpl]
    # The overrun: at the deadline's span, from the deadline; at a later span, from its
    # start; the first that holds.
    over = np.full(rows.size, NONE, np.int64)
    if fd.size:
        d = dl[found]
        past = np.where(working[found], _next_open(schedule, d, overflow, rows[found]), d)
        endd = fin[fd]
        ok = (d != NONE) & (past != NONE) & (is_open[fd] | (past < endd))
        over_found = np.where(ok, past, NONE)
        over[found] = over_found
        # Later spans, for cycles whose deadline span did not overrun.
        need = np.zeros(rows.size, bool)
        need[found] = ~ok
        if need.any():
            later = need[span_owner] & (np.arange(total) > first_idx[span_owner]) & ~skip
            later &= is_open | (fin > s0)
            if later.any():
                li = np.flatnonzero(later)
                w = working[span_owner[li]]
                p2 = np.where(w, _next_open(schedule, s0[li], overflow, rows[span_owner[li]]),
                              s0[li])
                ok2 = (p2 != NONE) & (is_open[li] | (p2 < fin[li]))
                li, p2 = li[ok2], p2[ok2]
                if li.size:
                    owners = span_owner[li]
                    firsts = np.r_[True, owners[1:] != owners[:-1]]
                    over[owners[firsts]] = p2[firsts]
    elapsed[rows] = seg_total
    # The breach: an overrun before the instant and the clock's end, of a promised clock.
    e = end[rows]
    limit = np.minimum(at_us, e)
    breach = (over != NONE) & (over < limit) & promised[rows]
    breached_at[rows] = np.where(breach, over, NONE)
    # The deadline shown where the spans never reached it.
    miss = dl == NONE
    ended = col.end[tpl] >= 0
    outcome = col.outcome[tpl]
    if miss.any():
        rule = col.paused_rule[tpl]
        remaining = target - seg_total
        # Paused: projected from the instant, or frozen at its pause.
        proj = miss & ~ended & (rule == 1)
        if proj.any():
            dl[proj], bad = _add(schedule, np.full(int(proj.sum()), at_us, np.int64),
                                 remaining[proj])
            overflow[rows[np.flatnonzero(proj)[bad]]] = True
        frozen = miss & ~ended & (rule == 2)
        if frozen.any():
            fr = np.flatnonzero(frozen)
            last = col.last_end[tpl[fr]]
            since = np.where(last >= 0, c_times(counter)[base[rows[fr]] + np.maximum(last, 0)],
                             start[rows[fr]])
            dl[fr], bad = _add(schedule, since, remaining[fr])
            overflow[rows[fr[bad]]] = True
        met = miss & ended & (outcome == 1)
        if met.any():
            dl[met], bad = _add(schedule, e[met], remaining[met])
            overflow[rows[np.flatnonzero(met)[bad]]] = True
    deadline[rows] = dl


def c_times(counter: _Counter) -> I64:
    return counter.r.c.times


def _business(tl: Any, a: I64, b: I64) -> I64:
    from slaclock.calendars._vector import business_time_us

    return business_time_us(tl, a, b, np.zeros(a.shape, bool))


def _add(schedule: Schedule, a: I64, d: I64) -> tuple[I64, np.ndarray]:
    """``Schedule._add_us`` of every pair, and where it failed (beyond the horizon: the
    per-ticket engine says what then)."""
    from slaclock.calendars._vector import add_us

    bad = np.zeros(a.shape, bool)
    if not a.size:
        return a.copy(), bad
    try:
        return add_us(schedule._compiled, a, d, np.zeros(a.shape, bool)), bad
    except HorizonError:
        out = np.empty_like(a)
        for i, (x, y) in enumerate(zip(a.tolist(), d.tolist(), strict=True)):
            try:
                out[i] = schedule._add_us(x, y)
            except HorizonError:
                out[i] = NONE
                bad[i] = True
        return out, bad


def _next_open(schedule: Schedule, t: I64, overflow: np.ndarray, rows: I64) -> I64:
    """``Schedule._next_open_us`` of every instant (``NONE`` for a missing one): in the
    arrays where they cover it, else asked one by one."""
    from slaclock.calendars._vector import vectors_of

    out = np.full(t.shape, NONE, np.int64)
    have = t != NONE
    if not have.any():
        return out
    tl = schedule._compiled
    v = t[have]
    try:
        first, last = tl.year_range(int(v.min()), int(v.max()))
        vec = vectors_of(tl, first, last + 1)
    except HorizonError:
        vec = None
    res = np.full(v.shape, NONE, np.int64)
    todo = np.ones(v.shape, bool)
    if vec is not None and vec.starts.size:
        inside = (v >= vec.lo) & (v <= vec.hi)
        i = vec.bisect_starts(np.clip(v, vec.lo, vec.hi))
        is_open = inside & (v < vec.ends1[i]) & (v >= vec.lo)
        res[is_open] = v[is_open]
        nxt = inside & ~is_open & (i < vec.starts.size)
        res[nxt] = vec.starts[np.minimum(i[nxt], vec.starts.size - 1)]
        todo = ~(is_open | nxt)
    for j in np.flatnonzero(todo).tolist():
        found = schedule._next_open_us(int(v[j]))
        res[j] = NONE if found is None else found
    out[have] = res
    return out
