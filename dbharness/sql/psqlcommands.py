"""The psql meta-commands pgTAP suites use, as psql 15 runs them (src/bin/psql/command.c,
common.c, variables.c): variables (\\set, \\unset, \\getenv, \\setenv), output (\\echo, \\qecho,
\\warn, \\p), includes, and the commands that send the query buffer (\\g, \\gset, \\gexec);
\\if and its kin are in psqlbranches.py. Display settings are accepted and change nothing that
runs; any other psql meta-command is an error naming it, in a branch that runs."""

from __future__ import annotations

from collections.abc import Callable

from dbharness.sql import psqlslash
from dbharness.sql.psqlbranches import Branches
from dbharness.sql.psqltypes import Echo, Query, Rows, parse_bool, valid_name

KNOWN = frozenset(("a", "C", "c", "connect", "cd", "conninfo", "copy", "copyright", "crosstabview",
    "e", "edit", "ef", "ev", "echo", "qecho", "warn", "elif", "else", "endif", "encoding",
    "errverbose", "f", "g", "gx", "gdesc", "getenv", "gexec", "gset", "h", "help", "H", "html", "i",
    "include", "ir", "include_relative", "if", "l", "list", "l+", "list+", "o", "out", "p", "print",
    "password", "prompt", "pset", "q", "quit", "r", "reset", "s", "set", "setenv", "sf", "sf+", "sv",
    "sv+", "t", "T", "timing", "unset", "w", "write", "watch", "x", "z", "!", "?"))
IGNORED = frozenset(("pset", "timing", "x", "a", "t", "T", "C", "f", "H", "html", "encoding",
    "conninfo", "errverbose", "copyright"))
WHOLE_LINE = frozenset(("copy", "ef", "ev", "h", "help", "sf", "sf+", "sv", "sv+", "!"))
INCLUDES = {"i": False, "include": False, "ir": True, "include_relative": True}
# psql's variables with hooks: \gset leaves them alone; the boolean ones take only booleans
BOOLEAN_HOOKED = frozenset(("AUTOCOMMIT", "ON_ERROR_STOP", "QUIET", "SINGLELINE", "SINGLESTEP",
    "SHOW_ALL_RESULTS", "HIDE_TABLEAM", "HIDE_TOAST_COMPRESSION"))
HOOKED = BOOLEAN_HOOKED | frozenset(("FETCH_COUNT", "HISTFILE", "HISTSIZE", "IGNOREEOF", "ECHO",
    "ECHO_HIDDEN", "ON_ERROR_ROLLBACK", "COMP_KEYWORD_CASE", "HISTCONTROL", "PROMPT1", "PROMPT2",
    "PROMPT3", "VERBOSITY", "SHOW_CONTEXT"))


def known(name: str) -> bool:
    """True for a meta-command psql 15 has (\\d... and \\lo_... are families)."""
    return name in KNOWN or name[:1] == "d" or name.startswith("lo_") or name.lower() == "copy"


class Commands(Branches):
    """psql's meta-commands for one file; the file's main loop inherits them and provides
    include()."""

    def command(self, name: str) -> tuple[str, str] | None:
        """Run one meta-command; returns (mode, \\gset prefix) when it sends the query buffer."""
        if name in ("if", "elif", "else", "endif"):
            getattr(self, f"_{name}")()
            return None
        if not self.active:
            self._skip(name)
            return None
        handler = HANDLERS.get(name)
        if handler is not None:
            return handler(self, name)
        if name in IGNORED:
            self.drain()
            return None
        if known(name):
            raise self.error(f"psql meta-command \\{name} is not supported")
        raise self.error(f"invalid command \\{name}")

    def _skip(self, name: str) -> None:
        """A command in a skipped branch: its arguments are read, nothing runs (psql still
        rejects a name it does not know)."""
        if not known(name):
            raise self.error(f"invalid command \\{name}")
        if name in WHOLE_LINE:
            psqlslash.whole_line(self.cur)
        else:
            self.drain()

    def assign(self, name: str, value: str | None) -> None:
        """psql's SetVariable (None unsets)."""
        if not valid_name(name):
            if value is None:
                return
            raise self.error(f'invalid variable name: "{name}"')
        if name in BOOLEAN_HOOKED:
            value = "off" if value is None else (value or "on")
            if parse_bool(value) is None:
                raise self.error(f'unrecognized value "{value}" for "{name}": Boolean expected')
        if value is None:
            self.session.variables.pop(name, None)
        else:
            self.session.variables[name] = value

    def _set(self, _name: str) -> None:
        first = self.arg()
        if first is not None:
            self.assign(first.value, "".join(self.drain()))

    def _unset(self, name: str) -> None:
        target = self.arg()
        if target is None:
            raise self.error(f"\\{name}: missing required argument")
        self.assign(target.value, None)

    def _echo(self, name: str) -> None:
        words: list[str] = []
        newline = True
        while (option := self.arg()) is not None:
            if not words and newline and not option.quoted and option.value == "-n":
                newline = False
            else:
                words.append(option.value)
        text = " ".join(words)
        if name == "warn":
            self.warn(text)
        else:
            self.session.executor.echo(Echo(text, self.path, self.number, newline))

    def _include(self, name: str) -> None:
        target = self.arg(semicolon=True)
        if target is None:
            raise self.error(f"\\{name}: missing required argument")
        self.include(target.value, INCLUDES[name])

    def _quit(self, _name: str) -> None:
        self.quit = True

    def _gset(self, _name: str) -> tuple[str, str]:
        prefix = self.arg()
        return "gset", prefix.value if prefix else ""

    def _gexec(self, _name: str) -> tuple[str, str]:
        return "gexec", ""

    def _g(self, name: str) -> tuple[str, str]:
        target = self.arg()
        if target is not None:
            raise self.error(f"psql meta-command \\{name} is not supported with an argument "
                             f"({target.value}: output to a file or a pipe, or display options)")
        return "plain", ""

    def _getenv(self, name: str) -> None:
        target, source = self.arg(), self.arg()
        if target is None or source is None:
            raise self.error(f"\\{name}: missing required argument")
        value = self.session.getenv(source.value)
        if value is not None:
            self.assign(target.value, value)

    def _setenv(self, name: str) -> None:
        target, value = self.arg(), self.arg()
        if target is None:
            raise self.error(f"\\{name}: missing required argument")
        if "=" in target.value:
            raise self.error(f'\\{name}: environment variable name must not contain "="')
        self.session.environ[target.value] = value.value if value else None

    def _reset(self, _name: str) -> None:
        self.lexer.query = ""
        self.lexer.reset()

    def _print(self, _name: str) -> None:
        text = self.lexer.query or self.previous[0]
        if text:
            self.session.executor.echo(Echo(text, self.path, self.number))

    def store(self, rows: Rows | None, prefix: str) -> None:
        """\\gset: one row's columns into variables (NULL unsets), as psql's StoreQueryTuple."""
        if rows is None:
            return
        if not rows.values:
            raise self.error("no rows returned for \\gset")
        if len(rows.values) > 1:
            raise self.error("more than one row returned for \\gset")
        for column, value in zip(rows.columns, rows.values[0], strict=True):
            name = prefix + column
            if name in HOOKED:
                self.warn(f'attempt to \\gset into specially treated variable "{name}" ignored')
                continue
            self.assign(name, value)

    def each(self, rows: Rows | None) -> None:
        """\\gexec: every non-NULL value, row by row, column by column, run as a query."""
        for row in rows.values if rows else ():
            for value in row:
                if value is not None:
                    self.session.executor.send(Query(value, self.path, self.number, raw=True))


HANDLERS: dict[str, Callable[[Commands, str], tuple[str, str] | None]] = {
    "set": Commands._set, "unset": Commands._unset, "echo": Commands._echo, "qecho": Commands._echo,
    "warn": Commands._echo, "q": Commands._quit, "quit": Commands._quit, "gset": Commands._gset,
    "gexec": Commands._gexec, "g": Commands._g, "getenv": Commands._getenv,
    "setenv": Commands._setenv, "r": Commands._reset, "reset": Commands._reset,
    "p": Commands._print, "print": Commands._print,
    **{name: Commands._include for name in INCLUDES},
}
