"""What a migration file's failure says: file:line, PostgreSQL's message, advice where the harness
knows the cause (an opt-in part missing, an INVALID index an earlier run left, the history row
written with the file's session), and exactly what the failure left applied."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from dbharness.builder import history, index_builds, opt_ins
from dbharness.errors import MigrationError
from dbharness.hosted import rules
from dbharness.pg import psycopg
from dbharness.progress import Progress
from dbharness.sql.cli_batches import BATCHES, left_committed
from dbharness.sql.migrations import MigrationFile
from dbharness.sql.statements import Statement, error_line

SHOWN_LEFT = 8  # statements named one by one in a message; the rest are counted


class Failed(Exception):
    """The statement at `at` (len(statements): the history row) failed, with PostgreSQL's error
    or, for a check of the harness, with reason."""

    def __init__(self, at: int, error: psycopg.Error | None, reason: str = "") -> None:
        super().__init__(reason or str(error))
        self.at, self.error, self.reason = at, error, reason


def statement_error(shown: str, stmt: Statement, exc: psycopg.Error, note: str) -> MigrationError:
    """A MigrationError naming file, line, the statement's first line and PostgreSQL's message."""
    return MigrationError(f"{_where(shown, stmt, exc)}{_message(exc)}\n"
                          f"  statement: {stmt.first_line}\n  {note}")


def _where(shown: str, stmt: Statement, exc: psycopg.Error) -> str:
    line = error_line(stmt.sql, stmt.line, exc.diag.statement_position, exc.diag.context)
    return f"{shown}:{line}: "


def _message(exc: psycopg.Error) -> str:
    state = f" (SQLSTATE {exc.sqlstate})" if exc.sqlstate else ""
    detail = f"\n  detail: {exc.diag.message_detail}" if exc.diag.message_detail else ""
    return f"{(exc.diag.message_primary or str(exc)).strip()}{state}{detail}"


def stub_listener(mf: MigrationFile, statements: list[Statement],
                  report: Progress) -> Callable[[psycopg.errors.Diagnostic], None]:
    """A notice handler for a batch that reports each stubbed extension the server skipped, at the
    line of the statement that creates it."""
    def heard(diag: psycopg.errors.Diagnostic) -> None:
        name = rules.stubbed(diag.message_primary or "")
        if name:
            made = [s for s in statements if getattr(rules.created_extension(s.sql), "name", "") == name]
            where = f"{mf.shown}:{made[0].line}" if made else mf.shown
            report(f"warning: {where}: create extension {name} skipped: stubbed "
                   "(stub_extensions in the settings)")
    return heard


def stub_reporter(mf: MigrationFile, stmt: Statement, report: Progress) -> Callable[[str], None]:
    """What rules.execute calls for a stubbed extension the server skipped in one statement."""
    def skipped(name: str) -> None:
        report(f"warning: {mf.shown}:{stmt.line}: create extension {name} skipped: stubbed "
               "(stub_extensions in [tool.dbharness])")
    return skipped


def skipped_invalid(conn: psycopg.Connection, stmt: Statement, before: set[int]) -> str:
    """Why a CREATE INDEX CONCURRENTLY IF NOT EXISTS that met an INVALID index of that name (an
    earlier run's unfinished build) must not count as done; '' when it built or met a valid one."""
    named = index_builds.built_name(stmt) if getattr(stmt.node, "if_not_exists", False) else None
    found = index_builds.named_index(conn, *named) if named else None
    if found is None or found[2] or found[0] not in before:
        return ""
    return (f"{found[1]} is there already, INVALID: a CREATE INDEX CONCURRENTLY that an earlier run "
            "started and never finished (a killed or failed run); IF NOT EXISTS skipped it, so the "
            f"version is not recorded. Drop it with: drop index concurrently if exists {found[1]}; "
            "and run again")


def _hints(conn: psycopg.Connection, stmt: Statement | None, exc: psycopg.Error) -> list[str]:
    found = [text for text in [opt_ins.hint(exc)] if text]
    named = index_builds.built_name(stmt) if stmt is not None and exc.sqlstate == "42P07" else None
    if named:
        with suppress(psycopg.Error):
            index = index_builds.named_index(conn, *named)
            if index and not index[2]:
                found.append(f"{index[1]} is an INVALID index: a CREATE INDEX CONCURRENTLY that an "
                             "earlier run started and never finished; drop it with: drop index "
                             f"concurrently if exists {index[1]};")
    return found


def _row_failed(mf: MigrationFile, exc: psycopg.Error, direction: str) -> str:
    where = ("at the end of the file's last batch, in its transaction" if mf.plan.way == BATCHES
             else "on its own, after the file's last statement")
    what = "written" if direction == "up" else "deleted"
    text = (f"{mf.shown}: the history row could not be {what}: {_message(exc)}\n  it is {what} as "
            f"the Supabase CLI does it, {where}, with the session the file left")
    if exc.sqlstate == "42501":
        text += (" (a role the file set with set role or set_config('role', ...) and did not reset "
                 "lacks the privilege; the Supabase CLI fails the same way)")
    return text


def _left(mf: MigrationFile, at: int, cleaned: bool) -> str:
    """The statements a failure at `at` left applied, as the Supabase CLI leaves them."""
    stmts = mf.statements
    left = [stmts[i] for i in left_committed(mf.plan, stmts, at)]
    if cleaned:  # the cleanup dropped what the CONCURRENTLY builds made; its notes say so
        left = [s for s in left if not (index_builds.table_of(s) and getattr(s.node, "concurrent", False))]
    if not left:
        return ""
    named = ", ".join(f"line {s.line}: {s.first_line}" for s in left[:SHOWN_LEFT])
    more = f" and {len(left) - SHOWN_LEFT} more" if len(left) > SHOWN_LEFT else ""
    return ("left applied, as the Supabase CLI leaves them (each was committed before the failure): "
            + named + more)


def _sentence(notes: list[str]) -> str:
    text = "; ".join(notes)
    return text[0].upper() + text[1:] + "."


def _tail(mf: MigrationFile, at: int, cleanup: list[str], direction: str) -> str:
    left = _left(mf, at, bool(cleanup))
    if not left and not cleanup:
        return "Nothing of this file was applied."
    unrecorded = "the file was not recorded as applied" if direction == "up" else \
        "the version is still recorded"
    return _sentence([*cleanup, *([left] if left else []), unrecorded])


def error(mf: MigrationFile, failed: Failed, cleanup: list[str], conn: psycopg.Connection,
          direction: str = "up") -> MigrationError:
    """The message of a failed file: where, why, advice, and what it left applied."""
    stmts, exc = mf.statements, failed.error
    stmt = stmts[failed.at] if failed.at < len(stmts) else None
    if exc is not None and (name := rules.missing_extension(exc)) and stmt is not None:
        return MigrationError(f"{mf.shown}:{stmt.line}: {rules.unavailable_message(name)}")
    if stmt is None and exc is not None:
        head = _row_failed(mf, exc, direction)
    elif exc is not None and stmt is not None:
        head = f"{_where(mf.shown, stmt, exc)}{_message(exc)}\n  statement: {stmt.first_line}"
        head += "".join(f"\n  hint: {h}" for h in _hints(conn, stmt, exc))
    else:
        head = f"{mf.shown}:{stmt.line if stmt else 0}: {failed.reason}"
    return MigrationError(f"{head}\n  {_tail(mf, failed.at, cleanup, direction)}")


def interrupted(mf: MigrationFile, at: int, cleanup: list[str], conn: psycopg.Connection,
                direction: str) -> list[str]:
    """What an interrupted file left: the statements committed before the part that was running,
    and what the cleanup of its index builds did; nothing when it left nothing."""
    notes = list(cleanup)
    left = _left(mf, at, bool(cleanup))
    with suppress(psycopg.Error):
        if history.recorded(conn, mf.version) == (direction == "up"):
            return [*notes, "its last part had already run: the file is applied and its history "
                            "row written" if direction == "up" else "its last part had already "
                            "run: the file is rolled back and its history row deleted"]
    return [*notes, left.replace("before the failure", "before the interruption")] if left else notes
