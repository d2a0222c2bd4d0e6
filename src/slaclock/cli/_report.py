"""``slaclock report``: read a ticket event log, replay every ticket, sum the results up.

The work is split into shards by ticket id (a CRC-32 of the id, so the split is the same
in every process and every run). Each shard reads the whole file but parses only its own
tickets' rows, replays them, writes its tickets' output to a temporary file in a fixed
order, and returns counts; the main process merges them. With ``--jobs 1`` the one shard
runs in the main process; with more, each runs in a worker process.

The steps are synchronised so that the result does not depend on the number of jobs:
every shard reads; the main process collects the bad rows and the log's last instant
(the default ``--at``); every shard then replays at that instant.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import json
import os
import re
import struct
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import IO, Any

import attrs

from slaclock._eventlog import (
    BadRow,
    EventLog,
    EventLogError,
    LogFormat,
    check_log_path,
    csv_safe,
    format_time,
    printable,
)
from slaclock._report import METRIC_COLUMNS, Replayer, Summary, desk_zone, row_event

__all__ = ["Outcome", "run_report"]

REPORT_FORMAT = 1
_HEADER = struct.Struct("<qqI")
_SECOND = timedelta(seconds=1)


# -- one shard --------------------------------------------------------------------------


@attrs.frozen
class Spec:
    """What every shard needs to know (sent to worker processes)."""

    path: str
    input_format: LogFormat | None
    tz: tzinfo | None
    policy_file: str | None
    coverage: str | None
    fmt: str
    limit: int
    workdir: str
    shards: int


@attrs.define
class ReadInfo:
    rows: int
    bad: list[BadRow]
    last: datetime | None
    tickets: int


@attrs.define
class ShardResult:
    bad: list[BadRow]
    after_at: int
    not_yet_opened: int
    summary: Summary
    listed: list[tuple[int, int, list[tuple[Any, ...]]]]
    output: str | None


def shard_of(ticket: str, shards: int) -> int:
    """The shard a ticket belongs to: stable across processes and runs."""
    return zlib.crc32(ticket.encode("utf-8", "surrogatepass")) % shards


def load_policy_file(policy_file: str | None) -> Any:
    from slaclock._policy import Regulation, load_policy

    if policy_file is None:
        return Regulation.default()
    return load_policy(policy_file)


class Shard:
    """One share of the tickets: read, then replay."""

    def __init__(self, spec: Spec, index: int) -> None:
        self.spec = spec
        self.index = index
        self.log: EventLog | None = None

    def read(self, progress: Callable[[int], None] | None = None) -> ReadInfo:
        spec = self.spec
        keep = None
        if spec.shards > 1:
            n, i = spec.shards, self.index

            def keep(ticket: str) -> bool:
                return zlib.crc32(ticket.encode("utf-8", "surrogatepass")) % n == i

        self.log = EventLog.read(
            spec.path, fmt=spec.input_format, tz=spec.tz, keep=keep, progress=progress,
            details=False,
        )
        bad = self.log.bad
        if self.index != 0:  # rows without a ticket id belong to shard 0 alone
            bad = [b for b in bad if b.ticket is not None]
        return ReadInfo(self.log.rows, bad, self.log.last, len(self.log.tickets))

    def replay(self, at: datetime, progress: Callable[[int], None] | None = None) -> ShardResult:
        from slaclock._errors import EventError
        from slaclock._instants import to_us

        spec = self.spec
        log = self.log
        assert log is not None
        policy = load_policy_file(spec.policy_file)
        replayer = Replayer(policy, at, spec.coverage)
        summary = Summary(tuple(dict.fromkeys(
            m for v in replayer.versions.versions for m in v.metrics
        )))
        bad: list[BadRow] = []
        listed: list[tuple[int, int, list[tuple[Any, ...]]]] = []
        after_at = not_yet = 0
        out: IO[bytes] | None = None
        output_path = None
        if spec.fmt in ("csv", "json"):
            output_path = os.path.join(spec.workdir, f"shard-{self.index}.bin")
            out = open(output_path, "wb")  # noqa: SIM115
        render = _render_csv if spec.fmt == "csv" else _render_json
        limit = spec.limit if spec.fmt == "table" else 0
        done = 0
        # The log's rows live until the replay ends and hold no reference cycle: out of the
        # cyclic collector's sight, which otherwise scans them all over again whenever the
        # replay's short-lived objects trigger a full collection.
        gc.freeze()
        try:
            for ticket_id, rows in log.tickets.items():
                done += 1
                if progress is not None and done % 2000 == 0:
                    progress(done)
                events = []
                for row in rows:
                    try:
                        events.append((row.line, row_event(row)))
                    except EventError as error:
                        bad.append(BadRow(row.line, str(error), ticket_id))
                if not events:
                    continue
                status, left_out, after = replayer.ticket(ticket_id, events, rows[0].signed)
                bad.extend(left_out)
                after_at += after
                if status is None:
                    not_yet += not left_out
                    continue
                summary.add(status)
                key = (to_us(rows[0].at), rows[0].line)
                if out is not None:
                    data = render(status).encode("utf-8")
                    out.write(_HEADER.pack(key[0], key[1], len(data)))
                    out.write(data)
                elif limit == 0 or len(listed) < limit:
                    listed.append((*key, _cells(status)))
        finally:
            gc.unfreeze()
            if out is not None:
                out.close()
        self.log = None  # free the rows before the main process merges
        return ShardResult(bad, after_at, not_yet, summary, listed, output_path)


def _time(value: datetime | None) -> str:
    return "" if value is None else format_time(value)


def _cells(status: Any) -> list[tuple[Any, ...]]:
    """The table's rows for one ticket: one per clock."""
    return [
        (status.ticket, status.level, status.state, m.metric, m.cycle, m.state,
         m.deadline, m.elapsed, m.remaining, m.at_risk)
        for m in status.metrics
    ]


def _render_csv(status: Any) -> str:
    # Only the ticket id and the level are free text; the other cells are times, numbers
    # and fixed words, which never need quoting.
    head = ",".join((
        _quote(csv_safe(status.ticket)), _quote(csv_safe(status.level)),
        status.coverage or "", status.state, format_time(status.opened),
    ))
    lines = []
    for m in status.metrics:
        used = m.used
        lines.append(",".join((
            head, m.metric, str(m.cycle), m.state, format_time(m.start), _time(m.deadline),
            _num(m.target), _num(m.elapsed), _num(m.remaining),
            "" if used is None else f"{used:.4f}", _time(m.met_at), _time(m.breached_at),
            "true" if m.at_risk else "false", "true" if m.state == "breached" else "false",
        )))
    lines.append("")
    return "\r\n".join(lines)


def _num(value: timedelta | None) -> str:
    return "" if value is None else str(value // _SECOND)


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _quote(cell: str) -> str:
    if _NEEDS_QUOTES.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _render_json(status: Any) -> str:
    return json.dumps(status.as_dict(), ensure_ascii=False)


# -- running the shards -------------------------------------------------------------------


@attrs.frozen
class Outcome:
    """What the command needs after the report is written."""

    breached: int
    skipped: int


class _Progress:
    """A progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, path: str) -> None:
        self.bar: Any = None
        if not sys.stderr.isatty() or os.environ.get("SLACLOCK_NO_PROGRESS"):
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(), console=Console(stderr=True), transient=True,
        )
        self.bar.start()
        size = None
        if path != "-":
            try:
                size = os.path.getsize(path)
            except OSError:
                size = None
        self.task = self.bar.add_task("reading", total=size)

    def reading(self, chars: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=chars)

    def replaying(self, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description="replaying", completed=0, total=total)

    def replayed(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _worker(spec: Spec, index: int, conn: Any, counter: Any) -> None:
    """A worker process: read, report, wait for the instant, replay, report."""
    try:
        shard = Shard(spec, index)

        def read_progress(chars: int) -> None:
            counter[0] = chars

        def replay_progress(done: int) -> None:
            counter[1] = done

        conn.send(("read", shard.read(read_progress)))
        at = conn.recv()
        if at is None:
            return
        conn.send(("replayed", shard.replay(at, replay_progress)))
    except BaseException as error:  # sent to the main process, which reports it
        conn.send(("error", (type(error).__name__, str(error), _error_args(error))))
    finally:
        conn.close()


def _error_args(error: BaseException) -> tuple[Any, ...] | None:
    if isinstance(error, EventLogError):
        return (error.source, error.line, error.reason)
    return None


def _receive(conn: Any, wait: Callable[[], None]) -> Any:
    while not conn.poll(0.1):
        wait()
    try:
        kind, payload = conn.recv()
    except EOFError:
        raise RuntimeError(
            "a worker process stopped without an answer (out of memory? try fewer --jobs)"
        ) from None
    if kind == "error":
        name, message, args = payload
        if args is not None:
            raise EventLogError(*args)
        if name in ("PolicyError", "ConfigError", "ValueError", "OSError"):
            raise ValueError(message)
        raise RuntimeError(f"{name}: {message}")
    return payload


class _Pool:
    """The shards, in this process (one) or in worker processes (several)."""

    def __init__(self, spec: Spec, progress: _Progress) -> None:
        self.spec = spec
        self.progress = progress
        self.local: Shard | None = None
        self.procs: list[Any] = []
        self.conns: list[Any] = []
        self.counters: list[Any] = []
        if spec.shards == 1:
            self.local = Shard(spec, 0)
            return
        import multiprocessing

        # Spawned, not forked: a fork of a process with threads may deadlock (and Python
        # 3.12 warns of it); the workers import slaclock again, a fraction of a second.
        ctx: Any = multiprocessing.get_context("spawn")
        for i in range(spec.shards):
            parent, child = ctx.Pipe()
            counter = ctx.Array("q", 2, lock=False)
            proc = ctx.Process(target=_worker, args=(spec, i, child, counter), daemon=True)
            proc.start()
            child.close()
            self.procs.append(proc)
            self.conns.append(parent)
            self.counters.append(counter)

    def _tick_read(self) -> None:
        self.progress.reading(min(c[0] for c in self.counters))

    def _tick_replay(self) -> None:
        self.progress.replayed(sum(c[1] for c in self.counters))

    def read(self) -> list[ReadInfo]:
        if self.local is not None:
            return [self.local.read(self.progress.reading if self.progress.bar else None)]
        return [_receive(conn, self._tick_read) for conn in self.conns]

    def replay(self, at: datetime) -> list[ShardResult]:
        if self.local is not None:
            return [self.local.replay(at, self.progress.replayed if self.progress.bar else None)]
        for conn in self.conns:
            conn.send(at)
        return [_receive(conn, self._tick_replay) for conn in self.conns]

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.close()
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()


def run_report(
    path: str,
    *,
    at: datetime | None,
    policy_file: str | None,
    fmt: str,
    output: str | None,
    tz: tzinfo | None,
    input_format: str | None,
    strict: bool,
    limit: int,
    plot: str | None,
    jobs: int,
    coverage: str | None = None,
    wide: bool = False,
) -> Outcome:
    """Run ``slaclock report`` (see the command's help); returns what the exit code needs.

    Raises:
        EventLogError: the log cannot be read, or holds a bad row under ``strict``.
    """
    policy = load_policy_file(policy_file)  # fail early on a bad policy
    zone = desk_zone(policy)
    check_log_path(path)
    jobs = auto_jobs(path) if jobs == 0 else jobs
    if path == "-":
        jobs = 1
    with tempfile.TemporaryDirectory(prefix="slaclock-") as workdir:
        spec = Spec(
            path, input_format, tz, policy_file, coverage, fmt, limit,  # type: ignore[arg-type]
            workdir, jobs,
        )
        progress = _Progress(path)
        pool = _Pool(spec, progress)
        try:
            infos = pool.read()
            bad = [b for info in infos for b in info.bad]
            rows = infos[0].rows
            lasts = [info.last for info in infos if info.last is not None]
            if bad and (strict or not lasts):
                first = min(bad, key=lambda b: b.line)
                if strict:
                    raise EventLogError(path, first.line, first.reason)
                raise EventLogError(
                    path, None, f"no valid row to report on: {len(bad)} bad "
                    f"row{'s' if len(bad) != 1 else ''}, the first on line {first.line}: "
                    f"{first.reason}",
                )
            if not lasts:
                raise EventLogError(path, None, "the log holds no events")
            if at is None:
                at = max(lasts)
            at = at.astimezone(zone)
            progress.replaying(sum(info.tickets for info in infos))
            results = pool.replay(at)
        finally:
            pool.close()
            progress.stop()
        for result in results:
            bad.extend(result.bad)
        bad.sort(key=lambda b: b.line)
        if strict and bad:
            raise EventLogError(path, bad[0].line, bad[0].reason)
        summary = Summary()
        for result in results:
            summary.merge(result.summary)
        after_at = sum(r.after_at for r in results)
        not_yet = sum(r.not_yet_opened for r in results)
        meta = {
            "source": Path(path).name if path != "-" else "-",
            "at": at,
            "policy": _policy_meta(policy, policy_file),
            "rows": rows,
            "skipped": len(bad),
            "after_at": after_at,
            "not_yet_opened": not_yet,
        }
        from . import _render

        if fmt == "table":
            listed = heapq.merge(*(r.listed for r in results))
            shown = [cells for _, _, cells in listed]
            if limit:
                shown = shown[:limit]
            _render.print_report(summary, meta, shown, bad, output, wide=wide)
        else:
            parts = [r.output for r in results if r.output is not None]
            _write_merged(fmt, parts, summary, meta, bad, output)
        _tell_skipped(path, bad, rows, after_at, not_yet, fmt == "table" and output is None)
        if plot is not None:
            _render.plot(summary, plot)
        return Outcome(summary.breached, len(bad))


#: Logs smaller than this are read by one process: starting workers would cost more.
AUTO_JOBS_BYTES = 32 * 2**20
AUTO_JOBS_MAX = 4


def auto_jobs(path: str) -> int:
    """The number of worker processes ``--jobs 0`` means for the log at ``path``."""
    if path == "-" or os.path.getsize(path) < AUTO_JOBS_BYTES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, AUTO_JOBS_MAX))


def _policy_meta(policy: Any, policy_file: str | None) -> dict[str, Any]:
    from slaclock._policy import RegulationVersions

    versions = policy.versions if isinstance(policy, RegulationVersions) else (policy,)
    return {
        "file": None if policy_file is None else Path(policy_file).name,
        "versions": [v.version for v in versions],
        "title": versions[-1].title,
    }


def _read_parts(path: str) -> Iterator[tuple[int, int, bytes]]:
    with open(path, "rb") as f:
        while True:
            head = f.read(_HEADER.size)
            if not head:
                return
            key, line, size = _HEADER.unpack(head)
            yield key, line, f.read(size)


def _write_merged(
    fmt: str,
    parts: list[str],
    summary: Summary,
    meta: dict[str, Any],
    bad: list[BadRow],
    output: str | None,
) -> None:
    from contextlib import nullcontext

    from ._render import atomic_output

    # A file is replaced only once the whole report is written: a failed run leaves it.
    target: Any = (
        nullcontext(sys.stdout.buffer) if output is None else atomic_output(output, "wb")
    )
    with target as out:
        merged = heapq.merge(*(_read_parts(p) for p in parts))
        if fmt == "csv":
            out.write((",".join(METRIC_COLUMNS) + "\r\n").encode())
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
            }
            text = json.dumps(head, ensure_ascii=False, indent=2)
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
            text = json.dumps(tail, ensure_ascii=False, indent=2)
            out.write(text[2:].encode("utf-8") + b"\n")
        out.flush()


def _version() -> str:
    from slaclock import __version__

    return __version__


def _tell_skipped(
    path: str, bad: list[BadRow], rows: int, after_at: int, not_yet: int, in_table: bool
) -> None:
    """Say on stderr which rows were left out: nothing is dropped silently."""
    lines = []
    # The file name and the reasons quote the log: no terminal escape or newline gets through.
    name = printable(Path(path).name) if path != "-" else "<stdin>"
    if bad:
        for b in bad[:10]:
            lines.append(f"slaclock: {name}:{b.line}: {printable(b.reason, limit=500)}")
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

