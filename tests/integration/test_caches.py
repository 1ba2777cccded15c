"""Nothing cached changes a verdict: every edit (a migration, the seed, a test helper, a test file,
the harness itself) is seen by the next run, while an unchanged project reuses what was kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dbharness import config, testrun
from dbharness.builder import inputs
from dbharness.config import Storage
from dbharness.lint import checks

TEST = """begin;
select plan(3);
select has_column('public', 't', 'a', 'a exists');
select is((select count(*)::int from public.t), 1, 'one seeded row');
select is(tests.answer(), 42, 'the helper answers');
select * from finish();
rollback;
"""


@pytest.fixture
def cached(project: Path, own_scratch: Path, monkeypatch) -> Path:
    """A project, and a template cache of this test's own."""
    monkeypatch.setenv("DBHARNESS_CACHE_DIR", str(own_scratch / "cache"))
    (project / "pgtap" / "smoke.test.sql").unlink()
    (project / "supabase" / "migrations" / "1_t.sql").write_text(
        "create table public.t (a bigint);\nalter table public.t enable row level security;\n")
    (project / "supabase" / "seed.sql").write_text("insert into public.t values (1);\n")
    (project / "pgtap" / "setup").mkdir()
    (project / "pgtap" / "setup" / "helpers.sql").write_text(
        "create schema if not exists tests;\n"
        "create or replace function tests.answer() returns int language sql as $$ select 42 $$;\n")
    (project / "pgtap" / "t.test.sql").write_text(TEST)
    return project


def run(root: Path) -> tuple[list[str], list[str]]:
    """(the names of the failed assertions, what the run said)."""
    said: list[str] = []
    outcome = testrun.run(config.load(root), jobs=2, report=said.append)
    return [a.description for r in outcome.results for a in r.assertions if a.status == "failed"], said


def reused(said: list[str]) -> bool:
    return any("from the kept build" in line for line in said)


def test_an_unchanged_project_reuses_its_build_and_every_edit_is_seen(cached):
    failed, said = run(cached)
    assert failed == [] and not reused(said)  # the first run builds and keeps its build
    failed, said = run(cached)
    assert failed == [] and reused(said)
    edits = [
        ("supabase/seed.sql", "insert into public.t values (1), (2);\n", ["one seeded row"]),
        ("supabase/migrations/1_t.sql", "create table public.t (b int);\nalter table public.t enable row level "
                                        "security;\ninsert into public.t values (0);\n", ["a exists", "one seeded row"]),
        ("pgtap/setup/helpers.sql", "create schema if not exists tests;\ncreate or replace function "
                                    "tests.answer() returns int language sql as $$ select 41 $$;\n",
         ["the helper answers"]),
    ]
    for name, text, expected in edits:
        path = cached / name
        before = path.read_text()
        path.write_text(text)
        failed, said = run(cached)
        assert failed == expected and not reused(said), name
        path.write_text(before)
        failed, said = run(cached)
        assert failed == [] and reused(said), name  # back to the kept build of the first content


def test_kept_lint_and_coverage_follow_their_inputs(cached):
    settings = config.load(cached)
    assert checks.lint_files(settings)[0] == []
    (cached / "supabase" / "migrations" / "2_idx.sql").write_text("create index t_a on public.t (a);\n")
    assert [f.rule for f in checks.lint_files(config.load(cached))[0]] == ["squawk:require-concurrent-index-creation"]
    with open(cached / "pyproject.toml", "a") as f:
        f.write('[tool.dbharness.lint]\nlevels = { "require-concurrent-index-creation" = "warn" }\n')
    assert [f.level for f in checks.lint_files(config.load(cached))[0]] == ["warn"]
    first = testrun.run(config.load(cached), jobs=1, coverage=True)
    (cached / "pgtap" / "t.test.sql").write_text(TEST.replace("select has_column('public', 't', 'a', 'a exists');",
                                                              "select ok(true, 'a exists');"))
    second = testrun.run(config.load(cached), jobs=1, coverage=True)
    assert first.coverage is not None and second.coverage is not None
    assert len(second.coverage.unpinned) == len(first.coverage.unpinned) + 1


def test_the_harness_key_sees_an_edit_to_any_of_its_files(tmp_path, monkeypatch):
    copy = tmp_path / "dbharness"
    shutil.copytree(inputs.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(inputs, "PACKAGE", copy)
    inputs.harness.cache_clear()
    try:
        before = inputs.harness()
        compat = copy / "hosted" / "objects" / "03_auth.sql"
        compat.write_text(compat.read_text() + "\n-- edited\n")
        inputs.harness.cache_clear()
        after_compat = inputs.harness()
        code = copy / "builder" / "apply.py"
        code.write_text(code.read_text() + "\n# edited\n")
        inputs.harness.cache_clear()
        assert len({before, after_compat, inputs.harness()}) == 3
    finally:
        inputs.harness.cache_clear()


def test_kept_test_files_follow_the_file_and_what_it_includes(cached):
    from dbharness.builder import loaded

    (cached / "pgtap" / "parts").mkdir()
    part = cached / "pgtap" / "parts" / "answer.sql"
    part.write_text("select is(tests.answer(), 42, 'the helper answers');\n")
    path = cached / "pgtap" / "t.test.sql"
    path.write_text(TEST.replace("select is(tests.answer(), 42, 'the helper answers');", "\\ir parts/answer.sql"))
    assert run(cached)[0] == []
    first = loaded.load(Storage.from_environment(), path, cached)
    assert first.sources == (path, part) and all(s.statement.node is None for s in first.steps[1:2])  # kept
    part.write_text("select is(tests.answer(), 41, 'the helper answers');\n")  # only the included file
    assert run(cached)[0] == ["the helper answers"]
    path.write_text(path.read_text().replace("'one seeded row'", "'one row, seeded'"))
    part.write_text("select is(tests.answer(), 42, 'the helper answers');\n")
    assert run(cached)[0] == [] and "one row, seeded" in [
        a.description for r in testrun.run(config.load(cached), jobs=1).results for a in r.assertions]
