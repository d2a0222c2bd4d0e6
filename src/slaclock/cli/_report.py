"""``slaclock report``: read a ticket event log, replay every ticket, sum the results up.

The work is split into shards by ticket id (a CRC-32 of the id, so the split is the same
in every process and every run). With ``--jobs 1`` one shard runs in the main process
(no worker, Dask not imported): it reads the log and replays every ticket; a log over
:data:`~slaclock.cli._shards.SPLIT_BYTES` is first split by ticket into bucket files
(the same CRC-32), each read and replayed at once and let go
(:func:`~slaclock.cli._shards.run_split`), so that the report's memory is a bucket's.

With more jobs, or ``--scheduler``, no process reads the whole log: the log is cut into
byte ranges at line starts, one a worker (:func:`~slaclock.cli._shards.split_in_ranges`),
and each worker reads its range and splits its rows by ticket into the buckets (a part
file a bucket, or, on a running cluster whose workers do not share our temporary
directory, bytes kept in the worker's memory); each bucket's task then reads its parts
of every range, in file order, and replays its tickets (:func:`run_split`, the same
buckets as a split log's). The workers are a pool of ``--jobs`` processes of this machine
(:class:`~slaclock.cli._workers.OnPool`: no Dask), or the tasks of a Dask cluster
(:class:`~slaclock.cli._workers.OnDask`): a local one for ``--scheduler processes``, or a
running cluster at the scheduler's address, whose workers send their output back as
bytes. A log whose records may run over a line end (a quoted field holding one, which a
range's reader finds) is split by the main process, as one reader, and its buckets
replayed by the workers; a running cluster's shards then each read the whole log and
keep their own tickets' rows, as does an export read through ``--map`` on Dask.

The steps are synchronised so that the result does not depend on the number of jobs:
every shard reads; the main process collects the bad rows and the log's last instant
(the default ``--at``); every shard then replays at that instant, keeps the tickets the
:class:`Filters` keep, and, for the table, its ``--limit`` most urgent tickets, which the
main process merges into the report's most urgent. A worker never prints: its errors come
back as answers, which the main process raises as one process would have; provisional
years are decided by the main process from the span the tickets cover.

The run's files (the buckets, the shards' output, a local cluster's scratch files) live
in a directory of its own in ``TMPDIR`` (:func:`run_directory`), removed however the run
ends; the command turns SIGTERM into an unwinding, as Ctrl-C is
(:func:`~slaclock.cli._report_cmd.terminated_as_interrupted`), and the next run removes
the directory of a run killed outright (:func:`remove_stale`).

Its parts: :mod:`~slaclock.cli._shards` (the shards, the split), :mod:`~slaclock.cli._workers`
(the shards on a pool of processes or on Dask) and :mod:`~slaclock.cli._outputs` (the
merged output).
"""

from __future__ import annotations

import contextlib
import errno
import heapq
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import attrs
import click

from slaclock.calendars import MAX_YEAR
from slaclock.cli._outputs import tell_skipped, write_merged
from slaclock.cli._shards import (
    SPLIT_BYTES,
    STATES,
    Filters,
    InProcess,
    Spec,
    last_year_start,
    load_policy_file,
    no_cycle_collection,
    ranged_buckets,
    report_instant,
    run_split,
    split_buckets,
    split_in_ranges,
)
from slaclock.cli._workers import on_dask, on_pool
from slaclock.helpdesks import of_ticket_left_out
from slaclock.logs import (
    BadRow,
    EventLogError,
    Split,
    check_log_path,
    format_time,
    split_log,
)
from slaclock.reporting import Summary
from slaclock.sla import desk_zone

__all__ = [
    "STATES", "Filters", "Outcome", "load_policy_file", "remove_stale", "run_directory",
    "run_report",
]


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


def tell_engine(results: list[Any]) -> None:
    """``--debug``: how the tickets were counted, on standard error."""
    counted = [r.engine for r in results if r.engine is not None]
    if not counted:
        click.echo("slaclock: every ticket counted by rows (the per-ticket engine)",
                   err=True)
        return
    columns = sum(e["columns"] for e in counted)
    shapes = sum(e["shapes"] for e in counted)
    alone = sum(e["alone"] for e in counted)
    by_rows: dict[str, int] = {}
    for e in counted:
        for why, n in e["rows"].items():
            by_rows[why] = by_rows.get(why, 0) + n
    rows = sum(by_rows.values())
    click.echo(f"slaclock: {columns:,} tickets counted in columns ({shapes:,} distinct event "
               f"sequences walked; {alone:,} tickets alone in theirs, counted as walked), "
               f"{rows:,} by rows" + "".join(
                   f"; {n:,} for {why}" for why, n in sorted(by_rows.items())), err=True)


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
    limit: int | None,
    plot: str | None,
    jobs: int,
    coverage: str | None = None,
    wide: bool = False,
    filters: Filters | None = None,
    mapping: str | None = None,
    scheduler: str | None = None,
    companions: tuple[tuple[str, str], ...] = (),
    engine: str = "columns",
    debug: bool = False,
) -> Outcome:
    """Run ``slaclock report`` (see the command's help); returns what the exit code needs.

    One shard runs in this process (``jobs`` 1, or 0 for a small log); several run on a
    pool of ``jobs`` worker processes, or as tasks of the Dask cluster ``scheduler``
    names (``"processes"``: a local one; an address: a running scheduler, whose workers
    read ``path`` and ``policy_file`` at the same path), as does an export read through
    ``mapping``. The report is the same, byte for byte, whichever runs it.

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
    # A CSV log the columnar engine reads is read whole in this process, unless the jobs
    # are asked for: one core counting in columns outruns workers counting by rows.
    columns = scheduler is None and jobs in (0, 1) and in_columns(
        path, mapping, input_format, engine)
    workers = 1 if path == "-" or columns else _workers_wanted(path, jobs, scheduler,
                                                               mapping)
    local = workers == 1 and scheduler is None
    # Several workers read a log file a byte range each (an export read through --map is
    # read whole, by each shard).
    ranged = not local and path != "-" and mapping is None
    buckets = 0 if ranged or columns else split_buckets(path, mapping, scheduler, workers)
    with run_directory() as workdir:
        with contextlib.ExitStack() as stack, _room(path, fmt, bool(buckets) or ranged):
            progress = _Progress(path)
            stack.callback(progress.stop)
            if local and not buckets:
                # Paused from the first row read to the last ticket replayed, not only
                # while each runs: the collector's first pass after reading would walk
                # every row kept (a few percent of the report), and could free none. A
                # split log is paused while it is split and a bucket at a time (_bucket),
                # the collector let run between buckets: each loads the policy again,
                # whose calendars hold reference cycles. Only the command's own process
                # and its local workers pause it: a library call leaves it alone.
                stack.enter_context(no_cycle_collection())
            spec = Spec(
                path, input_format, tz, policy_file, coverage, fmt,  # type: ignore[arg-type]
                limit, workdir, workers, zone, filters, mapping, strict,
                companions=companions, engine=engine,
            )
            split: Split | None = None
            dask: Any = None  # what runs the buckets (None: this process)
            shards: Any = None  # what reads the shards of a log read whole
            if ranged:
                runner: Any = (on_pool(stack, spec, workers) if scheduler is None
                               else on_dask(stack, path, scheduler, workers, spec))
                split = split_in_ranges(runner, runner.spec.shards)
                if split is not None:
                    spec = runner.spec
                    dask = runner
                elif scheduler in (None, "processes"):
                    # A record runs over a line end (or the like): this process splits
                    # the log, as one reader, and the workers replay its buckets.
                    buckets = ranged_buckets(path, workers)
                    dask = runner
                else:  # a running cluster's workers read the log whole, by ticket
                    shards = runner
            if buckets:
                try:
                    with no_cycle_collection():  # its rows are let go a chunk at a time
                        split = split_log(path, workdir, buckets, fmt=spec.input_format,
                                          tz=tz, details=False,
                                          progress=progress.reading if progress.bar else None)
                except OSError as error:
                    raise EventLogError(
                        path, None, f"cannot split the log by ticket in the temporary "
                        f"directory {workdir}: {error.strerror or error} (a log over "
                        f"{SPLIT_BYTES // 2**20} MB is split there: give TMPDIR a "
                        f"directory with about {room_needed(path, fmt, True) / 2**20:,.0f} "
                        "MB free)",
                    ) from None
                spec = attrs.evolve(spec, shards=buckets, buckets=tuple(split.buckets))
                if dask is not None:
                    dask.spec = attrs.evolve(dask.spec, shards=buckets,
                                             buckets=tuple(split.buckets))
                elif not local:
                    dask = on_dask(stack, path, scheduler, workers, spec)
            if split is not None:
                rows = split.rows
                export = None  # an export read through --map is never split
                bad, results, at = run_split(split, spec if dask is None else dask.spec,
                                             dask, at, zone, path, strict, progress)
            else:
                if shards is None:
                    shards = (InProcess(spec, progress) if local
                              else on_dask(stack, path, scheduler, workers, spec))
                infos = shards.read()
                bad = [b for info in infos for b in info.bad]
                rows = infos[0].rows
                export = infos[0].export
                lasts = [info.last for info in infos if info.last is not None]
                at = report_instant(path, bad, lasts, at, strict, zone)
                progress.replaying(sum(info.tickets for info in infos))
                results = shards.replay(at)
        record = export is not None and export["unit"] == "record"
        for result in results:
            if record:  # a JSON export's rows the report refused: said by their record
                name = Path(path).name
                bad.extend(b if b.place is not None else
                           BadRow(b.line, b.reason, b.ticket, f"{name}: record {b.line}")
                           for b in result.bad)
            else:
                bad.extend(result.bad)
        bad.sort(key=lambda b: b.line)
        if strict and bad:
            if bad[0].place is not None:
                raise EventLogError(bad[0].place, None, bad[0].reason)
            raise EventLogError(path, bad[0].line, bad[0].reason)
        summary = Summary()
        for result in results:
            summary.merge(result.summary)
        if debug:
            tell_engine(results)
        after_at = sum(r.after_at for r in results)
        not_yet = sum(r.not_yet_opened for r in results)
        filtered_out = sum(r.filtered_out for r in results)
        _check_not_empty(path, summary.tickets, filtered_out, bad, not_yet, at, filters,
                         embedded=mapping is not None and policy_file is None)
        from slaclock.cli import _render

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
            "left_out_rows": sum(1 for b in bad if of_ticket_left_out(b)),
            "after_at": after_at,
            "not_yet_opened": not_yet,
            "provisional": bool(provisional),
            "filters": filters.as_dict() if filters else None,
            "filtered_out": filtered_out,
            "export": export,
        }
        if fmt == "table":
            listed = heapq.merge(*(r.listed for r in results), key=lambda item: item[0])
            shown = [cells for _, cells in listed]
            if limit is not None:
                shown = shown[:limit]
            from slaclock.cli._report_table import print_report

            print_report(summary, meta, shown, bad, output, policy=policy, wide=wide)
        else:
            parts = [r.output for r in results if r.output is not None]
            write_merged(fmt, parts, summary, meta, bad, output)
        tell_skipped(path, bad, rows, after_at, not_yet, fmt == "table" and output is None)
        if plot is not None:
            from slaclock.reporting import goals_and_levels
            from slaclock.sla import as_versions

            goals, levels = goals_and_levels(as_versions(policy))
            _render.plot(summary, plot, goals=goals, order=levels)
        notice = provisional.notice()
        if notice is not None:
            print(notice, file=sys.stderr)
        return Outcome(summary.breached, len(bad))


#: The lock file of a run's temporary directory, held (``flock``) by the run's process for
#: as long as it runs: the system lets go of it when the process dies, however it dies.
OWNER_LOCK = "owner.lock"


@contextlib.contextmanager
def run_directory() -> Iterator[str]:
    """The run's temporary directory (``slaclock-*`` in ``TMPDIR``), removed at the end
    however the run ends (done, an error, Ctrl-C, SIGTERM). Its :data:`OWNER_LOCK` is held
    while the run lasts, so that a directory left by a run killed outright (``kill -9``,
    a crash) is known as such and removed by the next run (:func:`remove_stale`)."""
    remove_stale(tempfile.gettempdir())
    workdir = tempfile.mkdtemp(prefix="slaclock-")
    lock = -1
    try:
        lock = _hold(workdir)
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if lock >= 0:
            os.close(lock)


def _hold(workdir: str) -> int:
    """Lock a new :data:`OWNER_LOCK` in ``workdir`` for this process (it holds the
    process's id, for a person who looks); -1 where the system has no ``flock``. The file
    gets its name only once locked: a run that finds it unlocked knows its owner died."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no stale directory is ever removed
        return -1
    making = os.path.join(workdir, f".{OWNER_LOCK}")
    fd = os.open(making, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.rename(making, os.path.join(workdir, OWNER_LOCK))
    except BaseException:
        os.close(fd)
        raise
    return fd


def remove_stale(directory: str) -> list[str]:
    """Remove the ``slaclock-*`` directories in ``directory`` (``TMPDIR``) whose run is
    dead: this user's, with an :data:`OWNER_LOCK` no process holds (a run killed outright
    leaves its split log and output behind). A live run's, another user's and one without
    a lock file (not a run's, or from an older slaclock) are left alone. Returns the
    directories removed; never raises."""
    from slaclock.cli._render import abandoned

    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    for entry in entries:
        try:
            if (not entry.name.startswith("slaclock-")
                    or not entry.is_dir(follow_symlinks=False)
                    or entry.stat(follow_symlinks=False).st_uid != os.getuid()):
                continue
        except OSError:
            continue
        fd = abandoned(os.path.join(entry.path, OWNER_LOCK))
        if fd is None:  # its run is alive, or it is no run's
            continue
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
        finally:
            os.close(fd)
    return removed


@contextlib.contextmanager
def _room(path: str, fmt: str, split: bool) -> Iterator[None]:
    """A temporary directory that fills up is one line that names it and says how much
    room the report needs there (:func:`room_needed`), not a bare ``[Errno 28]``."""
    try:
        yield
    except OSError as error:
        if error.errno not in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise
        raise EventLogError(path, None, _no_room(path, fmt, split, error)) from None


#: How much room the report's temporary files take at their peak, as a share of the log's
#: size (measured on the benchmark's generated log, examples/generate_tickets.py): the
#: split log's buckets (each removed once replayed), or the shards' output (csv, json),
#: which grows to the report's size until it is merged into the report.
ROOM_PER_LOG_BYTE = {"buckets": 1.0, "csv": 1.8, "json": 3.7}


def room_needed(path: str, fmt: str, split: bool) -> int:
    """About how many bytes of ``TMPDIR`` a report of the log at ``path`` takes at its
    peak (:data:`ROOM_PER_LOG_BYTE`)."""
    size = os.path.getsize(path) if path != "-" else 0
    share = max(ROOM_PER_LOG_BYTE.get(fmt, 0.0), ROOM_PER_LOG_BYTE["buckets"] if split else 0.0)
    return int(size * share)


def _no_room(path: str, fmt: str, split: bool, error: OSError) -> str:
    directory = tempfile.gettempdir()
    needed = room_needed(path, fmt, split)
    about = (f"; this report needs about {needed / 2**20:,.0f} MB there" if needed else "")
    return (f"no room left in the temporary directory {directory} "
            f"({error.strerror or error}){about}: free some, or set TMPDIR to a "
            "directory with that much free")


def _check_not_empty(
    path: str, tickets: int, filtered_out: int, bad: list[BadRow], not_yet: int,
    at: datetime, filters: Filters, embedded: bool = False,
) -> None:
    """An empty report from a log with rows is an error: say why, in one line, rather than
    print a report (and pass ``--fail-on-breach``) on nothing; ``embedded``: a helpdesk's
    export counted by the embedded regulation, for want of ``--policy`` (said with the
    refused rows' reason)."""
    if tickets:
        return
    if filtered_out:
        raise EventLogError(
            path, None, f"no ticket matches {filters.describe()} (of {filtered_out} "
            f"ticket{'s' if filtered_out != 1 else ''} reported)",
        )
    if bad:
        first = bad[0]
        where = f"on line {first.line}" if first.place is None else f"in {first.place}"
        hint = ("; no --policy was given, so the embedded support regulation counted the "
                "export: give your desk's policy with --policy") if embedded else ""
        raise EventLogError(
            path, None, f"no ticket could be reported: {len(bad)} "
            f"row{'s' if len(bad) != 1 else ''} refused, the first {where}: {first.reason}"
            f"{hint}",
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
    from slaclock.cli._render import provisional_years as years_of
    from slaclock.sla import as_versions

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


#: The largest CSV log the columnar engine reads whole (its columns take about five times
#: the file's size at their peak): a larger one is split by ticket and counted by rows.
COLUMNS_BYTES = 512 * 2**20


def in_columns(path: str, mapping: str | None, input_format: str | None, engine: str) -> bool:
    """Whether the report reads the log at ``path`` in columns (the columnar engine): a
    CSV file (not standard input, not an export read through ``--map``, not JSON lines)
    of at most :data:`COLUMNS_BYTES`, NumPy and pyarrow installed, ``--engine columns``.
    (A log the columnar reader then leaves to the rows is read whole, by rows.)"""
    if engine != "columns" or mapping is not None or input_format == "jsonl":
        return False
    try:
        from slaclock.reporting._columns_read import takes
    except ImportError:  # no NumPy: the command's extra brings it
        return False
    return takes(path) and os.path.getsize(path) <= COLUMNS_BYTES


def auto_jobs(path: str, mapping: str | None = None) -> int:
    """The number of worker processes ``--jobs 0`` means for the log at ``path``: one
    (this process) for a small log, or for an export read through ``mapping`` where Dask
    is not installed (a log file's workers are a pool of processes, an export's a Dask
    cluster)."""
    if path == "-" or os.path.getsize(path) < AUTO_JOBS_BYTES:
        return 1
    if mapping is not None:
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


def _workers_wanted(path: str, jobs: int, scheduler: str | None,
                    mapping: str | None = None) -> int:
    """How many shards (and local workers) the options ask for; 1 runs in this process.

    Without ``--scheduler``: ``--jobs`` (``0``: :func:`auto_jobs`). With ``--scheduler
    processes``: ``--jobs``, or one per CPU for ``0``. With a scheduler's address:
    ``--jobs``, or ``0`` for as many as the cluster runs at once (known once connected).
    """
    if scheduler is None:
        return auto_jobs(path, mapping) if jobs == 0 else jobs
    if scheduler == "processes":
        return jobs or _cpus()
    return jobs
