"""A lock or data-loss hazard is a hazard only on an object the target already has, as
strong_migrations judges it: which object a flagged statement is about (changes.py), and whether
that object is new where the statement runs: created earlier in the same file, or by a file the
target does not have yet (an earlier file of the same promotion; for a rollback, its own up
migration, whose objects it exists to drop)."""

from __future__ import annotations

from collections.abc import Iterable

from dbharness import lazy
from dbharness.lint import changes, objects, squawk_rules
from dbharness.lint.objects import Key
from dbharness.sql.migrations import MigrationFile
from dbharness.sql.statements import Statement

parser = lazy.Module("pglast.parser")

PARTS_OF = ("column", "constraint", "trigger", "policy")  # keys whose third item is a table


def is_new(key: Key, new: set[Key]) -> bool:
    """True when key, or what it belongs to (its table, its schema), is in new; a function
    named without arguments matches any of that name."""
    if key in new:
        return True
    if key[0] == "function" and any(k[:3] == key[:3] and "*" in (k[3], key[3]) for k in new
                                    if k[0] == "function"):
        return True
    if key[0] in PARTS_OF and (("relation", *key[1:3]) in new or ("type", *key[1:3]) in new):
        return True
    return len(key) >= 3 and ("schema", key[1]) in new


def made(statements: Iterable[Statement], new: set[Key], existing: set[Key]) -> set[Key]:
    """new, plus what the statements create in order (a renamed new object stays new under its
    new name); a CREATE OR REPLACE of an object of existing changes it, it does not create it."""
    found = set(new)
    for stmt in statements:
        made_here = objects.created(stmt.node)
        if objects.replaces(stmt.node):
            made_here = {k for k in made_here if not is_new(k, existing)}
        found |= made_here
        pair = changes.renamed_to(stmt.node)
        if pair is not None and is_new(pair[0], found):
            found.add(pair[1])
    return found


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, c in enumerate(text):
        if c == "\n":
            starts.append(i + 1)
    return starts


def offset_of(text: str, line: int, column: int) -> int:
    """The character offset of squawk's position (0-based line, column in UTF-8 bytes)."""
    starts = _line_starts(text)
    start = starts[min(max(line, 0), len(starts) - 1)]
    raw = text[start:].split("\n", 1)[0].encode("utf-8")[:max(column, 0)]
    return start + len(raw.decode("utf-8", errors="ignore"))


def statement_at(mf: MigrationFile, offset: int) -> tuple[int, int] | None:
    """(index, start offset) of the statement of a file that holds a character offset (the last
    one starting before it, when the offset falls between statements)."""
    starts = _line_starts(mf.text)
    found = None
    for i, stmt in enumerate(mf.statements):
        line_start = starts[min(stmt.line, len(starts)) - 1]
        at = mf.text.find(stmt.sql, line_start)
        at = line_start if at < 0 else at
        if at > offset:
            break
        found = (i, at)
    return found


def part_at(stmt: Statement, offset: int) -> int | None:
    """Which command of an ALTER TABLE holds offset (characters into the statement): the count
    of top-level commas before it. None for other statements."""
    if type(stmt.node).__name__ != "AlterTableStmt":
        return None
    depth = commas = 0
    for token in parser.scan(stmt.sql):
        if token.start >= offset:
            break
        if token.name in ("ASCII_40", "ASCII_91"):
            depth += 1
        elif token.name in ("ASCII_41", "ASCII_93"):
            depth -= 1
        elif token.name == "ASCII_44" and depth == 0:
            commas += 1
    return commas


def about(rule: str, stmt: Statement, part: int | None) -> set[Key]:
    """The objects a finding of rule on stmt is about: the table it locks for a locking rule,
    the objects it drops or changes for a destructive one."""
    if squawk_rules.kind(rule) == squawk_rules.TABLE:
        return changes.locked(stmt.node)
    return changes.changed(stmt.node, part) or changes.locked(stmt.node)


class Judge:
    """Decides, for each squawk finding, whether the object it is about is new where it runs."""

    def __init__(self, ups: list[MigrationFile], new_from: list[MigrationFile]) -> None:
        self.ups = {mf.version: mf for mf in ups}
        self.pending = [mf.version for mf in new_from]
        self.older: dict[str, set[Key]] = {}  # what the migrations older than a version create
        so_far: set[Key] = set()
        for mf in sorted(ups, key=lambda m: m.version):
            self.older[mf.version] = set(so_far)
            so_far = made(mf.statements, so_far, set())
        self._before: dict[tuple[str, bool], set[Key]] = {}

    def new_before(self, mf: MigrationFile, rollback: bool) -> set[Key]:
        """What is new before the file runs: for a rollback, what its up migration created; in
        a promotion, what the earlier pending files create; else nothing."""
        cached = self._before.get((mf.version, rollback))
        if cached is not None:
            return cached
        existing = self.older.get(mf.version, set())
        new: set[Key] = set()
        if rollback and mf.version in self.ups:
            new = made(self.ups[mf.version].statements, set(), existing)
        elif not rollback and mf.version in self.pending:
            for version in self.pending[:self.pending.index(mf.version)]:
                new = made(self.ups[version].statements, new, self.older.get(version, set()))
        self._before[(mf.version, rollback)] = new
        return new

    def harmless(self, mf: MigrationFile, rollback: bool, rule: str, line: int, column: int) -> bool:
        """True when rule is a hazard only on existing objects and every object the flagged
        statement is about is new where it runs (squawk's 0-based line, byte column)."""
        if not squawk_rules.on_existing_only(rule):
            return False
        offset = offset_of(mf.text, line, column)
        at = statement_at(mf, offset)
        if at is None:
            return False
        index, start = at
        stmt = mf.statements[index]
        targets = about(rule, stmt, part_at(stmt, offset - start))
        if not targets:
            return False
        existing = self.older.get(mf.version, set())
        new = made(mf.statements[:index], self.new_before(mf, rollback), existing)
        return all(is_new(k, new) for k in targets)
