"""A comparable picture of the catalog of the user schemas, and a fingerprint of table data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from dbharness.pg import psycopg
from dbharness.pg import sql as psql

# The harness's own schemas and PostgreSQL's are never part of the picture.
EXCLUDED_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", "supabase_migrations",
                    "tests", "extensions")

_SCHEMAS = """
  n.nspname not in ({excluded}) and n.nspname not like 'pg_temp_%' and n.nspname not like 'pg_toast_temp_%'
"""

_ACL = "(select coalesce(string_agg(a.txt, ', ' order by a.txt), '') from (select " \
    "coalesce(nullif(x.grantee::regrole::text, '-'), 'PUBLIC') || ':' || x.privilege_type " \
    "|| case when x.is_grantable then '*' else '' end as txt from aclexplode({col}) x " \
    "where x.grantee <> x.grantor) a)"

# Objects an extension created are the extension's, not the project's (shared by the catalog readers).
NOT_EXTENSION = "not exists (select 1 from pg_depend d where d.objid = {oid} and d.deptype = 'e')"

QUERIES: dict[str, str] = {
    "schema": f"""
      select n.nspname, json_build_object('owner', n.nspowner::regrole::text,
        'privileges', {_ACL.format(col='n.nspacl')}, 'comment', obj_description(n.oid, 'pg_namespace'))
      from pg_namespace n where {_SCHEMAS}""",
    "relation": f"""
      select n.nspname || '.' || c.relname, json_build_object(
        'kind', c.relkind, 'rls enabled', c.relrowsecurity, 'rls forced', c.relforcerowsecurity,
        'options', c.reloptions, 'privileges', {_ACL.format(col='c.relacl')},
        'replica identity', case when c.relkind in ('r', 'p') then c.relreplident end,
        'comment', obj_description(c.oid, 'pg_class'),
        'view definition', case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end)
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where {_SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'f') and {NOT_EXTENSION.format(oid='c.oid')}""",
    "column": f"""
      select n.nspname || '.' || c.relname || '.' || a.attname, json_build_object(
        'position', row_number() over (partition by c.oid order by a.attnum),
        'type', format_type(a.atttypid, a.atttypmod), 'not null', a.attnotnull,
        'default', pg_get_expr(d.adbin, d.adrelid), 'identity', a.attidentity,
        'generated', a.attgenerated, 'collation', a.attcollation::regcollation::text,
        'privileges', {_ACL.format(col='a.attacl')}, 'comment', col_description(c.oid, a.attnum))
      from pg_attribute a join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where {_SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0
        and not a.attisdropped and {NOT_EXTENSION.format(oid='c.oid')}""",
    "constraint": f"""
      select n.nspname || '.' || coalesce(c.relname, t.typname) || '.' || k.conname, json_build_object(
        'type', k.contype, 'definition', pg_get_constraintdef(k.oid), 'validated', k.convalidated,
        'deferrable', k.condeferrable, 'deferred', k.condeferred,
        'comment', obj_description(k.oid, 'pg_constraint'))
      from pg_constraint k join pg_namespace n on n.oid = k.connamespace
      left join pg_class c on c.oid = k.conrelid left join pg_type t on t.oid = k.contypid
      where {_SCHEMAS}""",
    "index": f"""
      select n.nspname || '.' || c.relname, json_build_object(
        'table', i.indrelid::regclass::text, 'definition', pg_get_indexdef(i.indexrelid),
        'valid', i.indisvalid, 'ready', i.indisready, 'unique', i.indisunique,
        'primary', i.indisprimary, 'comment', obj_description(c.oid, 'pg_class'))
      from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
      where {_SCHEMAS} and {NOT_EXTENSION.format(oid='i.indrelid')}""",
    "policy": f"""
      select n.nspname || '.' || c.relname || '.' || p.polname, json_build_object(
        'command', p.polcmd, 'permissive', p.polpermissive,
        'roles', (select string_agg(x.name, ', ' order by x.name)  -- a set: the order written is lost
                  from (select case r when 0 then 'public' else r::regrole::text end
                        from unnest(p.polroles) r) x(name)),
        'using', pg_get_expr(p.polqual, p.polrelid), 'with check', pg_get_expr(p.polwithcheck, p.polrelid),
        'comment', obj_description(p.oid, 'pg_policy'))
      from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
      where {_SCHEMAS}""",
    "function": f"""
      select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
        json_build_object('definition', pg_get_functiondef(p.oid), 'security definer', p.prosecdef,
          'config', p.proconfig, 'privileges', {_ACL.format(col='p.proacl')},
          'comment', obj_description(p.oid, 'pg_proc'))
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where {_SCHEMAS} and p.prokind in ('f', 'p', 'w') and {NOT_EXTENSION.format(oid='p.oid')}""",
    "trigger": f"""
      select n.nspname || '.' || c.relname || '.' || t.tgname, json_build_object(
        'definition', pg_get_triggerdef(t.oid), 'enabled', t.tgenabled,
        'comment', obj_description(t.oid, 'pg_trigger'))
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where {_SCHEMAS} and not t.tgisinternal""",
    "sequence": f"""
      select n.nspname || '.' || c.relname, json_build_object(
        'type', s.seqtypid::regtype::text, 'start', s.seqstart, 'increment', s.seqincrement,
        'min', s.seqmin, 'max', s.seqmax, 'cycle', s.seqcycle, 'cache', s.seqcache,
        'privileges', {_ACL.format(col='c.relacl')}, 'comment', obj_description(c.oid, 'pg_class'))
      from pg_sequence s join pg_class c on c.oid = s.seqrelid join pg_namespace n on n.oid = c.relnamespace
      where {_SCHEMAS} and {NOT_EXTENSION.format(oid='c.oid')}""",
    "type": f"""
      select n.nspname || '.' || t.typname, json_build_object(
        'kind', t.typtype,
        'labels', (select string_agg(e.enumlabel, ', ' order by e.enumsortorder)
                   from pg_enum e where e.enumtypid = t.oid),
        'base type', case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end,
        'default', pg_get_expr(t.typdefaultbin, 0), 'not null', t.typnotnull,
        'attributes', (select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                                         order by a.attnum)
                       from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0
                         and not a.attisdropped),
        'comment', obj_description(t.oid, 'pg_type'))
      from pg_type t join pg_namespace n on n.oid = t.typnamespace
      where {_SCHEMAS} and t.typtype in ('e', 'd', 'c')
        and not exists (select 1 from pg_class c where c.oid = t.typrelid and c.relkind <> 'c')
        and {NOT_EXTENSION.format(oid='t.oid')}""",
}


def _excluded_sql() -> str:
    return ", ".join(f"'{s}'" for s in EXCLUDED_SCHEMAS)


Snapshot = dict[str, dict[str, object]]


def take(conn: psycopg.Connection) -> Snapshot:
    """Every object of the user schemas, keyed '<kind> <qualified name>', with its properties."""
    picture: Snapshot = {}
    for kind, query in QUERIES.items():
        for name, props in conn.execute(query.format(excluded=_excluded_sql())).fetchall():
            picture[f"{kind} {name}"] = props
    return picture


@dataclass
class TableData:
    """Row count, the row hashes over chosen columns, and hashes keyed by primary key."""

    columns: list[str]
    rows: Counter[str] = field(default_factory=Counter)
    by_key: dict[str, str] = field(default_factory=dict)


Fingerprint = dict[str, TableData]


def _primary_key(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
        "and a.attnum = any(i.indkey) where i.indrelid = %s::regclass and i.indisprimary "
        "order by array_position(i.indkey, a.attnum)", (table,)).fetchall()
    return [r[0] for r in rows]


def _table_data(conn: psycopg.Connection, table: str, columns: list[str]) -> TableData:
    schema, name = table.split(".", 1)
    cols = psql.SQL(", ").join(psql.Identifier(c) for c in columns)
    key = _primary_key(conn, table)
    key_sql = psql.SQL("row({})::text").format(
        psql.SQL(", ").join(psql.Identifier(c) for c in key)) if key else psql.SQL("null")
    query = psql.SQL("select {}, md5(row({})::text) from {}.{}").format(
        key_sql, cols, psql.Identifier(schema), psql.Identifier(name))
    data = TableData(columns)
    for pk, digest in conn.execute(query).fetchall():
        data.rows[digest] += 1
        if pk is not None:
            data.by_key[pk] = digest
    return data


def fingerprint(conn: psycopg.Connection, picture: Snapshot,
                columns_from: Snapshot | None = None) -> Fingerprint:
    """Data of every table in picture, over the columns it had in columns_from (default: picture)."""
    source = columns_from or picture
    tables = [k.split(" ", 1)[1] for k, v in picture.items()
              if k.startswith("relation ") and v.get("kind") in ("r", "p")]
    result: Fingerprint = {}
    for table in sorted(tables):
        cols = [k.split(" ", 1)[1][len(table) + 1:] for k in sorted(
            source, key=lambda k: int(str(source[k].get("position", 0))))
            if k.startswith(f"column {table}.")]
        if cols:
            result[table] = _table_data(conn, table, cols)
    return result


def data_losses(before: Fingerprint, conn: psycopg.Connection) -> list[str]:
    """Pre-existing rows that are gone or changed in their pre-existing columns."""
    problems: list[str] = []
    for table, old in before.items():
        exists = conn.execute("select to_regclass(%s) is not null", (table,)).fetchone()
        if not exists or not exists[0]:
            problems.append(f"{table}: table is gone with its {sum(old.rows.values())} rows")
            continue
        try:
            new = _table_data(conn, table, old.columns)
        except psycopg.errors.UndefinedColumn as exc:
            if not conn.autocommit:
                conn.rollback()
            problems.append(f"{table}: a pre-existing column is gone ({exc.diag.message_primary})")
            continue
        missing = old.rows - new.rows
        if not missing:
            continue
        changed = [k for k, h in old.by_key.items() if h in missing and k in new.by_key]
        deleted = [k for k, h in old.by_key.items() if h in missing and k not in new.by_key]
        detail = []
        if changed:
            detail.append(f"{len(changed)} changed (keys {', '.join(sorted(changed)[:5])})")
        if deleted:
            detail.append(f"{len(deleted)} deleted (keys {', '.join(sorted(deleted)[:5])})")
        problems.append(f"{table}: {sum(missing.values())} of {sum(old.rows.values())} pre-existing rows "
                        f"lost or altered in columns {', '.join(old.columns)}"
                        + (f": {'; '.join(detail)}" if detail else ""))
    return problems
