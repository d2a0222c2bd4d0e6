"""The event-log reader: times, rows, line numbers, grouping, and spreadsheet-safe cells."""

from __future__ import annotations

import gc
import io
import itertools
import json
import os
import zlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from slaclock.logs import (
    BadRow,
    EventLog,
    EventLogError,
    ReadLimits,
    Row,
    RowChecker,
    _log,
    check_log_path,
    csv_safe,
    format_duration,
    parse_time,
    printable,
    read_rows,
    split_log,
    whole_seconds,
)
from slaclock.logs._rows import KINDS

MSK = ZoneInfo("Europe/Moscow")
LONDON = ZoneInfo("Europe/London")
HEADER = "ticket,time,event,level,detail,coverage\n"


def rows_of(text: str, **kwargs: object) -> list[Row | BadRow]:
    return list(read_rows(io.StringIO(text), source="log.csv", **kwargs))  # type: ignore[arg-type]


def log_of(text: str, **kwargs: object) -> EventLog:
    return EventLog.from_rows(read_rows(io.StringIO(text), source="log.csv", **kwargs))  # type: ignore[arg-type]


# -- times -------------------------------------------------------------------------------


def test_time_with_offset_is_that_instant() -> None:
    at = parse_time("2026-04-30T17:30+03:00")
    assert at == datetime(2026, 4, 30, 14, 30, tzinfo=UTC)
    assert at.utcoffset() == timedelta(hours=3)


def test_time_with_z_is_utc() -> None:
    assert parse_time("2026-04-30T14:30:00Z") == datetime(2026, 4, 30, 14, 30, tzinfo=UTC)


def test_compact_iso_is_read_through_pendulum_with_its_offset() -> None:
    at = parse_time("20260430T173000+0300")
    assert at == datetime(2026, 4, 30, 14, 30, tzinfo=UTC)
    assert isinstance(at.tzinfo, timezone)  # a plain stdlib offset, not pendulum's


@pytest.mark.parametrize("text", ["2026-04-30 17:30", "2026-04-30T17:30:00", "20260430T173000"])
def test_time_without_offset_is_refused_not_read_as_utc(text: str) -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_time(text)


def test_time_without_offset_is_read_in_the_zone_given() -> None:
    assert parse_time("2026-04-30 17:30", MSK) == datetime(2026, 4, 30, 17, 30, tzinfo=MSK)
    assert parse_time("20260430T173000", MSK) == datetime(2026, 4, 30, 17, 30, tzinfo=MSK)


def test_time_in_an_autumn_fold_is_refused() -> None:
    with pytest.raises(ValueError, match="happens twice"):
        parse_time("2026-10-25 01:30", LONDON)


def test_time_in_a_spring_gap_is_refused() -> None:
    with pytest.raises(ValueError, match="never happens"):
        parse_time("2026-03-29 01:30", LONDON)


@pytest.mark.parametrize("text", ["yesterday", "30.04.2026 17:30", "2026-13-01T00:00+03:00", ""])
def test_unparseable_time(text: str) -> None:
    with pytest.raises(ValueError, match=r"unparseable|no UTC offset"):
        parse_time(text)


# -- rows --------------------------------------------------------------------------------


def test_a_clean_log() -> None:
    rows = rows_of(
        HEADER
        + "T-1,2026-04-30T17:30:00+03:00,opened,commercial.standard,\"Crash, v5\",\n"
        + "T-1,2026-05-04T10:00:00+03:00,responded,,,\n"
    )
    assert [type(r) for r in rows] == [Row, Row]
    first, second = rows
    assert isinstance(first, Row)
    assert isinstance(second, Row)
    assert (first.line, first.ticket, first.kind, first.level, first.detail) == (
        2, "T-1", "opened", "commercial.standard", "Crash, v5"
    )
    assert second.line == 3
    assert second.level is None
    assert first.ticket is second.ticket  # ids are shared between a ticket's rows


def test_line_numbers_follow_multiline_cells_and_blank_lines() -> None:
    rows = rows_of(
        HEADER
        + 'T-1,2026-04-30T17:30+03:00,opened,partner.standard,"two\nlines",\n'
        + "\n"
        + "T-1,2026-04-30T18:30+03:00,closed,,,\n"
    )
    assert len(rows) == 2
    assert isinstance(rows[1], BadRow)
    assert rows[1].line == 5
    assert "unknown event 'closed'" in rows[1].reason


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",2026-04-30T17:30+03:00,opened,partner.standard,,", "no ticket id"),
        ("T-1,,responded,,,", "no time"),
        ("T-1,soon,responded,,,", "unparseable time 'soon'"),
        ("T-1,2026-04-30 17:30,responded,,,", "no UTC offset"),
        ("T-1,2026-04-30T17:30+03:00,opened,,,", "needs a level"),
        ("T-1,2026-04-30T17:30+03:00,level_changed,,,", "needs a level"),
        ("T-1,2026-04-30T17:30+03:00,opened,commercial.emergency,,always", "unknown coverage"),
    ],
)
def test_bad_rows_say_why(row: str, reason: str) -> None:
    (bad,) = rows_of(HEADER + row + "\n")
    assert isinstance(bad, BadRow)
    assert bad.line == 2
    assert reason in bad.reason


def test_naive_times_are_read_with_tz() -> None:
    (row,) = rows_of(HEADER + "T-1,2026-04-30 17:30,responded,,,\n", tz=MSK)
    assert isinstance(row, Row)
    assert row.at == datetime(2026, 4, 30, 17, 30, tzinfo=MSK)


def test_level_is_read_only_where_it_means_something() -> None:
    (row,) = rows_of(HEADER + "T-1,2026-04-30T17:30+03:00,responded,partner.standard,,\n")
    assert isinstance(row, Row)
    assert row.level is None


def test_columns_in_any_order_with_extra_ones_and_a_bom() -> None:
    text = (
        "\ufeffEvent,Agent,Time,Ticket,Level\n"
        "opened,anna,2026-04-30T17:30+03:00,T-9,partner.emergency\n"
    )
    (row,) = rows_of(text)
    assert isinstance(row, Row)
    assert (row.ticket, row.kind, row.level) == ("T-9", "opened", "partner.emergency")


def test_contract_columns() -> None:
    text = (
        "ticket,time,event,level,coverage,customer,category,signed\n"
        "T-1,2026-04-30T17:30+03:00,opened,commercial.emergency,24x7,Acme,development,"
        "2025-03-01\n"
    )
    (row,) = rows_of(text)
    assert isinstance(row, Row)
    assert (row.coverage, row.customer, row.category, row.signed.isoformat()) == (  # type: ignore[union-attr]
        "24x7", "Acme", "development", "2025-03-01"
    )


def test_a_header_without_the_required_columns_is_refused() -> None:
    with pytest.raises(EventLogError, match=r"log.csv:1: the header lacks the column\(s\) time"):
        rows_of("ticket,event\nT-1,opened\n")


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(EventLogError, match="empty"):
        rows_of("")


def test_json_lines() -> None:
    text = (
        '{"ticket": "T-1", "time": "2026-04-30T17:30+03:00", "event": "opened", '
        '"level": "partner.standard"}\n'
        "\n"
        '{"ticket": 2, "time": "2026-04-30T17:31+03:00", "event": "opened", '
        '"level": "partner.standard", "coverage": "business"}\n'
        "[1, 2]\n"
        "{not json\n"
    )
    rows = list(read_rows(io.StringIO(text), source="log.jsonl"))
    assert [r.line for r in rows] == [1, 3, 4, 5]
    assert isinstance(rows[1], Row)
    assert rows[1].ticket == "2"
    assert isinstance(rows[2], BadRow)
    assert "not a JSON object" in rows[2].reason
    assert isinstance(rows[3], BadRow)


def test_format_is_guessed_from_the_first_character() -> None:
    text = '{"ticket": "T-1", "time": "2026-04-30T17:30+03:00", "event": "opened", "level": "x"}'
    (row,) = read_rows(io.StringIO(text), source="export.txt")
    assert isinstance(row, Row)


# -- grouping ----------------------------------------------------------------------------


def test_grouping_sorts_each_ticket_and_orders_tickets_by_opening() -> None:
    log = log_of(
        HEADER
        + "T-2,2026-05-04T10:00+03:00,responded,,,\n"
        + "T-1,2026-05-04T09:00+03:00,opened,partner.standard,,\n"
        + "T-2,2026-04-30T17:30+03:00,opened,partner.standard,,\n"
    )
    assert list(log.tickets) == ["T-2", "T-1"]
    assert [r.kind for r in log.tickets["T-2"]] == ["opened", "responded"]
    assert log.rows == 3
    assert log.skipped == 0
    assert log.last == datetime(2026, 5, 4, 10, tzinfo=MSK)


def test_events_before_the_opening_and_tickets_never_opened_are_bad_rows() -> None:
    log = log_of(
        HEADER
        + "T-1,2026-05-04T09:00+03:00,opened,partner.standard,,\n"
        + "T-1,2026-05-01T09:00+03:00,responded,,,\n"
        + "T-3,2026-05-01T09:00+03:00,responded,,,\n"
        + "T-1,2026-05-05T09:00+03:00,opened,partner.standard,,\n"
    )
    assert [(b.line, b.ticket) for b in log.bad] == [(3, "T-1"), (4, "T-3"), (5, "T-1")]
    assert "before ticket 'T-1' was opened" in log.bad[0].reason
    assert "has no 'opened' event" in log.bad[1].reason
    assert "already opened on line 2" in log.bad[2].reason
    assert list(log.tickets) == ["T-1"]
    assert len(log.tickets["T-1"]) == 1


def test_an_event_at_the_same_instant_as_the_opening_sorts_after_it() -> None:
    log = log_of(
        HEADER
        + "T-1,2026-05-04T09:00+03:00,responded,,,\n"
        + "T-1,2026-05-04T09:00+03:00,opened,partner.standard,,\n"
    )
    assert [r.kind for r in log.tickets["T-1"]] == ["opened", "responded"]
    assert not log.bad


def test_shards_split_the_tickets_and_keep_every_bad_row_once() -> None:
    text = HEADER + "".join(
        f"T-{i},2026-05-04T09:{i:02d}+03:00,opened,partner.standard,,\n" for i in range(40)
    ) + ",2026-05-04T09:00+03:00,opened,partner.standard,,\n"
    whole = log_of(text)
    parts = []
    for shard in range(2):
        def keep(ticket: str, shard: int = shard) -> bool:
            return zlib.crc32(ticket.encode()) % 2 == shard

        parts.append(log_of(text, keep=keep))
    assert sorted(t for p in parts for t in p.tickets) == sorted(whole.tickets)
    assert all(p.rows == whole.rows == 41 for p in parts)
    assert [b.line for b in whole.bad] == [42]


def test_reading_a_file_and_a_missing_one(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "log.csv"
    path.write_text(HEADER + "T-1,2026-05-04T09:00+03:00,opened,partner.standard,,\n",
                    encoding="utf-8")
    seen: list[int] = []
    log = EventLog.read(path, progress=seen.append)
    assert list(log.tickets) == ["T-1"]
    assert seen
    assert seen[-1] == len(path.read_text(encoding="utf-8"))
    with pytest.raises(EventLogError, match="cannot open"):
        EventLog.read(path.with_name("missing.csv"))


# -- writing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+7 999 123", "'+7 999 123"),
        ("-- crash", "'-- crash"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("-3600", "-3600"),
        ("+1.5", "+1.5"),
        ("T-1", "T-1"),
        ("", ""),
        (None, ""),
        (-7, "-7"),
    ],
)
def test_csv_safe(cell: object, safe: str) -> None:
    assert csv_safe(cell) == safe


def test_durations() -> None:
    assert format_duration(timedelta(hours=50, minutes=30)) == "50:30:00"
    assert format_duration(timedelta(seconds=1, microseconds=5)) == "0:00:01.000005"
    assert whole_seconds(timedelta(seconds=-1.5)) == -1
    assert whole_seconds(timedelta(seconds=1.5)) == 1


# -- nothing lost, nothing injected ------------------------------------------------------

STRAY = (
    "ticket,time,event,level,detail\n"
    'T-1,2026-04-30T17:30+03:00,opened,partner.standard,"Screen is 5"" wide\n'
    "T-2,2026-04-30T17:31+03:00,opened,partner.standard,fine\n"
    'T-3,2026-04-30T17:32+03:00,opened,partner.standard,"two\nlines"\n'
    "T-4,2026-04-30T17:33+03:00,opened,partner.standard,ok\n"
    'T-5,2026-04-30T17:34+03:00,opened,partner.standard,"Screen is 6"" wide\n'
    "T-6,2026-04-30T17:35+03:00,opened,partner.standard,ok\n"
)


def test_a_stray_quote_is_one_bad_row_and_the_rows_after_it_are_read() -> None:
    rows = rows_of(STRAY)
    assert [(r.line, r.ticket, type(r)) for r in rows] == [
        (2, "T-1", BadRow), (3, "T-2", Row), (4, "T-3", Row), (6, "T-4", Row),
        (7, "T-5", BadRow), (8, "T-6", Row),
    ]
    first, last = rows[0], rows[4]
    assert isinstance(first, BadRow)
    assert isinstance(last, BadRow)
    assert "never closed: it runs on into line 3, which reads as a row" in first.reason
    assert "never closed: it runs to the end of the file" in last.reason


def test_a_stray_quote_at_the_end_of_the_file_is_a_bad_row() -> None:
    (good, bad) = rows_of(HEADER + "T-1,2026-04-30T17:30+03:00,opened,partner.standard,,\n"
                          + 'T-1,2026-04-30T18:00+03:00,responded,,"Fixed it\n')
    assert isinstance(good, Row)
    assert isinstance(bad, BadRow)
    assert (bad.line, bad.ticket) == (3, "T-1")


def test_a_comment_over_many_lines_reads() -> None:
    comment = "\n".join(f"step {i}: it says 'opened', then nothing" for i in range(50))
    (row,) = rows_of(HEADER + f'T-1,2026-04-30T17:30+03:00,opened,partner.standard,"{comment}",\n')
    assert isinstance(row, Row)
    assert row.detail == comment


def test_a_quoted_field_past_the_line_limit_is_a_bad_row_and_its_lines_are_read_again() -> None:
    text = (HEADER + 'T-1,2026-04-30T17:30+03:00,opened,partner.standard,"runs on\n'
            + "no row here\n" * 10 + "T-2,2026-04-30T17:31+03:00,opened,partner.standard,,\n")
    rows = rows_of(text, limits=ReadLimits(field_lines=5))
    assert isinstance(rows[0], BadRow)
    assert rows[0].line == 2
    assert "runs on past 5 lines" in rows[0].reason
    assert isinstance(rows[-1], Row)
    assert (rows[-1].ticket, rows[-1].line) == ("T-2", 13)


def test_a_quoted_field_past_the_size_limit_is_a_bad_row() -> None:
    long_line = "x" * 2**19 + "\n"
    text = (HEADER + 'T-1,2026-04-30T17:30+03:00,opened,partner.standard,"runs on\n'
            + long_line * 3 + "T-2,2026-04-30T17:31+03:00,opened,partner.standard,,\n")
    rows = rows_of(text, limits=ReadLimits(field_chars=2**20))
    assert isinstance(rows[0], BadRow)
    assert "runs past 1 MB" in rows[0].reason
    assert isinstance(rows[-1], Row)
    assert rows[-1].ticket == "T-2"


def test_a_field_over_128_kb_keeps_its_ticket() -> None:
    import csv

    previous = csv.field_size_limit(128 * 1024)  # the csv module's default
    try:
        comment = "long comment " * 20_000  # 260 KB on one line
        (row,) = rows_of(HEADER + f"T-1,2026-04-30T17:30+03:00,opened,partner.standard,"
                         f"{comment},\n")
    finally:
        csv.field_size_limit(previous)
    assert isinstance(row, Row)
    assert row.detail == comment.strip()


def test_reading_a_log_leaves_the_csv_modules_field_limit_as_it_was_found(
    tmp_path: Path,
) -> None:
    """Named case (issue 20): the reader raised the csv module's field limit, which is the
    whole process's, to read long comments. It reads with a limit of its own now, and
    each reader may have its own."""
    import csv

    previous = csv.field_size_limit(128 * 1024)  # the csv module's default
    try:
        comment = "long comment " * 20_000  # 260 KB on one line
        path = tmp_path / "log.csv"
        path.write_text(HEADER + f"T-1,2026-04-30T17:30+03:00,opened,partner.standard,"
                        f"{comment},\n", encoding="utf-8")
        assert EventLog.read(path).tickets["T-1"][0].detail == comment.strip()
        assert csv.field_size_limit() == 128 * 1024
        # A field limit under the comment, a line limit (twice it) over the line.
        (bad,) = rows_of(path.read_text(encoding="utf-8"),
                         limits=ReadLimits(field_chars=200_000))
        assert isinstance(bad, BadRow)
        assert "field larger than field limit (200000)" in bad.reason
        assert csv.field_size_limit() == 128 * 1024
    finally:
        csv.field_size_limit(previous)


def test_duplicated_rows_are_reported_not_merged() -> None:
    log = log_of(
        HEADER
        + "T-1,2026-04-30T17:30+03:00,opened,partner.standard,,\n"
        + "T-1,2026-04-30T17:30+03:00,opened,partner.standard,,\n"
        + "T-1,2026-05-04T10:00+03:00,responded,,first,\n"
        + "T-1,2026-05-04T07:00Z,responded,,the same instant in UTC,\n"
        + "T-1,2026-05-04T10:00+03:00,waiting,,not a duplicate: another event,\n"
    )
    assert [r.line for r in log.tickets["T-1"]] == [2, 4, 6]
    assert [(b.line, b.reason, b.ticket) for b in log.bad] == [
        (3, "duplicate of line 2 (the same ticket, time, event and values)", "T-1"),
        (5, "duplicate of line 4 (the same ticket, time, event and values)", "T-1"),
    ]


def test_rows_alike_but_for_their_level_are_not_duplicates() -> None:
    log = log_of(
        HEADER
        + "T-1,2026-04-30T17:30+03:00,opened,partner.standard,,\n"
        + "T-1,2026-05-04T10:00+03:00,level_changed,partner.emergency,,\n"
        + "T-1,2026-05-04T10:00+03:00,level_changed,commercial.standard,,\n"
    )
    assert len(log.tickets["T-1"]) == 3
    assert log.bad == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"ticket": "T-\\ud800", "time": "2026-04-30T17:30+03:00", "event": "opened", '
         '"level": "partner.standard"}', "'ticket' value holds a lone surrogate escape"),
        ('{"ticket": "T-1", "time": "2026-04-30T17:30+03:00", "event": "opened", '
         '"level": "partner.standard", "detail": "\\udfff"}', "'detail' value holds a lone"),
    ],
)
def test_json_lines_that_cannot_be_read_are_bad_rows(text: str, reason: str) -> None:
    good = '{"ticket": "T-2", "time": "2026-04-30T17:30+03:00", "event": "opened", ' \
           '"level": "partner.standard", "detail": "\\ud83d\\ude00"}'
    bad, row = rows_of(text + "\n" + good + "\n", fmt="jsonl")
    assert isinstance(bad, BadRow)
    assert bad.line == 1
    assert reason in bad.reason
    assert isinstance(row, Row)
    assert row.detail == "\N{GRINNING FACE}"  # a surrogate pair is one character


def test_json_lines_keys_are_matched_without_regard_to_case() -> None:
    (row,) = rows_of('{"Ticket": "T-1", "TIME": "2026-04-30T17:30+03:00", " Event ": "opened",'
                     ' "Level": "partner.standard", "Coverage": "24x7"}\n', fmt="jsonl")
    assert isinstance(row, Row)
    assert (row.ticket, row.kind, row.level, row.coverage) == (
        "T-1", "opened", "partner.standard", "24x7")


def test_a_directory_and_a_fifo_are_not_logs(tmp_path: Path) -> None:
    check_log_path("-")
    (tmp_path / "log.csv").write_text(HEADER, encoding="utf-8")
    check_log_path(str(tmp_path / "log.csv"))
    with pytest.raises(EventLogError, match="is a directory: give the log file in it"):
        check_log_path(str(tmp_path))
    with pytest.raises(EventLogError, match="is a directory"):
        EventLog.read(tmp_path)
    with pytest.raises(EventLogError, match=r"log\.csv\.gz: no such file"):
        check_log_path(str(tmp_path / "log.csv.gz"))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(EventLogError, match="is a named pipe: save the log to a file"):
        check_log_path(str(fifo))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("T-1", "T-1"),
        ("Тикет 7 ✓", "Тикет 7 ✓"),
        ("T-1\x1b[31m", "T-1\\x1b[31m"),
        ("T-1\nslaclock: forged line", "T-1\\nslaclock: forged line"),
        ("T-\u202e1-T", "T-\\u202e1-T"),
        ("T-\ud800", "T-\\ud800"),
        ("\r\t\x7f\x9b", "\\r\\t\\x7f\\x9b"),
    ],
)
def test_printable_escapes_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable(text).isprintable()


def test_printable_cuts_long_text() -> None:
    assert printable("x" * 500) == "x" * 200 + "..."
    assert printable("x" * 500, limit=None) == "x" * 500


def test_a_time_at_the_end_of_the_calendar_in_a_shared_offset_is_a_bad_row_not_a_crash(
    tmp_path: Path,
) -> None:
    """Named case: 9999-12-31T22:00-05:00 is past year 9999 in UTC; the reader shares the
    -05:00 zone of the row before without going through UTC."""
    log = tmp_path / "end.csv"
    log.write_text("ticket,time,event,level\n"
                   "A,2026-05-04T09:00:00-05:00,opened,partner.standard\n"
                   "B,9999-12-31T22:00:00-05:00,opened,partner.standard\n", encoding="utf-8")
    read = EventLog.read(log)
    assert read.tickets["B"][0].at.isoformat() == "9999-12-31T22:00:00-05:00"
    assert read.tickets["B"][0].at.tzinfo is read.tickets["A"][0].at.tzinfo


def test_a_log_read_to_be_split_keeps_no_ticket_id(tmp_path: Path) -> None:
    """Named case: splitting remembers no id of the tickets it has seen (its memory does
    not grow with them), and a thousand buckets need no thousand open files."""
    check = RowChecker(None, share_ids=False)
    assert isinstance(check("1", "T-1", "2026-05-04T09:00+03:00", "opened", "x"), Row)
    assert not check.ids
    log = tmp_path / "log.csv"
    log.write_text("ticket,time,event,level\n" + "".join(
        f"T-{i},2026-05-04T09:00:00+03:00,opened,partner.standard\n" for i in range(3000)),
        encoding="utf-8")
    split = split_log(log, tmp_path, 1000)
    assert split.rows == 3000
    assert sum(len(EventLog.from_bucket(b).tickets) for b in split.buckets) == 3000


# -- the cyclic garbage collector ----------------------------------------------------------


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_a_log_leaves_the_collector_as_it_was_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    """Named case (issue 20): a library call changes nothing of the process; the pause of
    the cyclic collector belongs to the command (test_cli_report)."""
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "T-1,2026-05-04T09:00+03:00,opened,partner.standard,,\n",
                    encoding="utf-8")
    seen: list[bool] = []
    grouping = _log.check_ticket

    def spy(*args: Any) -> list[Row]:
        seen.append(gc.isenabled())
        return grouping(*args)

    monkeypatch.setattr(_log, "check_ticket", spy)
    before = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        EventLog.read(path)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if before else gc.disable)()
    assert seen == [enabled]


# -- one vocabulary ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_row_is_refused_when_the_event_it_says_is_and_only_then(kind: str) -> None:
    """Named case (issue 20): the reader checked some of the vocabulary's rules itself, and
    let through rows whose event refused them (an author or a status on an opening). Both
    read one vocabulary now: a row is refused when the event it says is. (The reader's own
    leniency stays: it ignores the level column on a kind that takes no level, and a
    'field' row must name a field.)"""
    from slaclock import Event, EventError
    from slaclock.sla import VOCABULARY

    takes_level = VOCABULARY[kind].level != "refuses"
    at = "2026-05-04T09:00:00+03:00"
    for level, status, author, fields in itertools.product(
        (None, "partner.standard"), (None, "open"), (None, "desk", "bot"),
        (None, {"priority": "high"}),
    ):
        if kind == "field" and level is None and fields is None:
            continue  # a field row names the field it changes
        row: dict[str, Any] = {"ticket": "T", "time": at, "event": kind, "level": level,
                               "status": status, "author": author, "fields": fields}
        (read,) = rows_of(json.dumps(row) + "\n", fmt="jsonl")
        refused: str | None = None
        try:
            Event("T", datetime.fromisoformat(at), kind,  # type: ignore[arg-type]
                  level=level if takes_level else None, status=status,
                  author=author, fields=fields or {})  # type: ignore[arg-type]
        except EventError as error:
            refused = str(error)
        if refused is None:
            assert isinstance(read, Row), (row, read)
        else:
            assert isinstance(read, BadRow), (row, refused)
            assert refused.startswith(read.reason.replace(" row", " event")), row


def test_a_report_of_a_log_changes_nothing_of_the_process(tmp_path: Path) -> None:
    """Named case (issue 20): slaclock.report() of a file paused the cyclic collector for
    every thread while it read, and raised the csv module's field limit for good. A library
    call changes neither now."""
    import csv

    import slaclock

    path = tmp_path / "log.csv"
    row = ("T-1,2026-05-04T09:00+03:00,opened,partner.standard,"
           + "long comment " * 20_000 + ",\n")
    # Twice: a ticket's rows are put in order by the one rule, read by rows or in columns.
    path.write_text(HEADER + row + row, encoding="utf-8")
    seen: list[bool] = []
    grouping = _log.check_ticket

    def spy(*args: Any) -> list[Row]:
        seen.append(gc.isenabled())
        return grouping(*args)

    previous = csv.field_size_limit(128 * 1024)
    try:
        with pytest.MonkeyPatch.context() as patch:
            from slaclock.reporting import _columns_read

            patch.setattr(_log, "check_ticket", spy)
            patch.setattr(_columns_read, "check_ticket", spy)  # the log read in columns
            assert gc.isenabled()
            got = slaclock.report(path, at=datetime(2026, 5, 4, 12, tzinfo=MSK))
        assert list(got.tickets) == ["T-1"]
        assert seen == [True]
        assert gc.isenabled()
        assert csv.field_size_limit() == 128 * 1024
    finally:
        csv.field_size_limit(previous)
