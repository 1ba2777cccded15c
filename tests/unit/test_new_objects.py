"""Which object a statement creates, changes or locks, and whether it is new where it runs (pure:
PostgreSQL's parser, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbharness.lint import changes, new_objects, objects, squawk_rules
from dbharness.sql.migrations import parse_name
from dbharness.sql.statements import split_statements


def node(sql: str) -> object:
    return split_statements(sql)[0].node


@pytest.mark.parametrize("sql, key", [
    ("create table t (id int)", ("relation", "public", "t")),
    ("create materialized view app.m as select 1", ("relation", "app", "m")),
    ("create index t_a on app.t (a)", ("relation", "app", "t_a")),
    ("create domain public.username as text check (char_length(value) >= 3)", ("type", "public", "username")),
    ("create type mood as enum ('ok')", ("type", "public", "mood")),
    ("create function public.f(a int, out b text) returns text language sql as 'select 1'",
     ("function", "public", "f", "int4")),
    ("create trigger tr after insert on auth.users for each row execute procedure public.f()",
     ("trigger", "auth", "users", "tr")),
    ('create policy "Users can update own profile." on public.profiles for update using (true)',
     ("policy", "public", "profiles", "Users can update own profile.")),
    ("create schema app", ("schema", "app")),
    ("create extension pg_trgm", ("extension", "pg_trgm")),
    ("alter table t add column c int", ("column", "public", "t", "c")),
    ("alter table t add constraint c_check check (c > 0) not valid", ("constraint", "public", "t", "c_check")),
    ("alter domain public.d add constraint d_check check (value > 0)", ("constraint", "public", "d", "d_check")),
])
def test_what_a_statement_creates(sql, key):
    assert key in objects.created(node(sql))


@pytest.mark.parametrize("sql, part, keys", [
    ("drop table a, app.b", None, {("relation", "public", "a"), ("relation", "app", "b")}),
    ("drop function public.f(integer), g", None,
     {("function", "public", "f", "int4"), ("function", "public", "g", "*")}),
    ('drop policy "Users can update own profile." on public.profiles', None,
     {("policy", "public", "profiles", "Users can update own profile.")}),
    ("drop trigger on_auth_user_created on auth.users", None, {("trigger", "auth", "users", "on_auth_user_created")}),
    ("drop domain public.username", None, {("type", "public", "username")}),
    ("alter table t drop column a, drop constraint t_check", 0, {("column", "public", "t", "a")}),
    ("alter table t drop column a, drop constraint t_check", 1, {("constraint", "public", "t", "t_check")}),
    ("alter table t alter column a set default 1", None, {("column", "public", "t", "a")}),
    ("alter table t rename column a to b", None, {("column", "public", "t", "a")}),
    ("revoke all on all tables in schema app from anon", None, {("schema", "app")}),
    ("create or replace view public.v as select 1", None, {("relation", "public", "v")}),
])
def test_what_a_statement_changes_or_drops(sql, part, keys):
    assert changes.changed(node(sql), part) == keys


def test_locking_rules_are_about_the_table_not_the_new_column():
    sql = "alter table public.t alter column c set not null"
    assert changes.locked(node(sql)) == {("relation", "public", "t")}
    assert changes.locked(node("create index i on app.t (a)")) == {("relation", "app", "t")}


def test_parts_of_a_table_and_objects_of_a_schema_are_new_with_it():
    new = {("relation", "public", "t"), ("schema", "app"), ("function", "public", "f", "*")}
    assert new_objects.is_new(("column", "public", "t", "c"), new)
    assert new_objects.is_new(("policy", "public", "t", "a.b."), new)
    assert new_objects.is_new(("relation", "app", "x"), new)
    assert new_objects.is_new(("function", "public", "f", "int4"), new)
    assert not new_objects.is_new(("column", "public", "u", "c"), new)
    assert not new_objects.is_new(("function", "public", "g", ""), new)


def test_a_renamed_new_object_stays_new_and_or_replace_of_an_old_one_is_a_change():
    stmts = split_statements("create table public.a (id int);\nalter table public.a rename to b;\n"
                             "create or replace function public.old() returns int language sql as 'select 1';\n")
    existing = {("function", "public", "old", "")}
    found = new_objects.made(stmts, set(), existing)
    assert ("relation", "public", "b") in found
    assert ("function", "public", "old", "") not in found


def test_the_command_of_a_multi_command_alter_table_is_found_by_its_position():
    stmt = split_statements("alter table t\n  drop column a,\n  add constraint c check (a in (1, 2)),\n"
                            "  drop column b;")[0]
    assert [new_objects.part_at(stmt, stmt.sql.index(w)) for w in ("drop column a", "add", "drop column b")] \
        == [0, 1, 2]


def write(tmp: Path, rel: str, sql: str):
    path = tmp / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql)
    return parse_name(path, tmp)


def position(mf, text: str) -> tuple[int, int]:
    """squawk's position (0-based line, byte column) of the first occurrence of text."""
    at = mf.text.index(text)
    line = mf.text.count("\n", 0, at)
    start = mf.text.rfind("\n", 0, at) + 1
    return line, len(mf.text[start:at].encode())


def test_a_rollback_may_drop_what_its_up_created_and_nothing_older(tmp_path):
    old = write(tmp_path, "supabase/migrations/1_old.sql", "create table public.t (id int, keep text);\n")
    up = write(tmp_path, "supabase/migrations/2_up.sql",
               "alter table public.t add column c text;\ncreate function public.f() returns int language sql as 'select 1';\n")
    down = write(tmp_path, "supabase/rollbacks/2_up.sql",
                 "drop function public.f();\nalter table public.t drop column c, drop column keep;\n"
                 "drop table public.t;\n")
    judge = new_objects.Judge([old, up], [])
    verdict = {text: judge.harmless(down, True, rule, *position(down, text)) for text, rule in (
        ("drop function", "ban-drop-function"), ("drop column c", "ban-drop-column"),
        ("drop column keep", "ban-drop-column"), ("drop table", "ban-drop-table"))}
    assert verdict == {"drop function": True, "drop column c": True, "drop column keep": False,
                       "drop table": False}
    assert not judge.harmless(up, False, "ban-drop-table", 0, 0)  # not a drop: nothing to excuse


def test_in_a_promotion_what_an_earlier_pending_file_made_is_new(tmp_path):
    first = write(tmp_path, "supabase/migrations/1_a.sql", "create function public.f() returns int language sql as 'select 1';\n")
    second = write(tmp_path, "supabase/migrations/2_b.sql", "drop function public.f();\n")
    assert new_objects.Judge([first, second], [first, second]).harmless(second, False, "ban-drop-function", 0, 0)
    assert not new_objects.Judge([first, second], []).harmless(second, False, "ban-drop-function", 0, 0)


def test_every_rule_has_a_class_and_the_unknown_ones_stay_errors():
    assert squawk_rules.level("ban-create-domain-with-constraint") == "warn"
    assert squawk_rules.level("prefer-text-field") == "warn"
    assert squawk_rules.level("ban-drop-table") == "error" and squawk_rules.on_existing_only("ban-drop-table")
    assert squawk_rules.level("a-rule-of-a-newer-squawk") == "error"
    assert not squawk_rules.on_existing_only("a-rule-of-a-newer-squawk")
    assert set(squawk_rules.HARNESS_SETS) == {"require-timeout-settings", "require-lock-timeout",
                                              "require-statement-timeout"}
