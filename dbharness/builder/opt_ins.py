"""The platform's opt-in parts and the error their absence causes: a migration that meets a missing
schema, relation, function or type that an opt-in part provides is told which setting adds it.

What each part provides is read from its file (hosted/objects/*.sql with `-- @opt-in NAME`): the
`-- @provide` markers of its sections, and for an extension the schemas its offline script
creates (hosted/extensions/NAME--VERSION.sql), which is what a migration calling it names.
"""

from __future__ import annotations

import functools
import re

from dbharness.hosted import compat
from dbharness.paths import shown
from dbharness.pg import psycopg

# What PostgreSQL says when an object is missing: the kind of object, and its name as written.
MISSING = {
    "3F000": ("schema", re.compile(r'^schema "([^"]+)" does not exist')),
    "42P01": ("relation", re.compile(r'^relation "([^"]+)" does not exist')),
    "42883": ("function", re.compile(r"^function ([^\s(]+)\(")),
    "42704": ("type", re.compile(r'^type "([^"]+)" does not exist')),
}
CREATE_SCHEMA = re.compile(r"^\s*create\s+schema\s+(?:if\s+not\s+exists\s+)?([a-z_][a-z0-9_]*)",
                           re.IGNORECASE | re.MULTILINE)


def _extension_schemas(name: str) -> set[str]:
    found: set[str] = set()
    for script in sorted(compat.EXTENSIONS_DIR.glob(f"{name}--*.sql")):
        found |= {m.lower() for m in CREATE_SCHEMA.findall(script.read_text(encoding="utf-8"))}
    return found


def _names(kind: str, args: tuple[str, ...]) -> set[str]:
    """The '<kind> <name>' keys a section of this kind provides (a qualified object's schema too)."""
    name = (args[0] if args else "").lower()
    if kind == "extension":
        return {f"schema {s}" for s in _extension_schemas(name)}
    if kind == "schema":
        return {f"schema {name}"}
    bare = name.split("(", 1)[0]
    keys = {f"schema {bare.split('.', 1)[0]}"} if "." in bare else set()
    if kind == "table":
        return keys | {f"relation {bare}", f"type {bare}"}  # a table's row type has its name
    if kind == "function":
        return keys | {f"function {bare}"}
    return keys


@functools.cache
def provided() -> dict[str, tuple[str, str]]:
    """'<kind> <name>' -> (the opt-in that provides it, its file) for every opt-in section."""
    found: dict[str, tuple[str, str]] = {}
    for section in compat.sections():
        if section.option is None:
            continue
        where = shown(section.path, compat.PACKAGE_PARENT)
        for key in _names(section.kind, section.args):
            found.setdefault(key, (section.option, where))
    return found


def hint(exc: psycopg.Error) -> str | None:
    """The advice for an error about a missing object an opt-in part provides, else None."""
    missing = MISSING.get(exc.sqlstate or "")
    match = missing[1].match(exc.diag.message_primary or "") if missing else None
    if missing is None or match is None:
        return None
    name = match.group(1).lower()
    keys = [f"{missing[0]} {name}"] + ([f"schema {name.split('.', 1)[0]}"] if "." in name else [])
    for key in keys:
        if key in provided():
            option, where = provided()[key]
            return (f"{key.split(' ', 1)[1]} is provided by the opt-in {option!r} ({where}): the "
                    f"throwaway database has it when [tool.dbharness] sets {option} = true, a "
                    f"Supabase project when {option} is turned on for it")
    return None
