"""The SLA report over ticket histories: many tickets replayed, summed up, ready to merge.

:func:`report` is the library's entry point and the command line's engine: events in (an
iterable of :class:`~slaclock.Event`, an event-log file, or a pandas DataFrame), a policy
in, and out a :class:`Report`: every ticket's :class:`~slaclock.TicketStatus`, the events
left out with their reasons, and a :class:`Summary` whose counts add up across partitions
(:meth:`Summary.merge`), so a log split by ticket over processes or machines gives the same
numbers as one pass.

Each ticket is counted under the terms of its contract: the policy's contract named by the
ticket's customer (its signing date picks the version; its calendars and coverage apply),
else the version in force on the contract's signing date given in the log, else on the
day the ticket opened.
"""

from __future__ import annotations

import heapq
import operator
import os
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from os import fspath
from typing import TYPE_CHECKING, Any, cast

import attrs

from slaclock._errors import ConfigError, EventError, SlaclockError
from slaclock._instants import EPOCH, ONE_US, US_PER_SECOND, to_us
from slaclock.logs import BadRow, EventLog, Row, _general, format_time
from slaclock.sla import (
    Counted,
    Event,
    Happening,
    Regulation,
    RegulationVersions,
    Shapes,
    Ticket,
    TicketStatus,
    _Walk,
    as_versions,
    counted_of,
    desk_zone,
    governing,
    inside_rules,
    signed_of,
)

if TYPE_CHECKING:
    import matplotlib.figure
    import pandas

    from slaclock.sla import Coverage, EventKind, Role

__all__ = ["METRIC_COLUMNS", "Report", "Summary", "report"]

#: The columns of one clock of one ticket: ``Report.to_pandas()`` and
#: ``slaclock report --format csv``.
METRIC_COLUMNS = (
    "ticket", "level", "coverage", "ticket_state", "opened", "metric", "cycle", "state",
    "start", "deadline", "target_seconds", "elapsed_seconds", "remaining_seconds", "used",
    "met_at", "breached_at", "at_risk", "breached",
)
#: How many of the worst breaches a summary keeps.
TOP = 10
_SECOND = timedelta(seconds=1)
_COUNTS = ("tickets", "met", "breached", "in_progress", "at_risk")


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
    (neither yet), ``at_risk``. Per level and metric: clocks met and breached. Months are
    those of the opening instant in the zone of the report's instant.

    Attributes:
        order: the metrics in the policy's order (the order they are listed in).
    """

    order: tuple[str, ...] = ()
    levels: dict[str, dict[str, int]] = attrs.Factory(dict)
    months: dict[tuple[str, str], dict[str, int]] = attrs.Factory(dict)
    metrics: dict[tuple[str, str], list[int]] = attrs.Factory(dict)
    states: dict[str, int] = attrs.Factory(dict)
    at_risk: list[tuple[str, str, str, int, str, str, float]] = attrs.Factory(list)
    worst: list[tuple[int, str, str, str, int, str, str]] = attrs.Factory(list)

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
        for c in counted.clocks:
            state = c.state
            if state == "breached":
                breached = True
                assert c.target_us is not None
                assert c.elapsed is not None
                assert c.deadline is not None
                overdue = -((c.target_us - c.elapsed) // US_PER_SECOND)
                worst = self.worst
                # Less overdue than all of the worst (the usual case): not one of them.
                if len(worst) < TOP or (overdue, ticket) >= worst[0][:2]:
                    item = (
                        overdue, ticket, level, c.metric, c.cycle,
                        format_time(local(c.deadline)),
                        "" if c.met_at is None else format_time(local(c.met_at)),
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
                self.at_risk.append((
                    format_time(local(c.deadline)), ticket, level, c.cycle, c.metric,
                    counted.head[2], round(c.used, 4),
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
                {"ticket": t, "level": lv, "metric": m, "cycle": c, "deadline": d,
                 "ticket_state": s, "used": u}
                for d, t, lv, c, m, s, u in sorted(self.at_risk)
            ],
            "worst_breaches": [
                {"ticket": t, "level": lv, "metric": m, "cycle": c, "overdue_seconds": o,
                 "deadline": d, "met_at": met or None}
                for o, t, lv, m, c, d, met in self.worst_sorted()
            ],
        }

    def worst_sorted(self) -> list[tuple[int, str, str, str, int, str, str]]:
        """The worst breaches, most overdue first."""
        return sorted(self.worst, key=lambda item: (-item[0], item[1:]))

    def to_pandas(self) -> pandas.DataFrame:
        """Tickets per level and month opened: one row per (level, month) with the counts
        and the compliance (met over decided; NaN when none is decided).

        Needs pandas (``pip install "slaclock[pandas]"``).
        """
        pd = _pandas()
        rows = [
            {"level": level, "month": month, **counts, "compliance": compliance(counts)}
            for (month, level), counts in sorted(self.months.items(), key=lambda i: i[0][::-1])
        ]
        frame = pd.DataFrame(rows, columns=["level", "month", *_COUNTS, "compliance"])
        frame["compliance"] = frame["compliance"].astype("float64")
        return frame.set_index(["level", "month"])


def _add_counts(into: dict[str, int], counts: Mapping[str, int]) -> None:
    for name, n in counts.items():
        into[name] += n


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "to_pandas() needs pandas: pip install \"slaclock[pandas]\""
        ) from None
    return pandas


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

    def to_pandas(self) -> pandas.DataFrame:
        """One row per clock of each ticket, with the columns of ``slaclock report
        --format csv`` (``slaclock.reporting._report.METRIC_COLUMNS``): instants as
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


def metric_rows(status: TicketStatus) -> Iterator[tuple[Any, ...]]:
    """The rows of :data:`METRIC_COLUMNS` for one ticket: one per clock."""
    for m in status.metrics:
        yield (
            status.ticket, status.level, status.coverage, status.state, status.opened,
            m.metric, m.cycle, m.state, m.start, m.deadline, _whole(m.target),
            _whole(m.elapsed), _whole(m.remaining), m.used, m.met_at, m.breached_at,
            m.at_risk, m.state == "breached",
        )


def _whole(value: timedelta | None) -> int | None:
    return None if value is None else value // _SECOND


# -- replaying tickets -------------------------------------------------------------------------


class Replayer:
    """Replays tickets one at a time under a policy at an instant: the one engine behind
    :func:`report` and the command line's shards.

    Args:
        policy: the policy (one version, or versions and contracts).
        at: the instant of the statuses.
        coverage: the default coverage of every ticket.
    """

    def __init__(
        self, policy: Regulation | RegulationVersions, at: datetime, coverage: str | None
    ) -> None:
        self.versions = as_versions(policy)
        self.at = at
        self.at_us = to_us(at, "at")
        self.coverage = coverage
        self.shapes = Shapes()
        #: The event sequences known to be recorded as given (:meth:`ticket`), by what they
        #: say: their walks, by the selection rules' answers at the opening; or
        #: ``_REFUSED`` for one that is not (some event refused, or the ticket not counted).
        self.known: dict[tuple[Any, ...], dict[tuple[bool, ...], _Walk]] = {}

    def rows(
        self, ticket_id: str, rows: Sequence[Row], signed: date | None = None,
    ) -> tuple[Counted | None, list[BadRow], int]:
        """:meth:`ticket` of a log's rows (one ticket's, the opening first), each checked
        as an :class:`~slaclock.Event` is: a row of the default vocabulary as the reader
        checked it (kind, level, coverage: what such an event checks), any other through
        the event it says; a row the event refuses is left out with the event's reason."""
        events, refused = walkable(ticket_id, rows)
        if not events:
            return None, refused, 0
        counted, rejected, after = self.ticket(ticket_id, events, signed)
        if refused:
            rejected = sorted([*refused, *rejected], key=lambda b: b.line)
        return counted, rejected, after

    def ticket(
        self, ticket_id: str, events: Sequence[tuple[int, Happening]], signed: date | None = None,
    ) -> tuple[Counted | None, list[BadRow], int]:
        """One ticket's clocks from its ``(line, event)`` pairs (all of ``ticket_id``),
        the opening first: each event an :class:`~slaclock.Event`, or a row of a log that
        reads as one of the default vocabulary's (:meth:`rows`).

        Returns:
            ``(counted, rejected, after)``: the clocks in integers, whose
            :meth:`~slaclock.sla._clock.Counted.status` is the ticket's status (``None`` when
            the ticket cannot be counted: it opens after the instant, or its opening was
            refused), the events left out, and how many come after the instant.
        """
        at_us = self.at_us
        opening = events[0][1]
        # The instants in C for the stdlib's datetimes (a log's rows); to_us for the rest.
        times = [
            (e.at - EPOCH) // ONE_US if type(e.at) is datetime else to_us(e.at, "at")
            for _, e in events
        ]
        if times[0] > at_us:
            return None, [], len(events)
        try:
            terms = governing(self.versions, times[0], customer=opening.customer,
                              signed=signed, coverage=self.coverage)
        except ConfigError as error:
            reason = f"ticket {ticket_id!r}: {error.problem}"
            return None, [BadRow(line, reason, ticket_id) for line, _ in events], 0
        regulation, contract, coverage = terms.regulation, terms.contract, terms.coverage
        # Events of the ticket at strictly increasing instants are recorded in the order
        # given (no two share a key), so whether each is refused depends only on what
        # they say, under the ticket's terms; and what the walk makes of them, on that
        # and on whether it opened inside the selection rules' calendars. A sequence
        # recorded whole once is counted again on its walk, without a Ticket.
        n = bisect_right(times, at_us)
        said: tuple[Any, ...] | None = None
        if all(map(operator.lt, times, times[1:])) and all(
            map(ticket_id.__eq__, [event.ticket for _, event in events])
        ):
            said = (
                id(regulation), None if contract is None else id(contract), coverage,
                *[_says(event) for _, event in events[:n]],
            )
            walks = self.known.get(said)
            if walks is not None and walks is not _REFUSED:
                # Found only now (as the walk finds it): it compiles the opening's year
                # of the rules' calendars, which a ticket refused never asks for.
                inside = tuple(inside_rules(regulation, contract, times[0]).values())
                walk = walks.get(inside)
                if walk is not None:
                    del times[n:]
                    try:
                        counted = walk.count(ticket_id, times, self.at, at_us,
                                             regulation.at_risk)
                    except SlaclockError as error:
                        reason = f"ticket {ticket_id!r} cannot be counted: {error}"
                        return None, [BadRow(events[0][0], reason, ticket_id)], len(events) - n
                    return counted, [], len(events) - n
        ticket = Ticket(ticket_id, regulation, coverage, contract=contract)
        rejected: list[BadRow] = []
        refused: int | None = None
        after = 0
        for (line, event), us in zip(events, times, strict=True):
            key = ticket._key(event, us)
            if key[0] > at_us:
                after += 1
                continue
            if refused is not None:
                rejected.append(BadRow(
                    line, f"ticket {ticket_id!r} was not opened: its 'opened' row (line "
                    f"{refused}) was refused", ticket_id,
                ))
                continue
            try:
                ticket._record(event, key)
            except EventError as error:
                rejected.append(BadRow(line, str(error), ticket_id))
                if event is opening:
                    refused = line
        if refused is not None:
            if said is not None:
                self._learn(said, None)
            return None, rejected, after
        try:
            ticket._check_opened(self.at, at_us)
            walk, walked = ticket._walk_to(at_us, self.shapes)
            counted = walk.count(ticket_id, walked, self.at, at_us, ticket.at_risk)
        except SlaclockError as error:
            if said is not None:
                self._learn(said, None)
            reason = f"ticket {ticket_id!r} cannot be counted: {error}"
            return None, [*rejected, BadRow(events[0][0], reason, ticket_id)], after
        if said is not None:
            self._learn(said, None if rejected or len(walked) != n else walk)
        return counted, rejected, after

    def _learn(self, said: tuple[Any, ...], walk: _Walk | None) -> None:
        """Remember what became of a sequence of events: its walk, under the selection
        rules' answers it was walked with; ``None``, some event refused or the ticket not
        counted, and every ticket saying so is recorded anew (bounded as :class:`Shapes`
        is)."""
        known = self.known
        if len(known) >= self.shapes.limit:
            known.clear()
        if walk is None:
            known[said] = _REFUSED
            return
        walks = known.get(said)
        if walks is None:
            walks = known[said] = {}
        if walks is not _REFUSED:
            walks[tuple(walk.inside.values())] = walk


_TEXTS = operator.attrgetter("kind", "level", "coverage", "customer", "category", "status",
                             "author")


def _says(event: Happening) -> tuple[Any, ...]:
    """What the walk and the checks read of an event: all but its instant, its free text
    and its ticket (checked apart); no fields and empty fields alike, as the walk takes
    them."""
    fields = event.fields
    return (*_TEXTS(event), tuple(sorted(fields.items()))) if fields else _TEXTS(event)


#: What ``Replayer.known`` holds for a sequence not recorded as given.
_REFUSED: dict[tuple[bool, ...], _Walk] = {}


#: A row's status, author and fields, none of them given; and its line.
_RARE = operator.itemgetter(10, 11, 12)
_NOTHING_RARE = (None, None, None)
_LINE = operator.itemgetter(0)


def walkable(
    ticket_id: str, rows: Sequence[Row]
) -> tuple[list[tuple[int, Happening]], list[BadRow]]:
    """A ticket's log rows as ``(line, event)`` pairs to walk, and the rows an event
    refuses: a row of the default vocabulary goes as the reader checked it (its kind,
    level and coverage: all such an event checks), any other becomes the
    :class:`~slaclock.Event` it says (whose checks of status, author and fields against
    the kind the reader does not make)."""
    if all(map(_NOTHING_RARE.__eq__, map(_RARE, rows))):  # the usual case, in C
        return list(zip(map(_LINE, rows), rows, strict=True)), []
    events: list[tuple[int, Happening]] = []
    refused: list[BadRow] = []
    for row in rows:
        if row.status is None and row.author is None and row.fields is None:
            events.append((row.line, row))
            continue
        try:
            events.append((row.line, row_event(row)))
        except EventError as error:
            refused.append(BadRow(row.line, str(error), ticket_id))
    return events, refused


def row_event(row: Row) -> Event:
    """The :class:`~slaclock.Event` a log row says (refused with an :class:`EventError`).

    The reader checked the row's kind, coverage and author against the vocabulary; the
    casts below only tell the type checker so.
    """
    return Event(
        row.ticket, row.at, cast("EventKind", row.kind),
        row.level if row.kind in _LEVELLED else None, row.detail,
        cast("Coverage | None", row.coverage), row.customer, row.category, status=row.status,
        author=cast("Role | None", row.author), fields=row.fields,
    )


_LEVELLED = frozenset({"opened", "level_changed", "created", "field"})


def report(
    events: Iterable[Event] | str | os.PathLike[str] | pandas.DataFrame | Any,
    policy: Regulation | RegulationVersions | None = None,
    *,
    at: datetime | None = None,
    coverage: str | None = None,
    strict: bool = False,
    tz: tzinfo | None = None,
) -> Report:
    """Replay a log of ticket events under a policy and sum it up.

    Args:
        events: the events of many tickets, in any order: an iterable of
            :class:`~slaclock.Event`, the path of an event-log file (CSV or JSON lines,
            :doc:`/reference/event-log`), a pandas DataFrame with the log's columns
            (``ticket``, ``time`` as tz-aware timestamps or ISO text, ``event``, ...), or a
            Dask DataFrame with them, replayed partition by partition where the
            partitions are (:doc:`/howto/dask`; a rejected row's line is its position in
            the whole frame).
        policy: a :class:`~slaclock.Regulation` or :class:`~slaclock.RegulationVersions`
            (with its contracts); the default policy when ``None``.
        at: the instant of the report (default: the latest event's).
        coverage: the default coverage of every ticket.
        strict: raise on the first event left out instead of reporting it.
        tz: the zone of times written without an offset, for a file or DataFrame.

    Returns:
        a :class:`Report`.

    Raises:
        EventError: with ``strict``, for the first bad event (the message names its line).
        slaclock.logs._eventlog.EventLogError: for a log file that cannot be read at all.

    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> msk = ZoneInfo("Europe/Moscow")
    >>> log = [
    ...     Event("A", datetime(2026, 5, 4, 9, tzinfo=msk), "opened", level="partner.standard"),
    ...     Event("A", datetime(2026, 5, 4, 11, tzinfo=msk), "responded"),
    ...     Event("B", datetime(2026, 5, 4, 10, tzinfo=msk), "opened",
    ...           level="commercial.operational"),
    ... ]
    >>> r = report(log, at=datetime(2026, 5, 6, 12, tzinfo=msk))
    >>> {t: s.metric("reaction").state for t, s in r.tickets.items()}
    {'A': 'met', 'B': 'breached'}
    >>> r.summary.as_dict()["compliance"]
    0.5
    """
    from ._dask import is_dask_frame, report_frame

    if is_dask_frame(events):  # partitioned by ticket, each partition by the pandas path
        return report_frame(events, policy, at=at, coverage=coverage, strict=strict, tz=tz)
    versions = as_versions(policy)
    grouped, rejected, count, signed, last = _group(events, tz)
    zone = desk_zone(versions)
    if at is None:
        if last is None:
            raise EventError("the log holds no events to report on")
        at = datetime.fromtimestamp(0, UTC) + timedelta(microseconds=last)
    at = at.astimezone(zone)
    replayer = Replayer(versions, at, coverage)
    order = tuple(dict.fromkeys(m for v in versions.versions for m in v.metrics))
    summary = Summary(order)
    tickets: dict[str, TicketStatus] = {}
    after_at = not_yet = 0
    for ticket_id, items in grouped.items():
        counted, left_out, after = replayer.ticket(ticket_id, items, signed.get(ticket_id))
        rejected.extend(left_out)
        after_at += after
        if counted is None:
            if not left_out:
                not_yet += 1
            continue
        tickets[ticket_id] = counted.status()
        summary._count(counted)
    rejected.sort(key=lambda b: b.line)
    if strict and rejected:
        raise EventError(f"line {rejected[0].line}: {rejected[0].reason}")
    return Report(at, tickets, rejected, summary, count, after_at, not_yet,
                  *goals_and_levels(versions))


def goals_and_levels(versions: RegulationVersions) -> tuple[dict[str, float], tuple[str, ...]]:
    """The compliance goals of the policy's levels, and its levels in order (the latest
    version's first)."""
    goals: dict[str, float] = {}
    order: dict[str, None] = {}
    for version in reversed(versions.versions):
        for key, level in version.levels.items():
            order.setdefault(key)
            if level.compliance is not None:
                goals.setdefault(key, level.compliance)
    return goals, tuple(order)


def _group(
    events: Iterable[Event] | str | os.PathLike[str] | pandas.DataFrame, tz: tzinfo | None
) -> tuple[
    dict[str, list[tuple[int, Happening]]], list[BadRow], int, dict[str, date], int | None
]:
    """The events by ticket (each ticket's opening first, then the rest in time order;
    tickets in the order they opened), the rows left out, how many were read, the
    contracts' signing dates the log gives, and the latest instant."""
    rejected: list[BadRow] = []
    signed: dict[str, date] = {}
    grouped: dict[str, list[tuple[int, Happening]]] = {}
    if isinstance(events, str | os.PathLike):
        log = EventLog.read(fspath(events), tz=tz)
        rejected.extend(log.bad)
        for ticket_id, rows in log.tickets.items():
            found = signed_of(row.signed for row in rows)
            if found is not None:
                signed[ticket_id] = found
            walked, refused = walkable(ticket_id, rows)
            rejected.extend(refused)
            if walked:
                grouped[ticket_id] = walked
        latest = None if log.last is None else to_us(log.last)
        return grouped, rejected, log.rows, signed, latest
    pairs: list[tuple[int, Event]]
    if _is_frame(events):
        pairs, count = _frame_events(events, tz, rejected)
    else:
        pairs = list(enumerate(events, 1))
        count = len(pairs)
        for position, event in pairs:
            if not isinstance(event, Event):
                raise TypeError(
                    f"expected Event values, a log file's path or a DataFrame; item "
                    f"{position} is a {type(event).__name__}"
                )
    by_ticket: dict[str, list[tuple[int, int, int, Event]]] = {}
    last: int | None = None
    for position, event in pairs:
        us = to_us(event.at)
        opening = 0 if event.kind in ("opened", "created") else 1
        by_ticket.setdefault(event.ticket, []).append((opening, us, position, event))
        if last is None or us > last:
            last = us
    for items in by_ticket.values():
        items.sort(key=lambda item: item[:3])
    for ticket_id, items in sorted(by_ticket.items(), key=lambda kv: kv[1][0][:3]):
        if items[0][0] != 0:
            reason = f"ticket {ticket_id!r} has no 'opened' event"
            rejected.extend(BadRow(p, reason, ticket_id) for _, _, p, _ in items)
            continue
        grouped[ticket_id] = [(p, e) for _, _, p, e in items]
    return grouped, rejected, count, signed, last


def _is_frame(value: object) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "itertuples")


def _frame_events(
    frame: Any, tz: tzinfo | None, rejected: list[BadRow]
) -> tuple[list[tuple[int, Event]], int]:
    """The events of a DataFrame in the log's columns (matched without regard to case)."""
    from slaclock.logs import parse_time

    columns = {str(c).strip().lower(): c for c in frame.columns}
    missing = [c for c in ("ticket", "time", "event") if c not in columns]
    if missing:
        raise EventError(
            f"the DataFrame lacks the column(s) {', '.join(missing)}: a log needs ticket, "
            "time and event"
        )
    names = ["ticket", "time", "event", "level", "detail", "coverage", "customer", "category",
             "status", "author", "field", "value", "fields"]
    present = [n for n in names if n in columns]
    out: list[tuple[int, Event]] = []
    for position, values in enumerate(
        frame[[columns[n] for n in present]].itertuples(index=False, name=None), 1
    ):
        cells = dict(zip(present, values, strict=True))
        cells = {k: _cell(v) for k, v in cells.items()}
        try:
            at = cells["time"]
            if isinstance(at, str):
                at = parse_time(at, tz)
            elif hasattr(at, "to_pydatetime"):
                at = at.to_pydatetime()
            kind = cells["event"]
            ticket = cells["ticket"]
            general = _general(
                str(kind), cells.get("level"), cells.get("status"), cells.get("author"),
                cells.get("field"), cells.get("value"), cells.get("fields"),
            )
            if isinstance(general, str):
                raise EventError(general)
            level, status, author, fields, builtin = general or (None, None, None, None, {})
            out.append((position, Event(
                str(ticket) if ticket is not None else "", at, kind,
                level or cells.get("level") if kind in _LEVELLED else None,
                cells.get("detail"),
                cast("Coverage | None", builtin.get("coverage") or cells.get("coverage")),
                builtin.get("customer") or cells.get("customer"),
                builtin.get("category") or cells.get("category"), status=status,
                author=cast("Role | None", author), fields=fields,
            )))
        except (EventError, ValueError) as error:
            ticket = cells.get("ticket")
            rejected.append(BadRow(position, str(error), None if ticket is None else str(ticket)))
    return out, len(frame)


def _cell(value: object) -> Any:
    """A DataFrame cell as the log reader reads a cell: stripped text, an empty one (or
    NaN, NaT, ``pd.NA``, None) missing."""
    if isinstance(value, str):
        return value.strip() or None
    if type(value).__name__ == "NAType":  # pandas' NA, of nullable and Arrow columns
        return None
    try:
        if value is None or value != value:  # NaN and NaT are not equal to themselves
            return None
    except (TypeError, ValueError):
        pass
    return value
