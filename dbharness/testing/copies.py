"""A database copied whole on a running server (CREATE DATABASE ... TEMPLATE) with what that
statement leaves behind: the source's owner, grants and settings (ALTER DATABASE ... SET), and its
offline Vault key; and the template that every copy of a session is made from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from dbharness.engines.base import Server
from dbharness.errors import EngineError

GRANTS = ("select coalesce(pg_catalog.pg_get_userbyid(nullif(a.grantee, 0)), ''), a.privilege_type, "
          "a.is_grantable from pg_catalog.pg_database d, pg_catalog.aclexplode(d.datacl) a "
          "where d.datname = %s order by 1, 2")
SETTINGS = ("select coalesce(pg_catalog.pg_get_userbyid(nullif(s.setrole, 0)), ''), s.setconfig "
            "from pg_catalog.pg_db_role_setting s join pg_catalog.pg_database d on d.oid = s.setdatabase "
            "where d.datname = %s")
# The offline Vault (hosted/extensions/supabase_vault) keeps a database's key in a file of the data
# directory named by the database's oid: a copy, with an oid of its own, would decrypt nothing.
VAULT_KEY = ("select d.datacl is not null, pg_catalog.pg_get_userbyid(d.datdba), "
             "pg_catalog.current_setting('data_directory'), case when "
             "(pg_catalog.pg_stat_file(k.f, true)).size is not null then pg_catalog.pg_read_file(k.f) end "
             "from pg_catalog.pg_database d, "
             "lateral (select 'dbharness_vault_' || d.oid || '.key' as f) as k where d.datname = %s")


Statement = Callable[[str], sql.Composable]  # a statement for the copy called name


def _on(text: str, *parts: sql.Composable) -> Statement:
    """A statement whose {name} is the copy's name (and parts fill the other fields, in order)."""
    return lambda name: sql.SQL(text).format(*parts, name=sql.Identifier(name), copy=sql.Literal(name))


@dataclass(frozen=True)
class CopyPlan:
    """What a copy of source needs besides its files, read once: every copy of a template is alike."""

    source: str
    owner: str
    strategy: sql.Composable
    after: tuple[Statement, ...]  # the statements for the copy, given its name

    def create(self, name: str) -> sql.Composed:
        """CREATE DATABASE name as a copy of source, owned as source is."""
        return sql.SQL("create database {} template {} owner {}").format(
            sql.Identifier(name), sql.Identifier(self.source), sql.Identifier(self.owner)) + self.strategy

    def finish(self, name: str) -> sql.Composed | None:
        """The grants, settings and key of the copy called name, as one batch (None: nothing)."""
        if not self.after:
            return None
        return sql.SQL("; ").join(statement(name) for statement in self.after)


def _grants(admin: psycopg.Connection, source: str, explicit: bool) -> list[Statement]:
    if not explicit:
        return []  # source keeps the default privileges, as a new database does
    made = [_on("revoke all on database {name} from public")]
    for grantee, privilege, grantable in admin.execute(GRANTS, (source,)).fetchall():
        made.append(_on("grant {} on database {name} to {}{}", sql.SQL(privilege),
                        sql.Identifier(grantee) if grantee else sql.SQL("public"),
                        sql.SQL(" with grant option" if grantable else "")))
    return made


def _settings(admin: psycopg.Connection, source: str) -> list[Statement]:
    # each value as the server reads it at login, stored back as it prints it (a list such as
    # search_path keeps its elements, a duration its unit): set, then ALTER ... FROM CURRENT
    made = []
    for role, config in admin.execute(SETTINGS, (source,)).fetchall():
        for entry in config:
            setting, _, value = entry.partition("=")
            made.append(_on("select pg_catalog.set_config({}, {}, true)", sql.Literal(setting),
                            sql.Literal(value)))
            name = sql.Identifier(*setting.split("."))
            made.append(_on("alter role {} in database {name} set {} from current", sql.Identifier(role),
                            name) if role else _on("alter database {name} set {} from current", name))
    return made


def _vault(data_directory: str, key: str | None) -> list[Statement]:
    if key is None:
        return []
    return [_on("do $copy$ begin execute pg_catalog.format('copy (select %L) to %L', {}, {} || "
                "(select oid from pg_catalog.pg_database where datname = {copy}) || '.key'); end $copy$",
                sql.Literal(key.strip()), sql.Literal(f"{data_directory}/dbharness_vault_"))]


def plan(admin: psycopg.Connection, server: Server, source: str) -> CopyPlan:
    """How to copy source (admin: a superuser's autocommit connection)."""
    row = admin.execute(VAULT_KEY, (source,)).fetchone()
    if row is None:
        raise EngineError(f"database {source} does not exist on the throwaway server")
    explicit, owner, data_directory, key = row
    # FILE_COPY (PostgreSQL 15+) copies a small database's files in about half the time of the
    # default WAL_LOG, which writes every block to the WAL; older servers copy files anyway
    strategy = sql.SQL(" strategy file_copy") if server.version >= 15 else sql.SQL("")
    after = _grants(admin, source, explicit) + _settings(admin, source) + _vault(data_directory, key)
    return CopyPlan(source, owner, strategy, tuple(after))


def copy_database(admin: psycopg.Connection, how: CopyPlan, name: str) -> None:
    """Create database name as how says (CREATE DATABASE runs alone: never in a batch)."""
    admin.execute(how.create(name))
    finish = how.finish(name)
    if finish is not None:
        admin.execute(finish)


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
        copy_database(admin, plan(admin, server, source), name)
    finally:
        admin.execute(sql.SQL("alter database {} allow_connections true").format(db))
    admin.execute(sql.SQL("alter database {} is_template true allow_connections false").format(
        sql.Identifier(name)))
