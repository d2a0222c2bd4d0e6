"""Zendesk's own SLA verdicts, from its Ticket Metric Events API, beside slaclock's.

The format, as Zendesk's API reference documents it (facts): the incremental endpoint
``/api/v2/incremental/ticket_metric_events.json`` returns ``{"ticket_metric_events":
[...]}``, each event with ``ticket_id``, ``metric`` (``agent_work_time``,
``pausable_update_time``, ``periodic_update_time``, ``reply_time``,
``requester_wait_time``, ``resolution_time``), ``instance_id`` (1 for the first reply,
2, 3, ... for the next replies), ``type`` (``activate``, ``pause``, ``fulfill``,
``apply_sla``, ``breach``, ``update_status``, ``measure``) and ``time``. A ``breach``
event is the instant the metric breached its target; one marked ``"deleted": true`` was
withdrawn (the SLA was changed or removed) and does not count.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from os import PathLike, fspath
from pathlib import Path
from typing import Any

import attrs

from slaclock._instants import instant_text
from slaclock.helpdesks._export import _records
from slaclock.helpdesks._mapping import ExportError
from slaclock.logs import parse_time
from slaclock.reporting import Report
from slaclock.sla import TicketStatus

__all__ = ["ZENDESK_METRICS", "BreachComparison", "ZendeskMetricEvent",
           "compare_breaches", "read_zendesk_metric_events"]

#: Zendesk's metric names to the metrics of the Zendesk-like policy
#: (``docs/reference/policies/zendesk-like.toml``): Zendesk's ``reply_time`` is the first
#: reply (instance 1) and the next replies (2, 3, ...) both.
ZENDESK_METRICS: Mapping[str, tuple[str, ...]] = {
    "reply_time": ("first_reply", "next_reply"),
    "periodic_update_time": ("periodic_update",),
    "pausable_update_time": ("pausable_update",),
    "requester_wait_time": ("requester_wait",),
    "agent_work_time": ("agent_work",),
    "resolution_time": ("resolution",),
}

#: What the reader says of a time it cannot read, and of one without an offset (Zendesk
#: writes UTC with ``Z``; the logs wing's one parser reads it).
_NOT_ISO = "time {text!r} is not ISO 8601"
_NO_OFFSET = "time {text!r} has no UTC offset"


@attrs.frozen
class ZendeskMetricEvent:
    """One event of Zendesk's Ticket Metric Events API."""

    ticket: str
    metric: str
    instance: int
    type: str
    at: datetime
    deleted: bool = False


@attrs.frozen
class BreachComparison:
    """A helpdesk's verdict and slaclock's on one metric of one ticket: Zendesk's (from
    :func:`compare_breaches`) or Jira Service Management's (from
    :func:`compare_jsm_slas`).

    Attributes:
        ticket: the ticket's id (Jira's issue key).
        helpdesk_metric: the helpdesk's metric name (Zendesk's ``"reply_time"``, a JSM
            SLA's name such as ``"Time to first response"``).
        metrics: the slaclock metrics it corresponds to.
        helpdesk_breach: when the helpdesk says the metric first breached, or ``None``
            when it says it did not.
        slaclock: when slaclock's report says it first breached (any cycle of any of
            ``metrics``), or ``None``.
        in_report: whether the report holds the ticket at all.
        reason: why the two differ, where it can be said (the ticket not in the report or
            left out of the export, a cycle count, a goal, a paused cycle, the working
            time counted); ``None`` when they agree to the instant.
        helpdesk: ``"Zendesk"`` or ``"Jira Service Management"``.
    """

    ticket: str
    helpdesk_metric: str
    metrics: tuple[str, ...]
    helpdesk_breach: datetime | None
    slaclock: datetime | None
    in_report: bool = True
    reason: str | None = None
    helpdesk: str = "Zendesk"

    @property
    def zendesk_metric(self) -> str:
        """:attr:`helpdesk_metric`, by its name from before JSM was compared too."""
        return self.helpdesk_metric

    @property
    def zendesk(self) -> datetime | None:
        """:attr:`helpdesk_breach`, by its name from before JSM was compared too."""
        return self.helpdesk_breach

    @property
    def agree(self) -> bool:
        """Whether both say breached, or both say not (the instants may differ)."""
        return self.in_report and (self.helpdesk_breach is None) == (self.slaclock is None)

    @property
    def same_instant(self) -> bool:
        """Whether they agree and, when both say breached, at the same instant."""
        return self.agree and self.helpdesk_breach == self.slaclock


def _load_json(
    source: str | PathLike[str] | Mapping[str, Any] | Sequence[Any], default: str,
) -> tuple[Any, str]:
    """A JSON source: a file's path read and parsed, or the parsed data as it is; with the
    name its errors go by."""
    if not isinstance(source, str | PathLike):
        return source, default
    name = Path(fspath(source)).name
    try:
        return json.loads(Path(fspath(source)).read_bytes().decode("utf-8-sig")), name
    except UnicodeDecodeError as error:
        raise ExportError(name, None, f"not UTF-8 text: {error}") from None
    except json.JSONDecodeError as error:
        raise ExportError(name, error.lineno,
                          f"not valid JSON: {error.msg} (column {error.colno})") from None


def _ours(status: TicketStatus | None, names: tuple[str, ...]) -> datetime | None:
    """The first breach a report's ticket has on any cycle of the metrics ``names``."""
    ours: datetime | None = None
    if status is not None:
        for clock in status.metrics:
            if clock.metric in names and clock.breached_at is not None and (
                ours is None or clock.breached_at < ours
            ):
                ours = clock.breached_at
    return ours


def _why(
    ticket: str, names: tuple[str, ...], theirs: datetime | None, ours: datetime | None,
    status: TicketStatus | None, left_out: Mapping[str, str], helpdesk: str,
) -> str | None:
    """What can be said from slaclock's side of why the verdicts differ: the ticket not
    in the report, no clock of the metrics, or the breach instants."""
    if status is None:
        if ticket in left_out:
            return f"the ticket was left out of the export: {left_out[ticket]}"
        return f"the report holds no ticket {ticket}"
    if not any(clock.metric in names for clock in status.metrics):
        return f"the report has no {' or '.join(names)} clock on this ticket"
    if ours is None:
        return None if theirs is None else \
            f"{helpdesk} says breached at {instant_text(theirs)}, slaclock not"
    if theirs is None:
        return f"slaclock says breached at {instant_text(ours)}, {helpdesk} not"
    if theirs == ours:
        return None
    return (f"both breached, {helpdesk} at {instant_text(theirs)}, slaclock at "
            f"{instant_text(ours)}: a different calendar or goal")


def read_zendesk_metric_events(
    source: str | PathLike[str] | Mapping[str, Any] | Sequence[Any],
) -> list[ZendeskMetricEvent]:
    """The events of a Ticket Metric Events export: a JSON file's path, or the parsed
    response (``{"ticket_metric_events": [...]}``, a list of such pages, or the list).

    Raises:
        ExportError: naming the file and the record (from 1) at fault.
    """
    data, name = _load_json(source, "<metric events>")
    out = []
    for number, record in enumerate(_records(data, "ticket_metric_events", name), 1):
        if not isinstance(record, Mapping):
            raise ExportError(name, number, "not an object", "record")
        try:
            ticket, metric, kind, time = (record[k] for k in ("ticket_id", "metric", "type",
                                                              "time"))
            at = parse_time(time if isinstance(time, datetime) else str(time),
                            unreadable=_NOT_ISO, no_zone=_NO_OFFSET)
        except KeyError as error:
            raise ExportError(name, number, f"no {error.args[0]!r}", "record") from None
        except ValueError as error:
            raise ExportError(name, number, str(error), "record") from None
        instance = record.get("instance_id", 0)
        out.append(ZendeskMetricEvent(
            str(ticket), str(metric), instance if isinstance(instance, int) else 0, str(kind),
            at, record.get("deleted") is True,
        ))
    return out


def compare_breaches(
    report: Report,
    metric_events: str | PathLike[str] | Mapping[str, Any] | Sequence[Any],
    metrics: Mapping[str, str | Sequence[str]] | None = None,
) -> list[BreachComparison]:
    """Zendesk's breaches beside slaclock's, per ticket and metric.

    Every (ticket, metric) Zendesk applied an SLA to (an ``apply_sla`` event) or breached
    is compared, in the order of the tickets' first metric event.

    Args:
        report: slaclock's :class:`~slaclock.Report` of the same tickets.
        metric_events: the Ticket Metric Events export (see
            :func:`read_zendesk_metric_events`), or the list it returns.
        metrics: Zendesk's metric names to slaclock's (one name or several); default
            :data:`ZENDESK_METRICS`, the Zendesk-like policy's. Zendesk metrics not in it
            are left out.

    >>> from datetime import datetime, timezone
    >>> import slaclock
    >>> policy = slaclock.load_policy("docs/reference/policies/zendesk-like.toml")
    >>> utc = timezone.utc
    >>> events = [slaclock.Event("5", datetime(2026, 6, 1, 7, tzinfo=utc), "created",
    ...                          status="New", author="customer")]
    >>> r = slaclock.report(events, policy, at=datetime(2026, 6, 2, 12, tzinfo=utc))
    >>> zendesk = {"ticket_metric_events": [
    ...     {"ticket_id": 5, "metric": "reply_time", "instance_id": 1, "type": "apply_sla",
    ...      "time": "2026-06-01T07:00:00Z"},
    ...     {"ticket_id": 5, "metric": "reply_time", "instance_id": 1, "type": "breach",
    ...      "time": "2026-06-01T15:00:00Z"}]}
    >>> [c] = compare_breaches(r, zendesk)
    >>> c.zendesk.isoformat(), c.slaclock.isoformat(), c.agree
    ('2026-06-01T15:00:00+00:00', '2026-06-01T17:00:00+02:00', True)
    """
    table = {k: (v,) if isinstance(v, str) else tuple(v)
             for k, v in (ZENDESK_METRICS if metrics is None else metrics).items()}
    events = metric_events if isinstance(metric_events, list) and all(
        isinstance(e, ZendeskMetricEvent) for e in metric_events
    ) else read_zendesk_metric_events(metric_events)
    verdicts: dict[tuple[str, str], datetime | None] = {}
    for event in events:
        if event.metric not in table:
            continue
        key = (event.ticket, event.metric)
        if event.type == "apply_sla":
            verdicts.setdefault(key, None)
        elif event.type == "breach" and not event.deleted:
            first = verdicts.get(key)
            verdicts[key] = event.at if first is None or event.at < first else first
    out = []
    for (ticket, metric), zendesk in verdicts.items():
        names = table[metric]
        status = report.tickets.get(ticket)
        ours = _ours(status, names)
        out.append(BreachComparison(
            ticket, metric, names, zendesk, ours, status is not None,
            _why(ticket, names, zendesk, ours, status, {}, "Zendesk")))
    return out
