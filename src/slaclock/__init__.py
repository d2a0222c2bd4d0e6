"""slaclock: SLA business time for support desks.

A :class:`Calendar` says when a desk works; its methods answer how much working time lies
between two instants, when a deadline falls, and when the desk next opens or closes. A
:class:`Regulation` says what a desk promises; a :class:`Ticket` replays its events and
tells whether the promise was kept; :func:`report` sums up a log of many tickets.

This module is the small public face. Two public submodules hold the rest:
:mod:`slaclock.policy` (the policy's parts: levels, targets, metric definitions, the rule
that says which terms govern a ticket) and :mod:`slaclock.helpdesks` (helpdesk exports and
the helpdesk's own verdicts). :mod:`slaclock.pandas` adds the ``.sla`` accessor.

The SLA model is loaded on first use of one of its names, so ``import slaclock`` stays
light: no NumPy, pandas or country data until a calendar needs them.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING

from slaclock._errors import (
    CalendarFileError,
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
from slaclock._version import __version__ as __version__
from slaclock.calendars._calendar import Calendar
from slaclock.calendars._days import DaySource, YearRules
from slaclock.calendars._hours import WeeklyHours
from slaclock.calendars._schedule import CombinedCalendar, Schedule
from slaclock.calendars._summary import PeriodSummary, YearSummary

if TYPE_CHECKING:
    from slaclock.calendars._dated import DatedDays
    from slaclock.calendars._ics import calendar_to_ics, read_ics
    from slaclock.logs import BadRow, EventLogError
    from slaclock.reporting import Report, Summary, replay, report
    from slaclock.sla import (
        Change,
        Contract,
        Event,
        MetricStatus,
        Regulation,
        RegulationVersions,
        Ticket,
        TicketStatus,
        load_calendar,
        load_policy,
        order_queue,
    )

__all__ = [
    # calendars and their arithmetic
    "Calendar",
    "CombinedCalendar",
    "DatedDays",
    "DaySource",
    "PeriodSummary",
    "Schedule",
    "WeeklyHours",
    "YearRules",
    "YearSummary",
    "calendar_to_ics",
    "read_ics",
    # the policy a desk runs on (its parts: slaclock.policy)
    "Contract",
    "Regulation",
    "RegulationVersions",
    "load_calendar",
    "load_policy",
    # tickets and their clocks
    "Change",
    "Event",
    "MetricStatus",
    "Ticket",
    "TicketStatus",
    "order_queue",
    "replay",
    # reports over ticket histories (helpdesk exports: slaclock.helpdesks)
    "BadRow",
    "Report",
    "Summary",
    "report",
    # errors and warnings
    "CalendarFileError",
    "ConfigError",
    "Datetime64AssumedUTCWarning",
    "EventError",
    "EventLogError",
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
             YearSummary, PeriodSummary, CalendarFileError, ConfigError, EventError, HorizonError,
             NaiveDatetimeError, PolicyError, ProvisionalCalendarWarning, SlaclockError,
             UnknownLevelError, SlaclockWarning, LongCompileWarning,
             Datetime64AssumedUTCWarning):
    _cls.__module__ = __name__
del _cls

#: The public names loaded on first use, and the module that serves each.
_LAZY = {
    **dict.fromkeys(
        ("Change", "Contract", "Event", "MetricStatus", "Regulation", "RegulationVersions",
         "Ticket", "TicketStatus", "load_calendar", "load_policy", "order_queue"),
        "slaclock.sla",
    ),
    **dict.fromkeys(("Report", "Summary", "replay", "report"), "slaclock.reporting"),
    **dict.fromkeys(("BadRow", "EventLogError"), "slaclock.logs"),
    "DatedDays": "slaclock.calendars._dated",
    **dict.fromkeys(("calendar_to_ics", "read_ics"), "slaclock.calendars._ics"),
}

#: Names slaclock 0.1 served here that moved to a public submodule: still served, with a
#: DeprecationWarning naming the new place; they go in slaclock 0.2.
_MOVED = {
    **dict.fromkeys(
        ("CATEGORIES", "COVERAGES", "Deadlines", "Level", "LevelRule", "MetricDefinition",
         "Options", "Target", "metric_library", "parse_policy"),
        "slaclock.policy",
    ),
    **dict.fromkeys(
        ("BreachComparison", "Export", "ExportError", "ExportMapping", "MappingError",
         "Unknown", "ZENDESK_METRICS", "ZendeskMetricEvent", "calendar_from_zendesk",
         "compare_breaches", "load_mapping", "read_export", "read_zendesk_metric_events"),
        "slaclock.helpdesks",
    ),
}


#: The public submodules, loaded on first use as attributes too (``slaclock.policy``).
_SUBMODULES = ("policy", "helpdesks")


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module_name = _LAZY.get(name)
    if module_name is not None:
        value = getattr(importlib.import_module(module_name), name)
        globals()[name] = value
        return value
    new_home = _MOVED.get(name)
    if new_home is not None:
        warnings.warn(
            f"slaclock.{name} moved to {new_home}.{name}; import it from there (the old "
            "name goes in slaclock 0.2)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new_home), name)
    raise AttributeError(f"module 'slaclock' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
