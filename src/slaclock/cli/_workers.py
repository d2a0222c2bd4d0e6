"""``slaclock report`` on a Dask cluster: each shard a task (:class:`OnDask`), read on a
worker and kept there, then replayed where it is; each bucket of a split log one task.

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
from slaclock.cli._shards import Done, ReadInfo, Shard, ShardResult, Spec, _bucket
from slaclock.logs import EventLogError

__all__ = ["WORKER_DIED", "ClusterError", "OnDask", "on_dask"]


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


def _bucket_task(spec: Spec, index: int, at: datetime | None) -> Any:
    """:func:`_bucket` on a Dask worker: its answer, or its failure."""
    return _attempt(lambda: _bucket(spec, index, at))


#: What the command says when a Dask worker died under a shard.
WORKER_DIED = ("a Dask worker died while running a shard (out of memory, or killed): try "
               "fewer --jobs, or a machine with more memory")


class ClusterError(SlaclockError, RuntimeError):
    """The Dask cluster failed under the report: a worker died under a shard
    (:data:`WORKER_DIED`: out of memory, or killed), or the cluster stopped answering.
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

    def buckets(
        self, at: datetime | None, done: Done | None = None, first: int = 0
    ) -> list[tuple[ReadInfo, ShardResult | None]]:
        """Each bucket of a split log read and (given ``at``) replayed by one task,
        bucket ``first`` sent first; ``done`` is told of each as it ends."""
        import importlib

        as_completed: Any = importlib.import_module("distributed").as_completed
        order = [first, *(i for i in range(self.spec.shards) if i != first)]
        submitted = {
            i: self.client.submit(_bucket_task, self.spec, i, at, pure=False) for i in order
        }
        futures = [submitted[i] for i in range(self.spec.shards)]
        self.futures.extend(futures)
        index = {future.key: i for i, future in enumerate(futures)}
        answers: list[Any] = [None] * len(futures)
        with self._failures():
            for future in as_completed(futures, loop=self.client.loop):
                i = index[future.key]
                answers[i] = answer = future.result()
                if done is not None and not isinstance(answer, _Failure):
                    done(i, answer[0])
        # A failure is raised as the first bucket's, whichever ended first.
        return [_receive(answer, self.names) for answer in answers]

    def release(self) -> None:
        """Let go of the held shards (a remote cluster's workers keep running)."""
        futures, self.futures, self.held = [*self.held, *self.futures], [], []
        with contextlib.suppress(Exception):
            self.client.cancel(futures)


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
