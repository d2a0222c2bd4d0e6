"""The words every ticket is told in: status categories, coverages, roles, the event kinds
and what each does, and the triggers a metric's clock listens for.

This is data, read by everyone who needs it: :class:`~slaclock.Event` checks an event
against it, the event log's reader checks a row against it, a
:class:`~slaclock.Ticket` orders and records events by it, and the walk turns events into
facts by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

__all__ = [
    "ACTIONS",
    "BUILTIN_FIELDS",
    "CATEGORIES",
    "COVERAGES",
    "GENERAL_KINDS",
    "KINDS",
    "REPLY_RANK",
    "ROLES",
    "STATUS_RANK",
    "TRIGGERS",
    "Action",
    "Category",
    "Coverage",
    "EventKind",
    "Role",
    "check_trigger",
]

#: The status categories every helpdesk's statuses map onto: the desk's turn, waiting for
#: the customer, waiting for a third party, solved (may reopen), closed (final).
CATEGORIES = ("open", "pending", "on_hold", "solved", "closed")
#: The coverages a contract may buy for a level counted "as the contract says": business
#: hours, or around the clock.
COVERAGES = ("business", "24x7")
#: Who writes a reply or a note, or opens a ticket.
ROLES = ("desk", "customer")
#: The fields every ticket has; a policy declares any others it selects levels by.
BUILTIN_FIELDS = ("level", "customer", "category", "coverage")

Category = Literal["open", "pending", "on_hold", "solved", "closed"]
Coverage = Literal["business", "24x7"]
Role = Literal["desk", "customer"]
EventKind = Literal[
    "opened", "responded", "waiting", "customer_replied", "level_changed", "to_development",
    "resolved", "reopened", "created", "status", "reply", "note", "field",
]

#: The default policy's event kinds (slaclock 0.1's): each one thing a support desk does.
KINDS = (
    "opened",
    "responded",
    "waiting",
    "customer_replied",
    "level_changed",
    "to_development",
    "resolved",
    "reopened",
)
#: The general event kinds: the shape of any helpdesk's history.
GENERAL_KINDS = ("created", "status", "reply", "note", "field")


@attrs.frozen
class Action:
    """What an event kind does."""

    create: bool = False
    reply: str | None = None  # "desk", "customer", or "author": the event's author
    public: bool = True
    status: str | None = None  # a status name, or "event": the event's status
    only_from: frozenset[str] = frozenset()  # the status change applies only from these
    handoff: bool = False
    sets_level: bool = False
    rank: int | None = None  # the order at one instant; None: from the status it sets
    sets_fields: bool = False  # it may change the ticket's fields (and so its level)

    def __attrs_post_init__(self) -> None:
        if self.create or self.sets_level:
            object.__setattr__(self, "sets_fields", True)


#: The default policy's vocabulary (slaclock 0.1's event kinds), and the general one every
#: helpdesk's history maps onto.
ACTIONS: Mapping[str, Action] = {
    "opened": Action(create=True, sets_level=True, rank=0),
    "responded": Action(reply="desk", rank=5),
    # A question to the customer is the desk's reply, and the ticket waits for the answer.
    "waiting": Action(reply="desk", status="pending",
                      only_from=frozenset({"open", "pending", "on_hold"}), rank=4),
    "customer_replied": Action(reply="customer", rank=3),
    "level_changed": Action(sets_level=True, rank=1),
    "to_development": Action(handoff=True, rank=6),
    "resolved": Action(status="solved", only_from=frozenset({"open", "pending", "on_hold"}),
                       rank=7),
    "reopened": Action(status="open", only_from=frozenset({"solved"}), rank=2),
    "created": Action(create=True, rank=0),
    "status": Action(status="event"),
    "reply": Action(reply="author"),
    "note": Action(reply="author", public=False, rank=5),
    "field": Action(rank=1, sets_fields=True),
}
#: The order at one instant of a status change, by the category it enters.
STATUS_RANK = {"open": 2, "pending": 4, "on_hold": 4, "solved": 7, "closed": 7}
#: The order at one instant of a reply, by its author.
REPLY_RANK = {"customer": 3, "desk": 5}

#: The triggers that take no argument.
TRIGGERS = frozenset({
    "created", "desk_reply", "customer_reply", "reply", "desk_note", "customer_note",
    "handoff", "reopened",
})


def check_trigger(text: object, fields: Iterable[str] | None = None) -> str | None:
    """What is wrong with a trigger's text, or ``None`` when it is one slaclock knows.

    >>> check_trigger("enter:pending") is None
    True
    >>> check_trigger("enter:waiting")
    "unknown status category 'waiting'; one of open, pending, on_hold, solved, closed"
    """
    if not isinstance(text, str):
        return "a trigger is a string such as 'desk_reply' or 'enter:pending'"
    if text in TRIGGERS:
        return None
    name, _, arg = text.partition(":")
    if name in ("enter", "leave"):
        if arg not in CATEGORIES:
            return f"unknown status category {arg!r}; one of {', '.join(CATEGORIES)}"
        return None
    if name == "created_by":
        return None if arg in ROLES else "created_by takes desk or customer"
    if name == "field" and arg:
        field = arg.partition("=")[0]
        known = (*BUILTIN_FIELDS, *(fields or ()))
        if fields is not None and field not in known:
            return (f"the policy's tickets have no field {field!r} (fields: "
                    f"{', '.join(known)}); declare it in 'fields'")
        return None
    return (
        f"unknown trigger {text!r}; one of {', '.join(sorted(TRIGGERS))}, "
        "created_by:<desk|customer>, enter:<category>, leave:<category>, field:<name>, "
        "field:<name>=<value>"
    )
