"""The reader of Zendesk's incremental ticket events export: each record an audit, its
child events the changes, comments and the ticket's creation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slaclock.helpdesks._export import _BUILTIN_TARGETS, _Builder, _clean, _created, _records
from slaclock.helpdesks._mapping import Role

#: Keys of a child event that are not the field it creates or changes.
_ZENDESK_META = frozenset({
    "id", "via", "via_reference_id", "event_type", "type", "previous_value", "created_at",
    "audit_id", "author_id", "body", "html_body", "plain_body", "public", "attachments",
    "metadata", "system", "field_name", "value", "comment_present", "comment_public",
})



def _read_zendesk(data: Any, build: _Builder) -> None:
    source = build.export.source
    records = _records(data, "ticket_events", source)
    # The requester of each ticket: the creating audit's requester_id, else its updater.
    requesters: dict[str, str] = {}
    for record in records:
        if isinstance(record, Mapping):
            children = record.get("child_events")
            if isinstance(children, list) and any(
                isinstance(c, Mapping) and c.get("event_type") == "Create" and "status" in c
                for c in children
            ):
                ticket = _clean(record.get("ticket_id"))
                creator = next((_clean(c.get("requester_id")) for c in children
                                if isinstance(c, Mapping) and "requester_id" in c), None)
                creator = creator or _clean(record.get("updater_id"))
                if ticket is not None and creator is not None:
                    requesters.setdefault(ticket, creator)
    for number, record in enumerate(records, 1):
        _zendesk_record(number, record, requesters, build)


def _zendesk_field(child: Mapping[str, Any]) -> tuple[str | None, Any]:
    if "field_name" in child:
        return _clean(child.get("field_name")), child.get("value")
    for key, value in child.items():
        if key not in _ZENDESK_META:
            return key, value
    return None, None


def _zendesk_record(number: int, record: object, requesters: Mapping[str, str],
                    build: _Builder) -> None:
    if not isinstance(record, Mapping):
        build.reject(number, f"ticket_events[{number - 1}] is not an object")
        return
    ticket = _clean(record.get("ticket_id"))
    children = record.get("child_events")
    if ticket is None or not isinstance(children, list):
        what = "no ticket_id" if ticket is None else "no child_events list"
        build.reject(number, f"ticket_events[{number - 1}] has {what}", ticket)
        return
    if not children:
        build.ignore("ticket event without child events")
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
    requester = requesters.get(ticket)
    updater = _clean(record.get("updater_id"))

    def role_of(author: str | None) -> Callable[[], Role | None]:
        return lambda: build.role(author, None, requester, number, ticket)

    creating = [c for c in children if isinstance(c, Mapping)
                and c.get("event_type") == "Create" and "status" in c]
    rest: list[Any] = children
    if creating:
        rest = _zendesk_creation(number, ticket, at, children, updater, role_of, build)
    for position, child in enumerate(rest):
        if not isinstance(child, Mapping):
            build.reject(number, f"ticket_events[{number - 1}].child_events[{position}] is "
                         "not an object", ticket)
            continue
        kind = child.get("event_type") or child.get("type")
        if kind == "Comment" or (child.get("comment_present") is True):
            public = child.get("public", child.get("comment_public"))
            author = _clean(child.get("author_id")) or updater
            build.comment(number, ticket, at, "comment",
                          public if isinstance(public, bool) else None, role_of(author))
        elif kind in ("Create", "Change"):
            field, value = _zendesk_field(child)
            old = child.get("previous_value")
            build.change(number, ticket, at, field, _clean(old), _clean(value),
                         role=role_of(updater), public=None)
        else:
            _zendesk_other(number, ticket, at, child, str(kind), updater, role_of, build)


def _zendesk_other(
    number: int, ticket: str, at: datetime, child: Mapping[str, Any], kind: str,
    updater: str | None, role_of: Callable[[str | None], Callable[[], Role | None]],
    build: _Builder,
) -> None:
    """A child event of another kind: as the mapping's ``[log.events]`` says."""
    target = build.resolve("event", build.mapping.events, kind, build.mapping.other_events,
                           number, ticket)
    if target is None:
        return
    if target in ("reply", "note", "comment"):
        public = child.get("public")
        author = _clean(child.get("author_id")) or updater
        build.comment(number, ticket, at, target,
                      public if isinstance(public, bool) else None, role_of(author))
    else:
        build.reject(number, f"a Zendesk {kind} event cannot be a {target!r} event: map it "
                     "to a comment, reply, note or ignore", ticket)


def _zendesk_creation(
    number: int, ticket: str, at: datetime, children: Sequence[Any], updater: str | None,
    role_of: Callable[[str | None], Callable[[], Role | None]], build: _Builder,
) -> list[Any]:
    """The creating audit's ``Create`` children (status, and the fields mapped) and its
    first comment, as one ``created`` event; the other children are returned."""
    mapping = build.mapping
    status = None
    fields: dict[str, str | None] = {}
    builtin: dict[str, str | None] = {}
    author = updater
    taken = 0
    rest: list[Any] = []
    comment_seen = False
    for child in children:
        if isinstance(child, Mapping) and child.get("event_type") == "Create":
            field, value = _zendesk_field(child)
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
        elif isinstance(child, Mapping) and not comment_seen and (
            child.get("event_type") == "Comment" or child.get("comment_present") is True
        ):
            comment_seen = True
            author = _clean(child.get("author_id")) or updater
            taken += 1
            continue
        rest.append(child)
    name = build.status(status, number, ticket)
    if name is None:
        build.reject_all(taken - 1, number, "the ticket's creation was refused", ticket)
        return rest
    who = role_of(author)()
    if who is None:
        build.reject_all(taken - 1, number, "the ticket's creation was refused", ticket)
        return rest
    build.use(number, lambda: _created(ticket, at, name, who, fields, builtin), ticket,
              rows=taken)
    return rest


# -- Jira Service Management: issues with their changelog and comments -----------------
