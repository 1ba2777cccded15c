"""dbharness promote: gate, plan, guards, then apply each pending file to an environment."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from dbharness.builder import database, history, killed_runs
from dbharness.builder.apply import apply_file
from dbharness.config import Settings
from dbharness.deploy import guards, targets
from dbharness.deploy.plan import Ask, Plan, confirm, plan_lines
from dbharness.deploy.status import make_plan, status
from dbharness.environments import Target, resolve
from dbharness.errors import HarnessError, MigrationError, PromotionRefused
from dbharness.progress import Progress
from dbharness.sql.migrations import discover
from dbharness.testrun import TestOutcome


@dataclass
class FileOutcome:
    """One file of a promotion: how long it took, and why it failed if it did."""

    stem: str
    seconds: float
    failure: str | None = None


@dataclass
class PromoteResult:
    """What a promotion did: the files applied in order, and the one that failed, if any."""

    env: str
    files: list[FileOutcome] = field(default_factory=list)
    dry_run: bool = False
    error: str | None = None  # why the promotion stopped before a file ran (refusal, connection)
    current: str | None = None  # the file being applied right now
    gate: TestOutcome | None = None  # the dbharness test run that let the promotion through
    interrupted: bool = False  # by Ctrl-C or SIGTERM; error says where and what was left

    @property
    def failed(self) -> FileOutcome | None:
        """The file that failed (the run stops there), or None."""
        return next((f for f in self.files if f.failure), None)

    @property
    def applied(self) -> list[str]:
        """The files applied and recorded."""
        return [f.stem for f in self.files if not f.failure]


def apply_plan(settings: Settings, plan: Plan, conn: psycopg.Connection, report: Progress,
               result: PromoteResult) -> None:
    """Apply each pending file as dbharness test does, under the lock; stop at the first failure."""
    with guards.Lock(conn, plan.target):
        history.ensure_table(conn)
        fresh = status(conn, discover(settings.migrations_dir, settings.root))
        todo = [f for f in plan.pending if f.version in {p.version for p in fresh.pending}]
        for f in todo:
            started = time.perf_counter()
            result.current = f.stem
            try:
                apply_file(conn, f, database.timeouts(settings), "up", report)
            except MigrationError as exc:
                result.files.append(FileOutcome(f.stem, time.perf_counter() - started,
                                                plan.target.scrub(str(exc))))
                return
            result.files.append(FileOutcome(f.stem, time.perf_counter() - started))
            result.current = None


def _promote(settings: Settings, target: Target, result: PromoteResult, *, to: str | None, yes: bool,
             ask: Ask | None, report: Progress) -> None:
    with target.connect() as conn:
        wrong = targets.refusals(settings, target, conn)
        if wrong:
            raise PromotionRefused(f"promotion to {target} refused:\n  - " + "\n  - ".join(wrong))
        plan = make_plan(settings, target, conn, to)
        for line in plan_lines(plan):
            report(line)
        plan.refusals += guards.lint_refusals(settings, plan, report)
        plan.refusals += killed_runs.refusals(settings, conn, plan.pending)  # what a killed run left
        if plan.refusals:
            raise PromotionRefused(f"promotion to {target} refused:\n  - " + "\n  - ".join(plan.refusals))
        if result.dry_run or not plan.pending:
            report("dry run: nothing was changed" if result.dry_run else "nothing to do")
            return
        if target.env.requires:
            confirm(target.name, len(plan.pending), yes, ask, "promote to")
        apply_plan(settings, plan, conn, report, result)
    if result.failed is None:
        report(f"Promoted {len(result.files)} migration(s) to {target}")


def _interrupted(result: PromoteResult, notes: list[str]) -> str:
    done = f"{len(result.applied)} file(s) applied and recorded before it"
    if result.current is None:
        return f"interrupted before any file was being applied; {done}"
    undone = "".join(f"\n  {note}" for note in notes) or " (its transaction was rolled back)"
    return f"interrupted while applying {result.current}; it was not recorded; {done}{undone}"


def promote(settings: Settings, name: str, *, dry_run: bool = False, yes: bool = False,
            to: str | None = None, skip_tests: bool = False, ask: Ask | None = None,
            report: Progress = print, gate: Callable[[], TestOutcome | None] | None = None,
            result: PromoteResult | None = None) -> PromoteResult:
    """The whole promotion; refusals raise, a failing file is in the result. Pass result to keep
    what was done when it raises: every file applied before a stop, and why it stopped."""
    result = result if result is not None else PromoteResult(name, dry_run=dry_run)
    try:
        target = resolve(settings, name)
        if skip_tests and target.env.requires:
            raise PromotionRefused(f"--skip-tests is refused for {name}: it requires "
                                   f"{target.env.requires} and must only get what passed every check")
        if not skip_tests:
            result.gate = (gate or (lambda: guards.tests_gate(settings, None, report)))()
        try:
            _promote(settings, target, result, to=to, yes=yes, ask=ask, report=report)
        except HarnessError as exc:
            exc.args = (target.scrub(str(exc)),)
            raise
    except HarnessError as exc:
        result.error = str(exc)
        raise
    except KeyboardInterrupt as exc:
        result.error = _interrupted(result, getattr(exc, "notes", []))
        result.interrupted = True
        raise
    return result
