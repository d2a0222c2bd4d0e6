"""A report's rows: one per clock of each ticket, in the columns :data:`METRIC_COLUMNS`,
as values (:func:`metric_rows`, read by ``Report.to_pandas``) and as the text
``slaclock report`` writes (:class:`MetricWriter`: CSV rows, or a ticket's JSON object).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from slaclock.logs import csv_safe, format_time
from slaclock.sla import TicketStatus

__all__ = ["METRIC_COLUMNS", "MetricWriter", "metric_rows"]

#: The columns of one clock of one ticket: ``Report.to_pandas()`` and
#: ``slaclock report --format csv``.
METRIC_COLUMNS = (
    "ticket", "level", "coverage", "ticket_state", "opened", "metric", "cycle", "state",
    "start", "deadline", "target_seconds", "elapsed_seconds", "remaining_seconds", "used",
    "met_at", "breached_at", "at_risk", "breached",
)
_SECOND = timedelta(seconds=1)


def metric_rows(status: TicketStatus) -> Iterator[tuple[Any, ...]]:
    """The rows of :data:`METRIC_COLUMNS` for one ticket: one per clock, as values
    (instants as datetimes, durations in whole seconds, rounded down)."""
    for m in status.metrics:
        yield (
            status.ticket, status.level, status.coverage, status.state, status.opened,
            m.metric, m.cycle, m.state, m.start, m.deadline, _whole(m.target),
            _whole(m.elapsed), _whole(m.remaining), m.used, m.met_at, m.breached_at,
            m.at_risk, m.state == "breached",
        )


def _whole(value: timedelta | None) -> int | None:
    return None if value is None else value // _SECOND


_BOOL = {False: "false", True: "true"}


class MetricWriter:
    """The text of a report's rows, as ``slaclock report`` writes them: CSV (``"csv"``:
    the rows of :func:`metric_rows`, RFC 4180 with CRLF line ends, free text made safe
    for spreadsheets by :func:`~slaclock.logs.csv_safe`; instants in ISO 8601, ``used``
    to four places, booleans as ``true``/``false``, missing values empty) or JSON
    (``"json"``: a ticket's :meth:`~slaclock.TicketStatus.to_json`).

    One writer per stream (it keeps a buffer): not to be shared between threads.
    """

    def __init__(self, fmt: str) -> None:
        if fmt not in ("csv", "json"):
            raise ValueError(f"no metric rows in the format {fmt!r}: 'csv' or 'json'")
        self.fmt = fmt
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer)

    @property
    def header(self) -> str:
        """The CSV header line (empty for JSON, whose tickets the caller places)."""
        return ",".join(METRIC_COLUMNS) + "\r\n" if self.fmt == "csv" else ""

    def ticket(self, status: TicketStatus) -> str:
        """One ticket's text: its CSV rows, or its JSON object."""
        if self.fmt == "json":
            return status.to_json()
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._csv.writerows(map(_csv_cells, metric_rows(status)))
        return buffer.getvalue()


def _csv_cells(row: tuple[Any, ...]) -> tuple[str, ...]:
    """A row of :func:`metric_rows` as the CSV's cells; only the ticket id and the level
    are free text (made safe for spreadsheets), the others are times, numbers and fixed
    words."""
    (ticket, level, coverage, ticket_state, opened, metric, cycle, state, start, deadline,
     target, elapsed, remaining, used, met_at, breached_at, at_risk, breached) = row
    return (
        csv_safe(ticket), csv_safe(level), coverage or "", ticket_state, format_time(opened),
        metric, str(cycle), state, format_time(start), _time(deadline), _number(target),
        _number(elapsed), _number(remaining), "" if used is None else f"{used:.4f}",
        _time(met_at), _time(breached_at), _BOOL[at_risk], _BOOL[breached],
    )


def _time(value: datetime | None) -> str:
    return "" if value is None else format_time(value)


def _number(value: int | None) -> str:
    return "" if value is None else str(value)
