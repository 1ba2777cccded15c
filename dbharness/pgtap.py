"""Run pgTAP files against a database, each in a rolled-back transaction, and collect their TAP."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql as psql

from dbharness import compat
from dbharness.apply import display_path, run_script
from dbharness.errors import ConfigError, HarnessError, PrerequisiteError
from dbharness.statements import is_transaction_control, split_statements, strip_psql_meta
from dbharness.tapresults import FileResult, parse_tap

PATTERN = "*.test.sql"
INSTALL_HINT = ("install pgTAP for this PostgreSQL: apt-get install postgresql-{major}-pgtap "
                "(or run: invoke setup)")


def discover(pgtap_dir: Path, chosen: list[str] | None = None) -> list[Path]:
    """The chosen files (checked to exist), or every pgtap/**/*.test.sql in name order."""
    if chosen:
        paths = [Path(c) for c in chosen]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise ConfigError(f"no such pgTAP file: {', '.join(missing)}")
        return paths
    return sorted(pgtap_dir.rglob(PATTERN))


def prepare(conn: psycopg.Connection, setup_dir: Path, major: int) -> None:
    """Install the pgtap extension (in schema extensions) and the SQL test helpers."""
    if not compat.pgtap_available(conn):
        raise PrerequisiteError("the pgtap extension is not available on the server; "
                                + INSTALL_HINT.format(major=major or 15))
    compat.install_pgtap(conn)
    for helper in sorted(setup_dir.glob("*.sql")) if setup_dir.is_dir() else []:
        run_script(conn, helper)


def _rows_to_tap(cur: psycopg.Cursor) -> list[str]:
    if cur.description is None:
        return []
    lines: list[str] = []
    for row in cur.fetchall():
        if row and row[0] is not None:
            lines.extend(str(row[0]).split("\n"))
    return lines


def _run_statements(conn: psycopg.Connection, path: Path, timeout: str) -> tuple[list[str], str | None]:
    text = strip_psql_meta(path.read_text(encoding="utf-8"))
    statements = split_statements(text, display_path(path))
    out: list[str] = []
    conn.execute(psql.SQL("set local statement_timeout = {}").format(psql.Literal(timeout)))
    for stmt in statements:
        if is_transaction_control(stmt):
            continue
        try:
            out.extend(_rows_to_tap(conn.execute(stmt.sql)))
        except psycopg.Error as exc:
            return out, _describe_error(path, stmt.line, stmt.first_line, exc, timeout)
    return out, None


def _describe_error(path: Path, line: int, first: str, exc: psycopg.Error, timeout: str) -> str:
    if exc.sqlstate == "57014":
        what = f"timed out: a statement ran longer than the test timeout ({timeout})"
    else:
        what = f"SQL error: {(exc.diag.message_primary or str(exc)).strip()} (SQLSTATE {exc.sqlstate})"
    return f"{display_path(path)}:{line}: {what}\n  statement: {first}"


class Worker:
    """One connection reused for file after file: a warm backend (catalog and PL/pgSQL caches)
    saves most of a small file's cost. Each file still runs in its own rolled-back transaction,
    and DISCARD ALL between files resets settings, roles and temporary objects."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.conn: psycopg.Connection | None = None

    def _connection(self) -> psycopg.Connection:
        if self.conn is None or self.conn.closed or self.conn.broken:
            self.conn = psycopg.connect(self.conninfo, autocommit=False)
        return self.conn

    def _reset(self) -> None:
        conn = self.conn
        if conn is None or conn.closed:
            return
        try:
            conn.rollback()
            conn.autocommit = True
            conn.execute("discard all")
            conn.autocommit = False
        except psycopg.Error:
            self.close()

    def run(self, path: Path, timeout: str) -> FileResult:
        """Run one file inside a transaction that is always rolled back."""
        started = time.perf_counter()
        result = FileResult(display_path(path))
        try:
            tap, error = _run_statements(self._connection(), path, timeout)
        except HarnessError as exc:
            tap, error = [], str(exc)
        except psycopg.Error as exc:
            tap, error = [], f"{display_path(path)}: cannot run: {str(exc).strip()}"
        self._reset()
        parse_tap("\n".join(tap), result)
        result.error = error
        result.seconds = time.perf_counter() - started
        return result

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_file(conninfo: str, path: Path, timeout: str) -> FileResult:
    """Run one file on a connection of its own, inside a transaction that is rolled back."""
    worker = Worker(conninfo)
    try:
        return worker.run(path, timeout)
    finally:
        worker.close()


def run_files(conninfo: str, paths: list[Path], jobs: int, timeout: str,
              on_result: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Run files on `jobs` reused connections in parallel; results in the order of paths."""
    todo: queue.SimpleQueue[tuple[int, Path]] = queue.SimpleQueue()
    for item in enumerate(paths):
        todo.put(item)
    results: dict[int, FileResult] = {}

    def work() -> None:
        worker = Worker(conninfo)
        try:
            while True:
                try:
                    index, path = todo.get_nowait()
                except queue.Empty:
                    return
                results[index] = worker.run(path, timeout)
                if on_result:
                    on_result(results[index])
        finally:
            worker.close()

    threads = [threading.Thread(target=work) for _ in range(max(1, min(jobs, len(paths))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [results[i] for i in range(len(paths))]
