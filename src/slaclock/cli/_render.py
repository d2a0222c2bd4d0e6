"""Output: files written whole, CSV safe to open in a spreadsheet, the provisional years'
notice, rich tables for people (the calendar's; the report's are in ``_report_table``),
and the chart.

Every value that comes from a log (a ticket id, a level, a file name) is printed as
literal text, never read as rich markup; files are written whole or not at all
(:func:`atomic_output`).
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import stat
import sys
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import IO, Any

from slaclock._errors import LongCompileWarning, ProvisionalCalendarWarning
from slaclock.calendars import spans
from slaclock.logs import csv_safe, printable

__all__ = [
    "Provisional", "atomic_output", "calendar_table", "clock_label",
    "plot", "print_rich", "provisional_notice", "provisional_years", "write_csv",
]

#: The width of tables written to a file or a pipe.
WIDTH = 140


# -- writing files ----------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path: str, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it holds the whole output or what it held before.

    The output goes to a temporary file in the target's directory (``.NAME.XXXX.part``),
    which replaces the target only when the ``with`` block ends without an exception; on
    an exception the temporary file is removed and an existing target is left as it was.
    The writer holds an exclusive lock (:func:`fcntl.flock`) on its temporary file for as
    long as it writes, which the system lets go of when the process dies, however it dies:
    a temporary file of the same target that no one holds was left by a run killed
    outright (``kill -9``), and is removed here; one a live run holds is left alone
    (:func:`_remove_stale_parts`). The new file
    keeps an existing target's permissions (a new one gets the usual ``0o666`` less the
    umask); a symbolic link is followed, and a target that is not a regular file
    (``/dev/null``, a named pipe, a terminal) is written in place, never replaced.

    Args:
        path: the file to write.
        mode: ``"w"`` (text) or ``"wb"`` (bytes).
        kwargs: passed to :func:`open` (``encoding``, ``newline``).
    """
    target = os.path.realpath(path)
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(target, mode, **kwargs) as f:
            yield f
        return
    if existing is not None:
        bits = stat.S_IMODE(existing.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        bits = 0o666 & ~umask
    directory, name = os.path.split(target)
    _remove_stale_parts(directory, name)
    fd, temporary = _locked_part(directory, name)
    # The lock is held to the end (by a second descriptor, closed last): until the
    # temporary file has replaced the target, or is removed.
    lock = os.dup(fd)
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, bits)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    finally:
        os.close(lock)


def _locked_part(directory: str, name: str) -> tuple[int, str]:
    """A new temporary file for the target ``name`` in ``directory``, open and locked:
    its descriptor and path. Another run's :func:`_remove_stale_parts` may find it
    between its creation and its lock, and remove it while it holds the lock: the file
    is then made again. Where the system has no ``flock``, the file is not locked."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, and no stale part is ever removed
        return tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
    while True:
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.stat(temporary, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                return fd, temporary
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        os.close(fd)


def abandoned(path: str) -> int | None:
    """The lock of ``path`` taken, when its owner is dead: ``path`` is a regular file of
    this user whose :func:`fcntl.flock` no process holds (a run holds its lock files for
    as long as it runs, and the system lets go when the process dies, however it dies).
    Returns the descriptor that now holds the lock (the caller removes what the dead run
    left, then closes it), or ``None``: a live run's, another user's, no such file, or a
    system without ``flock``. The one rule of a run killed outright, for the temporary
    directories of a report and the ``.part`` files of :func:`atomic_output`."""
    try:
        import fcntl
    except ImportError:  # not POSIX: nothing is ever known to be abandoned
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid():
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
    except OSError:  # its owner holds the lock: alive
        pass
    os.close(fd)
    return None


def _remove_stale_parts(directory: str, name: str) -> None:
    """Remove the temporary files :func:`atomic_output` left beside the target ``name``
    (``.NAME.XXXX.part``) that a run killed outright left (:func:`abandoned`). One a live
    run writes is left alone, as is every other file; what cannot be read or removed is
    passed over."""
    pattern = re.compile(re.escape(f".{name}.") + r"[A-Za-z0-9_]+\.part")
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry):
            continue
        path = os.path.join(directory, entry)
        fd = abandoned(path)
        if fd is None:
            continue
        try:
            # Still the file that was opened (not a new one of the same name), while
            # the lock is held: a writer that made it waits for the lock, then sees it
            # gone and makes another (:func:`_locked_part`).
            if os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                os.unlink(path)
        except OSError:
            pass
        finally:
            os.close(fd)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], output: str | None) -> None:
    """CSV with every text cell neutralised against formula injection (:func:`csv_safe`)."""
    if output is None:
        _write_csv(sys.stdout, header, rows)
    else:
        with atomic_output(output, "w", encoding="utf-8", newline="") as f:
            _write_csv(f, header, rows)


def _write_csv(f: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(f)
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([csv_safe(_plain(v)) for v in row])


def _plain(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# -- provisional years ------------------------------------------------------------------


class Provisional:
    """The provisional years met inside :func:`provisional_notice`."""

    def __init__(self) -> None:
        self.years: set[int] = set()
        self.other: list[str] = []
        self.exact = False

    def only(self, years: Iterable[int]) -> None:
        """Say exactly which years the answer rests on: the warnings (which name every
        year compiled, a margin included) are then ignored."""
        self.years = set(years)
        self.other = []
        self.exact = True

    def __bool__(self) -> bool:
        return bool(self.years or self.other)

    def notice(self) -> str | None:
        """One line for stderr, or ``None`` when no year was provisional."""
        if not self:
            return None
        what = [spans(sorted(self.years))] if self.years else []
        what += self.other
        plural = len(self.years) + len(self.other) != 1 or any("-" in w for w in what)
        return (
            f"slaclock: note: {', '.join(what)} {'are' if plural else 'is a'} provisional "
            f"year{'s' if plural else ''}: without an official calendar, days off come from "
            "the fixed holidays and may change with a decree"
        )


def provisional_years(schedules: Iterable[Any], start: datetime, end: datetime) -> list[int]:
    """The years from ``start`` to ``end`` (either way round), read in each schedule's own
    zone, that any of ``schedules`` computes rather than reads from a published calendar:
    the years an answer counted on them rests on (``None`` and schedules that cannot say
    are passed over).

    >>> from slaclock import Calendar
    >>> new_year = datetime.fromisoformat("2027-12-31T20:00-05:00")  # 2028 in Moscow
    >>> provisional_years([Calendar.russia(), None], new_year, new_year)
    [2028]
    """
    first, last = sorted((start, end))
    years: set[int] = set()
    for schedule in schedules:
        check = getattr(schedule, "is_provisional", None)
        if check is None:
            continue
        zone = getattr(schedule, "zone", None)
        a, b = (first, last) if zone is None else (first.astimezone(zone), last.astimezone(zone))
        years.update(year for year in range(a.year, b.year + 1) if check(year))
    return sorted(years)


@contextlib.contextmanager
def provisional_notice(stream: IO[str] | None = None) -> Iterator[Provisional]:
    """Collect :class:`~slaclock.ProvisionalCalendarWarning` warnings and, at the end,
    write one line about them to ``stream`` (standard error by default) instead of a
    Python warning per year. The object yielded says which years were provisional (for a
    ``"provisional": true`` in JSON output)."""
    seen = Provisional()
    others: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ProvisionalCalendarWarning)
            # The command's user asked for the span: a long compile is no surprise here.
            warnings.simplefilter("ignore", LongCompileWarning)
            try:
                yield seen
            finally:
                for item in caught:
                    if not issubclass(item.category, ProvisionalCalendarWarning):
                        others.append(item)
                    elif seen.exact:
                        continue
                    elif years := getattr(item.message, "years", ()):
                        seen.years.update(years)
                    elif str(item.message) not in seen.other:
                        seen.other.append(str(item.message))
    finally:
        # Raised again outside the recording, which would record them once more.
        for item in others:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno,
                                   source=item.source)
        line = seen.notice()
        if line is not None:
            print(line, file=stream or sys.stderr)


# -- rich -------------------------------------------------------------------------------


def _console(output: str | None, file: Any = None, width: int | None = None) -> Any:
    from rich.console import Console as RichConsole

    class Console(RichConsole):
        def on_broken_pipe(self) -> None:
            # The command ends quietly with exit code 0 (rich would exit with 1).
            self.quiet = True
            raise BrokenPipeError

    if file is not None:
        return Console(file=file, width=width or WIDTH, color_system=None, soft_wrap=False)
    console = Console()
    if not console.is_terminal:
        console = Console(width=width or WIDTH, color_system=None)
    elif width is not None:
        console = Console(width=width)
    return console


def _table(title: Any) -> Any:
    from rich import box
    from rich.table import Table

    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD,
                 title_style="bold", pad_edge=False, show_edge=False)


def _fit(
    title: str,
    columns: Sequence[tuple[str, str, int]],
    rows: Iterable[Sequence[Any]],
    width: int,
    sections: Sequence[int] = (),
) -> Any:
    """A table of the columns that fit in ``width``: while it is too wide, the column of
    the highest priority number goes (priority 0 always stays). ``columns`` are
    (name, justify, priority); a section line comes before each row index in
    ``sections``."""
    rows = [list(row) for row in rows]
    keep = list(range(len(columns)))
    while True:
        table = _table(title)
        for i in keep:
            name, justify, _ = columns[i]
            table.add_column(name, justify=justify, no_wrap=True)
        for n, row in enumerate(rows):
            if n in sections:
                table.add_section()
            table.add_row(*(row[i] for i in keep))
        droppable = [i for i in keep if columns[i][2] > 0]
        if not droppable or _fits(table, width):
            return table
        keep.remove(max(droppable, key=lambda i: (columns[i][2], i)))


def _lit(value: object, style: str = "") -> Any:
    """A value from the log as literal text: ``[/x]`` or ``[link=...]`` is printed as it
    is, never read as markup, and a character a terminal would act on (an escape, a C1
    control, a direction override) as its escape (:func:`~slaclock.logs.printable`)."""
    from rich.text import Text

    return Text("" if value is None else printable(value, limit=None), style=style)


def print_rich(renderables: Sequence[Any], output: str | None, width: int | None = None) -> None:
    """Print rich renderables to stdout, or as plain text to ``output``."""
    if output is None:
        console = _console(None, width=width)
        for item in renderables:
            console.print(item)
        return
    with atomic_output(output, "w", encoding="utf-8") as f:
        console = _console(output, f, width)
        for item in renderables:
            console.print(item)


def _fits(table: Any, width: int) -> bool:
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=10_000, color_system=None)
    return bool(Measurement.get(console, console.options, table).maximum <= width)


def _width(table: Any) -> int:
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=10_000, color_system=None)
    return int(Measurement.get(console, console.options, table).maximum)


def _output_width(output: str | None) -> int:
    """The width tables are laid out for: the terminal's, or :data:`WIDTH`."""
    if output is not None:
        return WIDTH
    return int(_console(None).width)


def _hours(value: timedelta) -> str:
    hours = value / timedelta(hours=1)
    return f"{hours:g}"


def calendar_table(summary: Any, hours: str, calendar: str) -> Any:
    """The production-calendar table of a year."""
    title = f"{summary.year} production calendar ({calendar}, {hours})"
    if summary.provisional:
        title += ": provisional, no decree published yet"
    table = _table(_lit(title, "bold"))
    for name in ("Month", "Calendar days", "Working days", "Days off", "Shortened days",
                 "Working hours"):
        table.add_column(name, justify="left" if name == "Month" else "right")
    for row in summary.months:
        table.add_row(row.label, str(row.calendar_days), str(row.working_days),
                      str(row.days_off), str(row.shortened_days), _hours(row.working_hours))
    total = summary.total
    table.add_section()
    table.add_row(f"[bold]{total.label}[/]", str(total.calendar_days),
                  f"[bold]{total.working_days}[/]", str(total.days_off),
                  str(total.shortened_days), f"[bold]{_hours(total.working_hours)}[/]")
    return table


# -- shares and clocks as the report writes them (durations: logs.working_hours) ----------


def clock_label(metric: str, cycle: int = 0) -> str:
    """How the command names a clock: its metric's name in the policy, words apart, with
    the cycle of a metric counted in cycles (1, 2, ...; a metric counted once is cycle 0).

    >>> clock_label("reaction"), clock_label("next_reaction", 2), clock_label("first_reply")
    ('reaction', 'next reaction 2', 'first reply')
    """
    name = metric.replace("_", " ")
    return f"{name} {cycle}" if cycle else name


# -- the chart --------------------------------------------------------------------------


def plot(
    summary: Any, path: str, goals: Mapping[str, float] | None = None,
    order: Sequence[str] = (),
) -> None:
    """Compliance per month and level, as a line chart (PNG or SVG by the file's name):
    :func:`slaclock.reporting._chart.compliance_figure`, the chart of ``Report.plot()``.

    Args:
        summary: the report's summary.
        path: the file to write (replaced only once the chart is drawn).
        goals: a compliance goal (a share, ``0.95``) per level, drawn as a dashed
            line in the level's colour.
        order: the levels in the order their lines are drawn (the policy's).
    """
    from slaclock.reporting._chart import compliance_figure

    try:
        fig = compliance_figure(summary, goals=goals, order=order)
    except ImportError:
        raise RuntimeError("--plot needs matplotlib: pip install 'slaclock[plot]'") from None
    fmt = path.rsplit(".", 1)[-1].lower()
    with atomic_output(path, "wb") as f:
        fig.savefig(f, format=fmt)
