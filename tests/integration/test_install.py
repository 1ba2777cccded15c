"""The harness as a stranger gets it: the wheel built from this repository, installed into a fresh
virtual environment outside it, run with the README's commands for "your own project" on a
project laid out as `supabase init` lays it out (tests/projects/cli_layout)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.support import REPO

FIXTURE = REPO / "tests" / "projects" / "cli_layout"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv holding the wheel of this repository and its dependencies only."""
    where = tmp_path_factory.mktemp("install")
    wheels = where / "wheels"
    source = where / "source"  # the files git knows of: no build/ left over from an older tree
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("dbharness-*.whl")
    venv.create(where / "venv", with_pip=True)
    bin_dir = where / "venv" / "bin"
    done = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return bin_dir


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DBHARNESS_ROOT", "VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"  # as after `. venv/bin/activate`
    return subprocess.run([str(bin_dir / "dbharness"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_wheel_holds_the_package_and_its_data_files_but_no_project(installed):
    site = next((installed.parent / "lib").glob("python3*/site-packages"))
    assert (site / "dbharness" / "hosted" / "objects" / "03_auth.sql").is_file()
    assert (site / "dbharness" / "hosted" / "extensions" / "pg_net.control").is_file()
    assert (site / "dbharness" / "hosted" / "vector" / "vector--0.8.0.sql").is_file()  # setup builds it
    assert not (site / "tests").exists() and not (site / "tasks.py").exists()


def test_a_cli_laid_out_project_runs_its_migrations_and_tests_with_no_other_setup(installed, tmp_path):
    project = tmp_path / "their-app"
    shutil.copytree(FIXTURE, project)
    listed = run(installed, project, "--list")
    assert listed.returncode == 0 and "rollback-check" in listed.stdout
    nested = project / "supabase" / "migrations"  # started from inside the project, as the CLI allows
    out = run(installed, nested, "test")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "Applying 20250101000000_create_notes ... done" in out.stdout
    assert "Seeded from seed.sql" in out.stdout
    assert "ok   supabase/tests/notes_test.sql  4 passed" in out.stdout
    assert out.stdout.rstrip().endswith("4 passed, 0 failed")
    assert (project / "reports" / "junit" / "pgtap.xml").is_file()
    assert "Traceback" not in out.stderr
