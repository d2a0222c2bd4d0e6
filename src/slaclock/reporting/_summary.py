"""A report's summary: counts per level, month and metric that add up across partitions
of a log, the clocks at risk and the worst breaches; and the one rule that says by how
many whole seconds a clock is overdue.
"""

from __future__ import annotations

import heapq
import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from slaclock._instants import US_PER_SECOND
from slaclock.logs import format_time
from slaclock.sla import NO_SLA, Counted, TicketStatus, counted_of

if TYPE_CHECKING:
    import pandas

__all__ = [
    "TOP", "AtRisk", "Breach", "Summary", "compliance", "overdue_seconds", "percent_of",
]

#: How many of the worst breaches a summary keeps.
TOP = 10
_COUNTS = ("tickets", "met", "breached", "in_progress", "at_risk")

class AtRisk(NamedTuple):
    """A clock at risk, its instants in the zone of the report's instant (ordered by its
    deadline first, as it is written)."""

    deadline: datetime
    ticket: str
    level: str
    cycle: int
    metric: str
    #: The ticket's state.
    ticket_state: str
    #: The share of its target used.
    used: float


class Breach(NamedTuple):
    """One of the worst breaches, its instants in the zone of the report's instant
    (ordered by how much it is overdue first)."""

    #: How many whole seconds it is overdue (:func:`overdue_seconds`).
    overdue_seconds: int
    ticket: str
    level: str
    metric: str
    cycle: int
    deadline: datetime
    #: When it was met, ``None`` while it runs.
    met_at: datetime | None


def overdue_seconds(target_us: int, elapsed_us: int) -> int:
    """How long a clock has run past its target, in whole seconds, a part of a second
    counting as a second: the negated ``remaining_seconds`` of the report's rows (which
    round the remaining time down). The worst breaches and the command's table both
    order by it.

    >>> overdue_seconds(3_600_000_000, 3_600_500_000), overdue_seconds(10, 10)
    (1, 0)
    """
    return -((target_us - elapsed_us) // US_PER_SECOND)


def _new_counts() -> dict[str, int]:
    return dict.fromkeys(_COUNTS, 0)


def compliance(counts: Mapping[str, int]) -> float | None:
    """Tickets met over tickets decided (met or breached); ``None`` when none is decided."""
    return _share(counts["met"], counts["met"] + counts["breached"])


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


@attrs.define
class Summary:
    """Counts that add up across partitions of a log.

    Per level and per (month opened, level): tickets, and how many are ``met`` (every
    clock met or not applicable), ``breached`` (some clock breached), ``in_progress``
    (neither yet), ``at_risk``. A ticket with no SLA (at the level ``"no SLA"``, a
    policy's ``default_level = false``) is counted among the tickets, and as none of met,
    breached and in progress: it is left out of every compliance. Per level and metric:
    clocks met and breached. Months are those of the opening instant in the zone of the
    report's instant.

    The clocks at risk and the worst breaches keep their instants and counts as values,
    named tuples: ``at_risk`` of (``deadline``, ``ticket``, ``level``, ``cycle``,
    ``metric``, ``ticket_state``, ``used``), ``worst`` of (``overdue_seconds``,
    ``ticket``, ``level``, ``metric``, ``cycle``, ``deadline``, ``met_at``), the instants
    datetimes in the zone of the report's instant; :meth:`as_dict` writes them as text.

    Attributes:
        order: the metrics in the policy's order (the order they are listed in).
    """

    order: tuple[str, ...] = ()
    levels: dict[str, dict[str, int]] = attrs.Factory(dict)
    months: dict[tuple[str, str], dict[str, int]] = attrs.Factory(dict)
    metrics: dict[tuple[str, str], list[int]] = attrs.Factory(dict)
    states: dict[str, int] = attrs.Factory(dict)
    at_risk: list[AtRisk] = attrs.Factory(list)
    worst: list[Breach] = attrs.Factory(list)

    def add(self, status: TicketStatus) -> None:
        """Count one ticket's status (its month and times in the zone of ``status.at``,
        as a report's statuses are)."""
        self._count(counted_of(status))

    def _count(self, counted: Counted) -> None:
        """Count one ticket's clocks in integers: :meth:`add` of the status they make
        (a report's replay counts every ticket so, and makes no datetime but those it
        keeps)."""
        level = counted.head[0]
        ticket = counted.ticket
        local = counted.local
        opened = local(counted.opened)
        month = f"{opened.year:04d}-{opened.month:02d}"
        breached = at_risk = open_clock = False
        unpromised = counted.unpromised
        for c in counted.clocks:
            if unpromised and c.metric in unpromised:
                continue  # an informational metric: measured, promised to no one
            state = c.state
            if state == "breached":
                breached = True
                assert c.target_us is not None
                assert c.elapsed is not None
                assert c.deadline is not None
                overdue = overdue_seconds(c.target_us, c.elapsed)
                worst = self.worst
                # Less overdue than all of the worst (the usual case): not one of them.
                if len(worst) < TOP or (overdue, ticket) >= worst[0][:2]:
                    item = Breach(
                        overdue, ticket, level, c.metric, c.cycle, local(c.deadline),
                        None if c.met_at is None else local(c.met_at),
                    )
                    if len(worst) < TOP:
                        heapq.heappush(worst, item)
                    elif item > worst[0]:
                        heapq.heapreplace(worst, item)
            elif state in ("running", "paused"):
                open_clock = True
            if c.at_risk:
                at_risk = True
                assert c.deadline is not None
                assert c.used is not None
                self.at_risk.append(AtRisk(
                    local(c.deadline), ticket, level, c.cycle, c.metric, counted.head[2],
                    round(c.used, 4),
                ))
            if state in ("met", "breached"):
                key = (level, c.metric)
                pair = self.metrics.get(key)
                if pair is None:
                    pair = self.metrics[key] = [0, 0]
                pair[state == "breached"] += 1
        outcome = "breached" if breached else "in_progress" if open_clock else "met"
        for counts in (
            self.levels.get(level) or self.levels.setdefault(level, _new_counts()),
            self.months.get((month, level))
            or self.months.setdefault((month, level), _new_counts()),
        ):
            counts["tickets"] += 1
            if level != NO_SLA:
                counts[outcome] += 1
            counts["at_risk"] += at_risk
        ticket_state = counted.head[2]
        self.states[ticket_state] = self.states.get(ticket_state, 0) + 1

    def merge(self, other: Summary) -> None:
        """Add ``other``'s counts (a summary of other tickets) to this one."""
        for name in other.order:
            if name not in self.order:
                self.order = (*self.order, name)
        for level, counts in other.levels.items():
            _add_counts(self.levels.setdefault(level, _new_counts()), counts)
        for month, counts in other.months.items():
            _add_counts(self.months.setdefault(month, _new_counts()), counts)
        for key, pair in other.metrics.items():
            into_pair = self.metrics.setdefault(key, [0, 0])
            into_pair[0] += pair[0]
            into_pair[1] += pair[1]
        for state, n in other.states.items():
            self.states[state] = self.states.get(state, 0) + n
        self.at_risk.extend(other.at_risk)
        for item in other.worst:
            if len(self.worst) < TOP:
                heapq.heappush(self.worst, item)
            elif item > self.worst[0]:
                heapq.heapreplace(self.worst, item)

    @property
    def breached(self) -> int:
        """How many tickets breached some clock."""
        return sum(c["breached"] for c in self.levels.values())

    @property
    def tickets(self) -> int:
        """How many tickets were counted."""
        return sum(c["tickets"] for c in self.levels.values())

    @property
    def no_sla(self) -> int:
        """How many of the tickets no SLA applies to (the level ``"no SLA"``)."""
        return self.levels.get(NO_SLA, {}).get("tickets", 0)

    def _metric_key(self, item: tuple[tuple[str, str], list[int]]) -> tuple[str, int, str]:
        (level, metric), _ = item
        rank = self.order.index(metric) if metric in self.order else len(self.order)
        return (level, rank, metric)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (see :doc:`/reference/cli`)."""
        total = _new_counts()
        for counts in self.levels.values():
            for name, n in counts.items():
                total[name] += n
        return {
            **total,
            "no_sla": self.no_sla,
            "compliance": compliance(total),
            "states": dict(sorted(self.states.items())),
            "levels": [
                {"level": level, **counts, "compliance": compliance(counts),
                 "metrics": {
                     metric: {"met": pair[0], "breached": pair[1],
                              "compliance": _share(pair[0], pair[0] + pair[1])}
                     for (lv, metric), pair in sorted(self.metrics.items(), key=self._metric_key)
                     if lv == level
                 }}
                for level, counts in sorted(self.levels.items())
            ],
            "months": [
                {"month": month, "level": level, **counts, "compliance": compliance(counts)}
                for (month, level), counts in sorted(self.months.items())
            ],
            "at_risk_clocks": [
                {"ticket": t, "level": lv, "metric": m, "cycle": c, "deadline": format_time(d),
                 "ticket_state": s, "used": u}
                for d, t, lv, c, m, s, u in self.at_risk_sorted()
            ],
            "worst_breaches": [
                {"ticket": t, "level": lv, "metric": m, "cycle": c, "overdue_seconds": o,
                 "deadline": format_time(d), "met_at": None if met is None else format_time(met)}
                for o, t, lv, m, c, d, met in self.worst_sorted()
            ],
        }

    def at_risk_sorted(self) -> list[AtRisk]:
        """The clocks at risk, soonest deadline first (its wall time in the report's
        zone, as it is written), then by ticket, level, cycle and metric."""
        return sorted(self.at_risk)

    def worst_sorted(self) -> list[Breach]:
        """The worst breaches, most overdue first, then by ticket, level, metric and
        cycle."""
        return sorted(self.worst, key=lambda item: (-item[0], item[1:5]))

    def to_pandas(self, by: str = "month") -> pandas.DataFrame:
        """The summary as a DataFrame, with the compliance (met over decided; NaN when none
        is decided) of each row:

        - ``by="month"``: tickets per level and month opened, one row per (level, month)
          with the ticket counts;
        - ``by="level"``: the same per level, over every month;
        - ``by="metric"``: clocks per level and metric (in the policy's order), one row
          per (level, metric) with the clocks met and breached.

        Needs pandas (``pip install "slaclock[pandas]"``).
        """
        pd = _pandas()
        if by == "metric":
            data = self.as_dict()["levels"]
            rows = [{"level": lv["level"], "metric": metric, **counts}
                    for lv in data for metric, counts in lv["metrics"].items()]
            index, columns = ["level", "metric"], ["met", "breached"]
        elif by == "level":
            rows = [{"level": level, **counts, "compliance": compliance(counts)}
                    for level, counts in sorted(self.levels.items())]
            index, columns = ["level"], list(_COUNTS)
        elif by == "month":
            rows = [
                {"level": level, "month": month, **counts, "compliance": compliance(counts)}
                for (month, level), counts in sorted(self.months.items(),
                                                     key=lambda i: i[0][::-1])
            ]
            index, columns = ["level", "month"], list(_COUNTS)
        else:
            raise ValueError(f"by must be 'month', 'level' or 'metric', not {by!r}")
        frame = pd.DataFrame(rows, columns=[*index, *columns, "compliance"])
        frame["compliance"] = frame["compliance"].astype("float64")
        return frame.set_index(index)

    def __repr__(self) -> str:
        total = self.as_dict()
        share = percent_of(total["met"], total["met"] + total["breached"]).split(" ")[0]
        return (
            f"<Summary: {total['tickets']:,} tickets, {total['met']:,} met, "
            f"{total['breached']:,} breached, {total['in_progress']:,} in progress, "
            f"compliance {share}"
            f"{f', {self.no_sla:,} with no SLA' if self.no_sla else ''}; {len(self.levels)} "
            f"levels, {len({month for month, _ in self.months})} months>"
        )

    def _repr_html_(self) -> str:
        """A notebook's view: the counts per level and the total, as a table."""
        data = self.as_dict()
        header = ["level", "tickets", "met", "breached", "in progress", "at risk",
                  "compliance"]
        rows = [[lv["level"], *(f"{lv[c]:,}" for c in _COUNTS),
                 percent_of(lv["met"], lv["met"] + lv["breached"])]
                for lv in data["levels"]]
        rows.append(["all", *(f"{data[c]:,}" for c in _COUNTS),
                     percent_of(data["met"], data["met"] + data["breached"])])
        return html_table(header, rows)


def percent_of(part: int, whole: int, *, short: bool = False) -> str:
    """A share with the counts it is made of; ``-`` when there is nothing to count.

    >>> percent_of(1, 2), percent_of(0, 0), percent_of(2, 3, short=True)
    ('50.0% (1 of 2)', '-', '66.7% (3)')
    """
    if whole == 0:
        return "-"
    share = f"{part / whole * 100:.1f}%"
    return f"{share} ({whole})" if short else f"{share} ({part} of {whole})"


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A small HTML table of text cells (escaped), the first column left-aligned and the
    others right-aligned, as a notebook shows a DataFrame."""
    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(
            f'<{tag} style="text-align: {"left" if i == 0 else "right"}">'
            f"{html.escape(str(v))}</{tag}>"
            for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table><thead><tr>{cells('th', header)}</tr></thead><tbody>{body}</tbody></table>"


def _add_counts(into: dict[str, int], counts: Mapping[str, int]) -> None:
    for name, n in counts.items():
        into[name] += n


def _pandas() -> Any:
    """pandas, or an ImportError naming the extra to install."""
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "to_pandas() needs pandas: pip install \"slaclock[pandas]\""
        ) from None
    return pandas
