"""A migration's statements exactly as the Supabase CLI splits them and records them in its history.

The CLI (pkg/parser) reads a file character by character with a small state machine: a `;` ends a
statement unless it is inside a quote ('...' or "..." with doubled quotes only), a dollar quote,
a -- or nested /* */ comment, after a backslash, inside parentheses, or inside a BEGIN ATOMIC
body, which runs to the next END. Its pieces keep their comments, lose the trailing `;` and the
surrounding space, and empty pieces are dropped. Its quirks are kept on purpose, since `db push`
writes these pieces into supabase_migrations.schema_migrations and the harness compares its own
rows with them:
- a backslash inside a quote escapes nothing (E'a\\';b' ends at its `;`);
- $ opens a dollar quote even right after an identifier character;
- parentheses close at the first `)`, whatever their nesting;
- a BEGIN ATOMIC body closes at the first `end`, even one that ends a CASE or a word (`legend`).
A file the CLI splits wrongly usually fails its `db push`, so its history rarely holds such
pieces; where it does, the harness's rows are the same.
"""

from __future__ import annotations

import re
from typing import Protocol

# Where a statement may end or something may open, in the ready state; everything else is skipped.
SPECIAL = re.compile(r"""[$'"\-/\\;(cC]""")


def _identifier_char(c: str) -> bool:
    return c.isalpha() or c.isdigit() or c in "_$"


def _ends_with_begin_atomic(sql: str, start: int, end: int) -> bool:
    """True when sql[start:end] ends with the word ATOMIC after the word BEGIN and only space."""
    at = end - 6
    if at < start or sql[at:end].upper() != "ATOMIC":
        return False
    if at > start and _identifier_char(sql[at - 1]):
        return False
    before = sql[start:at].rstrip()
    if len(before) < 5 or before[-5:].upper() != "BEGIN":
        return False
    return len(before) == 5 or not _identifier_char(before[-6])


class _State(Protocol):
    def step(self, sql: str, start: int, i: int) -> _State | None:
        """The state after sql[i] (start: where the current statement began); None ends it."""

    def next_stop(self, sql: str, i: int) -> int:
        """The first index from i whose character can change this state (len(sql): none)."""


class _EveryCharacter:
    """A state that looks at every character."""

    def next_stop(self, sql: str, i: int) -> int:
        return i


class _Ready:
    """Between tokens: a `;` ends the statement (step returns None)."""

    def next_stop(self, sql: str, i: int) -> int:
        found = SPECIAL.search(sql, i)
        return found.start() if found else len(sql)

    def step(self, sql: str, start: int, i: int) -> _State | None:
        c = sql[i]
        if c == "$":
            return _Tag(i)
        if c in "'\"":
            return _Quoted(c)
        if c == "-":
            return _Dash()
        if c == "/":
            return _Slash()
        if c == "\\":
            return _Escaped()
        if c == ";":
            return None
        if c == "(":
            return _Atomic(self, ")")
        if c in "cC" and _ends_with_begin_atomic(sql, start, i + 1):
            return _Atomic(self, "END")
        return self


READY = _Ready()


class _Until:
    """Inside a dollar quote or a line comment: ends right after its closing text."""

    def __init__(self, closing: str) -> None:
        self.closing = closing

    def next_stop(self, sql: str, i: int) -> int:
        at = sql.find(self.closing, max(i + 1 - len(self.closing), 0))
        return len(sql) if at < 0 else at + len(self.closing) - 1

    def step(self, sql: str, start: int, i: int) -> _State | None:
        return READY  # next_stop stops only where the closing text ends


class _Dash(_EveryCharacter):
    """After one `-`: a second one opens a line comment."""

    def step(self, sql: str, start: int, i: int) -> _State | None:
        return _Until("\n") if sql[i] == "-" else READY.step(sql, start, i)


class _Slash(_EveryCharacter):
    """After a `/`: a `*` opens a block comment; they nest."""

    def __init__(self) -> None:
        self.depth = 0

    def step(self, sql: str, start: int, i: int) -> _State | None:
        pair = sql[i - 1:i + 1]
        if pair == "/*":
            self.depth += 1
            return self
        if self.depth == 0:
            return READY.step(sql, start, i)
        if pair == "*/":
            self.depth -= 1
            if self.depth == 0:
                return READY
        return self


class _Quoted:
    """Inside '...' or "...": a doubled quote stays inside."""

    def __init__(self, quote: str) -> None:
        self.quote = quote
        self.closed = False

    def next_stop(self, sql: str, i: int) -> int:
        if self.closed:
            return i
        at = sql.find(self.quote, i)
        return len(sql) if at < 0 else at

    def step(self, sql: str, start: int, i: int) -> _State | None:
        if self.closed:
            if sql[i] == self.quote:
                self.closed = False
                return self
            return READY.step(sql, start, i)
        if sql[i] == self.quote:
            self.closed = True
        return self


class _Tag(_EveryCharacter):
    """After a `$`: letters, digits and _ up to the next `$` make a dollar-quote tag."""

    def __init__(self, at: int) -> None:
        self.at = at

    def step(self, sql: str, start: int, i: int) -> _State | None:
        c = sql[i]
        if c == "$":
            return _Until(sql[self.at:i + 1])
        if c.isalpha() or c.isdigit() or c == "_":
            return self
        return READY.step(sql, start, i)


class _Escaped(_EveryCharacter):
    """After a backslash outside quotes: the next character is skipped."""

    def step(self, sql: str, start: int, i: int) -> _State | None:
        return READY


class _Atomic:
    """Inside parentheses or a BEGIN ATOMIC body: no `;` ends the statement until the closing text
    appears outside quotes and comments."""

    def __init__(self, inner: _State, closing: str) -> None:
        self.inner = inner
        self.closing = closing  # upper case: the text is compared in upper case
        last = re.escape(self.closing[-1] + self.closing[-1].lower())
        self.stops = re.compile(SPECIAL.pattern[:-1] + last + "]")

    def next_stop(self, sql: str, i: int) -> int:
        if self.inner is not READY:
            return self.inner.next_stop(sql, i)
        found = self.stops.search(sql, i)
        return found.start() if found else len(sql)

    def step(self, sql: str, start: int, i: int) -> _State | None:
        nxt = self.inner.step(sql, start, i)
        if nxt is not None:
            self.inner = nxt
        n = len(self.closing)
        if self.inner is READY and sql[i + 1 - n:i + 1].upper() == self.closing:
            return READY
        return self


def cli_statements(sql: str) -> list[str]:
    """The statements the CLI records for a migration file's text."""
    pieces: list[str] = []
    state: _State = READY
    start = i = 0
    n = len(sql)
    while True:
        i = state.next_stop(sql, i)
        if i >= n:
            break
        nxt = state.step(sql, start, i)
        if nxt is None:
            pieces.append(sql[start:i + 1])
            start = i + 1
            state = READY
        else:
            state = nxt
        i += 1
    pieces.append(sql[start:])
    trimmed = (piece.rstrip(";").strip() for piece in pieces)
    return [piece for piece in trimmed if piece]
