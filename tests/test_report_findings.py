"""Named regression cases of issue 20 for the report: one rule for the terms of a ticket
(its version on the opening's day in the desk's zone, its signing date from its rows) on
every path into a report (events, a file, a DataFrame, a Dask DataFrame, the command),
naive timestamps of a DataFrame, and no process-wide side effect of ``report()``.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import slaclock
from cli_runner import run
from slaclock import Event, EventError, load_policy, report

MSK = ZoneInfo("Europe/Moscow")

#: Two versions of one regulation: 24 h to react in 2026, 4 h from 2027 on; the desk is
#: in Moscow (its calendar's zone).
VERSIONS = """
[calendars.always]
preset = "always"
tz = "Europe/Moscow"
[[versions]]
version = "2026"
effective = 2026-01-01
levels.standard = { reaction = { hours = 24, clock = "always" } }
[[versions]]
version = "2027"
effective = 2027-01-01
levels.standard = { reaction = { hours = 4, clock = "always" } }
"""
#: One instant, written with two offsets: 2027-01-01 06:30 in Moscow, 2026-12-31 in New
#: York.
SAME_INSTANT = (
    "ticket,time,event,level\n"
    "A,2027-01-01T06:30:00+03:00,opened,standard\n"
    "B,2026-12-31T22:30:00-05:00,opened,standard\n"
)
AT = datetime(2027, 1, 2, 12, tzinfo=MSK)


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "versions.toml"
    path.write_text(VERSIONS, encoding="utf-8")
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    return path


def targets(got: slaclock.Report) -> dict[str, timedelta | None]:
    return {t: s.metric("reaction").target for t, s in got.tickets.items()}


def command_targets(log: Path, policy: Path) -> dict[str, timedelta]:
    result = run("report", log, "--policy", policy, "--at", AT.isoformat(), "-f", "json")
    assert result.exit_code == 0, result.stderr
    return {t["ticket"]: timedelta(seconds=t["metrics"][0]["target"])
            for t in json.loads(result.stdout)["tickets"]}


def frame_of(log: Path) -> Any:
    pd = pytest.importorskip("pandas")
    return pd.read_csv(log, dtype=str, keep_default_na=False)


def dask_of(frame: Any) -> Iterator[Any]:
    dd = pytest.importorskip("dask.dataframe")
    pytest.importorskip("distributed")
    import dask

    with dask.config.set(scheduler="synchronous"):
        yield dd.from_pandas(frame, npartitions=2)


# -- finding 1: the version on the opening's day in the desk's zone ---------------------


def test_one_instant_written_with_two_offsets_gets_one_version_on_every_path(
    tmp_path: Path, policy_file: Path
) -> None:
    """A opens at 06:30 in Moscow, B at 22:30 the day before in New York: the same
    instant, 2027-01-01 at the desk, under the 2027 version (4 h) both; B took the 2026
    version (24 h) by the date its own offset gave."""
    policy = load_policy(policy_file)
    log = write(tmp_path, SAME_INSTANT)
    four = {"A": timedelta(hours=4), "B": timedelta(hours=4)}
    events = [Event("A", datetime.fromisoformat("2027-01-01T06:30:00+03:00"), "opened",
                    level="standard"),
              Event("B", datetime.fromisoformat("2026-12-31T22:30:00-05:00"), "opened",
                    level="standard")]
    assert events[0].at == events[1].at
    assert targets(report(events, policy, at=AT)) == four
    assert targets(report(log, policy, at=AT)) == four
    frame = frame_of(log)
    assert targets(report(frame, policy, at=AT)) == four
    for ddf in dask_of(frame):
        assert targets(report(ddf, policy, at=AT)) == four
    assert command_targets(log, policy_file) == four


# -- finding 2: a DataFrame's signed column ---------------------------------------------

SIGNED_2026 = (
    "ticket,time,event,level,signed\n"
    "S,2027-02-01T10:00:00+03:00,opened,standard,2026-06-01\n"
)


def test_a_dataframe_s_signed_column_picks_the_version_as_its_file_does(
    tmp_path: Path, policy_file: Path
) -> None:
    """A contract signed in 2026 keeps the 2026 terms (24 h) for a ticket of 2027, read
    from the file, from the same log as a DataFrame and as a Dask DataFrame; the
    DataFrame's signed column was dropped (4 h)."""
    policy = load_policy(policy_file)
    log = write(tmp_path, SIGNED_2026)
    signed = {"S": timedelta(hours=24)}
    assert targets(report(log, policy, at=AT + timedelta(days=40))) == signed
    frame = frame_of(log)
    assert targets(report(frame, policy, at=AT + timedelta(days=40))) == signed
    for ddf in dask_of(frame):
        assert targets(report(ddf, policy, at=AT + timedelta(days=40))) == signed


def test_a_dataframe_s_signed_dates_may_be_dates_or_timestamps(policy_file: Path) -> None:
    pd = pytest.importorskip("pandas")
    policy = load_policy(policy_file)
    frame = pd.DataFrame({
        "ticket": ["S", "T", "U"],
        "time": [datetime(2027, 2, 1, 10, tzinfo=MSK)] * 3,
        "event": ["opened"] * 3,
        "level": ["standard"] * 3,
        "signed": [pd.Timestamp("2026-06-01"), datetime(2026, 6, 1).date(), "June 1st"],
    })
    got = report(frame, policy, at=AT + timedelta(days=40))
    assert targets(got) == {"S": timedelta(hours=24), "T": timedelta(hours=24)}
    assert [(b.line, b.reason) for b in got.rejected] == [
        (3, "signed 'June 1st' is not a date (2025-03-01)")]


# -- finding 3: the library and the command take signed from the same row ----------------


@pytest.mark.parametrize(("rows", "target"), [
    # The opening gives none, a later row does: that one.
    ("S,2027-02-01T10:00:00+03:00,opened,standard,\n"
     "S,2027-02-01T11:00:00+03:00,responded,,2026-06-01\n", timedelta(hours=24)),
    # Both give one: the opening's.
    ("S,2027-02-01T10:00:00+03:00,opened,standard,2026-06-01\n"
     "S,2027-02-01T11:00:00+03:00,responded,,2027-01-15\n", timedelta(hours=24)),
    ("S,2027-02-01T10:00:00+03:00,opened,standard,2027-01-15\n"
     "S,2027-02-01T11:00:00+03:00,responded,,2026-06-01\n", timedelta(hours=4)),
])
def test_the_library_and_the_command_take_signed_from_the_same_row(
    tmp_path: Path, policy_file: Path, rows: str, target: timedelta
) -> None:
    """The signing date is the first a ticket's rows give, the opening first
    (``slaclock.sla.signed_of``); the command read the opening row's alone (4 h where the
    library said 24 h)."""
    log = write(tmp_path, "ticket,time,event,level,signed\n" + rows)
    at = AT + timedelta(days=40)
    library = targets(report(log, load_policy(policy_file), at=at))
    result = run("report", log, "--policy", policy_file, "--at", at.isoformat(), "-f", "json")
    assert result.exit_code == 0, result.stderr
    (ticket,) = json.loads(result.stdout)["tickets"]
    assert library == {"S": target}
    assert timedelta(seconds=ticket["metrics"][0]["target"]) == target
    assert targets(report(frame_of(log), load_policy(policy_file), at=at)) == {"S": target}


# -- finding 7: naive timestamps of a DataFrame ----------------------------------------


def naive_frame() -> Any:
    pd = pytest.importorskip("pandas")
    return pd.DataFrame({
        "ticket": ["A", "A", "B"],
        "time": pd.to_datetime(["2026-05-04 09:00", "2026-05-04 11:00", "2026-05-04 10:00"]),
        "event": ["opened", "responded", "opened"],
        "level": ["partner.standard", None, "commercial.operational"],
    })


def test_naive_timestamps_of_a_dataframe_are_read_in_tz_as_naive_text_is() -> None:
    frame = naive_frame()
    at = datetime(2026, 5, 6, 12, tzinfo=MSK)
    got = report(frame, at=at, tz=MSK)
    text = frame.assign(time=frame["time"].dt.strftime("%Y-%m-%dT%H:%M"))
    aware = frame.assign(time=frame["time"].dt.tz_localize(MSK))
    assert got.rejected == []
    assert got.tickets == report(text, at=at, tz=MSK).tickets == report(aware, at=at).tickets
    assert got.tickets["A"].opened == datetime(2026, 5, 4, 9, tzinfo=MSK)


def test_naive_timestamps_without_tz_are_an_error_that_names_the_fix() -> None:
    """Every row was refused, and the report said only that the log held no events."""
    with pytest.raises(EventError) as raised:
        report(naive_frame())
    message = str(raised.value)
    assert "holds no events" not in message
    assert "3 rows refused, the first on line 1" in message
    assert "has no zone" in message
    assert "tz=" in message
    got = report(naive_frame(), at=datetime(2026, 5, 6, 12, tzinfo=MSK))
    assert [b.line for b in got.rejected] == [1, 2, 3]
    assert all("tz=" in b.reason for b in got.rejected)


def test_a_naive_time_in_a_daylight_saving_fold_is_refused_as_in_a_file() -> None:
    pd = pytest.importorskip("pandas")
    berlin = ZoneInfo("Europe/Berlin")
    frame = pd.DataFrame({"ticket": ["A"], "time": [pd.Timestamp("2026-10-25 02:30")],
                          "event": ["opened"], "level": ["partner.standard"]})
    got = report(frame, at=datetime(2026, 10, 26, tzinfo=berlin), tz=berlin)
    assert got.tickets == {}
    (bad,) = got.rejected
    assert "happens twice" in bad.reason


# -- no process-wide side effects ------------------------------------------------------


@pytest.mark.parametrize("source", ["events", "file", "frame"])
def test_a_report_leaves_the_garbage_collector_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    """The collector stays on while ``report()`` reads and replays, and after: the
    library changes nothing of the process (the reader paused it)."""
    from slaclock.logs import EventLog
    from slaclock.reporting import Replayer

    seen: list[bool] = []
    replay, read = Replayer.ticket, EventLog.from_rows

    def replaying(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return replay(*args, **kwargs)

    def reading(cls: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return read(*args, **kwargs)

    monkeypatch.setattr(Replayer, "ticket", replaying)
    monkeypatch.setattr(EventLog, "from_rows", classmethod(reading))

    def events() -> Iterator[Event]:
        for ticket in ("A", "B"):
            seen.append(gc.isenabled())
            yield Event(ticket, datetime(2026, 5, 4, 9, tzinfo=MSK), "opened",
                        level="partner.standard")

    log = write(tmp_path, "ticket,time,event,level\n"
                          "A,2026-05-04T09:00+03:00,opened,partner.standard\n"
                          "B,2026-05-04T09:00+03:00,opened,partner.standard\n")
    given: Any = {"events": events, "file": lambda: log, "frame": lambda: frame_of(log)}[source]()
    assert gc.isenabled()
    got = report(given)
    assert len(got.tickets) == 2
    assert seen
    assert all(seen)
    assert gc.isenabled()


# -- one replay loop -----------------------------------------------------------------------


def test_replay_is_the_report_s_loop_under_one_regulation() -> None:
    """Named case (issue 20): ``replay()`` was a second engine, which recorded each
    ticket's events in the order given: a reply given before its ticket's opening made
    the opening refused and the ticket lost. It replays through the report's loop now,
    each ticket's opening first, and leaves out what ``report()`` leaves out."""
    import slaclock.reporting

    reg = slaclock.Regulation.default()
    log = [
        Event("A", datetime(2026, 5, 4, 9, tzinfo=MSK), "waiting"),  # before the opening
        Event("A", datetime(2026, 5, 4, 10, tzinfo=MSK), "opened", level="partner.standard"),
        Event("A", datetime(2026, 5, 4, 11, tzinfo=MSK), "responded"),
        Event("B", datetime(2026, 5, 4, 9, tzinfo=MSK), "responded"),  # never opened
        Event("C", datetime(2026, 5, 7, 9, tzinfo=MSK), "opened", level="partner.standard"),
    ]
    at = datetime(2026, 5, 5, 12, tzinfo=MSK)
    assert slaclock.replay is slaclock.reporting.replay
    rejected: list[tuple[Event, EventError]] = []
    statuses = slaclock.replay(log, reg, at, strict=False, rejected=rejected)
    whole = report(log, reg, at=at)
    assert statuses == whole.tickets
    assert list(statuses) == ["A"]
    assert statuses["A"].metric("reaction").state == "met"
    assert [(e, str(error)) for e, error in rejected] == [
        (log[b.line - 1], b.reason) for b in whole.rejected]
    assert [e.ticket for e, _ in rejected] == ["A", "B"]
    with pytest.raises(EventError, match="before the ticket opened"):
        slaclock.replay(log, reg, at)


# -- one writer of the report's rows ------------------------------------------------------

QUOTED_POLICY = """
version = "1"
effective = 2026-01-01
default_level = "std"
[calendars.always]
preset = "always"
tz = "UTC"
[metrics.'first, "reply"']
start = ["created"]
stop = ["desk_reply"]
[levels.std]
'first, "reply"' = { hours = 1, clock = "always" }
"""


def test_the_command_s_csv_quotes_every_text_the_log_or_the_policy_gives(
    tmp_path: Path,
) -> None:
    """Named case (issue 20): the command's CSV had a writer of its own, which quoted the
    ticket id and the level but not a metric's name (a policy's text too); the report's
    one writer (``MetricWriter``) quotes them all, and its rows read back as the
    ``Report.to_pandas`` columns."""
    import csv

    from slaclock.reporting import METRIC_COLUMNS

    policy = tmp_path / "quoted.toml"
    policy.write_text(QUOTED_POLICY, encoding="utf-8")
    log = write(tmp_path, 'ticket,time,event,author\n'
                          '"T,""1""",2026-06-01T10:00Z,created,customer\n'
                          '"T,""1""",2026-06-01T10:30Z,reply,desk\n')
    result = run("report", log, "--policy", policy, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    header, *rows = csv.reader(result.stdout.splitlines())
    assert tuple(header) == METRIC_COLUMNS
    assert [(r[0], r[5], r[7], len(r)) for r in rows] == [
        ('T,"1"', 'first, "reply"', "met", len(METRIC_COLUMNS))]
