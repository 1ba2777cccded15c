"""Supabase security checks on a migrated database: each rule is one query of the catalog."""

from __future__ import annotations

from dataclasses import dataclass

from dbharness.catalog.snapshot import NOT_EXTENSION
from dbharness.hosted.rules import PLATFORM_SCHEMAS
from dbharness.pg import psycopg


@dataclass(frozen=True)
class Rule:
    """A catalog check: its name, level, the query returning (object, detail), and the fix."""

    name: str
    level: str  # the default: the advisor's level where there is an advisor (README: lint)
    query: str
    fix: str
    advisor: str = ""  # Supabase's database advisor (splinter) lint for the same problem


_PUBLIC_TABLES = f"""
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind in ('r', 'p')
    and {NOT_EXTENSION.format(oid="c.oid")}
"""
_POLICIES = f"""
  from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
  where n.nspname not in ('pg_catalog', 'information_schema', 'tests', 'extensions', 'supabase_migrations')
    and {NOT_EXTENSION.format(oid="c.oid")}
"""
_NAME = "n.nspname || '.' || c.relname"
# A column whose comment says "Backend-only" is written by service_role alone (README: lint).
BACKEND_ONLY = "backend-only"
_NOT_PLATFORM = ", ".join(f"'{s}'" for s in ("pg_catalog", "tests", *PLATFORM_SCHEMAS))
# detail and condition are filled in per rule
_DEFINER = """
  select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
         '{detail}'
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname not in (""" + _NOT_PLATFORM + """)
    and p.prosecdef and {condition}"""
# Trigger and event-trigger functions cannot be called directly, whoever holds EXECUTE.
_CALLABLE = "p.prorettype not in ('trigger'::regtype, 'event_trigger'::regtype)"

RULES: tuple[Rule, ...] = (
    Rule("table-without-rls", "error",
         f"select {_NAME}, 'row-level security is disabled' {_PUBLIC_TABLES} and not c.relrowsecurity",
         "alter table ... enable row level security, then add policies",
         advisor="rls_disabled_in_public"),
    Rule("policy-always-true", "warn", f"""
      select {_NAME} || '.' || p.polname,
             'allows ' || case p.polcmd when '*' then 'all' when 'a' then 'insert' when 'w' then 'update'
                          else 'delete' end || ' to every row'
      {_POLICIES} and p.polcmd in ('*', 'a', 'w', 'd')
        and (pg_get_expr(p.polqual, p.polrelid) = 'true' or pg_get_expr(p.polwithcheck, p.polrelid) = 'true')
        and not (p.polroles = array[(select oid from pg_roles where rolname = 'service_role')]::oid[])""",
         "restrict the policy to service_role or write a real condition",
         advisor="rls_policy_always_true"),
    # No advisor counterpart; a warning by default: without TO, anon is only kept out by the
    # condition (auth.uid() is null for anon), as in Supabase's own examples.
    Rule("policy-without-roles", "warn", f"""
      select {_NAME} || '.' || p.polname, 'has no TO list, so anon may write through it too'
      {_POLICIES} and p.polroles = array[0]::oid[] and p.polcmd <> 'r'""",
         "add TO authenticated (or the roles it is meant for)"),
    # Reading for everyone is often the point (a public bucket, a catalogue): a warning only.
    # Info by default: Supabase's own guides write public select policies without a TO list.
    Rule("select-policy-without-roles", "info", f"""
      select {_NAME} || '.' || p.polname, 'has no TO list, so anon reads through it too'
      {_POLICIES} and p.polroles = array[0]::oid[] and p.polcmd = 'r'""",
         "add TO authenticated, or TO anon, authenticated to say that public reading is meant"),
    Rule("view-without-security-invoker", "error", f"""
      select {_NAME}, 'runs with its owner''s rights and bypasses RLS'
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('v', 'm')
        and not coalesce('security_invoker=true' = any(c.reloptions)
                         or 'security_invoker=on' = any(c.reloptions), false)""",
         "create view ... with (security_invoker = true)",
         advisor="security_definer_view"),
    Rule("security-definer-search-path", "warn", _DEFINER.format(
        detail="SECURITY DEFINER without a fixed search_path",
        condition="not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) s "
                  "where s like 'search_path=%')"),
         "add SET search_path = '' and schema-qualify every name in the body",
         advisor="function_search_path_mutable"),
    Rule("security-definer-anon-execute", "warn", _DEFINER.format(
        detail="SECURITY DEFINER function executable by anon",
        condition=f"has_function_privilege('anon', p.oid, 'execute') and {_CALLABLE}"),
         "revoke execute on function ... from anon, public",
         advisor="anon_security_definer_function_executable"),
    # Info by default: Supabase's default privileges grant it on every new table of every project,
    # and PostgREST never truncates, so only SQL run as an API role could use it. One finding per
    # table (naming the roles), not one per role.
    Rule("truncate-granted-to-api-role", "info", f"""
      select {_NAME}, string_agg(r.rolname, ' and ' order by r.rolname)
               || ' may TRUNCATE it, which bypasses row-level security'
      {_PUBLIC_TABLES.replace("where", "join pg_roles r on r.rolname in ('anon', 'authenticated') where", 1)}
        and has_table_privilege(r.oid, c.oid, 'TRUNCATE')
      group by 1""",
         "revoke truncate on table ... from anon, authenticated"),
    Rule("backend-columns-table-wide-write", "warn", f"""
      select {_NAME}, 'authenticated may ' || concat_ws(' and ',
               case when has_table_privilege(r.oid, c.oid, 'INSERT') then 'INSERT' end,
               case when has_table_privilege(r.oid, c.oid, 'UPDATE') then 'UPDATE' end)
             || ' every column, the backend-only ones included: '
             || (select string_agg(a.attname, ', ' order by a.attnum) from pg_attribute a
                 where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                   and col_description(c.oid, a.attnum) ~* '{BACKEND_ONLY}')
      {_PUBLIC_TABLES.replace("where", "join pg_roles r on r.rolname = 'authenticated' where", 1)}
        and (has_table_privilege(r.oid, c.oid, 'INSERT') or has_table_privilege(r.oid, c.oid, 'UPDATE'))
        and exists (select 1 from pg_policy p where p.polrelid = c.oid and p.polcmd in ('*', 'a', 'w')
                    and (p.polroles && array[0, r.oid]::oid[]))
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attnum > 0
                    and not a.attisdropped and col_description(c.oid, a.attnum) ~* '{BACKEND_ONLY}')""",
         "revoke insert, update on the table from authenticated, then grant them on the columns a "
         "person edits"),
    Rule("foreign-key-without-index", "info", f"""
      select {_NAME} || '.' || k.conname,
             'no index starts with (' || (select string_agg(a.attname, ', ' order by u.i)
               from unnest(k.conkey) with ordinality u(attnum, i)
               join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum) || ')'
      from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where k.contype = 'f' and n.nspname = 'public'
        and not exists (select 1 from pg_index i where i.indrelid = k.conrelid
          and (i.indkey::int2[])[0:array_length(k.conkey, 1) - 1] = k.conkey)""",
         "create index on the referencing columns (deletes of the parent scan the child otherwise)",
         advisor="unindexed_foreign_keys"),
    Rule("policy-auth-call-per-row", "warn", f"""
      select {_NAME} || '.' || p.polname, 'calls auth.uid()/auth.jwt() once per row'
      {_POLICIES} and (
        regexp_replace(coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' '
                       || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''),
                       '\\(\\s*SELECT\\s+auth\\.(uid|jwt|role|email)\\(\\)[^)]*\\)', '', 'gi')
        ~* 'auth\\.(uid|jwt)\\(\\)')""",
         "wrap the call: (select auth.uid())",
         advisor="auth_rls_initplan"),
    Rule("rls-without-policy", "info",
         f"select {_NAME}, 'RLS enabled but no policy: only service_role and owners reach it' "
         f"{_PUBLIC_TABLES} and c.relrowsecurity "
         "and not exists (select 1 from pg_policy p where p.polrelid = c.oid)",
         "add a policy, or note that the table is service_role-only",
         advisor="rls_enabled_no_policy"),
    Rule("timestamp-without-time-zone", "warn", """
      select n.nspname || '.' || c.relname || '.' || a.attname, 'timestamp without time zone'
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm') and a.attnum > 0
        and not a.attisdropped and a.atttypid = 'timestamp'::regtype""",
         "use timestamptz"),
)


def run(conn: psycopg.Connection) -> list[tuple[Rule, str, str]]:
    """Every (rule, object, detail) the catalog shows."""
    found = []
    for rule in RULES:
        for obj, detail in conn.execute(rule.query).fetchall():
            found.append((rule, obj, detail))
    return found
