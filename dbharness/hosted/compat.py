"""What a Supabase database has and vanilla PostgreSQL lacks, installed by the bootstrap superuser.

The SQL lives in dbharness/hosted/objects/*.sql, in sections that each start with a line
`-- @provide KIND NAME`. A section runs only when what it provides is missing, so a second run
changes nothing and the real supabase/postgres image keeps everything it already has. A file with
a line `-- @opt-in NAME` holds what the platform adds only when a project turns a feature on
(database webhooks): its sections run only when the project's settings name that option.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dbharness.errors import EngineError, PrerequisiteError
from dbharness.paths import shown
from dbharness.pg import psycopg
from dbharness.sql.statements import split_statements

PLATFORM_DIR = Path(__file__).with_name("objects")
EXTENSIONS_DIR = Path(__file__).with_name("extensions")
PACKAGE_PARENT = Path(__file__).parents[2]  # names the harness's own files as dbharness/...
MARKER = re.compile(r"^-- @provide (\S+)(?: (.+))?$", re.MULTILINE)
OPT_IN = re.compile(r"^-- @opt-in (\S+)$", re.MULTILINE)
# The platform features a project turns on ([tool.dbharness] NAME = true).
OPTIONS = ("webhooks", "queues_api")

# What "missing" means for each kind of section: a query that is true when the object exists.
PROBES = {
    "role": "select exists (select 1 from pg_catalog.pg_roles where rolname = %(a)s)",
    "schema": "select pg_catalog.to_regnamespace(%(a)s) is not null",
    "table": "select pg_catalog.to_regclass(%(a)s) is not null",
    "function": "select pg_catalog.to_regprocedure(%(a)s) is not null",
    "extension": "select exists (select 1 from pg_catalog.pg_extension where extname = %(a)s)",
    "publication": "select exists (select 1 from pg_catalog.pg_publication where pubname = %(a)s)",
    "membership": "select pg_catalog.pg_has_role(%(a)s, %(b)s, 'member')",
    "database-grant": "select pg_catalog.has_database_privilege(%(a)s, current_database(), 'CREATE')",
    "public-owner": "select exists (select 1 from pg_catalog.pg_namespace where nspname = 'public' "
                    "and nspowner = %(a)s::regrole)",
    "default-privileges": "select exists (select 1 from pg_catalog.pg_default_acl "
                          "where defaclrole = %(a)s::regrole and defaclnamespace = %(b)s::regnamespace)",
    "role-setting": "select exists (select 1 from pg_catalog.pg_db_role_setting "
                    "where setrole = %(a)s::regrole and setdatabase = 0)",
    # done unless something in the schema still belongs to whoever runs compat (it was just made)
    "owner": "select not exists (select 1 from pg_catalog.pg_class where relnamespace = "
             "pg_catalog.to_regnamespace(%(a)s) and relowner = current_user::regrole)",
    # helpers of this session (pg_temp): made on every run
    "session-helpers": "select false",
}
OFFLINE = ("pg_net", "supabase_vault")


@dataclass(frozen=True)
class Section:
    """One guarded piece of the compat SQL."""

    path: Path
    line: int
    kind: str
    args: tuple[str, ...]
    sql: str
    option: str | None = None  # the opt-in feature it belongs to, else always made


def sections(directory: Path = PLATFORM_DIR) -> list[Section]:
    """Every section of the platform SQL files, in file and then line order."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        opt_in = OPT_IN.search(text)
        option = opt_in.group(1) if opt_in else None
        if option is not None and option not in OPTIONS:
            raise EngineError(f"{_shown(path)}: unknown opt-in {option!r}")
        marks = list(MARKER.finditer(text))
        for i, mark in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            kind, rest = mark.group(1), (mark.group(2) or "").split()
            if kind not in PROBES:
                raise EngineError(f"{_shown(path)}: unknown section kind {kind!r}")
            found.append(Section(path, text.count("\n", 0, mark.start()) + 1, kind, tuple(rest),
                                 text[mark.start():end], option))
    return found


def content_key() -> str:
    """Everything compat installs, as text: the template cache is keyed on it."""
    parts = [p.read_text(encoding="utf-8") for p in sorted(PLATFORM_DIR.glob("*.sql"))]
    parts += [p.read_text(encoding="utf-8") for p in sorted(EXTENSIONS_DIR.iterdir())]
    return "\n".join(parts)


def connect(conninfo: str, autocommit: bool = True) -> psycopg.Connection:
    """A connection to a throwaway server, with errors worded for people."""
    try:
        return psycopg.connect(conninfo, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise EngineError(f"cannot connect to the throwaway server: {str(exc).strip()}") from exc


def _present(conn: psycopg.Connection, section: Section) -> bool:
    args = dict(zip("ab", section.args, strict=False))
    row = conn.execute(PROBES[section.kind], args).fetchone()
    return bool(row and row[0])


def _shown(path: Path) -> str:
    return shown(path, PACKAGE_PARENT)


def _run_whole(conn: psycopg.Connection, section: Section) -> None:
    conn.execute(section.sql)  # no parameters: one round trip of the simple protocol, every statement


def _run(conn: psycopg.Connection, section: Section) -> None:
    for stmt in split_statements(section.sql, str(section.path)):
        try:
            conn.execute(stmt.sql)
        except psycopg.Error as exc:
            message = (exc.diag.message_primary or str(exc)).strip()
            line = section.line + stmt.line - 1
            raise EngineError(f"{_shown(section.path)}:{line}: Supabase compat failed: "
                              f"{message}") from exc


def missing_offline(conn: psycopg.Connection) -> list[str]:
    """The offline extensions (pg_net, supabase_vault) this server has no files for."""
    rows = conn.execute("select name from pg_catalog.pg_available_extensions where name = any(%s)",
                        (list(OFFLINE),)).fetchall()
    return sorted(set(OFFLINE) - {r[0] for r in rows})


def install(conn: psycopg.Connection, options: frozenset[str] = frozenset()) -> None:
    """Create what the platform has and this database lacks (conn: the bootstrap superuser), and
    what the opt-in features named in options add."""
    absent = missing_offline(conn)
    if absent:
        raise PrerequisiteError(
            f"the server has no {' or '.join(absent)} extension: the local engine needs the offline "
            f"ones from {_shown(EXTENSIONS_DIR)}; install them with: dbharness setup")
    try:
        _install(conn, options, _run_whole)
    except psycopg.Error:
        # the same again statement by statement, in a new transaction: it names the file and line
        _install(conn, options, _run)
        raise EngineError("Supabase compat failed as a whole but not statement by statement") from None


def _install(conn: psycopg.Connection, options: frozenset[str],
             run: Callable[[psycopg.Connection, Section], None]) -> None:
    with conn.transaction():
        for section in sections():
            if (section.option is None or section.option in options) and not _present(conn, section):
                run(conn, section)


def extension_available(conn: psycopg.Connection, name: str) -> bool:
    """True when the server has the extension installed (it can be created in a database)."""
    found = conn.execute("select 1 from pg_available_extensions where name = %s", (name,)).fetchone()
    return found is not None


def pgtap_available(conn: psycopg.Connection) -> bool:
    """True when the server has pgTAP installed."""
    return extension_available(conn, "pgtap")


def install_pgtap(conn: psycopg.Connection) -> None:
    """Create the pgtap extension in schema extensions, as Supabase places it (superuser conn)."""
    conn.execute("create schema if not exists extensions")
    conn.execute("create extension if not exists pgtap with schema extensions")
