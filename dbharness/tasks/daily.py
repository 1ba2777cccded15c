"""The daily tasks (setup, test, lint, rollback-check, status, promote, rollback, clean): parse
arguments, call one library function, write its reports, print, and choose the exit code."""

from __future__ import annotations

import os
import shlex
from typing import Any

from invoke import Exit, task

from dbharness import config
from dbharness.errors import MigrationError
from dbharness.reports import console
from dbharness.reports import junit as junit_report
from dbharness.tasks.common import ENGINE, JUNIT, YES, ask, guarded, junit_path, say, settings


@task(help={"pg-bindir": "directory holding initdb/postgres (default: searched)"})
def setup(c, pg_bindir=None):
    """Check prerequisites; as root install PostgreSQL, pgTAP, plpgsql_check, pg_prove, the offline
    pg_net and Vault, the Debian packages of the migrations' extensions (and the Supabase CLI when
    [tool.dbharness] supabase_cli = true)."""
    from dbharness.tools import setup

    with guarded():
        cfg = settings()
        setup.check(pg_bindir or cfg.pg_bindir, say, cfg)
        say("setup: all prerequisites present")


@task(iterable=["file"], help={
    "file": "a pgTAP file to run (repeatable); or list files after '--' (default: every pgtap/**/*.test.sql)",
    "engine": ENGINE, "jobs": "pgTAP files run in parallel (default 0: one per CPU)",
    "junit": JUNIT.format("pgtap"),
    "keep": "leave the server running and print its connection string",
    "no-lint": "skip dbharness lint first",
    "junit-family": "xunit2 (default: valid for the Jenkins xUnit schema) or xunit1 (adds file and line)",
    "shard": "K/N: run the K-th of N balanced parts (JUnit: reports/junit/pgtap-shard-K-of-N.xml)",
    "coverage": "also measure schema coverage (always on when [tool.dbharness.coverage] sets required)",
    "watch": "run the suite, then again on every save: an edited test file alone, anything else "
             "from a new build (no lint, coverage or JUnit; Ctrl-C stops)"})
def test(c, file=None, engine=None, jobs=0, junit=None, keep=False, no_lint=False, junit_family="xunit2",
         shard=None, coverage=False, watch=False):
    """Start a throwaway PostgreSQL, apply every migration, run the pgTAP suite, write JUnit.

    Run chosen files with: dbharness test -- pgtap/some.test.sql [more files]
    """
    from dbharness import testrun
    from dbharness.coverage import check as coverage_check
    from dbharness.suite import shards

    if jobs < 0:
        raise Exit("error: --jobs must be 1 or more (0 means one per CPU)", code=2)
    files = [*(file or []), *shlex.split(getattr(c, "remainder", "") or "")]
    if watch:
        return _watch(engine, jobs)
    with guarded():
        cfg = settings(engine=engine)
        part = shards.parse(shard) if shard else None
        measure = (coverage or cfg.coverage.required is not None) and not files and not part
        path = junit_path(cfg, junit, f"pgtap-shard-{part[0]}-of-{part[1]}" if part else "pgtap")
        outcome = testrun.run(
            cfg, files=files or None, jobs=jobs or os.cpu_count() or 1, keep=keep, report=say,
            on_result=lambda r: say(*console.file_report(r)), shard=part,
            lint_hook=None if no_lint else (lambda report: _finish_lint(cfg, report, False, None)),
            coverage=measure)
        with outcome.phases.timed("report"):
            junit_report.write_pgtap(path, outcome.results, junit_family, outcome.stubbed)
        cov = outcome.coverage
        if cov is not None:
            junit_report.write(path.with_name("coverage.xml"), [junit_report.coverage_suite(cov)])
        say(*(console.coverage_lines(cov, cfg.coverage.bar) if cov else []),
            *console.test_summary(outcome, path))
        if not outcome.totals.ok or (cov is not None and coverage_check.below(cov, cfg.coverage.bar)):
            raise Exit(code=1)


def _watch(engine: str | None, jobs: int) -> None:
    """dbharness test --watch until Ctrl-C, which ends it with exit code 0."""
    from dbharness import watch

    with guarded("stopped watching; the server and its databases were removed"):
        cfg = settings(engine=engine)
        say(*console.watch_start(cfg))
        watch.loop(cfg, jobs=jobs or os.cpu_count() or 1, report=say,
                   on_result=lambda r: say(*console.file_report(r)),
                   on_verdict=lambda v: say(*console.watch_verdict(v)))


@task(help={"strict": "fail on warnings too, not only on errors", "engine": ENGINE,
            "junit": JUNIT.format("lint"),
            "shipped": "also list the findings in migrations that already shipped (never gated)"})
def lint(c, strict=False, engine=None, junit=None, shipped=False):
    """squawk on every migration and rollback, and Supabase security checks on the migrated schema."""
    from dbharness.lint import checks as lint_mod

    with guarded():
        cfg = settings(engine=engine)
        _finish_lint(cfg, lint_mod.run(cfg, cfg.engine, say), strict, junit, shipped)


def _finish_lint(cfg: config.Settings, report: Any, strict: bool, junit: str | None,
                 shipped: bool = False) -> None:
    """Print the findings, write lint.xml, and fail on errors (or warnings with strict)."""
    path = junit_report.write(junit_path(cfg, junit, "lint"), [junit_report.lint_suite(report)])
    say(*console.lint_lines(report, shipped), f"JUnit: {path}")
    if report.failed(strict):
        raise Exit(console.lint_failure(strict), code=1)


@task(help={"from": "check only the migrations with this version and newer", "engine": ENGINE,
            "only": "check only the migration with this version", "junit": JUNIT.format("rollback")})
def rollback_check(c, from_=None, only=None, engine=None, junit=None):
    """Prove that every rollback restores the schema exactly and loses no pre-existing data."""
    from dbharness import rollback_check as check

    with guarded():
        cfg = settings(engine=engine)
        result = check.check(cfg, from_version=from_, only=only, report=say)
        path = junit_report.write(junit_path(cfg, junit, "rollback"), [junit_report.rollback_suite(result)])
        say(f"JUnit: {path}", *console.rollback_summary(result))
        if result.failed:
            raise Exit(code=1)


@task(help={"env": "environment name, e.g. staging or production"})
def status(c, env):
    """Show each local migration as applied or pending in an environment, and any drift."""
    from dbharness.deploy.status import environment_status

    with guarded():
        target, st = environment_status(settings(), env)
        say(*console.status_lines(target, st))
        if st.problems:
            raise Exit("status: " + "; ".join(st.problems), code=1)


@task(help={"env": "environment to promote to (staging first, then production)", "yes": YES,
            "dry-run": "show the plan and the lint findings, change nothing",
            "to": "apply pending migrations up to and including this version",
            "skip-tests": "do not run dbharness test first (refused for production)",
            "engine": "engine of the dbharness test gate: " + ENGINE})
def promote(c, env, dry_run=False, yes=False, to=None, skip_tests=False, engine=None):
    """Apply pending migrations to an environment, after dbharness test, in order, staging first."""
    from dbharness.deploy.promote import PromoteResult
    from dbharness.deploy.promote import promote as run_promote

    with guarded("what was applied before the interruption is listed in the report"):
        cfg = settings(engine=engine)
        path = junit_path(cfg, None, f"promote-{env}")
        result = PromoteResult(env, dry_run=dry_run)
        try:
            run_promote(cfg, env, dry_run=dry_run, yes=yes, to=to, skip_tests=skip_tests,
                        ask=ask(), report=say, result=result)
        finally:
            if result.gate is not None:
                junit_report.write_pgtap(junit_path(cfg, None, "pgtap"), result.gate.results,
                                  stubbed=result.gate.stubbed)
            junit_report.write(path, [junit_report.promote_suite(result)])
            say(f"JUnit: {path}", *([result.error] if result.interrupted and result.error else []))
        if result.failed:
            raise MigrationError(result.failed.failure or result.failed.stem)


@task(help={"env": "environment to roll back", "yes": YES,
            "to": "the version to return to (every applied version newer than it is rolled back)"})
def rollback(c, env, to, yes=False):
    """Apply the rollbacks of every applied version newer than --to, newest first."""
    from dbharness.deploy.rollback import rollback as run_rollback

    with guarded("each file rolled back before the interruption stays rolled back; run status"):
        done = run_rollback(settings(), env, to, yes=yes, ask=ask(), report=say)
        say(f"rolled back {len(done)} migration(s) on {env}")


@task
def clean(c):
    """Remove servers and containers left by --keep or a killed run, the template cache, and reports/."""
    from dbharness.tools.cleanup import clean_all

    with guarded():
        clean_all(settings().reports_dir, say)
