"""Pure: which objects a statement changes, drops or renames (the object a destructive rule is
about), and which table it locks while it runs (the object a locking rule is about); keys as in
objects.py."""

from __future__ import annotations

from dbharness import lazy
from dbharness.lint import objects as o
from dbharness.lint.objects import Key

ast = lazy.Module("pglast.ast")


def _dropped(kind: str, obj: object) -> Key | None:
    """One object of a DROP statement, by its object type's name."""
    if kind in o.RELATION_OBJECTS:
        return o.qualified("relation", o.strings(obj))  # type: ignore[arg-type]
    if kind in o.FUNCTION_OBJECTS:
        return o.function(obj)
    if kind in o.TYPE_OBJECTS:
        return o.qualified("type", o.strings(obj.names))  # type: ignore[attr-defined]
    if kind in o.ON_TABLE_OBJECTS:
        names = o.strings(obj)  # type: ignore[arg-type]
        table = o.qualified("relation", names[:-1])
        return (o.ON_TABLE_OBJECTS[kind], table[1], table[2], names[-1]) if table else None
    if kind in o.NAMED_OBJECTS and isinstance(obj, ast.String):
        return (o.NAMED_OBJECTS[kind], obj.sval)
    return None


def _command(node: object, cmd: object) -> Key | None:
    """The object one ALTER TABLE command changes: a column, a constraint, a trigger, or the
    table itself."""
    target = o.alter_target(node)
    if target is None:
        return None
    sub, name = cmd.subtype.name, cmd.name  # type: ignore[attr-defined]
    if sub in o.COLUMN_COMMANDS and name:
        return ("column", target[1], target[2], name)
    if sub in o.CONSTRAINT_COMMANDS and name:
        return ("constraint", target[1], target[2], name)
    if sub == "AT_AlterConstraint" and cmd.def_ is not None:  # type: ignore[attr-defined]
        return ("constraint", target[1], target[2], cmd.def_.conname)  # type: ignore[attr-defined]
    if sub in o.TRIGGER_COMMANDS and name:
        return ("trigger", target[1], target[2], name)
    return target


def _renamed(node: object) -> Key | None:
    """The object a RENAME statement renames (under its old name)."""
    kind, rel = node.renameType.name, o.relation(node.relation)  # type: ignore[attr-defined]
    sub = node.subname  # type: ignore[attr-defined]
    if kind in ("OBJECT_COLUMN", "OBJECT_ATTRIBUTE") and rel and sub:
        return ("column", rel[1], rel[2], sub)
    if kind == "OBJECT_TABCONSTRAINT" and rel and sub:
        return ("constraint", rel[1], rel[2], sub)
    if kind in o.ON_TABLE_OBJECTS:
        return o.on_table(o.ON_TABLE_OBJECTS[kind], node.relation, sub)  # type: ignore[attr-defined]
    if kind == "OBJECT_DOMCONSTRAINT":
        domain = o.qualified("type", o.strings(node.object))  # type: ignore[attr-defined]
        return ("constraint", domain[1], domain[2], sub) if domain and sub else None
    if kind == "OBJECT_ROLE" and sub:
        return ("role", sub)
    if kind == "OBJECT_SCHEMA" and sub:
        return ("schema", sub)
    if rel is not None:
        return rel
    return _dropped(kind, node.object)  # type: ignore[attr-defined]


def renamed_to(node: object) -> tuple[Key, Key] | None:
    """(old key, new key) of a RENAME or SET SCHEMA statement, or None."""
    if isinstance(node, ast.RenameStmt):
        old = _renamed(node)
        if old is None or not node.newname:
            return None
        kind = old[0]
        if kind in ("schema", "role", "extension"):
            return old, (kind, node.newname)
        if kind == "function":
            return old, (kind, old[1], node.newname, old[3])
        return old, (*old[:-1], node.newname)
    if isinstance(node, ast.AlterObjectSchemaStmt):
        old = o.relation(node.relation) if node.relation is not None else \
            _dropped(node.objectType.name, node.object)
        return (old, (old[0], node.newschema, *old[2:])) if old and node.newschema else None
    return None


def _granted_on(node: object) -> set[Key | None]:
    kind = node.objtype.name  # type: ignore[attr-defined]
    if node.targtype.name == "ACL_TARGET_ALL_IN_SCHEMA":  # type: ignore[attr-defined]
        return {("schema", s.sval) for s in node.objects or ()}  # type: ignore[attr-defined]
    if kind in ("OBJECT_TABLE", "OBJECT_SEQUENCE"):
        return {o.relation(rv) for rv in node.objects or ()}  # type: ignore[attr-defined]
    return {_dropped(kind, obj) for obj in node.objects or ()}  # type: ignore[attr-defined]


def changed(node: object, part: int | None = None) -> set[Key]:
    """The objects a statement changes, drops or renames; part picks one command of an ALTER
    TABLE with several (None: all of them)."""
    found: set[Key | None] = set()
    if isinstance(node, ast.DropStmt):
        found = {_dropped(node.removeType.name, obj) for obj in node.objects or ()}
    elif isinstance(node, ast.DropRoleStmt):
        found = {("role", r.rolename) for r in node.roles or ()}
    elif isinstance(node, ast.AlterTableStmt):
        cmds = list(node.cmds or ())
        picked = [cmds[part]] if part is not None and part < len(cmds) else cmds
        found = {_command(node, cmd) for cmd in picked}
    elif isinstance(node, ast.RenameStmt | ast.AlterObjectSchemaStmt):
        pair = renamed_to(node)
        found = {pair[0] if pair else None}
    elif isinstance(node, ast.GrantStmt):
        found = _granted_on(node)
    else:
        found = {_changed_other(node)}
    return {k for k in found if k is not None}


def _changed_other(node: object) -> Key | None:
    if isinstance(node, ast.ViewStmt | ast.CreateFunctionStmt | ast.CreateTrigStmt):
        made = o.created(node)  # CREATE OR REPLACE changes the object it replaces
        return next(iter(made)) if made else None
    if isinstance(node, ast.AlterFunctionStmt):
        return o.function(node.func)
    if isinstance(node, ast.AlterPolicyStmt):
        return o.on_table("policy", node.table, node.policy_name)
    if isinstance(node, ast.AlterSeqStmt):
        return o.relation(node.sequence)
    if isinstance(node, ast.AlterEnumStmt | ast.AlterDomainStmt):
        return o.qualified("type", o.strings(node.typeName))
    if isinstance(node, ast.AlterExtensionStmt | ast.AlterExtensionContentsStmt):
        return ("extension", node.extname)
    if isinstance(node, ast.AlterRoleStmt | ast.AlterRoleSetStmt):
        return ("role", node.role.rolename) if node.role is not None and node.role.rolename else None
    if isinstance(node, ast.ReindexStmt):
        return o.relation(node.relation) if node.relation is not None else None
    return None


def locked(node: object) -> set[Key]:
    """The table (or type, domain) a statement locks, scans or rewrites while it runs."""
    found: Key | None = None
    if isinstance(node, ast.AlterTableStmt):
        found = o.alter_target(node)
    elif isinstance(node, ast.IndexStmt | ast.CreateTrigStmt | ast.ClusterStmt | ast.RenameStmt):
        found = o.relation(node.relation)
    elif isinstance(node, ast.CreatePolicyStmt | ast.AlterPolicyStmt):
        found = o.relation(node.table)
    elif isinstance(node, ast.AlterDomainStmt):
        found = o.qualified("type", o.strings(node.typeName))
    elif isinstance(node, ast.VacuumStmt):
        rels = {o.relation(v.relation) for v in node.rels or () if isinstance(v, ast.VacuumRelation)}
        return {k for k in rels if k is not None}
    else:
        return changed(node)
    return {found} if found is not None else set()
