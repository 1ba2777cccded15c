"""Faults and bad input, as a careful user and a hostile environment meet them: one-line errors,
nothing half-applied, no traceback, nothing of anyone else's removed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dbharness.config import Storage
from dbharness.engines import cluster_cache
from dbharness.engines.leftovers import clean_leftovers
from tests.support import REPO, run_invoke

PASSING = "begin;\nselect plan(1);\nselect ok(true, 'fine');\nselect * from finish();\nrollback;\n"


def project_with(root: Path, files: dict[str, bytes | str]) -> Path:
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
    return root


def test_a_migration_that_is_not_utf8_is_one_line(project):
    project_with(project, {"supabase/migrations/1_a.sql": b"select 1;\n-- caf\xe9\n", "pgtap/a.test.sql": PASSING})
    out = run_invoke("test", "--no-lint", root=project)
    assert out.returncode == 6 and "Traceback" not in out.stderr
    assert "1_a.sql: not valid UTF-8 at byte 16" in out.stderr


def test_a_pgtap_file_that_is_not_utf8_fails_alone(project):
    project_with(project, {"pgtap/a.test.sql": PASSING, "pgtap/b.test.sql": b"select 1; -- \xff\n"})
    out = run_invoke("test", "--no-lint", root=project)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "b.test.sql: not valid UTF-8 at byte 13" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "2 passed, 1 failed"


def test_misnamed_migrations_are_warned_about(project):
    project_with(project, {"supabase/migrations/1_a.sql": "select 1;", "supabase/migrations/2_b.SQL": "x",
                           "supabase/migrations/notes.sql": "x", "pgtap/a.test.sql": PASSING})
    out = run_invoke("test", "--no-lint", root=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "warning: skipping" in out.stdout and "2_b.SQL: not named" in out.stdout and "notes.sql" in out.stdout


def test_no_pgtap_file_is_a_failure_not_a_green_run(project):
    (project / "pgtap" / "smoke.test.sql").unlink()
    out = run_invoke("test", "--no-lint", root=project)
    assert out.returncode == 8 and "no pgTAP file found (searched pgtap/**/*.test.sql" in out.stderr


def test_a_missing_tmpdir_is_a_one_line_error_and_nothing_is_created(project, tmp_path, monkeypatch):
    missing = tmp_path / "nope"
    monkeypatch.setenv("DBHARNESS_TMPDIR", str(missing))
    project_with(project, {"pgtap/a.test.sql": PASSING})
    out = run_invoke("test", "--no-lint", root=project)
    assert out.returncode == 2 and f"DBHARNESS_TMPDIR={missing}: no such directory" in out.stderr
    assert not missing.exists() and "Traceback" not in out.stderr


def test_sigint_works_when_the_task_started_with_sigint_ignored(project, own_scratch):
    """In a scratch folder of its own, so other runs' servers never count."""
    project_with(project, {"supabase/migrations/1_fast.sql": "create table public.t (a int);",
                           "supabase/migrations/2_slow.sql": "select pg_sleep(60);", "pgtap/a.test.sql": PASSING})
    before = {b for d in cluster_cache.scratch_dirs(Storage.from_environment()) for b in d.glob("dbharness-*")}
    env = dict(os.environ, DBHARNESS_ROOT=str(project))
    proc = subprocess.Popen([sys.executable, "-m", "invoke", "test", "--no-lint"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert proc.stdout is not None
    for line in proc.stdout:
        if "1_fast ... done" in line:
            break
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out = proc.stdout.read()
    assert proc.wait(timeout=30) == 130, out
    assert {b for d in cluster_cache.scratch_dirs(Storage.from_environment()) for b in d.glob("dbharness-*")} <= before


def test_clean_leaves_other_users_runs_and_never_signals_a_stale_pid(tmp_path, monkeypatch):
    monkeypatch.setenv("DBHARNESS_TMPDIR", str(tmp_path))
    other = tmp_path / "dbharness-other"
    (other / "data").mkdir(parents=True)
    (other / "harness.json").write_text(json.dumps({"pid": 999999, "uid": os.geteuid() + 1, "kept": True}))
    stale = tmp_path / "dbharness-stale"
    (stale / "data").mkdir(parents=True)
    (stale / "harness.json").write_text(json.dumps({"pid": 999999, "uid": os.geteuid(), "kept": False}))
    sleeper = subprocess.Popen(["sleep", "30"])  # a live process that is not a postmaster
    try:
        (stale / "data" / "postmaster.pid").write_text(f"{sleeper.pid}\n{stale / 'data'}\n")
        said: list[str] = []
        assert clean_leftovers(Storage.from_environment(), said.append) == 1
        assert other.exists() and not stale.exists()
        assert sleeper.poll() is None  # never signalled
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_file_named_reports_is_one_line_before_any_work(project):
    (project / "reports").write_text("not a folder")
    out = run_invoke("test", "--no-lint", root=project)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "error: reports is a file, so the report reports/junit/pgtap.xml cannot be written there; move "
        "it away (or pass --junit PATH)"]
    assert "Applying" not in out.stdout and "building" not in out.stdout  # nothing was done


def test_a_seed_pattern_that_matches_nothing_is_said_as_the_cli_says_it(project):
    (project / "supabase" / "config.toml").write_text('[db.seed]\nsql_paths = ["./seeds/*.sql"]\n')
    out = run_invoke("test", "--no-lint", root=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "warning: [db.seed] sql_paths: no files matched pattern: ./seeds/*.sql" in out.stdout
