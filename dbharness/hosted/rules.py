"""What the Supabase platform lets postgres do without superuser, and the extensions a run lacks.

On Supabase, migrations run as postgres, which is not a superuser; a utility hook in the server
(supautils) creates the extensions of an allow-list on its behalf, lets it manage policies (and
drop triggers) on the auth, storage and realtime tables it does not own, and lets it set a few
superuser-only settings (pgrst.*, ...). The harness's servers load their own such hook,
dbharness_rules (server/dbharness_rules.c, built and installed by `dbharness setup`), so these
rules hold wherever a statement runs: at top level, in a DO block, a function or a procedure.
The client only words what the server says.

An extension this server does not have fails its statement with one line that names the choices,
unless the project declares it stubbed: then the server skips the statement with a warning, and
every run says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from dbharness import lazy
from dbharness.errors import HarnessError
from dbharness.pg import psycopg

ast = lazy.Module("pglast.ast")  # only setup and stub listings parse
parser = lazy.Module("pglast.parser")

MODULE = "dbharness_rules"  # the server module: shared_preload_libraries of the local engine
STUB_SETTING = f"{MODULE}.stub_extensions"
# Schemas the platform owns: their objects are Supabase's, not the project's (lint skips them).
PLATFORM_SCHEMAS = ("information_schema", "auth", "storage", "realtime", "graphql", "graphql_public",
                    "vault", "pgsodium", "net", "cron", "supabase_functions", "supabase_migrations",
                    "extensions", "pgbouncer", "pgtle", "pgmq")
# How the server says it has no files for an extension: PostgreSQL 15.2 and later, then earlier.
NOT_AVAILABLE = re.compile(r'^extension "(.+)" is not available$')
MISSING_CONTROL = re.compile(r'could not open extension control file "(?:[^"]*/)?([^/"]+)\.control"')
STUBBED = re.compile(r"^create extension (\S+) skipped: stubbed$")
CREATE_EXTENSION = re.compile(r"\bcreate\s+extension\b", re.IGNORECASE)


class ExtensionUnavailable(HarnessError):
    """A create extension names an extension this server does not have."""


@dataclass(frozen=True)
class Extension:
    """A CREATE EXTENSION statement: the extension's name."""

    name: str


def created_extension(sql: str) -> Extension | None:
    """The extension a CREATE EXTENSION statement creates, else None (setup reads the migrations
    with it; no run does)."""
    if not CREATE_EXTENSION.search(sql):
        return None
    try:
        parsed = parser.parse_sql(sql)
    except parser.ParseError:
        return None
    node = parsed[0].stmt if len(parsed) == 1 else None
    return Extension(node.extname) if isinstance(node, ast.CreateExtensionStmt) else None


def unavailable_message(name: str) -> str:
    """The one line for an extension the local engine lacks, with the two ways forward."""
    return (f'extension "{name}" is not available on this server; run with --engine docker (the '
            f'supabase/postgres image has it), or declare it stubbed in [tool.dbharness]: '
            f'stub_extensions = ["{name}"] (its create extension is then skipped, and every run '
            "says so)")


def missing_extension(exc: psycopg.Error) -> str | None:
    """The extension an error says the server has no files for, else None."""
    message = exc.diag.message_primary or ""
    found = (NOT_AVAILABLE.match(message) if exc.sqlstate == "0A000"
             else MISSING_CONTROL.search(message) if exc.sqlstate == "58P01" else None)
    return found.group(1) if found else None


def stubbed(message: str) -> str | None:
    """The extension a server warning says was skipped as stubbed, else None."""
    found = STUBBED.match(message)
    return found.group(1) if found else None


def execute(conn: psycopg.Connection, sql: str,
            skipped: Callable[[str], None] = lambda _name: None) -> psycopg.Cursor:
    """Run one statement; the server applies the platform's rules. skipped(name) is called for
    each stubbed extension the server skipped while it ran (in any nested block). An extension the
    server lacks raises ExtensionUnavailable."""
    def heard(diag: psycopg.errors.Diagnostic) -> None:
        name = stubbed(diag.message_primary or "")
        if name:
            skipped(name)

    conn.add_notice_handler(heard)
    try:
        return conn.execute(sql)
    except psycopg.Error as exc:
        name = missing_extension(exc)
        if name is None:
            raise
        raise ExtensionUnavailable(unavailable_message(name)) from exc
    finally:
        conn.remove_notice_handler(heard)
