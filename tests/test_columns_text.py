"""The columnar writers of a clock table (issue #24): the CSV and JSON text of many
tickets made in NumPy is, byte for byte, what the per-ticket writers make of each
ticket's status (``MetricWriter(fmt).ticket(table.counted(row).status())``), and a
report part's records of them are what :class:`~slaclock.cli._outputs.Part` writes.

Random counts (instants near DST changes and the ends of the years a datetime holds,
microseconds, negative remaining time, informational clocks, ids a spreadsheet or a
terminal would act on), random policies and histories replayed by the per-ticket engine,
and the shipped sample log whole.
"""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slaclock
from slaclock import HorizonError, Ticket
from slaclock._instants import to_us
from slaclock.cli._outputs import Part
from slaclock.reporting import MetricWriter
from slaclock.sla import ClockCount, Counted, counted_of
from test_policy_properties import ORIGIN, STEP, histories, policies

np = pytest.importorskip("numpy")

from slaclock.reporting._clocks import ClockTable  # noqa: E402 - needs NumPy
from slaclock.reporting._columns_text import (  # noqa: E402
    ticket_texts,
    tickets_text,
    write_records,
)

SAMPLE = Path(__file__).parent.parent / "examples" / "tickets.csv"
BERLIN = ZoneInfo("Europe/Berlin")
ZONES = (
    BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Asia/Kathmandu"), ZoneInfo("Europe/Moscow"), UTC,
    timezone(timedelta(hours=-3, minutes=-30)),
)
_HEADER = struct.Struct("<qqI")
US = 1_000_000
DAY = 86_400 * US


def reference(table: ClockTable, rows: list[int], fmt: str) -> str:
    """The per-ticket writers' text of the tickets in ``rows``."""
    write = MetricWriter(fmt).ticket
    return "".join(write(table.counted(r).status()) for r in rows)


def part_bytes(table: ClockTable, rows: list[int], fmt: str, tmp: Path) -> bytes:
    """What a report part writes of the tickets in ``rows``, one status at a time."""
    part = Part(str(tmp / f"reference-{fmt}.bin"), fmt)
    try:
        for r in rows:
            part.write(int(table.opened[r]), int(table.line[r]), table.counted(r).status())
    finally:
        part.close()
    return Path(part.path).read_bytes()


def assert_same(table: ClockTable, rows: list[int], tmp: Path | None = None) -> None:
    for fmt in ("csv", "json"):
        assert tickets_text(table, np.array(rows, np.int64), fmt) == reference(table, rows, fmt)
        if tmp is not None:
            out = io.BytesIO()
            write_records(table, np.array(rows, np.int64), fmt, out, _HEADER)
            assert out.getvalue() == part_bytes(table, rows, fmt, tmp)


# -- random counts ---------------------------------------------------------------------------

#: Instants the engine writes: near this year's DST changes (to the microsecond), any time
#: in 2024-2026, and near the first and last instants a datetime in any zone can be.
_NEAR = [to_us(datetime(y, m, d, tzinfo=UTC)) for y, m, d in (
    (2026, 3, 29), (2026, 10, 25), (2026, 3, 8), (2026, 11, 1), (2026, 4, 5), (2026, 10, 4),
)]
instants_us = st.one_of(
    st.builds(lambda base, jitter: base + jitter, st.sampled_from(_NEAR),
              st.integers(-DAY, DAY)),
    st.builds(lambda base, s: base + s * US, st.sampled_from(_NEAR), st.integers(-86_400, 86_400)),
    st.integers(to_us(datetime(2024, 1, 1, tzinfo=UTC)), to_us(datetime(2027, 1, 1, tzinfo=UTC))),
    st.integers(to_us(datetime(1, 1, 2, tzinfo=UTC)), to_us(datetime(1, 1, 9, tzinfo=UTC))),
    st.integers(to_us(datetime(9999, 12, 20, tzinfo=UTC)),
                to_us(datetime(9999, 12, 30, tzinfo=UTC))),
)
durations_us = st.one_of(
    st.integers(0, 40 * DAY).map(lambda us: us - us % US),  # whole seconds
    st.integers(0, 40 * DAY),
    st.integers(0, 1_000),  # below 100 microseconds: an exponent in JSON
    st.integers(-2 * DAY, 0),
    st.integers(10**15 - 10, 10**15 + 10),
)
shares = st.one_of(
    st.none(), st.floats(0, 3, allow_nan=False), st.sampled_from([0.0, 1.0, 0.00005, 0.00015,
                                                                   0.12345, 2.5, 1e-7, 1e17]),
    st.builds(lambda a, b: a / b, st.integers(0, 10**9), st.integers(1, 10**9)),
)
#: Texts from a log or a policy: plain ids, and ones a spreadsheet would run, that need
#: quoting, or that a terminal would act on.
texts = st.one_of(
    st.sampled_from(["T-1", "INC0001", "=cmd|' /C calc'!A0", '"quoted", too', "-3600",
                     "+1", "@x", "T\u202e1", "line\nbreak", "x\x7fy\x9b2J", "", " lead",
                     "caf\u00e9", "\u2028", "tab\there", "-T-2"]),
    st.text(max_size=8),
)
names = st.one_of(st.sampled_from(["reaction", "resolution", "next_reaction"]), texts)


@st.composite
def clock_counts(draw: st.DrawFn, opened: int) -> ClockCount:
    target_us = draw(st.one_of(st.none(), durations_us))
    elapsed = draw(st.one_of(st.none(), durations_us))
    start = opened if draw(st.booleans()) else draw(instants_us)
    return ClockCount(
        draw(names), draw(st.one_of(st.integers(0, 12), st.integers(0, 1000))),
        draw(st.sampled_from(["running", "paused", "met", "breached", "not_applicable"])),
        start, draw(st.one_of(st.none(), instants_us)), elapsed, target_us,
        None if target_us is None else timedelta(microseconds=target_us), draw(shares),
        draw(st.one_of(st.none(), instants_us)), draw(st.one_of(st.none(), instants_us)),
        draw(st.booleans()), draw(st.one_of(st.none(), names)),
    )


@st.composite
def counts(draw: st.DrawFn, at: datetime) -> Counted:
    opened = draw(instants_us)
    clocks = draw(st.lists(clock_counts(opened), max_size=4))
    unpromised = frozenset(c.metric for c in clocks if draw(st.integers(0, 3)) == 0)
    head = (draw(names), draw(st.one_of(st.none(), st.sampled_from(["business", "24x7"]),
                                        texts)),
            draw(st.sampled_from(["open", "waiting", "on_hold", "development", "resolved",
                                  "closed"])),
            draw(st.booleans()), draw(st.one_of(st.none(), texts)))
    return Counted(draw(texts), at, opened, head, clocks,  # type: ignore[arg-type]
                   unpromised=unpromised)


@st.composite
def tables(draw: st.DrawFn) -> ClockTable:
    at = datetime(2026, 10, 25, 1, 30, tzinfo=UTC).astimezone(draw(st.sampled_from(ZONES)))
    found = draw(st.lists(counts(at), max_size=6))
    return ClockTable.of_counted(at, found, draw(st.permutations(range(1, len(found) + 1))))


def _statuses(table: ClockTable) -> Exception | None:
    """The error the per-ticket path raises for some ticket of the table, if any."""
    try:
        for r in range(len(table)):
            table.counted(r).status()
    except HorizonError as error:
        return error
    return None


@given(tables(), st.data())
def test_random_counts_are_written_as_the_per_ticket_writers_write_them(
    table: ClockTable, data: st.DataObject
) -> None:
    rows = data.draw(st.lists(st.integers(0, max(0, len(table) - 1)), max_size=8)
                     if len(table) else st.just([]))
    if _statuses(table) is not None:
        for fmt in ("csv", "json"):
            with pytest.raises(HorizonError):
                tickets_text(table, np.arange(len(table)), fmt)
        return
    assert_same(table, rows)
    assert_same(table, list(range(len(table))))


@settings(max_examples=max(10, settings.default.max_examples // 5))
@given(tables())
def test_a_part_s_records_are_what_part_writes(
    tmp_path_factory: pytest.TempPathFactory, table: ClockTable
) -> None:
    if _statuses(table) is not None:
        return
    assert_same(table, list(range(len(table)))[::-1], tmp_path_factory.mktemp("part"))


@given(tables(), st.integers(1, 4))
def test_chunks_give_each_ticket_s_size(table: ClockTable, chunk: int) -> None:
    if _statuses(table) is not None:
        return
    rows = np.arange(len(table))
    for fmt in ("csv", "json"):
        sizes = np.concatenate([s for _, s in ticket_texts(table, rows, fmt, chunk)] or [[]])
        write = MetricWriter(fmt).ticket
        assert sizes.tolist() == [len(write(table.counted(r).status()).encode())
                                  for r in range(len(table))]


# -- the engine's counts -----------------------------------------------------------------------


@settings(max_examples=max(10, settings.default.max_examples // 3))
@given(st.lists(st.tuples(policies(), histories()), min_size=1, max_size=4),
       st.integers(0, 4 * 24 * 10), st.integers(0, 10**7), st.sampled_from(ZONES[:4]))
def test_tickets_replayed_by_the_engine_are_written_as_their_statuses_are(
    tickets: list, steps: int, jitter: int, zone: ZoneInfo
) -> None:
    """Random policies and histories (a Berlin office; the report's zone random, with DST),
    the report's instant now and then with microseconds."""
    at = (ORIGIN + steps * STEP + timedelta(microseconds=jitter)).astimezone(zone)
    found = []
    for number, (reg, events) in enumerate(tickets):
        if events[0].at > at:
            continue  # not yet opened
        t = Ticket(f"T-{number}", reg)
        for event in events:
            t.record(attrs.evolve(event, ticket=f"T-{number}"))
        found.append(counted_of(t.status(at)))
    table = ClockTable.of_counted(at, found)
    assert_same(table, list(range(len(table))))


# -- named cases -------------------------------------------------------------------------------


def test_the_shipped_sample_whole(tmp_path: Path) -> None:
    """The sample log's report: every ticket, in both formats, as the command's part."""
    r = slaclock.report(SAMPLE)
    statuses = list(r.tickets.values())
    table = ClockTable.of_counted(statuses[0].at, [counted_of(s) for s in statuses])
    rows = list(range(len(table)))
    for fmt in ("csv", "json"):
        write = MetricWriter(fmt).ticket
        assert tickets_text(table, np.array(rows), fmt) == "".join(write(s) for s in statuses)
    assert_same(table, rows, tmp_path)


def _one(ticket: str, clocks: list[ClockCount], *, at: datetime | None = None,
         unpromised: frozenset[str] = frozenset(), coverage: str | None = None) -> ClockTable:
    at = at or datetime(2026, 3, 29, 3, 0, 0, 1, tzinfo=BERLIN)
    opened = to_us(datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=BERLIN))
    head = ("commercial.standard", coverage, "open", False, None)
    return ClockTable.of_counted(at, [Counted(ticket, at, opened, head, clocks,
                                              unpromised=unpromised)])


def _clock(metric: str = "reaction", **values: object) -> ClockCount:
    opened = to_us(datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=BERLIN))
    made = {"cycle": 0, "state": "running", "start": opened, "deadline": None,
            "elapsed": None, "target_us": None, "target": None, "used": None, "met_at": None,
            "breached_at": None, "at_risk": False, "clock": None} | values
    if made["target_us"] is not None:
        made["target"] = timedelta(microseconds=made["target_us"])  # type: ignore[arg-type]
    return ClockCount(metric, **made)  # type: ignore[arg-type]


def test_a_clock_over_the_spring_change_in_berlin() -> None:
    """Opened a microsecond before 02:00 CET on the day Berlin moves to CEST; due an hour
    later (03:59:59.999999+02:00), overdue by 1.5 seconds, its share used a tie for CSV's
    four places."""
    deadline = to_us(datetime(2026, 3, 29, 3, 59, 59, 999_999, tzinfo=BERLIN))
    table = _one("=cmd", [_clock(deadline=deadline, elapsed=3_601_500_000,
                                 target_us=3_600_000_000, used=0.00005, at_risk=True,
                                 clock="office")])
    csv = tickets_text(table, np.array([0]), "csv")
    assert csv == (
        "'=cmd,commercial.standard,,open,2026-03-29T01:59:59.999999+01:00,reaction,0,running,"
        "2026-03-29T01:59:59.999999+01:00,2026-03-29T03:59:59.999999+02:00,3600,3601,-2,"
        "0.0001,,,true,false\r\n"
    )
    js = tickets_text(table, np.array([0]), "json")
    assert '"elapsed": 3601.5, "remaining": -1.5, "used": 5e-05' in js
    assert '"at_risk": true, "breached": false, "metrics": [' in js
    assert_same(table, [0])


def test_ids_and_texts_needing_quotes_and_escapes() -> None:
    for ticket in ('say "hi", ok', "T\u202e1", "-1", "-x", "line\r\nbreak", "\x00\x1b[2J", ""):
        table = _one(ticket, [_clock(used=1 / 3), _clock("note\u2066", cycle=2, clock="24\u202e7")],
                     unpromised=frozenset({"note\u2066"}), coverage="24x7")
        assert_same(table, [0])
    js = tickets_text(_one("T\u202e1", [_clock(clock="x\u202e")]), np.array([0]), "json")
    assert "T\\u202e1" in js
    assert "x\\u202e" in js


def test_an_informational_clock_and_a_ticket_without_clocks() -> None:
    table = _one("T-9", [_clock("measured", state="met", met_at=to_us(datetime(2026, 3, 30,
                                                                               tzinfo=UTC)))],
                 unpromised=frozenset({"measured"}))
    assert ', "promised": false}]}' in tickets_text(table, np.array([0]), "json")
    assert_same(table, [0])
    empty = _one("T-0", [])
    assert tickets_text(empty, np.array([0]), "csv") == ""
    assert tickets_text(empty, np.array([0]), "json").endswith('"metrics": []}')
    assert_same(empty, [0, 0])


def test_offsets_in_seconds_are_written_in_utc() -> None:
    """Moscow's local mean time in year 1 (+02:30:17): those instants are written in UTC."""
    early = to_us(datetime(1, 1, 2, 10, tzinfo=UTC))
    table = _one("T-1", [_clock(start=early, deadline=early + 1)],
                 at=datetime(2026, 5, 4, tzinfo=ZoneInfo("Europe/Moscow")))
    assert "0001-01-02T10:00:00+00:00" in tickets_text(table, np.array([0]), "csv")
    assert_same(table, [0])


def test_no_rows_no_text_and_a_clear_error_for_a_format() -> None:
    table = _one("T-1", [_clock()])
    assert tickets_text(table, np.array([], np.int64), "csv") == ""
    with pytest.raises(ValueError, match="'csv' or 'json'"):
        tickets_text(table, np.array([0]), "xml")
    with pytest.raises(ValueError, match="<qqI"):
        write_records(table, np.array([0]), "csv", io.BytesIO(), struct.Struct("<qqq"))
