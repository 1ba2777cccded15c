"""The rows of every table of a database, saved with COPY and put back as they were: so a check
that rolls migrations back and up again can run the pgTAP suite on the rows the build left (a
rollback drops the seed's rows with its tables, and the re-applied tables come back empty)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dbharness.catalog import snapshot
from dbharness.pg import psycopg
from dbharness.pg import sql as psql

SEQUENCES = """
  select n.nspname, c.relname, pg_catalog.pg_sequence_last_value(c.oid)
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind = 'S' and n.nspname not in ({excluded})"""


@dataclass
class Saved:
    """COPY data per table (with the columns it holds), and every sequence's value."""

    tables: dict[tuple[str, str], tuple[list[str], bytes]] = field(default_factory=dict)
    sequences: dict[tuple[str, str], int | None] = field(default_factory=dict)


def _position(props: dict[str, object]) -> int:
    value = props.get("position")
    return value if isinstance(value, int) else 0


def _tables(picture: snapshot.Snapshot) -> dict[tuple[str, str], list[str]]:
    """Plain tables (partitions included, partitioned parents not) and their stored columns."""
    found: dict[tuple[str, str], list[str]] = {}
    for key, props in picture.items():
        if key.startswith("relation ") and props.get("kind") == "r":
            schema, name = key.split(" ", 1)[1].split(".", 1)
            prefix = f"column {schema}.{name}."
            cols = sorted((k for k, v in picture.items() if k.startswith(prefix) and not v.get("generated")),
                          key=lambda k: _position(picture[k]))
            found[(schema, name)] = [k[len(prefix):] for k in cols]
    return found


def _target(schema: str, name: str, cols: list[str]) -> psql.Composed:
    return psql.SQL("{}.{} ({})").format(psql.Identifier(schema), psql.Identifier(name),
                                         psql.SQL(", ").join(psql.Identifier(c) for c in cols))


def save(admin: psycopg.Connection, picture: snapshot.Snapshot) -> Saved:
    """Every row of every table in picture, and every sequence's value (admin: a superuser, who
    reads past row-level security)."""
    saved = Saved()
    with admin.cursor() as cur:
        for (schema, name), cols in _tables(picture).items():
            if not cols:
                continue
            with cur.copy(psql.SQL("copy {} to stdout").format(_target(schema, name, cols))) as copy:
                saved.tables[(schema, name)] = (cols, b"".join(bytes(chunk) for chunk in copy))
    excluded = ", ".join(f"'{s}'" for s in snapshot.EXCLUDED_SCHEMAS)
    for schema, name, value in admin.execute(SEQUENCES.format(excluded=excluded)).fetchall():
        saved.sequences[(schema, name)] = value  # None: never used
    return saved


def _columns(cur: psycopg.Cursor, schema: str, name: str) -> set[str] | None:
    """The stored columns a table has now, or None when it is gone."""
    found = cur.execute(
        "select a.attname from pg_catalog.pg_attribute a where a.attrelid = "
        "to_regclass(format('%%I.%%I', %s::text, %s::text)) and a.attnum > 0 and not a.attisdropped "
        "and a.attgenerated = ''", (schema, name)).fetchall()
    return {r[0] for r in found} or None


def restore(admin: psycopg.Connection, saved: Saved) -> int:
    """Put the saved rows back in place of what the tables hold now, with triggers and foreign
    key checks off (session_replication_role = replica: the rows were consistent when saved), and
    set the sequences back; returns the number of tables rewritten (a table that is gone, or
    lacks a saved column, is left as it is: the schema comparison says why)."""
    rewritten = 0
    with admin.transaction(), admin.cursor() as cur:
        cur.execute("set local session_replication_role = replica")
        for (schema, name), (cols, data) in saved.tables.items():
            if not set(cols) <= (_columns(cur, schema, name) or set()):
                continue
            cur.execute(psql.SQL("delete from {}.{}").format(psql.Identifier(schema), psql.Identifier(name)))
            with cur.copy(psql.SQL("copy {} from stdin").format(_target(schema, name, cols))) as copy:
                copy.write(data)
            rewritten += 1
        for (schema, name), value in saved.sequences.items():
            if cur.execute("select to_regclass(format('%%I.%%I', %s::text, %s::text))",
                           (schema, name)).fetchone()[0] is not None:  # type: ignore[index]
                # a sequence never used goes back to its start, as it was
                cur.execute("select pg_catalog.setval(s.seqrelid, coalesce(%s, s.seqstart), %s) "
                            "from pg_catalog.pg_sequence s where s.seqrelid = "
                            "format('%%I.%%I', %s::text, %s::text)::regclass",
                            (value, value is not None, schema, name))
    return rewritten
