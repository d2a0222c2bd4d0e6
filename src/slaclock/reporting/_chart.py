"""The compliance chart of a report: one line per service level, month by month.

Needs matplotlib (``pip install "slaclock[plot]"``); the chart is a
:class:`matplotlib.figure.Figure` made without pyplot, so it keeps no global state, shows
itself in a notebook and saves to any format matplotlib writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "the compliance chart needs matplotlib: pip install \"slaclock[plot]\""
        ) from None
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
    fig = Figure(figsize=(10, 5.5), dpi=150, layout="constrained")
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
        if few:
            ax.plot([x for x, _ in few], [y for _, y in few], linestyle="none", marker="o",
                    markersize=7, markerfacecolor="white", markeredgecolor=line.get_color())
        if goals and level in goals:
            ax.axhline(goals[level] * 100, color=line.get_color(), linestyle="--",
                       linewidth=1, alpha=0.8)
    if any(p[1] < FEW for points in series.values() for p in points.values()):
        ax.plot([], [], linestyle="none", marker="o", markerfacecolor="white",
                markeredgecolor="grey", label=f"fewer than {FEW} tickets decided")
    if goals and any(level in goals for level in levels):
        ax.plot([], [], linestyle="--", color="grey", label="goal")
    step = max(1, len(months) // 24)
    ax.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right",
                  fontsize=10)
    ax.tick_params(axis="y", labelsize=10)
    ax.set_ylabel("tickets met, % of decided", fontsize=11)
    ax.set_ylim(-3, 103)
    ax.set_title("SLA compliance per month opened and service level", fontsize=13)
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:  # nothing decided yet: no legend to draw
        ax.legend(loc="lower left", fontsize=9, ncols=2)
    return fig
