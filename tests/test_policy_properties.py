"""The one evaluator against slow references, over random policies and histories.

- Random metric definitions (any triggers, pauses, cycles, restarts, cancels, options;
  now and then informational) under two levels with random targets (now and then longer
  out of hours, or hidden in some statuses), on random general-vocabulary histories whose
  level is now and then changed by hand, against a reference that steps through the
  ticket 15 minutes at a time, counting working time step by step and applying the
  definition's words directly, then judges each clock by the levels in force over its
  life under the policy's ``level_change``, ``downgrade_keeps_breach``,
  ``paused_deadline`` and ``closed`` rules.
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
#: A second calendar of the level's hours, for targets counted from its opening or longer
#: out of its hours (the clocks count on the office's).
EARLY = Calendar(tz="Europe/Berlin", hours="07:00-10:00")
HOURS = {"office": OFFICE, "early": EARLY}
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
    informational = draw(st.integers(0, 4)) == 0  # now and then, promised to no one
    return MetricDefinition(
        name=name,
        start=draw(st.frozensets(st.sampled_from(TRIGGERS), min_size=1, max_size=3)),
        # An informational metric may have no stop (a pure start).
        stop=draw(st.frozensets(st.sampled_from(TRIGGERS), min_size=1 - informational,
                                max_size=3)),
        informational=informational,
        pause=draw(st.frozensets(st.sampled_from(CATEGORIES), max_size=2)),
        resume=draw(some),
        cancel=draw(some),
        not_applicable=draw(st.frozensets(st.sampled_from(TRIGGERS), max_size=1)),
        cycles=draw(st.booleans()),
        restart=draw(st.booleans()),
    )


#: The level-change rules the reference knows (``Options.level_change``).
LEVEL_CHANGES = ("from_start", "from_start_no_backdate", "from_change")


@st.composite
def policies(draw: st.DrawFn) -> Regulation:
    """One to three random metrics, two levels (``x``, the default, and ``y``, mostly
    stricter) with random targets (now and then none), and random options."""
    names = ["a", "b", "c"][: draw(st.integers(1, 3))]
    metrics = {n: draw(definitions(n)) for n in names}

    def targets(most: int) -> dict[str, Target]:
        return {
            n: Target(
                n, draw(st.integers(1, most)) * STEP, "office",
                # Now and then longer when started out of the office's hours, or hidden
                # in some status categories.
                business_hours=draw(st.sampled_from(list(HOURS))),
                from_opening=draw(st.booleans()),
                out_of_hours=draw(st.sampled_from([None, None, STEP, 4 * STEP])),
                hidden_in=draw(st.frozensets(st.sampled_from(CATEGORIES), max_size=2)),
            )
            for n in names if draw(st.integers(0, 4))  # now and then, no target
        }

    options = Options(
        breach=draw(st.sampled_from(["instant", "working_time"])),
        reply_to_solved=draw(st.sampled_from(["waits", "reopens"])),
        level_change=draw(st.sampled_from(LEVEL_CHANGES)),
        downgrade_keeps_breach=draw(st.booleans()),
        paused_deadline=draw(st.sampled_from(["projected", "frozen", "hidden"])),
        closed=draw(st.sampled_from(["final", "reopenable"])),
    )
    return Regulation(
        version="1", effective=ORIGIN.date(), calendars=HOURS,
        # y is the stricter level, mostly: raised to it, a clock is often past its target.
        levels={key: Level(key, key, None, targets(most), fallbacks={})
                for key, most in (("x", 40), ("y", 8))},
        metrics=metrics, options=options, default_level="x",
    )


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    """A ticket created in the first two days, then up to 12 events within eight days;
    a level set by hand (``x`` or ``y``) at most once an instant."""
    opened = ORIGIN + draw(st.integers(0, 4 * 48)) * STEP
    out = [Event("T", opened, "created", author=draw(st.sampled_from(["desk", "customer"])),
                 category=draw(st.sampled_from([None, "development"])))]
    levelled: set[datetime] = set()
    for _ in range(draw(st.integers(0, 12))):
        at = opened + draw(st.integers(0, 4 * 24 * 8)) * STEP
        kind = draw(st.sampled_from(["status", "reply", "note", "field", "to_development",
                                     "level"]))
        if kind == "status":
            out.append(Event("T", at, "status", status=draw(st.sampled_from(CATEGORIES))))
        elif kind in ("reply", "note"):
            out.append(Event("T", at, kind, author=draw(st.sampled_from(["desk", "customer"]))))
        elif kind == "field":
            category = draw(st.sampled_from(["x", "development"]))
            out.append(Event("T", at, "field", category=category))
        elif kind == "level":
            if at not in levelled:
                levelled.add(at)
                out.append(Event("T", at, "field", level=draw(st.sampled_from(["x", "y"]))))
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

    reopenable = reg.options.closed == "reopenable"

    def enter(category: str) -> None:
        if category != state["category"]:
            facts.update({f"leave:{state['category']}", f"enter:{category}"})
            if (state["category"] == "solved" and category != "closed") or (
                    reopenable and state["category"] == "closed" and category != "solved"):
                facts.add("reopened")
            state["category"] = category

    if e.kind == "created":
        facts.update({"created", f"created_by:{e.author}", "field:category", "field:level",
                      "field:customer", "field:coverage"})
        if e.category:
            facts.add(f"field:category={e.category}")
        state["fields"] = {"category": e.category}
    elif e.kind == "field":
        if e.level is not None:
            state["level"] = e.level
        if e.category is not None and state["fields"].get("category") != e.category:
            state["fields"]["category"] = e.category
            facts.update({"field:category", f"field:category={e.category}"})
    elif e.kind == "reply" and e.author == "desk":
        facts.update({"desk_reply", "reply"})
    elif e.kind == "reply":
        category = state["category"]
        if (category == "closed" and not reopenable) or (
                category == "solved" and reg.options.reply_to_solved == "waits"):
            return facts
        if category in ("pending", "on_hold", "solved", "closed"):
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


def _breach(steps: list[tuple[datetime, timedelta]], target: timedelta, origin: datetime,
            working: bool) -> datetime | None:
    """When a clock whose active steps are ``steps`` (each step's start and the working
    time it counted) went past ``target``, counted from ``origin``, by the breach rule:
    the first step at whose start the target is used up, or in which it is used up before
    the step ends (by working time: the first instant after it at which the desk works)."""
    spent = timedelta(0)
    for t, worked in steps:
        if t < origin:
            continue
        if working and spent + worked > target:
            return OFFICE.next_open(max(OFFICE.add(t, target - spent), t))
        if not working and spent + worked >= target:
            due = OFFICE.add(t, target - spent)
            if due < t + STEP:
                return max(due, t)
        spent += worked
    return None


def _target(target: Target | None, start: datetime) -> timedelta | None:
    """The duration of ``target`` for a clock that starts at ``start``: longer by its
    ``out_of_hours`` when its business hours are closed then."""
    if target is None:
        return None
    hours = HOURS[target.business_hours or "office"]
    if target.out_of_hours is not None and not hours.is_open(start):
        return target.duration + target.out_of_hours
    return target.duration


def _opening(target: Target, origin: datetime) -> datetime:
    """Where a clock counted from ``origin`` on ``target`` starts counting: the next
    opening of its business hours for a target counted ``from_opening``."""
    if target.from_opening:
        return HOURS[target.business_hours or "office"].next_open(origin)
    return origin


def reference(events: list[Event], reg: Regulation, at: datetime) -> list[tuple[Any, ...]]:
    """Each metric's emitted clocks as (name, cycle, state, elapsed, met_at, breached_at,
    deadline of a paused clock), by walking the grid step by step, then judging each clock
    by the levels in force over its life (the level after all the events of an instant is
    the one in force from it). An informational metric is judged by none."""
    events = sorted(events, key=lambda e: (e.at, _rank(e), e.kind, e.level or "",
                                           e.status or "", e.author or "",
                                           e.category or ""))
    state: dict[str, Any] = {"category": "open", "fields": {}, "handed_off": False,
                             "level": reg.default_level}
    # Per metric: na (bool), cycles: dicts of start, end (when it ended, if it did),
    # outcome, met_at, and steps: (step start, working time) of every step it was active.
    clocks: dict[str, dict[str, Any]] = {n: {"na": False, "cycles": []} for n in reg.metrics}
    #: (instant, level key): the level in force from each instant on.
    levels: list[tuple[datetime, str]] = []
    options = reg.options
    working = options.breach == "working_time"
    t = events[0].at
    i = 0

    def new_cycle() -> dict[str, Any]:
        return {"start": t, "end": None, "outcome": None, "met_at": None, "steps": []}

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
                        active.update(outcome="not_applicable", end=t)
                        active = None
                    elif not m.cycles and cycles and cycles[-1]["outcome"] == "met":
                        cycles[-1].update(outcome="not_applicable", met_at=None, end=t)
                if active is not None and facts & m.stop:
                    active.update(outcome="met", met_at=t, end=t)
                    active = None
                elif active is not None and facts & m.cancel:
                    active.update(outcome="dropped", end=t)
                    active = None
                elif active is None and not c["na"] and cycles and \
                        cycles[-1]["outcome"] == "met" and facts & m.resume:
                    active = cycles[-1]
                    active.update(outcome=None, met_at=None, end=None)
                if not c["na"] and facts & m.start:
                    if active is None and (m.cycles or not cycles):
                        active = new_cycle()
                        cycles.append(active)
                    elif active is not None and m.restart:
                        active.update(outcome="dropped", end=t)
                        cycles.append(new_cycle())
        if not levels or levels[-1][1] != state["level"]:
            levels.append((t, state["level"]))
        if t >= at:
            break
        worked = OFFICE.business_time(t, t + STEP)
        for name, m in reg.metrics.items():
            for cycle in clocks[name]["cycles"]:
                if cycle["outcome"] is None and state["category"] not in m.pause:
                    cycle["steps"].append((t, worked))
        t += STEP
    out = []
    for name, m in reg.metrics.items():
        cycles = clocks[name]["cycles"]
        if not cycles and not m.cycles:
            cycles = [{"start": events[0].at, "end": events[0].at, "outcome": "not_applicable",
                       "met_at": None, "steps": []}]
        number = 0
        for cycle in cycles:
            start = cycle["start"]
            end = at if cycle["end"] is None else cycle["end"]
            # The levels in force over the clock's life: the one at its start, then the
            # changes up to its end (a change at the instant it ends included).
            first = max(k for k, (since, _) in enumerate(levels) if since <= start)
            life = [levels[first], *(lv for lv in levels[first + 1:] if lv[0] <= end)]
            judged = range(len(life)) if options.downgrade_keeps_breach else [len(life) - 1]
            if m.informational:
                judged = []
            breach = found = None
            for k in judged:
                since, key = life[k]
                target = reg.levels[key].target(name)
                duration = _target(target, start)
                if target is None or duration is None:
                    continue
                origin = since if options.level_change == "from_change" and k > 0 else start
                limit = min(at, end, *(life[k + 1][:1] if k + 1 < len(life) else []))
                b = _breach(cycle["steps"], duration, _opening(target, origin), working)
                if b is not None and b < limit:
                    # Zendesk's rule: a target already past at the change breaches there.
                    no_backdate = options.level_change == "from_start_no_backdate"
                    breach, found = (max(b, since) if no_backdate else b), target
                    break
            final = reg.levels[life[-1][1]].target(name)
            shown = final or found
            # Hidden in the ticket's status category: no breach, no deadline, for now.
            hidden = (shown is not None and cycle["end"] is None
                      and state["category"] in shown.hidden_in)
            if hidden:
                breach = None
            from_change = options.level_change == "from_change" and len(life) > 1
            origin = life[-1][0] if from_change and final is not None else start
            if shown is not None:
                origin = _opening(shown, origin)
            elapsed = None if shown is None else sum(
                (w for s, w in cycle["steps"] if s >= origin), timedelta(0))
            if cycle["outcome"] == "dropped" and breach is None:
                if m.cycles:
                    continue
                state_ = "not_applicable"
            elif breach is not None:
                state_ = "breached"
            elif final is None or cycle["outcome"] == "not_applicable":
                state_ = "not_applicable"
            elif cycle["outcome"] == "met":
                state_ = "met"
            elif state["category"] in m.pause:
                state_ = "paused"
            else:
                state_ = "running"
            if m.cycles:
                number += 1
            paused_deadline = None
            if state_ == "paused" and not hidden:
                final_duration = _target(final, start)
                assert final_duration is not None
                assert elapsed is not None
                left = final_duration - elapsed
                steps = cycle["steps"]
                if left <= timedelta(0):  # used up before the pause: when, by any rule
                    spent = timedelta(0)
                    for s, w in steps:
                        if s >= origin:
                            if spent + w >= final_duration:
                                paused_deadline = OFFICE.add(s, final_duration - spent)
                                break
                            spent += w
                elif options.paused_deadline == "projected":  # as if it resumed at ``at``
                    paused_deadline = OFFICE.add(at, left)
                elif options.paused_deadline == "frozen":  # as it stood at the pause
                    paused_deadline = OFFICE.add(steps[-1][0] + STEP if steps else start, left)
            out.append((name, number, state_, elapsed,
                        cycle["met_at"] if state_ in ("met", "breached") else None, breach,
                        paused_deadline))
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
         else None, m.breached_at, m.deadline if m.state == "paused" else None)
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
