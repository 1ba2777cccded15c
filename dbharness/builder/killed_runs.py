"""What a run killed part-way (SIGKILL, a lost connection) left on a target, found before the next
promotion applies anything: an INVALID index that a pending file's CREATE INDEX CONCURRENTLY or
REINDEX CONCURRENTLY started, an index such a file built while its version was never recorded, and
a recorded version whose index is INVALID (recorded although its build never finished).

Each is said with the statement that clears it. Nothing is dropped here: that an index of that name
is the killed run's is likely, never proved (a person may have made it), and the target is live.
"""

from __future__ import annotations

from dbharness import lazy
from dbharness.builder import history, index_builds
from dbharness.config import Settings
from dbharness.pg import psycopg
from dbharness.sql.migrations import MigrationFile, discover
from dbharness.sql.statements import Statement

ast = lazy.Module("pglast.ast")

INVALID_ON = ("select format('%%I.%%I', n.nspname, c.relname) from pg_index x "
              "join pg_class c on c.oid = x.indexrelid join pg_namespace n on n.oid = c.relnamespace "
              "where x.indrelid = to_regclass(%s) and not x.indisvalid and c.relname ~ %s order by 1")
DROP = "drop index concurrently if exists {};"


def _built(conn: psycopg.Connection, mf: MigrationFile, stmt: Statement, pending: bool) -> list[str]:
    """What is wrong with the index one CREATE INDEX CONCURRENTLY of mf builds, if anything."""
    at = f"{mf.stem} (line {stmt.line})"
    named = index_builds.built_name(stmt)
    if named is None:  # an unnamed build: PostgreSQL chose the name, any INVALID one may be it
        table = index_builds.table_of(stmt)
        found = [r[0] for r in conn.execute(INVALID_ON, (table, ""))] if pending and table else []
        row = conn.execute("select format('%%I.%%I', n.nspname, c.relname) from pg_class c join "
                           "pg_namespace n on n.oid = c.relnamespace where c.oid = to_regclass(%s)",
                           (table,)).fetchone() if found else None
        shown = row[0] if row else table
        return [f"{at} builds an unnamed index on {shown}; {name} there is INVALID, most likely that "
                f"build, started by an earlier run that was stopped; clear it with: {DROP.format(name)}"
                for name in found]
    index = index_builds.named_index(conn, *named)
    if index is None:
        return []
    _, name, valid = index
    if pending and not valid:
        return [f"{at} builds {name}, which is there INVALID: an earlier run started that CREATE INDEX "
                f"CONCURRENTLY and was stopped before it finished ({mf.stem} is not recorded); clear it "
                f"with: {DROP.format(name)}"]
    if pending and not getattr(stmt.node, "if_not_exists", False):
        return [f"{at} builds {name}, which is there already although {mf.stem} is not recorded: an "
                "earlier run built it and was stopped before recording the version (or it was made by "
                f"hand), and this run would fail with 'already exists'; drop it with: {DROP.format(name)}"]
    if not pending and not valid:
        return [f"{mf.stem} is recorded as applied, but {name}, which it builds at line {stmt.line}, is "
                "INVALID: the version was recorded without a finished build; rebuild it with: "
                f"reindex index concurrently {name};"]
    return []


def _reindexed(conn: psycopg.Connection, mf: MigrationFile, stmt: Statement) -> list[str]:
    """The INVALID copies (<name>_ccnew, _ccold) an interrupted REINDEX CONCURRENTLY leaves."""
    rel = stmt.node.relation  # type: ignore[attr-defined]
    target = ".".join(p for p in (rel.schemaname, rel.relname) if p)
    row = conn.execute("select coalesce((select indrelid::regclass::text from pg_index "
                       "where indexrelid = to_regclass(%s)), %s)", (target, target)).fetchone()
    copies = [r[0] for r in conn.execute(INVALID_ON, (row[0] if row else target, "_cc(new|old)[0-9]*$"))]
    return [f"{mf.stem} (line {stmt.line}) reindexes {target} concurrently; {name} there is an INVALID "
            f"copy an earlier, stopped run of it left; clear it with: {DROP.format(name)}" for name in copies]


def leftovers(conn: psycopg.Connection, files: list[MigrationFile], recorded: set[str]) -> list[str]:
    """Everything a killed run left that the files' index builds meet (read-only)."""
    found: list[str] = []
    for mf in files:
        pending = mf.version not in recorded
        for stmt in mf.statements:
            if isinstance(stmt.node, ast.IndexStmt) and stmt.node.concurrent:
                found += _built(conn, mf, stmt, pending)
            elif pending and isinstance(stmt.node, ast.ReindexStmt) and stmt.node.relation is not None \
                    and any(p.defname == "concurrently" for p in stmt.node.params or ()):
                found += _reindexed(conn, mf, stmt)
    return found


def refusals(settings: Settings, conn: psycopg.Connection, pending: list[MigrationFile]) -> list[str]:
    """For a promotion with pending files: what a killed run left on the target, each a reason to
    stop before anything is applied (none when nothing is pending)."""
    if not pending:
        return []
    files = discover(settings.migrations_dir, settings.root)
    return leftovers(conn, files, set(history.read(conn)))
