"""psql's script language as pg_prove meets it: variables, includes, echo and quit, nothing skipped.

A pgTAP file is a psql script. This expands one into SQL chunks (each with its file and first
line) and echoed text, the way psql would run it: `\\set`/`\\unset` and `:var`, `:'var'`,
`:"var"` with psql's quoting, `\\i`/`\\include` (relative to the working directory, as psql) and
`\\ir`/`\\include_relative` (relative to the including file), `\\echo`/`\\qecho`, `\\quit`.
Display-only commands are accepted and ignored; any other meta-command is an error naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from dbharness.errors import ScriptError
from dbharness.sql.statements import quoted_end, read_sql

IGNORED = {"pset", "timing", "x", "a", "t", "encoding", "pager", "C", "f", "H", "T", "conninfo",
           "setenv", "errverbose"}
INCLUDES = {"i": False, "include": False, "ir": True, "include_relative": True}
NAME = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True)
class Chunk:
    """SQL lines of one file between meta-commands: the text (variables substituted), where it starts."""

    path: Path
    line: int
    text: str


@dataclass(frozen=True)
class Echo:
    """Text that \\echo or \\qecho printed (it joins the file's output, as under pg_prove)."""

    text: str
    path: Path
    line: int


@dataclass
class Script:
    """A file expanded: its chunks and echoes in order."""

    units: list[Chunk | Echo] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    quit: bool = False
    read: list[Path] = field(default_factory=list)  # every file expanded, includes too


def quote_literal(value: str) -> str:
    """A string literal as psql's :'var' makes it."""
    escaped = value.replace("'", "''")
    if "\\" in escaped:
        return "E'" + escaped.replace("\\", "\\\\") + "'"
    return f"'{escaped}'"


def quote_ident(value: str) -> str:
    """An identifier as psql's :"var" makes it."""
    return '"' + value.replace('"', '""') + '"'


def substitute(sql: str, variables: dict[str, str]) -> str:
    """:var, :'var' and :"var" replaced outside literals, identifiers, comments and dollar quotes;
    undefined variables and :: casts are left as they are, as psql leaves them."""
    out: list[str] = []
    i = 0
    while i < len(sql):
        end, _ = quoted_end(sql, i)
        if end > i:
            out.append(sql[i:end])
            i = end
            continue
        if sql.startswith("::", i):
            out.append("::")
            i += 2
            continue
        if sql[i] == ":":
            replaced = _variable_at(sql, i, variables)
            if replaced is not None:
                out.append(replaced[0])
                i = replaced[1]
                continue
        out.append(sql[i])
        i += 1
    return "".join(out)


def _variable_at(sql: str, i: int, variables: dict[str, str]) -> tuple[str, int] | None:
    rest = sql[i + 1:]
    for quote, make in (("'", quote_literal), ('"', quote_ident)):
        match = re.match(quote + r"([A-Za-z0-9_]+)" + quote, rest)
        if match and match.group(1) in variables:
            return make(variables[match.group(1)]), i + 1 + match.end()
    match = NAME.match(rest)
    if match and match.group(0) in variables:
        return variables[match.group(0)], i + 1 + match.end()
    return None


ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f"}


def _single_quoted(text: str, i: int) -> tuple[str, int]:
    """A '...' argument from text[i] (the quote): '' is a quote, backslash escapes as in psql."""
    out, j = [], i + 1
    while j < len(text):
        c = text[j]
        if c == "'" and text.startswith("''", j):
            out.append("'")
            j += 2
        elif c == "'":
            return "".join(out), j + 1
        elif c == "\\" and j + 1 < len(text):
            out.append(ESCAPES.get(text[j + 1], text[j + 1]))
            j += 2
        else:
            out.append(c)
            j += 1
    raise ScriptError("unterminated quoted string in the arguments")


def _arguments(text: str, variables: dict[str, str]) -> list[str]:
    """A meta-command's arguments as psql splits them: whitespace separates, '...' is a quoted
    string, "..." is kept with its quotes, :var and its quoted forms are substituted."""
    words: list[str] = []
    current: list[str] | None = None
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            if current is not None:
                words.append("".join(current))
            current, i = None, i + 1
            continue
        current = current if current is not None else []
        if c == "'":
            piece, i = _single_quoted(text, i)
        elif c == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise ScriptError("unterminated quoted identifier in the arguments")
            piece, i = text[i:end + 1], end + 1
        elif c == "`":
            raise ScriptError("backquoted shell commands in meta-command arguments are not supported")
        elif c == ":" and (found := _variable_at(text, i, variables)) is not None:
            piece, i = found
        else:
            piece, i = c, i + 1
        current.append(piece)
    if current is not None:
        words.append("".join(current))
    return words


class Expander:
    """Expands one file and its includes into a Script."""

    def __init__(self, variables: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.script = Script(variables=dict(variables or {}))
        self.cwd = cwd or Path.cwd()
        self.stack: list[Path] = []

    def expand(self, path: Path) -> Script:
        """The whole file, includes followed, as psql would run it."""
        resolved = path.resolve()
        if resolved in self.stack:
            chain = " -> ".join(str(p) for p in [*self.stack, resolved])
            raise ScriptError(f"{path}: included in a cycle ({chain})")
        self.stack.append(resolved)
        self.script.read.append(path)
        try:
            self._lines(path, read_sql(path).split("\n"))
        finally:
            self.stack.pop()
        return self.script

    def _lines(self, path: Path, lines: list[str]) -> None:
        pending: list[str] = []
        start = 1
        for number, line in enumerate(lines, start=1):
            if self.script.quit:
                return
            if not line.lstrip().startswith("\\") or _in_open_quote("\n".join(pending)):
                if not pending:
                    start = number
                pending.append(line)
                continue
            self._flush(path, start, pending)
            pending = []
            try:
                self._meta(path, number, line.lstrip()[1:])
            except ScriptError as exc:
                raise ScriptError(f"{path}:{number}: {exc}") from None
        self._flush(path, start, pending)

    def _flush(self, path: Path, start: int, pending: list[str]) -> None:
        text = "\n".join(pending)
        if text.strip():
            self.script.units.append(Chunk(path, start, substitute(text, self.script.variables)))

    def _meta(self, path: Path, number: int, text: str) -> None:
        command, _, rest = text.partition(" ")
        command = command.strip()
        args = _arguments(rest, self.script.variables)
        if command == "set":
            if args:
                self.script.variables[args[0]] = "".join(args[1:])
        elif command == "unset":
            for name in args[:1]:
                self.script.variables.pop(name, None)
        elif command in ("echo", "qecho"):
            self.script.units.append(Echo(" ".join(args), path, number))
        elif command in ("q", "quit"):
            self.script.quit = True
        elif command in INCLUDES:
            if not args:
                raise ScriptError(f"\\{command} needs a file name")
            base = path.parent if INCLUDES[command] else self.cwd
            self.expand(Path(args[0]) if Path(args[0]).is_absolute() else base / args[0])
        elif command not in IGNORED:
            raise ScriptError(f"psql meta-command \\{command} is not supported")


def _in_open_quote(text: str) -> bool:
    """True when text ends inside a literal, identifier, block comment or dollar quote, where a
    backslash at the start of the next line is data, not a meta-command."""
    i = 0
    while i < len(text):
        end, closed = quoted_end(text, i)
        if not closed:
            return True
        i = end if end > i else i + 1
    return False


def expand(path: Path, variables: dict[str, str] | None = None, cwd: Path | None = None) -> Script:
    """The file at path as psql would run it (see the module's docstring)."""
    return Expander(variables, cwd).expand(path)
