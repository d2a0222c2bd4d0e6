"""What the tests of the helpdesk samples (test_import_*.py) share: an instant of June
2026 in UTC, and each ticket of a report as its level, state and clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import slaclock

#: A clock: its state and the working time elapsed.
Clock = tuple[str, timedelta]


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    """``day`` June 2026 at ``hour:minute`` UTC (Monday is the 1st)."""
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


def clocks(report: slaclock.Report, *metrics: str
           ) -> dict[str, tuple[str | None, str, Clock, Clock]]:
    """Each ticket's level, state, and its two ``metrics``: (state, elapsed)."""
    first, second = metrics
    return {
        ticket: (status.level, status.state,
                 (status.metric(first).state, status.metric(first).elapsed),
                 (status.metric(second).state, status.metric(second).elapsed))
        for ticket, status in report.tickets.items()
    }
