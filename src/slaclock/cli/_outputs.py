"""``slaclock report``'s output: each shard's tickets written to a part file in the order
they opened, the parts merged into one CSV or JSON report, and what was left out said on
stderr.

A part file is a sequence of records, each a ticket's text (its CSV rows or JSON object,
written by :class:`~slaclock.reporting.MetricWriter`) after a fixed header: the opening's
instant and line, which order the merge.
"""

from __future__ import annotations

import heapq
import json
import struct
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any

from slaclock.helpdesks import of_ticket_left_out
from slaclock.logs import BadRow, format_time, printable
from slaclock.reporting import MetricWriter, Summary
from slaclock.sla import TicketStatus, json_safe

__all__ = ["REPORT_FORMAT", "Part", "tell_skipped", "write_merged"]

#: The version of the JSON report's layout.
REPORT_FORMAT = 1
#: A record's header: the opening's instant (UTC microseconds), its line, the text's size.
_HEADER = struct.Struct("<qqI")


def part_header() -> Any:
    """The struct of a part file's record header: the opening's instant, its line, the
    text's size."""
    return _HEADER


class Part:
    """A shard's part file, written a ticket at a time, in the order the tickets opened."""

    def __init__(self, path: str, fmt: str) -> None:
        self.path = path
        self.file: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._text = MetricWriter(fmt).ticket
        self._write = self.file.write

    def write(self, opened_us: int, line: int, status: TicketStatus) -> None:
        """Write one ticket's text, keyed by its opening's instant and line."""
        data = self._text(status).encode("utf-8")
        self._write(_HEADER.pack(opened_us, line, len(data)))
        self._write(data)

    def close(self) -> None:
        self.file.close()


def _read_parts(path: str) -> Iterator[tuple[int, int, bytes]]:
    with open(path, "rb") as f:
        while True:
            head = f.read(_HEADER.size)
            if not head:
                return
            key, line, size = _HEADER.unpack(head)
            yield key, line, f.read(size)


def write_merged(
    fmt: str,
    parts: list[str],
    summary: Summary,
    meta: dict[str, Any],
    bad: list[BadRow],
    output: str | None,
) -> None:
    """The report in ``fmt`` (``"csv"`` or ``"json"``) from the shards' part files, to
    ``output`` (replaced only once the whole report is written) or standard output."""
    from slaclock.cli._render import atomic_output

    # A file is replaced only once the whole report is written: a failed run leaves it.
    target: Any = (
        nullcontext(sys.stdout.buffer) if output is None else atomic_output(output, "wb")
    )
    with target as out:
        merged = heapq.merge(*(_read_parts(p) for p in parts))
        if fmt == "csv":
            out.write(MetricWriter(fmt).header.encode())
            for _, _, data in merged:
                out.write(data)
        else:
            head = {
                "report_format": REPORT_FORMAT,
                "slaclock": _version(),
                "source": meta["source"],
                "at": format_time(meta["at"]),
                "policy": meta["policy"],
                "rows": {
                    "total": meta["rows"],
                    "skipped": meta["skipped"],
                    "after_at": meta["after_at"],
                },
                "tickets_not_yet_opened": meta["not_yet_opened"],
                "provisional": meta["provisional"],
                "filters": None if meta["filters"] is None else {
                    **meta["filters"], "tickets_left_out": meta["filtered_out"],
                },
            }
            if meta.get("export") is not None:  # --map: what became of the export's rows
                head["export"] = meta["export"]
            text = json_safe(json.dumps(head, ensure_ascii=False, indent=2))
            out.write(text[:-2].encode("utf-8") + b',\n  "tickets": [')
            first = True
            for _, _, data in merged:
                out.write(b"\n    " if first else b",\n    ")
                out.write(data)
                first = False
            out.write(b"\n  ],\n" if not first else b"],\n")
            tail = {
                "skipped": [b.as_dict() for b in bad],
                "summary": summary.as_dict(),
            }
            text = json_safe(json.dumps(tail, ensure_ascii=False, indent=2))
            out.write(text[2:].encode("utf-8") + b"\n")
        out.flush()


def _version() -> str:
    from slaclock._version import __version__

    return __version__


def tell_skipped(
    path: str, bad: list[BadRow], rows: int, after_at: int, not_yet: int, in_table: bool
) -> None:
    """Say on stderr which rows were left out: nothing is dropped silently. The rows of
    the tickets an export's reader left out whole are counted once (the export's totals
    named each ticket and its reason before the report)."""
    lines = []
    # The file name and the reasons quote the log: no terminal escape or newline gets through.
    name = printable(Path(path).name) if path != "-" else "<stdin>"
    whole = [b for b in bad if of_ticket_left_out(b)]
    if whole:
        tickets = len({b.ticket for b in whole})
        lines.append(f"slaclock: skipped the {len(whole)} row{'s' if len(whole) != 1 else ''}"
                     f" of {tickets} ticket{'s' if tickets != 1 else ''} left out whole "
                     "(named above, with their reasons)")
        bad = [b for b in bad if not of_ticket_left_out(b)]
    if bad:
        for b in bad[:10]:
            place = f"{name}:{b.line}" if b.place is None else printable(b.place)
            lines.append(f"slaclock: {place}: {printable(b.reason, limit=500)}")
        if len(bad) > 10:
            lines.append(f"slaclock: ... and {len(bad) - 10} more bad rows "
                         "(--format json lists every one)")
        lines.append(f"slaclock: skipped {len(bad)} bad row{'s' if len(bad) != 1 else ''} "
                     f"of {rows}; --strict stops at the first")
    if after_at and not in_table:
        lines.append(f"slaclock: {after_at} rows after --at were not replayed"
                     + (f" ({not_yet} tickets not yet opened)" if not_yet else ""))
    for line in lines:
        print(line, file=sys.stderr)
