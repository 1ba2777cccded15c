"""What the Supabase platform lets postgres do without superuser, and the extensions a run lacks.

On Supabase, migrations run as postgres, which is not a superuser; the supautils library creates
the extensions of an allow-list on its behalf and lets it manage policies (and drop triggers) on
the auth, storage and realtime tables it does not own. The local engine has no supautils, so the
harness sends exactly those statements through pg_catalog.dbharness_on_behalf() (see
platform/08_on_behalf.sql); every other statement runs as postgres and fails as it would there.

An extension this server does not have fails its statement with one line that names the choices,
unless the project declares it stubbed: then the statement is skipped, and every run says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from pglast import ast, parse_sql
from pglast.enums import ObjectType
from pglast.parser import ParseError

from dbharness.errors import HarnessError

# supautils.privileged_extensions of supabase/postgres (ansible/files/postgresql_config).
PRIVILEGED_EXTENSIONS = frozenset((
    "address_standardizer", "address_standardizer_data_us", "autoinc", "bloom", "btree_gin",
    "btree_gist", "citext", "cube", "dblink", "dict_int", "dict_xsyn", "earthdistance", "fuzzystrmatch",
    "hstore", "http", "insert_username", "intarray", "isn", "ltree", "moddatetime", "pg_cron",
    "pg_graphql", "pg_hashids", "pg_jsonschema", "pg_net", "pg_stat_monitor", "pg_stat_statements",
    "pg_trgm", "pg_walinspect", "pgaudit", "pgcrypto", "pgjwt", "pgroonga", "pgroonga_database",
    "pgrouting", "pgrowlocks", "pgsodium", "pgtap", "plcoffee", "pljava", "plls", "plpgsql",
    "plpgsql_check", "plv8", "postgis", "postgis_raster", "postgis_sfcgal", "postgis_tiger_geocoder",
    "postgis_topology", "postgres_fdw", "refint", "rum", "seg", "sslinfo", "supabase_vault",
    "supautils", "tablefunc", "tcn", "timescaledb", "tsm_system_rows", "tsm_system_time", "unaccent",
    "uuid-ossp", "vector", "wrappers", "index_advisor", "hypopg", "pg_repack"
))
# supautils.policy_grants and drop_trigger_grants for postgres.
POLICY_GRANTS = frozenset((
    "auth.audit_log_entries", "auth.identities", "auth.refresh_tokens", "auth.sessions", "auth.users",
    "realtime.messages", "storage.buckets", "storage.migrations", "storage.objects",
    "storage.s3_multipart_uploads", "storage.s3_multipart_uploads_parts"
))
# Schemas the platform owns: their objects are Supabase's, not the project's (lint skips them).
PLATFORM_SCHEMAS = ("information_schema", "auth", "storage", "realtime", "graphql", "graphql_public",
                    "vault", "pgsodium", "net", "cron", "supabase_functions", "supabase_migrations",
                    "extensions", "pgbouncer", "pgtle", "pgmq")
CANDIDATE = re.compile(r"\b(extension|policy|trigger)\b", re.IGNORECASE)
ON_BEHALF = "select pg_catalog.dbharness_on_behalf(%s)"
PROBE = ("select current_user = 'postgres' and "
         "pg_catalog.to_regprocedure('pg_catalog.dbharness_on_behalf(text)') is not null")


class ExtensionUnavailable(HarnessError):
    """A create extension names an extension this server does not have."""


@dataclass(frozen=True)
class Extension:
    """A CREATE EXTENSION statement: the extension's name."""

    name: str


def _qualified(parts: tuple[object, ...]) -> str:
    names = [getattr(p, "sval", "") for p in parts]
    return ".".join(names[:-1])


def _granted_table(node: object) -> bool:
    if isinstance(node, ast.CreatePolicyStmt | ast.AlterPolicyStmt):
        rel = node.table
        return f"{rel.schemaname}.{rel.relname}" in POLICY_GRANTS
    if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_POLICY:
        return f"{node.relation.schemaname}.{node.relation.relname}" in POLICY_GRANTS
    if isinstance(node, ast.DropStmt) and node.removeType in (ObjectType.OBJECT_POLICY,
                                                              ObjectType.OBJECT_TRIGGER):
        return all(_qualified(tuple(obj)) in POLICY_GRANTS for obj in node.objects or ())
    return False


def _extension_names(node: object) -> list[str]:
    if isinstance(node, ast.CreateExtensionStmt | ast.AlterExtensionStmt):
        return [node.extname]
    if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_EXTENSION:
        return [getattr(o, "sval", "") for o in node.objects or ()]
    return []


def _parse(sql: str) -> object | None:
    if not CANDIDATE.search(sql):
        return None
    try:
        parsed = parse_sql(sql)
    except ParseError:
        return None
    return parsed[0].stmt if len(parsed) == 1 else None


def _created(node: object) -> Extension | None:
    return Extension(node.extname) if isinstance(node, ast.CreateExtensionStmt) else None


def _on_behalf(node: object) -> bool:
    if node is None:
        return False
    names = _extension_names(node)
    if names:
        return all(n in PRIVILEGED_EXTENSIONS for n in names)
    return _granted_table(node)


def created_extension(sql: str) -> Extension | None:
    """The extension a CREATE EXTENSION statement creates, else None."""
    return _created(_parse(sql))


def on_behalf(sql: str) -> bool:
    """True for a statement the platform runs for postgres although postgres lacks the privilege."""
    return _on_behalf(_parse(sql))


def _missing(conn: psycopg.Connection, name: str) -> bool:
    row = conn.execute("select exists (select 1 from pg_catalog.pg_available_extensions where name = %s) "
                       "or exists (select 1 from pg_catalog.pg_extension where extname = %s)",
                       (name, name)).fetchone()
    return not (row and row[0])


def unavailable_message(name: str) -> str:
    """The one line for an extension the local engine lacks, with the two ways forward."""
    return (f'extension "{name}" is not available on this server; run with --engine docker (the '
            f'supabase/postgres image has it), or declare it stubbed in [tool.dbharness]: '
            f'stub_extensions = ["{name}"] (its create extension is then skipped, and every run '
            "says so)")


def execute(conn: psycopg.Connection, sql: str, stubs: frozenset[str] = frozenset(),
            skipped: Callable[[str], None] = lambda _name: None) -> psycopg.Cursor | None:
    """Run one statement as the platform would. A create extension of a stubbed extension is not
    run: skipped(name) is called and None returned. An extension the server lacks raises
    ExtensionUnavailable. The statement is parsed once, and only when it may matter."""
    node = _parse(sql)
    made = _created(node)
    if made is not None:
        if made.name in stubs:
            skipped(made.name)
            return None
        if _missing(conn, made.name):
            raise ExtensionUnavailable(unavailable_message(made.name))
    if _on_behalf(node) and _emulated(conn):
        return conn.execute(ON_BEHALF, (sql,))
    return conn.execute(sql)


def _emulated(conn: psycopg.Connection) -> bool:
    """True when this session is postgres on a server where the harness stands in for supautils."""
    try:
        row = conn.execute(PROBE).fetchone()
    except psycopg.errors.InFailedSqlTransaction:
        return False
    return bool(row and row[0])
