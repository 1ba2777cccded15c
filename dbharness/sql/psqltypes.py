"""What the psql interpreter hands on and reads back: queries as psql sends them, what it
prints, the rows \\gset and \\gexec read, psql's errors; psql's booleans and variable names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from dbharness.errors import ScriptError
from dbharness.sql.psqlscan import NAME


@dataclass(frozen=True)
class Echo:
    """Text psql printed on its output (\\echo, \\qecho, \\p): it joins the file's output."""

    text: str
    path: Path
    line: int
    newline: bool = True  # \echo -n leaves the line open for what comes next


@dataclass(frozen=True)
class Said:
    """A message psql writes on stderr and goes on after (a \\warn, an \\if value that is not a
    boolean, an argument ignored): shown with the file's notices, never read as TAP."""

    text: str
    path: Path
    line: int


@dataclass(frozen=True)
class Query:
    """A query as psql sends it: the query buffer at a semicolon, a \\g, \\gset or \\gexec, or
    (raw) a value \\gexec runs."""

    text: str
    path: Path
    line: int
    mode: str = "plain"  # plain, gset or gexec
    prefix: str = ""  # \gset's prefix
    raw: bool = False


@dataclass(frozen=True)
class Rows:
    """The result \\gset and \\gexec read: column names and values as text (None for NULL)."""

    columns: tuple[str, ...]
    values: tuple[tuple[str | None, ...], ...]


class MetaError(ScriptError):
    """psql reported an error in a meta-command; with ON_ERROR_STOP (pg_prove's) the file ends."""

    def __init__(self, message: str, path: Path, line: int) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.message, self.path, self.line = message, path, line


class Executor(Protocol):
    """What the interpreter hands its queries and its output to."""

    def send(self, query: Query) -> Rows | None:
        """Run a query; for \\gset and \\gexec, the last result's rows (None when it has none)."""

    def echo(self, unit: Echo) -> None:
        """Print a line on psql's output."""

    def said(self, unit: Said) -> None:
        """Print a message on psql's stderr."""


@dataclass
class Branch:
    """One \\if on psql's conditional stack, with the query buffer's state when it began."""

    state: str  # true, false, ignored, else_true, else_false (psql's ifState)
    query_len: int = 0
    paren: int = 0


def parse_bool(value: str) -> bool | None:
    """psql's ParseVariableBool: true/false/yes/no/on/off/1/0, any case, unique prefixes (on and
    off need two letters); None when the value is none of them."""
    low = value.lower()
    for word, meaning in (("true", True), ("false", False), ("yes", True), ("no", False)):
        if low and word.startswith(low):
            return meaning
    if len(low) >= 2 and "on".startswith(low):
        return True
    if len(low) >= 2 and "off".startswith(low):
        return False
    return {"1": True, "0": False}.get(low)


def valid_name(name: str) -> bool:
    """psql's valid_variable_name: letters, digits, underscores, any non-ASCII character."""
    return bool(NAME.fullmatch(name))


class Session(Protocol):
    """What the meta-commands need of the run: variables, the environment, the executor."""

    variables: dict[str, str]
    environ: dict[str, str | None]
    executor: Executor

    def include(self, path: Path, at: tuple[Path, int]) -> None:
        """Read path as part of the run (\\i, \\ir), from the file and line at."""

    def getenv(self, name: str) -> str | None:
        """An environment variable (\\setenv's first, then the process's)."""
