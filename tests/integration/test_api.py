"""The API as the README shows it: its ten-line script runs test, rollback-check, lint and a
promotion on a project and reads the results, in a process of its own."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from dbharness import config
from dbharness.builder import database
from tests.support import REPO, stands_for_a_real_environment


def readme_script() -> str:
    text = (REPO / "README.md").read_text()
    found = re.search(r"```python\n(from dbharness import api\n.*?)```", text, re.S)
    assert found, "the README shows the API's script"
    return found.group(1)


def test_the_readme_script_runs_and_reads_the_results(tmp_path: Path, server):
    project = tmp_path / "app"
    shutil.copytree(REPO / "tests" / "projects" / "stranger", project)
    script = readme_script().replace("path/to/project", str(project))
    assert len(script.strip().splitlines()) <= 12
    platform_only = database.Recipe(migrations=False, seed=False, pgtap=False)  # auth, storage, roles
    with database.scratch(server, "api_staging", config.load(project), platform_only) as staging:
        stands_for_a_real_environment(server, staging.dbname)
        env = {k: v for k, v in os.environ.items() if k != "DBHARNESS_ROOT"}
        env["STAGING_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:{server.port}/{staging.dbname}"
        out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    printed = out.stdout.strip().splitlines()
    assert "True 8 passed, 0 failed" in printed
    assert "[]" in printed  # no rollback step failed
    assert "False []" in printed  # lint: no error
    assert printed[-1] == ("['20260101000001_create_profiles', '20260101000002_handle_new_user', "
                           "'20260101000003_avatars_bucket', '20260101000004_profile_names'] 0")
