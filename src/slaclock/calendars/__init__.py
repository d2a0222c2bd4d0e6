"""The calendar engine: when a desk works, compiled into a timeline, and exact arithmetic on
it (working time between two instants, the deadline after a working duration, the next
opening), one instant at a time or over arrays.

The wing at the bottom of slaclock: it imports nothing from the SLA model, the logs or the
reports above it. What the other wings use of it is named here; NumPy (``_vector``,
``_arrays``) and the calendar files (``_ics``, ``_zendesk_schedule``) are imported where
used.
"""

from slaclock.calendars._calendar import Calendar, CombinedCalendar
from slaclock.calendars._provisional import one_warning, spans
from slaclock.calendars._schedule import Schedule
from slaclock.calendars._timeline import MAX_YEAR

__all__ = ["MAX_YEAR", "Calendar", "CombinedCalendar", "Schedule", "one_warning", "spans"]
