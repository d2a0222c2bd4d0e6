"""The SLA policy as data: statuses, metrics, levels and their selection, options, contracts.

A policy is described in a file (TOML, or JSON with the same structure) and compiled into
frozen values: a :class:`Regulation` is one version of the rules, a
:class:`RegulationVersions` the history of versions, a :class:`Contract` picks the version
and level that apply to a customer's ticket. The embedded default policy,
:meth:`Regulation.default`, is itself such a file (``data/regulation.toml``), and the
metric definitions a policy may take (the regulation's, Zendesk's seven, update targets)
are another (``data/metrics.toml``). Nothing about any one helpdesk is written in code:
:mod:`slaclock.sla._clock` evaluates whatever a policy declares with one routine.
"""

from __future__ import annotations

import json
import math
import operator
import tomllib
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from itertools import pairwise
from os import PathLike, fspath
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from slaclock._errors import (
    ConfigError,
    EventError,
    NaiveDatetimeError,
    PolicyError,
    UnknownLevelError,
)
from slaclock.calendars import Calendar, Schedule

if TYPE_CHECKING:
    from ._clock import Ticket

__all__ = [
    "CATEGORIES",
    "COVERAGES",
    "Contract",
    "Deadlines",
    "EventError",
    "Level",
    "LevelRule",
    "MetricDefinition",
    "Options",
    "PolicyError",
    "Regulation",
    "RegulationVersions",
    "Target",
    "UnknownLevelError",
    "load_calendar",
    "load_policy",
    "metric_library",
    "parse_policy",
]

#: The status categories every helpdesk's statuses map onto: the desk's turn, waiting for
#: the customer, waiting for a third party, solved (may reopen), closed (final).
CATEGORIES = ("open", "pending", "on_hold", "solved", "closed")
_CATEGORY_NAMES = frozenset(CATEGORIES)
#: The coverages a contract may buy for a level counted "as the contract says": business
#: hours, or around the clock.
COVERAGES = ("business", "24x7")
#: The fields every ticket has; a policy declares any others it selects levels by.
BUILTIN_FIELDS = ("level", "customer", "category", "coverage")
#: The metrics of a policy that declares none: the regulation's.
DEFAULT_METRICS = ("reaction", "next_reaction", "resolution")
FORMAT = 1

Category = Literal["open", "pending", "on_hold", "solved", "closed"]
Coverage = Literal["business", "24x7"]
BreachRule = Literal["instant", "working_time"]
LevelChangeRule = Literal["from_start", "from_change"]
ReplyToSolved = Literal["waits", "reopens"]

_SIMPLE_TRIGGERS = frozenset({
    "created", "desk_reply", "customer_reply", "reply", "desk_note", "customer_note",
    "handoff", "reopened",
})
_ROLES = ("desk", "customer")


class FrozenDict(dict[str, Any]):
    """A read-only dict: the mappings of policy values (it pickles, unlike a mapping proxy,
    so policies and tickets travel to worker processes and Dask workers)."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("policy values are frozen: build a new one (attrs.evolve)")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        return (type(self), (dict(self),))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"


def _mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    if type(value) is FrozenDict:
        return value
    return FrozenDict(value)


def _frozen(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _rules(value: Iterable[LevelRule]) -> tuple[LevelRule, ...]:
    return tuple(value)


def check_trigger(text: object, fields: Iterable[str] | None = None) -> str | None:
    """What is wrong with a trigger's text, or ``None`` when it is one slaclock knows.

    >>> check_trigger("enter:pending") is None
    True
    >>> check_trigger("enter:waiting")
    "unknown status category 'waiting'; one of open, pending, on_hold, solved, closed"
    """
    if not isinstance(text, str):
        return "a trigger is a string such as 'desk_reply' or 'enter:pending'"
    if text in _SIMPLE_TRIGGERS:
        return None
    name, _, arg = text.partition(":")
    if name in ("enter", "leave"):
        if arg not in CATEGORIES:
            return f"unknown status category {arg!r}; one of {', '.join(CATEGORIES)}"
        return None
    if name == "created_by":
        return None if arg in _ROLES else "created_by takes desk or customer"
    if name == "field" and arg:
        field = arg.partition("=")[0]
        known = (*BUILTIN_FIELDS, *(fields or ()))
        if fields is not None and field not in known:
            return (f"the policy's tickets have no field {field!r} (fields: "
                    f"{', '.join(known)}); declare it in 'fields'")
        return None
    return (
        f"unknown trigger {text!r}; one of {', '.join(sorted(_SIMPLE_TRIGGERS))}, "
        "created_by:<desk|customer>, enter:<category>, leave:<category>, field:<name>, "
        "field:<name>=<value>"
    )


@attrs.frozen
class MetricDefinition:
    """What starts, pauses, meets and ends one SLA clock: data, not code.

    Every metric of every policy is evaluated by the same routine from these fields
    (the rules are in :doc:`/explanation/sla`). Triggers are strings: ``created``,
    ``created_by:customer``, ``desk_reply``, ``customer_reply``, ``reply``,
    ``desk_note``, ``enter:pending``, ``leave:solved``, ``reopened`` (solved to open,
    pending or on hold), ``handoff``, ``field:priority``, ``field:category=development``.

    Attributes:
        name: the metric's name in its policy, e.g. ``"reaction"``.
        title: a human name.
        start: triggers that start a cycle when none is running.
        stop: triggers that meet the running cycle.
        pause: status categories in which a running cycle does not count.
        resume: triggers that take the last met cycle up again, with its time.
        cancel: triggers that drop the running cycle (kept only when already breached).
        not_applicable: triggers after which the metric no longer applies.
        cycles: ``False``: one clock per ticket (cycle 0); ``True``: cycles 1, 2, ...
        restart: a start trigger while a cycle runs starts it afresh (``True``) or
            leaves it counting from its first start (``False``).
        unless: metrics that, while running, keep a start trigger from starting one.
        target_from: the metric whose target applies when a level sets none for this one.
    """

    name: str
    title: str = ""
    start: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    stop: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    pause: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    resume: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    cancel: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    not_applicable: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    cycles: bool = False
    restart: bool = False
    unless: tuple[str, ...] = attrs.field(default=(), converter=_names)
    target_from: str | None = None


@attrs.frozen
class Options:
    """The rules helpdesks disagree on, chosen per policy (see :doc:`/explanation/sla`).

    Attributes:
        breach: ``"instant"``: a clock still running after its deadline instant is
            breached, whatever the hours (Zendesk, Zammad, Frappe); ``"working_time"``:
            only once the working time it used exceeds the target (Redmine SLA), so a
            reply before the desk opens, after a deadline at the previous evening's close,
            is in time. The default policy counts working time: the regulation states its
            limits in working hours ("48 рабочих часов").
        level_change: ``"from_start"``: a new level's targets apply to running clocks
            counted from each clock's own start; ``"from_change"``: counted from the change.
        downgrade_keeps_breach: whether a breach under a stricter level survives a later
            change to a laxer one.
        reply_to_solved: ``"waits"``: a customer's reply to a solved ticket changes nothing
            until the desk reopens it; ``"reopens"``: it reopens the ticket (owing a reply).
    """

    breach: BreachRule = "instant"
    level_change: LevelChangeRule = "from_start"
    downgrade_keeps_breach: bool = True
    reply_to_solved: ReplyToSolved = "waits"


@attrs.frozen
class Target:
    """The most working time a metric may take, and the clock it is counted on.

    Attributes:
        metric: the metric's name, e.g. ``"reaction"``.
        duration: the target, a positive :class:`~datetime.timedelta`.
        clock: the name of the policy calendar it is counted on; ``None`` when the contract
            chooses (see ``clocks``).
        clocks: for a target counted "as the contract says": coverage (``"business"``,
            ``"24x7"``) to calendar name; empty otherwise.
    """

    metric: str
    duration: timedelta
    clock: str | None = None
    clocks: Mapping[str, str] = attrs.field(factory=dict, converter=_mapping, hash=False)

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
        customer: the kind of customer it serves (one of the policy's ``customers``), or
            ``None`` for any.
        targets: metric name to :class:`Target`; a metric without a target has no
            deadline (unless its definition's ``target_from`` names one that has).
        critical: a highly critical level, handled ahead of the queue.
        agreement: the level needs a special agreement in the contract.
        clause: where the policy sets it.
        fallbacks: metric name to the metric whose target it falls back to.
        compliance: the share of tickets the desk means to meet at this level (``0.95``),
            or ``None``: a goal for reports (the plot draws it), not a rule of the clocks.
    """

    key: str
    title: str
    customer: str | None
    targets: Mapping[str, Target] = attrs.field(converter=_mapping, hash=False)
    critical: bool = False
    agreement: bool = False
    clause: str = ""
    fallbacks: Mapping[str, str] = attrs.field(
        factory=lambda: {"next_reaction": "reaction"}, converter=_mapping, hash=False
    )
    compliance: float | None = None

    def target(self, metric: str) -> Target | None:
        """The level's target for ``metric``, or ``None`` when it sets none.

        >>> level = Regulation.default().level("partner.standard")
        >>> level.target("next_reaction").duration
        datetime.timedelta(days=2)
        >>> level.target("resolution") is None
        True
        """
        found = self.targets.get(metric)
        if found is None:
            fallback = self.fallbacks.get(metric)
            if fallback is not None:
                found = self.targets.get(fallback)
        return found

    @property
    def needs_coverage(self) -> bool:
        """Whether some target's clock is chosen by the contract's coverage."""
        return any(t.clock is None for t in self.targets.values())


@attrs.frozen
class LevelRule:
    """One rule of level selection: the first rule whose conditions hold gives the level.

    Attributes:
        level: the level it gives.
        when: field name to the values that match (any of them).
        opened: ``None``, or ``("inside" | "outside", calendar name)``: whether the ticket
            was opened inside or outside that calendar's hours.
    """

    level: str
    when: Mapping[str, frozenset[str]] = attrs.field(
        factory=dict, converter=_mapping, hash=False
    )
    opened: tuple[str, str] | None = None

    def matches(self, fields: Mapping[str, str | None], inside: Mapping[str, bool]) -> bool:
        """Whether the rule holds for a ticket with these fields, opened ``inside`` (or not)
        each calendar's hours."""
        for name, values in self.when.items():
            if fields.get(name) not in values:
                return False
        if self.opened is not None:
            where, calendar = self.opened
            return inside[calendar] == (where == "inside")
        return True


@attrs.frozen(eq=False)
class Deadlines(Mapping[str, Any]):
    """The deadlines of a ticket that nothing pauses (:meth:`Regulation.deadlines`).

    A frozen record, and a read-only mapping of ``"level"``, ``"opened"`` and
    ``"<metric>_deadline"`` for each metric (the form slaclock 0.1 returned as a dict).

    Attributes:
        level: the level's key.
        opened: the opening instant.
        targets: metric name to its deadline (``None`` where the level sets no target),
            for every metric the policy starts at a ticket's creation.
    """

    level: str
    opened: datetime
    targets: Mapping[str, datetime | None] = attrs.field(converter=_mapping)

    def __getitem__(self, key: str) -> Any:
        if key == "level":
            return self.level
        if key == "opened":
            return self.opened
        if key.endswith("_deadline") and key[: -len("_deadline")] in self.targets:
            return self.targets[key[: -len("_deadline")]]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield "level"
        yield "opened"
        for metric in self.targets:
            yield f"{metric}_deadline"

    def __len__(self) -> int:
        return 2 + len(self.targets)


@attrs.frozen(kw_only=True)
class Regulation:
    """One version of a support policy: calendars, statuses, metrics, levels and rules.

    Attributes:
        version: the version's name, e.g. ``"1"``.
        effective: the date it takes effect.
        title: a human name.
        calendars: calendar name to :class:`~slaclock.Calendar` (or any schedule).
        levels: level key to :class:`Level`.
        at_risk: the share of a target after which a running clock is "at risk".
        source: the file it was read from, if any.
        metrics: metric name to :class:`MetricDefinition`, in the order clocks are listed.
        statuses: the helpdesk's status names to categories (each category also names
            itself).
        options: the :class:`Options` of the rules helpdesks disagree on.
        rules: the level-selection rules, in order.
        default_level: the level of a ticket that names none and matches no rule.
        customers: the kinds of customer the policy serves, to their titles.
        fields: the ticket fields, besides the built-in ones, that rules and triggers use.

    >>> reg = Regulation.default()
    >>> reg.version, reg.effective
    ('1', datetime.date(2013, 1, 1))
    >>> sorted(reg.levels)  # doctest: +NORMALIZE_WHITESPACE
    ['commercial.emergency', 'commercial.operational', 'commercial.standard',
     'partner.emergency', 'partner.standard']
    >>> list(reg.metrics), reg.options.breach
    (['reaction', 'next_reaction', 'resolution'], 'working_time')
    """

    version: str
    effective: date
    title: str = ""
    calendars: Mapping[str, Schedule] = attrs.field(converter=_mapping, hash=False)
    levels: Mapping[str, Level] = attrs.field(converter=_mapping, hash=False)
    at_risk: float = 0.8
    source: str | None = attrs.field(default=None, eq=False)
    metrics: Mapping[str, MetricDefinition] = attrs.field(
        factory=lambda: _default_metrics(), converter=_mapping, hash=False,
    )
    statuses: Mapping[str, str] = attrs.field(factory=dict, converter=_mapping, hash=False)
    options: Options = Options()
    rules: tuple[LevelRule, ...] = attrs.field(default=(), converter=_rules)
    default_level: str | None = None
    customers: Mapping[str, str] = attrs.field(factory=dict, converter=_mapping, hash=False)
    fields: tuple[str, ...] = attrs.field(default=(), converter=_names)
    #: The statuses by their case-folded names, the categories among them: made once.
    _folded: Mapping[str, str] = attrs.field(init=False, eq=False, repr=False, hash=False)
    #: The calendars the selection rules ask whether a ticket opened inside, in order.
    _rule_calendars: tuple[str, ...] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        folded = {c: c for c in CATEGORIES}
        folded.update((k.strip().casefold(), v) for k, v in self.statuses.items())
        object.__setattr__(self, "_folded", FrozenDict(folded))
        object.__setattr__(self, "_rule_calendars", tuple(dict.fromkeys(
            rule.opened[1] for rule in self.rules if rule.opened is not None
        )))

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

    def category(self, status: str) -> str | None:
        """The category of the helpdesk status ``status`` (matched without regard to case),
        or ``None`` for a status the policy does not know.

        >>> Regulation.default().category("pending")
        'pending'
        """
        found = self.statuses.get(status)
        if found is None:
            if status in _CATEGORY_NAMES:
                return status
            found = self._folded.get(status.strip().casefold())
        return found

    @property
    def coverages(self) -> tuple[str, ...]:
        """The coverages some level's target is counted by."""
        found = {c for lv in self.levels.values() for t in lv.targets.values() for c in t.clocks}
        return tuple(c for c in COVERAGES if c in found)

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

    def deadlines(self, level: str, opened: datetime, coverage: str | None = None) -> Deadlines:
        """The deadlines of a ticket opened at ``opened`` that nothing pauses: every metric
        that starts at the ticket's creation and has a target at ``level``.

        Returns:
            a :class:`Deadlines`; ``d["reaction_deadline"]`` (the form of slaclock 0.1) and
            ``d.targets["reaction"]`` are the same instant, in ``opened``'s zone, ``None``
            where the level sets no target.

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
        out: dict[str, datetime | None] = {}
        for name, metric in self.metrics.items():
            if not any(t == "created" or t.startswith("created_by:") for t in metric.start):
                continue
            target = found.target(name)
            deadline = None
            if target is not None:
                schedule = self.calendars[target.clock_name(coverage)]
                deadline = schedule.add(opened, target.duration)
            out[name] = deadline
        return Deadlines(found.key, opened, out)


@cache
def _default() -> Regulation:
    text = resources.files("slaclock").joinpath("data/regulation.toml").read_text("utf-8")
    found = parse_policy(tomllib.loads(text), "regulation.toml")
    assert isinstance(found, Regulation)
    return found


@cache
def metric_library() -> Mapping[str, MetricDefinition]:
    """The metric definitions slaclock ships, by name: ``reaction``, ``next_reaction``,
    ``resolution`` (the regulation's), Zendesk's seven (``zendesk.first_reply_time``,
    ``zendesk.next_reply_time``, ``zendesk.periodic_update``, ``zendesk.pausable_update``,
    ``zendesk.requester_wait_time``, ``zendesk.agent_work_time``,
    ``zendesk.total_resolution_time``), ``zammad.update_time``, ``rt.keep_in_loop`` and
    ``rt.response``. A policy takes one with ``like = "<name>"``.

    >>> sorted(metric_library()["resolution"].pause)
    ['pending']
    """
    text = resources.files("slaclock").joinpath("data/metrics.toml").read_text("utf-8")
    reader = _Reader("metrics.toml")
    table = tomllib.loads(text)
    return FrozenDict({
        name: reader.metric(name, spec, name, {}, table, None)
        for name, spec in table.items()
    })


def _default_metrics() -> dict[str, MetricDefinition]:
    library = metric_library()
    return {name: library[name] for name in DEFAULT_METRICS}


_effective = operator.attrgetter("effective")


def _by_effective(versions: Iterable[Regulation]) -> tuple[Regulation, ...]:
    return tuple(sorted(versions, key=_effective))


@attrs.frozen
class RegulationVersions:
    """The versions of a regulation, in the order they took effect, and its contracts.

    A customer keeps the terms in force on the day their contract was signed, even after
    a newer version takes effect: :meth:`for_contract` answers which those are.

    Args:
        versions: the versions; their ``effective`` dates must differ.
        contracts: customer name to :class:`Contract` (a policy file's ``[contracts]``).

    >>> v1 = Regulation.default()
    >>> v2 = attrs.evolve(v1, version="2", effective=date(2027, 1, 1))
    >>> history = RegulationVersions([v2, v1])
    >>> history.for_contract(date(2026, 12, 31)).version
    '1'
    >>> history.for_contract(date(2027, 1, 1)).version
    '2'
    """

    versions: tuple[Regulation, ...] = attrs.field(converter=_by_effective)
    contracts: Mapping[str, Contract] = attrs.field(
        factory=dict, converter=_mapping, hash=False, kw_only=True
    )

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

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Every metric of the policy, in the order the versions declare them (the first
        version's first): the order of a report's metrics and columns."""
        return tuple(dict.fromkeys(m for v in self.versions for m in v.metrics))

    @property
    def level_keys(self) -> tuple[str, ...]:
        """Every level of the policy, in the order the versions declare them (the latest
        version's first): the order of a report's levels."""
        return tuple(dict.fromkeys(k for v in reversed(self.versions) for k in v.levels))

    def in_force(self, day: date) -> Regulation:
        """The version in force on ``day``: the last one effective on or before it.

        Raises:
            ConfigError: when ``day`` is before the first version took effect.
        """
        if isinstance(day, datetime) or not isinstance(day, date):
            raise TypeError(f"day must be a datetime.date, not {type(day).__name__}")
        i = bisect_right(self.versions, day, key=_effective)
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


def as_versions(policy: Regulation | RegulationVersions | None) -> RegulationVersions:
    """Any policy as a history of versions (the default policy for ``None``)."""
    if policy is None:
        return RegulationVersions([Regulation.default()])
    if isinstance(policy, Regulation):
        return RegulationVersions([policy])
    if isinstance(policy, RegulationVersions):
        return policy
    raise TypeError(
        f"expected a Regulation or RegulationVersions (see slaclock.load_policy), not "
        f"{type(policy).__name__}"
    )


def _signed(value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ConfigError("signed", value, "give the signing date as a datetime.date")
    return value


@attrs.frozen
class Contract:
    """A customer's support contract: who, which kind, when signed, any emergency
    agreement, and calendars of its own.

    Args:
        customer: the customer's name or id.
        kind: the kind of customer, one of the policy's ``customers`` (the default
            policy's: ``"partner"`` or ``"commercial"``).
        signed: the signing date; it decides the regulation version that applies.
        emergency: the special agreement for levels counted "as the contract says", and
            its coverage: ``"business"`` (business hours) or ``"24x7"``; ``None`` without.
        calendars: policy calendar name to the calendar this customer is counted on
            instead (a customer in another time zone, 24/7 coverage bought by contract).
        policy: the policy ``kind`` and ``emergency`` are checked against (the default
            policy when ``None``); the methods' own ``policy`` argument wins over it.

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
    kind: str
    signed: date = attrs.field(converter=_signed)
    emergency: str | None = None
    calendars: Mapping[str, Schedule] = attrs.field(
        factory=dict, converter=_mapping, hash=False, kw_only=True
    )
    policy: Regulation | RegulationVersions | None = attrs.field(
        default=None, eq=False, repr=False, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        versions = as_versions(self.policy)
        kinds = {k for v in versions.versions for k in v.customers}
        if kinds and self.kind not in kinds:
            raise ConfigError(
                "kind", self.kind,
                f"a contract of this policy is one of: {', '.join(sorted(kinds))}",
            )
        offered = {c for v in versions.versions for c in v.coverages} or set(COVERAGES)
        if self.emergency is not None and self.emergency not in offered:
            raise ConfigError(
                "emergency", self.emergency,
                f"the emergency agreement covers {' or '.join(repr(c) for c in sorted(offered))}"
                " hours",
            )
        for name in self.calendars:
            if not any(name in v.calendars for v in versions.versions):
                raise ConfigError(
                    "calendars", name, "not a calendar of the policy; the contract replaces "
                    "the policy's calendars by name",
                )

    def _policy(self, policy: Regulation | RegulationVersions | None) -> RegulationVersions:
        return as_versions(policy if policy is not None else self.policy)

    def regulation(self, policy: Regulation | RegulationVersions | None = None) -> Regulation:
        """The regulation version that governs this contract (the contract's policy, or
        the default one, when ``policy`` is ``None``)."""
        return self._policy(policy).for_contract(self.signed)

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
        key = requested
        if key not in regulation.levels and "." not in key:
            key = f"{self.kind}.{requested}"
        found = regulation.level(key)
        if found.customer is not None and found.customer != self.kind:
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
        for metric in self.regulation(policy).metrics:
            target = found.target(metric)
            if target is not None:
                out[metric] = (target.duration, target.clock_name(self.emergency))
        return out

    def ticket(
        self, ticket_id: str, policy: Regulation | RegulationVersions | None = None
    ) -> Ticket:
        """An empty :class:`~slaclock.Ticket` under this contract: its regulation version,
        its coverage and calendars, and only the levels of its kind (and the levels that
        need an agreement only with one)."""
        from ._clock import Ticket

        return Ticket(ticket_id, self.regulation(policy), coverage=self.emergency, contract=self)


# -- reading policy files ------------------------------------------------------------------


def _read_file(path: str | PathLike[str]) -> tuple[str, Any]:
    """The file's name and its parsed TOML (or, for ``.json``, JSON) content."""
    name = Path(fspath(path)).name
    raw = Path(fspath(path)).read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is not part of the document
    except UnicodeDecodeError as error:
        raise PolicyError(name, "<file>", None, f"not UTF-8 text: {error}") from None
    if fspath(path).lower().endswith(".json"):
        try:
            return name, json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            raise PolicyError(name, "<file>", None, f"not valid JSON: {error}") from None
    try:
        return name, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
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

    A file with top-level ``version`` and ``levels`` describes one :class:`Regulation`
    (or, with ``[contracts]``, a :class:`RegulationVersions` of that one version and its
    contracts); a file with a ``versions`` array describes a :class:`RegulationVersions`.
    The format is in :doc:`/reference/policy-format`.

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


_SHARED_KEYS = {"calendars", "contracts", "customers", "statuses", "fields"}
_TOP_KEYS = {
    "format", "version", "effective", "title", "at_risk", "calendars", "levels", "metrics",
    "statuses", "options", "select", "default_level", "customers", "fields", "contracts",
    # The export mapping of the helpdesk's log (slaclock.load_mapping reads it).
    "log",
}
_VERSION_KEYS = _TOP_KEYS - {"format", "contracts", "log"}
_LEVEL_KEYS = {"title", "customer", "critical", "agreement", "clause", "compliance"}
_METRIC_KEYS = {
    "like", "title", "start", "stop", "pause", "resume", "cancel", "not_applicable", "cycles",
    "restart", "unless", "target_from",
}
_OPTION_CHOICES: dict[str, tuple[object, ...]] = {
    "breach": ("instant", "working_time"),
    "level_change": ("from_start", "from_change"),
    "downgrade_keeps_breach": (True, False),
    "reply_to_solved": ("waits", "reopens"),
}
_CALENDAR_KEYS = {
    "preset", "tz", "hours", "holidays", "days_off", "working_days", "shortened", "overrides",
}
#: The longest target a policy may set: a hundred years of working time.
_MAX_TARGET = timedelta(days=36_525)


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

    def texts(self, value: object, key: str) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, value, "expected an array of strings")
        return list(value)

    def flag(self, value: object, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, value, "expected true or false")
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

    # -- the whole file --------------------------------------------------------------

    def policy(self, data: Mapping[str, Any]) -> Regulation | RegulationVersions:
        data = self.table(data, "<file>")
        fmt = data.get("format", FORMAT)
        if fmt != FORMAT:
            raise self.fail("format", fmt, f"this slaclock reads format {FORMAT}")
        if "versions" in data:
            self.unknown(data, {"format", "versions", "log", *_SHARED_KEYS}, "")
            shared = {key: data[key] for key in _SHARED_KEYS if key in data}
            items = data["versions"]
            if not isinstance(items, list) or not items:
                raise self.fail("versions", items, "expected a non-empty array of tables")
            regulations = [
                self.version(self.table(item, f"versions[{i}]"), f"versions[{i}].", shared)
                for i, item in enumerate(items)
            ]
            try:
                versions = RegulationVersions(regulations)
            except ConfigError as error:
                raise self.fail("versions", error.value, error.problem) from None
            return self.with_contracts(versions, data.get("contracts"))
        regulation = self.version(data, "", {})
        if "contracts" in data:
            return self.with_contracts(RegulationVersions([regulation]), data["contracts"])
        return regulation

    def with_contracts(self, versions: RegulationVersions, value: object) -> RegulationVersions:
        if value is None:
            return versions
        table = self.table(value, "contracts")
        contracts = {}
        for name, spec in table.items():
            where = f"contracts.{name}"
            spec = self.table(spec, where)
            self.unknown(spec, {"kind", "signed", "emergency", "calendars"}, where)
            for required in ("kind", "signed"):
                if required not in spec:
                    raise self.fail(f"{where}.{required}", None, "missing")
            calendars: dict[str, Schedule] = {}
            replaced = self.table(spec.get("calendars", {}), f"{where}.calendars")
            for policy_name, own in replaced.items():
                key = f"{where}.calendars.{policy_name}"
                own_name = self.text(own, key)
                found = [v.calendars[own_name] for v in versions.versions
                         if own_name in v.calendars]
                if not found:
                    raise self.fail(key, own, "not a calendar of this policy")
                calendars[policy_name] = found[-1]
            try:
                contracts[name] = Contract(
                    name, self.text(spec["kind"], f"{where}.kind"),
                    self.date(spec["signed"], f"{where}.signed"),
                    spec.get("emergency"), calendars=calendars, policy=versions,
                )
            except ConfigError as error:
                if isinstance(error, PolicyError):
                    raise
                raise self.fail(f"{where}.{error.field}", error.value, error.problem) from None
        return RegulationVersions(versions.versions, contracts=contracts)

    def version(
        self, data: Mapping[str, Any], prefix: str, shared: Mapping[str, Any]
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

        def pick(key: str) -> tuple[Any, str]:
            """A key of this version, or else the one shared by every version."""
            if key in data:
                return data[key], prefix + key
            return shared.get(key), key

        calendars: dict[str, Schedule] = {}
        value, where = shared.get("calendars"), "calendars"
        if value is not None:
            calendars.update(self.calendars(value, where))
        if "calendars" in data:
            calendars.update(self.calendars(data["calendars"], prefix + "calendars"))
        fields = tuple(self.fields(*pick("fields")))
        statuses = self.statuses(*pick("statuses"))
        customers = self.customers(*pick("customers"))
        options = self.options(data.get("options"), prefix + "options")
        metrics = self.metrics(data.get("metrics"), prefix + "metrics", fields)
        levels_table = self.table(data["levels"], prefix + "levels")
        if not levels_table:
            raise self.fail(prefix + "levels", levels_table, "define at least one level")
        levels = {
            key: self.level(key, value, f"{prefix}levels.{key}", calendars, metrics, customers)
            for key, value in levels_table.items()
        }
        default_level = data.get("default_level")
        if default_level is not None and default_level not in levels:
            raise self.fail(
                prefix + "default_level", default_level,
                f"not a level of this policy ({', '.join(levels)})",
            )
        rules = self.rules(data.get("select", []), prefix + "select", levels, calendars, fields)
        return Regulation(
            version=version,
            effective=effective,
            title=title,
            calendars=calendars,
            levels=levels,
            at_risk=float(at_risk),
            source=self.source,
            metrics=metrics,
            statuses=statuses,
            options=options,
            rules=rules,
            default_level=default_level,
            customers=customers,
            fields=fields,
        )

    # -- the vocabulary ----------------------------------------------------------------

    def fields(self, value: object, key: str) -> list[str]:
        if value is None:
            return []
        names = self.texts(value, key)
        for name in names:
            if name in BUILTIN_FIELDS:
                raise self.fail(key, name, f"a built-in field ({', '.join(BUILTIN_FIELDS)})")
        return names

    def statuses(self, value: object, key: str) -> dict[str, str]:
        if value is None:
            return {}
        table = self.table(value, key)
        out: dict[str, str] = {}
        folded: dict[str, str] = {}
        for name, category in table.items():
            if category not in CATEGORIES:
                raise self.fail(
                    f"{key}.{name}", category,
                    f"unknown status category; one of {', '.join(CATEGORIES)}",
                )
            twin = folded.get(name.strip().casefold())
            if twin is not None and table[twin] != category:
                raise self.fail(
                    f"{key}.{name}", category,
                    f"statuses are matched without regard to case, and {twin!r} is "
                    f"{table[twin]!r}",
                )
            folded[name.strip().casefold()] = name
            out[name] = category
        return out

    def customers(self, value: object, key: str) -> dict[str, str]:
        if value is None:
            # A policy that names no kinds of customer has the default policy's.
            return dict(_default().customers)
        table = self.table(value, key)
        out = {}
        for name, spec in table.items():
            spec = self.table(spec, f"{key}.{name}")
            self.unknown(spec, {"title"}, f"{key}.{name}")
            title = spec.get("title", name)
            out[name] = self.text(title, f"{key}.{name}.title")
        if not out:
            raise self.fail(key, value, "name at least one kind of customer, or leave it out")
        return out

    def options(self, value: object, key: str) -> Options:
        if value is None:
            return Options()
        table = self.table(value, key)
        self.unknown(table, set(_OPTION_CHOICES), key)
        for name, choice in table.items():
            allowed = _OPTION_CHOICES[name]
            if choice not in allowed or isinstance(choice, bool) != isinstance(allowed[0], bool):
                shown = ", ".join(json.dumps(a) for a in allowed)
                raise self.fail(f"{key}.{name}", choice, f"expected one of {shown}")
        return Options(**table)

    def metrics(
        self, value: object, key: str, fields: tuple[str, ...]
    ) -> dict[str, MetricDefinition]:
        if value is None:
            return _default_metrics()
        table = self.table(value, key)
        if not table:
            raise self.fail(key, value, "declare at least one metric, or leave it out")
        for name in table:
            if name in _LEVEL_KEYS:
                raise self.fail(
                    f"{key}.{name}", table[name],
                    f"a level's own key ({', '.join(sorted(_LEVEL_KEYS))}) cannot name a "
                    "metric: call it otherwise",
                )
        out = {
            name: self.metric(name, spec, f"{key}.{name}", fields, table, metric_library())
            for name, spec in table.items()
        }
        for name, metric in out.items():
            for other in (*metric.unless, *filter(None, [metric.target_from])):
                if other not in out:
                    which = "unless" if other in metric.unless else "target_from"
                    given = self.table(table[name], f"{key}.{name}")
                    shipped = which not in given and "like" in given
                    raise self.fail(
                        f"{key}.{name}.{which}", other,
                        (f"the shipped definition {given.get('like')!r} counts on the metric "
                         f"{other!r}: add it to the policy's metrics, or set {which} = "
                         f"{'[]' if which == 'unless' else 'a metric of yours'}")
                        if shipped else f"not a metric of this policy ({', '.join(out)})",
                    )
        return out

    def metric(
        self,
        name: str,
        value: object,
        key: str,
        fields: tuple[str, ...] | Mapping[str, Any],
        siblings: Mapping[str, Any],
        library: Mapping[str, MetricDefinition] | None,
    ) -> MetricDefinition:
        spec = dict(self.table(value, key))
        self.unknown(spec, _METRIC_KEYS, key)
        base: dict[str, Any] = {}
        like = spec.pop("like", None)
        if like is not None:
            if library is None or like not in library:
                known = ", ".join(library or ())
                raise self.fail(f"{key}.like", like, f"not a metric slaclock ships ({known})")
            base = attrs.asdict(library[like], recurse=False)
            # Names inside a shipped definition are the library's; in this policy they are
            # the names the policy gives them (unless = ["reaction"] stays as it is).
            base["unless"] = tuple(
                _renamed(u, siblings) for u in base["unless"]
            )
            if base["target_from"] is not None:
                base["target_from"] = _renamed(base["target_from"], siblings)
            del base["name"]
        known_fields = fields if isinstance(fields, tuple) else None
        for part in ("start", "stop", "resume", "cancel", "not_applicable"):
            if part in spec:
                triggers = self.texts(spec[part], f"{key}.{part}") if spec[part] else []
                for trigger in triggers:
                    problem = check_trigger(trigger, known_fields)
                    if problem is not None:
                        raise self.fail(f"{key}.{part}", trigger, problem)
                base[part] = frozenset(triggers)
        if "pause" in spec:
            categories = self.texts(spec["pause"], f"{key}.pause") if spec["pause"] else []
            for category in categories:
                if category not in CATEGORIES:
                    raise self.fail(
                        f"{key}.pause", category,
                        f"unknown status category; one of {', '.join(CATEGORIES)}",
                    )
            base["pause"] = frozenset(categories)
        for part in ("cycles", "restart"):
            if part in spec:
                base[part] = self.flag(spec[part], f"{key}.{part}")
        if "unless" in spec:
            base["unless"] = tuple(self.texts(spec["unless"], f"{key}.unless"))
        if "target_from" in spec:
            base["target_from"] = self.text(spec["target_from"], f"{key}.target_from")
        title = spec.get("title", base.get("title") or name)
        base["title"] = self.text(title, f"{key}.title")
        if not base.get("start"):
            raise self.fail(f"{key}.start", base.get("start"), "a metric needs a start trigger")
        if not base.get("stop"):
            raise self.fail(
                f"{key}.stop", base.get("stop"),
                "nothing meets this metric: give it stop triggers (e.g. desk_reply)",
            )
        if base.get("restart") and not base.get("cycles"):
            raise self.fail(
                f"{key}.restart", True,
                "a metric counted once cannot start afresh: set cycles = true, or leave "
                "restart out",
            )
        return MetricDefinition(name=name, **base)

    # -- levels and their selection ------------------------------------------------

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
        self,
        key: str,
        value: object,
        where: str,
        calendars: Mapping[str, Schedule],
        metrics: Mapping[str, MetricDefinition],
        customers: Mapping[str, str],
    ) -> Level:
        table = self.table(value, where)
        self.unknown(table, _LEVEL_KEYS | set(metrics), where)
        customer = table.get("customer")
        if customer is not None and customer not in customers:
            raise self.fail(
                    f"{where}.customer", customer,
                    f"expected one of the policy's kinds of customer "
                    f"({', '.join(repr(c) for c in customers) or 'none declared'}); "
                    "declare others under [customers]",
                )
        flags = {
            flag: self.flag(table.get(flag, False), f"{where}.{flag}")
            for flag in ("critical", "agreement")
        }
        targets = {
            metric: self.target(metric, table[metric], f"{where}.{metric}", calendars)
            for metric in metrics
            if metric in table
        }
        title = table.get("title", key)
        clause = table.get("clause", "")
        for name, text in (("title", title), ("clause", clause)):
            if not isinstance(text, str):
                raise self.fail(f"{where}.{name}", text, "expected a string")
        goal = table.get("compliance")
        if goal is not None and (
            isinstance(goal, bool) or not isinstance(goal, int | float) or not 0 < goal <= 1
        ):
            raise self.fail(f"{where}.compliance", goal, "expected a share above 0, at most 1")
        return Level(
            key=key,
            title=title,
            customer=customer,
            targets=targets,
            critical=flags["critical"],
            agreement=flags["agreement"],
            clause=clause,
            fallbacks={n: m.target_from for n, m in metrics.items() if m.target_from},
            compliance=None if goal is None else float(goal),
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
        if (
            isinstance(amount, bool)
            or not isinstance(amount, int | float)
            or not math.isfinite(amount)
            or amount <= 0
        ):
            raise self.fail(f"{where}.{unit}", amount, "expected a positive, finite number")
        if amount * (60 if unit == "hours" else 1) > _MAX_TARGET / timedelta(minutes=1):
            raise self.fail(f"{where}.{unit}", amount, "a target is at most 100 years")
        duration = timedelta(**{unit: amount})
        if duration < timedelta(seconds=1):
            raise self.fail(f"{where}.{unit}", amount, "a target is at least one second")
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

    def rules(
        self,
        value: object,
        key: str,
        levels: Mapping[str, Level],
        calendars: Mapping[str, Schedule],
        fields: tuple[str, ...],
    ) -> tuple[LevelRule, ...]:
        if not isinstance(value, list):
            raise self.fail(key, value, "expected an array of tables ([[select]])")
        out = []
        known = (*BUILTIN_FIELDS, *fields)
        for i, item in enumerate(value):
            where = f"{key}[{i}]"
            spec = self.table(item, where)
            self.unknown(spec, {"level", "when", "opened"}, where)
            level = spec.get("level")
            if level not in levels:
                raise self.fail(
                    f"{where}.level", level, f"not a level of this policy ({', '.join(levels)})"
                )
            when: dict[str, frozenset[str]] = {}
            for field, wanted in self.table(spec.get("when", {}), f"{where}.when").items():
                if field not in known or field == "level":
                    raise self.fail(
                        f"{where}.when.{field}", wanted,
                        f"the policy's tickets have no field {field!r} to select by (fields: "
                        f"{', '.join(f for f in known if f != 'level')}); declare it in "
                        "'fields'",
                    )
                when[field] = frozenset(self.texts(wanted, f"{where}.when.{field}"))
            opened = None
            if "opened" in spec:
                table = self.table(spec["opened"], f"{where}.opened")
                if len(table) != 1 or next(iter(table)) not in ("inside", "outside"):
                    raise self.fail(
                        f"{where}.opened", dict(table),
                        "expected { inside = \"<calendar>\" } or { outside = \"<calendar>\" }",
                    )
                side, calendar = next(iter(table.items()))
                self.known_calendar(calendar, f"{where}.opened.{side}", calendars)
                opened = (side, calendar)
            if not when and opened is None and i != len(value) - 1:
                raise self.fail(
                    where, dict(spec),
                    "a rule without conditions matches every ticket: make it the last one "
                    "(or use default_level)",
                )
            out.append(LevelRule(str(level), when, opened))
        return tuple(out)


def _renamed(library_name: str, siblings: Mapping[str, Any]) -> str:
    """The policy's own name for a metric a shipped definition refers to."""
    for name, spec in siblings.items():
        if name == library_name or (isinstance(spec, Mapping) and spec.get("like") == library_name):
            return name
    return library_name
