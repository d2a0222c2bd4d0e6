"""Ticket clocks: events in, the state of every SLA metric out.

A ticket is the *set* of its events. To answer :meth:`Ticket.status` the events up to the
instant asked are sorted (by time, then by a fixed order of kinds for events at the same
instant) and walked once, which gives each clock its active spans, the instant it stopped,
and the service levels in force over its life. Each clock is then evaluated on the calendar
of its level's target. The rules, in short (the full text is :doc:`/explanation/sla`):

- *reaction* runs from ``opened`` to the desk's first reaction: ``responded``, ``waiting``
  (a question to the customer is a reaction) or ``resolved``.
- *next_reaction*: a ``customer_replied`` (or a ``reopened``) when no reaction is owed
  starts a new cycle, met by the desk's next reaction. Every cycle is kept.
- *resolution* (where the level has a target) runs from ``opened`` to ``resolved``, is
  paused from ``waiting`` to ``customer_replied``, becomes not applicable from
  ``to_development`` (or from the start, for a development request) and resumes, with the
  time already spent, on ``reopened``.
- a level change applies the new level's targets to the clocks still running, counted from
  each clock's start, on the new level's calendar; a breach that already happened stays a
  breach.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any, ClassVar

import attrs

from ._errors import ConfigError, EventError, UnknownLevelError
from ._instants import to_us
from ._policy import COVERAGES, Contract, Level, Regulation, RegulationVersions, Target
from ._schedule import Schedule

__all__ = [
    "Event",
    "EventError",
    "MetricStatus",
    "Ticket",
    "TicketStatus",
    "order_queue",
    "replay",
]

_KINDS = (
    "opened",
    "responded",
    "waiting",
    "customer_replied",
    "level_changed",
    "to_development",
    "resolved",
    "reopened",
)
#: The order of events at the same instant: the ticket opens, its level is set, the
#: customer comes back, then the desk acts.
_RANK = {
    "opened": 0,
    "level_changed": 1,
    "reopened": 2,
    "customer_replied": 3,
    "waiting": 4,
    "responded": 5,
    "to_development": 6,
    "resolved": 7,
}
#: The events that meet a reaction the desk owes.
_REACTIONS = frozenset({"responded", "waiting", "resolved"})
_ZERO = timedelta(0)


def _text(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise EventError(f"event fields level, detail, coverage, customer and category are "
                         f"strings or None, not {value!r}")
    return value


@attrs.frozen
class Event:
    """One thing that happened to a ticket, at an instant.

    Args:
        ticket: the ticket's id.
        at: when it happened; an aware datetime.
        kind: one of ``Event.KINDS``: ``"opened"``, ``"responded"``, ``"waiting"`` (the desk
            waits for the customer), ``"customer_replied"``, ``"level_changed"``,
            ``"to_development"``, ``"resolved"``, ``"reopened"``.
        level: the service level, required for ``opened`` and ``level_changed`` (and
            refused for the others).
        detail: free text, kept but not interpreted.
        coverage: for a level counted as the contract says (``commercial.emergency``):
            ``"business"`` or ``"24x7"``; overrides the ticket's default.
        customer: the customer's name or id, kept but not interpreted.
        category: the request's category; ``"development"`` on ``opened`` marks a
            development request, which has no resolution target.

    Raises:
        EventError: for an unknown kind, a missing or misplaced level, a naive datetime,
            or an unknown coverage.

    >>> from zoneinfo import ZoneInfo
    >>> msk = ZoneInfo("Europe/Moscow")
    >>> try:
    ...     Event("T-1", datetime(2026, 5, 4, 9, 0, tzinfo=msk), "closed")
    ... except EventError as error:
    ...     print(error)
    unknown event kind 'closed'; one of opened, responded, waiting, customer_replied,
    level_changed, to_development, resolved, reopened
    """

    KINDS: ClassVar[tuple[str, ...]] = _KINDS

    ticket: str
    at: datetime
    kind: str
    level: str | None = attrs.field(default=None, converter=_text)
    detail: str | None = attrs.field(default=None, converter=_text)
    coverage: str | None = attrs.field(default=None, converter=_text)
    customer: str | None = attrs.field(default=None, converter=_text)
    category: str | None = attrs.field(default=None, converter=_text)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.ticket, str) or not self.ticket:
            raise EventError(f"event ticket must be a non-empty string, not {self.ticket!r}")
        if self.kind not in _RANK:
            raise EventError(
                f"unknown event kind {self.kind!r}; one of {', '.join(_KINDS)}", self
            )
        if not isinstance(self.at, datetime):
            raise EventError(f"event time must be a datetime, not {self.at!r}", self)
        if self.at.utcoffset() is None:
            raise EventError(
                f"{self.kind} event of {self.ticket} has a naive time ({self.at!r}); give "
                "an aware datetime (with an offset)",
                self,
            )
        if self.kind in ("opened", "level_changed"):
            if not self.level:
                raise EventError(f"a {self.kind} event needs a level ({self.ticket})", self)
        elif self.level is not None:
            raise EventError(
                f"a {self.kind} event takes no level (only opened and level_changed do); "
                f"got {self.level!r} ({self.ticket})",
                self,
            )
        if self.coverage is not None and self.coverage not in COVERAGES:
            raise EventError(
                f"coverage must be one of {', '.join(COVERAGES)}, not {self.coverage!r}", self
            )

    def as_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict (``at`` in ISO 8601 with its offset; fields that
        are ``None`` left out).

        >>> from zoneinfo import ZoneInfo
        >>> Event("T-1", datetime(2026, 5, 4, 9, tzinfo=ZoneInfo("Europe/Moscow")), "opened",
        ...       level="partner.standard").as_dict()
        {'ticket': 'T-1', 'at': '2026-05-04T09:00:00+03:00', 'kind': 'opened', 'level': 'partner.standard'}
        """  # noqa: E501
        out: dict[str, Any] = {"ticket": self.ticket, "at": self.at.isoformat(), "kind": self.kind}
        for name in ("level", "detail", "coverage", "customer", "category"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """An event from :meth:`as_dict`'s form; ``at`` is an ISO 8601 string that must
        carry an offset (slaclock never guesses a zone).

        Raises:
            EventError: for a missing field, an unknown field, or a time without offset.
        """
        allowed = {"ticket", "at", "kind", "level", "detail", "coverage", "customer",
                   "category"}
        extra = set(data) - allowed
        if extra:
            raise EventError(f"unknown event fields: {', '.join(sorted(extra))}")
        for required in ("ticket", "at", "kind"):
            if required not in data:
                raise EventError(f"event is missing {required!r}: {dict(data)!r}")
        at = data["at"]
        if isinstance(at, str):
            try:
                at = datetime.fromisoformat(at)
            except ValueError:
                raise EventError(f"event time {at!r} is not ISO 8601") from None
        fields = {k: v for k, v in data.items() if k != "at"}
        return cls(at=at, **fields)


def _first(pair: tuple[tuple[Any, ...], Event]) -> tuple[Any, ...]:
    return pair[0]


def _sort_key(event: Event) -> tuple[Any, ...]:
    return (
        to_us(event.at, "at"),
        _RANK[event.kind],
        event.level or "",
        event.coverage or "",
        event.category or "",
        event.detail or "",
        event.customer or "",
    )


@attrs.frozen
class MetricStatus:
    """The state of one SLA clock at an instant.

    Attributes:
        metric: ``"reaction"``, ``"next_reaction"`` or ``"resolution"``.
        cycle: 0 for reaction and resolution; 1, 2, ... for the next-reaction cycles.
        state: ``"running"``, ``"paused"``, ``"met"``, ``"breached"`` or
            ``"not_applicable"``.
        start: when the clock started.
        deadline: when the target runs out: for a running clock, projected from the time
            already spent; for a paused one, as if it resumed at the instant asked; for a
            met one, as it stood when met. ``None`` without a target.
        elapsed: the working time counted so far (on the target's calendar).
        remaining: ``target - elapsed``; negative once overdue.
        used: ``elapsed / target`` (above 1 once overdue).
        met_at: when the clock was fulfilled (the reaction, the resolution), in time or
            late.
        breached_at: when the clock went past its target: the deadline, when the clock
            was still running after it (a response at the deadline itself is in time), or
            the instant it resumed with its target already used up; ``None`` otherwise. A
            breach is never undone.
        at_risk: a running clock that has used at least the at-risk share of its target.
        target: the target in force, or ``None``.
        clock: the name of the calendar the target is counted on.
    """

    metric: str
    cycle: int
    state: str
    start: datetime
    deadline: datetime | None
    elapsed: timedelta | None
    remaining: timedelta | None
    used: float | None
    met_at: datetime | None
    breached_at: datetime | None
    at_risk: bool
    target: timedelta | None
    clock: str | None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: instants in ISO 8601 with offset, durations in seconds."""
        return {
            "metric": self.metric,
            "cycle": self.cycle,
            "state": self.state,
            "start": _iso(self.start),
            "deadline": _iso(self.deadline),
            "elapsed": _seconds(self.elapsed),
            "remaining": _seconds(self.remaining),
            "used": self.used,
            "met_at": _iso(self.met_at),
            "breached_at": _iso(self.breached_at),
            "at_risk": self.at_risk,
            "target": _seconds(self.target),
            "clock": self.clock,
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds(value: timedelta | None) -> int | float | None:
    if value is None:
        return None
    if value.microseconds == 0:
        return value.days * 86_400 + value.seconds
    return value.total_seconds()


@attrs.frozen
class TicketStatus:
    """Where a ticket stands at an instant.

    Attributes:
        ticket: the ticket's id.
        at: the instant asked; every instant of the status is expressed in its zone.
        level: the key of the level in force.
        coverage: the coverage in force for a level counted as the contract says.
        state: ``"open"``, ``"waiting"`` (for the customer), ``"development"`` (handed to
            development) or ``"resolved"``.
        opened: when the ticket opened.
        critical: whether the level in force is highly critical (ahead of the queue).
        metrics: the clocks: reaction, then each next-reaction cycle, then resolution.
    """

    ticket: str
    at: datetime
    level: str
    coverage: str | None
    state: str
    opened: datetime
    critical: bool
    metrics: tuple[MetricStatus, ...]

    @property
    def at_risk(self) -> bool:
        """Whether some running clock is at risk."""
        return any(m.at_risk for m in self.metrics)

    @property
    def breached(self) -> bool:
        """Whether some clock has breached its target."""
        return any(m.state == "breached" for m in self.metrics)

    @property
    def next_deadline(self) -> datetime | None:
        """The earliest deadline of a running clock (breached ones included), or ``None``."""
        found = [
            m.deadline
            for m in self.metrics
            if m.deadline is not None
            and (m.state == "running" or (m.state == "breached" and m.met_at is None))
        ]
        return min(found, default=None)

    def metric(self, name: str, cycle: int | None = None) -> MetricStatus:
        """The clock ``name`` (the last cycle of ``next_reaction`` unless ``cycle`` says).

        Raises:
            KeyError: when there is no such clock (e.g. no next-reaction cycle yet).
        """
        found = [m for m in self.metrics if m.metric == name and cycle in (None, m.cycle)]
        if not found:
            raise KeyError(f"ticket {self.ticket} has no {name} clock (cycle {cycle})")
        return found[-1]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: instants in ISO 8601 with offset, durations in seconds."""
        return {
            "ticket": self.ticket,
            "at": self.at.isoformat(),
            "level": self.level,
            "coverage": self.coverage,
            "state": self.state,
            "opened": self.opened.isoformat(),
            "critical": self.critical,
            "at_risk": self.at_risk,
            "breached": self.breached,
            "metrics": [m.as_dict() for m in self.metrics],
        }


class Ticket:
    """A ticket's events, and its SLA clocks at any instant.

    Events may be recorded late and in any order; the status depends only on the set of
    events recorded (an exact duplicate is recorded once). Every event is checked before
    it is kept; a rejected event raises :class:`~slaclock.EventError` and leaves the ticket
    unchanged.

    Args:
        id: the ticket's id; every event must carry it.
        regulation: the regulation version that governs the ticket.
        coverage: the default coverage (``"business"``, ``"24x7"``) for a level counted as
            the contract says, when the events do not give one.
        contract: when given, levels are checked against it: only levels of its kind, and
            the emergency level only with the agreement.
        at_risk: the at-risk share (default: the regulation's).

    Recording is O(k) for a ticket of k events; :meth:`status` is O(k log n).

    >>> from zoneinfo import ZoneInfo
    >>> msk = ZoneInfo("Europe/Moscow")
    >>> t = Ticket("T-7", Regulation.default())
    >>> t.record(Event("T-7", datetime(2026, 4, 30, 17, 30, tzinfo=msk), "opened",
    ...                level="commercial.standard"))
    >>> s = t.status(datetime(2026, 5, 5, 12, 0, tzinfo=msk))
    >>> r = s.metric("reaction")
    >>> r.state, r.elapsed, r.deadline.isoformat()
    ('running', datetime.timedelta(seconds=43200), '2026-05-06T15:00:00+03:00')
    """

    def __init__(
        self,
        id: str,
        regulation: Regulation,
        coverage: str | None = None,
        *,
        contract: Contract | None = None,
        at_risk: float | None = None,
    ) -> None:
        given: object = regulation
        if not isinstance(given, Regulation):
            hint = (
                ": pick the version that governs the ticket, e.g. versions.for_contract(signed) "
                "or versions.latest"
                if isinstance(given, RegulationVersions)
                else ""
            )
            raise TypeError(f"regulation must be a Regulation, not {type(given).__name__}{hint}")
        if coverage is not None and coverage not in COVERAGES:
            raise ConfigError("coverage", coverage, "one of 'business', '24x7' or None")
        if at_risk is not None and not 0 < at_risk <= 1:
            raise ConfigError("at_risk", at_risk, "a share above 0, at most 1")
        self.id = id
        self.regulation = regulation
        self.coverage = coverage
        self.contract = contract
        self.at_risk = regulation.at_risk if at_risk is None else at_risk
        self._events: list[tuple[tuple[Any, ...], Event]] = []
        self._opened: Event | None = None
        self._opened_us = 0

    def __repr__(self) -> str:
        return f"Ticket({self.id!r}, {len(self._events)} events)"

    @property
    def events(self) -> tuple[Event, ...]:
        """The recorded events in the order they are applied."""
        return tuple(e for _, e in self._events)

    @property
    def opened(self) -> Event | None:
        """The ``opened`` event, once recorded."""
        return self._opened

    def record(self, event: Event) -> None:
        """Check ``event`` against the ticket and keep it.

        Raises:
            EventError: for an event of another ticket, an unknown level, a level the
                contract does not allow, a level counted as the contract says without a
                coverage, a second ``opened``, or an event earlier than the opening. The
                ticket is left as it was.
        """
        if not isinstance(event, Event):
            raise EventError(f"expected an Event, got {type(event).__name__}")
        key = _sort_key(event)
        events = self._events
        # Equal events have equal keys, so a duplicate can only sit among the events of
        # the same key; an event later than every other one (the usual case) is new.
        at = len(events)
        if events and key <= events[-1][0]:
            at = bisect_left(events, key, key=_first)
            while at < len(events) and events[at][0] == key:
                if events[at][1] == event:
                    return
                at += 1
        if event.ticket != self.id:
            raise EventError(
                f"the event belongs to ticket {event.ticket!r}, not {self.id!r}", event
            )
        if event.level is not None:
            self._check_level(event)
        if event.kind == "opened":
            if self._opened is not None:
                raise EventError(
                    f"ticket {self.id} already opened at {self._opened.at.isoformat()}; "
                    "a ticket opens once (use 'reopened' after 'resolved')",
                    event,
                )
            if events and events[0][0][0] < key[0]:
                first = events[0][1]
                raise EventError(
                    f"ticket {self.id} cannot open at {event.at.isoformat()}: its "
                    f"{first.kind} event at {first.at.isoformat()} is earlier",
                    event,
                )
        elif self._opened is not None and key[0] < self._opened_us:
            raise EventError(
                f"{event.kind} event of ticket {self.id} at {event.at.isoformat()} is before "
                f"the ticket opened ({self._opened.at.isoformat()})",
                event,
            )
        events.insert(at, (key, event))
        if event.kind == "opened":
            self._opened = event
            self._opened_us = key[0]

    def _check_level(self, event: Event) -> None:
        assert event.level is not None
        try:
            level = self.regulation.level(event.level)
        except UnknownLevelError as error:
            raise EventError(f"{event.kind} event of ticket {self.id}: {error}", event) from None
        if self.contract is not None:
            try:
                self.contract.level(level.key, self.regulation)
            except ConfigError as error:
                raise EventError(
                    f"{event.kind} event of ticket {self.id}: {error.problem}", event
                ) from None
        coverage = event.coverage or self.coverage
        for target in level.targets.values():
            if target.clock is None and coverage not in target.clocks:
                raise EventError(
                    f"{event.kind} event of ticket {self.id}: {level.key} is counted as the "
                    f"contract says; give the event or the ticket a coverage "
                    f"({' or '.join(repr(c) for c in target.clocks)}): without the "
                    "contract's emergency agreement this level does not apply",
                    event,
                )

    def status(self, at: datetime, *, at_risk: float | None = None) -> TicketStatus:
        """The ticket's clocks at ``at``, from the events recorded up to ``at`` (inclusive).

        Every instant in the result is expressed in ``at``'s zone.

        Args:
            at: the instant; an aware datetime.
            at_risk: the at-risk share for this query (default: the ticket's).

        Raises:
            EventError: when the ticket has no ``opened`` event, or opened after ``at``.
            NaiveDatetimeError: when ``at`` has no zone.
            ConfigError: for an ``at_risk`` share outside (0, 1].
        """
        at_us = to_us(at, "at")
        if self._opened is None:
            raise EventError(f"ticket {self.id} has no 'opened' event")
        if self._opened_us > at_us:
            raise EventError(
                f"ticket {self.id} opened at {self._opened.at.isoformat()}, after "
                f"{at.isoformat()}"
            )
        events = [e for k, e in self._events if k[0] <= at_us]
        if at_risk is not None and not 0 < at_risk <= 1:
            raise ConfigError("at_risk", at_risk, "a share above 0, at most 1")
        share = self.at_risk if at_risk is None else at_risk
        return _evaluate(self, events, at, share)

    def _check(self) -> None:
        """Assert the ticket's invariants (the tests call it after every change)."""
        keys = [k for k, _ in self._events]
        assert keys == sorted(keys)
        assert len({e for _, e in self._events}) == len(self._events)
        opened = [e for _, e in self._events if e.kind == "opened"]
        assert len(opened) <= 1
        if opened:
            assert self._opened == opened[0] == self._events[0][1]


# -- evaluation ----------------------------------------------------------------------------

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


def _evaluate(ticket: Ticket, events: list[Event], at: datetime, share: float) -> TicketStatus:
    opened = events[0]
    walk = _Walk(opened)
    for event in events:
        walk.apply(event, ticket.coverage, ticket.regulation)
    zone = at.tzinfo
    regulation = ticket.regulation
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
        ticket=ticket.id,
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
    )


def _coverage_of(life: list[_Regime], target: Target) -> str | None:
    for regime in reversed(life):
        if regime.coverage in target.clocks:
            return regime.coverage
    return None


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

    Tickets that open after ``at`` are left out.

    Args:
        events: the log; events of many tickets, in any order.
        regulation: the regulation every ticket is counted under.
        at: the instant of the statuses.
        strict: raise on the first bad event (``True``), or leave bad events out and go on
            (``False``): an event the ticket refuses, and every ticket without ``opened``.
        coverage: the default coverage of every ticket.
        rejected: when given, the events left out and why are appended to it.

    Raises:
        EventError: with ``strict``, for the first bad event or ticket.

    Runtime complexity: O(E log E) for E events (each ticket is sorted and walked once).
    """
    tickets: dict[str, Ticket] = {}
    for event in events:
        if not isinstance(event, Event):
            raise TypeError(f"expected Event values, got {type(event).__name__}")
        ticket = tickets.get(event.ticket)
        if ticket is None:
            ticket = Ticket(event.ticket, regulation, coverage)
            tickets[event.ticket] = ticket
        try:
            ticket.record(event)
        except EventError as error:
            if strict:
                raise
            if rejected is not None:
                rejected.append((event, error))
    at_us = to_us(at, "at")
    out: dict[str, TicketStatus] = {}
    for ticket_id, ticket in tickets.items():
        opened = ticket.opened
        if opened is None:
            missing = EventError(f"ticket {ticket_id} has no 'opened' event")
            if strict:
                raise missing
            if rejected is not None:
                rejected.extend((e, missing) for e in ticket.events)
            continue
        if to_us(opened.at) > at_us:
            continue
        out[ticket_id] = ticket.status(at)
    return out


# -- the work queue --------------------------------------------------------------------------

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

    Resolved tickets are left out unless ``include_resolved`` (then they come last, in the
    regulation's order). The ordering is stable and depends only on the statuses.

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
    open_ = [s for s in items if s.state != "resolved"]
    done = sorted((s for s in items if s.state == "resolved"), key=_arrival)
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
