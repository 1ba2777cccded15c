"""A promotion SIGKILLed during CREATE INDEX CONCURRENTLY on a real server: the next promotion names
the INVALID index it left and the statement that clears it, never records the version over it, and
goes through once it is cleared. Also the other leftovers builder/killed_runs.py finds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from dbharness import config
from dbharness.builder import history, killed_runs
from dbharness.deploy import promote as deploy_promote
from dbharness.errors import PromotionRefused
from dbharness.progress import quiet
from dbharness.sql.migrations import discover
from tests.support import run_invoke, stands_for_a_real_environment

TABLE = "create table public.fa (id int);\nalter table public.fa enable row level security;\n" \
        "insert into public.fa select generate_series(1, 1000);\n"
WAIT = 60  # seconds a step may take on a loaded machine before the test gives up


@pytest.fixture
def staging(server, project: Path, monkeypatch):
    """A database standing for staging, its URL set; yields (settings, conninfo)."""
    name = f"kill_{abs(hash(project)) % 10**8}"
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        admin.execute(f"create database {name}")
    stands_for_a_real_environment(server, name)
    monkeypatch.setenv("STAGING_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{server.port}/{name}")
    yield project, server.conninfo(name)
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        admin.execute(f"drop database {name} with (force)")


def promote(root: Path, **kw):
    settings = config.load(root)
    return deploy_promote.promote(settings, "staging", yes=True, skip_tests=True, gate=lambda: None,
                                  report=quiet, **kw).raise_if_stopped()


def until(what: str, check) -> object:
    """Poll check() until it gives something true; fail (saying what) after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


def building(conn: psycopg.Connection) -> int | None:
    """The backend that runs the build of fa_id, once it waits with the INVALID index made."""
    row = conn.execute(
        "select a.pid from pg_stat_activity a where a.query ilike 'create %%index concurrently%%fa_id%%' "
        "and a.wait_event_type = 'Lock' and exists (select 1 from pg_index x where "
        "x.indexrelid = to_regclass('public.fa_id') and not x.indisvalid)").fetchone()
    return row[0] if row else None


def kill_during_the_build(root: Path, conninfo: str) -> None:
    """Run `dbharness promote` in a process of its own and SIGKILL it while its CREATE INDEX
    CONCURRENTLY waits for a writer (the index already made, INVALID); the server notices the
    lost client (client_connection_check_interval) and ends the build there."""
    env = {**os.environ, "PGOPTIONS": "-c client_connection_check_interval=100ms"}
    env.pop("DBHARNESS_ROOT", None)
    with psycopg.connect(conninfo, autocommit=True) as watch, psycopg.connect(conninfo) as writer:
        writer.execute("insert into public.fa values (0)")  # an open writer: the build waits for it
        proc = subprocess.Popen([sys.executable, "-m", "dbharness", "promote", "--env", "staging",
                                 "--skip-tests", "--yes"], cwd=root, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            backend = until("the build to wait", lambda: building(watch))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            until("the server to end the killed run's session", lambda: watch.execute(
                "select not exists (select 1 from pg_stat_activity where pid = %s)", (backend,)).fetchone()[0])
        finally:
            proc.kill()
            writer.rollback()


def invalid(conninfo: str, index: str) -> bool:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("select not indisvalid from pg_index where indexrelid = to_regclass(%s)",
                           (index,)).fetchone()
        return bool(row and row[0])


@pytest.mark.parametrize("build", ["create index concurrently fa_id on public.fa (id);\n",
                                   "create index concurrently if not exists fa_id on public.fa (id);\n"])
def test_a_promotion_killed_during_a_concurrent_build_is_named_by_the_next_one(staging, build):
    root, conninfo = staging
    (root / "supabase/migrations/1_fa.sql").write_text(TABLE)
    (root / "supabase/migrations/2_fa_id.sql").write_text(build)
    assert promote(root, to="1").applied == ["1_fa"]
    kill_during_the_build(root, conninfo)
    assert invalid(conninfo, "public.fa_id")
    with psycopg.connect(conninfo) as conn:
        assert list(history.read(conn)) == ["1"]

    clear = "drop index concurrently if exists public.fa_id;"
    with pytest.raises(PromotionRefused) as err:
        promote(root)
    assert ("2_fa_id (line 1) builds public.fa_id, which is there INVALID: an earlier run started that "
            "CREATE INDEX CONCURRENTLY and was stopped before it finished (2_fa_id is not recorded); clear "
            f"it with: {clear}") in str(err.value)
    out = run_invoke("promote", "--env", "staging", "--skip-tests", "--yes", root=root)
    assert out.returncode != 0 and "Promoted" not in out.stdout, out.stdout
    assert clear in out.stdout + out.stderr
    with psycopg.connect(conninfo) as conn:
        assert list(history.read(conn)) == ["1"], "never recorded over an INVALID index"

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(clear)
    assert promote(root).applied == ["2_fa_id"]
    assert not invalid(conninfo, "public.fa_id")


def test_the_leftovers_a_killed_run_can_leave_are_each_named_with_what_clears_them(fresh_db, tmp_path):
    files = {"1_a.sql": "create table public.a (x int); create table public.b (x int); create table public.c (x int);",
             "2_ab.sql": "create index concurrently a_x on public.a (x);\ncreate index concurrently on public.b (x);",
             "3_c.sql": "create index concurrently if not exists c_x on public.c (x);",
             "4_re.sql": "reindex index concurrently public.a_x;"}
    for name, sql in files.items():
        (tmp_path / name).write_text(sql)
    mfs = discover(tmp_path, tmp_path)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        history.ensure_table(conn)
        for table in ("a", "b", "c"):
            conn.execute(f"create table public.{table} (x int); insert into public.{table} values (1), (1)")
        conn.execute("create index a_x on public.a (x)")  # built, the version never recorded
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("create unique index concurrently b_x_idx on public.b (x)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("create unique index concurrently c_x on public.c (x)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("create unique index concurrently a_x_ccnew on public.a (x)")
        found = killed_runs.leftovers(conn, mfs, {"1", "3"})
    assert found == [
        "2_ab (line 1) builds public.a_x, which is there already although 2_ab is not recorded: an earlier "
        "run built it and was stopped before recording the version (or it was made by hand), and this run "
        "would fail with 'already exists'; drop it with: drop index concurrently if exists public.a_x;",
        "2_ab (line 2) builds an unnamed index on public.b; public.b_x_idx there is INVALID, most likely that "
        "build, started by an earlier run that was stopped; clear it with: drop index concurrently if exists "
        "public.b_x_idx;",
        "3_c is recorded as applied, but public.c_x, which it builds at line 1, is INVALID: the version was "
        "recorded without a finished build; rebuild it with: reindex index concurrently public.c_x;",
        "4_re (line 1) reindexes public.a_x concurrently; public.a_x_ccnew there is an INVALID copy an "
        "earlier, stopped run of it left; clear it with: drop index concurrently if exists public.a_x_ccnew;"]
