"""Event logs: reading a ticket log (CSV or JSON lines) into checked rows grouped by
ticket, the one time parser, the bucket files a large log is split into, and the text
forms a report writes.

It reads the SLA model's vocabulary and nothing above it. What the other wings use of it
is named here. Its modules, from the bottom up:

- ``_times``: times as every source writes them (:func:`parse_time`);
- ``_text``: text a report writes (printable, spreadsheet-safe, instants, durations);
- ``_rows``: the format's columns, a row checked (:class:`RowChecker`), :class:`Row`,
  :class:`BadRow`, :class:`EventLogError`;
- ``_csv``: a CSV log's records, within a reader's own :class:`ReadLimits`;
- ``_reader``: a log's rows (:func:`read_rows`) and its file;
- ``_buckets``: a large log split by ticket, whole or a byte range at a time;
- ``_log``: a log grouped by ticket (:class:`EventLog`).
"""

from slaclock.logs._buckets import (
    Ranges,
    RangeSplit,
    Split,
    bucket_of,
    byte_ranges,
    line_offsets,
    merge_ranges,
    part_path,
    read_bucket,
    read_parts,
    split_log,
    split_range,
)
from slaclock.logs._csv import ReadLimits, header_names, separated_by
from slaclock.logs._log import EventLog, check_ticket
from slaclock.logs._reader import check_log_path, read_rows
from slaclock.logs._rows import (
    COLUMNS,
    BadRow,
    EventLogError,
    LogFormat,
    Row,
    RowChecker,
    clean,
    general_columns,
    signed_date,
)
from slaclock.logs._text import (
    csv_safe,
    format_duration,
    format_time,
    printable,
    whole_seconds,
    working_hours,
)
from slaclock.logs._times import (
    TimeReader,
    localize,
    parse_time,
    parse_zone,
    pattern_hint,
    swapped_day_and_month,
    time_format_for,
)

__all__ = [
    "COLUMNS",
    "BadRow",
    "EventLog",
    "EventLogError",
    "LogFormat",
    "RangeSplit",
    "Ranges",
    "ReadLimits",
    "Row",
    "RowChecker",
    "Split",
    "TimeReader",
    "bucket_of",
    "byte_ranges",
    "check_log_path",
    "check_ticket",
    "clean",
    "csv_safe",
    "format_duration",
    "format_time",
    "general_columns",
    "header_names",
    "line_offsets",
    "localize",
    "merge_ranges",
    "parse_time",
    "parse_zone",
    "part_path",
    "pattern_hint",
    "printable",
    "read_bucket",
    "read_parts",
    "read_rows",
    "separated_by",
    "signed_date",
    "split_log",
    "split_range",
    "swapped_day_and_month",
    "time_format_for",
    "whole_seconds",
    "working_hours",
]
