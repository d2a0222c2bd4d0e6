"""Tickets made with django-helpdesk's own models and its own update function, then dated.

The rows are made the way django-helpdesk makes them (``helpdesk.update_ticket.update_ticket``
writes the follow-up and its ``TicketChange`` rows, in the shapes its source writes: the
field's label, priorities and queue ids as text, ``new_status`` on the follow-up), then
moved to the instants a test needs with ``QuerySet.update``, which leaves the ticket's
``created`` and a follow-up's ``date`` as said (``auto_now_add`` and ``timezone.now``
would not), and the ticket's SLA state refreshed, as the app asks of whoever changes rows
with ``QuerySet.update``.

Every instant is UTC; the tests' policy (``policy.toml``) counts office hours 09:00-17:00
Monday to Friday in UTC. Monday 4 May 2026 is a Monday.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from helpdesk.models import FollowUp, Queue, Ticket
from helpdesk.update_ticket import update_ticket

from slaclock.django_helpdesk.clock import refresh


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of May 2026, UTC (4 May is a Monday)."""
    return datetime(2026, 5, day, hour, minute, tzinfo=UTC)


def queue(slug: str = "support") -> Any:
    found, _ = Queue.objects.get_or_create(
        slug=slug, defaults={"title": slug.title(), "email_address": f"{slug}@example.com"}
    )
    return found


def staff(name: str = "agent") -> Any:
    user = get_user_model()
    found = user.objects.filter(username=name).first()
    return found or user.objects.create_user(
        name, f"{name}@example.com", "secret", is_staff=True
    )


def customer(name: str = "customer") -> Any:
    user = get_user_model()
    found = user.objects.filter(username=name).first()
    return found or user.objects.create_user(name, f"{name}@example.org", "secret")


def ticket(created: datetime, *, priority: int = 3, slug: str = "support",
           assigned: Any = None, title: str = "Printer on fire") -> Any:
    """A ticket created at ``created`` (its rows then refreshed from the database)."""
    made = Ticket.objects.create(
        title=title, queue=queue(slug), priority=priority,
        submitter_email="someone@example.org", description="It burns.",
        assigned_to=assigned,
    )
    Ticket.objects.filter(pk=made.pk).update(created=created, modified=created)
    made.refresh_from_db()
    refresh(made)  # QuerySet.update sends no signal: as an app that moves rows must
    return made


def update(ticket_: Any, when: datetime, user: Any = None, **changes: Any) -> Any:
    """django-helpdesk's ``update_ticket`` (a comment, a status, a priority, a queue...),
    by ``user`` (a staff user, or None for the submitter), its follow-up dated ``when``.
    Returns the ticket, reloaded."""
    before = set(FollowUp.objects.filter(ticket=ticket_).values_list("pk", flat=True))
    update_ticket(user, ticket_, **changes)
    made = FollowUp.objects.filter(ticket=ticket_).exclude(pk__in=before)
    made.update(date=when)
    ticket_.refresh_from_db()
    refresh(ticket_)
    return ticket_


def followup(ticket_: Any, when: datetime, *, comment: str = "", public: bool = True,
             user: Any = None, new_status: int | None = None) -> Any:
    """A follow-up as django-helpdesk's forms and e-mail reader write one."""
    made = FollowUp.objects.create(ticket=ticket_, date=when, comment=comment, public=public,
                                   user=user, new_status=new_status, title="Follow-up")
    ticket_.refresh_from_db()
    return made


def state_at(ticket_: Any, now: datetime) -> Any:
    """The ticket's stored SLA state, refreshed at ``now``."""
    return refresh(ticket_, now)
