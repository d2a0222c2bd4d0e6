"""Reading a helpdesk's export: :func:`read_export` decodes the source and hands it to the
reader of the mapping's format (``_csv``, ``_zendesk``, ``_jira``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from os import PathLike, fspath
from pathlib import Path
from typing import IO, Any

from slaclock.helpdesks._csv import _read_csv
from slaclock.helpdesks._export import Export, _Builder
from slaclock.helpdesks._jira import _read_jira
from slaclock.helpdesks._mapping import ExportError, ExportMapping, load_mapping
from slaclock.helpdesks._zendesk import _read_zendesk
from slaclock.sla import Regulation, RegulationVersions

__all__ = ["read_export"]


def read_export(
    source: str | PathLike[str] | IO[str] | IO[bytes] | Mapping[str, Any] | list[Any],
    mapping: ExportMapping | str | PathLike[str],
    policy: Regulation | RegulationVersions | None = None,
    *,
    strict: bool = False,
) -> Export:
    """Read a helpdesk's export, as it is, into slaclock events.

    Args:
        source: the export: a file's path, an open file (text or binary), or, for the
            JSON formats, the parsed data (a dict or list).
        mapping: an :class:`ExportMapping`, or what :func:`load_mapping` takes: a built-in
            name (``"zendesk"``, ``"jira"``, ``"status-history"``) or a TOML file.
        policy: when given, every status value must be one the policy knows (by its
            ``[statuses]``, a category's name, or the mapping's ``[log.statuses]``);
            the others are reported in :attr:`Export.unknown`. Without it, status values
            pass through and :func:`slaclock.report` refuses the unknown ones.
        strict: raise on the first row left out or value unknown.

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
    name = _name(source)
    export = Export(name, mapping, "line" if mapping.format == "csv" else "record")
    build = _Builder(export, policy, strict)
    if mapping.format == "csv":
        _read_csv(_text(source, name, mapping), build)
    else:
        data = source if isinstance(source, dict | list) else _json(
            _text(source, name, mapping), name)
        if mapping.format == "zendesk":
            _read_zendesk(data, build)
        else:
            _read_jira(data, build)
    assert export.balanced, "every row is used, ignored or rejected"
    return export


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


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ExportError(
            name, error.lineno, f"not valid JSON: {error.msg} (column {error.colno})"
        ) from None
    except RecursionError:
        raise ExportError(name, None, "not valid JSON: nested too deeply") from None
