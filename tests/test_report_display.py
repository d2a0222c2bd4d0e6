"""What a notebook and a terminal show of a report: a compact repr, HTML tables, the chart
as an image, frames per level and metric."""

from __future__ import annotations

from pathlib import Path

import pytest

import slaclock
from slaclock import Regulation, report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "tickets.csv"


@pytest.fixture(scope="module")
def sample() -> slaclock.Report:
    return report(SAMPLE)


def test_a_report_s_repr_is_one_line_not_every_ticket(sample: slaclock.Report) -> None:
    # repr() used to print every ticket's status: 3.1 MB for the sample.
    assert repr(sample) == ("<Report at 2026-10-31T09:03:21+03:00: 2,000 tickets, 280 "
                            "breached; 8,285 events read, 0 rows left out>")
    assert repr(sample.summary) == ("<Summary: 2,000 tickets, 1,688 met, 280 breached, 32 in "
                                    "progress, compliance 85.8%; 5 levels, 22 months>")


def test_a_notebook_shows_the_report_and_its_summary_as_tables(
    sample: slaclock.Report,
) -> None:
    page = sample._repr_html_()
    assert page.count("<table>") == 1
    assert len(page) < 5_000
    levels = [page.index(f"<td style=\"text-align: left\">{lv}</td>") for lv in sample.levels]
    assert levels == sorted(levels)  # the policy's order
    assert ">partner.standard</td><td style=\"text-align: right\">543</td>" in page
    # The shares as the terminal's table writes them, from the counts (not rounded twice).
    assert ">85.8% (1688 of 1968)</td>" in page
    assert ">90.2% (119 of 132)</td>" in page
    summary = sample.summary._repr_html_()
    assert summary.startswith("<table>")
    assert ">all</td>" in summary


def test_the_report_s_html_escapes_what_the_policy_names() -> None:
    import attrs

    reg = Regulation.default()
    level = attrs.evolve(reg.levels["partner.standard"], key="<b>odd</b>")
    odd = attrs.evolve(reg, levels={"<b>odd</b>": level}, default_level="<b>odd</b>")
    log = [slaclock.Event("A", sample_instant(), "opened", level="<b>odd</b>")]
    page = report(log, odd)._repr_html_()
    assert "&lt;b&gt;odd&lt;/b&gt;" in page
    assert "<b>odd</b>" not in page


def sample_instant() -> object:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(2026, 5, 4, 10, tzinfo=ZoneInfo("Europe/Moscow"))


def test_the_summary_per_metric_holds_the_json_s_clock_counts(
    sample: slaclock.Report,
) -> None:
    pytest.importorskip("pandas")
    frame = sample.summary.to_pandas(by="metric")
    for lv in sample.summary.as_dict()["levels"]:
        for metric, counts in lv["metrics"].items():
            row = frame.loc[(lv["level"], metric)]
            assert (row["met"], row["breached"]) == (counts["met"], counts["breached"])
    assert list(frame.loc["commercial.standard"].index) == list(
        Regulation.default().metrics)  # the policy's order
    levels = sample.summary.to_pandas(by="level")
    assert levels["tickets"].sum() == 2000
    assert levels.loc["partner.standard", "compliance"] == pytest.approx(0.9168)
    with pytest.raises(ValueError, match="by must be 'month', 'level' or 'metric'"):
        sample.summary.to_pandas(by="week")


def test_the_chart_shows_itself_as_a_png_without_a_magic(sample: slaclock.Report) -> None:
    pytest.importorskip("matplotlib")
    png = sample.plot()._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_chart_s_axis_starts_under_its_lowest_line_not_at_zero(
    sample: slaclock.Report,
) -> None:
    pytest.importorskip("matplotlib")
    fig = sample.plot()
    (ax,) = fig.axes
    bottom, top = ax.get_ylim()
    lowest = 62.5  # commercial.standard in 2025-10, the lowest month of 5 or more decided
    assert 40 < bottom < lowest < 100 < top < 103
    # The one month of fewer than 5 decided under the axis (partner.emergency's 0% in
    # 2025-02) is a triangle on the axis's floor, its value written beside it.
    assert [t.get_text() for t in ax.texts] == ["0%"]
    assert ax.get_legend() is None
    assert len(fig.legends) == 1  # outside the axes: it hides no point


def test_the_chart_pickles_as_matplotlib_s_figures_do(sample: slaclock.Report) -> None:
    pytest.importorskip("matplotlib")
    import pickle

    fig = pickle.loads(pickle.dumps(sample.plot()))
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_the_worst_breaches_and_clocks_at_risk_are_named_instants_not_positions(
    sample: slaclock.Report,
) -> None:
    import pickle
    from datetime import datetime

    worst = sample.summary.worst_sorted()[0]
    assert (worst.ticket, worst.metric) == ("T-0104", "resolution")
    assert isinstance(worst.deadline, datetime)
    assert worst.deadline.utcoffset() is not None
    assert worst.overdue_seconds == sample.summary.as_dict()["worst_breaches"][0][
        "overdue_seconds"]
    (risk,) = sample.summary.at_risk_sorted()
    assert risk.level == "commercial.standard"
    assert 0.8 <= risk.used < 1
    assert pickle.loads(pickle.dumps(sample.summary)).worst_sorted()[0] == worst
