"""slaclock against its peers, in one run on the same generated inputs.

Run from the repository root, after ``pip install -e '.[bench]'``::

    python benchmarks/bench_compare.py            # the full run (1,000,000 pairs)
    python benchmarks/bench_compare.py --quick    # a smoke run (10,000 pairs)

It prints a table of costs and ratios, and writes ``benchmarks/results/results.json``,
``results.txt`` and ``comparison.png``. Every contender answers the same question on
the same calendar: a Moscow desk open Monday to Friday 09:00-18:00, with the weekdays off
of Russia's 2024-2026 production calendar as a list of dates (the common ground of every
contender: ``businesstimedelta`` and pandas know nothing of shortened days or working
Saturdays). Before timing, the contenders' answers are compared on a sample, so a
speed-up is never bought with a wrong answer.

Method: every timing is the best of several repeats (``time.perf_counter``); scalar calls
run in a loop over pre-built inputs and are reported per call; array calls are reported
per pair. Slow contenders run on a sample and are reported per row. Everything runs on
one core (NumPy does not thread these operations).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import businesstimedelta as btd
import numpy as np
import pandas as pd
import pytz

import slaclock
from slaclock import Calendar
from slaclock._instants import duration_us, from_us, like, to_us

MOSCOW = ZoneInfo("Europe/Moscow")
RESULTS = Path(__file__).parent / "results"
US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
SPANS = {"1 hour": US_PER_HOUR, "1 month": 30 * US_PER_DAY, "10 years": 3652 * US_PER_DAY}


# -- timing ------------------------------------------------------------------------------


def best(fn: Callable[[], object], repeats: int) -> float:
    """The shortest of ``repeats`` runs of ``fn``, in seconds."""
    out = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - start)
    return out


def per_call(fn: Callable[[Any, Any], object], pairs: list[tuple[Any, Any]], repeats: int) -> float:
    """Microseconds per call of ``fn(x, y)`` over ``pairs``, best of ``repeats``."""

    def loop() -> None:
        for x, y in pairs:
            fn(x, y)

    return best(loop, repeats) / len(pairs) * 1e6


# -- the machine -------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": platform.system(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "businesstimedelta": getattr(btd, "__version__", "1.0.1"),
        "slaclock": slaclock.__version__,
    }


# -- the common calendar, as each contender spells it ------------------------------------


def weekday_holidays() -> list[date]:
    """Weekdays off in Russia's production calendar, 2024 to 2026."""
    russia = Calendar.russia()
    out = []
    day = date(2024, 1, 1)
    while day < date(2027, 1, 1):
        if day.weekday() < 5 and not russia.day_hours(day):
            out.append(day)
        day += timedelta(days=1)
    return out


class Contenders:
    def __init__(self, holidays: list[date]) -> None:
        self.holidays = holidays
        self.cal = Calendar(tz="Europe/Moscow", hours="09:00-18:00", days_off=holidays)
        tz = pytz.timezone("Europe/Moscow")
        self.pytz_zone = tz
        self.btd_workdays = btd.WorkDayRule(
            start_time=dtime(9), end_time=dtime(18), working_days=[0, 1, 2, 3, 4], tz=tz
        )
        self.btd_rules = btd.Rules([self.btd_workdays, btd.HolidayRule(holidays, tz=tz)])
        self.cbh = pd.offsets.CustomBusinessHour(start="09:00", end="18:00", holidays=holidays)
        self.weekmask = "1111100"
        self.np_holidays = np.array(holidays, dtype="M8[D]")


# -- the inputs ------------------------------------------------------------------------


def generate(n: int, seed: int = 20260101) -> dict[str, np.ndarray]:
    """``n`` tickets opened at random in 2025 and resolved up to 30 days later (UTC us)."""
    rng = np.random.default_rng(seed)
    lo = int(np.datetime64("2025-01-01T00:00", "us").astype(np.int64))
    hi = int(np.datetime64("2025-12-01T00:00", "us").astype(np.int64))
    opened = rng.integers(lo, hi, n, dtype=np.int64)
    resolved = opened + rng.integers(0, 30 * US_PER_DAY, n, dtype=np.int64)
    # SLA durations in whole business hours (pandas' offsets take whole hours only).
    sla = rng.choice(np.array([4, 8, 12, 16, 24, 48], dtype=np.int64), n) * US_PER_HOUR
    return {"opened": opened, "resolved": resolved, "sla": sla}


def aware(us: int) -> datetime:
    return from_us(int(us), MOSCOW)


# -- scalar: one call at a time (issue #2) ------------------------------------------------


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def floor_business_time(a: datetime, b: datetime) -> timedelta:
    """The floor: both instants to UTC microseconds and the result built, nothing else."""
    return timedelta(microseconds=to_us(b) - to_us(a))


def floor_add(a: datetime, d: timedelta) -> datetime:
    """The floor: the start and duration to microseconds, the result built in a's zone."""
    return like(from_us(to_us(a) + duration_us(d), a.tzinfo), a)


def called_business_time(cal: Calendar) -> Callable[[datetime, datetime], timedelta]:
    """The scalar hot path written with two calls of ``YearChunk.position`` instead of
    the searches ``business_time`` writes out inline: kept here to show what inlining buys
    (the library keeps the simpler form unless the inline one is faster). Plain aware
    datetimes within the last year used only."""
    timeline = cal._compiled
    epoch, one_us = _EPOCH, timedelta(microseconds=1)

    def business_time(start: datetime, end: datetime) -> timedelta:
        if type(start) is datetime and type(end) is datetime:
            a = (start - epoch) // one_us
            b = (end - epoch) // one_us
        c = timeline.hot
        if not (c.lo <= a <= c.hi and c.lo <= b <= c.hi):
            return cal.business_time(start, end)
        return timedelta(microseconds=c.position(b) - c.position(a))

    return business_time


def called_add(cal: Calendar) -> Callable[[datetime, timedelta], datetime]:
    """``add``'s hot path with calls of ``YearChunk.position`` and ``YearChunk.ahead``
    instead of the inline searches: as for business_time."""
    timeline = cal._compiled
    epoch, one_us = _EPOCH, timedelta(microseconds=1)

    def add(start: datetime, duration: timedelta) -> datetime:
        if type(start) is datetime and type(duration) is timedelta:
            a = (start - epoch) // one_us
            d = duration // one_us
        c = timeline.hot
        if d <= 0 or not c.lo <= a <= c.hi:
            return cal.add(start, duration)
        target = c.position(a) + d
        if target > c.total:
            return cal.add(start, duration)
        us = c.ahead(target)
        if type(start) is datetime:
            return (epoch + timedelta(microseconds=us)).astimezone(start.tzinfo)
        return cal.add(start, duration)

    return add


def round_robin(contenders: dict[str, tuple[Callable[[Any, Any], object], list[Any]]],
                repeats: int) -> dict[str, float]:
    """Microseconds per call of each contender, the best of ``repeats`` rounds, each round
    timing every contender once in turn (so a busy moment of the machine falls on all of
    them alike rather than on one)."""
    out = dict.fromkeys(contenders, float("inf"))
    for _ in range(repeats):
        for name, (fn, pairs) in contenders.items():
            out[name] = min(out[name], per_call(fn, pairs, 1))
    return out


def scalar_section(c: Contenders, data: dict[str, np.ndarray], calls: int, slow: int,
                   repeats: int) -> dict[str, Any]:
    opened = [aware(x) for x in data["opened"][:calls]]
    resolved = [aware(x) for x in data["resolved"][:calls]]
    sla = [timedelta(microseconds=int(x)) for x in data["sla"][:calls]]
    pairs = list(zip(opened, resolved, strict=True))
    adds = list(zip(opened, sla, strict=True))
    p_opened = [x.astimezone(c.pytz_zone) for x in opened[:slow]]
    p_pairs = list(zip(p_opened, [x.astimezone(c.pytz_zone) for x in resolved[:slow]],
                       strict=True))
    p_adds = [(a, btd.BusinessTimeDelta(c.btd_rules, timedelta=d))
              for a, d in zip(p_opened, sla[:slow], strict=True)]
    t_opened = [pd.Timestamp(x) for x in opened[:slow]]
    t_adds = [(a, c.cbh * int(d / timedelta(hours=1))) for a, d in zip(t_opened, sla, strict=False)]
    t_pairs = list(zip(t_opened, [pd.Timestamp(x) for x in resolved[:slow]], strict=True))

    check_scalar(c, pairs[:slow], adds[:slow], p_pairs, p_adds, t_adds)
    out: dict[str, Any] = {"business_time": {}, "add": {}}
    called = called_business_time(c.cal)
    assert all(called(a, b) == c.cal.business_time(a, b) for a, b in pairs[:slow])
    called_deadline = called_add(c.cal)
    assert all(called_deadline(a, d) == c.cal.add(a, d) for a, d in adds[:slow])
    # The cheap calls take turns, round after round; the slow contenders run on their own.
    fast = round_robin({
        "bt floor": (floor_business_time, pairs),
        "bt slaclock": (c.cal.business_time, pairs),
        "bt called": (called, pairs),
        "add floor": (floor_add, adds),
        "add slaclock": (c.cal.add, adds),
        "add called": (called_deadline, adds),
    }, 3 * repeats)
    bt, ad = out["business_time"], out["add"]
    bt["floor"] = fast["bt floor"]
    bt["slaclock"] = fast["bt slaclock"]
    bt["hot path calling position"] = fast["bt called"]
    bt["businesstimedelta"] = per_call(c.btd_rules.difference, p_pairs, repeats)
    bt["pandas CustomBusinessHour"] = per_call(
        lambda a, b: cbh_business_time(c.cbh, a, b), t_pairs[: max(1, slow // 4)], repeats
    )
    ad["floor"] = fast["add floor"]
    ad["slaclock"] = fast["add slaclock"]
    ad["hot path calling position"] = fast["add called"]
    ad["businesstimedelta"] = per_call(lambda a, d: a + d, p_adds, repeats)
    ad["pandas CustomBusinessHour"] = per_call(lambda a, o: a + o, t_adds, repeats)
    return out


def cbh_business_time(cbh: pd.offsets.CustomBusinessHour, a: pd.Timestamp,
                      b: pd.Timestamp) -> timedelta:
    """pandas has no "business time between": the usual recipe counts the business
    hours that start in ``[a, b)`` (``date_range`` with the offset). Whole hours only,
    and O(span)."""
    return timedelta(hours=len(pd.date_range(cbh.rollforward(a), b, freq=cbh, inclusive="left")))


def check_scalar(c: Contenders, pairs: list[Any], adds: list[Any], p_pairs: list[Any],
                 p_adds: list[Any], t_adds: list[Any]) -> None:
    """The contenders agree with slaclock on the sample (pandas: deadlines)."""
    for (a, b), (pa, pb) in zip(pairs, p_pairs, strict=True):
        # businesstimedelta drops the microseconds of its result.
        gap = c.cal.business_time(a, b) - c.btd_rules.difference(pa, pb).timedelta
        assert timedelta(0) <= gap < timedelta(seconds=1), (a, b)
    for (a, d), (pa, pd_), (ta, off) in zip(adds, p_adds, t_adds, strict=True):
        ours = c.cal.add(a, d)
        assert ours == pa + pd_, (a, d)
        if a.second == a.microsecond == 0 and c.cal.is_open(a):
            # pandas agrees on starts inside working hours; closed starts roll differently.
            assert ours == (ta + off).to_pydatetime(), (a, d, ta + off)


# -- arrays: a million pairs (issue #6) ---------------------------------------------------


def array_section(c: Contenders, data: dict[str, np.ndarray], slow: int,
                  repeats: int) -> dict[str, Any]:
    n = len(data["opened"])
    a = data["opened"].view("M8[us]")
    b = data["resolved"].view("M8[us]")
    d = data["sla"].view("m8[us]")
    sa = pd.Series(a).dt.tz_localize("UTC").dt.tz_convert("Europe/Moscow")
    sb = pd.Series(b).dt.tz_localize("UTC").dt.tz_convert("Europe/Moscow")
    sd = pd.Series(d)
    cal = c.cal
    cal.business_time(a[:10], b[:10])  # compile before timing
    # The same dates for numpy.busday_count: local (Moscow) days of each instant.
    offset = np.timedelta64(3, "h")
    days_a = (a + offset).astype("M8[D]")
    days_b = (b + offset).astype("M8[D]")

    def busday() -> object:
        return np.busday_count(days_a, days_b, weekmask=c.weekmask, holidays=c.np_holidays)

    def busday_with_dates() -> object:
        return np.busday_count((a + offset).astype("M8[D]"), (b + offset).astype("M8[D]"),
                               weekmask=c.weekmask, holidays=c.np_holidays)

    out: dict[str, Any] = {"pairs": n}
    s = out["seconds"] = {}
    s["slaclock business_time (datetime64)"] = best(lambda: cal.business_time(a, b), repeats)
    s["slaclock business_time (Series)"] = best(lambda: cal.business_time(sa, sb), repeats)
    s["slaclock add (datetime64)"] = best(lambda: cal.add(a, d), repeats)
    s["slaclock add (Series)"] = best(lambda: cal.add(sa, sd), repeats)
    s["slaclock is_open (datetime64)"] = best(lambda: cal.is_open(a), repeats)
    s["numpy.busday_count (dates given)"] = best(busday, repeats)
    s["numpy.busday_count (dates computed)"] = best(busday_with_dates, repeats)
    # pandas' offset on a Series: a Python loop inside pandas, so a sample.
    sample = sa.iloc[:slow]
    offsets = {h: c.cbh * h for h in (4, 8, 12, 16, 24, 48)}
    hours = (data["sla"][:slow] // US_PER_HOUR).tolist()

    def cbh_series() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
            return sample + offsets[8]

    check_arrays(c, a, b, d, sa, sb, sd, offsets, hours)
    sample_seconds = best(cbh_series, max(1, repeats // 2))
    out["pandas CustomBusinessHour (Series), rows"] = slow
    s["pandas CustomBusinessHour (Series)"] = sample_seconds * n / slow
    out["per_pair_ns"] = {k: v / n * 1e9 for k, v in s.items()}
    return out


def check_arrays(c: Contenders, a: Any, b: Any, d: Any, sa: Any, sb: Any, sd: Any,
                 offsets: Any, hours: Any) -> None:
    """The array results equal the scalar results (a sample), and pandas' on a Series."""
    k = 2000
    got = c.cal.business_time(a[:k], b[:k])
    want = [c.cal.business_time(aware(x), aware(y)) for x, y in
            zip(a[:k].view(np.int64), b[:k].view(np.int64), strict=True)]
    assert got.tolist() == want
    deadlines = c.cal.add(sa.iloc[:k], sd.iloc[:k])
    assert [x.to_pydatetime() for x in deadlines] == [
        c.cal.add(aware(x), timedelta(microseconds=int(y)))
        for x, y in zip(a[:k].view(np.int64), d[:k].view(np.int64), strict=True)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        theirs = sa.iloc[:200] + offsets[8]
    ours = c.cal.add(sa.iloc[:200], timedelta(hours=8))
    inside = c.cal.is_open(sa.iloc[:200]).to_numpy(dtype=bool)
    assert (theirs[inside].dt.as_unit("us") == ours[inside]).all()


# -- cost against span and calendar size -------------------------------------------------


def span_section(c: Contenders, data: dict[str, np.ndarray], calls: int, slow: int,
                 repeats: int) -> dict[str, Any]:
    cal = c.cal
    out: dict[str, Any] = {}
    opened = data["opened"][:calls]
    # Make sure the timeline covers ten years before timing (the first call compiles).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", slaclock.ProvisionalCalendarWarning)
        cal.business_time(aware(opened.min()), aware(opened.max() + SPANS["10 years"]))
    for name, span in SPANS.items():
        starts = [aware(x) for x in opened]
        ends = [aware(x + span) for x in opened]
        pairs = list(zip(starts, ends, strict=True))
        p_pairs = [(x.astimezone(c.pytz_zone), y.astimezone(c.pytz_zone))
                   for x, y in pairs[: max(2, slow // 20 if span > SPANS["1 hour"] else slow)]]
        n_slow = 3 if span == SPANS["10 years"] else 50
        t_pairs = [(pd.Timestamp(x), pd.Timestamp(y)) for x, y in pairs[:n_slow]]
        a = opened.view("M8[us]")
        b = (opened + span).view("M8[us]")
        out[name] = {
            "floor": per_call(floor_business_time, pairs, repeats),
            "slaclock": per_call(cal.business_time, pairs, repeats),
            "slaclock arrays (per pair)": best(lambda a=a, b=b: cal.business_time(a, b), repeats)
            / len(a) * 1e6,
            # Its HolidayRule fails more than five years past its last holiday, so the
            # spans run on its WorkDayRule alone (less work for it, not more).
            "businesstimedelta": per_call(c.btd_workdays.difference,
                                          p_pairs[: 3 if span == SPANS["10 years"] else None],
                                          1),
            "pandas CustomBusinessHour": per_call(
                lambda x, y: cbh_business_time(c.cbh, x, y), t_pairs, 1
            ),
        }
    return out


def size_section(repeats: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", slaclock.ProvisionalCalendarWarning)
        # A year of the Russian calendar: a fresh calendar each time (its rules loaded).
        Calendar.russia()._compiled.chunk(2025)

        def one_year() -> None:
            Calendar.russia()._compiled.chunk(2025)

        out["russia one year compile (ms)"] = best(one_year, repeats) * 1e3
        # A hundred years: 1970 to 2069, each year's intervals kept.
        cal = Calendar.russia()
        start = time.perf_counter()
        for year in range(1970, 2070):
            cal._compiled.chunk(year)
        out["russia 100 years compile (ms)"] = (time.perf_counter() - start) * 1e3
        # The same hundred years asked at once: a query that spans them reads the totals
        # of the years between and keeps the intervals of the two it touches.
        span = Calendar.russia()
        start = time.perf_counter()
        span.business_time(aware(span._bounds(1970)[0]), aware(span._bounds(2069)[1] - 1))
        out["russia 100-year span, first query (ms)"] = (time.perf_counter() - start) * 1e3
    tl = cal._compiled
    lo, hi = cal._bounds(1970)[0], cal._bounds(2069)[1]
    out["russia 100 years timeline (bytes)"] = tl.nbytes()
    out["russia 100 years intervals"] = sum(len(c.starts) for c in tl.chunks())
    rng = np.random.default_rng(7)
    n = 1_000_000
    a = rng.integers(lo, hi - 30 * US_PER_DAY, n, dtype=np.int64)
    b = a + rng.integers(0, 30 * US_PER_DAY, n, dtype=np.int64)
    small = Calendar.russia()
    ya = rng.integers(*small._bounds(2025), n, dtype=np.int64) - 30 * US_PER_DAY
    yb = ya + (b - a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", slaclock.ProvisionalCalendarWarning)
        small.business_time(ya[:1].view("M8[us]"), yb[:1].view("M8[us]"))
        cal.business_time(a[:1].view("M8[us]"), b[:1].view("M8[us]"))
    out["arrays ns/pair, 1-year timeline"] = best(
        lambda: small.business_time(ya.view("M8[us]"), yb.view("M8[us]")), repeats) / n * 1e9
    out["arrays ns/pair, 100-year timeline"] = best(
        lambda: cal.business_time(a.view("M8[us]"), b.view("M8[us]")), repeats) / n * 1e9
    pairs = [(aware(x), aware(y)) for x, y in zip(a[:20000], b[:20000], strict=True)]
    small_pairs = [(aware(x), aware(y)) for x, y in zip(ya[:20000], yb[:20000], strict=True)]
    out["scalar us/call, 1-year timeline"] = per_call(small.business_time, small_pairs, repeats)
    out["scalar us/call, 100-year timeline"] = per_call(cal.business_time, pairs, repeats)
    return out


# -- report ----------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    lines: list[str] = []
    m = results["machine"]
    lines.append(f"machine: {m['cpu']}, nproc {m['nproc']}, Python {m['python']}, "
                 f"NumPy {m['numpy']}, pandas {m['pandas']}")
    lines.append("")
    lines.append("Scalar calls (microseconds per call; ratio = contender / slaclock)")
    for op in ("business_time", "add"):
        row = results["scalar"][op]
        ours = row["slaclock"]
        lines.append(f"  {op}")
        for name, us in row.items():
            lines.append(f"    {name:<28}{us:>12.2f} us  {us / ours:>10.1f}x")
    lines.append("")
    arr = results["arrays"]
    lines.append(f"Arrays ({arr['pairs']:,} pairs; ns per pair; ratio = contender / slaclock "
                 "business_time on datetime64)")
    ref = arr["per_pair_ns"]["slaclock business_time (datetime64)"]
    for name, ns in arr["per_pair_ns"].items():
        rate = 1e9 / ns / 1e6
        lines.append(f"    {name:<42}{ns:>12.1f} ns {rate:>9.2f} M/s {ns / ref:>10.2f}x")
    lines.append(f"    (pandas CustomBusinessHour timed on "
                 f"{arr['pandas CustomBusinessHour (Series), rows']:,} rows, reported per row)")
    lines.append("")
    lines.append("Cost against span (business_time; microseconds per call or per pair)")
    spans = results["spans"]
    names = list(next(iter(spans.values())))
    lines.append("    " + f"{'':<28}" + "".join(f"{s:>14}" for s in spans))
    for name in names:
        lines.append("    " + f"{name:<28}" + "".join(f"{spans[s][name]:>14.3f}" for s in spans))
    lines.append("")
    lines.append("Calendar size")
    for name, value in results["size"].items():
        lines.append(f"    {name:<40}{value:>14,.3f}")
    lines.append("")
    lines.append("Targets")
    for name, (ok, text) in results["targets"].items():
        lines.append(f"    [{'met' if ok else 'MISSED'}] {name}: {text}")
    return "\n".join(lines)


def targets(r: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    arr = r["arrays"]["per_pair_ns"]
    ours = arr["slaclock business_time (datetime64)"]
    busday = arr["numpy.busday_count (dates given)"]
    cbh = arr["pandas CustomBusinessHour (Series)"]
    add_series = arr["slaclock add (Series)"]
    out: dict[str, tuple[bool, str]] = {}
    out["arrays >= 10 M pairs/s"] = (1e3 / ours >= 10, f"{1e3 / ours:.1f} M pairs/s")
    out["arrays within 5x of busday_count"] = (ours / busday <= 5, f"{ours / busday:.2f}x")
    out["arrays >= 1000x CustomBusinessHour on a Series"] = (
        cbh / add_series >= 1000, f"{cbh / add_series:,.0f}x (add on a Series)")
    size = r["size"]
    out["a year of Russia compiled < 5 ms"] = (
        size["russia one year compile (ms)"] < 5, f"{size['russia one year compile (ms)']:.2f} ms")
    out["100-year timeline < 2 MB"] = (
        size["russia 100 years timeline (bytes)"] < 2e6,
        f"{size['russia 100 years timeline (bytes)'] / 1e6:.2f} MB")
    for op in ("business_time", "add"):
        row = r["scalar"][op]
        ratio = row["slaclock"] / row["floor"]
        out[f"scalar {op} within 1.5x of the floor"] = (ratio <= 1.5, f"{ratio:.2f}x")
        ratio = row["businesstimedelta"] / row["slaclock"]
        out[f"scalar {op} >= 200x businesstimedelta"] = (ratio >= 200, f"{ratio:,.0f}x")
        ratio = row["pandas CustomBusinessHour"] / row["slaclock"]
        out[f"scalar {op} >= 50x CustomBusinessHour"] = (ratio >= 50, f"{ratio:,.0f}x")
    spans = r["spans"]
    costs = [spans[s]["slaclock"] for s in spans]
    out["scalar flat from an hour to ten years"] = (
        max(costs) / min(costs) < 1.5, " / ".join(f"{x:.2f} us" for x in costs))
    return out


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    arr = results["arrays"]["per_pair_ns"]
    scalar_bt = results["scalar"]["business_time"]
    bars = {
        "slaclock arrays\nbusiness_time": arr["slaclock business_time (datetime64)"],
        "numpy\nbusday_count": arr["numpy.busday_count (dates given)"],
        "slaclock scalar\nbusiness_time": scalar_bt["slaclock"] * 1e3,
        "floor (scalar)": scalar_bt["floor"] * 1e3,
        "pandas CBH\non a Series": arr["pandas CustomBusinessHour (Series)"],
        "businesstimedelta": scalar_bt["businesstimedelta"] * 1e3,
    }
    left.barh(list(bars), list(bars.values()), color="#4c72b0")
    left.set_xscale("log")
    left.set_xlabel("nanoseconds per pair (log scale)")
    left.set_title("Cost per row")
    left.invert_yaxis()
    spans = results["spans"]
    labels = list(spans)
    for name in next(iter(spans.values())):
        right.plot(labels, [spans[s][name] for s in labels], marker="o", label=name)
    right.set_yscale("log")
    right.set_ylabel("microseconds per call (log scale)")
    right.set_xlabel("span between the two instants")
    right.set_title("business_time against span")
    right.legend(fontsize=8)
    fig.suptitle(f"slaclock {results['machine']['slaclock']} on {results['machine']['cpu']}, "
                 f"Python {results['machine']['python']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run on small inputs")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write results")
    args = parser.parse_args(argv)
    n, calls, slow, repeats = (
        (10_000, 2_000, 100, 2) if args.quick else (1_000_000, 20_000, 2_000, 5)
    )
    warnings.simplefilter("error", slaclock.ProvisionalCalendarWarning)
    # The generated instants are UTC on purpose: that is what datetime64 means here.
    warnings.simplefilter("ignore", slaclock.Datetime64AssumedUTCWarning)
    contenders = Contenders(weekday_holidays())
    data = generate(n)
    results: dict[str, Any] = {"machine": machine(), "inputs": {
        "pairs": n, "scalar calls": calls, "slow-contender sample": slow, "repeats": repeats,
    }}
    print("scalar ...", file=sys.stderr)
    results["scalar"] = scalar_section(contenders, data, calls, slow, repeats)
    print("arrays ...", file=sys.stderr)
    results["arrays"] = array_section(contenders, data, slow, repeats)
    print("spans ...", file=sys.stderr)
    results["spans"] = span_section(contenders, data, calls, slow, repeats)
    print("calendar size ...", file=sys.stderr)
    results["size"] = size_section(repeats)
    results["targets"] = targets(results)
    text = table(results)
    print(text)
    if not args.quick or args.out != RESULTS:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        (args.out / "results.txt").write_text(text + "\n")
        plot(results, args.out / "comparison.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
