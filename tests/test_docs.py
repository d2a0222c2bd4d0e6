"""The documentation builds with warnings as errors (its examples run as doctests too), and
the HTML it builds shows no error a warning does not catch."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    html = tmp_path_factory.mktemp("docs") / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-n", "-W", "--keep-going", "-q", "-b", "html",
         str(ROOT / "docs"), str(html)],
        capture_output=True, text=True, check=False,
    )
    return result, html


def test_sphinx_build_is_clean(built: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, _ = built
    assert result.returncode == 0, result.stderr


def test_no_page_shows_furos_red_box_for_a_table_of_contents(
    built: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    # Furo draws a local ``.. contents::`` as a red error box (in its CSS, not as a Sphinx
    # warning): the sidebar already lists a page's sections.
    _, html = built
    boxed = [
        page.relative_to(html).as_posix()
        for page in html.rglob("*.html")
        if re.search(r'class="[^"]*\bcontents\b', page.read_text(encoding="utf-8"))
    ]
    assert boxed == []


def test_the_docs_name_no_placeholder_for_an_address_that_does_not_exist() -> None:
    sources = [*ROOT.joinpath("docs").rglob("*.rst"), ROOT / "README.md"]
    found = [
        f"{path.relative_to(ROOT).as_posix()}: {match.group(0)}"
        for path in sources
        for match in re.finditer(r"\b[A-Z]+(?:-[A-Z]+)*-URL\b", path.read_text(encoding="utf-8"))
    ]
    assert found == []
