"""What a report found (:class:`Report`), and the steps every report takes around its
replay, whichever its input: the report's instant, and the report made of the replay's
tally (the rows left out in line order, the policy's goals and levels).
"""

from __future__ import annotations

import html
import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from slaclock._errors import EventError
from slaclock.logs import BadRow
from slaclock.reporting._replay import Tally
from slaclock.reporting._rows import METRIC_COLUMNS, metric_rows
from slaclock.reporting._summary import _COUNTS, Summary, _pandas, html_table, percent_of
from slaclock.sla import RegulationVersions, TicketStatus, desk_zone

if TYPE_CHECKING:
    import matplotlib.figure
    import pandas

__all__ = ["Report", "finish", "goals_and_levels", "report_instant"]


@attrs.define
class Report:
    """What :func:`report` found.

    Attributes:
        at: the instant of every status (in the desk's zone).
        tickets: ticket id to its :class:`~slaclock.TicketStatus`, in the order the
            tickets opened.
        rejected: the events (or log rows) left out, each with its line (or position in
            the input, from 1) and reason, in input order.
        summary: the :class:`Summary` of the tickets.
        events: how many events (or rows) were read.
        after_at: how many of them come after ``at`` and were not replayed.
        not_yet_opened: how many tickets open after ``at``.
        goals: the policy's compliance goal of each level that sets one.
        levels: the policy's levels, in its order.
    """

    at: datetime
    tickets: dict[str, TicketStatus]
    rejected: list[BadRow]
    summary: Summary
    events: int
    after_at: int = 0
    not_yet_opened: int = 0
    goals: dict[str, float] = attrs.Factory(dict)
    levels: tuple[str, ...] = ()

    def plot(self, path: str | os.PathLike[str] | None = None) -> matplotlib.figure.Figure:
        """The compliance chart: per month opened, the share of each level's decided
        tickets that met every target, one line per level, its goal dashed; a month of
        fewer than 5 decided tickets a hollow point. A notebook shows the figure it
        returns; ``path`` also saves it (the format by the name's extension: ``.png``,
        ``.svg``, ``.pdf``).

        Needs matplotlib (``pip install "slaclock[plot]"``).
        """
        from ._chart import compliance_figure

        fig = compliance_figure(self.summary, goals=self.goals, order=self.levels)
        if path is not None:
            fig.savefig(path)
        return fig

    @property
    def breached(self) -> int:
        """How many tickets breached some clock."""
        return self.summary.breached

    def __repr__(self) -> str:
        left = len(self.rejected)
        return (
            f"<Report at {self.at.isoformat()}: {len(self.tickets):,} tickets, "
            f"{self.breached:,} breached; {self.events:,} events read, {left:,} "
            f"row{'' if left == 1 else 's'} left out>"
        )

    def _repr_html_(self) -> str:
        """A notebook's view: the report's instant and counts, the summary per level
        (with the policy's goals), and where the rest is."""
        data = self.summary.as_dict()
        header = ["level", "tickets", "met", "breached", "in progress", "at risk",
                  "compliance", "goal"]
        goals = self.goals
        rows = [[lv["level"], *(f"{lv[c]:,}" for c in _COUNTS),
                 percent_of(lv["met"], lv["met"] + lv["breached"]),
                 f"{goals[lv['level']]:.1%}" if lv["level"] in goals else ""]
                for lv in sorted(data["levels"], key=lambda lv: self._level_rank(lv["level"]))]
        rows.append(["all", *(f"{data[c]:,}" for c in _COUNTS),
                     percent_of(data["met"], data["met"] + data["breached"]), ""])
        left = len(self.rejected)
        head = (
            f"<p><b>SLA report</b> at {html.escape(self.at.isoformat())}: "
            f"{len(self.tickets):,} tickets, {self.events:,} events read, {left:,} "
            f"row{'' if left == 1 else 's'} left out (<code>.rejected</code>)</p>"
        )
        foot = ("<p>Per ticket and clock: <code>.to_pandas()</code>; per level and month or "
                "metric: <code>.summary.to_pandas(by=...)</code>; the chart: "
                "<code>.plot()</code>.</p>")
        return head + html_table(header, rows) + foot

    def _level_rank(self, level: str) -> tuple[int, str]:
        return (self.levels.index(level) if level in self.levels else len(self.levels), level)

    def to_pandas(self) -> pandas.DataFrame:
        """One row per clock of each ticket, with the columns of ``slaclock report
        --format csv`` (``slaclock.reporting.METRIC_COLUMNS``): instants as
        tz-aware timestamps, durations in whole seconds (nullable integers: missing where
        the clock has no target).

        Needs pandas (``pip install "slaclock[pandas]"``).
        """
        pd = _pandas()
        rows = [row for status in self.tickets.values() for row in metric_rows(status)]
        frame = pd.DataFrame(rows, columns=list(METRIC_COLUMNS))
        for column in ("opened", "start", "deadline", "met_at", "breached_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(self.at.tzinfo)
        for column in ("target_seconds", "elapsed_seconds", "remaining_seconds"):
            frame[column] = frame[column].astype("Int64")  # whole seconds, or missing
        return frame


def report_instant(
    policy: RegulationVersions, at: datetime | None, last: int | None, rejected: list[BadRow]
) -> datetime:
    """The report's instant in the desk's zone: ``at``, else the latest event's (``last``,
    UTC microseconds).

    Raises:
        EventError: without ``at``, for a log that holds no event: it says the first row
            refused, if any was.
    """
    if at is None:
        if last is None:
            if rejected:
                first = min(rejected, key=lambda b: b.line)
                raise EventError(
                    f"no event to report on: {len(rejected)} "
                    f"row{'s' if len(rejected) != 1 else ''} refused, the first on line "
                    f"{first.line}: {first.reason}"
                )
            raise EventError("the log holds no events to report on")
        at = datetime.fromtimestamp(0, UTC) + timedelta(microseconds=last)
    return at.astimezone(desk_zone(policy))


def finish(
    policy: RegulationVersions, at: datetime, tickets: dict[str, TicketStatus], tally: Tally,
    rows: int, strict: bool,
) -> Report:
    """The :class:`Report` of a replay: the rows left out in line order (with ``strict``,
    the first raised as an :class:`EventError` naming its line)."""
    rejected = tally.rejected
    rejected.sort(key=lambda b: b.line)
    if strict and rejected:
        raise EventError(f"line {rejected[0].line}: {rejected[0].reason}")
    assert tally.summary is not None
    return Report(at, tickets, rejected, tally.summary, rows, tally.after_at,
                  tally.not_yet_opened, *goals_and_levels(policy))


def goals_and_levels(versions: RegulationVersions) -> tuple[dict[str, float], tuple[str, ...]]:
    """The compliance goals of the policy's levels (the latest version's that sets one),
    and its levels in order (:attr:`~slaclock.RegulationVersions.level_keys`)."""
    goals: dict[str, float] = {}
    for version in reversed(versions.versions):
        for key, level in version.levels.items():
            if level.compliance is not None:
                goals.setdefault(key, level.compliance)
    return goals, versions.level_keys
