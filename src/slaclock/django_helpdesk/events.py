"""django-helpdesk's rows as slaclock events.

A ticket's SLA is rebuilt from the helpdesk's own rows every time it is asked, never
kept as a second history: the rows are the truth (a follow-up edited or deleted, a
ticket changed in the admin, a status set by the e-mail reader all count as the helpdesk
says), and a ticket's rows are few. The rules, in the order of a ticket's life:

- the ticket (``Ticket.created``) is a ``created`` event with its first status, its
  first priority and queue as the fields ``priority`` (``"1"`` to ``"5"``) and ``queue``
  (the queue's slug), and the level ``SLACLOCK_LEVELS`` gives its priority, if any. The
  first values are the old values of the earliest changes of each, else the ticket's;
- its first follow-up, when written within ``SLACLOCK_OPENING_WINDOW`` of the creation,
  is the opening message (django-helpdesk's forms write "Ticket Opened" with the ticket,
  its e-mail reader the first e-mail), not a reply;
- a follow-up with a comment is a message: ``public`` a ``reply``, else a ``note``; by the
  desk when its user is helpdesk staff, else by the customer (the submitter, by e-mail,
  the public page or a non-staff account). A follow-up without a comment records an
  action (a status change, a hold, an assignment), not a message;
- a follow-up's ``new_status`` is a ``status`` event, the status named by
  ``SLACLOCK_STATUSES``; while the ticket is on hold (``TicketChange`` of "On Hold") and
  its status is of the ``open`` category, its status is ``SLACLOCK_ON_HOLD_STATUS``;
- a ``TicketChange`` of "Priority" or "Queue" is a ``field`` event at its follow-up's
  date (with the level ``SLACLOCK_LEVELS`` gives the new priority, if any);
- when the ticket's status, hold, priority or queue now differ from what its rows say
  (changed without a follow-up), the difference is an event at ``Ticket.modified``.

A follow-up dated before the ticket's creation counts at the creation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from django.utils import translation
from helpdesk.decorators import is_helpdesk_staff
from helpdesk.models import FollowUp, Queue, Ticket

from slaclock import ConfigError, Event
from slaclock.django_helpdesk.conf import Setup, setup

__all__ = ["helpdesk_events", "ticket_id"]


def ticket_id(ticket: Any) -> str:
    """The id of a django-helpdesk ticket in slaclock's events (its primary key)."""
    return str(ticket.pk)


def _labels(field: str) -> frozenset[str]:
    """The names a ``TicketChange.field`` may give a ticket field: django-helpdesk writes
    the field's label translated to the language of the request that made the change;
    the label in English and in the active language are known."""
    label = Ticket._meta.get_field(field).verbose_name
    with translation.override("en"):
        english = str(label)
    return frozenset({english.casefold(), str(label).casefold(), field.replace("_", " ")})


class _Walk:
    """A ticket's facts as its rows go by, and the events they make."""

    def __init__(self, ticket: Any, conf: Setup) -> None:
        self.ticket = ticket
        self.conf = conf
        self.id = ticket_id(ticket)
        self.events: list[Event] = []
        self.status = 0
        self.on_hold = False
        self.priority = 0
        self.queue = ""
        self.said = ""  # the status the events last gave

    def status_name(self) -> str:
        conf = self.conf
        try:
            name = conf.statuses[self.status]
        except KeyError:
            raise _unmapped(self.status, conf) from None
        if self.on_hold and conf.on_hold is not None:
            category = conf.versions.latest.category(name)
            if category == "open":
                return conf.on_hold
        return name

    def fields(self) -> dict[str, str | None]:
        return {"priority": str(self.priority), "queue": self.queue}

    def level(self) -> str | None:
        return self.conf.levels.get(self.priority)

    def open(self, at: datetime, author: Author) -> None:
        self.said = self.status_name()
        self.events.append(Event(self.id, at, "created", status=self.said, author=author,
                                 fields=self.fields(), level=self.level()))

    def say_status(self, at: datetime) -> None:
        name = self.status_name()
        if name != self.said:
            self.said = name
            self.events.append(Event(self.id, at, "status", status=name))

    def say_fields(self, at: datetime) -> None:
        self.events.append(Event(self.id, at, "field", fields=self.fields(), level=self.level()))


def _unmapped(status: int, conf: Setup) -> ConfigError:
    return ConfigError(
        "SLACLOCK_STATUSES", dict(conf.statuses),
        f"django-helpdesk status {status} has no name in the policy: add it",
    )


Author = Literal["desk", "customer"]


def _author(followup: Any) -> Author:
    user = followup.user
    return "desk" if user is not None and is_helpdesk_staff(user) else "customer"


def _first(values: Iterable[tuple[str, str]], field: frozenset[str]) -> str | None:
    """The old value of the earliest change of ``field`` among ``(field, old)`` pairs."""
    return next((old for name, old in values if name.strip().casefold() in field), None)


def helpdesk_events(ticket: Any, *, conf: Setup | None = None) -> list[Event]:
    """The slaclock events of a django-helpdesk ticket, by the rules of this module.

    Args:
        ticket: a ``helpdesk.models.Ticket``.
        conf: the settings (default: the app's, :func:`~slaclock.django_helpdesk.conf.setup`).

    Raises:
        ConfigError: for a status ``SLACLOCK_STATUSES`` does not name.
    """
    conf = conf or setup()
    followups: list[Any] = list(
        FollowUp.objects.filter(ticket=ticket).order_by("date", "id").select_related("user")
        .prefetch_related("ticketchange_set")
    )
    changes = [(f, c) for f in followups for c in sorted(f.ticketchange_set.all(),
                                                           key=lambda c: c.pk)]
    pairs = [(c.field or "", c.old_value or "") for _, c in changes]
    priority_label, queue_label = _labels("priority"), _labels("queue")
    hold_label, status_label = _labels("on_hold"), _labels("status")

    walk = _Walk(ticket, conf)
    first_priority = _first(pairs, priority_label)
    walk.priority = int(first_priority) if first_priority else ticket.priority
    first_queue = _first(pairs, queue_label)
    queues = {q.pk: q.slug for q in Queue.objects.all()}
    walk.queue = queues.get(int(first_queue), first_queue) if first_queue else ticket.queue.slug
    first_hold = _first(pairs, hold_label)
    walk.on_hold = first_hold == "True" if first_hold is not None else ticket.on_hold
    walk.status = _first_status(ticket, followups, pairs, status_label)

    created = ticket.created
    opening = followups[0] if followups and (
        followups[0].date - created <= conf.opening_window
    ) else None
    walk.open(created, _author(opening) if opening is not None else "customer")
    for followup in followups:
        at = max(followup.date, created)
        moved = False
        for _, change in (pair for pair in changes if pair[0] is followup):
            name = (change.field or "").strip().casefold()
            if name in priority_label and change.new_value:
                walk.priority = int(change.new_value)
                moved = True
            elif name in queue_label and change.new_value:
                walk.queue = queues.get(int(change.new_value), change.new_value)
                moved = True
            elif name in hold_label:
                walk.on_hold = change.new_value == "True"
        if moved:
            walk.say_fields(at)
        if followup.new_status is not None:
            walk.status = followup.new_status
        walk.say_status(at)
        if followup is not opening and (followup.comment or "").strip():
            author = _author(followup)
            walk.events.append(Event(walk.id, at, "reply", author=author) if followup.public
                               else Event(walk.id, at, "note", author=author))
    _reconcile(walk, ticket, queues, created)
    return walk.events


def _first_status(ticket: Any, followups: list[Any], pairs: list[tuple[str, str]],
                  status_label: frozenset[str]) -> int:
    """The status the ticket was created with: the old value of its earliest status
    change (django-helpdesk writes the status's label), else the ticket's status when no
    follow-up changed it, else django-helpdesk's open status."""
    old = _first(pairs, status_label)
    if old is not None:
        for number, label in Ticket.STATUS_CHOICES:
            if old.casefold() in {str(label).casefold(), _english(label).casefold()}:
                return int(number)
    if all(f.new_status is None for f in followups):
        return int(ticket.status)
    return int(Ticket.OPEN_STATUS)


def _english(label: Any) -> str:
    with translation.override("en"):
        return str(label)


def _reconcile(walk: _Walk, ticket: Any, queues: dict[int, str], created: datetime) -> None:
    """Events at ``Ticket.modified`` for what changed without a follow-up."""
    at = max([created, *(e.at for e in walk.events), ticket.modified or created])
    queue = queues.get(ticket.queue_id, walk.queue)
    if (ticket.priority, queue) != (walk.priority, walk.queue):
        walk.priority, walk.queue = ticket.priority, queue
        walk.say_fields(at)
    walk.status, walk.on_hold = ticket.status, ticket.on_hold
    walk.say_status(at)
