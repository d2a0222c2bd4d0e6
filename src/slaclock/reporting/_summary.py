"""A report's summary: counts per level, month and metric that add up across partitions
of a log, the clocks at risk and the worst breaches; and the one rule that says by how
many whole seconds a clock is overdue.
"""

from __future__ import annotations

import heapq
import html
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from slaclock._instants import US_PER_SECOND
from slaclock.logs import format_time
from slaclock.sla import NO_SLA, Counted, TicketStatus, counted_of, local_datetime

if TYPE_CHECKING:
    import numpy as np
    import pandas

    from slaclock.reporting._clocks import ClockTable

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

    def _count_table(self, table: ClockTable, rows: np.ndarray | None = None) -> None:
        """Count the tickets of ``table`` at ``rows`` (row numbers, or a bool mask; every
        row in order by default), in columns: what :meth:`_count` of
        ``table.counted(row)`` for each row in turn counts, to the last count, list and
        datetime, in the same order (the clocks at risk, the heap of the worst breaches,
        the keys of each count). A datetime is made only for a clock at risk, a breach
        that may be among the worst, and an opening within a day of the turn of a month
        (:func:`local_months`).

        Needs NumPy (``pip install "slaclock[cli]"``).
        """
        import numpy as np

        from slaclock.reporting._clocks import METRIC_STATES, TICKET_STATES

        picked = np.arange(len(table), dtype=np.int64) if rows is None else _rows(rows)
        k = len(picked)
        if k == 0:
            return
        # Each picked ticket's clocks, in order: ``idx`` into the clock columns, ``who``
        # the ticket's position in ``picked``; the informational metrics left out.
        idx, who = clocks_of(table.first, picked)
        promised = table.promised[idx]
        idx, who = idx[promised], who[promised]
        state = table.clock_state[idx]
        code = METRIC_STATES.index
        breached = state == code("breached")
        decided = breached | (state == code("met"))
        is_open = (state == code("running")) | (state == code("paused"))
        risky = table.at_risk[idx]
        # Per ticket: 0 met, 1 breached, 2 in progress; and whether some clock is at risk.
        outcome = np.zeros(k, np.int8)
        outcome[who[is_open]] = 2
        outcome[who[breached]] = 1
        at_risk = np.zeros(k, bool)
        at_risk[who[risky]] = True
        level = table.level[picked].astype(np.int64)
        levels = table.levels
        counted = level != (levels.index(NO_SLA) if NO_SLA in levels else -1)
        for key, counts in _tallied(level, outcome, counted, at_risk):
            _add_counts(self.levels.setdefault(levels[key], _new_counts()), counts)
        month = local_months(table.opened[picked], table.at.tzinfo)
        width = len(levels)
        for key, counts in _tallied(month * width + level, outcome, counted, at_risk):
            m, lv = divmod(key, width)
            name = f"{m // 12 + 1970:04d}-{m % 12 + 1:02d}"
            _add_counts(self.months.setdefault((name, levels[lv]), _new_counts()), counts)
        # The clocks met and breached per level and metric.
        metrics = len(table.metrics)
        pairs = level[who[decided]] * metrics + table.metric[idx[decided]]
        for key, (met, late) in _firsts(pairs, breached[decided]):
            lv, metric = divmod(key, metrics)
            pair = self.metrics.setdefault((levels[lv], table.metrics[metric]), [0, 0])
            pair[0] += met
            pair[1] += late
        for key, (n, _) in _firsts(table.state[picked].astype(np.int64)):
            name = TICKET_STATES[key]
            self.states[name] = self.states.get(name, 0) + n
        zone = table.at.tzinfo
        tickets = table.ticket
        at_rows = idx[risky]
        owners = picked[who[risky]]
        self.at_risk.extend(
            AtRisk(local_datetime(deadline, zone), tickets[row], levels[lv], cycle,
                   table.metrics[metric], TICKET_STATES[state], round(used, 4))
            for deadline, row, lv, cycle, metric, state, used in zip(
                table.deadline[at_rows].tolist(), owners.tolist(),
                table.level[owners].tolist(), table.cycle[at_rows].tolist(),
                table.metric[at_rows].tolist(), table.state[owners].tolist(),
                table.used[at_rows].tolist(), strict=True,
            )
        )
        self._worst_of(table, idx[breached], picked[who[breached]])

    def _worst_of(self, table: ClockTable, clocks: np.ndarray, owners: np.ndarray) -> None:
        """Add the breached ``clocks`` (of the tickets at ``owners``), in order, to the
        worst, as :meth:`_count` does, to the heap's order (which orders the breaches
        alike overdue of one ticket's metric and cycle): a clock whose overdue seconds
        are below the least of the worst's is not one of them, and the least only grows,
        so the clocks of each chunk below the least at its start are passed over at
        once, and the others go one by one through :meth:`_count`'s steps."""
        import numpy as np

        from slaclock.reporting._clocks import NONE

        # The one rule, over the columns (NumPy's // floors as Python's does).
        overdue: np.ndarray = overdue_seconds(  # type: ignore[assignment]
            table.target_us[clocks], table.elapsed[clocks])
        worst = self.worst
        tickets, zone = table.ticket, table.at.tzinfo
        n = len(clocks)
        done = 0
        chunk = 256
        while done < n:
            if len(worst) < TOP:  # every clock goes in
                chosen = [done]
                done += 1
            else:
                end = min(n, done + chunk)
                chosen = (np.flatnonzero(overdue[done:end] >= worst[0][0]) + done).tolist()
                done = end
                chunk = min(2 * chunk, 65_536)
            for i in chosen:
                o, row, c = int(overdue[i]), int(owners[i]), int(clocks[i])
                ticket = tickets[row]
                if len(worst) < TOP or (o, ticket) >= worst[0][:2]:
                    met_at = int(table.met_at[c])
                    item = Breach(
                        o, ticket, table.levels[table.level[row]],
                        table.metrics[table.metric[c]], int(table.cycle[c]),
                        local_datetime(int(table.deadline[c]), zone),
                        None if met_at == NONE else local_datetime(met_at, zone),
                    )
                    if len(worst) < TOP:
                        heapq.heappush(worst, item)
                    elif item > worst[0]:
                        heapq.heapreplace(worst, item)

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


# -- counting in columns (Summary._count_table) -----------------------------------------

#: Microseconds in a day: an offset from UTC is less.
_DAY_US = 86_400 * US_PER_SECOND


def _rows(rows: Any) -> np.ndarray:
    """Row numbers as int64: ``rows`` themselves, or where a bool mask holds."""
    import numpy as np

    found = np.asarray(rows)
    if found.dtype == bool:
        return np.flatnonzero(found)
    return found.astype(np.int64, copy=False)


def clocks_of(first: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The clocks of the tickets at ``rows`` of a table whose ticket ``i`` has the clocks
    ``first[i]`` to ``first[i + 1]``, ticket after ticket in the order of ``rows``: their
    rows in the clock columns, and for each the position of its ticket in ``rows``."""
    import numpy as np

    low = first[rows]
    sizes = first[rows + 1] - low
    ends = np.cumsum(sizes)
    idx = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
    idx += np.repeat(low - (ends - sizes), sizes)
    return idx, np.repeat(np.arange(len(rows), dtype=np.int64), sizes)


def local_months(us: np.ndarray, zone: tzinfo | None) -> np.ndarray:
    """The month of each instant ``us`` (UTC microseconds) on the wall clock of ``zone``,
    as months since January 1970: the month of ``local_datetime(us, zone)``, to the
    instant (DST and every other change of offset). An offset is less than a day, so an
    instant over a day from the turn of a UTC month is in the same month on any wall
    clock: the others alone (each distinct instant once) are made datetimes, but in a
    zone of one fixed offset."""
    import numpy as np

    months = us.astype("datetime64[us]").astype("datetime64[M]")
    out = months.astype(np.int64)
    if zone is None or isinstance(zone, timezone):  # one offset: every instant moved alike
        fixed = timedelta(0) if zone is None else zone.utcoffset(None)
        if fixed:
            moved = us + fixed // timedelta(microseconds=1)
            out = moved.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)
        return out
    start = months.astype("datetime64[us]").astype(np.int64)
    end = (months + 1).astype("datetime64[us]").astype(np.int64)
    near = np.flatnonzero((us - start < _DAY_US) | (end - us <= _DAY_US))
    if len(near):
        values, inverse = np.unique(us[near], return_inverse=True)
        local = [local_datetime(v, zone) for v in values.tolist()]
        found = np.array([(d.year - 1970) * 12 + d.month - 1 for d in local], np.int64)
        out[near] = found[inverse]
    return out


def _distinct(keys: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The distinct ``keys`` (integers, at least one), in the order first met, and for
    each key its place among them: by counting when they span a small range (codes),
    else by sorting."""
    import numpy as np

    k = len(keys)
    low = int(keys.min())
    span = int(keys.max()) - low + 1
    if span > 4 * k + 4096:
        distinct, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        place = np.empty(len(order), np.int64)
        place[order] = np.arange(len(order))
        return distinct[order].tolist(), place[inverse]
    shifted = keys - low
    first = np.full(span, k, np.int64)
    np.minimum.at(first, shifted, np.arange(k, dtype=np.int64))
    present = np.flatnonzero(first < k)
    present = present[np.argsort(first[present], kind="stable")]
    place = np.empty(span, np.int64)
    place[present] = np.arange(len(present))
    return (present + low).tolist(), place[shifted]


def _firsts(
    keys: np.ndarray, flags: np.ndarray | None = None
) -> list[tuple[int, tuple[int, int]]]:
    """Each distinct key, in the order first met, with how many times it comes without
    ``flags`` and with (every time without, when none)."""
    import numpy as np

    if len(keys) == 0:
        return []
    distinct, place = _distinct(keys)
    n = len(distinct)
    total = np.bincount(place, minlength=n)
    flagged = np.zeros(n, np.int64) if flags is None else np.bincount(place[flags], minlength=n)
    return list(zip(distinct, zip((total - flagged).tolist(), flagged.tolist(), strict=True),
                    strict=True))


def _tallied(
    keys: np.ndarray, outcome: np.ndarray, counted: np.ndarray, at_risk: np.ndarray
) -> list[tuple[int, dict[str, int]]]:
    """Each distinct key of the tickets, in the order first met, with its counts: the
    tickets, those ``counted`` by ``outcome`` (0 met, 1 breached, 2 in progress), and
    those ``at_risk``."""
    import numpy as np

    if len(keys) == 0:
        return []
    distinct, place = _distinct(keys)
    n = len(distinct)
    columns = [np.bincount(place, minlength=n)]
    columns += [np.bincount(place[counted & (outcome == o)], minlength=n) for o in (0, 1, 2)]
    columns.append(np.bincount(place[at_risk], minlength=n))
    rows = zip(*(c.tolist() for c in columns), strict=True)
    return [(key, dict(zip(_COUNTS, row, strict=True)))
            for key, row in zip(distinct, rows, strict=True)]


def _pandas() -> Any:
    """pandas, or an ImportError naming the extra to install."""
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "to_pandas() needs pandas: pip install \"slaclock[pandas]\""
        ) from None
    return pandas
