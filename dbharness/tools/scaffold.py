"""dbharness scaffold-tests VERSION: a pgTAP file pinning every fact a migration adds or changes.

The facts are read from the catalog before and after the migration; each new or changed one gets
one assertion, and each check constraint and policy a commented example of the behaviour test a
person should add. The file passes against the migration, so its author starts green.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from dbharness.builder import database
from dbharness.builder.apply import apply_files
from dbharness.catalog import schema_facts
from dbharness.catalog.schema_facts import Fact
from dbharness.config import Settings
from dbharness.errors import ConfigError
from dbharness.paths import shown
from dbharness.progress import Progress
from dbharness.sql import migrations
from dbharness.suite import testfiles


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(*names: str) -> str:
    """A qualified name as regclass reads it: each part quoted where it must be."""
    return ".".join(n if re.fullmatch(r"[a-z_][a-z0-9_$]*", n) else '"' + n.replace('"', '""') + '"'
                    for n in names)


def default_value(expression: str) -> str:
    """What col_default_is wants: a literal's value ('x'::text -> x), or the expression (now())."""
    match = re.fullmatch(r"'((?:[^']|'')*)'::[\w .\[\]\"]+", expression)
    return match.group(1).replace("''", "'") if match else expression


def _privileges(fact: Fact, privs: dict[str, list[str]]) -> str:
    wanted = "array[" + ", ".join(lit(p) for p in privs.get(fact.id, [])) + "]::text[]"
    if fact.kind == "column_privilege":
        s, t, col, role = fact.parts
        args = ", ".join(lit(x) for x in (s, t, col, role))
        return f"select column_privs_are({args}, {wanted}, {lit(fact.id)});"
    s, t, role = fact.parts
    return f"select table_privs_are({lit(s)}, {lit(t)}, {lit(role)}, {wanted}, {lit(fact.id)});"


def _comment(fact: Fact, helper: str | None) -> str:
    """A comment pinned through the project's helper when it declares one, else by reading the
    catalog (nothing the project lacks)."""
    d = lit(fact.id)
    if len(fact.parts) == 2:
        got = f"obj_description({lit(ident(*fact.parts))}::regclass, 'pg_class')"
    elif helper:
        got = f"{helper}({lit(fact.table)}, {lit(fact.parts[2])})"
    else:
        got = (f"(select col_description(a.attrelid, a.attnum) from pg_attribute a where a.attrelid = "
               f"{lit(ident(*fact.parts[:2]))}::regclass and a.attname = {lit(fact.parts[2])})")
    return f"select is({got}, {lit(fact.detail)}, {d});"


def _column(fact: Fact) -> str:
    args, d = ", ".join(lit(p) for p in fact.parts), lit(fact.id)
    return {"column": f"select has_column({args}, {d});",
            "type": f"select col_type_is({args}, {lit(fact.detail)}, {d});",
            "nullability": f"select col_not_null({args}, {d});" if fact.detail == "not null"
            else f"select col_is_null({args}, {d});",
            "default": f"select col_default_is({args}, {lit(default_value(fact.detail))}, {d});",
            }[fact.kind]


CONSTRAINT_ASSERTIONS = {"foreign_key": "col_is_fk", "primary_key": "col_is_pk", "unique": "col_is_unique",
                         "check": "col_has_check"}


def assertion(fact: Fact, privs: dict[str, list[str]], policies: dict[str, list[str]],
              comment_helper: str | None = None) -> str | None:
    """The pgTAP assertion that pins one fact (None for a fact another assertion pins with it)."""
    d = lit(fact.id)
    schema, table = fact.parts[0], fact.parts[1] if len(fact.parts) > 1 else ""
    if fact.kind == "table":
        return f"select has_table({lit(schema)}, {lit(table)}, {d});"
    if fact.kind in ("column", "type", "nullability", "default"):
        return _column(fact)
    if fact.kind in CONSTRAINT_ASSERTIONS:
        cols = "array[" + ", ".join(lit(c) for c in fact.columns) + "]"
        return f"select {CONSTRAINT_ASSERTIONS[fact.kind]}({lit(schema)}, {lit(table)}, {cols}::name[], {d});"
    if fact.kind == "index":
        return f"select has_index({lit(schema)}, {lit(table)}, {lit(fact.parts[2])}, {d});"
    if fact.kind == "rls":
        return (f"select is((select relrowsecurity from pg_class where oid = {lit(ident(schema, table))}"
                f"::regclass), {fact.detail.lower()}, {d});")
    if fact.kind == "policy":
        names = policies.pop(fact.table, None)
        if names is None:
            return None
        listed = ", ".join(lit(n) for n in names)
        return f"select policies_are({lit(schema)}, {lit(table)}, array[{listed}], {d});"
    if fact.kind in ("privilege", "column_privilege"):
        return _privileges(fact, privs)
    if fact.kind == "trigger":
        return f"select has_trigger({lit(schema)}, {lit(table)}, {lit(fact.parts[2])}, {d});"
    if fact.kind == "function":
        return f"select has_function({lit(schema)}, {lit(fact.parts[1])}, {d});"
    if fact.kind == "comment":
        return _comment(fact, comment_helper)
    return None


AS_A_USER = ("-- set local role authenticated;  -- as the platform's API runs a signed-in user's request:",
             "-- select set_config('request.jwt.claims', json_build_object('sub', '<a user id>', "
             "'role', 'authenticated')::text, true);")


def examples(fact: Fact) -> list[str]:
    """A commented behaviour test a person should write for a check constraint or a policy, in
    plain SQL and pgTAP (nothing the project may lack)."""
    if fact.kind == "check":
        return [f"-- TODO behaviour of {fact.key}: {fact.detail}",
                f"-- select throws_ok($$insert into {fact.table} (...) values (...)$$, '23514', null,",
                "--   'a value the check refuses');"]
    if fact.kind == "policy":
        return [f"-- TODO behaviour of policy {fact.key}: as each role, what it may and may not reach",
                *AS_A_USER,
                f"-- select is_empty($$select 1 from {fact.table} where ...$$, 'another user sees nothing');",
                "-- reset role;"]
    return []


@dataclass
class Scaffold:
    """The file written and how many facts it pins."""

    path: Path
    facts: int
    shown: str = ""  # the file as messages name it (relative to the project)


def _privilege_sets(conn: object, facts: list[Fact]) -> dict[str, list[str]]:
    out = {}
    for fact in facts:
        if fact.kind == "privilege":
            schema, name, role = fact.parts
            table = ident(schema, name)
            rows = conn.execute(  # type: ignore[attr-defined]
                "select p from unnest(array['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES',"
                "'TRIGGER']) p where has_table_privilege(%s, %s, p)", (role, table))
            out[fact.id] = [r[0] for r in rows]
        elif fact.kind == "column_privilege":
            schema, name, col, role = fact.parts
            table = ident(schema, name)
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
            policies.setdefault(f.table, []).append(f.parts[2])
    body = [a for a in (assertion(f, privs, policies, comment_helper) for f in new) if a]
    lines = [f"-- Pins what {mf.stem} adds or changes (written by dbharness scaffold-tests {mf.version}).",
             "-- One assertion per fact; the TODO comments are behaviour tests for a person to write.",
             "begin;", f"select plan({len(body)});", "", *body, ""]
    for f in new:
        lines += examples(f)
    return "\n".join([*lines, "", "select * from finish();", "rollback;", ""])


def _static_part(pattern: str) -> tuple[Path, str]:
    """A glob's folder before its first wildcard, and the name its files end with: for
    supabase/tests/**/*.sql, (supabase/tests, .sql); for pgtap/**/*.test.sql, (pgtap, .test.sql)."""
    parts = Path(pattern).parts
    fixed = [p for p in itertools.takewhile(lambda p: not any(c in p for c in "*?["), parts)]
    ending = parts[-1].split("*")[-1] if "*" in parts[-1] else ".sql"
    return Path(*fixed) if fixed else Path("."), ending


def destination(settings: Settings, mf: migrations.MigrationFile, directory: Path | None) -> Path:
    """Where the file goes: directory when given, else the folder that holds most of the project's
    test files (where its first test_paths glob starts when it has none yet), named so that glob
    finds it: <version>_<name>_test.sql as `supabase test new` names files, or with the glob's
    own ending (pgtap/**/*.test.sql: <version>_<name>.test.sql)."""
    folder, ending = _static_part(settings.pgtap_patterns[0])
    name = mf.stem + ("_test.sql" if ending == ".sql" else ending)
    if directory is not None:
        return directory / name
    found = Counter(p.parent for p in testfiles.discover(settings.root, settings.pgtap_patterns))
    if found:
        best = max(found.items(), key=lambda item: (item[1], -len(item[0].parts)))[0]
        return best / name
    return settings.root / folder / name


def scaffold(settings: Settings, version: str, report: Progress, directory: Path | None = None) -> Scaffold:
    """Write the pgTAP file of a migration where the project's tests are; never overwrites a file."""
    files = migrations.discover(settings.migrations_dir, settings.root)
    mf = next((f for f in files if f.version == version), None)
    if mf is None:
        raise ConfigError(f"scaffold-tests {version}: no migration has this version; known: "
                          + ", ".join(f.version for f in files))
    path = destination(settings, mf, directory)
    if path.exists():
        raise ConfigError(f"{shown(path, settings.root)} exists; scaffold-tests never overwrites a file: "
                          "move it away first")
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
    return Scaffold(path, len(new), shown(path, settings.root))
