"""Synthetic pgTAP files for the scale benchmark, written from the project's own catalog: twelve
assertions of the kinds a real suite makes (structure, data, errors) on its widest table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dbharness.pg import psycopg

WIDEST_TABLE = """
select n.nspname, c.relname, c.oid
from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and n.nspname = any(%s)
  and not exists (select 1 from pg_catalog.pg_depend d where d.objid = c.oid and d.deptype = 'e')
order by (select count(*) from pg_catalog.pg_attribute a
          where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) desc, n.nspname, c.relname
limit 1"""
COLUMNS = """
select attname, pg_catalog.format_type(atttypid, atttypmod), attnotnull, atthasdef
from pg_catalog.pg_attribute where attrelid = %s and attnum > 0 and not attisdropped order by attnum"""

INDEX = """
select i.relname from pg_catalog.pg_index x join pg_catalog.pg_class i on i.oid = x.indexrelid
where x.indrelid = %s order by i.relname limit 1"""


@dataclass(frozen=True)
class Subject:
    """The table the synthetic files assert on, as the catalog describes it."""

    schema: str
    table: str
    columns: list[tuple[str, str, bool, bool]]  # name, type, not null, has a default
    index: str | None
    rows: int


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def subject(conn: psycopg.Connection, schemas: tuple[str, ...]) -> Subject | None:
    """The widest table of the project's schemas (None when it has no table)."""
    found = conn.execute(WIDEST_TABLE, (list(schemas),)).fetchone()
    if found is None:
        return None
    schema, table, oid = found
    columns = [tuple(r) for r in conn.execute(COLUMNS, (oid,)).fetchall()]
    index = conn.execute(INDEX, (oid,)).fetchone()
    rows = conn.execute(f"select count(*) from {_ident(schema)}.{_ident(table)}").fetchone()
    return Subject(schema, table, columns, index[0] if index else None, int(rows[0]) if rows else 0)


def _structure(s: Subject) -> list[str]:
    first = s.columns[0]
    last = s.columns[-1]
    where = f"{_lit(s.schema)}, {_lit(s.table)}"
    null = "col_not_null" if last[2] else "col_is_null"
    default = "col_has_default" if last[3] else "col_hasnt_default"
    index = (f"select has_index({where}, {_lit(s.index)}, 'index {{n}}');" if s.index
             else f"select hasnt_index({where}, 'no_such_index', 'index {{n}}');")
    return [f"select has_table({where}, 'table exists {{n}}');",
            f"select has_column({where}, {_lit(first[0])}, 'column exists {{n}}');",
            f"select col_type_is({where}, {_lit(first[0])}, {_lit(first[1])}, 'type {{n}}');",
            f"select {null}({where}, {_lit(last[0])}, 'nullability {{n}}');",
            f"select {default}({where}, {_lit(last[0])}, 'default {{n}}');",
            index]


def _behaviour(s: Subject) -> list[str]:
    name = f"{_ident(s.schema)}.{_ident(s.table)}"
    return [f"select is((select count(*)::int from {name}), {s.rows}, 'count {{n}}');",
            "select ok({n} >= 0, 'arithmetic {n}');",
            f"select lives_ok($$select 1 from {name} limit 1$$, 'select {{n}}');",
            "select throws_ok($$select 1 from public.dbharness_no_such_table_{n}$$, '42P01', null,"
            " 'error {n}');",
            "select results_eq($$select 1$$, $$values (1)$$, 'results {n}');",
            f"select has_schema({_lit(s.schema)}, 'schema {{n}}');"]


def template(s: Subject | None) -> str:
    """A pgTAP file with `{n}` where its number goes: 12 assertions on the subject (generic ones
    when the project has no table)."""
    if s is None:
        body = [f"select ok({{n}} + {i} >= 0, 'generic {i} of {{n}}');" for i in range(12)]
    else:
        body = _structure(s) + _behaviour(s)
    return "\n".join(["-- synthetic benchmark file {n}", "begin;", "select plan(12);", *body,
                      "select * from finish();", "rollback;", ""])


def write(directory: Path, text: str, count: int) -> list[Path]:
    """count files numbered from 0, each the template with its number."""
    paths = []
    for i in range(count):
        path = directory / f"synthetic_{i:04d}.test.sql"
        path.write_text(text.replace("{n}", str(i)))
        paths.append(path)
    return paths
