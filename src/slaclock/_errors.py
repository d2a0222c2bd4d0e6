"""The errors and warnings slaclock raises.

Every error is a :class:`SlaclockError`, so ``except slaclock.SlaclockError`` catches
everything the library raises on purpose. The subclasses say what was wrong and how to
fix it; those about bad values are also :class:`ValueError`.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = [
    "CalendarFileError",
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


class SlaclockError(Exception):
    """Base class of every error slaclock raises on purpose.

    Every one pickles as itself, its attributes with it: an error raised in a worker
    process is raised again, unchanged, by the process that asked.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls the class with the message alone, which the
        # subclasses that take their parts (field, value, problem) would refuse.
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(cls: type[SlaclockError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """An error unpickled: its message and attributes as they were, without ``__init__``."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


#: The errors that say the input is wrong (a bad value or file, an unknown name), not
#: slaclock: the command says them in one line and exits with code 2.
INPUT_ERRORS: tuple[type[Exception], ...] = (SlaclockError, OSError, ValueError, LookupError)


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


class SlaclockWarning(UserWarning):
    """Base class of the warnings slaclock emits: each names a footgun the caller can
    silence on its own (``warnings.simplefilter("ignore", slaclock.LongCompileWarning)``)
    or turn into an error."""


class LongCompileWarning(SlaclockWarning):
    """One call compiled more than 200 years of a calendar.

    A calendar compiles the years a query touches; hundreds of them cost time (about a
    millisecond a year) and memory, and are seldom meant: a deadline of centuries of
    working time, an instant in year 9999, a NumPy array with one stray date. The
    answer is still exact.
    """


class Datetime64AssumedUTCWarning(SlaclockWarning):
    """A NumPy ``datetime64`` array was read as UTC instants.

    ``datetime64`` values carry no zone; slaclock reads them as UTC, which is right for
    times exported as UTC and silently wrong for local wall-clock times. Pass a tz-aware
    pandas Series (``series.dt.tz_localize("Europe/Moscow")``) or aware datetimes to say
    which, or silence the warning when the arrays are UTC::

        warnings.simplefilter("ignore", slaclock.Datetime64AssumedUTCWarning)
    """


class ProvisionalCalendarWarning(SlaclockWarning):
    """A year was compiled from rules rather than from a published official calendar.

    Years past the last official production calendar slaclock ships are computed from the
    fixed holidays alone, without the government's transfers of days off, and may change
    once the decree for that year is published. Filter it, or turn it into an error::

        warnings.simplefilter("error", slaclock.ProvisionalCalendarWarning)

    Attributes:
        years: the provisional years the warning is about, in order.
    """

    def __init__(self, message: str, years: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.years = years


class _FileKeyError(ConfigError):
    """A value of a file the user wrote or exported, named by the file and its dotted key:
    ``desk.toml: levels.vip.reaction.hours: expected a positive number (got -4)``. The
    file as a whole (``field`` ``"<file>"``: not UTF-8, not valid TOML) is named alone:
    ``desk.toml: not valid TOML: ...``."""

    def __init__(self, path: str, field: str, value: object, problem: str) -> None:
        self.path = path
        self.field = field
        self.value = value
        self.problem = problem
        if field == "<file>" and value is None:
            ValueError.__init__(self, f"{path}: {problem}")
        else:
            ValueError.__init__(self, f"{path}: {field}: {problem} (got {value!r})")


class PolicyError(_FileKeyError):
    """A policy file (TOML or JSON) is malformed or describes an invalid policy.

    Attributes:
        path: the file's name as given (or ``"<policy>"`` for a mapping), e.g.
            ``"desk.toml"``.
        field: the dotted key that was wrong, e.g. ``"levels.vip.reaction.hours"``.
        value: the offending value, as read.
    """


class CalendarFileError(_FileKeyError):
    """A calendar file from elsewhere (a Zendesk schedule, an ICS file) cannot be read.

    Attributes:
        path: the file's name as given (``"<schedule>"`` or ``"<ics>"`` for data passed
            directly), e.g. ``"schedule.json"``.
        field: where in the file: a record (``"schedule.intervals[3]"``,
            ``"holidays[0].end_date"``) or a line (``"line 12 (VEVENT)"``).
        value: the offending value, as read.
    """



class UnknownLevelError(SlaclockError, LookupError):
    """A service level was asked for by a key the policy does not define.

    The message names the closest known key when one is near (a typo such as
    ``commercial.standart``), then every key the policy defines.

    Attributes:
        key: the key asked for.
        known: the keys the policy defines.
    """

    def __init__(self, key: object, known: tuple[str, ...]) -> None:
        from difflib import get_close_matches

        self.key = key
        self.known = known
        close = get_close_matches(key, known, n=1) if isinstance(key, str) else []
        guess = f" (did you mean {close[0]!r}?)" if close else ""
        super().__init__(
            f"unknown service level {key!r}{guess}; the policy defines: {', '.join(known)}"
        )


class EventError(SlaclockError, ValueError):
    """A ticket event was invalid, or contradicts the events already recorded.

    The ticket is left exactly as it was before the event was offered.

    Attributes:
        event: the offending event (or ``None`` when the problem is the ticket's whole set
            of events, e.g. a status asked of a ticket that never opened).
    """

    def __init__(self, message: str, event: object = None) -> None:
        self.event = event
        super().__init__(message)


def caller_level() -> int:
    """The stacklevel that points a warning at the first frame outside slaclock."""
    package = os.path.dirname(__file__)
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1  # type: ignore[assignment]
    return level
