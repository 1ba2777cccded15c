"""A verb declared once: its name, its help, its options and what runs it. The `dbharness` command
(argparse) and the invoke tasks are both made from these declarations, so the two never differ."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dbharness.edge.output import Output

Args = dict[str, Any]


@dataclass(frozen=True)
class Option:
    """One option of a verb: --name (a flag, a value, a number or a repeatable value), or a
    positional argument (positional=True; many=True takes any number)."""

    name: str  # as the user types it, without dashes: "dry-run", "from"
    help: str
    kind: str = "value"  # flag, value, int, float, list
    default: Any = None
    metavar: str | None = None
    positional: bool = False
    many: bool = False
    required: bool = False
    choices: tuple[str, ...] | None = None

    @property
    def dest(self) -> str:
        """The Python name of its value: dry-run -> dry_run, from -> from_."""
        name = self.name.replace("-", "_")
        return name + "_" if name in ("from", "all") else name


@dataclass(frozen=True)
class Verb:
    """A verb: what `dbharness VERB --help` says, its options, and the edge function that runs it
    (arguments in, exit code out)."""

    name: str
    summary: str  # one line, for the list of verbs
    description: str
    run: Callable[[Args, Output], int]
    options: tuple[Option, ...] = ()
    hidden: bool = False  # a developer task: an invoke task, not listed by the command
    epilog: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)

    def defaults(self) -> Args:
        """Every option at its default."""
        return {o.dest: ([] if o.many or o.kind == "list" else o.default) for o in self.options}
