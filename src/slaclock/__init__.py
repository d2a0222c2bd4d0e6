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

from ._errors import (
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
from .calendars._calendar import Calendar, CombinedCalendar
from .calendars._days import DaySource, YearRules
from .calendars._hours import WeeklyHours
from .calendars._schedule import Schedule
from .calendars._summary import PeriodSummary, YearSummary

if TYPE_CHECKING:
    from .calendars._dated import DatedDays
    from .calendars._ics import calendar_to_ics, read_ics
    from .calendars._zendesk_schedule import calendar_from_zendesk
    from .helpdesks import Export, Unknown, read_export
    from .helpdesks._mapping import ExportError, ExportMapping, MappingError, load_mapping
    from .helpdesks._zendesk_metrics import (
        ZENDESK_METRICS,
        BreachComparison,
        ZendeskMetricEvent,
        compare_breaches,
        read_zendesk_metric_events,
    )
    from .logs import BadRow
    from .reporting._replay import replay
    from .reporting._report import Report, Summary, report
    from .sla import (
        CATEGORIES,
        COVERAGES,
        Contract,
        Deadlines,
        Event,
        Level,
        LevelRule,
        MetricDefinition,
        MetricStatus,
        Options,
        Regulation,
        RegulationVersions,
        Target,
        Ticket,
        TicketStatus,
        load_calendar,
        load_policy,
        metric_library,
        order_queue,
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
    # calendars from other tools, and out to them
    "DatedDays",
    "calendar_from_zendesk",
    "calendar_to_ics",
    "read_ics",
    # service levels, contracts, ticket clocks
    "CATEGORIES",
    "COVERAGES",
    "Contract",
    "Deadlines",
    "Event",
    "Level",
    "LevelRule",
    "MetricDefinition",
    "MetricStatus",
    "Options",
    "Regulation",
    "RegulationVersions",
    "Target",
    "Ticket",
    "TicketStatus",
    "load_calendar",
    "load_policy",
    "metric_library",
    "order_queue",
    "parse_policy",
    "replay",
    # reports over ticket histories
    "BadRow",
    "Report",
    "Summary",
    "report",
    # helpdesk exports in: mappings, importers, Zendesk's own verdicts
    "BreachComparison",
    "Export",
    "ExportMapping",
    "Unknown",
    "ZENDESK_METRICS",
    "ZendeskMetricEvent",
    "compare_breaches",
    "load_mapping",
    "read_export",
    "read_zendesk_metric_events",
    # errors and warnings
    "CalendarFileError",
    "ConfigError",
    "Datetime64AssumedUTCWarning",
    "EventError",
    "ExportError",
    "HorizonError",
    "LongCompileWarning",
    "MappingError",
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

#: Names loaded on first use, and the module that defines each.
_LAZY = {
    **dict.fromkeys(
        ("Event", "MetricStatus", "Ticket", "TicketStatus", "order_queue"),
        "slaclock.sla",
    ),
    **dict.fromkeys(
        ("CATEGORIES", "COVERAGES", "Contract", "Deadlines", "Level", "LevelRule",
         "MetricDefinition", "Options", "Regulation", "RegulationVersions", "Target",
         "load_calendar", "load_policy", "metric_library", "parse_policy"),
        "slaclock.sla",
    ),
    **dict.fromkeys(("Report", "Summary", "report"), "slaclock.reporting._report"),
    "replay": "slaclock.reporting._replay",
    "BadRow": "slaclock.logs",
    "DatedDays": "slaclock.calendars._dated",
    "calendar_from_zendesk": "slaclock.calendars._zendesk_schedule",
    **dict.fromkeys(("calendar_to_ics", "read_ics"), "slaclock.calendars._ics"),
    **dict.fromkeys(("Export", "Unknown", "read_export"), "slaclock.helpdesks"),
    **dict.fromkeys(("ExportError", "ExportMapping", "MappingError", "load_mapping"),
                    "slaclock.helpdesks._mapping"),
    **dict.fromkeys(("ZENDESK_METRICS", "BreachComparison", "ZendeskMetricEvent",
                     "compare_breaches", "read_zendesk_metric_events"),
                    "slaclock.helpdesks._zendesk_metrics"),
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
