"""The walk: one pass over a ticket's sorted events, turning each into *facts* (the ticket
was created, the desk replied, the status entered a category, a field changed) and feeding
the facts to every metric the policy declares: a :class:`~slaclock.policy.MetricDefinition` says
which facts start, pause, meet, resume or cancel its clock. The walk gives each clock its
cycles and their active spans, and the levels in force over the ticket's life; the
counting (:mod:`slaclock.sla._count`) puts them on the ticket's times.

The walk never looks at an event's time: it runs on the events' positions (0, 1, 2, ...),
so its outcome is a function of what the events say, in order; a report of many tickets
walks each distinct sequence once (:class:`Shapes`) and counts every ticket on its own
times. (The one time a walk needs, whether a ticket opened inside some calendar's hours
for a selection rule, is read before the walk and is part of the sequence.)
"""

from __future__ import annotations

import operator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slaclock._errors import ConfigError, EventError
from slaclock._instants import from_us
from slaclock.sla._count import Counting, Cycle, Found, Kept, Plan, Regime
from slaclock.sla._event import Happening
from slaclock.sla._model import Level, Memo, MetricDefinition
from slaclock.sla._regulation import Regulation
from slaclock.sla._vocabulary import CATEGORIES, ROLES, VOCABULARY, Kind

if TYPE_CHECKING:
    from slaclock.sla._contract import Contract
    from slaclock.sla._ticket import Ticket

__all__ = ["Clock", "Shapes", "Walk", "inside_rules", "level_refusal", "said", "walked"]


_NO_FACTS: frozenset[str] = frozenset()
_CREATED = {role: frozenset({"created", f"created_by:{role}"}) for role in ROLES}
_DESK_REPLY = frozenset({"desk_reply", "reply"})
_CUSTOMER_REPLY = frozenset({"customer_reply", "reply"})
_NOTE = {role: frozenset({f"{role}_note"}) for role in ROLES}
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


class Clock:
    """A metric of one ticket during the walk."""

    __slots__ = ("cycles", "definition", "na_at", "verdicts")

    def __init__(self, definition: MetricDefinition) -> None:
        self.definition = definition
        #: The verdict of each set of facts met so far (a few dozen): the definition's
        #: memo, shared by every clock of it.
        self.verdicts: Memo = definition._verdicts
        self.cycles: list[Cycle] = []
        self.na_at: int | None = None

    @property
    def active(self) -> Cycle | None:
        cycles = self.cycles
        if cycles and cycles[-1].end is None:
            return cycles[-1]
        return None


class Walk(Counting):
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
        self.clocks = [Clock(m) for m in regulation.metrics.values()]
        self.by_name = {c.definition.name: c for c in self.clocks}
        self.fields: dict[str, str | None] = {}
        self.category = "open"
        self.handed_off = False
        self.regimes: list[Regime] = []
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
        self.targets: dict[tuple[int, str | None, str], Found | None] = {}
        #: What every ticket of the walk shares, once a ticket is counted.
        self.plan: Plan | None = None
        self.last_at: tuple[datetime | None, str] = (None, "")
        #: The counts of ended cycles, when one ticket keeps the walk (:class:`Counting`).
        self.ended: Kept | None = None
        self.lone: tuple[float, ...] = (ticket.at_risk,)

    def apply(self, t: int, event: Happening) -> None:
        kind = VOCABULARY[event.kind]
        facts: frozenset[str] = _NO_FACTS
        initial = None
        if kind.opens:
            self.opened = t
            facts = _CREATED[event.author or "customer"]
            if event.status is not None:
                initial = self.regulation.category(event.status) or "open"
        if kind.sets_fields:
            facts = self._set_fields(t, event, kind, facts)
        if kind.reply is not None:
            role = event.author if kind.reply == "author" else kind.reply
            said: frozenset[str]
            if not kind.public:
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
        if kind.enters is not None:
            name = event.status if kind.enters == "status" else kind.enters
            if not kind.only_from or self.category in kind.only_from:
                moved = self._enter(self.regulation.category(name or "") or "open")
                facts = facts | moved if facts else moved
        if kind.handoff and not self.handed_off:
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
        self, t: int, event: Happening, kind: Kind, facts: frozenset[str]
    ) -> frozenset[str]:
        changes: dict[str, str | None] = {}
        # An opening sets the ticket's customer and category (missing ones too), and a
        # kind that may set fields sets those it gives.
        field_event = kind.fields != "refuses" and not kind.opens
        if kind.opens or field_event:
            for name in ("customer", "category"):
                value = getattr(event, name)
                if value is not None or kind.opens:
                    changes[name] = value
            if event.fields:
                changes.update(event.fields)
        if kind.sets_level or event.level is not None:
            changes["level"] = event.level
            changes["coverage"] = event.coverage
        elif event.coverage is not None and field_event:
            changes["coverage"] = event.coverage
        fields = self.fields
        changed: list[tuple[str, str | None]] = []
        for name, value in changes.items():
            if fields.get(name) != value or kind.opens:
                fields[name] = value
                changed.append((name, value))
        if changes or kind.opens:
            self._select(t, event)
        if not changed:
            return facts
        # The same few sets of facts come again and again (every opening at a level says
        # the same): made once, so each clock's verdict is found by the set's identity.
        # The policy's memo keeps them (bounded: values of free-form fields).
        key = (facts, tuple(changed))
        made = self.regulation._field_facts
        said: frozenset[str] | None = made.get(key)
        if said is None:
            words = set(facts)
            for name, value in changed:
                words.add(f"field:{name}")
                if value is not None:
                    words.add(f"field:{name}={value}")
            said = made.keep(key, frozenset(words))
        return said

    def _select(self, t: int, event: Happening) -> None:
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
        """Refuse a level the policy's rules chose that the ticket cannot have
        (:func:`level_refusal`)."""
        refused = level_refusal(level, coverage, self.ticket.contract, self.regulation)
        if refused is None:
            return
        rule, said = refused
        why = (f"which its contract does not allow: {said}" if rule == "contract" else
               f"which is counted as the contract says: give the ticket a coverage ({said})")
        raise EventError(
            f"ticket {self.ticket.id}: the policy's rules give it {level.key}, {why}", event
        )

    def _feed(self, t: int, facts: frozenset[str]) -> None:
        """Give the facts of one event to every clock: first what ends or takes up a cycle
        (not applicable, stop, cancel, resume), for every clock; then what starts one and
        the pauses. So ``unless`` sees the clocks as the event leaves them, whatever the
        order of the metrics in the policy."""
        running = self.category
        touched: list[tuple[Clock, _Verdict]] = []
        for clock in self.clocks:
            verdicts = clock.verdicts
            verdict = verdicts.get(facts)
            if verdict is None:
                verdict = verdicts.keep(facts, _verdict(clock.definition, facts))
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
                        active = Cycle(t)
                        cycles.append(active)
                elif m.restart:
                    active.finish(t, "dropped")
                    active = Cycle(t)
                    cycles.append(active)
            if active is not None:
                spans = active.spans
                counting = bool(spans) and spans[-1][1] is None
                if running in m.pause:
                    if counting:
                        spans[-1][1] = t
                elif not counting:
                    spans.append([t, None])


def level_refusal(
    level: Level, coverage: str | None, contract: Contract | None, regulation: Regulation
) -> tuple[str, str] | None:
    """Why a ticket under ``contract`` (and ``regulation``) cannot have ``level`` with
    ``coverage``, whether an event gave the level or the policy's rules chose it:
    ``("contract", problem)`` for a level its contract does not allow, ``("coverage",
    choices)`` for one counted as the contract says without one of the coverages its
    targets offer; ``None`` when it can."""
    if contract is not None:
        try:
            contract.level(level.key, regulation)
        except ConfigError as error:
            return "contract", error.problem
    for target in level.targets.values():
        if target.clock is None and coverage not in target.clocks:
            return "coverage", " or ".join(repr(c) for c in target.clocks)
    return None


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


def walked(ticket: Ticket, n: int, inside: dict[str, bool] | None = None) -> Walk:
    """The walk of the first ``n`` events of ``ticket``, on their positions."""
    walk = Walk(ticket, _inside(ticket) if inside is None else inside)
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
        self._walks: dict[tuple[Any, ...], Walk] = {}

    def __len__(self) -> int:
        return len(self._walks)

    def walk(self, ticket: Ticket, n: int) -> Walk:
        """The walk of the first ``n`` events of ``ticket``: a known one, or made now."""
        inside = _inside(ticket)
        contract = ticket.contract
        shape = (id(ticket.regulation), None if contract is None else id(contract),
                 ticket.coverage, tuple(inside.values()),
                 *[said(event) for _, event in ticket._events[:n]])
        walk = self._walks.get(shape)
        if walk is None:
            walk = walked(ticket, n, inside)
            if len(self._walks) >= self.limit:
                self._walks.clear()
            # The walk keeps its ticket (so its policy and contract), whose ids the shape
            # holds: they are not reused while the walk is kept.
            self._walks[shape] = walk
        return walk


#: The texts of an event the walk reads, but its fields (read in C).
_TEXTS = operator.attrgetter("kind", "level", "coverage", "customer", "category", "status",
                             "author")


def said(event: Happening) -> tuple[Any, ...]:
    """What the walk (and the checks of an event against its ticket) read of an event: all
    but its instant, its free-text detail and its ticket. The key of a walk known by what
    its events say (:class:`Shapes`, and the report's replay): a missing value is kept
    apart from an empty one (an empty customer or field value is a change of the field, a
    missing one is not); no fields and empty fields alike, as the walk takes them. Its
    order among events at one instant follows from these, under one policy version.

    >>> from datetime import UTC, datetime
    >>> from slaclock.sla._event import Event
    >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> said(Event("T-1", at, "opened", "standard", detail="printer"))
    ('opened', 'standard', None, None, None, None, None)
    """
    fields = event.fields
    return (*_TEXTS(event), tuple(sorted(fields.items()))) if fields else _TEXTS(event)
