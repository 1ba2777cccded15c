"""psql's \\if, \\elif, \\else and \\endif (src/bin/psql/command.c, conditional.c): the
conditional stack, psql's handling of the query buffer across branches, and what every
meta-command shares (its arguments, psql's messages and errors at the current line)."""

from __future__ import annotations

from pathlib import Path

from dbharness.sql import psqlslash
from dbharness.sql.psqlscan import Cursor, Lexer
from dbharness.sql.psqltypes import Branch, MetaError, Said, Session, parse_bool

ACTIVE_STATES = ("true", "else_true")


class Branches:
    """A file's conditional stack and the helpers every meta-command uses; the main loop
    provides the state below."""

    session: Session
    path: Path
    number: int
    lexer: Lexer
    stack: list[Branch]
    previous: tuple[str, int]
    quit: bool
    cur: Cursor

    def include(self, name: str, relative: bool) -> None:
        """Run another file here (\\i, \\ir); the main loop provides it."""
        raise NotImplementedError

    @property
    def active(self) -> bool:
        """True unless the innermost \\if is in a branch psql skips."""
        return not self.stack or self.stack[-1].state in ACTIVE_STATES

    def lookup(self, name: str) -> str | None:
        """A variable's value for substitution; psql substitutes nothing in a skipped branch."""
        return self.session.variables.get(name) if self.active else None

    def warn(self, text: str) -> None:
        """A message psql prints and goes on."""
        self.session.executor.said(Said(text, self.path, self.number))

    def error(self, message: str) -> MetaError:
        """An error psql reports at this line (fatal under ON_ERROR_STOP)."""
        return MetaError(message, self.path, self.number)

    def arg(self, semicolon: bool = False) -> psqlslash.Option | None:
        """The command's next argument (psql's OT_NORMAL option)."""
        try:
            return psqlslash.option(self.cur, self.lookup, self.warn, semicolon=semicolon,
                                    active=self.active)
        except psqlslash.Backquote as exc:
            raise self.error(f"backquoted shell commands in meta-command arguments ({exc.args[0]}) "
                             "are not supported") from None

    def drain(self) -> list[str]:
        """Every argument left."""
        out = []
        while (option := self.arg()) is not None:
            out.append(option.value)
        return out

    def _boolean(self, what: str) -> bool:
        expression = " ".join(self.drain())
        value = parse_bool(expression)
        if value is None:  # psql says so and takes it as false; it is not an error that stops
            self.warn(f'unrecognized value "{expression}" for "{what}": Boolean expected')
        return bool(value)

    def _save(self) -> None:
        self.stack[-1].query_len, self.stack[-1].paren = len(self.lexer.query), self.lexer.paren

    def _discard(self) -> None:
        """Drop the query text a skipped branch added (psql's discard_query_text)."""
        self.lexer.query = self.lexer.query[:self.stack[-1].query_len]
        self.lexer.paren = self.stack[-1].paren

    def _if(self) -> None:
        outer = self.active
        self.stack.append(Branch("true" if outer else "ignored"))
        self._save()
        if not outer:
            self.drain()
        elif not self._boolean("\\if expression"):
            self.stack[-1].state = "false"

    def _elif(self) -> None:
        state = self._top("elif")
        if state == "true":
            self._save()
            self.stack[-1].state = "ignored"
            self.drain()
        elif state == "false":
            self._discard()
            self.stack[-1].state = "true"  # before reading the expression, so it is substituted
            if not self._boolean("\\elif expression"):
                self.stack[-1].state = "false"
        else:
            self._discard()
            self.drain()

    def _else(self) -> None:
        state = self._top("else")
        if state == "true":
            self._save()
        else:
            self._discard()
        self.stack[-1].state = "else_true" if state == "false" else "else_false"

    def _endif(self) -> None:
        if not self.stack:
            raise self.error("\\endif: no matching \\if")
        if self.stack[-1].state not in ACTIVE_STATES:
            self._discard()
        self.stack.pop()

    def _top(self, name: str) -> str:
        if not self.stack:
            raise self.error(f"\\{name}: no matching \\if")
        if self.stack[-1].state.startswith("else"):
            raise self.error(f"\\{name}: cannot occur after \\else")
        return self.stack[-1].state
