"""pgTAP files as psql would read them: which files, each expanded, split into statements, classified.

A file whose statements sit inside its own BEGIN ... ROLLBACK is *isolated*; any other file may
change the database for the files after it (the `00000-helpers` pattern) and has *persistent*
effects. See pgtap.py for how each kind runs.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from dbharness import lazy
from dbharness.errors import ConfigError
from dbharness.paths import shown
from dbharness.sql import psqlscript
from dbharness.sql.statements import Statement, is_transaction_control

parser = lazy.Module("pglast.parser")  # a run whose files come from the cache never parses


def discover(root: Path, patterns: tuple[str, ...], chosen: list[str] | None = None) -> list[Path]:
    """The chosen files (checked to exist), or every file the test_paths globs match, in name order."""
    if chosen:
        paths = [Path(c) for c in chosen]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise ConfigError(f"no such pgTAP file: {', '.join(missing)}")
        return paths
    found = {Path(p) for pattern in patterns for p in glob.glob(str(root / pattern), recursive=True)}
    return sorted(p for p in found if p.is_file())


@dataclass(frozen=True)
class Located:
    """A statement and the file it came from (an included file keeps its own name and lines)."""

    statement: Statement
    path: Path
    shown: str  # the file as messages name it (relative to the project)


@dataclass
class TestFile:
    """A pgTAP file expanded and split, ready to run, or the reason it cannot run."""

    path: Path
    root: Path | None = None  # the project, for naming files in messages
    steps: list[Located | psqlscript.Echo] = field(default_factory=list)
    persistent: bool = False
    error: str | None = None
    echoed: list[str] = field(default_factory=list)
    sources: tuple[Path, ...] = ()  # every file read to load it: the file and what it includes

    __test__ = False

    @property
    def shown(self) -> str:
        """The file as messages and reports name it: relative to the project."""
        return shown(self.path, self.root)


def split_for_run(text: str, first_line: int) -> list[Statement]:
    """Statements as psql would send them: one parse of the whole text when it is valid; else
    split by the scanner, so a syntax error stays in its own statement and fails when the server
    sees it, after the statements before it ran."""
    try:
        pieces = parser.split(text, only_slices=True)
        whole = [(piece, raw.stmt) for piece, raw in zip(pieces, parser.parse_sql(text), strict=True)]
        return [Statement(text[piece], first_line + text[: piece.start].count("\n"), node)
                for piece, node in whole]
    except parser.ParseError:
        pass
    try:
        slices = parser.split(text, with_parser=False, only_slices=True)
    except parser.ParseError as exc:
        raise psqlscript.ScriptError(f"cannot split into statements: {exc.args[0]}") from None
    out = []
    for piece in slices:
        sql = text[piece]
        try:
            node = parser.parse_sql(sql)[0].stmt
        except (parser.ParseError, IndexError):
            node = None
        out.append(Statement(sql, first_line + text[: piece.start].count("\n"), node))
    return out


def is_isolated(statements: list[Statement]) -> bool:
    """True when the file runs inside its own BEGIN ... ROLLBACK and ends no transaction before."""
    if not statements:
        return True
    control = [s for s in statements if is_transaction_control(s)]
    first, last = statements[0], statements[-1]
    return (bool(control) and control[0] is first and control[-1] is last and len(control) == 2
            and first.transaction == "begin" and last.transaction == "rollback")


def without_trees(test_file: TestFile) -> TestFile:
    """The same loaded file with no parse trees (small and quick to keep; nothing that runs a
    file needs them)."""
    steps = [Located(s.statement.without_tree(), s.path, s.shown) if isinstance(s, Located) else s
             for s in test_file.steps]
    return TestFile(test_file.path, test_file.root, steps, test_file.persistent, test_file.error,
                    list(test_file.echoed), test_file.sources)


def load(path: Path, variables: dict[str, str] | None = None, root: Path | None = None) -> TestFile:
    """Expand meta-commands and includes, split into statements, and classify the file; root (the
    project) names files in messages."""
    result = TestFile(path, root)
    expander = psqlscript.Expander(variables)
    try:
        script = expander.expand(path)
        for unit in script.units:
            if isinstance(unit, psqlscript.Echo):
                result.steps.append(unit)
                continue
            named = shown(unit.path, root)
            result.steps += [Located(s, unit.path, named) for s in split_for_run(unit.text, unit.line)]
    except psqlscript.ScriptError as exc:
        result.error = str(exc)
        return result
    finally:
        result.sources = tuple(expander.script.read)
    result.persistent = not is_isolated([s.statement for s in result.steps if isinstance(s, Located)])
    return result
