"""Dask for slaclock: a report on a Dask DataFrame, and the clusters ``slaclock report``
runs its shards on.

Nothing here imports Dask until it is used: :func:`is_dask_frame` tells a Dask
DataFrame by its type's module, so :func:`slaclock.report` can dispatch on it in a
process without Dask.

A report on a Dask DataFrame (:func:`report_frame`) runs in three steps:

1. a pass over the frame's partitions as they are: how many rows each holds, and (when
   no ``at`` is given) the latest instant among the rows that make events, the default
   ``at``, as one pass over the whole frame would find it;
2. a shuffle on the ticket id (as the report reads it: the cell's text, stripped), so that
   every ticket's rows are in one partition, each row keeping its position in the frame;
3. per partition, the pandas path of :func:`slaclock.report` (the same reading of the
   columns, the same replay loop) at that one instant; the client merges the partitions'
   tickets in the order they opened and their summaries with :meth:`Summary.merge`.

A row's position (the ``line`` of a rejected row, and the tie-break of events of one
ticket at the same instant) is its position in the whole frame, counting from 1 in the
order of the partitions: the position it has in ``ddf.compute()``. So the report equals
``report(ddf.compute(), policy)``: the same statuses, in the same order, the same
rejected rows with the same lines, the same counts; the summary's :meth:`~Summary.as_dict`
is the same (its internal list of clocks at risk follows the partitions' order, which
``as_dict`` sorts).
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from slaclock.reporting._result import Report
    from slaclock.sla import Regulation, RegulationVersions

__all__ = ["MISSING", "cluster", "is_dask_frame", "report_frame"]

#: What to install for Dask, as an error says it.
MISSING = 'Dask is not installed: pip install "slaclock[dask]"'
#: How long a client waits to connect to a running Dask scheduler that answered, in seconds.
CONNECT_TIMEOUT = 10.0
#: How long to wait for the first answer of a running Dask scheduler, in seconds, the
#: connection included: with the command's start-up (importing Dask takes a second or
#: two), an address where no scheduler answers is given up within 10 seconds.
ANSWER_TIMEOUT = 5.0
#: How long to wait for a local cluster (or a client) to close, in seconds.
CLOSE_TIMEOUT = 30.0

_POS = "__slaclock_position"
_PART = "__slaclock_partition"
_ROW = "__slaclock_row"
_KEY = "__slaclock_ticket"


def is_dask_frame(value: object) -> bool:
    """Whether ``value`` is a Dask DataFrame, without importing Dask."""
    module = type(value).__module__
    return (
        (module == "dask" or module.startswith(("dask.", "dask_expr")))
        and hasattr(value, "npartitions") and hasattr(value, "columns")
    )


def require(what: str) -> None:
    """Import Dask's distributed scheduler; a ``ValueError`` naming the extra to install
    (one line, for the command's exit code 2) when it is missing."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise ValueError(f"{what} needs Dask, which is not installed: "
                         'pip install "slaclock[dask]"') from None


def _modules() -> tuple[Any, Any]:
    """``dask`` and ``distributed`` (untyped, for the type checker)."""
    import importlib

    return importlib.import_module("dask"), importlib.import_module("distributed")


def available() -> bool:
    """Whether Dask's distributed scheduler can be imported (without importing it)."""
    import importlib.util

    try:
        return all(importlib.util.find_spec(name) is not None for name in ("dask", "distributed"))
    except (ImportError, ValueError):  # a module set to None in sys.modules, as tests do
        return False


# -- clusters -------------------------------------------------------------------------


def dask_setup(worker: Any) -> None:
    """Preload of the command's local workers: a worker says nothing on the terminal it
    shares with the command (its logs, warnings and tracebacks at shutdown); its errors
    reach the command as answers, which says them in one line."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)
    warnings.simplefilter("ignore")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No Dask log line or warning of this process reaches the terminal."""
    names = ("distributed", "tornado", "asyncio")
    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@contextlib.contextmanager
def cluster(
    scheduler: str | None, workers: int, *, what: str = "--jobs", directory: str | None = None,
) -> Iterator[Any]:
    """A ``distributed.Client``: of a new local cluster of ``workers`` processes (one
    thread each) when ``scheduler`` is ``None`` or ``"processes"``, else connected to the
    running scheduler at the address ``scheduler`` (``tcp://host:port``, ``tls://...``).

    Quiet: no Dask log line or warning reaches the terminal. A local cluster has no
    dashboard and takes no fixed port (its scheduler listens on free ports of
    127.0.0.1, so that two runs at once do not meet). It speaks TLS only, with a key and
    certificate made for the run and held in memory (:func:`local_security`): no other
    process, of this user or another, can connect to it and have it run code. Its
    scheduler's and workers' HTTP servers answer a health check only, and their scratch
    files go to ``directory`` (the run's own temporary directory, removed with it). A
    local cluster's workers have no memory limit (as one process has none), and a task
    whose worker dies is not tried again: the first death is an error. Closing never
    raises: a cluster that does not stop within :data:`CLOSE_TIMEOUT` is left to die
    with the process.

    A running scheduler is reached with the security of Dask's configuration
    (``distributed.comm.tls.*``, for a ``tls://`` address): it must be trusted, as its
    answers are unpickled in this process (see the documentation's security page).

    Raises:
        ValueError: Dask (or, for a local cluster, ``cryptography``) is not installed
            (naming the extra).
        ConnectionError: no scheduler answers at ``scheduler`` within
            :data:`ANSWER_TIMEOUT` seconds, or what listens there closes the connection.
    """
    require(what)
    dask, distributed = _modules()
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet())
        if scheduler is None or scheduler == "processes":
            security = local_security(what)
            settings: dict[str, Any] = {
                "distributed.scheduler.allowed-failures": 0,
                "distributed.worker.daemon": True,
                "logging.distributed": "critical",
                # The HTTP servers answer /health only: no page, no proxy, no API.
                "distributed.scheduler.http.routes": ["distributed.http.health"],
                "distributed.worker.http.routes": ["distributed.http.health"],
            }
            if directory is not None:
                settings["temporary-directory"] = directory
            stack.enter_context(dask.config.set(settings))
            local = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                protocol="tls://", host="127.0.0.1", security=security,
                dashboard_address=None, silence_logs=logging.CRITICAL, memory_limit=0,
                preload=["slaclock.reporting._dask"], local_directory=directory,
                # No dashboard, and the scheduler's HTTP server on a free port: not on
                # 8787, which another cluster may hold.
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            )
            stack.callback(_close, local)
            client = Client(local, security=security, set_as_default=False)
        else:
            deadline = time.monotonic() + ANSWER_TIMEOUT
            _reach(scheduler, deadline)
            _answers(scheduler, deadline)
            try:
                client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except Exception as error:
                raise ConnectionError(
                    f"--scheduler {scheduler}: no Dask scheduler answered within "
                    f"{CONNECT_TIMEOUT:g} s ({type(error).__name__}: {error})"
                ) from None
        stack.callback(_close, client)
        yield client


def local_security(what: str = "--jobs") -> Any:
    """The TLS settings of a local cluster: a key and a self-signed certificate made for
    the run, in memory only, which the scheduler, the workers and the client all hold
    and ask of each other (a ``distributed.security.Security``).

    Raises:
        ValueError: ``cryptography`` is not installed (naming the extra).
    """
    import importlib

    security: Any = importlib.import_module("distributed.security").Security
    try:
        return security.temporary()
    except ImportError:
        raise ValueError(f"{what} needs the cryptography package, which is not installed: "
                         'pip install "slaclock[dask]"') from None


def _reach(address: str, deadline: float) -> None:
    """Fail fast where nothing listens at a ``tcp://`` address (Dask's client would try
    again until its timeout), by ``deadline`` (of :func:`time.monotonic`) at the latest: a
    ``ConnectionError`` in one line."""
    import socket

    scheme, _, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    if scheme != "tcp" or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)),
                                 timeout=_left(deadline)).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConnectionError(
            f"--scheduler {address}: no Dask scheduler answers there ({reason}); is it "
            "running, at that address?"
        ) from None


def _answers(address: str, deadline: float) -> None:
    """Ask the scheduler at ``address`` who it is, the whole exchange ended by
    ``deadline`` (of :func:`time.monotonic`; Dask's client waits for ever on a listener
    that accepts and never answers): a ``ConnectionError`` in one line when no scheduler
    answers, or what listens there closes the connection."""
    import asyncio
    import importlib

    connect: Any = importlib.import_module("distributed.comm").connect
    closed: Any = importlib.import_module("distributed.comm.core").CommClosedError
    security: Any = importlib.import_module("distributed.security").Security

    async def identity() -> Any:
        comm = await connect(address, timeout=_left(deadline),
                             **security().get_connection_args("client"))
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        answer = asyncio.run(asyncio.wait_for(identity(), _left(deadline)))
    except (closed, ConnectionResetError, BrokenPipeError):
        tls = address.startswith("tls://")
        raise ConnectionError(
            f"--scheduler {address}: what listens there closed the connection without "
            "answering: not a Dask scheduler, or " + (
                "one that refuses the certificates Dask's configuration names "
                "(distributed.comm.tls)" if tls else
                "a TLS one (reach that with tls://HOST:PORT)")
        ) from None
    except Exception as error:
        reason = "no answer" if isinstance(error, TimeoutError) else type(error).__name__
        raise ConnectionError(
            f"--scheduler {address}: no Dask scheduler answered within "
            f"{ANSWER_TIMEOUT:g} s ({reason}); is a Dask scheduler running there (for a "
            "tls:// address, with the certificates Dask's configuration names: "
            "distributed.comm.tls)?"
        ) from None
    if not isinstance(answer, dict) or answer.get("type") != "Scheduler":
        raise ConnectionError(f"--scheduler {address}: what answers there is not a Dask "
                              "scheduler")


def _left(deadline: float) -> float:
    """The seconds left until ``deadline`` (of :func:`time.monotonic`), a little at least."""
    return max(0.1, deadline - time.monotonic())


def _close(closable: Any) -> None:
    with _quiet(), contextlib.suppress(Exception):
        closable.close(timeout=CLOSE_TIMEOUT)


def total_threads(client: Any) -> int:
    """How many tasks the cluster of ``client`` runs at once (at least 1)."""
    workers = client.scheduler_info().get("workers", {})
    return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))


# -- a report on a Dask DataFrame ---------------------------------------------------------


def report_frame(
    frame: Any,
    policy: Regulation | RegulationVersions | None = None,
    *,
    at: datetime | None = None,
    coverage: str | None = None,
    strict: bool = False,
    tz: tzinfo | None = None,
) -> Report:
    """:func:`slaclock.report` of a Dask DataFrame (see the module's docstring): the
    partitions are shuffled by ticket and reported on where they are, by whichever Dask
    scheduler is in use (a ``distributed.Client``'s, or Dask's default)."""
    require("a report on a Dask DataFrame")
    dask, _ = _modules()

    from slaclock.reporting._replay import Tally
    from slaclock.reporting._result import finish, report_instant
    from slaclock.reporting._sources import check_frame_columns
    from slaclock.reporting._summary import Summary
    from slaclock.sla import as_versions

    versions = as_versions(policy)
    columns = check_frame_columns(frame.columns)  # as the pandas path says it, before any work
    scans = dask.compute(*(
        dask.delayed(_scan, pure=False)(part, tz, at is None) for part in frame.to_delayed()
    ))
    offsets, total = [], 0
    for rows, _, _ in scans:
        offsets.append(total)
        total += rows
    lasts = [last for _, last, _ in scans if last is not None]
    at = report_instant(versions, at, max(lasts, default=None), [
        attrs.evolve(bad, line=offset + bad.line)
        for offset, (_, _, bad) in zip(offsets, scans, strict=True) if bad is not None
    ])
    meta = frame._meta.assign(**{_KEY: "", _PART: 0, _ROW: 0})
    numbered = frame.map_partitions(_number, columns["ticket"], meta=meta)
    shuffled = numbered.shuffle(_KEY)
    parts = dask.compute(*(
        dask.delayed(_partition_report, pure=False)(part, offsets, versions, at, coverage, tz)
        for part in shuffled.to_delayed()
    ))
    summary = Summary(versions.metric_names)
    tally = Tally(summary)
    for part in parts:
        summary.merge(part.tally.summary)
        tally.rejected.extend(part.tally.rejected)
        tally.after_at += part.tally.after_at
        tally.not_yet_opened += part.tally.not_yet_opened
    tickets = {ticket: status for _, ticket, status in
               heapq.merge(*(part.tickets for part in parts), key=lambda item: item[0])}
    return finish(versions, at, tickets, tally, total, strict)


def _plain(part: Any) -> Any:
    """The partition with missing cells of extension dtypes (Dask's Arrow strings, pandas'
    nullable types) as ``None``, as they are in a frame of Python objects: what the report
    reads as a missing cell."""
    import pandas as pd

    out = part
    for name, dtype in part.dtypes.items():
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not isinstance(
            dtype, pd.DatetimeTZDtype
        ):
            column = part[name].astype(object)
            if out is part:
                out = part.copy()
            out[name] = column.where(column.notna(), None)
    return out


def _scan(part: Any, tz: tzinfo | None, latest: bool) -> tuple[int, int | None, Any]:
    """A partition's row count and, when ``latest``, its latest instant among the rows
    that make events (what the pandas path takes as the default ``at``) and, when none
    does, its first row refused (for the error that says so)."""
    if not latest:
        return len(part), None, None
    from slaclock._instants import to_us
    from slaclock.reporting._sources import frame_events

    rejected: list[Any] = []
    pairs, count = frame_events(_plain(part), tz, rejected)
    last = max((to_us(event.at) for _, event, _ in pairs), default=None)
    return count, last, rejected[0] if last is None and rejected else None


def _ticket_key(value: object) -> str:
    from slaclock.reporting._sources import _cell

    cell = _cell(value)
    return "" if cell is None else str(cell)


def _number(part: Any, ticket: str, partition_info: dict[str, Any] | None = None) -> Any:
    """The partition with the ticket id as the report reads it (the shuffle's key) and
    each row's partition and place in it (its position in the frame, once the partitions'
    sizes are known)."""
    number = 0 if partition_info is None else int(partition_info["number"])
    return part.assign(**{
        _KEY: _plain(part[[ticket]])[ticket].map(_ticket_key).astype(object),
        _PART: number,
        _ROW: range(len(part)),
    })


class _Part:
    """What one partition's report sends to the client: its tickets, each with the key of
    its opening (instant, position), and its tally."""

    def __init__(self, tickets: list[tuple[tuple[int, int], str, Any]], tally: Any) -> None:
        self.tickets = tickets
        self.tally = tally


def _partition_report(
    part: Any, offsets: list[int], policy: RegulationVersions, at: datetime,
    coverage: str | None, tz: tzinfo | None,
) -> _Part:
    """The pandas path of :func:`slaclock.report` on one partition: its rows, in their
    order in the whole frame, read and grouped by ticket as a DataFrame's rows are, each
    known by its position in the whole frame (a rejected row's line, also where a reason
    names another row), then replayed at ``at`` by the one replay loop. Each ticket comes
    with the key of its opening (instant, position): the order of tickets in a report."""
    from slaclock.reporting._replay import Replayer, Tally, replay_tickets
    from slaclock.reporting._sources import event_tickets, frame_events
    from slaclock.reporting._summary import Summary

    positions = [offsets[p] + r + 1 for p, r in zip(part[_PART], part[_ROW], strict=True)]
    part = part.assign(**{_POS: positions}).sort_values(_POS, kind="stable")
    tally = Tally(Summary(policy.metric_names))
    items, _ = frame_events(_plain(part), tz, tally.rejected, part[_POS].tolist())
    grouped, _ = event_tickets(items, tally.rejected)
    tickets = [
        ((replayed.counted.opened, replayed.line), replayed.ticket, replayed.counted.status())
        for replayed in replay_tickets(Replayer(policy, at, coverage), grouped, tally)
    ]
    return _Part(tickets, tally)
