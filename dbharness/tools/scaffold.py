"""dbharness scaffold-tests VERSION: a pgTAP file pinning every fact a migration adds or changes.

The facts are read from the catalog before and after the migration; each new or changed one gets
one assertion, and each check constraint and policy a commented example of the behaviour test a
person should add. The file passes against the migration, so its author starts green.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dbharness.builder import database
from dbharness.builder.apply import apply_files
from dbharness.catalog import schema_facts
from dbharness.catalog.schema_facts import Fact
from dbharness.config import Settings
from dbharness.errors import ConfigError
from dbharness.progress import Progress
from dbharness.sql import migrations


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def default_value(expression: str) -> str:
    """What col_default_is wants: a literal's value ('x'::text -> x), or the expression (now())."""
    match = re.fullmatch(r"'((?:[^']|'')*)'::[\w .\[\]\"]+", expression)
    return match.group(1).replace("''", "'") if match else expression


def _split(key: str) -> list[str]:
    return key.split(".")


def _privileges(conn_facts: list[Fact], fact: Fact, privs: dict[str, list[str]]) -> str:
    table, role = fact.key.rsplit(":", 1)
    s, t, *col = _split(table)
    wanted = "array[" + ", ".join(lit(p) for p in privs.get(fact.id, [])) + "]::text[]"
    if fact.kind == "column_privilege":
        return (f"select column_privs_are({lit(s)}, {lit(t)}, {lit(col[0])}, {lit(role)}, {wanted}, "
                f"{lit(fact.id)});")
    return f"select table_privs_are({lit(s)}, {lit(t)}, {lit(role)}, {wanted}, {lit(fact.id)});"


def assertion(fact: Fact, privs: dict[str, list[str]], policies: dict[str, list[str]],
              comment_helper: str | None = None) -> str | None:
    """The pgTAP assertion that pins one fact (None for a fact another assertion pins with it)."""
    parts, d = _split(fact.key), lit(fact.id)
    if fact.kind == "table":
        return f"select has_table({lit(parts[0])}, {lit(parts[1])}, {d});"
    if fact.kind in ("column", "type", "nullability", "default"):
        s, t, c = parts
        args = f"{lit(s)}, {lit(t)}, {lit(c)}"
        return {"column": f"select has_column({args}, {d});",
                "type": f"select col_type_is({args}, {lit(fact.detail)}, {d});",
                "nullability": f"select col_not_null({args}, {d});" if fact.detail == "not null"
                else f"select col_is_null({args}, {d});",
                "default": f"select col_default_is({args}, {lit(default_value(fact.detail))}, {d});",
                }[fact.kind]
    if fact.kind in ("foreign_key", "primary_key", "unique", "check"):
        s, t, _ = parts
        cols = "array[" + ", ".join(lit(c) for c in fact.columns) + "]"
        fn = {"foreign_key": "col_is_fk", "primary_key": "col_is_pk", "unique": "col_is_unique",
              "check": "col_has_check"}[fact.kind]
        return f"select {fn}({lit(s)}, {lit(t)}, {cols}::name[], {d});"
    if fact.kind == "index":
        s, t = _split(fact.table)
        return f"select has_index({lit(s)}, {lit(t)}, {lit(parts[1])}, {d});"
    if fact.kind == "rls":
        return (f"select is((select relrowsecurity from pg_class where oid = {lit(fact.key)}::regclass), "
                f"{fact.detail.lower()}, {d});")
    if fact.kind == "policy":
        s, t, _ = parts
        names = policies.pop(fact.table, None)
        if names is None:
            return None
        return f"select policies_are({lit(s)}, {lit(t)}, array[{', '.join(lit(n) for n in names)}], {d});"
    if fact.kind in ("privilege", "column_privilege"):
        return _privileges([], fact, privs)
    if fact.kind == "trigger":
        s, t, name = parts
        return f"select has_trigger({lit(s)}, {lit(t)}, {lit(name)}, {d});"
    if fact.kind == "function":
        s, rest = fact.key.split(".", 1)
        return f"select has_function({lit(s)}, {lit(rest.split('(')[0])}, {d});"
    if fact.kind == "comment" and comment_helper and fact.columns:
        call = f"{comment_helper}({lit(fact.table)}, {lit(fact.columns[0])})"
        return f"select is({call}, {lit(fact.detail)}, {d});"
    return None


def examples(fact: Fact) -> list[str]:
    """A commented behaviour test a person should write for a check constraint or a policy."""
    if fact.kind == "check":
        return [f"-- TODO behaviour of {fact.key}: {fact.detail}",
                f"-- select throws_ok($$insert into {fact.table} (...) values (...)$$, '23514', null,",
                "--   'a value the check refuses');"]
    if fact.kind == "policy":
        return [f"-- TODO behaviour of policy {fact.key}: as each role, what it may and may not reach",
                "-- select tests.authenticate_as(<user id>);",
                f"-- select is_empty($$select 1 from {fact.table} where ...$$, 'another user sees nothing');"]
    return []


@dataclass
class Scaffold:
    """The file written and how many facts it pins."""

    path: Path
    facts: int


def _privilege_sets(conn: object, facts: list[Fact]) -> dict[str, list[str]]:
    out = {}
    for fact in facts:
        if fact.kind == "privilege":
            table, role = fact.key.rsplit(":", 1)
            rows = conn.execute(  # type: ignore[attr-defined]
                "select p from unnest(array['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES',"
                "'TRIGGER']) p where has_table_privilege(%s, %s, p)", (role, table))
            out[fact.id] = [r[0] for r in rows]
        elif fact.kind == "column_privilege":
            column, role = fact.key.rsplit(":", 1)
            table, col = column.rsplit(".", 1)
            rows = conn.execute(  # type: ignore[attr-defined]
                "select p from unnest(array['SELECT','INSERT','UPDATE','REFERENCES']) p "
                "where has_column_privilege(%s, %s, %s, p)", (role, table, col))
            out[fact.id] = [r[0] for r in rows]
    return out


def render(mf: migrations.MigrationFile, new: list[Fact], privs: dict[str, list[str]],
           comment_helper: str | None = None) -> str:
    """The pgTAP file's text."""
    policies: dict[str, list[str]] = {}
    for f in new:
        if f.kind == "policy":
            policies.setdefault(f.table, []).append(f.key.rsplit(".", 1)[1])
    body = [a for a in (assertion(f, privs, policies, comment_helper) for f in new) if a]
    lines = [f"-- Pins what {mf.stem} adds or changes (written by dbharness scaffold-tests {mf.version}).",
             "-- One assertion per fact; the TODO comments are behaviour tests for a person to write.",
             "begin;", f"select plan({len(body)});", "", *body, ""]
    for f in new:
        lines += examples(f)
    return "\n".join([*lines, "", "select * from finish();", "rollback;", ""])


def scaffold(settings: Settings, version: str, report: Progress, directory: Path | None = None) -> Scaffold:
    """Write pgtap/<version>_<name>.test.sql for the migration; never overwrites a file."""
    files = migrations.discover(settings.migrations_dir, settings.root)
    mf = next((f for f in files if f.version == version), None)
    if mf is None:
        raise ConfigError(f"scaffold-tests {version}: no migration has this version; known: "
                          + ", ".join(f.version for f in files))
    path = (directory or settings.pgtap_dir) / f"{mf.stem}.test.sql"
    if path.exists():
        raise ConfigError(f"{path} exists; scaffold-tests never overwrites a file: move it away first")
    older = [f for f in files if f.version < version]
    recipe = database.Recipe(migrations=bool(older), up_to=older[-1].version if older else None,
                             seed=False, pgtap=False)
    cfg = settings.coverage
    with database.fresh(settings, recipe, report=report) as ready, \
            database.connect(ready.server.conninfo()) as conn:
        before = {(f.id, f.detail) for f in schema_facts.read(conn, cfg.schemas, cfg.comments)}
        apply_files(conn, [mf], database.timeouts(settings), "up", report)
        after = schema_facts.read(conn, cfg.schemas, cfg.comments)
        new = [f for f in after if (f.id, f.detail) not in before]
        helper = next((name for name, kind in cfg.helpers if kind == "comment"), None)
        text = render(mf, new, _privilege_sets(conn, new), helper)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return Scaffold(path, len(new))
