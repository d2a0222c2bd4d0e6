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
