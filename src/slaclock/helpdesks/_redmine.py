"""The reader of Redmine's issues with their journals, as its REST API gives them.

Redmine's REST API (https://www.redmine.org/projects/redmine/wiki/Rest_Issues) gives one
issue with ``GET /issues/{id}.json?include=journals`` (``{"issue": {...}}``); the issue
list ``GET /issues.json`` (``{"issues": [...], "total_count": ...}``) gives pages of
issues *without* journals (the ``include`` parameter of the list does not take
``journals``). An issue has ``id``, ``created_on``, ``author``, ``tracker``, ``status``
and ``priority`` (each ``{"id", "name"}``, the current ones), and ``journals``: each
with ``id``, ``user``, ``notes``, ``private_notes``, ``created_on`` and ``details``
(``{"property": "attr", "name": "status_id", "old_value": "1", "new_value": "2"}``; other
properties are ``cf``, ``attachment`` and ``relation``).

Journal details write statuses and priorities by id. Their names come from the
companions ``statuses`` (``GET /issue_statuses.json``: ``issue_statuses: [{id, name,
is_closed}]``) and ``priorities`` (``GET /enumerations/issue_priorities.json``), from the
issues themselves (each names its current status and priority), or from the mapping's
``[log.statuses]`` keyed by id; an id none of them names rejects its row.

Who is the desk: with the companion ``users`` (``GET /projects/{id}/memberships.json``:
``memberships: [{user: {id, name}, roles: [{id, name}]}]``) a member whose roles the
mapping's ``[log.roles]`` calls ``desk`` is the desk, any other author a customer (a
group's membership gives its roles to the group's users, named by the companion
``groups``: ``GET /groups/{id}.json?include=users``);
without it, the issue's author is the customer and every other user the desk, an
assumption each ticket's verdict records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from slaclock.helpdesks._export import (
    _BUILTIN_TARGETS,
    _Builder,
    _clean,
    _created,
    _records,
)
from slaclock.helpdesks._mapping import ExportError, Role

#: The companion files the Redmine reader takes, by kind.
REDMINE_COMPANIONS = {
    "statuses": "the issue statuses (/issue_statuses.json): the names of status ids",
    "priorities": "the issue priorities (/enumerations/issue_priorities.json): the names "
                  "of priority ids",
    "users": "the project's memberships (/projects/{id}/memberships.json): who is the "
             "desk, by the roles [log.roles] names",
    "groups": "the groups of those memberships with their users "
              "(/groups/{id}.json?include=users)",
}

_GROUPS_UNKNOWN = (
    "redmine-group-members-unknown",
    "a user who is no member of the project is read as a customer, though the project has "
    "members through groups whose users the export does not list (give them with --with "
    "groups=FILE, from /groups/{id}.json?include=users)",
)

_AUTHOR_IS_CUSTOMER = (
    "redmine-author-is-customer",
    "author roles guessed: the issue's author is the customer, every other user the desk "
    "(the export names no roles; give the project's memberships with --with users=FILE)",
)


class _Names:
    """Names of the ids a journal writes (statuses, priorities, trackers), by id."""

    def __init__(self) -> None:
        self.by_kind: dict[str, dict[str, str]] = {"status": {}, "priority": {},
                                                    "tracker": {}}

    def learn(self, kind: str, value: object) -> None:
        """An ``{"id", "name"}`` object an issue names (its current status, ...)."""
        if isinstance(value, Mapping):
            key, name = _clean(value.get("id")), _clean(value.get("name"))
            if key is not None and name is not None:
                self.by_kind[kind].setdefault(key, name)

    def name(self, kind: str, key: str | None) -> str | None:
        return None if key is None else self.by_kind[kind].get(key)


def _read_names(build: _Builder, names: _Names) -> None:
    for kind, companion, key in (("status", "statuses", "issue_statuses"),
                                 ("priority", "priorities", "issue_priorities")):
        for source, number, record in build.companion_records(companion, key):
            if not isinstance(record, Mapping) or _clean(record.get("id")) is None \
                    or _clean(record.get("name")) is None:
                raise ExportError(source, number, f"{key}[{number - 1}] is not an object "
                                  "with an id and a name", "record")
            # The companion is Redmine's own list: it overrides what the issues name.
            names.by_kind[kind][str(_clean(record["id"]))] = str(_clean(record["name"]))


@attrs.frozen
class _Members:
    """The project's members: each user's role names (by user id and by name), and
    whether some group membership's users are unknown (no ``groups`` file names them)."""

    roles: Mapping[str, list[str]]
    unknown_groups: tuple[str, ...]


def _read_members(build: _Builder) -> _Members | None:
    """The ``users`` companion (memberships), a group's roles given to its users by the
    ``groups`` companion; ``None`` without memberships."""
    if not build.companions("users"):
        return None
    members: dict[str, list[str]] = {}
    groups: dict[str, list[str]] = {}  # group id -> its roles in the project
    names: dict[str, str] = {}
    for source, number, record in build.companion_records("users", "memberships"):
        if not isinstance(record, Mapping) or not isinstance(record.get("roles"), list):
            raise ExportError(source, number, f"memberships[{number - 1}] is not a "
                              "membership (an object with roles)", "record")
        roles = [name for role in record["roles"] if isinstance(role, Mapping)
                 and (name := _clean(role.get("name"))) is not None]
        user, group = record.get("user"), record.get("group")
        if isinstance(group, Mapping) and (key := _clean(group.get("id"))) is not None:
            groups.setdefault(key, []).extend(roles)
            names[key] = _clean(group.get("name")) or key
            continue
        if not isinstance(user, Mapping):
            raise ExportError(source, number, f"memberships[{number - 1}] names no user nor "
                              "group", "record")
        for key in (_clean(user.get("id")), _clean(user.get("name"))):
            if key is not None:
                members.setdefault(key, []).extend(roles)
    known: set[str] = set()
    for source, number, group in build.companion_records("groups", "groups", "group"):
        key = _clean(group.get("id")) if isinstance(group, Mapping) else None
        users = group.get("users") if isinstance(group, Mapping) else None
        if key is None or not isinstance(users, list):
            raise ExportError(source, number, "not a group with its users (GET "
                              "/groups/{id}.json?include=users)", "record")
        known.add(key)
        for user in users:
            for name in _user(user):
                if name is not None:
                    members.setdefault(name, []).extend(groups.get(key, []))
    unknown = tuple(sorted(names[key] for key in groups if key not in known))
    return _Members(members, unknown)


def _read_redmine(data: Any, build: _Builder) -> None:
    source = build.export.source
    if isinstance(data, Mapping) and "issue" in data and "issues" not in data:
        data = {"issues": [data["issue"]]}
    elif isinstance(data, list):
        data = [{"issues": [item["issue"]]} if isinstance(item, Mapping) and "issue" in item
                else item for item in data]
    issues = _records(data, "issues", source)
    names = _Names()
    for issue in issues:
        if isinstance(issue, Mapping):
            for kind in ("status", "priority", "tracker"):
                names.learn(kind, issue.get(kind))
    _read_names(build, names)
    members = _read_members(build)
    for number, issue in enumerate(issues, 1):
        _redmine_issue(number, issue, names, members, build)


def _user(value: object) -> tuple[str | None, str | None]:
    """A Redmine user's id and name."""
    if not isinstance(value, Mapping):
        return None, None
    return _clean(value.get("id")), _clean(value.get("name"))


def _role_of(build: _Builder, members: _Members | None,
             author: tuple[str | None, str | None], line: int, ticket: str
             ) -> Callable[[object], Callable[[], Role | None]]:
    """The role of a journal's user: the mapping's agents and customers, then the
    memberships' roles, else the issue's author is the customer."""
    mapping = build.mapping

    def role_of(user: object) -> Callable[[], Role | None]:
        def role() -> Role | None:
            ids = {key for key in _user(user) if key is not None}
            if ids & mapping.agents:
                return "desk"
            if ids & mapping.customers:
                return "customer"
            if not ids:
                build.reject(line, f"issue {ticket}: no user named (an issue needs its "
                             "author, a journal its user)", ticket)
                return None
            if members is not None:
                roles = sorted({r for key in ids for r in members.roles.get(key, [])})
                if not roles:
                    if members.unknown_groups:
                        build.assume(*_GROUPS_UNKNOWN, ticket)
                    return "customer"  # not a member of the project: Redmine's "Non member"
                found = [mapping.role(None, name, None) for name in roles]
                if "desk" in found:
                    return "desk"
                unknown = next((n for n, f in zip(roles, found, strict=True) if f is None),
                               None)
                if unknown is not None:
                    return build.role(None, unknown, None, line, ticket)
                return "customer"
            if mapping.default_role != "requester":
                return build.role(min(ids), None, None, line, ticket)
            build.assume(*_AUTHOR_IS_CUSTOMER, ticket)
            return "customer" if ids & {key for key in author if key is not None} else "desk"
        return role
    return role_of


def _redmine_issue(number: int, issue: object, names: _Names,
                   members: _Members | None, build: _Builder) -> None:
    if not isinstance(issue, Mapping):
        build.reject(number, f"issues[{number - 1}] is not an issue (an object)")
        return
    ticket = _clean(issue.get("id"))
    if ticket is None:
        build.reject(number, f"issues[{number - 1}] has no id")
        return
    journals = issue.get("journals")
    if journals is None:
        build.leave_out(ticket, "the issue comes without its journals (GET /issues.json "
                        "does not include them): export each issue with "
                        "/issues/{id}.json?include=journals", number, unread=1)
        return
    if not isinstance(journals, list):
        build.reject(number, f"issue {ticket}: journals is not a list", ticket)
        return
    author = _user(issue.get("author"))
    role_of = _role_of(build, members, author, number, ticket)
    # Each journal's time; each attribute change in time order (the first change of a
    # status or priority says the value the issue was created with).
    changes: list[tuple[datetime, Mapping[str, Any], Any]] = []
    comments: list[tuple[datetime, Mapping[str, Any]]] = []
    for journal in journals:
        if not isinstance(journal, Mapping):
            build.reject(number, f"issue {ticket}: a journal is not an object", ticket)
            continue
        details = journal.get("details") or []
        notes = _clean(journal.get("notes"))
        if not isinstance(details, list):
            build.reject(number, f"issue {ticket}: journal {journal.get('id')}: details is "
                         "not a list", ticket)
            details = []
        if not details and notes is None:
            build.ignore("journal without notes nor details")
            continue
        at = build.parse_time(journal.get("created_on"))
        if isinstance(at, str):
            build.reject_all(len(details) + (notes is not None), number,
                             f"issue {ticket}: journal {journal.get('id')}: {at}", ticket)
            continue
        for detail in details:
            if not isinstance(detail, Mapping):
                build.reject(number, f"issue {ticket}: a journal detail is not an object",
                             ticket)
            elif detail.get("property") != "attr":
                build.ignore(f"detail {detail.get('property')}")
            else:
                changes.append((at, detail, journal.get("user")))
        if notes is not None:
            comments.append((at, journal))
    changes.sort(key=lambda entry: entry[0])
    _redmine_creation(number, ticket, issue, changes, names, role_of(issue.get("author")),
                      build)
    for at, detail, user in changes:
        _redmine_change(number, ticket, at, detail, user, names, role_of, build)
    for at, journal in comments:
        build.comment(number, ticket, at, "comment", journal.get("private_notes") is not True,
                      role_of(journal.get("user")))


#: The journal's attribute for each field an issue names by ``{"id", "name"}``.
_ATTRS = {"status_id": "status", "priority_id": "priority", "tracker_id": "tracker"}


def _value(kind: str | None, key: str | None, names: _Names, build: _Builder
           ) -> tuple[str | None, str | None]:
    """A journal value, named: ``(value, None)``, or ``(None, reason)`` for an id no
    companion, issue or mapping names."""
    if kind is None or key is None:
        return key, None
    name = names.name(kind, key)
    if name is not None:
        return name, None
    if kind == "status" and build.mapping.statuses.get(key) is not None:
        return key, None  # the mapping's [log.statuses] names the id
    companion = {"status": "statuses", "priority": "priorities"}.get(kind)
    where = (f"give Redmine's list with --with {companion}=FILE"
             f" (GET {'/issue_statuses.json' if kind == 'status' else '/enumerations/issue_priorities.json'})"  # noqa: E501
             if companion else "no issue in the file names it")
    if kind == "status":
        where += ", or name the id in the mapping's [log.statuses]"
    return None, f"{kind} id {key} has no name: {where}"


def _redmine_creation(
    number: int, ticket: str, issue: Mapping[str, Any],
    changes: list[tuple[datetime, Mapping[str, Any], Any]], names: _Names,
    role: Callable[[], Role | None], build: _Builder,
) -> None:
    """The issue's creation: its status, priority and tracker before their first change."""
    created = build.time(issue.get("created_on"), number, ticket)
    if created is None:
        return
    first: dict[str, str | None] = {}
    for name in ("status", "priority", "tracker"):
        current = issue.get(name)
        first[name] = _clean(current.get("name")) if isinstance(current, Mapping) else None
    seen: set[str] = set()
    for _, detail, _ in changes:
        kind = _ATTRS.get(str(detail.get("name")))
        if kind is None or kind in seen:
            continue
        seen.add(kind)
        value, reason = _value(kind, _clean(detail.get("old_value")), names, build)
        mapped = kind == "status" or build.target(build.mapping.fields, f"{kind}_id") not in (
            None, "ignore")
        if reason is not None and mapped:
            build.reject(number, f"issue {ticket}: the value it was created with: {reason}",
                         ticket)
            return
        first[kind] = value
    status = build.status(first["status"], number, ticket)
    if status is None:
        return
    author = role()
    if author is None:
        return
    fields: dict[str, str | None] = {}
    builtin: dict[str, str | None] = {}
    for kind in ("priority", "tracker"):
        target = build.target(build.mapping.fields, f"{kind}_id")
        if target in _BUILTIN_TARGETS:
            builtin[target] = first[kind]
        elif target is not None and target != "ignore" and first[kind] is not None:
            fields[target] = first[kind]
    build.use(number, lambda: _created(ticket, created, status, author, fields, builtin),
              ticket)


def _redmine_change(
    number: int, ticket: str, at: datetime, detail: Mapping[str, Any], user: object,
    names: _Names, role_of: Callable[[object], Callable[[], Role | None]], build: _Builder,
) -> None:
    field = _clean(detail.get("name"))
    kind = _ATTRS.get(field or "")
    # The change needs the new value's name only (the old one is the previous event's).
    old, _ = _value(kind, _clean(detail.get("old_value")), names, build)
    new, reason = _value(kind, _clean(detail.get("new_value")), names, build)
    if reason is not None:
        target = build.target(build.mapping.fields, field or "")
        if target is not None and target != "ignore":
            build.reject(number, f"issue {ticket}: {reason}", ticket)
            return
    build.change(number, ticket, at, field, old, new, role=role_of(user), public=None)
