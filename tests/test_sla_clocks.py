"""How the clocks count, as the helpdesks' public definitions say: named scenarios worked
out by hand (issue 22).

Unless a test says otherwise, the desk works 09:00-17:00 Europe/Berlin, Monday to Friday,
with no holidays, in the week of Monday 1 June 2026 (CEST, UTC+2). "h" means working
hours; "always" is the round-the-clock calendar.
"""

from __future__ import annotations

import textwrap
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest

from slaclock import (
    Change,
    ConfigError,
    Event,
    PolicyError,
    Regulation,
    Ticket,
    load_policy,
    report,
)
from slaclock.policy import parse_policy

BER = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)
DOCS = Path(__file__).parent.parent / "docs" / "reference" / "policies"


def ber(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=BER)


def policy(text: str) -> Regulation:
    """A policy of version "1", effective 2026-01-01, whose default level is ``x`` and
    whose ``office`` calendar is 09:00-17:00 in Berlin, with the keys of ``text``."""
    data = tomllib.loads(textwrap.dedent(text))
    head = {"version": "1", "effective": date(2026, 1, 1), "default_level": "x"}
    calendars = {"office": {"tz": "Europe/Berlin", "hours": "09:00-17:00"},
                 **data.pop("calendars", {})}
    found = parse_policy({**head, **data, "calendars": calendars}, "test.toml")
    assert isinstance(found, Regulation)
    return found


def ticket(reg: Regulation, *events: Event) -> Ticket:
    t = Ticket("T", reg)
    for event in events:
        t.record(event)
    return t


def created(at: datetime, **fields: str) -> Event:
    return Event("T", at, "created", fields=fields or None)


def reply(at: datetime, author: str = "desk") -> Event:
    return Event("T", at, "reply", author=author)


def status(at: datetime, name: str) -> Event:
    return Event("T", at, "status", status=name)


def priority(at: datetime, value: str) -> Event:
    return Event("T", at, "field", fields={"priority": value})


def with_options(reg: Regulation, **options: object) -> Regulation:
    return attrs.evolve(reg, options=attrs.evolve(reg.options, **options))


# -- Zendesk does not back-date a breach ---------------------------------------------------
#
# Zendesk help article "About SLA policies and how they work": "If you apply or change an
# SLA target that is already breached, the breach will be recorded at the time of the
# update. SLAs do not back-date breach events." The Zendesk-like policy
# (docs/reference/policies/zendesk-like.toml): normal priority, first reply 8 h of office
# time; urgent (or high), first reply 1 h round the clock.

ZENDESK = load_policy(DOCS / "zendesk-like.toml")
assert isinstance(ZENDESK, Regulation)


def test_the_zendesk_like_policy_dates_a_breach_already_past_at_the_change() -> None:
    assert ZENDESK.options.level_change == "from_start_no_backdate"


def test_a_priority_raised_after_the_new_target_ran_out_breaches_at_the_update() -> None:
    """Zendesk, "About SLA policies and how they work": the breach is recorded at the
    time of the update, not back-dated."""
    # Opened Monday 10:00 as normal; Monday 14:00 the priority becomes urgent: 1 h round
    # the clock from the creation ran out at 11:00, before the change; Zendesk records the
    # breach at the update, 14:00. The deadline shown stays the target's, 11:00; elapsed at
    # 15:00 is 10:00 -> 15:00 = 5 h round the clock.
    s = ticket(ZENDESK, created(ber(1, 10), priority="normal"),
               priority(ber(1, 14), "urgent")).status(ber(1, 15))
    m = s.metric("first_reply")
    assert (m.state, m.breached_at, m.deadline, m.elapsed, m.target) == (
        "breached", ber(1, 14), ber(1, 11), 5 * H, H)
    # Total resolution: urgent 24 h round the clock from 10:00, Tuesday 10:00: running.
    r = s.metric("resolution")
    assert (r.state, r.deadline) == ("running", ber(2, 10))


def test_from_start_back_dates_the_same_breach_to_the_new_deadline() -> None:
    # The same ticket under level_change = "from_start": the breach at 11:00, before the
    # change was made (what the Zendesk-like policy said before issue 22).
    reg = with_options(ZENDESK, level_change="from_start")
    s = ticket(reg, created(ber(1, 10), priority="normal"),
               priority(ber(1, 14), "urgent")).status(ber(1, 15))
    assert s.metric("first_reply").breached_at == ber(1, 11)


def test_a_priority_raised_before_the_new_deadline_breaches_at_the_deadline() -> None:
    # Raised at 10:30: the urgent 1 h from 10:00 runs out at 11:00, after the change, so
    # the clock breaches at 11:00 as the deadline passes, under either rule.
    events = (created(ber(1, 10), priority="normal"), priority(ber(1, 10, 30), "urgent"))
    for reg in (ZENDESK, with_options(ZENDESK, level_change="from_start")):
        m = ticket(reg, *events).status(ber(1, 12)).metric("first_reply")
        assert (m.state, m.breached_at) == ("breached", ber(1, 11))


@pytest.mark.parametrize("reply_first", [True, False])
def test_one_update_that_raises_the_priority_and_replies_is_judged_whole(
    reply_first: bool,
) -> None:
    """Zendesk judges one ticket update as a whole: the update applies the urgent target
    (already past) and makes the reply; the breach is recorded at the update, the reply is
    late. slaclock orders the events of one instant by what they do, and a level change
    at the instant a clock stops is in force for that clock, whatever the order the two
    events were recorded in."""
    # Opened Monday 10:00 as normal; at 14:00 one update makes the priority urgent and
    # replies: urgent's 1 h from 10:00 ran out at 11:00, so the reply is late, breached
    # at the update (14:00) and met at 14:00. Elapsed: 10:00 -> 14:00 = 4 h.
    pair = [reply(ber(1, 14)), priority(ber(1, 14), "urgent")]
    if not reply_first:
        pair.reverse()
    s = ticket(ZENDESK, created(ber(1, 10), priority="normal"), *pair).status(ber(1, 15))
    m = s.metric("first_reply")
    assert (m.state, m.met_at, m.breached_at, m.elapsed) == (
        "breached", ber(1, 14), ber(1, 14), 4 * H)


def test_one_update_that_raises_the_priority_and_solves_is_judged_whole() -> None:
    # Opened Monday 10:00 as normal (resolution 80 h of office time); Wednesday 11:00 one
    # update makes it urgent (24 h round the clock, run out Tuesday 10:00) and solves it:
    # late, breached at the update and met then. Elapsed round the clock: 49 h.
    s = ticket(ZENDESK, created(ber(1, 10), priority="normal"), priority(ber(3, 11), "urgent"),
               status(ber(3, 11), "Solved")).status(ber(3, 12))
    m = s.metric("resolution")
    assert (m.state, m.met_at, m.breached_at, m.deadline, m.elapsed) == (
        "breached", ber(3, 11), ber(3, 11), ber(2, 10), 49 * H)


def test_one_update_that_raises_the_priority_and_replies_in_time_is_met() -> None:
    # At 10:45 the update makes it urgent and replies: the urgent 1 h from 10:00 runs to
    # 11:00, so the reply is in time (45 min of 1 h).
    s = ticket(ZENDESK, created(ber(1, 10), priority="normal"), priority(ber(1, 10, 45), "urgent"),
               reply(ber(1, 10, 45))).status(ber(1, 12))
    m = s.metric("first_reply")
    assert (m.state, m.met_at, m.breached_at, m.elapsed) == ("met", ber(1, 10, 45), None, 45 * M)


def test_a_breach_under_the_stricter_level_keeps_its_own_instant_after_a_downgrade() -> None:
    # Opened urgent Monday 10:00: first reply due 11:00, breached then. At 14:00 one update
    # lowers the priority to normal and replies: the breach, recorded live at 11:00 under
    # the urgent target, stays dated 11:00 (downgrade_keeps_breach).
    s = ticket(ZENDESK, created(ber(1, 10), priority="urgent"), priority(ber(1, 14), "normal"),
               reply(ber(1, 14))).status(ber(1, 15))
    m = s.metric("first_reply")
    assert (m.state, m.breached_at, m.met_at) == ("breached", ber(1, 11), ber(1, 14))


def test_a_breach_dated_at_the_change_is_dated_there_by_working_time_too() -> None:
    # Under the working-time breach rule the breach already past at the change is also
    # recorded at the change: raised at Monday 14:00 (the desk open), the urgent target
    # had run out at 11:00.
    reg = with_options(ZENDESK, breach="working_time")
    m = ticket(reg, created(ber(1, 10), priority="normal"),
               priority(ber(1, 14), "urgent")).status(ber(1, 15)).metric("first_reply")
    assert (m.state, m.breached_at) == ("breached", ber(1, 14))


def test_an_update_that_changes_the_level_twice_is_judged_by_the_level_it_leaves() -> None:
    # Opened Monday 10:00 as normal; at 14:00 one update sets the priority to high and to
    # normal (two field events at one instant, applied in the order of what they say:
    # "high" before "normal"). The ticket leaves the update normal, and the urgent target
    # (1 h, run out at 11:00) never judged the clock: at 15:00 it runs, 5 h of its 8 h.
    events = (created(ber(1, 10), priority="normal"), priority(ber(1, 14), "high"),
              priority(ber(1, 14), "normal"))
    s = ticket(ZENDESK, *events).status(ber(1, 15))
    m = s.metric("first_reply")
    assert (s.level, m.state, m.elapsed, m.breached_at) == ("normal", "running", 5 * H, None)
    # Under "from_start" the urgent level in force for no time still back-dates a breach
    # to 11:00 (kept after the "downgrade").
    m = ticket(with_options(ZENDESK, level_change="from_start"), *events).status(
        ber(1, 15)).metric("first_reply")
    assert (m.state, m.breached_at) == ("breached", ber(1, 11))


def test_the_level_change_options_are_read_and_an_unknown_one_names_them() -> None:
    text = """
        [options]
        level_change = "{}"
        [levels.x]
        reaction = {{ hours = 8, clock = "office" }}
        resolution = {{ hours = 40, clock = "office" }}
    """
    assert policy(text.format("from_start_no_backdate")).options.level_change == (
        "from_start_no_backdate")
    with pytest.raises(PolicyError, match='"from_start_no_backdate"'):
        policy(text.format("never"))


# -- a paused clock's deadline -------------------------------------------------------------
#
# A resolution of 8 h paused while pending. Opened Monday 10:00, pending at 13:00 (3 h
# used, 5 h left), asked Wednesday 12:00, still pending.

PAUSED = """
    [statuses]
    open = "open"
    pending = "pending"
    [options]
    paused_deadline = "{}"
    [metrics.solution]
    start = ["created"]
    stop = ["enter:solved", "enter:closed"]
    pause = ["pending"]
    [levels.x]
    solution = {{ hours = 8, clock = "office" }}
"""


def paused_ticket(choice: str) -> Ticket:
    return ticket(policy(PAUSED.format(choice)), created(ber(1, 10)), status(ber(1, 13), "pending"))


def test_a_paused_deadline_is_projected_from_the_instant_asked_by_default() -> None:
    # As if it resumed Wednesday 12:00: 5 h more, Wednesday 17:00.
    m = paused_ticket("projected").status(ber(3, 12)).metric("solution")
    assert (m.state, m.elapsed, m.deadline) == ("paused", 3 * H, ber(3, 17))
    assert Regulation.default().options.paused_deadline == "projected"


def test_a_frozen_paused_deadline_keeps_the_value_computed_at_the_pause() -> None:
    # As it stood when the clock paused, Monday 13:00: 4 h to Monday 17:00, then 1 h on
    # Tuesday, Tuesday 10:00, whenever it is asked.
    t = paused_ticket("frozen")
    for at in (ber(1, 14), ber(3, 12)):
        m = t.status(at).metric("solution")
        assert (m.state, m.deadline) == ("paused", ber(2, 10))


def test_a_hidden_paused_deadline_is_none_while_paused_and_back_on_resume() -> None:
    """Zammad's escalation (lib/escalation.rb in zammad/zammad): while the ticket is in a
    state that ignores escalation (pending), its escalation times are reset to none; back
    in an open state they are computed again with the pause left out."""
    t = paused_ticket("hidden")
    assert t.status(ber(3, 12)).metric("solution").deadline is None
    # Open again Wednesday 12:00: 5 h left from then, Wednesday 17:00 (every option).
    t.record(status(ber(3, 12), "open"))
    m = t.status(ber(3, 13)).metric("solution")
    assert (m.state, m.elapsed, m.deadline) == ("running", 4 * H, ber(3, 17))


# -- informational metrics -----------------------------------------------------------------
#
# A desk measures its agents' work time (Zendesk's agent work time: the time in New and
# Open) for its own information, promised to no one, beside a first reply it promises.

INFORMATIONAL = """
    at_risk = 0.5
    [statuses]
    open = "open"
    pending = "pending"
    solved = "solved"
    [metrics.first_reply]
    like = "zendesk.first_reply_time"
    [metrics.work]
    like = "zendesk.agent_work_time"
    informational = true
    [levels.x]
    first_reply = { hours = 8, clock = "office" }
    work = { hours = 2, clock = "office" }
"""


def test_an_informational_metric_counts_but_never_breaches_nor_is_at_risk() -> None:
    reg = policy(INFORMATIONAL)
    assert reg.metrics["work"].informational
    # Opened Monday 10:00, replied at 11:00, asked Monday 15:00: work counted 10:00 -> 15:00
    # = 5 h, past its 2 h goal (reached at 12:00, its deadline shown): not breached, not
    # at risk (at_risk 0.5), used 5/2 = 2.5; the ticket has no deadline left.
    s = ticket(reg, created(ber(1, 10)), reply(ber(1, 11))).status(ber(1, 15))
    w = s.metric("work")
    assert (w.state, w.elapsed, w.breached_at, w.at_risk, w.deadline, w.used, w.promised) == (
        "running", 5 * H, None, False, ber(1, 12), 2.5, False)
    assert (s.breached, s.at_risk, s.next_deadline, s.next_due) == (False, False, None, None)
    assert w.as_dict()["promised"] is False
    assert "promised" not in s.metric("first_reply").as_dict()
    view = {m["name"]: m for m in s.view()["metrics"]}
    assert (view["work"]["promised"], view["first_reply"]["promised"]) == (False, True)
    assert view["work"]["ongoing_cycle"]["breached"] is False


def test_an_informational_metric_is_not_the_next_deadline() -> None:
    # Opened Monday 10:00, asked 10:30: 8 h of office time for the first reply, from
    # 10:00, is Tuesday 10:00; work's 2 h goal runs out at 12:00, before it, unpromised.
    s = ticket(policy(INFORMATIONAL), created(ber(1, 10))).status(ber(1, 10, 30))
    assert s.next_deadline == ber(2, 10)
    assert s.next_due is not None
    assert s.next_due.metric == "first_reply"
    assert s.metric("work").deadline == ber(1, 12)


def test_a_report_counts_a_ticket_by_its_promises_alone() -> None:
    # Replied at 11:00 and solved at 16:00: first reply met; work ran 6 h of its 2 h
    # goal. The ticket met every promise: met, not breached; the work clock counts in no
    # metric's met or breached.
    reg = policy(INFORMATIONAL)
    events = [created(ber(1, 10)), reply(ber(1, 11)), status(ber(1, 16), "solved")]
    found = report(events, reg, at=ber(1, 17))
    assert found.tickets["T"].metric("work").state == "met"
    counts = found.summary.levels["x"]
    assert (counts["met"], counts["breached"], counts["in_progress"]) == (1, 0, 0)
    assert ("x", "work") not in found.summary.metrics


def test_an_informational_metric_gives_no_warning_nor_breach_change() -> None:
    # Opened Monday 10:00; from 10:30 to 18:00: first reply (8 h, at risk at 0.5) reaches
    # 4 h at 14:00; both clocks stop counting at 17:00. Work's goal (2 h) would be half
    # used at 11:00 and run out at 12:00: no change says so.
    t = ticket(policy(INFORMATIONAL), created(ber(1, 10)))
    found = [(c.at, c.metric, c.what) for c in t.changes(ber(1, 10, 30), ber(1, 18))]
    assert found == [(ber(1, 14), "first_reply", "at_risk"), (ber(1, 17), "first_reply", "stops"),
                     (ber(1, 17), "work", "stops")]


# -- a pure start: a clock that nothing meets ----------------------------------------------


def test_a_metric_may_start_and_never_stop() -> None:
    """Request Tracker's SLA (RT::SLA, the levels' Starts): the ticket's Starts date is
    set from its creation (e.g. 60 business minutes later) and is met by nothing."""
    reg = policy("""
        [metrics.starts]
        start = ["created"]
        informational = true
        [levels.x]
        starts = { minutes = 60, clock = "office" }
    """)
    assert reg.metrics["starts"].stop == frozenset()
    # Opened Monday 16:30: the Starts date is 30 min on Monday and 30 min on Tuesday from
    # 09:00, Tuesday 09:30. At Tuesday 12:00 the clock still runs: 30 min + 3 h = 3 h 30
    # min, never met, never breached.
    m = ticket(reg, created(ber(1, 16, 30))).status(ber(2, 12)).metric("starts")
    assert (m.state, m.deadline, m.elapsed, m.breached_at) == (
        "running", ber(2, 9, 30), 3 * H + 30 * M, None)


def test_a_promised_metric_without_stop_is_refused_as_before() -> None:
    with pytest.raises(PolicyError, match="nothing meets this metric"):
        policy("""
            [metrics.starts]
            start = ["created"]
            [levels.x]
            starts = { minutes = 60, clock = "office" }
        """)


# -- the versions of the shipped Zammad and Request Tracker definitions --------------------

VERSIONS = """
    [metrics.old]
    like = "{old}"
    [metrics.new]
    like = "{new}"
    [levels.x]
    old = {{ hours = {hours}, clock = "office" }}
    new = {{ hours = {hours}, clock = "office" }}
"""


def test_rt_keep_in_loop_counts_from_the_desk_s_creation_as_request_tracker_does() -> None:
    """Request Tracker (bestpractical/rt, lib/RT/Action/SLA_SetDue.pm): LastEffectiveAct
    reads the ticket's Create and Correspond transactions; when the last is an inside
    actor's, the due date is KeepInLoop's, counted from it: a Create by staff too."""
    reg = policy(VERSIONS.format(old="rt.keep_in_loop", new="rt.keep_in_loop_from_create",
                                 hours=4))
    # The desk creates the ticket Monday 10:00 and says nothing more: KeepInLoop (4 h)
    # runs from 10:00, due 14:00, breached then; at 15:00, 5 h elapsed. The first
    # version has no clock (none until a desk reply).
    s = ticket(reg, Event("T", ber(1, 10), "created", author="desk")).status(ber(1, 15))
    m = s.metric("new")
    assert (m.cycle, m.start, m.elapsed, m.deadline, m.breached_at) == (
        1, ber(1, 10), 5 * H, ber(1, 14), ber(1, 14))
    assert [c for c in s.metrics if c.metric == "old"] == []
    # The customer writes back at 15:30: KeepInLoop is no longer owed (Response is).
    t = ticket(reg, Event("T", ber(1, 10), "created", author="desk"),
               reply(ber(1, 15, 30), "customer"))
    assert t.status(ber(1, 16)).metric("new").state == "breached"  # kept: it had breached


def test_zammad_update_time_from_customer_counts_from_the_customer_s_oldest_message() -> None:
    """Zammad (zammad/zammad: lib/escalation.rb computes update_escalation_at from
    last_contact_customer_at unless Ticket#agent_responded?; the last-contact observer
    leaves last_contact_customer_at alone on a customer's follow-up before the agent
    answered, by default)."""
    reg = policy(VERSIONS.format(old="zammad.update_time",
                                 new="zammad.update_time_from_customer", hours=2))
    # The customer opens Monday 10:00 and follows up at 11:00; the agent answers at 13:00.
    events = (Event("T", ber(1, 10), "created", author="customer"),
              reply(ber(1, 11), "customer"), reply(ber(1, 13)))
    s = ticket(reg, *events).status(ber(1, 14))
    # From the customer's first message: 10:00 -> 13:00 = 3 h of 2 h, breached at 12:00;
    # the agent's answer starts no clock.
    new = [c for c in s.metrics if c.metric == "new"]
    assert [(c.cycle, c.start, c.state, c.breached_at, c.met_at) for c in new] == [
        (1, ber(1, 10), "breached", ber(1, 12), ber(1, 13))]
    # The first version starts on any reply, afresh: the follow-up at 11:00, met at 13:00
    # after exactly 2 h (in time); the agent's answer starts the next, running 1 h.
    old = [c for c in s.metrics if c.metric == "old"]
    assert [(c.cycle, c.start, c.state, c.elapsed) for c in old] == [
        (1, ber(1, 11), "met", 2 * H), (2, ber(1, 13), "running", H)]


# -- a closed status that can be reopened --------------------------------------------------
#
# Zammad reopens a closed ticket when the customer follows up (Zammad admin documentation,
# Groups: "Follow-up possible" set to yes, the default). A policy with its states mapped
# on open, pending and closed; resolution 8 h, resumed on a reopening; the next reply owed
# from each customer message.

ZAMMAD = """
    [statuses]
    open = "open"
    "pending reminder" = "pending"
    closed = "closed"
    [options]
    closed = "{}"
    [metrics.resolution]
    start = ["created"]
    stop = ["enter:closed"]
    resume = ["reopened"]
    pause = ["pending"]
    [metrics.next_reply]
    start = ["customer_reply"]
    stop = ["desk_reply"]
    cycles = true
    [levels.x]
    resolution = {{ hours = 8, clock = "office" }}
    next_reply = {{ hours = 4, clock = "office" }}
"""


def closed_ticket(choice: str, *more: Event) -> Ticket:
    # Opened by the customer Monday 10:00, answered 11:00, closed 12:00 (resolution met
    # after 2 h).
    return ticket(policy(ZAMMAD.format(choice)), Event("T", ber(1, 10), "created",
                                                       author="customer"),
                  reply(ber(1, 11)), status(ber(1, 12), "closed"), *more)


def test_a_customer_s_reply_reopens_a_reopenable_closed_ticket() -> None:
    # The customer writes Tuesday 10:00: the ticket is open again, the resolution resumes
    # with its 2 h (2 h + Tue 10:00 -> 12:00 = 4 h at noon; 4 h left: due 16:00) and the
    # reply is owed (4 h from 10:00: 14:00).
    s = closed_ticket("reopenable", reply(ber(2, 10), "customer")).status(ber(2, 12))
    r, n = s.metric("resolution"), s.metric("next_reply")
    assert s.state == "open"
    assert (r.state, r.elapsed, r.deadline) == ("running", 4 * H, ber(2, 16))
    assert (n.cycle, n.start, n.deadline) == (1, ber(2, 10), ber(2, 14))


def test_a_customer_s_reply_to_a_final_closed_ticket_changes_nothing() -> None:
    s = closed_ticket("final", reply(ber(2, 10), "customer")).status(ber(2, 12))
    assert s.state == "closed"
    assert (s.metric("resolution").state, s.metric("resolution").elapsed) == ("met", 2 * H)
    assert [m for m in s.metrics if m.metric == "next_reply"] == []
    assert Regulation.default().options.closed == "final"


def test_the_desk_reopening_a_reopenable_closed_ticket_resumes_its_clocks() -> None:
    # The desk sets it open again Tuesday 10:00: a reopening, so the resolution resumes
    # (4 h at noon), where under "final" leaving closed is only a status move.
    for choice, expected in (("reopenable", ("running", 4 * H)), ("final", ("met", 2 * H))):
        s = closed_ticket(choice, status(ber(2, 10), "open")).status(ber(2, 12))
        assert (s.metric("resolution").state, s.metric("resolution").elapsed) == expected


# -- Request Tracker's targets: from the next business minute, out of hours, hidden ---------
#
# Request Tracker (bestpractical/rt, lib/RT/SLA.pm, CalculateTime; RT's "Customizing/SLA"
# documentation): a level's BusinessMinutes => 0 moves the start to the first business
# minute, then RealMinutes are added; OutOfHours adds its minutes when the start time is
# outside the level's business hours; IgnoreOnStatuses leaves the due date unset while
# the ticket is in one of them.

RT = """
    [calendars.always]
    preset = "always"
    tz = "Europe/Berlin"
    [statuses]
    open = "open"
    stalled = "on_hold"
    resolved = "solved"
    [metrics.response]
    like = "rt.response"
    [metrics.resolve]
    start = ["created"]
    stop = ["enter:solved"]
    [levels.x]
    response = {{ {response} }}
    resolve = {{ {resolve} }}
"""


def rt_policy(response: str = 'hours = 2, clock = "always"',
              resolve: str = 'hours = 8, clock = "office"') -> Regulation:
    return policy(RT.format(response=response, resolve=resolve))


def test_a_target_from_the_next_opening_counts_real_hours_from_the_desk_s_opening() -> None:
    # "delivery": 8 real hours from the next business minute. Opened Monday 18:00, after
    # the office closed: counted from Tuesday 09:00, due Tuesday 17:00; at 10:00, 1 h.
    reg = rt_policy(resolve='hours = 8, clock = "always", business_hours = "office", '
                            'from_opening = true')
    m = ticket(reg, created(ber(1, 18))).status(ber(2, 10)).metric("resolve")
    assert (m.state, m.start, m.elapsed, m.deadline) == ("running", ber(1, 18), H, ber(2, 17))
    # Opened Monday 10:00, inside the hours: from 10:00, due 18:00.
    m = ticket(reg, created(ber(1, 10))).status(ber(1, 11)).metric("resolve")
    assert (m.elapsed, m.deadline) == (H, ber(1, 18))


def test_a_target_started_out_of_hours_gets_its_out_of_hours_time_added() -> None:
    # Response 2 real hours, 24 more when the requestor writes outside the office hours.
    reg = rt_policy(response='hours = 2, clock = "always", business_hours = "office", '
                             'out_of_hours = { hours = 24 }')
    # Saturday 6 June 10:00 (closed): 2 + 24 = 26 h, due Sunday 12:00.
    m = ticket(reg, Event("T", ber(6, 10), "created", author="customer")).status(
        ber(6, 11)).metric("response")
    assert (m.target, m.deadline, m.remaining) == (26 * H, ber(7, 12), 25 * H)
    # Monday 10:00 (open): 2 h, due 12:00.
    m = ticket(reg, Event("T", ber(1, 10), "created", author="customer")).status(
        ber(1, 11)).metric("response")
    assert (m.target, m.deadline) == (2 * H, ber(1, 12))
    # Judged at each clock's start: answered Monday 11:00, the requestor writes back at
    # 20:00 (closed): the second cycle's target is 26 h, due Tuesday 22:00.
    t = ticket(reg, Event("T", ber(1, 10), "created", author="customer"), reply(ber(1, 11)),
               reply(ber(1, 20), "customer"))
    m = t.status(ber(1, 21)).metric("response")
    assert (m.cycle, m.target, m.deadline) == (2, 26 * H, ber(2, 22))


def test_the_policy_s_deadlines_follow_the_business_hours_as_the_ticket_clocks_do() -> None:
    # Regulation.deadlines (the command's `slaclock deadline`, a plugin's quick answer)
    # reads the targets' business hours by the same rules: 8 real hours from the next
    # opening (Monday 18:00 -> Tuesday 09:00 + 8 h = 17:00), and 2 + 24 real hours for a
    # response asked on Saturday 10:00 (Sunday 12:00), 2 h on Monday 10:00 (12:00).
    reg = rt_policy(response='hours = 2, clock = "always", business_hours = "office", '
                             'out_of_hours = { hours = 24 }',
                    resolve='hours = 8, clock = "always", business_hours = "office", '
                            'from_opening = true')
    for opened in (ber(1, 18), ber(6, 10), ber(1, 10)):
        d = reg.deadlines("x", opened)
        s = ticket(reg, Event("T", opened, "created", author="customer")).status(opened)
        assert d.targets == {"response": s.metric("response").deadline,
                             "resolve": s.metric("resolve").deadline}
    assert reg.deadlines("x", ber(1, 18)).targets["resolve"] == ber(2, 17)
    assert reg.deadlines("x", ber(6, 10)).targets["response"] == ber(7, 12)
    assert reg.deadlines("x", ber(1, 10)).targets["response"] == ber(1, 12)
    # Over a column, where those rules are not followed, the answer is a clear refusal.
    with pytest.raises(ConfigError, match="ask ticket by ticket"):
        reg.deadlines("x", [ber(1, 18)])


def test_a_target_hidden_in_a_status_shows_no_deadline_but_keeps_counting() -> None:
    # Resolve 8 h of office time, hidden while stalled (on hold). Opened Monday 10:00,
    # stalled at 12:00, asked Tuesday 12:00: Monday 10-17 (7 h) + Tuesday 09-12 (3 h) =
    # 10 h counted (no pause), past 8 h, yet no deadline and no breach while stalled.
    # (Opened by the desk: no response is owed.)
    reg = rt_policy(resolve='hours = 8, clock = "office", hidden_in = ["on_hold"]')
    t = ticket(reg, Event("T", ber(1, 10), "created", author="desk"),
               status(ber(1, 12), "stalled"))
    s = t.status(ber(2, 12))
    m = s.metric("resolve")
    assert (m.state, m.elapsed, m.deadline, m.breached_at, m.at_risk) == (
        "running", 10 * H, None, None, False)
    assert (s.breached, s.next_deadline) == (False, None)
    assert t.next_change(ber(2, 12)) == Change(ber(2, 17), "resolve", 0, "stops")
    # Open again Tuesday 12:00: judged as if never hidden, due Tuesday 10:00 (7 h Monday,
    # 1 h Tuesday), breached then.
    t.record(status(ber(2, 12), "open"))
    m = t.status(ber(2, 13)).metric("resolve")
    assert (m.state, m.elapsed, m.deadline, m.breached_at) == (
        "breached", 11 * H, ber(2, 10), ber(2, 10))


def test_a_target_needs_business_hours_for_its_opening_and_out_of_hours() -> None:
    with pytest.raises(PolicyError, match="business_hours"):
        rt_policy(resolve='hours = 8, clock = { business = "office", 24x7 = "always" }, '
                          'from_opening = true')
    with pytest.raises(PolicyError, match="hidden_in"):
        rt_policy(resolve='hours = 8, clock = "office", hidden_in = ["stalled"]')


def test_the_view_says_a_metric_is_informational_and_a_hidden_deadline_has_no_breach_time(
        ) -> None:
    # The hidden resolve of the scenario above (stalled Monday 12:00, asked Tuesday 12:00):
    # no breach time of either kind in the view while hidden; back open, both again
    # (the original: Monday 10:00 + 8 office hours = Tuesday 10:00).
    reg = rt_policy(resolve='hours = 8, clock = "office", hidden_in = ["on_hold"]')
    t = ticket(reg, Event("T", ber(1, 10), "created", author="desk"),
               status(ber(1, 12), "stalled"))
    [resolve] = [m for m in t.status(ber(2, 12)).view()["metrics"] if m["name"] == "resolve"]
    assert resolve["promised"] is True
    cycle = resolve["ongoing_cycle"]
    assert (cycle["breach_time"], cycle["original_breach_time"]) == (None, None)
    t.record(status(ber(2, 12), "open"))
    [resolve] = [m for m in t.status(ber(2, 13)).view()["metrics"] if m["name"] == "resolve"]
    assert resolve["ongoing_cycle"]["original_breach_time"] == "2026-06-02T10:00:00+02:00"
