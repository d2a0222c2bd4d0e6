"""The reader of ServiceNow's incident history: the ``sys_audit`` records of the
``incident`` table, with the incidents and their journal as companions.

ServiceNow's Table API (``GET /api/now/table/{table}``) answers ``{"result": [...]}``,
every value a string; a reference field is its ``sys_id`` (with
``sysparm_exclude_reference_link=false``, the default, an object ``{"link", "value"}``),
and with ``sysparm_display_value=all`` every field is ``{"display_value", "value"}``:
this reader takes the raw ``value`` wherever an object holds one. Times are raw values:
UTC, ``YYYY-MM-DD HH:MM:SS`` (ISO 8601 with a space and no offset: the built-in
mapping says ``time_format = "iso"`` and ``tz = "UTC"``).

- The main file: ``GET /api/now/table/sys_audit?sysparm_query=tablename=incident``: each
  record one change of one field of one incident (``documentkey``: the incident's
  ``sys_id``; ``fieldname``, ``oldvalue``, ``newvalue``, ``sys_created_on``, ``user`` or
  ``sys_created_by``: the user name). The journal fields ``comments`` (additional
  comments, customer-visible) and ``work_notes`` (internal) are audited too.
- ``incidents`` (required): ``GET /api/now/table/incident`` with ``sys_id``, ``number``,
  ``opened_at``, ``caller_id``, ``priority``, ``state`` and the caller's user name
  (``caller_id.user_name``, a dot-walked field of ``sysparm_fields``): each incident's
  opening, its number as the ticket's id.
- ``journal`` (optional): ``GET /api/now/table/sys_journal_field?sysparm_query=name=incident``
  (``element``: ``comments`` or ``work_notes``; ``element_id``: the incident's
  ``sys_id``; ``sys_created_on``, ``sys_created_by``). When given, the comments and work
  notes are read from it, and the audit's records of those two fields are counted as
  ignored (the same entries).
- ``agents`` (optional): the users who are the desk, ServiceNow's fulfillers (the
  ``itil`` role): ``GET /api/now/table/sys_user_has_role?sysparm_query=role.name=itil``
  with ``user.user_name``. With it an author is the desk when listed, a customer (a
  self-service user) otherwise; without it, the caller is the customer and every other
  user the desk, an assumption each ticket's verdict records.

An incident's ``state`` is a number (1 New, 2 In Progress, 3 On Hold, 6 Resolved,
7 Closed, 8 Canceled: the mapping names them). An incident in a state the mapping names
Canceled is left out with its reason: ServiceNow cancels its task SLAs, which then count
as neither met nor breached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from slaclock.helpdesks._export import (
    _BUILTIN_TARGETS,
    _Builder,
    _clean,
    _created,
    _records,
)
from slaclock.helpdesks._mapping import ExportError, Role

#: The companion files the ServiceNow reader takes, by kind.
SERVICENOW_COMPANIONS = {
    "incidents": "the incident records (/api/now/table/incident): each one's opening, "
                 "number, caller and first state (required)",
    "journal": "the journal entries (/api/now/table/sys_journal_field): comments and "
               "work notes",
    "agents": "the users who are the desk (/api/now/table/sys_user_has_role with "
              "role.name=itil: user.user_name), every other author a customer",
}
#: The journal fields: ``comments`` (customer-visible) and ``work_notes`` (internal).
_JOURNAL = {"comments": True, "work_notes": False}
#: The name of a canceled incident's state (the built-in mapping's name for state 8).
_CANCELED = frozenset({"canceled", "cancelled"})

_CALLER_IS_CUSTOMER = (
    "servicenow-caller-is-customer",
    "author roles guessed: the incident's caller is the customer, every other user the desk "
    "(give the users with the itil role with --with agents=FILE to be exact)",
)


def _sn(value: object) -> str | None:
    """A Table API value: its raw ``value`` when it is an object (a reference link, or
    ``sysparm_display_value=all``), else its display value, else the text."""
    if isinstance(value, Mapping):
        for key in ("value", "display_value"):
            if key in value:
                return _clean(value[key])
        return None
    return _clean(value)


@attrs.frozen
class _Incident:
    """One incident of the companion file: its ticket id (the number), its record, and
    where that record is (the file and its number there)."""

    number: str
    record: Mapping[str, Any]
    source: str
    line: int
    caller: str | None


def _displayed(value: object) -> bool:
    """Whether a ``state`` is a display value (``"In Progress"``, or an object with a
    ``display_value`` and no raw ``value``): the export was made with
    ``sysparm_display_value=true``."""
    if isinstance(value, Mapping):
        return "value" not in value and "display_value" in value
    return isinstance(value, str) and bool(value.strip()) and not value.strip().isdigit()


def _read_incidents(build: _Builder) -> dict[str, _Incident]:
    if not build.companions("incidents"):
        raise ExportError(
            build.export.source, None,
            "the audit alone has no incident's opening: give the incidents too (--with "
            "incidents=FILE, from /api/now/table/incident with sys_id, number, opened_at, "
            "caller_id.user_name, priority and state)",
        )
    incidents: dict[str, _Incident] = {}
    for source, number, record in build.companion_records("incidents", "result"):
        key = _sn(record.get("sys_id")) if isinstance(record, Mapping) else None
        if not isinstance(record, Mapping) or key is None:
            raise ExportError(source, number, f"result[{number - 1}] is not an incident "
                              "(an object with a sys_id)", "record")
        if _displayed(record.get("state")):
            raise ExportError(
                source, number,
                f"the incidents hold display values (state {_sn(record.get('state'))!r}): "
                "their times are then in the exporting user's zone and format; export raw "
                "values (sysparm_display_value=false, the default, or all)", "record",
            )
        caller = _sn(record.get("caller_id.user_name"))
        if key in incidents:
            first = incidents[key]
            if first.record == record:  # overlapping pages: the same record twice
                build.ignore("incident given twice")
                continue
            build.reject(number, f"the incident {key} again, other than in {first.source}, "
                         f"record {first.line}: the first is read", first.number,
                         place=f"{source}: record {number}")
            continue
        incidents[key] = _Incident(_sn(record.get("number")) or key, record, source, number,
                                   caller)
    return incidents


def _read_agents(build: _Builder) -> frozenset[str] | None:
    """The user names of the ``agents`` companion (``user.user_name`` of
    ``sys_user_has_role``, or ``user_name`` of ``sys_user``); ``None`` without it."""
    if not build.companions("agents"):
        return None
    names = set()
    for source, number, record in build.companion_records("agents", "result"):
        name = _sn(record.get("user.user_name") or record.get("user_name")) \
            if isinstance(record, Mapping) else None
        if name is None:
            raise ExportError(source, number, f"result[{number - 1}] names no user (give "
                              "user.user_name in sysparm_fields)", "record")
        names.add(name)
    return frozenset(names)


def _read_servicenow(data: Any, build: _Builder) -> None:
    source = build.export.source
    audits = _records(data, "result", source)
    incidents = _read_incidents(build)
    agents = _read_agents(build)
    rows: dict[str, list[tuple[int, Mapping[str, Any]]]] = {key: [] for key in incidents}
    for number, record in enumerate(audits, 1):
        if not isinstance(record, Mapping):
            build.reject(number, f"result[{number - 1}] is not an audit record (an object)")
            continue
        table = _sn(record.get("tablename"))
        if table is not None and table != "incident":
            build.ignore(f"table {table}")
            continue
        key = _sn(record.get("documentkey"))
        if key is None:
            build.reject(number, f"result[{number - 1}] has no documentkey")
            continue
        if key not in rows:
            build.reject(number, f"incident {key} is not in the incidents file: its opening "
                         "is unknown (export the incidents the audit covers)", key)
            continue
        rows[key].append((number, record))
    journal = build.companion_records("journal", "result")
    notes: dict[str, list[tuple[str, int, Mapping[str, Any]]]] = {key: [] for key in incidents}
    for name, number, entry in journal:
        key = _sn(entry.get("element_id")) if isinstance(entry, Mapping) else None
        if not isinstance(entry, Mapping) or key is None or key not in notes:
            build.reject(number, f"no incident of the incidents file has its element_id "
                         f"({key!r})", key, place=f"{name}: record {number}")
            continue
        notes[key].append((name, number, entry))
    for key, incident in incidents.items():
        _incident(incident, rows[key], notes[key], bool(build.companions("journal")), agents,
                  build)


def _incident(incident: _Incident, audits: list[tuple[int, Mapping[str, Any]]],
              journal: list[tuple[str, int, Mapping[str, Any]]], has_journal: bool,
              agents: frozenset[str] | None, build: _Builder) -> None:
    """One incident's rows: its opening (from the incidents file), its audit records in
    time order, and its journal entries."""
    ticket = incident.number
    mapping = build.mapping
    timed: list[tuple[datetime, int, Mapping[str, Any]]] = []
    for number, record in audits:
        at = build.time(_sn(record.get("sys_created_on")), number, ticket)
        if at is not None:
            timed.append((at, number, record))
    timed.sort(key=lambda entry: entry[:2])
    states = [_sn(incident.record.get("state"))] + [
        _sn(record.get("newvalue")) for _, _, record in timed
        if _sn(record.get("fieldname")) == "state"]
    canceled = next((state for state in states if state is not None
                     and mapping.status(state).casefold() in _CANCELED), None)
    if canceled is not None:
        build.leave_out(ticket, f"canceled in ServiceNow (state {canceled}): its task SLAs "
                        "are canceled, neither met nor breached")

    def role_of(author: str | None, line: int) -> Callable[[], Role | None]:
        def role() -> Role | None:
            listed = author is not None and (author in mapping.agents
                                             or author in mapping.customers)
            if listed or mapping.default_role != "requester":
                return build.role(author, None, None, line, ticket)
            if agents is not None and author is not None:
                # A fulfiller (the itil role) is the desk; anyone else, a self-service user.
                return "desk" if author in agents else "customer"
            if incident.caller is None:
                build.leave_out(ticket, "the caller's user name is unknown, so is who wrote "
                                "each comment: export the incidents with caller_id.user_name "
                                "in sysparm_fields", line, unread=1)
                return None
            if author is None:
                build.reject(line, "the entry names no user (sys_created_by)", ticket)
                return None
            build.assume(*_CALLER_IS_CUSTOMER, ticket)
            return "customer" if author == incident.caller else "desk"
        return role

    _opening(incident, timed, build)
    for at, number, record in timed:
        field = _sn(record.get("fieldname"))
        author = _sn(record.get("user")) or _sn(record.get("sys_created_by"))
        if field in _JOURNAL and has_journal:
            build.ignore(f"field {field} (read from the journal)")
        elif field in _JOURNAL:
            build.comment(number, ticket, at, "comment", _JOURNAL[str(field)],
                          role_of(author, number))
        else:
            build.change(number, ticket, at, field, _sn(record.get("oldvalue")),
                         _sn(record.get("newvalue")), role=role_of(author, number),
                         public=None)
    for name, number, entry in journal:
        element = _sn(entry.get("element"))
        if element not in _JOURNAL:
            build.ignore(f"journal {element}")
            continue
        when = build.parse_time(_sn(entry.get("sys_created_on")))
        if isinstance(when, str):
            build.reject(number, when, ticket, place=f"{name}: record {number}")
            continue
        with build.within(name):
            build.comment(number, ticket, when, "comment", _JOURNAL[str(element)],
                          role_of(_sn(entry.get("sys_created_by")), number))


def _opening(incident: _Incident, timed: list[tuple[datetime, int, Mapping[str, Any]]],
             build: _Builder) -> None:
    """The incident's opening, at its ``opened_at``: its state and priority before their
    first change in the audit, else its current ones."""
    ticket = incident.number
    where = f"{incident.source}: record {incident.line}"
    opened = build.parse_time(_sn(incident.record.get("opened_at")))
    if isinstance(opened, str):
        build.reject(incident.line, f"opened_at: {opened}", ticket, place=where)
        return
    first: dict[str, str | None] = {}
    for name in ("state", "priority"):
        changed = next((record for _, _, record in timed
                        if _sn(record.get("fieldname")) == name), None)
        # An audited insert (glide.sys.audit_inserts) sets the field from nothing: the
        # value it set is the first.
        first[name] = _sn(incident.record.get(name)) if changed is None else \
            _sn(changed.get("oldvalue")) or _sn(changed.get("newvalue"))
    status = build.status(first["state"], incident.line, ticket)
    if status is None:
        return
    target = build.target(build.mapping.fields, "priority")
    fields: dict[str, str | None] = {}
    builtin: dict[str, str | None] = {}
    if target in _BUILTIN_TARGETS:
        builtin[str(target)] = first["priority"]
    elif target not in (None, "ignore") and first["priority"] is not None:
        fields[str(target)] = first["priority"]
    # An incident is its caller's request, whoever typed it in.
    build.use(incident.line,
              lambda: _created(ticket, opened, status, "customer", fields, builtin), ticket)
