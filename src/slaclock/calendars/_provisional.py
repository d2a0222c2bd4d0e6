"""One :class:`~slaclock.ProvisionalCalendarWarning` per call, naming every provisional
year the call compiled.

A call that reads many years (a column spanning decades, the working time between two
instants 60 years apart) compiles each of them; a calendar notes each provisional year it
compiles (:func:`note`), and the outermost :func:`one_warning` around the call
warns once, at its end, with the span of years (``2027-2094 are provisional years:
...``). Outside one a year warns at once, as before. The years met are kept in a
:class:`~contextvars.ContextVar`, so threads and tasks each have their own.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from slaclock._errors import ProvisionalCalendarWarning, caller_level

__all__ = ["note", "one_warning"]

T = TypeVar("T")

_MET: ContextVar[set[int] | None] = ContextVar("slaclock_provisional_years", default=None)


def note(year: int) -> None:
    """A provisional ``year`` was compiled: warn now, or at the end of the call's scope."""
    met = _MET.get()
    if met is None:
        _warn([year])
    else:
        met.add(year)


def one_warning(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``, collecting the provisional years compiled meanwhile and
    warning once for all of them (the outermost call warns; nested ones add to it)."""
    if _MET.get() is not None:
        return function(*args)
    met: set[int] = set()
    token = _MET.set(met)
    try:
        return function(*args)
    finally:
        _MET.reset(token)
        if met:
            _warn(sorted(met))


def spans(years: list[int]) -> str:
    """Sorted years written as runs: ``[2027, 2028, 2029, 2031]`` is ``2027-2029, 2031``."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][1] + 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _warn(years: list[int]) -> None:
    if len(years) == 1:
        text = (
            f"{years[0]} is a provisional year: its days off are computed from the fixed "
            "holidays, without the government's transfers, and may change when the "
            "official calendar is published"
        )
    else:
        text = (
            f"{spans(years)} are provisional years: their days off are computed from the "
            "fixed holidays, without the government's transfers, and may change when the "
            "official calendars are published"
        )
    warning = ProvisionalCalendarWarning(text, tuple(years))
    warnings.warn(warning, stacklevel=caller_level())
