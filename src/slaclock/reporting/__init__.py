"""Reports over ticket histories: the replay of many tickets under a policy, the summary,
the report's rows and chart, and the Dask path.

It reads the SLA model and the logs. What the other wings use of it is named here; Dask
(``_dask``) and matplotlib (``_chart``) are imported where used.
"""

from slaclock.reporting._report import METRIC_COLUMNS, Replayer, Report, Summary, goals_and_levels

__all__ = ["METRIC_COLUMNS", "Replayer", "Report", "Summary", "goals_and_levels"]
