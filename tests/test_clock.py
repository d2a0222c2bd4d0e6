"""Ticket clocks: named scenarios worked out by hand from the regulation, and bad input.

All times are Moscow time on Russia's 2026 production calendar, 09:00-18:00: 30 April and
8 May close at 17:00, 1-3 May and 9-11 May are off. "h" below means working hours.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slaclock import (
    ConfigError,
    Contract,
    Event,
    EventError,
    MetricStatus,
    NaiveDatetimeError,
    Regulation,
    Ticket,
    TicketStatus,
    order_queue,
    replay,
    report,
)
from slaclock.logs import EventLog

MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)
REG = Regulation.default()


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def ticket(*events: tuple[datetime, str] | tuple[datetime, str, str], coverage: str | None = None,
           category: str | None = None) -> Ticket:
    """A ticket "T" with the events given as (time, kind[, level])."""
    t = Ticket("T", REG, coverage=coverage)
    for item in events:
        at, kind = item[0], item[1]
        level = item[2] if len(item) == 3 else None  # type: ignore[misc]
        t.record(Event("T", at, kind, level=level,
                       category=category if kind == "opened" else None))
        t._check()
    return t


def state(t: Ticket, at: datetime, metric: str, cycle: int | None = None) -> MetricStatus:
    return t.status(at).metric(metric, cycle)


# -- reaction ------------------------------------------------------------------------------


def test_commercial_standard_ticket_opened_after_closing_on_the_eve_of_the_may_holidays() -> None:
    t = ticket((msk(2026, 4, 30, 17, 30), "opened", "commercial.standard"))
    # Over the holidays nothing is counted.
    r = state(t, msk(2026, 5, 3, 23, 0), "reaction")
    assert (r.state, r.elapsed, r.deadline) == ("running", timedelta(0), msk(2026, 5, 6, 15, 0))
    assert r.remaining == 24 * H
    assert r.used == 0.0
    # Tuesday 5 May 12:00: 9 h + 3 h = 12 h used of 24.
    r = state(t, msk(2026, 5, 5, 12, 0), "reaction")
    assert (r.elapsed, r.remaining, r.used) == (12 * H, 12 * H, 0.5)
    assert not r.at_risk
    # Wednesday 6 May 11:00: 18 h + 2 h = 20 h, 83 % -> at risk.
    s = t.status(msk(2026, 5, 6, 11, 0))
    assert s.metric("reaction").at_risk
    assert s.at_risk
    # 15:00 sharp: the whole target used, not yet breached; a minute later, breached.
    r = state(t, msk(2026, 5, 6, 15, 0), "reaction")
    assert (r.state, r.remaining, r.used) == ("running", timedelta(0), 1.0)
    r = state(t, msk(2026, 5, 6, 15, 1), "reaction")
    assert (r.state, r.breached_at) == ("breached", msk(2026, 5, 6, 15, 0))
    assert r.remaining == -timedelta(minutes=1)
    assert not r.at_risk
    assert t.status(msk(2026, 5, 6, 15, 1)).breached


def test_commercial_standard_ticket_opened_on_friday_evening_before_the_may_holidays() -> None:
    # Friday 8 May 2026 is the shortened eve of Victory Day: the desk closed at 17:00, and
    # 9-11 May are off. Nothing counts until Tuesday 12 May 09:00.
    # Reaction 24 h: 12 May 9 h, 13 May 9 h, 14 May 6 h -> 15:00.
    # Resolution 48 h: 12-15 May 36 h, 18 May 9 h, 19 May 3 h -> 12:00.
    t = ticket((msk(2026, 5, 8, 17, 30), "opened", "commercial.standard"))
    s = t.status(msk(2026, 5, 11, 23, 59))
    assert [(m.metric, m.state, m.elapsed) for m in s.metrics] == [
        ("reaction", "running", timedelta(0)),
        ("resolution", "running", timedelta(0)),
    ]
    assert s.metric("reaction").deadline == msk(2026, 5, 14, 15, 0)
    assert s.metric("resolution").deadline == msk(2026, 5, 19, 12, 0)
    assert s.metric("reaction").deadline == REG.deadlines(
        "commercial.standard", msk(2026, 5, 8, 17, 30)
    )["reaction_deadline"]


def test_response_exactly_at_the_deadline_is_in_time() -> None:
    t = ticket(
        (msk(2026, 4, 30, 17, 30), "opened", "commercial.standard"),
        (msk(2026, 5, 6, 15, 0), "responded"),
    )
    r = state(t, msk(2026, 5, 20, 9, 0), "reaction")
    assert (r.state, r.met_at, r.breached_at, r.elapsed) == (
        "met", msk(2026, 5, 6, 15, 0), None, 24 * H
    )


def test_late_response_stays_breached_and_records_when_it_came() -> None:
    t = ticket(
        (msk(2026, 4, 30, 17, 30), "opened", "commercial.standard"),
        (msk(2026, 5, 7, 9, 30), "responded"),
    )
    r = state(t, msk(2026, 5, 20, 9, 0), "reaction")
    assert (r.state, r.met_at, r.breached_at) == (
        "breached", msk(2026, 5, 7, 9, 30), msk(2026, 5, 6, 15, 0)
    )
    assert r.elapsed == 27 * H + 30 * timedelta(minutes=1)


def test_partner_emergency_reported_thursday_morning_before_may_day() -> None:
    # 30 April 10:00-17:00 (7 h) + 4 May 09:00-18:00 (9 h) = 16 h at 18:00 on 4 May.
    t = ticket((msk(2026, 4, 30, 10, 0), "opened", "partner.emergency"))
    s = t.status(msk(2026, 5, 4, 12, 0))
    assert s.critical
    assert s.metric("reaction").deadline == msk(2026, 5, 4, 18, 0)
    assert s.metric("reaction").elapsed == 10 * H
    assert s.metric("resolution").state == "not_applicable"


def test_commercial_emergency_around_the_clock_on_a_holiday_saturday() -> None:
    t = ticket((msk(2026, 5, 8, 20, 0), "opened", "commercial.emergency"), coverage="24x7")
    s = t.status(msk(2026, 5, 9, 2, 0))
    r = s.metric("reaction")
    assert (r.deadline, r.elapsed, r.clock) == (msk(2026, 5, 9, 4, 0), 6 * H, "24x7")
    assert s.coverage == "24x7"
    assert r.used == 0.75
    assert not r.at_risk  # 75 % is under the default 80 %
    assert t.status(msk(2026, 5, 9, 2, 0), at_risk=0.75).at_risk


def test_commercial_emergency_in_business_hours_waits_for_tuesday() -> None:
    t = ticket((msk(2026, 5, 8, 20, 0), "opened", "commercial.emergency"), coverage="business")
    r = state(t, msk(2026, 5, 9, 2, 0), "reaction")
    assert (r.deadline, r.elapsed, r.clock) == (msk(2026, 5, 12, 17, 0), timedelta(0), "business")


def test_waiting_for_the_customer_counts_as_the_reaction() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "partner.standard"),
        (msk(2026, 5, 4, 11, 0), "waiting"),
    )
    r = state(t, msk(2026, 5, 5, 9, 0), "reaction")
    assert (r.state, r.met_at, r.elapsed) == ("met", msk(2026, 5, 4, 11, 0), 2 * H)
    assert t.status(msk(2026, 5, 5, 9, 0)).state == "waiting"


def test_resolving_without_a_separate_response_meets_the_reaction() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "commercial.operational"),
        (msk(2026, 5, 4, 9, 40), "resolved"),
    )
    s = t.status(msk(2026, 5, 4, 10, 0))
    assert s.state == "resolved"
    assert s.metric("reaction").met_at == msk(2026, 5, 4, 9, 40)


# -- next reaction cycles --------------------------------------------------------------------


def test_each_customer_reply_starts_a_new_reaction_cycle_and_every_cycle_is_kept() -> None:
    t = ticket(
        (msk(2026, 5, 4, 10, 0), "opened", "commercial.standard"),
        (msk(2026, 5, 4, 11, 0), "responded"),
        # Thursday 16:00: 2 h, Friday (shortened) 8 h, 12 May 9 h = 19 h, +5 h -> 13 May 14:00.
        (msk(2026, 5, 7, 16, 0), "customer_replied"),
        (msk(2026, 5, 13, 12, 0), "responded"),
        (msk(2026, 5, 14, 10, 0), "customer_replied"),
    )
    s = t.status(msk(2026, 5, 15, 18, 0))
    cycles = [m for m in s.metrics if m.metric == "next_reaction"]
    assert [(m.cycle, m.state) for m in cycles] == [(1, "met"), (2, "running")]
    first, second = cycles
    assert first.start == msk(2026, 5, 7, 16, 0)
    assert first.deadline == msk(2026, 5, 13, 14, 0)
    assert (first.met_at, first.elapsed) == (msk(2026, 5, 13, 12, 0), 22 * H)
    # Cycle 2: 14 May 8 h + 15 May 9 h = 17 h of 24; 7 h more on Monday 18 May -> 16:00.
    assert (second.elapsed, second.remaining) == (17 * H, 7 * H)
    assert second.deadline == msk(2026, 5, 18, 16, 0)
    assert not second.at_risk
    later = t.status(msk(2026, 5, 18, 13, 0)).metric("next_reaction", 2)
    assert later.elapsed == 21 * H
    assert later.at_risk


def test_a_second_reply_before_the_desk_reacts_does_not_restart_the_cycle() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "partner.emergency"),
        (msk(2026, 5, 4, 10, 0), "responded"),
        (msk(2026, 5, 4, 11, 0), "customer_replied"),
        (msk(2026, 5, 4, 15, 0), "customer_replied"),
    )
    s = t.status(msk(2026, 5, 4, 17, 0))
    cycles = [m for m in s.metrics if m.metric == "next_reaction"]
    assert len(cycles) == 1
    assert (cycles[0].start, cycles[0].elapsed) == (msk(2026, 5, 4, 11, 0), 6 * H)


def test_a_reply_before_the_first_reaction_starts_no_cycle() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "partner.emergency"),
        (msk(2026, 5, 4, 9, 30), "customer_replied"),
    )
    assert [m.metric for m in t.status(msk(2026, 5, 4, 10)).metrics] == ["reaction", "resolution"]


# -- resolution: pauses, development, reopening ---------------------------------------------


def test_waiting_for_the_customer_pauses_resolution_and_pushes_the_deadline_out() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"),
        (msk(2026, 5, 4, 12, 0), "waiting"),
        (msk(2026, 5, 7, 9, 0), "customer_replied"),
    )
    paused = state(t, msk(2026, 5, 6, 12, 0), "resolution")
    assert (paused.state, paused.elapsed) == ("paused", 3 * H)
    # As if it resumed at 6 May 12:00: 45 h = 6 + 9 + 8 + 9 + 9, +4 -> 14 May 13:00.
    assert paused.deadline == msk(2026, 5, 14, 13, 0)
    assert not paused.at_risk
    running = state(t, msk(2026, 5, 7, 12, 0), "resolution")
    assert (running.state, running.elapsed) == ("running", 6 * H)
    # 45 h from 7 May 09:00: 9 + 8 + 9 + 9 + 9 = 44, +1 -> 15 May 10:00.
    assert running.deadline == msk(2026, 5, 15, 10, 0)
    # Without the pause it would have been 12 May 13:00.
    unpaused = ticket((msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"))
    assert state(unpaused, msk(2026, 5, 7, 12), "resolution").deadline == msk(2026, 5, 12, 13)
    # The customer's reply also starts a next-reaction cycle.
    assert state(t, msk(2026, 5, 7, 12, 0), "next_reaction").start == msk(2026, 5, 7, 9, 0)


def test_handed_to_development_the_resolution_target_no_longer_applies() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"),
        (msk(2026, 5, 4, 10, 0), "responded"),
        (msk(2026, 5, 5, 10, 0), "to_development"),
    )
    s = t.status(msk(2026, 6, 1, 12, 0))
    res = s.metric("resolution")
    assert (res.state, res.deadline, res.elapsed) == ("not_applicable", None, 10 * H)
    assert not s.breached
    assert s.state == "development"


def test_development_request_has_no_resolution_deadline() -> None:
    t = ticket((msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"), category="development")
    s = t.status(msk(2026, 6, 1, 12, 0))
    assert s.metric("resolution").state == "not_applicable"
    assert s.metric("reaction").state == "breached"  # a reaction is still owed


def test_resolution_breached_before_the_hand_off_stays_breached() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"),
        (msk(2026, 5, 4, 10, 0), "responded"),
        (msk(2026, 5, 14, 10, 0), "to_development"),
    )
    res = state(t, msk(2026, 6, 1, 12, 0), "resolution")
    assert (res.state, res.breached_at) == ("breached", msk(2026, 5, 12, 13, 0))


def test_reopened_ticket_resumes_resolution_with_the_time_already_spent() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"),
        (msk(2026, 5, 4, 9, 30), "responded"),
        (msk(2026, 5, 5, 9, 0), "resolved"),
        (msk(2026, 5, 7, 9, 0), "reopened"),
    )
    met = t.status(msk(2026, 5, 6, 9, 0))
    assert met.state == "resolved"
    res = met.metric("resolution")
    assert (res.state, res.met_at, res.elapsed) == ("met", msk(2026, 5, 5, 9, 0), 9 * H)
    s = t.status(msk(2026, 5, 7, 12, 0))
    res = s.metric("resolution")
    assert (res.state, res.elapsed, res.met_at) == ("running", 12 * H, None)
    # 39 h from 7 May 09:00: 9 + 8 + 9 + 9 = 35, +4 -> 14 May 13:00.
    assert res.deadline == msk(2026, 5, 14, 13, 0)
    # Reopening means the customer is back: a reaction is owed again.
    nr = s.metric("next_reaction")
    assert (nr.cycle, nr.start, nr.state) == (1, msk(2026, 5, 7, 9, 0), "running")


def test_customer_reply_to_a_resolved_ticket_changes_nothing_until_reopened() -> None:
    base = [
        (msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"),
        (msk(2026, 5, 4, 9, 30), "responded"),
        (msk(2026, 5, 5, 9, 0), "resolved"),
    ]
    plain = ticket(*base)  # type: ignore[arg-type]
    replied = ticket(*base, (msk(2026, 5, 6, 9, 0), "customer_replied"))  # type: ignore[arg-type]
    at = msk(2026, 5, 8, 9, 0)
    assert plain.status(at) == replied.status(at)


# -- level changes -----------------------------------------------------------------------------


def test_error_confirmed_critical_in_time_tightens_the_reaction_deadline() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"),
        (msk(2026, 5, 4, 12, 0), "level_changed", "commercial.operational"),
    )
    s = t.status(msk(2026, 5, 4, 15, 0))
    assert (s.level, s.critical) == ("commercial.operational", True)
    r = s.metric("reaction")
    # 12 h counted from the opening: 4 May 9 h + 5 May 3 h -> 12:00.
    assert (r.deadline, r.target, r.elapsed) == (msk(2026, 5, 5, 12, 0), 12 * H, 6 * H)
    assert r.used == 0.5
    # Operational support sets no resolution target.
    assert s.metric("resolution").state == "not_applicable"


def test_error_confirmed_critical_after_the_new_target_passed_is_breached_retroactively() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"),
        (msk(2026, 5, 5, 15, 0), "level_changed", "commercial.operational"),
    )
    before = state(t, msk(2026, 5, 5, 14, 0), "reaction")
    assert (before.state, before.deadline) == ("running", msk(2026, 5, 6, 15, 0))
    after = state(t, msk(2026, 5, 5, 15, 0), "reaction")
    assert (after.state, after.breached_at) == ("breached", msk(2026, 5, 5, 12, 0))


def test_a_breach_stays_a_breach_when_the_level_is_lowered() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "partner.emergency"),
        (msk(2026, 5, 6, 10, 0), "level_changed", "partner.standard"),
    )
    r = state(t, msk(2026, 5, 6, 11, 0), "reaction")
    assert (r.state, r.breached_at) == ("breached", msk(2026, 5, 5, 16, 0))
    assert r.deadline == msk(2026, 5, 12, 13, 0)  # partner.standard's, from the opening
    assert r.target == 48 * H


def test_lowering_the_level_before_the_deadline_relaxes_it() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "partner.emergency"),
        (msk(2026, 5, 5, 10, 0), "level_changed", "partner.standard"),
    )
    r = state(t, msk(2026, 5, 6, 11, 0), "reaction")
    assert (r.state, r.deadline) == ("running", msk(2026, 5, 12, 13, 0))


def test_a_met_reaction_is_not_judged_again_by_a_later_level() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "partner.standard"),
        (msk(2026, 5, 6, 9, 0), "responded"),  # 18 h: in time for 48 h
        (msk(2026, 5, 6, 10, 0), "level_changed", "partner.emergency"),
    )
    r = state(t, msk(2026, 5, 7, 9, 0), "reaction")
    assert (r.state, r.target) == ("met", 48 * H)


def test_raising_to_commercial_emergency_around_the_clock_counts_from_the_opening() -> None:
    t = Ticket("T", REG)
    t.record(Event("T", msk(2026, 5, 8, 17, 30), "opened", level="commercial.standard"))
    t.record(Event("T", msk(2026, 5, 9, 0, 0), "level_changed", level="commercial.emergency",
                   coverage="24x7"))
    s = t.status(msk(2026, 5, 9, 0, 30))
    r = s.metric("reaction")
    # 8 h around the clock from Friday 17:30 -> Saturday 01:30.
    assert (r.deadline, r.elapsed, r.clock) == (msk(2026, 5, 9, 1, 30), 7 * H, "24x7")
    assert s.coverage == "24x7"


def test_resolution_resumes_its_target_when_the_level_comes_back_to_standard() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"),
        (msk(2026, 5, 4, 10, 0), "level_changed", "commercial.operational"),
        (msk(2026, 5, 4, 11, 0), "responded"),
        (msk(2026, 5, 5, 9, 0), "level_changed", "commercial.standard"),
    )
    res = state(t, msk(2026, 5, 5, 12, 0), "resolution")
    assert (res.state, res.elapsed, res.deadline) == ("running", 12 * H, msk(2026, 5, 12, 13, 0))


# -- ticket status as data, replay, queue ------------------------------------------------------


def test_status_serializes_to_plain_json_with_offsets() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "commercial.standard"),
        (msk(2026, 5, 4, 12, 0), "waiting"),
    )
    utc = ZoneInfo("UTC")
    data = t.status(datetime(2026, 5, 4, 10, 0, tzinfo=utc)).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["at"] == "2026-05-04T10:00:00+00:00"
    assert data["opened"] == "2026-05-04T06:00:00+00:00"
    reaction = data["metrics"][0]
    assert reaction == {
        "metric": "reaction",
        "cycle": 0,
        "state": "met",
        "start": "2026-05-04T06:00:00+00:00",
        "deadline": "2026-05-06T12:00:00+00:00",
        "elapsed": 3 * 3600,
        "remaining": 21 * 3600,
        "used": 0.125,
        "met_at": "2026-05-04T09:00:00+00:00",
        "breached_at": None,
        "at_risk": False,
        "target": 24 * 3600,
        "clock": "business",
    }
    assert data["metrics"][1]["state"] == "paused"
    assert (data["state"], data["level"], data["breached"]) == ("waiting", "commercial.standard",
                                                                False)


def test_event_kinds_are_listed_in_order_of_a_ticket_s_life() -> None:
    assert Event.KINDS == (
        "opened", "responded", "waiting", "customer_replied", "level_changed",
        "to_development", "resolved", "reopened",
    )


def test_events_round_trip_through_dicts() -> None:
    e = Event("T", msk(2026, 5, 4, 9), "opened", level="commercial.emergency", coverage="24x7",
              customer="Acme", detail="by phone")
    assert Event.from_dict(json.loads(json.dumps(e.as_dict()))) == e


def test_events_after_the_instant_asked_are_ignored() -> None:
    t = ticket(
        (msk(2026, 5, 4, 9, 0), "opened", "partner.standard"),
        (msk(2026, 5, 4, 12, 0), "responded"),
    )
    assert state(t, msk(2026, 5, 4, 11, 0), "reaction").state == "running"
    assert state(t, msk(2026, 5, 4, 12, 0), "reaction").state == "met"


def test_replay_gives_every_ticket_s_status_and_leaves_out_later_ones() -> None:
    log = [
        Event("B", msk(2026, 5, 4, 10), "responded"),
        Event("A", msk(2026, 5, 4, 9), "opened", level="partner.standard"),
        Event("B", msk(2026, 5, 4, 9), "opened", level="commercial.operational"),
        Event("C", msk(2026, 5, 6, 9), "opened", level="commercial.standard"),
    ]
    statuses = replay(log, REG, msk(2026, 5, 5, 9))
    assert set(statuses) == {"A", "B"}
    assert statuses["B"].metric("reaction").state == "met"
    assert isinstance(statuses["A"], TicketStatus)


def test_replay_strict_stops_at_the_first_bad_event() -> None:
    log = [
        Event("A", msk(2026, 5, 4, 9), "opened", level="partner.standard"),
        Event("A", msk(2026, 5, 4, 8), "responded"),
    ]
    with pytest.raises(EventError, match="before the ticket opened"):
        replay(log, REG, msk(2026, 5, 5, 9))


def test_replay_lenient_leaves_bad_events_out_and_says_which() -> None:
    bad = Event("A", msk(2026, 5, 4, 8), "responded")
    orphan = Event("Z", msk(2026, 5, 4, 8), "responded")
    log = [Event("A", msk(2026, 5, 4, 9), "opened", level="partner.standard"), bad, orphan]
    rejected: list[tuple[Event, EventError]] = []
    statuses = replay(log, REG, msk(2026, 5, 5, 9), strict=False, rejected=rejected)
    assert set(statuses) == {"A"}
    assert [e for e, _ in rejected] == [bad, orphan]
    with pytest.raises(EventError, match="no 'opened' event"):
        replay([orphan], REG, msk(2026, 5, 5, 9))


def test_queue_by_the_regulation_puts_critical_tickets_first_then_arrival() -> None:
    log = [
        Event("late-critical", msk(2026, 5, 4, 12), "opened", level="partner.emergency"),
        Event("first", msk(2026, 5, 4, 9), "opened", level="commercial.standard"),
        Event("second", msk(2026, 5, 4, 10), "opened", level="partner.standard"),
        Event("early-critical", msk(2026, 5, 4, 11), "opened", level="commercial.operational"),
        Event("done", msk(2026, 5, 4, 8), "opened", level="commercial.operational"),
        Event("done", msk(2026, 5, 4, 8, 30), "resolved"),
    ]
    statuses = replay(log, REG, msk(2026, 5, 4, 13)).values()
    assert [s.ticket for s in order_queue(statuses)] == [
        "early-critical", "late-critical", "first", "second"
    ]
    assert [s.ticket for s in order_queue(statuses, include_resolved=True)][-1] == "done"
    # Earliest deadline first: operational 12 h from 11:00 -> 5 May 14:00; partner
    # emergency 16 h from 12:00 -> 6 May 10:00; commercial standard 24 h from 9:00 ->
    # 6 May 15:00; partner standard 48 h from 10:00 -> 12 May 14:00.
    assert [s.ticket for s in order_queue(statuses, "deadline")] == [
        "early-critical", "late-critical", "first", "second"
    ]
    with pytest.raises(ValueError, match="unknown queue rule"):
        order_queue(statuses, "fifo")


def test_queue_by_deadline_puts_waiting_tickets_last() -> None:
    log = [
        Event("waiting", msk(2026, 5, 4, 9), "opened", level="partner.standard"),
        Event("waiting", msk(2026, 5, 4, 9, 5), "waiting"),
        Event("open", msk(2026, 5, 4, 10), "opened", level="partner.standard"),
    ]
    statuses = replay(log, REG, msk(2026, 5, 4, 13)).values()
    assert [s.ticket for s in order_queue(statuses, "deadline")] == ["open", "waiting"]


# -- bad input: a clear error, and nothing recorded changes ------------------------------------

OPENED = Event("T", msk(2026, 5, 4, 9), "opened", level="commercial.standard")


def opened_ticket() -> Ticket:
    t = Ticket("T", REG)
    t.record(OPENED)
    t.record(Event("T", msk(2026, 5, 4, 10), "responded"))
    return t


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (Event("T", msk(2026, 5, 4, 8, 59), "responded"), "before the ticket opened"),
        (Event("T", msk(2026, 5, 4, 8), "waiting"), "before the ticket opened"),
        (Event("T", msk(2026, 5, 4, 9, 30), "opened", level="partner.standard"),
         "already opened"),
        (Event("T", msk(2026, 5, 4, 11), "level_changed", level="gold"),
         "unknown service level 'gold'"),
        (Event("U", msk(2026, 5, 4, 11), "responded"), "belongs to ticket 'U'"),
        (Event("T", msk(2026, 5, 4, 11), "level_changed", level="commercial.emergency"),
         "counted as the contract says"),
    ],
)
def test_a_bad_event_is_refused_and_changes_nothing(event: Event, message: str) -> None:
    t = opened_ticket()
    before_events = t.events
    before = t.status(msk(2026, 5, 5, 12))
    with pytest.raises(EventError, match=message) as info:
        t.record(event)
    assert info.value.event == event
    assert t.events == before_events
    assert t.status(msk(2026, 5, 5, 12)) == before
    t._check()


def test_an_opening_after_an_earlier_event_already_recorded_is_refused() -> None:
    t = Ticket("T", REG)
    t.record(Event("T", msk(2026, 5, 4, 10), "responded"))  # arrived early: kept for now
    with pytest.raises(EventError, match=r"cannot open at .* responded event .* is earlier"):
        t.record(Event("T", msk(2026, 5, 4, 11), "opened", level="partner.standard"))
    assert t.opened is None
    with pytest.raises(EventError, match="no 'opened' event"):
        t.status(msk(2026, 5, 5))
    # The real opening, arriving late, is accepted.
    t.record(Event("T", msk(2026, 5, 4, 9), "opened", level="partner.standard"))
    assert t.status(msk(2026, 5, 5)).metric("reaction").met_at == msk(2026, 5, 4, 10)


def test_status_before_the_ticket_opened_is_an_error() -> None:
    with pytest.raises(EventError, match="after"):
        opened_ticket().status(msk(2026, 5, 4, 8))


def test_an_at_risk_share_outside_zero_to_one_is_refused() -> None:
    from slaclock import ConfigError

    with pytest.raises(ConfigError, match="at_risk"):
        opened_ticket().status(msk(2026, 5, 5, 12), at_risk=80)
    with pytest.raises(ConfigError, match="at_risk"):
        Ticket("T", REG, at_risk=0)


def test_status_of_a_naive_instant_is_an_error() -> None:
    with pytest.raises(NaiveDatetimeError):
        opened_ticket().status(datetime(2026, 5, 5, 12))


def test_a_ticket_needs_one_regulation_version_not_the_history() -> None:
    from slaclock import RegulationVersions

    with pytest.raises(TypeError, match="for_contract"):
        Ticket("T", RegulationVersions([REG]))  # type: ignore[arg-type]


def test_the_same_event_twice_is_recorded_once() -> None:
    t = opened_ticket()
    t.record(Event("T", msk(2026, 5, 4, 10), "responded"))
    assert len(t.events) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "closed"}, "unknown event kind"),
        ({"kind": "opened"}, "needs a level"),
        ({"kind": "level_changed"}, "needs a level"),
        ({"kind": "responded", "level": "partner.standard"}, "takes no level"),
        ({"kind": "responded", "at": datetime(2026, 5, 4, 9)}, "naive"),
        ({"kind": "responded", "at": "2026-05-04T09:00+03:00"}, "must be a datetime"),
        ({"kind": "responded", "coverage": "always"}, "coverage must be"),
        ({"kind": "responded", "ticket": ""}, "non-empty"),
        ({"kind": "responded", "detail": 5}, "strings or None"),
    ],
)
def test_a_malformed_event_is_refused_when_made(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"ticket": "T", "at": msk(2026, 5, 4, 9), **kwargs}
    with pytest.raises(EventError, match=message):
        Event(**args)  # type: ignore[arg-type]


def test_event_from_dict_refuses_a_time_without_offset() -> None:
    with pytest.raises(EventError, match="naive"):
        Event.from_dict({"ticket": "T", "at": "2026-05-04T09:00", "kind": "responded"})
    with pytest.raises(EventError, match="unknown event fields"):
        Event.from_dict({"ticket": "T", "at": "2026-05-04T09:00+03:00", "kind": "x", "y": 1})
    with pytest.raises(EventError, match="missing 'kind'"):
        Event.from_dict({"ticket": "T", "at": "2026-05-04T09:00+03:00"})
    with pytest.raises(EventError, match="not ISO 8601"):
        Event.from_dict({"ticket": "T", "at": "yesterday", "kind": "responded"})


def test_a_contract_ticket_needs_the_emergency_agreement() -> None:
    t = Contract("Shop", "commercial", OPENED.at.date()).ticket("T")
    with pytest.raises(EventError, match="needs a special agreement"):
        t.record(Event("T", msk(2026, 5, 4, 9), "opened", level="commercial.emergency",
                       coverage="24x7"))
    assert t.events == ()
    with_agreement = Contract("Shop", "commercial", OPENED.at.date(), emergency="24x7")
    t = with_agreement.ticket("T")
    t.record(Event("T", msk(2026, 5, 4, 9), "opened", level="commercial.emergency"))
    assert t.status(msk(2026, 5, 4, 10)).metric("reaction").clock == "24x7"


def test_a_ticket_not_opened_says_so_before_a_bad_at_risk_share() -> None:
    """Named case: of two things wrong with a question, the ticket's own comes first: no
    opening (or an opening after the instant) before a share outside (0, 1]."""
    at = datetime(2026, 5, 5, tzinfo=MSK)
    with pytest.raises(EventError, match="has no 'opened' event"):
        Ticket("T", Regulation.default()).status(at, at_risk=2)
    t = Ticket("T", Regulation.default())
    t.record(Event("T", at + timedelta(hours=1), "opened", level="commercial.standard"))
    with pytest.raises(EventError, match="after"):
        t.status(at, at_risk=2)
    with pytest.raises(ConfigError, match="at_risk"):
        t.status(at + timedelta(hours=2), at_risk=2)


# -- the same event --------------------------------------------------------------------------


def test_events_differing_only_in_detail_are_one_event_as_a_logs_rows_are(
    tmp_path: Path,
) -> None:
    """Named case (issue 20, finding 7): two rows that differ only in their free-text detail
    were a duplicate read from a file, yet two events as Events. One rule now: they are the
    same event, recorded once (the first kept), and a report says the same of both."""
    opened = Event("T", msk(2026, 5, 4, 9), "opened", level="commercial.standard")
    phone = Event("T", msk(2026, 5, 4, 10), "responded", detail="on the phone")
    mail = Event("T", msk(2026, 5, 4, 10), "responded", detail="by e-mail")
    t = Ticket("T", REG)
    for event in (opened, phone, mail):
        t.record(event)
        t._check()
    assert t.events == (opened, phone)
    log = tmp_path / "log.csv"
    log.write_text(
        "ticket,time,event,level,detail\n"
        "T,2026-05-04T09:00+03:00,opened,commercial.standard,\n"
        "T,2026-05-04T10:00+03:00,responded,,on the phone\n"
        "T,2026-05-04T10:00+03:00,responded,,by e-mail\n", encoding="utf-8")
    read = EventLog.read(log)
    assert [row.detail for row in read.tickets["T"]] == [None, "on the phone"]
    assert [b.reason for b in read.bad] == [
        "duplicate of line 3 (the same ticket, time, event and values)"]
    at = msk(2026, 5, 6, 12)
    assert report([opened, phone, mail], at=at).tickets == report(log, at=at).tickets


def test_the_walks_memos_are_kept_by_the_policy_not_by_the_module() -> None:
    """Named case (issue 20): the walk kept what each set of facts does to each metric,
    and the facts of field changes, in module-wide dicts keyed by id(); the statuses'
    JSON kept the last instant written in a module global. Each is held by what needs it
    now: the metric definition, the policy, the walk; none travels in a pickle."""
    import pickle

    import attrs

    reg = attrs.evolve(REG)  # a policy of its own
    t = Ticket("T", reg)
    t.record(Event("T", msk(2026, 5, 4, 9), "opened", level="partner.standard"))
    t.record(Event("T", msk(2026, 5, 4, 10), "responded"))
    s = t.status(msk(2026, 5, 5, 12))
    reaction = reg.metrics["reaction"]
    assert reaction._verdicts  # what the facts met did to it, kept by the definition
    assert reg._field_facts  # the opening's level, said as facts, kept by the policy
    assert not pickle.loads(pickle.dumps(reaction))._verdicts
    assert not pickle.loads(pickle.dumps(reg))._field_facts
    later = attrs.evolve(s, at=msk(2026, 5, 6, 12))
    assert json.loads(later.to_json())["at"] == "2026-05-06T12:00:00+03:00"
    assert json.loads(s.to_json()) == s.as_dict()
