"""Jira Service Management's own SLA verdicts, from its SLA API, beside slaclock's.

The format, as Atlassian's Jira Service Management REST API reference documents it
(facts; "Get SLA information", ``GET /rest/servicedeskapi/request/{issueIdOrKey}/sla``):
a page ``{"size", "start", "limit", "isLastPage", "values": [...]}``, each value one SLA
of the request: ``id``, ``name`` ("Time to first response"), ``completedCycles`` (each
with ``startTime``, ``stopTime``, ``breachTime``, ``breached``, ``goalDuration``,
``elapsedTime``, ``remainingTime``) and at most one ``ongoingCycle`` (``startTime``,
``breachTime``, ``breached``, ``paused``, ``withinCalendarHours``, ``goalDuration``,
``elapsedTime``, ``remainingTime``). A time is an object ``{"iso8601", "jira",
"friendly", "epochMillis"}``, a duration ``{"millis", "friendly"}``. The answer does not
name its request: the file adds the key (see :func:`read_jsm_slas`). An issue search's
SLA fields (``customfield_...``) hold the same objects, so an issues export names them
by its issues' keys.

A cycle's ``breachTime`` is its deadline; with ``breached`` true it is the instant the
cycle breached. The verdict compared is the first breached cycle's ``breachTime``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from os import PathLike
from typing import Any

import attrs

from slaclock.helpdesks._export import Export
from slaclock.helpdesks._mapping import ExportError
from slaclock.helpdesks._zendesk_metrics import BreachComparison, _load_json, _ours, _why
from slaclock.logs import parse_time, working_hours
from slaclock.reporting import Report
from slaclock.sla import TicketStatus

__all__ = ["JSM_METRICS", "JsmSla", "JsmSlaCycle", "compare_jsm_slas", "read_jsm_slas"]

#: JSM's default SLA names to the metrics of ``examples/jsm-policy.toml``. Name your own
#: SLAs (and metrics) in the ``metrics`` argument of :func:`compare_jsm_slas`.
JSM_METRICS: Mapping[str, tuple[str, ...]] = {
    "Time to first response": ("first_response",),
    "Time to resolution": ("resolution",),
}

_HELPDESK = "Jira Service Management"


@attrs.frozen
class JsmSlaCycle:
    """One cycle of a JSM SLA, completed or ongoing.

    Attributes:
        start: when the cycle started.
        stop: when it stopped (a completed cycle); ``None`` for the ongoing one.
        breach_time: its deadline (``breachTime``); with :attr:`breached`, the instant it
            breached.
        breached: whether JSM says the cycle breached its goal.
        goal: the goal's duration (working time on the goal's calendar).
        elapsed: the working time JSM counted, up to the stop (or to when it answered).
        remaining: ``goal - elapsed``, negative once breached.
        paused: an ongoing cycle paused (its pause conditions hold).
        ongoing: whether this is the ongoing cycle.
    """

    start: datetime | None
    stop: datetime | None
    breach_time: datetime | None
    breached: bool
    goal: timedelta | None
    elapsed: timedelta | None
    remaining: timedelta | None
    paused: bool = False
    ongoing: bool = False


@attrs.frozen
class JsmSla:
    """One SLA of one request, as JSM's SLA API gives it.

    Attributes:
        ticket: the issue key.
        name: the SLA's name ("Time to first response").
        cycles: the completed cycles in order, then the ongoing one if any.
    """

    ticket: str
    name: str
    cycles: tuple[JsmSlaCycle, ...]

    @property
    def breached_at(self) -> datetime | None:
        """The first breached cycle's breach time; ``None`` when no cycle breached."""
        for cycle in self.cycles:
            if cycle.breached:
                return cycle.breach_time
        return None


def read_jsm_slas(
    source: str | PathLike[str] | Mapping[str, Any] | Sequence[Any],
) -> list[JsmSla]:
    """The SLAs of JSM's SLA API answers, each named by its issue key.

    ``source`` is a JSON file's path or the parsed data, one of:

    - one answer with its issue's key added: ``{"issueKey": "SD-1", "values": [...]}``
      (the API's page as it is, plus ``issueKey``);
    - an object of answers by issue key: ``{"SD-1": {"values": [...]}, ...}``;
    - a list of either;
    - an issue search (``{"issues": [...]}``, or one issue): each field of an issue that
      holds an SLA (an object with ``name`` and ``completedCycles`` or ``ongoingCycle``)
      is that issue's SLA.

    Raises:
        ExportError: naming the file, the issue and the SLA at fault (a time that is not
            one, a breached cycle without its ``breachTime``, a record without a key).
    """
    data, name = _load_json(source, "<jsm slas>")
    out: list[JsmSla] = []
    for number, (ticket, answer) in enumerate(_answers(data, name), 1):
        values = answer.get("values") if isinstance(answer, Mapping) else answer
        if not isinstance(values, list):
            raise ExportError(name, number, f"the SLAs of {ticket} are not a list (the "
                              "API's \"values\")", "record")
        for value in values:
            out.append(_sla(ticket, value, name, number))
    return out


def _answers(data: Any, name: str) -> list[tuple[str, Any]]:
    """(issue key, answer or list of SLA values) of each answer in ``data``."""
    items = data if isinstance(data, list) else [data]
    out: list[tuple[str, Any]] = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            raise ExportError(name, number, "not an object (an SLA answer with its "
                              "issueKey, or answers by issue key)", "record")
        if "issues" in item or "fields" in item:
            issues = item.get("issues", [item])
            for issue in issues if isinstance(issues, list) else []:
                out.append(_issue_slas(issue, name, number))
        elif "values" in item:
            key = item.get("issueKey", item.get("key"))
            if not isinstance(key, str | int) or isinstance(key, bool) or not str(key):
                raise ExportError(
                    name, number, "an SLA answer without its issue: add \"issueKey\" (the "
                    "API's answer does not name it), or give answers by issue key",
                    "record")
            out.append((str(key), item))
        else:
            out.extend((str(key), answer) for key, answer in item.items())
    return out


def _issue_slas(issue: Any, name: str, number: int) -> tuple[str, list[Any]]:
    """An issue's key and the SLA objects among its fields."""
    if not isinstance(issue, Mapping) or not isinstance(issue.get("fields"), Mapping):
        raise ExportError(name, number, "an issue without fields", "record")
    key = issue.get("key") or issue.get("id")
    if key is None:
        raise ExportError(name, number, "an issue without its key", "record")
    slas = [value for value in issue["fields"].values() if isinstance(value, Mapping)
            and "name" in value and ("completedCycles" in value or "ongoingCycle" in value)]
    return str(key), slas


def _sla(ticket: str, value: Any, name: str, number: int) -> JsmSla:
    if not isinstance(value, Mapping) or not isinstance(value.get("name"), str):
        raise ExportError(name, number, f"an SLA of {ticket} without its name", "record")
    title = value["name"]
    where = f"SLA {title!r} of {ticket}"
    completed = value.get("completedCycles") or []
    if not isinstance(completed, list):
        raise ExportError(name, number, f"{where}: completedCycles is not a list", "record")
    cycles = [_cycle(c, False, where, name, number) for c in completed]
    ongoing = value.get("ongoingCycle")
    if ongoing is not None:
        cycles.append(_cycle(ongoing, True, where, name, number))
    return JsmSla(ticket, title, tuple(cycles))


def _cycle(value: Any, ongoing: bool, where: str, name: str, number: int) -> JsmSlaCycle:
    if not isinstance(value, Mapping):
        raise ExportError(name, number, f"{where}: a cycle is not an object", "record")

    def time(key: str) -> datetime | None:
        found = value.get(key)
        if isinstance(found, Mapping):  # {"iso8601", "jira", "friendly", "epochMillis"}
            text = found.get("iso8601") or found.get("jira")
            if text is None and found.get("epochMillis") is not None:
                text, fmt = str(found["epochMillis"]), "unix_ms"
            else:
                fmt = "iso"
        else:
            text, fmt = found, "iso"
        if text is None:
            return None
        try:
            return parse_time(str(text), fmt=fmt, unreadable="time {text!r} is not ISO 8601",
                              no_zone="time {text!r} has no UTC offset")
        except ValueError as error:
            raise ExportError(name, number, f"{where}: {key}: {error}", "record") from None

    def duration(key: str) -> timedelta | None:
        found = value.get(key)
        millis = found.get("millis") if isinstance(found, Mapping) else None
        if millis is None:
            return None
        if not isinstance(millis, int) or isinstance(millis, bool):
            raise ExportError(name, number, f"{where}: {key}.millis {millis!r} is not a "
                              "whole number", "record")
        return timedelta(milliseconds=millis)

    breached = value.get("breached") is True
    breach_time = time("breachTime")
    if breached and breach_time is None:
        raise ExportError(name, number, f"{where}: a breached cycle without its breachTime",
                          "record")
    return JsmSlaCycle(
        time("startTime"), None if ongoing else time("stopTime"), breach_time, breached,
        duration("goalDuration"), duration("elapsedTime"), duration("remainingTime"),
        value.get("paused") is True, ongoing)


def compare_jsm_slas(
    report: Report,
    slas: str | PathLike[str] | Mapping[str, Any] | Sequence[Any],
    metrics: Mapping[str, str | Sequence[str]] | None = None,
    *,
    export: Export | None = None,
) -> list[BreachComparison]:
    """JSM's SLA verdicts beside slaclock's, per ticket and SLA, with the reason they
    differ where it can be said.

    Every SLA whose name is in ``metrics`` (matched exactly, else without regard to case)
    is compared, in the order read. The reason, when the two differ (or breached at
    different instants), is the first of: the ticket not in the report (left out of the
    export, with the export's reason, when ``export`` is given); no clock of the metric
    in the report; a different number of cycles; a different goal (another level or
    goal); a cycle JSM has paused while slaclock's clock is not; a completed cycle whose
    working time differs (another calendar or pause conditions); the breach instants.

    Args:
        report: slaclock's :class:`~slaclock.Report` of the same issues.
        slas: what :func:`read_jsm_slas` reads, or the list it returns.
        metrics: JSM's SLA names to slaclock's metrics (one name or several); default
            :data:`JSM_METRICS`. SLAs not in it are left out.
        export: the :class:`Export` the report was made from, to say why a ticket is
            missing from the report.

    >>> from datetime import datetime, timezone
    >>> import slaclock
    >>> policy = slaclock.load_policy("examples/jsm-policy.toml")
    >>> utc = timezone.utc
    >>> events = [slaclock.Event("SD-5", datetime(2026, 6, 1, 8, tzinfo=utc), "created",
    ...                          status="Waiting for support", author="customer")]
    >>> r = slaclock.report(events, policy, at=datetime(2026, 6, 2, 12, tzinfo=utc))
    >>> jsm = {"issueKey": "SD-5", "values": [{"name": "Time to first response",
    ...     "ongoingCycle": {"startTime": {"iso8601": "2026-06-01T09:00:00+0100"},
    ...                      "breachTime": {"iso8601": "2026-06-01T13:00:00+0100"},
    ...                      "breached": True, "goalDuration": {"millis": 14400000}}}]}
    >>> [c] = compare_jsm_slas(r, jsm)
    >>> c.helpdesk_breach.isoformat(), c.slaclock.isoformat(), c.same_instant
    ('2026-06-01T13:00:00+01:00', '2026-06-01T13:00:00+01:00', True)
    """
    table = {k: (v,) if isinstance(v, str) else tuple(v)
             for k, v in (JSM_METRICS if metrics is None else metrics).items()}
    folded = {k.casefold(): v for k, v in table.items()}
    found = slas if isinstance(slas, list) and all(isinstance(s, JsmSla) for s in slas) \
        else read_jsm_slas(slas)
    left_out: Mapping[str, str] = {} if export is None else export.left_out
    out = []
    for sla in found:
        names = table.get(sla.name) or folded.get(sla.name.strip().casefold())
        if names is None:
            continue
        status = report.tickets.get(sla.ticket)
        theirs, ours = sla.breached_at, _ours(status, names)
        reason = _why(sla.ticket, names, theirs, ours, status, left_out, _HELPDESK)
        if reason is not None and status is not None:
            reason = _jsm_why(sla, status, names) or reason
        out.append(BreachComparison(sla.ticket, sla.name, names, theirs, ours,
                                    status is not None, reason, _HELPDESK))
    return out


def _jsm_why(sla: JsmSla, status: TicketStatus, names: tuple[str, ...]) -> str | None:
    """What JSM's cycles say of a difference: their count, the goal, a pause, the working
    time of a completed cycle."""
    clocks = [c for c in status.metrics if c.metric in names and c.state != "not_applicable"]
    if not clocks:
        return None
    if len(sla.cycles) != len(clocks):
        return (f"JSM counted {_cycles(len(sla.cycles))}, slaclock "
                f"{_cycles(len(clocks))}: their start and stop conditions differ")
    for theirs, ours in zip(sla.cycles, clocks, strict=True):
        if theirs.goal is not None and ours.target is not None and theirs.goal != ours.target:
            return (f"JSM's goal is {working_hours(theirs.goal)}, slaclock's target "
                    f"{working_hours(ours.target)}: another level or goal")
        if theirs.paused and ours.state != "paused":
            return f"JSM's cycle is paused, slaclock's clock is {ours.state.replace('_', ' ')}"
        if (not theirs.ongoing and theirs.elapsed is not None and ours.elapsed is not None
                and ours.state in ("met", "breached") and ours.met_at is not None
                and abs(theirs.elapsed - ours.elapsed) >= timedelta(minutes=1)):
            return (f"JSM counted {working_hours(theirs.elapsed)} of working time, slaclock "
                    f"{working_hours(ours.elapsed)}: another calendar or pause conditions")
    return None


def _cycles(count: int) -> str:
    return f"{count} cycle{'s' if count != 1 else ''}"
