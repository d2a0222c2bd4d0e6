"""A ticket: its events, recorded and checked against its policy, and its SLA clocks at
any instant.

A ticket is the *set* of its events. To answer :meth:`Ticket.status` the events up to the
instant asked are sorted (by UTC instant, then by a fixed order of what they do at the
same instant) and walked once (:mod:`slaclock.sla._walk`); each clock is then counted on
the calendar of its level's target (:mod:`slaclock.sla._count`). Instants are integers
(UTC microseconds) throughout: datetimes are read once from the events and made once for
the result.

The rules, and the options a policy chooses among, are in :doc:`/explanation/sla`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from slaclock._errors import ConfigError, EventError, UnknownLevelError
from slaclock._instants import to_us
from slaclock.sla._changes import Change, ticket_changes
from slaclock.sla._count import Kept
from slaclock.sla._event import Event, Happening, no_opening, same_event
from slaclock.sla._governing import governing
from slaclock.sla._model import shares_of
from slaclock.sla._regulation import Regulation, RegulationVersions
from slaclock.sla._status import TicketStatus
from slaclock.sla._stored import ticket_from_json, ticket_json
from slaclock.sla._vocabulary import CATEGORIES, COVERAGES, VOCABULARY, rank
from slaclock.sla._walk import Shapes, Walk, level_refusal, walked

if TYPE_CHECKING:
    from slaclock.sla._contract import Contract

__all__ = ["Ticket"]


def _first(pair: tuple[tuple[Any, ...], Happening]) -> tuple[Any, ...]:
    return pair[0]


class Ticket:
    """A ticket's events, and its SLA clocks at any instant.

    Events may be recorded late and in any order; the status depends only on the set of
    events recorded. An event that says what a recorded one says, at the same instant, is
    the same event and is recorded once (the one recorded first is kept), whatever its
    free-text ``detail``: the rule an event log's reader follows for its rows
    (:class:`~slaclock.Event`). Every event is checked before it is kept; a rejected event
    raises :class:`~slaclock.EventError` and leaves the ticket unchanged.

    Args:
        id: the ticket's id; every event must carry it.
        regulation: the regulation version that governs the ticket.
        coverage: the default coverage (``"business"``, ``"24x7"``) for a level counted as
            the contract says, when the events do not give one.
        contract: when given, levels are checked against it (only levels of its kind, and
            those needing an agreement only with one), and its calendars replace the
            policy's.
        at_risk: the at-risk share (default: the regulation's).
        thresholds: the warning thresholds of every clock of the ticket (shares of its
            target, each above 0 and at most 1), besides the at-risk share; default: each
            clock's target's ``warn``, else its level's, else the regulation's.

    Recording is O(k) for a ticket of k events; :meth:`status` is O(k log n). A ticket
    keeps the walk of its events and the counts of its ended cycles: recording an event
    after the others and asking the status walks that event alone (a plugin's loop,
    :doc:`/howto/helpdesk-plugin`); an event before the last one walks them all again.
    Tickets pickle, with their events and policy (not what they keep).

    >>> from zoneinfo import ZoneInfo
    >>> from slaclock import Event
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
        thresholds: Iterable[float] | None = None,
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
        self.thresholds = None if thresholds is None else shares_of(thresholds)
        self._events: list[tuple[tuple[Any, ...], Happening]] = []
        self._opened: Happening | None = None
        self._opened_us = 0
        #: The walk of the first k events, and k: extended when events come at its end,
        #: dropped when one comes before it (:meth:`_walk_to`).
        self._walked: tuple[Walk, int] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_walked"] = None  # a cache: not pickled (it holds the ticket itself)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        # A ticket pickled before warning thresholds and the kept walk.
        self.__dict__.setdefault("thresholds", None)
        self.__dict__.setdefault("_walked", None)

    def __repr__(self) -> str:
        return f"Ticket({self.id!r}, {len(self._events)} events)"

    @classmethod
    def governed(
        cls,
        id: str,
        policy: Regulation | RegulationVersions | None,
        *,
        opened: datetime,
        customer: str | None = None,
        signed: date | None = None,
        coverage: str | None = None,
        at_risk: float | None = None,
        thresholds: Iterable[float] | None = None,
    ) -> Ticket:
        """A ticket under the terms that govern it (:func:`slaclock.policy.governing`):
        the version of ``policy`` in force on the day its contract was signed, else on
        ``signed``, else on the day it ``opened`` in the desk's zone (the same instant
        written with any offset gets the same version); the contract of ``customer`` when
        the policy has one; the contract's coverage, else ``coverage``.

        The ticket has no events yet: record its opening (at ``opened``, with the same
        customer) and what follows.

        Args:
            id: the ticket's id.
            policy: a policy version, or its versions and contracts (the default policy
                for ``None``).
            opened: when the ticket opened; an aware datetime.
            customer: the ticket's customer, which names its contract.
            signed: the signing date of a customer without a contract in the policy.
            coverage: the coverage when the contract gives none.
            at_risk, thresholds: as for :class:`Ticket`.

        Raises:
            ConfigError: when no version was in force on the day that decides.
            NaiveDatetimeError: for an ``opened`` without a zone.
        """
        terms = governing(policy, opened, customer=customer, signed=signed, coverage=coverage)
        return cls(id, terms.regulation, terms.coverage, contract=terms.contract,
                   at_risk=at_risk, thresholds=thresholds)

    def to_json(self) -> str:
        """The ticket as JSON text, to store and restore with :meth:`from_json`: its id,
        the policy version's name, the contract's customer, the coverage, the at-risk
        share, the warning thresholds, and its events in order (each instant as given,
        microseconds and offset, with its zone's name when it has one). Not the policy:
        a ticket is restored against the policy it was stored under.
        """
        return ticket_json(self)

    @classmethod
    def from_json(
        cls, text: str | bytes, policy: Regulation | RegulationVersions | None
    ) -> Ticket:
        """The ticket :meth:`to_json` stored, under ``policy`` (a version, or the versions
        and contracts it was stored under; the default policy for ``None``): the same
        id, terms and events, so the same statuses at every instant.

        Raises:
            ConfigError: for text that is not a stored ticket, or names a version or a
                contract the policy does not have.
            EventError: for a stored event the ticket refuses (as :meth:`record` would).
        """
        return ticket_from_json(cls, text, policy)

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
        does, then what it says (its free-text detail aside: two events that say the same
        but for it are one, :func:`~slaclock.sla._event.same_event`)."""
        kind = VOCABULARY[event.kind]
        order = kind.rank
        if order is None:
            category = self.regulation.category(event.status or "") if kind.enters else None
            order = rank(kind, category, event.author)
        key = (
            us, order, event.kind, event.level or "", event.coverage or "",
            event.category or "", event.customer or "",
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
        if event.ticket != self.id:
            raise EventError(
                f"the event belongs to ticket {event.ticket!r}, not {self.id!r}", event
            )
        # The same events have equal keys, so a duplicate can only sit among the events of
        # the same key; an event later than every other one (the usual case) is new.
        at = len(events)
        if events and key <= events[-1][0]:
            at = bisect_left(events, key, key=_first)
            while at < len(events) and events[at][0] == key:
                if same_event(events[at][1]) == same_event(event):
                    return
                at += 1
        if event.level is not None:
            self._check_level(event)
        if event.status is not None and self.regulation.category(event.status) is None:
            known = ", ".join(self.regulation.statuses) or "none besides the categories"
            raise EventError(
                f"status {event.status!r} of ticket {self.id} is not one the policy knows "
                f"(its statuses: {known}; categories: {', '.join(CATEGORIES)}): map it in "
                "the policy's [statuses]",
                event,
            )
        creates = VOCABULARY[event.kind].opens
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
        walked = self._walked
        if walked is not None and at < walked[1]:
            self._walked = None  # an event before the end of the walk: walk again
        if creates:
            self._opened = event
            self._opened_us = key[0]

    def _check_level(self, event: Happening) -> None:
        assert event.level is not None
        try:
            level = self.regulation.level(event.level)
        except UnknownLevelError as error:
            raise EventError(f"{event.kind} event of ticket {self.id}: {error}", event) from None
        refused = level_refusal(level, event.coverage or self.coverage, self.contract,
                                self.regulation)
        if refused is None:
            return
        rule, said = refused
        why = said if rule == "contract" else (
            f"{level.key} is counted as the contract says; give the event or the ticket a "
            f"coverage ({said}): without the contract's emergency agreement this level "
            "does not apply"
        )
        raise EventError(f"{event.kind} event of ticket {self.id}: {why}", event)

    def status(
        self, at: datetime, *, at_risk: float | None = None,
        thresholds: Iterable[float] | None = None,
    ) -> TicketStatus:
        """The ticket's clocks at ``at``, from the events recorded up to ``at`` (inclusive).

        Every instant in the result is expressed in ``at``'s zone.

        Args:
            at: the instant; an aware datetime.
            at_risk: the at-risk share for this query (default: the ticket's).
            thresholds: the warning thresholds for this query, besides the at-risk share
                (default: the ticket's); the clocks' ``warned`` says which are reached.

        Raises:
            EventError: when the ticket has no opening event, opened after ``at``, or
                matches no level of the policy.
            NaiveDatetimeError: when ``at`` has no zone.
            ConfigError: for an ``at_risk`` share or a threshold outside (0, 1].
        """
        warn = None if thresholds is None else shares_of(thresholds)
        status = self._status(at, to_us(at, "at"), at_risk, None, warn)
        object.__setattr__(status, "_live", (self, warn, len(self._events)))
        return status

    def _status(
        self, at: datetime, at_us: int, at_risk: float | None, shapes: Shapes | None,
        warn: tuple[float, ...] | None = None,
    ) -> TicketStatus:
        """:meth:`status` at ``at`` (``at_us`` in UTC microseconds); ``shapes`` reuses the
        walks of tickets whose events said the same (a report's); ``warn``: the query's
        thresholds, checked."""
        self._check_opened(at, at_us)
        if at_risk is not None and not 0 < at_risk <= 1:
            raise ConfigError("at_risk", at_risk, "a share above 0, at most 1")
        share = self.at_risk if at_risk is None else at_risk
        walk, times = self._walk_to(at_us, shapes)
        return walk.count(self.id, times, at, at_us, share, None,
                          self.thresholds if warn is None else warn).status()

    def next_change(
        self, at: datetime, *, thresholds: Iterable[float] | None = None
    ) -> Change | None:
        """The first change of the ticket's status after ``at`` that comes with no new
        event: a running clock reaches a warning threshold or breaches, or starts or stops
        counting as its calendar opens or closes; ``None`` when only an event can change
        it (every clock paused, met or without a target, on calendars that never close).

        :attr:`Change.at <slaclock.Change.at>` is the first instant at which
        :meth:`status` shows the change, so a timer set to it finds it. Only the events
        recorded up to ``at`` are read. Of several changes at one instant, the first in
        the order of the status's clocks, and for one clock ``stops``, ``starts``,
        ``at_risk`` (lower thresholds first), ``breach``.

        Args:
            at: the instant; an aware datetime. The change is in its zone.
            thresholds: the warning shares for this query (each above 0, at most 1),
                besides the at-risk share, which is always one; default: the ticket's.

        Raises:
            EventError: as :meth:`status` does.
            NaiveDatetimeError: when ``at`` has no zone.
            ConfigError: for a threshold outside (0, 1].

        A year that is provisional in a calendar read warns once
        (:class:`~slaclock.ProvisionalCalendarWarning`).
        """
        found = ticket_changes(self, at, None, thresholds)
        return found[0] if found else None

    def changes(
        self, at: datetime, until: datetime, *, thresholds: Iterable[float] | None = None
    ) -> list[Change]:
        """Every change :meth:`next_change` would find, one after the other, after ``at``
        up to ``until`` (inclusive), in order (the ties as :meth:`next_change` orders
        them). A running clock on a calendar that closes stops and starts every working
        day until an event comes: keep ``until`` near.

        Raises:
            EventError, NaiveDatetimeError, ConfigError: as :meth:`next_change` does (and
                for an ``until`` without a zone).
        """
        return ticket_changes(self, at, until, thresholds)

    def _check_opened(self, at: datetime, at_us: int) -> None:
        """Raise an :class:`EventError` unless the ticket opened by ``at`` (``at_us``)."""
        if self._opened is None:
            raise EventError(no_opening(self.id, (e.kind for _, e in self._events)))
        if self._opened_us > at_us:
            raise EventError(
                f"ticket {self.id} opened at {self._opened.at.isoformat()}, after "
                f"{at.isoformat()}"
            )

    def _walk_to(self, at_us: int, shapes: Shapes | None) -> tuple[Walk, list[int]]:
        """The walk of the events up to ``at_us`` (of an opened ticket), and their
        instants.

        Without ``shapes`` (a report's) the ticket keeps the walk of its first k events
        and extends it when asked about more: a plugin that records an event and asks
        the status at each event walks each event once. An event recorded before the
        end of the kept walk drops it (the next status walks from the start); a status
        asked before its end walks anew and keeps the longer one.
        """
        times = [key[0] for key, _ in self._events]
        n = bisect_right(times, at_us)
        del times[n:]
        if shapes is not None:
            return shapes.walk(self, n), times
        kept = self._walked
        if kept is None or kept[1] > n:
            walk = walked(self, n)
            if kept is None:
                walk.ended = Kept()  # one ticket's walk: its ended cycles' counts kept
                self._walked = (walk, n)
            return walk, times
        walk, k = kept
        if k < n:
            events = self._events
            try:
                for i in range(k, n):
                    walk.apply(i, events[i][1])
            except BaseException:
                self._walked = None  # applied in part: walk from the start next time
                raise
            walk.plan = None  # what every count shares: found again on the longer walk
            self._walked = (walk, n)
        return walk, times

    def _check(self) -> None:
        """Assert the ticket's invariants (the tests call it after every change)."""
        keys = [k for k, _ in self._events]
        assert keys == sorted(keys)
        assert len({e for _, e in self._events}) == len(self._events)
        opened = [e for _, e in self._events if VOCABULARY[e.kind].opens]
        assert len(opened) <= 1
        if opened:
            assert self._opened == opened[0] == self._events[0][1]
