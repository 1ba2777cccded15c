"""Run pgTAP files as pg_prove would, statement by statement, and collect their TAP.

A file whose statements are wrapped in its own BEGIN ... ROLLBACK is *isolated*: it runs in a
transaction the harness rolls back, in parallel with the others. Any other file may change the
database for the files after it (the `00000-helpers` pattern), so it runs first, serially, in
name order, on a connection of its own, exactly as written, and its effects persist.
"""

from __future__ import annotations

import glob
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from pglast import parse_sql
from pglast.parser import ParseError, split
from psycopg import sql as psql

from dbharness import compat, psqlscript
from dbharness.apply import display_path
from dbharness.config import duration_seconds
from dbharness.errors import ConfigError, HarnessError, PrerequisiteError
from dbharness.statements import Statement, is_transaction_control
from dbharness.tapresults import FileResult, parse_tap
from dbharness.watchdog import Watchdog

INSTALL_HINT = ("install pgTAP for this PostgreSQL: apt-get install postgresql-{major}-pgtap "
                "(or run: invoke setup)")


def discover(root: Path, patterns: tuple[str, ...], chosen: list[str] | None = None) -> list[Path]:
    """The chosen files (checked to exist), or every file the test_paths globs match, in name order."""
    if chosen:
        paths = [Path(c) for c in chosen]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise ConfigError(f"no such pgTAP file: {', '.join(missing)}")
        return paths
    found = {Path(p) for pattern in patterns for p in glob.glob(str(root / pattern), recursive=True)}
    return sorted(p for p in found if p.is_file())


def prepare(conn: psycopg.Connection, setup_dir: Path, major: int) -> None:
    """Install the pgtap extension (in schema extensions) and the SQL test helpers."""
    if not compat.pgtap_available(conn):
        raise PrerequisiteError("the pgtap extension is not available on the server; "
                                + INSTALL_HINT.format(major=major or 15))
    compat.install_pgtap(conn)
    for helper in sorted(setup_dir.glob("*.sql")) if setup_dir.is_dir() else []:
        test_file = load(helper)
        if test_file.error:
            raise ConfigError(test_file.error)
        with conn.transaction():
            for step in test_file.steps:
                if isinstance(step, Located):
                    _execute(conn, step, "0")


@dataclass(frozen=True)
class Located:
    """A statement and the file it came from (an included file keeps its own name and lines)."""

    statement: Statement
    path: Path


@dataclass
class TestFile:
    """A pgTAP file expanded and split, ready to run, or the reason it cannot run."""

    path: Path
    steps: list[Located | psqlscript.Echo] = field(default_factory=list)
    persistent: bool = False
    error: str | None = None
    echoed: list[str] = field(default_factory=list)

    __test__ = False


def split_for_run(text: str, first_line: int) -> list[Statement]:
    """Statements as psql would send them: split by the scanner, so a syntax error stays in its
    own statement and fails when the server sees it, after the statements before it ran."""
    try:
        slices = split(text, with_parser=False, only_slices=True)
    except ParseError as exc:
        raise psqlscript.ScriptError(f"cannot split into statements: {exc.args[0]}") from None
    out = []
    for piece in slices:
        sql = text[piece]
        try:
            node = parse_sql(sql)[0].stmt
        except (ParseError, IndexError):
            node = None
        out.append(Statement(sql, first_line + text[: piece.start].count("\n"), node))
    return out


def is_isolated(statements: list[Statement]) -> bool:
    """True when the file runs inside its own BEGIN ... ROLLBACK and ends no transaction before."""
    if not statements:
        return True
    control = [s for s in statements if is_transaction_control(s)]
    first, last = statements[0], statements[-1]
    return (bool(control) and control[0] is first and control[-1] is last and len(control) == 2
            and first.node.kind.name in ("TRANS_STMT_BEGIN", "TRANS_STMT_START")  # type: ignore[attr-defined]
            and last.node.kind.name == "TRANS_STMT_ROLLBACK")  # type: ignore[attr-defined]


def load(path: Path, variables: dict[str, str] | None = None) -> TestFile:
    """Expand meta-commands and includes, split into statements, and classify the file."""
    result = TestFile(path)
    try:
        script = psqlscript.expand(path, variables)
        for unit in script.units:
            if isinstance(unit, psqlscript.Echo):
                result.steps.append(unit)
                continue
            result.steps += [Located(s, unit.path) for s in split_for_run(unit.text, unit.line)]
    except psqlscript.ScriptError as exc:
        result.error = str(exc)
        return result
    result.persistent = not is_isolated([s.statement for s in result.steps if isinstance(s, Located)])
    return result


class StatementFailed(HarnessError):
    """A statement of a pgTAP file failed; the message names its file and line."""


def _execute(conn: psycopg.Connection, step: Located, timeout: str,
             guard: Watchdog | None = None) -> list[str]:
    if guard:
        guard.arm()
    try:
        cur = conn.execute(step.statement.sql)
    except psycopg.Error as exc:
        raise StatementFailed(_describe_error(step, exc, timeout)) from exc
    finally:
        if guard:
            guard.disarm()
    if cur.description is None:
        return []
    return [line for row in cur.fetchall() if row and row[0] is not None for line in str(row[0]).split("\n")]


def _describe_error(step: Located, exc: psycopg.Error, timeout: str) -> str:
    if exc.sqlstate == "57014":
        what = f"timed out: a statement ran longer than the test timeout ({timeout})"
    else:
        what = f"SQL error: {(exc.diag.message_primary or str(exc)).strip()} (SQLSTATE {exc.sqlstate})"
    where = f"{display_path(step.path)}:{step.statement.line}"
    return f"{where}: {what}\n  statement: {step.statement.first_line}"


def _run_steps(conn: psycopg.Connection, test_file: TestFile, timeout: str,
               out: list[str]) -> str | None:
    """Run every step, appending TAP and echoed lines to out; the first error ends the file.

    Each statement also has a client-side deadline (test_timeout), which cancels it even when
    the test switched statement_timeout off or loops in PL/pgSQL."""
    with Watchdog(conn, duration_seconds(timeout)) as guard:
        return _run_each(conn, test_file, timeout, out, guard)


def _run_each(conn: psycopg.Connection, test_file: TestFile, timeout: str, out: list[str],
              guard: Watchdog) -> str | None:
    for step in test_file.steps:
        if isinstance(step, psqlscript.Echo):
            out.append(step.text)
            test_file.echoed.append(step.text)
            continue
        if not test_file.persistent and is_transaction_control(step.statement):
            continue
        try:
            out.extend(_execute(conn, step, timeout, guard))
        except StatementFailed as exc:
            return str(exc)
    return None


def _set_timeout(conn: psycopg.Connection, timeout: str, local: bool) -> None:
    scope = psql.SQL("set local" if local else "set")
    conn.execute(psql.SQL("{} statement_timeout = {}").format(scope, psql.Literal(timeout)))


def _finish(test_file: TestFile, tap: list[str], error: str | None, started: float) -> FileResult:
    result = parse_tap("\n".join(tap), FileResult(display_path(test_file.path)))
    result.error = error
    result.echoed = list(test_file.echoed)
    result.seconds = time.perf_counter() - started
    return result


def run_persistent(conninfo: str, test_file: TestFile, timeout: str) -> FileResult:
    """A file with persistent effects: its own session, statements as written, effects kept."""
    started = time.perf_counter()
    tap: list[str] = []
    error = test_file.error
    if error is None:
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                _set_timeout(conn, timeout, local=False)
                error = _run_steps(conn, test_file, timeout, tap)
        except psycopg.Error as exc:
            error = f"{display_path(test_file.path)}: cannot run: {str(exc).strip()}"
    return _finish(test_file, tap, error, started)


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
        tap: list[str] = []
        error = test_file.error
        if error is None:
            try:
                conn = self._connection()
                _set_timeout(conn, timeout, local=True)
                error = _run_steps(conn, test_file, timeout, tap)
            except psycopg.Error as exc:
                error = f"{display_path(test_file.path)}: cannot run: {str(exc).strip()}"
        self._reset()
        return _finish(test_file, tap, error, started)

    def close(self) -> None:
        """Close the connection, if any."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_file(conninfo: str, path: Path, timeout: str) -> FileResult:
    """Run one file on a connection of its own, isolated or persistent as the file says."""
    test_file = load(path)
    if test_file.persistent:
        return run_persistent(conninfo, test_file, timeout)
    worker = Worker(conninfo)
    try:
        return worker.run(test_file, timeout)
    finally:
        worker.close()


def run_files(conninfo: str, paths: list[Path], jobs: int, timeout: str,
              on_result: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Files with persistent effects first, serially, in the given order; then the isolated ones
    on `jobs` reused connections in parallel. Results come back in the order of paths."""
    files = [load(p) for p in paths]
    results: dict[int, FileResult] = {}
    for index, test_file in enumerate(files):
        if test_file.persistent:
            results[index] = run_persistent(conninfo, test_file, timeout)
            if on_result:
                on_result(results[index])
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index, test_file in enumerate(files):
        if not test_file.persistent:
            todo.put(index)

    def work() -> None:
        worker = Worker(conninfo)
        try:
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                results[index] = worker.run(files[index], timeout)
                if on_result:
                    on_result(results[index])
        finally:
            worker.close()

    threads = [threading.Thread(target=work) for _ in range(max(1, min(jobs, len(files) - len(results))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [results[i] for i in range(len(paths))]
