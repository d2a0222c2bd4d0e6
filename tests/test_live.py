"""The live SLA API a helpdesk plugin uses: the next change of a ticket's status with no new
event (:meth:`Ticket.next_change`, :meth:`Ticket.changes`), and the clock that is due next
(:attr:`TicketStatus.next_due`).

The next changes are checked against a slow reference that asks :meth:`Ticket.status` at
every minute, on small random tickets whose calendar opens for short spans.
"""

from __future__ import annotations

import json
import math
import pickle
import textwrap
import tomllib
import warnings
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slaclock import (
    Calendar,
    Change,
    ConfigError,
    Event,
    EventError,
    NaiveDatetimeError,
    PolicyError,
    ProvisionalCalendarWarning,
    Regulation,
    RegulationVersions,
    Ticket,
)
from slaclock.policy import parse_policy

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MINUTE = timedelta(minutes=1)


def _policy(text: str) -> Regulation:
    found = parse_policy(tomllib.loads(textwrap.dedent(text)), "test.toml")
    assert isinstance(found, Regulation)
    return found


#: A desk open 09:00-18:00 on weekdays in Berlin; reaction 2 working hours at "standard",
#: 1 hour at "urgent" (4 hours at "slow"); the at-risk share 0.75.
DESK = _policy("""
    version = "1"
    effective = 2026-01-01
    at_risk = 0.75
    [calendars.desk]
    tz = "Europe/Berlin"
    hours = "09:00-18:00"
    [calendars.always]
    preset = "always"
    tz = "Europe/Berlin"
    [levels.standard]
    reaction = { hours = 2, clock = "desk" }
    [levels.slow]
    reaction = { hours = 4, clock = "desk" }
    [levels.urgent]
    reaction = { hours = 1, clock = "desk" }
    [levels.paused]
    resolution = { hours = 8, clock = "desk" }
    [levels.nonstop]
    reaction = { hours = 4, clock = "always" }
""")


def _turns(opened: datetime, n: int) -> list[tuple[datetime, str]]:
    """``n`` replies after ``opened``, every 10 minutes, the customer's first."""
    return [(opened + timedelta(minutes=10 * i), ("customer_replied", "responded")[i % 2])
            for i in range(1, n + 1)]


def _ticket(policy: Regulation, opened: datetime, level: str, *later: tuple[datetime, str],
            id: str = "T-1") -> Ticket:
    ticket = Ticket(id, policy)
    ticket.record(Event(id, opened, "opened", level=level))
    for at, kind in later:
        ticket.record(Event(id, at, kind))
    return ticket


# -- next change, worked by hand -------------------------------------------------------------


def test_a_reaction_running_before_closing_stops_at_closing_and_starts_at_the_next_opening(
) -> None:
    """Thursday 2026-12-03, a 09:00-18:00 desk: a 2-hour reaction opened at 17:20 has used
    30 minutes at 17:50. It stops at 18:00 (40 minutes used), starts on Friday at 09:00,
    is at risk at 0.75 x 120 = 90 minutes (50 more minutes: 09:50), and breaches at 120
    minutes (80 more: 10:20): the status shows the breach from the microsecond after."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 17, 20, tzinfo=BERLIN), "standard")
    at = datetime(2026, 12, 3, 17, 50, tzinfo=BERLIN)
    assert ticket.next_change(at) == Change(
        datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN), "reaction", 0, "stops"
    )
    found = ticket.changes(at, datetime(2026, 12, 4, 12, 0, tzinfo=BERLIN))
    assert found == [
        Change(datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN), "reaction", 0, "stops"),
        Change(datetime(2026, 12, 4, 9, 0, tzinfo=BERLIN), "reaction", 0, "starts"),
        Change(datetime(2026, 12, 4, 9, 50, tzinfo=BERLIN), "reaction", 0, "at_risk", 0.75),
        Change(datetime(2026, 12, 4, 10, 20, 0, 1, tzinfo=BERLIN), "reaction", 0, "breach"),
    ]
    # A timer set to each change finds it in the status.
    assert not ticket.status(found[2].at - timedelta(microseconds=1)).metric("reaction").at_risk
    assert ticket.status(found[2].at).metric("reaction").at_risk
    assert ticket.status(found[3].at - timedelta(microseconds=1)).metric("reaction").state == (
        "running")
    assert ticket.status(found[3].at).metric("reaction").state == "breached"


def test_a_friday_evening_clock_starts_again_on_monday_morning() -> None:
    """Friday 2026-12-04 17:50 (opened 17:20): the desk closes at 18:00 and is closed all
    weekend; the reaction next counts on Monday 2026-12-07 at 09:00."""
    ticket = _ticket(DESK, datetime(2026, 12, 4, 17, 20, tzinfo=BERLIN), "standard")
    found = ticket.changes(datetime(2026, 12, 4, 17, 50, tzinfo=BERLIN),
                           datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN))
    assert [(c.at, c.what) for c in found] == [
        (datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN), "stops"),
        (datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN), "starts"),
    ]


def test_a_clock_asked_when_the_desk_is_closed_next_starts_at_the_opening() -> None:
    """Asked at 18:00 sharp (closed: an open period holds its start, not its end), the
    running reaction's next change is Friday's opening."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 17, 20, tzinfo=BERLIN), "standard")
    assert ticket.next_change(datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN)) == Change(
        datetime(2026, 12, 4, 9, 0, tzinfo=BERLIN), "reaction", 0, "starts"
    )


def test_a_paused_clock_has_no_next_change_until_an_event() -> None:
    """The resolution pauses while the ticket waits for the customer (the desk's reply that
    asks is the reaction met): nothing changes without an event, not even at closing."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "paused",
                     (datetime(2026, 12, 3, 11, 0, tzinfo=BERLIN), "waiting"))
    at = datetime(2026, 12, 3, 12, 0, tzinfo=BERLIN)
    assert ticket.status(at).metric("resolution").state == "paused"
    assert ticket.next_change(at) is None
    assert ticket.changes(at, at + timedelta(days=14)) == []
    # The customer's answer resumes it: 1 of 8 hours used, at risk at 6 (18:00 closes at
    # 7 hours used... 12:00 + 5 hours = 17:00), breach at 8 (Friday 10:00).
    ticket.record(Event("T-1", at, "customer_replied"))
    found = ticket.changes(at, datetime(2026, 12, 4, 12, 0, tzinfo=BERLIN))
    assert [(c.at, c.what) for c in found] == [
        (datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN), "at_risk"),
        (datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN), "stops"),
        (datetime(2026, 12, 4, 9, 0, tzinfo=BERLIN), "starts"),
        (datetime(2026, 12, 4, 10, 0, 0, 1, tzinfo=BERLIN), "breach"),
    ]


def test_a_met_clock_has_no_next_change() -> None:
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "standard",
                     (datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN), "responded"))
    assert ticket.next_change(datetime(2026, 12, 3, 11, 0, tzinfo=BERLIN)) is None


def test_a_level_change_brings_the_new_targets_deadline() -> None:
    """Opened at 10:00 at "slow" (4 hours), made "urgent" (1 hour) at 10:20: the reaction,
    counted from its start, is at risk at 45 minutes (10:45) and breaches at 60 (11:00)."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "slow")
    at = datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)
    assert ticket.next_change(at) == Change(
        datetime(2026, 12, 3, 13, 0, tzinfo=BERLIN), "reaction", 0, "at_risk", 0.75
    )  # 0.75 x 4 hours = 3 hours after 10:00
    ticket.record(Event("T-1", datetime(2026, 12, 3, 10, 20, tzinfo=BERLIN), "level_changed",
                        level="urgent"))
    assert ticket.changes(at, datetime(2026, 12, 3, 12, 0, tzinfo=BERLIN)) == [
        Change(datetime(2026, 12, 3, 10, 45, tzinfo=BERLIN), "reaction", 0, "at_risk", 0.75),
        Change(datetime(2026, 12, 3, 11, 0, 0, 1, tzinfo=BERLIN), "reaction", 0, "breach"),
    ]


def test_a_24x7_clock_breaches_at_the_exact_instant_across_a_dst_change() -> None:
    """Europe/Berlin springs forward on 2026-03-29 (02:00 CET is 03:00 CEST). A 4-hour 24x7
    reaction opened at 00:30 CET (23:30 UTC the day before) breaches after 4 real hours:
    03:30 UTC, 05:30 CEST (not 04:30, the wall clock's sum); at risk at 3 hours, 02:30
    UTC."""
    ticket = _ticket(DESK, datetime(2026, 3, 29, 0, 30, tzinfo=BERLIN), "nonstop")
    found = ticket.changes(datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
                           datetime(2026, 3, 29, 12, 0, tzinfo=UTC))
    assert found == [
        Change(datetime(2026, 3, 29, 2, 30, tzinfo=UTC), "reaction", 0, "at_risk", 0.75),
        Change(datetime(2026, 3, 29, 3, 30, 0, 1, tzinfo=UTC), "reaction", 0, "breach"),
    ]
    assert found[1].at.astimezone(BERLIN).hour == 5


def test_a_change_across_new_yorks_spring_forward_is_exact() -> None:
    """America/New_York springs forward on 2026-03-08 (02:00 EST is 03:00 EDT): a 4-hour
    24x7 reaction opened at 00:00 EST (05:00 UTC) breaches at 09:00 UTC, 05:00 EDT."""
    policy = _policy("""
        version = "1"
        effective = 2026-01-01
        [calendars.always]
        preset = "always"
        tz = "America/New_York"
        [levels.nonstop]
        reaction = { hours = 4, clock = "always" }
    """)
    opened = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    ticket = _ticket(policy, opened, "nonstop")
    found = ticket.changes(opened, opened + timedelta(hours=8), thresholds=[0.5])
    assert [(c.at.astimezone(UTC), c.what, c.threshold) for c in found] == [
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "at_risk", 0.5),  # 2 hours
        (datetime(2026, 3, 8, 8, 12, tzinfo=UTC), "at_risk", 0.8),  # the policy's share
        (datetime(2026, 3, 8, 9, 0, 0, 1, tzinfo=UTC), "breach", None),
    ]
    assert found[2].at.hour == 5
    assert found[2].at.utcoffset() == timedelta(hours=-4)


def test_a_deadline_in_a_provisional_year_warns_once_per_call() -> None:
    """The default policy counts on Russia's production calendar, whose 2028 is provisional
    (not published): a reaction opened late on 2027-12-30 runs into it, and asking its
    changes warns once."""
    msk = ZoneInfo("Europe/Moscow")
    # A calendar of its own: a year warns when it is compiled, and the default policy's
    # calendar is shared with every other test.
    fresh = Regulation.default().with_calendar("business", Calendar.russia())
    ticket = Ticket("T-9", fresh)
    ticket.record(Event("T-9", datetime(2027, 12, 30, 17, 0, tzinfo=msk), "opened",
                        level="commercial.standard"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = ticket.changes(datetime(2027, 12, 30, 17, 30, tzinfo=msk),
                               datetime(2028, 1, 31, tzinfo=msk))
    provisional = [w for w in caught if issubclass(w.category, ProvisionalCalendarWarning)]
    assert len(provisional) == 1
    assert "2028" in str(provisional[0].message)
    assert any(c.at.year == 2028 for c in found)


def test_ties_come_in_the_order_of_the_clocks_then_stops_starts_at_risk_breach() -> None:
    """Two clocks on one desk reach the same instants: a reaction of 1 hour and a
    resolution of 1 hour, both from 17:00 on a 09:00-18:00 desk; with a threshold of 1 the
    at-risk change and the breach of each clock fall at 18:00 and the microsecond after."""
    policy = _policy("""
        version = "1"
        effective = 2026-01-01
        [calendars.desk]
        tz = "Europe/Berlin"
        hours = "09:00-18:00"
        [levels.twin]
        reaction = { hours = 1, clock = "desk" }
        resolution = { hours = 1, clock = "desk" }
    """)
    ticket = _ticket(policy, datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN), "twin")
    found = ticket.changes(datetime(2026, 12, 3, 17, 0, tzinfo=BERLIN),
                           datetime(2026, 12, 3, 18, 0, 0, 1, tzinfo=BERLIN), thresholds=[1])
    # 0.8 x 60 minutes = 48 minutes: 17:48; 60 minutes at 18:00, the closing.
    at_48, at_60 = (datetime(2026, 12, 3, 17, 48, tzinfo=BERLIN),
                    datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN))
    after = at_60 + timedelta(microseconds=1)
    assert [(c.at, c.metric, c.what, c.threshold) for c in found] == [
        (at_48, "reaction", "at_risk", 0.8), (at_48, "resolution", "at_risk", 0.8),
        (at_60, "reaction", "stops", None), (at_60, "reaction", "at_risk", 1.0),
        (at_60, "resolution", "stops", None), (at_60, "resolution", "at_risk", 1.0),
        (after, "reaction", "breach", None), (after, "resolution", "breach", None),
    ]


def test_changes_read_only_the_events_up_to_the_instant_asked() -> None:
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "standard",
                     (datetime(2026, 12, 3, 11, 0, tzinfo=BERLIN), "responded"))
    assert ticket.next_change(datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)) == Change(
        datetime(2026, 12, 3, 11, 30, tzinfo=BERLIN), "reaction", 0, "at_risk", 0.75
    )


def test_changes_up_to_an_instant_not_after_the_one_asked_are_none() -> None:
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "standard")
    at = datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)
    assert ticket.changes(at, at) == []
    assert ticket.changes(at, at - MINUTE) == []


def test_a_threshold_outside_zero_to_one_is_refused_with_its_reason() -> None:
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "standard")
    at = datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)
    for bad in ([0], [1.5], ["half"], [True], "0.5"):
        with pytest.raises(ConfigError, match="above 0, at most 1"):
            ticket.next_change(at, thresholds=bad)  # type: ignore[arg-type]


def test_the_next_change_of_a_ticket_not_yet_opened_is_refused() -> None:
    ticket = Ticket("T-1", DESK)
    with pytest.raises(EventError, match="has no 'opened' event"):
        ticket.next_change(datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN))


def test_next_due_names_the_clock_of_the_next_deadline() -> None:
    """A reaction due at 11:00 (1 hour, urgent) and nothing else: next_due is it, and its
    deadline is next_deadline."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "urgent")
    status = ticket.status(datetime(2026, 12, 3, 10, 10, tzinfo=BERLIN))
    due = status.next_due
    assert due is not None
    assert due.metric == "reaction"
    assert due.deadline == status.next_deadline == datetime(2026, 12, 3, 11, 0, tzinfo=BERLIN)
    ticket.record(Event("T-1", datetime(2026, 12, 3, 10, 20, tzinfo=BERLIN), "responded"))
    assert ticket.status(datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)).next_due is None


def test_versions_are_refused_by_the_ticket_with_a_hint() -> None:
    with pytest.raises(TypeError, match="for_contract"):
        Ticket("T-1", RegulationVersions([DESK]))  # type: ignore[arg-type]


# -- next change against a status asked every minute -------------------------------------------

#: A calendar open for short spans every day, in UTC, so a few hours hold many openings and
#: closings; targets of minutes.
_SHORT = """
    version = "1"
    effective = 2026-01-01
    at_risk = 0.5
    warn = [0.25]
    [options]
    breach = "{breach}"
    level_change = "{change}"
    [calendars.desk]
    tz = "{tz}"
    hours = {{ "mon-sun" = "{hours}" }}
    [calendars.always]
    preset = "always"
    tz = "{tz}"
    [levels.a]
    reaction = {{ minutes = 7, clock = "desk", warn = [0.4] }}
    resolution = {{ minutes = 25, clock = "desk" }}
    [levels.b]
    warn = [0.6, 0.9]
    reaction = {{ minutes = 12, clock = "always" }}
    next_reaction = {{ minutes = 5, clock = "desk" }}
    resolution = {{ minutes = 40, clock = "always" }}
"""
_HOURS = "00:10-00:20, 00:25-00:45, 01:00-01:30, 02:00-02:03, 02:30-03:40, 04:00-04:10"
_OPTIONS = [(breach, change) for breach in ("instant", "working_time")
            for change in ("from_start", "from_change")]
SHORT = {options: _policy(_SHORT.format(breach=options[0], change=options[1], hours=_HOURS,
                                        tz="UTC"))
         for options in _OPTIONS}
_DAY = datetime(2026, 6, 1, tzinfo=UTC)
#: The same desk in Berlin, on the day its clocks spring forward (02:00 CET is 03:00 CEST:
#: the span 02:00-02:03 does not exist that day, 02:30-03:40 is 03:00-03:40).
SPRING = {options: _policy(_SHORT.format(breach=options[0], change=options[1],
                                         hours=_HOURS, tz="Europe/Berlin"))
          for options in _OPTIONS}
_SPRING_DAY = datetime(2026, 3, 29, tzinfo=BERLIN)
_KINDS = ("responded", "waiting", "customer_replied", "resolved", "reopened", "level_changed")


def _shape(ticket: Ticket, at: datetime) -> tuple[object, ...]:
    """What a change changes: each clock's state and the warning thresholds it reached."""
    return tuple((m.metric, m.cycle, m.state, m.at_risk, m.warned)
                 for m in ticket.status(at).metrics)


def _elapsed(ticket: Ticket, at: datetime) -> tuple[timedelta | None, ...]:
    return tuple(m.elapsed for m in ticket.status(at).metrics)


def _reference(ticket: Ticket, at: datetime, minutes: int) -> set[datetime]:
    """The minutes after ``at`` (up to ``minutes`` later) whose status differs from the
    minute before's: a clock's state or at-risk flag, or whether it counts working time
    in the minute that follows (its elapsed time grows)."""
    times = [at + i * MINUTE for i in range(minutes + 2)]
    shapes = [_shape(ticket, t) for t in times]
    elapsed = [_elapsed(ticket, t) for t in times]
    counting = [
        tuple(a is not None and b is not None and b > a
              for a, b in zip(elapsed[i], elapsed[i + 1], strict=True))
        for i in range(minutes + 1)
    ]
    return {times[i] for i in range(1, minutes + 1)
            if (shapes[i], counting[i]) != (shapes[i - 1], counting[i - 1])}


def _ceil_minute(t: datetime) -> datetime:
    base = t.replace(second=0, microsecond=0)
    return base if base == t else base + MINUTE


@st.composite
def _short_tickets(draw: st.DrawFn) -> tuple[Ticket, datetime]:
    options = draw(st.sampled_from(_OPTIONS))
    policy, day = draw(st.sampled_from([(SHORT[options], _DAY), (SPRING[options], _SPRING_DAY)]))
    day = day.astimezone(UTC)  # minutes of real time from the day's start
    opened = draw(st.integers(0, 150))
    ticket = Ticket("R-1", policy)
    ticket.record(Event("R-1", day + opened * MINUTE, "opened",
                        level=draw(st.sampled_from(["a", "b"]))))
    last = opened
    for _ in range(draw(st.integers(0, 4))):
        last += draw(st.integers(0, 20))
        kind = draw(st.sampled_from(_KINDS))
        level = draw(st.sampled_from(["a", "b"])) if kind == "level_changed" else None
        ticket.record(Event("R-1", day + last * MINUTE, kind, level=level))
    return ticket, day + (last + draw(st.integers(0, 10))) * MINUTE


@settings(max_examples=100)
@given(_short_tickets())
def test_the_changes_are_the_minutes_at_which_the_status_asked_every_minute_changes(
    found: tuple[Ticket, datetime],
) -> None:
    ticket, at = found
    minutes = 200
    expected = _reference(ticket, at, minutes)
    changes = ticket.changes(at, at + minutes * MINUTE)
    assert {_ceil_minute(c.at) for c in changes} == expected
    first = ticket.next_change(at)
    assert first == (changes[0] if changes else None) or (
        first is not None and first.at > at + minutes * MINUTE and not changes
    )
    assert changes == sorted(changes, key=lambda c: c.at)
    assert all(c.at > at for c in changes)
    assert all(math.isclose(c.at.timestamp() % 60, 0) or c.what == "at_risk"
               or c.what == "breach" for c in changes)


# -- several warning thresholds ----------------------------------------------------------------

#: warn = [0.5] for the version, [0.25, 0.5] for level "warned", [0.9] for its resolution's
#: target; the at-risk share 0.75. Targets of 4 hours on a 24x7 clock.
WARNED = _policy("""
    version = "1"
    effective = 2026-01-01
    at_risk = 0.75
    warn = [0.5]
    [calendars.always]
    preset = "always"
    tz = "UTC"
    [levels.plain]
    reaction = { hours = 4, clock = "always" }
    [levels.warned]
    warn = [0.5, 0.25]
    reaction = { hours = 4, clock = "always" }
    resolution = { hours = 4, clock = "always", warn = [0.9] }
""")
_NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_the_policy_reads_warn_for_the_version_a_level_and_a_target() -> None:
    assert WARNED.warn == (0.5,)
    assert WARNED.level("warned").warn == (0.25, 0.5)
    assert WARNED.level("warned").targets["resolution"].warn == (0.9,)
    assert WARNED.level("plain").warn == ()


def test_a_clock_warns_at_its_targets_thresholds_else_its_levels_else_the_versions() -> None:
    """Three hours into 4-hour targets (used 0.75): the reaction at "warned" has reached
    its level's 0.25 and 0.5 and the at-risk share 0.75; the resolution its target's 0.9
    not yet, only the at-risk share; at "plain" the version's 0.5 and 0.75."""
    warned = _ticket(WARNED, _NOON, "warned")
    status = warned.status(_NOON + timedelta(hours=3))
    assert status.metric("reaction").warned == (0.25, 0.5, 0.75)
    assert status.metric("resolution").warned == (0.75,)
    assert status.metric("reaction").at_risk
    plain = _ticket(WARNED, _NOON, "plain")
    assert plain.status(_NOON + timedelta(hours=3)).metric("reaction").warned == (0.5, 0.75)
    assert plain.status(_NOON + timedelta(hours=1)).metric("reaction").warned == ()


def test_the_thresholds_of_a_query_replace_the_policys_and_keep_the_at_risk_share() -> None:
    ticket = _ticket(WARNED, _NOON, "warned")
    at = _NOON + timedelta(hours=3)
    assert ticket.status(at, thresholds=[0.7]).metric("reaction").warned == (0.7, 0.75)
    assert ticket.status(at, thresholds=[0.7], at_risk=0.5).metric("reaction").warned == (
        0.5, 0.7)
    # The reaction's changes from the opening: 0.25 x 4 hours = 1 hour, 0.5 = 2 hours,
    # 0.75 = 3 hours; the breach after 4.
    found = ticket.changes(_NOON, _NOON + timedelta(hours=5))
    assert [(c.at - _NOON, c.what, c.threshold) for c in found if c.metric == "reaction"] == [
        (timedelta(hours=1), "at_risk", 0.25), (timedelta(hours=2), "at_risk", 0.5),
        (timedelta(hours=3), "at_risk", 0.75),
        (timedelta(hours=4, microseconds=1), "breach", None),
    ]
    found = ticket.changes(_NOON, _NOON + timedelta(hours=5), thresholds=[0.1])
    assert [c.threshold for c in found if c.metric == "resolution"] == [0.1, 0.75, None]


def test_a_tickets_own_thresholds_replace_the_policys() -> None:
    ticket = Ticket("T-1", WARNED, thresholds=[0.6])
    ticket.record(Event("T-1", _NOON, "opened", level="warned"))
    assert ticket.status(_NOON + timedelta(hours=3)).metric("reaction").warned == (0.6, 0.75)


def test_a_paused_or_met_clock_has_reached_no_warning() -> None:
    ticket = _ticket(WARNED, _NOON, "warned", (_NOON + timedelta(hours=3), "responded"))
    assert ticket.status(_NOON + timedelta(hours=3)).metric("reaction").warned == ()


def test_a_policy_with_a_bad_warn_is_refused_naming_the_key() -> None:
    for bad, where in (("warn = [0.5, 1.5]", "warn"), ("warn = 0.5", "warn"),
                       ("warn = []", "warn")):
        with pytest.raises(PolicyError, match=rf"{where}.*above 0, at most 1"):
            _policy(f"""
                version = "1"
                effective = 2026-01-01
                {bad}
                [levels.a]
                reaction = {{ hours = 4, clock = "always" }}
                [calendars.always]
                preset = "always"
            """)
    with pytest.raises(PolicyError, match=r"levels\.a\.reaction\.warn"):
        _policy("""
            version = "1"
            effective = 2026-01-01
            [calendars.always]
            preset = "always"
            [levels.a]
            reaction = { hours = 4, clock = "always", warn = [true] }
        """)


# -- the governing terms in one call ---------------------------------------------------------

#: Version 2 takes effect on 2027-01-01 in the desk's zone, Moscow (UTC+3); Acme has a
#: contract signed in 2026 with a 24x7 emergency agreement.
VERSIONS = parse_policy(tomllib.loads(textwrap.dedent("""
    [customers.commercial]
    [calendars.desk]
    tz = "Europe/Moscow"
    hours = "09:00-18:00"
    [calendars.always]
    preset = "always"
    tz = "Europe/Moscow"
    [[versions]]
    version = "1"
    effective = 2026-01-01
    [versions.levels.standard]
    reaction = { hours = 8, clock = "desk" }
    [versions.levels.emergency]
    reaction = { hours = 2, clock = { business = "desk", 24x7 = "always" } }
    [[versions]]
    version = "2"
    effective = 2027-01-01
    [versions.levels.standard]
    reaction = { hours = 4, clock = "desk" }
    [versions.levels.emergency]
    reaction = { hours = 1, clock = { business = "desk", 24x7 = "always" } }
    [contracts.Acme]
    kind = "commercial"
    signed = 2026-06-01
    emergency = "24x7"
""")), "versions.toml")


def test_a_governed_ticket_takes_the_version_of_its_opening_day_in_the_desks_zone() -> None:
    """2027-01-01 06:30 in Moscow is 2026-12-31 22:30 in New York: the same instant, and
    the desk's day is 2027-01-01, version 2, whatever the offset it is written with."""
    assert isinstance(VERSIONS, RegulationVersions)
    moscow = datetime(2027, 1, 1, 6, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    for opened in (moscow, moscow.astimezone(NEW_YORK), moscow.astimezone(UTC)):
        ticket = Ticket.governed("T-1", VERSIONS, opened=opened)
        assert ticket.regulation.version == "2"
        assert ticket.contract is None
    before = datetime(2026, 12, 31, 23, 59, tzinfo=ZoneInfo("Europe/Moscow"))
    assert Ticket.governed("T-1", VERSIONS, opened=before.astimezone(ZoneInfo("Asia/Tokyo"))
                           ).regulation.version == "1"


def test_a_governed_ticket_of_a_customer_with_a_contract_takes_its_terms() -> None:
    """Acme signed in 2026: version 1 even for a ticket of 2027, and its 24x7 coverage."""
    opened = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    ticket = Ticket.governed("T-1", VERSIONS, opened=opened, customer="Acme")
    assert ticket.regulation.version == "1"
    assert ticket.contract is not None
    assert ticket.contract.customer == "Acme"
    assert ticket.coverage == "24x7"
    ticket.record(Event("T-1", opened, "opened", level="emergency", customer="Acme"))
    # 2 hours on the 24x7 clock.
    assert ticket.status(opened).metric("reaction").deadline == opened + timedelta(hours=2)
    other = Ticket.governed("T-2", VERSIONS, opened=opened, signed=datetime(2026, 2, 1).date(),
                            coverage="business")
    assert (other.regulation.version, other.contract, other.coverage) == ("1", None,
                                                                          "business")


# -- store and restore -------------------------------------------------------------------------


def test_a_stored_ticket_restores_with_its_terms_events_and_zones() -> None:
    opened = datetime(2027, 3, 1, 10, 0, 0, 123456, tzinfo=ZoneInfo("Europe/Moscow"))
    ticket = Ticket.governed("T-\u202e1", VERSIONS, opened=opened, customer="Acme",
                             thresholds=[0.5])
    ticket.record(Event("T-\u202e1", opened, "opened", level="emergency", customer="Acme",
                        detail="printer \x9b on fire"))
    ticket.record(Event("T-\u202e1", (opened + timedelta(minutes=5)).astimezone(NEW_YORK),
                        "responded"))
    text = ticket.to_json()
    assert "\u202e" not in text  # the characters a terminal acts on are escaped
    assert "\\u202e" in text
    assert "\\u009b" in text
    back = Ticket.from_json(text, VERSIONS)
    assert back.events == ticket.events
    assert [e.at.tzinfo for e in back.events] == [e.at.tzinfo for e in ticket.events]
    assert [repr(e.at) for e in back.events] == [repr(e.at) for e in ticket.events]
    assert (back.id, back.regulation, back.contract, back.coverage, back.at_risk,
            back.thresholds) == (ticket.id, ticket.regulation, ticket.contract,
                                 ticket.coverage, ticket.at_risk, ticket.thresholds)
    assert back.to_json() == text


@pytest.mark.parametrize(("text", "match"), [
    ("not json", "not JSON"),
    ("[]", "expected an object"),
    ('{"format": 2, "ticket": "T", "version": "1", "events": []}', "format"),
    ('{"format": 1, "ticket": "T", "version": "9", "events": []}',
     r"not a version of the policy \(its versions: '1', '2'\)"),
    ('{"format": 1, "ticket": "T", "version": "1", "contract": "Zeta", "events": []}',
     "not a contract of the policy"),
    ('{"format": 1, "ticket": "T", "version": "1", "events": [], "extra": 1}',
     "unknown keys"),
    ('{"format": 1, "ticket": "T", "events": []}', "version: missing"),
])
def test_a_stored_ticket_that_cannot_be_restored_is_refused_with_its_reason(
    text: str, match: str
) -> None:
    with pytest.raises(ConfigError, match=match):
        Ticket.from_json(text, VERSIONS)


def test_a_stored_event_in_an_unknown_zone_is_refused() -> None:
    text = ('{"format": 1, "ticket": "T", "version": "1", "events": [{"at": '
            '"2026-03-01T10:00:00+03:00", "kind": "opened", "level": "standard", '
            '"tz": "Mars/Olympus"}]}')
    with pytest.raises(EventError, match="'Mars/Olympus' is not an IANA zone name"):
        Ticket.from_json(text, VERSIONS)


_ZONES = st.sampled_from([UTC, BERLIN, NEW_YORK, ZoneInfo("Asia/Kolkata"),
                          ZoneInfo("Europe/Moscow")])


@st.composite
def _stored_tickets(draw: st.DrawFn) -> Ticket:
    policy = SHORT[draw(st.sampled_from(sorted(SHORT)))]
    ticket = Ticket("S-1", policy, thresholds=draw(st.none() | st.just([0.3, 0.6])))
    us = draw(st.integers(0, 3 * 3_600_000_000))
    ticket.record(Event("S-1", (_DAY + timedelta(microseconds=us)).astimezone(draw(_ZONES)),
                        "opened", level=draw(st.sampled_from(["a", "b"])),
                        detail=draw(st.none() | st.text(max_size=5))))
    for _ in range(draw(st.integers(0, 6))):
        us += draw(st.integers(0, 900_000_000))
        kind = draw(st.sampled_from(_KINDS))
        level = draw(st.sampled_from(["a", "b"])) if kind == "level_changed" else None
        at = (_DAY + timedelta(microseconds=us)).astimezone(draw(_ZONES))
        ticket.record(Event("S-1", at, kind, level=level))
    return ticket


@given(_stored_tickets(), st.lists(st.integers(0, 8 * 3_600_000_000), min_size=1,
                                   max_size=4))
def test_a_ticket_round_trips_through_json_with_the_same_events_and_statuses(
    ticket: Ticket, instants: list[int]
) -> None:
    back = Ticket.from_json(ticket.to_json(), ticket.regulation)
    assert back.events == ticket.events
    assert [repr(e.at) for e in back.events] == [repr(e.at) for e in ticket.events]
    opened = ticket.events[0].at
    for us in instants:
        at = opened + timedelta(microseconds=us)
        assert back.status(at) == ticket.status(at)
        assert back.next_change(at) == ticket.next_change(at)


# -- the view a web page shows ----------------------------------------------------------------


def _schema() -> dict[str, object]:
    from importlib import resources
    text = resources.files("slaclock").joinpath("data/schemas/ticket-view.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


def _validator() -> jsonschema.protocols.Validator:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


VALIDATOR = _validator()


def test_the_view_of_a_ticket_worked_by_hand_keeps_its_keys_and_values() -> None:
    """Thursday 2026-12-03 on the 09:00-18:00 desk: a 2-hour reaction opened at 17:20,
    seen at 17:50. Elapsed 30 minutes (1,800,000 ms), 90 left (5,400,000 ms), used 0.25;
    due at Friday 10:20 (40 minutes on Thursday, 80 on Friday from 09:00); the
    next change is Thursday's closing. The level sets no resolution: not applicable."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 17, 20, tzinfo=BERLIN), "standard")
    view = ticket.status(datetime(2026, 12, 3, 17, 50, tzinfo=BERLIN)).view()
    thirty = {"millis": 1_800_000, "text": "30m"}
    assert view == {
        "format": 1,
        "ticket": "T-1",
        "at": "2026-12-03T17:50:00+01:00",
        "level": "standard",
        "level_title": "standard",
        "coverage": None,
        "state": "open",
        "opened": "2026-12-03T17:20:00+01:00",
        "customer": None,
        "critical": False,
        "at_risk": False,
        "breached": False,
        "next_due": {"metric": "reaction", "cycle": 0,
                     "breach_time": "2026-12-04T10:20:00+01:00"},
        "next_change": {"at": "2026-12-03T18:00:00+01:00", "metric": "reaction", "cycle": 0,
                        "what": "stops", "threshold": None},
        "metrics": [
            {
                "name": "reaction",
                "title": "Reaction",
                "promised": True,
                "clock": "desk",
                "within_calendar_hours": True,
                "goal": {"millis": 7_200_000, "text": "2h 00m"},
                "completed_cycles": [],
                "ongoing_cycle": {
                    "cycle": 0,
                    "state": "running",
                    "start": "2026-12-03T17:20:00+01:00",
                    "goal": {"millis": 7_200_000, "text": "2h 00m"},
                    "elapsed": thirty,
                    "actual_elapsed": thirty,
                    "remaining": {"millis": 5_400_000, "text": "1h 30m"},
                    "breach_time": "2026-12-04T10:20:00+01:00",
                    "original_breach_time": "2026-12-04T10:20:00+01:00",
                    "breached": False,
                    "breached_at": None,
                    "met_at": None,
                    "stop_time": None,
                    "paused": False,
                    "counting": True,
                    "within_calendar_hours": True,
                    "used": 0.25,
                    "percentage": 25.0,
                    "at_risk": False,
                    "warned": [],
                },
            },
            {
                "name": "resolution",
                "title": "Resolution",
                "promised": True,
                "clock": None,
                "within_calendar_hours": None,
                "goal": None,
                "completed_cycles": [{
                    "cycle": 0,
                    "state": "not_applicable",
                    "start": "2026-12-03T17:20:00+01:00",
                    "goal": None,
                    "elapsed": None,
                    "actual_elapsed": thirty,
                    "remaining": None,
                    "breach_time": None,
                    "original_breach_time": None,
                    "breached": False,
                    "breached_at": None,
                    "met_at": None,
                    "stop_time": None,  # it never stopped: the level sets it no target
                    "paused": False,
                    "counting": False,
                    "within_calendar_hours": None,
                    "used": None,
                    "percentage": None,
                    "at_risk": False,
                    "warned": [],
                }],
                "ongoing_cycle": None,
            },
        ],
    }
    VALIDATOR.validate(view)


def test_a_paused_cycle_shows_paused_its_original_breach_time_and_its_wall_clock_time() -> None:
    """An 8-hour resolution from 10:00, paused at 11:00 (the desk waits), seen at 15:00:
    1 hour elapsed, 5 hours of wall-clock time; as if it resumed now, 7 hours left: 3
    until 18:00 and 4 on Friday from 09:00, due at 13:00; the original breach time, from
    the start with nothing paused, 18:00."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "paused",
                     (datetime(2026, 12, 3, 11, 0, tzinfo=BERLIN), "waiting"))
    view = ticket.status(datetime(2026, 12, 3, 15, 0, tzinfo=BERLIN)).view()
    (resolution,) = [m for m in view["metrics"] if m["name"] == "resolution"]
    cycle = resolution["ongoing_cycle"]
    assert (cycle["state"], cycle["paused"], cycle["counting"]) == ("paused", True, False)
    assert cycle["elapsed"] == {"millis": 3_600_000, "text": "1h 00m"}
    assert cycle["actual_elapsed"] == {"millis": 18_000_000, "text": "5h 00m"}
    assert cycle["breach_time"] == "2026-12-04T13:00:00+01:00"
    assert cycle["original_breach_time"] == "2026-12-03T18:00:00+01:00"
    assert view["next_change"] is None
    VALIDATOR.validate(view)


def test_the_cycles_of_a_next_reaction_are_completed_and_ongoing() -> None:
    """Two customer replies, the first answered: next reaction cycle 1 is met
    (completed), cycle 2 runs (ongoing)."""
    t0 = datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN)
    ticket = _ticket(DESK, t0, "standard", (t0 + timedelta(minutes=5), "responded"),
                     (t0 + timedelta(minutes=10), "customer_replied"),
                     (t0 + timedelta(minutes=20), "responded"),
                     (t0 + timedelta(minutes=30), "customer_replied"))
    view = ticket.status(t0 + timedelta(minutes=45)).view()
    (nxt,) = [m for m in view["metrics"] if m["name"] == "next_reaction"]
    assert [c["cycle"] for c in nxt["completed_cycles"]] == [1]
    assert nxt["completed_cycles"][0]["met_at"] == "2026-12-03T10:20:00+01:00"
    assert nxt["completed_cycles"][0]["stop_time"] == "2026-12-03T10:20:00+01:00"
    assert nxt["ongoing_cycle"]["stop_time"] is None
    assert nxt["ongoing_cycle"]["cycle"] == 2
    assert nxt["ongoing_cycle"]["elapsed"]["millis"] == 15 * 60_000
    VALIDATOR.validate(view)


def test_a_view_of_an_overdue_clock_writes_negative_milliseconds_and_text() -> None:
    """A 1-hour reaction from 10:00, seen at 11:07:30: 7.5 minutes overdue, -450,000 ms,
    written -7m (whole minutes toward zero)."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "urgent")
    view = ticket.status(datetime(2026, 12, 3, 11, 7, 30, tzinfo=BERLIN)).view()
    cycle = view["metrics"][0]["ongoing_cycle"]
    assert cycle["remaining"] == {"millis": -450_000, "text": "-7m"}
    assert cycle["breached"] is True
    assert cycle["breached_at"] == "2026-12-03T11:00:00+01:00"
    assert view["breached"] is True
    VALIDATOR.validate(view)


def test_a_view_made_without_its_ticket_gives_names_and_nulls() -> None:
    """A status not made by Ticket.status (here a copy, as a report's replay makes them)
    has no ticket to read: the metric names as titles, no calendar hours, no next
    change."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "urgent")
    status = attrs.evolve(ticket.status(datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)))
    view = status.view()
    assert view["next_change"] is None
    assert view["metrics"][0]["title"] == "reaction"
    assert view["metrics"][0]["within_calendar_hours"] is None
    assert view["metrics"][0]["ongoing_cycle"]["counting"] is True
    VALIDATOR.validate(view)


def test_the_view_json_escapes_what_a_terminal_acts_on() -> None:
    ticket = Ticket("T-\u202e\x9b", DESK)
    ticket.record(Event("T-\u202e\x9b", datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN),
                        "opened", level="urgent"))
    status = ticket.status(datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN))
    text = status.view_json()
    assert "\\u202e\\u009b" in text
    assert json.loads(text) == status.view()


def _jira(metric: dict[str, object]) -> dict[str, object]:
    """A metric of the view in the shape of Jira Service Management's ``SlaInformation``
    (Jira Service Management Cloud REST API, "Get SLA information",
    ``GET /rest/servicedeskapi/request/{issueIdOrKey}/sla``: ``name``,
    ``completedCycles`` of ``startTime``, ``stopTime``, ``breachTime``, ``breached``,
    ``goalDuration``, ``elapsedTime``, ``remainingTime``, and an ``ongoingCycle`` with
    ``paused`` and ``withinCalendarHours`` instead of ``stopTime``; durations as
    ``{"millis", "friendly"}``), written here from the public API reference."""
    def duration(value: object) -> object:
        assert isinstance(value, dict)
        return {"millis": value["millis"], "friendly": value["text"]}

    def cycle(c: dict[str, object], ongoing: bool) -> dict[str, object]:
        out = {"startTime": {"iso8601": c["start"]}, "breachTime": {"iso8601": c["breach_time"]},
               "breached": c["breached"], "goalDuration": duration(c["goal"]),
               "elapsedTime": duration(c["elapsed"]),
               "remainingTime": duration(c["remaining"])}
        if ongoing:
            # Jira's withinCalendarHours: whether the SLA is timed on a calendar, not 24/7.
            out.update(paused=c["paused"], withinCalendarHours=metric["clock"] != "always")
        else:
            out["stopTime"] = {"iso8601": c["stop_time"]}
        return out

    completed = metric["completed_cycles"]
    ongoing = metric["ongoing_cycle"]
    assert isinstance(completed, list)
    return {"name": metric["title"],
            "completedCycles": [cycle(c, False) for c in completed],
            "ongoingCycle": None if ongoing is None else cycle(ongoing, True)}  # type: ignore[arg-type]


def _servicenow(cycle: dict[str, object]) -> dict[str, object]:
    """A cycle of the view as a row of ServiceNow's Task SLA table (``task_sla``, from the
    public table reference: ``stage``, ``has_breached``, ``start_time``,
    ``planned_end_time`` (the breach time), ``original_breach_time``,
    ``business_duration`` and ``duration`` (business and actual elapsed time),
    ``business_percentage``, ``business_time_left``, ``end_time``)."""
    stage = ("paused" if cycle["paused"] else "in_progress") if cycle["stop_time"] is None \
        else ("achieved" if cycle["met_at"] else "cancelled")
    return {"stage": stage, "has_breached": cycle["breached"], "start_time": cycle["start"],
            "planned_end_time": cycle["breach_time"],
            "original_breach_time": cycle["original_breach_time"],
            "business_duration": cycle["elapsed"], "duration": cycle["actual_elapsed"],
            "business_percentage": cycle["percentage"],
            "business_time_left": cycle["remaining"], "end_time": cycle["stop_time"]}


def test_the_view_gives_every_field_of_jira_service_managements_sla_answer() -> None:
    """A ticket whose reaction was met and whose next reaction runs, on the 09:00-18:00
    desk: each Jira field has its value (a completed cycle stopped at the reply)."""
    t0 = datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN)
    ticket = _ticket(DESK, t0, "standard", (t0 + timedelta(minutes=5), "responded"),
                     (t0 + timedelta(minutes=10), "customer_replied"))
    view = ticket.status(t0 + timedelta(minutes=40)).view()
    reaction, nxt = (_jira(m) for m in view["metrics"][:2])
    assert reaction["ongoingCycle"] is None
    (done,) = reaction["completedCycles"]  # type: ignore[misc]
    assert done == {
        "startTime": {"iso8601": "2026-12-03T10:00:00+01:00"},
        "breachTime": {"iso8601": "2026-12-03T12:00:00+01:00"},
        "breached": False,
        "goalDuration": {"millis": 7_200_000, "friendly": "2h 00m"},
        "elapsedTime": {"millis": 300_000, "friendly": "5m"},
        "remainingTime": {"millis": 6_900_000, "friendly": "1h 55m"},
        "stopTime": {"iso8601": "2026-12-03T10:05:00+01:00"},
    }
    assert nxt["ongoingCycle"] == {  # 30 minutes of the 2 hours since the reply at 10:10
        "startTime": {"iso8601": "2026-12-03T10:10:00+01:00"},
        "breachTime": {"iso8601": "2026-12-03T12:10:00+01:00"},
        "breached": False,
        "goalDuration": {"millis": 7_200_000, "friendly": "2h 00m"},
        "elapsedTime": {"millis": 1_800_000, "friendly": "30m"},
        "remainingTime": {"millis": 5_400_000, "friendly": "1h 30m"},
        "paused": False,
        "withinCalendarHours": True,
    }


def test_the_view_gives_every_field_of_a_servicenow_task_sla_row() -> None:
    """The paused resolution (8 hours from 10:00, paused at 11:00, seen at 15:00): stage
    paused, 1 hour of business time, 5 of actual time, 12.5 %, 7 hours left; breach time
    13:00 on Friday (the original one plus the pause), original 18:00 on Thursday."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "paused",
                     (datetime(2026, 12, 3, 11, 0, tzinfo=BERLIN), "waiting"))
    view = ticket.status(datetime(2026, 12, 3, 15, 0, tzinfo=BERLIN)).view()
    (resolution,) = [m for m in view["metrics"] if m["name"] == "resolution"]
    assert _servicenow(resolution["ongoing_cycle"]) == {
        "stage": "paused", "has_breached": False, "start_time": "2026-12-03T10:00:00+01:00",
        "planned_end_time": "2026-12-04T13:00:00+01:00",
        "original_breach_time": "2026-12-03T18:00:00+01:00",
        "business_duration": {"millis": 3_600_000, "text": "1h 00m"},
        "duration": {"millis": 18_000_000, "text": "5h 00m"},
        "business_percentage": 12.5,
        "business_time_left": {"millis": 25_200_000, "text": "7h 00m"},
        "end_time": None,
    }


@settings(max_examples=40)
@given(_stored_tickets(), st.integers(0, 8 * 3_600_000_000))
def test_every_view_is_valid_against_the_shipped_schema(ticket: Ticket, us: int) -> None:
    status = ticket.status(ticket.events[0].at + timedelta(microseconds=us))
    VALIDATOR.validate(status.view())
    VALIDATOR.validate(attrs.evolve(status).view())


# -- incremental recording -------------------------------------------------------------------


@st.composite
def _arrivals(draw: st.DrawFn) -> tuple[Regulation, list[Event], list[int]]:
    """Events of one ticket in the order a plugin hears of them: mostly in order, some
    late (earlier than events already heard), and the instants (minutes after the day's
    start) at which the plugin asks the status after each."""
    policy = SHORT[draw(st.sampled_from(sorted(SHORT)))]
    opened = draw(st.integers(0, 60))
    events = [Event("I-1", _DAY + opened * MINUTE, "opened",
                    level=draw(st.sampled_from(["a", "b"])))]
    minute = opened
    for _ in range(draw(st.integers(1, 10))):
        late = draw(st.booleans()) and draw(st.booleans())
        at = draw(st.integers(opened, minute)) if late else minute + draw(st.integers(0, 15))
        minute = max(minute, at)
        kind = draw(st.sampled_from(_KINDS))
        level = draw(st.sampled_from(["a", "b"])) if kind == "level_changed" else None
        events.append(Event("I-1", _DAY + at * MINUTE, kind, level=level))
    asked = [draw(st.integers(opened, minute + 30)) for _ in events]
    return policy, events, asked


@given(_arrivals())
def test_recording_as_events_come_counts_what_a_full_replay_counts(
    found: tuple[Regulation, list[Event], list[int]],
) -> None:
    policy, events, asked = found
    live = Ticket("I-1", policy)
    for i, (event, minute) in enumerate(zip(events, asked, strict=True)):
        live.record(event)
        at = _DAY + minute * MINUTE
        replayed = Ticket("I-1", policy)
        for earlier in events[: i + 1]:
            replayed.record(earlier)
        for when in (event.at, at):
            assert live.status(when) == replayed.status(when)
            assert live.next_change(when) == replayed.next_change(when)


def test_a_late_event_drops_the_kept_walk_and_the_status_counts_it() -> None:
    """Opened 10:00 (urgent, 1 hour), the status asked at 10:30 (the walk kept); then the
    desk's reply of 10:10 arrives late: the reaction is met at 10:10."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "urgent",
                     (datetime(2026, 12, 3, 10, 20, tzinfo=BERLIN), "customer_replied"))
    at = datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)
    assert ticket.status(at).metric("reaction").state == "running"
    ticket.record(Event("T-1", datetime(2026, 12, 3, 10, 10, tzinfo=BERLIN), "responded"))
    assert ticket.status(at).metric("reaction").met_at == datetime(2026, 12, 3, 10, 10,
                                                                   tzinfo=BERLIN)


def test_the_kept_counts_answer_each_zone_share_and_thresholds_as_a_fresh_ticket_does() -> None:
    """Ended cycles are counted once and kept: asked again in another zone, with another
    at-risk share or other thresholds, the status is a fresh ticket's."""
    t0 = datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN)
    later = _turns(t0, 11)
    live = _ticket(DESK, t0, "standard", *later)
    at = t0 + timedelta(hours=3)
    live.status(at)
    fresh = _ticket(DESK, t0, "standard", *later)
    for when in (at, at.astimezone(NEW_YORK), at.astimezone(UTC)):
        for query in ({}, {"at_risk": 0.1}, {"thresholds": [0.05, 0.5]}):
            mine, theirs = live.status(when, **query), fresh.status(when, **query)
            assert mine == theirs
            assert [m.start.tzinfo for m in mine.metrics] == [when.tzinfo] * len(mine.metrics)
            fresh = _ticket(DESK, t0, "standard", *later)


def test_a_pickled_ticket_keeps_its_events_and_terms_not_its_kept_walk() -> None:
    ticket = Ticket("T-1", DESK, thresholds=[0.5])
    ticket.record(Event("T-1", datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "opened",
                        level="urgent"))
    at = datetime(2026, 12, 3, 10, 40, tzinfo=BERLIN)
    status = ticket.status(at)
    back = pickle.loads(pickle.dumps(ticket))
    assert back._walked is None
    assert back.thresholds == (0.5,)
    assert back.status(at) == status
    assert status.metric("reaction").warned == (0.5,)  # 40 of 60 minutes


def test_the_view_of_a_status_whose_ticket_recorded_events_since_reads_only_its_titles(
) -> None:
    """The status of 10:30, then the desk's reply of 10:20 recorded: the old status's view
    no longer reads the ticket's clocks (they are not its clocks any more)."""
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "urgent")
    status = ticket.status(datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN))
    ticket.record(Event("T-1", datetime(2026, 12, 3, 10, 20, tzinfo=BERLIN), "responded"))
    view = status.view()
    assert view["metrics"][0]["title"] == "Reaction"
    assert view["metrics"][0]["ongoing_cycle"]["state"] == "running"
    assert view["next_change"] is None
    VALIDATOR.validate(view)
    fresh = ticket.status(datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)).view()
    assert fresh["metrics"][0]["completed_cycles"][0]["met_at"] == "2026-12-03T10:20:00+01:00"


def test_changes_up_to_a_naive_instant_are_refused() -> None:
    ticket = _ticket(DESK, datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN), "urgent")
    with pytest.raises(NaiveDatetimeError, match="until"):
        ticket.changes(datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN), datetime(2026, 12, 4))


#: ServiceNow's default "SLA notification and escalation flow" notifies at 50 % and 75 % of
#: an SLA's duration and at its breach, each by an "SLA Percentage Timer" ("50% of a
#: 24-hour SLA would be 12 hours"; a paused SLA pauses the timer): ServiceNow's public
#: docs, Workflow Studio, "SLA Percentage Timer action". The same desk as data here: a
#: 24-hour resolution counted around the clock, which pauses while the customer is asked.
SERVICENOW_LIKE = _policy("""
    version = "1"
    effective = 2026-01-01
    at_risk = 0.75
    warn = [0.5]
    [calendars.always]
    preset = "always"
    tz = "UTC"
    [levels.p3]
    resolution = { hours = 24, clock = "always" }
""")


def test_warnings_at_50_and_75_percent_and_the_breach_as_servicenows_default_flow() -> None:
    """Opened at 08:00 UTC: 50 % of 24 hours is 12 hours (20:00), 75 % is 18 (02:00 the
    next day), the breach after 24 (08:00). Asked at 10:00 and waiting for the customer
    from 10:00 to 16:00, the timers move 6 hours later: 02:00, 08:00 and 14:00."""
    opened = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    ticket = _ticket(SERVICENOW_LIKE, opened, "p3")
    found = ticket.changes(opened, opened + timedelta(days=2))
    assert [(c.at - opened, c.what, c.threshold) for c in found] == [
        (timedelta(hours=12), "at_risk", 0.5),
        (timedelta(hours=18), "at_risk", 0.75),
        (timedelta(hours=24, microseconds=1), "breach", None),
    ]
    ticket.record(Event("T-1", opened + timedelta(hours=2), "waiting"))
    ticket.record(Event("T-1", opened + timedelta(hours=8), "customer_replied"))
    assert ticket.next_change(opened + timedelta(hours=4)) is None  # paused: no timer
    found = ticket.changes(opened + timedelta(hours=8), opened + timedelta(days=2))
    assert [(c.at - opened, c.what, c.threshold) for c in found] == [
        (timedelta(hours=18), "at_risk", 0.5),
        (timedelta(hours=24), "at_risk", 0.75),
        (timedelta(hours=30, microseconds=1), "breach", None),
    ]


def test_a_kept_cycles_view_is_a_fresh_tickets_and_changing_a_view_changes_no_other() -> None:
    """Ended cycles' views are made once for the ticket's kept walk: asked again later, in
    another zone, or after the caller changed a view, each view is a fresh ticket's."""
    t0 = datetime(2026, 12, 3, 16, 0, tzinfo=BERLIN)
    later = _turns(t0, 11)
    live = _ticket(DESK, t0, "standard", *later)
    first = live.status(t0 + timedelta(hours=2)).view()
    first["metrics"][1]["completed_cycles"][0]["elapsed"]["millis"] = -1
    first["metrics"][1]["completed_cycles"][0]["warned"].append(0.5)
    for at in (t0 + timedelta(hours=2), t0 + timedelta(hours=20),  # closed, then open
               (t0 + timedelta(hours=20)).astimezone(NEW_YORK)):
        fresh = _ticket(DESK, t0, "standard", *later).status(at).view()
        assert live.status(at).view() == fresh


@pytest.mark.parametrize("options", _OPTIONS)
def test_a_clock_resumed_with_its_target_used_up_breaches_when_it_next_counts(
    options: tuple[str, str],
) -> None:
    """Found by the minute-by-minute property: level a's resolution (25 working minutes on
    the desk's 00:10-00:20, 00:25-00:45) opened at 00:00 has used 10 + 15 = 25 minutes at
    00:40, when the ticket waits (paused, not yet breached: elapsed equals the target).
    The customer replies at 00:41: the clock resumes with its target used up and its
    deadline (00:40) in the past, so it breaches as soon as it counts again, at
    00:41 + 1 µs (the desk is open), never at 00:40 + 1 µs, before the instant asked."""
    ticket = Ticket("R-1", SHORT[options])
    for minute, kind, level in ((0, "opened", "a"), (14, "responded", None),
                                (20, "responded", None), (40, "waiting", None),
                                (41, "customer_replied", None)):
        ticket.record(Event("R-1", _DAY + minute * MINUTE, kind, level=level))
    at = _DAY + 41 * MINUTE
    assert ticket.status(at).metric("resolution").state == "running"
    breach = next(c for c in ticket.changes(at, at + 60 * MINUTE)
                  if c.metric == "resolution" and c.what == "breach")
    assert breach.at == at + timedelta(microseconds=1)
    assert ticket.status(breach.at).metric("resolution").state == "breached"
    assert all(c.at > at for c in ticket.changes(at, at + 200 * MINUTE))
