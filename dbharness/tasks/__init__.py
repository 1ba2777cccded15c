"""The harness's verbs as invoke tasks, one importable collection, `ns`: a project's tasks.py needs
one line, `from dbharness.tasks import ns`, and `invoke test` runs what `dbharness test` runs (each
task is made from the same declaration as the command's verb)."""

from __future__ import annotations

import inspect
import shlex
from typing import Any

from invoke import Collection, Context, Exit, Task

from dbharness.edge.spec import Option, Verb
from dbharness.edge.verbs import VERBS, run

# What invoke makes of a default: a flag, a number, a list (repeatable), else a string.
INVOKE_DEFAULTS = {"flag": False, "list": None}


def _default(option: Option) -> Any:
    if option.kind in INVOKE_DEFAULTS:
        return INVOKE_DEFAULTS[option.kind]
    if option.kind == "int":
        return option.default if option.default is not None else 0
    return None if option.default is None else str(option.default)


def _value(option: Option, given: Any) -> Any:
    if option.kind == "float" and given is not None:
        return float(given)
    if option.kind == "list":
        return list(given or [])
    return given


def task_of(verb: Verb) -> Task:
    """The invoke task of verb: its options as invoke arguments, files after `--` for test."""
    named = [o for o in verb.options if not o.many]

    def body(c: Context, **given: Any) -> None:
        args = {o.dest: _value(o, given.get(o.dest)) for o in named}
        for option in (o for o in verb.options if o.many):
            args[option.dest] = shlex.split(getattr(c, "remainder", "") or "")
        code = run(verb.name, args)
        if code:
            raise Exit(code=code)

    params = [inspect.Parameter("c", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [inspect.Parameter(o.dest, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                 **({} if o.positional or o.required else {"default": _default(o)}))
               for o in named]
    body.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    body.__doc__ = f"{verb.summary[0].upper()}{verb.summary[1:]}.\n\n{verb.description}"
    return Task(body, name=verb.name, help={o.dest: o.help for o in named},
                iterable=[o.dest for o in named if o.kind == "list"])


ns = Collection()
for _verb in VERBS:
    ns.add_task(task_of(_verb))
