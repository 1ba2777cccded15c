"""The guards of a deployment: the dbharness test gate, lint of the pending files, confirmation, the lock."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from dbharness import testrun
from dbharness.config import Settings
from dbharness.deploy.plan import Plan
from dbharness.environments import Target
from dbharness.errors import CheckFailed, PromotionRefused
from dbharness.lint import checks
from dbharness.progress import Progress, quiet

LOCK_KEY = "dbharness-promote"


def tests_gate(settings: Settings, engine: str | None, report: Progress,
               make_engine: Callable[..., object] | None = None) -> testrun.TestOutcome:
    """Run dbharness test (lint included) on a throwaway server; raise CheckFailed unless all pass."""
    def stop_on_lint(result: checks.LintReport) -> None:
        if result.failed(strict=False):
            raise CheckFailed(f"dbharness lint found {result.count('error')} errors; promotion refused")

    report("Checking the repository first (dbharness test, lint included) ...")
    outcome = testrun.run(settings, engine=engine, files=None, jobs=os.cpu_count() or 1,
                          report=quiet, lint_hook=stop_on_lint, make_engine=make_engine)
    if not outcome.totals.ok:
        raise CheckFailed(f"dbharness test failed ({outcome.totals.line()}); promotion refused")
    report(f"  dbharness test: {outcome.totals.line()}")
    return outcome


def lint_refusals(settings: Settings, plan: Plan, report: Progress) -> list[str]:
    """squawk's findings on the pending files, printed; errors refuse the promotion. A table that
    an earlier pending file creates is new in the target, so its lock rules do not apply."""
    pending = {f.shown for f in plan.pending}
    findings = [f for f in checks.lint_files(settings, plan.pending)[0] if f.group in pending]
    for f in findings:
        report(f"  {f.level} {f.rule} {f.target}: {f.message}")
    errors = [f for f in findings if f.level == "error"]
    return [f"lint: {len(errors)} errors in the pending files"] if errors else []


@dataclass
class Lock:
    """A session advisory lock per environment, so two promotions never run at once."""

    conn: psycopg.Connection
    target: Target

    def __enter__(self) -> Lock:
        got = self.conn.execute("select pg_try_advisory_lock(hashtext(%s))", (LOCK_KEY,)).fetchone()
        if not got or not got[0]:
            raise PromotionRefused(f"another promotion or rollback of {self.target.name} is running "
                                   "(advisory lock held); wait for it to finish and run again")
        return self

    def __exit__(self, *_exc: object) -> None:
        if not self.conn.closed:
            self.conn.execute("select pg_advisory_unlock(hashtext(%s))", (LOCK_KEY,))
