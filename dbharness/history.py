"""The Supabase CLI's history table, supabase_migrations.schema_migrations, read and written."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from dbharness.migrations import MigrationFile

CREATE_SQL = (
    "create schema if not exists supabase_migrations",
    "create table if not exists supabase_migrations.schema_migrations "
    "(version text not null primary key)",
    "alter table supabase_migrations.schema_migrations add column if not exists statements text[]",
    "alter table supabase_migrations.schema_migrations add column if not exists name text",
)


@dataclass(frozen=True)
class HistoryRow:
    """One applied version as the database recorded it."""

    version: str
    name: str | None
    statements: list[str] | None


def ensure_table(conn: psycopg.Connection) -> None:
    """Create the schema and table exactly as the Supabase CLI does, when missing."""
    exists = conn.execute(
        "select to_regclass('supabase_migrations.schema_migrations') is not null").fetchone()
    if exists and exists[0]:
        return
    with conn.transaction():
        for sql in CREATE_SQL:
            conn.execute(sql)


def read(conn: psycopg.Connection) -> dict[str, HistoryRow]:
    """Every recorded version, keyed by version."""
    rows = conn.execute(
        "select version, name, statements from supabase_migrations.schema_migrations "
        "order by version").fetchall()
    return {r[0]: HistoryRow(r[0], r[1], r[2]) for r in rows}


def statements_of(mf: MigrationFile) -> list[str]:
    """The statements recorded for a file: its parsed statements' text, as the CLI stores them."""
    return [s.sql for s in mf.statements]


def record(conn: psycopg.Connection, mf: MigrationFile) -> None:
    """Insert the history row of an applied file (inside the caller's transaction)."""
    conn.execute(
        "insert into supabase_migrations.schema_migrations (version, name, statements) "
        "values (%s, %s, %s)", (mf.version, mf.name, statements_of(mf)))


def forget(conn: psycopg.Connection, version: str) -> None:
    """Delete the history row of a rolled-back version (inside the caller's transaction)."""
    conn.execute("delete from supabase_migrations.schema_migrations where version = %s", (version,))
