"""The one evaluator against slow references, over random policies and histories.

- Random metric definitions (any triggers, pauses, cycles, restarts, cancels, options) on
  random general-vocabulary histories, against a reference that steps through the ticket
  15 minutes at a time, counting working time step by step and applying the definition's
  words directly.
- The regulation's policy against slaclock 0.1's hand-written clocks (``legacy_clock``) on
  random tickets, under the breach rule slaclock 0.1 had.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import reference_rules
import strategies_rules
from legacy_clock import legacy_status
from slaclock import Calendar, Event, EventError, Regulation, Ticket
from slaclock.policy import Level, MetricDefinition, Options, Target, parse_policy
from slaclock.sla import CATEGORIES

BER = ZoneInfo("Europe/Berlin")
OFFICE = Calendar(tz="Europe/Berlin", hours="09:00-17:00")
STEP = timedelta(minutes=15)
ORIGIN = datetime(2026, 6, 1, 8, 0, tzinfo=BER)  # a Monday
EXAMPLES = settings(max_examples=max(10, settings.default.max_examples // 3))

TRIGGERS = (
    "created", "created_by:desk", "created_by:customer", "desk_reply", "customer_reply",
    "reply", "desk_note", "enter:open", "enter:pending", "enter:on_hold", "enter:solved",
    "enter:closed", "leave:pending", "leave:solved", "reopened", "handoff", "field:category",
    "field:category=development",
)


@st.composite
def definitions(draw: st.DrawFn, name: str) -> MetricDefinition:
    some = st.frozensets(st.sampled_from(TRIGGERS), max_size=3)
    return MetricDefinition(
        name=name,
        start=draw(st.frozensets(st.sampled_from(TRIGGERS), min_size=1, max_size=3)),
        stop=draw(st.frozensets(st.sampled_from(TRIGGERS), min_size=1, max_size=3)),
        pause=draw(st.frozensets(st.sampled_from(CATEGORIES), max_size=2)),
        resume=draw(some),
        cancel=draw(some),
        not_applicable=draw(st.frozensets(st.sampled_from(TRIGGERS), max_size=1)),
        cycles=draw(st.booleans()),
        restart=draw(st.booleans()),
    )


@st.composite
def policies(draw: st.DrawFn) -> Regulation:
    names = ["a", "b", "c"][: draw(st.integers(1, 3))]
    metrics = {n: draw(definitions(n)) for n in names}
    targets = {
        n: Target(n, draw(st.integers(1, 40)) * STEP, "office")
        for n in names if draw(st.integers(0, 4))  # now and then, no target
    }
    options = Options(
        breach=draw(st.sampled_from(["instant", "working_time"])),
        reply_to_solved=draw(st.sampled_from(["waits", "reopens"])),
    )
    return Regulation(
        version="1", effective=ORIGIN.date(), calendars={"office": OFFICE},
        levels={"x": Level("x", "x", None, targets, fallbacks={})}, metrics=metrics,
        options=options, default_level="x",
    )


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    """A ticket created in the first two days, then up to 12 events within eight days."""
    opened = ORIGIN + draw(st.integers(0, 4 * 48)) * STEP
    out = [Event("T", opened, "created", author=draw(st.sampled_from(["desk", "customer"])),
                 category=draw(st.sampled_from([None, "development"])))]
    for _ in range(draw(st.integers(0, 12))):
        at = opened + draw(st.integers(0, 4 * 24 * 8)) * STEP
        kind = draw(st.sampled_from(["status", "reply", "note", "field", "to_development"]))
        if kind == "status":
            out.append(Event("T", at, "status", status=draw(st.sampled_from(CATEGORIES))))
        elif kind in ("reply", "note"):
            out.append(Event("T", at, kind, author=draw(st.sampled_from(["desk", "customer"]))))
        elif kind == "field":
            category = draw(st.sampled_from(["x", "development"]))
            out.append(Event("T", at, "field", category=category))
        else:
            out.append(Event("T", at, kind))
    return out


# -- the step reference --------------------------------------------------------------------

_RANK = {"created": 0, "field": 1, "to_development": 6}


def _rank(e: Event) -> int:
    if e.kind == "status":
        return {"open": 2, "pending": 4, "on_hold": 4, "solved": 7, "closed": 7}[e.status or ""]
    if e.kind in ("reply", "note"):
        return 3 if (e.author == "customer" and e.kind == "reply") else 5
    return _RANK[e.kind]


def facts_of(e: Event, state: dict[str, Any], reg: Regulation) -> set[str]:
    """What the event says, in the trigger words, updating the ticket's category."""
    facts: set[str] = set()

    def enter(category: str) -> None:
        if category != state["category"]:
            facts.update({f"leave:{state['category']}", f"enter:{category}"})
            if state["category"] == "solved" and category != "closed":
                facts.add("reopened")
            state["category"] = category

    if e.kind == "created":
        facts.update({"created", f"created_by:{e.author}", "field:category", "field:level",
                      "field:customer", "field:coverage"})
        if e.category:
            facts.add(f"field:category={e.category}")
        state["fields"] = {"category": e.category}
    elif e.kind == "field":
        if state["fields"].get("category") != e.category:
            state["fields"]["category"] = e.category
            facts.update({"field:category", f"field:category={e.category}"})
    elif e.kind == "reply" and e.author == "desk":
        facts.update({"desk_reply", "reply"})
    elif e.kind == "reply":
        category = state["category"]
        if category == "closed" or (category == "solved" and
                                    reg.options.reply_to_solved == "waits"):
            return facts
        if category in ("pending", "on_hold", "solved"):
            enter("open")
        facts.update({"customer_reply", "reply"})
    elif e.kind == "note":
        facts.add(f"{e.author}_note")
    elif e.kind == "status":
        enter(e.status or "")
    elif e.kind == "to_development" and not state["handed_off"]:
        state["handed_off"] = True
        facts.add("handoff")
    return facts


def reference(events: list[Event], reg: Regulation, at: datetime) -> list[tuple[Any, ...]]:
    """Each metric's emitted clocks as (name, cycle, state, elapsed, met_at, breached_at),
    by walking the grid step by step."""
    events = sorted(events, key=lambda e: (e.at, _rank(e), e.kind, e.status or "",
                                           e.author or "", e.category or ""))
    state: dict[str, Any] = {"category": "open", "fields": {}, "handed_off": False}
    # Per metric: na (bool), cycles: dicts of start, elapsed, running(bool), outcome,
    # met_at, breach.
    clocks: dict[str, dict[str, Any]] = {n: {"na": False, "cycles": []} for n in reg.metrics}
    level = reg.levels["x"]
    working = reg.options.breach == "working_time"
    t = events[0].at
    i = 0
    while True:
        while i < len(events) and events[i].at == t:
            facts = facts_of(events[i], state, reg)
            i += 1
            if not facts:
                continue
            for name, m in reg.metrics.items():
                c = clocks[name]
                cycles = c["cycles"]
                active = cycles[-1] if cycles and cycles[-1]["outcome"] is None else None
                if not c["na"] and facts & m.not_applicable:
                    c["na"] = True
                    if active is not None:
                        active["outcome"] = "not_applicable"
                        active = None
                    elif not m.cycles and cycles and cycles[-1]["outcome"] == "met":
                        cycles[-1]["outcome"] = "not_applicable"
                        cycles[-1]["met_at"] = None
                if active is not None and facts & m.stop:
                    active.update(outcome="met", met_at=t)
                    active = None
                elif active is not None and facts & m.cancel:
                    active["outcome"] = "dropped"
                    active = None
                elif active is None and not c["na"] and cycles and \
                        cycles[-1]["outcome"] == "met" and facts & m.resume:
                    active = cycles[-1]
                    active.update(outcome=None, met_at=None)
                if not c["na"] and facts & m.start:
                    if active is None and (m.cycles or not cycles):
                        active = {"start": t, "elapsed": timedelta(0), "outcome": None,
                                  "met_at": None, "breach": None}
                        cycles.append(active)
                    elif active is not None and m.restart:
                        active["outcome"] = "dropped"
                        cycles.append({"start": t, "elapsed": timedelta(0), "outcome": None,
                                       "met_at": None, "breach": None})
        if t >= at:
            break
        worked = OFFICE.business_time(t, t + STEP)
        for name, m in reg.metrics.items():
            target = level.target(name)
            for cycle in clocks[name]["cycles"]:
                if cycle["outcome"] is not None or state["category"] in m.pause:
                    continue
                spent = cycle["elapsed"]
                if target is not None and cycle["breach"] is None:
                    if working and spent + worked > target.duration:
                        cycle["breach"] = OFFICE.next_open(
                            max(OFFICE.add(t, target.duration - spent), t))
                    elif not working and spent + worked >= target.duration:
                        due = OFFICE.add(t, target.duration - spent)
                        if due < t + STEP:
                            cycle["breach"] = max(due, t)
                cycle["elapsed"] = spent + worked
        t += STEP
    out = []
    for name, m in reg.metrics.items():
        target = level.target(name)
        cycles = clocks[name]["cycles"]
        if not cycles and not m.cycles:
            cycles = [{"start": None, "elapsed": timedelta(0), "outcome": "not_applicable",
                       "met_at": None, "breach": None}]
        number = 0
        for cycle in cycles:
            breached = cycle["breach"] is not None and cycle["breach"] < at and target
            if cycle["outcome"] == "dropped" and not breached:
                if m.cycles:
                    continue
                state_ = "not_applicable"
            elif breached:
                state_ = "breached"
            elif target is None or cycle["outcome"] == "not_applicable":
                state_ = "not_applicable"
            elif cycle["outcome"] == "met":
                state_ = "met"
            elif state["category"] in m.pause:
                state_ = "paused"
            else:
                state_ = "running"
            if m.cycles:
                number += 1
            elapsed = None if target is None and state_ == "not_applicable" else cycle["elapsed"]
            out.append((name, number, state_, elapsed,
                        cycle["met_at"] if state_ in ("met", "breached") else None,
                        cycle["breach"] if state_ == "breached" else None))
    return out


@EXAMPLES
@given(policies(), histories(), st.integers(0, 4 * 24 * 10))
def test_the_evaluator_matches_a_step_reference_on_random_policies(
    reg: Regulation, events: list[Event], steps: int
) -> None:
    at = events[0].at + steps * STEP
    t = Ticket("T", reg)
    for event in events:
        t.record(event)
    got = [
        (m.metric, m.cycle, m.state, m.elapsed, m.met_at if m.state in ("met", "breached")
         else None, m.breached_at)
        for m in t.status(at).metrics
    ]
    assert got == reference(events, reg, at)


# -- the regulation against slaclock 0.1 ---------------------------------------------------

MSK = ZoneInfo("Europe/Moscow")
REG = Regulation.default()
#: slaclock 0.1 judged breaches by the deadline instant.
REG_01 = attrs.evolve(REG, options=attrs.evolve(REG.options, breach="instant"))
LEVELS = tuple(REG.levels)
KINDS = tuple(k for k in Event.KINDS if k != "opened")
MSK_STEP = timedelta(minutes=15)
MSK_ORIGIN = datetime(2026, 4, 27, 0, 0, tzinfo=MSK)


@st.composite
def regulation_tickets(draw: st.DrawFn) -> list[Event]:
    opened = MSK_ORIGIN + draw(st.integers(0, 4 * 24 * 8)) * MSK_STEP
    out = [Event("T", opened, "opened", level=draw(st.sampled_from(LEVELS)),
                 category=draw(st.sampled_from([None, "development"])))]
    for _ in range(draw(st.integers(0, 12))):
        at = opened + draw(st.integers(0, 4 * 24 * 20)) * MSK_STEP
        kind = draw(st.sampled_from(KINDS))
        level = draw(st.sampled_from(LEVELS)) if kind == "level_changed" else None
        out.append(Event("T", at, kind, level=level))
    return out


@EXAMPLES
@given(regulation_tickets(), st.integers(0, 4 * 24 * 24), st.sampled_from(["business", "24x7"]))
def test_the_regulation_s_policy_gives_what_slaclock_0_1_gave(
    events: list[Event], steps: int, coverage: str
) -> None:
    at = events[0].at + steps * MSK_STEP
    t = Ticket("T", REG_01, coverage=coverage)
    for event in events:
        t.record(event)
    assume(t.opened is not None)
    assert t.status(at) == legacy_status("T", list(t.events), REG_01, at, coverage)


# -- level selection: the rules' operators against reference_rules ------------------------


@EXAMPLES
@given(
    rules=strategies_rules.selection_rules(),
    default=st.sampled_from([None, "bronze", "silver"]),
    history=st.lists(strategies_rules.ticket_fields(), min_size=1, max_size=4),
    row_values=st.lists(st.sampled_from(strategies_rules.PRIORITIES), max_size=3, unique=True),
    own=st.booleans(),
    scheduled=st.sampled_from(strategies_rules.LEVELS),
    schedules=st.lists(st.sampled_from(["Hello", "printer down"]), max_size=2, unique=True),
)
def test_the_level_the_rules_select_matches_the_reference_as_fields_change(
    rules: list[dict[str, Any]], default: str | None, history: list[dict[str, str | None]],
    row_values: list[str], own: bool, scheduled: str, schedules: list[str],
) -> None:
    """Random ``[[select]]`` rules with every operator (equality, is_not, contains, tags,
    comparisons, customer attributes), read from a policy file's tables, and a level
    ("silver") with rows of targets per priority; a ticket whose fields change every hour
    is at the level the reference selects from its fields then; one level counts its
    targets on another calendar for some titles (``calendar_by``)."""
    data: dict[str, Any] = {
        "version": "1", "effective": ORIGIN.date(),
        "fields": list(strategies_rules.RULE_FIELDS),
        "accounts": strategies_rules.ACCOUNTS,
        "calendars": {"office": {"tz": "Europe/Berlin", "hours": "09:00-17:00"}},
        "levels": {key: {"reaction": {"hours": n + 1, "clock": "office"}}
                   for n, key in enumerate(strategies_rules.LEVELS)},
        "select": rules,
    }
    rows: dict[str, tuple[str, list[str], bool]] = {}
    if row_values:
        silver = data["levels"]["silver"] if own else {}
        silver["by"] = {"priority": {
            v: {"reaction": {"minutes": 10 + n, "clock": "office"}}
            for n, v in enumerate(row_values)}}
        data["levels"]["silver"] = silver
        rows["silver"] = ("priority", row_values, own)
    calendars: dict[str, tuple[str, list[str]]] = {}
    if schedules:
        data["calendars"]["other"] = {"tz": "Europe/London", "hours": "10:00-12:00"}
        data["levels"][scheduled]["calendar_by"] = {
            "title": {v: {"office": "other"} for v in schedules}}
        calendars[scheduled] = ("title", schedules)
    if default is not None:
        data["default_level"] = default
    regulation = parse_policy(data, "drawn.toml")
    assert isinstance(regulation, Regulation)
    ticket = Ticket("T", regulation)
    now: dict[str, str | None] = {}
    for hour, fields in enumerate(history):
        at = ORIGIN + timedelta(hours=hour)
        own = {k: v for k, v in fields.items() if k != "customer"}
        # A field event sets the fields it gives (None clears one); the customer only
        # when it gives one (an opening sets it, given or not).
        now.update(own)
        if hour == 0 or fields["customer"] is not None:
            now["customer"] = fields["customer"]
        wanted = reference_rules.select(rules, default, now, strategies_rules.ACCOUNTS, rows,
                                        calendars)
        event = (Event("T", at, "created", author="customer", customer=fields["customer"],
                       fields=own) if hour == 0 else
                 Event("T", at, "field", customer=fields["customer"], fields=own))
        ticket.record(event)
        if wanted is None:
            with pytest.raises(EventError, match="has no level"):
                ticket.status(at)
            return
        assert ticket.status(at).level == wanted, (hour, now)
