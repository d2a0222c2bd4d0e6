"""The record of a helpdesk export read (:class:`Export`, :class:`Unknown`) and the builder
every reader sorts its rows with.

Every reader walks the export once and sorts each of its *rows* (a CSV row; a Zendesk child
event; a Jira issue's creation, changelog item or comment) into exactly one of three
piles: used (it made an event), ignored (the mapping says to skip it, counted by what it
was) or rejected (a :class:`~slaclock.BadRow` with its line or record and the reason).
So ``rows == used + sum(ignored.values()) + len(rejected)`` always holds, and nothing is
dropped silently. A status value, event kind or field the mapping and policy do not know
is rejected too, and listed once in :attr:`Export.unknown` with its count and the first
line it appears on.

The events are the general vocabulary (:attr:`Event.GENERAL_KINDS
<slaclock.Event.GENERAL_KINDS>`), ready for :func:`slaclock.report`. The readers of each
format are beside this module: ``_csv``, ``_zendesk``, ``_jira``; :func:`read_export`
(``_read``) chooses one.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import attrs

from slaclock._errors import EventError
from slaclock.helpdesks._mapping import ExportError, ExportMapping, Role
from slaclock.logs import BadRow, swapped_day_and_month
from slaclock.sla import Event, Regulation, RegulationVersions, as_versions

if TYPE_CHECKING:
    from slaclock.sla import Coverage, EventKind

__all__ = ["LEFT_OUT", "Assumption", "Export", "Unknown", "of_ticket_left_out"]

#: How the reason of each row of a ticket left out begins.
LEFT_OUT = "ticket left out: "

def of_ticket_left_out(row: BadRow) -> bool:
    """Whether a refused row is one of a ticket a reader left out whole (its reason says
    so): a command counts such rows once by ticket."""
    return row.reason.startswith(LEFT_OUT)


#: The mapping's targets that set one of the event's own fields.
_BUILTIN_TARGETS = ("level", "customer", "category", "coverage")


@attrs.frozen
class Unknown:
    """A value the mapping (and the policy) did not know, reported once.

    Attributes:
        what: ``"status"``, ``"event"`` (an event kind) or ``"field"``.
        value: the value as the export writes it.
        count: how many rows carry it (each of them is rejected).
        first: the line (or record) it first appears on.
        place: where that is, when it is in a file read beside the export
            (``"incidents.json: record 4"``).
    """

    what: str
    value: str
    count: int
    first: int
    place: str | None = None


@attrs.frozen
class Assumption:
    """Something the export did not say, that the reader assumed to read some tickets.

    A verdict on those tickets rests on it: a report says so, and the text says how to
    give the export what removes the assumption.

    Attributes:
        key: a short name for it (``"roles-by-requester"``).
        text: what was assumed and how to remove it.
        tickets: how many tickets rest on it.
    """

    key: str
    text: str
    tickets: int


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
        left_out: the tickets left out whole, each with its reason (a history the export
            truncated, a ticket the helpdesk deleted): every row of theirs is in
            :attr:`rejected`, with the reason ``"ticket left out: ..."``.
        assumptions: what the reader assumed, each once, with how many tickets rest on it.
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
    left_out: dict[str, str] = attrs.Factory(dict)
    assumptions: list[Assumption] = attrs.Factory(list)
    _said: dict[str, str] | None = attrs.field(default=None, init=False, repr=False,
                                               eq=False)

    @property
    def balanced(self) -> bool:
        """True when every row is accounted for (``rows == used + ignored + rejected``),
        as it always is after :func:`read_export`."""
        return self.rows == self.used + sum(self.ignored.values()) + len(self.rejected)

    def where(self, line: int | BadRow) -> str:
        """``"file:12"`` for a CSV line, ``"file: record 3"`` for a JSON record; for a
        rejected row, its own place when it stands in a file read beside the export."""
        if isinstance(line, BadRow):
            if line.place is not None:
                return line.place
            line = line.line
        return f"{self.source}:{line}" if self.unit == "line" else \
            f"{self.source}: record {line}"

    def relocate(self, rejected: Iterable[BadRow]) -> list[BadRow]:
        """The rows :func:`slaclock.report` left out of ``report(export.events, ...)``
        (numbered by their position in :attr:`events`, from 1), numbered by the export's
        lines or records instead, so a message can point into the file.

        >>> import io
        >>> from slaclock.helpdesks import read_export
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
        other rejected row but those of the tickets left out (:meth:`totals` names each
        of them once): what a command prints.

        >>> import io
        >>> from slaclock.helpdesks import read_export
        >>> m = ExportMapping("m", columns={"ticket": "t", "time": "at", "field": "f",
        ...                                 "new": "v"}, fields={"status": "status"})
        >>> e = read_export(io.StringIO("t,at,f,v\\n1,2026-06-01T09:00Z,status,Escalated\\n"
        ...                             "1,2026-06-01T10:00Z,status,Escalated\\n"),
        ...                 m, Regulation.default())
        >>> print(*e.problems(), sep="\\n")
        <export>:2: unknown status 'Escalated' (2 rows; map it in the policy's [statuses] or the mapping's [log.statuses])
        """  # noqa: E501
        out = [f"{u.place or self.where(u.first)}: {_unknown_said(u)}" for u in self.unknown]
        unknown_reasons = {_unknown_reason(u.what, u.value) for u in self.unknown}
        out.extend(f"{self.where(b)}: {b.reason}" for b in self.rejected
                   if b.reason not in unknown_reasons and not self.is_left_out(b))
        return out

    def said(self, row: BadRow) -> str:
        """The reason of a rejected row as a command says it: an unknown value's with how
        many rows have it and how to map it."""
        if not self.unknown:
            return row.reason
        if self._said is None:
            self._said = {_unknown_reason(u.what, u.value): _unknown_said(u)
                          for u in self.unknown}
        return self._said.get(row.reason, row.reason)

    def is_left_out(self, row: BadRow) -> bool:
        """Whether a rejected row is one of a ticket left out whole."""
        return row.ticket in self.left_out and of_ticket_left_out(row)

    def as_dict(self) -> dict[str, Any]:
        """The export's totals as data, for a report's JSON: ``unit`` (what its row
        numbers count: ``"line"`` or ``"record"``), ``rows``, ``used``,
        ``ignored`` (by what the rows were), ``refused``, ``left_out`` (ticket to reason)
        and ``assumptions`` (each with its ``key``, ``text`` and ``tickets``)."""
        return {
            "unit": self.unit,
            "rows": self.rows,
            "used": self.used,
            "ignored": dict(sorted(self.ignored.items())),
            "refused": len(self.rejected),
            "left_out": dict(self.left_out),
            "assumptions": [{"key": a.key, "text": a.text, "tickets": a.tickets}
                            for a in self.assumptions],
        }

    def totals(self) -> list[str]:
        """What became of the export's rows, in lines a report prints: the rows read, how
        many made events, were ignored (by what they were) or refused, the tickets left
        out (by reason) and what the reader assumed. The numbers add up:
        ``rows == used + ignored + refused``.

        >>> import io
        >>> from slaclock.helpdesks import read_export
        >>> text = ("ticket,time,field,old_value,new_value,author_role\\n"
        ...         "1,2026-06-01T09:00Z,status,,open,customer\\n"
        ...         "1,2026-06-01T09:05Z,subject,,Help,customer\\n"
        ...         "2,not a time,status,,open,customer\\n")
        >>> print(*read_export(io.StringIO(text), "status-history").totals(), sep="\\n")
        <export>: 3 rows read: 1 made events, 0 ignored, 2 refused
        """
        ignored = sum(self.ignored.values())
        shown = sorted(self.ignored.items(), key=lambda kind: (-kind[1], kind[0]))
        kinds = ", ".join(f"{_short(label)}: {count}" for label, count in
                          sorted(shown[:_SHOWN]))
        if len(shown) > _SHOWN:
            kinds += f" and {len(shown) - _SHOWN} more kinds"
        out = [
            f"{self.source}: {self.rows} row{'s' if self.rows != 1 else ''} read: "
            f"{self.used} made events, {ignored} ignored"
            f"{f' ({kinds})' if kinds else ''}, {len(self.rejected)} refused"
        ]
        by_reason: dict[str, list[str]] = {}
        for ticket, reason in self.left_out.items():
            by_reason.setdefault(reason, []).append(ticket)
        for reason, tickets in by_reason.items():
            named = ", ".join(map(_short, tickets[:5])) + (
                f" and {len(tickets) - 5} more" if len(tickets) > 5 else "")
            out.append(f"{self.source}: ticket{'s' if len(tickets) != 1 else ''} {named} "
                       f"left out: {reason}")
        out.extend(
            f"{self.source}: {a.tickets} ticket{'s' if a.tickets != 1 else ''} read on an "
            f"assumption: {a.text}"
            for a in self.assumptions
        )
        return out


_HINTS = {
    "status": "map it in the policy's [statuses] or the mapping's [log.statuses]",
    "event": "map it in the mapping's [log.events], or to \"ignore\"",
    "field": "map it in the mapping's [log.fields], or to \"ignore\"",
}


def _unknown_reason(what: str, value: str) -> str:
    return f"unknown {what} {value!r}"


def _unknown_said(u: Unknown) -> str:
    """An unknown value, with how many rows have it and how to map it."""
    return (f"{_unknown_reason(u.what, u.value)} ({u.count} row{'s' if u.count != 1 else ''}; "
            f"{_HINTS[u.what]})")


#: How many kinds of ignored rows :meth:`Export.totals` names (the most frequent).
_SHOWN = 8


def _short(text: str, limit: int = 60) -> str:
    """An export's value (a field's name, a ticket's id) cut to ``limit`` characters for a
    line of totals."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Builder:
    """Counts every row into used, ignored or rejected, and makes the events."""

    def __init__(self, export: Export, policy: Regulation | RegulationVersions | None,
                 strict: bool, companions: Mapping[str, list[tuple[str, Any]]] | None = None,
                 ) -> None:
        self.export = export
        self._companions = companions or {}
        self.weights: list[int] = []  # the rows of each event
        self._within: tuple[str, str] | None = None
        self.assumed: dict[str, tuple[str, set[str]]] = {}
        self.mapping = export.mapping
        self.strict = strict
        self.versions = None if policy is None else as_versions(policy).versions
        self.seen: dict[tuple[str, str], int] = {}
        self.names: dict[str, str | None] = {}  # status value -> policy name, or unknown
        self.targets: dict[tuple[int, str], str | None] = {}

    # -- the three piles --------------------------------------------------------------

    @contextlib.contextmanager
    def within(self, name: str | None, unit: str = "record") -> Iterator[None]:
        """While the block runs, the lines given are those of ``name``, a file read beside
        the export (``None``: the export's own), numbered by ``unit`` (``"record"`` or
        ``"line"``): a row rejected there is placed in that file."""
        saved = self._within
        self._within = None if name is None else (name, unit)
        try:
            yield
        finally:
            self._within = saved

    def place(self, line: int) -> str | None:
        """Where ``line`` stands when it is in a file read beside the export."""
        if self._within is None:
            return None
        name, unit = self._within
        return f"{name}:{line}" if unit == "line" else f"{name}: {unit} {line}"

    def reject(self, line: int, reason: str, ticket: str | None = None, *,
               place: str | None = None) -> None:
        """Reject a row at ``line`` of the export, or at ``place`` in a file read beside
        it (``"journal.json: record 3"``; by default the file of :meth:`within`)."""
        if place is None:
            place = self.place(line)
        export = self.export
        export.rows += 1
        export.rejected.append(BadRow(line, reason, ticket, place))
        if self.strict:
            if place is not None:
                raise ExportError(place, None, reason)
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
            unknown.append(Unknown(what, value, 1, line, self.place(line)))
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
        self.weights.append(rows)

    # -- whole tickets, and what was assumed ------------------------------------------

    def leave_out(self, ticket: str, reason: str, line: int | None = None,
                  unread: int = 0) -> None:
        """Leave ``ticket`` out of the export: each of its rows, read before or after,
        ends up rejected with ``"ticket left out: " + reason`` (at :meth:`finish`), and so
        do ``unread`` more rows of it at ``line`` that the reader did not read."""
        self.export.left_out.setdefault(ticket, reason)
        if self.strict:
            raise ExportError(self.export.source, line, f"ticket {ticket!r} left out: {reason}",
                              self.export.unit)
        self.reject_all(unread, line or 0, LEFT_OUT + reason, ticket)

    def assume(self, key: str, text: str, ticket: str) -> None:
        """Say that ``ticket``'s events rest on an assumption (``key`` names it, ``text``
        says what was assumed and how to remove it)."""
        found = self.assumed.get(key)
        if found is None:
            self.assumed[key] = (text, {ticket})
        else:
            found[1].add(ticket)

    def finish(self) -> None:
        """Move the rows of the tickets left out to the rejected pile, and list the
        assumptions (each with the tickets still in the export that rest on it)."""
        export = self.export
        left = export.left_out
        if left:
            events, lines, weights = [], [], []
            for event, line, rows in zip(export.events, export.lines, self.weights,
                                         strict=True):
                reason = left.get(event.ticket)
                if reason is None:
                    events.append(event)
                    lines.append(line)
                    weights.append(rows)
                    continue
                export.used -= rows
                export.rejected.extend(
                    BadRow(line, LEFT_OUT + reason, event.ticket)
                    for _ in range(rows))
            export.events, export.lines, self.weights = events, lines, weights
        for key, (text, tickets) in self.assumed.items():
            count = len(tickets - left.keys())
            if count:
                export.assumptions.append(Assumption(key, text, count))

    # -- companion files --------------------------------------------------------------

    def companions(self, kind: str) -> list[tuple[str, Any]]:
        """The files given beside the export for ``kind`` (``--with KIND=FILE``): each as
        its name and its text (or the data a caller passed, already parsed)."""
        return list(self._companions.get(kind, ()))

    def companion_json(self, kind: str) -> list[tuple[str, Any]]:
        """:meth:`companions` of ``kind``, their texts parsed as JSON."""
        return [(name, _json(data, name) if isinstance(data, str) else data)
                for name, data in self.companions(kind)]

    def companion_records(self, kind: str, key: str, one: str | None = None
                          ) -> list[tuple[str, int, Any]]:
        """Each record of the companion files of ``kind`` (an API's ``{key: [...]}``, a
        list of such pages, or a list of records; with ``one``, also ``{one: record}``
        as an API answers for one record), with its file's name and its number in the
        file (from 1)."""
        out = []
        for name, data in self.companion_json(kind):
            if one is not None and isinstance(data, Mapping) and one in data:
                data = [data]
            for number, record in enumerate(_records(data, key, name), 1):
                if one is not None and isinstance(record, Mapping) and one in record:
                    record = record[one]
                out.append((name, number, record))
        return out

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

    def reject_all(self, count: int, line: int, reason: str, ticket: str | None, *,
                   place: str | None = None) -> None:
        for _ in range(count):
            self.reject(line, reason, ticket, place=place)

    def parse_time(self, text: object) -> datetime | str:
        """The instant of a time value, or the reason it has none."""
        if isinstance(text, int | float) and not isinstance(text, bool):
            text = str(text)
        if not isinstance(text, str):
            return "no time" if text is None else f"time {text!r} is not text"
        try:
            return self.mapping.parse_time(text)
        except ValueError as error:
            right = swapped_day_and_month(self.mapping.time_format, text)
            if right is not None:  # every date with a day up to 12 would be misread
                raise ExportError(
                    self.export.source, None,
                    f"time {text!r} reads only as {right!r}: the mapping's time_format "
                    f"{self.mapping.time_format!r} has the day and the month the other way "
                    "round, so every date of the export is suspect; set time_format = "
                    f"\"{right}\"",
                ) from None
            return str(error)

    def time(self, text: object, line: int, ticket: str | None) -> datetime | None:
        """The instant of a time value; ``None`` (the row rejected) when it has none."""
        at = self.parse_time(text)
        if isinstance(at, str):
            self.reject(line, at, ticket)
            return None
        return at


def _json(text: str, name: str) -> Any:
    """``text`` parsed as JSON, or an :class:`ExportError` naming the file and line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ExportError(
            name, error.lineno, f"not valid JSON: {error.msg} (column {error.colno})"
        ) from None
    except RecursionError:
        raise ExportError(name, None, "not valid JSON: nested too deeply") from None


def _builtin_field(ticket: str, at: datetime, name: str, value: str | None) -> Event:
    """A ``field`` event that sets one of the event's own fields (level, customer, ...)."""
    return Event(ticket, at, "field", level=value if name == "level" else None,
                 coverage=cast("Coverage | None", value) if name == "coverage" else None,
                 customer=value if name == "customer" else None,
                 category=value if name == "category" else None)


def _clean(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value.strip() if isinstance(value, str) else str(value)
    return text or None


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
