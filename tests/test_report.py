"""The library's report: the same numbers from events, a log file, a DataFrame and the
command line; summaries that merge across partitions; contracts named in the policy."""

from __future__ import annotations

import json
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import slaclock
from slaclock import Event, EventError, Regulation, Summary, load_policy, report
from slaclock.cli import cli
from slaclock.logs import Row

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "examples" / "tickets.csv"
MSK = ZoneInfo("Europe/Moscow")
BER = ZoneInfo("Europe/Berlin")


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def row_event(row: Row) -> Event:
    """The :class:`Event` a log's row says (its reader checked it by an event's rules)."""
    return Event(
        row.ticket, row.at, row.kind, row.level, row.detail,  # type: ignore[arg-type]
        row.coverage, row.customer, row.category, status=row.status,  # type: ignore[arg-type]
        author=row.author, fields=row.fields or {},  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def sample() -> slaclock.Report:
    return report(SAMPLE)


@pytest.fixture(scope="module")
def command_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("report") / "report.json"
    result = CliRunner().invoke(cli, ["report", str(SAMPLE), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_the_library_report_gives_the_command_s_numbers(
    sample: slaclock.Report, command_json: dict[str, object]
) -> None:
    assert sample.summary.as_dict() == command_json["summary"]
    assert [s.as_dict() for s in sample.tickets.values()] == command_json["tickets"]
    assert sample.at.isoformat() == command_json["at"]
    assert (sample.events, len(sample.rejected)) == (8285, 0)


def test_a_report_of_events_equals_the_report_of_their_file(sample: slaclock.Report) -> None:
    log = slaclock.logs.EventLog.read(SAMPLE)
    events = [row_event(r) for rows in log.tickets.values() for r in rows]
    again = report(reversed(events), at=sample.at)
    assert again.summary.as_dict() == sample.summary.as_dict()
    assert again.tickets == sample.tickets


def test_a_report_of_a_pandas_frame_equals_the_report_of_its_file(
    sample: slaclock.Report,
) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    frame["time"] = [datetime.fromisoformat(t) for t in frame["time"]]
    frame = frame.rename(columns={"ticket": "Ticket"})  # columns are matched without case
    again = report(frame, at=sample.at)
    assert again.summary.as_dict() == sample.summary.as_dict()
    assert again.tickets == sample.tickets


def test_a_frame_of_nullable_strings_reads_as_its_file(sample: slaclock.Report) -> None:
    """Named case: missing cells of a nullable or Arrow string column are pd.NA."""
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(SAMPLE, dtype="string")
    assert frame["level"].isna().any()
    frame["time"] = [datetime.fromisoformat(t) for t in frame["time"]]
    again = report(frame, at=sample.at)
    assert again.rejected == []
    assert again.tickets == sample.tickets


def test_summaries_of_partitions_by_ticket_merge_into_the_whole(
    sample: slaclock.Report,
) -> None:
    log = slaclock.logs.EventLog.read(SAMPLE)
    events = [row_event(r) for rows in log.tickets.values() for r in rows]
    merged = Summary()
    for part in range(3):
        mine = [e for e in events if zlib.crc32(e.ticket.encode()) % 3 == part]
        merged.merge(report(mine, at=sample.at).summary)
    assert merged.as_dict() == sample.summary.as_dict()


def test_reports_become_dataframes(sample: slaclock.Report) -> None:
    pytest.importorskip("pandas")
    clocks = sample.to_pandas()
    assert list(clocks.columns) == list(slaclock.reporting.METRIC_COLUMNS)
    assert len(clocks) == sum(len(s.metrics) for s in sample.tickets.values())
    assert str(clocks["deadline"].dt.tz) == "Europe/Moscow"
    assert clocks["breached"].sum() == sum(
        m.state == "breached" for s in sample.tickets.values() for m in s.metrics)
    months = sample.summary.to_pandas()
    assert months["tickets"].sum() == len(sample.tickets)
    by_level = months.groupby(level="level")["breached"].sum()
    assert by_level.to_dict() == {
        row["level"]: row["breached"] for row in sample.summary.as_dict()["levels"]
    }


def test_the_dataframes_hold_the_command_s_numbers(
    sample: slaclock.Report, command_json: dict[str, object]
) -> None:
    pd = pytest.importorskip("pandas")
    months = sample.summary.to_pandas().reset_index()
    rows = command_json["summary"]["months"]  # type: ignore[index]
    assert len(months) == len(rows)
    for row in rows:
        got = months[(months["level"] == row["level"]) & (months["month"] == row["month"])]
        assert len(got) == 1
        for column in ("tickets", "met", "breached", "in_progress", "at_risk"):
            assert got[column].item() == row[column]
        assert got["compliance"].item() == pytest.approx(row["compliance"], nan_ok=True)
    clocks = sample.to_pandas()
    tickets = command_json["tickets"]
    expected = [(t["ticket"], m["metric"], m["cycle"], m["state"], m["elapsed"])
                for t in tickets for m in t["metrics"]]  # type: ignore[index,union-attr]
    columns = clocks[["ticket", "metric", "cycle", "state", "elapsed_seconds"]]
    got_rows = [(*row[:4], None if row[4] is pd.NA else row[4])
                for row in columns.itertuples(index=False, name=None)]
    assert got_rows == expected


def test_the_compliance_chart_is_one_call(sample: slaclock.Report, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    fig = sample.plot()
    (ax,) = fig.axes
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels[:5] == list(sample.levels)  # one line a level, in the policy's order
    assert "SLA compliance" in ax.get_title()
    png = tmp_path / "compliance.png"
    assert sample.plot(png) is not None
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_chart_dashes_the_goals_the_policy_sets(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import attrs

    reg = Regulation.default()
    levels = {k: attrs.evolve(v, compliance=0.9) if k == "partner.standard" else v
              for k, v in reg.levels.items()}
    got = report(SAMPLE, attrs.evolve(reg, levels=levels))
    assert got.goals == {"partner.standard": 0.9}
    (ax,) = got.plot().axes
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert [line.get_ydata()[0] for line in dashed if line.get_label().startswith("_")] == [90]


def test_events_left_out_come_with_their_position_and_reason() -> None:
    log = [
        Event("A", msk(2026, 5, 4, 9), "opened", level="partner.standard"),
        Event("A", msk(2026, 5, 4, 8), "responded"),  # before the opening
        Event("B", msk(2026, 5, 4, 9), "responded"),  # never opened
        Event("C", msk(2026, 5, 4, 9), "opened", level="gold"),  # unknown level
        Event("C", msk(2026, 5, 4, 10), "responded"),
    ]
    r = report(log, at=msk(2026, 5, 5, 9))
    assert list(r.tickets) == ["A"]
    assert [(b.line, b.ticket) for b in r.rejected] == [(2, "A"), (3, "B"), (4, "C"), (5, "C")]
    assert "before the ticket opened" in r.rejected[0].reason
    assert "no 'opened' event" in r.rejected[1].reason
    assert "unknown service level 'gold'" in r.rejected[2].reason
    with pytest.raises(EventError, match=r"line 2: .* before the ticket opened"):
        report(log, at=msk(2026, 5, 5, 9), strict=True)


def test_tickets_opened_after_the_report_s_instant_are_counted_not_kept() -> None:
    log = [Event("A", msk(2026, 5, 4, 9), "opened", level="partner.standard"),
           Event("B", msk(2026, 5, 6, 9), "opened", level="partner.standard"),
           Event("B", msk(2026, 5, 6, 10), "responded")]
    r = report(log, at=msk(2026, 5, 5, 9))
    assert (list(r.tickets), r.not_yet_opened, r.after_at) == (["A"], 1, 2)


def test_a_ticket_is_counted_under_its_contract_from_the_policy(tmp_path: Path) -> None:
    path = tmp_path / "terms.toml"
    path.write_text("""
[calendars.office]
tz = "Europe/Berlin"
hours = "09:00-17:00"
[calendars.always]
preset = "always"
tz = "Europe/Berlin"
[contracts.Acme]
kind = "commercial"
signed = 2025-06-01
calendars = { office = "always" }
[[versions]]
version = "1"
effective = 2025-01-01
levels.std = { reaction = { hours = 8, clock = "office" } }
[[versions]]
version = "2"
effective = 2026-01-01
levels.std = { reaction = { hours = 1, clock = "office" } }
""", encoding="utf-8")
    policy = load_policy(path)
    opened = datetime(2026, 6, 1, 20, tzinfo=BER)
    log = [Event("A", opened, "opened", level="std", customer="Acme"),
           Event("B", opened, "opened", level="std", customer="Other")]
    r = report(log, policy, at=datetime(2026, 6, 2, 9, 30, tzinfo=BER))
    # Acme signed under version 1 (8 h) and counts around the clock: 20:00 + 8 h = 04:00.
    a = r.tickets["A"].metric("reaction")
    assert (a.target, a.deadline, a.state) == (
        timedelta(hours=8), datetime(2026, 6, 2, 4, tzinfo=BER), "breached")
    # Another customer: the version in force when the ticket opened (1 h, office hours).
    b = r.tickets["B"].metric("reaction")
    assert (b.deadline, b.state) == (datetime(2026, 6, 2, 10, tzinfo=BER), "running")
    assert r.tickets["A"].customer == "Acme"


def test_a_report_under_a_zendesk_like_policy_from_general_events() -> None:
    policy = load_policy(ROOT / "docs" / "reference" / "policies" / "zendesk-like.toml")
    log = [
        Event("Z-1", datetime(2026, 6, 1, 10, tzinfo=BER), "created",
              fields={"priority": "high"}),
        Event("Z-1", datetime(2026, 6, 1, 10, 30, tzinfo=BER), "reply", author="desk"),
        Event("Z-2", datetime(2026, 6, 1, 11, tzinfo=BER), "created"),
        Event("Z-2", datetime(2026, 6, 1, 12, tzinfo=BER), "status", status="Solved"),
    ]
    r = report(log, policy, at=datetime(2026, 6, 1, 13, tzinfo=BER))
    assert {t: s.level for t, s in r.tickets.items()} == {"Z-1": "urgent", "Z-2": "normal"}
    assert r.tickets["Z-1"].metric("first_reply").state == "met"
    # Solved without a reply: the first reply waits (owed again if the ticket reopens).
    assert r.tickets["Z-2"].metric("first_reply").state == "paused"
    assert r.tickets["Z-2"].state == "resolved"
    levels = {row["level"]: row for row in r.summary.as_dict()["levels"]}
    assert levels["urgent"]["metrics"]["first_reply"] == {
        "met": 1, "breached": 0, "compliance": 1.0}
    assert "first_reply" not in levels["normal"]["metrics"]


def test_an_empty_log_has_no_instant_to_report_at() -> None:
    with pytest.raises(EventError, match="no events"):
        report([])


def test_the_default_policy_is_the_regulation() -> None:
    r = report([Event("A", msk(2026, 5, 4, 9), "opened", level="partner.standard")])
    assert r.tickets["A"].metric("reaction").target == Regulation.default().level(
        "partner.standard").targets["reaction"].duration


def test_events_a_plugin_stored_read_back_with_the_command(tmp_path: Path) -> None:
    # Event.as_dict() writes "at" and "kind"; the log reads them as "time" and "event".
    events = [
        Event("P-1", datetime(2026, 6, 1, 10, tzinfo=BER), "created", customer="Acme",
              fields={"priority": "high"}),
        Event("P-1", datetime(2026, 6, 1, 10, 20, tzinfo=BER), "note", author="desk"),
        Event("P-1", datetime(2026, 6, 1, 10, 40, tzinfo=BER), "reply", author="desk"),
        Event("P-1", datetime(2026, 6, 1, 11, tzinfo=BER), "status", status="Pending"),
    ]
    path = tmp_path / "stored.jsonl"
    path.write_text("".join(json.dumps(e.as_dict()) + "\n" for e in events), encoding="utf-8")
    policy = load_policy(ROOT / "docs" / "reference" / "policies" / "zendesk-like.toml")
    at = datetime(2026, 6, 1, 12, tzinfo=BER)
    from_file, direct = report(path, policy, at=at), report(events, policy, at=at)
    assert from_file.rejected == []
    assert from_file.tickets == direct.tickets
    assert from_file.tickets["P-1"].level == "urgent"
    assert from_file.tickets["P-1"].state == "waiting"
    result = CliRunner().invoke(cli, ["report", str(path), "--policy",
                                      str(ROOT / "docs/reference/policies/zendesk-like.toml"),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    (ticket,) = json.loads(result.stdout)["tickets"]
    assert ticket["metrics"][0]["metric"] == "first_reply"


def test_a_status_history_csv_in_the_general_vocabulary(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(
        "ticket,time,event,author,status,field,value\n"
        "Z-1,2026-06-01T10:00+02:00,created,customer,,priority,normal\n"
        "Z-1,2026-06-01T12:00+02:00,reply,desk,,,\n"
        "Z-1,2026-06-01T14:00+02:00,status,,Pending,,\n"
        "Z-1,2026-06-02T10:00+02:00,reply,customer,,,\n"
        "Z-1,2026-06-02T11:00+02:00,field,,,priority,urgent\n"
        "Z-1,2026-06-02T11:30+02:00,status,,,,\n"
        "Z-1,2026-06-02T11:40+02:00,reply,,,,\n",
        encoding="utf-8",
    )
    policy = load_policy(ROOT / "docs" / "reference" / "policies" / "zendesk-like.toml")
    r = report(path, policy, at=datetime(2026, 6, 2, 12, tzinfo=BER))
    assert [(b.line, b.reason.split(" (")[0]) for b in r.rejected] == [
        (7, "a 'status' row needs the new status"),
        (8, "a 'reply' row needs its author: 'desk' or 'customer'"),
    ]
    s = r.tickets["Z-1"]
    # Urgent from Tuesday 11:00: the next reply owed since 10:00 had 1 h around the clock.
    assert s.level == "urgent"
    m = s.metric("next_reply")
    assert (m.state, m.breached_at) == ("breached", datetime(2026, 6, 2, 11, tzinfo=BER))
    assert s.metric("first_reply").elapsed == timedelta(hours=2)


def test_a_dataframe_in_the_general_vocabulary_reads_as_its_csv(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    text = ("ticket,time,event,author,status,field,value\n"
            "Z-1,2026-06-01T10:00+02:00,created,customer,,priority,high\n"
            "Z-1,2026-06-01T10:30+02:00,reply,desk,,,\n"
            "Z-1,2026-06-01T11:00+02:00,status,,Pending,,\n")
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    policy = load_policy(ROOT / "docs" / "reference" / "policies" / "zendesk-like.toml")
    at = datetime(2026, 6, 1, 12, tzinfo=BER)
    frame = pd.read_csv(path, dtype=str)
    from_frame = report(frame, policy, at=at)
    assert from_frame.rejected == []
    assert from_frame.tickets == report(path, policy, at=at).tickets
    assert from_frame.tickets["Z-1"].level == "urgent"


GENERAL_ROWS = [
    # Each row says something the event it stands for refuses.
    {"ticket": "A", "time": "2026-05-04T09:00:00+03:00", "event": "opened",
     "level": "partner.standard", "status": "open"},
    {"ticket": "B", "time": "2026-05-04T09:00:00+03:00", "event": "created",
     "level": "partner.standard"},
    {"ticket": "B", "time": "2026-05-04T10:00:00+03:00", "event": "reply", "author": "desk",
     "status": "solved"},
    {"ticket": "B", "time": "2026-05-04T11:00:00+03:00", "event": "note", "author": "desk",
     "fields": {"priority": "high"}},
    {"ticket": "C", "time": "2026-05-04T09:00:00+03:00", "event": "created",
     "level": "partner.standard"},
    {"ticket": "C", "time": "2026-05-04T10:00:00+03:00", "event": "status", "status": "open",
     "fields": {"level": "partner.emergency"}},
]


def test_log_rows_are_checked_as_the_events_they_say(tmp_path: Path) -> None:
    """Named case: a row whose event would be refused (a status on an opening or a reply,
    fields on a note) is left out with the event's reason, from a file as from events."""
    log = tmp_path / "general.jsonl"
    log.write_text("".join(json.dumps(row) + "\n" for row in GENERAL_ROWS), encoding="utf-8")
    at = datetime(2026, 5, 6, 12, tzinfo=MSK)
    got = report(log, at=at)
    reasons = {b.line: b.reason for b in got.rejected}
    assert "takes no status" in reasons[1]
    assert "takes no status" in reasons[3]
    assert "fields" in reasons[4]
    assert sorted(got.tickets) == ["B", "C"]
    assert got.tickets["B"].metric("reaction").state == "running"  # the reply was refused
    events = slaclock.logs.EventLog.read(log).tickets
    kept = [row_event(row) for rows in events.values() for row in rows
            if row.line not in reasons]
    assert report(kept, at=at).tickets == got.tickets
