"""psql's script language as pg_prove runs it: psql 15's main loop (src/bin/psql/mainloop.c)
over a file and what it includes.

Each line is read by psql's lexer (psqlscan.py); a query is sent at a semicolon outside quotes,
comments and parentheses, or by \\g, \\gset, \\gexec; a meta-command may stand anywhere on a
line (psqlslash.py reads it, psqlcommands.py runs it). What psql would send and print goes to an
Executor: at load time one that records it (suite/testfiles.py), at run time one that runs it
(suite/live.py). psql's errors in meta-commands raise MetaError with file and line.
"""

from __future__ import annotations

import os
from pathlib import Path

from dbharness.errors import ScriptError
from dbharness.sql import psqlslash
from dbharness.sql.psqlcommands import Commands
from dbharness.sql.psqlscan import Cursor, Lexer, quote_ident, quote_literal
from dbharness.sql.psqltypes import Branch, Echo, Executor, MetaError, Query, Rows, Said, parse_bool
from dbharness.sql.statements import read_sql

__all__ = ["Echo", "Executor", "MetaError", "Query", "Rows", "Said", "ScriptError", "Session",
           "parse_bool", "quote_ident", "quote_literal"]


class Session:
    """One psql run: its variables, environment and the files it reads, over every file."""

    def __init__(self, executor: Executor, variables: dict[str, str] | None = None,
                 cwd: Path | None = None, texts: dict[str, str] | None = None) -> None:
        self.executor = executor
        self.variables = dict(variables or {})
        self.cwd = cwd or Path.cwd()
        self.texts = dict(texts or {})  # every file read, by the name it was read under
        self.environ: dict[str, str | None] = {}  # what \setenv changed
        self.env_read: dict[str, str | None] = {}  # what \getenv read of the process's environment
        self.read: list[Path] = []
        self.stack: list[Path] = []

    def run(self, path: Path) -> None:
        """The file as psql -f runs it; ScriptError when it cannot be read, MetaError for psql's
        errors, and whatever the executor raises."""
        self.read.append(path)
        self._file(path, self._text(path, None))

    def getenv(self, name: str) -> str | None:
        """An environment variable, as \\setenv left it."""
        if name in self.environ:
            return self.environ[name]
        self.env_read.setdefault(name, os.environ.get(name))
        return self.env_read[name]

    def include(self, path: Path, at: tuple[Path, int]) -> None:
        """\\i or \\ir of path, from the line at."""
        resolved = (self.cwd / path).resolve()
        if resolved in self.stack:
            chain = " -> ".join(str(p) for p in [*self.stack, resolved])
            raise MetaError(f"{path}: included in a cycle ({chain})", *at)
        self.read.append(path)
        self._file(path, self._text(path, at))

    def _text(self, path: Path, at: tuple[Path, int] | None) -> str:
        key = str(path)
        if key not in self.texts:
            full = path if path.is_absolute() else self.cwd / path
            if at is not None and not full.is_file():
                raise MetaError(f"{path}: No such file or directory", *at)
            try:
                self.texts[key] = read_sql(full)
            except ScriptError as exc:
                if at is None:
                    raise
                raise MetaError(str(exc), *at) from None
        return self.texts[key]

    def _file(self, path: Path, text: str) -> None:
        self.stack.append((self.cwd / path).resolve())
        try:
            FileLoop(self, path).run(_lines(text))
        finally:
            self.stack.pop()


def _lines(text: str) -> list[str]:
    """The lines psql reads: a final newline ends the last line; a UTF-8 byte-order mark is
    dropped."""
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    return lines


class FileLoop(Commands):
    """psql's MainLoop for one file: its own query buffer, previous query and \\if stack."""

    def __init__(self, session: Session, path: Path) -> None:
        self.session, self.path = session, path
        self.lexer = Lexer()
        self.stack: list[Branch] = []
        self.previous: tuple[str, int] = ("", 0)
        self.quit = False
        self.number = 0
        self.added = -1  # where the newline between lines went, when the buffer had text
        self.cur = Cursor("")

    def run(self, lines: list[str]) -> None:
        """Every line, then the query left without a semicolon, then the \\if check."""
        for number, text in enumerate(lines, start=1):
            self.number = number
            if text == "" and not self.lexer.state:
                continue  # psql skips an empty line outside quotes
            self.added = -1
            if self.lexer.query:
                self.lexer.query += "\n"
                self.added = len(self.lexer.query)
            self._line(Cursor(text))
            if self.quit:
                break
        if self.lexer.query and self.active:
            self._send(*self._take(), "plain", "")
        if self.stack and not self.quit:
            raise self.error("reached EOF without finding closing \\endif(s)")

    def _line(self, cur: Cursor) -> None:
        while not self.quit:
            event = self.lexer.scan(cur, self.number, self.lookup, self.warn)
            if event == "eol":
                return
            if event == "semi":
                self.added = -1
                if self.active:  # in a skipped branch the text stays until \endif drops it
                    self._send(*self._take(), "plain", "")
            else:
                self._slash(cur)

    def _slash(self, cur: Cursor) -> None:
        if len(self.lexer.query) == self.added:  # a line of only a meta-command adds no newline
            self.lexer.query = self.lexer.query[:-1]
        self.added = -1
        self.cur = cur
        name = psqlslash.command_name(cur)
        try:
            sends = self.command(name)
        except MetaError:
            cur.pos = len(cur.text)  # psql throws away the rest of the line
            raise
        active = self.active
        for extra in self._extra():
            if active:
                self.warn(f'\\{name}: extra argument "{extra}" ignored')
        psqlslash.end_of_command(cur)
        if sends is not None:
            text, line = self._take() if self.lexer.query else self.previous
            self.lexer.reset()  # psql forgets parentheses after a send it was told to do
            if text:
                self._send(text, line, *sends)

    def _extra(self) -> list[str]:
        """Arguments left after a command, read as psql does: nothing substituted."""
        self.stack.append(Branch("ignored"))
        try:
            return self.drain()
        finally:
            self.stack.pop()

    def _take(self) -> tuple[str, int]:
        text, line = self.lexer.query, self.lexer.line
        self.lexer.query = ""
        return text, line

    def _send(self, text: str, line: int, mode: str, prefix: str) -> None:
        self.previous = (text, line)
        rows = self.session.executor.send(Query(text, self.path, line, mode, prefix))
        if mode == "gset":
            self.store(rows, prefix)
        elif mode == "gexec":
            self.each(rows)

    def include(self, name: str, relative: bool) -> None:
        """\\i (relative to the working directory, as psql) or \\ir (to this file's folder)."""
        target = Path(name)
        if relative and not target.is_absolute():
            target = self.path.parent / target
        self.session.include(target, (self.path, self.number))
