"""The pgTAP runner against a real database: verdicts, errors and timeouts per file, never a crash."""

from __future__ import annotations

import os
import subprocess
import sys
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


ORDER = {
    "0000-setup.sql": "create schema run_order;\ncreate function run_order.helper() returns int language sql "
                      "as 'select 7';\nselect plan(1);\nselect pass('setup');\n",
    "0001-uses.sql": "begin;\nselect plan(1);\nselect is(run_order.helper(), 7, 'uses');\nselect * from finish();\n"
                     "rollback;\n",
    "0002-uses-too.sql": "begin;\nselect plan(1);\nselect has_schema('run_order', 'uses too');\n"
                         "select * from finish();\nrollback;\n",
    "9999-teardown.sql": "drop schema run_order cascade;\nselect plan(1);\nselect pass('teardown');\n",
    "zz-after.sql": "begin;\nselect plan(1);\nselect hasnt_schema('run_order', 'after the teardown');\n"
                    "select * from finish();\nrollback;\n",
}


@pytest.mark.parametrize("jobs", [1, 4])
def test_files_run_in_name_order_with_persistent_files_as_barriers(pgtap_db, tmp_path, jobs):
    for name, sql in ORDER.items():
        (tmp_path / name).write_text(sql)
    finished: list[str] = []
    results = pgtap.run_files(pgtap_db, sorted(tmp_path.glob("*.sql")), jobs, "30s",
                              on_result=lambda r: finished.append(Path(r.path).name))
    assert [(Path(r.path).name, r.passed) for r in results] == [(name, True) for name in sorted(ORDER)]
    assert finished.index("0000-setup.sql") < min(finished.index("0001-uses.sql"), finished.index("0002-uses-too.sql"))
    assert max(finished.index("0001-uses.sql"), finished.index("0002-uses-too.sql")) < finished.index("9999-teardown.sql")
    assert finished.index("9999-teardown.sql") < finished.index("zz-after.sql")


def test_gset_gexec_and_if_run_with_the_results_of_the_queries_before_them(pgtap_db, tmp_path):
    path = tmp_path / "live.test.sql"
    path.write_text("begin;\nselect plan(5);\nselect 21 * 2 as answer, null as gone \\gset\n"
                    "select is(:answer, 42, 'gset');\nselect is(:{?gone}, false, 'a NULL unsets');\n"
                    "select format('select ok(true, %L)', 'gexec ' || n) from generate_series(1, 2) as n \\gexec\n"
                    "select count(*) > 0 as any from pg_catalog.pg_class \\gset\n"
                    "\\if :any\nselect pass('a branch a query chose');\n\\else\nselect fail('the other');\n\\endif\n"
                    "select * from finish();\nrollback;\n")
    r = pgtap.run_file(pgtap_db, path, "30s")
    assert r.passed and [a.description for a in r.assertions] == [
        "gset", "a NULL unsets", "gexec 1", "gexec 2", "a branch a query chose"]
    path.write_text("begin;\nselect plan(2);\nselect pass('before');\nselect 1 where false \\gset\n"
                    "select pass('never');\nrollback;\n")
    r = pgtap.run_file(pgtap_db, path, "30s")
    assert r.count("passed") == 1 and r.file_failure.endswith("/live.test.sql:4: no rows returned for \\gset")


def test_a_transaction_statement_made_at_run_time_in_an_isolated_file_is_refused(pgtap_db, tmp_path):
    path = tmp_path / "commit.test.sql"
    path.write_text("begin;\nselect plan(1);\nselect 'commit' \\gexec\nselect pass('never');\nrollback;\n")
    r = pgtap.run_file(pgtap_db, path, "30s")
    assert "commit.test.sql:3: commit: a transaction statement made at run time" in r.file_failure


def test_echo_n_leaves_the_line_open_for_what_comes_next(pgtap_db, tmp_path):
    path = tmp_path / "echo.test.sql"
    path.write_text("select plan(1);\n\\echo -n 'ok 1 - '\nselect 'made of two pieces';\n")
    r = pgtap.run_file(pgtap_db, path, "30s")
    assert r.passed and [a.description for a in r.assertions] == ["made of two pieces"]


WARM = """
import sys
from pathlib import Path
from dbharness.builder import loaded
from dbharness.config import Storage
from dbharness.suite import pgtap
files = [loaded.load(Storage.from_environment(), Path(p)) for p in sys.argv[2:]]
results = pgtap.run_loaded(sys.argv[1], files, 1, "30s")
print([(r.passed, len(r.assertions)) for r in results], [f.program is not None for f in files],
      "pglast" in sys.modules)
"""


def test_a_warm_run_parses_nothing_and_never_imports_the_parser(pgtap_db, tmp_path):
    static = tmp_path / "static.test.sql"
    static.write_text("\\set n 2\nbegin;\nselect plan(1);\nselect is(1 + 1, :n, 'static');\nselect * from finish();\n"
                      "rollback;\n")
    dynamic = tmp_path / "dynamic.test.sql"
    dynamic.write_text("begin;\nselect plan(1);\nselect 1 as unused \\gset\nselect pass('no query uses the value');\n"
                       "select * from finish();\nrollback;\n")
    env = dict(os.environ, DBHARNESS_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("DBHARNESS_NO_TEMPLATE", None)

    def run(*paths: Path) -> str:
        out = subprocess.run([sys.executable, "-c", WARM, pgtap_db, *map(str, paths)], env=env, cwd=REPO,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert run(static, dynamic) == "[(True, 1), (True, 1)] [False, True] True"  # the first run parses and keeps
    assert run(static, dynamic) == "[(True, 1), (True, 1)] [False, True] False"
    gset = tmp_path / "gset.test.sql"
    gset.write_text("begin;\nselect plan(1);\nselect 42 as answer \\gset\nselect is(:answer, 42, 'gset');\n"
                    "select * from finish();\nrollback;\n")
    run(gset)
    assert run(gset) == "[(True, 1)] [True] True"  # only the query that holds a \gset value is parsed


def test_the_slowest_files_of_the_last_run_start_first_and_are_reported_in_their_own_order(pgtap_db, tmp_path):
    from dbharness.suite.testfiles import load

    paths = []
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.test.sql").write_text(f"begin;\nselect plan(1);\nselect ok(true, '{name}');\n"
                                                    "select * from finish();\nrollback;\n")
        paths.append(tmp_path / f"{name}.test.sql")
    loaded = [load(p) for p in paths]
    started: list[str] = []
    expected = {str(paths[0]): 0.01, str(paths[1]): 0.02, str(paths[2]): 0.5}
    results = pgtap.run_loaded(pgtap_db, loaded, 1, "30s", lambda r: started.append(Path(r.path).name),
                               expected=expected)
    assert started == ["c.test.sql", "b.test.sql", "a.test.sql"]  # one worker: the order they ran in
    assert [Path(r.path).name for r in results] == ["a.test.sql", "b.test.sql", "c.test.sql"]
    assert all(r.passed for r in results)
    started.clear()
    pgtap.run_loaded(pgtap_db, loaded, 1, "30s", lambda r: started.append(Path(r.path).name))
    assert started == ["a.test.sql", "b.test.sql", "c.test.sql"]  # nothing known: name order
