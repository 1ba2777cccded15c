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
    bad = mig(tmp_path, "2_bad.sql", "begin;\ncreate table public.w2 (x int);\nselect 1/0;\ncommit;\n")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_files(conn, [f], LIMITS)
        assert table_exists(conn, "public.w") and conn.execute("select count(*) from public.w").fetchone() == (0,)
        assert history.read(conn)["1"].statements[0] == "begin" and history.read(conn)["1"].statements[-1] == "commit"
        with pytest.raises(MigrationError) as err:
            apply_file(conn, bad, LIMITS)
        assert not table_exists(conn, "public.w2") and "2" not in history.read(conn)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert "2_bad.sql:3: division by zero" in str(err.value)
    assert str(err.value).endswith("Nothing of this file was applied.")


ENUM = ("create type public.r as enum ('a'); create table public.m (role public.r);\n"
        "begin; alter type public.r add value 'b'; commit;\n"
        "begin; create index m_b on public.m (role) where role = 'b'; commit;\n")


def test_a_commit_part_way_is_applied_as_the_cli_applies_it_with_the_same_history_row(fresh_db, tmp_path):
    """A new enum value cannot be used in the transaction that added it: projects commit part-way."""
    f = mig(tmp_path, "1_enum.sql", ENUM)
    lines: list[str] = []
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_files(conn, [f], LIMITS, report=lines.append)
        assert table_exists(conn, "public.m_b")
        assert history.read(conn)["1"].statements == [
            "create type public.r as enum ('a')", "create table public.m (role public.r)", "begin",
            "alter type public.r add value 'b'", "commit", "begin",
            "create index m_b on public.m (role) where role = 'b'", "commit"]
    assert lines[0].startswith("Applying 1_enum (statement by statement, in the transactions it opens and "
                               "commits itself) ... done in ")


def test_a_failure_after_a_commit_says_exactly_what_it_left_applied(fresh_db, tmp_path):
    f = mig(tmp_path, "1_half.sql", "create table public.a (x int);\nbegin;\ncreate table public.b (x int);\n"
                                    "commit;\nbegin;\ncreate table public.c (x int);\n"
                                    "insert into public.c select 1/0;\ncommit;\n")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        history.ensure_table(conn)
        with pytest.raises(MigrationError) as err:
            apply_file(conn, f, LIMITS)
        assert [table_exists(conn, f"public.{t}") for t in "abc"] == [True, True, False]
        assert history.read(conn) == {}
    assert str(err.value) == (
        f"{f.path}:7: division by zero (SQLSTATE 22012)\n  statement: insert into public.c select 1/0\n"
        "  Left applied, as the Supabase CLI leaves them (each was committed before the failure): line 1: "
        "create table public.a (x int), line 3: create table public.b (x int); the file was not recorded "
        "as applied.")


def test_a_file_that_changes_the_role_and_commits_is_recorded_as_the_cli_records_it(fresh_db, tmp_path):
    """The CLI writes the row after the file's COMMIT, where the role set with set_config(..., true)
    is over; a role still set where the row is written fails as it fails the CLI, with no traceback."""
    ok = mig(tmp_path, "1_role.sql", "begin; create table public.t (id int); "
                                     "select set_config('role', 'authenticated', true); commit;")
    stays = mig(tmp_path, "2_role.sql", "create table public.u (id int);\n"
                                        "select set_config('role', 'authenticated', true);")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        apply_files(conn, [ok], LIMITS)
        assert list(history.read(conn)) == ["1"] and table_exists(conn, "public.t")
        with pytest.raises(MigrationError) as err:
            apply_file(conn, stays, LIMITS)
        assert not table_exists(conn, "public.u") and list(history.read(conn)) == ["1"]
        assert conn.execute("select current_user").fetchone() == ("postgres",)
    assert str(err.value).startswith(
        f"{stays.path}: the history row could not be written: permission denied for schema "
        "supabase_migrations (SQLSTATE 42501)\n  it is written as the Supabase CLI does it, at the end of "
        "the file's last batch, in its transaction, with the session the file left")
    assert str(err.value).endswith("Nothing of this file was applied.")


def test_concurrently_after_other_statements_runs_on_its_own_as_the_cli_sends_it(fresh_db, tmp_path):
    f = mig(tmp_path, "1_mixed.sql", "create table public.k (a int);\ncreate index concurrently k_a on public.k (a);\n"
                                     "create table public.k2 (a int);\ninsert into public.k2 select 1/0;\n")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        history.ensure_table(conn)
        with pytest.raises(MigrationError) as err:
            apply_file(conn, f, LIMITS)
        assert table_exists(conn, "public.k") and not table_exists(conn, "public.k2")
        assert not table_exists(conn, "public.k_a"), "the index this file built concurrently is dropped"
    assert ("Dropped the index public.k_a that this file built; left applied, as the Supabase CLI leaves "
            "them (each was committed before the failure): line 1: create table public.k (a int); the file "
            "was not recorded as applied.") in str(err.value)


def test_a_begin_never_committed_is_refused_before_anything_runs(fresh_db, tmp_path):
    f = mig(tmp_path, "1_p.sql", "create table public.p (x int);\nbegin;\ncreate table public.q (x int);\n")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        with pytest.raises(MigrationError, match=r"1_p.sql:2: begin is never committed"):
            apply_file(conn, f, LIMITS)
        assert not table_exists(conn, "public.p")


def test_a_missing_opt_in_part_is_named_with_its_setting(fresh_db, tmp_path):
    f = mig(tmp_path, "1_hook.sql", "create table public.h (id int);\n"
                                    "create trigger h_hook after insert on public.h for each row\n"
                                    "  execute function supabase_functions.http_request('https://x', 'POST');\n")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        history.ensure_table(conn)
        with pytest.raises(MigrationError) as err:
            apply_file(conn, f, LIMITS)
    assert ('hint: supabase_functions is provided by the opt-in \'webhooks\' (dbharness/hosted/objects/'
            "06_functions.sql): the throwaway database has it when [tool.dbharness] sets webhooks = true, "
            "a Supabase project when webhooks is turned on for it") in str(err.value)


def _invalid_index(conn: psycopg.Connection, table: str, index: str) -> None:
    """An INVALID index, as a CREATE INDEX CONCURRENTLY that failed (or was killed) leaves it."""
    conn.execute(f"create table {table} (a int); insert into {table} values (1), (1)")
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(f"create unique index concurrently {index} on {table} (a)")
    conn.execute(f"delete from {table} where ctid = (select min(ctid) from {table})")


def test_an_invalid_index_of_an_earlier_run_is_never_recorded_as_built(fresh_db, tmp_path):
    skip = mig(tmp_path, "1_ine.sql", "create unique index concurrently if not exists fa_id on public.fa (a);")
    again = mig(tmp_path, "2_again.sql", "create unique index concurrently fb_id on public.fb (a);")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        history.ensure_table(conn)
        _invalid_index(conn, "public.fa", "fa_id")
        _invalid_index(conn, "public.fb", "fb_id")
        with pytest.raises(MigrationError) as skipped:
            apply_file(conn, skip, LIMITS)
        with pytest.raises(MigrationError) as exists:
            apply_file(conn, again, LIMITS)
        assert history.read(conn) == {}
        assert table_exists(conn, "public.fa_id"), "not provably this run's: named, never dropped"
    assert str(skipped.value) == (
        f"{skip.path}:1: public.fa_id is there already, INVALID: a CREATE INDEX CONCURRENTLY that an earlier "
        "run started and never finished (a killed or failed run); IF NOT EXISTS skipped it, so the version is "
        "not recorded. Drop it with: drop index concurrently if exists public.fa_id; and run again\n"
        "  Nothing of this file was applied.")
    assert ("hint: public.fb_id is an INVALID index: a CREATE INDEX CONCURRENTLY that an earlier run started "
            "and never finished; drop it with: drop index concurrently if exists public.fb_id;") in str(exists.value)


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


def _interrupted(conn: psycopg.Connection, f, holder: psycopg.Connection) -> list[str]:
    """Apply f while holder keeps public.busy locked, and press Ctrl-C while f waits for it."""
    import _thread
    import threading

    from dbharness.builder.apply import ApplyInterrupted

    interrupt = threading.Timer(0.5, _thread.interrupt_main)
    interrupt.start()
    try:
        with pytest.raises(ApplyInterrupted) as err:
            apply_file(conn, f, Timeouts("5min", "5min"))
    finally:
        interrupt.cancel()
        holder.rollback()
    return err.value.notes


@pytest.mark.parametrize("sql, left", [
    ("create table public.z (a int);\nalter table public.busy add column b int;\n", []),
    ("create table public.z (a int);\ncommit;\nbegin;\nalter table public.busy add column b int;\ncommit;\n",
     ["left applied, as the Supabase CLI leaves them (each was committed before the interruption): line 1: "
      "create table public.z (a int)"]),
])
def test_ctrl_c_while_a_file_waits_says_what_it_left_and_leaves_the_connection_usable(fresh_db, tmp_path,
                                                                                      sql, left):
    f = mig(tmp_path, "1_wait.sql", sql)
    with psycopg.connect(fresh_db, autocommit=True) as conn, psycopg.connect(fresh_db) as holder:
        history.ensure_table(conn)
        conn.execute("create table public.busy (a int)")
        holder.execute("lock table public.busy in access share mode")
        assert _interrupted(conn, f, holder) == left
        assert table_exists(conn, "public.z") is bool(left) and history.read(conn) == {}
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert conn.execute("select 1").fetchone() == (1,)
