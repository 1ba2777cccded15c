"""Indexes built outside a transaction: know which ones a file built, and drop what a failure left.

A failed or interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index behind (named or not),
and earlier statements of the same file may have built valid ones. Only indexes this file built
are dropped: an index that existed before the statement (IF NOT EXISTS skipped it) is never
touched. A drop that cannot get its lock is retried within a bound, then reported with the
statement that finishes the job.
"""

from __future__ import annotations

import time

from dbharness import lazy
from dbharness.pg import psycopg
from dbharness.pg import sql as psql
from dbharness.sql.statements import Statement

ast = lazy.Module("pglast.ast")

DROP_TRIES = 3
DROP_LOCK_TIMEOUT = "2s"
HURRIED_LOCK_TIMEOUT = "500ms"  # after Ctrl-C: one short try, then the statement that finishes the job


def table_of(stmt: Statement) -> str | None:
    """The table a CREATE INDEX statement builds on, qualified as written, or None."""
    node = stmt.node
    if not isinstance(node, ast.IndexStmt):
        return None
    rel = node.relation
    parts = [p for p in (rel.schemaname, rel.relname) if p]
    return ".".join(psql.Identifier(p).as_string(None) for p in parts)


def built_name(stmt: Statement) -> tuple[str, str] | None:
    """(table, index name) of a CREATE INDEX that names its index, else None; the index goes in
    the table's schema."""
    table = table_of(stmt)
    name = getattr(stmt.node, "idxname", None)
    return (table, name) if table and name else None


def named_index(conn: psycopg.Connection, table: str, name: str) -> tuple[int, str, bool] | None:
    """(oid, qualified name, valid) of the index called name in table's schema, or None."""
    row = conn.execute(
        "select c.oid::int, format('%%I.%%I', n.nspname, c.relname), x.indisvalid from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace join pg_index x on x.indexrelid = c.oid "
        "where c.relname = %s and c.relnamespace = "
        "(select relnamespace from pg_class where oid = to_regclass(%s))", (name, table)).fetchone()
    return (row[0], row[1], row[2]) if row else None


def indexes_on(conn: psycopg.Connection, table: str | None) -> set[int]:
    """The oids of the indexes on a table (none when there is no such table)."""
    if table is None:
        return set()
    rows = conn.execute("select indexrelid::int from pg_index where indrelid = to_regclass(%s)", (table,))
    return {r[0] for r in rows}


def _describe(conn: psycopg.Connection, oid: int) -> tuple[str, bool] | None:
    row = conn.execute("select format('%%I.%%I', n.nspname, c.relname), x.indisvalid from pg_index x "
                       "join pg_class c on c.oid = x.indexrelid "
                       "join pg_namespace n on n.oid = c.relnamespace where x.indexrelid = %s",
                       (oid,)).fetchone()
    return (row[0], row[1]) if row else None


def drop(conn: psycopg.Connection, oid: int, lock_timeout: str = DROP_LOCK_TIMEOUT,
         tries: int = DROP_TRIES) -> str:
    """Drop one index concurrently, retrying a lock timeout; a note saying what happened."""
    found = _describe(conn, oid)
    if found is None:
        return ""
    name, valid = found
    what = "the index" if valid else "the INVALID index"
    statement = f"drop index concurrently if exists {name};"
    for attempt in range(tries):
        try:
            conn.execute(psql.SQL("set lock_timeout = {}").format(psql.Literal(lock_timeout)))
            conn.execute(psql.SQL("drop index concurrently if exists {}").format(psql.SQL(name)))
            return f"dropped {what} {name} that this file built"
        except psycopg.errors.LockNotAvailable:
            time.sleep(0.2 * (attempt + 1))
        except psycopg.Error as exc:
            return f"could not drop {what} {name} ({str(exc).strip()}); drop it with: {statement}"
    busy = "busy" if tries == 1 else f"busy {tries} times"
    return f"left {what} {name}: its lock was {busy}; drop it with: {statement}"


LOOK = "select indexrelid::regclass from pg_index where not indisvalid"


def undo(conn: psycopg.Connection, before: set[int], table: str | None, built: list[int],
         patient: bool = True) -> list[str]:
    """Drop the indexes the failed statement left (new since `before`) and those the file built
    earlier, newest first; notes for the message. Not patient (after Ctrl-C): one short try each,
    and a second Ctrl-C stops the cleanup with a note."""
    notes = []
    timeout, tries = (DROP_LOCK_TIMEOUT, DROP_TRIES) if patient else (HURRIED_LOCK_TIMEOUT, 1)
    try:
        leftovers = sorted(indexes_on(conn, table) - before)
        for oid in [*leftovers, *reversed(built)]:
            note = drop(conn, oid, timeout, tries)
            if note:
                notes.append(note)
    except psycopg.Error as exc:
        notes.append(f"could not look for indexes to drop ({str(exc).strip()}); check for INVALID "
                     f"indexes: {LOOK}")
    except KeyboardInterrupt:
        notes.append(f"the cleanup was interrupted too; check for INVALID indexes: {LOOK}")
    return notes
