"""Databases cloned from a template on a running server, as pytest-postgresql's janitor clones
them: the template made once (nobody connects to it), each clone made ahead in a background thread
while the previous one is in use, and dropped (with force) once it has been used."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import psycopg
from psycopg import sql

from dbharness.builder import database
from dbharness.engines.base import Server
from dbharness.errors import EngineError

MAINTENANCE_DB = "postgres"  # where the clones' admin connections wait (never a clone's source)
# Copies made ahead, each in a thread of its own: two copies at once take little more than one
# (most of a copy is the two checkpoints CREATE DATABASE waits for, which they share).
AHEAD = 2


def _strategy(server: Server) -> sql.Composable:
    # FILE_COPY (PostgreSQL 15+) copies a small database's files in about half the time of the
    # default WAL_LOG, which writes every block to the WAL; older servers copy files anyway.
    return sql.SQL(" strategy file_copy") if server.version >= 15 else sql.SQL("")


def copy_database(admin: psycopg.Connection, server: Server, source: str, name: str) -> None:
    """Create database name as a copy of source (admin: a superuser, autocommit), with source's
    owner, privileges and settings, which CREATE DATABASE does not copy."""
    owner = admin.execute("select pg_catalog.pg_get_userbyid(datdba) from pg_catalog.pg_database "
                          "where datname = %s", (source,)).fetchone()
    if owner is None:
        raise EngineError(f"database {source} does not exist on the throwaway server")
    admin.execute(sql.SQL("create database {} template {} owner {}").format(
        sql.Identifier(name), sql.Identifier(source), sql.Identifier(owner[0])) + _strategy(server))
    copy_privileges(admin, source, name)
    copy_settings(admin, source, name)
    copy_vault_key(admin, source, name)


def copy_privileges(admin: psycopg.Connection, source: str, name: str) -> None:
    """Give database name exactly source's grants (a new database starts with the defaults)."""
    rows = admin.execute(
        "select coalesce(pg_catalog.pg_get_userbyid(nullif(a.grantee, 0)), ''), a.privilege_type, "
        "a.is_grantable from pg_catalog.pg_database d, pg_catalog.aclexplode(d.datacl) a "
        "where d.datname = %s and d.datacl is not null order by 1, 2", (source,)).fetchall()
    if not rows:
        return  # source keeps the default privileges, as the copy does
    target = sql.Identifier(name)
    admin.execute(sql.SQL("revoke all on database {} from public").format(target))
    for grantee, privilege, grantable in rows:
        who = sql.Identifier(grantee) if grantee else sql.SQL("public")
        admin.execute(sql.SQL("grant {} on database {} to {}{}").format(
            sql.SQL(privilege), target, who, sql.SQL(" with grant option" if grantable else "")))


def copy_settings(admin: psycopg.Connection, source: str, name: str) -> None:
    """Give database name source's own settings (ALTER DATABASE ... SET, also per role)."""
    rows = admin.execute(
        "select coalesce(pg_catalog.pg_get_userbyid(nullif(s.setrole, 0)), ''), s.setconfig "
        "from pg_catalog.pg_db_role_setting s join pg_catalog.pg_database d on d.oid = s.setdatabase "
        "where d.datname = %s", (source,)).fetchall()
    for role, config in rows:
        for entry in config:
            setting, _, value = entry.partition("=")
            # the value as the server reads it at login, stored back as it prints it: a list
            # (search_path) keeps its elements, a duration its unit
            with admin.transaction():
                admin.execute("select pg_catalog.set_config(%s, %s, true)", (setting, value))
                target = sql.SQL("database {}").format(sql.Identifier(name))
                if role:
                    target = sql.SQL("role {} in {}").format(sql.Identifier(role), target)
                admin.execute(sql.SQL("alter {} set {} from current").format(
                    target, sql.Identifier(*setting.split("."))))


def copy_vault_key(admin: psycopg.Connection, source: str, name: str) -> None:
    """Give database name source's offline Vault key (hosted/extensions/supabase_vault: a file of
    the data directory named by the database's oid, so a copy would find none and decrypt nothing)."""
    files = admin.execute(
        "select 'dbharness_vault_' || s.oid || '.key', 'dbharness_vault_' || t.oid || '.key' "
        "from pg_catalog.pg_database s, pg_catalog.pg_database t where s.datname = %s and t.datname = %s",
        (source, name)).fetchone()
    assert files is not None
    key = admin.execute("select case when (pg_catalog.pg_stat_file(f, true)).size is not null then "
                        "pg_catalog.pg_read_file(f) end from (select %s::text as f) as k",
                        (files[0],)).fetchone()
    if key is None or key[0] is None:
        return  # source has no offline Vault
    where = admin.execute("select pg_catalog.current_setting('data_directory')").fetchone()
    assert where is not None
    admin.execute(sql.SQL("copy (select {}) to {}").format(
        sql.Literal(key[0].strip()), sql.Literal(f"{where[0]}/{files[1]}")))


def make_template(admin: psycopg.Connection, server: Server, source: str, name: str) -> None:
    """A template database copied from source, marked datistemplate, that nobody may connect to.

    Background workers (pg_cron's launcher, pg_net's worker) stay connected to source, which
    CREATE DATABASE refuses: source takes no new connection while its sessions are ended and the
    copy is made, then it does again (the workers reconnect)."""
    db = sql.Identifier(source)
    admin.execute(sql.SQL("alter database {} allow_connections false").format(db))
    try:
        admin.execute("select pg_catalog.pg_terminate_backend(pid) from pg_catalog.pg_stat_activity "
                      "where datname = %s and pid <> pg_catalog.pg_backend_pid()", (source,))
        copy_database(admin, server, source, name)
    finally:
        admin.execute(sql.SQL("alter database {} allow_connections true").format(db))
    admin.execute(sql.SQL("alter database {} is_template true allow_connections false").format(
        sql.Identifier(name)))


class Clones:
    """Fresh copies of a template database on server, one at a time, the next ones made ahead."""

    def __init__(self, server: Server, template: str, prefix: str, ahead: int = AHEAD) -> None:
        self.server = server
        self.template = template
        self.prefix = prefix
        self.depth = ahead
        self._numbers = itertools.count(1)
        self._local = threading.local()  # each background thread's own admin connection
        self._connections: list[psycopg.Connection] = []
        self._worker = ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="dbharness-clones")
        self._ahead: deque[Future[str]] = deque()
        self._drops: list[Future[None]] = []

    def _admin(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = database.connect(self.server.conninfo(MAINTENANCE_DB, admin=True))
            self._connections.append(conn)
        return conn

    def _make(self, name: str) -> str:
        try:
            copy_database(self._admin(), self.server, self.template, name)
        except psycopg.Error as exc:
            raise EngineError(f"could not copy the template database {self.template} to {name}: "
                              f"{str(exc).strip()}") from exc
        return name

    def _drop(self, name: str) -> None:
        self._admin().execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))

    def _submit(self) -> None:
        self._ahead.append(self._worker.submit(self._make, f"{self.prefix}{next(self._numbers)}"))

    def take(self) -> Server:
        """A new copy of the template (waits only for its own copy); the next ones are started."""
        for done in [f for f in self._drops if f.done()]:
            self._drops.remove(done)
            if done.exception() is not None:
                raise EngineError(f"could not drop a used database: {done.exception()}")
        if not self._ahead:
            self._submit()
        current = self._ahead.popleft()
        while len(self._ahead) < self.depth:
            self._submit()
        return replace(self.server, dbname=current.result())

    def give_back(self, db: Server) -> None:
        """Drop a database take() gave, in the background (its connections are ended)."""
        self._drops.append(self._worker.submit(self._drop, db.dbname))

    def close(self) -> None:
        """Finish the background work, drop the copies made ahead, close the admin connections."""
        try:
            for made in self._ahead:
                made.cancel()  # not begun yet: never made; the drops queued still run
            self._worker.shutdown(wait=True)
            for made in self._ahead:
                if not made.cancelled() and made.exception() is None:
                    with database.connect(self.server.conninfo(MAINTENANCE_DB, admin=True)) as admin:
                        admin.execute(sql.SQL("drop database if exists {} with (force)").format(
                            sql.Identifier(made.result())))
            self._ahead.clear()
        finally:
            for conn in self._connections:
                conn.close()
