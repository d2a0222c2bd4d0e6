"""The report's shortcuts against the per-ticket replay they stand for.

- A report walks each distinct sequence of events once (``Shapes``) and counts every
  ticket on its own times: on random policies and random logs in which many tickets say
  the same things at other times, every status equals the one ``Ticket.status`` gives the
  ticket alone.
- ``TicketStatus.to_json`` writes what ``json.dumps(status.as_dict())`` writes.
"""

from __future__ import annotations

import contextlib
import json
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from slaclock import (
    Event,
    Regulation,
    Report,
    Summary,
    Ticket,
    TicketStatus,
    report,
)
from slaclock._instants import to_us
from slaclock.cli._shards import _urgency
from slaclock.reporting._replay import _REFUSED, Replayer
from slaclock.sla import Counted, Role, Shapes, counted_of, json_safe, said
from slaclock.sla._governing import desk_zone
from test_policy_data import policy
from test_policy_properties import (
    LEVELS,
    MSK_ORIGIN,
    MSK_STEP,
    REG,
    STEP,
    histories,
    policies,
    regulation_tickets,
)

EXAMPLES = settings(max_examples=max(10, settings.default.max_examples // 3))


def moved(events: list[Event], ticket: str, by: timedelta) -> list[Event]:
    """The same events, of another ticket, ``by`` later."""
    return [attrs.evolve(e, ticket=ticket, at=e.at + by) for e in events]


@st.composite
def logs(draw: st.DrawFn, tickets: st.SearchStrategy[list[Event]],
         step: timedelta) -> list[Event]:
    """A few histories, each told again by other tickets at other times (some to the
    microsecond), in one shuffled log."""
    out: list[Event] = []
    for i in range(draw(st.integers(1, 3))):
        history = draw(tickets)
        out += moved(history, f"T{i}", timedelta(0))
        for j in range(draw(st.integers(1, 4))):
            by = draw(st.integers(-200, 200)) * step + timedelta(
                microseconds=draw(st.sampled_from([0, 0, 1, 999_999])))
            out += moved(history, f"T{i}.{j}", by)
    return draw(st.permutations(out))


def alone(events: list[Event], reg: Regulation, ticket: str, at: object,
          coverage: str | None = None) -> object:
    t = Ticket(ticket, reg, coverage)
    for e in events:
        if e.ticket == ticket:
            t.record(e)
    return t.status(at)  # type: ignore[arg-type]


@EXAMPLES
@given(policies(), logs(histories(), STEP), st.integers(0, 4 * 24 * 10))
def test_a_report_s_statuses_are_each_ticket_s_own_on_random_policies(
    reg: Regulation, log: list[Event], steps: int
) -> None:
    at = next(e.at for e in log if e.ticket == "T0" and e.kind == "created") + steps * STEP
    got = report(log, reg, at=at)
    assert "T0" in got.tickets
    for ticket, status in got.tickets.items():
        assert status == alone(log, reg, ticket, at)
    # A sequence known gives what recording it again gives.
    with remembering_nothing():
        assert outcome(got) == outcome(report(log, reg, at=at))


@EXAMPLES
@given(logs(regulation_tickets(), MSK_STEP), st.integers(0, 4 * 24 * 24),
       st.sampled_from(["business", "24x7"]))
def test_a_report_s_statuses_are_each_ticket_s_own_under_the_regulation(
    log: list[Event], steps: int, coverage: str
) -> None:
    at = MSK_ORIGIN + steps * MSK_STEP
    got = report(log, REG, at=at, coverage=coverage)
    for ticket, status in got.tickets.items():
        assert status == alone(log, REG, ticket, at, coverage)


def test_tickets_that_say_the_same_share_one_walk() -> None:
    """Named case: three tickets, two saying the same at other times, make two shapes."""
    opened = MSK_ORIGIN + timedelta(days=1, hours=9)  # Tuesday 09:00
    one = [Event("A", opened, "opened", level="commercial.standard"),
           Event("A", opened + timedelta(hours=3), "responded")]
    log = [*one, *moved(one, "B", timedelta(days=1, minutes=7)),
           Event("C", opened, "opened", level="partner.standard")]
    shapes = Shapes()
    statuses = {}
    at = opened + timedelta(days=5)
    for ticket in ("A", "B", "C"):
        t = Ticket(ticket, REG)
        for e in log:
            if e.ticket == ticket:
                t.record(e)
        statuses[ticket] = t._status(at, to_us(at), None, shapes)
    assert len(shapes) == 2
    full = Shapes(limit=1)  # one shape kept: the next one starts the cache again
    for ticket in ("A", "C"):
        t = Ticket(ticket, REG)
        for e in log:
            if e.ticket == ticket:
                t.record(e)
        assert t._status(at, to_us(at), None, full) == statuses[ticket]
        assert len(full) == 1
    b = statuses["B"].metric("reaction")
    assert b.state == "met"
    assert b.elapsed == timedelta(hours=3)
    assert b.met_at == opened + timedelta(days=1, hours=3, minutes=7)


ids = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
              max_size=8)


@EXAMPLES
@given(logs(regulation_tickets(), MSK_STEP), st.integers(0, 4 * 24 * 24), ids)
def test_to_json_writes_what_json_dumps_writes(
    log: list[Event], steps: int, name: str
) -> None:
    log = [attrs.evolve(e, ticket=name + e.ticket) for e in log]
    at = MSK_ORIGIN + steps * MSK_STEP + timedelta(microseconds=steps % 3)
    for status in report(log, REG, at=at, coverage="24x7").tickets.values():
        assert status.to_json() == json_safe(json.dumps(status.as_dict(), ensure_ascii=False))


def test_an_empty_value_is_not_a_missing_one_in_a_shared_walk() -> None:
    """Named case: a field set to "" changes it, a field set to nothing does not; two
    tickets that differ only so do not share a walk."""
    from slaclock.policy import Level, MetricDefinition, Target
    from test_policy_properties import OFFICE, ORIGIN

    triage = MetricDefinition("triage", start=frozenset({"created"}),
                              stop=frozenset({"field:priority"}))
    reg = Regulation(
        version="1", effective=ORIGIN.date(), calendars={"office": OFFICE},
        levels={"x": Level("x", "x", None, {"triage": Target("triage", 4 * STEP, "office")},
                           fallbacks={})},
        metrics={"triage": triage}, default_level="x", fields=("priority",),
    )
    opened = ORIGIN + timedelta(hours=2)  # Monday 10:00
    log = []
    for ticket, value in (("X", None), ("Y", "")):
        log += [Event(ticket, opened, "created"),
                Event(ticket, opened + timedelta(minutes=10), "field",
                      fields={"priority": value})]
    at = opened + timedelta(days=3)
    got = report(log, reg, at=at)
    for ticket in ("X", "Y"):
        assert got.tickets[ticket] == alone(log, reg, ticket, at)
    assert got.tickets["Y"].metric("triage").state == "met"
    assert got.tickets["X"].metric("triage").state == "breached"


@st.composite
def mixed_logs(draw: st.DrawFn) -> list[dict[str, object]]:
    """JSON-lines records of a few tickets: an opening (``opened`` at a level, or
    ``created``), then events of both vocabularies, now and then with a status, an author
    or fields where the event takes none (which an event refuses)."""
    records: list[dict[str, object]] = []
    kinds = ["responded", "waiting", "customer_replied", "resolved", "reopened", "status",
             "reply", "note", "field", "level_changed"]
    for ticket in ("T1", "T2", "T3")[: draw(st.integers(1, 3))]:
        minute = draw(st.integers(0, 600))
        opening: dict[str, object] = {"ticket": ticket, "event": "opened",
                                      "level": draw(st.sampled_from(list(REG.levels)))}
        if draw(st.booleans()):
            opening = {"ticket": ticket, "event": "created",
                       "level": opening["level"]}
        for event in [opening, *(
            {"ticket": ticket, "event": draw(st.sampled_from(kinds))}
            for _ in range(draw(st.integers(0, 6)))
        )]:
            minute += draw(st.integers(0, 900))
            event["time"] = (MSK_ORIGIN + timedelta(minutes=minute)).isoformat()
            kind = event["event"]
            if kind == "level_changed":
                event["level"] = draw(st.sampled_from(list(REG.levels)))
            if kind == "status" or draw(st.integers(0, 5)) == 0:
                event["status"] = draw(st.sampled_from(["open", "pending", "solved"]))
            if kind in ("reply", "note") or draw(st.integers(0, 5)) == 0:
                event["author"] = draw(st.sampled_from(["desk", "customer"]))
            if kind == "field" or draw(st.integers(0, 5)) == 0:
                event["fields"] = draw(st.sampled_from(
                    [{"priority": "high"}, {"customer": ""}, {"level": "partner.emergency"}]))
            records.append(event)
    return draw(st.permutations(records))


@EXAMPLES
@given(mixed_logs())
def test_a_log_s_rows_walked_as_read_give_what_their_events_give(
    records: list[dict[str, object]],
) -> None:
    """Rows of the default vocabulary go to the walk as the reader checked them, the
    others as the events they say; each row made an event and checked as such gives the
    same statuses."""
    import contextlib
    import json
    import tempfile
    from datetime import datetime

    from slaclock import EventError
    from slaclock.logs import EventLog
    from test_report import row_event

    at = datetime.fromisoformat("2026-05-20T12:00:00+03:00")
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "log.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        got = report(path, at=at)
        events = []
        for ticket_rows in EventLog.read(path).tickets.values():
            for row in ticket_rows:
                with contextlib.suppress(EventError):  # left out, as the report does
                    events.append(row_event(row))
    assert got.tickets == report(events, at=at).tickets


# -- sequences known to be recorded as given -------------------------------------------
#
# ``Replayer.ticket`` counts a ticket whose events come at strictly increasing instants,
# the opening first, without a Ticket when an earlier ticket said the same things and
# had every event recorded: the reference is the same replay with nothing remembered.


@st.composite
def risky_tickets(draw: st.DrawFn) -> list[Event]:
    """A regulation ticket, now and then with an event the ticket refuses: a level the
    policy does not know, an event before the opening, a second opening."""
    events = draw(regulation_tickets())
    opened = events[0].at
    for _ in range(draw(st.integers(0, 2))):
        at = opened + draw(st.integers(-8, 4 * 24 * 5)) * MSK_STEP
        events.append(draw(st.sampled_from([
            Event("T", at, "level_changed", level="no.such.level"),
            Event("T", at, "responded"),
            Event("T", at, "opened", level=LEVELS[0]),
        ])))
    return events


def remembering_nothing() -> Any:
    """The replay with no sequence remembered: every ticket recorded event by event."""
    return mock.patch.object(Replayer, "_learn", return_value=None)


def outcome(got: Report) -> tuple[object, ...]:
    return (got.tickets, [(b.line, b.reason) for b in got.rejected], got.after_at,
            got.not_yet_opened, got.summary.as_dict())


@EXAMPLES
@given(logs(risky_tickets(), MSK_STEP), st.integers(0, 4 * 24 * 24),
       st.sampled_from([None, "business", "24x7"]))
def test_a_sequence_known_gives_what_recording_it_again_gives(
    log: list[Event], steps: int, coverage: str | None
) -> None:
    at = MSK_ORIGIN + steps * MSK_STEP
    got = report(log, REG, at=at, coverage=coverage)
    with remembering_nothing():
        assert outcome(got) == outcome(report(log, REG, at=at, coverage=coverage))


@contextmanager
def replayers() -> Iterator[list[Replayer]]:
    """The replayers made inside the block."""
    made: list[Replayer] = []
    real = Replayer.__init__

    def spying(self: Replayer, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        made.append(self)

    with mock.patch.object(Replayer, "__init__", spying):
        yield made


def _named_replay(log: list[Event]) -> tuple[dict[Any, Any], Report]:
    with replayers() as made:
        got = report(log, REG, at=MSK_ORIGIN + timedelta(days=9))
    return made[0].known, got


def test_a_second_ticket_saying_the_same_is_counted_on_the_first_s_walk() -> None:
    """Named case: B says what A said, a day later; one sequence is known, walked, and B's
    status is its own."""
    opened = MSK_ORIGIN + timedelta(days=1, hours=9)  # Tuesday 09:00
    one = [Event("A", opened, "opened", level="commercial.standard"),
           Event("A", opened + timedelta(hours=3), "responded")]
    log = [*one, *moved(one, "B", timedelta(days=1))]
    known, got = _named_replay(log)
    assert len(known) == 1
    (walks,) = known.values()
    assert walks is not _REFUSED
    assert list(walks) == [()]  # no selection rule asks whether it opened inside hours
    at = MSK_ORIGIN + timedelta(days=9)
    assert got.tickets["B"] == alone(log, REG, "B", at)
    assert got.tickets["B"].metric("reaction").met_at == opened + timedelta(days=1, hours=3)


def test_a_sequence_with_an_event_refused_is_recorded_anew_each_time() -> None:
    """Named case: A and B each change to a level the policy does not know; the sequence
    is remembered as one not recorded as given, and each ticket's row is left out with
    its own line."""
    opened = MSK_ORIGIN + timedelta(days=1, hours=9)
    one = [Event("A", opened, "opened", level="commercial.standard"),
           Event("A", opened + timedelta(hours=1), "level_changed", level="no.such.level")]
    log = [*one, *moved(one, "B", timedelta(days=1))]
    known, got = _named_replay(log)
    (walks,) = known.values()
    assert walks is _REFUSED
    assert [b.line for b in got.rejected] == [2, 4]
    assert {b.ticket for b in got.rejected} == {"A", "B"}


def test_events_at_one_instant_are_never_taken_as_known() -> None:
    """Named case: a reply at the very instant of the opening: the order of the two is the
    events' own (what they do), not the order given, so the sequence is not remembered."""
    opened = MSK_ORIGIN + timedelta(days=1, hours=9)
    one = [Event("A", opened, "opened", level="commercial.standard"),
           Event("A", opened, "responded")]
    log = [*one, *moved(one, "B", timedelta(days=1))]
    known, got = _named_replay(log)
    assert known == {}
    assert got.tickets["B"].metric("reaction").state == "met"


# -- clocks counted in integers ---------------------------------------------------------
#
# The replay hands the summary and the table's order a ticket's clocks in integers
# (``Counted``); they must say what the status they make says.


def urgency_of_status(status: TicketStatus) -> tuple[int, float]:
    """The table's order as the documentation states it, read off the status's
    datetimes and durations."""
    second = timedelta(seconds=1)
    overdue = [-(m.remaining // second) for m in status.metrics
               if m.state == "breached" and m.remaining is not None]
    if overdue:
        return 0, -max(overdue)
    used = [m.used for m in status.metrics if m.at_risk and m.used is not None]
    if used:
        return 1, -max(used)
    deadlines = [m.deadline.timestamp() for m in status.metrics
                 if m.state in ("running", "paused") and m.deadline is not None]
    if deadlines:
        return 2, min(deadlines)
    return 3, 0.0


def counted_report(log: list[Event], reg: Regulation, at: Any, coverage: str | None = None,
                   ) -> list[Counted]:
    """Every ticket's clocks in integers, as the command's replay counts them."""
    from slaclock.reporting._sources import read_source

    replayer = Replayer(reg, at.astimezone(desk_zone(reg)), coverage)
    found = [replayer.ticket(t.ticket, t.events, t.signed)[0]
             for t in read_source(log, None).tickets]
    return [c for c in found if c is not None]


@EXAMPLES
@given(logs(risky_tickets(), MSK_STEP), st.integers(0, 4 * 24 * 24),
       st.sampled_from([None, "business", "24x7"]))
def test_clocks_in_integers_say_what_their_status_says(
    log: list[Event], steps: int, coverage: str | None
) -> None:
    at = MSK_ORIGIN + steps * MSK_STEP + timedelta(microseconds=steps % 3)
    counted = counted_report(log, REG, at, coverage)
    by_status, by_count = Summary(tuple(REG.metrics)), Summary(tuple(REG.metrics))
    for c in counted:
        status = c.status()
        assert counted_of(status).status() == status
        assert _urgency(c) == urgency_of_status(status)
        by_status.add(status)
        by_count._count(c)
    assert by_count == by_status
    assert by_count.as_dict() == report(log, REG, at=at, coverage=coverage).summary.as_dict()


def test_a_fraction_of_a_second_overdue_is_a_second_in_the_table_and_the_worst_breaches(
) -> None:
    """Named case (issue 20): a reaction 0.5 s past its target is 1 s overdue both in the
    table's order and in the worst breaches (one rule, ``overdue_seconds``: the remaining
    time rounded down, as ``remaining_seconds`` is, negated); the table's order read it
    as 0 s before."""
    opened = MSK_ORIGIN + timedelta(days=1, hours=9)  # Tuesday 09:00
    log = [Event("A", opened, "opened", level="partner.standard")]
    due = alone(log, REG, "A", opened + timedelta(minutes=1)).metric("reaction").deadline
    assert due.hour not in (0, 9, 18)  # inside a working day: the breach starts at once
    (counted,) = counted_report(log, REG, due + timedelta(milliseconds=500))
    status = counted.status()
    assert status.metric("reaction").state == "breached"
    assert status.metric("reaction").remaining == timedelta(milliseconds=-500)
    assert _urgency(counted) == urgency_of_status(status) == (0, -1)
    summary = Summary(tuple(REG.metrics))
    summary._count(counted)
    assert summary.worst[0][0] == 1


EAST = policy("""
version = "1"
effective = 2013-01-01
[calendars.vl]
tz = "Asia/Vladivostok"
hours = "09:00-17:00"
[calendars.msk]
preset = "always"
tz = "Europe/Moscow"
[levels.std]
reaction = { hours = 8, clock = "msk" }
""")


def test_a_deadline_no_datetime_can_hold_leaves_its_ticket_out() -> None:
    """Named case: the desk is in Vladivostok (UTC+10) and A's reaction is due at
    9999-12-31T21:00Z, the next year there: A is left out with the reason, and B, which
    says the same nine hours before and was counted first, is reported."""
    log = [Event("B", datetime(9999, 12, 31, 1, tzinfo=UTC), "opened", level="std"),
           Event("A", datetime(9999, 12, 31, 13, tzinfo=UTC), "opened", level="std")]
    for remember in (contextlib.nullcontext(), remembering_nothing()):
        with remember:
            got = report(log, EAST, at=datetime(9999, 12, 31, 13, 30, tzinfo=UTC))
        assert list(got.tickets) == ["B"]
        assert [(b.line, b.ticket) for b in got.rejected] == [(2, "A")]
        assert got.rejected[0].reason.startswith("ticket 'A' cannot be counted: the result "
                                                 "(9999-12-31T21:00:00+00:00) cannot be")


def test_a_ticket_refused_asks_no_calendar_of_the_selection_rules() -> None:
    """Named case: a policy picks a level by whether a ticket opened inside Russia's
    business hours; a ticket of 2040 (a provisional year) whose opening is refused is
    never walked, so that year is never compiled and no warning says it is provisional
    (the suite turns warnings into errors)."""
    rules = policy("""
version = "1"
effective = 2013-01-01
default_level = "std"
[calendars.business]
preset = "russia"
hours = "09:00-18:00"
[levels.std]
reaction = { hours = 8, clock = "business" }
[levels.fast]
reaction = { hours = 2, clock = "business" }
[[select]]
level = "fast"
opened = { inside = "business" }
""")
    msk = MSK_ORIGIN.tzinfo
    log = [Event("A", datetime(2026, 3, 2, 10, tzinfo=msk), "created"),  # a Monday
           Event("A", datetime(2026, 3, 2, 11, tzinfo=msk), "responded"),
           Event("A", datetime(2026, 3, 2, 12, tzinfo=msk), "resolved"),
           Event("Z", datetime(2040, 3, 5, 10, tzinfo=msk), "opened", level="no.such.level")]
    got = report(log, rules, at=datetime(2040, 3, 6, tzinfo=msk))
    assert list(got.tickets) == ["A"]
    assert got.tickets["A"].level == "fast"
    assert {b.ticket for b in got.rejected} == {"Z"}


def test_the_walk_s_cache_and_the_replay_s_key_events_alike() -> None:
    """Named case: ``Shapes`` and ``Replayer.known`` read an event through one function,
    ``said``: two tickets differing only in an event's detail share a walk in both caches;
    differing in an author, they do not."""
    opened = MSK_ORIGIN + timedelta(days=1, hours=9)
    later = opened + timedelta(hours=1)

    def ticket(name: str, detail: str, author: Role) -> list[Event]:
        return [Event(name, opened, "opened", level="commercial.standard"),
                Event(name, later, "reply", detail=detail, author=author)]

    same = ticket("A", "printer", "desk"), ticket("B", "scanner", "desk")
    other = (ticket("C", "printer", "customer"),)
    assert said(same[0][1]) == said(same[1][1])
    assert said(same[0][1]) != said(other[0][1])
    at = opened + timedelta(days=5)
    replayer = Replayer(REG, at, None)
    for events in (*same, *other):
        counted, rejected, _ = replayer.ticket(events[0].ticket, list(enumerate(events, 1)))
        assert counted is not None
        assert not rejected
    assert len(replayer.known) == 2
    assert len(replayer.shapes) == 2
    assert all(shape[3:] in {tuple(map(said, e)) for e in (*same, *other)}
               for shape in replayer.known)


def test_the_summary_keeps_instants_and_writes_them_only_as_json() -> None:
    """Named case (issue 20): the worst breaches and the clocks at risk keep their
    deadlines and met instants as datetimes in the report's zone (the table read them
    back from text before); ``as_dict`` writes them as ISO text; a summary pickled and
    merged (a Dask partition's) keeps them so."""
    opened = MSK_ORIGIN + timedelta(days=1, hours=9)  # Tuesday 09:00
    log = [Event("A", opened, "opened", level="partner.standard"),
           Event("B", opened, "opened", level="partner.standard")]
    due = alone(log, REG, "A", opened + timedelta(minutes=1)).metric("reaction").deadline
    log.append(Event("B", due + timedelta(hours=1), "responded"))
    at = due + timedelta(hours=2)
    summary = report(log, REG, at=at).summary
    assert len(summary.worst) == 2
    for overdue, _, _, _, _, deadline, met_at in summary.worst:
        assert isinstance(overdue, int)
        assert met_at is None or met_at == due + timedelta(hours=1)
        assert isinstance(deadline, datetime)
        assert deadline == due
        assert deadline.utcoffset() == at.utcoffset()
    assert sorted(w[6] is None for w in summary.worst) == [False, True]
    written = summary.as_dict()["worst_breaches"]
    assert {w["deadline"] for w in written} == {due.isoformat()}
    assert {w["met_at"] for w in written} == {None, (due + timedelta(hours=1)).isoformat()}
    merged = Summary(summary.order)
    merged.merge(pickle.loads(pickle.dumps(summary)))
    assert merged.worst_sorted() == summary.worst_sorted()
    assert merged.as_dict() == summary.as_dict()
