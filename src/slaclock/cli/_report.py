"""``slaclock report``: read a ticket event log, replay every ticket, sum the results up.

The work is split into shards by ticket id (a CRC-32 of the id, so the split is the same
in every process and every run). Each shard reads the whole file but parses only its own
tickets' rows, replays them, writes its tickets' output to a temporary file in a fixed
order, and returns counts; the main process merges them. With ``--jobs 1`` the one shard
runs in the main process (Dask is not imported); with more, or with ``--scheduler``, each
shard is a task of a Dask cluster (:class:`_OnDask`): a local cluster of ``--jobs``
worker processes started for the run, or a running cluster at the scheduler's address,
whose workers send their output back as bytes (their temporary directory is not ours).

A log over :data:`SPLIT_BYTES` is first split by ticket into bucket files (the same
CRC-32): shard ``i`` then reads bucket ``i`` only, and each bucket is read and replayed at
once and let go (:func:`_run_split`), so that the report's memory is a bucket's.

The steps are synchronised so that the result does not depend on the number of jobs:
every shard reads; the main process collects the bad rows and the log's last instant
(the default ``--at``); every shard then replays at that instant, keeps the tickets the
:class:`Filters` keep, and, for the table, its ``--limit`` most urgent tickets, which the
main process merges into the report's most urgent. A worker never prints: its errors come
back as answers (:class:`_Failure`), which the main process raises as one process would
have; provisional years are decided by the main process from the span the tickets cover.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import os
import pickle
import re
import struct
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import IO, Any

import attrs

from slaclock._errors import ProvisionalCalendarWarning
from slaclock._instants import US_PER_SECOND
from slaclock.calendars import MAX_YEAR
from slaclock.logs import (
    BadRow,
    EventLog,
    EventLogError,
    LogFormat,
    Split,
    bucket_of,
    check_log_path,
    csv_safe,
    format_time,
    no_cycle_collection,
    printable,
    split_log,
)
from slaclock.reporting import METRIC_COLUMNS, Replayer, Summary
from slaclock.sla import Counted, _local, desk_zone, signed_of

__all__ = ["STATES", "Filters", "Outcome", "run_report"]

REPORT_FORMAT = 1
_HEADER = struct.Struct("<qqI")
_SECOND = timedelta(seconds=1)


# -- which tickets -------------------------------------------------------------------------

#: The values of ``--state``: a ticket is ``breached`` when some clock breached its target,
#: ``at-risk`` when some running clock used the policy's at-risk share of its target, and
#: ``open`` when no clock breached and some clock still runs or is paused (the summary's
#: "in progress", at risk included).
STATES = ("breached", "at-risk", "open")


def _casefolded(names: Iterable[str]) -> frozenset[str]:
    return frozenset(name.casefold() for name in names)


@attrs.frozen
class Filters:
    """Which of the replayed tickets the report lists and sums up (``--since``,
    ``--until``, ``--state``, ``--level``, ``--customer``); every filter given must hold,
    and a repeated one holds when any of its values does.

    Attributes:
        since: tickets opened at or after this instant.
        until: tickets opened before this instant.
        states: values of :data:`STATES`.
        levels: the level in force at the report's instant.
        customers: the ticket's customer, matched without regard to case.
    """

    since: datetime | None = None
    until: datetime | None = None
    states: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()
    customers: frozenset[str] = attrs.field(default=frozenset(), converter=_casefolded)

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.states or self.levels or self.customers)

    def keeps(self, status: Any, customer: str | None) -> bool:
        """Whether the ticket of ``status`` (with ``customer``, its opening row's when the
        status knows none) passes every filter."""
        opened = status.opened
        if self.since is not None and opened < self.since:
            return False
        if self.until is not None and opened >= self.until:
            return False
        if self.levels and status.level not in self.levels:
            return False
        if self.customers:
            name = status.customer or customer
            if name is None or name.casefold() not in self.customers:
                return False
        if self.states:
            breached = status.breached
            if not (
                ("breached" in self.states and breached)
                or ("at-risk" in self.states and status.at_risk)
                or ("open" in self.states and not breached
                    and any(m.state in ("running", "paused") for m in status.metrics))
            ):
                return False
        return True

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": None if self.since is None else format_time(self.since),
            "until": None if self.until is None else format_time(self.until),
            "states": [s for s in STATES if s in self.states],
            "levels": sorted(self.levels),
            "customers": sorted(self.customers),
        }

    def describe(self) -> str:
        """The filters as options, for a message: ``--level gold --state breached``."""
        parts = []
        if self.since is not None:
            parts.append(f"--since {format_time(self.since)}")
        if self.until is not None:
            parts.append(f"--until {format_time(self.until)}")
        parts += [f"--state {s}" for s in STATES if s in self.states]
        parts += [f"--level {lv}" for lv in sorted(self.levels)]
        parts += [f"--customer {c}" for c in sorted(self.customers)]
        return " ".join(parts)


def _urgency(counted: Counted) -> tuple[int, float]:
    """How urgent a ticket is, smallest first: breached (the most working time overdue
    first, in whole seconds rounded down), then at risk (the largest share of the target
    used first), then the earliest deadline of a running or paused clock (its POSIX
    timestamp); the rest last."""
    clocks = counted.clocks
    overdue = [(c.elapsed - c.target_us) // US_PER_SECOND for c in clocks
               if c.state == "breached" and c.target_us is not None and c.elapsed is not None]
    if overdue:
        return 0, -max(overdue)
    used = [c.used for c in clocks if c.at_risk and c.used is not None]
    if used:
        return 1, -max(used)
    deadlines = [c.deadline / US_PER_SECOND for c in clocks
                 if c.state in ("running", "paused") and c.deadline is not None]
    if deadlines:
        return 2, min(deadlines)
    return 3, 0.0


# -- one shard --------------------------------------------------------------------------


def last_year_start(zone: tzinfo) -> datetime:
    """The first instant a report cannot count at: the start of the calendars' last
    year (9999) in the desk's zone. A year's deadlines may reach into the next, so 9998
    is the last year of a report, as of ``slaclock calendar``."""
    return datetime(MAX_YEAR, 1, 1, tzinfo=zone)


@contextlib.contextmanager
def _quiet_provisional() -> Iterator[None]:
    """No Python warning for a provisional year: the report decides which years its
    answer rests on and says so in one line (:func:`provisional_years`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProvisionalCalendarWarning)
        yield


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
    zone: tzinfo = UTC
    filters: Filters = Filters()
    #: ``--map``: a built-in mapping's name or a mapping file, to read an export as it is.
    mapping: str | None = None
    #: ``--strict``: the first bad row is the only line said.
    strict: bool = False
    #: A large log split by ticket (:func:`~slaclock.logs._eventlog.split_log`): shard ``i``
    #: reads bucket ``i`` (the log's row count and its rows bad on their own are the
    #: split's).
    buckets: tuple[str, ...] = ()


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
    listed: list[tuple[tuple[float, ...], list[tuple[Any, ...]]]]
    output: str | None
    filtered_out: int = 0
    #: The earliest opening and the latest deadline of the tickets counted: the span the
    #: report's answer rests on.
    first: datetime | None = None
    last: datetime | None = None


def load_policy_file(policy_file: str | None) -> Any:
    from slaclock.sla import Regulation, load_policy

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
        if spec.shards > 1 and not spec.buckets:
            n, i = spec.shards, self.index

            def keep(ticket: str) -> bool:
                return bucket_of(ticket, n) == i

        with _quiet_provisional():
            if spec.buckets:  # a log split by ticket: this shard's rows, and no other's
                self.log = EventLog.from_bucket(spec.buckets[self.index], source=spec.path)
            elif spec.mapping is not None:
                self.log = _export_log(spec, keep, speak=self.index == 0)
            else:
                self.log = EventLog.read(
                    spec.path, fmt=spec.input_format, tz=spec.tz, keep=keep,
                    progress=progress, details=False,
                )
        bad = self.log.bad
        if self.index != 0:  # rows without a ticket id belong to shard 0 alone
            bad = [b for b in bad if b.ticket is not None]
        last = self.log.last
        limit = last_year_start(spec.zone)
        if last is not None and last >= limit:
            bad = [*bad, *self._past_the_last_year(limit)]
            last = max((row.at for rows in self.log.tickets.values() for row in rows),
                       default=None)
        return ReadInfo(self.log.rows, bad, last, len(self.log.tickets))

    def _past_the_last_year(self, limit: datetime) -> list[BadRow]:
        """Take out the rows no calendar can count (year 9999 in the desk's zone, or past
        it): bad rows like any other, so that one mistyped year does not become the
        report's instant. A ticket whose opening goes loses all its rows."""
        assert self.log is not None
        tickets = self.log.tickets
        bad: list[BadRow] = []
        for ticket_id in list(tickets):
            rows = tickets[ticket_id]
            if all(row.at < limit for row in rows):
                continue
            late = rows if rows[0].at >= limit else [row for row in rows if row.at >= limit]
            for row in late:
                reason = (
                    f"ticket {ticket_id!r}: {format_time(row.at)} is past the last year a "
                    f"report can count ({MAX_YEAR - 1}): check the row's time"
                )
                if row is not rows[0] and rows[0] in late:
                    reason = (f"ticket {ticket_id!r} was not opened: its 'opened' row (line "
                              f"{rows[0].line}) is past the last year a report can count")
                bad.append(BadRow(row.line, reason, ticket_id))
            kept = [row for row in rows if row not in late]
            if kept:
                tickets[ticket_id] = kept
            else:
                del tickets[ticket_id]
        return bad

    def replay(self, at: datetime, progress: Callable[[int], None] | None = None) -> ShardResult:
        with _quiet_provisional(), no_cycle_collection():
            return self._replay(at, progress)

    def _replay(self, at: datetime, progress: Callable[[int], None] | None) -> ShardResult:
        spec = self.spec
        log = self.log
        assert log is not None
        policy = load_policy_file(spec.policy_file)
        replayer = Replayer(policy, at, spec.coverage)
        summary = Summary(tuple(dict.fromkeys(
            m for v in replayer.versions.versions for m in v.metrics
        )))
        bad: list[BadRow] = []
        listed: list[tuple[tuple[float, ...], list[tuple[Any, ...]]]] = []
        after_at = not_yet = filtered_out = 0
        filters = spec.filters
        filtering = bool(filters)
        first_us: int | None = None
        last_us: int | None = None
        out: IO[bytes] | None = None
        output_path = None
        if spec.fmt in ("csv", "json"):
            output_path = os.path.join(spec.workdir, f"shard-{self.index}.bin")
            out = open(output_path, "wb")  # noqa: SIM115
        render = _render_csv if spec.fmt == "csv" else _render_json
        limit = spec.limit if spec.fmt == "table" else 0
        done = 0
        try:
            for ticket_id, rows in log.tickets.items():
                done += 1
                if progress is not None and done % 2000 == 0:
                    progress(done)
                signed = signed_of(row.signed for row in rows)
                counted, left_out, after = replayer.rows(ticket_id, rows, signed)
                bad.extend(left_out)
                after_at += after
                if counted is None:
                    not_yet += not left_out
                    continue
                status = None  # made where it is needed, once
                if filtering:
                    status = counted.status()
                    if not filters.keeps(status, rows[0].customer):
                        filtered_out += 1
                        continue
                summary._count(counted)
                # The span the answer rests on, in microseconds: a datetime at the end.
                if first_us is None or counted.opened < first_us:
                    first_us = counted.opened
                for c in counted.clocks:
                    if c.deadline is not None and (last_us is None or c.deadline > last_us):
                        last_us = c.deadline
                opened_us, line = counted.opened, rows[0].line  # the opening row's
                if out is not None:
                    data = render(status or counted.status()).encode("utf-8")
                    out.write(_HEADER.pack(opened_us, line, len(data)))
                    out.write(data)
                    continue
                # The table lists the most urgent tickets: each shard keeps its `limit`
                # most urgent (a heap of the negated keys, the least urgent on top); a
                # ticket's cells are made only when it is one of them.
                rank, urgency = _urgency(counted)
                if limit == 0:
                    listed.append(((rank, urgency, opened_us, line),
                                   _cells(status or counted.status())))
                    continue
                negated = (-rank, -urgency, -opened_us, -line)
                if len(listed) < limit:
                    heapq.heappush(listed, (negated, _cells(status or counted.status())))
                elif negated > listed[0][0]:
                    heapq.heapreplace(listed, (negated, _cells(status or counted.status())))
        finally:
            if out is not None:
                out.close()
        if limit:
            listed = [(tuple(-x for x in negated), cells) for negated, cells in listed]
        listed.sort(key=lambda item: item[0])
        self.log = None  # free the rows before the main process merges
        zone = replayer.at.tzinfo
        first = None if first_us is None else _local(first_us, zone)
        last = None if last_us is None else _local(last_us, zone)
        return ShardResult(bad, after_at, not_yet, summary, listed, output_path, filtered_out,
                           first, last)


def _export_log(spec: Spec, keep: Callable[[str], bool] | None, *, speak: bool) -> EventLog:
    """A helpdesk's export read through its mapping (``--map``), as the rows of a log: each
    event keeps the export's line (or JSON record) it came from, and every row the mapping
    could not use is a bad row with its reason; each unknown value is said once, with how
    many rows have it and where it first stands."""
    from slaclock.helpdesks import load_mapping, read_export
    from slaclock.logs import Row

    assert spec.mapping is not None
    export = read_export(spec.path, load_mapping(spec.mapping),
                         load_policy_file(spec.policy_file))
    rows: list[Row | BadRow] = [
        Row(line, e.ticket, e.at, e.kind, e.level, e.detail, e.coverage, e.customer,
            e.category, None, e.status, e.author, dict(e.fields) or None)
        for line, e in zip(export.lines, export.events, strict=True)
    ]
    rows.extend(export.rejected)
    log = EventLog.from_rows(rows, source=export.source, keep=keep)
    if speak and not spec.strict:  # the rejected rows are told with the other bad rows
        for problem in export.problems()[: len(export.unknown)]:
            print(f"slaclock: {printable(problem)}", file=sys.stderr)
    return attrs.evolve(log, rows=export.rows)


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
    return str(status.to_json())


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


@attrs.frozen
class _Failure:
    """An error raised by a shard on a Dask worker, sent back as an answer: the main
    process raises it again as one process would have (:func:`_raise`)."""

    name: str
    message: str
    args: tuple[Any, ...] | None
    error: BaseException | None


def _attempt(call: Callable[[], Any]) -> Any:
    """What ``call()`` returns, or its error as a :class:`_Failure` (a worker never
    prints: the main process says the error in one line)."""
    try:
        return call()
    except Exception as error:
        return _Failure(type(error).__name__, str(error), _error_args(error), _portable(error))


def _error_args(error: BaseException) -> tuple[Any, ...] | None:
    if isinstance(error, EventLogError):
        return (error.source, error.line, error.reason)
    return None


def _portable(error: BaseException) -> BaseException | None:
    """``error`` when it survives pickling (the main process raises it again, as one
    process would have), else ``None``."""
    try:
        copy = pickle.loads(pickle.dumps(error))
    except Exception:
        return None
    return copy if type(copy) is type(error) and str(copy) == str(error) else None


def _receive(answer: Any, names: dict[str, str] | None = None) -> Any:
    """A shard's answer, or its :class:`_Failure` raised as one process would have raised
    the error: an :class:`EventLogError` with its line (naming the log as the command was
    given it, through ``names``), the error itself when it pickles, else a ``ValueError``
    for an input error and a ``RuntimeError`` for the rest."""
    if not isinstance(answer, _Failure):
        return answer
    if answer.args is not None:
        source, line, reason = answer.args
        raise EventLogError((names or {}).get(source, source), line, reason)
    if isinstance(answer.error, Exception):
        raise answer.error
    if answer.name in ("PolicyError", "ConfigError", "ValueError", "OSError"):
        raise ValueError(answer.message)
    raise RuntimeError(f"{answer.name}: {answer.message}")


class _Held:
    """A shard read on a Dask worker, kept there for its replay: its rows never travel."""

    def __init__(self, shard: Shard) -> None:
        self.shard = shard
        self.info: Any = None
        #: What reading said on stderr (the unknown values of a ``--map`` export), for
        #: the main process to say.
        self.said = ""

    def __sizeof__(self) -> int:
        # Dask asks the size of a result to weigh moving it to another worker: the rows
        # are large (about 1 kB each with their parsed events), so they stay put.
        log = self.shard.log
        return object.__sizeof__(self) + (0 if log is None else 1024 * log.rows)


def _read_task(spec: Spec, index: int) -> _Held:
    """Phase 1 on a Dask worker: read the shard and keep it in the worker's memory."""
    import io

    held = _Held(Shard(spec, index))
    if spec.mapping is None or index != 0:
        held.info = _attempt(held.shard.read)
        return held
    # Only the first shard of an export speaks (the export's unknown values), once.
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        held.info = _attempt(held.shard.read)
    held.said = said.getvalue()
    return held


def _info_task(held: _Held) -> tuple[Any, str]:
    """What phase 1 sends back: the :class:`ReadInfo` (or the failure), and what reading
    said on stderr."""
    return held.info, held.said


def _replay_task(held: _Held, at: datetime, ship: bool) -> Any:
    """Phase 2 on a Dask worker: replay the shard held at ``at``. With ``ship`` (a remote
    cluster, whose workers may not share the main process's temporary directory) the
    output is written to a temporary directory of the worker and sent back as bytes."""
    import shutil

    shard = held.shard
    if not ship:
        return _attempt(lambda: shard.replay(at))
    workdir = tempfile.mkdtemp(prefix="slaclock-")
    try:
        shard.spec = attrs.evolve(shard.spec, workdir=workdir)
        result = _attempt(lambda: shard.replay(at))
        if isinstance(result, ShardResult) and result.output is not None:
            with open(result.output, "rb") as f:
                return result, f.read()
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class _InProcess:
    """The one shard, in this process: ``--jobs 1``, and the default for a small log."""

    def __init__(self, spec: Spec, progress: _Progress) -> None:
        self.shard = Shard(spec, 0)
        self.progress = progress

    def read(self) -> list[ReadInfo]:
        return [self.shard.read(self.progress.reading if self.progress.bar else None)]

    def replay(self, at: datetime) -> list[ShardResult]:
        return [self.shard.replay(at, self.progress.replayed if self.progress.bar else None)]


#: What the command says when a Dask worker died under a shard.
WORKER_DIED = ("a Dask worker stopped while running a shard (out of memory? try fewer "
               "--jobs)")


class _OnDask:
    """The shards as tasks of a Dask cluster, one shard a task: phase 1 reads each shard
    on a worker and keeps it there (a future's result, in the worker's memory: the rows
    never travel), phase 2 replays each on the worker that holds it. The results come back
    in shard order; an error of a shard is raised as one process would raise it, a dead
    worker is :data:`WORKER_DIED`."""

    def __init__(self, client: Any, spec: Spec, *, ship: bool, names: dict[str, str]) -> None:
        self.client = client
        self.spec = spec
        self.ship = ship
        self.names = names
        self.held: list[Any] = []
        self.futures: list[Any] = []

    def _gather(self, futures: list[Any]) -> list[Any]:
        from distributed import CancelledError
        from distributed.scheduler import KilledWorker

        self.futures.extend(futures)
        try:
            return list(self.client.gather(futures))
        except KilledWorker:
            raise RuntimeError(WORKER_DIED) from None
        except (CancelledError, OSError, TimeoutError) as error:
            raise RuntimeError(
                f"the Dask cluster stopped answering ({type(error).__name__}: {error})"
            ) from None

    def read(self) -> list[ReadInfo]:
        import uuid

        run = uuid.uuid4().hex[:12]
        workers = sorted(self.client.scheduler_info().get("workers", {}))
        self.held = [
            self.client.submit(
                _read_task, self.spec, i, key=f"slaclock-read-{i}-{run}", pure=False,
                workers=[workers[i % len(workers)]] if workers else None,
                allow_other_workers=True,
            )
            for i in range(self.spec.shards)
        ]
        answers = self._gather([
            self.client.submit(_info_task, held, key=f"slaclock-info-{i}-{run}", pure=False)
            for i, held in enumerate(self.held)
        ])
        infos = []
        for answer, said in answers:
            if said:
                sys.stderr.write(said)
            infos.append(_receive(answer, self.names))
        return infos

    def replay(self, at: datetime) -> list[ShardResult]:
        where = self.client.who_has(self.held)
        futures = []
        for held in self.held:
            holders = list(where.get(held.key, ()))
            futures.append(self.client.submit(
                _replay_task, held, at, self.ship, pure=False, workers=holders or None,
                allow_other_workers=True,
            ))
        results = []
        for i, answer in enumerate(self._gather(futures)):
            if isinstance(answer, tuple):
                answer, data = answer
                answer = _receive(answer, self.names)
                answer.output = os.path.join(self.spec.workdir, f"shard-{i}.bin")
                with open(answer.output, "wb") as f:
                    f.write(data)
            results.append(_receive(answer, self.names))
        self.release()
        return results

    def buckets(self, at: datetime | None) -> list[tuple[ReadInfo, ShardResult | None]]:
        """Each bucket of a split log read and (given ``at``) replayed by one task."""
        futures = [
            self.client.submit(_bucket_task, self.spec, i, at, pure=False)
            for i in range(self.spec.shards)
        ]
        return [_receive(answer, self.names) for answer in self._gather(futures)]

    def release(self) -> None:
        """Let go of the held shards (a remote cluster's workers keep running)."""
        futures, self.futures, self.held = [*self.held, *self.futures], [], []
        with contextlib.suppress(Exception):
            self.client.cancel(futures)


#: Logs larger than this are first split by ticket into buckets on disk, each read and
#: replayed alone: the report's memory is then a bucket's, however large the log.
SPLIT_BYTES = 256 * 2**20
#: About how much of the log a bucket holds.
BUCKET_BYTES = 64 * 2**20


def split_buckets(path: str, mapping: str | None, scheduler: str | None, workers: int) -> int:
    """How many buckets the log at ``path`` is split into (0: it is read whole): a log
    over :data:`SPLIT_BYTES`, in buckets of about :data:`BUCKET_BYTES` (at least one per
    worker). Standard input, an export read through ``--map`` and a remote cluster (whose
    workers cannot read this machine's temporary files) read the log whole."""
    if path == "-" or mapping is not None or scheduler not in (None, "processes"):
        return 0
    size = os.path.getsize(path)
    if size <= SPLIT_BYTES:
        return 0
    return max(workers, -(-size // BUCKET_BYTES))


def _bucket(spec: Spec, index: int, at: datetime | None) -> tuple[ReadInfo, ShardResult | None]:
    """One bucket of a split log, read and (given ``at``) replayed, then let go; the
    collector paused from its first row read to its last ticket replayed (on a Dask
    worker too, for the task's time)."""
    shard = Shard(spec, index)
    with no_cycle_collection():
        info = shard.read()
        return info, None if at is None else shard.replay(at)


def _bucket_task(spec: Spec, index: int, at: datetime | None) -> Any:
    """:func:`_bucket` on a Dask worker: its answer, or its failure."""
    return _attempt(lambda: _bucket(spec, index, at))


def _run_split(
    split: Split, spec: Spec, dask: _OnDask | None, at: datetime | None, zone: tzinfo,
    path: str, strict: bool, progress: _Progress,
) -> tuple[list[BadRow], list[ShardResult], datetime]:
    """Read and replay every bucket of a split log, one after another in this process
    (``dask`` ``None``) or as tasks of a Dask cluster: each bucket at once, so no bucket
    waits in memory for the others.

    Without ``--at``, the report's instant is the log's last, which is known for sure
    only once every bucket is read: the buckets are replayed at the split's latest row,
    which is that instant unless the latest rows are refused when their ticket is read
    (a ticket never opened, say); then they are replayed again, at the right instant.

    Returns:
        the bad rows, the buckets' results, and the report's instant.
    """

    def run(when: datetime | None) -> list[tuple[ReadInfo, ShardResult | None]]:
        progress.replaying(spec.shards)  # a bucket a step
        if dask is not None:
            return dask.buckets(when)
        done = []
        for i in range(spec.shards):
            done.append(_bucket(spec, i, when))
            progress.replayed(i + 1)
        return done

    guess = at if at is not None else split.latest
    usable = guess is not None and guess < last_year_start(zone)
    pairs = run(guess.astimezone(zone) if usable and guess is not None else None)
    bad = [*split.bad, *(b for info, _ in pairs for b in info.bad)]
    chosen = _instant(path, bad, [info.last for info, _ in pairs if info.last is not None],
                      at, strict, zone)
    if not usable or chosen != guess:
        pairs = run(chosen)
    results = [result for _, result in pairs]
    assert all(result is not None for result in results)
    return bad, results, chosen  # type: ignore[return-value]


def _instant(
    path: str, bad: list[BadRow], lasts: list[datetime], at: datetime | None, strict: bool,
    zone: tzinfo,
) -> datetime:
    """The report's instant (``at``, or the log's last), once the log is read: a bad row
    under ``strict``, or no good row at all, is an error."""
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
    return (at if at is not None else max(lasts)).astimezone(zone)


def _workers_wanted(path: str, jobs: int, scheduler: str | None) -> int:
    """How many shards (and local workers) the options ask for; 1 runs in this process.

    Without ``--scheduler``: ``--jobs`` (``0``: :func:`auto_jobs`). With ``--scheduler
    processes``: ``--jobs``, or one per CPU for ``0``. With a scheduler's address:
    ``--jobs``, or ``0`` for as many as the cluster runs at once (known once connected).
    """
    if scheduler is None:
        return auto_jobs(path) if jobs == 0 else jobs
    if scheduler == "processes":
        return jobs or _cpus()
    return jobs


def _on_dask(
    stack: contextlib.ExitStack, path: str, scheduler: str | None, workers: int, spec: Spec
) -> _OnDask:
    """The shards of ``spec`` on a Dask cluster, closed (or let go of) with ``stack``.

    A local cluster's workers run on this machine, in this directory: they read the log
    and write their output where this process does. A remote cluster's workers read the
    log and the policy file at the absolute path this process sees them at (an error
    names the log as it was given), and send their output back.
    """
    from slaclock.reporting import _dask

    what = "--jobs" if scheduler is None else f"--scheduler {scheduler}"
    client = stack.enter_context(_dask.cluster(scheduler, workers or 1, what=what))
    remote = scheduler not in (None, "processes")
    names: dict[str, str] = {}
    if remote:
        absolute = os.path.abspath(path)
        names[absolute] = path
        policy_file = spec.policy_file
        mapping = spec.mapping
        spec = attrs.evolve(
            spec, path=absolute,
            policy_file=None if policy_file is None else os.path.abspath(policy_file),
            mapping=(os.path.abspath(mapping) if mapping is not None and os.path.exists(mapping)
                     else mapping),
            shards=workers or _dask.total_threads(client),
        )
    shards = _OnDask(client, spec, ship=remote, names=names)
    stack.callback(shards.release)
    return shards


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
    filters: Filters | None = None,
    mapping: str | None = None,
    scheduler: str | None = None,
) -> Outcome:
    """Run ``slaclock report`` (see the command's help); returns what the exit code needs.

    One shard runs in this process (``jobs`` 1, or 0 for a small log or without Dask);
    several run as tasks of a Dask cluster: a local one of ``jobs`` worker processes, or
    the one ``scheduler`` names (``"processes"``: a local one; an address: a running
    scheduler, whose workers read ``path`` and ``policy_file`` at the same path). The
    report is the same, byte for byte, whichever runs it.

    Raises:
        EventLogError: the log cannot be read, holds a bad row under ``strict``, or
            gives no ticket to report on (every row refused, every ticket opened after
            ``at``, or none left by ``filters``).
        ValueError: ``at`` is past the last year a report can count.
    """
    policy = load_policy_file(policy_file)  # fail early on a bad policy
    zone = desk_zone(policy)
    filters = filters or Filters()
    if at is not None and at >= last_year_start(zone):
        raise ValueError(
            f"--at {format_time(at)} is past the last year a report can count "
            f"({MAX_YEAR - 1})"
        )
    check_log_path(path)
    if path == "-" and scheduler is not None:
        raise ValueError(f"--scheduler {scheduler} needs a log file its workers can read, "
                         "not standard input")
    workers = 1 if path == "-" else _workers_wanted(path, jobs, scheduler)
    local = workers == 1 and scheduler is None
    buckets = split_buckets(path, mapping, scheduler, workers)
    with tempfile.TemporaryDirectory(prefix="slaclock-") as workdir:
        with contextlib.ExitStack() as stack:
            progress = _Progress(path)
            stack.callback(progress.stop)
            if local and not buckets:
                # Paused from the first row read to the last ticket replayed, not only
                # while each runs: the collector's first pass after reading would walk
                # every row kept (a few percent of the report), and could free none. A
                # split log is paused a bucket at a time (_bucket), the collector let run
                # between buckets: each loads the policy again, whose calendars hold
                # reference cycles.
                stack.enter_context(no_cycle_collection())
            spec = Spec(
                path, input_format, tz, policy_file, coverage, fmt,  # type: ignore[arg-type]
                limit, workdir, workers, zone, filters, mapping, strict,
            )
            if buckets:
                try:
                    split = split_log(path, workdir, buckets, fmt=spec.input_format, tz=tz,
                                      progress=progress.reading if progress.bar else None,
                                      details=False)
                except OSError as error:
                    raise EventLogError(
                        path, None, f"cannot split the log by ticket in the temporary "
                        f"directory {workdir}: {error.strerror or error} (a log over "
                        f"{SPLIT_BYTES // 2**20} MB is split there: give TMPDIR a "
                        "directory with about the log's size free)",
                    ) from None
                spec = attrs.evolve(spec, shards=buckets, buckets=tuple(split.buckets))
                rows = split.rows
                dask = None if local else _on_dask(stack, path, scheduler, workers, spec)
                bad, results, at = _run_split(split, spec, dask, at, zone, path, strict,
                                              progress)
            else:
                shards = (_InProcess(spec, progress) if local
                          else _on_dask(stack, path, scheduler, workers, spec))
                infos = shards.read()
                bad = [b for info in infos for b in info.bad]
                rows = infos[0].rows
                at = _instant(path, bad, [info.last for info in infos if info.last is not None],
                              at, strict, zone)
                progress.replaying(sum(info.tickets for info in infos))
                results = shards.replay(at)
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
        filtered_out = sum(r.filtered_out for r in results)
        _check_not_empty(path, summary.tickets, filtered_out, bad, not_yet, at, filters)
        from . import _render

        provisional = _render.Provisional()
        provisional.only(provisional_years(
            policy,
            min((r.first for r in results if r.first is not None), default=at),
            max((r.last for r in results if r.last is not None), default=at),
            at,
        ))
        meta = {
            "source": Path(path).name if path != "-" else "-",
            "at": at,
            "policy": _policy_meta(policy, policy_file),
            "rows": rows,
            "skipped": len(bad),
            "after_at": after_at,
            "not_yet_opened": not_yet,
            "provisional": bool(provisional),
            "filters": filters.as_dict() if filters else None,
            "filtered_out": filtered_out,
        }
        if fmt == "table":
            listed = heapq.merge(*(r.listed for r in results), key=lambda item: item[0])
            shown = [cells for _, cells in listed]
            if limit:
                shown = shown[:limit]
            from slaclock.cli._report_table import print_report

            print_report(summary, meta, shown, bad, output, policy=policy, wide=wide)
        else:
            parts = [r.output for r in results if r.output is not None]
            _write_merged(fmt, parts, summary, meta, bad, output)
        _tell_skipped(path, bad, rows, after_at, not_yet, fmt == "table" and output is None)
        if plot is not None:
            from slaclock.reporting import goals_and_levels
            from slaclock.sla import as_versions

            goals, levels = goals_and_levels(as_versions(policy))
            _render.plot(summary, plot, goals=goals, order=levels)
        notice = provisional.notice()
        if notice is not None:
            print(notice, file=sys.stderr)
        return Outcome(summary.breached, len(bad))


def _check_not_empty(
    path: str, tickets: int, filtered_out: int, bad: list[BadRow], not_yet: int,
    at: datetime, filters: Filters,
) -> None:
    """An empty report from a log with rows is an error: say why, in one line, rather than
    print a report (and pass ``--fail-on-breach``) on nothing."""
    if tickets:
        return
    if filtered_out:
        raise EventLogError(
            path, None, f"no ticket matches {filters.describe()} (of {filtered_out} "
            f"ticket{'s' if filtered_out != 1 else ''} reported)",
        )
    if bad:
        first = bad[0]
        raise EventLogError(
            path, None, f"no ticket could be reported: {len(bad)} "
            f"row{'s' if len(bad) != 1 else ''} refused, the first on line {first.line}: "
            f"{first.reason}",
        )
    if not_yet:
        raise EventLogError(
            path, None, f"no ticket had opened by --at {format_time(at)}: the log's "
            f"{not_yet} ticket{'s' if not_yet != 1 else ''} open after it",
        )
    raise EventLogError(path, None, "no ticket to report on")


def provisional_years(policy: Any, first: datetime, last: datetime, at: datetime) -> list[int]:
    """The provisional years of the policy's calendars from the earliest opening counted
    (``first``) to the later of the report's instant and the latest deadline (``last``):
    the years the report's answer rests on, whichever process computed it and whatever
    the calendars had compiled before."""
    from slaclock.sla import as_versions

    from ._render import provisional_years as years_of

    versions = as_versions(policy)
    schedules: dict[int, Any] = {}
    for regulation in versions.versions:
        for schedule in regulation.calendars.values():
            schedules.setdefault(id(schedule), schedule)
    for contract in versions.contracts.values():
        for schedule in contract.calendars.values():
            schedules.setdefault(id(schedule), schedule)
    return years_of(schedules.values(), min(first, at), max(last, at))


#: Logs smaller than this are read by one process: starting workers would cost more.
AUTO_JOBS_BYTES = 32 * 2**20
AUTO_JOBS_MAX = 4


def auto_jobs(path: str) -> int:
    """The number of worker processes ``--jobs 0`` means for the log at ``path``: one
    (this process) for a small log or where Dask is not installed."""
    if path == "-" or os.path.getsize(path) < AUTO_JOBS_BYTES:
        return 1
    from slaclock.reporting import _dask

    if not _dask.available():
        return 1
    return max(1, min(_cpus(), AUTO_JOBS_MAX))


def _cpus() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _policy_meta(policy: Any, policy_file: str | None) -> dict[str, Any]:
    from slaclock.sla import RegulationVersions

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
                "provisional": meta["provisional"],
                "filters": None if meta["filters"] is None else {
                    **meta["filters"], "tickets_left_out": meta["filtered_out"],
                },
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

