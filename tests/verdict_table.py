"""A sample's verdicts worked out by hand, in a CSV beside it (examples/*_expected.csv: one
line per ticket with its level, state, each metric's state and elapsed working time as
H:MM, and the arithmetic), checked against a report's clocks (import_samples.clocks)."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import slaclock
from import_samples import clocks


def _hours(text: str) -> timedelta:
    hours, minutes = text.split(":")
    return timedelta(hours=int(hours), minutes=int(minutes))


def assert_verdicts(report: slaclock.Report, table: Path, metrics: tuple[str, str]) -> int:
    """The report's tickets are the table's, each with the level, state and two metrics
    it gives; returns how many tickets the table holds."""
    with table.open(encoding="utf-8") as file:
        expected = {
            row["ticket"]: (row["level"], row["state"],
                            *((row[m], _hours(row[f"{m}_elapsed"])) for m in metrics))
            for row in csv.DictReader(file)
        }
    assert clocks(report, *metrics) == expected
    return len(expected)
