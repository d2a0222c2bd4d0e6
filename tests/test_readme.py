"""The README's example runs and says what its comments say."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs_and_its_comments_hold() -> None:
    code = re.search(r"```python\n(.*?)```", README.read_text("utf-8"), re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(compile(code[1], str(README), "exec"), namespace)
    cal, desk, opened = namespace["cal"], namespace["desk"], namespace["opened"]
    msk, london = ZoneInfo("Europe/Moscow"), ZoneInfo("Europe/London")
    assert cal.add(opened, timedelta(hours=24)) == datetime(2026, 5, 6, 15, tzinfo=msk)
    assert cal.business_time(opened, cal.next_open(opened)) == timedelta(0)
    assert desk.next_open(datetime(2026, 12, 24, 18, tzinfo=london)) == datetime(
        2026, 12, 29, 9, tzinfo=london
    )


def console_commands() -> list[str]:
    return re.findall(r"```console\n(.*?)\n```", README.read_text("utf-8"), re.S)


def test_readme_has_exactly_two_set_up_commands() -> None:
    setup = [c for c in console_commands() if c.startswith("python3 -m venv .venv")]
    assert len(setup) == 2, setup
    main_job, tests = setup
    # The main job installs the library and the command line, not the development set.
    assert '.venv/bin/pip install -q -e ".[cli]"' in main_job
    assert main_job.endswith(".venv/bin/slaclock report examples/tickets.csv")
    assert '-e ".[dev]"' in tests
    assert tests.endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_readmes_test_command() -> None:
    tests = [c for c in console_commands() if c.endswith("-m pytest")]
    assert len(tests) == 1
    ci = (README.parent / ".ci" / "run").read_text("utf-8")
    assert tests[0] in ci.splitlines()


def test_the_cli_extra_holds_what_the_command_imports() -> None:
    import tomllib

    project = tomllib.loads((README.parent / "pyproject.toml").read_text("utf-8"))["project"]
    core = {re.split(r"[<>=\[ ]", d)[0] for d in project["dependencies"]}
    assert core == {"attrs", "holidays", "pendulum", "tzdata"}
    cli = {re.split(r"[<>=\[ ]", d)[0] for d in project["optional-dependencies"]["cli"]}
    # NumPy and pyarrow: the report's columnar engine.
    assert cli == {"click", "rich", "numpy", "pyarrow"}
    assert any("cli" in d for d in project["optional-dependencies"]["dev"])
