"""dbharness bench: the pytest plugin's speed, as an application's test suite meets it: a pytest
process running a file of tests that each take a fresh database of the project (supabase_conn),
once the project's migrated build exists."""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dbharness.config import Settings
from dbharness.errors import CheckFailed, PrerequisiteError
from dbharness.progress import Progress, quiet

TESTS = '''
import pytest


@pytest.mark.parametrize("n", range({count}))
def test_a_fresh_database(supabase_conn, n):
    assert supabase_conn.execute("select count(*) from pg_catalog.pg_class").fetchone()[0] > 0
'''


def _command(settings: Settings) -> list[str]:
    # the plugin named, every other installed plugin left out: what is measured is pytest with
    # this plugin, not whatever else the environment happens to hold
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "dbharness.pytest_plugin",
            "--dbharness-project", str(settings.root), "--dbharness-engine", settings.engine]


def _run(command: list[str], where: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    out = subprocess.run(command, cwd=where, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        raise CheckFailed(f"the plugin's tests failed during the benchmark:\n{out.stdout[-2000:]}"
                          f"\n{out.stderr[-1000:]}")
    return elapsed


def plugin_suite(settings: Settings, runs: int = 3, tests: int = 100, report: Progress = quiet) -> float:
    """Seconds (median of runs) of a whole pytest process running `tests` tests, each on a fresh
    database of the project; a first, untimed run makes sure the migrated build exists."""
    if importlib.util.find_spec("pytest") is None:
        raise PrerequisiteError("the plugin benchmark runs pytest, which is missing: pip install pytest")
    env = {k: v for k, v in os.environ.items() if k not in ("DBHARNESS_ROOT", "PYTEST_ADDOPTS")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    with tempfile.TemporaryDirectory(prefix="dbharness-bench-plugin-") as tmp:
        where = Path(tmp)
        (where / "pytest.ini").write_text("[pytest]\n")  # the project's own pytest settings stay out
        (where / "test_fresh.py").write_text(TESTS.format(count=tests))
        command = _command(settings)
        _run(command, where, env)
        samples = []
        for i in range(runs):
            samples.append(_run(command, where, env))
            report(f"  plugin suite {i + 1}/{runs}: {tests} tests in {samples[-1]:.2f}s")
    return round(statistics.median(samples), 3)
