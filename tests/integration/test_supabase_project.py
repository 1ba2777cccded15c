"""A project as `supabase init` makes it (tests/projects/supabase_profiles: profiles on auth.users,
policies named as Supabase's docs name them, a trigger and its function, a view, a domain, a seed
that fills the app's tables, a rollback for every migration), with no settings file at all:
lint and rollback-check pass; a rollback that drops something older, or loses a seeded row, fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dbharness import config, rollback_check
from dbharness.lint import checks
from dbharness.progress import quiet
from tests.support import REPO, DatabaseEngine, run_invoke

FIXTURE = REPO / "tests" / "projects" / "supabase_profiles"
BIO_DOWN = "supabase/rollbacks/20240103000000_profile_bio.sql"
TODOS_DOWN = "supabase/rollbacks/20240102000000_todos.sql"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(FIXTURE, root)
    return root


def append(root: Path, rel: str, sql: str) -> int:
    """Append sql to a file; returns the 1-based line it starts on."""
    path = root / rel
    text = path.read_text()
    path.write_text(text + sql)
    return text.count("\n") + 1


def squawk_findings(root: Path) -> set[tuple[str, str, str]]:
    findings, _ = checks.lint_files(config.load(root))
    return {(f.level, f.rule.removeprefix("squawk:"), f.target) for f in findings}


def test_lint_passes_with_no_settings_file(app):
    assert not any((app / name).exists() for name in ("dbharness.toml", "pyproject.toml", ".squawk.toml"))
    out = run_invoke("lint", root=app)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "settings: none found" in out.stdout and "lint: 0 errors" in out.stdout
    # the domain's check is a warning about later migrations, not a refusal of this one
    assert ("warn", "ban-create-domain-with-constraint", "supabase/migrations/20240101000000_profiles.sql:2") \
        in squawk_findings(app)


def test_rollbacks_dropping_what_their_up_made_are_not_findings(app):
    found = {(rule, target.rsplit(":", 1)[0]) for _, rule, target in squawk_findings(app)}
    assert not any(target.startswith("supabase/rollbacks/") for _, target in found), found


def test_a_rollback_dropping_an_older_column_or_table_is_still_an_error(app):
    column = append(app, BIO_DOWN, "alter table public.profiles drop column website;\n")
    table = append(app, TODOS_DOWN, "drop table public.profiles;\n")
    found = squawk_findings(app)
    assert ("error", "ban-drop-column", f"{BIO_DOWN}:{column}") in found
    assert ("error", "ban-drop-table", f"{TODOS_DOWN}:{table}") in found
    assert {t for _, _, t in found if t.startswith("supabase/rollbacks/")} == \
        {f"{BIO_DOWN}:{column}", f"{TODOS_DOWN}:{table}"}  # the up's own objects are still fine
    out = run_invoke("lint", root=app)
    assert out.returncode == 1 and f"{BIO_DOWN}:{column}" in out.stdout


def test_rollback_check_passes_with_a_seed_that_fills_the_apps_tables(app, tmp_path):
    from junitparser import JUnitXml

    junit = tmp_path / "rollback.xml"
    out = run_invoke("rollback-check", "--junit", str(junit), root=app)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1] == "18 passed, 0 failed"
    # the suite reads the seed's rows (profiles made by the trigger): they are back after up, down, up
    assert "  pgTAP suite after re-apply ... ok" in out.stdout
    suite = next(iter(JUnitXml.fromfile(str(junit))))
    assert suite.failures == 0 and suite.tests == 18


def run_check(server, root: Path):
    result = rollback_check.check(config.load(root), "local", report=quiet,
                                  make_engine=lambda *_a, **_k: DatabaseEngine(server))
    return result.failed


def test_a_rollback_that_loses_a_seeded_row_is_caught(app, server):
    append(app, BIO_DOWN, "delete from public.profiles where username = 'bobby';\n")
    failed = run_check(server, app)
    assert [s.name for s in failed] == ["20240103000000_profile_bio: pre-existing data intact"]
    assert "public.profiles: 1 of 2 pre-existing rows lost or altered" in failed[0].failure
    assert "1 deleted (keys (00000000-0000-4000-8000-000000000002))" in failed[0].failure
    assert "public.todos: 1 of 2 pre-existing rows lost" in failed[0].failure  # on delete cascade


def test_a_rollback_that_leaves_a_changed_default_is_caught(app, server):
    append(app, "supabase/migrations/20240103000000_profile_bio.sql",
           "alter table public.profiles alter column website set default 'https://';\n")
    failed = run_check(server, app)
    assert [s.name for s in failed] == ["20240103000000_profile_bio: schema equals the migrations before it"]
    assert failed[0].failure == "public.profiles.website (column): default differs: before none, after " \
        "\"'https://'::text\""
