"""The event log read into columns against the log reader, its reference: on random CSV logs
of the common shape with their usual faults (ids and levels in spaces, kinds in capitals,
coverages in any case, signing dates, ties, duplicates, second openings, rows before the
opening, tickets without one), what the columns hold is what the reader reads, row for row;
and a log it does not read in columns is said so (``None``), for the row reader to read."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slaclock.reporting._columns_read import read_columns
from slaclock.reporting._sources import read_source
from slaclock.sla import said

EXAMPLES = Path(__file__).parent.parent / "examples"
HEADER = "ticket,time,event,level,detail,coverage,customer,category,signed"

IDS = ("T1", "T2", " T3", "T4 ", "T-5", "t1")
KINDS = ("opened", "opened", "responded", "waiting", "customer_replied", "resolved",
         "reopened", "level_changed", "to_development", "Opened", " responded ")
LEVELS = ("partner.standard", "commercial.standard", " commercial.emergency", "")
COVERAGES = ("", "", "24x7", "Business")
CUSTOMERS = ("", "ACME", " acme ")
CATEGORIES = ("", "development")
SIGNED = ("", "", "2025-03-01", " 2026-01-15")
TIMES = (
    "2026-05-04T09:00:00+03:00", "2026-05-04T10:30:00+03:00", "2026-05-04T10:30:00+03:00",
    "2026-05-05T07:15:00.250000+00:00", "2026-05-05T12:00:00-04:00",
    "2026-05-06T09:00:00+05:30", "2026-05-06T09:00+03:00", "2026-05-06T06:00:00Z",
    "2026-05-07T18:59:59.000001+03:00",
)


@st.composite
def rows(draw: st.DrawFn) -> str:
    cells = [
        draw(st.sampled_from(IDS)), draw(st.sampled_from(TIMES)), draw(st.sampled_from(KINDS)),
        draw(st.sampled_from(LEVELS)), draw(st.sampled_from(("", "a subject", '"a, b"'))),
        draw(st.sampled_from(COVERAGES)), draw(st.sampled_from(CUSTOMERS)),
        draw(st.sampled_from(CATEGORIES)), draw(st.sampled_from(SIGNED)),
    ]
    return ",".join(cells)


def compare(path: Path) -> bool:
    """Whether the log was read in columns; if it was, that it reads as the reader reads
    it."""
    got = read_columns(str(path))
    if got is None:
        return False
    source = read_source(path, None)
    tickets = list(source.tickets)
    assert got.rejected == source.rejected
    assert (got.rows, got.last) == (source.rows, source.last)
    columns = got.columns
    assert columns.ids == [t.ticket for t in tickets]
    for j, t in enumerate(tickets):
        assert columns.signed[j] == t.signed
        assert [(line, said(e), e.at, e.signed) for line, e in columns.events(j)] == [
            (line, said(e), e.at, e.signed) for line, e in t.events]
        lines = [line for line, _ in t.events]
        assert int(columns.line[j]) == lines[0]
        a, b = int(columns.first[j]), int(columns.first[j + 1])
        assert b - a == len(t.events)
    return True


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(rows(), min_size=1, max_size=25), st.sampled_from(["\n", "\r\n"]))
def test_a_log_reads_in_columns_as_the_reader_reads_it(
    tmp_path: Path, lines: list[str], end: str
) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes((end.join([HEADER, *lines]) + end).encode())
    compare(path)


def test_the_shipped_log_reads_in_columns() -> None:
    assert compare(EXAMPLES / "tickets.csv")


def test_a_log_of_the_common_shape_with_faults_reads_in_columns(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("\n".join([
        HEADER,
        " T1 ,2026-05-04T09:00:00+03:00,Opened, partner.standard ,,24X7,ACME,,2025-03-01",
        "T1,2026-05-04T10:00:00+03:00,responded,,,,,,",
        "T1,2026-05-04T10:00:00+03:00,responded,,,,,,",  # a duplicate
        "T2,2026-05-04T08:00:00+03:00,responded,,,,,,",  # before its opening
        "T2,2026-05-04T09:30:00+03:00,opened,commercial.standard,,,,,",
        "T2,2026-05-04T09:45:00+03:00,opened,commercial.standard,,,,,",  # a second one
        "T3,2026-05-04T09:00:00+03:00,responded,,,,,,",  # no opening
    ]) + "\n")
    assert compare(path)
    got = read_columns(str(path))
    assert got is not None
    assert [b.line for b in got.rejected] == [4, 5, 7, 8]
    assert got.columns.ids == ["T1", "T2"]


def test_logs_of_other_shapes_are_left_to_the_row_reader(tmp_path: Path) -> None:
    def written(text: str, name: str = "log.csv") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    good = "T1,2026-05-04T09:00:00+03:00,opened,partner.standard\n"
    head = "ticket,time,event,level\n"
    assert read_columns(written(head + good)) is not None
    for text in (
        head + "\n" + good,  # a blank line
        head + good.replace("opened", "closed"),  # a row the reader refuses
        head + good.replace("+03:00", ""),  # a time without an offset
        head + good.replace("+03:00", "+24:00"),  # an offset of a day
        head + good.replace("09:00:00", "09:00:60"),  # a second too many
        head + good.replace("05-04", "02-30"),  # a day February has not
        head + 'T1,2026-05-04T09:00:00+03:00,opened,"partner\nstandard"\n',  # a quoted line end
        "ticket,time,event,status\n" + good.replace("partner.standard", "open"),  # general
        head + good.replace("\n", "\r"),  # a lone carriage return
        "ticket,time\n" + "T1,2026-05-04T09:00:00+03:00\n",  # a required column missing
    ):
        assert read_columns(written(text)) is None, text
    assert read_columns(written(head + good, "log.jsonl")) is None
