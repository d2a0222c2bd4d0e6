"""The report in a real notebook: docs/notebooks/report.ipynb executed headless by a
Jupyter kernel (nbclient, ipykernel), as an analyst runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebooks" / "report.ipynb"


@pytest.fixture(scope="module")
def executed() -> list[dict[str, Any]]:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},  # where Jupyter starts it
    )
    client.execute()
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _outputs(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell's result by its MIME types (what the notebook displays), and its streams."""
    found: dict[str, Any] = {}
    for output in cell["outputs"]:
        if output["output_type"] in ("execute_result", "display_data"):
            found.update(output["data"])
        elif output["output_type"] == "stream":
            found.setdefault(output["name"], "")
            found[output["name"]] += output["text"]
        elif output["output_type"] == "error":
            found["error"] = f"{output['ename']}: {output['evalue']}"
    return found


def test_the_notebook_runs_without_an_error_or_a_warning(executed: list[dict[str, Any]]) -> None:
    for cell in executed:
        out = _outputs(cell)
        assert "error" not in out, cell["source"]
        assert "stderr" not in out, (cell["source"], out.get("stderr"))


def test_the_report_and_its_summary_show_as_compact_tables(
    executed: list[dict[str, Any]],
) -> None:
    report, summary = _outputs(executed[0]), _outputs(executed[1])
    assert "<table>" in report["text/html"]
    assert "partner.standard" in report["text/html"]
    assert len(report["text/html"]) < 5_000
    assert report["text/plain"].startswith("<Report at 2026-10-31T09:03:21+03:00")
    assert "<table>" in summary["text/html"]


def test_the_chart_appears_as_an_image_with_no_magic(executed: list[dict[str, Any]]) -> None:
    import base64

    chart = _outputs(executed[3])
    assert base64.b64decode(chart["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_what_if_cell_runs_and_shows_both_policies(executed: list[dict[str, Any]]) -> None:
    both = _outputs(executed[4])
    html = both["text/html"]
    assert "reaction in 16 h" in html
    assert "0.9305" in html
    assert "0.7866" in html
