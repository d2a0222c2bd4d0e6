"""Template tags that show a ticket's SLA: ``{% load slaclock_helpdesk %}``, then
``{% slaclock_status ticket %}`` (the ticket's clocks, computed when the page is drawn)
and ``{% slaclock_watch queues %}`` (the tickets of those queues at risk or breached, from
their stored states)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from slaclock.django_helpdesk.clock import compute
from slaclock.django_helpdesk.conf import setup
from slaclock.django_helpdesk.models import SlaState
from slaclock.logs import working_hours

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
    """The ticket's SLA now: its level, and per clock its title, state, deadline,
    working time left (``5h 07m``, never days) and share of the target used."""
    computed = compute(ticket)
    status = computed.status
    if status is None or computed.ticket is None:
        return {"problem": computed.problem, "status": None}
    regulation = computed.ticket.regulation
    clocks = []
    for m in status.metrics:
        definition = regulation.metrics.get(m.metric)
        title = (definition.title if definition is not None else "") or m.metric
        clocks.append({
            "title": title if m.cycle < 2 else f"{title} ({m.cycle})",
            "state": m.state,
            "state_text": STATE_WORDS[m.state] + (" (at risk)" if m.at_risk else ""),
            "deadline": m.deadline,
            "remaining": working_hours(m.remaining) if m.met_at is None else "",
            "used": "" if m.used is None else f"{m.used:.0%}",
            "at_risk": m.at_risk,
        })
    level = regulation.level(status.level)
    return {"status": status, "level": level.title or level.key, "clocks": clocks,
            "problem": ""}


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
