"""One pgTAP file on one connection: each statement as psql sends it, what the file prints (as
pg_prove reads it: one line at a time, \\echo -n leaving a line open), and where it stops.

The file's loaded steps run in order (run_steps); a file whose queries depend on results is
interpreted again instead (live.py), through the same statement() and output.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from dbharness.errors import HarnessError
from dbharness.hosted import rules
from dbharness.paths import shown
from dbharness.pg import psycopg
from dbharness.sql.psqlscript import Echo, Rows, Said
from dbharness.sql.statements import error_line, is_transaction_control
from dbharness.suite.tapresults import ASSERTION_LINE, Emitted
from dbharness.suite.testfiles import Failure, Located, TestFile
from dbharness.suite.watchdog import Watchdog

Stopped = tuple[str, str]  # (message, file:line where the file stopped)


class StatementFailed(HarnessError):
    """A statement of a pgTAP file failed; the message names its file and line."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.where = where


@dataclass
class Output:
    """Every line a file printed, in order, with the statement (file:line) that printed it."""

    root: Path | None
    lines: list[Emitted] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    echoed: list[str] = field(default_factory=list)
    open: str = ""  # what \echo -n printed, which the next line continues

    def printed(self, text: str, where: str, seconds: float = 0.0) -> None:
        """Lines a statement or an \\echo printed (text may hold several)."""
        for line in text.split("\n"):
            self.lines.append(Emitted(self.open + line, where, seconds))
            self.open = ""

    def printed_rest(self) -> None:
        """A line \\echo -n left open when the file ended."""
        if self.open:
            self.lines.append(Emitted(self.open))
            self.open = ""

    def echo(self, unit: Echo) -> None:
        """\\echo, \\qecho, \\p."""
        self.echoed.append(unit.text)
        if unit.newline:
            self.printed(unit.text, f"{shown(unit.path, self.root)}:{unit.line}")
        else:
            self.open += unit.text

    def said(self, unit: Said) -> None:
        """psql's own messages (stderr): kept with the notices."""
        self.notices.append(f"psql:  {shown(unit.path, self.root)}:{unit.line}: {unit.text}")


def _describe_error(step: Located, exc: psycopg.Error, timeout: str) -> str:
    if exc.sqlstate == "57014":
        what = f"timed out: a statement ran longer than the test timeout ({timeout})"
    else:
        what = f"SQL error: {(exc.diag.message_primary or str(exc)).strip()} (SQLSTATE {exc.sqlstate})"
    line = error_line(step.statement.sql, step.statement.line, exc.diag.statement_position,
                      exc.diag.context)
    return f"{step.shown}:{line}: {what}\n  statement: {step.statement.first_line}"


def rows_of(cur: psycopg.Cursor) -> Rows | None:
    """The result as \\gset and \\gexec read it: text as the server sent it, None for NULL;
    None when the statement returned no rows at all (a command)."""
    result = cur.pgresult
    if cur.description is None or result is None:
        return None
    encoding = cur.connection.info.encoding
    names = tuple(result.fname(i).decode(encoding) for i in range(result.nfields))  # type: ignore[union-attr]
    values = tuple(tuple(None if (v := result.get_value(r, i)) is None else v.decode(encoding)
                         for i in range(result.nfields)) for r in range(result.ntuples))
    return Rows(names, values)


@dataclass
class FileRun:
    """One file running on a connection: statements executed, output collected."""

    conn: psycopg.Connection
    test_file: TestFile
    timeout: str
    output: Output
    guard: Watchdog | None = None
    as_written: bool = False  # run BEGIN/COMMIT/ROLLBACK too (test helpers, persistent files)

    @property
    def isolated(self) -> bool:
        """The harness holds the file's transaction and skips its BEGIN and ROLLBACK."""
        return not (self.as_written or self.test_file.persistent)

    def statement(self, step: Located, keep: bool = False) -> Rows | None:
        """Run one statement and print what it returned; with keep, return its rows instead
        (\\gset and \\gexec read them; psql does not print them)."""
        where = f"{step.shown}:{step.statement.line}"
        if self.guard:
            self.guard.arm()
        started = time.perf_counter()
        try:
            cur = rules.execute(self.conn, step.statement.sql)
        except psycopg.Error as exc:
            raise StatementFailed(_describe_error(step, exc, self.timeout), where) from exc
        except rules.ExtensionUnavailable as exc:
            raise StatementFailed(f"{where}: {exc}", where) from None
        finally:
            if self.guard:
                self.guard.disarm()
        if keep:
            return rows_of(cur)
        lines = [] if cur.description is None else [
            line for row in cur.fetchall() if row and row[0] is not None for line in str(row[0]).split("\n")]
        share = (time.perf_counter() - started) / max(1, sum(1 for x in lines if ASSERTION_LINE.match(x)))
        for line in lines:
            self.output.printed(line, where, share)
        return None

    def steps(self) -> Stopped | None:
        """Run the loaded steps in order; the first error ends the file (psql's ON_ERROR_STOP)."""
        for step in self.test_file.steps:
            if isinstance(step, Echo):
                self.output.echo(step)
            elif isinstance(step, Said):
                self.output.said(step)
            elif isinstance(step, Failure):
                return self.failure(step.message, step.path, step.line)
            elif not (self.isolated and is_transaction_control(step.statement)):
                try:
                    self.statement(step)
                except StatementFailed as exc:
                    return str(exc), exc.where
        return None

    def failure(self, message: str, path: Path, line: int) -> Stopped:
        """psql's error at path:line, as the file's failure."""
        where = f"{shown(path, self.output.root)}:{line}"
        return f"{where}: {message}", where
