"""Export mappings: how a helpdesk's export, as it is, reads as slaclock events.

A mapping is a TOML table ``[log]``, in a file of its own or beside a policy. It says
which reader the export needs (``format``: a CSV of one row per change, or one
helpdesk's own export), which column holds what, how times are
written and in which zone, and how the helpdesk's event kinds, field names, status names
and author roles become slaclock's general vocabulary (:attr:`Event.GENERAL_KINDS
<slaclock.Event.GENERAL_KINDS>`). The format is in :doc:`/reference/mapping-format`.

The mappings that ship by name (``BUILTIN_MAPPINGS``) are one for each helpdesk's
export slaclock reads (``"zendesk"``, ``"zendesk-tables"``, ``"jira"``, ``"freshdesk"``,
``"zammad"``, ``"servicenow"``, ``"redmine"``) and ``"status-history"`` for a CSV of
changes.
"""

from __future__ import annotations

import codecs
import io
import tomllib
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from importlib import resources
from os import PathLike, fspath
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from slaclock._errors import SlaclockError, _FileKeyError
from slaclock.logs import parse_time, parse_zone, pattern_hint
from slaclock.sla import FrozenDict

if TYPE_CHECKING:
    from slaclock.sla import Regulation, RegulationVersions

__all__ = [
    "BUILTIN_MAPPINGS",
    "ExportError",
    "ExportMapping",
    "MappingError",
    "load_mapping",
    "parse_mapping",
    "read_policy_file",
]

Role = Literal["desk", "customer"]
DefaultRole = Literal["desk", "customer", "requester"]

#: The mappings that ship with slaclock, by name.
BUILTIN_MAPPINGS = ("zendesk", "jira", "status-history", "freshdesk", "zammad", "servicenow",
                    "redmine", "zendesk-tables")
#: The export formats, each read by its reader (``_read.READERS``).
FORMATS = ("csv", "zendesk", "jira", "freshdesk", "zammad", "servicenow", "redmine",
           "zendesk-tables")
#: What a column of a CSV export may hold.
COLUMN_ROLES = ("ticket", "time", "event", "field", "old", "new", "author", "role", "public",
                "detail")
#: What an export's event kind may become: a general kind, a comment whose public flag
#: says reply or note, or nothing (counted as ignored).
EVENT_TARGETS = ("created", "status", "reply", "note", "comment", "field", "ignore")
#: What a changed field may become, besides a ticket field of that name.
FIELD_TARGETS = ("status", "level", "customer", "category", "coverage", "reply", "note",
                 "comment", "ignore")
ROLES: tuple[Role, ...] = ("desk", "customer")
DEFAULT_ROLES = ("desk", "customer", "requester")
_TRUE = frozenset({"true", "yes", "1", "public", "y", "да"})
_FALSE = frozenset({"false", "no", "0", "internal", "private", "n", "нет"})
_ENCODINGS = {"utf-8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "windows-1251": "cp1251",
              "cp1251": "cp1251", "latin-1": "latin-1", "utf-16": "utf-16"}
_LOG_KEYS = {
    "format", "name", "columns", "time_format", "tz", "delimiter", "encoding", "events",
    "fields", "statuses", "roles", "agents", "customers", "default_role", "public", "internal",
    "other_fields", "other_events",
}


class MappingError(_FileKeyError):
    """A mapping (the ``[log]`` table) is malformed.

    Attributes:
        path: the file's name (or the built-in mapping's name).
        field: the dotted key at fault, e.g. ``"log.columns.time"``.
        value: the offending value, as read.
    """



class ExportError(SlaclockError, ValueError):
    """An export could not be read at all (an undecodable byte, a header without the
    mapping's columns, malformed JSON), or, in strict mode, held a bad row or an unknown
    value.

    Attributes:
        source: the file's name, as given.
        line: the line (CSV, and JSON syntax errors) or record (JSON exports) at fault,
            or ``None`` when the whole file is.
        unit: ``"line"`` or ``"record"``: what ``line`` counts.
        reason: what was wrong and how to fix it, in one sentence.
    """

    def __init__(self, source: str, line: int | None, reason: str, unit: str = "line") -> None:
        self.source = source
        self.line = line
        self.unit = unit
        self.reason = reason
        if line is None:
            where = source
        elif unit == "line":
            where = f"{source}:{line}"
        else:
            where = f"{source}: {unit} {line}"
        super().__init__(f"{where}: {reason}")


def _table(value: Any) -> Mapping[str, Any]:
    return FrozenDict(value)


def _strings(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen
class ExportMapping:
    """How one helpdesk's export reads as slaclock events.

    Build one with :func:`load_mapping` (a TOML file, or a built-in name), or directly;
    every attribute is one key of the ``[log]`` table
    (:doc:`/reference/mapping-format`).

    Attributes:
        name: where the mapping came from (a file's name, or the built-in name).
        format: the reader: ``"csv"`` (one row per change), ``"zendesk"`` (the incremental
            ticket events export) or ``"jira"`` (issues with their changelog and comments).
        columns: for CSV, what each column holds (``ticket``, ``time``, ``event``,
            ``field``, ``old``, ``new``, ``author``, ``role``, ``public``, ``detail``) to the
            header's name for it.
        time_format: ``"iso"`` (ISO 8601), ``"unix"`` (seconds since the epoch), or a
            pendulum pattern such as ``"DD.MM.YYYY HH:mm"``.
        tz: the IANA zone of times written without an offset; without it such a time is
            refused, never read as UTC.
        delimiter: the CSV's delimiter.
        encoding: ``"utf-8"`` (a byte-order mark is skipped), ``"windows-1251"``, ...
        events: the export's event kinds to a general kind (``created``, ``status``,
            ``reply``, ``note``, ``comment``: reply or note by the public flag, ``field``:
            the row's field, old and new values) or ``"ignore"``.
        fields: the export's field names to what a change of them is: ``status``,
            ``level``, ``customer``, ``category``, ``coverage``, ``reply``, ``note``,
            ``comment``, ``ignore``, or the name of a ticket field (``priority``).
        statuses: the export's status values to the policy's status names (or
            categories), for values the policy does not know by the export's own name.
        roles: a role column's values to ``"desk"`` or ``"customer"``.
        agents: authors (names or ids) who are the desk.
        customers: authors who are customers.
        default_role: the role of any other author: ``"desk"``, ``"customer"``, or
            ``"requester"`` (the ticket's creator is the customer, everyone else the desk);
            ``None`` refuses a row whose author's role is unknown.
        public: values of the public flag that mean public (case-insensitive).
        internal: values that mean internal.
        other_fields: ``"unknown"`` (report each field the mapping does not name) or
            ``"ignore"`` (count them as ignored: exports with many fields).
        other_events: the same for event kinds.
    """

    name: str
    format: str = "csv"
    columns: Mapping[str, str] = attrs.field(factory=dict, converter=_table)
    time_format: str = "iso"
    tz: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    events: Mapping[str, str] = attrs.field(factory=dict, converter=_table)
    fields: Mapping[str, str] = attrs.field(factory=dict, converter=_table)
    statuses: Mapping[str, str] = attrs.field(factory=dict, converter=_table)
    roles: Mapping[str, str] = attrs.field(factory=dict, converter=_table)
    agents: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    customers: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    default_role: DefaultRole | None = None
    public: frozenset[str] = attrs.field(default=_TRUE, converter=_strings)
    internal: frozenset[str] = attrs.field(default=_FALSE, converter=_strings)
    other_fields: Literal["unknown", "ignore"] = "unknown"
    other_events: Literal["unknown", "ignore"] = "unknown"

    @property
    def zone(self) -> tzinfo | None:
        """The zone of times without an offset, or ``None``."""
        return None if self.tz is None else parse_zone(self.tz)

    @property
    def codec(self) -> str:
        """The Python codec that decodes the export."""
        name = self.encoding.lower().replace("_", "-")
        return _ENCODINGS.get(name, name)

    def role(self, author: str | None, role_cell: str | None, requester: str | None
             ) -> Role | None:
        """The role of an author: the role column's value, else the lists, else the
        default; ``None`` when none says."""
        if role_cell is not None:
            found = self.roles.get(role_cell) or self.roles.get(role_cell.casefold())
            if found is None:
                folded = {k.casefold(): v for k, v in self.roles.items()}
                found = folded.get(role_cell.casefold())
            if found is None and role_cell.casefold() in ROLES:
                found = role_cell.casefold()
            if found == "desk":
                return "desk"
            return "customer" if found == "customer" else None
        if author is not None:
            if author in self.agents:
                return "desk"
            if author in self.customers:
                return "customer"
        if self.default_role == "requester":
            if author is None or requester is None:
                return None
            return "customer" if author == requester else "desk"
        return self.default_role

    def is_public(self, cell: str | None) -> bool | None:
        """Whether a public-flag value means public; ``None`` for a value neither list has."""
        if cell is None:
            return None
        folded = cell.strip().casefold()
        if folded in {v.casefold() for v in self.public}:
            return True
        if folded in {v.casefold() for v in self.internal}:
            return False
        return None

    def status(self, value: str) -> str:
        """The policy's name for an export's status value."""
        found = self.statuses.get(value)
        if found is None:
            folded = {k.casefold(): v for k, v in self.statuses.items()}
            found = folded.get(value.strip().casefold(), value)
        return found

    def parse_time(self, text: str) -> datetime:
        """An aware datetime from an export's time text, by :attr:`time_format`.

        A time without an offset takes the mapping's zone (a wall-clock time that the
        zone skips or repeats is refused); with no zone it is refused, never read as UTC.

        Raises:
            ValueError: with a one-sentence reason.

        >>> m = ExportMapping("m", time_format="DD.MM.YYYY HH:mm", tz="Europe/Moscow")
        >>> m.parse_time("30.04.2026 17:30").isoformat()
        '2026-04-30T17:30:00+03:00'
        >>> ExportMapping("m", time_format="DD.MM.YYYY HH:mm").parse_time("30.04.2026 17:30")
        Traceback (most recent call last):
        ...
        ValueError: time '30.04.2026 17:30' has no UTC offset and the mapping gives no zone: ...
        """
        text = text.strip()
        if not text:
            raise ValueError("no time")
        fmt = self.time_format
        unreadable = _UNREADABLE.get(fmt, _PATTERN) + pattern_hint(
            text, "in the mapping's [log]").replace("{", "{{").replace("}", "}}")
        return parse_time(text, self.zone, fmt=fmt, unreadable=unreadable, no_zone=_NO_ZONE)


#: What a mapping says of a time it cannot read, by its time_format (any other: a pattern).
_UNREADABLE = {
    "iso": ("time {text!r} is not ISO 8601 (e.g. 2026-04-30T17:30:00+03:00): if the export "
            "writes times another way, set time_format in the mapping"),
    "unix": "time {text!r} is not a number of seconds since 1970",
    "unix_ms": "time {text!r} is not a number of milliseconds since 1970",
}
_PATTERN = "time {text!r} does not match the mapping's format {fmt!r}"
_NO_ZONE = ("time {text!r} has no UTC offset and the mapping gives no zone: set tz (e.g. tz = "
            "\"Europe/Moscow\") in its [log] table")


# -- reading mappings ------------------------------------------------------------------


def _not_a_mapping(name: str) -> MappingError:
    """The error for a name that is no built-in mapping and no file: said once, with the
    built-in mappings and the one a typo was meant for."""
    from difflib import get_close_matches

    error = MappingError(name, "<mapping>", name, "not a built-in mapping nor a file")
    close = get_close_matches(name.lower(), BUILTIN_MAPPINGS, n=1, cutoff=0.75)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    # One sentence that names the value once (the usual "path: key: problem (got value)"
    # would name it three times).
    ValueError.__init__(
        error, f"{name!r} is neither a built-in mapping{guess} nor a mapping file; the "
        f"built-in mappings are {', '.join(BUILTIN_MAPPINGS)} (or give a TOML file with "
        "a [log] table)",
    )
    return error


def load_mapping(source: str | PathLike[str]) -> ExportMapping:
    """A built-in mapping by name (``"zendesk"``, ``"jira"``, ``"status-history"``, ...:
    :doc:`/reference/mapping-format` lists them) or one from a TOML file: a mapping file
    or a policy file, either with a ``[log]`` table.

    Raises:
        MappingError: naming the file, the key and what to fix.
        OSError: when the file cannot be read.

    >>> load_mapping("zendesk").format
    'zendesk'
    >>> load_mapping("Zendesk").name
    'zendesk'
    >>> load_mapping("status-history").columns["ticket"]
    'ticket'
    """
    text = fspath(source)
    if text.lower() in BUILTIN_MAPPINGS and not Path(text).exists():
        text = text.lower()  # "Zendesk" is the built-in zendesk (a file of that name wins)
    if text in BUILTIN_MAPPINGS:
        data = resources.files("slaclock").joinpath(f"data/mappings/{text}.toml").read_text(
            "utf-8")
        return parse_mapping(tomllib.loads(data), text)
    path = Path(text)
    if not path.exists() and not text.lower().endswith((".toml", ".json")):
        raise _not_a_mapping(text)
    return parse_mapping(_read_toml(path), path.name)


def _read_toml(path: Path) -> Mapping[str, Any]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MappingError(path.name, "<file>", None, f"not UTF-8 text: {error}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(path.name, "<file>", None, f"not valid TOML: {error}") from None
    except RecursionError:
        raise MappingError(path.name, "<file>", None, "not valid TOML: nested too deeply "
                           "(a mapping's tables and arrays nest a few levels)") from None


def read_policy_file(
    path: str | PathLike[str],
) -> tuple[Regulation | RegulationVersions, ExportMapping | None]:
    """A policy file that may carry its export's mapping in a ``[log]`` table: the policy
    (whose reader leaves ``[log]`` alone) and the mapping, or ``None`` when it has none.

    Raises:
        PolicyError: for the policy; MappingError: for the ``[log]`` table.
    """
    from slaclock.sla import parse_policy

    file = Path(fspath(path))
    data = _read_toml(file)
    log = data.get("log")
    policy = parse_policy(data, file.name, base=file.parent)
    mapping = None if log is None else parse_mapping({"log": log}, file.name)
    return policy, mapping


def parse_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> ExportMapping:
    """A mapping from parsed TOML: a document with a ``[log]`` table (other tables, a
    policy's, are left alone).

    Raises:
        MappingError: naming ``source``, the dotted key and the problem.
    """
    return _Reader(source).mapping(data)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, value: object, problem: str) -> MappingError:
        return MappingError(self.source, key, value, problem)

    def text(self, table: Mapping[str, Any], key: str, where: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(f"{where}.{key}", value, "expected a non-empty string")
        return value

    def texts(self, table: Mapping[str, Any], key: str, where: str) -> list[str]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            value = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v
                     for v in value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"{where}.{key}", value, "expected an array of strings (or ids)")
        return list(value)

    def table(self, table: Mapping[str, Any], key: str, where: str,
              allowed: Iterable[str] | None = None, free: bool = False) -> dict[str, str]:
        value = table.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(f"{where}.{key}", value, "expected a table")
        out = {}
        choices = tuple(allowed or ())
        for name, target in value.items():
            if not isinstance(target, str) or not target:
                raise self.fail(f"{where}.{key}.{name}", target, "expected a non-empty string")
            if choices and target not in choices and not free:
                raise self.fail(f"{where}.{key}.{name}", target, f"one of {', '.join(choices)}")
            out[str(name)] = target
        return out

    def choice(self, table: Mapping[str, Any], key: str, where: str,
               choices: tuple[str, ...], default: str | None) -> Any:
        value = table.get(key, default)
        if value is not None and value not in choices:
            raise self.fail(f"{where}.{key}", value, f"one of {', '.join(choices)}")
        return value

    def mapping(self, data: Mapping[str, Any]) -> ExportMapping:
        if not isinstance(data, Mapping) or not isinstance(data.get("log"), Mapping):
            raise self.fail(
                "log", None if not isinstance(data, Mapping) else data.get("log"),
                "a mapping is a [log] table (see the mapping format in the reference)",
            )
        log = data["log"]
        where = "log"
        for key in log:
            if key not in _LOG_KEYS:
                raise self.fail(f"log.{key}", log[key],
                                f"unknown key; allowed: {', '.join(sorted(_LOG_KEYS))}")
        fmt = self.choice(log, "format", where, FORMATS, "csv")
        columns = self.table(log, "columns", where)
        for role in columns:
            if role not in COLUMN_ROLES:
                raise self.fail(f"log.columns.{role}", columns[role],
                                f"unknown column role; one of {', '.join(COLUMN_ROLES)}")
        shared: dict[str, list[str]] = {}
        for role, column in columns.items():
            shared.setdefault(column.strip().casefold(), []).append(role)
        for roles_of_one in shared.values():
            if len(roles_of_one) > 1:
                raise self.fail(
                    "log.columns", dict(columns),
                    f"the roles {', '.join(roles_of_one)} name the same column "
                    f"{columns[roles_of_one[0]]!r} (header names are matched without regard "
                    "to case): give each role a column of its own",
                )
        if fmt == "csv":
            for required in ("ticket", "time"):
                if required not in columns:
                    raise self.fail(f"log.columns.{required}", None,
                                    "missing: name the export's column for it")
            if "event" not in columns and not {"field", "new"} <= set(columns):
                raise self.fail(
                    "log.columns", dict(columns),
                    "name an event column, or the field and new columns of a status history",
                )
        tz = self.text(log, "tz", where)
        if tz is not None:
            try:
                parse_zone(tz)
            except ValueError as error:
                raise self.fail("log.tz", tz, str(error)) from None
        delimiter = self.text(log, "delimiter", where) or ","
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        if len(delimiter) != 1:
            raise self.fail("log.delimiter", delimiter, "one character: ',', ';' or '\\t'")
        encoding = self.text(log, "encoding", where) or "utf-8"
        codec = _ENCODINGS.get(encoding.lower().replace("_", "-"), encoding)
        try:
            codecs.lookup(codec)
        except LookupError:
            raise self.fail("log.encoding", encoding,
                            "unknown encoding; e.g. utf-8, windows-1251") from None
        try:
            # A text encoding, one that decodes bytes to text: not one of the other codecs
            # Python knows by name (rot13, base64, zlib), which a text stream refuses.
            io.TextIOWrapper(io.BytesIO(), encoding=codec)
        except LookupError:
            raise self.fail("log.encoding", encoding,
                            "not a text encoding; e.g. utf-8, windows-1251") from None
        time_format = self.text(log, "time_format", where) or "iso"
        if time_format not in ("iso", "unix", "unix_ms") and not any(
            token in time_format for token in ("YY", "DD", "HH", "hh")
        ):
            raise self.fail("log.time_format", time_format,
                            "'iso', 'unix', or a pendulum pattern such as 'DD.MM.YYYY HH:mm'")
        roles = self.table(log, "roles", where, ROLES)
        public = self.texts(log, "public", where) if "public" in log else _TRUE
        internal = self.texts(log, "internal", where) if "internal" in log else _FALSE
        return ExportMapping(
            name=self.text(log, "name", where) or self.source,
            format=fmt,
            columns=columns,
            time_format=time_format,
            tz=tz,
            delimiter=delimiter,
            encoding=encoding,
            events=self.table(log, "events", where, EVENT_TARGETS),
            fields=self.table(log, "fields", where, FIELD_TARGETS, free=True),
            statuses=self.table(log, "statuses", where),
            roles=roles,
            agents=self.texts(log, "agents", where),
            customers=self.texts(log, "customers", where),
            default_role=self.choice(log, "default_role", where, DEFAULT_ROLES, None),
            public=public,
            internal=internal,
            other_fields=self.choice(log, "other_fields", where, ("unknown", "ignore"),
                                     "unknown"),
            other_events=self.choice(log, "other_events", where, ("unknown", "ignore"),
                                     "unknown"),
        )
