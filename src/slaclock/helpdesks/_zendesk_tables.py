"""The reader of Zendesk's tables as ETL tools copy them to a warehouse (Fivetran's Zendesk
Support connector, the tables dbt_zendesk computes its SLAs from; Airbyte's and Stitch's
column names too).

The main source is ``ticket_field_history`` (CSV): one row per value a ticket's field
took, with no previous value (Fivetran: ``ticket_id``, ``field_name``, ``updated``,
``value``, ``user_id``). Its meaning, as Fivetran's schema documents it: the *first*
``status`` value of a ticket is its creation; a later one is a change of status; the
other fields' values at the creation's instant are the ticket's fields when it opened.

Companion files (``--with KIND=FILE``, CSV):

- ``comments``: ``ticket_comment`` (``ticket_id``, ``created`` or ``created_at``,
  ``public``, ``user_id`` or ``author_id``): a public comment is a reply, a private one a
  note, by the author's role. The ticket's first comment, written when it opened, is its
  description: part of the creation, not a reply.
- ``users``: ``user`` (``id``, ``role``): agent and admin are the desk, end-user the
  customer (:func:`~slaclock.helpdesks._zendesk.zendesk_role`); without it, the requester
  rule decides and the ticket is said to rest on it.
- ``tickets``: ``ticket`` (``id``, ``requester_id``, ``status``): each ticket's requester
  (for the requester rule), and the tickets Zendesk deleted (``status`` ``deleted``),
  left out with their reason.

A comment's event (or refusal) carries its line in the comments file, named in the reason
of a refusal (but for a ticket left out whole: the report names the ticket once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import attrs

from slaclock.helpdesks._csv import csv_rows
from slaclock.helpdesks._export import _BUILTIN_TARGETS, _Builder, _created
from slaclock.helpdesks._mapping import ExportError, Role
from slaclock.helpdesks._zendesk import _DELETED, zendesk_role

#: The companion files the reader takes, by kind.
COMPANIONS = {
    "comments": "the ticket_comment table (CSV: ticket_id, created, public, user_id)",
    "users": "the user table (CSV: id, role)",
    "tickets": "the ticket table (CSV: id, requester_id, status)",
}
#: Each companion table's columns, by role: the names Fivetran, Airbyte and Stitch give
#: them (the first the header has is read).
_COLUMNS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "comments": {"ticket": ("ticket_id",), "time": ("created", "created_at"),
                 "author": ("user_id", "author_id"), "public": ("public",)},
    "users": {"id": ("id",), "role": ("role",)},
    "tickets": {"id": ("id",), "requester": ("requester_id",), "status": ("status",)},
}
_OPTIONAL = {"tickets": ("requester", "status"), "comments": ("author",)}
#: The history's columns as Fivetran names them; a mapping's ``[log.columns]`` renames them.
_HISTORY = {"ticket": "ticket_id", "time": "updated", "field": "field_name", "new": "value",
            "author": "user_id"}


@attrs.define
class _Row:
    """A history row (``field`` set) or a comment (``public`` set), read and timed."""

    line: int
    at: datetime
    author: str | None
    field: str | None = None
    value: str | None = None
    public: str | None = None
    source: str | None = None  # a comment's file


def _table(build: _Builder, kind: str) -> list[tuple[str, int, dict[str, str | None]]]:
    """The rows of each companion file of ``kind``: (file, line, cells by role)."""
    out = []
    for name, text in build.companions(kind):
        if not isinstance(text, str):
            raise ExportError(name, None, f"give the {kind} table as a CSV file")

        def bad(line: int, reason: str, name: str = name) -> None:
            build.reject(line, reason, place=f"{name}:{line}")

        for line, row in csv_rows(text, name, _COLUMNS[kind], build.mapping.delimiter, bad,
                                  _OPTIONAL.get(kind, ())):
            out.append((name, line, row))
    return out


def _read_zendesk_tables(text: str, build: _Builder) -> None:
    mapping = build.mapping
    users = {row["id"]: (row["role"] or "").casefold()
             for _, _, row in _table(build, "users") if row["id"] is not None}
    requesters: dict[str, str] = {}
    for _, _, row in _table(build, "tickets"):
        ticket = row["id"]
        if ticket is None:
            continue
        if row["requester"] is not None:
            requesters[ticket] = row["requester"]
        if (row["status"] or "").casefold() == "deleted":
            build.leave_out(ticket, _DELETED)
    rows: dict[str, list[_Row]] = {}
    source = build.export.source
    for line, cells in csv_rows(text, source, {**_HISTORY, **mapping.columns},
                                mapping.delimiter, build.reject, ("author",)):
        ticket = cells.get("ticket")
        if ticket is None:
            build.reject(line, "no ticket id")
            continue
        at = build.time(cells.get("time"), line, ticket)
        if at is None:
            continue
        field, value = cells.get("field"), cells.get("new")
        if field is None:
            build.reject(line, "no field name", ticket)
            continue
        if build.target(mapping.fields, field) == "status" and value == "deleted":
            build.leave_out(ticket, _DELETED, line)
        rows.setdefault(ticket, []).append(_Row(line, at, cells.get("author"), field, value))
    for name, line, cells in _table(build, "comments"):
        ticket = cells["ticket"]
        when = build.parse_time(cells["time"])
        if ticket is None or isinstance(when, str):
            build.reject(line, "no ticket id" if ticket is None else str(when), ticket,
                         place=f"{name}:{line}")
            continue
        rows.setdefault(ticket, []).append(
            _Row(line, when, cells["author"], public=cells["public"] or "", source=name))
    for ticket, found in rows.items():
        _TicketReader(build, users, ticket, requesters.get(ticket)).read(found)


class _TicketReader:
    """One ticket's rows, in time order: its creation, then its changes and comments."""

    def __init__(self, build: _Builder, users: Mapping[str, str], ticket: str,
                 requester: str | None) -> None:
        self.build = build
        self.users = users
        self.ticket = ticket
        self.requester = requester

    def role(self, author: str | None, line: int) -> Callable[[], Role | None]:
        requester = self.requester
        return lambda: zendesk_role(self.build, self.users, author, requester, line,
                                    self.ticket)

    def reject(self, row: _Row, reason: str) -> None:
        self.build.reject(row.line, reason, self.ticket,
                          place=None if row.source is None else f"{row.source}:{row.line}")

    def read(self, rows: list[_Row]) -> None:
        build, ticket = self.build, self.ticket
        left = build.export.left_out.get(ticket)
        if left is not None:  # each row said once, by the totals' line for the ticket
            build.leave_out(ticket, left, rows[0].line, unread=len(rows))
            return
        # History rows before comments at one instant; then as the files have them.
        rows.sort(key=lambda r: (r.at, r.source is not None, r.line))
        opening = next((r for r in rows if r.field is not None and
                        build.target(build.mapping.fields, r.field) == "status"), None)
        if opening is None:
            for row in rows:
                self.reject(row, "the ticket has no status in ticket_field_history: its "
                            "creation is not in the export")
            return
        for row in rows:
            if row.field == "requester_id" and row.at <= opening.at and row.value:
                self.requester = row.value
        # No requester said: the user who set the first status requested the ticket.
        self.requester = self.requester or opening.author
        before = [r for r in rows if r.at < opening.at]
        for row in before:
            self.reject(row, "before the ticket's creation (its first status)")
        at_opening = [r for r in rows if r.at == opening.at]
        self.creation(opening, at_opening)
        for row in rows:
            if row.at > opening.at:
                self.later(row)

    def creation(self, opening: _Row, rows: Sequence[_Row]) -> None:
        """The first status and the fields set at its instant (and the ticket's first
        comment then, its description) as one ``created`` event."""
        build, ticket = self.build, self.ticket
        mapping = build.mapping
        fields: dict[str, str | None] = {}
        builtin: dict[str, str | None] = {}
        taken = 1
        author = opening.author
        described = False
        for row in rows:
            if row is opening:
                continue
            if row.field is None:
                if described:
                    self.later(row)
                    continue
                described = True
                author = author or row.author
                taken += 1
                continue
            target = build.target(mapping.fields, row.field)
            if (target is None and mapping.other_fields == "ignore") or target == "ignore":
                build.ignore(f"field {row.field}")
            elif target is None:
                build.unknown("field", row.field, row.line, ticket)
            elif target == "status":  # another status at the same instant: a change
                self.later(row)
            elif target in _BUILTIN_TARGETS:
                builtin[target] = row.value
                taken += 1
            elif target in ("reply", "note", "comment"):
                self.later(row)
            else:
                fields[target] = row.value
                taken += 1
        name = build.status(opening.value, opening.line, ticket)
        who = None if name is None else self.role(author or self.requester, opening.line)()
        if name is None or who is None:
            build.reject_all(taken - 1, opening.line, "the ticket's creation was refused",
                             ticket)
            return
        build.use(opening.line, lambda: _created(ticket, opening.at, name, who, fields,
                                                 builtin), ticket, rows=taken)

    def later(self, row: _Row) -> None:
        build = self.build
        if row.field is None:
            public = build.mapping.is_public(row.public)
            if public is None:
                self.reject(row, f"the comment's public flag {row.public!r} is not one of "
                            "the mapping's public or internal values")
                return
            with build.within(row.source, "line"):
                build.comment(row.line, self.ticket, row.at, "comment", public,
                              self.role(row.author, row.line))
            return
        if row.field == "requester_id" and row.value:
            self.requester = row.value
        build.change(row.line, self.ticket, row.at, row.field, None, row.value,
                     role=self.role(row.author, row.line), public=None)
