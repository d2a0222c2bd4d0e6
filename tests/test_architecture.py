"""The package's structure, checked: the wings are layered, no module imports itself back
through a cycle, each wing is reached through its face, no module grows past a size one
reader can hold, and the public face is what the docs say."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import slaclock

SRC = Path(slaclock.__file__).parent
ROOT = SRC.parent.parent
WINGS = ("calendars", "sla", "logs", "reporting", "helpdesks", "cli")
#: A module longer than this is doing more than one job (the issue that set the layout).
MAX_LINES = 900


def test_the_import_contracts_hold() -> None:
    """import-linter's contracts in pyproject.toml: the layers (cli over helpdesks over
    reporting over logs over sla over calendars over the base), no cycle between sibling
    modules anywhere, and the wings' private modules reached only through their faces."""
    found = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
         " sys.argv = ['lint-imports', '--no-cache']; lint_imports_command()"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )
    assert found.returncode == 0, found.stdout + found.stderr
    assert "0 broken" in found.stdout


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_is_longer_than_one_reader_can_hold(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def _imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_the_library_and_its_tests_read_no_name_from_its_old_place() -> None:
    """Every moved name is read from its new home in the project itself (the old one only
    warns, for users' code)."""
    moved = set(slaclock._MOVED)
    offenders = []
    for path in [*SRC.rglob("*.py"), *(ROOT / "tests").rglob("*.py"),
                 *(ROOT / "benchmarks").rglob("*.py"), *(ROOT / "examples").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "slaclock":
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name in moved]
            elif (isinstance(node, ast.Attribute) and node.attr in moved
                  and isinstance(node.value, ast.Name) and node.value.id == "slaclock"):
                offenders.append(f"{path.name}:{node.lineno}: slaclock.{node.attr}")
    assert offenders == []


def test_the_public_face_is_small_and_every_name_in_it_is_served() -> None:
    assert 30 <= len(slaclock.__all__) <= 45
    for name in slaclock.__all__:
        assert getattr(slaclock, name) is not None
    for module in ("slaclock.policy", "slaclock.helpdesks"):
        public = importlib.import_module(module)
        for name in public.__all__:
            assert getattr(public, name) is not None


@pytest.mark.parametrize("name", sorted(slaclock._MOVED))
def test_a_moved_name_is_still_served_from_the_top_with_a_deprecation_warning(name: str) -> None:
    new_home = importlib.import_module(slaclock._MOVED[name])
    with pytest.warns(DeprecationWarning, match=rf"slaclock\.{name} moved to {new_home.__name__}"):
        value = getattr(slaclock, name)
    assert value is getattr(new_home, name)
    assert name in new_home.__all__
    assert name not in slaclock.__all__


def test_every_name_importable_before_the_rebuild_is_still_importable() -> None:
    """The face of slaclock 0.1 (before the wings), name by name."""
    before = {
        "Calendar", "CombinedCalendar", "DaySource", "PeriodSummary", "Schedule",
        "WeeklyHours", "YearRules", "YearSummary", "DatedDays", "calendar_from_zendesk",
        "calendar_to_ics", "read_ics", "CATEGORIES", "COVERAGES", "Contract", "Deadlines",
        "Event", "Level", "LevelRule", "MetricDefinition", "MetricStatus", "Options",
        "Regulation", "RegulationVersions", "Target", "Ticket", "TicketStatus",
        "load_calendar", "load_policy", "metric_library", "order_queue", "parse_policy",
        "replay", "BadRow", "Report", "Summary", "report", "BreachComparison", "Export",
        "ExportMapping", "Unknown", "ZENDESK_METRICS", "ZendeskMetricEvent",
        "compare_breaches", "load_mapping", "read_export", "read_zendesk_metric_events",
        "CalendarFileError", "ConfigError", "Datetime64AssumedUTCWarning", "EventError",
        "ExportError", "HorizonError", "LongCompileWarning", "MappingError",
        "NaiveDatetimeError", "PolicyError", "ProvisionalCalendarWarning", "SlaclockError",
        "SlaclockWarning", "UnknownLevelError",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in sorted(before):
            assert getattr(slaclock, name) is not None, name


def test_importing_slaclock_loads_no_heavy_or_upper_module() -> None:
    code = (
        "import sys, slaclock\n"
        "heavy = [m for m in ('numpy', 'pandas', 'dask', 'matplotlib', 'click', 'rich',"
        " 'slaclock.sla', 'slaclock.logs', 'slaclock.reporting', 'slaclock.helpdesks',"
        " 'slaclock.cli') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert found.stdout.strip() == "[]"


def test_eventlogerror_is_exported_and_is_a_slaclock_error() -> None:
    """Finding 7 of the rebuild: ``EventLogError`` was documented but not exported."""
    assert issubclass(slaclock.EventLogError, slaclock.SlaclockError)
    with pytest.raises(slaclock.EventLogError, match="cannot open"):
        slaclock.report(str(ROOT / "no-such-log.csv"))
