"""Property tests of the ticket clocks, and a check against a slow step-by-step reference.

Tickets are drawn on a 15-minute grid in Moscow time around the 2026 May holidays, where
Russia's calendar has shortened days and long weekends.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from slaclock import Event, MetricStatus, Regulation, Ticket, TicketStatus, replay

MSK = ZoneInfo("Europe/Moscow")
REG = Regulation.default()
BUSINESS = REG.calendars["business"]
STEP = timedelta(minutes=15)
ORIGIN = datetime(2026, 4, 27, 0, 0, tzinfo=MSK)
#: Levels counted in business hours only.
BUSINESS_LEVELS = (
    "partner.standard",
    "partner.emergency",
    "commercial.standard",
    "commercial.operational",
)
FOLLOW_KINDS = tuple(kind for kind in Event.KINDS if kind != "opened")
#: A third of the profile's examples (50 by default; SLACLOCK_EXAMPLES scales it).
EXAMPLES = settings(max_examples=max(10, settings.default.max_examples // 3))


@st.composite
def tickets(
    draw: st.DrawFn,
    kinds: tuple[str, ...] = FOLLOW_KINDS,
    levels: tuple[str, ...] = BUSINESS_LEVELS,
    ticket: str = "T",
) -> list[Event]:
    """The events of one ticket: an opening, then up to 12 events within 20 days."""
    opened = ORIGIN + draw(st.integers(0, 4 * 24 * 8)) * STEP
    out = [Event(ticket, opened, "opened", level=draw(st.sampled_from(levels)))]
    for _ in range(draw(st.integers(0, 12))):
        at = opened + draw(st.integers(0, 4 * 24 * 20)) * STEP
        kind = draw(st.sampled_from(kinds))
        level = draw(st.sampled_from(levels)) if kind == "level_changed" else None
        out.append(Event(ticket, at, kind, level=level))
    return out


instants = st.integers(0, 4 * 24 * 32).map(lambda n: ORIGIN + n * STEP)


def check_metric(m: MetricStatus) -> None:
    """The invariants of one clock's status, whatever the events."""
    assert m.state in ("running", "paused", "met", "breached", "not_applicable")
    if m.state == "not_applicable":
        assert (m.deadline, m.remaining, m.used, m.breached_at) == (None, None, None, None)
        return
    assert None not in (m.deadline, m.elapsed, m.remaining, m.used, m.target, m.clock)
    assert m.elapsed is not None
    assert m.target is not None
    assert m.remaining == m.target - m.elapsed
    assert (m.state == "breached") == (m.breached_at is not None)
    assert (m.state == "met") <= (m.met_at is not None)
    if m.state == "running":
        assert m.at_risk == (m.used is not None and m.used >= REG.at_risk)
    else:
        assert not m.at_risk


def status_of(events: list[Event], at: datetime) -> TicketStatus | None:
    t = Ticket(events[0].ticket, REG)
    for event in events:
        t.record(event)
        t._check()
    if t.opened is None or t.opened.at > at:
        return None
    return t.status(at)


@EXAMPLES
@given(tickets(), st.randoms(use_true_random=False), instants)
def test_replaying_the_events_in_any_order_gives_the_same_status(
    events: list[Event], random: object, at: datetime
) -> None:
    shuffled = list(events)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    first = status_of(events, at)
    assert status_of(shuffled, at) == first
    if first is not None:
        for m in first.metrics:
            check_metric(m)
        data = first.as_dict()
        assert json.loads(json.dumps(data)) == data
        assert replay(reversed(events), REG, at) == {"T": first}


@EXAMPLES
@given(
    # The one level with a resolution target: the property is about that target.
    tickets(kinds=("responded", "level_changed", "to_development", "resolved", "reopened"),
            levels=("commercial.standard",)),
    st.integers(0, 4 * 24 * 20),
    st.integers(0, 4 * 24 * 10),
    instants,
)
def test_pausing_never_brings_the_resolution_deadline_earlier(
    events: list[Event], wait: int, length: int, at: datetime
) -> None:
    opened = events[0].at
    pause = [
        Event("T", opened + wait * STEP, "waiting"),
        Event("T", opened + (wait + length) * STEP, "customer_replied"),
    ]
    plain = status_of(events, at)
    paused = status_of(events + pause, at)
    assume(plain is not None and paused is not None)
    assert plain is not None
    assert paused is not None
    a, b = plain.metric("resolution"), paused.metric("resolution")
    if a.elapsed is not None and b.elapsed is not None:
        assert b.elapsed <= a.elapsed
    if a.deadline is not None and b.deadline is not None:
        assert b.deadline >= a.deadline
    if b.state == "breached":
        assert a.state == "breached"
        assert b.breached_at is not None
        assert a.breached_at is not None
        assert b.breached_at >= a.breached_at


@EXAMPLES
@given(tickets(), instants)
def test_a_clock_never_runs_while_the_desk_is_closed(events: list[Event], at: datetime) -> None:
    assume(not BUSINESS.is_open(at))
    reopen = BUSINESS.next_open(at)
    assert BUSINESS.business_time(at, reopen) == timedelta(0)
    before = status_of(events, at)
    after = status_of(events, reopen)
    assume(before is not None and after is not None)
    assert before is not None
    assert after is not None
    elapsed = {(m.metric, m.cycle): m.elapsed for m in before.metrics}
    for m in after.metrics:
        old = elapsed.get((m.metric, m.cycle))
        if old is not None and m.elapsed is not None:
            assert m.elapsed == old, m
        elif old is None and (m.metric, m.cycle) not in elapsed and m.elapsed is not None:
            assert m.elapsed == timedelta(0), m  # a cycle started while closed


@EXAMPLES
@given(tickets(), instants, st.integers(0, 4 * 24 * 10))
def test_elapsed_time_only_grows_and_a_breach_is_never_undone(
    events: list[Event], at: datetime, later: int
) -> None:
    after = at + later * STEP
    first, second = status_of(events, at), status_of(events, after)
    assume(first is not None and second is not None)
    assert first is not None
    assert second is not None
    now = {(m.metric, m.cycle): m for m in second.metrics}
    for m in first.metrics:
        n = now[(m.metric, m.cycle)]
        if m.elapsed is not None and n.elapsed is not None:
            assert n.elapsed >= m.elapsed
        if m.state == "breached":
            assert (n.state, n.breached_at) == ("breached", m.breached_at)
        if m.metric != "resolution" and m.state in ("met", "breached") and m.met_at:
            assert n.met_at == m.met_at  # reactions are met once and for all


@EXAMPLES
@given(st.lists(tickets(), min_size=1, max_size=4), st.randoms(use_true_random=False), instants)
def test_replay_of_a_mixed_log_equals_each_ticket_on_its_own(
    logs: list[list[Event]], random: object, at: datetime
) -> None:
    renamed = [
        [Event(f"T{i}", e.at, e.kind, level=e.level) for e in log] for i, log in enumerate(logs)
    ]
    mixed = [e for log in renamed for e in log]
    random.shuffle(mixed)  # type: ignore[attr-defined]
    expected = {
        log[0].ticket: s for log in renamed if (s := status_of(log, at)) is not None
    }
    assert replay(mixed, REG, at) == expected


@EXAMPLES
@given(
    instants,
    st.sampled_from([*BUSINESS_LEVELS, "commercial.emergency"]),
    st.sampled_from(["business", "24x7"]),
)
def test_an_untouched_ticket_has_the_deadlines_of_its_level(
    opened: datetime, level: str, coverage: str
) -> None:
    t = Ticket("T", REG, coverage=coverage)
    t.record(Event("T", opened, "opened", level=level))
    status = t.status(opened)
    expected = REG.deadlines(level, opened, coverage)
    assert status.metric("reaction").deadline == expected["reaction_deadline"]
    assert status.metric("resolution").deadline == expected["resolution_deadline"]


@EXAMPLES
@given(
    st.lists(instants, min_size=1, max_size=6),
    st.sampled_from([*BUSINESS_LEVELS, "commercial.emergency"]),
    st.sampled_from(["business", "24x7"]),
)
def test_the_deadlines_of_a_column_of_openings_are_each_row_s_own(
    openings: list[datetime], level: str, coverage: str
) -> None:
    # A notebook asks the deadlines of a whole column at once (it failed with
    # "'Series' object has no attribute 'utcoffset'"); each row is the deadline of its own
    # opening, as one ticket at a time gives it.
    pandas = pytest.importorskip("pandas")
    column = pandas.Series(
        [pandas.Timestamp(t).tz_convert("Europe/Moscow") for t in openings]
    )
    found = REG.deadlines(level, column, coverage)
    for metric in ("reaction", "resolution"):
        each = [REG.deadlines(level, t, coverage)[f"{metric}_deadline"] for t in openings]
        column_deadline = found[f"{metric}_deadline"]
        if column_deadline is None:  # the level sets no target for the metric
            assert each == [None] * len(openings)
        else:
            assert list(column_deadline) == each
    assert found.level == level


# -- a slow reference: step through the ticket 15 minutes at a time ---------------------------


def overrun(t: datetime, spent: timedelta, worked: timedelta, target: timedelta) -> datetime | None:
    """The breach in a step ``[t, t + STEP)`` during which the clock runs throughout, by the
    policy's breach rule: the instant the target runs out, when the clock still runs after
    it (``"instant"``), or the first instant that counts working time past the target
    (``"working_time"``, the regulation's)."""
    if REG.options.breach == "working_time":
        if spent + worked <= target:
            return None
        return BUSINESS.next_open(max(BUSINESS.add(t, target - spent), t))
    if spent + worked < target:
        return None
    deadline = BUSINESS.add(t, target - spent)
    return max(deadline, t) if deadline < t + STEP else None


def reference(events: list[Event], at: datetime) -> dict[str, object]:
    """Reaction and resolution of a single-level commercial.standard ticket, counted by
    walking the grid and applying the rules of the regulation directly."""
    events = sorted(events, key=lambda e: (e.at, ORDER.index(e.kind)))
    opened = events[0].at
    reacted_at = None
    resolution_on = True
    waiting = resolved = development = False
    reaction_spent = resolution_spent = timedelta(0)
    reaction_breach = resolution_breach = None
    t = opened
    i = 0
    while t <= at:
        while i < len(events) and events[i].at == t:
            kind = events[i].kind
            if kind in ("responded", "waiting", "resolved") and reacted_at is None:
                reacted_at = t
            if kind == "waiting" and not resolved:
                waiting = True
            elif kind == "customer_replied" and not resolved:
                waiting = False
            elif kind == "resolved" and not resolved:
                resolved, waiting = True, False
            elif kind == "reopened" and resolved:
                resolved = False
            elif kind == "to_development":
                development = True
            i += 1
        if t == at:
            break
        worked = BUSINESS.business_time(t, t + STEP)
        if reacted_at is None:
            reaction_breach = reaction_breach or overrun(t, reaction_spent, worked, 24 * HOUR)
            reaction_spent += worked
        resolution_on = not (waiting or resolved or development)
        if resolution_on:
            resolution_breach = resolution_breach or overrun(
                t, resolution_spent, worked, 48 * HOUR
            )
            resolution_spent += worked
        t += STEP
    if development:
        res_state = "breached" if resolution_breach else "not_applicable"
    elif resolution_breach:
        res_state = "breached"
    elif resolved:
        res_state = "met"
    elif waiting:
        res_state = "paused"
    else:
        res_state = "running"
    return {
        "reaction_elapsed": reaction_spent,
        "reaction_breached_at": reaction_breach,
        "resolution_state": res_state,
        "resolution_elapsed": resolution_spent,
        "resolution_breached_at": resolution_breach,
    }


HOUR = timedelta(hours=1)
ORDER = (
    "opened", "level_changed", "reopened", "customer_replied", "waiting", "responded",
    "to_development", "resolved",
)


@EXAMPLES
@given(
    tickets(
        kinds=("responded", "waiting", "customer_replied", "to_development", "resolved",
               "reopened"),
        levels=("commercial.standard",),
    ),
    st.integers(0, 4 * 24 * 24),
)
def test_clocks_match_a_step_by_step_reference(events: list[Event], steps: int) -> None:
    at = events[0].at + steps * STEP
    status = status_of(events, at)
    assert status is not None
    expected = reference(events, at)
    reaction, resolution = status.metric("reaction"), status.metric("resolution")
    assert reaction.elapsed == expected["reaction_elapsed"]
    assert reaction.breached_at == expected["reaction_breached_at"]
    assert resolution.state == expected["resolution_state"]
    assert resolution.breached_at == expected["resolution_breached_at"]
    if resolution.state != "not_applicable" or expected["resolution_breached_at"]:
        assert resolution.elapsed == expected["resolution_elapsed"]
