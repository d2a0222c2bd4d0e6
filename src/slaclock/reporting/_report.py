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
day the ticket opened (:func:`~slaclock.sla.governing`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from slaclock._errors import ConfigError, EventError
from slaclock._instants import to_us
from slaclock.calendars import one_warning
from slaclock.logs import format_time
from slaclock.reporting._replay import Replayer, Tally, replay_tickets
from slaclock.reporting._result import Report, finish, goals_and_levels, report_instant
from slaclock.reporting._sources import Source, read_source
from slaclock.reporting._summary import Summary
from slaclock.sla import Event, Regulation, RegulationVersions, as_versions

if TYPE_CHECKING:
    import pandas

__all__ = ["Report", "Summary", "goals_and_levels", "report"]


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
            (``ticket``, ``time`` as timestamps or ISO text, ``event``, ``signed`` as
            dates or ISO text, ...), or a Dask DataFrame with them, replayed partition by
            partition where the partitions are (:doc:`/howto/dask`; a rejected row's
            line is its position in the whole frame).
        policy: a :class:`~slaclock.Regulation` or :class:`~slaclock.RegulationVersions`
            (with its contracts); the default policy when ``None``.
        at: the instant of the report (default: the latest event's).
        coverage: the default coverage of every ticket.
        strict: raise on the first event left out instead of reporting it.
        tz: the zone of times without one (text without an offset, naive timestamps),
            for a file or DataFrame; without it, such a time is refused.

    Returns:
        a :class:`Report`.

    Raises:
        EventError: with ``strict``, for the first bad event (the message names its line);
            without ``at``, for a log with no event to report on (the message says the
            first row refused, if any was); without ``at``, for a latest event past the end
            of year 9999 in the desk's zone (the message names its line and ticket).
        slaclock.EventLogError: for a log file that cannot be read at all.
        ConfigError: ``at`` is past the end of year 9999 in the desk's zone.

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
    # One ProvisionalCalendarWarning for every provisional year the report compiled.
    return one_warning(_report, events, policy, at, coverage, strict, tz)


def _report(
    events: Iterable[Event] | str | os.PathLike[str] | pandas.DataFrame | Any,
    policy: Regulation | RegulationVersions | None,
    at: datetime | None,
    coverage: str | None,
    strict: bool,
    tz: tzinfo | None,
) -> Report:
    from slaclock.reporting._dask import is_dask_frame, report_frame

    if is_dask_frame(events):  # partitioned by ticket, each partition by the pandas path
        return report_frame(events, policy, at=at, coverage=coverage, strict=strict, tz=tz)
    versions = as_versions(policy)
    read = _in_columns(events)
    if read is not None:  # a log of the common shape: read and replayed in columns
        from slaclock.reporting._columnar import replay_columns

        columns = read.columns
        source = Source((columns.ticket(i) for i in range(len(columns.ids))),
                        read.rejected, read.rows, read.last)
        at = _instant(versions, at, source)
        tally = Tally(Summary(versions.metric_names), read.rejected)
        table = replay_columns(Replayer(versions, at, coverage), columns, tally).table
        assert tally.summary is not None
        tally.summary._count_table(table)
        tickets = {table.ticket[i]: table.counted(i).status() for i in range(len(table))}
        return finish(versions, at, tickets, tally, read.rows, strict)
    source = read_source(events, tz)
    at = _instant(versions, at, source)
    tally = Tally(Summary(versions.metric_names), source.rejected)
    tickets = {
        replayed.ticket: replayed.counted.status()
        for replayed in replay_tickets(Replayer(versions, at, coverage), source.tickets, tally)
    }
    return finish(versions, at, tickets, tally, source.rows, strict)


def _in_columns(events: object) -> Any:
    """The event log at path ``events`` read in columns, when it is a CSV log of the
    common shape and NumPy and pyarrow are installed (the command's extra brings them);
    else ``None``: the log is read by rows."""
    if not isinstance(events, str | os.PathLike):
        return None
    try:
        from slaclock.reporting._columns_read import read_columns
    except ImportError:  # no NumPy or pyarrow: the library alone
        return None
    return read_columns(os.fspath(events))


def _instant(
    versions: RegulationVersions, at: datetime | None, source: Source
) -> datetime:
    """The report's instant in the desk's zone (:func:`report_instant`), or a clear error
    for one that zone cannot write: later than the end of year 9999 there.

    Raises:
        ConfigError: for ``at``.
        EventError: without ``at``, for the latest event, named by its line and ticket.
    """
    try:
        return report_instant(versions, at, source.last, source.rejected)
    except OverflowError:
        pass
    past = "is past the end of year 9999 in the desk's zone, the last a report can count"
    if at is not None:
        raise ConfigError("at", at, f"{past}: give an earlier instant") from None
    line, ticket, when = max(
        ((line, t.ticket, event.at) for t in source.tickets for line, event in t.events),
        key=lambda found: (to_us(found[2]), -found[0]),
    )
    raise EventError(
        f"line {line}: ticket {ticket!r}: {format_time(when)} {past}: check the row's "
        "time, or give the report's instant (at)"
    ) from None
