"""slaclock's SLA app for django-helpdesk, tested by Django's own test runner against a real
database (tests/django_helpdesk: SQLite in a file; PostgreSQL when SLACLOCK_TEST_POSTGRES
holds a DSN), run here in a subprocess with this interpreter."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "tests" / "django_helpdesk"


def test_importing_slaclock_imports_no_django() -> None:
    code = "import sys, slaclock, slaclock.policy; print('django' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)
    assert found.stdout.strip() == "False"


@pytest.mark.skipif(
    importlib.util.find_spec("helpdesk") is None or importlib.util.find_spec("django") is None,
    reason="django-helpdesk is not installed (pip install 'slaclock[django-helpdesk]')",
)
def test_the_django_helpdesk_app_passes_its_django_tests_on_a_real_database() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), str(PROJECT), *filter(None, [env.get("PYTHONPATH")])]
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    found = subprocess.run(
        [sys.executable, "-W", "error", "-m", "django", "test", "--settings=settings",
         "--pattern=sla_*.py", "--noinput", "-v", "2"],
        cwd=PROJECT, env=env, capture_output=True, text=True, check=False, timeout=600,
    )
    assert found.returncode == 0, found.stdout + found.stderr
    assert "OK" in found.stderr
