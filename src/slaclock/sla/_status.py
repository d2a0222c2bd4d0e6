"""Where a ticket stands at an instant: each SLA clock's :class:`MetricStatus` and the
ticket's :class:`TicketStatus`, with their JSON forms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from json.encoder import encode_basestring
from typing import Any, Literal

import attrs

from slaclock._instants import duration_us, from_us, instant_text

__all__ = [
    "MetricState", "MetricStatus", "TicketState", "TicketStatus", "local_datetime",
    "working_hours",
]

MetricState = Literal["running", "paused", "met", "breached", "not_applicable"]
TicketState = Literal["open", "waiting", "on_hold", "development", "resolved", "closed"]


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
        warned: the warning thresholds a running clock has reached (shares of its target,
            sorted; the at-risk share is one of its thresholds, so ``at_risk`` is whether
            it is among them); empty for a clock that is not running. A clock's
            thresholds are the query's, else its ticket's, else its target's ``warn``,
            else its level's, else its policy version's, with the at-risk share.
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
    warned: tuple[float, ...] = ()

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
    return None if value is None else instant_text(value)


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
    #: ``at`` in ISO 8601, when whoever made the status knew it (not part of the value).
    _at_text: str | None = attrs.field(init=False, default=None, eq=False, repr=False,
                                       hash=False)
    #: The ticket that made the status, the query's thresholds and the number of events
    #: the ticket had, when a :meth:`~slaclock.Ticket.status` made it: what :meth:`view`
    #: reads besides the status (not part of the value).
    _live: tuple[Any, tuple[float, ...] | None, int] | None = attrs.field(
        init=False, default=None, eq=False, repr=False, hash=False)

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

    @property
    def next_due(self) -> MetricStatus | None:
        """The clock whose deadline is :attr:`next_deadline` (the first in the order of
        :attr:`metrics` when several share it), or ``None``."""
        due = None
        for m in self.metrics:
            if m.deadline is not None and (
                m.state == "running" or (m.state == "breached" and m.met_at is None)
            ) and (due is None or m.deadline < due.deadline):  # type: ignore[operator]
                due = m
        return due

    def view(self) -> dict[str, Any]:
        """The status as a web view shows it: a JSON-ready dict, documented by the JSON
        Schema ``slaclock/data/schemas/ticket-view.schema.json`` (:doc:`/reference/ticket-view`).

        Per metric: its name and title (the metric definition's), its calendar and
        whether it is open at :attr:`at` (``within_calendar_hours``), its goal, its
        completed cycles and the ongoing one; per cycle: the state, the working time
        elapsed and left and the wall-clock time since the start (``actual_elapsed``), as
        ``{"millis": ..., "text": "5h 07m"}`` (working hours, never days), the
        breach time (the deadline) and the original one (the start plus the goal, as if
        nothing paused it), whether it is breached, paused or counting now, the share used
        (``used``, ``percentage``) and the warning thresholds reached; and the ticket's
        :meth:`~slaclock.Ticket.next_change`. Instants are ISO 8601 with their offset, in
        the zone of :attr:`at`.

        A status made by :meth:`Ticket.status <slaclock.Ticket.status>` reads its ticket
        (the policy's titles, the clocks' calendars and cycles, the next change, from the
        events recorded up to :attr:`at`). One made otherwise (a report's) has the metric
        names as titles, ``null`` for what needs the ticket, and no next change; so has
        one whose ticket recorded events since (but for the titles): ask the ticket for
        a new status.
        """
        return _VIEWS[0](self)

    def view_json(self) -> str:
        """:meth:`view` as JSON text, with the characters a terminal acts on written as
        escapes, as every JSON slaclock writes."""
        return json_safe(json.dumps(self.view(), ensure_ascii=False))

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
            "at": instant_text(self.at),
            "level": self.level,
            "coverage": self.coverage,
            "state": self.state,
            "opened": instant_text(self.opened),
            "critical": self.critical,
            "at_risk": self.at_risk,
            "breached": self.breached,
            "metrics": [m.as_dict() for m in self.metrics],
        }

    def to_json(self) -> str:
        """``json_safe(json.dumps(self.as_dict(), ensure_ascii=False))``, character for
        character, written directly (a report writes millions of them): the characters a
        terminal acts on written as ``\\uXXXX`` escapes.

        >>> import json
        >>> from zoneinfo import ZoneInfo
        >>> from slaclock import Event, Regulation, Ticket
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
        opened_iso = instant_text(opened)
        # The instant asked is the same for every status of a report: its text is made
        # once, by the count that made the status (Counted.status).
        at_iso = self._at_text or instant_text(self.at)
        metrics = ", ".join([_metric_json(m, opened, opened_iso) for m in self.metrics])
        text = (
            f'{{"ticket": {_json_text(self.ticket)}, "at": "{at_iso}", '
            f'"level": {_json_text(self.level)}, "coverage": {_json_or_null(self.coverage)}, '
            f'"state": "{self.state}", "opened": "{opened_iso}", '
            f'"critical": {_JSON_BOOL[self.critical]}, "at_risk": {_JSON_BOOL[self.at_risk]}, '
            f'"breached": {_JSON_BOOL[self.breached]}, "metrics": [{metrics}]}}'
        )
        # Made safe once, whole: the usual ticket is plain ASCII with nothing to escape.
        return text if text.isascii() and "\x7f" not in text else json_safe(text)


#: The maker of a status's view (:mod:`slaclock.sla._view` registers it when imported:
#: it reads the ticket's clocks, which are counted above this module).
_VIEWS: list[Callable[[TicketStatus], dict[str, Any]]] = []


def register_view(maker: Callable[[TicketStatus], dict[str, Any]]) -> None:
    """Make ``maker`` the maker of every status's :meth:`TicketStatus.view`."""
    _VIEWS[:] = [maker]


#: Characters a terminal acts on or that turn text around, which JSON may hold raw: DEL
#: and the C1 controls (U+009B starts an escape sequence like ESC [), the line and
#: paragraph separators, and the bidirectional marks, embeddings, overrides and isolates.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _json_escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found[0]):04x}"


def json_safe(text: str) -> str:
    r"""JSON text with the characters a terminal would act on written as ``\uXXXX``
    escapes: the same JSON to any reader (the escapes are the characters), safe to print
    (the C0 controls JSON escapes already). Every JSON slaclock writes goes through it.

    >>> json_safe('"T\u202e1\x9b2J"')
    '"T\\u202e1\\u009b2J"'
    """
    return _UNSAFE_IN_JSON.sub(_json_escape, text)


#: A string as JSON (``json.dumps(text, ensure_ascii=False)``); :meth:`TicketStatus.to_json`
#: makes its whole text safe (:func:`json_safe`) at once.
_json_text = encode_basestring


_JSON_BOOL = {False: "false", True: "true"}


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
    start = opened_iso if m.start is opened else instant_text(m.start)
    d, met, breached = m.deadline, m.met_at, m.breached_at
    deadline = "null" if d is None else '"' + instant_text(d) + '"'
    met_at = "null" if met is None else '"' + instant_text(met) + '"'
    breached_at = "null" if breached is None else '"' + instant_text(breached) + '"'
    return (
        f'{{"metric": {_json_text(m.metric)}, "cycle": {m.cycle}, "state": "{m.state}", '
        f'"start": "{start}", "deadline": {deadline}, '
        f'"elapsed": {_json_seconds(m.elapsed)}, "remaining": {_json_seconds(m.remaining)}, '
        f'"used": {"null" if m.used is None else repr(m.used)}, '
        f'"met_at": {met_at}, "breached_at": {breached_at}, '
        f'"at_risk": {_JSON_BOOL[m.at_risk]}, "target": {_json_seconds(m.target)}, '
        f'"clock": {_json_or_null(m.clock)}}}'
    )


def working_hours(value: timedelta | None) -> str:
    """Working time as a person reads it: working hours and minutes, never days.

    ``3763h 04m``, ``5h 07m``, ``42m`` (seconds are dropped, toward zero); a minus sign
    when negative (a clock past its deadline); ``""`` for ``None``. Working time is
    counted on a calendar, so a day of it is not a calendar day (nor 24 hours, nor one
    working day, whose length differs from calendar to calendar and from a full day to a
    shortened one): ``3763h 04m`` of working time are 3,763 hours the desk worked, where
    ``156d 19h`` would read as five months. The table of ``slaclock report``, the text
    of ``slaclock elapsed`` and a ticket's view (:meth:`TicketStatus.view`) write every
    working duration this way; CSV and JSON write whole seconds (a view, milliseconds).

    >>> working_hours(timedelta(hours=3763, minutes=4)), working_hours(timedelta(minutes=-307))
    ('3763h 04m', '-5h 07m')
    >>> working_hours(timedelta(seconds=59)), working_hours(timedelta(hours=24))
    ('0m', '24h 00m')
    """
    if value is None:
        return ""
    us = duration_us(value)
    minutes = abs(us) // 60_000_000
    sign = "-" if us < 0 and minutes else ""
    hours, minute = divmod(minutes, 60)
    if hours:
        return f"{sign}{hours}h {minute:02d}m"
    return f"{sign}{minute}m"


def local_datetime(us: int, zone: tzinfo | None) -> datetime:
    """The instant ``us`` as a datetime in ``zone``: the C conversion of whole seconds, the
    microseconds put back (``from_us`` where that cannot be written)."""
    seconds, micro = divmod(us, 1_000_000)
    try:
        found = datetime.fromtimestamp(seconds, zone or UTC)
    except (OverflowError, OSError, ValueError):
        return from_us(us, zone)
    return found.replace(microsecond=micro) if micro else found
