"""invoke tasks: thin wrappers over dbharness; the only place that prints and picks exit codes."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from dbharness import config, console, testrun  # noqa: E402
from dbharness.errors import HarnessError  # noqa: E402

_OUTPUT = threading.Lock()


def say(message: str) -> None:
    """Print a line at once, whole even when pgTAP workers report at the same time."""
    with _OUTPUT:
        sys.stdout.write(message + "\n")
        sys.stdout.flush()


def _sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


@contextmanager
def guarded() -> Iterator[None]:
    """Turn HarnessError into a message and exit code; SIGTERM and Ctrl-C clean up first."""
    previous = signal.signal(signal.SIGTERM, _sigterm)
    try:
        yield
    except HarnessError as exc:
        raise Exit(f"error: {exc}", code=exc.exit_code) from None
    except KeyboardInterrupt:
        raise Exit("interrupted: every started server was stopped and removed", code=130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def settings(**overrides: Any) -> config.Settings:
    """The project's settings, read now."""
    return config.load(os.environ.get("DBHARNESS_ROOT") or ROOT, **overrides)


def _jobs(jobs: int) -> int:
    if jobs < 0:
        raise Exit("error: --jobs must be 1 or more (0 means one per CPU)", code=2)
    return jobs or os.cpu_count() or 1


def _print_result(result: Any) -> None:
    say(console.file_line(result))
    for line in console.failure_details(result):
        say(line)


@task(help={"pg-bindir": "directory holding initdb/postgres (default: searched)"})
def setup(c, pg_bindir=None):
    """Check prerequisites; as root on Debian/Ubuntu install pgTAP for the local PostgreSQL."""
    from dbharness import setup as setup_mod

    with guarded():
        setup_mod.check(pg_bindir or settings().pg_bindir, say)
        say("setup: all prerequisites present")


@task(
    iterable=["file"],
    help={
        "file": "a pgTAP file to run (repeatable); or list files after '--' "
                "(default: every pgtap/**/*.test.sql)",
        "engine": "local (default), docker, or auto",
        "jobs": "pgTAP files run in parallel (default 0: one per CPU)",
        "junit": "JUnit XML path (default: reports/junit/pgtap.xml)",
        "keep": "leave the server running and print its connection string",
        "no-lint": "skip invoke lint before the tests",
    },
)
def test(c, file=None, engine=None, jobs=0, junit=None, keep=False, no_lint=False):
    """Start a throwaway PostgreSQL, apply every migration, run the pgTAP suite, write JUnit.

    Run chosen files with: invoke test -- pgtap/some.test.sql [more files]
    """
    files = [*(file or []), *shlex.split(getattr(c, "remainder", "") or "")]
    with guarded():
        cfg = settings(engine=engine)
        started = time.perf_counter()
        lint_hook = None if no_lint else (lambda report: _finish_lint(cfg, report, False, None))
        outcome = testrun.run(
            cfg, engine=cfg.engine, files=files or None,
            jobs=_jobs(jobs), junit_path=Path(junit) if junit else cfg.reports_dir / "junit" / "pgtap.xml",
            keep=keep, report=say, on_result=_print_result, lint_hook=lint_hook)
        elapsed = time.perf_counter() - started
        say(f"JUnit: {outcome.junit_path}")
        say(f"phases: {console.phase_table(outcome.phases.seconds)}")
        for line in console.summary(outcome.totals, len(outcome.results), elapsed):
            say(line)
        if not outcome.totals.ok:
            raise Exit(code=1)


@task(help={
    "strict": "fail on warnings too, not only on errors",
    "engine": "local (default), docker, or auto",
    "junit": "JUnit XML path (default: reports/junit/lint.xml)",
})
def lint(c, strict=False, engine=None, junit=None):
    """squawk on every migration and rollback, and Supabase security checks on the migrated schema."""
    from dbharness import lint as lint_mod

    with guarded():
        cfg = settings(engine=engine)
        report = lint_mod.run(cfg, cfg.engine, say)
        _finish_lint(cfg, report, strict, junit)


def _finish_lint(cfg: config.Settings, report: Any, strict: bool, junit: str | None) -> None:
    """Print the findings, write lint.xml, and fail on errors (or warnings with strict)."""
    from dbharness import lint as lint_mod

    for line in lint_mod.console_lines(report):
        say(line)
    path = lint_mod.write_junit(Path(junit) if junit else cfg.reports_dir / "junit" / "lint.xml", report)
    say(f"JUnit: {path}")
    if report.failed(strict):
        what = "errors or warnings (--strict)" if strict else "errors"
        raise Exit(f"lint failed: fix the {what} above, or declare a justified exception "
                   "in [tool.dbharness.lint] of pyproject.toml", code=1)


@task(help={
    "from": "check only the migrations with this version and newer",
    "only": "check only the migration with this version",
    "engine": "local (default), docker, or auto",
    "junit": "JUnit XML path (default: reports/junit/rollback.xml)",
})
def rollback_check(c, from_=None, only=None, engine=None, junit=None):
    """Prove that every rollback restores the schema exactly and loses no pre-existing data."""
    from dbharness import junit as junit_mod
    from dbharness import rollback

    with guarded():
        cfg = settings(engine=engine)
        started = time.perf_counter()
        checks = rollback.check(cfg, cfg.engine, from_version=from_, only=only, report=say)
        path = Path(junit) if junit else cfg.reports_dir / "junit" / "rollback.xml"
        junit_mod.write(path, [junit_mod.check_suite("rollback-check", checks)])
        bad = rollback.failed(checks)
        skipped = sum(1 for ch in checks if ch.skipped)
        say(f"JUnit: {path}")
        say(f"rollback-check in {time.perf_counter() - started:.2f}s")
        say(f"{len(checks) - len(bad) - skipped} passed, {len(bad)} failed"
            + (f", {skipped} skipped" if skipped else ""))
        if bad:
            raise Exit(code=1)


def _confirm_on_terminal() -> Any:
    """A prompt when a person is at a terminal; None (so: refuse without --yes) otherwise."""
    if not sys.stdin.isatty():
        return None

    def ask(question: str) -> bool:
        return input(question).strip() in ("yes", "production", "y")

    return ask


@task(help={"env": "environment name, e.g. staging or production"})
def status(c, env):
    """Show each local migration as applied or pending in an environment, and any drift."""
    from dbharness import promote
    from dbharness.environments import resolve
    from dbharness.migrations import discover

    with guarded():
        cfg = settings()
        target = resolve(cfg, env)
        with target.connect() as conn:
            st = promote.status(conn, discover(cfg.migrations_dir))
        say(f"{target}")
        for f in st.applied:
            say(f"  applied  {f.stem}")
        for f in st.pending:
            say(f"  pending  {f.stem}")
        for r in st.drift:
            say(f"  DRIFT    {r.version}_{r.name or '?'} (in the database, not in the repository)")
        say(f"{len(st.applied)} applied, {len(st.pending)} pending, {len(st.drift)} drift")


@task(help={
    "env": "environment to promote to (staging first, then production)",
    "dry-run": "show the plan and the lint findings, change nothing",
    "yes": "do not ask for confirmation (production asks otherwise)",
    "to": "apply pending migrations up to and including this version",
    "skip-tests": "do not run invoke test first (refused for production)",
    "engine": "engine of the invoke test gate: local (default), docker, auto",
})
def promote(c, env, dry_run=False, yes=False, to=None, skip_tests=False, engine=None):
    """Apply pending migrations to an environment, after invoke test, in order, staging first."""
    from dbharness import junit as junit_mod
    from dbharness import shipping

    with guarded():
        cfg = settings(engine=engine)
        checks: list = []
        try:
            checks = shipping.run_promote(
                cfg, env, dry_run=dry_run, yes=yes, to=to, skip_tests=skip_tests,
                confirm=_confirm_on_terminal(), report=say,
                gate=lambda: shipping.tests_gate(cfg, cfg.engine, say))
        except HarnessError as exc:
            checks = [*getattr(exc, "checks", []), junit_mod.Check("promotion", f"promote.{env}",
                                                                   failure=str(exc))]
            raise
        finally:
            path = junit_mod.write(shipping.junit_path(cfg, env),
                                   [junit_mod.check_suite(f"promote-{env}", checks)])
            say(f"JUnit: {path}")


@task(help={
    "env": "environment to roll back",
    "to": "the version to return to (every applied version newer than it is rolled back)",
    "yes": "do not ask for confirmation (production asks otherwise)",
})
def rollback(c, env, to, yes=False):
    """Apply the rollbacks of every applied version newer than --to, newest first."""
    from dbharness import shipping

    with guarded():
        count = shipping.run_rollback(settings(), env, to, yes=yes, confirm=_confirm_on_terminal(),
                                      report=say)
        say(f"rolled back {count} migration(s) on {env}")


@task(help={
    "quick": "reduced run (100k rows, 3 runs) that finishes within about a minute",
    "engine": "local (default), docker, or auto",
    "output": "JSON report path (default: reports/bench.json)",
})
def bench(c, quick=False, engine=None, output=None):
    """Measure the harness against pg_prove, and the MT5 migrations' locks against a naive variant."""
    import json

    from dbharness import bench as bench_mod

    with guarded():
        cfg = settings(engine=engine)
        result = bench_mod.run_all(cfg, cfg.engine, quick, say)
        say("")
        for line in bench_mod.table(result):
            say(line)
        path = Path(output) if output else cfg.reports_dir / "bench.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2) + "\n")
        say(f"report: {path}")


@task
def clean(c):
    """Remove servers and containers left by --keep or a killed run, and delete reports/."""
    import shutil

    from dbharness.engines.docker import clean_containers
    from dbharness.engines.local import clean_leftovers

    with guarded():
        from dbharness.engines import template

        count = clean_leftovers(say) + clean_containers(say)
        say(f"removed {template.clear()} cached cluster template(s) from {template.cache_root()}")
        reports = settings().reports_dir
        if reports.exists():
            shutil.rmtree(reports)
            say(f"removed {reports}")
        say(f"clean: {count} leftover server(s) removed")


