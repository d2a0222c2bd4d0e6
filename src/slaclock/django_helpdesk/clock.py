"""A django-helpdesk ticket's SLA: its status at an instant, its stored state, its
warnings and timer, and a queue's compliance.

Every function takes ``now`` (default: :func:`django.utils.timezone.now`), so a caller (a
test, a replay) says the instant rather than patching the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from helpdesk.models import Queue
from helpdesk.models import Ticket as HelpdeskTicket

import slaclock
from slaclock import Event, SlaclockError, Ticket, TicketStatus
from slaclock.django_helpdesk.conf import Setup, setup
from slaclock.django_helpdesk.events import helpdesk_events, ticket_id
from slaclock.django_helpdesk.models import SlaState
from slaclock.logs import working_hours
from slaclock.policy import governing

__all__ = [
    "Computed",
    "SlaWarning",
    "compute",
    "due_states",
    "queue_report",
    "refresh",
    "tick",
    "warnings_of",
]

log = logging.getLogger(__name__)

_ONE_US = timedelta(microseconds=1)


@attrs.frozen
class Computed:
    """A django-helpdesk ticket's SLA at an instant.

    Attributes:
        ticket: slaclock's ticket, its events rebuilt from the helpdesk's rows, under the
            terms that govern it (:func:`slaclock.policy.governing`).
        status: its status at the instant, or ``None`` (see ``problem``).
        problem: why there is no status: the rows do not fit the policy (the
            :class:`~slaclock.SlaclockError`'s message), or ``""``.
    """

    ticket: Ticket | None
    status: TicketStatus | None
    problem: str = ""


def _sla_ticket(ticket: Any, conf: Setup) -> Ticket:
    terms = governing(conf.versions, ticket.created)
    sla = Ticket(ticket_id(ticket), terms.regulation, terms.coverage, contract=terms.contract)
    for event in helpdesk_events(ticket, conf=conf):
        sla.record(event)
    return sla


def compute(ticket: Any, now: datetime | None = None) -> Computed:
    """The SLA of a django-helpdesk ticket at ``now``, from its rows; nothing is stored.

    A ticket whose rows do not fit the policy (an unknown status, a level its contract
    refuses) gets no status and says why in ``problem``: the helpdesk goes on working.
    """
    now = now or timezone.now()
    conf = setup()
    try:
        sla = _sla_ticket(ticket, conf)
    except SlaclockError as error:  # an event the policy refuses, a status not mapped
        return Computed(None, None, str(error))
    if now < ticket.created:
        return Computed(sla, None, "")
    try:
        return Computed(sla, sla.status(now))
    except SlaclockError as error:
        return Computed(sla, None, str(error))


@attrs.frozen
class SlaWarning:
    """A warning about one clock of a ticket: at risk at a share of its target, or
    breached.

    Attributes:
        at: when it falls due (the instant the share is used, or the breach); for a
            share already used when it was found, the instant asked.
        metric: the clock's metric.
        cycle: the clock's cycle.
        what: ``"at_risk"`` or ``"breach"``.
        share: the share of the target, for ``"at_risk"``.
        deadline: the clock's deadline.
    """

    at: datetime
    metric: str
    cycle: int
    what: str
    share: float | None
    deadline: datetime | None

    @property
    def key(self) -> str:
        """``metric:cycle:at_risk:share`` or ``metric:cycle:breach``: sent once each."""
        tail = f"at_risk:{self.share:g}" if self.what == "at_risk" else "breach"
        return f"{self.metric}:{self.cycle}:{tail}"


def warnings_of(sla: Ticket, status: TicketStatus, shares: Sequence[float]) -> list[SlaWarning]:
    """Every warning of ``status``'s clocks still counting (running, or breached and not
    yet met), due (``at <= status.at``) or to come, by instant.

    A running clock warns at each share of its target (the instant it will have used it
    on its calendar, counting from ``status.at``) and breaches one microsecond past its
    deadline, the first instant its status says so (for the policy's ``working_time``
    breach rule, a deadline already passed: one microsecond past the desk's next
    opening); a breached clock warns of its breach only. A paused clock waits for an
    event: nothing of it falls due.
    """
    now = status.at
    found: list[SlaWarning] = []
    for m in status.metrics:
        if m.target is None or m.elapsed is None:
            continue
        if m.state == "breached" and m.met_at is None:
            at = m.breached_at or now
            found.append(SlaWarning(min(at, now), m.metric, m.cycle, "breach", None, m.deadline))
            continue
        if m.state != "running":
            continue
        calendar = _calendar(sla, m.clock)
        for share in shares:
            need = m.target * share - m.elapsed
            at = now if need <= timedelta(0) else calendar.add(now, need)
            found.append(SlaWarning(at, m.metric, m.cycle, "at_risk", share, m.deadline))
        deadline = m.deadline
        if deadline is not None and deadline >= now:
            at = deadline + _ONE_US
        else:  # the working_time rule: breached once it counts working time past it
            at = calendar.next_open(now) + _ONE_US
        found.append(SlaWarning(at, m.metric, m.cycle, "breach", None, m.deadline))
    return sorted(found, key=lambda w: (w.at, w.key))


def _calendar(sla: Ticket, name: str | None) -> Any:
    contract = sla.contract
    name = name or ""
    if contract is not None and name in contract.calendars:
        return contract.calendars[name]
    return sla.regulation.calendars[name]


def refresh(ticket: Any, now: datetime | None = None) -> SlaState:
    """Compute a ticket's SLA at ``now`` and store it in its :class:`SlaState`, with its
    timer: the instant of its first warning not yet sent (``now`` when one is due).

    Signals call it on every save of the ticket, its follow-ups and their changes; call it
    yourself after changing the rows with ``QuerySet.update`` (which sends none).
    """
    now = now or timezone.now()
    state: SlaState = SlaState.objects.get_or_create(ticket=ticket)[0]
    _store(state, compute(ticket, now), now, setup())
    return state


def _store(state: SlaState, computed: Computed, now: datetime, conf: Setup) -> list[SlaWarning]:
    """Write ``computed`` into ``state`` (saved) and return the warnings due, unsent."""
    status, sent = computed.status, set(state.warnings_sent)
    state.at = now
    state.problem = computed.problem
    due: list[SlaWarning] = []
    if status is None or computed.ticket is None:
        state.status_json = ""
        state.level = state.state = state.next_change = ""
        state.at_risk = state.breached = False
        state.next_deadline = state.next_change_at = None
    else:
        state.status_json = status.to_json()
        state.level, state.state = status.level, status.state
        state.at_risk, state.breached = status.at_risk, status.breached
        state.next_deadline = status.next_deadline
        coming = [w for w in warnings_of(computed.ticket, status, conf.warn) if w.key not in sent]
        due = [w for w in coming if w.at <= now]
        first = coming[0] if coming else None
        state.next_change_at = None if first is None else first.at
        state.next_change = "" if first is None else first.key
    state.save()
    return due


def due_states(now: datetime | None = None) -> Any:
    """The stored states whose timer has come by ``now`` (a QuerySet)."""
    return SlaState.objects.filter(next_change_at__lte=now or timezone.now()).select_related(
        "ticket", "ticket__queue", "ticket__assigned_to"
    )


def tick(now: datetime | None = None) -> list[tuple[int, SlaWarning]]:
    """Refresh every ticket whose timer has come by ``now``, send each warning due once
    (by Django's mail, to the ticket's assignee and ``SLACLOCK_WARNING_RECIPIENTS``),
    and set each ticket's next timer. Returns the warnings sent, with their ticket's id.

    Run it every minute from cron or a periodic task (the ``slaclock_sla_tick``
    command). A warning with nobody to send it to is recorded as sent.
    """
    now = now or timezone.now()
    conf = setup()
    sent: list[tuple[int, SlaWarning]] = []
    for state in due_states(now):
        with transaction.atomic():
            locked = SlaState.objects.select_for_update().get(pk=state.pk)
            ticket = state.ticket
            computed = compute(ticket, now)
            due = _store(locked, computed, now, conf)
            if not due:
                continue
            for warning in due:
                _send(ticket, warning, conf, locked)
                sent.append((ticket.pk, warning))
            locked.warnings_sent = [*locked.warnings_sent, *(w.key for w in due)]
            _store(locked, computed, now, conf)
    return sent


def _send(ticket: Any, warning: SlaWarning, conf: Setup, state: SlaState) -> None:
    to = list(dict.fromkeys(
        [a for a in [getattr(ticket.assigned_to, "email", "")] if a] + list(conf.recipients)
    ))
    subject, body = warning_text(ticket, warning, state)
    if not to:
        log.info("SLA warning for ticket %s with nobody to send it to: %s", ticket.pk, subject)
        return
    send_mail(subject, body, None, to)


def warning_text(ticket: Any, warning: SlaWarning, state: SlaState) -> tuple[str, str]:
    """The subject and body of a warning's e-mail."""
    name = f"[{ticket.queue.slug}-{ticket.pk}] {ticket.title}"
    deadline = "" if warning.deadline is None else warning.deadline.isoformat()
    if warning.what == "breach":
        said = f"{warning.metric} breached (deadline {deadline})"
    else:
        said = f"{warning.metric} at {warning.share:.0%} of its target (deadline {deadline})"
    status = state.status() or {}
    lines = [f"Ticket {name}: {said}.", "", f"Level: {status.get('level', '')}"]
    for m in status.get("metrics", []):
        remaining = None if m["remaining"] is None else timedelta(seconds=m["remaining"])
        lines.append(f"- {m['metric']}: {m['state']}, {working_hours(remaining)} left, "
                     f"deadline {m['deadline']}")
    return f"SLA: {name}: {said}", "\n".join(lines) + "\n"


def queue_events(tickets: Iterable[Any]) -> list[Event]:
    """The events of many django-helpdesk tickets, for :func:`slaclock.report`."""
    conf = setup()
    return [event for ticket in tickets for event in helpdesk_events(ticket, conf=conf)]


def queue_report(queue: Any, now: datetime | None = None) -> slaclock.Report:
    """slaclock's report over the tickets of a django-helpdesk queue (a ``Queue`` or its
    slug) at ``now``: each ticket's status and the compliance of the queue
    (``report.summary``); tickets whose rows do not fit the policy are in
    ``report.rejected``."""
    if isinstance(queue, str):
        queue = Queue.objects.get(slug=queue)
    tickets = HelpdeskTicket.objects.filter(queue=queue).select_related("queue")
    return slaclock.report(queue_events(tickets), setup().versions, at=now or timezone.now())
