"""The shards of ``slaclock report``: which tickets a report keeps (:class:`Filters`), one
shard read and replayed (:class:`Shard`: a share of the tickets by ticket id, or one
bucket of a log split by ticket), the one shard of a run in this process, and a large log
split into buckets, each read and replayed at once and let go (:func:`run_split`): split
by this process, or by the workers a byte range each (:func:`split_in_ranges`).

Where a shard's tickets are replayed: :func:`_bucket` (one bucket's rows in, its part
file or its most urgent tickets and its counts out), through :meth:`Shard.replay`.

A shard replays its tickets through the report's one loop
(:func:`~slaclock.reporting.replay_tickets`) and writes each ticket kept to its part file
(:class:`~slaclock.cli._outputs.Part`) or, for the table, keeps its ``--limit`` most
urgent. The cyclic garbage collector is paused while a shard reads and replays, in the
command's own process and on the local workers it starts (:attr:`Spec.pause`), never on a
running cluster's workers, nor by a library call.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any, Protocol

import attrs

from slaclock._errors import ProvisionalCalendarWarning
from slaclock._instants import US_PER_SECOND
from slaclock.calendars import MAX_YEAR
from slaclock.cli._columns_shard import last_of, read_in_columns, replay_in_columns
from slaclock.cli._outputs import Part, part_header
from slaclock.logs import (
    BadRow,
    EventLog,
    EventLogError,
    LogFormat,
    Ranges,
    RangeSplit,
    Row,
    Split,
    bucket_of,
    byte_ranges,
    format_time,
    line_offsets,
    merge_ranges,
    part_path,
    printable,
    read_bucket,
    read_parts,
    split_range,
)
from slaclock.reporting import (
    Replayer,
    Summary,
    Tally,
    TicketEvents,
    log_tickets,
    overdue_seconds,
    replay_tickets,
)
from slaclock.sla import Counted, local_datetime

__all__ = [
    "BUCKET_BYTES",
    "SPLIT_BYTES",
    "STATES",
    "Filters",
    "Ranged",
    "ReadInfo",
    "Shard",
    "ShardResult",
    "Spec",
    "last_year_start",
    "load_policy_file",
    "no_cycle_collection",
    "ranged_buckets",
    "report_instant",
    "run_split",
    "split_buckets",
    "split_in_ranges",
]


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
    first, in whole seconds: :func:`~slaclock.reporting.overdue_seconds`), then at risk
    (the largest share of the target used first), then the earliest deadline of a running
    or paused clock (its POSIX timestamp); the rest last."""
    clocks = counted.clocks
    overdue = [overdue_seconds(c.target_us, c.elapsed) for c in clocks
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


def _cells(status: Any) -> list[tuple[Any, ...]]:
    """The table's rows for one ticket: one per clock."""
    return [
        (status.ticket, status.level, status.state, m.metric, m.cycle, m.state,
         m.deadline, m.elapsed, m.remaining, m.at_risk)
        for m in status.metrics
    ]


# -- one shard --------------------------------------------------------------------------


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused (and left as it was found): for the command's
    own process and the local workers it starts, never a library call.

    Reading and replaying a log make millions of small objects and no reference cycle:
    the rows, kept, and each ticket's status, freed as soon as it is written. The collector
    would scan the kept ones again and again as the others come and go (a third of the
    reading time) and could never free one; reference counting frees the rest.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


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
    limit: int | None
    workdir: str
    shards: int
    zone: tzinfo = UTC
    filters: Filters = Filters()
    #: ``--map``: a built-in mapping's name or a mapping file, to read an export as it is.
    mapping: str | None = None
    #: ``--strict``: the first bad row is the only line said.
    strict: bool = False
    #: ``--with KIND=FILE``: the files the export's format reads beside it.
    companions: tuple[tuple[str, str], ...] = ()
    #: A large log split by ticket (:func:`~slaclock.logs.split_log`): shard ``i`` reads
    #: bucket ``i`` (the log's row count and its rows bad on their own are the split's).
    buckets: tuple[str, ...] = ()
    #: A log split by ticket a byte range at a time (:func:`split_in_ranges`): how many
    #: lines of the log come before each range; bucket ``i`` is then the parts of every
    #: range (:func:`~slaclock.logs._buckets.part_path`), or the bytes a task is given.
    ranges: tuple[int, ...] = ()
    #: ``--engine``: ``"columns"`` (the columnar engine where it reads the log, else the
    #: per-ticket one) or ``"rows"`` (the per-ticket engine).
    engine: str = "columns"
    #: Whether a shard pauses the cyclic collector while it reads and replays: in this
    #: process and on the local workers the command starts, not on the workers of a
    #: running cluster (whose other tasks the pause would reach).
    pause: bool = True


@attrs.define
class ReadInfo:
    rows: int
    bad: list[BadRow]
    last: datetime | None
    tickets: int
    #: ``--map``: the export's totals (:meth:`slaclock.helpdesks.Export.as_dict`), read
    #: by the first shard.
    export: dict[str, Any] | None = None


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
    #: How the columnar engine counted the tickets (``None``: all by rows).
    engine: dict[str, Any] | None = None


def load_policy_file(policy_file: str | None) -> Any:
    from slaclock.sla import Regulation, load_policy

    if policy_file is None:
        return Regulation.default()
    return load_policy(policy_file)


class Shard:
    """One share of the tickets: read, then replay (the collector paused while each
    runs, as :attr:`Spec.pause` says)."""

    def __init__(self, spec: Spec, index: int) -> None:
        self.spec = spec
        self.index = index
        self.log: EventLog | None = None
        #: A bucket's rows from each range, as bytes (a running cluster's workers, which
        #: do not share the files): :attr:`Spec.ranges` says where their lines start.
        self.parts: list[bytes] | None = None
        #: The log read in columns (:mod:`~slaclock.cli._columns_shard`), when it was.
        self.columns: Any = None

    def read(self, progress: Callable[[int], None] | None = None) -> ReadInfo:
        spec = self.spec
        if spec.engine == "columns" and spec.shards == 1 and not spec.buckets \
                and spec.mapping is None and spec.input_format != "jsonl":
            with _quiet_provisional(), self.paused():
                read = read_in_columns(spec.path)
            last = None if read is None else last_of(read)
            if read is not None and (last is None or last < last_year_start(spec.zone)):
                self.columns = read
                return ReadInfo(read.rows, list(read.rejected), last, len(read.columns.ids))
        keep = None
        if spec.shards > 1 and not spec.buckets:
            n, i = spec.shards, self.index

            def keep(ticket: str) -> bool:
                return bucket_of(ticket, n) == i

        export = None
        with _quiet_provisional(), self.paused():
            if spec.buckets:  # a log split by ticket: this shard's rows, and no other's
                self.log = EventLog.from_rows(self._bucket_rows(), source=spec.path)
            elif spec.mapping is not None:
                self.log, export = _export_log(spec, keep, speak=self.index == 0)
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
        return ReadInfo(self.log.rows, bad, last, len(self.log.tickets),
                        export if self.index == 0 else None)

    def _bucket_rows(self) -> Iterator[Row]:
        """The rows of this shard's bucket, in file order."""
        spec = self.spec
        if not spec.ranges:
            return read_bucket(spec.buckets[self.index])
        if self.parts is not None:
            return read_parts(zip(self.parts, spec.ranges, strict=True))
        bucket = spec.buckets[self.index]
        return read_parts((part_path(bucket, r), before)
                          for r, before in enumerate(spec.ranges))

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
        with _quiet_provisional(), self.paused():
            return self._replay(at, progress)

    def paused(self) -> contextlib.AbstractContextManager[None]:
        """The collector paused, as :attr:`Spec.pause` says."""
        return no_cycle_collection() if self.spec.pause else contextlib.nullcontext()

    def _replay(self, at: datetime, progress: Callable[[int], None] | None) -> ShardResult:
        spec = self.spec
        if self.columns is not None:
            return self._replay_columns(at)
        log = self.log
        assert log is not None
        replayer = Replayer(load_policy_file(spec.policy_file), at, spec.coverage)
        tally = Tally(Summary(replayer.versions.metric_names))
        listed: list[tuple[tuple[float, ...], list[tuple[Any, ...]]]] = []
        first_us: int | None = None
        last_us: int | None = None
        part: Part | None = None
        write = None
        if spec.fmt in ("csv", "json"):
            part = Part(os.path.join(spec.workdir, f"shard-{self.index}.bin"), spec.fmt)
            write = part.write
        limit = spec.limit  # None: every ticket (the table's --limit all)
        tickets: Iterable[TicketEvents] = log_tickets(log)
        if progress is not None:
            tickets = _counted(tickets, progress)
        try:
            for _, line, counted, status in replay_tickets(
                replayer, tickets, tally, spec.filters.keeps if spec.filters else None,
            ):
                # The span the answer rests on, in microseconds: a datetime at the end.
                opened_us = counted.opened
                if first_us is None or opened_us < first_us:
                    first_us = opened_us
                for c in counted.clocks:
                    if c.deadline is not None and (last_us is None or c.deadline > last_us):
                        last_us = c.deadline
                if write is not None:
                    write(opened_us, line, status or counted.status())
                    continue
                # The table lists the most urgent tickets: each shard keeps its `limit`
                # most urgent (a heap of the negated keys, the least urgent on top); a
                # ticket's cells are made only when it is one of them.
                rank, urgency = _urgency(counted)
                if limit is None:
                    listed.append(((rank, urgency, opened_us, line),
                                   _cells(status or counted.status())))
                    continue
                if limit == 0:
                    continue
                negated = (-rank, -urgency, -opened_us, -line)
                if len(listed) < limit:
                    heapq.heappush(listed, (negated, _cells(status or counted.status())))
                elif negated > listed[0][0]:
                    heapq.heapreplace(listed, (negated, _cells(status or counted.status())))
        finally:
            if part is not None:
                part.close()
        if limit is not None:
            listed = [(tuple(-x for x in negated), cells) for negated, cells in listed]
        listed.sort(key=lambda item: item[0])
        self.log = None  # free the rows before the main process merges
        zone = replayer.at.tzinfo
        first = None if first_us is None else local_datetime(first_us, zone)
        last = None if last_us is None else local_datetime(last_us, zone)
        assert tally.summary is not None
        return ShardResult(
            tally.rejected, tally.after_at, tally.not_yet_opened, tally.summary, listed,
            None if part is None else part.path, tally.filtered_out, first, last,
        )


    def _replay_columns(self, at: datetime) -> ShardResult:
        """:meth:`_replay` of a log read in columns."""
        spec = self.spec
        replayer = Replayer(load_policy_file(spec.policy_file), at, spec.coverage)
        part = None
        if spec.fmt in ("csv", "json"):
            part = Part(os.path.join(spec.workdir, f"shard-{self.index}.bin"), spec.fmt)
        try:
            done = replay_in_columns(self.columns, replayer, spec.filters, spec.fmt,
                                     spec.limit, None if part is None else part.file,
                                     part_header(), _cells)
        finally:
            if part is not None:
                part.close()
        self.columns = None  # free the columns before the main process merges
        tally = done.tally
        assert tally.summary is not None
        return ShardResult(
            tally.rejected, tally.after_at, tally.not_yet_opened, tally.summary, done.listed,
            None if part is None else part.path, tally.filtered_out, done.first, done.last,
            done.engine,
        )


def _counted(
    tickets: Iterable[TicketEvents], progress: Callable[[int], None]
) -> Iterator[TicketEvents]:
    """``tickets``, telling ``progress`` how many have gone by, every 2,000."""
    for done, ticket in enumerate(tickets, 1):
        if done % 2000 == 0:
            progress(done)
        yield ticket


def _export_log(spec: Spec, keep: Callable[[str], bool] | None, *, speak: bool
                ) -> tuple[EventLog, dict[str, Any]]:
    """A helpdesk's export read through its mapping (``--map``), as the rows of a log: each
    event keeps the export's line (or JSON record) it came from, and every row the mapping
    could not use is a bad row with its reason (an unknown value's with how many rows have
    it and how to map it); the export's totals are said first."""
    from slaclock.helpdesks import load_mapping, read_export
    from slaclock.logs import Row

    assert spec.mapping is not None
    companions: dict[str, list[str]] = {}
    for kind, path in spec.companions:
        companions.setdefault(kind, []).append(path)
    export = read_export(spec.path, load_mapping(spec.mapping),
                         load_policy_file(spec.policy_file), companions=companions)
    rows: list[Row | BadRow] = [
        Row(line, e.ticket, e.at, e.kind, e.level, e.detail, e.coverage, e.customer,
            e.category, None, e.status, e.author, dict(e.fields) or None)
        for line, e in zip(export.lines, export.events, strict=True)
    ]
    # A row of an unknown value is told once, with the other bad rows, in the words that
    # say how many rows have the value and how to map it. A row placed in a file read
    # beside the export, or in a JSON export's record, is said at that place
    # ("journal.json: record 3"), not as a line of EVENTS. The rows of a ticket left out
    # whole are skipped rows too (the report's JSON lists them with their reason), which
    # the command says once a ticket (tell_skipped).
    record = export.unit != "line"
    rows.extend(BadRow(b.line, export.said(b), b.ticket,
                       export.where(b) if record or b.place else None)
                for b in export.rejected)
    log = EventLog.from_rows(rows, source=export.source, keep=keep)
    if speak and not spec.strict:
        for problem in export.totals():  # each of the export's values in it cut short
            print(f"slaclock: {printable(problem, limit=None)}", file=sys.stderr)
    return attrs.evolve(log, rows=export.rows), export.as_dict()


class InProcess:
    """The one shard, in this process: ``--jobs 1``, and the default for a small log."""

    def __init__(self, spec: Spec, progress: Any) -> None:
        self.shard = Shard(spec, 0)
        self.progress = progress

    def read(self) -> list[ReadInfo]:
        return [self.shard.read(self.progress.reading if self.progress.bar else None)]

    def replay(self, at: datetime) -> list[ShardResult]:
        return [self.shard.replay(at, self.progress.replayed if self.progress.bar else None)]


# -- a log split by ticket ------------------------------------------------------------


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


def ranged_buckets(path: str, workers: int) -> int:
    """How many buckets a log read a byte range at a time is split into: about
    :data:`BUCKET_BYTES` of the log each (the memory a replay takes), as many for each of
    the ``workers`` (none waits idle at the end while another replays a last one)."""
    workers = max(1, workers)
    wanted = -(-os.path.getsize(path) // BUCKET_BYTES)  # rounded up
    return workers * max(1, -(-wanted // workers))


class Ranged(Protocol):
    """What reads the byte ranges of a log at once (a pool of processes, a Dask
    cluster), holding the run's :class:`Spec`."""

    spec: Spec

    def ranges(self, cut: Ranges) -> list[RangeSplit]:
        """Each range read and split by ticket (:func:`_range`), in range order."""
        ...


def _range(spec: Spec, cut: Ranges, index: int, keep: bool) -> RangeSplit:
    """Range ``index`` of the log read and split by ticket into the part files of the
    run's buckets (``keep``: into the answer, as bytes, for a worker that does not share
    the run's directory); the collector paused as :attr:`Spec.pause` says."""
    with no_cycle_collection() if spec.pause else contextlib.nullcontext():
        return split_range(spec.path, cut, index, spec.shards if keep else list(spec.buckets),
                           tz=spec.tz, details=False)


def split_in_ranges(runner: Ranged, workers: int) -> Split | None:
    """Split the log by ticket as :func:`~slaclock.logs.split_log` does, but a byte range
    a worker, all at once (:func:`~slaclock.logs.byte_ranges`): no process reads the
    whole log. ``runner.spec`` becomes the split's (its buckets, where its ranges' lines
    start), which :func:`run_split` replays.

    Returns ``None`` when the log cannot be read so (a record that runs over a line end,
    a byte that is not UTF-8, a header that is no plain line, a log that may be a JSON
    document): it is then read from its start, as one reader reads it, which says what
    it says of it.
    """
    spec = runner.spec
    cut = byte_ranges(spec.path, max(1, workers), spec.input_format)
    if cut is None:
        return None
    count = ranged_buckets(spec.path, workers)
    runner.spec = attrs.evolve(spec, shards=count, buckets=tuple(
        os.path.join(spec.workdir, f"bucket-{i}.rows") for i in range(count)))
    found = runner.ranges(cut)
    if not all(part.whole for part in found):
        for bucket in runner.spec.buckets:  # their room, for the log's other reading
            for r in range(len(found)):
                with contextlib.suppress(OSError):
                    os.unlink(part_path(bucket, r))
        runner.spec = spec
        return None
    runner.spec = attrs.evolve(runner.spec, ranges=line_offsets(found))
    return merge_ranges(found, list(runner.spec.buckets))


def _bucket(
    spec: Spec, index: int, at: datetime | None, parts: list[bytes] | None = None
) -> tuple[ReadInfo, ShardResult | None]:
    """One bucket of a split log, read and (given ``at``) replayed, then let go; the
    collector paused from its first row read to its last ticket replayed (on a Dask
    worker too, for the task's time). ``parts``: its rows from each range, as bytes
    (:attr:`Shard.parts`).

    This is where a shard's tickets are replayed: the rows of one bucket in, its part
    file (or its ``--limit`` most urgent) and its counts out.
    """
    shard = Shard(spec, index)
    shard.parts = parts
    with shard.paused():
        info = shard.read()
        return info, None if at is None else shard.replay(at)


#: Told that bucket ``i`` is read and replayed, with what reading it found.
Done = Callable[[int, ReadInfo], None]


class Buckets(Protocol):
    """What runs the buckets of a split log elsewhere (a Dask cluster's tasks)."""

    def buckets(
        self, at: datetime | None, done: Done | None = None, first: int = 0
    ) -> list[tuple[ReadInfo, ShardResult | None]]:
        """Each bucket read and (given ``at``) replayed, bucket ``first`` first; the
        answers in bucket order, and ``done`` told of each as it ends, in any order."""
        ...


class _Spent:
    """Removes each bucket file of a split log once its replay is the last it needs, so
    that the temporary directory holds the shards' output as it grows, not the output
    and the whole split log at once.

    A replay at ``--at`` is the last; without it, the buckets are replayed at the split's
    latest row (:func:`run_split`), which is the report's instant as soon as one bucket
    finds it among its tickets' rows: from then on, every bucket replayed is spent.
    """

    def __init__(self, spec: Spec, when: datetime | None, final: bool) -> None:
        self.spec = spec
        self.when = when
        self.final = final and when is not None
        self.replayed: list[int] = []

    def __call__(self, index: int, info: ReadInfo) -> None:
        if self.when is None:
            return
        self.replayed.append(index)
        if not self.final and info.last is not None and info.last == self.when:
            self.final = True
        if self.final:
            for i in self.replayed:
                bucket = self.spec.buckets[i]
                files = ([part_path(bucket, r) for r in range(len(self.spec.ranges))]
                         if self.spec.ranges else [bucket])
                for name in files:
                    with contextlib.suppress(OSError):
                        os.unlink(name)
            self.replayed = []


def run_split(
    split: Split, spec: Spec, dask: Buckets | None, at: datetime | None, zone: tzinfo,
    path: str, strict: bool, progress: Any,
) -> tuple[list[BadRow], list[ShardResult], datetime]:
    """Read and replay every bucket of a split log, one after another in this process
    (``dask`` ``None``) or as tasks of a Dask cluster (``dask.buckets``): each bucket at
    once, so no bucket waits in memory for the others, and its file removed once its
    replay is the last it needs (:class:`_Spent`).

    Without ``--at``, the report's instant is the log's last, which is known for sure
    only once every bucket is read: the buckets are replayed at the split's latest row,
    which is that instant unless the latest rows are refused when their ticket is read
    (a ticket never opened, say); then they are replayed again, at the right instant.

    Returns:
        the bad rows, the buckets' results, and the report's instant.
    """

    def run(when: datetime | None, final: bool) -> list[tuple[ReadInfo, ShardResult | None]]:
        progress.replaying(spec.shards)  # a bucket a step
        spent = _Spent(spec, when, final)
        first = split.latest_bucket or 0
        if dask is not None:
            ended = 0

            def told(i: int, info: ReadInfo) -> None:
                nonlocal ended
                spent(i, info)
                ended += 1
                progress.replayed(ended)

            return dask.buckets(when, told, first)
        done: list[Any] = [None] * spec.shards
        order = [first, *(i for i in range(spec.shards) if i != first)]
        for count, i in enumerate(order, 1):
            done[i] = pair = _bucket(spec, i, when)
            spent(i, pair[0])
            progress.replayed(count)
        return done

    guess = at if at is not None else split.latest
    usable = guess is not None and guess < last_year_start(zone)
    pairs = run(guess.astimezone(zone) if usable and guess is not None else None,
                at is not None)
    bad = [*split.bad, *(b for info, _ in pairs for b in info.bad)]
    lasts = [info.last for info, _ in pairs if info.last is not None]
    chosen = report_instant(path, bad, lasts, at, strict, zone)
    if not usable or chosen != guess:
        pairs = run(chosen, True)
    results = [result for _, result in pairs]
    assert all(result is not None for result in results)
    return bad, results, chosen  # type: ignore[return-value]


def report_instant(
    path: str, bad: list[BadRow], lasts: list[datetime], at: datetime | None, strict: bool,
    zone: tzinfo,
) -> datetime:
    """The report's instant (``at``, or the log's last), once the log is read: a bad row
    under ``strict``, or no good row at all, is an error."""
    if bad and (strict or not lasts):
        first = min(bad, key=lambda b: b.line)
        if strict:
            if first.place is not None:
                raise EventLogError(first.place, None, first.reason)
            raise EventLogError(path, first.line, first.reason)
        where = f"on line {first.line}" if first.place is None else f"in {first.place}"
        raise EventLogError(
            path, None, f"no valid row to report on: {len(bad)} bad "
            f"row{'s' if len(bad) != 1 else ''}, the first {where}: {first.reason}",
        )
    if not lasts:
        raise EventLogError(path, None, "the log holds no events")
    return (at if at is not None else max(lasts)).astimezone(zone)
