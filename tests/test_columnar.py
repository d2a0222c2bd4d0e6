"""The columnar replay against the per-ticket engine, its reference: on random policies and
logs (the policies and histories of ``test_policy_properties``), every ticket's status is
the same to the character, and so is what the replay counts besides; and named cases for
the tickets it leaves to the per-ticket engine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from slaclock import Event, Regulation
from slaclock.reporting import Replayer, Tally, replay_tickets
from slaclock.reporting._columnar import columns_of, replay_columns
from slaclock.reporting._result import report_instant
from slaclock.reporting._sources import event_tickets, read_source
from slaclock.sla import RegulationVersions, as_versions, governing, governing_opened
from test_policy_properties import ORIGIN, STEP, histories, policies

EXAMPLES = Path(__file__).parent.parent / "examples"


def both(policy: Regulation | RegulationVersions, tickets: list, at: datetime):
    """The per-ticket engine's statuses and tally, and the columnar replay's."""
    versions = as_versions(policy)
    reference = Tally(None, [])
    expected = [
        (r.ticket, r.line, r.counted.status().to_json(), r.counted.status().metrics)
        for r in replay_tickets(Replayer(versions, at, None), tickets, reference)
    ]
    tally = Tally(None, [])
    found = replay_columns(Replayer(versions, at, None), columns_of(tickets), tally)
    table = found.table
    got = [(table.ticket[i], int(table.line[i]), table.counted(i).status().to_json(),
            table.counted(i).status().metrics)
           for i in range(len(table))]
    return expected, reference, got, tally, found


def same(policy: Regulation | RegulationVersions, tickets: list, at: datetime):
    expected, reference, got, tally, found = both(policy, tickets, at)
    assert got == expected
    assert (tally.after_at, tally.not_yet_opened) == (
        reference.after_at, reference.not_yet_opened)
    key = lambda b: (b.line, b.reason)  # noqa: E731
    assert sorted(tally.rejected, key=key) == sorted(reference.rejected, key=key)
    return found


@st.composite
def logs(draw: st.DrawFn) -> list[Event]:
    """A few random histories, each copied now and then to other tickets at other times
    (the same shape on other instants), under ticket ids of their own."""
    out: list[Event] = []
    for n in range(draw(st.integers(1, 5))):
        history = draw(histories())
        # At least two tickets a history: a sequence of one ticket is counted as it is
        # walked, by the per-ticket engine; two or more are counted in columns.
        for copy in range(draw(st.integers(2, 3))):
            shift = draw(st.integers(0, 4 * 24 * 6)) * STEP if copy else timedelta(0)
            out.extend(attrs.evolve(e, ticket=f"T{n}-{copy}", at=e.at + shift)
                       for e in history)
    return out


@settings(max_examples=max(10, settings.default.max_examples // 2))
@given(policies(), logs(), st.integers(0, 4 * 24 * 14))
def test_the_columnar_replay_is_the_per_ticket_engine_on_random_policies(
    reg: Regulation, events: list[Event], steps: int
) -> None:
    tickets, _ = event_tickets([(i, e, None) for i, e in enumerate(events, 1)], [])
    same(reg, tickets, ORIGIN + steps * STEP)


def _log(path: Path):
    versions = as_versions(None)
    source = read_source(path, None)
    at = report_instant(versions, None, source.last, source.rejected)
    return versions, list(source.tickets), at


def test_the_shipped_log_is_counted_alike_all_in_columns() -> None:
    versions, tickets, at = _log(EXAMPLES / "tickets.csv")
    found = same(versions, tickets, at)
    assert len(found.table) == 2000
    assert found.by_rows == {}  # its 106 level changes too
    assert 50 < found.shapes < 200


def test_the_shipped_log_at_an_earlier_instant() -> None:
    versions, tickets, _ = _log(EXAMPLES / "tickets.csv")
    at = datetime(2025, 9, 1, tzinfo=UTC)
    expected, reference, got, tally, _ = both(versions, tickets, at)
    assert got == expected
    assert tally.not_yet_opened == reference.not_yet_opened > 0
    assert tally.after_at == reference.after_at > 0


MSK = timedelta(hours=3)


def _event(ticket: str, hour: float, kind: str, **kw: object) -> Event:
    at = datetime(2026, 5, 4, tzinfo=UTC) + timedelta(hours=hour) - MSK
    return Event(ticket, at, kind, **kw)  # type: ignore[arg-type]


def test_events_at_one_instant_go_by_rows() -> None:
    events = [
        _event("A", 9, "opened", level="partner.standard"),
        _event("A", 10, "responded"), _event("A", 10, "waiting"),
        _event("B", 9, "opened", level="partner.standard"), _event("B", 10, "responded"),
    ]
    tickets, _ = event_tickets([(i, e, None) for i, e in enumerate(events, 1)], [])
    found = same(Regulation.default(), tickets, datetime(2026, 5, 6, tzinfo=UTC))
    assert found.by_rows == {"events at one instant or out of order": 1}
    assert len(found.table) == 2


def test_a_refused_event_sends_its_ticket_by_rows_with_its_reason() -> None:
    events = [
        _event("A", 9, "opened", level="no.such.level"), _event("A", 10, "responded"),
        _event("B", 9, "opened", level="partner.standard"),
    ]
    tickets, _ = event_tickets([(i, e, None) for i, e in enumerate(events, 1)], [])
    expected, reference, got, tally, found = both(
        Regulation.default(), tickets, datetime(2026, 5, 6, tzinfo=UTC))
    assert got == expected
    assert len(got) == 1
    assert [b.line for b in tally.rejected] == [b.line for b in reference.rejected] == [1, 2]
    assert found.by_rows == {"an event the ticket refuses, or a ticket not counted": 1}


def test_a_ticket_before_the_first_version_goes_by_rows() -> None:
    v1 = attrs.evolve(Regulation.default(), effective=date(2026, 5, 5))
    events = [_event("A", 9, "opened", level="partner.standard"),
              _event("B", 40, "opened", level="partner.standard")]
    tickets, _ = event_tickets([(i, e, None) for i, e in enumerate(events, 1)], [])
    expected, _, got, tally, found = both(v1, tickets, datetime(2026, 5, 8, tzinfo=UTC))
    assert got == expected
    assert [t[0] for t in got] == ["B"]
    assert found.by_rows == {"no terms govern it": 1}
    assert "no regulation version was in force" in tally.rejected[0].reason


@given(st.integers(-4 * 86_400, 4 * 86_400))
def test_terms_by_the_opening_are_those_of_governing(seconds: int) -> None:
    v1 = Regulation.default()
    v2 = attrs.evolve(v1, version="2", effective=date(2027, 1, 1))
    versions = RegulationVersions([v1, v2])
    around = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    us = int((around - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1))
    which, terms = governing_opened(versions, np.asarray([us], np.int64), None)
    if which[0] >= 0:  # far from a version's first day: the same terms
        assert terms[which[0]] == governing(versions, us)
    else:
        assert abs(seconds) < 3 * 86_400


def test_without_pyarrow_a_report_of_a_file_reads_by_rows() -> None:
    """The library alone has neither NumPy nor pyarrow: ``report()`` of a file then reads
    and replays it by rows, with the same answer."""
    import json
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['pyarrow'] = None\n"
        "import json, slaclock\n"
        f"r = slaclock.report({str(EXAMPLES / 'tickets.csv')!r})\n"
        "print(json.dumps([r.summary.as_dict(), [s.to_json() for s in r.tickets.values()]]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    from slaclock import report

    columns = report(EXAMPLES / "tickets.csv")
    assert json.loads(done.stdout) == [
        json.loads(json.dumps(columns.summary.as_dict())),
        [s.to_json() for s in columns.tickets.values()],
    ]


def test_a_varied_log_reads_and_replays_in_columns_as_by_rows(tmp_path: Path) -> None:
    """The generator's varied log (the whole vocabulary, hundreds of distinct event
    sequences per thousand tickets, level changes, statuses, authors, fields): read in
    columns as the reader reads it, and every ticket counted as the per-ticket engine
    counts it."""
    import subprocess
    import sys

    from slaclock.reporting._columns_read import read_columns

    path = tmp_path / "varied.csv"
    subprocess.run([sys.executable, str(EXAMPLES / "generate_tickets.py"), "--varied",
                    "--tickets", "1500", "--output", str(path)], check=True,
                   capture_output=True)
    versions, tickets, at = _log(path)
    read = read_columns(str(path))
    assert read is not None
    assert read.columns.ids == [t.ticket for t in tickets]
    found = same(versions, tickets, at)
    assert found.shapes > 1000
    columnar = replay_columns(Replayer(versions, at, None), read.columns, Tally(None, []))
    assert [columnar.table.counted(i).status().to_json() for i in range(len(columnar.table))] \
        == [found.table.counted(i).status().to_json() for i in range(len(found.table))]


def test_a_breach_of_a_level_left_shows_its_target_from_the_clock_s_start() -> None:
    """Named case (found by the property test): a clock under no target, raised to a level
    whose 15-minute target it breaches (counted from the change, ``from_change``), then
    lowered again to no target. No final target shows, so the breached level's does,
    counted from the clock's start, as the per-ticket engine shows it: at 09:45 the
    office (09:00-17:00) counted 45 minutes since 08:00, and the deadline from the start
    is 09:15; the breach stays at 09:30 (15 minutes after the 09:15 change)."""
    from datetime import UTC

    from slaclock import Calendar
    from slaclock.policy import Level, MetricDefinition, Options, Target

    office = Calendar(tz="Europe/Berlin", hours="09:00-17:00")
    reg = Regulation(
        version="1", effective=date(2026, 6, 1), calendars={"office": office},
        levels={"x": Level("x", "x", None, {}, fallbacks={}),
                "y": Level("y", "y", None, {"b": Target("b", timedelta(minutes=15), "office")},
                           fallbacks={})},
        metrics={"b": MetricDefinition(name="b", start=frozenset({"created"}),
                                       stop=frozenset({"desk_reply"}))},
        options=Options(level_change="from_change", downgrade_keeps_breach=True),
        default_level="x",
    )
    utc = lambda h, m: datetime(2026, 6, 1, h - 2, m, tzinfo=UTC)  # noqa: E731 - Berlin
    events = [e for k in ("T1", "T2") for e in (
        Event(k, utc(8, 0), "created", author="desk"), Event(k, utc(9, 15), "field", level="y"),
        Event(k, utc(9, 45), "field", level="x"))]
    tickets, _ = event_tickets([(i, e, None) for i, e in enumerate(events, 1)], [])
    found = same(reg, tickets, utc(9, 45))
    clock = found.table.counted(0).status().metric("b")
    assert clock.state == "breached"
    assert clock.elapsed == timedelta(minutes=45)
    assert clock.deadline == utc(9, 15)
    assert clock.breached_at == utc(9, 30)
