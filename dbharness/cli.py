"""The `dbharness` command: the harness's tasks as verbs, run on the project in the current
directory (`dbharness test`, `dbharness promote --env production`, `dbharness --list`)."""

from __future__ import annotations

from invoke import Program

from dbharness import __version__


def program() -> Program:
    """The invoke Program behind the command, with the package's task collection."""
    from dbharness.tasks import ns

    return Program(namespace=ns, name="dbharness", binary="dbharness", version=__version__)


def main() -> None:
    """Entry point of the console script."""
    program().run()
