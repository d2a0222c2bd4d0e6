"""A sample's verdicts worked out by hand, in a CSV beside it (examples/*_expected.csv: one
line per ticket with its level, state, each metric's state and elapsed working time as
H:MM, and the arithmetic), checked against a report."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import slaclock


def _hours(text: str) -> timedelta:
    hours, minutes = text.split(":")
    return timedelta(hours=int(hours), minutes=int(minutes))


def assert_verdicts(report: slaclock.Report, table: Path, metrics: tuple[str, ...]) -> int:
    """Each ticket of ``table`` has the level, state and metrics it gives, and the report
    has no other ticket; returns how many tickets the table holds."""
    with table.open(encoding="utf-8") as file:
        expected = list(csv.DictReader(file))
    assert sorted(report.tickets) == sorted(row["ticket"] for row in expected)
    for row in expected:
        status = report.tickets[row["ticket"]]
        assert (status.level, status.state) == (row["level"], row["state"]), row
        for metric in metrics:
            found = status.metric(metric)
            assert (found.state, found.elapsed) == (
                row[metric], _hours(row[f"{metric}_elapsed"])), (metric, row)
    return len(expected)
