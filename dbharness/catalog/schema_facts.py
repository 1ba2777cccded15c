"""The facts of a migrated schema that a test suite should pin, read from the catalog.

A fact is one thing a migration decides: a table, a column, its type, nullability and default
(three facts), a foreign key, an index, a check, unique or primary key constraint, the RLS flag,
a policy, an API role's table privileges and column privileges, a function, a trigger, and a
comment where the project requires one.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbharness.catalog.snapshot import NOT_EXTENSION
from dbharness.pg import psycopg

API_ROLES = ("anon", "authenticated", "service_role")


@dataclass(frozen=True)
class Fact:
    """One pinnable fact: its kind, the object it belongs to, the table (if any), what it is."""

    kind: str
    key: str
    table: str = ""
    columns: tuple[str, ...] = ()
    detail: str = ""
    # The names the key is made of, unsplit (a policy's name may hold a period): (schema, table,
    # object) for what belongs to a table, (schema, table) for a table, (schema, function) for a
    # function, (schema, table, column, role) for a column privilege.
    parts: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """'kind key', the name coverage reports and exclusions use."""
        return f"{self.kind} {self.key}"


_TABLES = f"""
  select n.nspname, c.relname, c.oid, c.relrowsecurity, obj_description(c.oid, 'pg_class')
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any(%s) and c.relkind in ('r', 'p') and {NOT_EXTENSION.format(oid='c.oid')}
  order by 1, 2"""
_COLUMNS = """
  select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
         col_description(a.attrelid, a.attnum), a.attacl is not null
  from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  where a.attrelid = %s and a.attnum > 0 and not a.attisdropped order by a.attnum"""
_CONSTRAINTS = """
  select k.contype, k.conname, pg_get_constraintdef(k.oid),
         array(select a.attname from unnest(k.conkey) with ordinality u(n, i)
               join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n order by u.i)
  from pg_constraint k where k.conrelid = %s and k.contype in ('c', 'f', 'u', 'p') order by k.conname"""
_INDEXES = """
  select c.relname, pg_get_indexdef(i.indexrelid), i.indisunique,
         array(select a.attname from unnest(i.indkey) with ordinality u(n, o)
               join pg_attribute a on a.attrelid = i.indrelid and a.attnum = u.n order by u.o)
  from pg_index i join pg_class c on c.oid = i.indexrelid
  where i.indrelid = %s and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
  order by 1"""
_POLICIES = "select polname from pg_policy where polrelid = %s order by 1"
_TRIGGERS = "select tgname from pg_trigger where tgrelid = %s and not tgisinternal order by 1"
_FUNCTIONS = f"""
  select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
         p.prosecdef, coalesce(array_to_string(p.proconfig, ','), ''), n.nspname, p.proname
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname = any(%s) and {NOT_EXTENSION.format(oid='p.oid')} order by 1"""
KIND_OF_CONSTRAINT = {"c": "check", "f": "foreign_key", "u": "unique", "p": "primary_key"}


def _table_facts(conn: psycopg.Connection, nsp: str, rel: str, oid: int, rls: bool,
                 comment: str | None, comments: bool) -> list[Fact]:
    name, table = f"{nsp}.{rel}", (nsp, rel)
    facts = [Fact("table", name, name, parts=table), Fact("rls", name, name, detail=str(rls), parts=table)]
    if comments and comment:
        facts.append(Fact("comment", name, name, detail=comment, parts=table))
    for col, typ, notnull, default, col_comment, _has_acl in conn.execute(_COLUMNS, (oid,)).fetchall():
        key, parts = f"{name}.{col}", (*table, col)
        facts += [Fact("column", key, name, (col,), parts=parts), Fact("type", key, name, (col,), typ, parts),
                  Fact("nullability", key, name, (col,), "not null" if notnull else "null", parts)]
        if default is not None:
            facts.append(Fact("default", key, name, (col,), default, parts))
        if comments and col_comment:
            facts.append(Fact("comment", key, name, (col,), col_comment, parts))
    for contype, conname, definition, cols in conn.execute(_CONSTRAINTS, (oid,)).fetchall():
        facts.append(Fact(KIND_OF_CONSTRAINT[contype], f"{name}.{conname}", name, tuple(cols), definition,
                          (*table, conname)))
    for idx, definition, unique, cols in conn.execute(_INDEXES, (oid,)).fetchall():
        detail = definition + (" unique" if unique else "")
        facts.append(Fact("index", f"{nsp}.{idx}", name, tuple(cols), detail, (*table, idx)))
    facts += [Fact("policy", f"{name}.{p}", name, parts=(*table, p))
              for (p,) in conn.execute(_POLICIES, (oid,)).fetchall()]
    facts += [Fact("trigger", f"{name}.{t}", name, parts=(*table, t))
              for (t,) in conn.execute(_TRIGGERS, (oid,)).fetchall()]
    return facts


def _privileges(conn: psycopg.Connection, nsp: str, rel: str, oid: int) -> list[Fact]:
    name = f"{nsp}.{rel}"
    facts = []
    for role in API_ROLES:
        if conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone() is None:
            continue
        facts.append(Fact("privilege", f"{name}:{role}", name, detail=role, parts=(nsp, rel, role)))
        rows = conn.execute(
            "select a.attname from pg_attribute a, aclexplode(a.attacl) x "
            "where a.attrelid = %s and x.grantee = %s::regrole group by a.attname order by 1", (oid, role))
        facts += [Fact("column_privilege", f"{name}.{col}:{role}", name, (col,), role, (nsp, rel, col, role))
                  for (col,) in rows]
    return facts


def read(conn: psycopg.Connection, schemas: tuple[str, ...], comments: bool) -> list[Fact]:
    """Every fact of the user schemas, in a stable order."""
    facts: list[Fact] = []
    for nsp, rel, oid, rls, comment in conn.execute(_TABLES, (list(schemas),)).fetchall():
        facts += _table_facts(conn, nsp, rel, oid, rls, comment, comments) + _privileges(conn, nsp, rel, oid)
    for signature, definer, config, nsp, fname in conn.execute(_FUNCTIONS, (list(schemas),)).fetchall():
        facts.append(Fact("function", signature, detail=f"definer={definer} {config}".strip(),
                          parts=(nsp, fname)))
    return facts
