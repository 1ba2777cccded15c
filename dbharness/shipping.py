"""The promote and environment-rollback flows: gates, plan, confirmation, then apply."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from dbharness import lint, promote, testrun
from dbharness.apply import Report, display_path
from dbharness.config import Settings
from dbharness.environments import resolve
from dbharness.errors import CheckFailed, HarnessError, PromotionRefused
from dbharness.junit import Check

Confirm = Callable[[str], bool]


def tests_gate(settings: Settings, engine: str, report: Report,
               make_engine: Callable[..., object] | None = None) -> None:
    """Run invoke test (lint included) on a throwaway server; raise CheckFailed unless all pass."""
    def stop_on_lint(result: lint.LintReport) -> None:
        if result.failed(strict=False):
            raise CheckFailed(f"invoke lint found {result.count('error')} errors; promotion refused")

    report("Checking the repository first (invoke test, lint included) ...")
    outcome = testrun.run(settings, engine=engine, files=None, jobs=os.cpu_count() or 1,
                          junit_path=settings.reports_dir / "junit" / "pgtap.xml",
                          report=lambda _m: None, lint_hook=stop_on_lint, make_engine=make_engine)
    if not outcome.totals.ok:
        raise CheckFailed(f"invoke test failed ({outcome.totals.line()}); promotion refused")
    report(f"  invoke test: {outcome.totals.line()}")


def _lint_refusals(settings: Settings, plan: promote.Plan, report: Report) -> list[str]:
    pending = {display_path(f.path) for f in plan.pending}
    findings = [f for f in lint.lint_files(settings)[0] if f.group in pending]
    for f in findings:
        report(f"  {f.level} {f.rule} {f.target}: {f.message}")
    errors = [f for f in findings if f.level == "error"]
    return [f"lint: {len(errors)} errors in the pending files"] if errors else []


def _confirmed(target_name: str, count: int, yes: bool, confirm: Confirm | None, verb: str) -> None:
    if yes:
        return
    if confirm is None:
        raise PromotionRefused(f"{verb} {target_name} needs confirmation: run it in a terminal, "
                               "or pass --yes")
    if not confirm(f"{verb} {count} file(s) on {target_name}? Type the environment name to go on: "):
        raise PromotionRefused(f"{verb} {target_name} was not confirmed; nothing was changed")


def run_promote(settings: Settings, name: str, *, dry_run: bool, yes: bool, to: str | None,
                skip_tests: bool, confirm: Confirm | None, report: Report,
                gate: Callable[[], None]) -> list[Check]:
    """The whole promotion; returns a Check per applied file (raises on any refusal)."""
    target = resolve(settings, name)
    if skip_tests and target.env.requires:
        raise PromotionRefused(f"--skip-tests is refused for {name}: it requires {target.env.requires} "
                               "and must only get what passed every check")
    if not skip_tests:
        gate()
    with target.connect() as conn:
        try:
            plan = promote.make_plan(settings, target, conn, to)
            for line in promote.plan_lines(plan):
                report(line)
            plan.refusals += _lint_refusals(settings, plan, report)
            if plan.refusals:
                raise PromotionRefused(f"promotion to {target} refused:\n  - " + "\n  - ".join(plan.refusals))
            if dry_run or not plan.pending:
                report("dry run: nothing was changed" if dry_run else "nothing to do")
                return []
            if target.env.requires:
                _confirmed(name, len(plan.pending), yes, confirm, "promote to")
            checks = promote.apply_plan(settings, plan, conn, report)
        except HarnessError as exc:
            raise promote.scrub_error(target, exc) from None
    report(f"Promoted {len(checks)} migration(s) to {target}")
    return checks


def run_rollback(settings: Settings, name: str, to: str, *, yes: bool, confirm: Confirm | None,
                 report: Report) -> int:
    """Roll an environment back to `to`; returns how many files were rolled back."""
    target = resolve(settings, name)
    with target.connect() as conn:
        try:
            downs = promote.rollback_plan(settings, conn, to)
            if not downs:
                report(f"{target}: already at {to}, nothing to roll back")
                return 0
            report(f"Rollback plan for {target}:")
            for d in downs:
                report(f"  {d.stem}")
            if target.env.requires:
                _confirmed(name, len(downs), yes, confirm, "roll back")
            promote.apply_rollback(settings, target, conn, downs, report)
        except HarnessError as exc:
            raise promote.scrub_error(target, exc) from None
    return len(downs)


def junit_path(settings: Settings, name: str) -> Path:
    """reports/junit/promote-<env>.xml"""
    return settings.reports_dir / "junit" / f"promote-{name}.xml"
