"""Run up or down files on a connection as the Supabase CLI sends them (sql/cli_batches): the same
batches, the same statements on their own, the history row where the CLI writes it; with the
harness's timeouts around every file, errors with file and line that say what a failure left
applied, and the CONCURRENTLY cleanup (index_builds)."""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from dbharness.builder import batch, failures, history, index_builds
from dbharness.builder.recipe import Timeouts
from dbharness.errors import MigrationError
from dbharness.hosted import rules
from dbharness.paths import shown
from dbharness.pg import psycopg
from dbharness.pg import sql as psql
from dbharness.progress import Progress, quiet
from dbharness.sql.cli_batches import Part
from dbharness.sql.migrations import MigrationFile
from dbharness.sql.statements import Statement, read_sql, split_statements


class ApplyInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM while a file ran; notes say what it left applied, what its index builds
    left and how they were cleaned up (or the statement that finishes the job)."""

    def __init__(self, notes: list[str]) -> None:
        super().__init__("; ".join(notes))
        self.notes = notes


def _set_timeouts(conn: psycopg.Connection, timeouts: Timeouts, local: bool) -> None:
    scope = psql.SQL("set local" if local else "set")
    for name, value in (("lock_timeout", timeouts.lock), ("statement_timeout", timeouts.statement)):
        conn.execute(psql.SQL("{} {} = {}").format(scope, psql.Identifier(name),
                                                   psql.Literal(value)))


def execute(conn: psycopg.Connection, stmt: Statement, shown: str, report: Progress = quiet) -> None:
    """One statement of the file named shown, on its own; the server applies the platform's rules
    (see rules.py). A stubbed extension it skipped is reported; errors name file:line."""
    where = f"{shown}:{stmt.line}"

    def skipped(name: str) -> None:
        report(f"warning: {where}: create extension {name} skipped: stubbed "
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
            raise failures.statement_error(shown, stmt, exc, "Nothing of this file was applied.") from exc


@dataclass
class _FileRun:
    """One file being sent part by part; what its CONCURRENTLY statements built, for the cleanup."""

    conn: psycopg.Connection
    mf: MigrationFile
    direction: str
    report: Progress
    built: list[int] = field(default_factory=list)
    at: int = 0  # the statement (or len(statements): the history row) being sent
    cleanup: list[str] = field(default_factory=list)

    def send(self, part: Part) -> None:
        self.at = part.statements[0] if part.statements else len(self.mf.statements)
        if part.batch:
            self._batch(part)
        elif part.history:
            try:
                sql, params = history.row_change(self.mf, self.direction)
                self.conn.execute(sql, params, prepare=False)  # unnamed, as the CLI sends it
            except psycopg.Error as exc:
                raise failures.Failed(self.at, exc) from exc
        else:
            self._alone(self.mf.statements[self.at])

    def drop_built(self, patient: bool) -> None:
        """After a failure outside an index build: drop what the file's earlier builds made."""
        if self.built and not self.cleanup:
            self.cleanup = index_builds.undo(self.conn, set(), None, self.built, patient=patient)

    def _batch(self, part: Part) -> None:
        statements = [self.mf.statements[i] for i in part.statements]
        items: list[batch.Item] = [(s.sql, None) for s in statements]
        if part.history:
            items.append(history.row_change(self.mf, self.direction))
        try:
            batch.send(self.conn, items, failures.stub_listener(self.mf, statements, self.report))
        except batch.BatchFailed as exc:
            at = part.statements[exc.at] if exc.at < len(statements) else len(self.mf.statements)
            raise failures.Failed(at, exc.error) from exc

    def _alone(self, stmt: Statement) -> None:
        table = index_builds.table_of(stmt)
        before = index_builds.indexes_on(self.conn, table)
        try:
            rules.execute(self.conn, stmt.sql, failures.stub_reporter(self.mf, stmt, self.report))
        except (psycopg.Error, rules.ExtensionUnavailable) as exc:
            _end_transaction(self.conn)  # the CLI sends ROLLBACK after a failed statement
            self.cleanup = index_builds.undo(self.conn, before, table, self.built)
            if isinstance(exc, psycopg.Error):
                raise failures.Failed(self.at, exc) from exc
            raise failures.Failed(self.at, None, str(exc)) from None
        except KeyboardInterrupt:
            _end_transaction(self.conn)
            self.cleanup = index_builds.undo(self.conn, before, table, self.built, patient=False)
            raise
        self.built += sorted(index_builds.indexes_on(self.conn, table) - before)
        leftover = failures.skipped_invalid(self.conn, stmt, before)
        if leftover:
            self.cleanup = index_builds.undo(self.conn, before, table, self.built)
            raise failures.Failed(self.at, None, leftover)


def _end_transaction(conn: psycopg.Connection) -> None:
    """Roll back a transaction a failed or interrupted file left open (the CLI sends ROLLBACK, or
    disconnects, which rolls back too)."""
    if not conn.closed and conn.info.transaction_status in (psycopg.pq.TransactionStatus.INTRANS,
                                                            psycopg.pq.TransactionStatus.INERROR):
        with suppress(psycopg.Error):
            conn.execute("rollback")


def _after_failure(conn: psycopg.Connection) -> None:
    """The CLI ends its run at a failure; this connection goes on (the lock, the report), so it
    drops the transaction and the role (which RESET ALL keeps) that the failed file left."""
    _end_transaction(conn)
    with suppress(psycopg.Error):
        conn.execute("reset role")


def _reset_session(conn: psycopg.Connection) -> None:
    """Undo what a file SET for the session (a plain SET outlives its transaction), so the next
    file starts from the server defaults plus the harness's own timeouts, never the last file's;
    the CLI runs RESET ALL before every file too."""
    if conn.closed or conn.broken:
        return
    with suppress(psycopg.Error):  # a dead server is reported by the error already on its way
        _end_transaction(conn)
        conn.execute("reset all")


def _send_all(run: _FileRun, timeouts: Timeouts) -> None:
    _reset_session(run.conn)
    _set_timeouts(run.conn, timeouts, local=False)
    try:
        for part in run.mf.plan.parts:
            run.send(part)
    except failures.Failed as failed:
        _after_failure(run.conn)
        run.drop_built(patient=True)
        raise failures.error(run.mf, failed, run.cleanup, run.conn, run.direction) from failed.error
    except KeyboardInterrupt:
        _after_failure(run.conn)
        run.drop_built(patient=False)
        raise ApplyInterrupted(failures.interrupted(run.mf, run.at, run.cleanup, run.conn,
                                                    run.direction)) from None


def apply_file(conn: psycopg.Connection, mf: MigrationFile, timeouts: Timeouts,
               direction: str = "up", report: Progress = quiet) -> float:
    """Apply one file as the Supabase CLI does (up records history, down forgets it); returns
    milliseconds taken. A failure names file:line and what it left applied."""
    if not conn.autocommit:
        raise MigrationError("apply_file needs an autocommit connection")
    plan = mf.plan  # a file the CLI would lose is refused before anything of it runs
    mode = "" if plan.one_transaction else f" ({plan.describe().removesuffix(' (CONCURRENTLY)')})"
    verb = "Applying" if direction == "up" else "Rolling back"
    started = time.perf_counter()
    try:
        _send_all(_FileRun(conn, mf, direction, report), timeouts)
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
