"""Helpdesks: reading a helpdesk's own export into slaclock events, and the helpdesk's own
SLA verdicts beside slaclock's.

A public submodule of slaclock (``from slaclock.helpdesks import read_export``):

- :class:`ExportMapping`, :func:`load_mapping`, :exc:`MappingError`: how an export's
  columns, statuses, fields and authors map to slaclock's events (built in: ``zendesk``,
  ``zendesk-tables``, ``jira``, ``freshdesk``, ``zammad``, ``servicenow``, ``redmine``,
  ``status-history``; or a mapping file, :doc:`/reference/mapping-format`).
- :func:`read_export`, :class:`Export`, :class:`Unknown`, :class:`Assumption`,
  :exc:`ExportError`: an export read as it is (a CSV of changes, Zendesk's ticket events
  or warehouse tables, Jira's issues, Freshdesk's tickets, Zammad's histories,
  ServiceNow's audit records, Redmine's journals), every row used, ignored or rejected
  with its line, every ticket left out with its reason, every assumption counted.
- :func:`compare_breaches`, :class:`BreachComparison`, :class:`ZendeskMetricEvent`,
  :data:`ZENDESK_METRICS`, :func:`read_zendesk_metric_events`: Zendesk's breaches, from
  its Ticket Metric Events API, beside a :class:`~slaclock.Report`'s.
- :func:`compare_jsm_slas`, :func:`read_jsm_slas`, :class:`JsmSla`, :class:`JsmSlaCycle`,
  :data:`JSM_METRICS`: Jira Service Management's SLA verdicts, from its SLA API, beside a
  report's, each difference with its reason where it can be said.

It reads the SLA model, the logs and (for the comparison's types) the reports below it.
"""

from slaclock.calendars._zendesk_schedule import calendar_from_zendesk
from slaclock.helpdesks._export import (
    Assumption,
    Export,
    Unknown,
    of_ticket_left_out,
)
from slaclock.helpdesks._jsm_sla import (
    JSM_METRICS,
    JsmSla,
    JsmSlaCycle,
    compare_jsm_slas,
    read_jsm_slas,
)
from slaclock.helpdesks._mapping import ExportError, ExportMapping, MappingError, load_mapping
from slaclock.helpdesks._read import read_export
from slaclock.helpdesks._zendesk_metrics import (
    ZENDESK_METRICS,
    BreachComparison,
    ZendeskMetricEvent,
    compare_breaches,
    read_zendesk_metric_events,
)

__all__ = [
    "JSM_METRICS",
    "ZENDESK_METRICS",
    "Assumption",
    "BreachComparison",
    "Export",
    "ExportError",
    "ExportMapping",
    "JsmSla",
    "JsmSlaCycle",
    "MappingError",
    "Unknown",
    "ZendeskMetricEvent",
    "calendar_from_zendesk",
    "compare_breaches",
    "compare_jsm_slas",
    "load_mapping",
    "of_ticket_left_out",
    "read_export",
    "read_jsm_slas",
    "read_zendesk_metric_events",
]
