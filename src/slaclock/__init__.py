"""slaclock: SLA business time for support desks.

A :class:`Calendar` says when a desk works; its methods answer how much working time lies
between two instants, when a deadline falls, and when the desk next opens or closes.
"""

from __future__ import annotations

from ._calendar import Calendar, CombinedCalendar
from ._days import DaySource, YearRules
from ._errors import (
    ConfigError,
    HorizonError,
    NaiveDatetimeError,
    ProvisionalCalendarWarning,
    SlaclockError,
)
from ._hours import WeeklyHours
from ._schedule import Schedule
from ._summary import PeriodSummary, YearSummary

__version__ = "0.1.0.dev0"

# Public classes say they are slaclock's (in tracebacks, reprs and the docs).
for _name in ("Calendar", "CombinedCalendar", "Schedule", "WeeklyHours", "DaySource", "YearRules",
              "YearSummary", "PeriodSummary",
              "ConfigError", "HorizonError", "NaiveDatetimeError", "ProvisionalCalendarWarning",
              "SlaclockError"):
    globals()[_name].__module__ = __name__
del _name

# Modules loaded on first use of one of their names (``from slaclock import Regulation``).
_LAZY_MODULES = ("slaclock._policy", "slaclock._clock", "slaclock._arrays")


def __getattr__(name: str) -> object:
    import importlib

    for module_name in _LAZY_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                continue
            raise
        if name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            globals()[name] = value
            return value
    raise AttributeError(f"module 'slaclock' has no attribute {name!r}")

__all__ = [
    # calendars and their arithmetic
    "Calendar",
    "CombinedCalendar",
    # errors and warnings
    "ConfigError",
    "DaySource",
    "HorizonError",
    "NaiveDatetimeError",
    "ProvisionalCalendarWarning",
    "Schedule",
    "SlaclockError",
    "WeeklyHours",
    "YearRules",
]
