"""The compliance chart of a report: one line per service level, month by month.

Needs matplotlib (``pip install "slaclock[plot]"``); the chart is a
:class:`matplotlib.figure.Figure` made without pyplot, so it keeps no global state, and
saves to any format matplotlib writes. A notebook shows it as an image with no magic
(``%matplotlib inline`` is not needed): the figure gives IPython its PNG itself.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from slaclock.reporting._summary import Summary

#: A month where a level had fewer tickets decided than this is drawn as a hollow point,
#: off the level's line: its percentage rests on a ticket or two.
FEW = 5


def compliance_figure(
    summary: Summary,
    *,
    goals: Mapping[str, float] | None = None,
    order: Sequence[str] = (),
) -> Figure:
    """Compliance per month opened and level: the share of the tickets decided (met or
    breached) that met every target, as a line per level.

    Args:
        summary: the report's summary.
        goals: a compliance goal (a share, ``0.95``) per level, drawn as a dashed line in
            the level's colour.
        order: the levels in the order their lines are drawn (the others after, by name).

    Raises:
        ImportError: without matplotlib, saying what to install.
    """
    chart = _chart_class()
    data = summary.as_dict()
    months = sorted({row["month"] for row in data["months"]})
    series: dict[str, dict[str, tuple[float, int]]] = {}
    for row in data["months"]:
        decided = row["met"] + row["breached"]
        if decided:
            series.setdefault(row["level"], {})[row["month"]] = (
                row["met"] / decided * 100, decided)
    known = [level for level in order if level in series]
    levels = known + sorted(set(series) - set(known))
    # The axis spans the lines and the goals; a hollow point under it (one ticket's 0%)
    # is drawn on its floor as a triangle pointing down, with its value beside it.
    shown = [p[0] for points in series.values() for p in points.values() if p[1] >= FEW]
    shown += [goals[level] * 100 for level in levels if goals and level in goals]
    low = axis_floor(shown)
    margin = (100 - low) * 0.03
    fig: Figure = chart(figsize=(10, 5.5), dpi=150, layout="constrained")
    ax: Any = fig.subplots()
    positions = {month: i for i, month in enumerate(months)}
    for level in levels:
        points = series[level]
        xs = [positions[m] for m in months if m in points]
        # The line does not pass through a month of few tickets: one ticket's 0% is a
        # hollow point of its own, not a dive of the whole line.
        ys = [points[m][0] if points[m][1] >= FEW else float("nan")
              for m in months if m in points]
        (line,) = ax.plot(xs, ys, marker="o", markersize=5, linewidth=1.6, label=level)
        few = [(positions[m], points[m][0]) for m in months if m in points
               and points[m][1] < FEW]
        inside = [(x, y) for x, y in few if y >= low]
        if inside:
            ax.plot([x for x, _ in inside], [y for _, y in inside], linestyle="none",
                    marker="o", markersize=7, markerfacecolor="white",
                    color=line.get_color())
        for x, y in few:
            if y < low:
                ax.plot([x], [low], linestyle="none", marker="v", markersize=7,
                        markerfacecolor="white", color=line.get_color())
                ax.annotate(f"{y:.0f}%", (x, low), xytext=(5, 2), textcoords="offset points",
                            fontsize=8, color=line.get_color())
        if goals and level in goals:
            ax.axhline(goals[level] * 100, color=line.get_color(), linestyle="--",
                       linewidth=1, alpha=0.8)
    if any(p[1] < FEW for points in series.values() for p in points.values()):
        ax.plot([], [], linestyle="none", marker="o", markerfacecolor="white",
                color="grey", label=f"fewer than {FEW} tickets decided")
    if goals and any(level in goals for level in levels):
        ax.plot([], [], linestyle="--", color="grey", label="goal")
    step = max(1, len(months) // 24)
    ax.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right",
                  fontsize=10)
    ax.tick_params(axis="y", labelsize=10)
    ax.set_ylabel("tickets met, % of decided", fontsize=11)
    ax.set_ylim(low - margin, 100 + margin)
    ax.set_title("SLA compliance per month opened and service level", fontsize=13)
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:  # nothing decided yet: no legend to draw
        # Outside the axes, below them: a legend inside would hide the points under it.
        fig.legend(loc="outside lower center", fontsize=9, ncols=min(4, len(levels) + 2))
    return fig


def axis_floor(values: Sequence[float]) -> float:
    """The bottom of the chart's percentage axis: 10 points under the lowest value shown,
    rounded down to a multiple of 10, and never under 0. Compliance lives near the top,
    where an axis from 0 would squeeze the levels' differences into a few pixels.

    >>> axis_floor([97.5, 91.0, 95.0]), axis_floor([0.0, 100.0]), axis_floor([])
    (80.0, 0.0, 0.0)
    """
    if not values:
        return 0.0
    return float(max(0, math.floor((min(values) - 10) / 10) * 10))


def __getattr__(name: str) -> Any:
    # ``Chart`` is made on first use (matplotlib is imported only then), and found here by
    # name so that a chart pickles as matplotlib's figures do.
    if name == "Chart":
        return _chart_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _chart_class() -> Any:
    """The chart's Figure class, ``Chart``: matplotlib's, able to show itself in a
    notebook."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "the compliance chart needs matplotlib: pip install \"slaclock[plot]\""
        ) from None

    class Chart(Figure):
        """A figure that gives IPython (a notebook, JupyterLab) its PNG."""

        __qualname__ = "Chart"

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100)
            return buffer.getvalue()

    return Chart
