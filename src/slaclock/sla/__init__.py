"""The SLA model: the policy (statuses, metrics, levels, contracts, versions) as data, the
event vocabulary, the rule that says which terms govern a ticket, and the ticket clocks
that walk a ticket's events and count its metrics on the calendars below.

It reads the calendar engine and nothing above it. What the other wings use of it is
named here.
"""

from slaclock.sla._clock import (
    Counted,
    Event,
    EventKind,
    Happening,
    Role,
    Shapes,
    Ticket,
    TicketStatus,
    _local,
    _Walk,
    counted_of,
    inside_rules,
)
from slaclock.sla._governing import Terms, desk_zone, governing, signed_of
from slaclock.sla._policy import (
    COVERAGES,
    Coverage,
    FrozenDict,
    Regulation,
    RegulationVersions,
    _Reader,
    as_versions,
    load_policy,
    parse_policy,
)

__all__ = [
    "COVERAGES",
    "Counted",
    "Coverage",
    "Event",
    "EventKind",
    "FrozenDict",
    "Happening",
    "Regulation",
    "RegulationVersions",
    "Role",
    "Shapes",
    "Terms",
    "Ticket",
    "TicketStatus",
    "_Reader",
    "_Walk",
    "_local",
    "as_versions",
    "counted_of",
    "desk_zone",
    "governing",
    "inside_rules",
    "load_policy",
    "parse_policy",
    "signed_of",
]
