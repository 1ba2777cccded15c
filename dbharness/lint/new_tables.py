"""A lock hazard is a hazard only where the table is in use: which table a flagged statement
changes, and whether that table is new where the statement runs (created earlier in the same
file, or, in a promotion, by an earlier file of the same promotion), as strong_migrations judges it.
"""

from __future__ import annotations

from dbharness import lazy
from dbharness.sql.migrations import MigrationFile
from dbharness.sql.statements import Statement

ast = lazy.Module("pglast.ast")

# squawk's rules about locking or losing data of one table: none of it matters on a table that no
# one can be using yet, since it was created in the same run.
TABLE_RULES = frozenset({
    "adding-field-with-default", "adding-foreign-key-constraint", "adding-not-nullable-field",
    "adding-required-field", "adding-serial-primary-key-field", "changing-column-type",
    "constraint-missing-not-valid", "disallowed-unique-constraint", "require-concurrent-index-creation",
    "require-concurrent-index-deletion", "renaming-column", "renaming-table", "ban-drop-column",
    "ban-drop-not-null", "ban-drop-constraint", "ban-drop-table", "adding-primary-key-constraint",
})


def _qualified(schema: str | None, name: str) -> str:
    return f"{schema or 'public'}.{name}"


def _range(rel: ast.RangeVar | None) -> str | None:
    return _qualified(rel.schemaname, rel.relname) if rel is not None else None


def created(stmt: Statement) -> str | None:
    """The table a statement creates (create table, create table as), or None."""
    node = stmt.node
    if isinstance(node, ast.CreateStmt):
        return _range(node.relation)
    if isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        return _range(node.into.rel)
    return None


def changed(stmt: Statement) -> str | None:
    """The table a statement alters, indexes, renames or drops, or None."""
    node = stmt.node
    if isinstance(node, ast.AlterTableStmt | ast.IndexStmt | ast.RenameStmt):
        return _range(node.relation)
    if isinstance(node, ast.DropStmt) and node.objects:
        parts = [s.sval for s in node.objects[0] if isinstance(s, ast.String)]
        return _qualified(*parts) if len(parts) == 2 else _qualified(None, parts[-1]) if parts else None
    return None


def statement_at(mf: MigrationFile, line: int) -> Statement | None:
    """The statement of a file that spans a 1-based line."""
    found = None
    for stmt in mf.statements:
        if stmt.line <= line <= stmt.line + stmt.sql.count("\n"):
            found = stmt
    return found


def created_by(files: list[MigrationFile]) -> set[str]:
    """Every table the files create."""
    return {name for mf in files for name in map(created, mf.statements) if name}


def on_new_table(mf: MigrationFile, line: int, new_before: set[str]) -> bool:
    """True when the statement at line changes a table created before it in the same file, or
    one of new_before (created by an earlier file of the same run)."""
    stmt = statement_at(mf, line)
    table = changed(stmt) if stmt is not None else None
    if table is None:
        return False
    earlier = {name for s in mf.statements if s.line < stmt.line and (name := created(s))}  # type: ignore[union-attr]
    return table in earlier or table in new_before
