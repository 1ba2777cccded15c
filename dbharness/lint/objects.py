"""Pure: which database objects a statement creates, and which it changes, drops or locks, read
from PostgreSQL's parse tree (pglast). An object is a key: ("relation", schema, name) for tables,
views, materialized views, indexes and sequences (they share one namespace), ("column" |
"constraint" | "trigger" | "policy", schema, table, name), ("function", schema, name, arguments),
("type", schema, name) for types and domains, ("schema", name), ("extension", name),
("role", name). Unqualified names are in public, as the Supabase CLI's migrations run."""

from __future__ import annotations

from collections.abc import Iterable

from dbharness import lazy

ast = lazy.Module("pglast.ast")

Key = tuple[str, ...]

# ALTER TABLE commands that change one column, one constraint or one trigger (pglast's names).
COLUMN_COMMANDS = frozenset({
    "AT_DropColumn", "AT_AlterColumnType", "AT_ColumnDefault", "AT_DropNotNull", "AT_SetNotNull",
    "AT_DropExpression", "AT_SetExpression", "AT_AddIdentity", "AT_SetIdentity", "AT_DropIdentity",
    "AT_SetStatistics", "AT_SetOptions", "AT_ResetOptions", "AT_SetStorage", "AT_SetCompression",
    "AT_AlterColumnGenericOptions", "AT_CookedColumnDefault",
})
CONSTRAINT_COMMANDS = frozenset({"AT_DropConstraint", "AT_ValidateConstraint"})
TRIGGER_COMMANDS = frozenset({"AT_EnableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig",
                              "AT_DisableTrig"})
RELATION_OBJECTS = frozenset({"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_INDEX",
                              "OBJECT_SEQUENCE", "OBJECT_FOREIGN_TABLE"})
FUNCTION_OBJECTS = frozenset({"OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE",
                              "OBJECT_AGGREGATE"})
TYPE_OBJECTS = frozenset({"OBJECT_TYPE", "OBJECT_DOMAIN"})
ON_TABLE_OBJECTS = {"OBJECT_TRIGGER": "trigger", "OBJECT_POLICY": "policy"}
NAMED_OBJECTS = {"OBJECT_SCHEMA": "schema", "OBJECT_EXTENSION": "extension"}


def strings(items: Iterable[object] | None) -> list[str]:
    return [s.sval for s in items or () if isinstance(s, ast.String)]


def qualified(kind: str, names: list[str]) -> Key | None:
    """(kind, schema, name) from a dotted name list ([schema,] name), or None."""
    if not names:
        return None
    return (kind, names[-2] if len(names) > 1 else "public", names[-1])


def relation(rv: object, kind: str = "relation") -> Key | None:
    """The key of a RangeVar."""
    if rv is None:
        return None
    return (kind, rv.schemaname or "public", rv.relname)  # type: ignore[attr-defined]


def _type_text(tn: object) -> str:
    names = strings(tn.names)  # type: ignore[attr-defined]
    return (names[-1] if names else "?") + ("[]" if tn.arrayBounds else "")  # type: ignore[attr-defined]


def _signature(params: Iterable[object] | None) -> str:
    """A function's identity arguments (input types only, as PostgreSQL identifies it)."""
    kept = [p for p in params or () if p.mode.name in ("FUNC_PARAM_DEFAULT", "FUNC_PARAM_IN",  # type: ignore[attr-defined]
                                                          "FUNC_PARAM_INOUT", "FUNC_PARAM_VARIADIC")]
    return ", ".join(_type_text(p.argType) for p in kept)  # type: ignore[attr-defined]


def function(owa: object) -> Key | None:
    """The key of an ObjectWithArgs; arguments '*' when the statement names none."""
    base = qualified("function", strings(owa.objname))  # type: ignore[attr-defined]
    if base is None:
        return None
    if owa.args_unspecified:  # type: ignore[attr-defined]
        return (*base, "*")
    if owa.objfuncargs is not None:  # type: ignore[attr-defined]
        return (*base, _signature(owa.objfuncargs))  # type: ignore[attr-defined]
    return (*base, ", ".join(_type_text(t) for t in owa.objargs or ()))  # type: ignore[attr-defined]


def on_table(kind: str, rv: object, name: str | None) -> Key | None:
    table = relation(rv)
    return (kind, table[1], table[2], name) if table and name else None


def alter_target(node: object) -> Key | None:
    """What an ALTER TABLE (or ALTER INDEX, VIEW, SEQUENCE, TYPE) statement names."""
    kind = "type" if node.objtype.name == "OBJECT_TYPE" else "relation"  # type: ignore[attr-defined]
    return relation(node.relation, kind)  # type: ignore[attr-defined]


def created(node: object) -> set[Key]:
    """Every object a statement creates."""
    found: set[Key | None] = set()
    if isinstance(node, ast.CreateForeignTableStmt):
        found.add(relation(node.base.relation))
    elif isinstance(node, ast.CreateStmt):
        found.add(relation(node.relation))
    elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        found.add(relation(node.into.rel))
    elif isinstance(node, ast.ViewStmt):
        found.add(relation(node.view))
    elif isinstance(node, ast.CreateSeqStmt):
        found.add(relation(node.sequence))
    elif isinstance(node, ast.IndexStmt) and node.idxname:
        table = relation(node.relation)
        found.add(("relation", table[1], node.idxname) if table else None)
    elif isinstance(node, ast.CreateFunctionStmt):
        base = qualified("function", strings(node.funcname))
        found.add((*base, _signature(node.parameters)) if base else None)
    elif isinstance(node, ast.CompositeTypeStmt):
        found.add(relation(node.typevar, "type"))
    elif isinstance(node, ast.CreateEnumStmt | ast.CreateRangeStmt):
        found.add(qualified("type", strings(node.typeName)))
    elif isinstance(node, ast.CreateDomainStmt):
        found.add(qualified("type", strings(node.domainname)))
    else:
        found |= _created_other(node)
    return {k for k in found if k is not None}


def _created_other(node: object) -> set[Key | None]:
    if isinstance(node, ast.CreateTrigStmt):
        return {on_table("trigger", node.relation, node.trigname)}
    if isinstance(node, ast.CreatePolicyStmt):
        return {on_table("policy", node.table, node.policy_name)}
    if isinstance(node, ast.CreateSchemaStmt):
        inner = set().union(*(created(e) for e in node.schemaElts or ()))
        return {("schema", node.schemaname) if node.schemaname else None} | inner
    if isinstance(node, ast.CreateExtensionStmt):
        return {("extension", node.extname)}
    if isinstance(node, ast.CreateRoleStmt):
        return {("role", node.role)}
    if isinstance(node, ast.AlterTableStmt):
        return {_added(node, cmd) for cmd in node.cmds or ()}
    if isinstance(node, ast.AlterDomainStmt) and node.subtype == "C" and node.def_ is not None:
        domain = qualified("type", strings(node.typeName))
        return {("constraint", domain[1], domain[2], node.def_.conname)
                if domain and node.def_.conname else None}
    return set()


def _added(node: object, cmd: object) -> Key | None:
    """The column or named constraint an ALTER TABLE command adds."""
    target = alter_target(node)
    if target is None:
        return None
    sub = cmd.subtype.name  # type: ignore[attr-defined]
    if sub == "AT_AddColumn" and cmd.def_ is not None:  # type: ignore[attr-defined]
        return ("column", target[1], target[2], cmd.def_.colname)  # type: ignore[attr-defined]
    if sub == "AT_AddConstraint" and cmd.def_ is not None and cmd.def_.conname:  # type: ignore[attr-defined]
        return ("constraint", target[1], target[2], cmd.def_.conname)  # type: ignore[attr-defined]
    return None


def replaces(node: object) -> bool:
    """True for CREATE OR REPLACE: it creates only what did not exist yet."""
    return bool(isinstance(node, ast.ViewStmt | ast.CreateFunctionStmt | ast.CreateTrigStmt)
                and node.replace)
