"""Reading a helpdesk's export: :func:`read_export` decodes the source (and the companion
files given beside it) and hands it to the reader of the mapping's format, registered in
:data:`READERS` (``_csv``, ``_zendesk``, ``_jira``, ...)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from os import PathLike, fspath
from pathlib import Path
from typing import IO, Any

import attrs

from slaclock.helpdesks._csv import _read_csv
from slaclock.helpdesks._export import Export, _Builder, _json
from slaclock.helpdesks._freshdesk import _read_freshdesk
from slaclock.helpdesks._jira import COMPANIONS as JIRA_COMPANIONS
from slaclock.helpdesks._jira import _read_jira
from slaclock.helpdesks._mapping import FORMATS, ExportError, ExportMapping, load_mapping
from slaclock.helpdesks._redmine import REDMINE_COMPANIONS, _read_redmine
from slaclock.helpdesks._servicenow import SERVICENOW_COMPANIONS, _read_servicenow
from slaclock.helpdesks._zammad import _read_zammad
from slaclock.helpdesks._zendesk import _read_zendesk
from slaclock.helpdesks._zendesk_tables import COMPANIONS as TABLES
from slaclock.helpdesks._zendesk_tables import _read_zendesk_tables
from slaclock.sla import Regulation, RegulationVersions

__all__ = ["READERS", "Reader", "read_export"]

@attrs.frozen
class Reader:
    """The reader of one export format.

    Attributes:
        read: reads the export's main source (its text, or its parsed JSON) through the
            builder, sorting every row into used, ignored or rejected.
        json: whether the main source is JSON (else it is given as text).
        companions: the kinds of file it reads beside the main one (``--with KIND=FILE``),
            each with what it holds.
    """

    read: Callable[[Any, _Builder], None]
    json: bool
    companions: Mapping[str, str] = attrs.field(factory=dict)


#: The reader of each format (:attr:`ExportMapping.format`).
READERS: dict[str, Reader] = {
    "csv": Reader(_read_csv, json=False),
    "zendesk": Reader(_read_zendesk, json=True, companions={
        "users": "Zendesk's users (the Users API's {\"users\": [...]} pages): each one's role",
    }),
    "jira": Reader(_read_jira, json=True, companions=JIRA_COMPANIONS),
    "freshdesk": Reader(_read_freshdesk, json=True, companions={
        "activities": "the ticket activities export (/api/v2/export/ticket_activities)",
        "conversations": "tickets' conversations (/api/v2/tickets/{id}/conversations)"}),
    "zammad": Reader(_read_zammad, json=True),
    "servicenow": Reader(_read_servicenow, json=True, companions=SERVICENOW_COMPANIONS),
    "redmine": Reader(_read_redmine, json=True, companions=REDMINE_COMPANIONS),
    "zendesk-tables": Reader(_read_zendesk_tables, json=False, companions=TABLES),
}
assert set(READERS) == set(FORMATS), "every format has its reader"


def read_export(
    source: str | PathLike[str] | IO[str] | IO[bytes] | Mapping[str, Any] | list[Any],
    mapping: ExportMapping | str | PathLike[str],
    policy: Regulation | RegulationVersions | None = None,
    *,
    strict: bool = False,
    companions: Mapping[str, Any] | None = None,
) -> Export:
    """Read a helpdesk's export, as it is, into slaclock events.

    Args:
        source: the export: a file's path, an open file (text or binary), or, for the
            JSON formats, the parsed data (a dict or list).
        mapping: an :class:`ExportMapping`, or what :func:`load_mapping` takes: a built-in
            name (``"zendesk"``, ``"jira"``, ``"status-history"``, ...: the mapping
            reference lists them) or a TOML file.
        policy: when given, every status value must be one the policy knows (by its
            ``[statuses]``, a category's name, or the mapping's ``[log.statuses]``);
            the others are reported in :attr:`Export.unknown`. Without it, status values
            pass through and :func:`slaclock.report` refuses the unknown ones.
        strict: raise on the first row left out or value unknown.
        companions: files the format reads beside the export (Zendesk's users, Jira's
            changelog pages, ...), by kind: each kind one source or a list of them (a
            path, an open file, or parsed JSON). A kind the format does not read is
            refused, naming those it does.

    Returns:
        an :class:`Export`: ``.events`` go to ``slaclock.report(export.events, policy)``.

    Raises:
        ExportError: for an export that cannot be read at all (an undecodable byte, a
            header that lacks the mapping's columns, malformed JSON), naming the file and
            the line or record; with ``strict``, for the first bad row.
        MappingError: for a bad mapping file.
        OSError: when the export's file cannot be read.

    >>> import io
    >>> text = '''ticket,time,field,old_value,new_value,author_role
    ... 7,2026-06-01T09:00+02:00,status,,New,customer
    ... 7,2026-06-01T10:30+02:00,comment,,Hello,desk
    ... 7,2026-06-01T11:00+02:00,status,New,Solved,desk
    ... '''
    >>> export = read_export(io.StringIO(text), "status-history")
    >>> [(e.kind, e.status or e.author) for e in export.events]
    [('created', 'New'), ('reply', 'desk'), ('status', 'Solved')]
    >>> export.rows, export.used, export.balanced
    (3, 3, True)
    """
    if not isinstance(mapping, ExportMapping):
        mapping = load_mapping(mapping)
    reader = READERS[mapping.format]
    name = _name(source)
    export = Export(name, mapping, "record" if reader.json else "line")
    build = _Builder(export, policy, strict, _companions(companions, reader, mapping))
    if reader.json:
        reader.read(source if isinstance(source, dict | list) else _json(
            _text(source, name, mapping), name), build)
    else:
        reader.read(_text(source, name, mapping), build)
    build.finish()
    assert export.balanced, "every row is used, ignored or rejected"
    return export


def _companions(
    given: Mapping[str, Any] | None, reader: Reader,
    mapping: ExportMapping,
) -> dict[str, list[tuple[str, Any]]]:
    """The companion files by kind, each as its name and text (or parsed data); a kind
    the reader does not take is an :class:`ExportError` naming those it does."""
    out: dict[str, list[tuple[str, Any]]] = {}
    for kind, sources in (given or {}).items():
        if kind not in reader.companions:
            takes = (f"it reads {', '.join(sorted(reader.companions))}" if reader.companions
                     else "it reads none")
            raise ExportError(
                f"--with {kind}", None,
                f"the {mapping.format} format reads no companion file of kind {kind!r} "
                f"({takes})",
            )
        if isinstance(sources, str | PathLike | dict) or hasattr(sources, "read"):
            sources = [sources]
        files = out.setdefault(kind, [])
        for source in sources:
            if isinstance(source, dict | list):
                files.append((f"<{kind}>", source))
            else:
                name = _name(source)
                files.append((name, _text(source, name, mapping)))
    return out


def _name(source: object) -> str:
    if isinstance(source, str | PathLike):
        return Path(fspath(source)).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) else "<export>"


def _text(source: object, name: str, mapping: ExportMapping) -> str:
    """The export's text, decoded by the mapping's encoding, or an :class:`ExportError`
    naming the line of the first byte that is not in it."""
    if isinstance(source, str | PathLike):
        raw: bytes | str = Path(fspath(source)).read_bytes()
    else:
        raw = source.read()  # type: ignore[attr-defined]
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    codec = mapping.codec
    if not codec.startswith("utf") and any(b > 0x7F for b in raw) and _is_utf8(raw):
        raise ExportError(
            name, None,
            f"the file is UTF-8 text, not {mapping.encoding} as the mapping says: set "
            "encoding = \"utf-8\" in [log]",
        )
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        hint = "; set the export's encoding in [log]"
        if codec.startswith("utf"):
            try:
                raw.decode("cp1251")
                hint = "; it reads as Windows-1251: set encoding = \"windows-1251\" in [log]"
            except UnicodeDecodeError:
                pass
        raise ExportError(
            name, line, f"byte 0x{raw[error.start]:02x} is not {mapping.encoding} text{hint}",
        ) from None
    return text.removeprefix("\ufeff")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
