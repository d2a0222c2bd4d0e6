"""The CSV reader of helpdesk exports: one row per change (a status history), or one per
event with an event column."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from slaclock.helpdesks._export import _Builder, _clean
from slaclock.helpdesks._mapping import ExportError, Role
from slaclock.logs import separated_by
from slaclock.sla import Event


def _read_csv(text: str, build: _Builder) -> None:
    mapping = build.mapping
    source = build.export.source
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ExportError(source, None, "the file is empty (expected a header)") from None
    except csv.Error as error:
        raise ExportError(source, 1, f"not CSV: {error}") from None
    names = [cell.strip() for cell in header]
    folded = [n.casefold() for n in names]
    index: dict[str, int] = {}
    missing = []
    for role, column in mapping.columns.items():
        if column.casefold() in folded:
            index[role] = folded.index(column.casefold())
        else:
            missing.append(column)
    if missing:
        other = separated_by(text.split("\n", 1)[0],
                             [c.casefold() for c in mapping.columns.values()], mapping.delimiter)
        hint = ""
        if other is not None:
            shown = "\\t" if other == "\t" else other
            hint = f"; the header is {shown!r}-separated: set delimiter = \"{shown}\" in [log]"
        raise ExportError(
            source, 1,
            f"the header lacks the column(s) {', '.join(repr(m) for m in missing)} "
            f"(read with delimiter {mapping.delimiter!r}, it has: "
            f"{', '.join(repr(n) for n in names)}){hint}",
        )
    width = max(index.values()) + 1
    line = reader.line_num + 1
    while True:
        try:
            for cells in reader:
                start, line = line, reader.line_num + 1
                if not cells or all(not c.strip() for c in cells):
                    continue  # a blank line is not a row
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                row = {role: _clean(cells[i]) for role, i in index.items()}
                _csv_row(start, row, build)
            return
        except csv.Error as error:
            build.reject(line, f"not readable as CSV: {error}")
            line = reader.line_num + 1


def _csv_row(line: int, row: Mapping[str, str | None], build: _Builder) -> None:
    mapping = build.mapping
    ticket = row.get("ticket")
    if ticket is None:
        build.reject(line, "no ticket id")
        return
    at = build.time(row.get("time"), line, ticket)
    if at is None:
        return
    author = row.get("author")
    role_cell = row.get("role")

    def role() -> Role | None:
        return build.role(author, role_cell, None, line, ticket)

    public = mapping.is_public(row["public"]) if row.get("public") is not None else None
    detail = row.get("detail")
    if "event" not in mapping.columns:
        build.change(line, ticket, at, row.get("field"), row.get("old"), row.get("new"),
                     role=role, public=public, detail=detail)
        return
    kind_cell = row.get("event")
    if kind_cell is None:
        build.reject(line, "no event kind", ticket)
        return
    target = build.resolve("event", mapping.events, kind_cell, mapping.other_events, line,
                           ticket)
    if target is None:
        return
    if target == "created":
        status = None
        field = row.get("field")
        if row.get("new") is not None and (
            field is None or build.target(mapping.fields, field) == "status"
        ):
            status = build.status(row.get("new"), line, ticket)
            if status is None:
                return
        who = role()
        if who is None:
            return
        build.use(line, lambda: Event(ticket, at, "created", detail=detail, status=status,
                                      author=who), ticket)
    elif target == "status":
        name = build.status(row.get("new"), line, ticket)
        if name is not None:
            build.use(line, lambda: Event(ticket, at, "status", detail=detail, status=name),
                      ticket)
    elif target in ("reply", "note", "comment"):
        build.comment(line, ticket, at, target, public, role, detail)
    else:  # "field"
        build.change(line, ticket, at, row.get("field"), row.get("old"), row.get("new"),
                     role=role, public=public, detail=detail)


# -- Zendesk: the incremental ticket events export -------------------------------------
