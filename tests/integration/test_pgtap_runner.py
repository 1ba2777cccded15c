"""The pgTAP runner against a real database: verdicts, errors and timeouts per file, never a crash."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from dbharness.suite import pgtap
from tests.support import REPO

FILES = {
    "pass.test.sql": "begin;\nselect plan(2);\nselect ok(true, 'yes');\n"
                     "create table public.scratch (a int);\nselect has_table('public', 'scratch', 'made');\n"
                     "select * from finish();\nrollback;\n",
    "fail.test.sql": "select plan(2);\nselect is(1, 2, 'one is two');\nselect ok(true, 'fine');\n"
                     "select * from finish();\n",
    "plan.test.sql": "select plan(3);\nselect ok(true, 'only one');\nselect * from finish();\n",
    "error.test.sql": "select plan(2);\nselect ok(true, 'first');\n\nselect * from public.missing;\n"
                      "select ok(true, 'never');\n",
    "slow.test.sql": "select plan(1);\nselect pg_sleep(10);\nselect ok(true, 'late');\n",
    "skip.test.sql": "select plan(2);\nselect skip('not here', 1);\nselect todo('later', 1);\n"
                     "select ok(false, 'known bug');\n",
    "psql.test.sql": "\\set ECHO none\nselect plan(1);\nselect ok(true, 'psql lines ignored');\n",
}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    for name, sql in FILES.items():
        (tmp_path / name).write_text(sql)
    return {name: tmp_path / name for name in FILES}


@pytest.fixture
def pgtap_db(fresh_db: str) -> str:
    with psycopg.connect(fresh_db.replace("user=postgres", "user=supabase_admin"), autocommit=True) as admin:
        pgtap.ensure_extension(admin, 15)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        pgtap.prepare(conn, REPO / "pgtap" / "setup")
    return fresh_db


def run(db: str, files: dict[str, Path], name: str, timeout: str = "30s"):
    return pgtap.run_file(db, files[name], timeout)


def test_passing_file_and_its_changes_rolled_back(pgtap_db, files):
    r = run(pgtap_db, files, "pass.test.sql")
    assert r.passed and r.count("passed") == 2
    with psycopg.connect(pgtap_db) as conn:
        assert conn.execute("select to_regclass('public.scratch')").fetchone() == (None,)


def test_failed_assertion_keeps_its_diagnostics(pgtap_db, files):
    r = run(pgtap_db, files, "fail.test.sql")
    assert not r.passed and r.count("failed") == 1
    diag = "\n".join(r.assertions[0].diagnostics)
    assert "have: 1" in diag and "want: 2" in diag


def test_plan_mismatch_is_a_file_failure(pgtap_db, files):
    r = run(pgtap_db, files, "plan.test.sql")
    assert r.file_failure == "planned 3 tests but ran 1"


def test_sql_error_is_a_file_failure_with_line(pgtap_db, files):
    r = run(pgtap_db, files, "error.test.sql")
    assert r.count("passed") == 1
    assert 'error.test.sql:4: SQL error: relation "public.missing" does not exist' in r.file_failure


def test_a_test_that_never_finishes_times_out(pgtap_db, files):
    r = run(pgtap_db, files, "slow.test.sql", timeout="500ms")
    assert "timed out" in r.file_failure and "500ms" in r.file_failure


def test_skip_and_todo_are_skipped_not_failed(pgtap_db, files):
    r = run(pgtap_db, files, "skip.test.sql")
    assert [a.status for a in r.assertions] == ["skipped", "skipped"]
    assert r.passed


def test_psql_meta_commands_are_ignored(pgtap_db, files):
    assert run(pgtap_db, files, "psql.test.sql").passed


def test_parallel_run_gives_the_same_verdicts_in_path_order(pgtap_db, files):
    paths = sorted(files.values())
    one = pgtap.run_files(pgtap_db, paths, 1, "1s")
    many = pgtap.run_files(pgtap_db, paths, 4, "1s")
    assert [r.path for r in one] == [r.path for r in many] == [str(p) for p in paths]
    assert [(r.passed, r.count("passed"), r.file_failure) for r in one] == \
           [(r.passed, r.count("passed"), r.file_failure) for r in many]


@pytest.mark.parametrize("body", [
    "set statement_timeout = 0;\nselect pg_sleep(30);\n",
    "set local statement_timeout = 0;\ndo $$ begin loop perform 1; end loop; end $$;\n",
])
def test_a_test_cannot_switch_the_timeout_off(pgtap_db, tmp_path, body):
    import time

    path = tmp_path / "hang.test.sql"
    path.write_text("begin;\nselect plan(1);\n" + body + "select ok(true);\nrollback;\n")
    started = time.monotonic()
    r = pgtap.run_file(pgtap_db, path, "500ms")
    assert time.monotonic() - started < 10
    assert "timed out" in r.file_failure and "hang.test.sql:4" in r.file_failure
