"""The CSV reader of helpdesk exports: one row per change (a status history), or one per
event with an event column."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence

from slaclock.helpdesks._export import _Builder, _clean
from slaclock.helpdesks._mapping import ExportError, Role
from slaclock.logs import separated_by
from slaclock.sla import Event


def _read_csv(text: str, build: _Builder) -> None:
    mapping = build.mapping
    for line, row in csv_rows(text, build.export.source, mapping.columns, mapping.delimiter,
                              build.reject):
        _csv_row(line, row, build)


def csv_rows(
    text: str, source: str, columns: Mapping[str, str | Sequence[str]], delimiter: str,
    bad: Callable[[int, str], None], optional: Collection[str] = (),
) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Each row of a CSV text with a header, as its line and its cells by role.

    ``columns`` names each role's column (or the names it may have, the first the header
    has wins), matched without regard to case; a role in ``optional`` may be missing (its
    cell is then ``None``). A blank line is no row; a line the csv module cannot read is
    told to ``bad`` with its line, and the reading goes on.

    Raises:
        ExportError: for an empty file, or a header that lacks a column (naming those it
            has, and the delimiter the header seems to use).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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
    for role, wanted in columns.items():
        choices = (wanted,) if isinstance(wanted, str) else tuple(wanted)
        found = next((c for c in choices if c.casefold() in folded), None)
        if found is not None:
            index[role] = folded.index(found.casefold())
        elif role not in optional:
            missing.append(" or ".join(repr(c) for c in choices))
    if missing:
        first = [(c,) if isinstance(c, str) else tuple(c) for c in columns.values()]
        other = separated_by(text.split("\n", 1)[0], [c[0].casefold() for c in first],
                             delimiter)
        hint = ""
        if other is not None:
            shown = "\\t" if other == "\t" else other
            hint = f"; the header is {shown!r}-separated: set delimiter = \"{shown}\" in [log]"
        raise ExportError(
            source, 1,
            f"the header lacks the column(s) {', '.join(missing)} "
            f"(read with delimiter {delimiter!r}, it has: "
            f"{', '.join(repr(n) for n in names)}){hint}",
        )
    width = max(index.values(), default=-1) + 1
    line = reader.line_num + 1
    while True:
        try:
            for cells in reader:
                start, line = line, reader.line_num + 1
                if not cells or all(not c.strip() for c in cells):
                    continue  # a blank line is not a row
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                row: dict[str, str | None] = dict.fromkeys(optional)
                row.update((role, _clean(cells[i])) for role, i in index.items())
                yield start, row
            return
        except csv.Error as error:
            bad(line, f"not readable as CSV: {error}")
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
