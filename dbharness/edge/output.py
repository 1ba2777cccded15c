"""What a verb prints: lines on stdout (whole, even when pgTAP workers report at once), errors on
stderr, colour only on a terminal (never with NO_COLOR, when piped, or on a dumb terminal), and
the reports the run wrote, so those it did not are rewritten when it fails."""

from __future__ import annotations

import os
import re
import sys
import threading
from pathlib import Path
from typing import TextIO

from dbharness.errors import ConfigError

RESET = "\033[0m"
PAINT = (  # (pattern at the start of a line, colour)
    (re.compile(r"^(ok)(?= )"), "\033[32m"),
    (re.compile(r"^(FAIL)(?= )"), "\033[31;1m"),
    (re.compile(r"^(error:|interrupted:)"), "\033[31;1m"),
    (re.compile(r"^(warning:)"), "\033[33m"),
    (re.compile(r"^(\s+not ok \d+)"), "\033[31m"),
    (re.compile(r"^(\d+ passed, 0 failed.*)$"), "\033[32;1m"),
    (re.compile(r"^(\d+ passed, [1-9]\d* failed.*)$"), "\033[31;1m"),
)


def wants_colour(stream: TextIO, env: dict[str, str] | None = None) -> bool:
    """True for a terminal, unless NO_COLOR is set (no-color.org) or TERM is dumb."""
    env = dict(os.environ) if env is None else env
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(line: str) -> str:
    """line with its verdict word coloured (the first rule that matches)."""
    for pattern, colour in PAINT:
        found = pattern.search(line)
        if found:
            return line[:found.start(1)] + colour + found.group(1) + RESET + line[found.end(1):]
    return line


def unwritable(path: Path) -> str | None:
    """Why a report at path could not be written, or None."""
    if path.is_dir():
        return f"{path} is a folder; the report needs that name for a file"
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        return (f"{folder} is a file, so the report {path} cannot be written there; move it away "
                "(or pass --junit PATH)")
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder} cannot be written by this user, so the report {path} cannot be; fix its permissions"
    return None


class Output:
    """Where a verb's lines go, and which reports it wrote."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.colour = wants_colour(self.out)
        self.colour_err = wants_colour(self.err)
        self.lock = threading.Lock()
        self.written: list[Path] = []
        self.owned: list[Path] = []
        self.root: re.Pattern[str] | None = None  # the project's folder, once known

    def relative_to(self, root: Path) -> None:
        """From now on, name the project's files relative to it (root/supabase/x.sql is
        supabase/x.sql), in every line, whoever wrote the message."""
        self.root = re.compile(r"(?<![\w/=.-])" + re.escape(f"{root}/"))

    def _shown(self, line: str) -> str:
        """line with the project's files named relative to it (a path after '=' is a value as it
        was given, and stays whole)."""
        return self.root.sub("", line) if self.root else line

    def say(self, *lines: str) -> None:
        """Print lines to stdout, all at once."""
        text = "".join((paint(self._shown(line)) if self.colour else self._shown(line)) + "\n"
                       for line in lines)
        with self.lock:
            self.out.write(text)
            self.out.flush()

    def error(self, *lines: str) -> None:
        """Print lines to stderr."""
        text = "".join((paint(self._shown(line)) if self.colour_err else self._shown(line)) + "\n"
                       for line in lines)
        with self.lock:
            self.err.write(text)
            self.err.flush()

    def owns(self, *paths: Path) -> None:
        """The reports this verb writes: each is rewritten by this run, whatever its outcome. A
        report that cannot be written (a file where its folder should be, a folder this user may
        not write) is a ConfigError before any work is done."""
        for path in paths:
            refused = unwritable(path)
            if refused:
                raise ConfigError(refused)
        self.owned += list(paths)

    def wrote(self, path: Path) -> Path:
        """Note a report this run wrote (and say where it is)."""
        self.written.append(path.resolve())
        self.say(f"JUnit: {path}")
        return path
