"""The columnar replay's counting: every cycle of every shape's walk laid out for each of
the shape's tickets, its spans placed on the ticket's own instants and counted on the
calendars' compiled arrays, by the rules of ``Counting._metric`` and
:func:`~slaclock.sla._count.walk_spans` (:mod:`slaclock.sla._count`), on whole arrays.

What a walk fixes is found once per shape (:class:`Plan`), on the events' positions: each
cycle's start, end and spans, the levels in force over its life, which of them judge a
breach and on which target, from which origin each target counts. What depends on the
times is counted per ticket, on arrays: *evaluations* (a cycle's spans walked on one
target from one origin: its deadline, overrun and working time) and, from them, the
breach (the first judging level whose overrun comes before the next level's start), the
deadline shown, the state.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from slaclock._errors import ConfigError, HorizonError
from slaclock._instants import duration_us
from slaclock.calendars import Schedule
from slaclock.reporting._clocks import METRIC_STATES, NONE, TICKET_STATES, ClockTable, Codes
from slaclock.sla import WRITABLE, Walk, with_share

__all__ = ["Laid", "Plan", "count_plans"]

I64 = np.ndarray
_RUNNING, _PAUSED, _MET, _BREACHED, _NA = (METRIC_STATES.index(s) for s in (
    "running", "paused", "met", "breached", "not_applicable"))
_OUTCOMES = {None: 0, "met": 1, "dropped": 2, "not_applicable": 3}
_PAUSED_RULES = {"projected": 1, "frozen": 2}
#: The calendar's name of a target that names none for the coverage in force.
_NO_CLOCK = "\x00no clock"
#: How many evaluations are walked at once (the arrays of their spans stay small).
_CHUNK = 1 << 18
#: A year of microseconds (a leap one).
_YEAR = 366 * 86_400_000_000
#: An origin at the cycle's start (not at a level's change).
_START = -1


@attrs.define
class _Eval:
    """A cycle's spans walked on one target from one origin: the target, its calendar,
    its duration; the origin's position (:data:`_START`: the cycle's start); what a
    clock shown on it says: its calendar's name, warning thresholds, hidden or not; and
    the target's business hours where it is longer when the cycle starts out of them
    (by ``extra``) or counts from their next opening (``from_opening``)."""

    schedule: Schedule
    target_us: int
    origin: int
    clock: str | None
    thresholds: tuple[float, ...]
    hidden: bool
    hours: Schedule | None = None
    extra: int = 0
    from_opening: bool = False


@attrs.define
class _Cycle:
    order: int
    metric: str
    cycles: bool
    promised: bool
    start: int
    end: int
    outcome: int
    spans: list[tuple[int, int]]
    working: bool
    paused_rule: int
    no_backdate: bool
    #: The evaluations of the cycle (distinct target and origin).
    evals: list[_Eval]
    #: The levels judging a breach, in order: (evaluation, the next level's position or
    #: -1, the level's own position, the evaluation shown when this level's breach is
    #: the clock's and no final target shows: its target counted from the cycle's start).
    judged: list[tuple[int, int, int, int]]
    #: The evaluation of the final level's target, or -1 (none: the breach's shows).
    final: int


@attrs.define
class Plan:
    """What every ticket of a shape shares: its ticket head (level, coverage, state,
    criticality, customer) and its cycles."""

    head: tuple[Any, ...]
    cycles: list[_Cycle]
    share: float

    @classmethod
    def of(cls, walk: Walk) -> Plan:
        plan = walk.plan
        assert plan is not None
        clocks, head = plan
        regimes = walk.regimes
        regulation = walk.regulation
        share = regulation.at_risk
        out = []
        for order, (m, cycles, _) in enumerate(clocks):
            for cycle in cycles:
                out.append(_cycle(walk, order, m, cycle, regimes, share))
        return cls(head, out, share)


def _cycle(walk: Walk, order: int, m: Any, cycle: Any, regimes: list[Any],
           share: float) -> _Cycle:
    """A cycle's plan: ``Counting._metric`` on positions."""
    start, end = cycle.start, cycle.end
    first = 0
    for i, regime in enumerate(regimes):
        if regime[0] <= start:
            first = i
    life = [regimes[first], *(r for r in regimes[first + 1:] if end is None or r[0] <= end)]
    promised = not m.informational
    evals: list[_Eval] = []
    known: dict[tuple[int, int], int] = {}

    def evaluation(found: Any, origin: int, coverage: Any) -> int:
        key = (id(found), origin)
        k = known.get(key)
        if k is None:
            target = found[0]
            k = known[key] = len(evals)
            try:
                clock: str | None = target.clock_name(coverage)
            except ConfigError:  # shown, the per-ticket engine says why it cannot count
                clock = _NO_CLOCK
            evals.append(_Eval(
                found[1], found[2], origin, clock,
                with_share(target.warn or life[-1][1].warn or walk.regulation.warn, share)
                if promised else (),
                bool(target.hidden_in and end is None and walk.category in target.hidden_in),
                None if target.business_hours is None else walk.calendars[
                    target.business_hours],
                0 if target.out_of_hours is None else duration_us(target.out_of_hours),
                target.from_opening,
            ))
        return k

    judged: list[tuple[int, int, int, int]] = []
    chosen = (life if walk.keeps_breach else life[-1:]) if promised else []
    offset = len(life) - len(chosen)
    for j, regime in enumerate(chosen):
        i = j + offset
        if walk.no_backdate and i + 1 < len(life) and life[i + 1][0] == regime[0]:
            continue  # one update changed the level twice: the last change judges
        found = walk._target(regime, m.name)
        if found is None:
            continue
        origin = regime[0] if walk.from_change and i > 0 else _START
        coverage = life[-1][2] if walk._target(life[-1], m.name) is not None else \
            _coverage_of(life, found[0])
        judged.append((evaluation(found, origin, coverage),
                       life[i + 1][0] if i + 1 < len(life) else -1, regime[0],
                       evaluation(found, _START, coverage)))
    final_found = walk._target(life[-1], m.name)
    final = -1
    if final_found is not None:
        origin = life[-1][0] if walk.from_change and len(life) > 1 else _START
        final = evaluation(final_found, origin, life[-1][2])
    return _Cycle(
        order, m.name, bool(m.cycles), promised, start, -1 if end is None else end,
        _OUTCOMES[cycle.outcome], [(a, -1 if b is None else b) for a, b in cycle.spans],
        walk.working, _PAUSED_RULES.get(walk.paused_deadline, 0), walk.no_backdate,
        evals, judged, final,
    )


def _coverage_of(life: list[Any], target: Any) -> str | None:
    for regime in reversed(life):
        coverage: str | None = regime[2]
        if coverage in target.clocks:
            return coverage
    return None


# -- counting --------------------------------------------------------------------------------


@attrs.define
class Laid:
    """The shapes' tickets: each shape's plan (``None``: not counted here), its tickets
    (``members[bounds[s]:bounds[s + 1]]``), and the tickets' columns."""

    plans: list[Plan | None]
    members: I64
    bounds: I64
    shape: I64
    times: I64
    first: I64
    ids: list[str]
    line: I64
    at: Any
    at_us: int


def count_plans(laid: Laid, tickets: I64) -> tuple[ClockTable, I64, list[int]]:
    """The table of ``tickets`` (rows among all, each of a shape with a plan), their rows
    among all, and the tickets left to the per-ticket engine (an instant the arrays do not
    cover)."""
    at, at_us, times = laid.at, laid.at_us, laid.times
    if not tickets.size:
        return ClockTable.of_counted(at, []), tickets, []
    cycles: list[_Cycle] = []
    cycle_shape: list[int] = []
    for s, plan in enumerate(laid.plans):
        if plan is not None:
            cycles.extend(plan.cycles)
            cycle_shape.extend([s] * len(plan.cycles))
    col = _Columns(cycles)
    tshape = np.asarray(cycle_shape, np.int64)
    reps = np.diff(laid.bounds)[tshape] if tshape.size else np.zeros(0, np.int64)
    total = int(reps.sum())
    tpl = np.repeat(np.arange(len(cycles)), reps)
    within = np.arange(total) - np.repeat(np.cumsum(reps) - reps, reps)
    owner = laid.members[laid.bounds[tshape[tpl]] + within] if total else (
        np.zeros(0, np.int64))
    base = laid.first[owner]
    start = times[base + col.start[tpl]]
    end_pos = col.end[tpl]
    ended = np.where(end_pos >= 0, times[base + np.maximum(end_pos, 0)], NONE)
    end = np.where(end_pos >= 0, ended, at_us)
    outcome = col.outcome[tpl]
    overflow = np.zeros(total, bool)
    # Every evaluation of every cycle row.
    ev = _evaluate(col, tpl, base, start, times, at_us, overflow)
    # The breach: the first judging level whose overrun comes before the next level's
    # start (and the instant, and the cycle's end).
    breached_at = np.full(total, NONE, np.int64)
    breach_eval = np.full(total, -1, np.int64)
    breach_shown = np.full(total, -1, np.int64)
    limit0 = np.minimum(at_us, end)
    for j in range(col.judged_max):
        k = col.judged_eval[tpl, j]
        rows = np.flatnonzero((k >= 0) & (breach_eval < 0))
        if not rows.size:
            continue
        e = ev.row[rows, k[rows]]
        over = ev.over[e]
        nxt = col.judged_next[tpl[rows], j]
        limit = np.where(nxt >= 0, np.minimum(limit0[rows], times[base[rows] + np.maximum(
            nxt, 0)]), limit0[rows])
        hit = (over != NONE) & (over < limit)
        if not hit.any():
            continue
        rows, e, over = rows[hit], e[hit], over[hit]
        since = times[base[rows] + col.judged_at[tpl[rows], j]]
        keep_over = ~col.no_backdate[tpl[rows]] | (over >= since)
        breached_at[rows] = np.where(keep_over, over, since)
        breach_eval[rows] = e
        breach_shown[rows] = ev.row[rows, col.judged_shown[tpl[rows], j]]
    # The clock shown: the final level's target, else the breach's, from the start.
    final = col.final[tpl]
    shown = np.where(final >= 0, ev.row[np.arange(total), np.maximum(final, 0)],
                     breach_shown)
    has = shown >= 0
    s_ = np.where(has, shown, ev.due.size - 1)  # the evaluation of nothing
    deadline = np.where(has, ev.due[s_], NONE)
    elapsed = np.where(has, ev.spent[s_], NONE)
    target_us = np.where(has, ev.target[s_], NONE)
    spans_open = col.last_end[tpl] == -1
    paused = (end_pos < 0) & ~spans_open
    # The deadline where the spans never reached it.
    miss = has & (deadline == NONE)
    if miss.any():
        _missed(col, ev, tpl, base, start, end, end_pos, outcome, s_, miss, deadline,
                elapsed, target_us, times, at_us, overflow)
    late = (deadline == NONE) & (breached_at != NONE)
    deadline[late] = ev.due[breach_eval[late]]
    hidden = has & ev.hidden[s_] & (end_pos < 0)
    deadline[hidden] = NONE
    breached_at[hidden] = NONE
    promised = col.promised[tpl]
    shows = promised & ~hidden
    state = np.full(total, _NA, np.int8)
    state[has & (outcome == 0) & paused] = _PAUSED
    state[has & (outcome == 0) & ~paused] = _RUNNING
    state[has & ((outcome == 1) | (outcome == 2))] = _MET
    state[(final < 0) | (outcome == 3)] = _NA
    state[breached_at != NONE] = _BREACHED
    na = state == _NA
    met_at = np.where(outcome == 1, ended, NONE)
    met_at[na & has] = NONE
    deadline[na] = NONE
    tus = np.where(na, NONE, target_us)
    elapsed = np.where(has, elapsed, NONE)
    used = np.where(na, np.nan, elapsed / np.where(tus == NONE, 1, tus).astype(np.float64))
    share = np.asarray([p.share if p is not None else 0.0 for p in laid.plans])[tshape[tpl]]
    at_risk = shows & (state == _RUNNING) & (used >= share)
    # A dropped cycle not breached: a metric in cycles leaves it out, another shows it
    # not applicable.
    dropped = (outcome == 2) & (state != _BREACHED)
    keep = ~(dropped & col.cycles[tpl])
    void = dropped & ~col.cycles[tpl]
    state[void] = _NA
    for column in (deadline, met_at, tus):
        column[void] = NONE
    used[void] = np.nan
    at_risk[void] = False
    na = state == _NA
    clock = np.where(na, -1, ev.clock[s_])
    warn = np.where(na, -1, ev.warn[s_])
    # Order: by ticket, then the plan's order (clocks, each metric's cycles).
    order = np.lexsort((tpl, owner))
    order = order[keep[order]]
    owner_o, tpl_o = owner[order], tpl[order]
    # Cycle numbers: the rank among the kept cycles of its metric.
    group = owner_o * (int(col.metric.max()) + 1 if col.metric.size else 1) + col.metric[tpl_o]
    new = np.r_[True, group[1:] != group[:-1]] if group.size else np.zeros(0, bool)
    ranks = np.arange(group.size) - np.maximum.accumulate(
        np.where(new, np.arange(group.size), 0)) + 1
    cycle = np.where(col.cycles[tpl_o], ranks, 0).astype(np.int32)
    if _NO_CLOCK in ev.clocks.texts:  # shown on a target without a calendar: by rows
        overflow |= ~na & (clock == ev.clocks.texts.index(_NO_CLOCK))
    bad = set(owner[overflow].tolist())
    for column in (start, deadline, breached_at, met_at):
        outside = (column != NONE) & ((column < WRITABLE[0]) | (column > WRITABLE[1]))
        bad.update(owner[outside].tolist())
    kept = tickets
    if bad:
        drop = np.isin(owner_o, np.asarray(sorted(bad), np.int64))
        order, owner_o, tpl_o, cycle = order[~drop], owner_o[~drop], tpl_o[~drop], cycle[~drop]
        kept = kept[np.isin(kept, np.asarray(sorted(bad), np.int64), invert=True)]
    row_of = np.full(len(laid.ids), -1, np.int64)
    row_of[kept] = np.arange(kept.size)
    first = np.searchsorted(row_of[owner_o], np.arange(kept.size + 1), "left")
    head = _Heads(laid.plans)
    sh = laid.shape[kept]
    table = ClockTable(
        at, [laid.ids[i] for i in kept.tolist()], laid.line[kept], times[laid.first[kept]],
        head.level[sh], tuple(head.levels.texts), head.coverage[sh],
        tuple(head.coverages.texts), head.state[sh], head.critical[sh], head.customer[sh],
        tuple(head.customers.texts), first.astype(np.int64),
        row_of[owner_o], col.metric[tpl_o], tuple(col.metrics.texts), cycle,
        state[order], start[order], deadline[order], elapsed[order], tus[order],
        used[order], met_at[order], breached_at[order], at_risk[order],
        clock[order], tuple(ev.clocks.texts), promised[order],
        warn[order], tuple(ev.warns.texts),
    )
    return table, kept, sorted(bad)


class _Heads:
    """Each shape's ticket head as codes."""

    def __init__(self, plans: list[Plan | None]) -> None:
        self.levels, self.coverages, self.customers = Codes(), Codes(), Codes()
        state = {s: i for i, s in enumerate(TICKET_STATES)}
        rows = [p.head if p is not None else ("", None, "open", False, None) for p in plans]
        self.level = np.asarray([self.levels.code(h[0]) for h in rows], np.int32)
        self.coverage = np.asarray([self.coverages.code(h[1]) for h in rows], np.int32)
        self.state = np.asarray([state[h[2]] for h in rows], np.int8)
        self.critical = np.asarray([bool(h[3]) for h in rows], bool)
        self.customer = np.asarray([self.customers.code(h[4]) for h in rows], np.int32)


class _Columns:
    """The cycles' plans as arrays (one element a cycle), and their spans."""

    def __init__(self, cycles: list[_Cycle]) -> None:
        self.cycles_list = cycles
        self.metrics = Codes()
        n = len(cycles)
        self.start = np.asarray([c.start for c in cycles], np.int64)
        self.end = np.asarray([c.end for c in cycles], np.int64)
        self.outcome = np.asarray([c.outcome for c in cycles], np.int8)
        self.promised = np.asarray([c.promised for c in cycles], bool)
        self.cycles = np.asarray([c.cycles for c in cycles], bool)
        self.no_backdate = np.asarray([c.no_backdate for c in cycles], bool)
        self.working = np.asarray([c.working for c in cycles], bool)
        self.paused_rule = np.asarray([c.paused_rule for c in cycles], np.int8)
        self.metric = np.asarray([self.metrics.code(c.metric) for c in cycles], np.int32)
        self.final = np.asarray([c.final for c in cycles], np.int64)
        #: The last span's end (its position; -1 open; -2 no span).
        self.last_end = np.asarray([c.spans[-1][1] if c.spans else -2 for c in cycles],
                                   np.int64)
        self.evals_max = max((len(c.evals) for c in cycles), default=0)
        self.judged_max = max((len(c.judged) for c in cycles), default=0)
        self.judged_eval = np.full((n, max(self.judged_max, 1)), -1, np.int64)
        self.judged_next = np.full((n, max(self.judged_max, 1)), -1, np.int64)
        self.judged_at = np.zeros((n, max(self.judged_max, 1)), np.int64)
        self.judged_shown = np.full((n, max(self.judged_max, 1)), -1, np.int64)
        for i, c in enumerate(cycles):
            for j, (k, nxt, at, shown) in enumerate(c.judged):
                self.judged_eval[i, j] = k
                self.judged_shown[i, j] = shown
                self.judged_next[i, j] = nxt
                self.judged_at[i, j] = at
        span_of, span_a, span_b = [], [], []
        for k, c in enumerate(cycles):
            for a, b in c.spans:
                span_of.append(k)
                span_a.append(a)
                span_b.append(b)
        self.span_a = np.asarray(span_a, np.int64)
        self.span_b = np.asarray(span_b, np.int64)
        self.span_count = np.bincount(np.asarray(span_of, np.int64), minlength=n).astype(
            np.int64)
        self.span_first = np.cumsum(self.span_count) - self.span_count


@attrs.define
class _Evaluated:
    """Every evaluation of every cycle row: ``row[r, k]`` is the evaluation row of cycle
    row ``r``'s ``k``-th evaluation, whose deadline, overrun and working time are
    ``due``, ``over`` and ``spent``, counted on a target of ``target`` microseconds."""

    row: I64
    due: I64
    over: I64
    spent: I64
    target: I64
    schedule: list[Schedule]
    sched: I64
    clock: I64
    clocks: Codes
    warn: I64
    warns: Codes
    hidden: np.ndarray


def _evaluate(col: _Columns, tpl: I64, base: I64, start: I64, times: I64, at_us: int,
              overflow: np.ndarray) -> _Evaluated:
    total = tpl.size
    clocks, warns = Codes(), Codes()
    schedules: dict[int, Schedule] = {}
    # One row an evaluation of a cycle row.
    per = np.asarray([len(c.evals) for c in col.cycles_list], np.int64)
    count = per[tpl] if total else np.zeros(0, np.int64)
    n = int(count.sum())
    cyc = np.repeat(np.arange(total), count)
    k = np.arange(n) - np.repeat(np.cumsum(count) - count, count)
    row = np.full((total, max(col.evals_max, 1)), -1, np.int64)
    row[cyc, k] = np.arange(n)
    # Each plan's evaluations as arrays, by (cycle plan, k).
    flat = [(i, j, e) for i, c in enumerate(col.cycles_list) for j, e in enumerate(c.evals)]
    index = np.full((len(col.cycles_list), max(col.evals_max, 1)), -1, np.int64)
    for number, (i, j, _) in enumerate(flat):
        index[i, j] = number
    e_target = np.asarray([e.target_us for _, _, e in flat], np.int64)
    e_origin = np.asarray([e.origin for _, _, e in flat], np.int64)
    sched_code: dict[int, int] = {}
    for _, _, e in flat:
        if id(e.schedule) not in sched_code:
            sched_code[id(e.schedule)] = len(schedules)
            schedules[id(e.schedule)] = e.schedule
    e_sched = np.asarray([sched_code[id(e.schedule)] for _, _, e in flat], np.int64)
    e_clock = np.asarray([clocks.code(e.clock) for _, _, e in flat], np.int32)
    e_warn = np.asarray([warns.code(e.thresholds) if e.thresholds else -1
                         for _, _, e in flat], np.int32)
    e_hidden = np.asarray([e.hidden for _, _, e in flat], bool)
    f = index[tpl[cyc], k] if n else np.zeros(0, np.int64)
    target = e_target[f] if n else np.zeros(0, np.int64)
    opos = e_origin[f] if n else np.zeros(0, np.int64)
    origin = np.where(opos == _START, start[cyc], times[base[cyc] + np.maximum(opos, 0)])
    # Targets longer when the cycle starts out of their business hours, and counted from
    # their next opening (``Counting._fitted``, ``Target.counting_from``).
    for j, (_, _, e) in enumerate(flat):
        if e.hours is None or not (e.extra or e.from_opening):
            continue
        rows = np.flatnonzero(f == j)
        if not rows.size:
            continue
        if e.extra:
            cycle_start = start[cyc[rows]]
            closed = _next_open(e.hours, cycle_start) != cycle_start
            target[rows[closed]] += e.extra
        if e.from_opening:
            opening = _next_open(e.hours, origin[rows])
            origin[rows] = np.where(opening == NONE, origin[rows], opening)
    sched = e_sched[f] if n else np.zeros(0, np.int64)
    due = np.full(n, NONE, np.int64)
    over = np.full(n, NONE, np.int64)
    spent = np.zeros(n, np.int64)
    schedule_list = list(schedules.values())
    for s, schedule in enumerate(schedule_list):
        on = np.flatnonzero(sched == s)
        for part in range(0, on.size, _CHUNK):  # a chunk at a time: the spans' arrays
            rows = on[part:part + _CHUNK]
            _walk(schedule, col, tpl[cyc[rows]], base[cyc[rows]], origin[rows],
                  target[rows], times, at_us, due, over, spent, rows, overflow, cyc)
    # One more evaluation, of nothing: where a cycle row has none to show.
    return _Evaluated(
        row, np.r_[due, NONE], np.r_[over, NONE], np.r_[spent, 0], np.r_[target, NONE],
        schedule_list, np.r_[sched, -1],
        np.r_[e_clock[f] if n else np.zeros(0, np.int32), -1].astype(np.int32), clocks,
        np.r_[e_warn[f] if n else np.zeros(0, np.int32), -1].astype(np.int32), warns,
        np.r_[e_hidden[f] if n else np.zeros(0, bool), False].astype(bool))


def _walk(schedule: Schedule, col: _Columns, tpl: I64, base: I64, origin: I64, target: I64,
          times: I64, at_us: int, due_out: I64, over_out: I64, spent_out: I64, out: I64,
          overflow: np.ndarray, cyc: I64) -> None:
    """:func:`~slaclock.sla._count.walk_spans` of the evaluation rows ``out`` (their
    cycles ``tpl`` at ``base``, counted from ``origin`` on a target of ``target``)."""
    tl = schedule._compiled
    m = tpl.size
    nspans = col.span_count[tpl]
    total = int(nspans.sum())
    owner = np.repeat(np.arange(m), nspans)
    seg = np.cumsum(nspans) - nspans
    k = np.arange(total) - np.repeat(seg, nspans)
    st = col.span_first[tpl][owner] + k
    b0 = base[owner]
    begin = times[b0 + col.span_a[st]]
    bpos = col.span_b[st]
    is_open = bpos < 0
    fin = np.where(is_open, NONE, times[b0 + np.maximum(bpos, 0)])
    o = origin[owner]
    skip = ~is_open & (fin <= o)
    s0 = np.where(begin >= o, begin, o)
    stop = np.where(is_open, at_us, fin)
    worked = np.zeros(total, np.int64)
    pos = (stop > s0) & ~skip
    if pos.any():
        worked[pos] = _business(tl, s0[pos], stop[pos])
    csum = np.cumsum(worked)
    lead = np.r_[0, csum]
    has = nspans > 0
    spent = np.zeros(m, np.int64)
    spent[has] = csum[(seg + nspans - 1)[has]] - lead[seg[has]]
    before = csum - worked - lead[np.repeat(seg, nspans)]
    tgt = target[owner]
    cand = ~skip & (is_open | (before + worked >= tgt))
    big = np.iinfo(np.int64).max
    first = np.full(m, big, np.int64)
    if total:
        first[has] = np.minimum.reduceat(np.where(cand, np.arange(total), big), seg[has])
    found = first != big
    fd = first[found]
    due = np.full(m, NONE, np.int64)
    over = np.full(m, NONE, np.int64)
    working = col.working[tpl]
    if fd.size:
        d, bad = _add(schedule, s0[fd], tgt[fd] - before[fd])
        due[found] = d
        overflow[cyc[out[np.flatnonzero(found)[bad]]]] = True
        past = np.where(working[found], _next_open(schedule, d), d)
        ok = (d != NONE) & (past != NONE) & (is_open[fd] | (past < fin[fd]))
        over[found] = np.where(ok, past, NONE)
        need = np.zeros(m, bool)
        need[found] = ~ok
        if need.any():  # a later span that counts: the overrun at its start
            later = need[owner] & (np.arange(total) > first[owner]) & ~skip
            later &= is_open | (fin > s0)
            li = np.flatnonzero(later)
            if li.size:
                p2 = np.where(working[owner[li]], _next_open(schedule, s0[li]), s0[li])
                ok2 = (p2 != NONE) & (is_open[li] | (p2 < fin[li]))
                li, p2 = li[ok2], p2[ok2]
                if li.size:
                    who = owner[li]
                    firsts = np.r_[True, who[1:] != who[:-1]]
                    over[who[firsts]] = p2[firsts]
    due_out[out] = due
    over_out[out] = over
    spent_out[out] = spent


def _missed(col: _Columns, ev: _Evaluated, tpl: I64, base: I64, start: I64, end: I64,
            end_pos: I64, outcome: I64, shown: I64, miss: np.ndarray, deadline: I64,
            elapsed: I64, target_us: I64, times: I64, at_us: int,
            overflow: np.ndarray) -> None:
    """The deadline of a clock whose spans never reached its target: a paused one's by
    the policy's rule (projected from the instant, or frozen at its pause), a met one's as
    it stood when met."""
    remaining = target_us - elapsed
    rule = col.paused_rule[tpl]
    last = col.last_end[tpl]
    since = np.where(last >= 0, times[base + np.maximum(last, 0)], start)
    frm = np.full(tpl.size, NONE, np.int64)
    paused = miss & (end_pos < 0)
    frm[paused & (rule == 1)] = at_us
    frozen = paused & (rule == 2)
    frm[frozen] = since[frozen]
    met = miss & (end_pos >= 0) & (outcome == 1)
    frm[met] = end[met]
    todo = np.flatnonzero(frm != NONE)
    for s, schedule in enumerate(ev.schedule):
        rows = todo[ev.sched[shown[todo]] == s]
        if rows.size:
            d, bad = _add(schedule, frm[rows], remaining[rows])
            deadline[rows] = d
            overflow[rows[bad]] = True


# -- the calendars' arrays ---------------------------------------------------------------


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


def _next_open(schedule: Schedule, t: I64) -> I64:
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
        vec = vectors_of(tl, first, last)
    except HorizonError:
        vec = None
    res = np.full(v.shape, NONE, np.int64)
    todo = np.ones(v.shape, bool)
    if vec is not None and vec.starts.size:
        inside = (v >= vec.lo) & (v <= vec.hi)
        i = vec.bisect_starts(np.clip(v, vec.lo, vec.hi))
        is_open = inside & (v < vec.ends1[i])
        res[is_open] = v[is_open]
        nxt = inside & ~is_open & (i < vec.starts.size)
        res[nxt] = vec.starts[np.minimum(i[nxt], vec.starts.size - 1)]
        nxt &= res - v <= _YEAR  # well within the search's horizon; farther asked alone
        todo = ~(is_open | nxt)
    for j in np.flatnonzero(todo).tolist():
        found = schedule._next_open_us(int(v[j]))
        res[j] = NONE if found is None else found
    out[have] = res
    return out
