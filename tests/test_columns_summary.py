"""The summary, the filters and the table's most urgent over a clock table, against the
per-ticket path they stand for.

- ``Summary._count_table`` counts what ``Summary._count`` of each ticket's count counts:
  on random policies (informational metrics now and then, a policy with no SLA for
  tickets that name no level) and random logs replayed by the per-ticket engine, at an
  instant in random zones (with DST, a fixed offset, UTC); its months are those of the
  opening's wall clock, to the microsecond, around the turn of every month.
- ``kept`` is :meth:`Filters.keeps` of each ticket's status and opening customer, and
  ``most_urgent`` the rows the shards' heaps keep and the main process merges.
- Named cases on ``examples/tickets.csv`` and by hand.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slaclock import Event, Regulation
from slaclock.cli._picked import kept, listed_key, most_urgent, urgency_keys
from slaclock.cli._shards import STATES, Filters, _urgency
from slaclock.logs import EventLog, bucket_of
from slaclock.policy import Level
from slaclock.reporting import (
    Replayer,
    Summary,
    Tally,
    log_tickets,
    replay_tickets,
)
from slaclock.reporting._clocks import ClockTable
from slaclock.reporting._sources import event_tickets
from slaclock.reporting._summary import local_months
from slaclock.sla import NO_SLA, Counted, as_versions, desk_zone, local_datetime
from test_policy_properties import MSK_STEP, REG, STEP, histories, policies, regulation_tickets
from test_report_shortcuts import logs

EXAMPLES = settings(max_examples=max(10, settings.default.max_examples // 3),
                    deadline=None)
ROOT = Path(__file__).resolve().parent.parent
BER = ZoneInfo("Europe/Berlin")
#: Zones of the report's instant: DST both ways, half an hour of DST, a day skipped
#: (Apia, 2011), a fixed offset, UTC.
ZONES: tuple[tzinfo, ...] = (
    BER, ZoneInfo("America/Santiago"), ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Pacific/Apia"), ZoneInfo("America/St_Johns"),
    timezone(timedelta(hours=-3, minutes=-30)), UTC,
)
CUSTOMERS = (None, "Acme", "acme", "ACME", "Globex", "")


# -- the per-ticket path ---------------------------------------------------------------------


@attrs.frozen
class Replayed:
    """A log replayed ticket by ticket: each ticket's count, opening line and opening
    row's customer, in the report's order."""

    counts: list[Counted]
    lines: list[int]
    openers: list[str | None]
    statuses: list[Any]

    def table(self) -> ClockTable:
        return ClockTable.of_counted(self.counts[0].at if self.counts else _AT,
                                     self.counts, self.lines)


_AT = datetime(2026, 6, 1, tzinfo=UTC)


def replayed(policy: Any, events: Sequence[Event], at: datetime) -> Replayed:
    """``events`` replayed at ``at`` by the per-ticket engine, as a report's loop does."""
    bad: list[Any] = []
    tickets, _ = event_tickets([(i, e, None) for i, e in enumerate(events, 1)], bad)
    openers: list[str | None] = []
    statuses: list[Any] = []

    def keep(status: Any, customer: str | None) -> bool:
        statuses.append(status)
        openers.append(customer)
        return True

    got = list(replay_tickets(Replayer(policy, at, None), tickets, Tally(None), keep))
    return Replayed([r.counted for r in got], [r.line for r in got], openers, statuses)


def summed(order: tuple[str, ...], counts: Sequence[Counted]) -> Summary:
    summary = Summary(order)
    for counted in counts:
        summary._count(counted)
    return summary


def assert_same_summary(got: Summary, want: Summary) -> None:
    """Every count, in the order first met, the clocks at risk in order, and the worst
    breaches in the order of their heap (by which ``worst_sorted`` orders the breaches
    of one ticket's metric and cycle alike overdue)."""
    assert got.as_dict() == want.as_dict()
    for name in ("order", "levels", "months", "metrics", "states", "at_risk"):
        assert list(_items(getattr(got, name))) == list(_items(getattr(want, name))), name
    assert got.worst == want.worst
    assert got.worst_sorted() == want.worst_sorted()
    assert got.at_risk_sorted() == want.at_risk_sorted()
    assert repr(got) == repr(want)


def _items(value: Any) -> Any:
    return value.items() if isinstance(value, dict) else value


def reference_urgent(
    counts: Sequence[Counted], lines: Sequence[int], rows: Sequence[int], limit: int | None,
    shards: int = 3,
) -> list[int]:
    """The rows the table lists, as ``slaclock report`` finds them: each shard (the
    tickets of a bucket) keeps its ``limit`` most urgent in a heap of negated keys, the
    main process merges the shards' sorted lists by key and keeps ``limit``."""
    listed: list[list[tuple[tuple[Any, ...], int]]] = [[] for _ in range(shards)]
    for row in rows:
        counted = counts[row]
        shard = listed[bucket_of(counted.ticket, shards)]
        rank, urgency = _urgency(counted)
        key = (rank, urgency, counted.opened, lines[row])
        if limit is None:
            shard.append((key, row))
            continue
        if limit == 0:
            continue
        negated = tuple(-x for x in key)
        if len(shard) < limit:
            heapq.heappush(shard, (negated, row))
        elif negated > shard[0][0]:
            heapq.heapreplace(shard, (negated, row))
    merged = []
    for shard in listed:
        if limit is not None:
            shard[:] = [(tuple(-x for x in negated), row) for negated, row in shard]
        shard.sort(key=lambda item: item[0])
        merged.append(shard)
    shown = [row for _, row in heapq.merge(*merged, key=lambda item: item[0])]
    return shown if limit is None else shown[:limit]


# -- random logs -----------------------------------------------------------------------------


@st.composite
def customer_histories(draw: st.DrawFn) -> list[Event]:
    """A random history whose opening names a customer now and then, and now and then a
    later field event that changes it (to an empty one, say)."""
    events = draw(histories())
    events[0] = attrs.evolve(events[0], customer=draw(st.sampled_from(CUSTOMERS)))
    if draw(st.integers(0, 3)) == 0:
        later = events[0].at + draw(st.integers(1, 4 * 24 * 4)) * STEP
        events.append(Event("T", later, "field",
                            customer=draw(st.sampled_from(CUSTOMERS[1:]))))
    return events


@st.composite
def regulation_histories(draw: st.DrawFn) -> list[Event]:
    """A random ticket under the regulation, its opening naming a customer now and
    then."""
    events = draw(regulation_tickets())
    events[0] = attrs.evolve(events[0], customer=draw(st.sampled_from(CUSTOMERS)))
    return events


@st.composite
def cases(draw: st.DrawFn) -> tuple[Regulation, list[Event], datetime]:
    """A random policy (with no SLA for a ticket that names no level, now and then) and
    a random log, or the regulation and a log of its tickets; the log moved by up to 180
    days and each ticket by up to 45 more (across the turns of months and DST), and an
    instant a few days after one of its events, in a random zone."""
    if draw(st.booleans()):
        policy = draw(policies())
        if draw(st.booleans()):
            policy = attrs.evolve(policy, levels={**policy.levels, NO_SLA: Level.no_sla()},
                                  default_level=NO_SLA)
        log, step = draw(logs(customer_histories(), STEP)), STEP
    else:
        policy, log, step = REG, draw(logs(regulation_histories(), MSK_STEP)), MSK_STEP
    # A share at risk now and then low: many running clocks at risk.
    policy = attrs.evolve(policy, at_risk=draw(st.sampled_from([policy.at_risk, 0.3, 0.05])))
    by = timedelta(days=draw(st.integers(0, 180)), minutes=15 * draw(st.integers(0, 95)))
    names = sorted({e.ticket for e in log})
    days = dict(zip(names, draw(st.lists(st.integers(0, 45), min_size=len(names),
                                         max_size=len(names))), strict=True))
    log = [attrs.evolve(e, at=e.at + by + timedelta(days=days[e.ticket])) for e in log]
    at = draw(st.sampled_from(log)).at + draw(st.integers(0, 4 * 24 * 4)) * step + timedelta(
        microseconds=draw(st.sampled_from([0, 1, 999_999])))
    return policy, log, at.astimezone(draw(st.sampled_from(ZONES)))


@st.composite
def filters(draw: st.DrawFn, at: datetime) -> Filters:
    """One or two random filters: bounds before the report's instant (some in its very
    zone, so compared on the wall clock, a fold now and then), states, levels,
    customers."""
    def bound() -> datetime:
        moment = at - draw(st.integers(0, 4 * 24 * 30)) * STEP
        zone = draw(st.sampled_from([at.tzinfo, UTC, BER]))
        return moment.astimezone(zone).replace(fold=draw(st.integers(0, 1)))

    given = draw(st.sets(st.sampled_from(["since", "until", "states", "levels", "customers"]),
                         min_size=1, max_size=2))
    return Filters(
        bound() if "since" in given else None,
        bound() if "until" in given else None,
        frozenset(draw(st.lists(st.sampled_from(STATES), min_size="states" in given,
                                max_size=2 * ("states" in given)))),
        frozenset(draw(st.lists(st.sampled_from(["x", "y", NO_SLA, *REG.levels]),
                                min_size="levels" in given,
                                max_size=3 * ("levels" in given)))),
        frozenset(draw(st.lists(st.sampled_from(["acme", "Globex", "", "nobody"]),
                                min_size="customers" in given,
                                max_size=2 * ("customers" in given)))),
    )


# -- the properties --------------------------------------------------------------------------


@EXAMPLES
@given(cases(), st.data())
def test_the_table_s_summary_is_the_per_ticket_one(
    case: tuple[Regulation, list[Event], datetime], data: st.DataObject
) -> None:
    policy, log, at = case
    got = replayed(policy, log, at)
    table = got.table()
    order = tuple(policy.metrics)
    want = summed(order, got.counts)
    assert_same_summary(summed(order, [table.counted(i) for i in range(len(table))]), want)
    summary = Summary(order)
    summary._count_table(table)
    assert_same_summary(summary, want)
    with mock.patch("slaclock.reporting._summary.TOP", 2):  # the worst, often full
        summary = Summary(order)
        summary._count_table(table)
        assert_same_summary(summary, summed(order, got.counts))
    # Some rows, in any order, counted in two goes: what counting them one by one gives.
    rows = data.draw(st.lists(st.integers(0, max(len(table) - 1, 0)),
                              max_size=len(table))) if len(table) else []
    cut = data.draw(st.integers(0, len(rows)))
    summary = Summary(order)
    summary._count_table(table, np.array(rows[:cut], np.int64))
    summary._count_table(table, np.array(rows[cut:], np.int64))
    assert_same_summary(summary, summed(order, [got.counts[r] for r in rows]))


@EXAMPLES
@given(cases(), st.data())
def test_the_table_s_filters_and_most_urgent_are_the_shards(
    case: tuple[Regulation, list[Event], datetime], data: st.DataObject
) -> None:
    policy, log, at = case
    got = replayed(policy, log, at)
    table = got.table()
    chosen = data.draw(filters(at))
    want = [chosen.keeps(s, c) for s, c in zip(got.statuses, got.openers, strict=True)]
    assert kept(chosen, table, got.openers).tolist() == want
    # Without the opening rows' customers, a ticket's own customer alone.
    alone = [chosen.keeps(s, None) for s in got.statuses]
    assert kept(chosen, table).tolist() == alone
    keys = urgency_keys(table)
    for row, counted in enumerate(got.counts):
        want_key = (*_urgency(counted), counted.opened, got.lines[row])
        assert listed_key(keys, row) == want_key
        assert [type(x) for x in listed_key(keys, row)] == [type(x) for x in want_key]
    rows = np.flatnonzero(np.array(want, bool)) if want else np.zeros(0, np.int64)
    for limit in (None, 0, 1, 3, data.draw(st.integers(0, 30))):
        assert most_urgent(table, rows, limit).tolist() == reference_urgent(
            got.counts, got.lines, rows.tolist(), limit)


INSTANTS = st.builds(
    lambda month, shift: int(
        (datetime(2000 + month // 12, month % 12 + 1, 1, tzinfo=UTC)
         - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)) + shift,
    st.integers(0, 12 * 40), st.integers(-40 * 3600 * 10**6, 40 * 3600 * 10**6),
)


@given(st.lists(INSTANTS, max_size=40),
       st.sampled_from([*ZONES, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Asia/Tehran"),
                        ZoneInfo("America/Havana"), ZoneInfo("Pacific/Chatham"),
                        timezone(timedelta(hours=23, minutes=59))]))
def test_the_month_of_an_instant_is_its_wall_clock_s(instants: list[int], zone: tzinfo) -> None:
    """Instants within 40 hours of the turn of a month, 2000-2040, in zones whose offset
    changes near it (or is near a day)."""
    got = local_months(np.array(instants, np.int64), zone).tolist()
    want = [(d.year - 1970) * 12 + d.month - 1
            for d in (local_datetime(us, zone) for us in instants)]
    assert got == want


# -- named cases -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Replayed:
    """``examples/tickets.csv`` replayed at its last instant under the regulation."""
    log = EventLog.read(ROOT / "examples" / "tickets.csv", details=False)
    policy = Regulation.default()
    assert log.last is not None
    at = log.last.astimezone(desk_zone(policy))
    statuses: list[Any] = []
    openers: list[str | None] = []

    def keep(status: Any, customer: str | None) -> bool:
        statuses.append(status)
        openers.append(customer)
        return True

    got = list(replay_tickets(Replayer(policy, at, None), log_tickets(log), Tally(None), keep))
    return Replayed([r.counted for r in got], [r.line for r in got], openers, statuses)


def test_the_sample_s_summary(sample: Replayed) -> None:
    table = sample.table()
    order = as_versions(Regulation.default()).metric_names
    want = summed(order, sample.counts)
    got = Summary(order)
    got._count_table(table)
    assert_same_summary(got, want)
    data = got.as_dict()
    assert data["tickets"] == len(table) == 2000
    assert data["tickets"] == data["met"] + data["breached"] + data["in_progress"]
    assert len(got.worst) == 10
    # Half the tickets, the odd rows, then the even ones.
    rows = np.r_[np.arange(1, len(table), 2), np.arange(0, len(table), 2)]
    half = Summary(order)
    half._count_table(table, rows)
    assert_same_summary(half, summed(order, [sample.counts[r] for r in rows.tolist()]))


@pytest.mark.parametrize(("chosen", "count"), [
    (Filters(states=frozenset({"breached"})), 280),
    (Filters(states=frozenset({"at-risk", "open"})), 32),
    (Filters(levels=frozenset({"commercial.standard", "partner.emergency"})), 940),
    (Filters(customers=frozenset({"ACME"})), 0),  # the sample names no customer
    (Filters(since=datetime(2026, 3, 1, tzinfo=ZoneInfo("Europe/Moscow")),
             until=datetime(2026, 4, 1, tzinfo=UTC), states=frozenset({"breached"})), 8),
])
def test_the_sample_s_filters_and_most_urgent(
    sample: Replayed, chosen: Filters, count: int
) -> None:
    table = sample.table()
    want = [chosen.keeps(s, c) for s, c in zip(sample.statuses, sample.openers, strict=True)]
    mask = kept(chosen, table, sample.openers)
    assert mask.tolist() == want
    assert int(mask.sum()) == count
    rows = np.flatnonzero(mask)
    for limit in (None, 20):
        assert most_urgent(table, rows, limit).tolist() == reference_urgent(
            sample.counts, sample.lines, rows.tolist(), limit, shards=1)
    assert most_urgent(table, mask, 20).tolist() == most_urgent(table, rows, 20).tolist()
    by_mask, by_rows = Summary(), Summary()
    by_mask._count_table(table, mask)
    by_rows._count_table(table, rows)
    assert_same_summary(by_mask, by_rows)


def test_the_sample_s_listed_keys(sample: Replayed) -> None:
    """Each ticket's key among the listed is the shard's, to the type: the 280 breached
    first (rank 0, whole seconds overdue), then the tickets whose clocks run."""
    table = sample.table()
    keys = urgency_keys(table)
    got = [listed_key(keys, row) for row in range(len(table))]
    assert got == [(*_urgency(c), c.opened, line)
                   for c, line in zip(sample.counts, sample.lines, strict=True)]
    assert sum(key[0] == 0 for key in got) == 280
    assert all(type(key[1]) is int for key in got if key[0] == 0)


def test_a_ticket_opened_on_the_first_of_a_month_in_berlin_is_of_that_month() -> None:
    """Named case: 2026-10-31 23:30 UTC is 2026-11-01 00:30 in Berlin (CET, after the
    clocks went back on 25 October): November there, October in UTC; 2026-03-31 22:30
    UTC is 2026-04-01 00:30 CEST: April."""
    us = [int(datetime(2026, 10, 31, 23, 30, tzinfo=UTC).timestamp()) * 10**6,
          int(datetime(2026, 3, 31, 22, 30, tzinfo=UTC).timestamp()) * 10**6]
    months = local_months(np.array(us, np.int64), BER).tolist()
    assert [(m // 12 + 1970, m % 12 + 1) for m in months] == [(2026, 11), (2026, 4)]
    assert [(m // 12 + 1970, m % 12 + 1) for m in local_months(np.array(us), UTC)] == [
        (2026, 10), (2026, 3)]


def test_since_in_the_desk_s_zone_compares_wall_clocks_in_the_hour_repeated() -> None:
    """Named case: Berlin's clocks went back at 03:00 CEST on 2026-10-25. --since
    02:30 (the first, CEST: 00:30 UTC) read in the desk's zone; a ticket opened at
    01:10 UTC is 02:10 CET, the second time round: later as an instant, earlier on the
    wall clock, and a datetime of the same zone is compared on the wall clock. The
    shard leaves it out, and so does the mask."""
    policy = Regulation.default()
    opened = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
    since = datetime(2026, 10, 25, 2, 30, tzinfo=BER)
    assert since.astimezone(UTC) < opened
    log = [Event("A", opened, "opened", level="commercial.standard")]
    got = replayed(policy, log, datetime(2026, 10, 26, tzinfo=UTC).astimezone(BER))
    chosen = Filters(since=since)
    status = got.statuses[0]
    assert status.opened.tzinfo is BER
    assert status.opened.fold == 1
    assert not chosen.keeps(status, None)
    assert kept(chosen, got.table()).tolist() == [False]
    # In UTC, the instants are compared.
    utc = Filters(since=since.astimezone(UTC))
    assert utc.keeps(status, None)
    assert kept(utc, got.table()).tolist() == [True]


def test_most_urgent_ranks_breached_then_at_risk_then_the_soonest_deadline() -> None:
    """Named case, by hand: under the regulation at risk from 5 % of a target, Monday
    13:30 in Moscow: "late", opened a week before and never answered, breached; "quiet",
    answered at once, its resolution at 7 % of two working days: at risk; "fresh",
    opened half an hour ago, under 5 % used: running; "done", answered and resolved:
    nothing runs. Listed in that order; with a limit of 2, the first two."""
    policy = attrs.evolve(Regulation.default(), at_risk=0.05)
    monday = datetime(2026, 4, 27, 10, tzinfo=ZoneInfo("Europe/Moscow"))
    level = "commercial.standard"
    log = [
        Event("done", monday, "opened", level=level),
        Event("done", monday + timedelta(minutes=5), "responded"),
        Event("done", monday + timedelta(minutes=10), "resolved"),
        Event("fresh", monday + timedelta(hours=3), "opened", level=level),
        Event("quiet", monday, "opened", level=level),
        Event("quiet", monday + timedelta(minutes=5), "responded"),
        Event("late", monday - timedelta(days=7), "opened", level=level),
    ]
    got = replayed(policy, log, monday + timedelta(hours=3, minutes=30))
    table = got.table()
    assert [_urgency(c)[0] for c in got.counts] == [0, 3, 1, 2]  # late, done, quiet, fresh
    listed = most_urgent(table, np.arange(len(table)), None)
    assert [table.ticket[r] for r in listed] == ["late", "quiet", "fresh", "done"]
    two = most_urgent(table, np.arange(len(table)), 2)
    assert [table.ticket[r] for r in two] == ["late", "quiet"]
    assert most_urgent(table, np.arange(len(table)), 0).tolist() == []
