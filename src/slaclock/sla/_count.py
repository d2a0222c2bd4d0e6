"""Counting a ticket's clocks on their calendars, in integers: the walk's cycles and spans
(on the events' positions) put on a ticket's times and counted against the targets of the
levels in force (:class:`Counting`, which a walk is), giving a :class:`Counted`: the
clocks as :class:`ClockCount` values, whose :meth:`Counted.status` makes the
:class:`~slaclock.TicketStatus`.

Instants are UTC microseconds and durations microseconds; the calendars are asked through
their integer entry points, so no datetime is made for the arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from slaclock._errors import HorizonError
from slaclock._instants import duration_us, instant_text, to_us
from slaclock.calendars import Schedule
from slaclock.sla._model import Level, MetricDefinition, Target, with_share
from slaclock.sla._status import (
    MetricState,
    MetricStatus,
    TicketState,
    TicketStatus,
    local_datetime,
)

if TYPE_CHECKING:
    from slaclock.sla._regulation import Regulation
    from slaclock.sla._walk import Clock

__all__ = [
    "WRITABLE", "ClockCount", "Counted", "Counting", "Cycle", "Kept", "counted_of", "new_count",
]


class Cycle:
    """One clock of a metric: when it started, its active spans, how it ended."""

    __slots__ = ("end", "outcome", "spans", "start")

    def __init__(self, start: int) -> None:
        self.start = start
        self.spans: list[list[int | None]] = []  # [from, to]; to None while running
        self.end: int | None = None  # when it ended (met, dropped, not applicable)
        self.outcome: str | None = None  # "met", "dropped", "not_applicable"

    @property
    def counting(self) -> bool:
        """Whether the cycle has not ended and its last active span is open: it counts
        working time whenever its calendar is open, until an event."""
        spans = self.spans
        return self.end is None and bool(spans) and spans[-1][1] is None

    def close(self, t: int) -> None:
        if self.spans and self.spans[-1][1] is None:
            self.spans[-1][1] = t

    def finish(self, t: int, outcome: str) -> None:
        self.close(t)
        self.end = t
        self.outcome = outcome


class ClockCount(NamedTuple):
    """One clock at an instant in integers (UTC microseconds; durations in microseconds):
    a :class:`MetricStatus` before its datetimes are made (:meth:`Counted.status`).
    ``target`` is the target's own duration, ``target_us`` its microseconds; a clock
    without a target has neither, nor a deadline, nor a share used."""

    metric: str
    cycle: int
    state: MetricState
    start: int
    deadline: int | None
    elapsed: int | None
    target_us: int | None
    target: timedelta | None
    used: float | None
    met_at: int | None
    breached_at: int | None
    at_risk: bool
    clock: str | None
    #: The clock's warning thresholds, the at-risk share among them (sorted); none for a
    #: clock without a target.
    thresholds: tuple[float, ...] = ()


#: Instants a datetime in any zone can be (a zone's offset is under a day): from
#: 0001-01-02 to 9999-12-30, UTC.
WRITABLE = (to_us(datetime(1, 1, 2, tzinfo=UTC)), to_us(datetime(9999, 12, 30, tzinfo=UTC)))
#: ``new_count(ClockCount, values)``: a :class:`ClockCount` of its fourteen values, made
#: without the named tuple's own ``__new__`` (a Python function).
new_count = tuple.__new__


class Counted:
    """A ticket's clocks at ``at`` in integers: what a report sums up (a summary, the
    table's order) without a datetime; :meth:`status` makes the :class:`TicketStatus`.

    Attributes:
        ticket: the ticket's id.
        at: the instant; the status's instants are expressed in its zone.
        opened: when the ticket opened, in UTC microseconds.
        head: the ticket's level, coverage, state, criticality and customer.
        clocks: the clocks, in the order of the status's metrics.
        unpromised: the names of the clocks' informational metrics (promised to no one).
    """

    __slots__ = ("at", "at_text", "clocks", "head", "kept", "opened", "ticket", "unpromised")

    def __init__(
        self, ticket: str, at: datetime, opened: int,
        head: tuple[str, str | None, TicketState, bool, str | None], clocks: list[ClockCount],
        at_text: str | None = None, unpromised: frozenset[str] = frozenset(),
    ) -> None:
        self.ticket = ticket
        self.at = at
        self.opened = opened
        self.head = head
        self.clocks = clocks
        #: ``at`` in ISO 8601, when the count knew it (the status's JSON writes it).
        self.at_text = at_text
        #: What the walk keeps of its ended cycles (:attr:`Counting.ended`), if it does.
        self.kept: Kept | None = None
        #: The informational metrics among the clocks (promised to no one).
        self.unpromised = unpromised

    def _writable(self, last: int) -> None:
        """Raise the :class:`HorizonError` :meth:`status` would raise where an instant
        cannot be a datetime in the zone of ``at`` (past the ends of years 1 and 9999
        there), the ticket's events walked ending at ``last``: a clock starts and is met
        at its events, and its deadline and breach come after its start."""
        top = WRITABLE[1]
        if self.opened >= WRITABLE[0] and last <= top:
            for c in self.clocks:
                deadline, breached_at = c.deadline, c.breached_at
                if (deadline is not None and deadline > top) or (
                    breached_at is not None and breached_at > top
                ):
                    break
            else:
                return
        self.status()

    def local(self, us: int) -> datetime:
        """The instant ``us`` as a datetime in the zone of ``at``."""
        return local_datetime(us, self.at.tzinfo)

    def status(self) -> TicketStatus:
        """The :class:`TicketStatus`: every instant a datetime in the zone of ``at``."""
        zone = self.at.tzinfo
        opened_us = self.opened
        opened = local_datetime(opened_us, zone)
        metrics = []
        kept = self.kept
        unpromised = self.unpromised
        for c in self.clocks:
            ended = kept is not None and kept.ids.get(id(c)) is c
            if ended:
                assert kept is not None
                known = kept.statuses.get((id(c), zone))
                if known is not None:
                    metrics.append(known)
                    continue
            start, deadline, elapsed, target, met_at, breached_at = (
                c.start, c.deadline, c.elapsed, c.target, c.met_at, c.breached_at)
            elapsed_td = None if elapsed is None else timedelta(0, 0, elapsed)
            metrics.append(MetricStatus(
                c.metric, c.cycle, c.state,
                opened if start == opened_us else local_datetime(start, zone),
                None if deadline is None else local_datetime(deadline, zone), elapsed_td,
                None if target is None or elapsed_td is None else target - elapsed_td, c.used,
                None if met_at is None else local_datetime(met_at, zone),
                None if breached_at is None else local_datetime(breached_at, zone),
                c.at_risk, target, c.clock,
                # The thresholds reached (_warned), the usual one-threshold case inline.
                (c.thresholds if c.at_risk else ()) if len(c.thresholds) < 2 else _warned(c),
                c.metric not in unpromised,
            ))
            if ended:
                assert kept is not None
                kept.statuses[id(c), zone] = metrics[-1]
        level, coverage, state, critical, customer = self.head
        status = TicketStatus(self.ticket, self.at, level, coverage, state, opened, critical,
                              tuple(metrics), customer)
        if self.at_text is not None:
            object.__setattr__(status, "_at_text", self.at_text)
        return status


def _warned(c: ClockCount) -> tuple[float, ...]:
    """The thresholds a running clock has reached."""
    thresholds = c.thresholds
    if c.state != "running" or not thresholds:
        return ()
    if len(thresholds) == 1:  # the at-risk share alone
        return thresholds if c.at_risk else ()
    used = c.used
    assert used is not None
    return tuple(s for s in thresholds if used >= s)


def counted_of(status: TicketStatus) -> Counted:
    """The clocks of ``status`` in integers (:meth:`Counted.status` makes it again)."""
    clocks = [
        new_count(ClockCount, (
            m.metric, m.cycle, m.state, to_us(m.start),
            None if m.deadline is None else to_us(m.deadline),
            None if m.elapsed is None else duration_us(m.elapsed),
            None if m.target is None else duration_us(m.target), m.target, m.used,
            None if m.met_at is None else to_us(m.met_at),
            None if m.breached_at is None else to_us(m.breached_at), m.at_risk, m.clock,
            m.warned,
        ))
        for m in status.metrics
    ]
    head = (status.level, status.coverage, status.state, status.critical, status.customer)
    unpromised = frozenset(m.metric for m in status.metrics if not m.promised)
    return Counted(status.ticket, status.at, to_us(status.opened), head, clocks,
                   unpromised=unpromised)


#: A level in force from an instant on: (since, level, coverage).
Regime = tuple[int, Level, "str | None"]
#: A target found: the target, its calendar, its duration in microseconds.
Found = tuple[Target, Schedule, int]
#: What every ticket of a walk shares (:meth:`Counting._plan`): each clock's definition,
#: cycles and (one level all the ticket's life) target; the ticket's level, coverage,
#: state, criticality and customer.
Plan = tuple[
    list[tuple["MetricDefinition", list["Cycle"], "Found | None"]],
    tuple[str, "str | None", "TicketState", bool, "str | None"],
]


class Kept:
    """What one ticket's walk keeps of its ended cycles: an ended cycle counts the same at
    every later instant (its spans are closed, its breach and deadline are found before
    its end), so its count is made once, and its status once per zone. The key of a count
    holds what else it reads: the clock, the cycle and how it ended, the levels in force
    (their number: a level change after the cycle's end may share its instant), its
    number among the metric's cycles, the at-risk share and the thresholds. Its view
    (:meth:`~slaclock.TicketStatus.view`) is kept as well."""

    __slots__ = ("counts", "ids", "statuses", "views")

    #: How many counts it remembers before it starts again.
    LIMIT = 100_000

    def __init__(self) -> None:
        self.counts: dict[tuple[Any, ...], ClockCount] = {}
        #: The counts kept, by identity (a status is kept only for them).
        self.ids: dict[int, ClockCount] = {}
        self.statuses: dict[tuple[int, object], MetricStatus] = {}
        #: The view of each kept status's cycle (:meth:`TicketStatus.view`), but what
        #: changes with the instant: by the status's identity.
        self.views: dict[int, tuple[MetricStatus, dict[str, Any]]] = {}

    def keep(self, key: tuple[Any, ...], count: ClockCount) -> None:
        if len(self.counts) >= self.LIMIT:
            self.counts.clear()
            self.ids.clear()
            self.statuses.clear()
            self.views.clear()
        self.counts[key] = count
        self.ids[id(count)] = count


class Counting:
    """The counting of a walk (:class:`~slaclock.sla._walk.Walk` is one): its clocks'
    cycles, found once on the events' positions, counted on any ticket's times. It only
    remembers what it finds the same for every ticket: the targets, the clocks' plan."""

    # What the walk found (set by the walk).
    clocks: list[Clock]
    regimes: list[Regime]
    opened: int
    category: str
    handed_off: bool
    fields: dict[str, str | None]
    # The policy's rules and calendars for the ticket.
    regulation: Regulation
    calendars: Mapping[str, Schedule]
    from_change: bool
    #: ``level_change = "from_start_no_backdate"``: a breach is not dated before the change.
    no_backdate: bool
    working: bool
    keeps_breach: bool
    #: The policy's ``paused_deadline`` rule.
    paused_deadline: str
    #: The informational metrics' names.
    unpromised: frozenset[str]
    #: The targets found made longer out of hours (:meth:`_fitted`), by the found's id.
    longer: dict[int, Found]
    #: Whether some target of the policy has ``out_of_hours`` or ``from_opening``.
    extras: bool
    #: The targets found, by level, coverage and metric.
    targets: dict[tuple[int, str | None, str], Found | None]
    #: What every ticket of the walk shares, once a ticket is counted.
    plan: Plan | None
    #: The instant counted last, and its ISO text (a report counts at one instant).
    last_at: tuple[datetime | None, str]
    #: The counts of ended cycles, kept when the walk is one ticket's (``None``: not kept;
    #: a walk shared by many tickets counts each on its own times).
    ended: Kept | None
    #: The thresholds of a clock whose policy gives none but the at-risk share.
    lone: tuple[float, ...]

    def count(
        self, ticket: str, times: list[int], at: datetime, at_us: int, share: float,
        cycles_of: list[Cycle] | None = None, warn: tuple[float, ...] | None = None,
    ) -> Counted:
        """The clocks of ``ticket``, whose events (the ones walked, in order) happened at
        ``times`` (UTC microseconds), at ``at``: the walk's positions become those
        instants. ``cycles_of``, when given, receives the cycle of each clock counted, in
        the order of the clocks (what a ticket's next changes read). ``warn``: the warning
        thresholds of every clock (default: its target's, else its level's, else the
        policy's), the at-risk ``share`` always among them.

        Raises:
            HorizonError: for an instant no datetime in the zone of ``at`` can hold, as
                making the status would (:meth:`Counted._writable`).
        """
        plan = self.plan
        if plan is None:
            plan = self.plan = self._plan()
        clocks, head = plan
        # One level all the ticket's life (most tickets): no instants to put on its levels.
        regimes = None if len(self.regimes) == 1 else [
            (times[i], level, coverage) for i, level, coverage in self.regimes
        ]
        counts: list[ClockCount] = []
        ended = self.ended
        for m, cycles, alone in clocks:
            number = 0
            for cycle in cycles:
                key = None
                found = None
                if ended is not None and cycle.end is not None:
                    key = (m.name, id(cycle), cycle.start, cycle.end, cycle.outcome,
                           len(cycle.spans), len(self.regimes), number, share, warn)
                    found = ended.counts.get(key)
                if found is None:
                    found = self._metric(
                        m, cycle, number + 1 if m.cycles else 0, times, regimes, alone, at_us,
                        share, warn,
                    )
                    if key is not None and ended is not None:
                        ended.keep(key, found)
                if cycle.outcome == "dropped" and found.state != "breached":
                    if m.cycles:
                        continue
                    found = new_count(ClockCount, (
                        m.name, 0, "not_applicable", found.start, None, found.elapsed, None,
                        None, None, None, None, False, None, (),
                    ))
                number += m.cycles
                counts.append(found)
                if cycles_of is not None:
                    cycles_of.append(cycle)
        last = self.last_at
        if last[0] is at:
            at_text = last[1]
        else:
            at_text = instant_text(at)
            self.last_at = (at, at_text)
        counted = Counted(ticket, at, times[self.opened], head, counts, at_text,
                          self.unpromised)
        counted.kept = ended
        counted._writable(times[-1])
        return counted

    def _plan(self) -> Plan:
        """What every ticket of the walk shares, found on the first count: each clock's
        cycles (a clock that never started: one not applicable, dated at the opening)
        with its target when one level is in force all the ticket's life; and the
        ticket's level, coverage, state, criticality and customer."""
        clocks = []
        alone = self.regimes[0] if len(self.regimes) == 1 else None
        for clock in self.clocks:
            m = clock.definition
            cycles = clock.cycles
            if not cycles and not m.cycles:
                placeholder = Cycle(self.opened)
                placeholder.finish(self.opened, "not_applicable")
                cycles = [placeholder]
            clocks.append((m, cycles, None if alone is None else self._target(alone, m.name)))
        last = self.regimes[-1]
        category = self.category
        state: TicketState
        if category == "solved":
            state = "resolved"
        elif category == "closed":
            state = "closed"
        elif category == "pending":
            state = "waiting"
        elif self.handed_off or self.fields.get("category") == "development":
            state = "development"
        elif category == "on_hold":
            state = "on_hold"
        else:
            state = "open"
        head = (last[1].key, last[2] if last[1].needs_coverage else None, state,
                last[1].critical, self.fields.get("customer"))
        return clocks, head

    def _target(self, regime: Regime, metric: str) -> Found | None:
        """The target of ``metric`` under ``regime``, its calendar, and its duration in
        microseconds; found once per level, coverage and metric of the walk (whose
        tickets all share them)."""
        key = (id(regime[1]), regime[2], metric)
        try:
            return self.targets[key]
        except KeyError:
            pass
        target = self.regulation.target(regime[1], metric)
        found = None
        if target is not None:
            clock = target.clock
            schedule = self.calendars[clock if clock is not None else
                                      target.clock_name(regime[2])]
            found = (target, schedule, duration_us(target.duration))
        self.targets[key] = found
        return found

    def _metric(
        self,
        m: MetricDefinition,
        cycle: Cycle,
        number: int,
        times: list[int],
        regimes: list[Regime] | None,
        alone: Found | None,
        at: int,
        share: float,
        warn: tuple[float, ...] | None = None,
    ) -> ClockCount:
        """One clock at ``at``, the walk's positions mapped to ``times``. ``regimes``: the
        levels in force, on the ticket's times; ``None`` for one level all its life, whose
        target is ``alone``."""
        start = times[cycle.start]
        ended = None if cycle.end is None else times[cycle.end]
        end = ended if ended is not None else at
        spans: list[list[int | None]] = [
            [times[a], None if b is None else times[b]]  # type: ignore[index]
            for a, b in cycle.spans
        ]
        working = self.working
        promised = not m.informational
        breached_at: int | None = None
        breach_deadline: int | None = None
        known: tuple[int | None, int | None, int] | None = None
        # The levels in force over the clock's life: the one at its start, then changes.
        if regimes is None:
            # One level all the ticket's life (most tickets): its one target, walked once.
            life = self.regimes
            if self.extras:
                alone = self._fitted(alone, start)
            final = shown = alone
            if shown is not None:
                known = walk_spans(shown[1], spans, shown[2], at,
                                   self._origin(shown, start) if self.extras else start,
                                   working)
                overrun = known[1]
                if overrun is not None and overrun < (at if at < end else end) and promised:
                    breached_at = overrun
                    breach_deadline = known[0]
        else:
            first = 0
            for i, regime in enumerate(regimes):
                if regime[0] <= start:
                    first = i
            life = [regimes[first], *(r for r in regimes[first + 1:] if r[0] <= end)]
            from_change = self.from_change
            breach_target: Found | None = None
            walks: dict[tuple[int, int], tuple[int | None, int | None, int]] = {}
            judged = (life if self.keeps_breach else life[-1:]) if promised else []
            offset = len(life) - len(judged)
            no_backdate = self.no_backdate
            for j, regime in enumerate(judged):
                i = j + offset
                if no_backdate and i + 1 < len(life) and life[i + 1][0] == regime[0]:
                    continue  # one update changed the level twice: the last change judges
                found = self._fitted(self._target(regime, m.name), start)
                if found is None:
                    continue
                origin = regime[0] if from_change and i > 0 else start
                walked = walk_spans(found[1], spans, found[2], at, self._origin(found, origin),
                                    working)
                walks[id(found), origin] = walked
                due, overrun, _ = walked
                limit = min(at, end)
                if i + 1 < len(life):
                    limit = min(limit, life[i + 1][0])
                if overrun is not None and overrun < limit:
                    # Not back-dated: a target already past at the change breaches there.
                    breached_at = (overrun if not no_backdate or overrun >= regime[0]
                                   else regime[0])
                    breach_target = found
                    breach_deadline = due
                    break
            final = self._fitted(self._target(life[-1], m.name), start)
            shown = final or breach_target
            if shown is not None:
                origin = (life[-1][0] if from_change and final is not None and len(life) > 1
                          else start)
                known = walks.get((id(shown), origin))
                if known is None:
                    known = walk_spans(shown[1], spans, shown[2], at,
                                       self._origin(shown, origin), working)
        met_at = ended if cycle.outcome == "met" else None
        if shown is None or known is None:
            return new_count(ClockCount, (
                m.name, number, "not_applicable", start, None, None, None, None, None,
                met_at, None, False, None, (),
            ))
        target, schedule, target_us = shown
        deadline, _, elapsed = known
        paused = cycle.end is None and not (spans and spans[-1][1] is None)
        if deadline is None:
            if cycle.end is None:  # paused
                rule = self.paused_deadline
                if rule == "projected":  # as if it resumed now
                    deadline = _add(schedule, at, target_us - elapsed)
                elif rule == "frozen":  # as it stood when it paused
                    since = spans[-1][1] if spans else start
                    assert since is not None
                    deadline = _add(schedule, since, target_us - elapsed)
            elif cycle.outcome == "met":  # as it stood when met
                deadline = _add(schedule, end, target_us - elapsed)
        if deadline is None and breached_at is not None:  # the deadline that was missed
            deadline = breach_deadline
        if target.hidden_in and cycle.end is None and self.category in target.hidden_in:
            # Hidden while the ticket is in the status: no deadline, no breach (yet).
            deadline = breached_at = None
            promised = False
        state: MetricState
        if breached_at is not None:
            state = "breached"
        elif final is None or cycle.outcome == "not_applicable":
            state = "not_applicable"
        elif cycle.end is not None:
            state = "met"
        elif paused:
            state = "paused"
        else:
            state = "running"
        if state == "not_applicable":
            return new_count(ClockCount, (
                m.name, number, state, start, None, elapsed, None, None, None, None, None,
                False, None, (),
            ))
        used = elapsed / target_us
        coverage = life[-1][2] if final else _coverage_of(life, target)
        if warn is None:
            warn = target.warn or life[-1][1].warn or self.regulation.warn
        if warn:
            thresholds = with_share(warn, share)
        else:  # the at-risk share alone (most policies): one tuple a share
            thresholds = self.lone
            if thresholds[0] != share:
                thresholds = self.lone = (share,)
        duration = (target.duration if target.out_of_hours is None
                    else timedelta(microseconds=target_us))
        return new_count(ClockCount, (
            m.name, number, state, start, deadline, elapsed, target_us, duration, used,
            met_at, breached_at, promised and state == "running" and used >= share,
            target.clock_name(coverage), thresholds if promised else (),
        ))


    def _fitted(self, found: Found | None, start: int) -> Found | None:
        """``found`` for a clock that starts at ``start``: its target made longer by its
        ``out_of_hours`` when ``start`` is outside its business hours."""
        if found is None or found[0].out_of_hours is None:
            return found
        target = found[0]
        extra = target.extra_us(start, self.calendars)
        if not extra:
            return found
        key = id(found)
        longer = self.longer.get(key)
        if longer is None:
            longer = self.longer[key] = (target, found[1], found[2] + extra)
        return longer

    def _origin(self, found: Found, origin: int) -> int:
        """Where a clock counted from ``origin`` on ``found``'s target starts counting: at
        the next opening of its business hours for a target counted ``from_opening``."""
        return found[0].counting_from(origin, self.calendars)


def _coverage_of(life: list[Regime], target: Target) -> str | None:
    for regime in reversed(life):
        if regime[2] in target.clocks:
            return regime[2]
    return None


# -- counting on a calendar, in integers -------------------------------------------------------
#
# The calendar's integer entry points: no datetime is made for the arithmetic.


def _business(schedule: Schedule, a: int, b: int) -> int:
    return schedule._business_us(a, b)


def _add(schedule: Schedule, a: int, d: int) -> int | None:
    try:
        return schedule._add_us(a, d)
    except HorizonError:
        return None


def _next_open(schedule: Schedule, t: int) -> int | None:
    return schedule._next_open_us(t)


def walk_spans(
    schedule: Schedule,
    spans: list[list[int | None]],
    target: int,
    at: int,
    origin: int,
    working: bool,
) -> tuple[int | None, int | None, int]:
    """Walk a clock's active spans (an open span runs to ``at``, and beyond for the
    projection) on ``schedule``, counting only from ``origin`` on.

    Returns:
        ``(deadline, overrun, elapsed)``: where the working time reaches ``target`` (``None``
        when the closed spans never reach it); the instant the clock went past it by the
        breach rule, or ``None``; and the working time of the spans up to ``at``.

    The instant rule (``working=False``): the clock is past its target from the deadline
    on, when it is still active after it, or from the start of a later active span. The
    working-time rule: from the first instant after the deadline at which an active span
    counts working time (the next opening of the calendar).
    """
    spent = 0
    deadline: int | None = None
    overrun: int | None = None
    for begin, end in spans:
        assert begin is not None
        if end is not None and end <= origin:
            continue
        start = begin if begin >= origin else origin
        stop = at if end is None else end
        worked = _business(schedule, start, stop) if stop > start else 0
        if deadline is None:
            if end is None or spent + worked >= target:
                deadline = _add(schedule, start, target - spent)
                if deadline is not None:
                    past = _next_open(schedule, deadline) if working else deadline
                    if past is not None and (end is None or past < end):
                        overrun = past
        elif overrun is None and (end is None or end > start):
            past = _next_open(schedule, start) if working else start
            if past is not None and (end is None or past < end):
                overrun = past
        spent += worked
    return deadline, overrun, spent
