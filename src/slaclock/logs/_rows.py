"""A log's rows: the columns of the format, a row checked into a :class:`Row` (or a
:class:`BadRow` that says why not), and the error of a log that cannot be read at all.

A log is one row per event, in any order. Every row keeps the line it came from, so a bad
row can be reported as ``tickets.csv:12: unknown event 'closed'``. Reading never stops at
a bad row and never drops one silently: each is kept as a :class:`BadRow` with its reason,
and the caller decides whether to stop (``--strict``) or to go on and say how many it
skipped.

The format (see :doc:`/reference/event-log`):

========== ========================================================================
column     meaning
========== ========================================================================
ticket     the ticket id (any text)
time       an ISO 8601 instant with its UTC offset (``2026-04-30T17:30:00+03:00``)
event      ``opened``, ``responded``, ``waiting``, ``customer_replied``,
           ``level_changed``, ``to_development``, ``resolved`` or ``reopened``
level      the service level, on ``opened`` and ``level_changed``
detail     free text (subject, comment); optional
coverage   the contract's coverage: ``business`` or ``24x7``; optional
customer   the customer's name or id; optional, kept
category   the request's category; ``development`` on ``opened`` marks a development
           request (no resolution target); optional
signed     the date the customer's contract was signed (``2025-03-01``): with a policy
           of several regulation versions, it picks the version; optional
========== ========================================================================

The ``level`` column is read on the rows of kinds that take a level only, so an export
that repeats the ticket's level on every row reads as it is. Every other rule a row
follows is the SLA model's vocabulary (:data:`~slaclock.sla._vocabulary.VOCABULARY`):
a row is refused when the event it says would be.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from typing import Any, Literal, NamedTuple

import attrs

from slaclock._errors import SlaclockError
from slaclock.logs._times import TimeReader
from slaclock.sla import BUILTIN_FIELDS, COVERAGES, ROLES, VOCABULARY, Kind, said_problem

__all__ = [
    "ALIASES",
    "COLUMNS",
    "KINDS",
    "REQUIRED",
    "BadRow",
    "EventLogError",
    "LogFormat",
    "Row",
    "RowChecker",
    "clean",
    "general_columns",
    "new_row",
    "signed_date",
]

#: The event kinds a log may hold: the SLA model's, both vocabularies.
KINDS = tuple(VOCABULARY)
"""The event kinds a log may hold, the same as the SLA model's."""

COLUMNS = (
    "ticket", "time", "event", "level", "detail", "coverage", "customer", "category", "signed",
    "status", "author", "field", "value",
)
"""The columns of the format, in the order slaclock writes them."""

#: Other names of columns: those of :meth:`slaclock.Event.as_dict`.
ALIASES = {"at": "time", "kind": "event"}

REQUIRED = ("ticket", "time", "event")
#: The kinds whose rows need a level (the level column is read on the kinds that take one).
NEEDS_LEVEL = frozenset(name for name, kind in VOCABULARY.items() if kind.level == "needs")
KIND_SET = {kind: kind for kind in KINDS}
#: The kinds a clean row of the common shape may have to take the CSV fast path.
FAST_KINDS = {name: name for name, kind in VOCABULARY.items() if not kind.general}
_COVERAGE_SET = {"": None, **{c: c for c in COVERAGES}}

LogFormat = Literal["csv", "jsonl"]


class EventLogError(SlaclockError, ValueError):
    """An event log could not be read at all (a missing column, an unreadable file), or,
    in strict mode, held a bad row.

    Attributes:
        source: the file's name, as given.
        line: the line of the bad row, or ``None`` when the whole file is at fault.
        reason: what was wrong, in one sentence.
    """

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {reason}")


class Row(NamedTuple):
    """One event of the log, checked and parsed."""

    line: int
    ticket: str
    at: datetime
    kind: str
    level: str | None
    detail: str | None
    coverage: str | None
    customer: str | None
    category: str | None
    signed: date | None
    status: str | None = None
    author: str | None = None
    fields: Mapping[str, str | None] | None = None


#: ``new_row(Row, values)``: a :class:`Row` of all its thirteen values, made without the
#: named tuple's own ``__new__`` (a Python function, twice the cost on a log's every row).
new_row = tuple.__new__


@attrs.frozen
class BadRow:
    """A row that was not replayed, and why.

    Attributes:
        line: the line the row starts on (1 is the header of a CSV file).
        reason: what was wrong, in one sentence.
        ticket: the row's ticket id, when it had one.
        place: where the row stands when it is not on ``line`` of the log itself: a file
            read beside a helpdesk's export (``"journal.json: record 3"``), or a JSON
            export's record (``"events.json: record 12"``).
    """

    line: int
    reason: str
    ticket: str | None = None
    place: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {"line": self.line, "ticket": self.ticket, "reason": self.reason}
        if self.place is not None:
            out["place"] = self.place
        return out


#: A row of another shard: counted, not kept.
SKIP = BadRow(0, "another shard's row")


def clean(value: object) -> str | None:
    if value is None or value == "":
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    return text or None


class _Unshared(dict[str, str]):
    """Ticket ids not shared between rows: a log read to be split keeps no id of every
    ticket it sees."""

    def setdefault(self, key: str, default: str = "") -> str:
        return default


class RowChecker:
    """Turns a row's cells (from any source: a CSV record, a JSON line) into a
    :class:`Row` or a :class:`BadRow`.

    One per log: it shares each ticket id and each UTC offset between rows, which keeps a
    large log small in memory. ``tz``: the zone of times written without an offset
    (refused otherwise). ``details=False`` leaves the free-text ``detail`` out;
    ``share_ids=False`` keeps no ticket id (a log read to be split).
    """

    def __init__(self, tz: tzinfo | None, details: bool = True, share_ids: bool = True) -> None:
        self.details = details
        self.ids: dict[str, str] = {} if share_ids else _Unshared()
        #: The log's times (one parser; a zone object shared by the rows of an offset).
        self.times = TimeReader(tz)

    def __call__(
        self,
        line: int,
        ticket: object,
        time: object,
        event: object,
        level: object = None,
        detail: object = None,
        coverage: object = None,
        customer: object = None,
        category: object = None,
        signed: object = None,
        status: object = None,
        author: object = None,
        field: object = None,
        value: object = None,
        fields: object = None,
    ) -> Row | BadRow:
        ticket_id = clean(ticket)
        if ticket_id is None:
            return BadRow(line, "no ticket id")
        ticket_id = self.ids.setdefault(ticket_id, ticket_id)
        kind = KIND_SET.get(event) if isinstance(event, str) else None
        if kind is None:
            if isinstance(event, str):
                kind = KIND_SET.get(event.strip().lower())
            if kind is None:
                return BadRow(
                    line, f"unknown event {event!r} (expected one of: {', '.join(KINDS)})",
                    ticket_id,
                )
        if not isinstance(time, str):
            return BadRow(line, "no time" if time is None else f"time {time!r} is not text",
                          ticket_id)
        at = self.times.fast(time)
        if at is None:
            if not time.strip():
                return BadRow(line, "no time", ticket_id)
            try:
                at = self.times.slow(time)
            except ValueError as error:
                return BadRow(line, str(error), ticket_id)
        general = general_columns(kind, level, status, author, field, value, fields)
        if isinstance(general, str):
            return BadRow(line, general, ticket_id)
        if general is None:  # a row of the default vocabulary: the level where it needs one
            lvl = clean(level) if kind in NEEDS_LEVEL else None
            if lvl is None and kind in NEEDS_LEVEL:
                return BadRow(line, str(said_problem(
                    VOCABULARY[kind], "row", level=None, status=None, author=None, fields=False,
                )), ticket_id)
        else:
            lvl = general[0]
            if general[4].get("customer") is not None:
                customer = general[4]["customer"]
            if general[4].get("category") is not None:
                category = general[4]["category"]
            if general[4].get("coverage") is not None:
                coverage = general[4]["coverage"]
        cov = None
        if coverage:
            cov_text = clean(coverage)
            cov = _COVERAGE_SET.get(cov_text.lower() if cov_text else "", "?")
            if cov == "?":
                return BadRow(
                    line, f"unknown coverage {coverage!r} (expected 'business' or '24x7')",
                    ticket_id,
                )
        day = None
        if signed:
            try:
                day = signed_date(signed)
            except ValueError as error:
                return BadRow(line, str(error), ticket_id)
        return Row(
            line, ticket_id, at, kind, lvl,
            clean(detail) if detail and self.details else None, cov,
            clean(customer) if customer else None, clean(category) if category else None,
            day,
            *(general[1:4] if general is not None else (None, None, None)),
        )


def signed_date(value: object) -> date | None:
    """The date a contract was signed, as a log's ``signed`` cell gives it: ISO text
    (``2025-03-01``), or a date (a datetime's own, as a DataFrame's timestamps give it);
    ``None`` for no value.

    Raises:
        ValueError: for a value that is no date, with the reason a bad row gives.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"signed {value!r} is not a date (2025-03-01)") from None


def general_columns(
    kind: str, level: object, status: object, author: object, field: object, value: object,
    fields: object,
) -> tuple[str | None, str | None, str | None, Mapping[str, str | None] | None,
           dict[str, str | None]] | str | None:
    """A row's level and general columns checked against the vocabulary
    (:func:`~slaclock.sla._vocabulary.said_problem`, the rules an event follows):
    ``(level, status, author, fields, built-in fields)``, the reason the row is bad, or
    ``None`` for a row of the default vocabulary without them (whose level, where its
    kind needs one, the caller reads) or of a kind the vocabulary does not know (which
    the caller refuses). The level column is read on the
    kinds that take a level only (an export may repeat the ticket's level on every row);
    ``fields`` (a mapping) and the ``field`` and ``value`` columns give field changes, the
    built-in fields among them (level, customer, category, coverage) apart."""
    spec: Kind | None = VOCABULARY.get(kind)
    if spec is None:
        return None
    status_text = clean(status)
    author_text = clean(author)
    name = clean(field)
    if not spec.general and status_text is None and author_text is None and name is None \
            and not fields:
        return None  # its level is the caller's to read
    level_text = clean(level) if spec.level != "refuses" else None
    extra: dict[str, str | None] = {}
    if isinstance(fields, Mapping):
        for key, text in fields.items():
            if not isinstance(key, str) or not (text is None or isinstance(text, str | int)):
                return f"fields maps names to text, not {key!r}: {text!r}"
            extra[key] = None if text is None else str(text)
    elif fields is not None:
        return f"fields is an object of name to value, not {fields!r}"
    if name is not None:
        extra[name] = clean(value)
    if author_text is not None and author_text.lower() in ROLES:
        author_text = author_text.lower()
    named = bool(extra)
    builtin = {k: extra.pop(k) for k in list(extra) if k in BUILTIN_FIELDS}
    lvl = builtin.pop("level", None)
    if lvl is None:
        lvl = level_text
    problem = said_problem(spec, "row", level=lvl, status=status_text, author=author_text,
                           fields=named)
    if problem is not None:
        return problem
    if spec.fields != "refuses" and not spec.opens and not named and lvl is None:
        return (f"a {kind!r} row needs the field it changes (the field and value columns, "
                "or fields)")
    return lvl, status_text, author_text, extra or None, builtin
