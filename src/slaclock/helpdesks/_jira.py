"""The reader of Jira (and Jira Service Management) issues, with their changelog and
comments, and the changelog and comment pages given beside them.

What the reader implements, as Atlassian's REST API references document it (Jira Cloud
platform REST API v2/v3, Jira Server/Data Center REST API):

- A search with ``expand=changelog`` (``/rest/api/2/search``, ``/rest/api/3/search/jql``)
  returns a page of each issue's changelog: ``changelog.total`` histories exist,
  ``histories`` holds some of them. Likewise ``fields.comment`` holds ``comments`` of its
  ``total``. A history read in part would open the issue in a wrong status, a comment
  list read in part would miss a reply: such an issue is *left out with its reason*
  unless the rest is given beside the export.
- The rest comes as companion files: kind ``changelog`` holds the issue's changelog pages
  (``GET /rest/api/3/issue/{issueIdOrKey}/changelog``: ``values``, ``startAt``,
  ``maxResults``, ``total``, ``isLast``, ``nextPage``, ``self``) or the answers of the
  bulk fetch (``POST /rest/api/3/changelog/bulkfetch``: ``issueChangeLogs`` of
  ``{issueId, changeHistories}``, ``nextPageToken``); kind ``comments`` holds the issue's
  comment pages (``GET /rest/api/3/issue/{issueIdOrKey}/comment``: ``comments``,
  ``total``). A page names its issue by an added ``issueKey`` or ``issueId``, else by its
  URL: the page's ``self`` or ``nextPage`` (``.../issue/SD-1/changelog?...``), a
  comment's ``self`` (``.../issue/10101/comment/20117``). A history (or comment) given
  twice, by id, is read once; the copy is counted as ignored.
- A comment restricted by ``visibility`` (``{"type": "role" | "group", "value": ...}``,
  the Jira Server/DC way, and Cloud's too) is hidden from the customer: an internal note.
  So is one with ``jsdPublic: false`` (Cloud), ``public: false`` (the service desk API)
  or the ``sd.public.comment`` property ``{"internal": true}`` (JSM Server/DC); any one
  of these signs makes it internal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slaclock.helpdesks._export import _BUILTIN_TARGETS, _Builder, _clean, _created, _records
from slaclock.helpdesks._mapping import ExportError, Role

#: What each kind of companion file holds (the reader's registry entry lists them).
COMPANIONS = {
    "changelog": "the issues' changelog pages (GET /rest/api/3/issue/{key}/changelog) or "
                 "bulk fetch answers (POST /rest/api/3/changelog/bulkfetch)",
    "comments": "the issues' comment pages (GET /rest/api/3/issue/{key}/comment)",
}

#: The issue an API URL names: ``.../issue/SD-1/changelog``, ``.../issue/10101/comment/7``.
_ISSUE_IN_URL = re.compile(r"/issue/([^/?#]+)/(?:changelog|comment)")

_ROLES_GUESSED = (
    "author roles guessed: the reporter is the customer, every other author the desk (the "
    "export names users without their accountType, as Jira Server and Data Center do; list "
    "the agents in a mapping's agents, or the customers in its customers, to be exact)"
)


class _Given:
    """The histories and comments given beside the export, by issue key or id."""

    def __init__(self) -> None:
        self.histories: dict[str, list[Any]] = {}
        self.comments: dict[str, list[Any]] = {}
        self.totals: dict[tuple[str, str], int] = {}  # (kind, issue) -> total
        self.taken: set[str] = set()

    def add(self, kind: str, issue: str, records: list[Any], total: object) -> None:
        (self.histories if kind == "changelog" else self.comments).setdefault(
            issue, []).extend(records)
        if isinstance(total, int) and not isinstance(total, bool):
            key = (kind, issue)
            self.totals[key] = max(total, self.totals.get(key, 0))

    def take(self, kind: str, names: tuple[str, ...]) -> tuple[list[Any], int | None]:
        """The records given for an issue known by ``names`` (key, id), and the largest
        total their pages state."""
        table = self.histories if kind == "changelog" else self.comments
        records: list[Any] = []
        total: int | None = None
        for name in dict.fromkeys(names):
            if name in table:
                self.taken.add(f"{kind}\0{name}")
                records.extend(table[name])
            found = self.totals.get((kind, name))
            if found is not None:
                total = found if total is None else max(total, found)
        return records, total

    def untaken(self) -> list[tuple[str, list[Any]]]:
        """(kind, records) given for issues the export does not hold."""
        out = [("changelog", records) for name, records in self.histories.items()
               if f"changelog\0{name}" not in self.taken]
        out.extend(("comments", records) for name, records in self.comments.items()
                   if f"comments\0{name}" not in self.taken)
        return out


def _given(build: _Builder) -> _Given:
    """Read the companion files: every page matched to its issue, or an
    :class:`ExportError` naming the file and the page that names none."""
    given = _Given()
    for kind in COMPANIONS:
        for name, data in build.companion_json(kind):
            pages = data if isinstance(data, list) else [data]
            for number, page in enumerate(pages, 1):
                if not isinstance(page, Mapping):
                    raise ExportError(name, number, f"not a {kind} page (an object)", "page")
                if kind == "changelog" and "issueChangeLogs" in page:
                    _bulk(given, page, name, number)
                    continue
                key = "values" if kind == "changelog" else "comments"
                if kind == "changelog" and "values" not in page and "histories" in page:
                    key = "histories"
                records = page.get(key)
                if not isinstance(records, list):
                    raise ExportError(name, number, f"a {kind} page without its {key!r} list",
                                      "page")
                issue = _page_issue(page, records)
                if issue is None:
                    raise ExportError(
                        name, number, f"the {kind} page names no issue: add \"issueKey\" to "
                        "it, or keep the page's \"self\" URL (…/issue/KEY/"
                        f"{'changelog' if kind == 'changelog' else 'comment'}…)", "page")
                given.add(kind, issue, records, page.get("total"))
    return given


def _bulk(given: _Given, page: Mapping[str, Any], name: str, number: int) -> None:
    logs = page["issueChangeLogs"]
    if not isinstance(logs, list):
        raise ExportError(name, number, "issueChangeLogs is not a list", "page")
    for log in logs:
        issue = _clean(log.get("issueId")) if isinstance(log, Mapping) else None
        histories = log.get("changeHistories", []) if isinstance(log, Mapping) else None
        if issue is None or not isinstance(histories, list):
            raise ExportError(name, number, "an issueChangeLogs entry without its issueId or "
                              "changeHistories list", "page")
        given.add("changelog", issue, histories, None)


def _page_issue(page: Mapping[str, Any], records: list[Any]) -> str | None:
    """The issue a page names: its ``issueKey`` or ``issueId``, else its URL's or its first
    record's."""
    for key in ("issueKey", "issueId"):
        if (found := _clean(page.get(key))) is not None:
            return found
    urls = [page.get("self"), page.get("nextPage")]
    urls.extend(r.get("self") for r in records[:1] if isinstance(r, Mapping))
    for url in urls:
        if isinstance(url, str) and (match := _ISSUE_IN_URL.search(url)):
            return match.group(1)
    return None


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
            if kind is None:  # Server/DC: no accountType to tell a portal customer
                build.assume("roles-by-reporter", _ROLES_GUESSED, ticket)
            return "customer" if ids & reporter else "desk"
        return build.role(author, None, None, line, ticket)
    return role


def _read_jira(data: Any, build: _Builder) -> None:
    if isinstance(data, Mapping) and "key" in data and "issues" not in data:
        data = {"issues": [data]}
    given = _given(build)
    for number, issue in enumerate(_records(data, "issues", build.export.source), 1):
        _jira_issue(number, issue, build, given)
    for kind, records in given.untaken():
        for record in records:
            if kind == "changelog":
                items = record.get("items") if isinstance(record, Mapping) else None
                for _ in items if isinstance(items, list) else [None]:
                    build.ignore("changelog item of an issue not in the export")
            else:
                build.ignore("comment of an issue not in the export")


def _merged(own: list[Any], given: list[Any], build: _Builder, label: str,
            rows: Callable[[Any], int]) -> list[Any]:
    """The issue's records and those given beside it, each once (by id, else by its whole
    content); each row of a copy counted as ignored under ``label``."""
    seen: set[str] = set()
    out = []
    for record in [*own, *given]:
        ident = _clean(record.get("id")) if isinstance(record, Mapping) else None
        key = ident if ident is not None else json.dumps(record, sort_keys=True, default=str)
        if key in seen:
            for _ in range(rows(record)):
                build.ignore(label)
            continue
        seen.add(key)
        out.append(record)
    return out


def _item_rows(history: Any) -> int:
    items = history.get("items") if isinstance(history, Mapping) else None
    return len(items) if isinstance(items, list) else 1


def _jira_issue(number: int, issue: object, build: _Builder, given: _Given) -> None:
    if not isinstance(issue, Mapping) or not isinstance(issue.get("fields"), Mapping):
        build.reject(number, f"issues[{number - 1}] is not an issue (an object with fields)")
        return
    ticket = _clean(issue.get("key")) or _clean(issue.get("id"))
    fields = issue["fields"]
    if ticket is None:
        build.reject(number, f"issues[{number - 1}] has no key")
        return
    changelog = issue.get("changelog")
    comment_field = fields.get("comment")
    histories = changelog.get("histories", []) if isinstance(changelog, Mapping) else []
    comments = comment_field.get("comments", []) if isinstance(comment_field, Mapping) \
        else []
    if not isinstance(histories, list) or not isinstance(comments, list):
        build.reject(number, f"issue {ticket}: changelog.histories or comment.comments is "
                     "not a list", ticket)
        return
    names = (ticket, *(n for n in (_clean(issue.get("id")),) if n is not None))
    more, pages_total = given.take("changelog", names)
    histories = _merged(histories, more, build, "changelog item given twice", _item_rows)
    more, comment_pages_total = given.take("comments", names)
    comments = _merged(comments, more, build, "comment given twice", lambda _: 1)

    # A history or comment list the export holds in part: the issue is left out.
    missing = []
    total = _total(changelog, pages_total)
    if total is not None and total > len(histories):
        missing.append(f"changelog truncated: {len(histories)} of {total} histories; give "
                       "its changelog pages with --with changelog=FILE")
    total = _total(comment_field, comment_pages_total)
    if total is not None and total > len(comments):
        missing.append(f"comments truncated: {len(comments)} of {total} comments; give its "
                       "comment pages with --with comments=FILE")
    if missing:
        reason = "; ".join(missing)
        build.leave_out(ticket, reason, number,
                        unread=1 + sum(_item_rows(h) for h in histories) + len(comments))
        return
    _jira_events(number, ticket, fields, histories, comments, build)


def _total(listing: object, pages: int | None) -> int | None:
    """The number of records a listing (``changelog``, ``fields.comment``) and the pages
    given beside it say exist."""
    found = listing.get("total") if isinstance(listing, Mapping) else None
    if not isinstance(found, int) or isinstance(found, bool):
        found = None
    if pages is not None:
        found = pages if found is None else max(found, pages)
    return found


def _jira_events(number: int, ticket: str, fields: Mapping[str, Any], histories: list[Any],
                 comments: list[Any], build: _Builder) -> None:
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
    """Whether the customer sees a comment: not when any of Jira's signs says it is
    hidden (``visibility`` restricting it to a role or group, ``jsdPublic: false`` of the
    platform API, ``public: false`` of the service desk API, an ``sd.public.comment``
    property saying ``internal``); public otherwise."""
    visibility = comment.get("visibility")
    if isinstance(visibility, Mapping) and (visibility.get("type") or visibility.get("value")):
        return False
    if comment.get("jsdPublic") is False or comment.get("public") is False:
        return False
    properties = comment.get("properties")
    if isinstance(properties, list):
        for prop in properties:
            if isinstance(prop, Mapping) and prop.get("key") == "sd.public.comment":
                value = prop.get("value")
                if isinstance(value, Mapping) and value.get("internal") is True:
                    return False
    return True
