"""The local engine: starts a real server, always stops it and removes its directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from dbharness.config import Storage
from dbharness.engines import cluster_cache
from dbharness.engines.leftovers import clean_leftovers
from dbharness.engines.local import LocalEngine
from dbharness.errors import EngineError
from dbharness.progress import quiet
from tests.support import REPO


def leftovers() -> set[Path]:
    return {b for d in cluster_cache.scratch_dirs(Storage.from_environment()) for b in d.glob("dbharness-*")}


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie still answers kill(0); it is gone for our purposes once reaped or defunct
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "zombie" in status.read_text()


def test_server_answers_with_durability_off_and_is_removed():
    eng = LocalEngine()
    with eng.running() as srv:
        base, pid = eng.cluster.base, eng.cluster.proc.pid
        assert base.is_dir()
        with psycopg.connect(srv.conninfo(admin=True)) as conn:  # a bare cluster: no compat, no postgres role
            settings = dict(conn.execute(
                "select name, setting from pg_settings where name in "
                "('fsync', 'synchronous_commit', 'full_page_writes')").fetchall())
        assert settings == {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        with psycopg.connect(f"postgresql://{srv.admin}@{srv.host}:{srv.port}/postgres") as conn:  # TCP too
            assert conn.execute("select 1").fetchone() == (1,)
    assert not base.exists()
    assert gone(pid)


@pytest.mark.skipif(os.geteuid() != 0, reason="only as root does the server switch to the postgres user")
def test_as_root_the_server_runs_as_postgres():
    import pwd

    eng = LocalEngine()
    with eng.running():
        uid_line = next(line for line in Path(f"/proc/{eng.cluster.proc.pid}/status").read_text().splitlines()
                        if line.startswith("Uid:"))
        assert int(uid_line.split()[1]) == pwd.getpwnam("postgres").pw_uid


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_or_ctrl_c_inside_removes_everything(exc):
    eng = LocalEngine()
    with pytest.raises(type(exc)), eng.running():
        base, pid = eng.cluster.base, eng.cluster.proc.pid
        raise exc
    assert not base.exists()
    assert gone(pid)


def test_a_killed_server_is_reported_and_its_directory_removed():
    eng = LocalEngine()
    with eng.running():
        base = eng.cluster.base
        os.kill(eng.cluster.proc.pid, signal.SIGKILL)
        eng.cluster.proc.wait(timeout=10)
        with pytest.raises(EngineError, match="the local server died"):
            eng.check_alive()
    assert not base.exists()



def test_keep_leaves_the_server_running_until_clean(own_scratch):
    tmp_path = own_scratch
    messages: list[str] = []
    eng = LocalEngine(report=messages.append)
    with eng.running(keep=True) as srv:
        base = eng.cluster.base
    assert "Server kept running: postgresql://postgres@127.0.0.1:" in messages[0]
    with psycopg.connect(srv.conninfo(admin=True)) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    assert clean_leftovers(Storage.from_environment(), quiet) == 1
    assert not base.exists() and base.parent == tmp_path
    eng.cluster.proc.wait(timeout=10)


def _slow_project(tmp_path: Path) -> Path:
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    (tmp_path / "supabase" / "migrations" / "1_fast.sql").write_text("create table public.t (a int);")
    (tmp_path / "supabase" / "migrations" / "2_slow.sql").write_text("select pg_sleep(60);")
    (tmp_path / "supabase" / "tests").mkdir()
    (tmp_path / "supabase" / "tests" / "a_test.sql").write_text("select plan(1);\nselect ok(true);\n")
    return tmp_path


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 130)])
def test_interrupting_invoke_test_stops_and_removes_the_server(tmp_path, sig, code, own_scratch):
    """In a scratch folder of its own, so other runs' servers never count."""
    before = leftovers()
    env = dict(os.environ, DBHARNESS_ROOT=str(_slow_project(tmp_path)))
    proc = subprocess.Popen([sys.executable, "-m", "invoke", "test", "--no-lint"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if "1_fast ... done" in line:
            break
    time.sleep(0.3)
    proc.send_signal(sig)
    out = proc.stdout.read()
    assert proc.wait(timeout=30) == code, out
    assert "interrupted: every started server was stopped and removed" in out
    assert leftovers() <= before
