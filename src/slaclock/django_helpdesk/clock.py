"""A django-helpdesk ticket's SLA: its status at an instant, its stored state, its
warnings and timer, and a queue's compliance.

Every function takes ``now`` (default: :func:`django.utils.timezone.now`), so a caller (a
test, a replay) says the instant rather than patching the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
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

__all__ = [
    "Computed",
    "SlaWarning",
    "compute",
    "due_states",
    "due_warnings",
    "next_warning",
    "queue_report",
    "refresh",
    "tick",
]

log = logging.getLogger(__name__)



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
    sla = Ticket.governed(ticket_id(ticket), conf.versions, opened=ticket.created,
                          thresholds=conf.warn)
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
        at: when it falls due (the first instant the ticket's status shows the share
            used, or the breach); for one already due when it was found, the instant
            asked.
        metric: the clock's metric.
        cycle: the clock's cycle.
        what: ``"at_risk"`` or ``"breach"`` (or ``"look_again"``: a timer that only
            says when to look again, far ahead).
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
        """``metric:cycle:at_risk:share`` or ``metric:cycle:breach``: sent once each
        (``look_again`` for a timer that only says when to look again)."""
        if self.what == "look_again":
            return "look_again"
        tail = f"at_risk:{self.share:g}" if self.what == "at_risk" else self.what
        return f"{self.metric}:{self.cycle}:{tail}"


def due_warnings(status: TicketStatus) -> list[SlaWarning]:
    """The warnings ``status`` shows are due: each threshold a running clock has reached
    (:attr:`MetricStatus.warned <slaclock.MetricStatus.warned>`), and the breach of a
    clock still counting past its target (breached and not yet met). A breached clock
    warns of its breach only."""
    found: list[SlaWarning] = []
    for m in status.metrics:
        if m.state == "breached" and m.met_at is None:
            found.append(SlaWarning(status.at, m.metric, m.cycle, "breach", None, m.deadline))
        elif m.state == "running":
            found.extend(SlaWarning(status.at, m.metric, m.cycle, "at_risk", share, m.deadline)
                         for share in m.warned)
    return found


#: How many changes of a ticket's status :func:`next_warning` looks through (a running
#: clock on office hours stops and starts twice a working day) before it gives up and lets
#: the timer come back then.
_LOOK_AHEAD = 200


def next_warning(sla: Ticket, status: TicketStatus, sent: set[str]) -> SlaWarning | None:
    """The first warning after ``status.at`` not in ``sent``: the first change of the
    ticket's status with no new event (:meth:`slaclock.Ticket.next_change`) that is a
    threshold reached or a breach, the clocks' starts and stops passed over; ``None``
    when no such change can come without an event (every clock paused, met or breached).
    """
    deadlines = {(m.metric, m.cycle): m.deadline for m in status.metrics}
    at = status.at
    for _ in range(_LOOK_AHEAD):
        change = sla.next_change(at)
        if change is None:
            return None
        at = change.at
        if change.what in ("at_risk", "breach"):
            warning = SlaWarning(change.at, change.metric, change.cycle, change.what,
                                 change.threshold, deadlines.get((change.metric, change.cycle)))
            if warning.key not in sent:
                return warning
    # Far ahead: look again from there (a timer that finds nothing due sets the next).
    return SlaWarning(at, "", 0, "look_again", None, None)


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
        state.status_json = state.view_json = ""
        state.level = state.state = state.next_change = ""
        state.at_risk = state.breached = False
        state.next_deadline = state.next_change_at = None
    else:
        state.status_json = status.to_json()
        state.view_json = status.view_json()
        state.level, state.state = status.level, status.state
        state.at_risk, state.breached = status.at_risk, status.breached
        state.next_deadline = status.next_deadline
        due = [w for w in due_warnings(status) if w.key not in sent]
        first = due[0] if due else next_warning(computed.ticket, status, sent)
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
    command). A warning with nobody to send it to is recorded as sent. A ticket whose
    tick fails (its mail server refuses) is logged and tried again at the next tick; the
    others go on.
    """
    now = now or timezone.now()
    conf = setup()
    sent: list[tuple[int, SlaWarning]] = []
    for state in due_states(now):
        try:
            sent.extend((state.ticket.pk, w) for w in _tick_one(state, now, conf))
        except Exception:  # one ticket (its mail, its rows) does not stop the others
            log.exception("SLA tick of ticket %s failed; it is tried again next tick",
                          state.ticket.pk)
    return sent


def _tick_one(state: SlaState, now: datetime, conf: Setup) -> list[SlaWarning]:
    """Refresh one ticket whose timer came, send its warnings due and record them, all in
    one transaction (a warning whose mail fails is not recorded, and is sent again)."""
    with transaction.atomic():
        locked = SlaState.objects.select_for_update().get(pk=state.pk)
        ticket = state.ticket
        computed = compute(ticket, now)
        due = _store(locked, computed, now, conf)
        for warning in due:
            _send(ticket, warning, conf, locked)
        if due:
            locked.warnings_sent = [*locked.warnings_sent, *(w.key for w in due)]
            _store(locked, computed, now, conf)
        return due


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
