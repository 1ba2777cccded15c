"""`dbharness test` end to end, as a user runs it: results, JUnit, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

from junitparser import JUnitXml

from tests.support import REPO, copy_project, run_invoke


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_the_project_suite_passes_and_junit_matches(tmp_path):
    junit = tmp_path / "pgtap.xml"
    cache = {"DBHARNESS_CACHE_DIR": str(tmp_path / "cache")}  # empty: this run builds everything
    out = run_invoke("test", "--no-lint", "--junit", str(junit), env=cache)
    assert out.returncode == 0, out.stdout + out.stderr
    summary = last_line(out.stdout)
    passed = int(summary.split()[0])
    assert summary == f"{passed} passed, 0 failed"
    assert "Applying 20251112120200_mt5_sync_logs ... done in" in out.stdout
    again = run_invoke("test", "--no-lint", "--junit", str(tmp_path / "again.xml"), env=cache)
    assert "Applying" not in again.stdout and "from the kept build proj-" in again.stdout
    assert last_line(again.stdout) == summary
    suites = list(JUnitXml.fromfile(str(junit)))
    assert sum(s.tests for s in suites) == passed
    assert {s.name for s in suites} == {str(p.relative_to(REPO)) for p in (REPO / "pgtap").rglob("*.test.sql")}
    assert "Traceback" not in out.stderr


def test_jobs_1_gives_the_same_results(tmp_path):
    many = run_invoke("test", "--no-lint", "--junit", str(tmp_path / "a.xml"))
    one = run_invoke("test", "--no-lint", "--jobs", "1", "--junit", str(tmp_path / "b.xml"))
    assert one.returncode == many.returncode == 0
    assert last_line(one.stdout) == last_line(many.stdout)


def test_chosen_files_after_double_dash(tmp_path):
    out = run_invoke("test", "--no-lint", "--junit", str(tmp_path / "x.xml"), "--",
                     "pgtap/mt5/indexes.test.sql")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "indexes.test.sql" in out.stdout and "baseline_schema" not in out.stdout


def test_a_failing_assertion_fails_the_run_with_its_diagnostics(tmp_path):
    root = copy_project(tmp_path / "p")
    mig = root / "supabase" / "migrations" / "20251112120000_mt5_trading_accounts_extensions.sql"
    mig.write_text(mig.read_text().replace("sync_failure_count integer not null default 0",
                                           "sync_failure_count integer not null default 1"))
    out = run_invoke("test", "--no-lint", root=root)
    assert out.returncode == 1
    assert "not ok" in out.stdout and "sync_failure_count defaults to 0" in out.stdout
    assert "have: 1" in out.stdout
    assert ", 0 failed" not in last_line(out.stdout)


def test_no_postgresql_binaries_is_a_clear_error(tmp_path):
    import os

    env_before = os.environ.get("DBHARNESS_PG_BINDIR")
    os.environ["DBHARNESS_PG_BINDIR"] = str(tmp_path)
    try:
        out = run_invoke("test", "--no-lint")
    finally:
        if env_before is None:
            del os.environ["DBHARNESS_PG_BINDIR"]
        else:
            os.environ["DBHARNESS_PG_BINDIR"] = env_before
    assert out.returncode == 3
    assert "lacks one of initdb, postgres, pg_ctl" in out.stderr
    assert "Traceback" not in out.stderr


def _project_with(project: Path, name: str, sql: str) -> Path:
    (project / "supabase" / "migrations" / name).write_text(sql)
    return project


def test_misnamed_migration_is_skipped_with_a_warning_as_the_cli_does(project):
    out = run_invoke("test", "--no-lint", root=_project_with(project, "add_table.sql", "select 1;"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "add_table.sql: not named <version>_<name>.sql" in out.stdout
    assert "Traceback" not in out.stderr


def test_sql_error_names_file_and_line(project):
    root = _project_with(project, "1_bad.sql", "create table public.a (x int);\nalter table public.a add y nope;")
    out = run_invoke("test", "--no-lint", root=root)
    assert out.returncode == 5
    assert "1_bad.sql:2: type \"nope\" does not exist" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_mixed_concurrent_file_is_applied_in_parts_as_the_supabase_cli_applies_it(project):
    root = _project_with(project, "1_mixed.sql",
                         "create table public.a (x int);\ncreate index concurrently i on public.a (x);")
    out = run_invoke("test", "--no-lint", root=root)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Applying 1_mixed (in 3 parts: CONCURRENTLY-like statements on their own) ... done" in out.stdout
    assert "Traceback" not in out.stderr


def test_unknown_test_file_is_a_clear_error():
    out = run_invoke("test", "--no-lint", "--", "pgtap/nope.test.sql")
    assert out.returncode == 2
    assert "no such pgTAP file: pgtap/nope.test.sql" in out.stderr


def test_an_existing_supabase_tests_suite_runs_with_no_edits(project):
    """supabase/tests/**/*.sql and *.pg are found as `supabase test db` finds them; a setup file
    outside any transaction persists for the files after it; psql variables work."""
    tests = project / "supabase" / "tests"
    (tests / "database").mkdir(parents=True)
    (tests / "000-setup-tests-hooks.sql").write_text(
        "create schema if not exists tests_hooks;\n"
        "create or replace function tests_hooks.two() returns int language sql as 'select 2';\n"
        "select plan(1);\nselect ok(true, 'pre-test hook completed');\nselect * from finish();\n")
    (tests / "database" / "uses_hook.test.sql").write_text(
        "\\set want 2\nbegin;\nselect plan(1);\nselect is(tests_hooks.two(), :want, 'hook function is there');\n"
        "select * from finish();\nrollback;\n")
    (tests / "database" / "other.pg").write_text(
        "begin;\nselect plan(1);\nselect ok(true, 'a .pg file');\nselect * from finish();\nrollback;\n")
    (project / "pyproject.toml").write_text('[tool.dbharness]\ntest_timeout = "2s"\n')  # the defaults
    out = run_invoke("test", "--no-lint", "--junit", str(project / "r.xml"), root=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert last_line(out.stdout) == "3 passed, 0 failed"  # not the fixture's pgtap/ smoke file
    assert "ok   supabase/tests/database/other.pg" in out.stdout or "other.pg  1 passed" in out.stdout


def test_test_paths_setting_replaces_the_default(project):
    (project / "checks").mkdir()
    (project / "checks" / "a.sql").write_text("begin;\nselect plan(1);\nselect ok(true, 'a');\nselect * from finish();\nrollback;\n")
    (project / "pyproject.toml").write_text('[tool.dbharness]\ntest_paths = ["checks/*.sql"]\n')
    out = run_invoke("test", "--no-lint", "--junit", str(project / "r.xml"), root=project)
    assert out.returncode == 0 and last_line(out.stdout) == "1 passed, 0 failed", out.stdout + out.stderr


def test_shards_together_report_exactly_the_cases_of_an_unsharded_run(tmp_path):
    from lxml import etree

    root = copy_project(tmp_path / "p")
    (root / "pgtap" / "00000-setup.test.sql").write_text(
        "create schema if not exists shard_helpers;\nselect plan(1);\nselect ok(true, 'setup');\nselect * from finish();\n")

    def cases(path: Path) -> list[tuple[str, str]]:
        return [(s.get("name"), c.get("name")) for s in etree.parse(str(path)).getroot() for c in s.iter("testcase")]

    whole = run_invoke("test", "--no-lint", "--junit", str(tmp_path / "all.xml"), root=root)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    union: list[tuple[str, str]] = []
    for k in (1, 2, 3):
        out = run_invoke("test", "--no-lint", "--shard", f"{k}/3", root=root)
        assert out.returncode == 0, out.stdout + out.stderr
        union += cases(root / "reports" / "junit" / f"pgtap-shard-{k}-of-3.xml")
    assert sorted(union) == sorted(cases(tmp_path / "all.xml"))
    assert sum(1 for suite, _ in union if suite.endswith("00000-setup.test.sql")) == 1
