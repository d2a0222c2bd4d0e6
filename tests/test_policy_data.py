"""SLA policies as data: named scenarios worked out by hand for every shipped metric, every
option and level selection, with the policies written as files are.

Unless a test says otherwise, the desk works 09:00-17:00 Europe/Berlin, Monday to Friday,
with no holidays, in the week of Monday 1 June 2026 (CEST, UTC+2). "h" means working hours.
"""

from __future__ import annotations

import pickle
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slaclock
from slaclock import (
    Calendar,
    ConfigError,
    Contract,
    Event,
    EventError,
    MetricStatus,
    PolicyError,
    Regulation,
    RegulationVersions,
    Ticket,
    TicketStatus,
    load_policy,
)
from slaclock.policy import metric_library, parse_policy

BER = ZoneInfo("Europe/Berlin")
MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)
M = timedelta(minutes=1)
DOCS = Path(__file__).parent.parent / "docs" / "reference" / "policies"


def ber(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BER)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def policy(text: str) -> Regulation:
    import tomllib

    found = parse_policy(tomllib.loads(textwrap.dedent(text)), "test.toml")
    assert isinstance(found, Regulation)
    return found


def ticket(reg: Regulation, *events: Event, contract: Contract | None = None) -> Ticket:
    t = Ticket("T", reg, contract=contract)
    for event in events:
        t.record(event)
        t._check()
    return t


def created(at: datetime, **kwargs: object) -> Event:
    return Event("T", at, "created", **kwargs)  # type: ignore[arg-type]


def reply(at: datetime, author: str) -> Event:
    return Event("T", at, "reply", author=author)


def note(at: datetime, author: str = "desk") -> Event:
    return Event("T", at, "note", author=author)


def status(at: datetime, name: str) -> Event:
    return Event("T", at, "status", status=name)


def field(at: datetime, **fields: str) -> Event:
    return Event("T", at, "field", fields=fields)


def clocks(s: TicketStatus, name: str) -> list[MetricStatus]:
    return [m for m in s.metrics if m.metric == name]


# -- the Zendesk-like policy of the reference docs -----------------------------------------

ZENDESK = load_policy(DOCS / "zendesk-like.toml")
assert isinstance(ZENDESK, Regulation)


def zendesk_ticket(*more: Event) -> Ticket:
    """Opened Monday 10:00; replied 12:00; pending 14:00; the customer answers Tuesday
    10:00 (back to open); an internal note Tuesday 15:00; the desk replies Wednesday
    11:00 and solves it at 16:00."""
    return ticket(
        ZENDESK,
        created(ber(1, 10), fields={"priority": "normal"}),
        reply(ber(1, 12), "desk"),
        status(ber(1, 14), "Pending"),
        reply(ber(2, 10), "customer"),
        note(ber(2, 15)),
        reply(ber(3, 11), "desk"),
        status(ber(3, 16), "Solved"),
        *more,
    )


def test_zendesk_first_reply_time_runs_from_creation_to_the_first_public_agent_reply() -> None:
    s = zendesk_ticket().status(ber(4, 12))
    (m,) = clocks(s, "first_reply")
    assert (m.state, m.elapsed, m.met_at, m.deadline) == ("met", 2 * H, ber(1, 12), ber(2, 10))


def test_zendesk_next_reply_time_from_the_oldest_unanswered_customer_comment() -> None:
    # Tuesday 10:00 to Wednesday 11:00: 7 h + 2 h, over the 8 h target; the deadline,
    # Wednesday 10:00, passed with the clock running. The internal note is no reply.
    (m,) = clocks(zendesk_ticket().status(ber(4, 12)), "next_reply")
    assert (m.cycle, m.state, m.elapsed) == (1, "breached", 9 * H)
    assert (m.deadline, m.breached_at, m.met_at) == (ber(3, 10), ber(3, 10), ber(3, 11))


def test_zendesk_periodic_update_between_public_agent_replies() -> None:
    # Monday 12:00 to Wednesday 11:00: 5 h + 8 h + 2 h = 15 h, within 16 h. The cycle that
    # starts at Wednesday's reply ends when the ticket is solved, owing nothing.
    (m,) = clocks(zendesk_ticket().status(ber(4, 12)), "periodic_update")
    assert (m.cycle, m.state, m.elapsed, m.start) == (1, "met", 15 * H, ber(1, 12))


def test_zendesk_pausable_update_counts_only_outside_pending() -> None:
    # Monday 12:00-14:00, then pending until Tuesday 10:00, then 7 h + 2 h: 11 h.
    (m,) = clocks(zendesk_ticket().status(ber(4, 12)), "pausable_update")
    assert (m.state, m.elapsed) == ("met", 11 * H)


def test_zendesk_requester_wait_and_agent_work_time_exclude_pending() -> None:
    # Monday 10:00-14:00 (4 h), Tuesday 10:00-17:00 (7 h), Wednesday 09:00-16:00 (7 h).
    s = zendesk_ticket().status(ber(4, 12))
    (wait,) = clocks(s, "requester_wait")
    (work,) = clocks(s, "agent_work")
    assert (wait.state, wait.elapsed) == ("met", 18 * H)
    assert (work.state, work.elapsed) == ("met", 18 * H)


def test_zendesk_agent_work_time_also_stops_on_hold_but_requester_wait_does_not() -> None:
    t = ticket(
        ZENDESK,
        created(ber(1, 10), fields={"priority": "normal"}),
        status(ber(1, 11), "On-hold"),
        status(ber(1, 15), "Open"),
    )
    s = t.status(ber(1, 17))
    assert clocks(s, "requester_wait")[0].elapsed == 7 * H
    assert clocks(s, "agent_work")[0].elapsed == 3 * H
    assert s.state == "open"


def test_zendesk_total_resolution_time_from_creation_to_solved() -> None:
    # Monday 10:00-17:00, Tuesday, Wednesday to 16:00: 7 + 8 + 7 = 22 h; pending counts.
    s = zendesk_ticket().status(ber(4, 12))
    (m,) = clocks(s, "resolution")
    assert (m.state, m.elapsed, m.met_at) == ("met", 22 * H, ber(3, 16))
    assert s.state == "resolved"


def test_a_customer_reply_reopens_a_solved_ticket_when_the_policy_says_so() -> None:
    # reply_to_solved = "reopens": Thursday 12:00 the ticket is open again, owing a reply;
    # the resolution clock resumes with its 22 h.
    s = zendesk_ticket(reply(ber(4, 12), "customer")).status(ber(4, 14))
    assert s.state == "open"
    first, second = clocks(s, "next_reply")
    assert (first.state, first.met_at) == ("breached", ber(3, 11))
    assert (second.cycle, second.state, second.start, second.elapsed) == (
        2, "running", ber(4, 12), 2 * H
    )
    assert clocks(s, "resolution")[0].elapsed == 24 * H


def test_closing_a_solved_ticket_is_no_reopening() -> None:
    # Solved Wednesday 16:00, closed Friday: resolution stays met at 22 h, and no reply is
    # owed (closing leaves solved, but for closed, not for an unsolved status).
    s = zendesk_ticket(status(ber(5, 10), "Closed")).status(ber(8, 12))
    (m,) = clocks(s, "resolution")
    assert (m.state, m.elapsed, m.met_at) == ("met", 22 * H, ber(3, 16))
    assert [c.cycle for c in clocks(s, "next_reply")] == [1]
    assert s.state == "closed"
    reg = Regulation.default()
    t = ticket(reg, Event("T", msk(2026, 5, 4, 9), "opened", level="commercial.standard"),
               Event("T", msk(2026, 5, 4, 11), "resolved"),
               Event("T", msk(2026, 5, 5, 9), "status", status="closed"))
    r = t.status(msk(2026, 5, 12, 9))
    assert r.metric("resolution").state == "met"
    assert [m.metric for m in r.metrics] == ["reaction", "resolution"]


def test_a_priority_change_selects_the_urgent_level_and_counts_from_the_clock_s_start() -> None:
    # Friday 09:00 the priority becomes urgent: next reply 1 h around the clock, counted
    # from the cycle's start (Thursday 12:00), so its deadline was Thursday 13:00, already
    # past: Zendesk records the breach at the change, Friday 09:00, not back-dated (issue
    # 22: this test said Thursday 13:00 before, as level_change = "from_start" dates it).
    t = zendesk_ticket(reply(ber(4, 12), "customer"), field(ber(5, 9), priority="urgent"))
    s = t.status(ber(5, 9, 30))
    assert (s.level, s.critical) == ("urgent", True)
    m = clocks(s, "next_reply")[-1]
    assert (m.state, m.breached_at, m.deadline, m.target, m.clock) == (
        "breached", ber(5, 9), ber(4, 13), H, "always")


def test_level_change_counted_from_the_change_when_the_policy_says_so() -> None:
    reg = attrs.evolve(ZENDESK, options=attrs.evolve(ZENDESK.options, level_change="from_change"))
    t = ticket(reg, *zendesk_ticket(reply(ber(4, 12), "customer"),
                                    field(ber(5, 9), priority="urgent")).events)
    m = clocks(t.status(ber(5, 9, 30)), "next_reply")[-1]
    assert (m.state, m.elapsed, m.deadline) == ("running", 30 * M, ber(5, 10))


def test_a_ticket_opened_without_priority_gets_the_default_level() -> None:
    s = ticket(ZENDESK, created(ber(1, 10))).status(ber(1, 11))
    assert s.level == "normal"


def test_an_unknown_status_is_refused_with_the_policy_s_statuses() -> None:
    t = ticket(ZENDESK, created(ber(1, 10)))
    with pytest.raises(EventError, match=r"status 'Parked' .* map it in the policy's \[statuses\]"):
        t.record(status(ber(1, 11), "Parked"))
    assert len(t.events) == 1


# -- update targets and replies owed only while the customer spoke last --------------------

RT = policy("""
    version = "1"
    effective = 2026-01-01
    default_level = "default"
    [calendars.office]
    tz = "Europe/Berlin"
    hours = "09:00-17:00"
    [metrics.response]
    like = "rt.response"
    [metrics.keep_in_loop]
    like = "rt.keep_in_loop"
    [levels.default]
    response = { hours = 4, clock = "office" }
    keep_in_loop = { hours = 8, clock = "office" }
""")


def test_a_ticket_opened_by_staff_owes_no_first_response() -> None:
    s = ticket(RT, created(ber(1, 10), author="desk")).status(ber(1, 16))
    assert clocks(s, "response") == []


def test_a_ticket_opened_by_the_customer_owes_a_response_from_its_creation() -> None:
    s = ticket(RT, created(ber(1, 10))).status(ber(1, 16))
    (m,) = clocks(s, "response")
    assert (m.cycle, m.state, m.elapsed, m.breached_at) == (1, "breached", 6 * H, ber(1, 14))


def test_keep_in_loop_counts_from_the_desk_s_last_reply_until_the_customer_writes() -> None:
    t = ticket(
        RT,
        created(ber(1, 10), author="desk"),
        reply(ber(1, 13), "customer"),
        reply(ber(1, 15), "desk"),
    )
    s = t.status(ber(2, 9, 30))
    (response,) = clocks(s, "response")
    assert (response.state, response.elapsed, response.start) == ("met", 2 * H, ber(1, 13))
    (loop,) = clocks(s, "keep_in_loop")
    # 8 h from Monday 15:00: 2 h on Monday, 6 h on Tuesday.
    assert (loop.state, loop.elapsed, loop.deadline) == ("running", 150 * M, ber(2, 15))
    # The customer writes back on Tuesday 10:00: a response is owed, the update is not.
    s = ticket(RT, *t.events, reply(ber(2, 10), "customer")).status(ber(2, 11))
    assert [(m.cycle, m.state) for m in clocks(s, "response")] == [(1, "met"), (2, "running")]
    assert clocks(s, "keep_in_loop") == []


ZAMMAD = policy("""
    version = "1"
    effective = 2026-01-01
    default_level = "default"
    [calendars.office]
    tz = "Europe/Berlin"
    hours = "09:00-17:00"
    [metrics.first_response]
    start = ["created"]
    stop = ["desk_reply"]
    pause = ["pending"]
    [metrics.update]
    like = "zammad.update_time"
    [levels.default]
    first_response = { hours = 2, clock = "office" }
    update = { hours = 4, clock = "office" }
""")


def test_a_pending_state_pauses_the_first_response_without_answering_it() -> None:
    t = ticket(
        ZAMMAD,
        created(ber(1, 10)),
        status(ber(1, 11), "pending"),
        status(ber(1, 15), "open"),
    )
    (m,) = clocks(t.status(ber(1, 15, 30)), "first_response")
    assert (m.state, m.elapsed, m.deadline) == ("running", 90 * M, ber(1, 16))


def test_update_time_counts_from_the_last_contact_by_either_side() -> None:
    t = ticket(
        ZAMMAD,
        created(ber(1, 10)),
        reply(ber(1, 16), "desk"),  # the first response; the update clock starts
        reply(ber(2, 10), "customer"),  # the last contact: the clock starts afresh
        reply(ber(2, 13), "desk"),
    )
    s = t.status(ber(2, 14))
    first, second = clocks(s, "update")
    assert (first.cycle, first.state, first.start, first.elapsed) == (1, "met", ber(2, 10), 3 * H)
    assert (second.cycle, second.state, second.start, second.elapsed) == (
        2, "running", ber(2, 13), H
    )


# -- the options helpdesks disagree on -------------------------------------------------------

REG = Regulation.default()
INSTANT = attrs.evolve(REG, options=attrs.evolve(REG.options, breach="instant"))


def regulation_ticket(reg: Regulation, *events: tuple[datetime, str, str | None]) -> Ticket:
    return ticket(reg, *(Event("T", at, kind, level=level) for at, kind, level in events))


def test_regulation_reply_before_opening_after_a_deadline_at_closing_time_is_in_time() -> None:
    # Commercial standard, opened Monday 4 May 12:00: 24 h -> Wednesday 6 May 18:00, the
    # close. The desk answers Thursday 08:30, before it opens: no working time was spent
    # past the target, so by the regulation's working hours the reaction is in time.
    events = [(msk(2026, 5, 4, 12), "opened", "commercial.standard"),
              (msk(2026, 5, 7, 8, 30), "responded", None)]
    r = regulation_ticket(REG, *events).status(msk(2026, 5, 7, 12)).metric("reaction")
    assert (r.state, r.elapsed, r.deadline) == ("met", 24 * H, msk(2026, 5, 6, 18))
    # Counted by the deadline instant (Zendesk's rule) the same reply is late.
    r = regulation_ticket(INSTANT, *events).status(msk(2026, 5, 7, 12)).metric("reaction")
    assert (r.state, r.breached_at) == ("breached", msk(2026, 5, 6, 18))


def test_working_time_breach_comes_with_the_first_working_minute_past_the_target() -> None:
    t = regulation_ticket(REG, (msk(2026, 5, 4, 12), "opened", "commercial.standard"))
    assert t.status(msk(2026, 5, 7, 9)).metric("reaction").state == "running"
    r = t.status(msk(2026, 5, 7, 9, 1)).metric("reaction")
    assert (r.state, r.breached_at, r.remaining) == ("breached", msk(2026, 5, 7, 9), -M)


def test_a_breach_forgotten_after_a_downgrade_when_the_policy_says_so() -> None:
    # Partner emergency (16 h) breached on 5 May 16:00, then lowered to partner standard
    # (48 h) on 6 May 10:00: a breach survives by default, and not with the option off.
    events = [(msk(2026, 5, 4, 9), "opened", "partner.emergency"),
              (msk(2026, 5, 6, 10), "level_changed", "partner.standard")]
    kept = regulation_ticket(REG, *events).status(msk(2026, 5, 6, 11)).metric("reaction")
    assert kept.state == "breached"
    lax = attrs.evolve(REG, options=attrs.evolve(REG.options, downgrade_keeps_breach=False))
    forgot = regulation_ticket(lax, *events).status(msk(2026, 5, 6, 11)).metric("reaction")
    assert (forgot.state, forgot.deadline) == ("running", msk(2026, 5, 12, 13))


def test_a_hand_off_after_resolution_leaves_the_resolution_target() -> None:
    t = regulation_ticket(
        REG,
        (msk(2026, 5, 4, 9), "opened", "commercial.standard"),
        (msk(2026, 5, 4, 11), "resolved", None),
        (msk(2026, 5, 4, 12), "to_development", None),
    )
    assert t.status(msk(2026, 5, 4, 13)).metric("resolution").state == "not_applicable"


# -- level selection by rules: working hours and out of hours --------------------------------

REDMINE = load_policy(DOCS / "redmine-like.toml")
assert isinstance(REDMINE, Regulation)


def test_an_issue_opened_in_working_hours_gets_the_working_hours_level() -> None:
    s = ticket(REDMINE, created(ber(1, 10), fields={"tracker": "Bug"})).status(ber(1, 11))
    assert s.level == "working_hours"
    assert s.metric("response").deadline == ber(1, 14)


def test_an_issue_opened_out_of_hours_gets_the_out_of_hours_level_for_its_life() -> None:
    t = ticket(REDMINE, created(ber(1, 20), fields={"tracker": "Bug"}))
    s = t.status(ber(1, 21))
    assert s.level == "out_of_hours"
    assert s.metric("response").deadline == ber(1, 22)
    # A later change of another field re-selects by the opening instant, still outside.
    t.record(field(ber(1, 21), tracker="Support"))
    assert t.status(ber(1, 21, 30)).level == "out_of_hours"


def test_redmine_compliance_is_judged_by_working_time_spent() -> None:
    # Opened Monday 13:00, response 4 h -> 17:00, the close; answered 07:00 the next day.
    t = ticket(REDMINE, created(ber(1, 13), fields={"tracker": "Bug"}), reply(ber(2, 7), "desk"))
    assert t.status(ber(2, 8)).metric("response").state == "met"


def test_a_feature_request_has_no_resolution_target() -> None:
    t = ticket(REDMINE, created(ber(1, 10), fields={"tracker": "Feature"}))
    assert t.status(ber(1, 11)).metric("resolution").state == "not_applicable"


# -- customers and contracts -------------------------------------------------------------------

TIERS = """
version = "1"
effective = 2026-01-01
[customers.gold]
title = "Gold customers"
[customers.silver]
[calendars.office]
tz = "Europe/Berlin"
hours = "09:00-17:00"
[calendars.office_vladivostok]
tz = "Asia/Vladivostok"
hours = "09:00-17:00"
[calendars.always]
preset = "always"
tz = "Europe/Berlin"
[levels."gold.standard"]
customer = "gold"
reaction = { hours = 2, clock = "office" }
[levels."silver.standard"]
customer = "silver"
reaction = { hours = 8, clock = "office" }
[levels.any]
reaction = { hours = 8, clock = { business = "office", 24x7 = "always" } }
[contracts.Acme]
kind = "gold"
signed = 2026-03-01
calendars = { office = "office_vladivostok" }
[contracts.Beta]
kind = "silver"
signed = 2026-03-01
emergency = "24x7"
"""


def test_customer_kinds_are_the_policy_s_own(tmp_path: Path) -> None:
    path = tmp_path / "tiers.toml"
    path.write_text(TIERS, encoding="utf-8")
    versions = load_policy(path)
    assert isinstance(versions, RegulationVersions)
    assert dict(versions.latest.customers) == {"gold": "Gold customers", "silver": "silver"}
    assert Contract("Corp", "silver", date(2026, 5, 1), policy=versions).level("standard").key \
        == "silver.standard"
    with pytest.raises(ConfigError, match="one of: gold, silver") as info:
        Contract("Corp", "partner", date(2026, 5, 1), policy=versions)
    assert info.value.field == "kind"
    # A level for any customer serves every contract.
    assert Contract("Corp", "gold", date(2026, 5, 1), policy=versions).level("any").key == "any"


def test_a_contract_brings_its_own_calendar_a_customer_in_vladivostok(tmp_path: Path) -> None:
    path = tmp_path / "tiers.toml"
    path.write_text(TIERS, encoding="utf-8")
    versions = load_policy(path)
    assert isinstance(versions, RegulationVersions)
    acme = versions.contracts["Acme"]
    t = acme.ticket("T")
    # Monday 1 June 10:00 in Vladivostok (UTC+10) is 02:00 in Berlin: the customer's own
    # office hours count, 2 h -> 12:00 Vladivostok time.
    vvo = ZoneInfo("Asia/Vladivostok")
    t.record(Event("T", datetime(2026, 6, 1, 10, tzinfo=vvo), "created", level="gold.standard"))
    r = t.status(datetime(2026, 6, 1, 11, tzinfo=vvo)).metric("reaction")
    assert (r.deadline, r.clock) == (datetime(2026, 6, 1, 12, tzinfo=vvo), "office")
    beta = versions.contracts["Beta"]
    assert beta.targets("any")["reaction"] == (8 * H, "always")



# -- the regulation's defaults stay the regulation's (issue 20, finding 6) ---------------------

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_a_policy_without_customers_has_no_kinds_and_takes_a_contract_of_any_kind() -> None:
    """Named case: a policy without [customers] inherited the regulation's partner and
    commercial, and refused a contract of its own kind of customer."""
    jsm = load_policy(EXAMPLES / "jsm-policy.toml")
    assert isinstance(jsm, Regulation)
    assert dict(jsm.customers) == {}
    acme = Contract("Acme", "enterprise", date(2026, 1, 1), policy=jsm)
    assert acme.regulation() is jsm
    # A level that names a kind of customer needs the policy to declare it.
    with pytest.raises(PolicyError, match="none declared") as info:
        policy("""
            version = "1"
            effective = 2026-01-01
            [calendars.office]
            tz = "Europe/Berlin"
            hours = "09:00-17:00"
            [levels.x]
            customer = "partner"
            reaction = { hours = 8, clock = "office" }
        """)
    assert info.value.field == "levels.x.customer"
    # The regulation keeps its own kinds.
    assert list(Regulation.default().customers) == ["partner", "commercial"]


def test_a_contract_asked_for_a_level_reads_it_from_the_policy_not_from_kind_dot_name(
    tmp_path: Path,
) -> None:
    """Named case: Contract.level made "<kind>.<name>" of any name it did not know, and
    refused it under that made-up key."""
    path = tmp_path / "tiers.toml"
    path.write_text(TIERS, encoding="utf-8")
    versions = load_policy(path)
    assert isinstance(versions, RegulationVersions)
    corp = Contract("Corp", "gold", date(2026, 5, 1), policy=versions)
    assert corp.level("standard").key == "gold.standard"  # the gold level, by its name
    assert corp.level("any").key == "any"
    with pytest.raises(slaclock.UnknownLevelError) as info:
        corp.level("vip")
    assert info.value.key == "vip"


def test_a_level_falls_back_by_its_metric_s_definition_not_by_the_regulation_s_names() -> None:
    """Named case: Level.fallbacks defaulted to next_reaction -> reaction, the
    regulation's metric names, whatever the policy's metrics."""
    office = Calendar(tz="Europe/Berlin", hours="09:00-17:00")
    hour = slaclock.policy.Target("first", H, "office")
    level = slaclock.policy.Level("x", "X", None, targets={"first": hour, "reaction": hour})
    assert dict(level.fallbacks) == {}
    first = slaclock.policy.MetricDefinition("first", start={"created"}, stop={"desk_reply"})
    again = slaclock.policy.MetricDefinition("again", start={"customer_reply"}, stop={"desk_reply"},
                                      cycles=True, target_from="first")
    own = slaclock.policy.MetricDefinition("next_reaction", start={"customer_reply"},
                                    stop={"desk_reply"}, cycles=True)
    reg = Regulation(version="1", effective=date(2026, 1, 1), calendars={"office": office},
                     levels={"x": level}, metrics={"first": first, "again": again,
                                                   "next_reaction": own})
    assert reg.target(level, "again") == hour  # its definition's target_from
    assert reg.target("x", "next_reaction") is None  # a metric of this name has no fallback
    # The regulation's own next_reaction takes reaction's target, as its definition says.
    regulation = Regulation.default()
    assert regulation.target("partner.standard", "next_reaction") == \
        regulation.level("partner.standard").targets["reaction"]


# -- bad policies ------------------------------------------------------------------------------

BASE = """
version = "1"
effective = 2026-01-01
[calendars.office]
tz = "Europe/Berlin"
hours = "09:00-17:00"
[levels.x]
reaction = { hours = 8, clock = "office" }
"""

BAD = [
    ("category", BASE + '[statuses]\nparked = "waiting"\n', "statuses.parked",
     "unknown status category"),
    ("pause", BASE.replace("[levels.x]", '[metrics.reaction]\nstart = ["created"]\n'
                           'stop = ["desk_reply"]\npause = ["paused"]\n[levels.x]'),
     "metrics.reaction.pause", "unknown status category"),
    ("nothing-meets", BASE.replace("[levels.x]", '[metrics.reaction]\nstart = ["created"]\n'
                                   '[levels.x]'),
     "metrics.reaction.stop", "nothing meets this metric"),
    ("trigger", BASE.replace("[levels.x]", '[metrics.reaction]\nstart = ["created"]\n'
                             'stop = ["answered"]\n[levels.x]'),
     "metrics.reaction.stop", "unknown trigger"),
    ("rule-field", BASE + '[[select]]\nlevel = "x"\nwhen = { priority = "high" }\n',
     "select[0].when.priority", "declare it in 'fields'"),
    ("trigger-field", BASE.replace("[levels.x]", '[metrics.reaction]\nstart = ["created"]\n'
                                   'stop = ["field:team=done"]\n[levels.x]'),
     "metrics.reaction.stop", "declare it in 'fields'"),
    ("like", BASE.replace("[levels.x]", '[metrics.reaction]\nlike = "jira.ttr"\n[levels.x]'),
     "metrics.reaction.like", "not a metric slaclock ships"),
    ("default-level", "default_level = 'y'\n" + BASE, "default_level", "not a level"),
    ("option", BASE + '[options]\nbreach = "late"\n', "options.breach", "expected one of"),
    ("zero", BASE.replace("hours = 8", "hours = 0"), "levels.x.reaction.hours", "positive"),
    ("inf", BASE.replace("hours = 8", "hours = inf"), "levels.x.reaction.hours", "finite"),
    ("nan", BASE.replace("hours = 8", "hours = nan"), "levels.x.reaction.hours", "finite"),
    ("tiny", BASE.replace("hours = 8", "hours = 1e-12"), "levels.x.reaction.hours",
     "at least one second"),
    ("huge", BASE.replace("hours = 8", "hours = 1e20"), "levels.x.reaction.hours",
     "at most 100 years"),
    ("contract-kind", BASE + '[customers.partner]\n[contracts.Acme]\nkind = "vip"\n'
     'signed = 2026-01-01\n', "contracts.Acme.kind", "partner"),
    ("restart-once", BASE.replace("[levels.x]", '[metrics.reaction]\nstart = ["reply"]\n'
                                  'stop = ["desk_reply"]\nrestart = true\n[levels.x]'),
     "metrics.reaction.restart", "set cycles = true"),
    ("only-cancel", BASE.replace("[levels.x]", '[metrics.reaction]\nstart = ["created"]\n'
                                 'cancel = ["enter:solved"]\n[levels.x]'),
     "metrics.reaction.stop", "nothing meets this metric"),
    ("reserved", BASE.replace("[levels.x]", '[metrics.title]\nlike = "reaction"\n[levels.x]'),
     "metrics.title", "a level's own key"),
    ("like-unless", BASE.replace("[levels.x]", '[metrics.nr]\nlike = "next_reaction"\n'
                                 '[levels.x]'),
     "metrics.nr.unless", "the shipped definition 'next_reaction' counts on the metric"),
    ("case-twins", BASE + '[statuses]\nOpen = "open"\nOPEN = "pending"\n', "statuses.OPEN",
     "without regard to case"),
]


@pytest.mark.parametrize(("name", "text", "key", "problem"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_policy_names_the_file_and_the_dotted_key(
    tmp_path: Path, name: str, text: str, key: str, problem: str
) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert (info.value.path, info.value.field) == (path.name, key)
    assert problem in str(info.value)


def test_a_policy_file_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert isinstance(load_policy(path), Regulation)


def test_a_policy_file_may_carry_its_export_mapping(tmp_path: Path) -> None:
    path = tmp_path / "desk.toml"
    path.write_text(BASE + '[log]\nformat = "csv"\n', encoding="utf-8")
    assert isinstance(load_policy(path), Regulation)  # the [log] table is the mapping's


def test_a_policy_without_metrics_has_the_regulation_s_three() -> None:
    reg = policy(BASE)
    assert list(reg.metrics) == ["reaction", "next_reaction", "resolution"]
    assert reg.metrics["resolution"] == metric_library()["resolution"]


def test_zendesk_first_reply_waits_while_solved_and_ends_at_the_next_reply() -> None:
    # Solved with no public comment (a phone call), reopened by the customer: the first
    # reply ends at the agent's next public comment, counted outside solved.
    t = ticket(ZENDESK, created(ber(1, 10), fields={"priority": "normal"}),
               status(ber(1, 11), "Solved"), reply(ber(2, 10), "customer"),
               reply(ber(2, 12), "desk"))
    (m,) = clocks(t.status(ber(2, 13)), "first_reply")
    assert (m.state, m.elapsed, m.met_at) == ("met", 3 * H, ber(2, 12))


def test_a_level_change_to_the_same_level_resets_nothing_counted_from_the_change() -> None:
    reg = attrs.evolve(REG, options=attrs.evolve(REG.options, level_change="from_change"))
    t = regulation_ticket(reg, (msk(2026, 5, 4, 9), "opened", "commercial.standard"),
                          (msk(2026, 5, 5, 9), "level_changed", "commercial.standard"))
    r = t.status(msk(2026, 5, 7, 12)).metric("reaction")
    assert (r.state, r.elapsed) == ("breached", 30 * H)


def test_a_ticket_created_solved_meets_its_clocks_at_once() -> None:
    t = ticket(ZENDESK, Event("T", ber(1, 10), "created", status="Solved"))
    s = t.status(ber(1, 12))
    assert s.state == "resolved"
    assert clocks(s, "resolution")[0].state == "met"


def test_unless_sees_the_clocks_as_the_event_leaves_them_in_any_order() -> None:
    text = """
        version = "1"
        effective = 2026-01-01
        default_level = "x"
        [calendars.office]
        tz = "Europe/Berlin"
        hours = "09:00-17:00"
        [metrics.{a}]
        start = [{a_start}]
        stop = [{a_stop}]
        {a_unless}
        [metrics.{b}]
        start = [{b_start}]
        stop = [{b_stop}]
        {b_unless}
        [levels.x]
        first = {{ hours = 1, clock = "office" }}
        upd = {{ hours = 4, clock = "office" }}
    """
    specs = {"first": ('"created"', '"desk_reply"', ""),
             "upd": ('"reply"', '"customer_reply"', 'unless = ["first"]')}
    for order in (("first", "upd"), ("upd", "first")):
        a, b = order
        reg = policy(text.format(
            a=a, a_start=specs[a][0], a_stop=specs[a][1], a_unless=specs[a][2],
            b=b, b_start=specs[b][0], b_stop=specs[b][1], b_unless=specs[b][2]))
        t = ticket(reg, created(ber(1, 10)), reply(ber(1, 11), "desk"))
        (upd,) = clocks(t.status(ber(1, 12)), "upd")
        assert (upd.state, upd.start) == ("running", ber(1, 11)), order


def test_a_level_the_rules_give_is_checked_like_one_given_by_hand() -> None:
    reg = attrs.evolve(REG, default_level="commercial.emergency")
    t = ticket(reg, created(msk(2026, 5, 4, 9)))
    with pytest.raises(EventError, match=r"rules give it commercial\.emergency.*coverage"):
        t.status(msk(2026, 5, 4, 10))


def test_a_shipped_definition_can_be_changed_key_by_key() -> None:
    reg = policy(BASE.replace("[levels.x]", '[metrics.reaction]\nlike = "reaction"\n'
                              'pause = ["pending"]\n[levels.x]'))
    assert reg.metrics["reaction"].pause == {"pending"}
    assert reg.metrics["reaction"].stop == metric_library()["reaction"].stop


# -- instants and objects ---------------------------------------------------------------------


def test_a_reply_in_the_autumn_fold_is_judged_by_its_instant_not_its_wall_clock() -> None:
    # 90 minutes around the clock from 00:20 BST (23:20 UTC) is 00:50 GMT... the reply at
    # 01:10 GMT (01:10 UTC) comes 110 minutes after the opening: late. Python compares the
    # two London datetimes by wall clock (00:20 < 01:10, fold ignored); slaclock does not.
    london = ZoneInfo("Europe/London")
    reg = policy("""
        version = "1"
        effective = 2026-01-01
        [calendars.always]
        preset = "always"
        tz = "Europe/London"
        [levels.x]
        reaction = { minutes = 90, clock = "always" }
    """)
    opened = datetime(2026, 10, 25, 0, 20, tzinfo=london)
    replied = datetime(2026, 10, 25, 1, 10, fold=1, tzinfo=london)
    assert replied - opened == timedelta(minutes=50)  # the wall-clock difference
    t = ticket(reg, Event("T", opened, "opened", level="x"), Event("T", replied, "responded"))
    r = t.status(datetime(2026, 10, 25, 3, tzinfo=london)).metric("reaction")
    assert (r.state, r.elapsed) == ("breached", 110 * M)
    utc = ZoneInfo("UTC")
    same = ticket(reg, Event("T", opened.astimezone(utc), "opened", level="x"),
                  Event("T", replied.astimezone(utc), "responded"))
    assert same.status(datetime(2026, 10, 25, 3, tzinfo=london)) == t.status(
        datetime(2026, 10, 25, 3, tzinfo=london))


@pytest.mark.parametrize("reg", [REG, ZENDESK, REDMINE], ids=["regulation", "zendesk", "redmine"])
def test_policies_and_tickets_pickle(reg: Regulation) -> None:
    assert pickle.loads(pickle.dumps(reg)) == reg
    t = zendesk_ticket() if reg is ZENDESK else ticket(
        reg, Event("T", ber(1, 10), "created", level=next(iter(reg.levels))))
    again = pickle.loads(pickle.dumps(t))
    assert again.events == t.events
    assert again.status(ber(4, 12)) == t.status(ber(4, 12))


def test_policy_values_are_frozen() -> None:
    with pytest.raises(TypeError, match="frozen"):
        REG.levels["x"] = REG.levels["partner.standard"]  # type: ignore[index]


def test_deadlines_are_a_record_and_keep_their_mapping_form() -> None:
    d = REG.deadlines("commercial.standard", msk(2026, 4, 30, 17, 30))
    assert d.targets["resolution"] == d["resolution_deadline"] == msk(2026, 5, 12, 13)
    assert dict(d) == {
        "level": "commercial.standard", "opened": msk(2026, 4, 30, 17, 30),
        "reaction_deadline": msk(2026, 5, 6, 15), "resolution_deadline": msk(2026, 5, 12, 13),
    }


def test_general_events_round_trip_through_dicts() -> None:
    e = Event("T", ber(1, 10), "created", author="desk", fields={"priority": "high"})
    assert Event.from_dict(e.as_dict()) == e
    r = Event("T", ber(1, 10), "reply", author="customer")
    assert Event.from_dict(r.as_dict()) == r


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "status"}, "needs the new status"),
        ({"kind": "reply"}, "needs its author"),
        ({"kind": "reply", "author": "bot"}, "needs its author"),
        ({"kind": "responded", "author": "desk"}, "author is 'desk' or 'customer'"),
        ({"kind": "responded", "status": "open"}, "takes no status"),
        ({"kind": "reply", "author": "desk", "fields": {"a": "b"}}, "sets no fields"),
        ({"kind": "field", "fields": {"level": "x"}}, "give level as the event's own"),
    ],
)
def test_a_malformed_general_event_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(EventError, match=message):
        Event(**{"ticket": "T", "at": ber(1, 10), **kwargs})  # type: ignore[arg-type]


def test_a_ticket_with_no_level_and_no_rules_is_an_error() -> None:
    t = ticket(policy(BASE), created(ber(1, 10)))
    with pytest.raises(EventError, match="has no level"):
        t.status(ber(1, 11))


def test_calendar_of_a_contract_replaces_only_the_named_one() -> None:
    cal = Calendar(tz="Asia/Vladivostok", hours="09:00-17:00")
    with pytest.raises(ConfigError, match="not a calendar of the policy"):
        Contract("X", "partner", date(2026, 1, 1), calendars={"office": cal})


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(["Europe/Moscow", "America/Havana", "Pacific/Kiritimati",
                          "Pacific/Pago_Pago", "UTC"]),
    boundary=st.sampled_from([0, 1, 2]),
    offset_minutes=st.integers(-5 * 24 * 60, 5 * 24 * 60),
)
def test_the_governing_version_is_the_day_s_in_the_desk_s_zone_near_a_change_or_far(
    zone: str, boundary: int, offset_minutes: int,
) -> None:
    """The governing rule finds a version on the integers when the opening is far from
    every change of version, and works out the day otherwise: both give the version in
    force on the opening's day in the desk's zone (zones whose clocks change at midnight
    among them)."""
    from slaclock._instants import from_us, to_us
    from slaclock.sla import governing

    desk = ZoneInfo(zone)
    calendar = Calendar(tz=zone, hours="09:00-17:00")
    base = Regulation(version="1", effective=date(2025, 11, 2), calendars={"desk": calendar},
                      levels={"x": REG.level("partner.standard")})
    versions = RegulationVersions([
        base, attrs.evolve(base, version="2", effective=date(2026, 3, 8)),
        attrs.evolve(base, version="3", effective=date(2026, 11, 1)),
    ])
    first_day = versions.versions[boundary].effective
    at = to_us(datetime.combine(first_day, datetime.min.time(), tzinfo=desk)) \
        + offset_minutes * 60_000_000
    day = from_us(at, desk).date()
    try:
        expected: str | None = versions.for_contract(day).version
    except ConfigError:
        expected = None
    try:
        found: str | None = governing(versions, at).regulation.version
    except ConfigError:
        found = None
    assert found == expected
