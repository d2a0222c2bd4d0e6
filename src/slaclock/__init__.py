"""slaclock: SLA business time for support desks.

A :class:`Calendar` says when a desk works; its methods answer how much working time lies
between two instants, when a deadline falls, and when the desk next opens or closes. A
:class:`Regulation` says what a desk promises; a :class:`Ticket` replays its events and
tells whether the promise was kept.

The SLA model is loaded on first use of one of its names, so ``import slaclock`` stays
light: no NumPy, pandas or country data until a calendar needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._calendar import Calendar, CombinedCalendar
from ._days import DaySource, YearRules
from ._errors import (
    ConfigError,
    Datetime64AssumedUTCWarning,
    EventError,
    HorizonError,
    LongCompileWarning,
    NaiveDatetimeError,
    PolicyError,
    ProvisionalCalendarWarning,
    SlaclockError,
    SlaclockWarning,
    UnknownLevelError,
)
from ._hours import WeeklyHours
from ._schedule import Schedule
from ._summary import PeriodSummary, YearSummary

if TYPE_CHECKING:
    from ._clock import Event, MetricStatus, Ticket, TicketStatus, order_queue, replay
    from ._policy import (
        COVERAGES,
        METRICS,
        Contract,
        Level,
        Regulation,
        RegulationVersions,
        Target,
        load_calendar,
        load_policy,
        parse_policy,
    )

__version__ = "0.1.0.dev0"

__all__ = [
    # calendars and their arithmetic
    "Calendar",
    "CombinedCalendar",
    "DaySource",
    "PeriodSummary",
    "Schedule",
    "WeeklyHours",
    "YearRules",
    "YearSummary",
    # service levels, contracts, ticket clocks
    "COVERAGES",
    "METRICS",
    "Contract",
    "Event",
    "Level",
    "MetricStatus",
    "Regulation",
    "RegulationVersions",
    "Target",
    "Ticket",
    "TicketStatus",
    "load_calendar",
    "load_policy",
    "order_queue",
    "parse_policy",
    "replay",
    # errors and warnings
    "ConfigError",
    "Datetime64AssumedUTCWarning",
    "EventError",
    "HorizonError",
    "LongCompileWarning",
    "NaiveDatetimeError",
    "PolicyError",
    "ProvisionalCalendarWarning",
    "SlaclockError",
    "SlaclockWarning",
    "UnknownLevelError",
]

# Public classes say they are slaclock's (in tracebacks, reprs and the docs).
for _cls in (Calendar, CombinedCalendar, Schedule, WeeklyHours, DaySource, YearRules,
             YearSummary, PeriodSummary, ConfigError, EventError, HorizonError,
             NaiveDatetimeError, PolicyError, ProvisionalCalendarWarning, SlaclockError,
             UnknownLevelError, SlaclockWarning, LongCompileWarning,
             Datetime64AssumedUTCWarning):
    _cls.__module__ = __name__
del _cls

#: Names loaded on first use, and the module that defines each.
_LAZY = {
    **dict.fromkeys(
        ("Event", "MetricStatus", "Ticket", "TicketStatus", "order_queue", "replay"),
        "slaclock._clock",
    ),
    **dict.fromkeys(
        ("COVERAGES", "METRICS", "Contract", "Level", "Regulation", "RegulationVersions",
         "Target", "load_calendar", "load_policy", "parse_policy"),
        "slaclock._policy",
    ),
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'slaclock' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
