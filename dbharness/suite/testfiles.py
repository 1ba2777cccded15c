"""pgTAP files as psql would read them: which files, each read as psql reads it, split into
statements, classified.

Loading runs the psql interpreter once with an executor that records what psql would send and
print. A file whose queries never depend on a result is then complete: its statements are kept
(and cached, see builder/loaded.py), so a run parses nothing. A file with \\gset or \\gexec also
keeps its program (the texts it read, its variables), which the runner interprets again at run
time with real results (suite/live.py); every query the load already split is looked up, not
parsed again.

A file whose statements sit inside its own BEGIN ... ROLLBACK is *isolated*; any other file may
change the database for the files after it (the `00000-helpers` pattern) and has *persistent*
effects. See pgtap.py for how each kind runs.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from dbharness import lazy
from dbharness.errors import ConfigError, ScriptError
from dbharness.paths import shown
from dbharness.sql import psqlscript
from dbharness.sql.psqlscript import Echo, MetaError, Query, Rows, Said
from dbharness.sql.statements import Statement, is_transaction_control

parser = lazy.Module("pglast.parser")  # a run whose files come from the cache never parses
SendKey = tuple[str, int, str]  # (file, line, text) of a query as psql sends it


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


@dataclass(frozen=True)
class Failure:
    """An error psql reports at this point (a meta-command it refuses, an include it cannot
    read): the statements before it run, then the file ends with it."""

    message: str
    path: Path
    line: int


Step = Located | Echo | Said | Failure


@dataclass(frozen=True)
class Program:
    """What a file with \\gset or \\gexec needs to be interpreted again at run time."""

    variables: dict[str, str]
    cwd: str
    texts: dict[str, str]  # every file the load read, by the name psql read it under
    sends: dict[SendKey, list[Statement]]  # each query the load split, by where and what it is


@dataclass
class TestFile:
    """A pgTAP file read and split, ready to run, or the reason it cannot run."""

    path: Path
    root: Path | None = None  # the project, for naming files in messages
    steps: list[Step] = field(default_factory=list)
    persistent: bool = False
    error: str | None = None
    sources: tuple[Path, ...] = ()  # every file read to load it: the file and what it includes
    program: Program | None = None  # set when its queries depend on results: run it again
    environ: tuple[tuple[str, str | None], ...] = ()  # environment variables \getenv read

    __test__ = False

    @property
    def shown(self) -> str:
        """The file as messages and reports name it: relative to the project."""
        return shown(self.path, self.root)


def split_for_run(text: str, first_line: int) -> list[Statement]:
    """The statements of one query psql sends (several only with \\;): one parse of the text
    when it is valid; else split by the scanner, so a syntax error stays in its own statement
    and fails when the server sees it; text the scanner cannot split goes to the server whole."""
    try:
        pieces = parser.split(text, only_slices=True)
        whole = [(piece, raw.stmt) for piece, raw in zip(pieces, parser.parse_sql(text), strict=True)]
        return [Statement(text[piece], first_line + text[: piece.start].count("\n"), node)
                for piece, node in whole]
    except parser.ParseError:
        pass
    try:
        slices = parser.split(text, with_parser=False, only_slices=True)
    except parser.ParseError:
        return [Statement(text.strip(), first_line, None)]
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


class Recorder:
    """An executor that runs nothing: it splits each query psql would send into steps, keeps
    what psql would print, and notes whether any query's result is read (\\gset, \\gexec)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.steps: list[Step] = []
        self.sends: dict[SendKey, list[Statement]] = {}
        self.dynamic = False

    def send(self, query: Query) -> Rows | None:
        """Split the query into steps; no result (\\gset sets nothing, \\gexec runs nothing)."""
        statements = split_for_run(query.text, query.line)
        self.sends[(str(query.path), query.line, query.text)] = statements
        named = shown(query.path, self.root)
        self.steps += [Located(s, query.path, named) for s in statements]
        self.dynamic = self.dynamic or query.mode != "plain"
        return None

    def echo(self, unit: Echo) -> None:
        """Keep what psql prints, in order."""
        self.steps.append(unit)

    def said(self, unit: Said) -> None:
        """Keep psql's messages, in order."""
        self.steps.append(unit)


def without_trees(test_file: TestFile) -> TestFile:
    """The same loaded file with no parse trees (small and quick to keep; nothing that runs a
    file needs them)."""
    steps: list[Step] = [replace(s, statement=s.statement.without_tree()) if isinstance(s, Located) else s
                         for s in test_file.steps]
    program = test_file.program
    if program is not None:
        bare = {key: [s.without_tree() for s in statements] for key, statements in program.sends.items()}
        program = replace(program, sends=bare)
    return replace(test_file, steps=steps, program=program)


def load(path: Path, variables: dict[str, str] | None = None, root: Path | None = None) -> TestFile:
    """Read the file as psql would (meta-commands, includes, variables), split its queries into
    statements and classify it; root (the project) names files in messages."""
    result = TestFile(path, root)
    recorder = Recorder(root)
    session = psqlscript.Session(recorder, variables)
    try:
        session.run(path)
    except MetaError as exc:
        if not recorder.dynamic:  # after a \gset the load cannot know: the run will see
            recorder.steps.append(Failure(exc.message, exc.path, exc.line))
    except ScriptError as exc:
        result.error = str(exc)
    result.steps = recorder.steps
    result.sources = tuple(session.read)
    result.environ = tuple(sorted(session.env_read.items()))
    if recorder.dynamic:
        result.program = Program(dict(variables or {}), os.getcwd(), dict(session.texts), recorder.sends)
    result.persistent = not is_isolated([s.statement for s in result.steps if isinstance(s, Located)])
    return result
