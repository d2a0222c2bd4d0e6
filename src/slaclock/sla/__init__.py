"""The SLA model: the policy (statuses, metrics, levels, contracts, versions) as data, the
event vocabulary, the rule that says which terms govern a ticket, and the ticket clocks
that walk a ticket's events and count its metrics on the calendars below.

It reads the calendar engine and nothing above it. What the other wings use of it is
named here. Its modules, from the bottom up:

- ``_vocabulary``: the words (status categories, coverages, roles, event kinds and what
  each does, triggers);
- ``_model``: the parts of a policy (metric definitions, options, targets, levels,
  selection rules, deadlines);
- ``_policy_reader``: a policy's tables read into those parts, and the shipped metrics;
- ``_regulation``: a version of a policy and the history of versions;
- ``_event``, ``_status``: events in, statuses out;
- ``_count``, ``_walk``: counting a ticket's clocks, and the walk that finds them;
- ``_ticket``, ``_contract``: a ticket, and a customer's contract;
- ``_changes``: when a ticket's status next changes with no new event; ``_stored``: a
  ticket stored as JSON and restored; ``_view``: a status as a web view shows it;
- ``_governing``: which version, contract and coverage govern a ticket;
- ``_policy_file``: policy and calendar files; ``_queue``: the order of many tickets
  (their replay is the reports' wing's, ``slaclock.reporting``).
"""

from slaclock.sla._changes import Change, ChangeKind
from slaclock.sla._contract import Contract
from slaclock.sla._count import WRITABLE, ClockCount, Counted, counted_of
from slaclock.sla._event import Event, Happening, no_opening, same_event
from slaclock.sla._governing import Terms, desk_zone, governing, governing_opened, signed_of
from slaclock.sla._model import (
    NO_SLA,
    Condition,
    Deadlines,
    FrozenDict,
    Level,
    LevelRule,
    MetricDefinition,
    Options,
    Target,
    with_share,
)
from slaclock.sla._policy_file import load_calendar, load_policy, parse_policy
from slaclock.sla._policy_reader import PolicyReader, metric_library
from slaclock.sla._queue import order_queue
from slaclock.sla._regulation import Regulation, RegulationVersions, as_versions
from slaclock.sla._status import (
    MetricState,
    MetricStatus,
    TicketState,
    TicketStatus,
    json_safe,
    local_datetime,
    working_hours,
)
from slaclock.sla._ticket import Ticket
from slaclock.sla._view import VIEW_FORMAT
from slaclock.sla._vocabulary import (
    BUILTIN_FIELDS,
    CATEGORIES,
    COVERAGES,
    GENERAL_KINDS,
    KINDS,
    OPENINGS,
    ROLES,
    TAKES_LEVEL,
    VOCABULARY,
    Coverage,
    EventKind,
    Kind,
    Role,
    said_problem,
)
from slaclock.sla._walk import Shapes, Walk, inside_rules, said

__all__ = [
    "BUILTIN_FIELDS",
    "CATEGORIES",
    "COVERAGES",
    "GENERAL_KINDS",
    "KINDS",
    "NO_SLA",
    "OPENINGS",
    "ROLES",
    "TAKES_LEVEL",
    "VIEW_FORMAT",
    "VOCABULARY",
    "WRITABLE",
    "Change",
    "ChangeKind",
    "ClockCount",
    "Condition",
    "Contract",
    "Counted",
    "Coverage",
    "Deadlines",
    "Event",
    "EventKind",
    "FrozenDict",
    "Happening",
    "Kind",
    "Level",
    "LevelRule",
    "MetricDefinition",
    "MetricState",
    "MetricStatus",
    "Options",
    "PolicyReader",
    "Regulation",
    "RegulationVersions",
    "Role",
    "Shapes",
    "Target",
    "Terms",
    "Ticket",
    "TicketState",
    "TicketStatus",
    "Walk",
    "as_versions",
    "counted_of",
    "desk_zone",
    "governing",
    "governing_opened",
    "inside_rules",
    "json_safe",
    "load_calendar",
    "load_policy",
    "local_datetime",
    "metric_library",
    "no_opening",
    "order_queue",
    "parse_policy",
    "said",
    "said_problem",
    "same_event",
    "signed_of",
    "with_share",
    "working_hours",
]
