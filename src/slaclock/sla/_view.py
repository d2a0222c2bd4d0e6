"""A ticket's status as a web view shows it (:meth:`~slaclock.TicketStatus.view`): per
metric its title, goal, whether its calendar is open now, its completed cycles and the
ongoing one; per cycle the working time elapsed and left (in milliseconds and as working
hours), the breach time, whether it is breached, met, paused or counting, the share used
and the warning thresholds reached; and the ticket's next change.

The shape follows what helpdesks answer for a ticket's SLA: Jira Service Management's SLA
REST resource (``completedCycles``, ``ongoingCycle`` with ``goalDuration``,
``elapsedTime``, ``remainingTime``, ``breachTime``, ``breached``, ``paused``,
``withinCalendarHours``, durations in milliseconds with a friendly text) and ServiceNow's
``task_sla`` (business and actual elapsed time, percentage, time left, original breach
time). Its JSON Schema is shipped in the package (``slaclock/data/schemas/
ticket-view.schema.json``) and documented in :doc:`/reference/ticket-view`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from slaclock._errors import HorizonError
from slaclock._instants import duration_us, instant_text, to_us
from slaclock.calendars import Schedule, one_warning
from slaclock.sla._changes import Change, ticket_changes
from slaclock.sla._count import Cycle, Kept
from slaclock.sla._status import (
    MetricStatus,
    TicketStatus,
    local_datetime,
    register_view,
    working_hours,
)

if TYPE_CHECKING:
    from slaclock.sla._ticket import Ticket

__all__ = ["VIEW_FORMAT", "status_view"]

#: The version of the view's shape (its schema's ``format``).
VIEW_FORMAT = 1


class _Facts:
    """What a view reads of the ticket besides its status: each clock's title, calendar
    and cycle, the level's title, the next change."""

    __slots__ = ("cycles", "kept", "level_title", "next_change", "schedules", "stops",
                 "titles")

    def __init__(self) -> None:
        self.titles: dict[str, str] = {}
        self.level_title: str | None = None
        self.schedules: list[Schedule | None] = []
        self.cycles: list[Cycle | None] = []
        #: When each clock's cycle ended (UTC microseconds), or ``None``.
        self.stops: list[int | None] = []
        self.next_change: Change | None = None
        #: What the ticket's kept walk keeps of its ended cycles (their views), if any.
        self.kept: Kept | None = None


def _facts(status: TicketStatus) -> _Facts:
    facts = _Facts()
    live = status._live
    facts.cycles = [None] * len(status.metrics)
    facts.schedules = [None] * len(status.metrics)
    facts.stops = [None] * len(status.metrics)
    if live is None:
        return facts
    ticket = cast("Ticket", live[0])
    warn, recorded = live[1], live[2]
    regulation = ticket.regulation
    facts.titles = {name: m.title or name for name, m in regulation.metrics.items()}
    facts.level_title = regulation.level(status.level).title
    if len(ticket._events) != recorded:
        return facts  # the ticket recorded events since: its clocks are no longer these
    at = status.at
    at_us = to_us(at, "at")
    walk, times = ticket._walk_to(at_us, None)
    cycles: list[Cycle] = []
    counted = walk.count(ticket.id, times, at, at_us, ticket.at_risk, cycles, warn)
    facts.cycles = list(cycles)
    facts.kept = walk.ended
    facts.stops = [None if c.end is None else times[c.end] for c in cycles]
    facts.schedules = [None if c.clock is None else walk.calendars[c.clock]
                       for c in counted.clocks]
    found = ticket_changes(ticket, at, None, warn)
    facts.next_change = found[0] if found else None
    return facts


def status_view(status: TicketStatus) -> dict[str, Any]:
    """The view of ``status`` (:meth:`TicketStatus.view <slaclock.TicketStatus.view>`)."""
    return one_warning(_view, status)


def _view(status: TicketStatus) -> dict[str, Any]:
    facts = _facts(status)
    at = status.at
    metrics: list[dict[str, Any]] = []
    by_name: dict[str, dict[str, Any]] = {}
    opens: dict[int, bool] = {}
    for m, cycle, schedule, stop in zip(status.metrics, facts.cycles, facts.schedules,
                                        facts.stops, strict=True):
        within = None
        if schedule is not None:
            within = opens.get(id(schedule))
            if within is None:
                within = opens[id(schedule)] = schedule.is_open(at)
        entry = by_name.get(m.metric)
        if entry is None:
            entry = by_name[m.metric] = {
                "name": m.metric,
                "title": facts.titles.get(m.metric, m.metric),
                "promised": m.promised,
                "clock": m.clock,
                "within_calendar_hours": within,
                "goal": _duration(m.target),
                "completed_cycles": [],
                "ongoing_cycle": None,
            }
            metrics.append(entry)
        # An ended cycle's view is the same at every later instant but for its calendar's
        # hours: made once for the ticket's kept walk.
        kept = facts.kept if cycle is not None and cycle.end is not None else None
        known = None if kept is None else kept.views.get(id(m))
        if known is not None and known[0] is m:
            shown = _copy(known[1])
            shown["within_calendar_hours"] = within
        else:
            shown = _cycle(m, cycle, schedule, within, at, stop)
            if kept is not None:
                kept.views[id(m)] = (m, _copy(shown))
        if m.clock is not None:
            entry["clock"], entry["within_calendar_hours"] = m.clock, within
        if m.target is not None:
            entry["goal"] = shown["goal"]
        if shown["ongoing"]:
            entry["ongoing_cycle"] = shown
        else:
            entry["completed_cycles"].append(shown)
        del shown["ongoing"]
    change = facts.next_change
    due = status.next_due
    return {
        "format": VIEW_FORMAT,
        "ticket": status.ticket,
        "at": instant_text(at),
        "level": status.level,
        "level_title": facts.level_title or status.level,
        "coverage": status.coverage,
        "state": status.state,
        "opened": instant_text(status.opened),
        "customer": status.customer,
        "critical": status.critical,
        "at_risk": status.at_risk,
        "breached": status.breached,
        "next_due": None if due is None else {
            "metric": due.metric, "cycle": due.cycle, "breach_time": _iso(due.deadline),
        },
        "next_change": None if change is None else {
            "at": instant_text(change.at), "metric": change.metric, "cycle": change.cycle,
            "what": change.what, "threshold": change.threshold,
        },
        "metrics": metrics,
    }


def _cycle(m: MetricStatus, cycle: Cycle | None, schedule: Schedule | None,
           within: bool | None, at: datetime, stop: int | None) -> dict[str, Any]:
    """One cycle of a clock as the view shows it (``ongoing``: whether it has not ended,
    taken out by the caller); ``stop``: when it ended, in UTC microseconds, when known."""
    if cycle is not None:
        ended = cycle.end is not None
        counting_span = cycle.counting
    else:  # a status made without its ticket (a report's): read from the status alone
        ended = m.state in ("met", "not_applicable") or (
            m.state == "breached" and m.met_at is not None)
        counting_span = m.state == "running"
    ongoing = not ended and m.state in ("running", "paused", "breached")
    stopped = None
    if not ongoing:
        stopped = m.met_at if stop is None else local_datetime(stop, at.tzinfo)
    end = stopped if stopped is not None else at
    actual = end - m.start if end >= m.start else timedelta(0)
    original = None
    # A running clock whose deadline is hidden (the target's hidden_in) shows no breach
    # time of any kind while it is.
    hidden = ongoing and m.state == "running" and m.deadline is None
    if schedule is not None and m.target is not None and not hidden:
        try:
            original = schedule.add(m.start, m.target)
        except HorizonError:
            original = None
    return {
        "cycle": m.cycle,
        "state": m.state,
        "ongoing": ongoing,
        "start": instant_text(m.start),
        "goal": _duration(m.target),
        "elapsed": _duration(m.elapsed),
        "actual_elapsed": _duration(actual),
        "remaining": _duration(m.remaining),
        "breach_time": _iso(m.deadline),
        "original_breach_time": _iso(original),
        "breached": m.state == "breached",
        "breached_at": _iso(m.breached_at),
        "met_at": _iso(m.met_at),
        "stop_time": _iso(stopped),
        "paused": ongoing and not counting_span,
        "counting": ongoing and counting_span and within is not False,
        "within_calendar_hours": within,
        "used": m.used,
        "percentage": None if m.used is None else round(m.used * 100, 2),
        "at_risk": m.at_risk,
        "warned": list(m.warned),
    }


#: The parts of a cycle's view that are dicts and lists (copied with it).
_NESTED = ("goal", "elapsed", "actual_elapsed", "remaining")


def _copy(cycle: dict[str, Any]) -> dict[str, Any]:
    """A cycle's view, its durations and thresholds copied: a view is the caller's to
    change, a kept one is not."""
    out = dict(cycle)
    for key in _NESTED:
        value = out[key]
        if value is not None:
            out[key] = dict(value)
    out["warned"] = list(out["warned"])
    return out


def _iso(value: datetime | None) -> str | None:
    return None if value is None else instant_text(value)


def _duration(value: timedelta | None) -> dict[str, Any] | None:
    """A duration as milliseconds (toward zero) and as working hours."""
    if value is None:
        return None
    us = duration_us(value)
    millis = us // 1000 if us >= 0 else -((-us) // 1000)
    return {"millis": millis, "text": working_hours(value)}


register_view(status_view)
