"""A ticket stored as JSON and restored (:meth:`~slaclock.Ticket.to_json`,
:meth:`~slaclock.Ticket.from_json`): its id, the terms it was made under (the policy
version, the contract, the coverage), its warning shares and its events, exactly.

The policy itself is not stored: a plugin keeps its policy file, and restores a ticket
against it. An event's instant is written as :meth:`Event.as_dict <slaclock.Event.as_dict>`
writes it (ISO 8601 with its offset, microseconds when there are some), and its zone's
name beside it when the instant was given in a named zone, so the restored event is the
same datetime in the same zone.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from slaclock._errors import ConfigError, EventError
from slaclock.sla._event import Event
from slaclock.sla._regulation import Regulation, RegulationVersions, as_versions
from slaclock.sla._status import json_safe

if TYPE_CHECKING:
    from slaclock.sla._ticket import Ticket

__all__ = ["FORMAT", "ticket_from_json", "ticket_json"]

#: The version of the stored form.
FORMAT = 1
_KEYS = frozenset({"format", "ticket", "version", "contract", "coverage", "at_risk",
                   "thresholds", "events"})


def ticket_json(ticket: Ticket) -> str:
    """``ticket`` as JSON text (:meth:`~slaclock.Ticket.to_json`)."""
    events = []
    for event in ticket.events:
        out = event.as_dict()
        del out["ticket"]
        zone = event.at.tzinfo
        if isinstance(zone, ZoneInfo) and zone.key:
            out["tz"] = zone.key
        events.append(out)
    contract = ticket.contract
    data: dict[str, Any] = {
        "format": FORMAT,
        "ticket": ticket.id,
        "version": ticket.regulation.version,
        "contract": None if contract is None else contract.customer,
        "coverage": ticket.coverage,
        "at_risk": ticket.at_risk,
        "thresholds": None if ticket.thresholds is None else list(ticket.thresholds),
        "events": events,
    }
    return json_safe(json.dumps(data, ensure_ascii=False))


def ticket_from_json(
    cls: type[Ticket], text: str | bytes, policy: Regulation | RegulationVersions | None
) -> Ticket:
    """The ticket ``text`` stores, under ``policy`` (:meth:`~slaclock.Ticket.from_json`)."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as error:
        raise ConfigError("ticket JSON", _short(text), f"not JSON ({error})") from None
    if not isinstance(data, dict):
        raise ConfigError("ticket JSON", _short(text), "expected an object")
    extra = set(data) - _KEYS
    if extra:
        raise ConfigError("ticket JSON", sorted(extra), "unknown keys")
    if data.get("format") != FORMAT:
        raise ConfigError("format", data.get("format"),
                          f"a stored ticket of format {FORMAT} (Ticket.to_json writes it)")
    for key in ("ticket", "version", "events"):
        if key not in data:
            raise ConfigError(key, None, "missing from the stored ticket")
    versions = as_versions(policy)
    wanted = data["version"]
    regulation = next((v for v in versions.versions if v.version == wanted), None)
    if regulation is None:
        known = ", ".join(repr(v.version) for v in versions.versions)
        raise ConfigError("version", wanted, f"not a version of the policy (its versions: "
                          f"{known}): restore the ticket with the policy it was stored under")
    name = data.get("contract")
    contract = None
    if name is not None:
        contract = versions.contracts.get(name)
        if contract is None:
            raise ConfigError("contract", name, "not a contract of the policy: restore the "
                              "ticket with the policy it was stored under")
    ticket = cls(data["ticket"], regulation, data.get("coverage"), contract=contract,
                 at_risk=data.get("at_risk"), thresholds=data.get("thresholds"))
    events = data["events"]
    if not isinstance(events, list):
        raise ConfigError("events", _short(events), "expected a list of events")
    for item in events:
        if not isinstance(item, dict):
            raise EventError(f"a stored event is an object, not {_short(item)!r}")
        item = dict(item)
        zone = item.pop("tz", None)
        event = Event.from_dict({"ticket": ticket.id, **item})
        if zone is not None:
            event = _in_zone(event, zone)
        ticket.record(event)
    return ticket


def _in_zone(event: Event, key: object) -> Event:
    """``event`` with its instant in the zone named ``key``."""
    try:
        zone = ZoneInfo(key) if isinstance(key, str) else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        raise EventError(f"a stored event's zone {key!r} is not an IANA zone name", event)
    return attrs.evolve(event, at=event.at.astimezone(zone))


def _short(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
