"""Applying migrations: one transaction per file with its history row, or nothing at all."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from dbharness import history
from dbharness.apply import Timeouts, apply_file, apply_files
from dbharness.errors import MigrationError
from dbharness.migrations import parse_name

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
    assert "Dropped the INVALID index public.u_idx" in str(err.value)
    assert "dropped public.ok_idx, built earlier in this file" in str(err.value)


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
