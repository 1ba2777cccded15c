"""Lint of how a migration runs as the Supabase CLI sends it (sql/cli_batches): a file that commits
part-way, so that a failure leaves part of it applied and unrecorded; a file that turns the
project's lock_timeout or statement_timeout off, loosens it, or sends it back to the server's
default, which in a promotion lets it wait on a live table's locks without bound."""

from __future__ import annotations

from dbharness import lazy
from dbharness.config import Settings, duration_seconds
from dbharness.errors import HarnessError
from dbharness.sql import cli_batches
from dbharness.sql.migrations import MigrationFile
from dbharness.sql.statements import Statement

ast = lazy.Module("pglast.ast")
enums = lazy.Module("pglast.enums")

TIMEOUTS = ("lock_timeout", "statement_timeout")
SHOWN = 6  # lines named in a message; the rest are counted
Found = tuple[str, str, str, str, str]  # level, rule, target (file:line), message, fix

HOW = {
    cli_batches.EACH: "the Supabase CLI sends this file statement by statement (it has its own "
                      "BEGIN/COMMIT): outside BEGIN ... COMMIT each statement commits on its own, "
                      "and each COMMIT commits what it closes",
    cli_batches.NONE: "with `-- pg-delta: transaction=false` every statement commits on its own",
    cli_batches.BATCHES: "its CONCURRENTLY-like statements run on their own, committing what came "
                         "before them",
}


def key(settings: Settings) -> str:
    """What these findings depend on besides the files, for the cache of lint's findings."""
    return repr((settings.lock_timeout, settings.statement_timeout, settings.loosen_timeouts))


def run(settings: Settings, files: list[MigrationFile]) -> list[Found]:
    """Both checks on every file (a file the run refuses outright is left to that refusal)."""
    found: list[Found] = []
    for mf in files:
        try:
            plan = mf.plan
        except HarnessError:
            continue
        found += _part_way(mf, plan)
        if mf.version not in settings.loosen_timeouts:
            found += _loosened(settings, mf)
    return found


def _part_way(mf: MigrationFile, plan: cli_batches.SendPlan) -> list[Found]:
    if plan.alone_only:  # only index builds: a failure drops what they built (index_builds.py)
        return []
    points = cli_batches.commit_points(plan, mf.statements)
    if not points:
        return []
    lines = sorted({mf.statements[p].line for p in points})
    where = ", ".join(str(n) for n in lines[:SHOWN]) + (f" and {len(lines) - SHOWN} more"
                                                       if len(lines) > SHOWN else "")
    return [("warn", "commits-part-way", f"{mf.shown}:{lines[0]}",
             f"{HOW[plan.way]}; so it commits after line {where} before its end: a failure further "
             "on leaves what came before applied and the version unrecorded (with the Supabase CLI "
             "as here), and running it again meets what is left",
             "make what follows a commit safe to run twice (if not exists, or replace), or split the "
             "file where it commits")]


def _seconds(value: object) -> float | None:
    """A timeout as PostgreSQL reads it (a bare number is milliseconds), None when unreadable."""
    text = str(value).strip()
    try:
        return float(text) / 1000 if text.replace(".", "", 1).isdigit() else duration_seconds(text)
    except HarnessError:
        return None


def _constant(node: object) -> object:
    val = getattr(node, "val", node)
    for attr in ("ival", "fval", "sval"):
        if hasattr(val, attr):
            return getattr(val, attr)
    return None


def _sets(stmt: Statement) -> list[tuple[str, float | None]]:
    """(setting, seconds; None: back to the server's default) for each timeout stmt changes."""
    node = stmt.node
    if isinstance(node, ast.VariableSetStmt):
        kind = enums.VariableSetKind(node.kind)
        if kind == enums.VariableSetKind.VAR_RESET_ALL:
            return [(name, None) for name in TIMEOUTS]
        if node.name in TIMEOUTS and kind in (enums.VariableSetKind.VAR_RESET,
                                              enums.VariableSetKind.VAR_SET_DEFAULT):
            return [(node.name, None)]
        if node.name in TIMEOUTS and kind == enums.VariableSetKind.VAR_SET_VALUE and node.args:
            return [(node.name, _seconds(_constant(node.args[0])))]
        return []
    found = []
    for target in getattr(node, "targetList", None) or ():
        call = getattr(target, "val", None)
        names = [getattr(n, "sval", "") for n in getattr(call, "funcname", None) or ()]
        args = [_constant(a) for a in getattr(call, "args", None) or ()]
        if isinstance(call, ast.FuncCall) and names[-1:] == ["set_config"] and len(args) == 3 \
                and args[0] in TIMEOUTS:
            found.append((str(args[0]), _seconds(args[1])))
    return found


def _loosened(settings: Settings, mf: MigrationFile) -> list[Found]:
    project = {"lock_timeout": settings.lock_timeout, "statement_timeout": settings.statement_timeout}
    found: list[Found] = []
    last = max((i for i, s in enumerate(mf.statements) if cli_batches.effective(s)), default=-1)
    for stmt in mf.statements[:last]:  # a change after the file's last effective statement bounds nothing
        for name, seconds in _sets(stmt):
            limit = duration_seconds(project[name])
            if limit == 0 or (seconds is not None and 0 < seconds <= limit):
                continue  # the project sets no limit, or the file keeps within it
            what = ("back to the server's default (off, unless the role or database sets one)"
                    if seconds is None else "off" if seconds == 0 else
                    f"to {seconds:g}s, looser than the project's {project[name]}")
            found.append((
                "error", "timeout-loosened", f"{mf.shown}:{stmt.line}",
                f"sets {name} {what} for the rest of the file: in a promotion its statements may then "
                "wait on a live table's locks, and block every query queued behind them, for that long",
                f"remove it (the harness sets {name} = {project[name]} around every file, and a file may "
                f"tighten it), or allow it for this file in [tool.dbharness]: "
                f'loosen_timeouts = ["{mf.version}"]'))
    return found
