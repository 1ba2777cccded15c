"""Run pgTAP files as pg_prove would, statement by statement, and collect their TAP.

Files run in name order, as pg_prove runs them. A file with persistent effects (see
testfiles.py) is a barrier: it runs alone, on a session of its own, exactly as written, once
every file before it has finished, and its effects persist for the files after it. The isolated
files between two barriers run in parallel (jobs), each in a transaction the harness rolls back.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dbharness.config import duration_seconds
from dbharness.errors import ConfigError, PrerequisiteError
from dbharness.hosted import compat
from dbharness.pg import psycopg
from dbharness.pg import sql as psql
from dbharness.suite import durations, live
from dbharness.suite.filerun import FileRun, Output, Stopped
from dbharness.suite.tapresults import FileResult, parse_emitted
from dbharness.suite.testfiles import TestFile, load
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
    role, each as written in one transaction."""
    for helper in sorted(setup_dir.glob("*.sql")) if setup_dir.is_dir() else []:
        test_file = load(helper, root=root)
        if test_file.error:
            raise ConfigError(test_file.error)
        with conn.transaction():  # a helper that fails leaves nothing behind
            stopped = _play(FileRun(conn, test_file, "0", Output(root), as_written=True))
            if stopped:
                raise ConfigError(f"test helper {stopped[0]}")


def _play(run: FileRun) -> Stopped | None:
    return live.interpret(run) if run.test_file.program is not None else run.steps()


def run_steps(conn: psycopg.Connection, test_file: TestFile, timeout: str, output: Output) -> Stopped | None:
    """Run the file (its steps, or its program when it has \\gset or \\gexec), appending what it
    prints and the server's NOTICEs (and other messages) to output; the first error ends it.

    Each statement also has a client-side deadline (test_timeout), which cancels it even when
    the test switched statement_timeout off or loops in PL/pgSQL."""
    def heard(diag: psycopg.errors.Diagnostic) -> None:
        output.notices.append(f"{diag.severity}:  {diag.message_primary}")

    conn.add_notice_handler(heard)
    try:
        with Watchdog(conn, duration_seconds(timeout)) as guard:
            return _play(FileRun(conn, test_file, timeout, output, guard))
    finally:
        conn.remove_notice_handler(heard)
        output.printed_rest()


def _set_timeout(conn: psycopg.Connection, timeout: str, local: bool) -> None:
    scope = psql.SQL("set local" if local else "set")
    conn.execute(psql.SQL("{} statement_timeout = {}").format(scope, psql.Literal(timeout)))


def _finish(test_file: TestFile, output: Output, failure: Stopped | str | None,
            started: float) -> FileResult:
    result = parse_emitted(output.lines, FileResult(test_file.shown, persistent=test_file.persistent))
    if isinstance(failure, tuple):
        result.error, result.error_at = failure
    else:
        result.error = failure
    result.echoed = list(output.echoed)
    result.notices = output.notices
    result.seconds = time.perf_counter() - started
    return result


def run_persistent(conninfo: str, test_file: TestFile, timeout: str) -> FileResult:
    """A file with persistent effects: its own session, statements as written, effects kept."""
    started = time.perf_counter()
    output = Output(test_file.root)
    error: Stopped | str | None = test_file.error
    if error is None:
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                _set_timeout(conn, timeout, local=False)
                error = run_steps(conn, test_file, timeout, output)
        except psycopg.Error as exc:
            error = f"{test_file.shown}: cannot run: {str(exc).strip()}"
    return _finish(test_file, output, error, started)


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
        output = Output(test_file.root)
        error: Stopped | str | None = test_file.error
        if error is None:
            try:
                conn = self._connection()
                _set_timeout(conn, timeout, local=True)
                error = run_steps(conn, test_file, timeout, output)
            except psycopg.Error as exc:
                error = f"{test_file.shown}: cannot run: {str(exc).strip()}"
        self._reset()
        return _finish(test_file, output, error, started)

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


def segments(files: list[TestFile]) -> Iterator[list[int]]:
    """The files' indexes in runs that may overlap: each persistent file alone, and each stretch
    of isolated files between two of them together, in the given (name) order."""
    batch: list[int] = []
    for index, test_file in enumerate(files):
        if test_file.persistent:
            if batch:
                yield batch
            batch = []
            yield [index]
        else:
            batch.append(index)
    if batch:
        yield batch


def run_loaded(conninfo: str, files: list[TestFile], jobs: int, timeout: str,
               on_result: Callable[[FileResult], None] | None = None,
               alive: Callable[[], None] | None = None,
               checkpoint: Callable[[int], None] | None = None,
               expected: dict[str, float] | None = None) -> list[FileResult]:
    """The files in the given order, persistent ones as barriers, the isolated ones between two
    barriers on `jobs` reused connections in parallel (taken slowest first where expected gives
    the seconds of earlier runs, by path). Each result is reported (on_result) as its file
    finishes; results come back in the order of files.

    alive raises when the server has died: a file that failed on a lost connection asks it, and
    then the run stops with that one error instead of one failure per file left. checkpoint(k)
    is called before anything after the k-th persistent file runs (k = 0 first), while no
    connection of the run is open."""
    results: dict[int, FileResult] = {}
    done = 0
    names = [str(f.path) for f in files] if expected else []
    if checkpoint:
        checkpoint(0)
    for part in segments(files):
        if files[part[0]].persistent:
            result = results[part[0]] = run_persistent(conninfo, files[part[0]], timeout)
            if alive and not result.passed:
                alive()
            if on_result:
                on_result(result)
            done += 1
            if checkpoint:
                checkpoint(done)
        else:
            if expected:
                part = durations.slowest_first(part, names, expected)
            results.update(_parallel(conninfo, files, part, jobs, timeout, on_result, alive))
    return [results[i] for i in range(len(files))]


def _parallel(conninfo: str, files: list[TestFile], indexes: list[int], jobs: int, timeout: str,
              on_result: Callable[[FileResult], None] | None,
              alive: Callable[[], None] | None) -> dict[int, FileResult]:
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in indexes:
        todo.put(index)
    results: dict[int, FileResult] = {}
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

    count = max(1, min(jobs, len(indexes)))
    _join([threading.Thread(target=work, daemon=True) for _ in range(count)], stopped)
    if death:
        raise death[0]
    return results


def _join(threads: list[threading.Thread], stopped: threading.Event) -> None:
    """Start the workers and wait for them; Ctrl-C or SIGTERM tells them to stop."""
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    except BaseException:
        stopped.set()
        raise
