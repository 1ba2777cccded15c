"""One batch of a migration file, sent as the Supabase CLI sends it: every statement as its own
Parse/Bind/Describe/Execute in one pipeline, then a single Sync, so the server runs the batch as
one implicit transaction and stops at the first error (nothing of the batch stays)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dbharness.pg import psycopg

Item = tuple[str, Sequence[object] | None]  # a statement's text and its parameters


class BatchFailed(Exception):
    """The item at `at` (0-based, in the order sent) failed with `error`; the batch rolled back."""

    def __init__(self, at: int, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.at = at
        self.error = error


def send(conn: psycopg.Connection, items: list[Item],
         notice: Callable[[psycopg.errors.Diagnostic], None] | None = None) -> None:
    """Send items as one pipeline with one Sync (conn in autocommit); notice hears every NOTICE
    and WARNING the batch raised. The first failing item raises BatchFailed."""
    cursors: list[psycopg.Cursor] = []
    failure: psycopg.Error | None = None
    if notice:
        conn.add_notice_handler(notice)
    try:
        with conn.pipeline():
            for sql, params in items:
                try:
                    # unnamed statements, never prepared: what the CLI sends
                    cursors.append(conn.execute(sql, params, prepare=False))
                except psycopg.Error as exc:  # an earlier item's error, read while sending
                    failure = exc
                    break
    except psycopg.Error as exc:  # read at the Sync: the first error of the batch
        failure = failure or exc
    finally:
        if notice:
            conn.remove_notice_handler(notice)
    if failure is not None:
        # The server ran the items in order and skipped the rest after the error: the items with a
        # result are those before the failing one.
        raise BatchFailed(sum(1 for c in cursors if c.pgresult is not None), failure)
