"""Lint a real project can adopt: a lock or data-loss hazard counts only on an object in use (a
table, a function, ...), history already shipped is listed but does not gate, and a new hazard on
top of that history still fails; a promotion names every finding that refuses it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dbharness import config
from dbharness.builder import database
from dbharness.deploy import promote as deploy_promote
from dbharness.errors import PromotionRefused
from dbharness.lint import checks
from dbharness.progress import quiet
from tests.support import REPO, run_invoke, stands_for_a_real_environment

SAME_FILE = """create table public.orders (id bigint primary key, owner uuid, total bigint);
alter table public.orders enable row level security;
alter table orders add constraint orders_total check (total >= 0);
alter table public.orders add constraint orders_cap check (total < 10000000) not valid;
alter table public.orders validate constraint orders_cap;
alter table public.orders add constraint orders_owner foreign key (owner) references auth.users (id);
create index orders_owner_idx on public.orders (owner);
"""
LATER_INDEX = "create index orders_total_idx on public.orders (total);\n"
LATER_CHECK = "alter table public.orders add constraint orders_small check (total < 1000000);\n"
NOT_NULL = "alter table public.orders add column region text not null;\n"
NO_RLS = "create table public.audit (id bigint primary key);\n"


def write(root: Path, files: dict[str, str]) -> None:
    for name, sql in files.items():
        (root / "supabase" / "migrations" / name).write_text(sql)


def lint_rules(root: Path) -> set[tuple[str, str, str]]:
    findings, _ = checks.lint_files(config.load(root))
    return {(f.level, f.rule.removeprefix("squawk:"), f.target) for f in findings}


def test_lock_rules_do_not_fire_on_a_table_created_earlier_in_the_same_file(project):
    write(project, {"1_orders.sql": SAME_FILE})
    assert lint_rules(project) == set()
    out = run_invoke("lint", root=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "lint: 0 errors" in out.stdout


@pytest.mark.parametrize("later, rule", [(LATER_INDEX, "require-concurrent-index-creation"),
                                         (LATER_CHECK, "constraint-missing-not-valid"),
                                         (NOT_NULL, "adding-required-field")])
def test_they_still_fire_as_errors_on_a_table_an_earlier_migration_made(project, later, rule):
    write(project, {"1_orders.sql": SAME_FILE, "2_later.sql": later})
    assert ("error", rule, "supabase/migrations/2_later.sql:1") in lint_rules(project)
    out = run_invoke("test", root=project)
    assert out.returncode == 1 and "lint failed" in out.stderr, out.stdout + out.stderr


def test_a_table_without_rls_in_public_still_fails_the_run(project):
    write(project, {"1_orders.sql": SAME_FILE, "2_audit.sql": NO_RLS})
    out = run_invoke("test", root=project)
    assert out.returncode == 1 and "table-without-rls" in out.stdout and "rls_disabled_in_public" in out.stdout


@pytest.fixture
def staging(server, project, monkeypatch):
    """An empty staging database with what every Supabase project has (auth.users and the roles)."""
    name = f"adopt_{abs(hash(project)) % 10**8}"
    platform_only = database.Recipe(migrations=False, seed=False, pgtap=False)
    with database.scratch(server, name, config.load(project), platform_only) as db:
        stands_for_a_real_environment(server, name)
        monkeypatch.setenv("STAGING_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{server.port}/{name}")
        yield db


def promote_staging(root: Path, to: str | None = None) -> list[str]:
    result = deploy_promote.promote(config.load(root), "staging", yes=True, skip_tests=True, to=to,
                                    report=quiet)
    assert result.failed is None, result.failed
    if result.stopped is not None:
        raise result.stopped
    return result.applied


def test_a_promotion_to_an_empty_target_lints_tables_the_promotion_creates_as_new(project, staging):
    write(project, {"1_orders.sql": SAME_FILE, "2_later.sql": LATER_INDEX + LATER_CHECK})
    assert promote_staging(project) == ["1_orders", "2_later"]


def test_the_same_file_is_refused_when_the_target_already_has_the_table(project, staging):
    write(project, {"1_orders.sql": SAME_FILE})
    assert promote_staging(project) == ["1_orders"]
    write(project, {"2_later.sql": LATER_INDEX})
    with pytest.raises(PromotionRefused, match="lint: 1 error in the pending files") as refused:
        promote_staging(project)
    assert ("error squawk:require-concurrent-index-creation supabase/migrations/2_later.sql:1: "
            in str(refused.value))  # each finding named, with file:line


def test_the_test_gate_of_a_promotion_names_every_lint_error(project, staging):
    write(project, {"1_orders.sql": SAME_FILE, "2_later.sql": LATER_INDEX + LATER_CHECK})
    result = deploy_promote.promote(config.load(project), "staging", yes=True, report=quiet)
    assert result.applied == [] and result.stopped is not None
    text = str(result.stopped)
    assert text.startswith("dbharness lint found 2 errors; promotion refused:")
    assert "error squawk:require-concurrent-index-creation supabase/migrations/2_later.sql:1: " in text
    assert "error squawk:constraint-missing-not-valid supabase/migrations/2_later.sql:2: " in text


PROFILES = REPO / "tests" / "projects" / "supabase_profiles"
# a later file of the same push drops a function an earlier one made: harmless on an empty target
DROP_SUMMARY = "drop function public.profile_summary(public.profiles);\n"


def test_a_promotion_of_a_supabase_project_to_an_empty_database_passes_lint(tmp_path, server, monkeypatch):
    root = tmp_path / "app"
    shutil.copytree(PROFILES, root)
    (root / "supabase/migrations/20240104000000_drop_summary.sql").write_text(DROP_SUMMARY)
    not_a_push = {(f.level, f.rule, f.target) for f in checks.lint_files(config.load(root))[0]}
    assert ("error", "squawk:ban-drop-function", "supabase/migrations/20240104000000_drop_summary.sql:1") \
        in not_a_push  # on a database that has 20240103000000 already, it is a hazard
    name = f"profiles_{abs(hash(root)) % 10**8}"
    platform_only = database.Recipe(migrations=False, seed=False, pgtap=False)
    with database.scratch(server, name, config.load(root), platform_only):
        stands_for_a_real_environment(server, name)
        monkeypatch.setenv("STAGING_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{server.port}/{name}")
        assert promote_staging(root) == ["20240101000000_profiles", "20240102000000_todos",
                                         "20240103000000_profile_bio", "20240104000000_drop_summary"]


def git(root: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@e")
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def test_history_in_the_default_branch_is_listed_not_gated_and_a_new_hazard_is_red(project):
    write(project, {"1_orders.sql": SAME_FILE, "2_later.sql": LATER_INDEX})
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "history")
    git(project, "checkout", "-q", "-b", "feature")
    out = run_invoke("lint", root=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert ("not gated: 1 finding in migrations that already shipped (unchanged in the git default "
            "branch main)") in out.stdout
    assert "narrow shipped or lint_from in [tool.dbharness.lint]" in out.stdout
    write(project, {"2_later.sql": LATER_INDEX + "-- edited on the branch\n"})  # a changed file gates again
    assert run_invoke("lint", root=project).returncode == 1
    write(project, {"2_later.sql": LATER_INDEX, "3_new.sql": LATER_CHECK})
    out = run_invoke("lint", root=project)
    assert out.returncode == 1 and "supabase/migrations/3_new.sql:1" in out.stdout
    with open(project / "pyproject.toml", "a") as f:
        f.write('[tool.dbharness.lint]\nshipped = ["environments"]\n')
    (project / "supabase" / "migrations" / "3_new.sql").unlink()
    out = run_invoke("lint", root=project)
    assert out.returncode == 1 and "supabase/migrations/2_later.sql:1" in out.stdout  # git no longer asked


def test_a_project_can_make_an_advisor_level_stricter(project):
    write(project, {"1_orders.sql": SAME_FILE + "create function public.f() returns int language sql "
                                                "security definer as $$ select 1 $$;\n"
                                                "revoke execute on function public.f() from anon, public;\n"})
    out = run_invoke("lint", root=project)
    assert out.returncode == 0 and "function_search_path_mutable" in out.stdout, out.stdout + out.stderr
    with open(project / "pyproject.toml", "a") as f:
        f.write('[tool.dbharness.lint]\nlevels = { "security-definer-search-path" = "error" }\n')
    out = run_invoke("lint", root=project)
    assert out.returncode == 1 and "error security-definer-search-path" in out.stdout
