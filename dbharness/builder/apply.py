"""Run up or down files on a connection: one transaction per file, timeouts, errors with file and line."""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql as psql

from dbharness.builder import history, index_builds
from dbharness.errors import MigrationError
from dbharness.hosted import rules
from dbharness.paths import shown
from dbharness.progress import Progress, quiet
from dbharness.sql.migrations import MigrationFile
from dbharness.sql.statements import Statement, read_sql, split_statements


class ApplyInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM while a file ran outside a transaction; notes say what its index builds
    left and how it was cleaned up (or the statement that finishes the job)."""

    def __init__(self, notes: list[str]) -> None:
        super().__init__("; ".join(notes))
        self.notes = notes


@dataclass(frozen=True)
class Timeouts:
    """lock_timeout and statement_timeout for every migration statement (values from Settings)."""

    lock: str
    statement: str


def statement_error(shown: str, stmt: Statement, exc: psycopg.Error, note: str) -> MigrationError:
    """A MigrationError naming file, line, the statement's first line and PostgreSQL's message."""
    line = stmt.line
    position = getattr(exc.diag, "statement_position", None)
    if position and position.isdigit():
        line += stmt.sql[: int(position) - 1].count("\n")
    state = f" (SQLSTATE {exc.sqlstate})" if exc.sqlstate else ""
    message = (exc.diag.message_primary or str(exc)).strip()
    detail = f"\n  detail: {exc.diag.message_detail}" if exc.diag.message_detail else ""
    return MigrationError(
        f"{shown}:{line}: {message}{state}{detail}\n"
        f"  statement: {stmt.first_line}\n  {note}")


def _set_timeouts(conn: psycopg.Connection, timeouts: Timeouts, local: bool) -> None:
    scope = psql.SQL("set local" if local else "set")
    for name, value in (("lock_timeout", timeouts.lock), ("statement_timeout", timeouts.statement)):
        conn.execute(psql.SQL("{} {} = {}").format(scope, psql.Identifier(name),
                                                   psql.Literal(value)))


def execute(conn: psycopg.Connection, stmt: Statement, shown: str, report: Progress = quiet) -> None:
    """One statement of the file named shown; the server applies the platform's rules (see
    rules.py). A stubbed extension it skipped is reported; errors name file:line."""
    where = f"{shown}:{stmt.line}"

    def skipped(name: str) -> None:
        report(f"{where}: create extension {name} skipped: stubbed "
               "(stub_extensions in [tool.dbharness])")

    try:
        rules.execute(conn, stmt.sql, skipped)
    except rules.ExtensionUnavailable as exc:
        raise MigrationError(f"{where}: {exc}") from None


def _execute_all(conn: psycopg.Connection, statements: list[Statement], shown: str,
                 report: Progress = quiet) -> None:
    """Run statements inside the caller's transaction; the first error names file and line."""
    for stmt in statements:
        try:
            execute(conn, stmt, shown, report)
        except psycopg.Error as exc:
            raise statement_error(shown, stmt, exc, "Nothing of this file was applied.") from exc


def _update_history(conn: psycopg.Connection, mf: MigrationFile, direction: str) -> None:
    """Up records the file's history row; down deletes it (inside the caller's transaction)."""
    if direction == "up":
        history.record(conn, mf)
    else:
        history.forget(conn, mf.version)


def _run_in_transaction(conn: psycopg.Connection, mf: MigrationFile, timeouts: Timeouts,
                        direction: str, report: Progress) -> None:
    with conn.transaction():
        _set_timeouts(conn, timeouts, local=True)
        _execute_all(conn, mf.body, mf.shown, report)
        _update_history(conn, mf, direction)


def _run_outside_transaction(conn: psycopg.Connection, mf: MigrationFile, timeouts: Timeouts,
                             direction: str, report: Progress) -> None:
    """Statement by statement; a failure or an interruption drops the indexes this file built."""
    _set_timeouts(conn, timeouts, local=False)
    built: list[int] = []
    for stmt in mf.body:
        table = index_builds.table_of(stmt)
        before = index_builds.indexes_on(conn, table)
        try:
            execute(conn, stmt, mf.shown, report)
        except psycopg.Error as exc:
            notes = index_builds.undo(conn, before, table, built)
            raise statement_error(mf.shown, stmt, exc, _sentence(notes)) from exc
        except KeyboardInterrupt:
            raise ApplyInterrupted(index_builds.undo(conn, before, table, built, patient=False)) from None
        built += sorted(index_builds.indexes_on(conn, table) - before)
    with conn.transaction():
        _update_history(conn, mf, direction)


def _sentence(notes: list[str]) -> str:
    text = "; ".join([*notes, "the file was not recorded as applied"])
    return text[0].upper() + text[1:] + "."


def _reset_session(conn: psycopg.Connection) -> None:
    """Undo what a file SET for the session (a plain SET outlives its transaction), so the next
    file starts from the server defaults plus the harness's own timeouts, never the last file's."""
    if conn.closed or conn.broken:
        return
    with suppress(psycopg.Error):  # a dead server is reported by the error already on its way
        conn.execute("reset all")


def apply_file(conn: psycopg.Connection, mf: MigrationFile, timeouts: Timeouts,
               direction: str = "up", report: Progress = quiet) -> float:
    """Apply one file (up records history, down forgets it); returns milliseconds taken."""
    if not conn.autocommit:
        raise MigrationError("apply_file needs an autocommit connection")
    mode = "" if mf.transactional else " (outside a transaction)"
    verb = "Applying" if direction == "up" else "Rolling back"
    started = time.perf_counter()
    try:
        if mf.transactional:
            _run_in_transaction(conn, mf, timeouts, direction, report)
        else:
            _run_outside_transaction(conn, mf, timeouts, direction, report)
    except MigrationError:
        report(f"{verb} {mf.stem}{mode} ... FAILED")
        raise
    finally:
        _reset_session(conn)
    elapsed = (time.perf_counter() - started) * 1000
    report(f"{verb} {mf.stem}{mode} ... done in {elapsed:.0f} ms")
    return elapsed


def apply_files(conn: psycopg.Connection, files: list[MigrationFile], timeouts: Timeouts,
                direction: str = "up", report: Progress = quiet) -> dict[str, float]:
    """Apply files in the given order; returns milliseconds per file stem."""
    history.ensure_table(conn)
    return {mf.stem: apply_file(conn, mf, timeouts, direction, report) for mf in files}


def run_script(conn: psycopg.Connection, path: Path, timeouts: Timeouts | None = None,
               report: Progress = quiet, root: Path | None = None) -> None:
    """Run a plain SQL file (seed, exercise, helpers) in one transaction, no history; errors name
    it relative to root (the project)."""
    statements = split_statements(read_sql(path), str(path))
    with conn.transaction():
        if timeouts:
            _set_timeouts(conn, timeouts, local=True)
        _execute_all(conn, statements, shown(path, root), report)
