"""Template tags that show a ticket's SLA: ``{% load slaclock_helpdesk %}``, then
``{% slaclock_status ticket %}`` (the ticket's clocks, computed when the page is drawn)
and ``{% slaclock_watch queues %}`` (the tickets of those queues at risk or breached, from
their stored states)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.db.models import Q

from slaclock.django_helpdesk.clock import compute
from slaclock.django_helpdesk.conf import setup
from slaclock.django_helpdesk.models import SlaState

register = template.Library()

#: How many tickets the watch list shows at most.
WATCH_ROWS = 100

#: The words a clock's state is shown with.
STATE_WORDS = {
    "running": "running",
    "paused": "paused",
    "met": "met",
    "breached": "breached",
    "not_applicable": "not applicable",
}


@register.inclusion_tag("slaclock_helpdesk/status.html")
def slaclock_status(ticket: Any) -> dict[str, Any]:
    """The ticket's SLA now, from :meth:`slaclock.TicketStatus.view`: its level, and per
    clock (the ongoing cycle, else the last one completed) its title, state, breach time,
    working time left (``5h 07m``, never days) and share of the goal used."""
    computed = compute(ticket)
    status = computed.status
    if status is None:
        return {"problem": computed.problem, "view": None}
    view = status.view()
    clocks = []
    for metric in view["metrics"]:
        cycle = metric["ongoing_cycle"] or (metric["completed_cycles"] or [None])[-1]
        if cycle is None:
            continue
        title = metric["title"] if cycle["cycle"] < 2 else f"{metric['title']} ({cycle['cycle']})"
        breach = cycle["breach_time"]
        clocks.append({
            "title": title,
            "state": cycle["state"],
            "state_text": STATE_WORDS[cycle["state"]] + (" (at risk)" if cycle["at_risk"] else ""),
            "breach_time": None if breach is None else datetime.fromisoformat(breach),
            "remaining": "" if cycle["met_at"] or cycle["remaining"] is None
            else cycle["remaining"]["text"],
            "percentage": cycle["percentage"],
            "at_risk": cycle["at_risk"],
        })
    return {"view": view, "level": view["level_title"], "clocks": clocks, "problem": ""}


@register.inclusion_tag("slaclock_helpdesk/watch.html")
def slaclock_watch(queues: Any = None) -> dict[str, Any]:
    """The open tickets of ``queues`` (all when ``None``) whose stored SLA state is at
    risk or breached, earliest deadline first (the first ``WATCH_ROWS``)."""
    states = SlaState.objects.filter(Q(at_risk=True) | Q(breached=True)).exclude(
        state__in=("resolved", "closed")
    ).select_related("ticket", "ticket__queue")
    if queues is not None:
        states = states.filter(ticket__queue__in=list(queues))
    setup()  # a misconfiguration shows here, not as an empty list
    return {"states": list(states.order_by("next_deadline", "ticket_id")[:WATCH_ROWS])}
