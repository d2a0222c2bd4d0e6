"""Ticket clocks: events in, the state of every SLA metric out, for any policy.

A ticket is the *set* of its events. To answer :meth:`Ticket.status` the events up to the
instant asked are sorted (by UTC instant, then by a fixed order of what they do at the
same instant) and walked once. The walk turns each event into *facts* (the ticket was
created, the desk replied, the status entered a category, a field changed) and feeds the
facts to every metric the policy declares: a :class:`~slaclock.MetricDefinition` says
which facts start, pause, meet, resume or cancel its clock. The walk gives each clock its
active spans and the levels in force over its life; each clock is then counted on the
calendar of its level's target. Instants are integers (UTC microseconds) throughout:
datetimes are read once from the events and made once for the result.

The walk never looks at an event's time: it runs on the events' positions (0, 1, 2, ...)
and only the counting maps positions to instants. So its outcome (the clocks' spans, the
levels in force, the state) is a function of what the events say, in order; a report of
many tickets walks each distinct sequence once (:class:`Shapes`) and counts every ticket
on its own times. (The one time a walk needs, whether a ticket opened inside some
calendar's hours for a selection rule, is read before the walk and is part of the
sequence.)

The rules, and the options a policy chooses among, are in :doc:`/explanation/sla`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from json.encoder import encode_basestring as _json_text
from typing import Any, ClassVar, Literal, NamedTuple, Protocol, cast

import attrs

from slaclock._errors import ConfigError, EventError, HorizonError, UnknownLevelError
from slaclock._instants import duration_us, from_us, to_us
from slaclock.calendars import Schedule

from ._policy import (
    CATEGORIES,
    COVERAGES,
    Contract,
    Coverage,
    FrozenDict,
    Level,
    MetricDefinition,
    Regulation,
    RegulationVersions,
    Target,
)

__all__ = [
    "Event",
    "EventError",
    "MetricStatus",
    "Ticket",
    "TicketStatus",
    "order_queue",
    "replay",
]

MetricState = Literal["running", "paused", "met", "breached", "not_applicable"]
EventKind = Literal[
    "opened", "responded", "waiting", "customer_replied", "level_changed", "to_development",
    "resolved", "reopened", "created", "status", "reply", "note", "field",
]
Role = Literal["desk", "customer"]
TicketState = Literal["open", "waiting", "on_hold", "development", "resolved", "closed"]

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
_GENERAL_KINDS = ("created", "status", "reply", "note", "field")


@attrs.frozen
class _Action:
    """What an event kind does: the vocabulary as data (see :attr:`Event.KINDS`)."""

    create: bool = False
    reply: str | None = None  # "desk", "customer", or "author": the event's author
    public: bool = True
    status: str | None = None  # a status name, or "event": the event's status
    only_from: frozenset[str] = frozenset()  # the status change applies only from these
    handoff: bool = False
    sets_level: bool = False
    rank: int | None = None  # the order at one instant; None: from the status it sets
    sets_fields: bool = False  # it may change the ticket's fields (and so its level)

    def __attrs_post_init__(self) -> None:
        if self.create or self.sets_level:
            object.__setattr__(self, "sets_fields", True)


#: The default policy's vocabulary (slaclock 0.1's event kinds), and the general one every
#: helpdesk's history maps onto.
_ACTIONS: Mapping[str, _Action] = {
    "opened": _Action(create=True, sets_level=True, rank=0),
    "responded": _Action(reply="desk", rank=5),
    # A question to the customer is the desk's reply, and the ticket waits for the answer.
    "waiting": _Action(reply="desk", status="pending",
                       only_from=frozenset({"open", "pending", "on_hold"}), rank=4),
    "customer_replied": _Action(reply="customer", rank=3),
    "level_changed": _Action(sets_level=True, rank=1),
    "to_development": _Action(handoff=True, rank=6),
    "resolved": _Action(status="solved", only_from=frozenset({"open", "pending", "on_hold"}),
                        rank=7),
    "reopened": _Action(status="open", only_from=frozenset({"solved"}), rank=2),
    "created": _Action(create=True, rank=0),
    "status": _Action(status="event"),
    "reply": _Action(reply="author"),
    "note": _Action(reply="author", public=False, rank=5),
    "field": _Action(rank=1, sets_fields=True),
}
#: The order at one instant of a status change, by the category it enters.
_STATUS_RANK = {"open": 2, "pending": 4, "on_hold": 4, "solved": 7, "closed": 7}
_REPLY_RANK = {"customer": 3, "desk": 5}
_ROLES = ("desk", "customer")
_ZERO = timedelta(0)
_EMPTY: Mapping[str, str | None] = FrozenDict()


def _text(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise EventError(f"event fields level, detail, coverage, customer, category, status "
                         f"and author are strings or None, not {value!r}")
    return value


def _fields(value: Mapping[str, object] | None) -> Mapping[str, str | None]:
    if value is _EMPTY or not value:
        return _EMPTY
    if not isinstance(value, Mapping):
        raise EventError(f"event fields is a mapping of field name to text, not {value!r}")
    for name, text in value.items():
        bad_text = text is not None and not isinstance(text, str)
        if not isinstance(name, str) or not name or bad_text:
            raise EventError(
                f"event fields maps names to strings (or None), not {name!r}: {text!r}"
            )
        if name in ("level", "customer", "category", "coverage"):
            raise EventError(f"give {name} as the event's own {name}=, not in fields")
    return FrozenDict(value)


@attrs.frozen
class Event:
    """One thing that happened to a ticket, at an instant.

    Two vocabularies are understood. The default policy's (``Event.KINDS``), where each
    kind is one thing a support desk does, and a general one (``Event.GENERAL_KINDS``),
    the shape of any helpdesk's history: ``created``, ``status`` (a status change, named
    in the helpdesk's own words and mapped to a category by the policy), ``reply`` (a
    public reply by the desk or the customer), ``note`` (an internal note) and ``field``
    (a change of ticket fields). Both may be mixed in one ticket.

    Args:
        ticket: the ticket's id.
        at: when it happened; an aware datetime.
        kind: one of ``Event.KINDS``: ``"opened"``, ``"responded"``, ``"waiting"`` (the
            desk asks and waits for the customer), ``"customer_replied"``,
            ``"level_changed"``, ``"to_development"``, ``"resolved"``, ``"reopened"``;
            or of ``Event.GENERAL_KINDS``: ``"created"``, ``"status"``, ``"reply"``,
            ``"note"``, ``"field"``.
        level: the service level: required for ``opened`` and ``level_changed``; on
            ``created`` and ``field`` it sets the level by hand (otherwise the policy's
            selection rules choose); refused for the others.
        detail: free text, kept but not interpreted.
        coverage: for a level counted as the contract says (``commercial.emergency``):
            ``"business"`` or ``"24x7"``; overrides the ticket's default.
        customer: the customer's name or id; on an opening or ``field`` event it is the
            ticket's customer field (and on the opening, its contract, when the policy has
            one by that name).
        category: the request's category; ``"development"`` on the opening marks a
            development request, which the default policy gives no resolution target.
        status: the new status, for ``status`` (and optionally ``created``).
        author: ``"desk"`` or ``"customer"``: who wrote a ``reply`` or ``note``, or
            opened a ``created`` ticket (default: the customer).
        fields: other ticket fields set by ``created`` or ``field`` (priority, group,
            channel, custom fields): name to value (``None`` clears it).

    Raises:
        EventError: for an unknown kind, a missing or misplaced level, status or author,
            a naive datetime, or an unknown coverage.

    >>> from zoneinfo import ZoneInfo
    >>> msk = ZoneInfo("Europe/Moscow")
    >>> try:
    ...     Event("T-1", datetime(2026, 5, 4, 9, 0, tzinfo=msk), "closed")
    ... except EventError as error:
    ...     print(error)
    unknown event kind 'closed'; one of opened, responded, waiting, customer_replied,
    level_changed, to_development, resolved, reopened, created, status, reply, note, field
    >>> Event("T-1", datetime(2026, 5, 4, 9, 0, tzinfo=msk), "status", status="Closed").status
    'Closed'
    """

    KINDS: ClassVar[tuple[str, ...]] = _KINDS
    GENERAL_KINDS: ClassVar[tuple[str, ...]] = _GENERAL_KINDS

    ticket: str
    at: datetime
    kind: EventKind
    level: str | None = None
    detail: str | None = None
    coverage: Coverage | None = None
    customer: str | None = None
    category: str | None = None
    status: str | None = attrs.field(default=None, kw_only=True)
    author: Role | None = attrs.field(default=None, kw_only=True)
    fields: Mapping[str, str | None] = attrs.field(
        default=_EMPTY, converter=_fields, kw_only=True, hash=False
    )

    def __attrs_post_init__(self) -> None:
        texts: tuple[object, ...] = (
            self.level, self.detail, self.coverage, self.customer, self.category, self.status,
            self.author,
        )
        for text in texts:
            if text is not None and not isinstance(text, str):
                _text(text)
        if not isinstance(self.ticket, str) or not self.ticket:
            raise EventError(f"event ticket must be a non-empty string, not {self.ticket!r}")
        kind = self.kind
        if kind not in _ACTIONS:
            raise EventError(
                f"unknown event kind {kind!r}; one of {', '.join((*_KINDS, *_GENERAL_KINDS))}",
                self,
            )
        if not isinstance(self.at, datetime):
            raise EventError(f"event time must be a datetime, not {self.at!r}", self)
        if self.at.utcoffset() is None:
            raise EventError(
                f"{kind} event of {self.ticket} has a naive time ({self.at!r}); give "
                "an aware datetime (with an offset)",
                self,
            )
        if kind in ("opened", "level_changed"):
            if not self.level:
                raise EventError(f"a {kind} event needs a level ({self.ticket})", self)
        elif self.level is not None and kind not in ("created", "field"):
            raise EventError(
                f"a {kind} event takes no level (only opened and level_changed do, and "
                f"created and field may); got {self.level!r} ({self.ticket})",
                self,
            )
        if self.coverage is not None and self.coverage not in COVERAGES:
            raise EventError(
                f"coverage must be one of {', '.join(COVERAGES)}, not {self.coverage!r}", self
            )
        if kind == "status" and not self.status:
            raise EventError(f"a status event needs the new status ({self.ticket})", self)
        if self.status is not None and kind not in ("status", "created"):
            raise EventError(f"a {kind} event takes no status ({self.ticket})", self)
        if kind in ("reply", "note") and self.author not in _ROLES:
            raise EventError(
                f"a {kind} event needs its author: 'desk' or 'customer', not "
                f"{self.author!r} ({self.ticket})",
                self,
            )
        if self.author is not None and (
            kind not in ("reply", "note", "created") or self.author not in _ROLES
        ):
            raise EventError(
                f"author is 'desk' or 'customer', on reply, note and created events only; "
                f"got {self.author!r} on {kind} ({self.ticket})",
                self,
            )
        if self.fields and kind not in ("created", "field"):
            raise EventError(f"a {kind} event sets no fields (created and field do)", self)

    def as_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict (``at`` in ISO 8601 with its offset; fields that
        are ``None`` or empty left out).

        >>> from zoneinfo import ZoneInfo
        >>> Event("T-1", datetime(2026, 5, 4, 9, tzinfo=ZoneInfo("Europe/Moscow")), "opened",
        ...       level="partner.standard").as_dict()
        {'ticket': 'T-1', 'at': '2026-05-04T09:00:00+03:00', 'kind': 'opened', 'level': 'partner.standard'}
        """  # noqa: E501
        out: dict[str, Any] = {"ticket": self.ticket, "at": self.at.isoformat(), "kind": self.kind}
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.fields:
            out["fields"] = dict(self.fields)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """An event from :meth:`as_dict`'s form; ``at`` is an ISO 8601 string that must
        carry an offset (slaclock never guesses a zone).

        Raises:
            EventError: for a missing field, an unknown field, or a time without offset.
        """
        extra = set(data) - _DICT_KEYS
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


_OPTIONAL = ("level", "detail", "coverage", "customer", "category", "status", "author")
_DICT_KEYS = frozenset({"ticket", "at", "kind", "fields", *_OPTIONAL})


class Happening(Protocol):
    """What the walk reads of an event: an :class:`Event`, or a row of an event log that
    the log's reader has already checked against the same vocabulary."""

    @property
    def ticket(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def level(self) -> str | None: ...
    @property
    def detail(self) -> str | None: ...
    @property
    def coverage(self) -> str | None: ...
    @property
    def customer(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def author(self) -> str | None: ...
    @property
    def fields(self) -> Mapping[str, str | None] | None: ...


def _first(pair: tuple[tuple[Any, ...], Happening]) -> tuple[Any, ...]:
    return pair[0]


@attrs.frozen
class MetricStatus:
    """The state of one SLA clock at an instant.

    Attributes:
        metric: the metric's name in the policy, e.g. ``"reaction"``.
        cycle: 0 for a metric counted once per ticket; 1, 2, ... for the cycles of one
            that runs in cycles (``next_reaction``).
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
        breached_at: when the clock went past its target, by the policy's breach rule:
            the deadline, when the clock was still running after it (``"instant"``), or
            the first instant after it at which the clock counted working time
            (``"working_time"``); or the instant it resumed with its target already used
            up. ``None`` otherwise. A breach is never undone.
        at_risk: a running clock that has used at least the at-risk share of its target.
        target: the target in force, or ``None``.
        clock: the name of the calendar the target is counted on.
    """

    metric: str
    cycle: int
    state: MetricState
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
        state: ``"open"``, ``"waiting"`` (for the customer), ``"on_hold"`` (for a third
            party), ``"development"`` (handed to development, or a request of category
            ``"development"``), ``"resolved"`` or ``"closed"``.
        opened: when the ticket opened.
        critical: whether the level in force is highly critical (ahead of the queue).
        metrics: the clocks, in the order the policy declares its metrics, each metric's
            cycles in order.
        customer: the ticket's customer, when known.
    """

    ticket: str
    at: datetime
    level: str
    coverage: str | None
    state: TicketState
    opened: datetime
    critical: bool
    metrics: tuple[MetricStatus, ...]
    customer: str | None = None

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
        """The clock ``name`` (the last cycle of a metric in cycles unless ``cycle`` says).

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

    def to_json(self) -> str:
        """``json.dumps(self.as_dict(), ensure_ascii=False)``, character for character,
        written directly (a report writes millions of them).

        >>> import json
        >>> from zoneinfo import ZoneInfo
        >>> msk = ZoneInfo("Europe/Moscow")
        >>> t = Ticket("T-7", Regulation.default())
        >>> t.record(Event("T-7", datetime(2026, 4, 30, 17, 30, tzinfo=msk), "opened",
        ...                level="commercial.standard"))
        >>> s = t.status(datetime(2026, 5, 5, 12, 0, tzinfo=msk))
        >>> s.to_json() == json.dumps(s.as_dict(), ensure_ascii=False)
        True
        """
        # Most clocks start at the opening: the same datetime, written once.
        opened = self.opened
        opened_iso = opened.isoformat()
        global _LAST_AT
        at = self.at
        last = _LAST_AT  # one tuple, read once: safe between threads
        if last[0] is at:
            at_iso = last[1]
        else:
            at_iso = at.isoformat()
            _LAST_AT = (at, at_iso)
        metrics = ", ".join([_metric_json(m, opened, opened_iso) for m in self.metrics])
        return (
            f'{{"ticket": {_json_text(self.ticket)}, "at": "{at_iso}", '
            f'"level": {_json_text(self.level)}, "coverage": {_json_or_null(self.coverage)}, '
            f'"state": "{self.state}", "opened": "{opened_iso}", '
            f'"critical": {_JSON_BOOL[self.critical]}, "at_risk": {_JSON_BOOL[self.at_risk]}, '
            f'"breached": {_JSON_BOOL[self.breached]}, "metrics": [{metrics}]}}'
        )


_JSON_BOOL = {False: "false", True: "true"}
#: The instant of the statuses written last, and its ISO text (a report has one instant).
_LAST_AT: tuple[datetime | None, str] = (None, "")


def _json_or_null(text: str | None) -> str:
    return "null" if text is None else _json_text(text)


def _json_seconds(value: timedelta | None) -> str:
    """``json.dumps(_seconds(value))``."""
    if value is None:
        return "null"
    if value.microseconds == 0:
        return str(value.days * 86_400 + value.seconds)
    return repr(value.total_seconds())


def _metric_json(m: MetricStatus, opened: datetime, opened_iso: str) -> str:
    """``json.dumps(m.as_dict(), ensure_ascii=False)``, for a clock of a ticket that
    ``opened`` (written ``opened_iso``)."""
    start = opened_iso if m.start is opened else m.start.isoformat()
    # The instants inline: three calls fewer a clock, on millions of clocks.
    d, met, breached = m.deadline, m.met_at, m.breached_at
    deadline = "null" if d is None else '"' + d.isoformat() + '"'
    met_at = "null" if met is None else '"' + met.isoformat() + '"'
    breached_at = "null" if breached is None else '"' + breached.isoformat() + '"'
    return (
        f'{{"metric": {_json_text(m.metric)}, "cycle": {m.cycle}, "state": "{m.state}", '
        f'"start": "{start}", "deadline": {deadline}, '
        f'"elapsed": {_json_seconds(m.elapsed)}, "remaining": {_json_seconds(m.remaining)}, '
        f'"used": {"null" if m.used is None else repr(m.used)}, '
        f'"met_at": {met_at}, "breached_at": {breached_at}, '
        f'"at_risk": {_JSON_BOOL[m.at_risk]}, "target": {_json_seconds(m.target)}, '
        f'"clock": {_json_or_null(m.clock)}}}'
    )


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
        contract: when given, levels are checked against it (only levels of its kind, and
            those needing an agreement only with one), and its calendars replace the
            policy's.
        at_risk: the at-risk share (default: the regulation's).

    Recording is O(k) for a ticket of k events; :meth:`status` is O(k log n). Tickets
    pickle, with their events and policy.

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
        self._events: list[tuple[tuple[Any, ...], Happening]] = []
        self._opened: Happening | None = None
        self._opened_us = 0

    def __repr__(self) -> str:
        return f"Ticket({self.id!r}, {len(self._events)} events)"

    @property
    def events(self) -> tuple[Event, ...]:
        """The recorded events in the order they are applied."""
        # Only Ticket.record keeps events; the report's replay keeps its log's rows.
        return tuple(cast("Event", e) for _, e in self._events)

    @property
    def opened(self) -> Event | None:
        """The opening event (``opened`` or ``created``), once recorded."""
        return cast("Event | None", self._opened)

    def _key(self, event: Happening, us: int) -> tuple[Any, ...]:
        """The order of events: the UTC instant (``us``, the event's), then what the event
        does, then its text."""
        action = _ACTIONS[event.kind]
        rank = action.rank
        if rank is None:
            if action.status is not None:
                category = self.regulation.category(event.status or "")
                rank = _STATUS_RANK.get(category or "", 2)
            else:
                rank = _REPLY_RANK[event.author or "customer"]
        key = (
            us, rank, event.kind, event.level or "", event.coverage or "",
            event.category or "", event.detail or "", event.customer or "",
        )
        if event.status is None and event.author is None and not event.fields:
            return key  # the default vocabulary's events: a shorter key orders them alike
        fields = event.fields
        return (
            *key, event.status or "", event.author or "",
            tuple(sorted((k, v or "") for k, v in fields.items())) if fields else (),
        )

    def record(self, event: Event) -> None:
        """Check ``event`` against the ticket and keep it.

        Raises:
            EventError: for an event of another ticket, an unknown level or status, a
                level the contract does not allow, a level counted as the contract says
                without a coverage, a second opening, or an event earlier than the
                opening. The ticket is left as it was.
        """
        if not isinstance(event, Event):
            raise EventError(f"expected an Event, got {type(event).__name__}")
        self._record(event, self._key(event, to_us(event.at, "at")))

    def _record(self, event: Happening, key: tuple[Any, ...]) -> None:
        """:meth:`record` with the event's key (:meth:`_key`) already known."""
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
        if event.status is not None and self.regulation.category(event.status) is None:
            known = ", ".join(self.regulation.statuses) or "none besides the categories"
            raise EventError(
                f"status {event.status!r} of ticket {self.id} is not one the policy knows "
                f"(its statuses: {known}; categories: open, pending, on_hold, solved, "
                "closed): map it in the policy's [statuses]",
                event,
            )
        creates = _ACTIONS[event.kind].create
        if creates:
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
        if creates:
            self._opened = event
            self._opened_us = key[0]

    def _check_level(self, event: Happening) -> None:
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
            EventError: when the ticket has no opening event, opened after ``at``, or
                matches no level of the policy.
            NaiveDatetimeError: when ``at`` has no zone.
            ConfigError: for an ``at_risk`` share outside (0, 1].
        """
        return self._status(at, to_us(at, "at"), at_risk, None)

    def _status(
        self, at: datetime, at_us: int, at_risk: float | None, shapes: Shapes | None
    ) -> TicketStatus:
        """:meth:`status` at ``at`` (``at_us`` in UTC microseconds); ``shapes`` reuses the
        walks of tickets whose events said the same (a report's)."""
        self._check_opened(at, at_us)
        if at_risk is not None and not 0 < at_risk <= 1:
            raise ConfigError("at_risk", at_risk, "a share above 0, at most 1")
        share = self.at_risk if at_risk is None else at_risk
        walk, times = self._walk_to(at_us, shapes)
        return walk.count(self.id, times, at, at_us, share).status()

    def _check_opened(self, at: datetime, at_us: int) -> None:
        """Raise an :class:`EventError` unless the ticket opened by ``at`` (``at_us``)."""
        if self._opened is None:
            raise EventError(f"ticket {self.id} has no 'opened' event")
        if self._opened_us > at_us:
            raise EventError(
                f"ticket {self.id} opened at {self._opened.at.isoformat()}, after "
                f"{at.isoformat()}"
            )

    def _walk_to(self, at_us: int, shapes: Shapes | None) -> tuple[_Walk, list[int]]:
        """The walk of the events up to ``at_us`` (of an opened ticket), and their
        instants."""
        times = [key[0] for key, _ in self._events]
        n = bisect_right(times, at_us)
        del times[n:]
        return (_walked(self, n) if shapes is None else shapes.walk(self, n)), times

    def _check(self) -> None:
        """Assert the ticket's invariants (the tests call it after every change)."""
        keys = [k for k, _ in self._events]
        assert keys == sorted(keys)
        assert len({e for _, e in self._events}) == len(self._events)
        opened = [e for _, e in self._events if _ACTIONS[e.kind].create]
        assert len(opened) <= 1
        if opened:
            assert self._opened == opened[0] == self._events[0][1]


# -- the walk: events to facts to clocks ------------------------------------------------------


class _Cycle:
    """One clock of a metric: when it started, its active spans, how it ended."""

    __slots__ = ("end", "outcome", "spans", "start")

    def __init__(self, start: int) -> None:
        self.start = start
        self.spans: list[list[int | None]] = []  # [from, to]; to None while running
        self.end: int | None = None  # when it ended (met, dropped, not applicable)
        self.outcome: str | None = None  # "met", "dropped", "not_applicable"

    def close(self, t: int) -> None:
        if self.spans and self.spans[-1][1] is None:
            self.spans[-1][1] = t

    def finish(self, t: int, outcome: str) -> None:
        self.close(t)
        self.end = t
        self.outcome = outcome


_NO_FACTS: frozenset[str] = frozenset()
_CREATED = {role: frozenset({"created", f"created_by:{role}"}) for role in _ROLES}
_DESK_REPLY = frozenset({"desk_reply", "reply"})
_CUSTOMER_REPLY = frozenset({"customer_reply", "reply"})
_NOTE = {role: frozenset({f"{role}_note"}) for role in _ROLES}
_HANDOFF = frozenset({"handoff"})
#: A customer's reply that takes the ticket back to open.
_REOPENING_REPLY = _CUSTOMER_REPLY | {"leave:solved", "enter:open", "reopened"}
_WAKING_REPLY = {c: _CUSTOMER_REPLY | {f"leave:{c}", "enter:open"} for c in ("pending", "on_hold")}
#: The facts of a status move; leaving solved for an unsolved category is a reopening.
_MOVES = {
    (a, b): frozenset({f"leave:{a}", f"enter:{b}"} | (
        {"reopened"} if a == "solved" and b in ("open", "pending", "on_hold") else set()))
    for a in CATEGORIES for b in CATEGORIES if a != b
}
_Verdict = tuple[bool, bool, bool, bool, bool]
#: The facts of an event with the field changes it made (field:<name>,
#: field:<name>=<value>), by the event's other facts and the changes.
_FIELD_FACTS: dict[
    tuple[frozenset[str], tuple[tuple[str, str | None], ...]], frozenset[str]
] = {}


def _verdict(m: MetricDefinition, facts: frozenset[str]) -> _Verdict | tuple[()]:
    """What ``facts`` can do to a clock of ``m``: (not applicable, stop, cancel, resume,
    start), or ``()`` when nothing (not even a pause: the status did not move)."""
    moved = m.pause and any(f.startswith(("enter:", "leave:")) for f in facts)
    found = (
        not facts.isdisjoint(m.not_applicable), not facts.isdisjoint(m.stop),
        not facts.isdisjoint(m.cancel), not facts.isdisjoint(m.resume),
        not facts.isdisjoint(m.start),
    )
    return found if moved or any(found) else ()


#: Per metric definition, the verdict of each set of facts met so far (a few dozen).
_VERDICTS: dict[int, tuple[MetricDefinition, dict[frozenset[str], _Verdict | tuple[()]]]] = {}


class _Clock:
    """A metric of one ticket during the walk."""

    __slots__ = ("cycles", "definition", "na_at", "verdicts")

    def __init__(self, definition: MetricDefinition) -> None:
        self.definition = definition
        # By identity: a definition's hash is a dozen fields' (the definition is kept with
        # its verdicts, so its id is not reused while they are).
        entry = _VERDICTS.get(id(definition))
        if entry is None or entry[0] is not definition:
            if len(_VERDICTS) > 1024:  # random policies in tests: do not grow forever
                _VERDICTS.clear()
            entry = _VERDICTS[id(definition)] = (definition, {})
        self.verdicts = entry[1]
        self.cycles: list[_Cycle] = []
        self.na_at: int | None = None

    @property
    def active(self) -> _Cycle | None:
        cycles = self.cycles
        if cycles and cycles[-1].end is None:
            return cycles[-1]
        return None


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


#: Instants a datetime in any zone can be (a zone's offset is under a day): from
#: 0001-01-02 to 9999-12-30, UTC.
_WRITABLE = (to_us(datetime(1, 1, 2, tzinfo=UTC)), to_us(datetime(9999, 12, 30, tzinfo=UTC)))
#: ``new_count(ClockCount, values)``: a :class:`ClockCount` of its thirteen values, made
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
    """

    __slots__ = ("at", "clocks", "head", "opened", "ticket")

    def __init__(
        self, ticket: str, at: datetime, opened: int,
        head: tuple[str, str | None, TicketState, bool, str | None], clocks: list[ClockCount],
    ) -> None:
        self.ticket = ticket
        self.at = at
        self.opened = opened
        self.head = head
        self.clocks = clocks

    def _writable(self, last: int) -> None:
        """Raise the :class:`HorizonError` :meth:`status` would raise where an instant
        cannot be a datetime in the zone of ``at`` (past the ends of years 1 and 9999
        there), the ticket's events walked ending at ``last``: a clock starts and is met
        at its events, and its deadline and breach come after its start."""
        top = _WRITABLE[1]
        if self.opened >= _WRITABLE[0] and last <= top:
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
        return _local(us, self.at.tzinfo)

    def status(self) -> TicketStatus:
        """The :class:`TicketStatus`: every instant a datetime in the zone of ``at``."""
        zone = self.at.tzinfo
        opened_us = self.opened
        opened = _local(opened_us, zone)
        metrics = []
        for c in self.clocks:
            start, deadline, elapsed, target, met_at, breached_at = (
                c.start, c.deadline, c.elapsed, c.target, c.met_at, c.breached_at)
            elapsed_td = None if elapsed is None else timedelta(0, 0, elapsed)
            metrics.append(MetricStatus(
                c.metric, c.cycle, c.state, opened if start == opened_us else _local(start, zone),
                None if deadline is None else _local(deadline, zone), elapsed_td,
                None if target is None or elapsed_td is None else target - elapsed_td, c.used,
                None if met_at is None else _local(met_at, zone),
                None if breached_at is None else _local(breached_at, zone),
                c.at_risk, target, c.clock,
            ))
        level, coverage, state, critical, customer = self.head
        return TicketStatus(self.ticket, self.at, level, coverage, state, opened, critical,
                            tuple(metrics), customer)


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
        ))
        for m in status.metrics
    ]
    head = (status.level, status.coverage, status.state, status.critical, status.customer)
    return Counted(status.ticket, status.at, to_us(status.opened), head, clocks)


#: A level in force from an instant on: (since, level, coverage).
_Regime = tuple[int, Level, "str | None"]
#: A target found: the target, its calendar, its duration in microseconds.
_Found = tuple[Target, Schedule, int]
#: What every ticket of a walk shares (:meth:`_Walk._plan`): each clock's definition,
#: cycles and (one level all the ticket's life) target; the ticket's level, coverage,
#: state, criticality and customer.
_Plan = tuple[
    list[tuple["MetricDefinition", list["_Cycle"], "_Found | None"]],
    tuple[str, "str | None", "TicketState", bool, "str | None"],
]


class _Walk:
    """One pass over a ticket's sorted events, on their positions: what became of each
    clock (its cycles and their active spans), the levels in force, the ticket's state.
    Once walked its outcome does not change (:meth:`count` only remembers what it finds
    the same for every ticket: the targets, the clocks' plan): it counts it on any
    ticket's times, so the tickets of one :class:`Shapes` entry share it."""

    def __init__(self, ticket: Ticket, inside: dict[str, bool]) -> None:
        self.ticket = ticket
        regulation = ticket.regulation
        self.regulation = regulation
        self.options = regulation.options
        self.clocks = [_Clock(m) for m in regulation.metrics.values()]
        self.by_name = {c.definition.name: c for c in self.clocks}
        self.fields: dict[str, str | None] = {}
        self.category = "open"
        self.handed_off = False
        self.regimes: list[_Regime] = []
        #: The position of the opening event (the walk runs on positions, not instants).
        self.opened = 0
        #: Whether the ticket opened inside each calendar of a selection rule, by name:
        #: the one instant a walk reads, so given before it (:func:`_inside`).
        self.inside = inside
        options = regulation.options
        self.from_change = options.level_change == "from_change"
        self.working = options.breach == "working_time"
        self.keeps_breach = options.downgrade_keeps_breach
        own = ticket.contract.calendars if ticket.contract is not None else None
        self.calendars = {**regulation.calendars, **own} if own else regulation.calendars
        self.targets: dict[tuple[int, str | None, str], _Found | None] = {}
        #: What every ticket of the walk shares, once a ticket is counted.
        self.plan: _Plan | None = None

    def apply(self, t: int, event: Happening) -> None:
        action = _ACTIONS[event.kind]
        facts: frozenset[str] = _NO_FACTS
        initial = None
        if action.create:
            self.opened = t
            facts = _CREATED[event.author or "customer"]
            if event.status is not None:
                initial = self.regulation.category(event.status) or "open"
        if action.sets_fields:
            facts = self._set_fields(t, event, action, facts)
        if action.reply is not None:
            role = event.author if action.reply == "author" else action.reply
            said: frozenset[str]
            if not action.public:
                said = _NOTE[role or "desk"]
            elif role == "customer":
                category = self.category
                said = _CUSTOMER_REPLY
                if category in ("solved", "closed"):
                    if category == "solved" and self.options.reply_to_solved == "reopens":
                        said = _REOPENING_REPLY
                        self.category = "open"
                    else:  # the reply waits for the desk to reopen the ticket
                        said = _NO_FACTS
                elif category in ("pending", "on_hold"):
                    said = _WAKING_REPLY[category]
                    self.category = "open"
            else:
                said = _DESK_REPLY
            facts = facts | said if facts else said
        if action.status is not None:
            name = event.status if action.status == "event" else action.status
            if not action.only_from or self.category in action.only_from:
                moved = self._enter(self.regulation.category(name or "") or "open")
                facts = facts | moved if facts else moved
        if action.handoff and not self.handed_off:
            self.handed_off = True
            facts = facts | _HANDOFF if facts else _HANDOFF
        if facts:
            self._feed(t, facts)
        if initial is not None:
            # A ticket created in another status: created as open, then moved at once (so
            # a clock that starts at creation and stops there does both).
            moved = self._enter(initial)
            if moved:
                self._feed(t, moved)

    def _enter(self, category: str) -> frozenset[str]:
        """The facts of moving to ``category``."""
        if category == self.category:
            return _NO_FACTS
        moved = _MOVES[self.category, category]
        self.category = category
        return moved

    def _set_fields(
        self, t: int, event: Happening, action: _Action, facts: frozenset[str]
    ) -> frozenset[str]:
        changes: dict[str, str | None] = {}
        if action.create or event.kind == "field":
            for name in ("customer", "category"):
                value = getattr(event, name)
                if value is not None or action.create:
                    changes[name] = value
            if event.fields:
                changes.update(event.fields)
        if action.sets_level or event.level is not None:
            changes["level"] = event.level
            changes["coverage"] = event.coverage
        elif event.coverage is not None and event.kind == "field":
            changes["coverage"] = event.coverage
        fields = self.fields
        changed: list[tuple[str, str | None]] = []
        for name, value in changes.items():
            if fields.get(name) != value or action.create:
                fields[name] = value
                changed.append((name, value))
        if changes or action.create:
            self._select(t, event, action)
        if not changed:
            return facts
        # The same few sets of facts come again and again (every opening at a level says
        # the same): made once, so each clock's verdict is found by the set's identity.
        key = (facts, tuple(changed))
        said = _FIELD_FACTS.get(key)
        if said is None:
            if len(_FIELD_FACTS) > 4096:  # values of free-form fields
                _FIELD_FACTS.clear()
            words = set(facts)
            for name, value in changed:
                words.add(f"field:{name}")
                if value is not None:
                    words.add(f"field:{name}={value}")
            said = _FIELD_FACTS[key] = frozenset(words)
        return said

    def _select(self, t: int, event: Happening, action: _Action) -> None:
        regulation = self.regulation
        fields = self.fields
        key = fields.get("level")
        if key is None:
            for rule in regulation.rules:
                if rule.matches(fields, self.inside):
                    key = rule.level
                    break
            else:
                key = regulation.default_level
        if key is None:
            raise EventError(
                f"ticket {self.ticket.id} has no level: give its opening event a level, or "
                "the policy selection rules ([[select]]) or a default_level",
                event,
            )
        level = regulation.level(key)
        coverage = fields.get("coverage") or self.ticket.coverage
        regimes = self.regimes
        previous = regimes[-1] if regimes else None
        if previous is None or previous[1] is not level or (
            level.needs_coverage and previous[2] != coverage
        ):
            if fields.get("level") is None:  # chosen by the rules: checked as a given one is
                self._admit(level, coverage, event)
            regimes.append((t, level, coverage))

    def _admit(self, level: Level, coverage: str | None, event: Happening) -> None:
        """Refuse a level the policy's rules chose that the ticket cannot have: one its
        contract does not allow, or one counted as the contract says without a coverage."""
        contract = self.ticket.contract
        if contract is not None:
            try:
                contract.level(level.key, self.regulation)
            except ConfigError as error:
                raise EventError(
                    f"ticket {self.ticket.id}: the policy's rules give it {level.key}, which "
                    f"its contract does not allow: {error.problem}",
                    event,
                ) from None
        for target in level.targets.values():
            if target.clock is None and coverage not in target.clocks:
                raise EventError(
                    f"ticket {self.ticket.id}: the policy's rules give it {level.key}, which "
                    f"is counted as the contract says: give the ticket a coverage "
                    f"({' or '.join(repr(c) for c in target.clocks)})",
                    event,
                )

    def _feed(self, t: int, facts: frozenset[str]) -> None:
        """Give the facts of one event to every clock: first what ends or takes up a cycle
        (not applicable, stop, cancel, resume), for every clock; then what starts one and
        the pauses. So ``unless`` sees the clocks as the event leaves them, whatever the
        order of the metrics in the policy."""
        running = self.category
        touched: list[tuple[_Clock, _Verdict]] = []
        for clock in self.clocks:
            verdicts = clock.verdicts
            verdict = verdicts.get(facts)
            if verdict is None:
                verdict = verdicts[facts] = _verdict(clock.definition, facts)
            if not verdict:
                continue
            touched.append((clock, verdict))
            na, stop, cancel, resume, _ = verdict
            if not (na or stop or cancel or resume):
                continue
            m = clock.definition
            cycles = clock.cycles
            active = cycles[-1] if cycles and cycles[-1].end is None else None
            if na and clock.na_at is None:
                clock.na_at = t
                if active is not None:
                    active.finish(t, "not_applicable")
                    active = None
                elif not m.cycles and cycles and cycles[-1].outcome == "met":
                    # A clock counted once is void from then on, met or not (a resolved
                    # question that turns out to be a development matter).
                    cycles[-1].end = t
                    cycles[-1].outcome = "not_applicable"
            if active is not None:
                if stop:
                    active.finish(t, "met")
                elif cancel:
                    active.finish(t, "dropped")
            elif resume and clock.na_at is None and cycles and cycles[-1].outcome == "met":
                cycles[-1].end = cycles[-1].outcome = None
        for clock, verdict in touched:
            m = clock.definition
            cycles = clock.cycles
            active = cycles[-1] if cycles and cycles[-1].end is None else None
            if verdict[4] and clock.na_at is None:
                if active is None:
                    if (m.cycles or not cycles) and not any(
                        self.by_name[name].active is not None for name in m.unless
                    ):
                        active = _Cycle(t)
                        cycles.append(active)
                elif m.restart:
                    active.finish(t, "dropped")
                    active = _Cycle(t)
                    cycles.append(active)
            if active is not None:
                spans = active.spans
                counting = bool(spans) and spans[-1][1] is None
                if running in m.pause:
                    if counting:
                        spans[-1][1] = t
                elif not counting:
                    spans.append([t, None])

    # -- the count -----------------------------------------------------------------------

    def count(
        self, ticket: str, times: list[int], at: datetime, at_us: int, share: float
    ) -> Counted:
        """The clocks of ``ticket``, whose events (the ones walked, in order) happened at
        ``times`` (UTC microseconds), at ``at``: the walk's positions become those
        instants.

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
        for m, cycles, alone in clocks:
            number = 0
            for cycle in cycles:
                found = self._metric(
                    m, cycle, number + 1 if m.cycles else 0, times, regimes, alone, at_us, share
                )
                if cycle.outcome == "dropped" and found.state != "breached":
                    if m.cycles:
                        continue
                    found = new_count(ClockCount, (
                        m.name, 0, "not_applicable", found.start, None, found.elapsed, None,
                        None, None, None, None, False, None,
                    ))
                number += m.cycles
                counts.append(found)
        counted = Counted(ticket, at, times[self.opened], head, counts)
        counted._writable(times[-1])
        return counted

    def _plan(self) -> _Plan:
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
                placeholder = _Cycle(self.opened)
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

    def _target(self, regime: _Regime, metric: str) -> _Found | None:
        """The target of ``metric`` under ``regime``, its calendar, and its duration in
        microseconds; found once per level, coverage and metric of the walk (whose
        tickets all share them)."""
        key = (id(regime[1]), regime[2], metric)
        try:
            return self.targets[key]
        except KeyError:
            pass
        target = regime[1].target(metric)
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
        cycle: _Cycle,
        number: int,
        times: list[int],
        regimes: list[_Regime] | None,
        alone: _Found | None,
        at: int,
        share: float,
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
        breached_at: int | None = None
        breach_deadline: int | None = None
        known: tuple[int | None, int | None, int] | None = None
        # The levels in force over the clock's life: the one at its start, then changes.
        if regimes is None:
            # One level all the ticket's life (most tickets): its one target, walked once.
            life = self.regimes
            final = shown = alone
            if shown is not None:
                known = _walk(shown[1], spans, shown[2], at, start, working)
                overrun = known[1]
                if overrun is not None and overrun < (at if at < end else end):
                    breached_at = overrun
                    breach_deadline = known[0]
        else:
            first = 0
            for i, regime in enumerate(regimes):
                if regime[0] <= start:
                    first = i
            life = [regimes[first], *(r for r in regimes[first + 1:] if r[0] <= end)]
            from_change = self.from_change
            breach_target: _Found | None = None
            walks: dict[tuple[int, int], tuple[int | None, int | None, int]] = {}
            judged = life if self.keeps_breach else life[-1:]
            offset = len(life) - len(judged)
            for j, regime in enumerate(judged):
                i = j + offset
                found = self._target(regime, m.name)
                if found is None:
                    continue
                origin = regime[0] if from_change and i > 0 else start
                walked = _walk(found[1], spans, found[2], at, origin, working)
                walks[id(found), origin] = walked
                due, overrun, _ = walked
                limit = min(at, end)
                if i + 1 < len(life):
                    limit = min(limit, life[i + 1][0])
                if overrun is not None and overrun < limit:
                    breached_at = overrun
                    breach_target = found
                    breach_deadline = due
                    break
            final = self._target(life[-1], m.name)
            shown = final or breach_target
            if shown is not None:
                origin = (life[-1][0] if from_change and final is not None and len(life) > 1
                          else start)
                known = walks.get((id(shown), origin))
                if known is None:
                    known = _walk(shown[1], spans, shown[2], at, origin, working)
        met_at = ended if cycle.outcome == "met" else None
        if shown is None or known is None:
            return new_count(ClockCount, (
                m.name, number, "not_applicable", start, None, None, None, None, None,
                met_at, None, False, None,
            ))
        target, schedule, target_us = shown
        deadline, _, elapsed = known
        paused = cycle.end is None and not (spans and spans[-1][1] is None)
        if deadline is None:
            if cycle.end is None:  # paused: as if it resumed now
                deadline = _add(schedule, at, target_us - elapsed)
            elif cycle.outcome == "met":  # as it stood when met
                deadline = _add(schedule, end, target_us - elapsed)
        if deadline is None and breached_at is not None:  # the deadline that was missed
            deadline = breach_deadline
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
                False, None,
            ))
        used = elapsed / target_us
        coverage = life[-1][2] if final else _coverage_of(life, target)
        return new_count(ClockCount, (
            m.name, number, state, start, deadline, elapsed, target_us, target.duration, used,
            met_at, breached_at, state == "running" and used >= share,
            target.clock_name(coverage),
        ))


def _inside(ticket: Ticket) -> dict[str, bool]:
    """Whether ``ticket`` opened inside each calendar its policy's selection rules name
    (``opened = "inside:<calendar>"``)."""
    return inside_rules(ticket.regulation, ticket.contract, ticket._opened_us)


def inside_rules(
    regulation: Regulation, contract: Contract | None, opened_us: int
) -> dict[str, bool]:
    """Whether a ticket opened at ``opened_us`` under ``regulation`` (and ``contract``,
    whose calendars come first) is inside each calendar the selection rules name."""
    names = regulation._rule_calendars
    if not names:
        return {}
    calendars = regulation.calendars
    if contract is not None and contract.calendars:
        calendars = {**calendars, **contract.calendars}
    opened = from_us(opened_us, UTC)
    return {name: calendars[name].is_open(opened) for name in names}


def _walked(ticket: Ticket, n: int, inside: dict[str, bool] | None = None) -> _Walk:
    """The walk of the first ``n`` events of ``ticket``, on their positions."""
    walk = _Walk(ticket, _inside(ticket) if inside is None else inside)
    events = ticket._events
    for i in range(n):
        walk.apply(i, events[i][1])
    return walk


class Shapes:
    """The walks of many tickets, by what their events say, in order.

    Two tickets whose events say the same things in the same order (kinds, levels,
    statuses, authors, fields; not their times, not the free-text detail), under the same
    policy version, contract and coverage, and opened inside the same selection-rule
    calendars, walk alike: the walk is made once and each ticket counts it on its own
    times. The 100,000 tickets of ``examples/generate_tickets.py`` make 225 shapes.

    Args:
        limit: the number of shapes kept (each keeps the first ticket walked so, a few
            kB); past it, the cache starts again: a log whose free-form fields make
            every ticket a shape of its own does not grow it without end.
    """

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._walks: dict[tuple[Any, ...], _Walk] = {}

    def __len__(self) -> int:
        return len(self._walks)

    def walk(self, ticket: Ticket, n: int) -> _Walk:
        """The walk of the first ``n`` events of ``ticket``: a known one, or made now."""
        inside = _inside(ticket)
        contract = ticket.contract
        said = tuple([_said(key, event) for key, event in ticket._events[:n]])
        shape = (id(ticket.regulation), None if contract is None else id(contract),
                 ticket.coverage, tuple(inside.values()), said)
        walk = self._walks.get(shape)
        if walk is None:
            walk = _walked(ticket, n, inside)
            if len(self._walks) >= self.limit:
                self._walks.clear()
            # The walk keeps its ticket (so its policy and contract), whose ids the shape
            # holds: they are not reused while the walk is kept.
            self._walks[shape] = walk
        return walk


def _said(key: tuple[Any, ...], event: Happening) -> tuple[Any, ...]:
    """What the walk reads of an event (its rank in ``key``, and every text but the
    free-text detail), a missing value kept apart from an empty one: an empty customer
    or field value is a change of the field, a missing one is not."""
    fields = event.fields
    return (key[1], event.kind, event.level, event.coverage, event.category, event.customer,
            event.status, event.author, tuple(sorted(fields.items())) if fields else None)


def _local(us: int, zone: tzinfo | None) -> datetime:
    """The instant ``us`` as a datetime in ``zone``: the C conversion of whole seconds, the
    microseconds put back (``from_us`` where that cannot be written)."""
    seconds, micro = divmod(us, 1_000_000)
    try:
        found = datetime.fromtimestamp(seconds, zone or UTC)
    except (OverflowError, OSError, ValueError):
        return from_us(us, zone)
    return found.replace(microsecond=micro) if micro else found


def _coverage_of(life: list[_Regime], target: Target) -> str | None:
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


def _walk(
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
            (``False``): an event the ticket refuses, and every ticket without an opening.
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
        try:
            out[ticket_id] = ticket.status(at)
        except EventError as error:
            if strict:
                raise
            if rejected is not None:
                rejected.extend((e, error) for e in ticket.events)
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
