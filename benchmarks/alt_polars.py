"""The simpler question of ``alt_common.py`` in polars (and polars-xdt's working days), on
one thread by default:

    python benchmarks/alt_polars.py LOG OUT.csv [--threads N]

Each row's position on the line of working time is the working days before its local day
(``polars.business_day_count`` from the log's first day) times the working day's length,
plus the working part of its own day up to it (``polars_xdt.is_workday``), so the working
time between two instants is the difference of their positions. The resolution is each
ticket's rows in time order: the state each leaves the ticket in, carried forward, and the
positions up to the next row summed while it is open.
"""

from __future__ import annotations

import time

MARKS = [time.process_time()]

import os  # noqa: E402

import alt_common as q  # noqa: E402

ARGS = q.arguments(__doc__.split("\n")[0])
os.environ["POLARS_MAX_THREADS"] = str(ARGS.threads)  # read when polars is imported

import polars as pl  # noqa: E402
import polars_xdt as xdt  # noqa: E402

DAY_US = 24 * q.HOUR_US


def main() -> None:
    MARKS.append(time.process_time())
    with open(ARGS.log, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    wanted = ["ticket", "time", "event", "level", *(c for c in q.OPTIONAL if c in header)]
    ev = pl.read_csv(ARGS.log, columns=wanted, infer_schema=False).with_columns(
        *(pl.lit(None, pl.String).alias(c) for c in q.OPTIONAL if c not in header),
        t=pl.col("time").str.to_datetime("%Y-%m-%dT%H:%M:%S%z", time_unit="us")
        .dt.epoch("us"),
    )
    MARKS.append(time.process_time())

    shift = q.UTC_OFFSET_H * q.HOUR_US
    open_us, length_us = q.OPENS_H * q.HOUR_US, (q.CLOSES_H - q.OPENS_H) * q.HOUR_US
    local = pl.col("t") + shift
    day = (local // DAY_US).cast(pl.Int32).cast(pl.Date)
    first, last = ev.select(day.min().alias("a"), day.max().alias("b")).row(0)
    hol = q.holidays_ru(first.year, last.year)
    part = ((local % DAY_US) - open_us).clip(0, length_us)
    ev = ev.with_columns(
        f=pl.business_day_count(pl.lit(first), day, holidays=hol) * length_us
        + xdt.is_workday(day, holidays=hol).cast(pl.Int64) * part)
    at, f_at = ev.select(pl.col("t").max(), pl.col("f").sort_by("t").last()).row(0)

    event = pl.col("event")
    opening = event.is_in(q.OPENINGS)
    answer = (event.is_in(q.DESK_ANSWERS)
              | ((event == "reply") & (pl.col("author") == q.DESK_AUTHOR))
              | ((event == "status") & pl.col("status").is_in(q.DESK_STATUSES)))
    development = ((event == q.HANDOFF) | (pl.col("category") == q.DEVELOPMENT)
                   | ((pl.col("field") == "category") & (pl.col("value") == q.DEVELOPMENT)))
    tickets = ev.group_by("ticket").agg(
        opened=pl.col("t").filter(opening).min(),
        f_opened=pl.col("f").filter(opening).min(),
        level=pl.col("level").filter(opening).first(),
        coverage=pl.col("coverage").filter(opening).first(),
        answered=pl.col("t").filter(answer).min(),
        f_answered=pl.col("f").filter(answer).min(),
        development=development.fill_null(False).any(),
    )
    state = (pl.when(event == "status")
             .then(pl.col("status").replace_strict(q.STATE_OF_STATUS, default=None,
                                                   return_dtype=pl.Int8))
             .otherwise(event.replace_strict(q.STATE_OF_KIND, default=None,
                                             return_dtype=pl.Int8)))
    open_time = (
        ev.select("ticket", "t", "f", state=state).sort("ticket", "t")
        .with_columns(pl.col("state").forward_fill().over("ticket"),
                      f_next=pl.col("f").shift(-1).over("ticket").fill_null(f_at))
        .filter(pl.col("state") == 0)
        .group_by("ticket").agg(open_us=(pl.col("f_next") - pl.col("f")).sum())
    )
    around = (pl.col("level") == "commercial.emergency") & (pl.col("coverage") == "24x7")
    reaction = (pl.when(around).then(pl.col("answered").fill_null(at) - pl.col("opened"))
                .otherwise(pl.col("f_answered").fill_null(f_at) - pl.col("f_opened")))
    counted = (pl.col("level") == q.RESOLUTION_LEVEL) & ~pl.col("development")
    spent = pl.col("open_us").fill_null(0)
    result = (
        tickets.join(open_time, on="ticket", how="left").sort("opened", "ticket")
        .select(
            "ticket", "level", "coverage",
            reaction_s=reaction // 10**6,
            reaction_breached=reaction > pl.col("level").replace_strict(
                q.REACTION_HOURS, return_dtype=pl.Int64) * q.HOUR_US,
            resolution_s=pl.when(counted).then(spent // 10**6),
            resolution_breached=counted & (spent > q.RESOLUTION_HOURS * q.HOUR_US),
        )
    )
    MARKS.append(time.process_time())
    result.write_csv(ARGS.output)
    MARKS.append(time.process_time())
    q.phases(MARKS)


if __name__ == "__main__":
    main()
