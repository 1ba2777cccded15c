"""A psql meta-command as psql 15 reads it (src/bin/psql/psqlscanslash.l): the name ends at
whitespace or a backslash; each argument ends at unquoted whitespace or a backslash (which starts
the next meta-command); '...' takes psql's escapes, "..." is kept with its quotes, :var and its
quoted forms are substituted (never read again), `...` would run a shell command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dbharness.sql.psqlscan import NAME, SPACE, Cursor, Lookup, Warn, special_variable

ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f"}
OCTAL = re.compile(r"[0-7]{1,3}")
HEX = re.compile(r"x([0-9A-Fa-f]{1,2})")


class Backquote(Exception):
    """An argument holds `a shell command`, which psql would run."""


@dataclass(frozen=True)
class Option:
    """One argument: its value and whether any part of it was quoted (or a variable)."""

    value: str
    quoted: bool


def command_name(cur: Cursor) -> str:
    """The meta-command's name, from just after its backslash."""
    start = cur.pos
    while cur.pos < len(cur.text) and cur.text[cur.pos] not in SPACE + "\\":
        cur.pos += 1
    return cur.text[start:cur.pos]


def whole_line(cur: Cursor) -> str | None:
    """The rest of the line, leading whitespace dropped (\\copy, \\! and the like read it all)."""
    while cur.pos < len(cur.text) and cur.text[cur.pos] in SPACE:
        cur.pos += 1
    rest, cur.pos = cur.text[cur.pos:], len(cur.text)
    return rest or None


def end_of_command(cur: Cursor) -> None:
    """psql eats a \\\\ that ends a meta-command."""
    if cur.text.startswith("\\\\", cur.pos):
        cur.pos += 2


def option(cur: Cursor, lookup: Lookup, warn: Warn, *, semicolon: bool = False,
           active: bool = True) -> Option | None:
    """The next argument, or None when the command has no more; semicolon strips unquoted
    trailing semicolons (\\i file;)."""
    text = cur.text
    while cur.pos < len(text) and text[cur.pos] in SPACE:
        cur.pos += 1
    out: list[str] = []
    quoted, unquoted = False, 0
    while cur.pos < len(text) and text[cur.pos] not in SPACE + "\\":
        piece, kind = _piece(cur, lookup, warn, active)
        if piece is None:
            return None
        out.append(piece)
        quoted = quoted or kind == "quoted"
        unquoted = unquoted + len(piece) if kind == "plain" else (0 if kind == "quoted" else unquoted)
    value = "".join(out)
    while semicolon and unquoted > 0 and value.endswith(";"):
        value, unquoted = value[:-1], unquoted - 1
    if not value and not quoted:
        return None
    return Option(value, quoted)


def _piece(cur: Cursor, lookup: Lookup, warn: Warn, active: bool) -> tuple[str | None, str]:
    """One piece of an argument and its kind: plain, quoted, or test (:{?var}, which psql
    counts neither as quoting nor as plain text)."""
    text, i = cur.text, cur.pos
    c = text[i]
    if c == "'":
        return _single_quoted(cur, warn), "quoted"
    if c in '"`':
        end = text.find(c, i + 1)
        if end < 0:
            warn("unterminated quoted string")
            cur.pos = len(text)
            return None, "quoted"
        if c == "`" and active:
            raise Backquote(text[i:end + 1])
        cur.pos = end + 1
        return text[i:end + 1], "quoted"
    if c == ":":
        return _variable(cur, lookup)
    cur.pos = i + 1
    return c, "plain"


def _variable(cur: Cursor, lookup: Lookup) -> tuple[str, str]:
    text, i = cur.text, cur.pos
    plain = NAME.match(text, i + 1)
    if plain:
        cur.pos = plain.end()
        value = lookup(plain.group(0))
        return (text[i:plain.end()] if value is None else value), "quoted"
    found = special_variable(text, i, lookup)
    if found is None:
        cur.pos = i + 1
        return ":", "plain"
    piece, cur.pos = found
    return piece, "test" if text[i + 1] == "{" else "quoted"


def _single_quoted(cur: Cursor, warn: Warn) -> str | None:
    """'...' from cur.pos (the quote): '' is a quote; \\n \\t \\b \\r \\f, octal and hex escapes;
    a backslash before any other character keeps that character."""
    text, out, i = cur.text, [], cur.pos + 1
    while i < len(text):
        c = text[i]
        if c == "'" and text.startswith("''", i):
            out.append("'")
            i += 2
        elif c == "'":
            cur.pos = i + 1
            return "".join(out)
        elif c == "\\" and i + 1 < len(text):
            piece, i = _escape(text, i + 1)
            out.append(piece)
        else:
            out.append(c)
            i += 1
    warn("unterminated quoted string")
    cur.pos = len(text)
    return None


def _escape(text: str, i: int) -> tuple[str, int]:
    """The character a backslash escape at text[i] (just after the backslash) stands for."""
    octal = OCTAL.match(text, i)
    if octal:
        return chr(int(octal.group(0), 8) & 0xFF), octal.end()
    hexa = HEX.match(text, i)
    if hexa:
        return chr(int(hexa.group(1), 16)), hexa.end()
    return ESCAPES.get(text[i], text[i]), i + 1
