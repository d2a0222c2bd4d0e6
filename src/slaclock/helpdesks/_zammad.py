"""The reader of Zammad's tickets: each ticket with its history and its articles, as
Zammad's REST API gives them.

One record is one ticket: ``{"ticket": ..., "history": ..., "articles": ...}`` where
``ticket`` is ``GET /api/v1/tickets/{id}?expand=true``, ``history`` is
``GET /api/v1/ticket_history/{id}`` (its ``{"history": [...], "assets": ...}`` or the
list alone) and ``articles`` is ``GET /api/v1/ticket_articles/by_ticket/{id}?expand=true``.
The file is a list of such records, or ``{"tickets": [...]}``.

The rows of a record: the ticket itself (its creation, with its first article: the
message it was opened with), each history entry and each other article.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from slaclock.helpdesks._export import _BUILTIN_TARGETS, _Builder, _clean, _created, _records
from slaclock.helpdesks._mapping import Role

#: Zammad's states of a ticket that is no longer a ticket of its own: left out, by reason.
LEFT_OUT_STATES = {
    "merged": "merged into another ticket (Zammad state 'merged')",
    "removed": "removed in Zammad (state 'removed')",
}
#: The article sender Zammad writes for its own messages (auto-replies, triggers).
_SYSTEM = "system"
#: The ticket attributes whose value at the creation the created event carries (besides
#: the state), when the mapping maps them.
_CREATION_FIELDS = ("priority", "group")


def _read_zammad(data: Any, build: _Builder) -> None:
    for number, record in enumerate(_records(data, "tickets", build.export.source), 1):
        _zammad_ticket(number, record, build)


def _history_list(value: object) -> object:
    """The history entries: the API's ``{"history": [...], "assets": {...}}`` or a list."""
    if isinstance(value, Mapping) and "history" in value:
        return value["history"]
    return value


def _entry(entry: Mapping[str, Any], key: str) -> str | None:
    """A history entry's ``type``, ``object`` or ``attribute``: the list the API returns
    names them so; ``History.add`` (and older exports) ``history_type`` and the like."""
    return _clean(entry.get(key, entry.get(f"history_{key}")))


def _zammad_ticket(number: int, record: object, build: _Builder) -> None:
    where = f"tickets[{number - 1}]"
    if not isinstance(record, Mapping) or not isinstance(record.get("ticket"), Mapping):
        build.reject(number, f"{where} is not a Zammad ticket (an object with ticket, "
                     "history and articles)")
        return
    data = record["ticket"]
    ticket = _clean(data.get("id"))
    if ticket is None:
        build.reject(number, f"{where}.ticket has no id")
        return
    history = _history_list(record.get("history", []))
    articles = record.get("articles", [])
    if not isinstance(history, list) or not isinstance(articles, list):
        build.reject(number, f"ticket {ticket}: history or articles is not a list", ticket)
        return
    entries = [e for e in history if isinstance(e, Mapping)]
    reason = _left_out(data, entries)
    if reason is not None:
        build.leave_out(ticket, reason, number)
    # The articles in time order; the first is the message the ticket was opened with.
    timed: list[tuple[datetime, Mapping[str, Any]]] = []
    for article in articles:
        if not isinstance(article, Mapping):
            build.reject(number, f"ticket {ticket}: an article is not an object", ticket)
            continue
        at = build.time(article.get("created_at"), number, ticket)
        if at is not None:
            timed.append((at, article))
    timed.sort(key=lambda pair: pair[0])
    _creation(number, ticket, data, entries, timed[0][1] if timed else None, build)
    for entry in history:
        if not isinstance(entry, Mapping):
            build.reject(number, f"ticket {ticket}: a history entry is not an object", ticket)
            continue
        _history_entry(number, ticket, entry, build)
    for at, article in timed[1:]:
        _article(number, ticket, at, article, build)


def _left_out(data: Mapping[str, Any], entries: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the ticket is left out (merged into another, removed), or ``None``."""
    states = [_clean(data.get("state"))]
    states += [_clean(e.get("value_to")) for e in entries
               if _entry(e, "object") == "Ticket" and _entry(e, "attribute") == "state"]
    for state in states:
        if state is not None and state.casefold() in LEFT_OUT_STATES:
            return LEFT_OUT_STATES[state.casefold()]
    if any(_entry(e, "type") == "merged_into" for e in entries):
        return LEFT_OUT_STATES["merged"]
    return None


def _sender(build: _Builder, article: Mapping[str, Any], number: int, ticket: str
            ) -> Callable[[], Role | None]:
    """The role of an article's author, by its ``sender`` (``Agent``, ``Customer``) through
    the mapping's ``[log.roles]``."""
    def role() -> Role | None:
        sender = _clean(article.get("sender"))
        if sender is None:
            build.reject(number, f"ticket {ticket}: article {_clean(article.get('id'))} "
                         "names no sender: export the articles with ?expand=true (the "
                         "sender's name, Agent or Customer)", ticket)
            return None
        return build.role(None, sender, None, number, ticket)
    return role


def _first_change(entries: Sequence[Mapping[str, Any]], attribute: str
                  ) -> tuple[bool, str | None]:
    """Whether the history changes ``attribute``, and its value before the first change."""
    for entry in entries:
        if _entry(entry, "object") == "Ticket" and _entry(entry, "type") == "updated" \
                and _entry(entry, "attribute") == attribute:
            return True, _clean(entry.get("value_from"))
    return False, None


def _creation(number: int, ticket: str, data: Mapping[str, Any],
              entries: Sequence[Mapping[str, Any]], first: Mapping[str, Any] | None,
              build: _Builder) -> None:
    """The ticket's creation (one row, two with its first article): its state and mapped
    fields before their first change in the history, else the ticket's own."""
    rows = 1 if first is None else 2
    created = build.parse_time(data.get("created_at"))
    if isinstance(created, str):
        build.reject_all(rows, number, f"ticket {ticket}: {created}", ticket)
        return
    changed, state = _first_change(entries, "state")
    if not changed:
        state = _clean(data.get("state"))
        if state is None and data.get("state_id") is not None:
            build.reject_all(rows, number, f"ticket {ticket} gives its state_id but not its "
                             "state's name: export the tickets with ?expand=true", ticket)
            return
    name = build.status(state, number, ticket)
    if name is None:
        build.reject_all(rows - 1, number, "the ticket's creation was refused", ticket)
        return
    if first is not None:
        role = _sender(build, first, number, ticket)()
    else:
        sender = _clean(data.get("create_article_sender"))
        role = None if sender is None else build.role(None, sender, None, number, ticket)
        if sender is None:
            build.reject(number, f"ticket {ticket} has no article and no "
                         "create_article_sender: export its articles", ticket)
    if role is None:
        build.reject_all(rows - 1, number, "the ticket's creation was refused", ticket)
        return
    fields: dict[str, str | None] = {}
    builtin: dict[str, str | None] = {}
    for attribute in _CREATION_FIELDS:
        target = build.target(build.mapping.fields, attribute)
        if target is None or target in ("ignore", "status", "reply", "note", "comment"):
            continue
        changed, value = _first_change(entries, attribute)
        if not changed:
            value = _clean(data.get(attribute))
        if target in _BUILTIN_TARGETS:
            builtin[target] = value
        elif value is not None:
            fields[target] = value
    build.use(number, lambda: _created(ticket, created, name, role, fields, builtin), ticket,
              rows=rows)


def _history_entry(number: int, ticket: str, entry: Mapping[str, Any],
                   build: _Builder) -> None:
    """One history entry: a change of the ticket's attribute, or an entry of another type
    (a notification, an e-mail sent) as the mapping's ``[log.events]`` says."""
    kind = _entry(entry, "type")
    what = _entry(entry, "object")
    if what == "Ticket::Article":
        # The articles themselves are read from the articles.
        build.ignore(f"article history {kind}")
        return
    if what != "Ticket":
        build.ignore(f"history of {what}")
        return
    if kind == "updated":
        at = build.time(entry.get("created_at"), number, ticket)
        if at is None:
            return
        build.change(number, ticket, at, _entry(entry, "attribute"),
                     _clean(entry.get("value_from")), _clean(entry.get("value_to")),
                     role=lambda: build.role(_clean(entry.get("created_by_id")), None, None,
                                             number, ticket),
                     public=None)
        return
    if kind is None:
        build.reject(number, f"ticket {ticket}: a history entry has no type", ticket)
        return
    target = build.resolve("event", build.mapping.events, kind, build.mapping.other_events,
                           number, ticket)
    if target is not None:
        build.reject(number, f"a Zammad history entry of type {kind!r} cannot be a "
                     f"{target!r} event: map it to \"ignore\"", ticket)


def _article(number: int, ticket: str, at: datetime, article: Mapping[str, Any],
             build: _Builder) -> None:
    """An article after the first: a reply, or an internal note, by its sender; the
    system's own (auto-replies, triggers) are ignored."""
    sender = _clean(article.get("sender"))
    if sender is not None and sender.casefold() == _SYSTEM:
        build.ignore("article by System")
        return
    internal = article.get("internal")
    public = (not internal) if isinstance(internal, bool) else None
    build.comment(number, ticket, at, "comment", public, _sender(build, article, number, ticket))
