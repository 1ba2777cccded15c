"""The `dbharness` command: `dbharness VERB [options]`, on the project the working directory lies in
(`dbharness test`, `dbharness promote --env production`, `dbharness VERB --help`). Its own argument
parser (argparse), made from the verbs' declarations; it never imports invoke."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from typing import Any

from dbharness import __version__
from dbharness.edge.spec import Option, Verb
from dbharness.edge.verbs import BY_NAME, VERBS, run
from dbharness.errors import ConfigError

DESCRIPTION = """Proves a Supabase project's migrations before they ship: a throwaway Supabase-shaped
PostgreSQL, the migrations applied as the Supabase CLI applies them, the pgTAP suite as pg_prove runs
it, rollbacks proven, lint, promotion to staging and production."""
EPILOG = """It runs on the project the working directory lies in (the nearest folder upwards holding
supabase/config.toml; DBHARNESS_ROOT names another). Settings: dbharness.toml beside
supabase/config.toml (dbharness init writes one), supabase/dbharness.toml, or [tool.dbharness] in
pyproject.toml; the first found wins. `dbharness VERB --help` describes a verb."""
KINDS = {"int": int, "float": float}


def _add(parser: argparse.ArgumentParser, option: Option) -> None:
    if option.positional:
        parser.add_argument(option.dest, nargs="*" if option.many else None, help=option.help,
                            metavar=option.metavar or option.name.upper())
        return
    flag = f"--{option.name}"
    if option.kind == "flag":
        parser.add_argument(flag, dest=option.dest, action="store_true", help=option.help)
    elif option.kind == "list":
        parser.add_argument(flag, dest=option.dest, action="append", default=[], help=option.help,
                            metavar=option.metavar)
    else:
        parser.add_argument(flag, dest=option.dest, type=KINDS.get(option.kind, str), default=option.default,
                            help=option.help, metavar=option.metavar, choices=option.choices,
                            required=option.required)


def verb_parser(sub: argparse._SubParsersAction, verb: Verb) -> None:
    """The verb's own parser: `dbharness VERB --help` lists exactly its options."""
    extra: dict[str, Any] = {} if verb.hidden else {"help": verb.summary}
    parser = sub.add_parser(verb.name, description=verb.description, epilog=verb.epilog or None, **extra)
    for option in verb.options:
        _add(parser, option)


def parser() -> argparse.ArgumentParser:
    """The whole command line: the verbs, --version, --list."""
    top = argparse.ArgumentParser(prog="dbharness", description=DESCRIPTION, epilog=EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--version", action="version", version=f"dbharness {__version__}")
    top.add_argument("--list", action="store_true", help="list the verbs and what each does")
    sub = top.add_subparsers(dest="verb", metavar="VERB", title="verbs")
    for verb in VERBS:
        verb_parser(sub, verb)
    return top


def listing() -> list[str]:
    """Each verb a user runs, with its one-line summary."""
    width = max(len(v.name) for v in VERBS)
    return [f"  {v.name:<{width}}  {v.summary}" for v in VERBS if not v.hidden]


def _unknown(word: str) -> str:
    shown = [v.name for v in VERBS if not v.hidden]
    close = difflib.get_close_matches(word, shown, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown verb '{word}'{hint} (dbharness --help lists them)"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the verb, return its exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words and not words[0].startswith("-") and words[0] not in BY_NAME:
        if words[0] == "help":
            return main([*words[1:2], "--help"] if words[1:2] else ["--help"])
        print(f"dbharness: error: {_unknown(words[0])}", file=sys.stderr)
        return ConfigError.exit_code
    args = vars(parser().parse_args(words))
    if args.pop("list"):
        print("\n".join(["verbs:", *listing()]))
        return 0
    name = args.pop("verb")
    if name is None:
        parser().print_help()
        return 0
    return run(name, args)


def entry() -> None:
    """The console script."""
    sys.exit(main())
