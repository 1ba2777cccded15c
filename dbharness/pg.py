"""The PostgreSQL driver (psycopg), imported on first use: a run launches its server first and
imports the driver while the server boots (psycopg and its types cost a run tens of
milliseconds), so the two overlap. Modules take the driver from here: `from dbharness.pg import
psycopg, sql`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbharness import lazy

if TYPE_CHECKING:
    import psycopg as psycopg
    from psycopg import sql as sql
else:
    psycopg = lazy.Module("psycopg")
    sql = lazy.Module("psycopg.sql")

__all__ = ["psycopg", "sql"]
