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
- ``_buckets``: a large log split by ticket;
- ``_log``: a log grouped by ticket (:class:`EventLog`).
"""

from slaclock.logs._buckets import Split, bucket_of, read_bucket, split_log
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
    "ReadLimits",
    "Row",
    "RowChecker",
    "Split",
    "TimeReader",
    "bucket_of",
    "check_log_path",
    "check_ticket",
    "clean",
    "csv_safe",
    "format_duration",
    "format_time",
    "general_columns",
    "header_names",
    "localize",
    "parse_time",
    "parse_zone",
    "pattern_hint",
    "printable",
    "read_bucket",
    "read_rows",
    "separated_by",
    "signed_date",
    "split_log",
    "swapped_day_and_month",
    "time_format_for",
    "whole_seconds",
    "working_hours",
]
