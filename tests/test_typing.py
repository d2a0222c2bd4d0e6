"""The array forms' overloads, as a type checker sees them (mypy on a snippet)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy")
pytest.importorskip("numpy")

SNIPPET = textwrap.dedent(
    """
    from datetime import UTC, datetime, timedelta
    from typing import Any, assert_type

    import numpy as np
    from numpy.typing import NDArray

    from slaclock import Calendar

    cal = Calendar(tz="UTC", hours="09:00-18:00")
    times: NDArray[np.datetime64] = np.array(["2026-03-02T06:00"], dtype="M8[us]")
    now = datetime.now(UTC)
    assert_type(cal.business_time(now, now), timedelta)
    assert_type(cal.add(now, timedelta(hours=1)), datetime)
    assert_type(cal.is_open(now), bool)
    assert_type(cal.add(times, timedelta(hours=1)), NDArray[np.datetime64])
    assert_type(cal.business_time(times, times), NDArray[np.timedelta64])
    assert_type(cal.is_open(times), NDArray[np.bool_])
    assert_type(cal.business_time([now, None], now), list[timedelta | None])
    assert_type(cal.add((now,), timedelta(hours=1)), tuple[datetime | None, ...])
    """
)


def test_mypy_types_the_array_forms(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--cache-dir", str(tmp_path / "cache"), str(snippet)],
        capture_output=True, text=True, check=False,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
