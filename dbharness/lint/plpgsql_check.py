"""plpgsql_check on the project's PL/pgSQL functions, as `supabase db lint` runs it.

Same extension, same levels: errors are errors, warnings (plpgsql_check's 'warning' and
'warning extra') are warnings, and what the CLI leaves out at its default level (performance
and security notes) is left out here too. The extension is created inside a transaction that is
rolled back, as the CLI does, so linting changes nothing.
"""

from __future__ import annotations

from dbharness.catalog.snapshot import NOT_EXTENSION
from dbharness.hosted import compat, rules
from dbharness.pg import psycopg

# Schemas that are the platform's or the harness's, not the project's.
NOT_THE_PROJECTS = (*rules.PLATFORM_SCHEMAS, "tests")
FUNCTIONS = f"""
  select p.oid, n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
  where l.lanname = 'plpgsql' and p.prorettype <> 'trigger'::regtype
    and left(n.nspname, 3) <> 'pg_' and n.nspname <> all(%s)
    and {NOT_EXTENSION.format(oid="p.oid")}
  order by 2"""
LEVELS = {"error": "error", "warning": "warn", "warning extra": "warn"}


def run(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    """(level, function:line, message) for every issue; one info when the extension is missing."""
    if not compat.extension_available(conn, "plpgsql_check"):
        return [("info", "plpgsql_check", "not installed on this server, so PL/pgSQL bodies were not "
                 "checked (dbharness setup installs it)")]
    found = []
    with conn.transaction(force_rollback=True):
        rules.execute(conn, "create extension if not exists plpgsql_check")
        for oid, name in conn.execute(FUNCTIONS, (list(NOT_THE_PROJECTS),)).fetchall():
            rows = conn.execute("select level, lineno, message from plpgsql_check_function_tb(%s)", (oid,))
            for level, line, message in rows.fetchall():
                if level in LEVELS:
                    found.append((LEVELS[level], f"{name}:{line or 0}", message))
    return found
