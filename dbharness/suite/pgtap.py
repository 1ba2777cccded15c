"""Run pgTAP files as pg_prove would, statement by statement, and collect their TAP.

An isolated file (see testfiles.py) runs in a transaction the harness rolls back, in parallel
with the others. A file with persistent effects runs first, serially, in name order, on a
connection of its own, exactly as written, and its effects persist.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql as psql

from dbharness.config import duration_seconds
from dbharness.errors import ConfigError, HarnessError, PrerequisiteError
from dbharness.hosted import compat, rules
from dbharness.paths import shown
from dbharness.sql import psqlscript
from dbharness.sql.statements import is_transaction_control
from dbharness.suite.tapresults import ASSERTION_LINE, Emitted, FileResult, parse_emitted
from dbharness.suite.testfiles import Located, TestFile, load
from dbharness.suite.watchdog import Watchdog

INSTALL_HINT = ("install pgTAP for this PostgreSQL: apt-get install postgresql-{major}-pgtap "
                "(or run: dbharness setup)")


def ensure_extension(admin: psycopg.Connection, major: int) -> None:
    """Create the pgtap extension in schema extensions (admin: the bootstrap superuser)."""
    if not compat.pgtap_available(admin):
        raise PrerequisiteError("the pgtap extension is not available on the server; "
                                + INSTALL_HINT.format(major=major or 15))
    try:
        compat.install_pgtap(admin)
    except psycopg.Error as exc:
        raise PrerequisiteError(f"the server refused to create the pgtap extension: "
                                f"{(exc.diag.message_primary or str(exc)).strip()}") from None


def prepare(conn: psycopg.Connection, setup_dir: Path, root: Path | None = None) -> None:
    """Run the project's SQL test helpers (setup_dir/*.sql, e.g. pgtap/setup), as the project's
    role."""
    for helper in sorted(setup_dir.glob("*.sql")) if setup_dir.is_dir() else []:
        test_file = load(helper, root=root)
        if test_file.error:
            raise ConfigError(test_file.error)
        with conn.transaction():
            for step in test_file.steps:
                if isinstance(step, Located):
                    _execute(conn, step, "0")


class StatementFailed(HarnessError):
    """A statement of a pgTAP file failed; the message names its file and line."""


def _execute(conn: psycopg.Connection, step: Located, timeout: str,
             guard: Watchdog | None = None) -> list[str]:
    if guard:
        guard.arm()
    try:
        cur = rules.execute(conn, step.statement.sql)
    except psycopg.Error as exc:
        raise StatementFailed(_describe_error(step, exc, timeout)) from exc
    except rules.ExtensionUnavailable as exc:
        raise StatementFailed(f"{step.shown}:{step.statement.line}: {exc}") from None
    finally:
        if guard:
            guard.disarm()
    if cur is None or cur.description is None:
        return []
    return [line for row in cur.fetchall() if row and row[0] is not None for line in str(row[0]).split("\n")]


def _describe_error(step: Located, exc: psycopg.Error, timeout: str) -> str:
    if exc.sqlstate == "57014":
        what = f"timed out: a statement ran longer than the test timeout ({timeout})"
    else:
        what = f"SQL error: {(exc.diag.message_primary or str(exc)).strip()} (SQLSTATE {exc.sqlstate})"
    where = f"{step.shown}:{step.statement.line}"
    return f"{where}: {what}\n  statement: {step.statement.first_line}"


Failure = tuple[str, str]  # (message, file:line of the failing statement)


def _run_steps(conn: psycopg.Connection, test_file: TestFile, timeout: str,
               out: list[Emitted], notices: list[str]) -> Failure | None:
    """Run every step, appending TAP and echoed lines to out and the server's NOTICEs (and other
    messages) to notices; the first error ends the file.

    Each statement also has a client-side deadline (test_timeout), which cancels it even when
    the test switched statement_timeout off or loops in PL/pgSQL."""
    def heard(diag: psycopg.errors.Diagnostic) -> None:
        notices.append(f"{diag.severity}:  {diag.message_primary}")

    conn.add_notice_handler(heard)
    try:
        with Watchdog(conn, duration_seconds(timeout)) as guard:
            return _run_each(conn, test_file, timeout, out, guard)
    finally:
        conn.remove_notice_handler(heard)


def _run_each(conn: psycopg.Connection, test_file: TestFile, timeout: str, out: list[Emitted],
              guard: Watchdog) -> Failure | None:
    for step in test_file.steps:
        if isinstance(step, psqlscript.Echo):
            out.append(Emitted(step.text, f"{shown(step.path, test_file.root)}:{step.line}"))
            test_file.echoed.append(step.text)
            continue
        if not test_file.persistent and is_transaction_control(step.statement):
            continue
        where = f"{step.shown}:{step.statement.line}"
        started = time.perf_counter()
        try:
            lines = _execute(conn, step, timeout, guard)
        except StatementFailed as exc:
            return str(exc), where
        share = (time.perf_counter() - started) / max(1, sum(1 for x in lines if ASSERTION_LINE.match(x)))
        out.extend(Emitted(line, where, share) for line in lines)
    return None


def _set_timeout(conn: psycopg.Connection, timeout: str, local: bool) -> None:
    scope = psql.SQL("set local" if local else "set")
    conn.execute(psql.SQL("{} statement_timeout = {}").format(scope, psql.Literal(timeout)))


def _finish(test_file: TestFile, tap: list[Emitted], failure: Failure | str | None,
            started: float, notices: list[str]) -> FileResult:
    result = parse_emitted(tap, FileResult(test_file.shown, persistent=test_file.persistent))
    if isinstance(failure, tuple):
        result.error, result.error_at = failure
    else:
        result.error = failure
    result.echoed = list(test_file.echoed)
    result.notices = notices
    result.seconds = time.perf_counter() - started
    return result


def run_persistent(conninfo: str, test_file: TestFile, timeout: str) -> FileResult:
    """A file with persistent effects: its own session, statements as written, effects kept."""
    started = time.perf_counter()
    tap: list[Emitted] = []
    notices: list[str] = []
    error: Failure | str | None = test_file.error
    if error is None:
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                _set_timeout(conn, timeout, local=False)
                error = _run_steps(conn, test_file, timeout, tap, notices)
        except psycopg.Error as exc:
            error = f"{test_file.shown}: cannot run: {str(exc).strip()}"
    return _finish(test_file, tap, error, started, notices)


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

    def run(self, test_file: TestFile, timeout: str) -> FileResult:
        """Run one isolated file inside a transaction that is always rolled back."""
        started = time.perf_counter()
        tap: list[Emitted] = []
        notices: list[str] = []
        error: Failure | str | None = test_file.error
        if error is None:
            try:
                conn = self._connection()
                _set_timeout(conn, timeout, local=True)
                error = _run_steps(conn, test_file, timeout, tap, notices)
            except psycopg.Error as exc:
                error = f"{test_file.shown}: cannot run: {str(exc).strip()}"
        self._reset()
        return _finish(test_file, tap, error, started, notices)

    @property
    def lost(self) -> bool:
        """True when the last file's connection broke (the server may have died)."""
        return self.conn is None or self.conn.broken

    def close(self) -> None:
        """Close the connection, if any."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_file(conninfo: str, path: Path, timeout: str, root: Path | None = None) -> FileResult:
    """Run one file on a connection of its own, isolated or persistent as the file says."""
    test_file = load(path, root=root)
    if test_file.persistent:
        return run_persistent(conninfo, test_file, timeout)
    worker = Worker(conninfo)
    try:
        return worker.run(test_file, timeout)
    finally:
        worker.close()


def run_files(conninfo: str, paths: list[Path], jobs: int, timeout: str,
              on_result: Callable[[FileResult], None] | None = None,
              root: Path | None = None) -> list[FileResult]:
    """Load the files and run them (see run_loaded); root (the project) names them."""
    return run_loaded(conninfo, [load(p, root=root) for p in paths], jobs, timeout, on_result)


def run_loaded(conninfo: str, files: list[TestFile], jobs: int, timeout: str,
               on_result: Callable[[FileResult], None] | None = None,
               alive: Callable[[], None] | None = None) -> list[FileResult]:
    """Files with persistent effects first, serially, in the given order; then the isolated ones
    on `jobs` reused connections in parallel. Each result is reported (on_result) as its file
    finishes; results come back in the order of files.

    alive raises when the server has died: a file that failed on a lost connection asks it, and
    then the run stops with that one error instead of one failure per file left."""
    results: dict[int, FileResult] = {}
    for index, test_file in enumerate(files):
        if test_file.persistent:
            results[index] = run_persistent(conninfo, test_file, timeout)
            if alive and not results[index].passed:
                alive()
            if on_result:
                on_result(results[index])
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index, test_file in enumerate(files):
        if not test_file.persistent:
            todo.put(index)

    stopped = threading.Event()  # Ctrl-C or SIGTERM: files cut off are interrupted, not failed
    death: list[BaseException] = []  # the server died: the one error the run ends with

    def work() -> None:
        worker = Worker(conninfo)
        try:
            while not stopped.is_set():
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                result = worker.run(files[index], timeout)
                if stopped.is_set():
                    return
                if alive and not result.passed and worker.lost:
                    try:
                        alive()
                    except BaseException as exc:  # noqa: BLE001 (handed to the main thread)
                        death.append(exc)
                        stopped.set()
                        return
                results[index] = result
                if on_result:
                    on_result(result)
        finally:
            worker.close()

    threads = [threading.Thread(target=work, daemon=True)
               for _ in range(max(1, min(jobs, len(files) - len(results))))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    except BaseException:
        stopped.set()
        raise
    if death:
        raise death[0]
    return [results[i] for i in range(len(files))]
