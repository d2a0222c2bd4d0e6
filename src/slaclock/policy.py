"""The SLA model as data: policies, their versions and contracts, levels, targets and metric
definitions, and the rule that says which terms govern a ticket.

``import slaclock.policy`` is the public home of the policy's parts. The names a desk needs
every day (:class:`~slaclock.Regulation`, :class:`~slaclock.RegulationVersions`,
:class:`~slaclock.Contract`, :func:`~slaclock.load_policy`, :func:`~slaclock.load_calendar`)
are also on :mod:`slaclock` itself.

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> from slaclock import policy
>>> terms = policy.governing(None, datetime(2026, 5, 4, 9, tzinfo=ZoneInfo("Europe/Moscow")))
>>> terms.regulation.version, terms.contract, terms.coverage
('1', None, None)
"""

from slaclock.sla import (
    CATEGORIES,
    COVERAGES,
    NO_SLA,
    Condition,
    Contract,
    Deadlines,
    Level,
    LevelRule,
    MetricDefinition,
    Options,
    Regulation,
    RegulationVersions,
    Target,
    Terms,
    desk_zone,
    governing,
    load_calendar,
    load_policy,
    metric_library,
    parse_policy,
)

__all__ = [
    "CATEGORIES",
    "COVERAGES",
    "NO_SLA",
    "Condition",
    "Contract",
    "Deadlines",
    "Level",
    "LevelRule",
    "MetricDefinition",
    "Options",
    "Regulation",
    "RegulationVersions",
    "Target",
    "Terms",
    "desk_zone",
    "governing",
    "load_calendar",
    "load_policy",
    "metric_library",
    "parse_policy",
]

