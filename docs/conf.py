"""Sphinx configuration for slaclock's documentation."""

from __future__ import annotations

import slaclock

project = "slaclock"
author = "The slaclock developers"
copyright = "2026, The slaclock developers"
release = slaclock.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build"]
html_theme = "furo"
html_static_path: list[str] = []
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": False}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# No network for intersphinx: names of the standard library and of the dependencies are
# not cross-referenced.
nitpick_ignore_regex = [
    (r"py:.*", r"(datetime|zoneinfo|collections\.abc|typing|attrs?|holidays|enum|pathlib|os|"
     r"numpy|pandas|np|pd|array|threading|abc|matplotlib)(\..*)?"),
    (r"py:.*", r"slaclock\.(\w+\.)*_.*"),
    (r"py:.*", r"(timedelta|datetime|date|tzinfo|ZoneInfo|Path|Mapping|Iterable|Iterator|"
     r"Sequence|Any|Literal|Self|TypeAlias|V|T|DayHours|Interval|YearRules|DaySource|"
     r"WeeklyHours|TimelineCache|Timeline|FrozenDateMap|Schedule|YearSummary|"
     r"PeriodSummary|optional|callable)"),
]
