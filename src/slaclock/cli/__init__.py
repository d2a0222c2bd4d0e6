"""The ``slaclock`` command: deadlines, working time, production calendars and SLA reports
from a ticket event log, without writing Python. See :doc:`/reference/cli`."""

from __future__ import annotations

from ._app import cli, main

__all__ = ["cli", "main"]
