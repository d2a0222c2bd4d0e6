"""Event logs: reading a ticket log (CSV or JSON lines) into checked rows grouped by
ticket, the time parser, the bucket files a large log is split into, and the text forms a
report writes.

It reads the SLA model's vocabulary and nothing above it. What the other wings use of it
is named here.
"""

from slaclock.logs._eventlog import (
    BadRow,
    EventLog,
    EventLogError,
    LogFormat,
    Row,
    Split,
    _general,
    _localize,
    bucket_of,
    check_log_path,
    csv_safe,
    format_duration,
    format_time,
    parse_time,
    parse_zone,
    printable,
    split_log,
    whole_seconds,
)

__all__ = [
    "BadRow",
    "EventLog",
    "EventLogError",
    "LogFormat",
    "Row",
    "Split",
    "_general",
    "_localize",
    "bucket_of",
    "check_log_path",
    "csv_safe",
    "format_duration",
    "format_time",
    "parse_time",
    "parse_zone",
    "printable",
    "split_log",
    "whole_seconds",
]
