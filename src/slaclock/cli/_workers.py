"""``slaclock report`` on worker processes: a pool of ``--jobs`` processes of this machine
(:class:`OnPool`), or a Dask cluster (:class:`OnDask`). On either, each byte range of the
log is read and split by ticket by one task, then each bucket read and replayed by one;
on Dask, a log that cannot be cut into ranges (or an export) is read a shard a task,
kept on its worker, then replayed where it is.

A worker never prints: what a task raises comes back as an answer (:class:`_Failure`),
which the main process raises as one process would have: the error itself (slaclock's
errors all pickle, attributes and all), or, for one that does not pickle, an error of the
same kind (an input error, :data:`~slaclock._errors.INPUT_ERRORS`, or not) saying it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import attrs

from slaclock._errors import INPUT_ERRORS, SlaclockError
from slaclock.cli._shards import (
    Done,
    ReadInfo,
    Shard,
    ShardResult,
    Spec,
    _bucket,
    _range,
)
from slaclock.logs import EventLogError, Ranges, RangeSplit

__all__ = [
    "PROCESS_DIED", "WORKER_DIED", "ClusterError", "OnDask", "OnPool", "on_dask", "on_pool",
]


@attrs.frozen
class _Failure:
    """An error raised by a shard on a Dask worker, sent back as an answer: the main
    process raises it again as one process would have (:func:`_receive`).

    Attributes:
        error: the error itself, when it survives pickling; else ``None``.
        text: what it says, for one that does not (its class's name first, unless it is
            an input error).
        input: whether it is an input error (:data:`~slaclock._errors.INPUT_ERRORS`).
    """

    error: BaseException | None
    text: str
    input: bool


def _attempt(call: Callable[[], Any]) -> Any:
    """What ``call()`` returns, or its error as a :class:`_Failure` (a worker never
    prints: the main process says the error in one line)."""
    try:
        return call()
    except Exception as error:
        usage = isinstance(error, INPUT_ERRORS)
        return _Failure(_portable(error), str(error) if usage else
                        f"{type(error).__name__}: {error}", usage)


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
    the error: the error itself (an :class:`EventLogError` naming the log as the command
    was given it, through ``names``), else a ``ValueError`` for an input error and a
    ``RuntimeError`` for the rest."""
    if not isinstance(answer, _Failure):
        return answer
    error = answer.error
    if isinstance(error, EventLogError) and names and error.source in names:
        raise EventLogError(names[error.source], error.line, error.reason)
    if isinstance(error, Exception):
        raise error
    if answer.input:
        raise ValueError(answer.text)
    raise RuntimeError(answer.text)


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


def _bucket_task(
    spec: Spec, index: int, at: datetime | None, parts: list[bytes] | None = None,
    ship: bool = False,
) -> Any:
    """:func:`_bucket` on a worker: its answer, or its failure. ``parts``: the bucket's
    rows from each range, as bytes; ``ship``: the output written to a temporary directory
    of the worker and sent back as bytes (a running cluster's workers may not share the
    run's directory), as ``(answer, output)``."""
    if not ship:
        return _attempt(lambda: _bucket(spec, index, at, parts))
    import shutil

    workdir = tempfile.mkdtemp(prefix="slaclock-")
    try:
        answer = _attempt(lambda: _bucket(attrs.evolve(spec, workdir=workdir), index, at,
                                          parts))
        result = None if isinstance(answer, _Failure) else answer[1]
        if result is not None and result.output is not None:
            with open(result.output, "rb") as f:
                return answer, f.read()
        return answer, None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _range_task(spec: Spec, cut: Ranges, index: int, keep: bool) -> Any:
    """:func:`_range` on a worker: its answer, or its failure."""
    return _attempt(lambda: _range(spec, cut, index, keep))


def _range_said(found: Any) -> Any:
    """What a range's task sends back: its answer without its rows (kept on the worker)."""
    if isinstance(found, RangeSplit) and found.parts is not None:
        return attrs.evolve(found, parts=None)
    return found


def _range_part(found: Any, index: int) -> bytes:
    """Bucket ``index``'s rows of a range's answer (none for a failure, said apart)."""
    return found.parts[index] if isinstance(found, RangeSplit) and found.parts else b""


def _shipped(answer: Any, spec: Spec, index: int) -> Any:
    """A bucket's answer whose output came back as bytes, that output written to the
    run's directory, where a local worker would have written it."""
    answer, data = answer
    if data is not None and not isinstance(answer, _Failure):
        result = answer[1]
        result.output = os.path.join(spec.workdir, f"shard-{index}.bin")
        with open(result.output, "wb") as f:
            f.write(data)
    return answer


def _in_order(
    count: int, completed: Iterator[tuple[int, Any]], done: Done | None
) -> list[Any]:
    """The answers of ``count`` buckets in bucket order, from ``completed`` (each
    bucket's index and answer as it ends), ``done`` told of each as it comes."""
    answers: list[Any] = [None] * count
    for i, answer in completed:
        answers[i] = answer
        if done is not None and not isinstance(answer, _Failure):
            done(i, answer[0])
    return answers


def _first_first(count: int, first: int) -> list[int]:
    """The buckets in the order they are sent: ``first``, then the rest."""
    return [first, *(i for i in range(count) if i != first)]


#: What the command says when a Dask worker died under a shard.
WORKER_DIED = ("a Dask worker died while running a shard (out of memory, or killed): try "
               "fewer --jobs, or a machine with more memory")


class ClusterError(SlaclockError, RuntimeError):
    """The Dask cluster or the pool of worker processes failed under the report: a worker
    died under a shard (:data:`WORKER_DIED`, :data:`PROCESS_DIED`: out of memory, or
    killed), or the cluster stopped answering.
    Not a bug of slaclock: the command says it in one line, exit code 2."""


class OnDask:
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
        #: A running cluster's bucket parts, each range's, as futures on its workers.
        self.parts: list[list[Any]] = []

    def _gather(self, futures: list[Any]) -> list[Any]:
        self.futures.extend(futures)
        with self._failures():
            return list(self.client.gather(futures))

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """A dead worker, or a cluster that stopped answering, as a :class:`ClusterError`."""
        from distributed import CancelledError
        from distributed.scheduler import KilledWorker

        try:
            yield
        except KilledWorker:
            raise ClusterError(WORKER_DIED) from None
        except (CancelledError, OSError, TimeoutError) as error:
            raise ClusterError(
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

    def ranges(self, cut: Ranges) -> list[RangeSplit]:
        """Each byte range of the log read and split by ticket by one task, on the
        workers in turn. A local cluster's tasks write the buckets' part files in the
        run's directory; a running cluster's keep each range's rows in the memory of the
        worker that read them, whence each bucket's task takes its parts."""
        import uuid

        run = uuid.uuid4().hex[:12]
        workers = sorted(self.client.scheduler_info().get("workers", {}))
        count = len(cut.bounds)
        mapped = [
            self.client.submit(
                _range_task, self.spec, cut, r, self.ship, key=f"slaclock-range-{r}-{run}",
                pure=False, workers=[workers[r % len(workers)]] if workers else None,
                allow_other_workers=True,
            )
            for r in range(count)
        ]
        self.held = mapped
        answers = self._gather([self.client.submit(_range_said, m, pure=False)
                                for m in mapped])
        found = [_receive(answer, self.names) for answer in answers]
        if self.ship:
            self.parts = [
                [self.client.submit(_range_part, m, i, pure=False) for m in mapped]
                for i in range(self.spec.shards)
            ]
        return found

    def buckets(
        self, at: datetime | None, done: Done | None = None, first: int = 0
    ) -> list[tuple[ReadInfo, ShardResult | None]]:
        """Each bucket of a split log read and (given ``at``) replayed by one task,
        bucket ``first`` sent first; ``done`` is told of each as it ends."""
        import importlib

        as_completed: Any = importlib.import_module("distributed").as_completed
        spec = self.spec
        submitted = {
            i: self.client.submit(
                _bucket_task, spec, i, at, self.parts[i] if self.parts else None,
                self.ship, pure=False,
            )
            for i in _first_first(spec.shards, first)
        }
        futures = [submitted[i] for i in range(spec.shards)]
        self.futures.extend(futures)
        index = {future.key: i for i, future in enumerate(futures)}

        def completed() -> Iterator[tuple[int, Any]]:
            for future in as_completed(futures, loop=self.client.loop):
                i = index[future.key]
                answer = future.result()
                yield i, _shipped(answer, spec, i) if self.ship else answer

        with self._failures():
            answers = _in_order(spec.shards, completed(), done)
        # A failure is raised as the first bucket's, whichever ended first.
        return [_receive(answer, self.names) for answer in answers]

    def release(self) -> None:
        """Let go of the held shards (a remote cluster's workers keep running)."""
        futures = [*self.held, *self.futures, *(p for parts in self.parts for p in parts)]
        self.futures, self.held, self.parts = [], [], []
        with contextlib.suppress(Exception):
            self.client.cancel(futures)


#: What the command says when a worker process of ``--jobs`` died under a shard.
PROCESS_DIED = ("a worker process died while running a shard (out of memory, or killed): "
                "try fewer --jobs, or a machine with more memory")


def _worker_start() -> None:
    """A worker process of the pool ignores Ctrl-C: the command's process stops it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class OnPool:
    """The shards as tasks of a pool of ``--jobs`` worker processes of this machine,
    started for the run (no Dask: a pool starts in a fraction of a second): each byte
    range of the log read and split by ticket by one task
    (:func:`~slaclock.cli._shards.split_in_ranges`), then each bucket read and replayed by
    one (:func:`~slaclock.cli._shards.run_split`), every file in the run's directory.
    An error of a task is raised as one process would raise it, a dead worker is
    :data:`PROCESS_DIED`."""

    def __init__(self, spec: Spec, workers: int) -> None:
        import concurrent.futures
        import multiprocessing

        # Fresh processes: never a fork of this one, which may run threads (a progress
        # bar's, a Dask client's), nor a fork server, which would outlive the run and
        # keep its socket in TMPDIR.
        context = multiprocessing.get_context("spawn")
        self.spec = spec
        self.workers = workers
        self.pool = concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_start,
        )

    def _completed(self, futures: dict[Any, int]) -> Iterator[tuple[int, Any]]:
        """Each task's index and answer as it ends; a dead worker as a
        :class:`ClusterError`."""
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BrokenProcessPool:
            raise ClusterError(PROCESS_DIED) from None

    def ranges(self, cut: Ranges) -> list[RangeSplit]:
        """Each byte range of the log read and split by ticket by one task."""
        futures = {self.pool.submit(_range_task, self.spec, cut, r, False): r
                   for r in range(len(cut.bounds))}
        answers = _in_order(len(futures), self._completed(futures), None)
        return [_receive(answer) for answer in answers]

    def buckets(
        self, at: datetime | None, done: Done | None = None, first: int = 0
    ) -> list[tuple[ReadInfo, ShardResult | None]]:
        """Each bucket of the split log read and (given ``at``) replayed by one task,
        bucket ``first`` sent first; ``done`` is told of each as it ends."""
        count = self.spec.shards
        futures = {self.pool.submit(_bucket_task, self.spec, i, at): i
                   for i in _first_first(count, first)}
        answers = _in_order(count, self._completed(futures), done)
        return [_receive(answer) for answer in answers]

    def close(self, failed: bool) -> None:
        """Stop the workers: once they are idle, or (``failed``: an error, Ctrl-C) at
        once, whatever they run."""
        if not failed:
            self.pool.shutdown(wait=True)
            return
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(5)


def on_pool(stack: contextlib.ExitStack, spec: Spec, workers: int) -> OnPool:
    """The shards of ``spec`` on a pool of ``workers`` processes, stopped with ``stack``
    (at once when the run fails)."""
    pool = OnPool(spec, workers)
    stack.push(lambda kind, *_: pool.close(kind is not None))
    return pool


def on_dask(
    stack: contextlib.ExitStack, path: str, scheduler: str | None, workers: int, spec: Spec
) -> OnDask:
    """The shards of ``spec`` on a Dask cluster, closed (or let go of) with ``stack``.

    A local cluster's workers run on this machine, in this directory: they read the log
    and write their output where this process does. A remote cluster's workers read the
    log and the policy file at the absolute path this process sees them at (an error
    names the log as it was given), send their output back, and leave the collector on:
    they run other tasks too, which a pause would reach.
    """
    import logging

    from slaclock.reporting import _dask

    # Dask says nothing in the command's process to its end: a cluster stopped halfway
    # through its start (SIGTERM, Ctrl-C) is cleaned up at exit, and would say so.
    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    what = "--jobs" if scheduler is None else f"--scheduler {scheduler}"
    remote = scheduler not in (None, "processes")
    # A local cluster's scratch files go to the run's temporary directory, removed with it.
    client = stack.enter_context(_dask.cluster(
        scheduler, workers or 1, what=what, directory=None if remote else spec.workdir,
    ))
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
            shards=workers or _dask.total_threads(client), pause=False,
        )
    shards = OnDask(client, spec, ship=remote, names=names)
    stack.callback(shards.release)
    return shards
