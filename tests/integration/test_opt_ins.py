"""Every object an opt-in part of the platform provides (read from the `-- @provide` markers of
hosted/objects/*.sql) is named, with its setting, by the error a migration meets without it: a
missing schema, function, table or type, on a real database that lacks the part."""

from __future__ import annotations

import psycopg
import pytest

from dbharness.builder import opt_ins
from dbharness.hosted import compat

HINT = ("is provided by the opt-in 'webhooks' (dbharness/hosted/objects/06_functions.sql): the throwaway "
        "database has it when [tool.dbharness] sets webhooks = true, a Supabase project when webhooks is "
        "turned on for it")


def test_what_the_opt_in_parts_provide_comes_from_their_markers():
    sections = [s for s in compat.sections() if s.option]
    assert sections, "the harness models at least one opt-in part"
    for section in sections:
        if section.kind in ("schema", "table", "function"):
            name = section.args[0].split("(")[0]
            key = {"schema": "schema", "table": "relation", "function": "function"}[section.kind]
            assert opt_ins.provided()[f"{key} {name}"][0] == section.option


@pytest.mark.parametrize("setup, sql, named", [
    ("", "create trigger h after insert on public.h for each row "
         "execute function supabase_functions.http_request('https://x', 'POST')", "supabase_functions"),
    ("", "select net.http_post('https://x')", "net"),
    ("", "insert into supabase_functions.hooks (hook_table_id, hook_name) values (1, 'x')",
     "supabase_functions.hooks"),
    ("create schema supabase_functions", "create trigger h after insert on public.h for each row "
                                         "execute function supabase_functions.http_request('https://x')",
     "supabase_functions.http_request"),
    ("create schema supabase_functions", "create table public.k (h supabase_functions.hooks)",
     "supabase_functions.hooks"),
    ("create schema supabase_functions", "select * from supabase_functions.migrations",
     "supabase_functions.migrations"),
])
def test_a_missing_opt_in_object_is_named_with_its_setting(fresh_db, setup, sql, named):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("create table public.h (id int)")
        if setup:
            conn.execute(setup)
        with pytest.raises(psycopg.Error) as err:
            conn.execute(sql)
    assert opt_ins.hint(err.value) == f"{named} {HINT}"


def test_other_missing_objects_get_no_hint(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn, pytest.raises(psycopg.Error) as err:
        conn.execute("select * from public.nope")
    assert opt_ins.hint(err.value) is None
