"""app.mt5_sync on a fresh database of this project for each test (the dbharness pytest plugin):
run as service_role, as the MT5 service runs, it records each sync and keeps the account's health;
the database refuses bad logs, and the owner reads but never writes the MT5 columns."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg import errors

from app.mt5_sync import SyncRun, UnknownAccount, record_sync, retry_delay
from dbharness.testing import as_anon, as_authenticated, as_service_role, create_user

STARTED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
HEALTH = ("connection_status, last_connection_error, sync_failure_count, last_successful_sync_at, "
          "last_sync_at")


def new_owner(conn: psycopg.Connection) -> uuid.UUID:
    """A user with a profile (trading_accounts.user_id references profiles), committed."""
    user = create_user(conn)
    conn.execute("insert into public.profiles (user_id, display_name) values (%s, 'Trader')", (user,))
    conn.commit()
    return user


@pytest.fixture
def owner(supabase_conn) -> uuid.UUID:
    return new_owner(supabase_conn)


@pytest.fixture
def account(supabase_conn, owner) -> uuid.UUID:
    """An MT5 account of owner, as connect-mt5-account (story 4.1) leaves it, committed."""
    made = supabase_conn.execute(
        "insert into public.trading_accounts (user_id, platform, broker_name, server, login_number, "
        "mt5_service_account_id, connection_status) values (%s, 'MT5', 'Broker', 'Broker-Live', "
        "'5550001', %s, 'connected') returning id", (owner, f"svc-{uuid.uuid4().hex[:8]}")).fetchone()[0]
    supabase_conn.commit()
    return made


def run(account: uuid.UUID, status: str, *, seconds: float = 2.5, trades: int = 0,
        error: str | None = None, sync_type: str = "scheduled", at: datetime = STARTED) -> SyncRun:
    return SyncRun(account, sync_type, status, at, at + timedelta(seconds=seconds), trades, error)


def health(conn: psycopg.Connection, account: uuid.UUID) -> tuple:
    return conn.execute(f"select {HEALTH} from public.trading_accounts where id = %s", (account,)).fetchone()


def test_a_success_is_logged_and_marks_the_account_active(supabase_conn, account):
    done = run(account, "success", seconds=2.5, trades=7, sync_type="manual")
    with as_service_role(supabase_conn):
        log_id = record_sync(supabase_conn, done)
    supabase_conn.commit()
    log = supabase_conn.execute(
        "select account_id, sync_type, status, started_at, completed_at, trades_synced, error_message, "
        "duration_ms from public.sync_logs where id = %s", (log_id,)).fetchone()
    assert log == (account, "manual", "success", done.started_at, done.completed_at, 7, None, 2500)
    assert health(supabase_conn, account) == ("active", None, 0, done.completed_at, done.completed_at)


def test_each_failure_counts_and_a_success_resets_the_count(supabase_conn, account):
    with as_service_role(supabase_conn):
        for n in range(3):
            record_sync(supabase_conn, run(account, "failed", error=f"timeout {n}",
                                           at=STARTED + timedelta(minutes=n)))
        supabase_conn.commit()
        failed = health(supabase_conn, account)
        recovered_at = STARTED + timedelta(minutes=10)
        record_sync(supabase_conn, run(account, "success", trades=2, at=recovered_at))
        supabase_conn.commit()
        recovered = health(supabase_conn, account)
    last_failure_end = STARTED + timedelta(minutes=2, seconds=2.5)
    assert failed == ("error", "timeout 2", 3, None, last_failure_end)
    end = recovered_at + timedelta(seconds=2.5)
    assert recovered == ("active", None, 0, end, end)
    count = supabase_conn.execute("select count(*) from public.sync_logs where account_id = %s", (account,))
    assert count.fetchone()[0] == 4


def test_a_partial_run_keeps_its_error_but_does_not_back_off(supabase_conn, account):
    with as_service_role(supabase_conn):
        record_sync(supabase_conn, run(account, "failed", error="refused"))
        record_sync(supabase_conn, run(account, "partial", trades=3, error="2 deals skipped",
                                       at=STARTED + timedelta(minutes=5)))
        supabase_conn.commit()
    end = STARTED + timedelta(minutes=5, seconds=2.5)
    assert health(supabase_conn, account) == ("active", "2 deals skipped", 0, None, end)


def test_the_back_off_doubles_from_a_minute_up_to_an_hour():
    assert [retry_delay(n) for n in (0, 1, 2, 3)] == [timedelta(0), timedelta(minutes=1),
                                                       timedelta(minutes=2), timedelta(minutes=4)]
    assert retry_delay(7) == timedelta(hours=1) and retry_delay(10_000) == timedelta(hours=1)


@pytest.mark.parametrize(("column", "value", "constraint"), [
    ("sync_type", "nightly", "sync_logs_sync_type_check"),
    ("status", "done", "sync_logs_status_check"),
    ("trades_synced", -1, "sync_logs_trades_synced_check"),
    ("duration_ms", -1, "sync_logs_duration_ms_check"),
    ("completed_at", STARTED - timedelta(seconds=1), "sync_logs_completed_after_started_check"),
])
def test_sync_logs_checks_refuse_bad_values(supabase_conn, account, column, value, constraint):
    row = {"account_id": account, "sync_type": "scheduled", "status": "success", "started_at": STARTED,
           "completed_at": STARTED + timedelta(seconds=1), "trades_synced": 0, "duration_ms": 1000}
    row[column] = value
    with as_service_role(supabase_conn), pytest.raises(errors.CheckViolation) as refused:
        supabase_conn.execute(f"insert into public.sync_logs ({', '.join(row)}) "
                              f"values ({', '.join(['%s'] * len(row))})", list(row.values()))
    assert refused.value.sqlstate == "23514"
    assert refused.value.diag.constraint_name == constraint


def test_sync_logs_takes_the_good_values_those_checks_allow(supabase_conn, account):
    with as_service_role(supabase_conn):
        for sync_type, status in zip(("scheduled", "manual", "realtime"), ("success", "failed", "partial"),
                                     strict=True):
            record_sync(supabase_conn, run(account, status, seconds=0, sync_type=sync_type))
    supabase_conn.commit()
    assert supabase_conn.execute("select count(*) from public.sync_logs where duration_ms = 0 "
                                 "and completed_at = started_at").fetchone()[0] == 3


def test_a_refused_log_leaves_the_accounts_health_as_it_was(supabase_conn, account):
    supabase_conn.autocommit = True  # each statement would commit on its own, but for record_sync's transaction
    before = health(supabase_conn, account)
    with as_service_role(supabase_conn):
        with pytest.raises(errors.CheckViolation) as refused:
            record_sync(supabase_conn, run(account, "failed", seconds=-5, error="clock skew"))
        assert refused.value.diag.constraint_name == "sync_logs_completed_after_started_check"
    assert health(supabase_conn, account) == before == ("connected", None, 0, None, None)
    assert supabase_conn.execute("select count(*) from public.sync_logs").fetchone()[0] == 0


def test_an_unknown_account_writes_nothing(supabase_conn):
    with as_service_role(supabase_conn), pytest.raises(UnknownAccount):
        record_sync(supabase_conn, run(uuid.uuid4(), "success"))
    assert supabase_conn.execute("select count(*) from public.sync_logs").fetchone()[0] == 0


@pytest.mark.parametrize(("column", "value"), [
    ("connection_status", "active"), ("last_connection_error", None), ("sync_failure_count", 0),
    ("last_successful_sync_at", STARTED), ("last_sync_at", STARTED),
    ("mt5_service_account_id", "svc-taken"), ("broker_server_time_offset", 3600),
])
def test_the_owner_cannot_write_the_mt5_columns(supabase_conn, owner, account, column, value):
    with as_authenticated(supabase_conn, owner), pytest.raises(errors.InsufficientPrivilege) as refused:
        supabase_conn.execute(f"update public.trading_accounts set {column} = %s where id = %s",
                              (value, account))
    assert refused.value.sqlstate == "42501"
    assert supabase_conn.execute("select current_user").fetchone()[0] == "postgres"


def test_the_owner_still_renames_the_account(supabase_conn, owner, account):
    with as_authenticated(supabase_conn, {"sub": str(owner), "email": "trader@example.test"}):
        renamed = supabase_conn.execute("update public.trading_accounts set account_name = 'Main' "
                                        "where id = %s returning account_name", (account,)).fetchall()
    assert renamed == [("Main",)]


def test_the_owner_reads_the_health_and_logs_and_nobody_else_does(supabase_conn, owner, account):
    with as_service_role(supabase_conn):
        record_sync(supabase_conn, run(account, "failed", error="invalid password"))
    supabase_conn.commit()
    stranger = new_owner(supabase_conn)
    with as_authenticated(supabase_conn, owner):
        seen = health(supabase_conn, account)
        logs = supabase_conn.execute("select status, error_message from public.sync_logs").fetchall()
    with as_authenticated(supabase_conn, stranger):
        assert health(supabase_conn, account) is None
        assert supabase_conn.execute("select count(*) from public.sync_logs").fetchone()[0] == 0
    with as_anon(supabase_conn), pytest.raises(errors.InsufficientPrivilege):
        supabase_conn.execute("select count(*) from public.sync_logs")
    assert seen[:3] == ("error", "invalid password", 1)
    assert logs == [("failed", "invalid password")]
