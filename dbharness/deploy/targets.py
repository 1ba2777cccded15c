"""The right target or none: which database a connection really reaches (the server's identity and
the database, not the text of the URL), and the targets that are surely wrong: one that cannot
take writes (a hot standby, read-only transactions), one behind a pooler that lends a server
session to other clients between transactions, another environment's database, a template."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dbharness.config import Settings
from dbharness.environments import Target, configured, resolve
from dbharness.pg import psycopg

THROWAWAY = "dbharness.throwaway"  # set on every server the harness starts (engines, build)
TEMPLATES = ("template0", "template1")
PROBE_TIMEOUT = 5  # seconds to reach another environment for the comparison
# where default_transaction_read_only was turned on (pg_settings.source), and how to turn it off
SOURCES = {"user": ("for the role {user}", "alter role {user} reset default_transaction_read_only"),
           "database": ("for the database {database}",
                        "alter database {database} reset default_transaction_read_only"),
           "database user": ("for the role {user} in the database {database}",
                             "alter role {user} in database {database} reset default_transaction_read_only"),
           "configuration file": ("in the server's configuration", "alter system reset "
                                  "default_transaction_read_only, or edit postgresql.conf"),
           "client": ("in the URL's options", "take it out of the options of {var}")}
DIRECT = ("set {var} to the direct URL instead (on Supabase: the Connect button, 'Direct connection', "
          "db.<project-ref>.supabase.co:5432, or the session pooler on port 5432 of "
          "<region>.pooler.supabase.com; port 6543 is transaction mode, on the shared and the "
          "dedicated pooler alike)")


@dataclass(frozen=True)
class Identity:
    """What names one database whatever the URL: the server (its system identifier where the role
    may read it, and the moment it started) and the database's oid and name."""

    system: str | None
    started: str
    oid: int
    database: str
    throwaway: bool

    def same_as(self, other: Identity) -> bool:
        """True when both connections reach the same database of the same server."""
        systems_agree = self.system is None or other.system is None or self.system == other.system
        return systems_agree and (self.started, self.oid) == (other.started, other.oid)


def identity(conn: psycopg.Connection) -> Identity:
    """The identity of the database behind conn (read-only)."""
    row = conn.execute(
        "select extract(epoch from pg_catalog.pg_postmaster_start_time())::text, d.oid::int, d.datname, "
        f"coalesce(pg_catalog.current_setting('{THROWAWAY}', true), '') "
        "from pg_catalog.pg_database d where d.datname = pg_catalog.current_database()").fetchone()
    assert row is not None
    system = None
    try:
        found = conn.execute("select system_identifier::text from pg_catalog.pg_control_system()").fetchone()
        system = found[0] if found else None
    except psycopg.Error:  # not readable by this role: the start time and the oid still decide
        if not conn.autocommit:
            conn.rollback()
    return Identity(system, row[0], row[1], row[2], row[3] == "on")


def _databases(conn: psycopg.Connection) -> set[str]:
    return {r[0] for r in conn.execute("select datname from pg_catalog.pg_database where datallowconn")}


def _others(settings: Settings, target: Target) -> list[tuple[Target, Identity]]:
    """The other configured environments that answer, with the identity of their database."""
    found = []
    for name in configured(settings):
        if name == target.name:
            continue
        other = resolve(settings, name)
        try:
            with psycopg.connect(other.url, autocommit=True, connect_timeout=PROBE_TIMEOUT,
                                 application_name=f"dbharness-{name}") as conn:
                found.append((other, identity(conn)))
        except (psycopg.Error, UnicodeError, ValueError):
            continue  # an environment that does not answer cannot be this one's twin here
    return found


def _identifier(name: str) -> str:
    """name as SQL would be written: bare when it may be, else double-quoted."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) else '"' + name.replace('"', '""') + '"'


def read_only(target: Target, conn: psycopg.Connection) -> str | None:
    """Why target, reached through conn, takes no writes (a hot standby, or transactions that are
    read-only by default), or None; read-only itself."""
    row = conn.execute(
        "select pg_catalog.pg_is_in_recovery(), s.setting, s.source, current_user, "
        "pg_catalog.current_database() "
        "from pg_catalog.pg_settings s where s.name = 'default_transaction_read_only'").fetchone()
    assert row is not None
    standby, default, source, user, database = row
    if standby:
        return (f"{target.name} is a hot standby (a server in recovery, such as a read replica): it takes "
                f"no writes; {target.env.url_env} must name the primary")
    if default != "on":
        return None
    names = {"user": _identifier(user), "database": _identifier(database), "var": target.env.url_env}
    where, how = SOURCES.get(source, (f"({source})", "ask whoever set it"))
    return (f"{target.name} makes every transaction read-only (default_transaction_read_only = on, set "
            f"{where.format(**names)}): nothing could be applied; connect as a role that may write, or "
            f"turn it off: {how.format(**names)}")


def _backend(conn: psycopg.Connection) -> int:
    row = conn.execute("select pg_catalog.pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def shares_sessions(target: Target, conn: psycopg.Connection) -> str | None:
    """How target's URL leads to a pooler that lends server sessions between transactions
    (transaction or statement mode), or None. On a server, and through a session-mode pooler, a
    connection keeps its session (one backend pid), never another's; here each query is a
    transaction of its own, asked from conn and from a second connection in turns (from conn
    alone where no second connection is allowed)."""
    try:
        other = psycopg.connect(target.url, autocommit=True, connect_timeout=PROBE_TIMEOUT,
                                prepare_threshold=None, application_name=f"dbharness-{target.name}")
    except psycopg.Error:  # a connection limit, say: conn's own sessions still tell
        pids = {_backend(conn) for _ in range(3)}
        return "one of its connections was served by several server sessions" if len(pids) > 1 else None
    with other:
        turns = [(c, _backend(c)) for c in (conn, conn, other, other, conn)]
    mine = {pid for c, pid in turns if c is conn}
    theirs = {pid for c, pid in turns if c is other}
    if mine & theirs:
        return "two of its connections were served by one server session"
    if len(mine) > 1 or len(theirs) > 1:
        return "one of its connections was served by several server sessions"
    return None


def unwritable(target: Target, conn: psycopg.Connection) -> list[str]:
    """Why target cannot be changed safely whatever database it is: it takes no writes, or it is
    reached through a pooler where the promotion's lock and settings would outlive it or not hold."""
    out = [why] if (why := read_only(target, conn)) else []
    pooled = shares_sessions(target, conn)
    if pooled:
        out.append(f"{target.name} is reached through a pooler in transaction mode ({pooled}): a promotion "
                   "holds an advisory lock and sets lock_timeout and statement_timeout for its whole "
                   "session, and such a pooler lends that session to other clients between "
                   "transactions (the lock would stay held after the run, the settings would not hold "
                   f"across statements); " + DIRECT.format(var=target.env.url_env))
    return out


def refusals(settings: Settings, target: Target, conn: psycopg.Connection) -> list[str]:
    """Why target, reached through conn, is surely the wrong database to change."""
    out = unwritable(target, conn)
    mine = identity(conn)
    if mine.database in TEMPLATES:
        out.append(f"{target.env.url_env} names {mine.database}, a template database: no project "
                   "lives there; name the project's database in the URL")
    if mine.throwaway and target.env.requires:
        out.append(f"{target.name} is a throwaway server of the harness ({THROWAWAY} is on): "
                   f"{target.env.url_env} must name the real {target.name} database")
    for other, theirs in _others(settings, target):
        if mine.same_as(theirs):
            out.append(f"{target.name} and {other.name} are the same database ({mine.database} on one "
                       f"server, reached through two URLs): {target.env.url_env} and "
                       f"{other.env.url_env} must name different databases")
        elif (mine.database == "postgres" and theirs.database != "postgres"
              and theirs.database in _databases(conn)):
            out.append(f"{target.env.url_env} names the database postgres, while {other.name} uses "
                       f"{theirs.database} and this server has a database {theirs.database}: name "
                       f"the project's database in {target.env.url_env}")
    return out
