"""Where a calendar's dated rules come from: holidays, working weekends, shortened days.

A *day source* answers, for one year, which dates are days off, which weekend dates are
worked, and which days close early. slaclock ships three: a country of the ``holidays``
package, a ``holidays`` object given by the user, and a plain set of dates; the Russian
production calendar (:mod:`slaclock.calendars._russia`) is a fourth.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

import attrs

from slaclock._errors import ConfigError

__all__ = [
    "CountryHolidays",
    "DateSet",
    "DaySource",
    "FrozenDateMap",
    "HolidaysObject",
    "YearRules",
    "check_date",
    "to_day_source",
]

V = TypeVar("V")


class FrozenDateMap(Mapping[date, V]):
    """An immutable, hashable mapping from dates, sorted by date."""

    __slots__ = ("_data", "_hash")

    def __init__(self, items: Mapping[date, V] | Iterable[tuple[date, V]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._data: dict[date, V] = dict(sorted(pairs))
        self._hash: int | None = None

    def __getitem__(self, key: date) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[date]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: date, default: Any = None) -> Any:
        # The ABC's get goes through __getitem__ and an exception: compiling calls this a lot.
        return self._data.get(key, default)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDateMap):
            return self._data == other._data
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenDateMap({self._data!r})"


@attrs.frozen
class YearRules:
    """The dated rules of one year, as a day source gives them.

    Attributes:
        off: dates that are days off although the weekly hours would open them.
        working: dates that are worked although the weekly hours would close them.
        shortened: dates that close early, with the minutes they lose.
        provisional: True when the year is computed from rules, not from a published
            official calendar (see :class:`~slaclock.ProvisionalCalendarWarning`).
        names: a name for each day off, where the source has one.
    """

    off: frozenset[date] = frozenset()
    working: frozenset[date] = frozenset()
    shortened: Mapping[date, int] = attrs.field(factory=dict, eq=False)
    provisional: bool = False
    names: Mapping[date, str] = attrs.field(factory=dict, eq=False)


@runtime_checkable
class DaySource(Protocol):
    """Anything that gives the dated rules of a year."""

    def rules(self, year: int) -> YearRules:
        """The rules of ``year``."""
        ...


@attrs.frozen
class DateSet:
    """A fixed set of days off."""

    dates: frozenset[date]

    def rules(self, year: int) -> YearRules:
        return YearRules(off=_by_year(self.dates).get(year, frozenset()))


@functools.lru_cache(maxsize=64)
def _by_year(dates: frozenset[date]) -> dict[int, frozenset[date]]:
    """``dates`` grouped by year (a calendar asks for them one year at a time)."""
    years: dict[int, set[date]] = {}
    for day in dates:
        years.setdefault(day.year, set()).add(day)
    return {year: frozenset(days) for year, days in years.items()}


@attrs.frozen
class CountryHolidays:
    """The public holidays of a country (and subdivision) of the ``holidays`` package.

    Weekend days the package lists as worked (``weekend_workdays``, e.g. Russia's or
    China's transfers) are working days.
    """

    country: str
    subdiv: str | None = None

    def __attrs_post_init__(self) -> None:
        import holidays

        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ConfigError(
                "holidays", self.country,
                "not a country code the holidays package knows; use an ISO 3166-1 alpha-2 "
                "code such as 'US', 'GB' or 'RU'",
            )
        if self.subdiv is not None and self.subdiv not in supported[self.country]:
            raise ConfigError(
                "holidays", f"{self.country}-{self.subdiv}",
                f"{self.country} has no subdivision {self.subdiv!r}; it has "
                f"{', '.join(supported[self.country]) or 'none'}",
            )

    def rules(self, year: int) -> YearRules:
        import holidays

        first, last = _listed_years(self.country, self.subdiv)
        if not first <= year <= last:  # the package lists nothing then: no need to ask it
            return YearRules()
        days = holidays.country_holidays(self.country, subdiv=self.subdiv, years=year)
        return _rules_of(days, year)


@functools.lru_cache(maxsize=256)
def _listed_years(country: str, subdiv: str | None) -> tuple[int, int]:
    """The first and the last year the ``holidays`` package lists holidays for, for a
    country (its ``start_year`` and ``end_year``)."""
    import holidays

    found = holidays.country_holidays(country, subdiv=subdiv)
    return int(found.start_year), int(found.end_year)


@attrs.frozen(eq=False)
class HolidaysObject:
    """A ``holidays.HolidayBase`` given by the user.

    Two are equal when their objects are, by the ``holidays`` package's own equality
    (country, subdivision, options and days), over the years either has filled in: so a
    calendar is equal to its pickled and unpickled copy, whichever years each has
    compiled.
    """

    holidays: Any

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HolidaysObject):
            return NotImplemented
        mine, theirs = self.holidays, other.holidays
        if mine is theirs:
            return True
        if type(mine) is not type(theirs):
            return False
        with _HOLIDAYS_LOCK:
            # Each object fills itself in lazily: compare them over the same years.
            years = set(getattr(mine, "years", ())) | set(getattr(theirs, "years", ()))
            for year in sorted(years):
                date(year, 1, 1) in mine  # noqa: B015 - fills the year in
                date(year, 1, 1) in theirs  # noqa: B015
            return bool(mine == theirs)

    def __hash__(self) -> int:
        found = self.holidays
        return hash((type(found).__qualname__, getattr(found, "subdiv", None)))

    def rules(self, year: int) -> YearRules:
        # A holidays object fills itself in lazily, year by year, and is not thread-safe:
        # calendars in several threads may share one, so it is read under one lock.
        with _HOLIDAYS_LOCK:
            date(year, 1, 1) in self.holidays  # noqa: B015 - makes the object populate the year
            return _rules_of(self.holidays, year)


#: Serialises every read of a user's ``holidays`` object (see HolidaysObject.rules).
_HOLIDAYS_LOCK = threading.RLock()


def _rules_of(days: Any, year: int) -> YearRules:
    names = {d: str(name) for d, name in days.items() if d.year == year}
    working: set[date] = getattr(days, "weekend_workdays", set())
    return YearRules(
        off=frozenset(names),
        working=frozenset(d for d in working if d.year == year),
        names=names,
    )


def to_day_source(value: object) -> DaySource | None:
    """attrs converter for ``Calendar.holidays``: a code, a holidays object, dates, or None.

    Country codes take a subdivision after a hyphen: ``"US-CA"``, ``"GB-SCT"``.
    """
    if value is None or isinstance(value, DaySource):
        return value
    if isinstance(value, str):
        country, _, subdiv = value.partition("-")
        return CountryHolidays(country.upper(), subdiv.upper() or None)
    if type(value).__module__.startswith("holidays") or hasattr(value, "weekend_workdays"):
        return HolidaysObject(value)
    if isinstance(value, Iterable):
        return DateSet(to_dates(value, "holidays"))
    raise ConfigError(
        "holidays", value,
        "give a country code ('US', 'US-CA'), a holidays.HolidayBase, or dates",
    )


def check_date(value: object, name: str) -> date:
    """``value`` if it is a ``datetime.date`` (and not a datetime), else a clear TypeError."""
    if isinstance(value, datetime) or not isinstance(value, date):
        hint = " (take its .date() in the calendar's zone)" if isinstance(value, datetime) else ""
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}{hint}")
    return value


def to_dates(values: object, field: str) -> frozenset[date]:
    """Validate an iterable of ``datetime.date`` (not datetimes) into a frozenset."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ConfigError(field, values, "give an iterable of datetime.date")
    out = set()
    for value in values:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ConfigError(field, value, "each entry must be a datetime.date")
        out.add(value)
    return frozenset(out)
