"""The reader of Jira Service Management's issues, with their changelog and comments."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slaclock.helpdesks._export import _BUILTIN_TARGETS, _Builder, _clean, _created, _records
from slaclock.helpdesks._mapping import Role


def _jira_user(value: object) -> tuple[set[str], str | None]:
    """A Jira user's identities (account id, name, key, e-mail, display name) and its
    account type."""
    if not isinstance(value, Mapping):
        return set(), None
    ids = {text for key in ("accountId", "name", "key", "emailAddress", "displayName")
           if (text := _clean(value.get(key))) is not None}
    kind = value.get("accountType")
    return ids, kind if isinstance(kind, str) else None


def _jira_role(build: _Builder, user: object, reporter: set[str], line: int,
               ticket: str) -> Callable[[], Role | None]:
    def role() -> Role | None:
        ids, kind = _jira_user(user)
        mapping = build.mapping
        if ids & mapping.agents:
            return "desk"
        if ids & mapping.customers or kind == "customer":
            return "customer"
        author = next(iter(sorted(ids)), None)
        if mapping.default_role == "requester" and ids and reporter:
            return "customer" if ids & reporter else "desk"
        return build.role(author, None, None, line, ticket)
    return role


def _read_jira(data: Any, build: _Builder) -> None:
    if isinstance(data, Mapping) and "key" in data and "issues" not in data:
        data = {"issues": [data]}
    for number, issue in enumerate(_records(data, "issues", build.export.source), 1):
        _jira_issue(number, issue, build)


def _jira_issue(number: int, issue: object, build: _Builder) -> None:
    if not isinstance(issue, Mapping) or not isinstance(issue.get("fields"), Mapping):
        build.reject(number, f"issues[{number - 1}] is not an issue (an object with fields)")
        return
    ticket = _clean(issue.get("key")) or _clean(issue.get("id"))
    fields = issue["fields"]
    if ticket is None:
        build.reject(number, f"issues[{number - 1}] has no key")
        return
    histories = issue.get("changelog", {}).get("histories", []) \
        if isinstance(issue.get("changelog"), Mapping) else []
    comments = fields.get("comment", {}).get("comments", []) \
        if isinstance(fields.get("comment"), Mapping) else []
    if not isinstance(histories, list) or not isinstance(comments, list):
        build.reject(number, f"issue {ticket}: changelog.histories or comment.comments is "
                     "not a list", ticket)
        return
    changelog = issue.get("changelog")
    total = changelog.get("total") if isinstance(changelog, Mapping) else None
    if isinstance(total, int) and total > len(histories):
        # A search returns a page of each issue's changelog: the rest is not in the file.
        build.reject(number, f"issue {ticket}: the changelog holds {len(histories)} of its "
                     f"{total} entries; export the issue's whole changelog "
                     "(/rest/api/2/issue/{key}/changelog) and read it with the issue", ticket)
    reporter, _ = _jira_user(fields.get("reporter"))
    items: list[tuple[datetime, Mapping[str, Any], Any]] = []
    for history in histories:
        if not isinstance(history, Mapping) or not isinstance(history.get("items"), list):
            build.reject(number, f"issue {ticket}: a changelog entry without items", ticket)
            continue
        at = build.parse_time(history.get("created"))
        if isinstance(at, str):
            build.reject_all(len(history["items"]), number, f"issue {ticket}: {at}", ticket)
            continue
        for item in history["items"]:
            if not isinstance(item, Mapping):
                build.reject(number, f"issue {ticket}: a changelog item is not an object",
                             ticket)
                continue
            items.append((at, item, history.get("author")))
    items.sort(key=lambda entry: entry[0])

    def first_from(field: str) -> str | None:
        for _, item, _ in items:
            if item.get("field") == field:
                return _clean(item.get("fromString"))
        return None

    # The issue's creation: its status and priority before their first change.
    created = build.time(fields.get("created"), number, ticket)
    if created is not None:
        status_field = fields.get("status")
        current = _clean(status_field.get("name")) if isinstance(status_field, Mapping) \
            else None
        priority_field = fields.get("priority")
        priority = _clean(priority_field.get("name")) if isinstance(priority_field, Mapping) \
            else None
        initial = first_from("status") if any(i.get("field") == "status" for _, i, _ in items) \
            else current
        name = build.status(initial, number, ticket)
        if name is not None:
            role = _jira_role(build, fields.get("creator") or fields.get("reporter"),
                              reporter, number, ticket)()
            if role is not None:
                initial_priority = first_from("priority") if any(
                    i.get("field") == "priority" for _, i, _ in items) else priority
                target = build.target(build.mapping.fields, "priority")
                extra: dict[str, str | None] = {}
                level: dict[str, str | None] = {}
                if target in _BUILTIN_TARGETS:
                    level[target] = initial_priority
                elif target is not None and target != "ignore" and initial_priority:
                    extra[target] = initial_priority
                build.use(number, lambda: _created(ticket, created, name, role, extra, level),
                          ticket)
    for at, item, author in items:
        build.change(number, ticket, at, _clean(item.get("field")),
                     _clean(item.get("fromString")), _clean(item.get("toString")),
                     role=_jira_role(build, author, reporter, number, ticket), public=None)
    for comment in comments:
        if not isinstance(comment, Mapping):
            build.reject(number, f"issue {ticket}: a comment is not an object", ticket)
            continue
        when = build.time(_jira_time(comment.get("created")), number, ticket)
        if when is None:
            continue
        build.comment(number, ticket, when, "comment", _jira_public(comment),
                      _jira_role(build, comment.get("author"), reporter, number, ticket))


def _jira_time(value: object) -> object:
    """The service desk API writes ``created`` as ``{"iso8601": ..., "epochMillis": ...}``."""
    if isinstance(value, Mapping):
        return value.get("iso8601")
    return value


def _jira_public(comment: Mapping[str, Any]) -> bool:
    """A comment's visibility: ``jsdPublic`` (the platform API), ``public`` (the service
    desk API), an ``sd.public.comment`` property saying internal; public otherwise."""
    for key in ("jsdPublic", "public"):
        value = comment.get(key)
        if isinstance(value, bool):
            return value
    properties = comment.get("properties")
    if isinstance(properties, list):
        for prop in properties:
            if isinstance(prop, Mapping) and prop.get("key") == "sd.public.comment":
                value = prop.get("value")
                if isinstance(value, Mapping) and value.get("internal") is True:
                    return False
    return True
