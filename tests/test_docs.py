"""The documentation builds with warnings as errors (its examples run as doctests too), and
the HTML it builds shows no error a warning does not catch."""

from __future__ import annotations

import itertools
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


def _sections(page: Path) -> list[tuple[str, str]]:
    """A page's sections: (title, text), a title being a line underlined with ``-``."""
    lines = page.read_text(encoding="utf-8").splitlines()
    starts = [i - 1 for i, line in enumerate(lines)
              if i > 0 and line and set(line) == {"-"} and len(line) >= len(lines[i - 1]) > 0]
    bounds = [*starts, len(lines)]
    return [(lines[a], "\n".join(lines[a:b])) for a, b in itertools.pairwise(bounds)]


def test_each_section_of_getting_started_runs_after_the_first_alone() -> None:
    # A newcomer jumps to the section they need: each one's examples run with only the
    # first section's (its imports and its calendar) before them, none needing pandas
    # from a section they skipped.
    import doctest

    sections = _sections(ROOT / "docs" / "getting-started.rst")
    runnable = [(title, text) for title, text in sections if ">>>" in text]
    assert len(runnable) >= 4, [title for title, _ in sections]
    parser = doctest.DocTestParser()
    first_title, first_text = runnable[0]
    for title, text in runnable[1:]:
        if "import pandas" in text:
            pytest.importorskip("pandas")
        test = parser.get_doctest(first_text + "\n\n" + text, {}, title, "getting-started", 0)
        runner = doctest.DocTestRunner(
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test, out=lambda _text: None)
        assert runner.failures == 0, f"{title!r} does not run after {first_title!r} alone"
