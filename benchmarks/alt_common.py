"""The simpler question ``alt_duckdb.py`` and ``alt_polars.py`` answer, as data, and their
command line: what a user would compute with a dataframe library instead of slaclock.

Each ticket's reaction and resolution in working time, 09:00-18:00 Moscow time, Monday to
Friday, less the public holidays of ``holidays.RU`` (no shortened days, no working
weekends: cheaper than Russia's production calendar, so the alternatives are timed on a
lighter question than slaclock's), measured up to the log's last instant:

- the level and coverage are the opening row's (a later change is not followed);
- the reaction runs from the opening to the desk's first answer (:data:`DESK_ANSWERS`: a
  response, a question, a resolution, a desk reply, a status the desk sets); around the
  clock for ``commercial.emergency`` bought as ``24x7``; breached past the level's target;
- the resolution (``commercial.standard`` only, not for a development matter) sums the
  working time the ticket spends open (:data:`OPENS`), not waiting (:data:`PAUSES`) or
  solved (:data:`STOPS`); breached past 48 working hours.

Both write one CSV row per ticket, in the order the tickets opened: the columns
:data:`OUTPUT`. Not slaclock's answers (it follows every rule of the regulation): the
alternatives set the speed to beat, ``bench_columnar.py`` times them beside the command.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from datetime import date

#: Reaction targets in working hours, by level (src/slaclock/data/regulation.toml;
#: ``bench_columnar.py`` checks they are the regulation's).
REACTION_HOURS = {
    "partner.standard": 48, "partner.emergency": 16, "commercial.standard": 24,
    "commercial.operational": 12, "commercial.emergency": 8,
}
#: The one resolution target: commercial.standard, in working hours.
RESOLUTION_LEVEL, RESOLUTION_HOURS = "commercial.standard", 48
#: The desk's zone's offset from UTC (Moscow has kept UTC+3 since 2014) and its hours.
UTC_OFFSET_H, OPENS_H, CLOSES_H = 3, 9, 18
HOUR_US = 3600 * 10**6

#: The rows that open a ticket.
OPENINGS = ("opened", "created")
#: Kinds that answer the customer (a question is an answer); ``reply`` and ``status`` rows
#: answer when the desk writes (:data:`DESK_AUTHOR`) or sets one of :data:`DESK_STATUSES`.
DESK_ANSWERS = ("responded", "waiting", "resolved")
DESK_AUTHOR = "desk"
DESK_STATUSES = ("pending", "on_hold", "solved", "closed")
#: What each row does to the resolution: 0 open (it counts), 1 waiting, 2 solved; the kinds,
#: then the statuses of ``status`` rows.
STATE_OF_KIND = {"opened": 0, "created": 0, "customer_replied": 0, "reopened": 0,
                 "waiting": 1, "resolved": 2}
STATE_OF_STATUS = {"open": 0, "pending": 1, "on_hold": 1, "solved": 2, "closed": 2}
#: A development matter: a hand-off, or the category set to development.
HANDOFF, DEVELOPMENT = "to_development", "development"
#: The optional columns read (empty when the log has none).
OPTIONAL = ("coverage", "category", "status", "author", "field", "value")
#: The output's columns.
OUTPUT = ("ticket", "level", "coverage", "reaction_s", "reaction_breached", "resolution_s",
          "resolution_breached")


def holidays_ru(first: int, last: int) -> list[date]:
    """The public holidays of ``holidays.RU`` in the years ``first`` to ``last``."""
    import holidays

    return sorted(holidays.country_holidays("RU", years=range(first, last + 1)))


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("log", help="the event log (CSV, examples/generate_tickets.py's)")
    parser.add_argument("output", help="the CSV of per-ticket results to write")
    parser.add_argument("--threads", type=int, default=1, help="threads (default 1)")
    return parser.parse_args()


def phases(marks: list[float]) -> None:
    """Print the CPU seconds of each phase (import, read, compute, write) on stderr."""
    print("CPU s import/read/compute/write:",
          " ".join(f"{b - a:.3f}" for a, b in itertools.pairwise(marks)),
          file=sys.stderr)
