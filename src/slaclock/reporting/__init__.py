"""Reports over ticket histories: the one replay loop of many tickets under a policy
(behind ``report()``, the Dask partitions, the command's shards and ``replay()``), each
source read by ticket, the summary, the report's rows and their writer, the chart, and the
Dask path.

It reads the SLA model and the logs. What the other wings use of it is named here; Dask
(``_dask``) and matplotlib (``_chart``) are imported where used.
"""

from slaclock.reporting._codes import METRIC_STATES, NONE
from slaclock.reporting._replay import Replayed, Replayer, Tally, replay, replay_tickets
from slaclock.reporting._report import report
from slaclock.reporting._result import Report, goals_and_levels
from slaclock.reporting._rows import METRIC_COLUMNS, MetricWriter, metric_rows
from slaclock.reporting._sources import TicketEvents, log_tickets
from slaclock.reporting._summary import Summary, overdue_seconds, percent_of

__all__ = [
    "METRIC_COLUMNS",
    "METRIC_STATES",
    "NONE",
    "MetricWriter",
    "Replayed",
    "Replayer",
    "Report",
    "Summary",
    "Tally",
    "TicketEvents",
    "goals_and_levels",
    "log_tickets",
    "metric_rows",
    "overdue_seconds",
    "percent_of",
    "replay",
    "replay_tickets",
    "report",
]
