"""dbharness lint: squawk findings with 1-based lines, Supabase security checks, exceptions."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from dbharness import config
from dbharness.builder import database
from dbharness.config import LintException
from dbharness.lint import checks
from dbharness.progress import quiet
from tests.support import REPO, run_invoke

SECURITY_FIXTURE = """set lock_timeout = '1s';
create table public.no_rls (id int primary key);
create table public.open (id int primary key, owner uuid, seen timestamp);
alter table public.open enable row level security;
create policy open_insert on public.open for insert to authenticated with check (true);
create policy open_select on public.open for select using (owner = auth.uid());
create policy svc_all on public.open for all to service_role using (true);
create policy open_delete on public.open for delete using ((select auth.uid()) = owner);
create function public.touch() returns trigger language plpgsql security definer set search_path = ''
  as 'begin return new; end';
create table public.locked (id int primary key);
alter table public.locked enable row level security;
create view public.v as select id from public.open;
create view public.v_ok with (security_invoker = true) as select id from public.open;
create function public.f() returns int language sql security definer as 'select 1';
create function public.g() returns int language sql security definer set search_path = '' as 'select 1';
revoke execute on function public.g() from public, anon;
create table public.child (id int primary key, open_id int references public.open (id));
alter table public.child enable row level security;
create policy child_read on public.child for select to authenticated using ((select auth.uid()) is not null);
create table public.accts (id int primary key, name text, status text);
comment on column public.accts.status is 'Set by the sync. Backend-only: written by service_role.';
alter table public.accts enable row level security;
create policy accts_update on public.accts for update to authenticated
  using ((select auth.uid()) is not null) with check ((select auth.uid()) is not null);
create table public.accts_ok (id int primary key, name text, status text);
comment on column public.accts_ok.status is 'Backend-only: written by service_role.';
alter table public.accts_ok enable row level security;
create policy accts_ok_update on public.accts_ok for update to authenticated
  using ((select auth.uid()) is not null) with check ((select auth.uid()) is not null);
revoke insert, update on public.accts_ok from authenticated;
grant update (name) on public.accts_ok to authenticated;
create table public.read_only (id int primary key, status text);
comment on column public.read_only.status is 'Backend-only: written by service_role.';
alter table public.read_only enable row level security;
create policy read_only_read on public.read_only for select to authenticated using ((select auth.uid()) is not null);
revoke truncate on public.no_rls, public.open, public.locked, public.accts, public.accts_ok, public.read_only
  from anon, authenticated;
revoke truncate on public.child from anon;
"""


def findings_on(conninfo: str, sql: str) -> set[tuple[str, str, str]]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql)
        return {(f.level, f.rule, f.target) for f in checks.lint_database(conn)}


ADVISOR_LEVELS = {
    ("error", "table-without-rls", "public.no_rls"),  # rls_disabled_in_public: ERROR
    ("info", "truncate-granted-to-api-role", "public.child"),
    ("warn", "backend-columns-table-wide-write", "public.accts"),
    ("warn", "policy-always-true", "public.open.open_insert"),  # rls_policy_always_true: WARN
    ("info", "select-policy-without-roles", "public.open.open_select"),
    ("warn", "policy-without-roles", "public.open.open_delete"),
    ("warn", "policy-auth-call-per-row", "public.open.open_select"),  # auth_rls_initplan: WARN
    ("error", "view-without-security-invoker", "public.v"),  # security_definer_view: ERROR
    ("warn", "security-definer-search-path", "public.f()"),  # function_search_path_mutable: WARN
    ("warn", "security-definer-anon-execute", "public.f()"),  # anon_security_definer_...: WARN
    ("info", "foreign-key-without-index", "public.child.child_open_id_fkey"),  # unindexed_...: INFO
    ("info", "rls-without-policy", "public.locked"),  # rls_enabled_no_policy: INFO
    ("warn", "timestamp-without-time-zone", "public.open.seen"),
}
STRICTER_HERE = {"policy-always-true": "error", "policy-without-roles": "error",
                 "security-definer-search-path": "error", "security-definer-anon-execute": "error",
                 "foreign-key-without-index": "warn", "truncate-granted-to-api-role": "error",
                 "select-policy-without-roles": "warn"}


def test_each_security_check_finds_its_object_at_the_advisors_level(fresh_db):
    found = findings_on(fresh_db, SECURITY_FIXTURE)
    assert found == ADVISOR_LEVELS  # nothing about svc_all, v_ok, g(), touch() (a trigger) or child_read


def test_this_repository_keeps_its_stricter_levels_and_findings_name_the_advisor(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SECURITY_FIXTURE)
        findings = checks.with_levels(checks.lint_database(conn), config.load(REPO))
    assert {(f.level, f.rule, f.target) for f in findings} == {
        (STRICTER_HERE.get(rule, level), rule, target) for level, rule, target in ADVISOR_LEVELS}
    advisors = {f.rule: f.advisor for f in findings}
    assert advisors["security-definer-search-path"] == "function_search_path_mutable"
    assert advisors["table-without-rls"] == "rls_disabled_in_public"
    assert advisors["timestamp-without-time-zone"] == ""


def test_the_project_schema_is_clean(fresh_db):
    settings = config.load(REPO)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        database.apply_migrations(conn, settings, database.Recipe(seed=False), quiet)
        assert checks.lint_database(conn) == []
    file_findings, files = checks.lint_files(settings)
    assert file_findings == []
    assert len(files) == len(list((REPO / "supabase").glob("*/*.sql")))


@pytest.fixture
def squawk_project(project: Path) -> Path:
    shutil.copy(REPO / ".squawk.toml", project / ".squawk.toml")
    (project / "supabase/migrations/1_base.sql").write_text(
        "set lock_timeout = '1s';\ncreate table public.t (a int);\n")
    return project


@pytest.mark.parametrize("sql, rule, line", [
    ("set lock_timeout = '1s';\n\ncreate index t_a on public.t (a);\n", "require-concurrent-index-creation", 3),
    ("set lock_timeout = '1s';\nalter table public.t\n  add constraint t_a check (a > 0);\n",
     "constraint-missing-not-valid", 3),
    ("set lock_timeout = '1s';\nalter table public.t add column u uuid default gen_random_uuid();\n",
     "adding-field-with-default", 2),
])
def test_each_squawk_rule_the_project_relies_on(squawk_project, sql, rule, line):
    (squawk_project / "supabase/migrations/2_change.sql").write_text(sql)
    findings, _ = checks.lint_files(config.load(squawk_project))
    hits = [f for f in findings if f.rule == f"squawk:{rule}"]
    assert [(f.level, f.target) for f in hits] == [("error", f"supabase/migrations/2_change.sql:{line}")]


def test_timeout_rules_stay_off_because_the_harness_sets_both_timeouts(squawk_project):
    (squawk_project / ".squawk.toml").write_text("")  # not even the project's own exclusions
    (squawk_project / "supabase/migrations/2_change.sql").write_text("alter table public.t add column b int;\n")
    findings, _ = checks.lint_files(config.load(squawk_project))
    assert [f.rule for f in findings if "timeout" in f.rule] == []
    assert "squawk:prefer-bigint-over-int" in [f.rule for f in findings]  # squawk did run on it


def test_style_rules_warn_and_hazard_rules_fail(squawk_project):
    (squawk_project / ".squawk.toml").write_text("")
    (squawk_project / "supabase/migrations/2_change.sql").write_text(
        "create table public.s (id serial primary key, name varchar(20));\n"
        "create index s_name on public.t (a);\n")
    findings, _ = checks.lint_files(config.load(squawk_project))
    levels = {f.rule.removeprefix("squawk:"): f.level for f in findings}
    assert levels["prefer-identity"] == "warn" and levels["prefer-text-field"] == "warn"
    assert levels["prefer-bigint-over-int"] == "warn"
    assert levels["require-concurrent-index-creation"] == "error"


def test_an_index_on_a_table_created_in_the_same_file_is_fine(squawk_project):
    (squawk_project / "supabase/migrations/2_new.sql").write_text(
        "set lock_timeout = '1s';\ncreate table public.n (a int);\ncreate index n_a on public.n (a);\n")
    findings, _ = checks.lint_files(config.load(squawk_project))
    assert findings == []


def test_squawk_ignore_needs_a_reason_on_the_same_line(squawk_project):
    (squawk_project / "supabase/migrations/2_ign.sql").write_text(
        "set lock_timeout = '1s';\n-- squawk-ignore require-concurrent-index-creation\ncreate index i on public.t (a);\n"
        "-- squawk-ignore require-concurrent-index-creation -- t is tiny and internal\ncreate index j on public.t (a);\n")
    findings, _ = checks.lint_files(config.load(squawk_project))
    assert [(f.rule, f.target.rsplit(":", 1)[1]) for f in findings] == [("squawk-ignore-without-reason", "2")]


def test_rollbacks_may_drop_what_their_up_added_with_no_setting(squawk_project):
    (squawk_project / "supabase/migrations/2_col.sql").write_text(
        "set lock_timeout = '1s';\nalter table public.t add column b int;\n")
    (squawk_project / "supabase/rollbacks/2_col.sql").write_text(
        "set lock_timeout = '1s';\nalter table public.t drop column b;\n")
    findings, _ = checks.lint_files(config.load(squawk_project))
    assert findings == []


def test_a_rollback_dropping_an_older_column_is_an_error_unless_the_project_excludes_the_rule(squawk_project):
    (squawk_project / "supabase/migrations/2_col.sql").write_text(
        "set lock_timeout = '1s';\nalter table public.t add column b int;\n")
    (squawk_project / "supabase/rollbacks/2_col.sql").write_text(
        "set lock_timeout = '1s';\nalter table public.t drop column b,\n  drop column a;\n")
    findings, _ = checks.lint_files(config.load(squawk_project))
    assert [(f.level, f.rule, f.target) for f in findings] == [
        ("error", "squawk:ban-drop-column", "supabase/rollbacks/2_col.sql:3")]  # a, not b
    with open(squawk_project / "pyproject.toml", "a") as f:
        f.write('[tool.dbharness.lint]\nrollback_excluded_rules = ["ban-drop-column"]\n')
    assert checks.lint_files(config.load(squawk_project))[0] == []


# One statement per rule of squawk 2.70 (opt-in rules included), to see that every rule the
# installed squawk reports has a class in squawk_rules.
EVERY_RULE = """create table public.t (id int primary key, a int, b varchar(10), c char(3), d timestamp, e serial, s smallint);
create index t_a on public.t (a);
drop index public.t_a;
alter table public.t add constraint t_chk check (a > 0);
alter table public.t add column g uuid default gen_random_uuid();
alter table public.t add constraint t_fk foreign key (a) references public.t (id);
alter table public.t alter column a type bigint;
alter table public.t add column h int not null;
alter table public.t add column i serial primary key;
alter table public.t rename column a to aa;
alter table public.t rename to tt;
alter table public.t add constraint t_u unique (a);
drop database foo;
alter table public.t drop column b;
drop table public.t;
alter table public.t alter column a drop not null;
create domain public.dd as int check (value > 0);
alter domain public.dd add constraint dd_c check (value > 1);
truncate public.t cascade;
alter type public.en add value 'c';
alter table public.t detach partition public.t1;
reindex index public.t_a;
create table t_no_schema (id int);
create table public.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (id int);
update public.t set a = 1, a = 2;
drop view public.v;
drop function public.f();
drop type public.en;
drop schema s;
drop sequence public.sq;
drop domain public.dd;
alter table public.t drop constraint t_chk;
alter table public.t alter column z drop expression;
alter table public.t rename constraint x to y;
alter table public.t set schema other;
alter table public.t alter column id drop identity;
drop extension pgcrypto;
alter table public.t alter column z set expression as (1);
alter table public.t alter column a set default 5;
alter table public.t alter column a drop default;
alter table public.t disable trigger all;
alter table public.t replica identity full;
drop policy p on public.t;
revoke select on public.t from anon;
create or replace view public.v as select 1;
alter policy p on public.t using (true);
alter policy p on public.t to authenticated;
create policy p2 on public.t using (true);
alter function public.f() security definer;
alter view public.v set (security_invoker = true);
alter role r set search_path = '';
alter database d set search_path = '';
alter table public.t enable row level security;
alter table public.t add constraint t_nn check (a is not null) not valid;
alter type public.comp add attribute x int;
alter table public.t add column nn int;
alter table public.t no inherit public.parent;
alter sequence public.sq restart with 5;
alter system set work_mem = '1MB';
alter extension pgcrypto update;
drop trigger tg on public.t;
begin;
"""


def test_every_rule_the_installed_squawk_reports_has_a_class(tmp_path):
    import json
    import subprocess

    from dbharness.lint import squawk_rules

    sql = tmp_path / "every.sql"
    sql.write_text(EVERY_RULE)
    out = subprocess.run([checks.squawk_binary(), "--reporter", "json", "--pg-version", "15",
                          "--include", ",".join(squawk_rules.RULES), str(sql)], capture_output=True, text=True)
    assert out.stderr == ""  # every name of the table is a rule squawk knows
    reported = {r["rule_name"] for r in json.loads(out.stdout)}
    assert len(reported) > 55
    assert reported - set(squawk_rules.RULES) == set()


def test_exceptions_accept_findings_and_unused_ones_are_reported():
    findings = [checks.Finding("warn", "timestamp-without-time-zone", "public.t.at", "x"),
                checks.Finding("error", "squawk:require-lock-timeout", "supabase/migrations/1_a.sql:3", "y")]
    report = checks.apply_exceptions(findings, (
        LintException("timestamp-without-time-zone", "public.t.at", "legacy import column"),
        LintException("require-lock-timeout", "supabase/migrations/1_a.sql", "runs before any traffic"),
        LintException("table-without-rls", "public.gone", "old"),
    ))
    assert [(f.rule, f.level) for f in report.findings] == [("unused-lint-exception", "warn")]
    assert "public.gone" in report.findings[0].target
    assert len(report.excepted) == 2


def test_the_task_passes_on_the_project_and_fails_on_a_fixture(tmp_path, project):
    junit = tmp_path / "lint.xml"
    out = run_invoke("lint", "--junit", str(junit))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "lint: 0 errors, 0 warnings" in out.stdout
    (project / "supabase/migrations/1_bad.sql").write_text(SECURITY_FIXTURE)
    bad = run_invoke("lint", "--junit", str(tmp_path / "bad.xml"), root=project)
    assert bad.returncode == 1
    assert "table-without-rls" in bad.stdout and "public.no_rls" in bad.stdout
    assert "lint failed" in bad.stderr
    blocked = run_invoke("test", root=project)
    assert blocked.returncode == 1 and "lint failed" in blocked.stderr
    assert "passed," not in blocked.stdout  # pgTAP never ran


def test_the_project_before_the_privileges_migration_is_flagged(fresh_db):
    """Before 20251112120400, authenticated could TRUNCATE every table of public (RLS bypassed)."""
    settings = config.load(REPO)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        database.apply_migrations(conn, settings, database.Recipe(up_to="20251112120300", seed=False),
                                  quiet)
        found = {(f.rule, f.target, f.message) for f in checks.lint_database(conn)
                 if f.rule == "truncate-granted-to-api-role"}  # info by default; this repository: error
    assert found == {("truncate-granted-to-api-role", f"public.{t}",
                      "authenticated may TRUNCATE it, which bypasses row-level security")
                     for t in ("profiles", "trading_accounts", "trades")}


def shipped_project(project: Path) -> Path:
    migrations = project / "supabase/migrations"
    (migrations / "20230101000000_table.sql").write_text(
        "create table public.t (id bigint primary key);\nalter table public.t enable row level security;\n")
    (migrations / "20240101000000_old.sql").write_text(
        "-- an index built while writes wait\n\ncreate index t_id on public.t (id);\n")
    (migrations / "20250101000000_new.sql").write_text("alter table public.t add column note text;\n")
    return project


def test_findings_in_shipped_migrations_are_counted_not_gated(project, monkeypatch):
    root = shipped_project(project)
    gated = run_invoke("lint", root=root)
    assert gated.returncode == 1 and "20240101000000_old.sql:3" in gated.stdout
    with (root / "pyproject.toml").open("a") as f:
        f.write('\n[tool.dbharness.lint]\nlint_from = "20250101000000"\n')
    passed = run_invoke("lint", root=root)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "20240101000000_old.sql:3" not in passed.stdout
    assert ("not gated: 1 finding in migrations that already shipped (older than lint_from "
            "20250101000000); dbharness lint --shipped lists them") in passed.stdout
    listed = run_invoke("lint", "--shipped", root=root)
    assert listed.returncode == 0 and "20240101000000_old.sql:3" in listed.stdout


def test_the_newest_version_in_an_environments_history_marks_what_shipped(project, server):
    from dbharness.builder import history
    from dbharness.sql.migrations import discover

    root = shipped_project(project)
    with database.scratch(server, "shipped_staging") as db:
        with psycopg.connect(db.conninfo(), autocommit=True) as conn:
            history.ensure_table(conn)
            for mf in discover(root / "supabase/migrations")[:2]:
                history.record(conn, mf)
        url = f"postgresql://postgres@127.0.0.1:{server.port}/{db.dbname}"
        out = run_invoke("lint", root=root, env={"STAGING_DATABASE_URL": url})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "(up to 20240101000000, recorded in staging)" in out.stdout


def test_a_file_wrapped_in_begin_commit_is_not_flagged_for_nesting(squawk_project):
    (squawk_project / "supabase/migrations/2_wrapped.sql").write_text(
        "begin;\nset lock_timeout = '1s';\nalter table public.t add column b text;\ncommit;\n")
    findings, _ = checks.lint_files(config.load(squawk_project))
    assert [f.rule for f in findings] == []


def test_an_environment_lint_cannot_read_is_said(project):
    out = run_invoke("lint", root=project, env={"STAGING_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nope"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert ("lint gate: staging: history not read (OperationalError); its migrations count as not shipped"
            in out.stdout)
