"""Recording an MT5 sync run, as the Python MT5 service (story 4.2) does as service_role: one row
in public.sync_logs and the account's connection health on public.trading_accounts, in one
transaction, so the accounts page never shows a log without its health or the other way round.

Health after a run:

| run | connection_status | last_connection_error | sync_failure_count | last_successful_sync_at |
|---|---|---|---|---|
| success | active | cleared | 0 | completed_at |
| partial | active (the account answered) | the run's error | 0 | unchanged |
| failed | error | the run's error | one more | unchanged |

last_sync_at is the run's completed_at whatever its outcome. The scheduler backs off by
sync_failure_count (`retry_delay`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

SYNC_TYPES = ("scheduled", "manual", "realtime")
OUTCOMES = ("success", "failed", "partial")
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


@dataclass(frozen=True)
class SyncRun:
    """One finished sync run of a trading account."""

    account_id: uuid.UUID
    sync_type: str  # scheduled, manual or realtime
    status: str  # success, failed or partial
    started_at: datetime
    completed_at: datetime
    trades_synced: int = 0
    error_message: str | None = None

    @property
    def duration_ms(self) -> int:
        """How long the run took, in whole milliseconds (negative when the clock went back: the
        table's checks refuse it)."""
        return int((self.completed_at - self.started_at) / timedelta(milliseconds=1))


class UnknownAccount(LookupError):
    """The run names a trading account that does not exist (nothing was written)."""


# One statement per outcome, so the failure count is computed by the database under the row lock
# (two runs finishing at once each count).
_HEALTH = {
    "success": "connection_status = 'active', last_connection_error = null, sync_failure_count = 0, "
               "last_successful_sync_at = %(completed_at)s",
    "partial": "connection_status = 'active', last_connection_error = %(error_message)s, "
               "sync_failure_count = 0",
    "failed": "connection_status = 'error', last_connection_error = %(error_message)s, "
              "sync_failure_count = sync_failure_count + 1",
}


def record_sync(conn: psycopg.Connection, run: SyncRun) -> uuid.UUID:
    """Write run's sync_logs row and the account's health in one transaction (a savepoint when
    conn is already in one); returns the log's id. Nothing is written when either part fails."""
    if run.status not in _HEALTH:
        raise ValueError(f"status {run.status!r}: one of {', '.join(OUTCOMES)}")
    values = {"account_id": run.account_id, "sync_type": run.sync_type, "status": run.status,
              "started_at": run.started_at, "completed_at": run.completed_at,
              "trades_synced": run.trades_synced, "error_message": run.error_message,
              "duration_ms": run.duration_ms}
    with conn.transaction():
        updated = conn.execute(
            f"update public.trading_accounts set {_HEALTH[run.status]}, "
            "last_sync_at = %(completed_at)s where id = %(account_id)s returning id", values).fetchone()
        if updated is None:
            raise UnknownAccount(f"no trading account {run.account_id}")
        row = conn.execute(
            "insert into public.sync_logs (account_id, sync_type, status, started_at, completed_at, "
            "trades_synced, error_message, duration_ms) values (%(account_id)s, %(sync_type)s, "
            "%(status)s, %(started_at)s, %(completed_at)s, %(trades_synced)s, %(error_message)s, "
            "%(duration_ms)s) returning id", values).fetchone()
    assert row is not None
    return row[0]


def retry_delay(failures: int) -> timedelta:
    """How long the scheduler waits before the next sync of an account with this many
    consecutive failures: none after a success, then doubling from a minute, at most an hour."""
    if failures <= 0:
        return timedelta(0)
    return min(BACKOFF_BASE * 2 ** min(failures - 1, 16), BACKOFF_CAP)
