"""Schema coverage: which facts of the schema (schema_facts.py) the pgTAP suite pins, and which not.

Pinned means a structural assertion names the fact (has_column, col_type_is, fk_ok, has_index,
policies_are, table_privs_are, ... or a project helper declared in [tool.dbharness.coverage]),
or a behaviour assertion targets it: throws_ok whose statement writes the column with the
SQLSTATE of that kind (23514 check, 23502 not null, 23503 foreign key, 23505 unique or primary
key, 42501 privilege or policy). Arguments are read from the parse tree: constants, ARRAY[...],
casts, format(), and the rows of a VALUES list the call is selected from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbharness import lazy
from dbharness.catalog.schema_facts import API_ROLES, Fact
from dbharness.suite.testfiles import Located, TestFile, load

if TYPE_CHECKING:
    from pglast import ast
else:
    ast = lazy.Module("pglast.ast")
parser = lazy.Module("pglast.parser")

STRUCTURAL: dict[str, tuple[str, ...]] = {
    "has_table": ("table",), "tables_are": ("table",), "has_column": ("column",), "columns_are": ("column",),
    "col_type_is": ("type",), "col_not_null": ("nullability",), "col_is_null": ("nullability",),
    "col_default_is": ("default",), "col_has_default": ("default",),
    "fk_ok": ("foreign_key",), "col_is_fk": ("foreign_key",), "has_pk": ("primary_key",),
    "col_is_pk": ("primary_key",), "has_unique": ("unique",), "col_is_unique": ("unique",),
    "has_check": ("check",), "col_has_check": ("check",),
    "has_index": ("index",), "index_is_on": ("index",), "index_is_unique": ("index",),
    "index_is_type": ("index",), "indexes_are": ("index",), "is_indexed": ("index",),
    "policies_are": ("policy",), "policy_roles_are": ("policy",), "policy_cmd_is": ("policy",),
    "table_privs_are": ("privilege",), "column_privs_are": ("column_privilege",),
    "has_function": ("function",), "function_returns": ("function",), "is_definer": ("function",),
    "isnt_definer": ("function",), "function_lang_is": ("function",), "functions_are": ("function",),
    "has_trigger": ("trigger",), "trigger_is": ("trigger",), "triggers_are": ("trigger",),
}
BY_COLUMNS = {"foreign_key", "primary_key", "unique", "check", "index"}
SQLSTATES = {"23514": ("check",), "23502": ("nullability",), "23503": ("foreign_key",),
             "23505": ("unique", "primary_key", "index"),
             "42501": ("privilege", "policy", "column_privilege")}


@dataclass(frozen=True)
class Pin:
    """Where a fact is pinned: the assertion's file:line and its function."""

    where: str
    by: str


@dataclass
class Coverage:
    """Each fact with its first pin (or none), and the exclusions applied."""

    facts: list[Fact]
    pins: dict[str, Pin] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)  # fact id -> reason
    stale: list[str] = field(default_factory=list)  # exclusions that name no fact

    @property
    def counted(self) -> list[Fact]:
        """The facts that count (exclusions left out)."""
        return [f for f in self.facts if f.id not in self.excluded]

    @property
    def unpinned(self) -> list[Fact]:
        """The counted facts no assertion pins."""
        return [f for f in self.counted if f.id not in self.pins]

    @property
    def percent(self) -> float:
        """Pinned facts as a percentage of the counted ones (100 when there are none)."""
        total = len(self.counted)
        return 100.0 * (total - len(self.unpinned)) / total if total else 100.0


def _format(template: str, values: list[Any]) -> str | None:
    """PostgreSQL's format() for %s, %I and %L, enough to read a statement a test builds."""
    out, i, k = [], 0, 0
    while i < len(template):
        if template[i] == "%" and i + 1 < len(template):
            spec = template[i + 1]
            if spec == "%":
                out.append("%")
            elif spec in "sIL" and k < len(values):
                v = values[k]
                k += 1
                text = "" if v is None else str(v)
                plain = re.fullmatch(r"[a-z_][a-z0-9_]*", text)
                out.append('"' + text.replace('"', '""') + '"' if spec == "I" and not plain
                           else "'" + text.replace("'", "''") + "'" if spec == "L" else text)
            else:
                return None
            i += 2
            continue
        out.append(template[i])
        i += 1
    return "".join(out)


def value(node: Any, env: dict[str, Any]) -> Any:
    """A constant the parse tree spells out, or None when it depends on data."""
    if isinstance(node, ast.A_Const):
        return None if node.isnull else getattr(node.val, "sval", getattr(node.val, "ival", None))
    if isinstance(node, ast.TypeCast):
        return value(node.arg, env)
    if isinstance(node, ast.A_ArrayExpr):
        return [value(e, env) for e in node.elements or ()]
    if isinstance(node, ast.ColumnRef):
        return env.get(getattr((node.fields or (None,))[-1], "sval", ""))
    if isinstance(node, ast.FuncCall) and _name(node) == "format" and node.args:
        args = [value(a, env) for a in node.args]
        return _format(args[0], args[1:]) if isinstance(args[0], str) else None
    return None


def _name(call: ast.FuncCall) -> str:
    return ".".join(getattr(p, "sval", "") for p in call.funcname or ()).removeprefix("extensions.")


def _children(node: Any) -> Iterator[Any]:
    if isinstance(node, list | tuple):
        for item in node:
            yield from _children(item)
    elif isinstance(node, ast.Node):
        yield node
        for attr in getattr(node, "__slots__", ()):
            yield from _children(getattr(node, attr, None))


def _environments(stmt: ast.Node) -> list[dict[str, Any]]:
    """One variable binding per VALUES row the statement selects from (or one empty binding)."""
    for item in getattr(stmt, "fromClause", None) or ():
        rows = getattr(getattr(item, "subquery", None), "valuesLists", None)
        if isinstance(item, ast.RangeSubselect) and rows and item.alias:
            names = [c.sval for c in item.alias.colnames or ()]
            return [dict(zip(names, (value(v, {}) for v in row), strict=False)) for row in rows]
    return [{}]


def calls(sql: str, node: Any = None) -> Iterator[tuple[str, list[Any]]]:
    """(function name, argument values) of every call in a statement (its parse tree when given),
    once per VALUES row."""
    try:
        stmts = [node] if node is not None else [raw.stmt for raw in parser.parse_sql(sql)]
    except parser.ParseError:
        return
    for stmt in stmts:
        for env in _environments(stmt):
            for node in _children(stmt):
                if isinstance(node, ast.FuncCall):
                    yield _name(node), [value(a, env) for a in node.args or ()]


def _keys(args: list[Any], schemas: tuple[str, ...]) -> set[str]:
    """Dotted names the arguments can spell (consecutive strings, the last one may be a list),
    also with a schema in front."""
    keys: set[str] = set()
    for i in range(len(args)):
        for j in range(i + 1, min(len(args), i + 3) + 1):
            seg = args[i:j]
            if not all(isinstance(s, str) for s in seg[:-1]) or not isinstance(seg[-1], str | list):
                break
            for tail in seg[-1] if isinstance(seg[-1], list) else [seg[-1]]:
                if isinstance(tail, str):
                    key = ".".join([*seg[:-1], tail])
                    keys |= {key, *(f"{s}.{key}" for s in schemas)}
    return keys


@dataclass
class Facts:
    """The facts, indexed for matching assertions against them."""

    facts: list[Fact]
    schemas: tuple[str, ...]

    def __post_init__(self) -> None:
        self.by_id = {f.id: f for f in self.facts}
        self.tables = {f.key for f in self.facts if f.kind == "table"}

    def named(self, kinds: tuple[str, ...], keys: set[str]) -> set[str]:
        """Facts of these kinds whose key the arguments spell (a function by its name too)."""
        found = {f"{k} {key}" for k in kinds for key in keys} & self.by_id.keys()
        if "function" in kinds:
            found |= {f.id for f in self.facts if f.kind == "function" and f.key.split("(")[0] in keys}
        return found

    def on_table(self, kinds: tuple[str, ...], table: str, columns: set[str] | None) -> set[str]:
        """Facts of these kinds on a table: all of them, or those whose columns are `columns`."""
        return {f.id for f in self.facts if f.kind in kinds and f.table == table
                and (columns is None or set(f.columns) == columns)}

    def touching(self, kinds: tuple[str, ...], table: str, columns: set[str] | None) -> set[str]:
        """Facts of these kinds on a table that involve any of `columns` (all when None)."""
        return {f.id for f in self.facts if f.kind in kinds and f.table == table
                and (columns is None or not f.columns or set(f.columns) & columns)}


def structural(facts: Facts, kinds: tuple[str, ...], args: list[Any]) -> set[str]:
    """What a structural assertion (or a declared helper) pins."""
    keys = _keys(args, facts.schemas)
    pinned = facts.named(kinds, keys)
    # a call that names a column also spells its table: the column's fact is the one it pins
    pinned = {p for p in pinned if not any(o != p and o.startswith(p + ".") for o in pinned)}
    roles = [a for a in args if a in API_ROLES]
    if "privilege" in kinds or "column_privilege" in kinds:
        kind = kinds[0]
        pinned |= {f"{kind} {key}:{role}" for key in keys for role in roles} & facts.by_id.keys()
    by_columns = tuple(k for k in kinds if k in BY_COLUMNS)
    table = next((k for k in sorted(keys, key=len, reverse=True) if k in facts.tables), None)
    if by_columns and table and not pinned:
        lists = [set(a) for a in args if isinstance(a, list) and all(isinstance(x, str) for x in a)]
        singles = [{a} for a in args if isinstance(a, str) and facts.by_id.get(f"column {table}.{a}")]
        candidates: list[set[str] | None] = [*(lists + singles)[:1]] or [None]
        pinned |= facts.on_table(by_columns, table, candidates[0])
    return pinned


def _written(sql: str, schemas: tuple[str, ...]) -> list[tuple[str, set[str] | None]]:
    """(table, columns written) of each INSERT, UPDATE, DELETE or TRUNCATE in a statement."""
    try:
        stmts = [raw.stmt for raw in parser.parse_sql(sql)]
    except parser.ParseError:
        return []
    out = []
    for stmt in stmts:
        truncate = isinstance(stmt, ast.TruncateStmt)
        relations = stmt.relations if truncate else [getattr(stmt, "relation", None)]
        columns: set[str] | None = None
        if isinstance(stmt, ast.InsertStmt):
            columns = {c.name for c in stmt.cols or ()}
        elif isinstance(stmt, ast.UpdateStmt):
            columns = {t.name for t in stmt.targetList or ()}
        for rel in relations:
            if isinstance(rel, ast.RangeVar):
                out.append((f"{rel.schemaname or schemas[0]}.{rel.relname}", columns))
    return out


def behaviour(facts: Facts, args: list[Any]) -> set[str]:
    """What throws_ok(statement, SQLSTATE) pins: the facts of that kind the statement writes."""
    if len(args) < 2 or not isinstance(args[0], str) or args[1] not in SQLSTATES:
        return set()
    kinds = SQLSTATES[args[1]]
    pinned: set[str] = set()
    for table, columns in _written(args[0], facts.schemas):
        whole_rows = tuple(k for k in kinds if k != "column_privilege")  # DELETE, TRUNCATE: no column
        pinned |= facts.touching(kinds if columns else whole_rows, table, columns)
        if "nullability" in kinds and columns:
            pinned |= {f"nullability {table}.{c}" for c in columns} & facts.by_id.keys()
    return pinned


def _rls(facts: Facts, sql: str) -> set[str]:
    """A statement that reads relrowsecurity of a named table pins that table's RLS flag."""
    if "relrowsecurity" not in sql.lower():
        return set()
    names = set(re.findall(r"'([A-Za-z0-9_.\"]+)'", sql))
    return facts.named(("rls",), _keys(sorted(names), facts.schemas))


def pins_of(facts: Facts, sql: str, helpers: dict[str, str], node: Any = None) -> list[tuple[str, set[str]]]:
    """(assertion, facts it pins) for every assertion in one statement."""
    out = [("relrowsecurity", _rls(facts, sql))]
    for name, args in calls(sql, node):
        if name == "throws_ok":
            out.append((name, behaviour(facts, args)))
        elif name in STRUCTURAL or name in helpers:
            kinds = STRUCTURAL.get(name) or (helpers[name],)
            out.append((name, structural(facts, kinds, args)))
    return out


def measure(facts: list[Fact], schemas: tuple[str, ...], test_files: list[Path] | list[TestFile],
            helpers: dict[str, str], exclusions: dict[str, str], display: Any = str) -> Coverage:
    """Every fact and the first assertion (file:line) that pins it; exclusions applied. The files
    may come already loaded (dbharness test loaded them to run them)."""
    index = Facts(facts, schemas)
    result = Coverage(facts, excluded={k: v for k, v in exclusions.items() if k in index.by_id},
                      stale=[k for k in exclusions if k not in index.by_id])
    for item in test_files:
        for step in (item if isinstance(item, TestFile) else load(item)).steps:
            if not isinstance(step, Located):
                continue
            where = f"{display(step.path)}:{step.statement.line}"
            for by, pinned in pins_of(index, step.statement.sql, helpers, step.statement.node):
                for fact_id in sorted(pinned):
                    result.pins.setdefault(fact_id, Pin(where, by))
    return result
