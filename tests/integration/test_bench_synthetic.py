"""The scale benchmark's synthetic files are written from the project's own catalog, and pass on it."""

from __future__ import annotations

import psycopg

from dbharness.benchmarks import synthetic
from dbharness.suite import pgtap


def _with_pgtap(db: str) -> None:
    with psycopg.connect(db.replace("user=postgres", "user=supabase_admin"), autocommit=True) as admin:
        pgtap.ensure_extension(admin, 15)


def test_files_assert_on_the_widest_table_of_any_project_and_pass(fresh_db, tmp_path):
    _with_pgtap(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("create table public.thin (id int)")
        conn.execute("create table public.widgets (id bigint primary key, name text not null, "
                     "\"it's\" text default 'x')")
        conn.execute("insert into public.widgets (id, name) values (1, 'a'), (2, 'b'), (3, 'c')")
        s = synthetic.subject(conn, ("public",))
    assert s is not None and (s.schema, s.table, s.rows, s.index) == ("public", "widgets", 3, "widgets_pkey")
    text = synthetic.template(s)
    assert "trading_accounts" not in text and "'widgets'" in text and "\"it's\"" not in text
    files = synthetic.write(tmp_path, text, 3)
    results = pgtap.run_files(fresh_db, files, 2, "30s")
    assert [(r.passed, r.count("passed")) for r in results] == [(True, 12)] * 3


def test_a_project_without_tables_gets_generic_files_that_pass(fresh_db, tmp_path):
    _with_pgtap(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        assert synthetic.subject(conn, ("nothing_here",)) is None
    files = synthetic.write(tmp_path, synthetic.template(None), 2)
    assert [r.count("passed") for r in pgtap.run_files(fresh_db, files, 1, "30s")] == [12, 12]
