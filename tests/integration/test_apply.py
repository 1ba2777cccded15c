"""Applying migrations: one transaction per file with its history row, or nothing at all."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from dbharness.builder import history
from dbharness.builder.apply import Timeouts, apply_file, apply_files
from dbharness.errors import MigrationError
from dbharness.sql.migrations import parse_name

LIMITS = Timeouts("5s", "5min")


def mig(tmp_path: Path, name: str, sql: str):
    path = tmp_path / name
    path.write_text(sql)
    return parse_name(path)


def table_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (name,)).fetchone()[0]


def test_applied_files_are_recorded_like_the_supabase_cli(fresh_db, tmp_path):
    files = [mig(tmp_path, "1_a.sql", "create table public.a (x int);\ncreate index ia on public.a (x);"),
             mig(tmp_path, "2_b.sql", "create index concurrently ib on public.a (x);")]
    lines: list[str] = []
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_files(conn, files, LIMITS, report=lines.append)
        rows = history.read(conn)
        assert list(rows) == ["1", "2"]
        assert rows["1"].name == "a"
        assert rows["1"].statements == ["create table public.a (x int)", "create index ia on public.a (x)"]
    assert lines[0].startswith("Applying 1_a ... done in ")
    assert lines[1].startswith("Applying 2_b (outside a transaction) ... done in ")


def test_a_failing_file_leaves_no_trace_and_names_file_line_and_statement(fresh_db, tmp_path):
    bad = mig(tmp_path, "1_bad.sql",
              "create table public.a (x int);\n\ninsert into public.a\n  select * from public.nope;\n")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        history.ensure_table(conn)
        with pytest.raises(MigrationError) as err:
            apply_file(conn, bad, LIMITS)
        assert not table_exists(conn, "public.a")
        assert history.read(conn) == {}
    text = str(err.value)
    assert "1_bad.sql:4:" in text
    assert 'relation "public.nope" does not exist' in text
    assert "statement: insert into public.a" in text
    assert "SQLSTATE 42P01" in text


def test_a_failed_concurrent_build_leaves_no_invalid_index(fresh_db, tmp_path):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("create table public.d (a int); insert into public.d values (1), (1)")
        history.ensure_table(conn)
        f = mig(tmp_path, "1_idx.sql", "create index concurrently ok_idx on public.d (a);\n"
                                         "create unique index concurrently u_idx on public.d (a);")
        with pytest.raises(MigrationError) as err:
            apply_file(conn, f, LIMITS)
        assert not table_exists(conn, "public.u_idx")
        assert not table_exists(conn, "public.ok_idx")
        assert history.read(conn) == {}
    assert "Dropped the INVALID index public.u_idx that this file built" in str(err.value)
    assert "dropped the index public.ok_idx that this file built" in str(err.value)


def test_cleanup_drops_only_what_the_file_built_and_finds_unnamed_indexes(fresh_db, tmp_path):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("create table public.e (a int, b int); insert into public.e values (1, 1), (1, 2)")
        conn.execute("create index hand_made on public.e (a)")
        history.ensure_table(conn)
        f = mig(tmp_path, "1_idx.sql", "create index concurrently if not exists hand_made on public.e (b);\n"
                                         "create unique index concurrently on public.e (a);")
        with pytest.raises(MigrationError) as err:
            apply_file(conn, f, LIMITS)
        names = [r[0] for r in conn.execute("select indexrelid::regclass::text from pg_index "
                                            "where indrelid = 'public.e'::regclass")]
    assert names == ["hand_made"], names  # the valid hand-made index stays; the unnamed INVALID one went
    assert "Dropped the INVALID index public.e_a_idx that this file built" in str(err.value)


def test_a_cleanup_that_cannot_get_its_lock_says_what_is_left_and_how_to_drop_it(fresh_db):
    from dbharness.builder import index_builds

    with psycopg.connect(fresh_db, autocommit=True) as conn, psycopg.connect(fresh_db) as holder:
        conn.execute("create table public.f (a int); create index f_idx on public.f (a)")
        oid = conn.execute("select 'public.f_idx'::regclass::oid::int").fetchone()[0]
        holder.execute("lock table public.f in share update exclusive mode")
        note = index_builds.drop(conn, oid, lock_timeout="50ms")
        holder.rollback()
        assert note == ("left the index public.f_idx: its lock was busy 3 times; "
                        "drop it with: drop index concurrently if exists public.f_idx;")
        assert conn.execute("select to_regclass('public.f_idx') is not null").fetchone() == (True,)


def test_lock_timeout_bounds_the_wait_for_a_lock(fresh_db, tmp_path):
    f = mig(tmp_path, "1_alter.sql", "alter table public.busy add column b int;")
    holder = psycopg.connect(fresh_db)
    try:
        holder.execute("create table public.busy (a int)")
        holder.commit()
        holder.execute("select * from public.busy")  # holds ACCESS SHARE until rollback
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            history.ensure_table(conn)
            with pytest.raises(MigrationError, match="lock timeout"):
                apply_file(conn, f, Timeouts("200ms", "5min"))
    finally:
        holder.rollback()
        holder.close()


def test_rollback_direction_forgets_the_history_row(fresh_db, tmp_path):
    up = mig(tmp_path, "1_a.sql", "create table public.a (x int);")
    (tmp_path / "down").mkdir()
    down = mig(tmp_path / "down", "1_a.sql", "drop table public.a;")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_files(conn, [up], LIMITS)
        apply_files(conn, [down], LIMITS, direction="down")
        assert history.read(conn) == {}
        assert not table_exists(conn, "public.a")


def test_each_file_starts_from_a_fresh_session(fresh_db, tmp_path):
    """A SET in one file (search_path, a timeout) must not change where or how the next file runs."""
    files = [mig(tmp_path, "1_a.sql", "create schema other;\nset search_path = other;\n"
                                      "set lock_timeout = '1ms';\ncreate table a (x int);"),
             mig(tmp_path, "2_b.sql", "create table b (x int);")]
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_files(conn, files, LIMITS)
        assert table_exists(conn, "other.a") and table_exists(conn, "public.b")
        assert conn.execute("show lock_timeout").fetchone() == ("0",)


def test_a_begin_commit_wrapper_is_the_files_own_transaction(fresh_db, tmp_path):
    f = mig(tmp_path, "1_w.sql", "begin;\ncreate table public.w (x int);\nsavepoint s;\n"
                                 "insert into public.w values (1);\nrollback to savepoint s;\ncommit;\n")
    bad = mig(tmp_path, "2_bad.sql", "create table public.w2 (x int);\ncommit;\ncreate table public.w3 (x int);\n")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_files(conn, [f], LIMITS)
        assert table_exists(conn, "public.w") and conn.execute("select count(*) from public.w").fetchone() == (0,)
        assert history.read(conn)["1"].statements[0] == "begin" and history.read(conn)["1"].statements[-1] == "commit"
        with pytest.raises(MigrationError, match=r"2_bad.sql:2: commit would commit or abandon part of this file"):
            apply_file(conn, bad, LIMITS)
        assert not table_exists(conn, "public.w2") and "2" not in history.read(conn)


@pytest.mark.parametrize("sql", ["begin;\ncreate table public.p (x int);\n",
                                 "create table public.p (x int);\nrollback;\n",
                                 "begin;\ncreate table public.p (x int);\ncommit;\nbegin;\nselect 1;\ncommit;\n"])
def test_transaction_control_that_splits_a_file_is_refused_before_anything_runs(fresh_db, tmp_path, sql):
    f = mig(tmp_path, "1_p.sql", sql)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        with pytest.raises(MigrationError, match="would commit or abandon part of this file"):
            apply_file(conn, f, LIMITS)
        assert not table_exists(conn, "public.p")


def test_ctrl_c_during_a_concurrent_build_drops_the_invalid_index(fresh_db, tmp_path):
    import _thread
    import threading

    f = mig(tmp_path, "1_idx.sql", "create index concurrently g_idx on public.g (a);")
    with psycopg.connect(fresh_db, autocommit=True) as conn, psycopg.connect(fresh_db) as holder:
        conn.execute("create table public.g (a int)")
        holder.commit()
        history.ensure_table(conn)
        holder.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        holder.execute("select 1 from public.g")  # an old snapshot: the build waits for it, INVALID
        interrupt = threading.Timer(0.5, _thread.interrupt_main)
        release = threading.Timer(1.0, holder.rollback)
        interrupt.start()
        release.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                apply_file(conn, f, LIMITS)
        finally:
            interrupt.cancel()
            release.join()
        assert not table_exists(conn, "public.g_idx")
        assert history.read(conn) == {}
