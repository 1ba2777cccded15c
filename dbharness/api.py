"""The public API: one typed function per verb, taking the project's frozen `Settings` and returning
the verb's result object; the `dbharness` command, the invoke tasks and the pytest plugin are made of
these calls. Errors cross it as `HarnessError` children, each with its own exit code
(`dbharness.errors.EXIT_CODES`); nothing here prints, except through the `report` callback.

    from dbharness import api

    settings = api.settings("path/to/project")
    outcome = api.test(settings)
    print(outcome.ok, outcome.totals.line())
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dbharness import config, project_files
from dbharness.config import CompareIgnore, Settings
from dbharness.errors import ConfigError
from dbharness.progress import Progress, quiet

if TYPE_CHECKING:  # each verb imports what it runs, so a run imports only what it uses
    from dbharness.compare import CompareResult
    from dbharness.coverage.pins import Coverage
    from dbharness.deploy.plan import Ask, Status
    from dbharness.deploy.promote import PromoteResult
    from dbharness.environments import Target
    from dbharness.lint.checks import LintReport
    from dbharness.rollback_check import RollbackCheckResult
    from dbharness.suite.tapresults import FileResult
    from dbharness.testrun import TestOutcome
    from dbharness.tools.init import Initialized
    from dbharness.tools.scaffold import Scaffold

__all__ = ["CoverageResult", "EnvironmentStatus", "Settings", "clean", "compare", "coverage", "init", "lint",
           "promote", "rollback", "rollback_check", "scaffold_tests", "settings", "setup", "status", "test"]


def settings(root: Path | str | None = None, **overrides: object) -> Settings:
    """The settings of the project at root, or of the one the working directory lies in
    (DBHARNESS_ROOT names another): the nearest folder upwards holding supabase/config.toml, as the
    Supabase CLI finds its project. overrides (engine=...) win over the project's settings."""
    if root is None:
        given = os.environ.get("DBHARNESS_ROOT")
        root = Path(given) if given else project_files.project_root(Path.cwd())
    return config.load(Path(root), None, **overrides)


def setup(settings: Settings, *, pg_bindir: str | None = None, report: Progress = quiet) -> Path:
    """Check, and install where it may, everything the local engine needs; returns the directory
    of the PostgreSQL server binaries it found."""
    from dbharness.tools import setup as setup_tool

    return setup_tool.check(pg_bindir or settings.pg_bindir, report, settings).bindir


def test(settings: Settings, *, files: list[str] | None = None, jobs: int | None = None,
         keep: bool = False, shard: str | None = None, coverage: bool = False, lint: bool = True,
         report: Progress = quiet, on_result: Callable[[FileResult], None] | None = None,
         on_lint: Callable[[LintReport], None] | None = None) -> TestOutcome:
    """A throwaway server, every migration, the seed, the pgTAP suite (and lint first, and the
    schema coverage when asked or when the settings set a bar); see TestOutcome.ok."""
    from dbharness import testrun
    from dbharness.suite import shards


    if jobs is not None and jobs < 1:
        raise ConfigError("--jobs must be 1 or more (leave it out for one per CPU)")
    part = shards.parse(shard) if shard else None
    measure = (coverage or settings.coverage.required is not None) and not files and not part
    return testrun.run(settings, files=files or None, jobs=jobs or os.cpu_count() or 1, keep=keep,
                       report=report, on_result=on_result, lint=lint, on_lint=on_lint, shard=part,
                       coverage=measure)


def lint(settings: Settings, *, report: Progress = quiet) -> LintReport:
    """squawk on every migration and rollback, the Supabase security checks on the migrated
    schema; see LintReport.failed."""
    from dbharness.lint import checks as lint_checks


    return lint_checks.run(settings, settings.engine, report)


def rollback_check(settings: Settings, *, from_version: str | None = None, only: str | None = None,
                   report: Progress = quiet) -> RollbackCheckResult:
    """Prove that every rollback (or those from from_version, or only one) restores the schema
    and keeps the rows that were there; see RollbackCheckResult.failed."""
    from dbharness import rollback_check as rollback_checks


    return rollback_checks.check(settings, from_version=from_version, only=only, report=report)


def compare(settings: Settings, a: str, b: str, *, ignore: Iterable[str | CompareIgnore] = (),
            report: Progress = quiet) -> CompareResult:
    """Build (or read, for env:NAME) both sides, each one of migrations, migrations@VERSION, a
    folder of SQL files or env:NAME, and compare everything a Supabase project can change; ignore
    (and the settings' [compare] ignore) takes known differences. See CompareResult.failed."""
    from dbharness import compare as comparison

    return comparison.compare(settings, a, b, ignore=ignore, report=report)


@dataclass(frozen=True)
class CoverageResult:
    """The schema's facts against the suite's assertions, and the bar they are held to."""

    coverage: Coverage
    bar: float | None

    @property
    def ok(self) -> bool:
        """True when no bar is set or coverage reaches it."""
        return self.bar is None or self.coverage.percent >= self.bar


def coverage(settings: Settings, *, required: float | None = None,
             report: Progress = quiet) -> CoverageResult:
    """Which facts of the migrated schema the pgTAP files pin; required (else the settings' bar,
    else none) is the bar."""
    from dbharness.coverage import check as coverage_checks


    bar = required if required is not None else settings.coverage.bar
    return CoverageResult(coverage_checks.run(settings, report), bar)


def scaffold_tests(settings: Settings, version: str, *, directory: Path | None = None,
                   report: Progress = quiet) -> Scaffold:
    """Write a pgTAP file pinning what migration `version` adds or changes, where the project's
    tests are (never overwrites a file)."""
    from dbharness.tools.scaffold import scaffold

    return scaffold(settings, version, report, directory)


@dataclass(frozen=True)
class EnvironmentStatus:
    """An environment (its URL always redacted) and each migration as applied or pending there."""

    target: Target
    status: Status

    @property
    def ok(self) -> bool:
        """No drift, and no pending version older than the newest applied one."""
        return not self.status.problems


def status(settings: Settings, env: str) -> EnvironmentStatus:
    """Read an environment's history (never writes) against the repository's migrations."""
    from dbharness.deploy.status import environment_status


    return EnvironmentStatus(*environment_status(settings, env))


def promote(settings: Settings, env: str, *, dry_run: bool = False, yes: bool = False,
            to: str | None = None, skip_tests: bool = False, ask: Ask | None = None,
            report: Progress = quiet) -> PromoteResult:
    """dbharness test first, then every pending migration up to `to`, in order, on env; see
    PromoteResult.exit_code. ask (a prompt) confirms production; without it, yes must be given."""
    from dbharness.deploy import promote as promotion



    return promotion.promote(settings, env, dry_run=dry_run, yes=yes, to=to, skip_tests=skip_tests,
                             ask=ask, report=report)


def rollback(settings: Settings, env: str, to: str, *, yes: bool = False, ask: Ask | None = None,
             report: Progress = quiet) -> list[str]:
    """Apply the rollbacks of every version applied on env after `to`, newest first; returns the
    files rolled back."""
    from dbharness.deploy import rollback as environment_rollback


    return environment_rollback.rollback(settings, env, to, yes=yes, ask=ask, report=report)


def clean(settings: Settings, *, everything: bool = False, report: Progress = quiet) -> int:
    """Remove what this user's runs left (servers, containers) and this project's kept builds
    (everything: every project's); returns how many servers were removed."""
    from dbharness.tools.cleanup import clean_all

    return clean_all(settings, everything, report)


def init(root: Path | str, *, report: Progress = quiet) -> Initialized:
    """Write a commented dbharness.toml with every setting at its default beside
    supabase/config.toml, and add reports/ to .gitignore; never overwrites."""
    from dbharness.tools import init as init_tool


    return init_tool.write(Path(root), report)
