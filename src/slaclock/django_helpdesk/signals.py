"""The signals that keep each ticket's :class:`~slaclock.django_helpdesk.models.SlaState`
up to date: a save of a ticket, a follow-up or a ticket change refreshes the ticket's
state (:func:`~slaclock.django_helpdesk.clock.refresh`). A deleted follow-up, or a change
made with ``QuerySet.update``, sends no signal: call
:func:`~slaclock.django_helpdesk.clock.refresh` after one."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from helpdesk.models import FollowUp, Ticket, TicketChange

__all__ = ["connect"]


def _ticket_saved(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    if not raw:
        _refresh(instance)


def _followup_saved(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    if not raw:
        _refresh(instance.ticket)


def _change_saved(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    if not raw:
        _refresh(instance.followup.ticket)


def _refresh(ticket: Any) -> None:
    from slaclock.django_helpdesk.clock import refresh

    if ticket.pk is not None and Ticket.objects.filter(pk=ticket.pk).exists():
        refresh(ticket)


def connect() -> None:
    """Connect the app's receivers (the app's ``ready`` does, once)."""
    uid = "slaclock_helpdesk"
    post_save.connect(_ticket_saved, sender=Ticket, dispatch_uid=f"{uid}.ticket")
    post_save.connect(_followup_saved, sender=FollowUp, dispatch_uid=f"{uid}.followup")
    post_save.connect(_change_saved, sender=TicketChange, dispatch_uid=f"{uid}.change")
