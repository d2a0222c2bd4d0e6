"""One version of a support policy (:class:`Regulation`), and the history of its versions
with the customers' contracts (:class:`RegulationVersions`).

A policy is described in a file (TOML, or JSON with the same structure) and compiled into
these frozen values (:mod:`slaclock.sla._policy_file`). The embedded default policy,
:meth:`Regulation.default`, is itself such a file (``data/regulation.toml``).
"""

from __future__ import annotations

import operator
import tomllib
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import attrs

from slaclock._errors import ConfigError, NaiveDatetimeError, UnknownLevelError
from slaclock._instants import from_us, to_us
from slaclock.calendars import Schedule
from slaclock.sla._model import (
    Deadlines,
    FrozenDict,
    Level,
    LevelRule,
    Memo,
    MetricDefinition,
    Options,
    Target,
    frozen_mapping,
    names_of,
    rules_of,
    shares_of,
)
from slaclock.sla._policy_reader import PolicyReader, default_metrics
from slaclock.sla._vocabulary import CATEGORIES, COVERAGES

if TYPE_CHECKING:
    from slaclock.sla._contract import Contract

__all__ = ["Regulation", "RegulationVersions", "as_versions"]

_CATEGORY_NAMES = frozenset(CATEGORIES)


@attrs.frozen(kw_only=True)
class Regulation:
    """One version of a support policy: calendars, statuses, metrics, levels and rules.

    Attributes:
        version: the version's name, e.g. ``"1"``.
        effective: the date it takes effect.
        title: a human name.
        calendars: calendar name to :class:`~slaclock.Calendar` (or any schedule).
        levels: level key to :class:`~slaclock.policy.Level`.
        at_risk: the share of a target after which a running clock is "at risk".
        warn: the warning thresholds of the targets and levels that give none (shares,
            sorted; the at-risk share is always one of a clock's thresholds).
        source: the file it was read from, if any.
        metrics: metric name to :class:`~slaclock.policy.MetricDefinition`, in the order
            clocks are listed.
        statuses: the helpdesk's status names to categories (each category also names
            itself).
        options: the :class:`~slaclock.policy.Options` of the rules helpdesks disagree on.
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
    calendars: Mapping[str, Schedule] = attrs.field(converter=frozen_mapping, hash=False)
    levels: Mapping[str, Level] = attrs.field(converter=frozen_mapping, hash=False)
    at_risk: float = 0.8
    warn: tuple[float, ...] = attrs.field(default=(), converter=shares_of)
    source: str | None = attrs.field(default=None, eq=False)
    metrics: Mapping[str, MetricDefinition] = attrs.field(
        factory=lambda: default_metrics(), converter=frozen_mapping, hash=False,
    )
    statuses: Mapping[str, str] = attrs.field(factory=dict, converter=frozen_mapping, hash=False)
    options: Options = attrs.field(factory=Options)
    rules: tuple[LevelRule, ...] = attrs.field(default=(), converter=rules_of)
    default_level: str | None = None
    customers: Mapping[str, str] = attrs.field(factory=dict, converter=frozen_mapping, hash=False)
    fields: tuple[str, ...] = attrs.field(default=(), converter=names_of)
    #: The statuses by their case-folded names, the categories among them: made once.
    _folded: Mapping[str, str] = attrs.field(init=False, eq=False, repr=False, hash=False)
    #: The facts of an event with the field changes it made (the walk's), by the event's
    #: other facts and the changes.
    _field_facts: Memo = attrs.field(init=False, factory=Memo, eq=False, repr=False,
                                     hash=False)
    #: The metric each metric's definition takes its target from (``target_from``).
    _fallbacks: Mapping[str, str] = attrs.field(init=False, eq=False, repr=False, hash=False)
    #: The calendars the selection rules ask whether a ticket opened inside, in order.
    _rule_calendars: tuple[str, ...] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_fallbacks", FrozenDict(
            {name: m.target_from for name, m in self.metrics.items() if m.target_from}
        ))
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
        unknown service level 'vip'; the policy defines: partner.standard,
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

    def target(self, level: str | Level, metric: str) -> Target | None:
        """The target of ``metric`` at ``level`` (its key, or the level): the level's own
        (:meth:`~slaclock.policy.Level.target`), else, when the level sets none, the target of
        the metric the definition's ``target_from`` names; ``None`` without one.

        Raises:
            UnknownLevelError: for an unknown level key.

        >>> Regulation.default().target("partner.standard", "next_reaction").duration
        datetime.timedelta(days=2)
        """
        found = self.level(level) if isinstance(level, str) else level
        target = found.target(metric)
        if target is None:
            fallback = self._fallbacks.get(metric)
            if fallback is not None:
                target = found.targets.get(fallback)
        return target

    def clock(self, level: str, metric: str, coverage: str | None = None) -> Schedule | None:
        """The calendar ``metric`` of ``level`` is counted on, or ``None`` without a target.

        Raises:
            UnknownLevelError: for an unknown level.
            ConfigError: when the level is counted as the contract says and ``coverage``
                is missing or not offered.
        """
        target = self.target(level, metric)
        if target is None:
            return None
        return self.calendars[target.clock_name(coverage)]

    def deadlines(self, level: str, opened: Any, coverage: str | None = None) -> Deadlines:
        """The deadlines of a ticket opened at ``opened`` that nothing pauses: every metric
        that starts at the ticket's creation and has a target at ``level``.

        ``opened`` is an aware datetime, or a column of them (a pandas Series, a list, a
        NumPy array: whatever :meth:`~slaclock.Schedule.add` takes), for many tickets of
        one level at once: each deadline is then a column of the same kind, each row the
        deadline of that row's opening.

        Returns:
            a :class:`~slaclock.policy.Deadlines`; ``d["reaction_deadline"]`` (the form of
            slaclock 0.1) and ``d.targets["reaction"]`` are the same instant, in ``opened``'s
            zone, ``None`` where the level sets no target.

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
        if isinstance(opened, datetime) and opened.utcoffset() is None:
            raise NaiveDatetimeError("opened", opened)
        found = self.level(level)
        out: dict[str, Any] = {}
        for name, metric in self.metrics.items():
            if not any(t == "created" or t.startswith("created_by:") for t in metric.start):
                continue
            target = self.target(found, name)
            deadline = None
            if target is not None:
                schedule = self.calendars[target.clock_name(coverage)]
                if target.from_opening or target.out_of_hours is not None:
                    deadline = self._shifted_deadline(target, schedule, opened)
                else:
                    deadline = schedule.add(opened, target.duration)
            out[name] = deadline
        return Deadlines(found.key, opened, out)


    def _shifted_deadline(self, target: Target, schedule: Schedule, opened: Any) -> datetime:
        """The deadline of a target counted from its business hours' next opening
        (``from_opening``) or lengthened out of them (``out_of_hours``), by the rules the
        ticket clocks follow (:meth:`Target.counting_from`, :meth:`Target.extra_us`)."""
        if not isinstance(opened, datetime):
            raise ConfigError(
                "opened", type(opened).__name__,
                f"one instant: the {target.metric} target counts from its business hours "
                "(from_opening or out_of_hours), which deadlines over a column do not "
                "follow; ask ticket by ticket",
            )
        start = target.counting_from(to_us(opened, "opened"), self.calendars)
        extra = target.extra_us(start, self.calendars)
        return schedule.add(from_us(start, opened.tzinfo),
                            target.duration + timedelta(microseconds=extra))

    def with_target(self, level: str, metric: str, duration: timedelta | None) -> Regulation:
        """A copy of the policy where ``level`` promises ``metric`` within ``duration`` of
        working time (on the calendar its target already counts on), or promises nothing
        for it (``None``): the question "the same log with a 16 h target" asks.

        Raises:
            UnknownLevelError: for an unknown level.
            ConfigError: when the policy has no such metric, or the level sets no target
                for it to change (a new target needs its calendar: write it in the policy).

        >>> from datetime import timedelta
        >>> reg = Regulation.default().with_target(
        ...     "commercial.standard", "reaction", timedelta(hours=16))
        >>> reg.target("commercial.standard", "reaction").duration
        datetime.timedelta(seconds=57600)
        >>> Regulation.default().target("commercial.standard", "reaction").duration
        datetime.timedelta(days=1)
        """
        found = self.level(level)
        if metric not in self.metrics:
            raise ConfigError("metric", metric, "the policy has no such metric; it has: "
                              + ", ".join(self.metrics))
        targets = dict(found.targets)
        if duration is None:
            targets.pop(metric, None)
        elif metric in targets:
            targets[metric] = attrs.evolve(targets[metric], duration=duration)
        else:
            raise ConfigError("metric", metric, f"{level} sets no {metric} target to change; "
                              "a new target is written in the policy, with its calendar")
        levels = {**self.levels, level: attrs.evolve(found, targets=targets)}
        return attrs.evolve(self, levels=levels)

    def with_calendar(self, name: str, calendar: Schedule) -> Regulation:
        """A copy of the policy whose calendar ``name`` is ``calendar``: every target
        counted on it is counted on the new one ("the same log with the new holiday").

        Raises:
            ConfigError: when the policy has no calendar of that name (it lists those it
                has).

        >>> from slaclock import Calendar
        >>> reg = Regulation.default().with_calendar("24x7", Calendar.always("Europe/Moscow"))
        >>> reg.calendars["24x7"] == Calendar.always("Europe/Moscow")
        True
        """
        if name not in self.calendars:
            raise ConfigError("calendar", name, "the policy has no such calendar; it has: "
                              + ", ".join(self.calendars))
        return attrs.evolve(self, calendars={**self.calendars, name: calendar})


@cache
def _default() -> Regulation:
    text = resources.files("slaclock").joinpath("data/regulation.toml").read_text("utf-8")
    reader = PolicyReader("regulation.toml")
    return Regulation(**reader.version(tomllib.loads(text), "", {}))


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
        contracts: customer name to :class:`~slaclock.Contract` (a policy file's ``[contracts]``).

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
        factory=dict, converter=frozen_mapping, hash=False, kw_only=True
    )
    #: What is worked out once for the versions (the governing rule's boundaries).
    _memo: Memo = attrs.field(init=False, factory=Memo, eq=False, repr=False, hash=False)

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

    def with_target(
        self, level: str, metric: str, duration: timedelta | None
    ) -> RegulationVersions:
        """A copy where every version that defines ``level`` promises ``metric`` within
        ``duration`` (:meth:`Regulation.with_target`); the contracts kept.

        Raises:
            UnknownLevelError: when no version defines the level.
            ConfigError: as :meth:`Regulation.with_target`.
        """
        if level not in self.level_keys:
            raise UnknownLevelError(level, self.level_keys)
        return attrs.evolve(self, versions=tuple(
            v.with_target(level, metric, duration) if level in v.levels else v
            for v in self.versions
        ))

    def with_calendar(self, name: str, calendar: Schedule) -> RegulationVersions:
        """A copy where every version's calendar ``name`` is ``calendar``
        (:meth:`Regulation.with_calendar`); a contract's own calendars stay its own.

        Raises:
            ConfigError: when no version has a calendar of that name.
        """
        if not any(name in v.calendars for v in self.versions):
            self.latest.with_calendar(name, calendar)  # raises, listing the names
        return attrs.evolve(self, versions=tuple(
            v.with_calendar(name, calendar) if name in v.calendars else v
            for v in self.versions
        ))


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

