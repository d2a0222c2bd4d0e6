"""The reader of Freshdesk's tickets, with their conversations, and of its ticket
activities export beside them.

The export is a list of tickets as Freshdesk's API v2 gives them
(``GET /api/v2/tickets/{id}?include=conversations``, or ``{"tickets": [...]}``): each
with ``id``, ``status`` and ``priority`` (numbers), ``created_at``, ``requester_id``,
``source`` and its ``conversations``. Beside it, the *activities* companion is the ticket
activities export (``GET /api/v2/export/ticket_activities``: ``{"activities_data":
[...]}``), each activity with ``ticket_id``, ``performed_at``, ``performer_type``,
``performer_id`` and ``activity``, the properties it set (``status``, ``priority``,
``new_ticket``, ``note``, ...). ``include=conversations`` embeds at most ten
conversations: the *conversations* companion gives them all
(``GET /api/v2/tickets/{id}/conversations``, each with its ``ticket_id``), in place of
the embedded ones.

The rows of a ticket's record: the ticket itself (its creation), each conversation and
each property of each of its activities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slaclock.helpdesks._export import (
    _BUILTIN_TARGETS,
    _Builder,
    _clean,
    _created,
    _records,
)
from slaclock.helpdesks._mapping import ExportError, Role
from slaclock.logs import parse_time

#: Freshdesk's priorities, by number (API v2, "Ticket properties").
PRIORITIES = {"1": "Low", "2": "Medium", "3": "High", "4": "Urgent"}
#: The ticket ``source`` of an outbound e-mail: a ticket an agent opened.
_OUTBOUND_EMAIL = "10"
#: The status a new ticket takes unless told (API v2, "Create a Ticket": 2, Open).
_OPEN = "2"
#: How the activities export writes a time (``01-06-2026 09:00:00 +0000``).
_ACTIVITY_TIME = "DD-MM-YYYY HH:mm:ss Z"
#: The activity property that marks the ticket's creation.
_NEW_TICKET = "new_ticket"

#: How many conversations ``include=conversations`` embeds at the most.
_EMBEDDED = 10

_TEN_CONVERSATIONS = (
    "a ticket with ten conversations embedded (include=conversations gives the first ten) "
    "is read as having no more: give each such ticket's conversations "
    "(/api/v2/tickets/{id}/conversations) with --with conversations=FILE"
)

_NO_ACTIVITIES = (
    "a ticket with no activity in the export is read as created in its current status "
    "and never changed (only an Open ticket; the others are left out): give the ticket "
    "activities export covering the tickets' lives with --with activities=FILE"
)


def _read_freshdesk(data: Any, build: _Builder) -> None:
    tickets = _records(data, "tickets", build.export.source)
    ids = {_clean(t.get("id")) for t in tickets if isinstance(t, Mapping)}
    activities = _activities(build, ids)
    conversations = _conversations(build, ids)
    for number, ticket in enumerate(tickets, 1):
        _freshdesk_ticket(number, ticket, activities, conversations, build)


def _activity_time(value: object) -> datetime | str:
    """The instant of an activity: as the export writes it, or in ISO 8601 (as copied by
    connectors); else the reason it has none."""
    if not isinstance(value, str):
        return "no performed_at time" if value is None else f"time {value!r} is not text"
    for fmt in (_ACTIVITY_TIME, "iso"):
        try:
            return parse_time(value.strip(), fmt=fmt)
        except ValueError:
            continue
    return (f"time {value!r} is neither the activities export's DD-MM-YYYY HH:mm:ss +0000 "
            "nor ISO 8601")


#: One activity: its time (or why it has none), the file it came from and its index.
_Activity = tuple[datetime | str, str, int, Mapping[str, Any]]


def _activities(build: _Builder, ids: set[str | None]) -> dict[str, list[_Activity]]:
    """The activities of each ticket in the export, from every ``activities`` file; those
    of other tickets are counted as ignored, row by row."""
    out: dict[str, list[_Activity]] = {}
    for name, data in build.companion_json("activities"):
        if isinstance(data, Mapping):
            if "activities_data" not in data:
                raise ExportError(name, None, "expected the ticket activities export, an "
                                  "object with 'activities_data'")
            data = data["activities_data"]
        if not isinstance(data, list):
            raise ExportError(name, None, "'activities_data' is not a list")
        if data and not any(isinstance(a, Mapping) and isinstance(a.get("activity"), Mapping)
                            for a in data):
            raise ExportError(name, None, "none of its items is an activity (an object with "
                              "'activity'): give the ticket activities export with --with "
                              "activities=FILE, not another file")
        for index, activity in enumerate(data):
            where = f"{name}: activities_data[{index}]"
            if not isinstance(activity, Mapping) or not isinstance(
                    activity.get("activity"), Mapping):
                build.reject(index, "not an activity (an object with activity)",
                             place=where)
                continue
            ticket = _clean(activity.get("ticket_id"))
            if ticket not in ids or ticket is None:
                for _ in activity["activity"]:
                    build.ignore("activity of a ticket not in the export")
                continue
            out.setdefault(ticket, []).append(
                (_activity_time(activity.get("performed_at")), name, index, activity))
    return out


def _conversations(build: _Builder, ids: set[str | None]) -> dict[str, list[Any]]:
    """The conversations of each ticket in the export, from every ``conversations`` file
    (a list of them, or of such pages); those of other tickets are counted as ignored."""
    out: dict[str, list[Any]] = {}
    for name, data in build.companion_json("conversations"):
        if not isinstance(data, list):
            raise ExportError(name, None, "expected a list of conversations (what "
                              "/api/v2/tickets/{id}/conversations returns)")
        pages = [item if isinstance(item, list) else [item] for item in data]
        for index, conversation in enumerate(c for page in pages for c in page):
            ticket = _clean(conversation.get("ticket_id")) \
                if isinstance(conversation, Mapping) else None
            if ticket is None:
                build.reject(index, "names no ticket_id", place=f"{name}: conversation {index}")
            elif ticket not in ids:
                build.ignore("conversation of a ticket not in the export")
            else:
                out.setdefault(ticket, []).append(conversation)
    return out


def _freshdesk_ticket(number: int, record: object,
                      activities: Mapping[str, Sequence[_Activity]],
                      listed: Mapping[str, Sequence[Any]], build: _Builder) -> None:
    where = f"tickets[{number - 1}]"
    if not isinstance(record, Mapping):
        build.reject(number, f"{where} is not a Freshdesk ticket (an object)")
        return
    ticket = _clean(record.get("id"))
    if ticket is None:
        build.reject(number, f"{where} has no id")
        return
    conversations = record.get("conversations", [])
    if not isinstance(conversations, list):
        build.reject(number, f"ticket {ticket}: conversations is not a list", ticket)
        return
    if ticket in listed:
        for _ in conversations:
            build.ignore("embedded conversation (read from the conversations file)")
        conversations = list(listed[ticket])
    elif len(conversations) >= _EMBEDDED:
        build.assume("freshdesk-ten-conversations", _TEN_CONVERSATIONS, ticket)
    if record.get("deleted") is True:
        build.leave_out(ticket, "deleted in Freshdesk (deleted: true)", number)
    elif record.get("spam") is True:
        build.leave_out(ticket, "marked as spam in Freshdesk (spam: true)", number)
    acts = sorted((a for a in activities.get(ticket, ()) if not isinstance(a[0], str)),
                  key=lambda a: a[0])
    _reject_untimed(number, ticket, activities.get(ticket, ()), build)
    creating = next((a for a in acts if a[3]["activity"].get(_NEW_TICKET) is True), None)
    status = _clean(record.get("status"))
    if not acts:
        if status != _OPEN:
            build.leave_out(ticket, "its status changes are not in the export: give the "
                            "ticket activities export covering its life (--with "
                            "activities=FILE)", number)
        else:
            build.assume("freshdesk-no-activities", _NO_ACTIVITIES, ticket)
    elif creating is None:
        build.leave_out(ticket, "the activities export begins after the ticket's creation, "
                        "so its first status is not known: export the activities from the "
                        "day it was created", number)
    _creation(number, ticket, record, acts, creating, build)
    for conversation in conversations:
        _conversation(number, ticket, conversation, build)
    for activity in acts:
        if activity is not creating:
            _activity(number, ticket, activity, build)


def _reject_untimed(number: int, ticket: str, activities: Sequence[_Activity],
                    build: _Builder) -> None:
    """The properties of an activity without a readable time, each rejected."""
    for at, name, index, activity in activities:
        if isinstance(at, str):
            build.reject_all(len(activity["activity"]), number, at, ticket,
                             place=f"{name}: activities_data[{index}]")


def _priority(value: object) -> str | None:
    """A priority's name: Freshdesk's numbers 1 to 4 as it names them, else as written."""
    text = _clean(value)
    return PRIORITIES.get(text, text) if text is not None else None


def _creation(number: int, ticket: str, record: Mapping[str, Any],
              acts: Sequence[_Activity], creating: _Activity | None,
              build: _Builder) -> None:
    """The ticket's creation: one row, and the properties of its ``new_ticket`` activity
    that say its status and priority then."""
    created = build.time(record.get("created_at"), number, ticket)
    props: Mapping[str, Any] = creating[3]["activity"] if creating is not None else {}
    taken = [key for key in (_NEW_TICKET, "status", "priority") if key in props]
    rows = 1 + len(taken)
    # Refused, the creation takes its activity's every property with it (the others
    # would be changes of a ticket that never opened).
    refused = len(props)
    if created is None:
        build.reject_all(refused, number, "the ticket's creation was refused", ticket)
        return
    status: str | None
    if creating is not None:
        status = _clean(props.get("status")) or _OPEN
    elif acts:
        status = _OPEN
    else:
        status = _clean(record.get("status"))
    name = build.status(status, number, ticket)
    if name is None:
        build.reject_all(refused, number, "the ticket's creation was refused", ticket)
        return
    role: Role = "desk" if _clean(record.get("source")) == _OUTBOUND_EMAIL else "customer"
    changed = any("priority" in a[3]["activity"] for a in acts if a is not creating)
    priority = _priority(props["priority"]) if "priority" in props else (
        None if changed else _priority(record.get("priority")))
    fields: dict[str, str | None] = {}
    builtin: dict[str, str | None] = {}
    target = build.target(build.mapping.fields, "priority")
    if target in _BUILTIN_TARGETS:
        builtin[target] = priority
    elif target is not None and target != "ignore" and priority is not None:
        fields[target] = priority
    build.use(number, lambda: _created(ticket, created, name, role, fields, builtin), ticket,
              rows=rows)
    if creating is not None:
        at = creating[0]
        assert isinstance(at, datetime)
        for key, value in props.items():
            if key not in taken:
                _property(number, ticket, at, key, value, build)


def _conversation(number: int, ticket: str, conversation: object, build: _Builder) -> None:
    """A conversation: a private note is the desk's internal note; an incoming one (from
    outside the helpdesk) the customer's reply; any other an agent's reply or public
    note, the desk's reply."""
    if not isinstance(conversation, Mapping):
        build.reject(number, f"ticket {ticket}: a conversation is not an object", ticket)
        return
    at = build.time(conversation.get("created_at"), number, ticket)
    if at is None:
        return
    private = conversation.get("private")
    incoming = conversation.get("incoming")
    if not isinstance(private, bool) or not isinstance(incoming, bool):
        build.reject(number, f"ticket {ticket}: conversation "
                     f"{_clean(conversation.get('id'))} lacks its incoming or private flag "
                     "(true or false)", ticket)
        return
    if private:
        build.comment(number, ticket, at, "note", False, lambda: "desk")
    else:
        role: Role = "customer" if incoming else "desk"
        build.comment(number, ticket, at, "reply", True, lambda: role)


def _activity(number: int, ticket: str, activity: _Activity, build: _Builder) -> None:
    at = activity[0]
    assert isinstance(at, datetime)
    for key, value in activity[3]["activity"].items():
        _property(number, ticket, at, key, value, build)


def _property(number: int, ticket: str, at: datetime, key: str, value: object,
              build: _Builder) -> None:
    """One property an activity set: a status or priority change, a conversation (read
    from the ticket's conversations), or another field as the mapping says."""
    if key == "note":
        build.ignore("activity note")
        return
    new = _priority(value) if key == "priority" else (
        _clean(value) if not isinstance(value, Mapping | list) else str(value))
    build.change(number, ticket, at, key, None, new,
                 role=lambda: build.role(None, None, None, number, ticket), public=None)
