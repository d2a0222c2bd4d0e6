"""The reader of Zendesk's incremental ticket events export: each record an audit, its
child events the changes, comments and the ticket's creation. The Ticket Audits API's
pages (``{"audits": [...]}``, each audit's ``events`` by its ``author_id``; Airbyte's
``ticket_audits`` stream keeps that shape) are read the same way.

Zendesk's meaning, as its public references write it:

- *Ticket Audit events reference* (developer.zendesk.com, "Ticket Audit events reference")
  lists the child event types; :data:`ZENDESK_EVENT_TYPES` says what slaclock does with
  each one, by name. A type it does not list (nor the mapping's ``[log.events]``) is
  refused as unknown, with its record.
- *Incremental Exports* ("Incremental Ticket Event Export"): a ``Create`` or ``Change``
  child names the field it sets by its key (``{"status": "open"}``,
  ``{"type": "incident"}``) beside ``event_type`` and ``previous_value``; the Ticket
  Audits API writes the same child as ``type`` (the event's kind), ``field_name`` and
  ``value``. A child that carries ``event_type`` is of the first shape, so its key
  ``type`` is the ticket's *type* field, mappable like any other.
- *Users* ("Users" API, ``role``: ``end-user``, ``agent`` or ``admin``): an agent or an
  admin is the desk, an end user the customer; Zendesk counts a reply only when a public
  comment comes from an agent ("About Zendesk Support ticket metrics": first reply time,
  "the first public agent comment"). The users come side-loaded in the export's pages
  (``"users": [...]``) or in a users file (companion kind ``users``, the Users API's
  ``{"users": [...]}`` pages). An author they do not name is given the mapping's
  ``default_role`` (the built-in mapping: the requester is the customer, every other
  author the desk), and the ticket's verdict is said to rest on that assumption.
- *Tickets* (``status``: new, open, pending, hold, solved, closed, deleted): a ticket whose
  status became ``deleted`` is left out of the report with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slaclock.helpdesks._export import (
    _BUILTIN_TARGETS,
    _Builder,
    _clean,
    _created,
    _records,
)
from slaclock.helpdesks._mapping import Role

__all__ = ["ZENDESK_EVENT_TYPES"]

#: Zendesk's documented child event types (the Ticket Audit events reference, spelled as
#: the API writes them) and what the reader makes of each when the mapping's
#: ``[log.events]`` does not name it: ``"read"`` (the ticket's creation, a field change, a
#: comment), ``"comment"`` (a reply or a note by its public flag and its author), or
#: ``"ignore"`` (counted as ignored by its name: it moves no SLA clock).
ZENDESK_EVENT_TYPES: Mapping[str, str] = {
    "Create": "read",  # a field set on a new ticket: part of the ticket's creation
    "Change": "read",  # a field changed: status, priority, type, group, requester, ...
    "Comment": "read",  # a comment: a reply or a note by its public flag and author
    "VoiceComment": "comment",  # a call logged on the ticket
    "FacebookComment": "comment",  # a comment on a Facebook post the ticket follows
    "CommentRedactionEvent": "ignore",  # text removed from a comment
    "AttachmentRedactionEvent": "ignore",  # an attachment removed from a comment
    "CommentPrivacyChange": "ignore",  # a public comment made private afterwards
    "Notification": "ignore",  # a trigger's mail to the requester, assignee or group
    "NotificationWithCcs": "ignore",  # the same mail, to the CCs too
    "SMS": "ignore",  # a trigger's text message
    "Cc": "ignore",  # a mail to the CCs
    "FollowerNotification": "ignore",  # a mail to the followers
    "FollowerChange": "ignore",  # followers added or removed
    "FollowersChange": "ignore",  # the same, as some API clients spell it
    "EmailCcChange": "ignore",  # CCs added or removed
    "AgentMacroReference": "ignore",  # a macro applied by an agent
    "SatisfactionRating": "ignore",  # the requester's satisfaction rating
    "TicketSharingEvent": "ignore",  # the ticket shared with another Zendesk
    "OrganizationActivity": "ignore",  # a mail to the organization's subscribers
    "Error": "ignore",  # a trigger or target that failed
    "Tweet": "ignore",  # a tweet sent by a trigger
    "FacebookEvent": "ignore",  # a message posted to Facebook
    "External": "ignore",  # a target (webhook) notified
    "LogMeInTranscript": "ignore",  # a remote session's transcript
    "Push": "ignore",  # data pushed to an app
}

#: Keys of a child event that are not the field it creates or changes.
_ZENDESK_META = frozenset({
    "id", "via", "via_reference_id", "event_type", "type", "previous_value", "created_at",
    "audit_id", "author_id", "body", "html_body", "plain_body", "public", "attachments",
    "metadata", "system", "field_name", "value", "comment_present", "comment_public",
})
#: What Zendesk's user roles mean to an SLA (agent and admin: the desk).
_ZENDESK_ROLES: Mapping[str, Role] = {"end-user": "customer", "agent": "desk",
                                      "admin": "desk"}
#: The assumption the fallback for authors of unknown role rests on.
ROLES_BY_REQUESTER = "roles-by-requester"
_BY_REQUESTER = (
    "author roles guessed: the requester is the customer, any other author the desk "
    "(no Zendesk user names them: give --with users=FILE)"
)
#: The same, when users were given but do not name these authors.
_NOT_IN_USERS = (
    "author roles guessed: the requester is the customer, any other author the desk "
    "(the users given do not name them: give the users of this export's account)"
)
#: Why a deleted ticket is left out.
_DELETED = "Zendesk deleted it (status \"deleted\"): a deleted ticket is in no SLA report"


def zendesk_users(data: Any, source: str) -> dict[str, str]:
    """Each user's id to their Zendesk role (``end-user``, ``agent``, ``admin``), from
    the Users API's pages (``{"users": [...]}``, a list of them, or a list of users) or an
    export's side-loaded ``users``.

    Raises:
        ExportError: when ``data`` holds no users list.
    """
    roles: dict[str, str] = {}
    for user in _records(data, "users", source):
        if isinstance(user, Mapping):
            ident, role = _clean(user.get("id")), _clean(user.get("role"))
            if ident is not None and role is not None:
                roles[ident] = role.casefold()
    return roles


def _read_zendesk(data: Any, build: _Builder) -> None:
    source = build.export.source
    audits = any(isinstance(page, Mapping) and "audits" in page
                 for page in (data if isinstance(data, list) else [data]))
    records = _records(data, "audits" if audits else "ticket_events", source)
    users: dict[str, str] = {}
    for page in data if isinstance(data, list) else [data]:  # the side-loaded users
        if isinstance(page, Mapping) and isinstance(page.get("users"), list):
            users.update(zendesk_users({"users": page["users"]}, source))
    for name, given in build.companion_json("users"):
        users.update(zendesk_users(given, name))
    for ticket, number in _deleted(records).items():
        build.leave_out(ticket, _DELETED, number)
    reader = _Reader(build, users)
    for number, record in enumerate(records, 1):
        reader.record(number, record)


def _child_events(record: Mapping[str, Any]) -> Any:
    """An audit's child events: ``child_events`` (the export), ``events`` (the Ticket
    Audits API, and Airbyte's ``ticket_audits``)."""
    return record.get("child_events", record.get("events"))


def _children(record: object) -> list[Mapping[str, Any]]:
    if not isinstance(record, Mapping):
        return []
    children = _child_events(record)
    if not isinstance(children, list):
        return []
    return [c for c in children if isinstance(c, Mapping)]


def _deleted(records: Iterable[object]) -> dict[str, int]:
    """The tickets whose status became ``deleted``, each with the record that says so."""
    out: dict[str, int] = {}
    for number, record in enumerate(records, 1):
        if not isinstance(record, Mapping):
            continue
        for child in _children(record):
            if _field_is(child, "status") and _kind(child) in ("Create", "Change") \
                    and _clean(zendesk_field(child)[1]) == "deleted":
                ticket = _clean(record.get("ticket_id"))
                if ticket is not None:
                    out.setdefault(ticket, number)
    return out


def _field_is(child: Mapping[str, Any], field: str) -> bool:
    """Whether a child may set ``field`` (its kind still to be checked): a quick look."""
    return field in child or child.get("field_name") == field


def _kind(child: Mapping[str, Any]) -> str | None:
    """The child event's own type: ``event_type`` (the export), else ``type`` (audits)."""
    kind = child.get("event_type") or child.get("type")
    return kind if isinstance(kind, str) else _clean(kind)


def zendesk_field(child: Mapping[str, Any]) -> tuple[str | None, Any]:
    """The field a ``Create`` or ``Change`` child sets, and its value.

    The Ticket Audits API names it (``field_name``, ``value``); the incremental export
    writes it as a key of its own beside ``event_type``, where the key ``type`` is the
    ticket's type field (in the audits' shape, ``type`` is the event's kind).

    >>> zendesk_field({"event_type": "Create", "type": "incident", "id": 3})
    ('type', 'incident')
    >>> zendesk_field({"type": "Change", "field_name": "status", "value": "open"})
    ('status', 'open')
    """
    if "field_name" in child:
        return _clean(child.get("field_name")), child.get("value")
    export_shape = "event_type" in child
    for key, value in child.items():
        if key not in _ZENDESK_META or (export_shape and key == "type"):
            return key, value
    return None, None


def _is_comment(child: Mapping[str, Any]) -> bool:
    return _kind(child) == "Comment" or child.get("comment_present") is True


class _Reader:
    """Walks the records in order: the requester of each ticket as it changes, and the
    role of each author from what Zendesk says of the user."""

    def __init__(self, build: _Builder, users: Mapping[str, str]) -> None:
        self.build = build
        self.users = users
        self.requesters: dict[str, str] = {}

    def role_of(self, author: str | None, ticket: str, line: int
                ) -> Callable[[], Role | None]:
        """The role of ``author`` (:func:`zendesk_role`), asked for only when an event
        needs it, with the ticket's requester as it is now."""
        requester = self.requesters.get(ticket)
        return lambda: zendesk_role(self.build, self.users, author, requester, line, ticket)

    def record(self, number: int, record: object) -> None:
        build = self.build
        if not isinstance(record, Mapping):
            build.reject(number, f"ticket_events[{number - 1}] is not an object")
            return
        ticket = _clean(record.get("ticket_id"))
        children = _child_events(record)
        if ticket is None or not isinstance(children, list):
            what = "no ticket_id" if ticket is None else "no child_events list"
            build.reject(number, f"ticket_events[{number - 1}] has {what}", ticket)
            return
        if not children:
            build.ignore("ticket event without child events")
            return
        left = build.export.left_out.get(ticket)
        if left is not None:  # a deleted ticket: each of its rows said with the reason
            build.leave_out(ticket, left, number, unread=len(children))
            return
        stamp = record.get("timestamp")
        if record.get("created_at") is None and isinstance(stamp, int | float) \
                and not isinstance(stamp, bool):
            at: datetime | str = datetime.fromtimestamp(stamp, UTC)  # Unix seconds
        else:
            at = build.parse_time(record.get("created_at"))
        if isinstance(at, str):
            build.reject_all(len(children), number, at, ticket)
            return
        updater = _clean(record.get("updater_id", record.get("author_id")))
        creating = False
        for child in children:
            if not isinstance(child, Mapping):
                continue
            if _field_is(child, "status") and _kind(child) == "Create" \
                    and zendesk_field(child)[0] == "status":
                creating = True
            # The audit's requester: set at creation (else its updater), or changed by it.
            if _field_is(child, "requester_id") and _kind(child) in ("Create", "Change"):
                field, value = zendesk_field(child)
                requester = _clean(value)
                if field == "requester_id" and requester is not None:
                    self.requesters[ticket] = requester
        if creating and ticket not in self.requesters and updater is not None:
            self.requesters[ticket] = updater
        rest: Sequence[Any] = children
        if creating:
            rest = self.creation(number, ticket, at, children, updater)
        for position, child in enumerate(rest):
            self.child(number, ticket, at, position, child, updater)

    def child(self, number: int, ticket: str, at: datetime, position: int, child: object,
              updater: str | None) -> None:
        build = self.build
        if not isinstance(child, Mapping):
            build.reject(number, f"ticket_events[{number - 1}].child_events[{position}] is "
                         "not an object", ticket)
            return
        kind = _kind(child)
        if _is_comment(child):
            public = child.get("public", child.get("comment_public"))
            author = _clean(child.get("author_id")) or updater
            build.comment(number, ticket, at, "comment",
                          public if isinstance(public, bool) else None,
                          self.role_of(author, ticket, number))
        elif kind in ("Create", "Change"):
            field, value = zendesk_field(child)
            old = child.get("previous_value")
            build.change(number, ticket, at, field, _clean(old), _clean(value),
                         role=self.role_of(updater, ticket, number), public=None)
        else:
            self.other(number, ticket, at, child, kind or "(no type)", updater)

    def other(self, number: int, ticket: str, at: datetime, child: Mapping[str, Any],
              kind: str, updater: str | None) -> None:
        """A child event of another kind: as the mapping's ``[log.events]`` says, else as
        :data:`ZENDESK_EVENT_TYPES` does, else unknown."""
        build = self.build
        mapping = build.mapping
        documented = ZENDESK_EVENT_TYPES.get(kind)
        if build.target(mapping.events, kind) is None and documented is not None:
            if documented == "ignore":
                build.ignore(f"event {kind}")
                return
            target: str | None = "comment"
        else:
            target = build.resolve("event", mapping.events, kind, mapping.other_events,
                                   number, ticket)
        if target is None:
            return
        if target in ("reply", "note", "comment"):
            public = child.get("public")
            author = _clean(child.get("author_id")) or updater
            build.comment(number, ticket, at, target,
                          public if isinstance(public, bool) else None,
                          self.role_of(author, ticket, number))
        else:
            build.reject(number, f"a Zendesk {kind} event cannot be a {target!r} event: map "
                         "it to a comment, reply, note or ignore", ticket)

    def creation(self, number: int, ticket: str, at: datetime, children: Sequence[Any],
                 updater: str | None) -> list[Any]:
        """The creating audit's ``Create`` children (status, and the fields mapped) and its
        first comment, as one ``created`` event; the other children are returned."""
        build = self.build
        mapping = build.mapping
        status = None
        fields: dict[str, str | None] = {}
        builtin: dict[str, str | None] = {}
        author = updater
        taken = 0
        rest: list[Any] = []
        comment_seen = False
        for child in children:
            if isinstance(child, Mapping) and _kind(child) == "Create":
                field, value = zendesk_field(child)
                target = build.target(mapping.fields, field) if field else None
                if field == "status" or target == "status":
                    status = _clean(value)
                    taken += 1
                    continue
                if target is None and mapping.other_fields == "ignore":
                    build.ignore(f"field {field}")
                    continue
                if target in _BUILTIN_TARGETS:
                    builtin[target] = _clean(value)
                    taken += 1
                    continue
                if target is not None and target not in ("ignore", "reply", "note", "comment"):
                    fields[target] = _clean(value)
                    taken += 1
                    continue
            elif isinstance(child, Mapping) and not comment_seen and _is_comment(child):
                comment_seen = True
                author = _clean(child.get("author_id")) or updater
                taken += 1
                continue
            rest.append(child)
        name = build.status(status, number, ticket)
        if name is None:
            build.reject_all(taken - 1, number, "the ticket's creation was refused", ticket)
            return rest
        who = self.role_of(author, ticket, number)()
        if who is None:
            build.reject_all(taken - 1, number, "the ticket's creation was refused", ticket)
            return rest
        build.use(number, lambda: _created(ticket, at, name, who, fields, builtin), ticket,
                  rows=taken)
        return rest


def zendesk_role(build: _Builder, users: Mapping[str, str], author: str | None,
                 requester: str | None, line: int, ticket: str) -> Role | None:
    """The role of ``author`` on ``ticket``: the mapping's agents and customers lists, else
    what Zendesk says of the user (``users``: id to role; agent and admin are the desk, an
    end user the customer, unless the mapping's ``[log.roles]`` says otherwise), else the
    mapping's ``default_role``; when that is the requester rule, the ticket is said to
    rest on the assumption. ``None`` (the row rejected) when none decides."""
    mapping = build.mapping
    if author is not None and (author in mapping.agents or author in mapping.customers):
        return mapping.role(author, None, requester)
    zendesk = None if author is None else users.get(author)
    if zendesk is not None:
        cell = zendesk if _has_role(mapping.roles, zendesk) else \
            _ZENDESK_ROLES.get(zendesk, zendesk)
        return build.role(author, cell, requester, line, ticket)
    found = build.role(author, None, requester, line, ticket)
    if found is not None and mapping.default_role == "requester":
        build.assume(ROLES_BY_REQUESTER, _NOT_IN_USERS if users else _BY_REQUESTER, ticket)
    return found


def _has_role(table: Mapping[str, str], value: str) -> bool:
    folded = value.casefold()
    return any(key.casefold() == folded for key in table)
