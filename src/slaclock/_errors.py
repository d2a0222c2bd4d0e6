"""The errors and warnings slaclock raises.

Every error is a :class:`SlaclockError`, so ``except slaclock.SlaclockError`` catches
everything the library raises on purpose. The subclasses say what was wrong and how to
fix it; those about bad values are also :class:`ValueError`.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "HorizonError",
    "NaiveDatetimeError",
    "ProvisionalCalendarWarning",
    "SlaclockError",
]


class SlaclockError(Exception):
    """Base class of every error slaclock raises on purpose."""


class ConfigError(SlaclockError, ValueError):
    """A calendar, policy or contract was described with an invalid value.

    Attributes:
        field: the name of the field (or key) that was wrong, e.g. ``"hours"``.
        value: the offending value, as given.
    """

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field}: {problem} (got {value!r})")


class NaiveDatetimeError(SlaclockError, ValueError):
    """A datetime without a time zone was given where an instant is needed.

    slaclock never guesses a zone: attach one, e.g.
    ``dt.replace(tzinfo=zoneinfo.ZoneInfo("Europe/Moscow"))``.
    """

    def __init__(self, name: str, value: object) -> None:
        self.name = name
        self.value = value
        super().__init__(
            f"{name} is a naive datetime ({value!r}): slaclock needs an instant. Attach a "
            "time zone, e.g. dt.replace(tzinfo=zoneinfo.ZoneInfo('Europe/Moscow')), or pass "
            "an aware datetime (one with an offset)."
        )


class HorizonError(SlaclockError):
    """A query needs working time the calendar does not have within reach.

    Raised, for example, when a deadline is asked of a calendar that never opens, or
    would fall outside the years a :class:`datetime.datetime` can hold (1 to 9999).
    """


class ProvisionalCalendarWarning(UserWarning):
    """A year was compiled from rules rather than from a published official calendar.

    Years past the last official production calendar slaclock ships are computed from the
    fixed holidays alone, without the government's transfers of days off, and may change
    once the decree for that year is published. Filter it, or turn it into an error::

        warnings.simplefilter("error", slaclock.ProvisionalCalendarWarning)
    """
