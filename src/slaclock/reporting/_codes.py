"""The codes of a clock table's columns (:mod:`~slaclock.reporting._clocks`), without
NumPy: what the command reads of a table's columns is named here once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, get_args

from slaclock.sla import MetricState, TicketState

__all__ = ["METRIC_STATES", "NONE", "TICKET_STATES", "Codes"]

#: A missing instant or duration in an int64 column.
NONE = -(2**63)
#: The codes of a clock's state and of a ticket's, in this order.
METRIC_STATES: tuple[str, ...] = get_args(MetricState)
TICKET_STATES: tuple[str, ...] = get_args(TicketState)


class Codes:
    """Texts by code, as they are first met: ``code(None)`` is ``-1``."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.texts: list[Any] = []
        self._codes: dict[Any, int] = {}
        for text in texts:
            self.code(text)

    def code(self, text: Any) -> int:
        if text is None:
            return -1
        found = self._codes.get(text)
        if found is None:
            found = self._codes[text] = len(self.texts)
            self.texts.append(text)
        return found
