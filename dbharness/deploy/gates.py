"""What a promotion must pass before it touches its target: `dbharness test` (lint included) on a
throwaway server, and squawk on the pending files as the target will run them."""

from __future__ import annotations

import os
from collections.abc import Callable

from dbharness import testrun
from dbharness.config import Settings
from dbharness.deploy.plan import Plan
from dbharness.errors import CheckFailed
from dbharness.lint import checks
from dbharness.progress import Progress, quiet
from dbharness.words import plural


def finding_lines(findings: list[checks.Finding]) -> list[str]:
    """Each finding on a line of its own: level, rule, where, what."""
    return [f"{f.level} {f.rule} {f.target}: {f.message}" for f in findings]


def tests_gate(settings: Settings, engine: str | None, report: Progress,
               make_engine: Callable[..., object] | None = None) -> testrun.TestOutcome:
    """Run dbharness test (lint included) on a throwaway server; raise CheckFailed, naming every
    lint error or failing file, unless all pass."""
    report("Checking the repository first (dbharness test, lint included) ...")
    outcome = testrun.run(settings, engine=engine, files=None, jobs=os.cpu_count() or 1,
                          report=quiet, lint=True, make_engine=make_engine)
    if outcome.stopped is not None and outcome.lint is not None:
        errors = [f for f in outcome.lint.findings if f.level == "error"]
        raise CheckFailed(f"dbharness lint found {plural(len(errors), 'error')}; promotion refused:\n  "
                          + "\n  ".join(finding_lines(errors)))
    if not outcome.totals.ok:
        failing = ", ".join(r.path for r in outcome.results if not r.passed)
        raise CheckFailed(f"dbharness test failed ({outcome.totals.line()}: {failing}); promotion refused")
    report(f"  dbharness test: {outcome.totals.line()}")
    return outcome


def lint_refusals(settings: Settings, plan: Plan, report: Progress) -> list[str]:
    """squawk's findings on the pending files, printed; errors refuse the promotion (each named).
    An object that an earlier pending file creates is new in the target, so its lock and
    destructive rules do not apply."""
    pending = {f.shown for f in plan.pending}
    findings = [f for f in checks.lint_files(settings, plan.pending)[0] if f.group in pending]
    for line in finding_lines(findings):
        report(f"  {line}")
    errors = [f for f in findings if f.level == "error"]
    if not errors:
        return []
    return [f"lint: {plural(len(errors), 'error')} in the pending files:\n      "
            + "\n      ".join(finding_lines(errors))]
