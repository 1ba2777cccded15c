"""What a Supabase database has and vanilla PostgreSQL lacks, installed on a connection."""

from __future__ import annotations

from pathlib import Path

import psycopg

from dbharness.apply import run_script
from dbharness.errors import EngineError

COMPAT_FILE = Path(__file__).with_name("supabase_compat.sql")


def connect(conninfo: str, autocommit: bool = True) -> psycopg.Connection:
    """A connection to a throwaway server, with errors worded for people."""
    try:
        return psycopg.connect(conninfo, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise EngineError(f"cannot connect to the throwaway server: {str(exc).strip()}") from exc


def install(conn: psycopg.Connection) -> None:
    """Apply supabase_compat.sql (idempotent; a no-op on the real supabase/postgres image)."""
    run_script(conn, COMPAT_FILE)


def extension_available(conn: psycopg.Connection, name: str) -> bool:
    """True when the server has the extension installed (it can be created in a database)."""
    found = conn.execute("select 1 from pg_available_extensions where name = %s", (name,)).fetchone()
    return found is not None


def pgtap_available(conn: psycopg.Connection) -> bool:
    """True when the server has pgTAP installed."""
    return extension_available(conn, "pgtap")


def install_pgtap(conn: psycopg.Connection) -> None:
    """Create the pgtap extension in schema extensions, as Supabase places it."""
    conn.execute("create schema if not exists extensions")
    conn.execute("create extension if not exists pgtap with schema extensions")
