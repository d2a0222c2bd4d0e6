"""Each ticket's SLA state, kept in the database beside django-helpdesk's ticket."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from helpdesk.models import Ticket

__all__ = ["SlaState"]


class SlaState(models.Model):
    """A django-helpdesk ticket's SLA state, as of its last refresh
    (:func:`slaclock.django_helpdesk.clock.refresh`).

    The ticket's events are not stored: they are rebuilt from the helpdesk's rows at every
    refresh (:mod:`slaclock.django_helpdesk.events` says why). What is stored is what the
    lists and the timer need without rebuilding: the status, its flags, the one instant at
    which the ticket next needs a look (its timer), and the warnings already sent.

    Attributes:
        ticket: the helpdesk's ticket (also the primary key).
        at: the instant of the status.
        status_json: :meth:`slaclock.TicketStatus.to_json` at ``at`` (empty when the ticket
            has none: see ``problem``).
        view_json: :meth:`slaclock.TicketStatus.view_json` at ``at``: what a web view
            shows, per metric and cycle, durations in milliseconds and as text, by the
            JSON Schema slaclock ships (empty when the ticket has none).
        level: the level in force.
        state: the ticket's state (``open``, ``on_hold``, ``resolved``, ...).
        at_risk: some running clock had used its at-risk share.
        breached: some clock had breached its target.
        next_deadline: the earliest deadline of a clock still counting, or ``None``.
        next_change_at: when the ticket next needs a look without a new event: a warning
            due (at once, when one is already due), or ``None`` when no clock is counting.
        next_change: what happens then: ``metric:cycle:at_risk:share`` or
            ``metric:cycle:breach``.
        warnings_sent: the keys of the warnings already sent (each once).
        problem: why the ticket has no SLA status (its rows do not fit the policy).
    """

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="slaclock_state"
    )
    at = models.DateTimeField(null=True, blank=True)
    status_json = models.TextField(blank=True, default="")
    view_json = models.TextField(blank=True, default="")
    level = models.CharField(max_length=200, blank=True, default="")
    state = models.CharField(max_length=20, blank=True, default="")
    at_risk = models.BooleanField(default=False)
    breached = models.BooleanField(default=False)
    next_deadline = models.DateTimeField(null=True, blank=True)
    next_change_at = models.DateTimeField(null=True, blank=True, db_index=True)
    next_change = models.CharField(max_length=300, blank=True, default="")
    warnings_sent = models.JSONField(default=list, blank=True)
    problem = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = "SLA state"
        verbose_name_plural = "SLA states"

    def __str__(self) -> str:
        return f"SLA of ticket {self.ticket_id}: {self.state or self.problem}"

    def status(self) -> dict[str, Any] | None:
        """The stored status as :meth:`slaclock.TicketStatus.as_dict` wrote it, or ``None``."""
        return json.loads(self.status_json) if self.status_json else None

    def view(self) -> dict[str, Any] | None:
        """The stored view as :meth:`slaclock.TicketStatus.view` made it, or ``None``."""
        return json.loads(self.view_json) if self.view_json else None
