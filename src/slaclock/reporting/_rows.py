"""A report's rows: one per clock of each ticket, in the columns :data:`METRIC_COLUMNS`,
as values (:func:`metric_rows`, read by ``Report.to_pandas``) and as the text
``slaclock report`` writes (:class:`MetricWriter`: CSV rows, or a ticket's JSON object).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slaclock.logs import csv_safe, format_time
from slaclock.sla import MetricStatus, TicketStatus

__all__ = ["METRIC_COLUMNS", "MetricWriter", "metric_rows"]

#: The columns of one clock of one ticket: ``Report.to_pandas()`` and
#: ``slaclock report --format csv``.
METRIC_COLUMNS = (
    "ticket", "level", "coverage", "ticket_state", "opened", "metric", "cycle", "state",
    "start", "deadline", "target_seconds", "elapsed_seconds", "remaining_seconds", "used",
    "met_at", "breached_at", "at_risk", "breached",
)
_SECOND = timedelta(seconds=1)


def metric_rows(status: TicketStatus) -> list[tuple[Any, ...]]:
    """The rows of :data:`METRIC_COLUMNS` for one ticket: one per clock, as values
    (instants as datetimes, durations in whole seconds, rounded down)."""
    head = (status.ticket, status.level, status.coverage, status.state, status.opened)
    return [head + _clock(m) for m in status.metrics]


def _clock(m: MetricStatus) -> tuple[Any, ...]:
    """The columns of one clock (:data:`METRIC_COLUMNS` from ``metric`` on)."""
    target, elapsed, remaining, second = m.target, m.elapsed, m.remaining, _SECOND
    return (
        m.metric, m.cycle, m.state, m.start, m.deadline,
        None if target is None else target // second,
        None if elapsed is None else elapsed // second,
        None if remaining is None else remaining // second,
        m.used, m.met_at, m.breached_at, m.at_risk, m.state == "breached",
    )


_BOOL = {False: "false", True: "true"}


class MetricWriter:
    """The text of a report's rows, as ``slaclock report`` writes them: CSV (``"csv"``:
    the rows of :func:`metric_rows`, RFC 4180 with CRLF line ends, the free text made
    safe for spreadsheets by :func:`~slaclock.logs.csv_safe`; instants in ISO 8601,
    ``used`` to four places, booleans as ``true``/``false``, missing values empty) or JSON
    (``"json"``: a ticket's :meth:`~slaclock.TicketStatus.to_json`).

    The csv module quotes the cells that are text from the log or the policy (the ticket
    id, the level, the metric's name); the others are times, numbers and fixed words,
    which never need quoting. One writer per stream (it keeps a buffer): not to be shared
    between threads.
    """

    def __init__(self, fmt: str) -> None:
        if fmt not in ("csv", "json"):
            raise ValueError(f"no metric rows in the format {fmt!r}: 'csv' or 'json'")
        self.fmt = fmt
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer)
        #: The CSV text of each level, and of each metric's name, met (a policy's few).
        self._texts: dict[str, str] = {}
        self._names: dict[str, str] = {}

    @property
    def header(self) -> str:
        """The CSV header line (empty for JSON, whose tickets the caller places)."""
        return self._quoted(METRIC_COLUMNS) + "\r\n" if self.fmt == "csv" else ""

    def ticket(self, status: TicketStatus) -> str:
        """One ticket's text: its CSV rows, or its JSON object."""
        if self.fmt == "json":
            return status.to_json()
        texts = self._texts
        level = texts.get(status.level)
        if level is None:
            level = texts[status.level] = self._quoted((csv_safe(status.level),))
        names = self._names
        opened = status.opened
        opened_text = format_time(opened)  # also a clock's start, when it is that instant
        head = ",".join((
            self._quoted((csv_safe(status.ticket),)), level, status.coverage or "",
            status.state, opened_text,
        ))
        lines = []
        for m in status.metrics:
            (metric, cycle, state, start, deadline, target, elapsed, remaining, used, met_at,
             breached_at, at_risk, breached) = _clock(m)
            name = names.get(metric)
            if name is None:
                name = names[metric] = self._quoted((csv_safe(metric),))
            lines.append(",".join((
                head, name, str(cycle), state,
                opened_text if start is opened else format_time(start), _time(deadline),
                _number(target), _number(elapsed), _number(remaining),
                "" if used is None else f"{used:.4f}", _time(met_at), _time(breached_at),
                _BOOL[at_risk], _BOOL[breached],
            )))
        lines.append("")
        return "\r\n".join(lines)

    def _quoted(self, cells: Sequence[str]) -> str:
        """Cells as the csv module writes them (quoted where they need it), joined."""
        if len(cells) == 1 and not cells[0]:
            return ""  # the csv module writes a row of one empty cell as ""
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._csv.writerow(cells)
        return buffer.getvalue()[:-2]


def _time(value: datetime | None) -> str:
    return "" if value is None else format_time(value)


def _number(value: int | None) -> str:
    return "" if value is None else str(value)
