"""psql's lexer, as psql 15 reads a script line by line (src/fe_utils/psqlscan.l and
src/bin/psql/psqlscanslash.l): where a query ends (a semicolon outside quotes, comments,
parentheses and CREATE FUNCTION ... BEGIN ATOMIC bodies), where a meta-command starts (a
backslash outside quotes and comments, anywhere on a line), psql's variables (:var, :'var',
:"var", :{?var}), and a meta-command's name and arguments.

A variable's value is spliced into the line and read again, as psql pushes it as a new input
buffer: a value may end a query or hold a meta-command; a variable is never expanded inside its
own value (psql warns "skipping recursive expansion").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

SPACE = " \t\n\r\f"
# psql's variable_char: ASCII word characters and any non-ASCII (written as "not ASCII", which
# compiles in microseconds where the range \u0080-\U0010ffff takes milliseconds at every start)
NON_ASCII = r"[^\x00-\x7f]"
VAR = rf"(?:[A-Za-z0-9_]|{NON_ASCII})+"
NAME = re.compile(VAR)
QUOTED_NAME = {"'": re.compile(f"'({VAR})'"), '"': re.compile(f'"({VAR})"')}
TEST_NAME = re.compile(r"\{\?(" + VAR + r")\}")
IDENT = re.compile(rf"(?:[A-Za-z_]|{NON_ASCII})(?:[A-Za-z0-9_$]|{NON_ASCII})*")
DOLLAR = re.compile(rf"\$(?:(?:[A-Za-z_]|{NON_ASCII})(?:[A-Za-z0-9_]|{NON_ASCII})*)?\$")
TRACKED = {"create", "function", "procedure", "or", "replace"}

Lookup = Callable[[str], "str | None"]  # a variable's value; None when unset or in a skipped branch
Warn = Callable[[str], None]  # psql's messages that do not stop the script


def quote_literal(value: str) -> str:
    """A string literal as psql's :'var' makes it (libpq's PQescapeLiteral: a value with a
    backslash becomes an E'' string, after a space)."""
    escaped = value.replace("'", "''")
    if "\\" in value:
        return " E'" + escaped.replace("\\", "\\\\") + "'"
    return f"'{escaped}'"


def quote_ident(value: str) -> str:
    """An identifier as psql's :"var" makes it."""
    return '"' + value.replace('"', '""') + '"'


def quoted_variable(kind: str, name: str, lookup: Lookup) -> str | None:
    """:'name' or :"name" escaped, or None when the variable has no value."""
    value = lookup(name)
    if value is None:
        return None
    return quote_literal(value) if kind == "'" else quote_ident(value)


@dataclass
class Cursor:
    """One line as the lexer reads it; spans are the values spliced in and not yet read past."""

    text: str
    pos: int = 0
    spans: list[list[object]] = field(default_factory=list)  # [start, end, variable name]

    def splice(self, end: int, value: str, name: str) -> None:
        """Replace text[pos:end] by value and read on from its first character."""
        start, delta = self.pos, len(value) - (end - self.pos)
        for span in self.spans:
            if span[0] <= start < span[1]:  # type: ignore[operator]
                span[1] += delta  # type: ignore[operator]
            elif span[0] >= end:  # type: ignore[operator]
                span[0] += delta  # type: ignore[operator]
                span[1] += delta  # type: ignore[operator]
        self.text = self.text[:start] + value + self.text[end:]
        self.spans.append([start, start + len(value), name])

    def expanding(self, name: str) -> bool:
        """True while the cursor is inside the value of the variable name."""
        return any(s <= self.pos < e and n == name for s, e, n in self.spans)  # type: ignore[operator]


@dataclass
class Lexer:
    """psql's scan state for one file: the query buffer and where it stands lexically."""

    query: str = ""
    line: int = 0  # the line the query's first character came from
    state: str = ""  # "" outside quotes; ', e (E''), ", /*, $ (a dollar quote)
    depth: int = 0  # nesting of /* comments */
    tag: str = ""  # the dollar quote's delimiter
    paren: int = 0
    begin: int = 0  # BEGIN ... END depth inside CREATE FUNCTION/PROCEDURE
    words: list[str] = field(default_factory=lambda: [""] * 4)
    count: int = 0  # identifiers seen in this statement

    def reset(self) -> None:
        """psql_scan_reset: forget the lexical state (not the buffer), as after \\g."""
        self.state, self.tag, self.depth, self.paren, self.begin, self.count = "", "", 0, 0, 0, 0

    def emit(self, text: str, line: int) -> None:
        """Add text to the query buffer (line: where it came from)."""
        if not self.query:
            self.line = line
        self.query += text

    def scan(self, cur: Cursor, line: int, lookup: Lookup, warn: Warn) -> str:
        """Read cur until a query-ending semicolon ("semi"), a meta-command's backslash
        ("slash", the cursor just after it) or the end of the line ("eol")."""
        while cur.pos < len(cur.text):
            if self.state:
                self._quoted(cur, line)
                continue
            event = self._token(cur, line, lookup, warn)
            if event:
                return event
        return "eol"

    def _quoted(self, cur: Cursor, line: int) -> None:
        text, i = cur.text, cur.pos
        if self.state == "$":
            end = text.find(self.tag, i)
            stop = len(text) if end < 0 else end + len(self.tag)
            self.state = "$" if end < 0 else ""
        elif self.state == "/*":
            stop = self._comment(text, i)
        else:
            stop = self._string(text, i)
        self.emit(text[i:stop], line)
        cur.pos = stop

    def _comment(self, text: str, i: int) -> int:
        while i < len(text):
            if text.startswith("/*", i):
                self.depth, i = self.depth + 1, i + 2
            elif text.startswith("*/", i):
                i += 2
                if self.depth == 0:
                    self.state = ""
                    return i
                self.depth -= 1
            else:
                i += 1
        return i

    def _string(self, text: str, i: int) -> int:
        close = '"' if self.state == '"' else "'"
        while i < len(text):
            if self.state == "e" and text[i] == "\\" or text.startswith(close * 2, i):
                i += 2
            elif text[i] == close:
                self.state = ""
                return i + 1
            else:
                i += 1
        return min(i, len(text))

    def _token(self, cur: Cursor, line: int, lookup: Lookup, warn: Warn) -> str | None:
        text, i = cur.text, cur.pos
        c = text[i]
        if c in SPACE or text.startswith("--", i):
            end = len(text) if c == "-" else _run_of_space(text, i)
            if self.query:  # psql drops whitespace and comments before a query, keeps them inside
                self.emit(text[i:end], line)
            cur.pos = end
            return None
        if text.startswith("/*", i):
            self.state, self.depth = "/*", 0
            self.emit("/*", line)
            cur.pos = i + 2
            return None
        if c in "'\"":
            self.state = c
            self.emit(c, line)
            cur.pos = i + 1
            return None
        if c == "$":
            match = DOLLAR.match(text, i)
            if match:
                self.state, self.tag = "$", match.group(0)
            piece = match.group(0) if match else "$"
            self.emit(piece, line)
            cur.pos = i + len(piece)
            return None
        if c in "();\\":
            return self._special(cur, line)
        if c == ":":
            self._colon(cur, line, lookup, warn)
            return None
        if IDENT.match(c):
            self._word(cur, line)
            return None
        self.emit(c, line)
        cur.pos = i + 1
        return None

    def _special(self, cur: Cursor, line: int) -> str | None:
        text, i = cur.text, cur.pos
        c = text[i]
        cur.pos = i + 1
        if c == "\\":
            if text[i + 1:i + 2] in (";", ":"):  # \; and \: put the character in the query
                self.emit(text[i + 1], line)
                self.count = 0 if text[i + 1] == ";" else self.count
                cur.pos = i + 2
                return None
            return "slash"
        self.emit(c, line)
        if c == "(":
            self.paren += 1
        elif c == ")":
            self.paren = max(0, self.paren - 1)
        elif self.paren == 0 and self.begin == 0:
            self.count = 0
            return "semi"
        return None

    def _colon(self, cur: Cursor, line: int, lookup: Lookup, warn: Warn) -> None:
        text, i = cur.text, cur.pos
        after = text[i + 1:i + 2]
        if after in (":", "="):  # a cast, or :=
            self.emit(":" + after, line)
            cur.pos = i + 2
            return
        plain = NAME.match(text, i + 1)
        if plain:
            value = lookup(plain.group(0))
            if value is not None and cur.expanding(plain.group(0)):
                warn(f'skipping recursive expansion of variable "{plain.group(0)}"')
            elif value is not None:
                cur.splice(plain.end(), value, plain.group(0))
                return
            self.emit(text[i:plain.end()], line)
            cur.pos = plain.end()
            return
        found = special_variable(text, i, lookup)
        if found is None:
            self.emit(":", line)
            cur.pos = i + 1
            return
        piece, cur.pos = found
        self.emit(piece, line)

    def _word(self, cur: Cursor, line: int) -> None:
        text, i = cur.text, cur.pos
        two = text[i:i + 2].lower()
        if two in ("e'", "b'", "x'"):  # E'' takes backslash escapes; B'' and X'' do not
            self.state = "e" if two[0] == "e" else "'"
            self.emit(text[i:i + 2], line)
            cur.pos = i + 2
            return
        if two == "n'" or (two[0] == "u" and text[i + 1:i + 3] in ("&'", '&"')):
            size = 1 if two == "n'" else 3
            self.state = "" if size == 1 else text[i + 2]
            self.emit(text[i:i + size], line)
            cur.pos = i + size
            return
        match = IDENT.match(text, i)
        assert match is not None
        self._track(match.group(0))
        self.emit(match.group(0), line)
        cur.pos = match.end()

    def _track(self, word: str) -> None:
        """psql's heuristic for CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC ... END,
        whose semicolons do not end the statement."""
        if self.count == 0:
            self.words = [""] * 4
        low = word.lower()
        if low in TRACKED and self.count < 4:
            self.words[self.count] = low[0]
        self.count += 1
        w = self.words
        routine = w[1] in ("f", "p") or (w[1:3] == ["o", "r"] and w[3] in ("f", "p"))
        if w[0] != "c" or self.paren or not routine:
            return
        if low == "begin" or low == "case" and self.begin >= 1:
            self.begin += 1
        elif low == "end" and self.begin > 0:
            self.begin -= 1


def _run_of_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in SPACE:
        i += 1
    return i


def special_variable(text: str, i: int, lookup: Lookup) -> tuple[str, int] | None:
    """:'name', :"name" (escaped, or as written when unset) or :{?name} (TRUE or FALSE) at text[i]
    (the colon), with where it ends; None when none of them stands there."""
    after = text[i + 1:i + 2]
    if after in QUOTED_NAME:
        match = QUOTED_NAME[after].match(text, i + 1)
        if match:
            value = quoted_variable(after, match.group(1), lookup)
            return (text[i:match.end()] if value is None else value), match.end()
    elif after == "{":
        match = TEST_NAME.match(text, i + 1)
        if match:
            return ("FALSE" if lookup(match.group(1)) is None else "TRUE"), match.end()
    return None
