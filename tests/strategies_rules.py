"""Hypothesis strategies for the policy's levels, rules and calendars (issue #22's items on
selection rules and schedules), beside the shared ones in ``strategies``."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from slaclock import ConfigError, WeeklyHours
from strategies import day_hours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours:
    """Random weekly hours: each weekday closed or one to three intervals, maybe one
    overnight (combinations that run into the next day are rejected)."""
    week = {day: draw(day_hours()) for day in WEEKDAYS}
    try:
        return WeeklyHours.parse(week)
    except ConfigError:
        assume(False)
        raise  # pragma: no cover - assume(False) does not return
