"""The words every ticket is told in: status categories, coverages, roles, the event kinds
(what an event of each may say, and what it does), and the triggers a metric's clock
listens for.

This is data, and the rules that read it are written here once: :class:`~slaclock.Event`
checks an event by them, the event log's reader checks a row by them, a
:class:`~slaclock.Ticket` orders its events by them (:func:`rank`), the walk turns events
into facts by them, and a report reads which kinds open a ticket or take a level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

__all__ = [
    "BUILTIN_FIELDS",
    "CATEGORIES",
    "COVERAGES",
    "GENERAL_KINDS",
    "KINDS",
    "OPENINGS",
    "ROLES",
    "TAKES_LEVEL",
    "TRIGGERS",
    "VOCABULARY",
    "Category",
    "Coverage",
    "EventKind",
    "Kind",
    "Role",
    "Takes",
    "check_trigger",
    "rank",
    "said_problem",
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
#: Whether an event of a kind needs a value, may give one, or refuses one.
Takes = Literal["needs", "may", "refuses"]


@attrs.frozen
class Kind:
    """An event kind: what an event of it may say, and what it does to its ticket.

    Attributes:
        name: the kind's name, e.g. ``"responded"``.
        general: of the general vocabulary (the shape of any helpdesk's history) rather
            than the default policy's.
        rank: its order among a ticket's events at one instant (lower first); ``None``:
            the order of the category its status enters (``status``), or of its author
            (``reply``): :func:`rank`.
        opens: it opens the ticket (a ticket has one opening, its first event).
        level: whether an event of it ``"needs"`` a level, ``"may"`` give one (the level
            set by hand), or ``"refuses"`` one.
        status: the same for a status (a helpdesk's name, which the policy maps to a
            category).
        author: the same for an author (``"desk"`` or ``"customer"``).
        fields: the same for ticket fields (their changes).
        reply: who writes to the other side: ``"desk"``, ``"customer"``, ``"author"`` (the
            event's author), or ``None``.
        public: a reply the other side sees (a note is not one).
        enters: the status category it moves the ticket to, ``"status"`` (the category of
            the event's status), or ``None``.
        only_from: the categories it moves the ticket from (from any when empty).
        handoff: it hands the ticket to development.
    """

    name: str
    general: bool
    rank: int | None
    opens: bool = False
    level: Takes = "refuses"
    status: Takes = "refuses"
    author: Takes = "refuses"
    fields: Takes = "refuses"
    reply: str | None = None
    public: bool = True
    enters: str | None = None
    only_from: frozenset[str] = frozenset()
    handoff: bool = False

    @property
    def sets_level(self) -> bool:
        """Whether every event of it sets the ticket's level (it needs one)."""
        return self.level == "needs"

    @property
    def sets_fields(self) -> bool:
        """Whether an event of it may change the ticket's fields (its level among them)."""
        return self.opens or self.level != "refuses" or self.fields != "refuses"


_UNSOLVED = frozenset({"open", "pending", "on_hold"})

#: Every event kind, by name: the default policy's (slaclock 0.1's), each one thing a
#: support desk does; then the general ones every helpdesk's history maps onto.
VOCABULARY: Mapping[str, Kind] = {kind.name: kind for kind in (
    Kind("opened", False, 0, opens=True, level="needs"),
    Kind("responded", False, 5, reply="desk"),
    # A question to the customer is the desk's reply, and the ticket waits for the answer.
    Kind("waiting", False, 4, reply="desk", enters="pending", only_from=_UNSOLVED),
    Kind("customer_replied", False, 3, reply="customer"),
    Kind("level_changed", False, 1, level="needs"),
    Kind("to_development", False, 6, handoff=True),
    Kind("resolved", False, 7, enters="solved", only_from=_UNSOLVED),
    Kind("reopened", False, 2, enters="open", only_from=frozenset({"solved"})),
    Kind("created", True, 0, opens=True, level="may", status="may", author="may",
         fields="may"),
    Kind("status", True, None, status="needs", enters="status"),
    Kind("reply", True, None, author="needs", reply="author"),
    Kind("note", True, 5, author="needs", reply="author", public=False),
    Kind("field", True, 1, level="may", fields="may"),
)}
#: The default policy's event kinds.
KINDS = tuple(name for name, kind in VOCABULARY.items() if not kind.general)
#: The general event kinds: the shape of any helpdesk's history.
GENERAL_KINDS = tuple(name for name, kind in VOCABULARY.items() if kind.general)
#: The kinds that open a ticket.
OPENINGS = frozenset(name for name, kind in VOCABULARY.items() if kind.opens)
#: The kinds that take a level (need one, or may give one).
TAKES_LEVEL = frozenset(name for name, kind in VOCABULARY.items() if kind.level != "refuses")
#: The order at one instant of a status change, by the category it enters.
_STATUS_RANK = {"open": 2, "pending": 4, "on_hold": 4, "solved": 7, "closed": 7}
#: The order at one instant of a reply, by its author.
_REPLY_RANK = {"customer": 3, "desk": 5}


def rank(kind: Kind, category: str | None, author: str | None) -> int:
    """The order at one instant of an event of ``kind`` (lower first), given the category
    its status enters and its author (a reply without one is the customer's).

    >>> rank(VOCABULARY["status"], "solved", None), rank(VOCABULARY["reply"], None, "desk")
    (7, 5)
    """
    found = kind.rank
    if found is None:
        if kind.enters is not None:
            return _STATUS_RANK.get(category or "", 2)
        return _REPLY_RANK[author or "customer"]
    return found


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _taking(part: str, takes: Takes) -> str:
    """The kinds whose ``part`` (level, status, author, fields) is ``takes``, listed."""
    return _listed([name for name, kind in VOCABULARY.items() if getattr(kind, part) == takes])


def said_problem(
    kind: Kind, noun: str, *, level: str | None, status: str | None, author: str | None,
    fields: bool,
) -> str | None:
    """What the vocabulary refuses in an event of ``kind`` that gives ``level``,
    ``status``, ``author`` and (``fields``) changes of ticket fields: one sentence about
    the ``noun`` (``"event"``, ``"row"``); ``None`` when nothing. The rules, in the order
    they are asked: a level needed or refused, a status needed or refused, an author
    needed or refused (one of ``desk`` and ``customer``), fields refused.

    >>> said_problem(VOCABULARY["reply"], "row", level=None, status=None, author="bot",
    ...              fields=False)
    "a 'reply' row needs its author: 'desk' or 'customer' (got 'bot')"
    >>> said_problem(VOCABULARY["responded"], "event", level="vip", status=None, author=None,
    ...              fields=False)  # doctest: +NORMALIZE_WHITESPACE
    "a 'responded' event takes no level (only opened and level_changed do, and created and
    field may); got 'vip'"
    """
    name = kind.name
    if kind.level == "needs" and not level:
        return f"event {name!r} needs a level"
    if kind.level == "refuses" and level is not None:
        return (f"a {name!r} {noun} takes no level (only {_taking('level', 'needs')} do, and "
                f"{_taking('level', 'may')} may); got {level!r}")
    if kind.status == "needs" and not status:
        return f"a {name!r} {noun} needs the new status"
    if kind.status == "refuses" and status is not None:
        return f"a {name!r} {noun} takes no status"
    if kind.author == "needs" and author not in ROLES:
        return f"a {name!r} {noun} needs its author: 'desk' or 'customer' (got {author!r})"
    if author is not None and (kind.author == "refuses" or author not in ROLES):
        takers = [n for n, k in VOCABULARY.items() if k.author != "refuses"]
        return (f"author is 'desk' or 'customer', on {_listed(takers)} {noun}s only; got "
                f"{author!r} on {name}")
    if fields and kind.fields == "refuses":
        return f"a {name!r} {noun} sets no fields ({_taking('fields', 'may')} do)"
    return None


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
