"""invoke tasks: parse arguments, call one dbharness function, print, and choose the exit code."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from dbharness import config, console  # noqa: E402
from dbharness.errors import HarnessError, MigrationError  # noqa: E402

_OUTPUT = threading.Lock()
ENGINE = "local (default), docker, or auto"
YES = "do not ask for confirmation (production asks otherwise)"


def say(message: str) -> None:
    """Print a line at once, whole even when pgTAP workers report at the same time."""
    with _OUTPUT:
        sys.stdout.write(message + "\n")
        sys.stdout.flush()


def _sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


@contextmanager
def guarded(interrupted: str = "every started server was stopped and removed") -> Iterator[None]:
    """Turn HarnessError into a message and exit code; SIGTERM and Ctrl-C clean up first, also
    when the task was started with SIGINT ignored (from a script with &, some CI runners)."""
    previous = {sig: signal.signal(sig, handler) for sig, handler in
                ((signal.SIGTERM, _sigterm), (signal.SIGINT, signal.default_int_handler))}
    try:
        yield
    except HarnessError as exc:
        raise Exit(f"error: {exc}", code=exc.exit_code) from None
    except KeyboardInterrupt:
        raise Exit(f"interrupted: {interrupted}", code=130) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def settings(**overrides: Any) -> config.Settings:
    """The project's settings, read now."""
    return config.load(os.environ.get("DBHARNESS_ROOT") or ROOT, **overrides)


def _report_path(given: str | None, default: Path) -> Path:
    return Path(given) if given else default


def _ask() -> Any:
    """input() when a person is at a terminal; None (so: refused without --yes) otherwise."""
    return input if sys.stdin.isatty() else None


@task(help={"pg-bindir": "directory holding initdb/postgres (default: searched)"})
def setup(c, pg_bindir=None):
    """Check prerequisites; as root on Debian/Ubuntu install PostgreSQL 15 and pgTAP when missing."""
    from dbharness import prerequisites

    with guarded():
        cfg = settings()
        prerequisites.check(pg_bindir or cfg.pg_bindir, say, cfg.root)
        say("setup: all prerequisites present")


@task(iterable=["file"], help={
    "file": "a pgTAP file to run (repeatable); or list files after '--' (default: every pgtap/**/*.test.sql)",
    "engine": ENGINE, "jobs": "pgTAP files run in parallel (default 0: one per CPU)",
    "junit": "JUnit XML path (default: reports/junit/pgtap.xml)",
    "keep": "leave the server running and print its connection string",
    "no-lint": "skip invoke lint before the tests",
    "junit-family": "xunit2 (default: valid for the Jenkins xUnit schema) or xunit1 (adds file and line)",
    "shard": "K/N: run the K-th of N balanced parts (JUnit: reports/junit/pgtap-shard-K-of-N.xml)",
    "coverage": "also measure schema coverage (always on when [tool.dbharness.coverage] sets required)",
})
def test(c, file=None, engine=None, jobs=0, junit=None, keep=False, no_lint=False, junit_family="xunit2",
         shard=None, coverage=False):
    """Start a throwaway PostgreSQL, apply every migration, run the pgTAP suite, write JUnit.

    Run chosen files with: invoke test -- pgtap/some.test.sql [more files]
    """
    from dbharness import coverage_check, shards, testrun

    if jobs < 0:
        raise Exit("error: --jobs must be 1 or more (0 means one per CPU)", code=2)
    files = [*(file or []), *shlex.split(getattr(c, "remainder", "") or "")]
    with guarded():
        cfg = settings(engine=engine)
        part = shards.parse(shard) if shard else None
        default = f"pgtap-shard-{part[0]}-of-{part[1]}.xml" if part else "pgtap.xml"
        hook = None if no_lint else (lambda report: _finish_lint(cfg, report, False, None))
        outcome = testrun.run(
            cfg, files=files or None, jobs=jobs or os.cpu_count() or 1, keep=keep, report=say,
            junit_path=_report_path(junit, cfg.reports_dir / "junit" / default),
            on_result=lambda r: [say(line) for line in console.file_report(r)], lint_hook=hook,
            junit_family=junit_family, shard=part,
            coverage=(coverage or cfg.coverage.required is not None) and not files and not part)
        bar = cfg.coverage.required if cfg.coverage.required is not None else 100.0
        if outcome.coverage is not None:
            say(coverage_check.lines(outcome.coverage, bar)[-1])
            for fact in outcome.coverage.unpinned:
                say(f"  UNPINNED {fact.id}: no assertion pins it (invoke scaffold-tests VERSION writes one)")
        for line in console.test_summary(outcome):
            say(line)
        short = outcome.coverage is not None and coverage_check.below(outcome.coverage, bar)
        if not outcome.totals.ok or short:
            raise Exit(code=1)


@task(help={"strict": "fail on warnings too, not only on errors", "engine": ENGINE,
            "junit": "JUnit XML path (default: reports/junit/lint.xml)"})
def lint(c, strict=False, engine=None, junit=None):
    """squawk on every migration and rollback, and Supabase security checks on the migrated schema."""
    from dbharness import lint as lint_mod

    with guarded():
        cfg = settings(engine=engine)
        _finish_lint(cfg, lint_mod.run(cfg, cfg.engine, say), strict, junit)


def _finish_lint(cfg: config.Settings, report: Any, strict: bool, junit: str | None) -> None:
    """Print the findings, write lint.xml, and fail on errors (or warnings with strict)."""
    from dbharness import junit as junit_mod

    for line in console.lint_lines(report):
        say(line)
    path = junit_mod.write(_report_path(junit, cfg.reports_dir / "junit" / "lint.xml"),
                           [junit_mod.lint_suite(report)])
    say(f"JUnit: {path}")
    if report.failed(strict):
        raise Exit(console.lint_failure(strict), code=1)


@task(help={"from": "check only the migrations with this version and newer",
            "only": "check only the migration with this version", "engine": ENGINE,
            "junit": "JUnit XML path (default: reports/junit/rollback.xml)"})
def rollback_check(c, from_=None, only=None, engine=None, junit=None):
    """Prove that every rollback restores the schema exactly and loses no pre-existing data."""
    from dbharness import junit as junit_mod
    from dbharness import rollback_check as check

    with guarded():
        cfg = settings(engine=engine)
        result = check.check(cfg, from_version=from_, only=only, report=say)
        path = junit_mod.write(_report_path(junit, cfg.reports_dir / "junit" / "rollback.xml"),
                               [junit_mod.rollback_suite(result)])
        say(f"JUnit: {path}")
        for line in console.rollback_summary(result):
            say(line)
        if result.failed:
            raise Exit(code=1)


@task(help={"env": "environment name, e.g. staging or production"})
def status(c, env):
    """Show each local migration as applied or pending in an environment, and any drift."""
    from dbharness.deploy.inspect import environment_status

    with guarded():
        target, st = environment_status(settings(), env)
        for line in console.status_lines(target, st):
            say(line)
        if st.problems:
            raise Exit("status: " + "; ".join(st.problems), code=1)


@task(help={"env": "environment to promote to (staging first, then production)",
            "dry-run": "show the plan and the lint findings, change nothing", "yes": YES,
            "to": "apply pending migrations up to and including this version",
            "skip-tests": "do not run invoke test first (refused for production)",
            "engine": "engine of the invoke test gate: " + ENGINE})
def promote(c, env, dry_run=False, yes=False, to=None, skip_tests=False, engine=None):
    """Apply pending migrations to an environment, after invoke test, in order, staging first."""
    from dbharness.deploy.promote import promote as run_promote

    with guarded("what was applied before the interruption is listed in the report"):
        cfg = settings(engine=engine)
        path = cfg.reports_dir / "junit" / f"promote-{env}.xml"
        try:
            result = run_promote(cfg, env, dry_run=dry_run, yes=yes, to=to, skip_tests=skip_tests,
                                 ask=_ask(), report=say, junit_path=path)
        finally:
            say(f"JUnit: {path}")
        if result.failed:
            raise MigrationError(result.failed.failure or result.failed.stem)


@task(help={"env": "environment to roll back", "yes": YES,
            "to": "the version to return to (every applied version newer than it is rolled back)"})
def rollback(c, env, to, yes=False):
    """Apply the rollbacks of every applied version newer than --to, newest first."""
    from dbharness.deploy.rollback import rollback as run_rollback

    with guarded("each file rolled back before the interruption stays rolled back; run status"):
        done = run_rollback(settings(), env, to, yes=yes, ask=_ask(), report=say)
        say(f"rolled back {len(done)} migration(s) on {env}")


@task(help={"quick": "reduced run (100k rows, 3 runs) that finishes within about a minute",
            "engine": ENGINE, "output": "JSON report path (default: reports/bench.json)"})
def bench(c, quick=False, engine=None, output=None):
    """Measure the harness against pg_prove, and the migrations' locks against a naive variant."""
    from dbharness import bench as bench_mod

    with guarded():
        cfg = settings(engine=engine)
        result = bench_mod.run_all(cfg, cfg.engine, quick, say)
        say("")
        for line in bench_mod.table(result):
            say(line)
        say(f"report: {bench_mod.write_report(_report_path(output, cfg.reports_dir / 'bench.json'), result)}")


@task(help={"junit": "JUnit XML path (default: reports/junit/coverage.xml)",
            "required": "lowest coverage allowed, in percent (default: the setting's required, or 100)"})
def coverage(c, junit=None, required=None):
    """Schema coverage: every column, default, key, index, check, policy and privilege pinned by the suite."""
    from dbharness import coverage_check

    with guarded():
        cfg = settings()
        bar = float(required) if required is not None else (cfg.coverage.required or 100.0)
        path = _report_path(junit, cfg.reports_dir / "junit" / "coverage.xml")
        cov = coverage_check.run(cfg, say, path)
        for line in coverage_check.lines(cov, bar):
            say(line)
        say(f"JUnit: {path}")
        if coverage_check.below(cov, bar):
            raise Exit(code=1)


@task(help={"directory": "where to write the file (default: pgtap/)"})
def scaffold_tests(c, version, directory=None):
    """Write a pgTAP file pinning everything migration VERSION adds or changes (never overwrites)."""
    from dbharness.scaffold import scaffold

    with guarded():
        done = scaffold(settings(), version, say, Path(directory) if directory else None)
        say(f"wrote {done.path}: {done.facts} facts pinned; add the behaviour tests its TODOs describe")


@task(help={"junit": "JUnit XML path (default: reports/junit/cli.xml)"})
def cli_check(c, junit=None):
    """The real Supabase CLI builds a throwaway database (db reset, db push); the pgTAP suite runs on it."""
    from dbharness import cli_check as cli

    with guarded():
        cfg = settings()
        path = _report_path(junit, cfg.reports_dir / "junit" / "cli.xml")
        result = cli.check(cfg, say, path)
        for r in result.results:
            for line in console.file_lines(r):
                say(line)
        say(f"JUnit: {path}")
        say(result.totals.line())
        if not result.ok:
            raise Exit(code=1)


@task(help={"bar": "the lowest score allowed for any module, in percent (default 90)",
            "rerun": "reuse mutants/ from the last run instead of starting afresh"})
def mutation(c, bar=90.0, rerun=False):
    """Mutation testing (mutmut) of the pure modules with the unit tests: a score per module, survivors."""
    import shutil

    from dbharness import mutation as mut

    with guarded():
        root = settings().root
        if not rerun:
            shutil.rmtree(root / "mutants", ignore_errors=True)
        mut.run_mutmut(root, say)
        report = mut.lines(mut.scores(root), float(bar))
        for line in report:
            say(line)
        if report[-1].startswith("mutation: below"):
            raise Exit(code=1)


@task
def clean(c):
    """Remove servers and containers left by --keep or a killed run, the template cache, and reports/."""
    from dbharness.cleanup import clean_all

    with guarded():
        clean_all(settings().reports_dir, say)
