"""slaclock 0.1's ticket clocks, frozen as a test oracle.

Before metrics were data, the regulation's three clocks were written in code. This is that
code (the evaluation part of slaclock 0.1's ``_clock.py``, unchanged but for its imports
and entry point), kept only to check that the regulation's policy, evaluated by the one
generic routine, gives exactly what slaclock 0.1 gave. It is a test, not an engine: nothing
in the package imports it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import attrs

from slaclock import Event, MetricStatus, Regulation, TicketStatus
from slaclock._instants import to_us
from slaclock.calendars._schedule import Schedule
from slaclock.sla import Level, Target

_RANK = {
    "opened": 0, "level_changed": 1, "reopened": 2, "customer_replied": 3, "waiting": 4,
    "responded": 5, "to_development": 6, "resolved": 7,
}
_REACTIONS = frozenset({"responded", "waiting", "resolved"})
_ZERO = timedelta(0)


def legacy_status(
    ticket: str, events: list[Event], regulation: Regulation, at: datetime,
    coverage: str | None = None, share: float = 0.8,
) -> TicketStatus:
    """slaclock 0.1's status of a ticket with these (valid) events at ``at``."""
    at_us = to_us(at)
    ordered = sorted(
        (e for e in set(events) if to_us(e.at) <= at_us),
        key=lambda e: (to_us(e.at), _RANK[e.kind], e.level or "", e.coverage or "",
                       e.category or "", e.detail or "", e.customer or ""),
    )
    return _evaluate(ticket, coverage, regulation, ordered, at, share)


_Span = tuple[datetime, datetime | None]


@attrs.frozen
class _Regime:
    """A level in force from an instant on."""

    since: datetime
    level: Level
    coverage: str | None


class _Walk:
    """What one pass over the sorted events finds."""

    def __init__(self, opened: Event) -> None:
        self.opened = opened.at
        self.regimes: list[_Regime] = []
        self.reaction_met: datetime | None = None
        self.cycles: list[list[datetime | None]] = []  # [start, met]
        self.res_spans: list[list[datetime | None]] = []
        self.res_met: datetime | None = None
        self.dev_at: datetime | None = None
        self.waiting = False
        self.resolved = False

    def owes(self) -> bool:
        return self.reaction_met is None or bool(self.cycles and self.cycles[-1][1] is None)

    def react(self, t: datetime) -> None:
        if self.reaction_met is None:
            self.reaction_met = t
        if self.cycles and self.cycles[-1][1] is None:
            self.cycles[-1][1] = t

    def stop_resolution(self, t: datetime) -> None:
        if self.res_spans and self.res_spans[-1][1] is None:
            self.res_spans[-1][1] = t

    def start_resolution(self, t: datetime) -> None:
        if self.dev_at is None and not (self.res_spans and self.res_spans[-1][1] is None):
            self.res_spans.append([t, None])

    def apply(self, event: Event, default_coverage: str | None, regulation: Regulation) -> None:
        t, kind = event.at, event.kind
        if kind in ("opened", "level_changed"):
            assert event.level is not None
            self.regimes.append(
                _Regime(t, regulation.level(event.level), event.coverage or default_coverage)
            )
            if kind == "opened":
                if event.category == "development":
                    self.dev_at = t
                else:
                    self.res_spans.append([t, None])
        elif kind in _REACTIONS:
            self.react(t)
            if kind == "waiting":
                if not self.resolved:
                    self.waiting = True
                    self.stop_resolution(t)
            elif kind == "resolved" and not self.resolved:
                self.resolved = True
                self.waiting = False
                self.stop_resolution(t)
                self.res_met = t
        elif kind == "customer_replied":
            if not self.resolved:
                if self.waiting:
                    self.waiting = False
                    self.start_resolution(t)
                if not self.owes():
                    self.cycles.append([t, None])
        elif kind == "to_development":
            if self.dev_at is None:
                self.dev_at = t
                self.stop_resolution(t)
        elif kind == "reopened" and self.resolved:
            self.resolved = False
            self.res_met = None
            self.start_resolution(t)
            if not self.owes():
                self.cycles.append([t, None])


def _evaluate(
    ticket_id: str, default_coverage: str | None, regulation: Regulation, events: list[Event],
    at: datetime, share: float,
) -> TicketStatus:
    opened = events[0]
    walk = _Walk(opened)
    for event in events:
        walk.apply(event, default_coverage, regulation)
    zone = at.tzinfo
    metrics = [
        _metric(
            "reaction", 0, opened.at, [(opened.at, walk.reaction_met)],
            ("met", walk.reaction_met) if walk.reaction_met else None,
            walk.regimes, regulation, at, share, zone,
        )
    ]
    for i, (start, met) in enumerate(walk.cycles, 1):
        assert start is not None
        metrics.append(
            _metric(
                "next_reaction", i, start, [(start, met)], ("met", met) if met else None,
                walk.regimes, regulation, at, share, zone,
            )
        )
    stop: tuple[str, datetime] | None = None
    if walk.dev_at is not None:
        stop = ("not_applicable", walk.dev_at)
    elif walk.res_met is not None:
        stop = ("met", walk.res_met)
    spans: list[_Span] = [(s, e) for s, e in walk.res_spans if s is not None]
    metrics.append(
        _metric(
            "resolution", 0, opened.at, spans, stop, walk.regimes, regulation, at, share, zone
        )
    )
    last = walk.regimes[-1]
    if walk.resolved:
        state = "resolved"
    elif walk.waiting:
        state = "waiting"
    elif walk.dev_at is not None:
        state = "development"
    else:
        state = "open"
    return TicketStatus(
        ticket=ticket_id,
        at=at,
        level=last.level.key,
        coverage=last.coverage if last.level.needs_coverage else None,
        state=state,
        opened=opened.at.astimezone(zone),
        critical=last.level.critical,
        metrics=tuple(metrics),
    )


def _target(regime: _Regime, metric: str, regulation: Regulation) -> tuple[Target, Schedule] | None:
    target = regime.level.target(metric)
    if target is None:
        return None
    return target, regulation.calendars[target.clock_name(regime.coverage)]


def _walk(
    schedule: Schedule, spans: list[_Span], target: timedelta, at: datetime
) -> tuple[datetime | None, datetime | None, timedelta]:
    """Walk a clock's active spans (an open span runs to ``at``, and beyond for the
    projection) on ``schedule``.

    Returns:
        ``(deadline, overrun, elapsed)``: where the working time reaches ``target`` (``None``
        when the closed spans never reach it); the first instant after that at which the
        clock is still active (the deadline itself, or the start of a later span when it
        stopped exactly at the deadline), or ``None``; and the working time of the spans
        up to ``at``.
    """
    spent = _ZERO
    deadline: datetime | None = None
    overrun: datetime | None = None
    for start, end in spans:
        stop = at if end is None else end
        worked = schedule.business_time(start, stop)
        if deadline is None:
            if end is None or spent + worked >= target:
                deadline = schedule.add(start, target - spent)
                if end is None or deadline < end:
                    overrun = deadline
        elif overrun is None and (end is None or end > start):
            overrun = start
        spent += worked
    return deadline, overrun, spent


def _metric(
    metric: str,
    cycle: int,
    start: datetime,
    spans: list[_Span],
    stop: tuple[str, datetime] | None,
    regimes: list[_Regime],
    regulation: Regulation,
    at: datetime,
    share: float,
    zone: tzinfo | None,
) -> MetricStatus:
    """One clock at ``at``, its instants expressed in ``zone``."""
    end = stop[1] if stop is not None else at
    # The levels in force over the clock's life: the one at its start, then the changes.
    first = 0
    for i, regime in enumerate(regimes):
        if regime.since <= start:
            first = i
    life = [r for i, r in enumerate(regimes) if i >= first and (i == first or r.since <= end)]
    breached_at: datetime | None = None
    breach_target: tuple[Target, Schedule] | None = None
    breach_deadline: datetime | None = None
    walks: dict[tuple[int, int], tuple[datetime | None, datetime | None, timedelta]] = {}
    for i, regime in enumerate(life):
        found = _target(regime, metric, regulation)
        if found is None:
            continue
        walked = _walk(found[1], spans, found[0].duration, at)
        walks[id(found[0]), id(found[1])] = walked
        due, overrun, _ = walked
        limit = min(at, end)
        if i + 1 < len(life):
            limit = min(limit, life[i + 1].since)
        if overrun is not None and overrun < limit:
            breached_at = overrun
            breach_target = found
            breach_deadline = due
            break
    final = _target(life[-1], metric, regulation)
    shown = final or breach_target
    met_at = stop[1] if stop is not None and stop[0] == "met" else None
    start = start.astimezone(zone)
    if met_at is not None:
        met_at = met_at.astimezone(zone)
    if breached_at is not None:
        breached_at = breached_at.astimezone(zone)
    if shown is None:
        return MetricStatus(
            metric, cycle, "not_applicable", start, None, None, None, None, met_at, None,
            False, None, None,
        )
    target, schedule = shown
    known = walks.get((id(target), id(schedule)))
    if known is None:
        known = _walk(schedule, spans, target.duration, at)
    deadline, _, elapsed = known
    paused = stop is None and not any(e is None for _, e in spans)
    if deadline is None:
        if stop is None:  # paused: as if it resumed now
            deadline = schedule.add(at, target.duration - elapsed)
        elif stop[0] == "met":  # as it stood when met
            deadline = schedule.add(stop[1], target.duration - elapsed)
    if deadline is None and breached_at is not None:  # the deadline that was missed
        deadline = breach_deadline
    if deadline is not None:
        deadline = deadline.astimezone(zone)
    remaining = target.duration - elapsed
    used = elapsed / target.duration
    if breached_at is not None:
        state = "breached"
    elif final is None or (stop is not None and stop[0] == "not_applicable"):
        state = "not_applicable"
    elif stop is not None:
        state = "met"
    elif paused:
        state = "paused"
    else:
        state = "running"
    if state == "not_applicable":
        return MetricStatus(
            metric, cycle, state, start, None, elapsed, None, None, None, None, False,
            None, None,
        )
    return MetricStatus(
        metric=metric,
        cycle=cycle,
        state=state,
        start=start,
        deadline=deadline,
        elapsed=elapsed,
        remaining=remaining,
        used=used,
        met_at=met_at,
        breached_at=breached_at,
        at_risk=state == "running" and used >= share,
        target=target.duration,
        clock=target.clock_name(life[-1].coverage if final else _coverage_of(life, target)),
        # 0.1 had one warning threshold, the at-risk share.
        warned=(share,) if state == "running" and used >= share else (),
    )


def _coverage_of(life: list[_Regime], target: Target) -> str | None:
    for regime in reversed(life):
        if regime.coverage in target.clocks:
            return regime.coverage
    return None


