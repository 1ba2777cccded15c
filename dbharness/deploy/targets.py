"""The right target or none: which database a connection really reaches (the server's identity and
the database, not the text of the URL), and the targets that are surely wrong."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from dbharness.config import Settings
from dbharness.environments import Target, configured, resolve

THROWAWAY = "dbharness.throwaway"  # set on every server the harness starts (engines, build)
TEMPLATES = ("template0", "template1")
PROBE_TIMEOUT = 5  # seconds to reach another environment for the comparison


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


def refusals(settings: Settings, target: Target, conn: psycopg.Connection) -> list[str]:
    """Why target, reached through conn, is surely the wrong database to change."""
    mine = identity(conn)
    out = []
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
