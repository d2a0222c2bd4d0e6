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

__version__ = "0.1.0.dev0"

__all__ = [
    # calendars and their arithmetic
    "Calendar",
    "CombinedCalendar",
    "DaySource",
    "Schedule",
    "WeeklyHours",
    "YearRules",
    # errors and warnings
    "ConfigError",
    "HorizonError",
    "NaiveDatetimeError",
    "ProvisionalCalendarWarning",
    "SlaclockError",
]
