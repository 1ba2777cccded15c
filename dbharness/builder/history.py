"""The Supabase CLI's history table, supabase_migrations.schema_migrations, read and written."""

from __future__ import annotations

from dataclasses import dataclass

from dbharness.errors import PrerequisiteError
from dbharness.pg import psycopg
from dbharness.sql.cli_split import cli_statements
from dbharness.sql.migrations import MigrationFile
from dbharness.sql.statements import normalized

CREATE_SQL = (
    "create schema if not exists supabase_migrations",
    "create table if not exists supabase_migrations.schema_migrations "
    "(version text not null primary key)",
)
# The columns the CLI adds to an older table (only `version`), and how it adds them.
COMPLETE_SQL = {
    "statements": "alter table supabase_migrations.schema_migrations "
                  "add column if not exists statements text[]",
    "name": "alter table supabase_migrations.schema_migrations add column if not exists name text",
}


@dataclass(frozen=True)
class HistoryRow:
    """One applied version as the database recorded it."""

    version: str
    name: str | None
    statements: list[str] | None


def exists(conn: psycopg.Connection) -> bool:
    """True when the history table is there (read-only)."""
    row = conn.execute("select to_regclass('supabase_migrations.schema_migrations') is not null").fetchone()
    return bool(row and row[0])


def _columns(conn: psycopg.Connection) -> set[str]:
    return {r[0] for r in conn.execute(
        "select attname from pg_attribute where attnum > 0 and not attisdropped "
        "and attrelid = 'supabase_migrations.schema_migrations'::regclass")}


def ensure_table(conn: psycopg.Connection) -> None:
    """Create the schema and table as the Supabase CLI does, or complete an older CLI's table
    (only `version`) the way the CLI completes it; only ever called before writing, and a no-op
    (no ALTER, no lock) on a complete table."""
    with conn.transaction():
        present = _columns(conn) if exists(conn) else set()
        if not present:
            for sql in CREATE_SQL:
                conn.execute(sql)
        for column, sql in COMPLETE_SQL.items():
            if column not in present:
                conn.execute(sql)


def read(conn: psycopg.Connection) -> dict[str, HistoryRow]:
    """Every recorded version, keyed by version; nothing applied when there is no table. Read-only:
    an older CLI's table without `statements` or `name` is read as it is."""
    try:
        if not exists(conn):
            return {}
        columns = _columns(conn)
        name = "name" if "name" in columns else "null::text"
        statements = "statements" if "statements" in columns else "null::text[]"
        rows = conn.execute(f"select version, {name}, {statements} "  # noqa: S608 (fixed column names)
                            "from supabase_migrations.schema_migrations order by version").fetchall()
    except psycopg.Error as exc:
        why = (exc.diag.message_primary or str(exc)).strip()
        raise PrerequisiteError(
            f"cannot read supabase_migrations.schema_migrations: {why} (SQLSTATE {exc.sqlstate}); "
            "the role needs USAGE on the schema and SELECT on the table") from None
    return {r[0]: HistoryRow(r[0], r[1], r[2]) for r in rows}


def statements_of(mf: MigrationFile) -> list[str]:
    """The statements recorded for a file, byte for byte as the Supabase CLI records them."""
    return cli_statements(mf.text)


def same_statements(recorded: list[str] | None, mf: MigrationFile) -> bool:
    """True when a history row holds what the file would execute (rows of the CLI, of this
    harness and of its older versions alike); comments and layout do not count, edits do."""
    if not recorded:  # `supabase migration repair` records a version without its statements
        return True
    return normalized(recorded) == normalized(statements_of(mf))


INSERT_SQL = ("insert into supabase_migrations.schema_migrations (version, name, statements) "
              "values (%s, %s, %s)")
DELETE_SQL = "delete from supabase_migrations.schema_migrations where version = %s"


def row_change(mf: MigrationFile, direction: str) -> tuple[str, tuple[object, ...]]:
    """The statement and parameters that record an applied file (up) or forget it (down), for the
    caller to send where the Supabase CLI sends its insert: at the end of the file's last batch."""
    if direction == "up":
        return INSERT_SQL, (mf.version, mf.name, statements_of(mf))
    return DELETE_SQL, (mf.version,)


def record(conn: psycopg.Connection, mf: MigrationFile) -> None:
    """Insert the history row of an applied file (inside the caller's transaction)."""
    conn.execute(*row_change(mf, "up"))


def forget(conn: psycopg.Connection, version: str) -> None:
    """Delete the history row of a rolled-back version (inside the caller's transaction)."""
    conn.execute(DELETE_SQL, (version,))


def recorded(conn: psycopg.Connection, version: str) -> bool:
    """True when the version has a history row (read-only; no table means no row)."""
    if not exists(conn):
        return False
    row = conn.execute("select exists (select 1 from supabase_migrations.schema_migrations "
                       "where version = %s)", (version,)).fetchone()
    return bool(row and row[0])
