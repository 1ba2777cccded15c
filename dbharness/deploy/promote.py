"""dbharness promote: gate, plan, guards, then apply each pending file to an environment."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dbharness.builder import database, history, killed_runs
from dbharness.builder.apply import apply_file
from dbharness.config import Settings
from dbharness.deploy import gates, guards, targets
from dbharness.deploy.plan import Ask, Plan, confirm, plan_lines
from dbharness.deploy.status import make_plan, status
from dbharness.environments import Target, resolve
from dbharness.errors import INTERRUPTED, HarnessError, MigrationError, PromotionRefused
from dbharness.pg import psycopg
from dbharness.progress import Progress, quiet
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
    """What a promotion did: the test gate's run, the files applied in order, the one that failed,
    and why it stopped early (refused, or interrupted) if it did."""

    env: str
    files: list[FileOutcome] = field(default_factory=list)
    dry_run: bool = False
    stopped: HarnessError | None = None  # refused (by a guard, the gate, the target) before a file ran
    current: str | None = None  # the file being applied right now
    gate: TestOutcome | None = None  # the dbharness test run that let the promotion through
    interrupted: str | None = None  # Ctrl-C or SIGTERM: where, and what was left

    @property
    def failed(self) -> FileOutcome | None:
        """The file that failed (the run stops there), or None."""
        return next((f for f in self.files if f.failure), None)

    @property
    def applied(self) -> list[str]:
        """The files applied and recorded."""
        return [f.stem for f in self.files if not f.failure]

    @property
    def error(self) -> str | None:
        """Why the promotion did not finish, in words (None when it did)."""
        if self.interrupted:
            return self.interrupted
        if self.stopped is not None:
            return str(self.stopped)
        failed = self.failed
        return (failed.failure or failed.stem) if failed else None

    def raise_if_stopped(self) -> PromoteResult:
        """The result, or the refusal that stopped the promotion raised (for scripts and tests
        that treat a refusal as an error)."""
        if self.stopped is not None:
            raise self.stopped
        return self

    @property
    def exit_code(self) -> int:
        """0 when every pending file was applied (or the dry run shown); else the code of what
        stopped it (a refusal, a failing file, an interruption)."""
        if self.interrupted:
            return INTERRUPTED
        if self.stopped is not None:
            return self.stopped.exit_code
        return MigrationError.exit_code if self.failed else 0


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
        plan.refusals += gates.lint_refusals(settings, plan, report)
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
            report: Progress = quiet, gate: Callable[[], TestOutcome | None] | None = None) -> PromoteResult:
    """The whole promotion, as a result: what the gate ran, every file applied, the one that
    failed, or why it was refused or interrupted. Only an unknown environment or an unreadable
    URL raises (ConfigError), before anything runs."""
    target = resolve(settings, name)
    result = PromoteResult(name, dry_run=dry_run)
    try:
        if skip_tests and target.env.requires:
            raise PromotionRefused(f"--skip-tests is refused for {name}: it requires "
                                   f"{target.env.requires} and must only get what passed every check")
        if not skip_tests:
            result.gate = (gate or (lambda: gates.tests_gate(settings, None, report)))()
        _promote(settings, target, result, to=to, yes=yes, ask=ask, report=report)
    except HarnessError as exc:
        exc.args = (target.scrub(str(exc)),)
        result.stopped = exc
    except KeyboardInterrupt as exc:
        result.interrupted = _interrupted(result, getattr(exc, "notes", []))
    return result
