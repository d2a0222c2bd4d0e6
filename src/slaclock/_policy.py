"""The SLA policy: service levels, their targets and clocks, regulation versions, contracts.

A policy is described in a file (TOML, or JSON with the same structure) and compiled into
frozen values: a :class:`Regulation` is one version of the rules, a
:class:`RegulationVersions` the history of versions, a :class:`Contract` picks the version
and level that apply to a customer's ticket. The embedded default policy,
:meth:`Regulation.default`, is itself such a file (``data/regulation.toml``).
"""

from __future__ import annotations

import json
import tomllib
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from itertools import pairwise
from os import PathLike, fspath
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from ._calendar import Calendar
from ._errors import (
    ConfigError,
    EventError,
    NaiveDatetimeError,
    PolicyError,
    UnknownLevelError,
)
from ._schedule import Schedule

if TYPE_CHECKING:
    from ._clock import Ticket

__all__ = [
    "COVERAGES",
    "METRICS",
    "Contract",
    "EventError",
    "Level",
    "PolicyError",
    "Regulation",
    "RegulationVersions",
    "Target",
    "UnknownLevelError",
    "load_calendar",
    "load_policy",
    "parse_policy",
]

#: The metrics a level may set a target for. ``next_reaction`` defaults to ``reaction``.
METRICS = ("reaction", "next_reaction", "resolution")
#: The coverages a contract may buy for a level counted "as the contract says".
COVERAGES = ("business", "24x7")
#: The kinds of customer (the regulation's "варианты обслуживания").
KINDS = ("partner", "commercial")
FORMAT = 1


def _mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Target:
    """The most working time a metric may take, and the clock it is counted on.

    Attributes:
        metric: ``"reaction"``, ``"next_reaction"`` or ``"resolution"``.
        duration: the target, a positive :class:`~datetime.timedelta`.
        clock: the name of the policy calendar it is counted on; ``None`` when the contract
            chooses (see ``clocks``).
        clocks: for a target counted "as the contract says": coverage (``"business"``,
            ``"24x7"``) to calendar name; empty otherwise.
    """

    metric: str
    duration: timedelta
    clock: str | None = None
    clocks: Mapping[str, str] = attrs.field(
        factory=dict, converter=_mapping, hash=False
    )

    def clock_name(self, coverage: str | None) -> str:
        """The calendar name for a contract's ``coverage``.

        Raises:
            ConfigError: when the target depends on the contract and ``coverage`` is not
                one the level offers.
        """
        if self.clock is not None:
            return self.clock
        if coverage is None or coverage not in self.clocks:
            raise ConfigError(
                "coverage",
                coverage,
                f"this level's {self.metric} is counted as the contract says: give one of "
                f"{', '.join(repr(c) for c in self.clocks)} (the contract's emergency "
                "agreement)",
            )
        return self.clocks[coverage]


@attrs.frozen
class Level:
    """A service level: who it is for and its targets.

    Attributes:
        key: the level's key, e.g. ``"commercial.standard"``.
        title: a human name.
        customer: the kind of customer it serves, ``"partner"`` or ``"commercial"``.
        targets: metric name to :class:`Target`; a metric without a target has no
            deadline (``next_reaction`` falls back to the ``reaction`` target).
        critical: a highly critical level, handled ahead of the queue.
        agreement: the level needs a special agreement in the contract.
        clause: where the regulation sets it.
    """

    key: str
    title: str
    customer: str
    targets: Mapping[str, Target] = attrs.field(converter=_mapping, hash=False)
    critical: bool = False
    agreement: bool = False
    clause: str = ""

    def target(self, metric: str) -> Target | None:
        """The level's target for ``metric``, or ``None`` when it sets none.

        >>> level = Regulation.default().level("partner.standard")
        >>> level.target("next_reaction").duration
        datetime.timedelta(days=2)
        >>> level.target("resolution") is None
        True
        """
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
        found = self.targets.get(metric)
        if found is None and metric == "next_reaction":
            found = self.targets.get("reaction")
        return found

    @property
    def needs_coverage(self) -> bool:
        """Whether some target's clock is chosen by the contract's coverage."""
        return any(t.clock is None for t in self.targets.values())


@attrs.frozen(kw_only=True)
class Regulation:
    """One version of a support policy: calendars and service levels.

    Attributes:
        version: the version's name, e.g. ``"1"``.
        effective: the date it takes effect.
        title: a human name.
        calendars: calendar name to :class:`~slaclock.Calendar` (or any schedule).
        levels: level key to :class:`Level`.
        at_risk: the share of a target after which a running clock is "at risk".
        source: the file it was read from, if any.

    >>> reg = Regulation.default()
    >>> reg.version, reg.effective
    ('1', datetime.date(2013, 1, 1))
    >>> sorted(reg.levels)  # doctest: +NORMALIZE_WHITESPACE
    ['commercial.emergency', 'commercial.operational', 'commercial.standard',
     'partner.emergency', 'partner.standard']
    """

    version: str
    effective: date
    title: str = ""
    calendars: Mapping[str, Schedule] = attrs.field(converter=_mapping, hash=False)
    levels: Mapping[str, Level] = attrs.field(converter=_mapping, hash=False)
    at_risk: float = 0.8
    source: str | None = attrs.field(default=None, eq=False)

    @classmethod
    def default(cls) -> Regulation:
        """The support regulation slaclock encodes (see :doc:`/explanation/sla`).

        Five levels, counted on Russia's production calendar, 09:00-18:00 Moscow time;
        ``commercial.emergency`` in business hours or around the clock as the contract
        says. Cached: every call returns the same object.
        """
        return _default()

    def level(self, key: str) -> Level:
        """The level called ``key``.

        Raises:
            UnknownLevelError: when the regulation has no such level; the message lists
                the known keys.

        >>> Regulation.default().level("commercial.operational").critical
        True
        >>> try:
        ...     Regulation.default().level("vip")
        ... except UnknownLevelError as error:
        ...     print(error)
        unknown service level 'vip'; the regulation defines: partner.standard,
        partner.emergency, commercial.standard, commercial.operational, commercial.emergency
        """
        found = self.levels.get(key)
        if found is None:
            raise UnknownLevelError(key, tuple(self.levels))
        return found

    def clock(self, level: str, metric: str, coverage: str | None = None) -> Schedule | None:
        """The calendar ``metric`` of ``level`` is counted on, or ``None`` without a target.

        Raises:
            UnknownLevelError: for an unknown level.
            ConfigError: when the level is counted as the contract says and ``coverage``
                is missing or not offered.
        """
        target = self.level(level).target(metric)
        if target is None:
            return None
        return self.calendars[target.clock_name(coverage)]

    def deadlines(
        self, level: str, opened: datetime, coverage: str | None = None
    ) -> dict[str, Any]:
        """The deadlines of a ticket opened at ``opened`` that nothing pauses.

        Returns:
            ``{"level", "opened", "reaction_deadline", "resolution_deadline"}``; a deadline
            is ``None`` where the level sets no target. Deadlines are in ``opened``'s zone.

        Raises:
            UnknownLevelError: for an unknown level.
            ConfigError: for ``commercial.emergency`` without a ``coverage``.
            NaiveDatetimeError: when ``opened`` has no zone.

        >>> from zoneinfo import ZoneInfo
        >>> msk = ZoneInfo("Europe/Moscow")
        >>> d = Regulation.default().deadlines(
        ...     "commercial.standard", datetime(2026, 4, 30, 17, 30, tzinfo=msk))
        >>> d["reaction_deadline"].isoformat(), d["resolution_deadline"].isoformat()
        ('2026-05-06T15:00:00+03:00', '2026-05-12T13:00:00+03:00')
        """
        if opened.utcoffset() is None:
            raise NaiveDatetimeError("opened", opened)
        found = self.level(level)
        out: dict[str, Any] = {"level": found.key, "opened": opened}
        for metric in ("reaction", "resolution"):
            target = found.target(metric)
            deadline = None
            if target is not None:
                schedule = self.calendars[target.clock_name(coverage)]
                deadline = schedule.add(opened, target.duration)
            out[f"{metric}_deadline"] = deadline
        return out


@cache
def _default() -> Regulation:
    text = resources.files("slaclock").joinpath("data/regulation.toml").read_text("utf-8")
    found = parse_policy(tomllib.loads(text), "regulation.toml")
    assert isinstance(found, Regulation)
    return found


def _by_effective(versions: Iterable[Regulation]) -> tuple[Regulation, ...]:
    return tuple(sorted(versions, key=lambda v: v.effective))


@attrs.frozen
class RegulationVersions:
    """The versions of a regulation, in the order they took effect.

    A customer keeps the terms in force on the day their contract was signed, even after
    a newer version takes effect: :meth:`for_contract` answers which those are.

    Args:
        versions: the versions; their ``effective`` dates must differ.

    >>> v1 = Regulation.default()
    >>> v2 = attrs.evolve(v1, version="2", effective=date(2027, 1, 1))
    >>> history = RegulationVersions([v2, v1])
    >>> history.for_contract(date(2026, 12, 31)).version
    '1'
    >>> history.for_contract(date(2027, 1, 1)).version
    '2'
    """

    versions: tuple[Regulation, ...] = attrs.field(converter=_by_effective)

    @versions.validator
    def _check(self, attribute: object, value: tuple[Regulation, ...]) -> None:
        if not value:
            raise ConfigError("versions", value, "give at least one regulation version")
        for a, b in pairwise(value):
            if a.effective == b.effective:
                raise ConfigError(
                    "versions",
                    (a.version, b.version),
                    f"two versions take effect on {a.effective.isoformat()}",
                )

    @property
    def latest(self) -> Regulation:
        """The version that took effect last."""
        return self.versions[-1]

    def in_force(self, day: date) -> Regulation:
        """The version in force on ``day``: the last one effective on or before it.

        Raises:
            ConfigError: when ``day`` is before the first version took effect.
        """
        if isinstance(day, datetime) or not isinstance(day, date):
            raise TypeError(f"day must be a datetime.date, not {type(day).__name__}")
        i = bisect_right([v.effective for v in self.versions], day)
        if i == 0:
            raise ConfigError(
                "signed",
                day,
                f"no regulation version was in force then; the first took effect on "
                f"{self.versions[0].effective.isoformat()}",
            )
        return self.versions[i - 1]

    def for_contract(self, signed: date) -> Regulation:
        """The terms of a contract signed on ``signed``: the version in force that day."""
        return self.in_force(signed)


def _as_versions(policy: Regulation | RegulationVersions | None) -> RegulationVersions:
    if policy is None:
        return RegulationVersions([Regulation.default()])
    if isinstance(policy, Regulation):
        return RegulationVersions([policy])
    return policy


def _kind(value: object) -> str:
    if value not in KINDS:
        raise ConfigError("kind", value, "a contract is 'partner' or 'commercial'")
    assert isinstance(value, str)
    return value


def _emergency(value: object) -> str | None:
    if value is not None and value not in COVERAGES:
        raise ConfigError(
            "emergency", value, "the emergency agreement covers 'business' or '24x7' hours"
        )
    return value


def _signed(value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ConfigError("signed", value, "give the signing date as a datetime.date")
    return value


@attrs.frozen
class Contract:
    """A customer's support contract: who, which kind, when signed, and any emergency
    agreement.

    Args:
        customer: the customer's name or id.
        kind: ``"partner"`` or ``"commercial"``.
        signed: the signing date; it decides the regulation version that applies.
        emergency: the special agreement for the commercial emergency level and its
            coverage: ``"business"`` (business hours) or ``"24x7"``; ``None`` without one.

    >>> c = Contract("Acme", "commercial", date(2026, 3, 2), emergency="24x7")
    >>> c.level("emergency").key
    'commercial.emergency'
    >>> c.targets("emergency")["reaction"]
    (datetime.timedelta(seconds=28800), '24x7')
    >>> try:
    ...     Contract("Beta", "commercial", date(2026, 3, 2)).level("commercial.emergency")
    ... except ConfigError as error:
    ...     print(error)
    emergency: commercial.emergency needs a special agreement in the contract, and Beta's
    contract has none; give Contract(..., emergency='business' or '24x7') (got None)
    """

    customer: str
    kind: str = attrs.field(converter=_kind)
    signed: date = attrs.field(converter=_signed)
    emergency: str | None = attrs.field(default=None, converter=_emergency)

    def regulation(self, policy: Regulation | RegulationVersions | None = None) -> Regulation:
        """The regulation version that governs this contract (the default policy when
        ``policy`` is ``None``)."""
        return _as_versions(policy).for_contract(self.signed)

    def level(
        self, requested: str, policy: Regulation | RegulationVersions | None = None
    ) -> Level:
        """The level a ticket asking for ``requested`` gets under this contract.

        ``requested`` is a level key, or the part after the dot (``"emergency"``), read
        for the contract's kind.

        Raises:
            UnknownLevelError: for a level the regulation does not define.
            ConfigError: for a level of the other kind of customer, or one that needs an
                agreement the contract does not have.
        """
        regulation = self.regulation(policy)
        key = requested if "." in requested else f"{self.kind}.{requested}"
        found = regulation.level(key)
        if found.customer != self.kind:
            raise ConfigError(
                "level",
                key,
                f"{self.customer}'s contract is {self.kind}; this level serves "
                f"{found.customer} customers",
            )
        if found.agreement and self.emergency is None:
            raise ConfigError(
                "emergency",
                None,
                f"{key} needs a special agreement in the contract, and {self.customer}'s "
                "contract has none; give Contract(..., emergency='business' or '24x7')",
            )
        return found

    def targets(
        self, requested: str, policy: Regulation | RegulationVersions | None = None
    ) -> dict[str, tuple[timedelta, str]]:
        """The targets of ``requested`` under this contract: metric to (duration, name of
        the calendar counting it)."""
        found = self.level(requested, policy)
        out = {}
        for metric in METRICS:
            target = found.target(metric)
            if target is not None:
                out[metric] = (target.duration, target.clock_name(self.emergency))
        return out

    def ticket(
        self, ticket_id: str, policy: Regulation | RegulationVersions | None = None
    ) -> Ticket:
        """An empty :class:`~slaclock.Ticket` under this contract: its regulation version,
        its coverage, and only the levels of its kind (and the emergency level only with
        the agreement)."""
        from ._clock import Ticket

        return Ticket(ticket_id, self.regulation(policy), coverage=self.emergency, contract=self)


# -- reading policy files ------------------------------------------------------------------


def _read_file(path: str | PathLike[str]) -> tuple[str, Any]:
    """The file's name and its parsed TOML (or, for ``.json``, JSON) content."""
    name = Path(fspath(path)).name
    raw = Path(fspath(path)).read_bytes()
    if fspath(path).lower().endswith(".json"):
        try:
            return name, json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise PolicyError(name, "<file>", None, f"not valid JSON: {error}") from None
    try:
        return name, tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(name, "<file>", None, f"not valid TOML: {error}") from None


def load_calendar(path: str | PathLike[str]) -> Schedule:
    """Read a calendar file: one calendar table of the policy format, at the top level or
    under ``[calendar]`` (TOML, or JSON for ``.json``).

    For example::

        preset = "russia"
        hours = "09:00-13:00, 14:00-18:00"

    Raises:
        PolicyError: naming the file, the key and what is wrong.
        OSError: when the file cannot be read.
    """
    name, data = _read_file(path)
    if isinstance(data, dict) and isinstance(data.get("calendar"), dict):
        data = data["calendar"]
    return _Reader(name).calendar(data, "calendar")


def load_policy(path: str | PathLike[str]) -> Regulation | RegulationVersions:
    """Read a policy file: TOML (``.toml``) or JSON (``.json``).

    A file with top-level ``version`` and ``levels`` describes one :class:`Regulation`; a
    file with a ``versions`` array describes a :class:`RegulationVersions`. The format is
    in :doc:`/reference/policy-format`.

    Raises:
        PolicyError: naming the file, the key and what is wrong, for a file that cannot
            be parsed or that describes an invalid policy.
        OSError: when the file cannot be read.
    """
    name, data = _read_file(path)
    return parse_policy(data, name)


def parse_policy(
    data: Mapping[str, Any], source: str = "<policy>"
) -> Regulation | RegulationVersions:
    """Compile a policy from its parsed form (what ``tomllib`` or ``json`` returned).

    Dates may be TOML dates or ISO strings (``"2026-01-01"``).

    Raises:
        PolicyError: naming ``source``, the key and the problem.
    """
    return _Reader(source).policy(data)


_TOP_KEYS = {"format", "version", "effective", "title", "at_risk", "calendars", "levels"}
_VERSION_KEYS = _TOP_KEYS - {"format"}
_LEVEL_KEYS = {"title", "customer", "critical", "agreement", "clause", *METRICS}
_CALENDAR_KEYS = {
    "preset", "tz", "hours", "holidays", "days_off", "working_days", "shortened", "overrides",
}


class _Reader:
    """Walks a parsed policy, raising :class:`PolicyError` with the dotted key at fault."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, value: object, problem: str) -> PolicyError:
        return PolicyError(self.source, key, value, problem)

    def table(self, value: object, key: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, value, "expected a table")
        return value

    def unknown(self, table: Mapping[str, Any], allowed: set[str], key: str) -> None:
        for name in table:
            if name not in allowed:
                where = f"{key}.{name}" if key else name
                raise self.fail(
                    where, table[name], f"unknown key; allowed: {', '.join(sorted(allowed))}"
                )

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(key, value, "expected a non-empty string")
        return value

    def date(self, value: object, key: str) -> date:
        if isinstance(value, datetime):
            raise self.fail(key, value, "expected a date (2026-01-01), not a date-time")
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, value, "expected a date such as 2026-01-01")

    def policy(self, data: Mapping[str, Any]) -> Regulation | RegulationVersions:
        data = self.table(data, "<file>")
        fmt = data.get("format", FORMAT)
        if fmt != FORMAT:
            raise self.fail("format", fmt, f"this slaclock reads format {FORMAT}")
        if "versions" in data:
            self.unknown(data, {"format", "calendars", "versions"}, "")
            shared = self.calendars(data.get("calendars", {}), "calendars")
            items = data["versions"]
            if not isinstance(items, list) or not items:
                raise self.fail("versions", items, "expected a non-empty array of tables")
            regulations = [
                self.version(self.table(item, f"versions[{i}]"), f"versions[{i}].", shared)
                for i, item in enumerate(items)
            ]
            try:
                return RegulationVersions(regulations)
            except ConfigError as error:
                raise self.fail("versions", error.value, error.problem) from None
        return self.version(data, "", {})

    def version(
        self, data: Mapping[str, Any], prefix: str, shared: Mapping[str, Schedule]
    ) -> Regulation:
        self.unknown(data, _VERSION_KEYS if prefix else _TOP_KEYS, prefix.rstrip("."))
        for required in ("version", "effective", "levels"):
            if required not in data:
                raise self.fail(prefix + required, None, "missing")
        version = data["version"]
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        version = self.text(version, prefix + "version")
        effective = self.date(data["effective"], prefix + "effective")
        title = data.get("title", "")
        if not isinstance(title, str):
            raise self.fail(prefix + "title", title, "expected a string")
        at_risk = data.get("at_risk", 0.8)
        if (
            isinstance(at_risk, bool)
            or not isinstance(at_risk, int | float)
            or not 0 < at_risk <= 1
        ):
            raise self.fail(prefix + "at_risk", at_risk, "expected a share above 0, at most 1")
        calendars = dict(shared)
        calendars.update(self.calendars(data.get("calendars", {}), prefix + "calendars"))
        levels_table = self.table(data["levels"], prefix + "levels")
        if not levels_table:
            raise self.fail(prefix + "levels", levels_table, "define at least one level")
        levels = {
            key: self.level(key, value, f"{prefix}levels.{key}", calendars)
            for key, value in levels_table.items()
        }
        return Regulation(
            version=version,
            effective=effective,
            title=title,
            calendars=calendars,
            levels=levels,
            at_risk=float(at_risk),
            source=self.source,
        )

    def calendars(self, value: object, key: str) -> dict[str, Schedule]:
        table = self.table(value, key)
        return {name: self.calendar(spec, f"{key}.{name}") for name, spec in table.items()}

    def calendar(self, value: object, key: str) -> Schedule:
        spec = dict(self.table(value, key))
        self.unknown(spec, _CALENDAR_KEYS, key)
        preset = spec.pop("preset", None)
        for field in ("days_off", "working_days"):
            if field in spec:
                items = spec[field]
                if not isinstance(items, list):
                    raise self.fail(f"{key}.{field}", items, "expected an array of dates")
                spec[field] = [self.date(d, f"{key}.{field}") for d in items]
        if "shortened" in spec:
            shortened = spec["shortened"]
            if isinstance(shortened, Mapping):
                spec["shortened"] = {
                    self.date(d, f"{key}.shortened"): m for d, m in shortened.items()
                }
            elif isinstance(shortened, list):
                spec["shortened"] = [self.date(d, f"{key}.shortened") for d in shortened]
            else:
                raise self.fail(f"{key}.shortened", shortened, "expected dates or a table")
        if "overrides" in spec:
            overrides = self.table(spec["overrides"], f"{key}.overrides")
            spec["overrides"] = {
                self.date(d, f"{key}.overrides"): h for d, h in overrides.items()
            }
        try:
            if preset == "russia":
                if "tz" in spec or "holidays" in spec:
                    bad = "tz" if "tz" in spec else "holidays"
                    raise self.fail(f"{key}.{bad}", spec[bad], "the russia preset sets it")
                if "shortened" in spec:
                    spec["shortened_days"] = spec.pop("shortened")
                return Calendar.russia(**spec)
            if preset == "always":
                extra = set(spec) - {"tz"}
                if extra:
                    bad = sorted(extra)[0]
                    raise self.fail(f"{key}.{bad}", spec[bad], "the always preset takes only tz")
                return Calendar.always(spec.get("tz", "UTC"))
            if preset is not None:
                raise self.fail(f"{key}.preset", preset, "expected 'russia' or 'always'")
            for required in ("tz", "hours"):
                if required not in spec:
                    raise self.fail(f"{key}.{required}", None, "missing (or give a preset)")
            return Calendar(**spec)
        except ConfigError as error:
            if isinstance(error, PolicyError):
                raise
            raise self.fail(f"{key}.{error.field}", error.value, error.problem) from None
        except TypeError as error:
            raise self.fail(key, value, str(error)) from None

    def level(
        self, key: str, value: object, where: str, calendars: Mapping[str, Schedule]
    ) -> Level:
        table = self.table(value, where)
        self.unknown(table, _LEVEL_KEYS, where)
        customer = table.get("customer")
        if customer not in KINDS:
            raise self.fail(f"{where}.customer", customer, "expected 'partner' or 'commercial'")
        flags = {}
        for flag in ("critical", "agreement"):
            flag_value = table.get(flag, False)
            if not isinstance(flag_value, bool):
                raise self.fail(f"{where}.{flag}", flag_value, "expected true or false")
            flags[flag] = flag_value
        targets = {
            metric: self.target(metric, table[metric], f"{where}.{metric}", calendars)
            for metric in METRICS
            if metric in table
        }
        title = table.get("title", key)
        clause = table.get("clause", "")
        for name, text in (("title", title), ("clause", clause)):
            if not isinstance(text, str):
                raise self.fail(f"{where}.{name}", text, "expected a string")
        return Level(
            key=key,
            title=title,
            customer=customer,
            targets=targets,
            critical=flags["critical"],
            agreement=flags["agreement"],
            clause=clause,
        )

    def target(
        self, metric: str, value: object, where: str, calendars: Mapping[str, Schedule]
    ) -> Target:
        table = self.table(value, where)
        self.unknown(table, {"hours", "minutes", "clock"}, where)
        amounts = [unit for unit in ("hours", "minutes") if unit in table]
        if len(amounts) != 1:
            raise self.fail(where, dict(table), "give exactly one of hours or minutes")
        unit = amounts[0]
        amount = table[unit]
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
            raise self.fail(f"{where}.{unit}", amount, "expected a positive number")
        duration = timedelta(**{unit: amount})
        clock = table.get("clock")
        if isinstance(clock, str):
            self.known_calendar(clock, f"{where}.clock", calendars)
            return Target(metric, duration, clock)
        if isinstance(clock, Mapping) and clock:
            for coverage, name in clock.items():
                if coverage not in COVERAGES:
                    raise self.fail(
                        f"{where}.clock.{coverage}", name, "coverage is 'business' or '24x7'"
                    )
                self.known_calendar(name, f"{where}.clock.{coverage}", calendars)
            return Target(metric, duration, None, clock)
        raise self.fail(
            f"{where}.clock", clock, "expected a calendar name or a table of coverage to name"
        )

    def known_calendar(self, name: object, where: str, calendars: Mapping[str, Schedule]) -> None:
        if not isinstance(name, str) or name not in calendars:
            raise self.fail(
                where, name, f"not a calendar of this policy ({', '.join(calendars) or 'none'})"
            )

