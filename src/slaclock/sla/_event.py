"""Events: what happened to a ticket, at an instant (:class:`Event`), and what the walk
reads of one (:class:`Happening`: an event, or a row of an event log checked against the
same vocabulary).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Protocol

import attrs

from slaclock._errors import EventError
from slaclock.sla._model import FrozenDict
from slaclock.sla._vocabulary import (
    BUILTIN_FIELDS,
    COVERAGES,
    GENERAL_KINDS,
    KINDS,
    VOCABULARY,
    Coverage,
    EventKind,
    Role,
    said_problem,
)

__all__ = ["Event", "Happening", "no_opening", "same_event"]

_EMPTY: Mapping[str, str | None] = FrozenDict()


def no_opening(ticket: str, kinds: Iterable[str]) -> str:
    """Why a ticket's events are refused when none of them opens it, naming the opening
    in the words its events use: ``'opened'`` for the default policy's kinds (a log's),
    ``'created'`` for the general ones (an export's, a plugin's), both when they mix.

    >>> no_opening("T-3", ["responded", "resolved"])
    "ticket 'T-3' has no 'opened' event"
    >>> no_opening("Z-2", ["status", "reply"])
    "ticket 'Z-2' has no 'created' event (the event that opens a ticket)"
    """
    said = {VOCABULARY[kind].general for kind in kinds if kind in VOCABULARY}
    if said == {True}:
        return f"ticket {ticket!r} has no 'created' event (the event that opens a ticket)"
    if said == {True, False}:
        return f"ticket {ticket!r} has no opening event ('opened' or 'created')"
    return f"ticket {ticket!r} has no 'opened' event"


def _text(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise EventError(f"event fields level, detail, coverage, customer, category, status "
                         f"and author are strings or None, not {value!r}")
    return value


def _fields(value: Mapping[str, object] | None) -> Mapping[str, str | None]:
    if value is _EMPTY or not value:
        return _EMPTY
    if not isinstance(value, Mapping):
        raise EventError(f"event fields is a mapping of field name to text, not {value!r}")
    for name, text in value.items():
        bad_text = text is not None and not isinstance(text, str)
        if not isinstance(name, str) or not name or bad_text:
            raise EventError(
                f"event fields maps names to strings (or None), not {name!r}: {text!r}"
            )
        if name in BUILTIN_FIELDS:
            raise EventError(f"give {name} as the event's own {name}=, not in fields")
    return FrozenDict(value)


@attrs.frozen
class Event:
    """One thing that happened to a ticket, at an instant.

    Two vocabularies are understood. The default policy's (``Event.KINDS``), where each
    kind is one thing a support desk does, and a general one (``Event.GENERAL_KINDS``),
    the shape of any helpdesk's history: ``created``, ``status`` (a status change, named
    in the helpdesk's own words and mapped to a category by the policy), ``reply`` (a
    public reply by the desk or the customer), ``note`` (an internal note) and ``field``
    (a change of ticket fields). Both may be mixed in one ticket.

    Two events of a ticket at one instant that say the same things but for their
    free-text ``detail`` are the same event: a ticket records it once, and a log's reader
    keeps the first such row (the others are reported as duplicates). ``==`` still
    compares every field, ``detail`` included.

    Args:
        ticket: the ticket's id.
        at: when it happened; an aware datetime.
        kind: one of ``Event.KINDS``: ``"opened"``, ``"responded"``, ``"waiting"`` (the
            desk asks and waits for the customer), ``"customer_replied"``,
            ``"level_changed"``, ``"to_development"``, ``"resolved"``, ``"reopened"``;
            or of ``Event.GENERAL_KINDS``: ``"created"``, ``"status"``, ``"reply"``,
            ``"note"``, ``"field"``.
        level: the service level: required for ``opened`` and ``level_changed``; on
            ``created`` and ``field`` it sets the level by hand (otherwise the policy's
            selection rules choose); refused for the others.
        detail: free text, kept but not interpreted (nor compared: see above).
        coverage: for a level counted as the contract says (``commercial.emergency``):
            ``"business"`` or ``"24x7"``; overrides the ticket's default.
        customer: the customer's name or id; on an opening or ``field`` event it is the
            ticket's customer field (and on the opening, its contract, when the policy has
            one by that name).
        category: the request's category; ``"development"`` on the opening marks a
            development request, which the default policy gives no resolution target.
        status: the new status, for ``status`` (and optionally ``created``).
        author: ``"desk"`` or ``"customer"``: who wrote a ``reply`` or ``note``, or
            opened a ``created`` ticket (default: the customer).
        fields: other ticket fields set by ``created`` or ``field`` (priority, group,
            channel, custom fields): name to value (``None`` clears it).

    Raises:
        EventError: for an unknown kind, a missing or misplaced level, status, author or
            fields (the rules of slaclock's one vocabulary of event kinds, which the event
            log's reader follows too), a naive datetime, or an unknown coverage.

    >>> from zoneinfo import ZoneInfo
    >>> msk = ZoneInfo("Europe/Moscow")
    >>> try:
    ...     Event("T-1", datetime(2026, 5, 4, 9, 0, tzinfo=msk), "closed")
    ... except EventError as error:
    ...     print(error)
    unknown event kind 'closed'; one of opened, responded, waiting, customer_replied,
    level_changed, to_development, resolved, reopened, created, status, reply, note, field
    >>> Event("T-1", datetime(2026, 5, 4, 9, 0, tzinfo=msk), "status", status="Closed").status
    'Closed'
    """

    KINDS: ClassVar[tuple[str, ...]] = KINDS
    GENERAL_KINDS: ClassVar[tuple[str, ...]] = GENERAL_KINDS

    ticket: str
    at: datetime
    kind: EventKind
    level: str | None = None
    detail: str | None = None
    coverage: Coverage | None = None
    customer: str | None = None
    category: str | None = None
    status: str | None = attrs.field(default=None, kw_only=True)
    author: Role | None = attrs.field(default=None, kw_only=True)
    fields: Mapping[str, str | None] = attrs.field(
        default=_EMPTY, converter=_fields, kw_only=True, hash=False
    )

    def __attrs_post_init__(self) -> None:
        texts: tuple[object, ...] = (
            self.level, self.detail, self.coverage, self.customer, self.category, self.status,
            self.author,
        )
        for text in texts:
            if text is not None and not isinstance(text, str):
                _text(text)
        if not isinstance(self.ticket, str) or not self.ticket:
            raise EventError(f"event ticket must be a non-empty string, not {self.ticket!r}")
        kind = VOCABULARY.get(self.kind)
        if kind is None:
            raise EventError(
                f"unknown event kind {self.kind!r}; one of "
                f"{', '.join((*KINDS, *GENERAL_KINDS))}",
                self,
            )
        if not isinstance(self.at, datetime):
            raise EventError(f"event time must be a datetime, not {self.at!r}", self)
        if self.at.utcoffset() is None:
            raise EventError(
                f"{self.kind} event of {self.ticket} has a naive time ({self.at!r}); give "
                "an aware datetime (with an offset)",
                self,
            )
        problem = said_problem(kind, "event", level=self.level, status=self.status,
                               author=self.author, fields=bool(self.fields))
        if problem is not None:
            raise EventError(f"{problem} ({self.ticket})", self)
        if self.coverage is not None and self.coverage not in COVERAGES:
            raise EventError(
                f"coverage must be one of {', '.join(COVERAGES)}, not {self.coverage!r}", self
            )

    def as_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict (``at`` in ISO 8601 with its offset; fields that
        are ``None`` or empty left out).

        >>> from zoneinfo import ZoneInfo
        >>> Event("T-1", datetime(2026, 5, 4, 9, tzinfo=ZoneInfo("Europe/Moscow")), "opened",
        ...       level="partner.standard").as_dict()
        {'ticket': 'T-1', 'at': '2026-05-04T09:00:00+03:00', 'kind': 'opened', 'level': 'partner.standard'}
        """  # noqa: E501
        out: dict[str, Any] = {"ticket": self.ticket, "at": self.at.isoformat(), "kind": self.kind}
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.fields:
            out["fields"] = dict(self.fields)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """An event from :meth:`as_dict`'s form; ``at`` is an ISO 8601 string that must
        carry an offset (slaclock never guesses a zone).

        Raises:
            EventError: for a missing field, an unknown field, or a time without offset.
        """
        extra = set(data) - _DICT_KEYS
        if extra:
            raise EventError(f"unknown event fields: {', '.join(sorted(extra))}")
        for required in ("ticket", "at", "kind"):
            if required not in data:
                raise EventError(f"event is missing {required!r}: {dict(data)!r}")
        at = data["at"]
        if isinstance(at, str):
            try:
                at = datetime.fromisoformat(at)
            except ValueError:
                raise EventError(f"event time {at!r} is not ISO 8601") from None
        fields = {k: v for k, v in data.items() if k != "at"}
        return cls(at=at, **fields)


_OPTIONAL = ("level", "detail", "coverage", "customer", "category", "status", "author")
_DICT_KEYS = frozenset({"ticket", "at", "kind", "fields", *_OPTIONAL})


class Happening(Protocol):
    """What the walk reads of an event: an :class:`Event`, or a row of an event log that
    the log's reader has already checked against the same vocabulary."""

    @property
    def ticket(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def level(self) -> str | None: ...
    @property
    def detail(self) -> str | None: ...
    @property
    def coverage(self) -> str | None: ...
    @property
    def customer(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def author(self) -> str | None: ...
    @property
    def fields(self) -> Mapping[str, str | None] | None: ...


def same_event(event: Happening) -> tuple[Any, ...]:
    """What makes two events of a ticket at one instant the same event: all they say but
    the free-text ``detail`` (kind, level, coverage, customer, category, status, author
    and fields). A :class:`~slaclock.Ticket` records the same event once, and an event
    log's reader keeps the first of a ticket's rows that say the same (the others are
    duplicates).

    >>> from datetime import UTC
    >>> at = datetime(2026, 5, 4, 9, tzinfo=UTC)
    >>> same_event(Event("T", at, "responded", detail="on the phone")) == same_event(
    ...     Event("T", at, "responded", detail="by e-mail"))
    True
    """
    fields = event.fields
    return (event.kind, event.level, event.coverage, event.customer, event.category,
            event.status, event.author, tuple(sorted(fields.items())) if fields else None)
