"""One line of TAP read as tap.py (and pg_prove's parser) reads it: a test result with its number,
description and SKIP/TODO directive, a plan, a diagnostic, a bail-out, a version, or unknown.

Written here rather than imported, because tap.py's package imports unittest (its test runner)
with its parser, and a warm `dbharness test` must import nothing it does not use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RESULT = r"""\s*(?P<number>\d*)\s*(?P<description>[^#]*)\#?\s*(?P<directive>.*)"""
OK = re.compile(r"^ok" + _RESULT)
NOT_OK = re.compile(r"^not ok" + _RESULT)
PLAN = re.compile(r"^1..(?P<expected>\d+)[^#]*\#?\s*(?P<directive>.*)")
BAIL = re.compile(r"^Bail out!\s*(?P<reason>.*)")
VERSION = re.compile(r"^TAP version (?P<version>\d+)$")
SKIP = re.compile(r"^SKIP\S*(?P<space>\s*)(?P<reason>.*)", re.IGNORECASE)
TODO = re.compile(r"^TODO\b(?P<space>\s*)(?P<reason>.*)", re.IGNORECASE)


@dataclass(frozen=True)
class Directive:
    """A result's or plan's `# SKIP reason` / `# TODO reason`, as tap.py reads it."""

    skip: bool = False
    todo: bool = False
    reason: str | None = None
    text: str = ""


def directive(text: str) -> Directive:
    """The directive in text (everything after '#' and its spaces)."""
    skip, todo, reason = False, False, None
    found = SKIP.match(text)
    if found:
        skip, reason = True, found.group("reason")
    found = TODO.match(text)
    if found:
        todo = bool(found.group("space")) or found.group("reason") == ""
        reason = found.group("reason")
    return Directive(skip, todo, reason, text)


@dataclass(frozen=True)
class Line:
    """What one line is: category test, plan, diagnostic, bail, version or unknown."""

    category: str
    ok: bool = False
    number: int | None = None
    description: str = ""
    directive: Directive = Directive()
    expected_tests: int = 0
    text: str = ""
    reason: str = ""


def parse_line(text: str) -> Line:
    """One line of TAP (trailing whitespace is not part of it)."""
    for pattern, ok in ((OK, True), (NOT_OK, False)):
        found = pattern.match(text)
        if found:
            number = found.group("number")
            return Line("test", ok, int(number) if number else None, found.group("description").strip(),
                        directive(found.group("directive")), text=text)
    if text.startswith("#"):
        return Line("diagnostic", text=text)
    found = PLAN.match(text)
    if found:
        said = directive(found.group("directive"))
        if said.text and not said.skip:  # only a SKIP may follow a plan
            return Line("unknown", text=text)
        return Line("plan", expected_tests=int(found.group("expected")), directive=said, text=text)
    found = BAIL.match(text)
    if found:
        return Line("bail", reason=found.group("reason"), text=text)
    if VERSION.match(text):
        return Line("version", text=text)
    return Line("unknown", text=text)
