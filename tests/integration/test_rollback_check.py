"""dbharness rollback-check on small fixture projects: built as dbharness test builds (seed last,
or after seed_after), rolled back newest first; each broken rollback fails, naming what differs."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbharness import config, rollback_check
from dbharness.engines.base import Server
from dbharness.errors import ConfigError
from dbharness.progress import quiet
from tests.support import DatabaseEngine, run_invoke

BASE = """create table public.items (
  id int primary key,
  name text not null,
  qty int default 1 constraint items_qty_check check (qty >= 0)
);
create table public.notes (id int primary key, body text);
"""
SEED = "insert into public.items values (1, 'a', 1), (2, 'b', 5);\ninsert into public.notes values (1, 'x');\n"

UP = """alter table public.items add column color text default 'red';
alter table public.items alter column qty set default 2;
alter table public.items drop constraint items_qty_check;
alter table public.items add constraint items_qty_check check (qty >= -1) not valid;
create index items_name_idx on public.items (name);
"""
GOOD_DOWN = """drop index public.items_name_idx;
alter table public.items drop constraint items_qty_check;
alter table public.items add constraint items_qty_check check (qty >= 0);
alter table public.items alter column qty set default 1;
alter table public.items drop column color;
"""


def make_project(root: Path, down: str, up: str = UP, extra: dict[str, str] | None = None) -> config.Settings:
    files = {
        "supabase/migrations/1_base.sql": "-- rollback: none - fixture baseline\n" + BASE,
        "supabase/migrations/2_change.sql": up,
        "supabase/rollbacks/2_change.sql": down,
        "supabase/seed.sql": SEED,
        **(extra or {}),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "pgtap").mkdir(exist_ok=True)
    return config.load(root)


def run_check(server: Server, settings: config.Settings):
    result = rollback_check.check(settings, "local", report=quiet,
                                  make_engine=lambda *_a, **_k: DatabaseEngine(server))
    return result.steps, result.failed


def only_failure(failed) -> str:
    assert len(failed) == 1, [c.name for c in failed]
    return failed[0].failure


def test_a_correct_pair_passes(server, tmp_path):
    checks, failed = run_check(server, make_project(tmp_path, GOOD_DOWN))
    assert failed == []
    names = [c.name for c in checks]
    assert names[0] == "1_base: no rollback" and checks[0].skipped == "rollback: none - fixture baseline"
    assert names[1:4] == ["build every migration and the seed, as dbharness test does",
                          "reference: the migrations before each rollback, without the seed",
                          "pgTAP suite after up"]
    assert "2_change: schema equals the migrations before it" in names
    assert names[-3:] == ["re-apply migrations (up, down, up)", "schema after re-apply equals the migrations",
                          "pgTAP suite after re-apply"]


def test_dropping_a_pre_existing_column_is_caught(server, tmp_path):
    down = GOOD_DOWN + "alter table public.notes drop column body;\n"
    checks, failed = run_check(server, make_project(tmp_path, down))
    assert failed[0].name == "2_change: schema equals the migrations before it"
    assert "public.notes.body (column): existed before, missing after" in failed[0].failure


def test_a_default_not_restored_is_caught(server, tmp_path):
    down = GOOD_DOWN.replace("alter table public.items alter column qty set default 1;\n", "")
    _, failed = run_check(server, make_project(tmp_path, down))
    assert "public.items.qty (column): default differs: before '1', after '2'" in only_failure(failed)


def test_a_check_not_restored_is_caught(server, tmp_path):
    down = GOOD_DOWN.replace(
        "alter table public.items drop constraint items_qty_check;\n"
        "alter table public.items add constraint items_qty_check check (qty >= 0);\n", "")
    _, failed = run_check(server, make_project(tmp_path, down))
    text = only_failure(failed)
    assert "public.items.items_qty_check (constraint): definition differs" in text
    assert "(qty >= 0)" in text and "(qty >= '-1'::integer)" in text
    assert "public.items.items_qty_check (constraint): validated differs: before True, after False" in text


def test_an_index_left_behind_is_caught(server, tmp_path):
    down = GOOD_DOWN.replace("drop index public.items_name_idx;\n", "")
    _, failed = run_check(server, make_project(tmp_path, down))
    assert failed[0].name == "2_change: schema equals the migrations before it"
    assert "public.items_name_idx (index): did not exist before, left behind" in failed[0].failure
    assert 'relation "items_name_idx" already exists' in failed[1].failure  # and up cannot run again


def test_lost_rows_of_a_pre_existing_table_are_caught(server, tmp_path):
    down = GOOD_DOWN + "delete from public.notes;\nupdate public.items set name = 'zz' where id = 2;\n"
    _, failed = run_check(server, make_project(tmp_path, down))
    assert failed[0].name == "2_change: pre-existing data intact"
    text = failed[0].failure
    assert "public.notes: 1 of 1 pre-existing rows lost or altered" in text and "1 deleted (keys (1))" in text
    assert "public.items: 1 of 2 pre-existing rows lost or altered" in text and "1 changed (keys (2))" in text


def test_an_up_migration_that_cannot_run_twice_is_caught(server, tmp_path):
    up = UP + "create table public.audit (id int);\n"
    down = GOOD_DOWN  # forgets to drop public.audit
    checks, failed = run_check(server, make_project(tmp_path, down, up=up))
    names = [c.name for c in failed]
    assert "2_change: schema equals the migrations before it" in names
    assert "re-apply migrations (up, down, up)" in names
    reapply = next(c for c in failed if c.name.startswith("re-apply"))
    assert 'relation "audit" already exists' in reapply.failure and "2_change.sql:6" in reapply.failure


def test_a_failing_rollback_names_its_line_and_leaves_no_half_state(server, tmp_path):
    down = GOOD_DOWN + "drop table public.nope;\n"
    _, failed = run_check(server, make_project(tmp_path, down))
    assert failed[0].name == "2_change: roll back"
    assert "rollbacks/2_change.sql:6" in failed[0].failure and "Nothing of this file was applied" in failed[0].failure


def test_exercise_rows_are_written_between_up_and_down(server, tmp_path):
    extra = {"supabase/rollbacks/exercise/2_change.sql": "insert into public.items values (3, 'c', -1, 'blue');"}
    down = GOOD_DOWN  # the restored check (qty >= 0) refuses the exercised row -> rollback fails
    _, failed = run_check(server, make_project(tmp_path, down, extra=extra))
    assert failed[0].name == "2_change: roll back"
    assert "items_qty_check" in failed[0].failure


def test_missing_rollback_is_a_failure_and_orphans_are_refused(server, tmp_path):
    settings = make_project(tmp_path, GOOD_DOWN, extra={"supabase/migrations/3_more.sql": "select 1;"})
    checks, failed = run_check(server, settings)
    assert [c.name for c in failed] == ["3_more: no rollback", "rollback chain"]
    assert "expected supabase/rollbacks/3_more.sql" in failed[0].failure
    (tmp_path / "supabase/rollbacks/9_orphan.sql").write_text("select 1;")
    with pytest.raises(ConfigError, match="without a matching up migration: 9_orphan.sql"):
        rollback_check.plan(settings)


def test_the_task_passes_on_this_project_and_writes_junit(tmp_path):
    from junitparser import JUnitXml

    junit = tmp_path / "rollback.xml"
    out = run_invoke("rollback-check", "--junit", str(junit))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1].endswith("0 failed, 1 skipped")
    suite = next(iter(JUnitXml.fromfile(str(junit))))
    assert suite.failures == 0 and suite.tests == 27  # 5 rollbacks of 4 steps, 6 around them, 1 gap


def test_the_task_fails_on_a_broken_copy_of_this_project(tmp_path):
    from tests.support import copy_project

    root = copy_project(tmp_path / "p")
    down = root / "supabase/rollbacks/20251112120000_mt5_trading_accounts_extensions.sql"
    down.write_text(down.read_text().replace("comment on column public.trading_accounts.connection_status is null;", ""))
    out = run_invoke("rollback-check", "--junit", str(tmp_path / "r.xml"), root=root)
    assert out.returncode == 1
    assert "public.trading_accounts.connection_status (column): comment differs: before none" in out.stdout


@pytest.mark.parametrize("broken, expected", [
    ("grant truncate, trigger, references", "public.trades (relation): privileges differs"),
    ("grant insert, update on table public.trading_accounts to authenticated;",
     "public.trading_accounts (relation): privileges differs"),
    ("revoke update (", "public.trading_accounts.account_name (column): privileges differs"),
])
def test_a_privilege_not_restored_fails_the_check(tmp_path, broken, expected):
    """rollback-check compares table and column privileges: each half-restored grant is caught."""
    from tests.support import copy_project

    root = copy_project(tmp_path / "p")
    down = root / "supabase/rollbacks/20251112120400_mt5_backend_columns_privileges.sql"
    text = down.read_text()
    start = text.index(broken)
    down.write_text(text[:start] + "select 1;\n" + text[text.index(";", start) + 1:])
    out = run_invoke("rollback-check", "--only", "20251112120400", "--junit", str(tmp_path / "r.xml"), root=root)
    assert out.returncode == 1, out.stdout
    assert expected in out.stdout


MORE_UP = "create table public.extra (id int primary key);\ninsert into public.extra values (7);\n"
MORE_DOWN = "drop table public.extra;\n"


def test_only_rolls_the_newer_ones_back_first_unchecked(server, tmp_path):
    settings = make_project(tmp_path, GOOD_DOWN, extra={"supabase/migrations/3_more.sql": MORE_UP,
                                                        "supabase/rollbacks/3_more.sql": MORE_DOWN})
    result = rollback_check.check(settings, "local", only="2", report=quiet,
                                  make_engine=lambda *_a, **_k: DatabaseEngine(server))
    assert result.failed == []
    by_name = {s.name: s for s in result.steps}
    assert by_name["3_more: rolled back, not checked"].skipped == \
        "newer than --only 2: rolled back unchecked to reach it"
    assert "2_change: schema equals the migrations before it" in by_name
    assert not any(name.startswith("3_more: schema") for name in by_name)


def test_only_without_a_rollback_of_a_newer_one_says_what_to_do(server, tmp_path):
    settings = make_project(tmp_path, GOOD_DOWN, extra={"supabase/migrations/3_more.sql": MORE_UP})
    result = rollback_check.check(settings, "local", only="2", report=quiet,
                                  make_engine=lambda *_a, **_k: DatabaseEngine(server))
    assert [s.name for s in result.steps] == ["rollback chain"]
    assert result.steps[0].failure == (
        "--only 2 rolls back every newer migration first, and 3_more has no rollback file (expected in "
        "supabase/rollbacks/); write it, or check only newer versions (--from 3 and later)")


def test_from_checks_that_version_and_the_newer_ones(server, tmp_path):
    settings = make_project(tmp_path, GOOD_DOWN, extra={"supabase/migrations/3_more.sql": MORE_UP,
                                                        "supabase/rollbacks/3_more.sql": MORE_DOWN})
    result = rollback_check.check(settings, "local", from_version="2", report=quiet,
                                  make_engine=lambda *_a, **_k: DatabaseEngine(server))
    names = [s.name for s in result.steps]
    assert result.failed == [] and names[0] == "build every migration and the seed, as dbharness test does"
    assert names.index("3_more: roll back") < names.index("2_change: roll back")  # newest first


def test_a_leftover_is_reported_once_where_it_was_left(server, tmp_path):
    settings = make_project(tmp_path, GOOD_DOWN, extra={"supabase/migrations/3_more.sql": MORE_UP,
                                                        "supabase/rollbacks/3_more.sql": "select 1;\n"})
    checks, failed = run_check(server, settings)
    assert failed[0].name == "3_more: schema equals the migrations before it"
    assert "public.extra (relation): did not exist before, left behind" in failed[0].failure
    older = next(s for s in checks if s.name == "2_change: schema equals the migrations before it")
    assert older.failure is None and older.output.endswith("already reported for a newer rollback")


def test_a_failing_seed_names_its_line_and_how_the_check_builds(server, tmp_path):
    settings = make_project(tmp_path, GOOD_DOWN, extra={
        "supabase/seed.sql": SEED + "insert into public.missing values (1);\n"})
    _, failed = run_check(server, settings)
    assert failed[0].name == "build every migration and the seed, as dbharness test does"
    assert 'supabase/seed.sql:3: relation "public.missing" does not exist' in failed[0].failure
    assert "rollback-check builds the database as dbharness test does" in failed[0].failure
    assert len(failed) == 1  # nothing else could run


def test_rows_the_migration_writes_itself_may_go_with_its_rollback(server, tmp_path):
    up = UP + "insert into public.notes values (99, 'written by the migration');\n"
    down = GOOD_DOWN + "delete from public.notes where id = 99;\n"
    checks, failed = run_check(server, make_project(tmp_path / "own", down, up=up))
    assert failed == []
    exercised = next(s for s in checks if s.name == "2_change: fingerprint the rows, exercise the schema")
    assert "(1 rows 2_change writes itself left out)" in exercised.output
    _, failed = run_check(server, make_project(tmp_path / "seeded", down + "delete from public.notes where id = 1;\n",
                                               up=up))
    assert [s.name for s in failed] == ["2_change: pre-existing data intact"]
    assert "public.notes: 1 of 1 pre-existing rows lost" in failed[0].failure
