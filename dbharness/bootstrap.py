"""Prepare a fresh throwaway database: connect, Supabase compatibility, migrations."""

from __future__ import annotations

from pathlib import Path

import psycopg

from dbharness import migrations
from dbharness.apply import Report, Timeouts, apply_files, run_script
from dbharness.config import Settings
from dbharness.errors import ConfigError, EngineError

COMPAT_FILE = Path(__file__).with_name("supabase_compat.sql")


def connect(conninfo: str, autocommit: bool = True) -> psycopg.Connection:
    """A connection to a throwaway server, with errors worded for people."""
    try:
        return psycopg.connect(conninfo, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise EngineError(f"cannot connect to the throwaway server: {str(exc).strip()}") from exc


def install_compat(conn: psycopg.Connection) -> None:
    """Apply supabase_compat.sql (idempotent; a no-op on the real supabase/postgres image)."""
    run_script(conn, COMPAT_FILE)


def timeouts(settings: Settings) -> Timeouts:
    """The migration timeouts configured for this project."""
    return Timeouts(settings.lock_timeout, settings.statement_timeout)


def migrate(conn: psycopg.Connection, settings: Settings, report: Report,
            files: list[migrations.MigrationFile] | None = None) -> dict[str, float]:
    """Apply the given migrations (default: all of the project) in version order."""
    chosen = migrations.discover(settings.migrations_dir) if files is None else files
    for mf in chosen:
        _ = mf.transactional  # refuse mixed files before anything runs
    return apply_files(conn, chosen, timeouts(settings), "up", report)


def migrate_and_seed(conn: psycopg.Connection, settings: Settings, report: Report) -> None:
    """Apply every migration and the seed; the seed goes after version seed_after when set.

    Seeding between the baseline and the newer migrations puts rows in the tables before the
    newer migrations run, as in production, so the suite sees how they treat existing data.
    """
    files = migrations.discover(settings.migrations_dir)
    split_at = settings.seed_after
    if split_at is not None and split_at not in {f.version for f in files}:
        raise ConfigError(f"seed_after = {split_at!r} names no migration in "
                          f"{settings.migrations_dir}")
    before = [f for f in files if split_at is not None and f.version <= split_at]
    migrate(conn, settings, report, before)
    if settings.seed_file.exists():
        run_script(conn, settings.seed_file, timeouts(settings))
        report(f"Seeded from {settings.seed_file.name}")
    migrate(conn, settings, report, [f for f in files if f not in before])
