"""Policy files: a file of one version, or of ``[[versions]]`` and ``[contracts]``, read
into a :class:`~slaclock.Regulation` or a :class:`~slaclock.RegulationVersions`
(:func:`load_policy`, :func:`parse_policy`); and calendar files (:func:`load_calendar`).

Each version's table is read by :class:`~slaclock.sla._policy_reader.PolicyReader`; this
module reads what a file holds around them. The format is in
:doc:`/reference/policy-format`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from os import PathLike, fspath
from pathlib import Path
from typing import Any

from slaclock._errors import ConfigError, PolicyError
from slaclock.calendars import Schedule
from slaclock.sla._contract import Contract
from slaclock.sla._policy_reader import PolicyReader
from slaclock.sla._regulation import Regulation, RegulationVersions

__all__ = ["load_calendar", "load_policy", "parse_policy"]

#: The format of policy files this slaclock reads.
FORMAT = 1
#: The keys a file of ``[[versions]]`` shares between them.
_SHARED_KEYS = {"calendars", "contracts", "customers", "statuses", "fields", "accounts"}
#: The keys of a contract (``[contracts.<customer>]``).
_CONTRACT_KEYS = {"kind", "signed", "emergency", "calendars"}


def _read_file(path: str | PathLike[str]) -> tuple[str, Any]:
    """The file's name and its parsed TOML (or, for ``.json``, JSON) content."""
    name = Path(fspath(path)).name
    raw = Path(fspath(path)).read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is not part of the document
    except UnicodeDecodeError as error:
        raise PolicyError(name, "<file>", None, f"not UTF-8 text: {error}") from None
    if fspath(path).lower().endswith(".json"):
        try:
            return name, json.loads(text)
        except json.JSONDecodeError as error:
            raise PolicyError(name, "<file>", None, f"not valid JSON: {error}") from None
        except RecursionError:
            raise PolicyError(name, "<file>", None, "not valid JSON: nested too deeply (a policy's "
                              "objects and arrays nest a few levels)") from None
    try:
        return name, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(name, "<file>", None, f"not valid TOML: {error}") from None
    except RecursionError:
        raise PolicyError(name, "<file>", None, "not valid TOML: nested too deeply (a policy's "
                          "tables and arrays nest a few levels)") from None


def load_calendar(path: str | PathLike[str]) -> Schedule:
    """Read a calendar file: one calendar table of the policy format, at the top level or
    under ``[calendar]`` (TOML, or JSON for ``.json``).

    For example::

        preset = "russia"
        hours = "09:00-13:00, 14:00-18:00"

    Raises:
        PolicyError: naming the file, the key and what is wrong.
        OSError: when the file cannot be read.
    """
    name, data = _read_file(path)
    if isinstance(data, dict) and isinstance(data.get("calendar"), dict):
        data = data["calendar"]
    return PolicyReader(name, Path(fspath(path)).parent).calendar(data, "calendar")


def load_policy(path: str | PathLike[str]) -> Regulation | RegulationVersions:
    """Read a policy file: TOML (``.toml``) or JSON (``.json``).

    A file with top-level ``version`` and ``levels`` describes one :class:`Regulation`
    (or, with ``[contracts]``, a :class:`RegulationVersions` of that one version and its
    contracts); a file with a ``versions`` array describes a :class:`RegulationVersions`.
    The format is in :doc:`/reference/policy-format`.

    Raises:
        PolicyError: naming the file, the key and what is wrong, for a file that cannot
            be parsed or that describes an invalid policy.
        OSError: when the file cannot be read.
    """
    name, data = _read_file(path)
    return parse_policy(data, name, base=Path(fspath(path)).parent)


def parse_policy(
    data: Mapping[str, Any], source: str = "<policy>", *,
    base: str | PathLike[str] | None = None,
) -> Regulation | RegulationVersions:
    """Compile a policy from its parsed form (what ``tomllib`` or ``json`` returned).

    Dates may be TOML dates or ISO strings (``"2026-01-01"``). The files a policy names (a
    calendar's Zendesk schedule or ICS holidays) are read from the folder ``base`` (the
    policy file's; the working directory for ``None``).

    Raises:
        PolicyError: naming ``source``, the key and the problem.
    """
    return PolicyFile(source, base).policy(data)


class PolicyFile(PolicyReader):
    """Reads a policy file as a whole: its versions, then its contracts."""

    def policy(self, data: Mapping[str, Any]) -> Regulation | RegulationVersions:
        data = self.table(data, "<file>")
        fmt = data.get("format", FORMAT)
        if fmt != FORMAT:
            raise self.fail("format", fmt, f"this slaclock reads format {FORMAT}")
        if "versions" in data:
            self.unknown(data, {"format", "versions", "log", *_SHARED_KEYS}, "")
            shared = {key: data[key] for key in _SHARED_KEYS if key in data}
            items = data["versions"]
            if not isinstance(items, list) or not items:
                raise self.fail("versions", items, "expected a non-empty array of tables")
            regulations = [
                Regulation(**self.version(
                    self.table(item, f"versions[{i}]"), f"versions[{i}].", shared
                ))
                for i, item in enumerate(items)
            ]
            try:
                versions = RegulationVersions(regulations)
            except ConfigError as error:
                raise self.fail("versions", error.value, error.problem) from None
            return self.with_contracts(versions, data.get("contracts"))
        regulation = Regulation(**self.version(data, "", {}))
        if "contracts" in data:
            return self.with_contracts(RegulationVersions([regulation]), data["contracts"])
        return regulation

    def with_contracts(self, versions: RegulationVersions, value: object) -> RegulationVersions:
        if value is None:
            return versions
        table = self.table(value, "contracts")
        contracts = {}
        for name, spec in table.items():
            where = f"contracts.{name}"
            spec = self.table(spec, where)
            self.unknown(spec, _CONTRACT_KEYS, where)
            for required in ("kind", "signed"):
                if required not in spec:
                    raise self.fail(f"{where}.{required}", None, "missing")
            calendars: dict[str, Schedule] = {}
            replaced = self.table(spec.get("calendars", {}), f"{where}.calendars")
            for policy_name, own in replaced.items():
                key = f"{where}.calendars.{policy_name}"
                own_name = self.text(own, key)
                found = [v.calendars[own_name] for v in versions.versions
                         if own_name in v.calendars]
                if not found:
                    raise self.fail(key, own, "not a calendar of this policy")
                calendars[policy_name] = found[-1]
            try:
                contracts[name] = Contract(
                    name, self.text(spec["kind"], f"{where}.kind"),
                    self.date(spec["signed"], f"{where}.signed"),
                    spec.get("emergency"), calendars=calendars, policy=versions,
                )
            except ConfigError as error:
                if isinstance(error, PolicyError):
                    raise
                raise self.fail(f"{where}.{error.field}", error.value, error.problem) from None
        return RegulationVersions(versions.versions, contracts=contracts)
