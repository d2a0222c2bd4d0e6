"""The simpler question of ``alt_common.py`` in DuckDB SQL, on one thread by default:

    python benchmarks/alt_duckdb.py LOG OUT.csv [--threads N]

Working time is a position on a line: each instant's position is the working time before
its local day (a running sum over a table of days, one row a day) plus the working part of
its day up to it, so the working time between two instants is the difference of their
positions; each row finds its day by an equi-join on the day's number. The resolution is a
window over each ticket's rows: the state each row leaves the ticket in, carried forward,
and the positions up to the next row summed while it is open.
"""

from __future__ import annotations

import time

MARKS = [time.process_time()]

import duckdb  # noqa: E402

import alt_common as q  # noqa: E402

DAY_US = 24 * q.HOUR_US


def listed(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def cases(mapping: dict[str, int]) -> str:
    return " ".join(f"WHEN '{k}' THEN {v}" for k, v in mapping.items())


def main() -> None:
    MARKS.append(time.process_time())
    args = q.arguments(__doc__.split("\n")[0])
    con = duckdb.connect()
    con.execute(f"SET threads={args.threads}")
    with open(args.log, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    types = {name: "TIMESTAMPTZ" if name == "time" else "VARCHAR" for name in header}
    optional = ", ".join(name if name in header else f"NULL::VARCHAR AS {name}"
                         for name in q.OPTIONAL)
    con.execute(
        f"""CREATE TEMP TABLE ev AS
        SELECT ticket, epoch_us(time) AS t, event, level, {optional}
        FROM read_csv(?, header = true, columns = {types!r})""", [args.log])
    MARKS.append(time.process_time())

    first, last = con.execute("SELECT min(t), max(t) FROM ev").fetchone()
    shift = q.UTC_OFFSET_H * q.HOUR_US
    first_day, last_day = (first + shift) // DAY_US, (last + shift) // DAY_US
    years = con.execute("SELECT year(make_date(?::INT)), year(make_date(?::INT))",
                        [first_day, last_day]).fetchone()
    con.execute("CREATE TEMP TABLE hol AS SELECT unnest(?::DATE[]) AS day",
                [q.holidays_ru(*years)])
    open_us, length_us = q.OPENS_H * q.HOUR_US, (q.CLOSES_H - q.OPENS_H) * q.HOUR_US
    # one row a day: its number (days since 1970-01-01), whether it works, and the
    # working time of the days before it
    con.execute(f"""CREATE TEMP TABLE days AS
        WITH d AS (
          SELECT n, (isodow(make_date(n::INT)) < 6
                     AND make_date(n::INT) NOT IN (SELECT day FROM hol)) AS work
          FROM range({first_day}, {last_day + 1}) r(n))
        SELECT n, work::BIGINT AS work,
          coalesce(sum(work::BIGINT) OVER (ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING
                                           AND 1 PRECEDING), 0) * {length_us} AS before
        FROM d""")
    # each row's position: the working time from the first day to it
    con.execute(f"""CREATE TEMP TABLE pos AS
        SELECT ev.*, days.before + days.work
          * least(greatest((ev.t + {shift}) % {DAY_US} - {open_us}, 0), {length_us}) AS f
        FROM ev JOIN days ON days.n = (ev.t + {shift}) // {DAY_US}""")
    at, f_at = con.execute("SELECT arg_max(t, t), arg_max(f, t) FROM pos").fetchone()
    answer = (f"(event IN ({listed(q.DESK_ANSWERS)}) OR (event = 'reply' AND author = "
              f"'{q.DESK_AUTHOR}') OR (event = 'status' AND status IN "
              f"({listed(q.DESK_STATUSES)})))")
    opening = f"event IN ({listed(q.OPENINGS)})"
    con.execute(f"""CREATE TEMP TABLE tickets AS
        SELECT ticket,
          min(t) FILTER ({opening}) AS opened, min(f) FILTER ({opening}) AS f_opened,
          arg_min(level, t) FILTER ({opening}) AS level,
          arg_min(coverage, t) FILTER ({opening}) AS coverage,
          min(t) FILTER ({answer}) AS answered, min(f) FILTER ({answer}) AS f_answered,
          coalesce(bool_or(event = '{q.HANDOFF}' OR category = '{q.DEVELOPMENT}'
                           OR (field = 'category' AND value = '{q.DEVELOPMENT}')), false)
            AS development
        FROM pos GROUP BY ticket""")
    con.execute(f"""CREATE TEMP TABLE open_time AS
        WITH states AS (
          SELECT ticket, f,
            coalesce(lead(f) OVER w, {f_at}) AS f_next,
            last_value(CASE WHEN event = 'status' THEN CASE status {cases(q.STATE_OF_STATUS)} END
                            ELSE CASE event {cases(q.STATE_OF_KIND)} END END IGNORE NULLS)
              OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS state
          FROM pos WINDOW w AS (PARTITION BY ticket ORDER BY t))
        SELECT ticket, sum(f_next - f) AS open_us FROM states WHERE state = 0
        GROUP BY ticket""")
    MARKS.append(time.process_time())

    reaction = (f"CASE WHEN k.level = 'commercial.emergency' AND k.coverage = '24x7' "
                f"THEN coalesce(k.answered, {at}) - k.opened "
                f"ELSE coalesce(k.f_answered, {f_at}) - k.f_opened END")
    targets = cases(q.REACTION_HOURS)
    counted = f"(k.level = '{q.RESOLUTION_LEVEL}' AND NOT k.development)"
    out = args.output.replace("'", "''")
    con.execute(f"""COPY (
        SELECT k.ticket, k.level, k.coverage,
          ({reaction}) // 1000000 AS reaction_s,
          ({reaction}) > (CASE k.level {targets} END) * {q.HOUR_US} AS reaction_breached,
          CASE WHEN {counted} THEN coalesce(o.open_us, 0) // 1000000 END AS resolution_s,
          {counted} AND coalesce(o.open_us, 0) > {q.RESOLUTION_HOURS * q.HOUR_US}
            AS resolution_breached
        FROM tickets k LEFT JOIN open_time o USING (ticket)
        ORDER BY k.opened, k.ticket
      ) TO '{out}' (HEADER)""")
    MARKS.append(time.process_time())
    q.phases(MARKS)


if __name__ == "__main__":
    main()
