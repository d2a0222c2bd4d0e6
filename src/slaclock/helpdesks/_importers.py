"""Reading helpdesk exports as they are: a CSV of changes, Zendesk's ticket events, Jira's
issues with their changelog, each through an :class:`~slaclock.ExportMapping`.

Every reader walks the export once and sorts each of its *rows* (a CSV row; a Zendesk child
event; a Jira issue's creation, changelog item or comment) into exactly one of three
piles: used (it made an event), ignored (the mapping says to skip it, counted by what it
was) or rejected (a :class:`~slaclock.BadRow` with its line or record and the reason).
So ``rows == used + sum(ignored.values()) + len(rejected)`` always holds, and nothing is
dropped silently. A status value, event kind or field the mapping and policy do not know
is rejected too, and listed once in :attr:`Export.unknown` with its count and the first
line it appears on.

The events are the general vocabulary (:attr:`Event.GENERAL_KINDS
<slaclock.Event.GENERAL_KINDS>`), ready for :func:`slaclock.report`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from os import PathLike, fspath
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import attrs

from slaclock._errors import EventError
from slaclock.logs import BadRow
from slaclock.sla import Event

from ._mapping import ExportError, ExportMapping, Role, load_mapping

if TYPE_CHECKING:
    from slaclock.sla import Coverage, EventKind
from slaclock.sla import Regulation, RegulationVersions, as_versions

__all__ = ["Export", "Unknown", "read_export"]

_BUILTIN_TARGETS = ("level", "customer", "category", "coverage")
_OTHER_DELIMITERS = (",", ";", "\t", "|")


@attrs.frozen
class Unknown:
    """A value the mapping (and the policy) did not know, reported once.

    Attributes:
        what: ``"status"``, ``"event"`` (an event kind) or ``"field"``.
        value: the value as the export writes it.
        count: how many rows carry it (each of them is rejected).
        first: the line (or record) it first appears on.
    """

    what: str
    value: str
    count: int
    first: int


@attrs.define
class Export:
    """What :func:`read_export` found.

    Attributes:
        source: the file's name (or ``"<export>"``).
        mapping: the mapping it was read with.
        unit: ``"line"`` (CSV) or ``"record"`` (JSON: the ticket event or issue, from 1):
            what the numbers of :attr:`lines` and :attr:`rejected` count.
        events: the events, in the order read.
        lines: the line or record of each event.
        rejected: the rows left out, each with its line or record and reason.
        unknown: the unknown values, each once, in the order first met.
        ignored: rows the mapping skips, counted by what they were (``"field subject"``).
        rows: how many rows were read.
        used: how many rows made an event.
    """

    source: str
    mapping: ExportMapping
    unit: str
    events: list[Event] = attrs.Factory(list)
    lines: list[int] = attrs.Factory(list)
    rejected: list[BadRow] = attrs.Factory(list)
    unknown: list[Unknown] = attrs.Factory(list)
    ignored: dict[str, int] = attrs.Factory(dict)
    rows: int = 0
    used: int = 0

    @property
    def balanced(self) -> bool:
        """True when every row is accounted for (``rows == used + ignored + rejected``),
        as it always is after :func:`read_export`."""
        return self.rows == self.used + sum(self.ignored.values()) + len(self.rejected)

    def where(self, line: int) -> str:
        """``"file:12"`` for a CSV line, ``"file: record 3"`` for a JSON record."""
        return f"{self.source}:{line}" if self.unit == "line" else \
            f"{self.source}: record {line}"

    def relocate(self, rejected: Iterable[BadRow]) -> list[BadRow]:
        """The rows :func:`slaclock.report` left out of ``report(export.events, ...)``
        (numbered by their position in :attr:`events`, from 1), numbered by the export's
        lines or records instead, so a message can point into the file.

        >>> text = ("ticket,time,field,old_value,new_value,author_role\\n"
        ...         "1,2026-06-01T09:00Z,status,,open,customer\\n\\n"
        ...         "2,2026-06-01T10:00Z,status,,open,customer\\n")
        >>> e = read_export(io.StringIO(text), "status-history")
        >>> from slaclock import report
        >>> r = report(e.events, Regulation.default())
        >>> [(b.line, b.ticket) for b in r.rejected]
        [(1, '1'), (2, '2')]
        >>> [(b.line, b.ticket) for b in e.relocate(r.rejected)]
        [(2, '1'), (4, '2')]
        """
        return [BadRow(self.lines[b.line - 1], b.reason, b.ticket) for b in rejected]

    def problems(self) -> list[str]:
        """One line per unknown value (with its count and first place), then one per
        other rejected row: what a command prints.

        >>> m = ExportMapping("m", columns={"ticket": "t", "time": "at", "field": "f",
        ...                                 "new": "v"}, fields={"status": "status"})
        >>> e = read_export(io.StringIO("t,at,f,v\\n1,2026-06-01T09:00Z,status,Escalated\\n"
        ...                             "1,2026-06-01T10:00Z,status,Escalated\\n"),
        ...                 m, Regulation.default())
        >>> print(*e.problems(), sep="\\n")
        <export>:2: unknown status 'Escalated' (2 rows; map it in the policy's [statuses] or the mapping's [log.statuses])
        """  # noqa: E501
        out = [
            f"{self.where(u.first)}: unknown {u.what} {u.value!r} ({u.count} "
            f"row{'s' if u.count != 1 else ''}; {_HINTS[u.what]})"
            for u in self.unknown
        ]
        unknown_reasons = {_unknown_reason(u.what, u.value) for u in self.unknown}
        out.extend(f"{self.where(b.line)}: {b.reason}" for b in self.rejected
                   if b.reason not in unknown_reasons)
        return out


_HINTS = {
    "status": "map it in the policy's [statuses] or the mapping's [log.statuses]",
    "event": "map it in the mapping's [log.events], or to \"ignore\"",
    "field": "map it in the mapping's [log.fields], or to \"ignore\"",
}


def _unknown_reason(what: str, value: str) -> str:
    return f"unknown {what} {value!r}"


class _Builder:
    """Counts every row into used, ignored or rejected, and makes the events."""

    def __init__(self, export: Export, policy: Regulation | RegulationVersions | None,
                 strict: bool) -> None:
        self.export = export
        self.mapping = export.mapping
        self.strict = strict
        self.versions = None if policy is None else as_versions(policy).versions
        self.seen: dict[tuple[str, str], int] = {}
        self.names: dict[str, str | None] = {}  # status value -> policy name, or unknown
        self.targets: dict[tuple[int, str], str | None] = {}

    # -- the three piles --------------------------------------------------------------

    def reject(self, line: int, reason: str, ticket: str | None = None) -> None:
        export = self.export
        export.rows += 1
        export.rejected.append(BadRow(line, reason, ticket))
        if self.strict:
            raise ExportError(export.source, line, reason, export.unit)

    def ignore(self, label: str) -> None:
        self.export.rows += 1
        self.export.ignored[label] = self.export.ignored.get(label, 0) + 1

    def unknown(self, what: str, value: str, line: int, ticket: str | None) -> None:
        key = (what, value)
        index = self.seen.get(key)
        unknown = self.export.unknown
        if index is None:
            self.seen[key] = len(unknown)
            unknown.append(Unknown(what, value, 1, line))
        else:
            u = unknown[index]
            unknown[index] = attrs.evolve(u, count=u.count + 1)
        if self.strict:
            self.export.rows += 1
            self.export.rejected.append(BadRow(line, _unknown_reason(what, value), ticket))
            raise ExportError(self.export.source, line,
                              f"{_unknown_reason(what, value)}: {_HINTS[what]}", self.export.unit)
        self.reject(line, _unknown_reason(what, value), ticket)

    def use(self, line: int, make: Callable[[], Event], ticket: str, rows: int = 1) -> None:
        """One event from ``rows`` rows, or each of them rejected with the reason."""
        try:
            event = make()
        except EventError as error:
            for _ in range(rows):
                self.reject(line, str(error), ticket)
            return
        export = self.export
        export.rows += rows
        export.used += rows
        export.events.append(event)
        export.lines.append(line)

    # -- values ----------------------------------------------------------------------

    def status(self, value: str | None, line: int, ticket: str) -> str | None:
        """The policy's name for a status value; ``None`` (the row reported) when unknown."""
        if value is None:
            self.reject(line, "no status value (the new value is empty)", ticket)
            return None
        if value in self.names:
            name = self.names[value]
        else:
            name = self.mapping.status(value)
            if self.versions is not None and not any(
                v.category(name) is not None for v in self.versions
            ):
                name = None
            self.names[value] = name
        if name is None:
            self.unknown("status", value, line, ticket)
        return name

    def role(self, author: str | None, role_cell: str | None, requester: str | None,
             line: int, ticket: str) -> Role | None:
        found = self.mapping.role(author, role_cell, requester)
        if found is None:
            if role_cell is not None:
                reason = (f"author role {role_cell!r} is neither desk nor customer: map it in "
                          "the mapping's [log.roles]")
            elif author is None:
                reason = ("the row names no author nor role: set default_role in the "
                          "mapping (or map a role column)")
            else:
                reason = (f"the role of author {author!r} is unknown: list them in the "
                          "mapping's agents or customers, or set default_role")
            self.reject(line, reason, ticket)
        return found

    def target(self, table: Mapping[str, str], value: str) -> str | None:
        """What ``table`` (the mapping's fields or events) maps ``value`` to, matched
        exactly, else without regard to case."""
        key = (id(table), value)
        if key in self.targets:
            return self.targets[key]
        found = table.get(value)
        if found is None:
            folded = {k.casefold(): v for k, v in table.items()}
            found = folded.get(value.strip().casefold())
        self.targets[key] = found
        return found

    def resolve(
        self, what: str, table: Mapping[str, str], value: str, other: str, line: int,
        ticket: str | None,
    ) -> str | None:
        """The target ``table`` maps ``value`` (a ``what``: field or event) to, or
        ``None`` once the row is told: ignored (the mapping says so, by name or, for a
        name it lacks, by ``other``) or unknown."""
        target = self.target(table, value)
        if target is None:
            if other == "ignore":
                self.ignore(f"{what} {value}")
            else:
                self.unknown(what, value, line, ticket)
            return None
        if target == "ignore":
            self.ignore(f"{what} {value}")
            return None
        return target

    # -- one change ------------------------------------------------------------------

    def change(
        self, line: int, ticket: str, at: datetime, field: str | None, old: str | None,
        new: str | None, *, role: Callable[[], Role | None], public: bool | None,
        detail: str | None = None,
    ) -> None:
        """A row that changed ``field`` from ``old`` to ``new``."""
        mapping = self.mapping
        if field is None:
            self.reject(line, "no field name", ticket)
            return
        target = self.resolve("field", mapping.fields, field, mapping.other_fields, line, ticket)
        if target is None:
            return
        if target == "status":
            name = self.status(new, line, ticket)
            if name is None:
                return
            if old is None and mapping.format == "csv":  # a status set from nothing
                author = role()
                if author is None:
                    return
                self.use(line, lambda: Event(ticket, at, "created", detail=detail,
                                             status=name, author=author), ticket)
            else:
                self.use(line, lambda: Event(ticket, at, "status", detail=detail,
                                             status=name), ticket)
            return
        if target in ("reply", "note", "comment"):
            self.comment(line, ticket, at, target, public, role, detail or new)
            return
        if target in _BUILTIN_TARGETS:
            self.use(line, lambda: _builtin_field(ticket, at, target, new), ticket)
            return
        self.use(line, lambda: Event(ticket, at, "field", fields={target: new}), ticket)

    def comment(self, line: int, ticket: str, at: datetime, target: str,
                public: bool | None, role: Callable[[], Role | None],
                detail: str | None = None) -> None:
        if target == "comment":
            if public is None:
                self.reject(line, "the comment's public flag is missing or not one of the "
                            "mapping's public or internal values", ticket)
                return
            target = "reply" if public else "note"
        author = role()
        if author is None:
            return
        kind = cast("EventKind", target)  # "reply" or "note"
        self.use(line, lambda: Event(ticket, at, kind, detail=detail, author=author), ticket)

    def reject_all(self, count: int, line: int, reason: str, ticket: str | None) -> None:
        for _ in range(count):
            self.reject(line, reason, ticket)

    def parse_time(self, text: object) -> datetime | str:
        """The instant of a time value, or the reason it has none."""
        if isinstance(text, int | float) and not isinstance(text, bool):
            text = str(text)
        if not isinstance(text, str):
            return "no time" if text is None else f"time {text!r} is not text"
        try:
            return self.mapping.parse_time(text)
        except ValueError as error:
            return str(error)

    def time(self, text: object, line: int, ticket: str | None) -> datetime | None:
        """The instant of a time value; ``None`` (the row rejected) when it has none."""
        at = self.parse_time(text)
        if isinstance(at, str):
            self.reject(line, at, ticket)
            return None
        return at


def _builtin_field(ticket: str, at: datetime, name: str, value: str | None) -> Event:
    """A ``field`` event that sets one of the event's own fields (level, customer, ...)."""
    return Event(ticket, at, "field", level=value if name == "level" else None,
                 coverage=cast("Coverage | None", value) if name == "coverage" else None,
                 customer=value if name == "customer" else None,
                 category=value if name == "category" else None)


def read_export(
    source: str | PathLike[str] | IO[str] | IO[bytes] | Mapping[str, Any] | list[Any],
    mapping: ExportMapping | str | PathLike[str],
    policy: Regulation | RegulationVersions | None = None,
    *,
    strict: bool = False,
) -> Export:
    """Read a helpdesk's export, as it is, into slaclock events.

    Args:
        source: the export: a file's path, an open file (text or binary), or, for the
            JSON formats, the parsed data (a dict or list).
        mapping: an :class:`ExportMapping`, or what :func:`load_mapping` takes: a built-in
            name (``"zendesk"``, ``"jira"``, ``"status-history"``) or a TOML file.
        policy: when given, every status value must be one the policy knows (by its
            ``[statuses]``, a category's name, or the mapping's ``[log.statuses]``);
            the others are reported in :attr:`Export.unknown`. Without it, status values
            pass through and :func:`slaclock.report` refuses the unknown ones.
        strict: raise on the first row left out or value unknown.

    Returns:
        an :class:`Export`: ``.events`` go to ``slaclock.report(export.events, policy)``.

    Raises:
        ExportError: for an export that cannot be read at all (an undecodable byte, a
            header that lacks the mapping's columns, malformed JSON), naming the file and
            the line or record; with ``strict``, for the first bad row.
        MappingError: for a bad mapping file.
        OSError: when the export's file cannot be read.

    >>> text = '''ticket,time,field,old_value,new_value,author_role
    ... 7,2026-06-01T09:00+02:00,status,,New,customer
    ... 7,2026-06-01T10:30+02:00,comment,,Hello,desk
    ... 7,2026-06-01T11:00+02:00,status,New,Solved,desk
    ... '''
    >>> export = read_export(io.StringIO(text), "status-history")
    >>> [(e.kind, e.status or e.author) for e in export.events]
    [('created', 'New'), ('reply', 'desk'), ('status', 'Solved')]
    >>> export.rows, export.used, export.balanced
    (3, 3, True)
    """
    if not isinstance(mapping, ExportMapping):
        mapping = load_mapping(mapping)
    name = _name(source)
    export = Export(name, mapping, "line" if mapping.format == "csv" else "record")
    build = _Builder(export, policy, strict)
    if mapping.format == "csv":
        _read_csv(_text(source, name, mapping), build)
    else:
        data = source if isinstance(source, dict | list) else _json(
            _text(source, name, mapping), name)
        if mapping.format == "zendesk":
            _read_zendesk(data, build)
        else:
            _read_jira(data, build)
    assert export.balanced, "every row is used, ignored or rejected"
    return export


def _name(source: object) -> str:
    if isinstance(source, str | PathLike):
        return Path(fspath(source)).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) else "<export>"


def _text(source: object, name: str, mapping: ExportMapping) -> str:
    """The export's text, decoded by the mapping's encoding, or an :class:`ExportError`
    naming the line of the first byte that is not in it."""
    if isinstance(source, str | PathLike):
        raw: bytes | str = Path(fspath(source)).read_bytes()
    else:
        raw = source.read()  # type: ignore[attr-defined]
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    codec = mapping.codec
    if not codec.startswith("utf") and any(b > 0x7F for b in raw) and _is_utf8(raw):
        raise ExportError(
            name, None,
            f"the file is UTF-8 text, not {mapping.encoding} as the mapping says: set "
            "encoding = \"utf-8\" in [log]",
        )
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        hint = "; set the export's encoding in [log]"
        if codec.startswith("utf"):
            try:
                raw.decode("cp1251")
                hint = "; it reads as Windows-1251: set encoding = \"windows-1251\" in [log]"
            except UnicodeDecodeError:
                pass
        raise ExportError(
            name, line, f"byte 0x{raw[error.start]:02x} is not {mapping.encoding} text{hint}",
        ) from None
    return text.removeprefix("\ufeff")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ExportError(
            name, error.lineno, f"not valid JSON: {error.msg} (column {error.colno})"
        ) from None
    except RecursionError:
        raise ExportError(name, None, "not valid JSON: nested too deeply") from None


def _clean(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value.strip() if isinstance(value, str) else str(value)
    return text or None


# -- CSV: one row per change -----------------------------------------------------------


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
        first_line = text.split("\n", 1)[0]
        hint = ""
        for other in _OTHER_DELIMITERS:
            if other != mapping.delimiter and other in first_line:
                split = [c.strip().casefold() for c in first_line.split(other)]
                if all(c.casefold() in split for c in mapping.columns.values()):
                    shown = "\\t" if other == "\t" else other
                    hint = f"; the header is {shown!r}-separated: set delimiter = " \
                        f"\"{shown}\" in [log]"
                    break
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

#: Keys of a child event that are not the field it creates or changes.
_ZENDESK_META = frozenset({
    "id", "via", "via_reference_id", "event_type", "type", "previous_value", "created_at",
    "audit_id", "author_id", "body", "html_body", "plain_body", "public", "attachments",
    "metadata", "system", "field_name", "value", "comment_present", "comment_public",
})


def _records(data: Any, key: str, source: str) -> list[Any]:
    """The records of a JSON export: ``{key: [...]}``, a list of such pages, or a plain
    list of records."""
    if isinstance(data, Mapping):
        if key not in data:
            raise ExportError(
                source, None,
                f"expected an object with {key!r} (what the API returns), found the keys "
                f"{', '.join(sorted(map(str, data))) or 'none'}",
            )
        data = [data]
    if not isinstance(data, list):
        raise ExportError(source, None, f"expected an object with {key!r} or a list")
    out: list[Any] = []
    for item in data:
        if isinstance(item, Mapping) and key in item:
            page = item[key]
            if not isinstance(page, list):
                raise ExportError(source, None, f"{key!r} is not a list")
            out.extend(page)
        else:
            out.append(item)
    return out


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


def _created(
    ticket: str, at: datetime, status: str | None, author: Role | None,
    fields: Mapping[str, str | None], builtin: Mapping[str, str | None],
) -> Event:
    """A ``created`` event with the fields the export set, the built-in ones as the
    event's own (the event checks the coverage)."""
    return Event(
        ticket, at, "created", level=builtin.get("level"),
        coverage=cast("Coverage | None", builtin.get("coverage")),
        customer=builtin.get("customer"), category=builtin.get("category"), status=status,
        author=author, fields=fields,
    )
