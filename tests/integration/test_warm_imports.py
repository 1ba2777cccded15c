"""A warm `dbharness test` imports only what its verdict needs: neither invoke (nor what invoke
brings: yaml, unittest), nor the parser, nor the docker SDK, nor matplotlib. Read from the
interpreter's own record of each import (-X importtime), so a later import cannot creep back unseen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NEVER = ("invoke", "yaml", "unittest", "pglast", "docker", "matplotlib")


def imported(stderr: str) -> set[str]:
    return {line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def test_a_warm_run_imports_none_of_the_heavy_modules(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(REPO / "tests" / "projects" / "stranger", project)
    env = {k: v for k, v in os.environ.items() if k != "DBHARNESS_ROOT"}
    env["DBHARNESS_CACHE_DIR"] = str(tmp_path / "cache")
    command = [sys.executable, "-X", "importtime", "-m", "dbharness", "test", "--junit", str(tmp_path / "r.xml")]
    first = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    assert "building the kept build" in first.stdout
    assert any(m.startswith("psycopg.") for m in imported(first.stderr))  # the record sees the driver
    warm = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert warm.returncode == 0, warm.stdout + warm.stderr[-3000:]
    assert "from the kept build" in warm.stdout, warm.stdout
    modules = imported(warm.stderr)
    assert any(m.startswith("psycopg.") for m in modules)
    heavy = sorted(m for m in modules if m.split(".")[0] in NEVER)
    assert heavy == [], heavy
