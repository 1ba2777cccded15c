"""The `dbharness test` pipeline: lint, a fresh database, the pgTAP files, JUnit; timed by phase."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dbharness.builder import database, loaded
from dbharness.builder.database import Phases
from dbharness.config import Settings
from dbharness.coverage import check as coverage_check
from dbharness.coverage.pins import Coverage
from dbharness.errors import TestRunError
from dbharness.lint import checks
from dbharness.lint.checks import LintReport
from dbharness.progress import Progress
from dbharness.suite import pgtap, shards, testfiles
from dbharness.suite.tapresults import FileResult, Totals, totals


@dataclass
class TestOutcome:
    """What a test run produced."""

    results: list[FileResult]
    totals: Totals
    phases: Phases
    seconds: float = 0.0
    coverage: Coverage | None = None
    stubbed: list[tuple[str, str]] = field(default_factory=list)  # (extension, file:line) skipped

    __test__ = False


def select_shard(settings: Settings, files: list[testfiles.TestFile],
                 shard: tuple[int, int] | None) -> list[testfiles.TestFile]:
    """Every file, or the persistent ones plus the K-th part of the isolated ones."""
    if shard is None:
        return files
    k, n = shard
    isolated = [f.shown for f in files if not f.persistent]
    # the last unsharded run's report only: shard reports written meanwhile must not change the split
    seconds = shards.durations([settings.reports_dir / "junit" / "pgtap.xml"])
    mine = set(shards.assign(isolated, n, seconds)[k - 1])
    return [f for f in files if f.persistent or f.shown in mine]


def _keep(shard: tuple[int, int] | None, result: FileResult) -> bool:
    return shard is None or shard[0] == 1 or not result.persistent or not result.passed


def _reported(shard: tuple[int, int] | None,
              on_result: Callable[[FileResult], None] | None) -> Callable[[FileResult], None] | None:
    if on_result is None:
        return None
    return lambda r: on_result(r) if _keep(shard, r) else None


def run(settings: Settings, *, engine: str | None = None, files: list[str] | None = None, jobs: int,
        keep: bool = False, report: Progress = print,
        on_result: Callable[[FileResult], None] | None = None,
        lint_hook: Callable[[LintReport], None] | None = None,
        make_engine: Callable[..., Any] | None = None,
        shard: tuple[int, int] | None = None, coverage: bool = False) -> TestOutcome:
    """Build a fresh database and run the pgTAP files on it; the server is always removed.

    With shard (K, N), only the K-th of N balanced parts of the isolated files runs; files with
    persistent effects run in every shard (the others need them) and are reported in shard 1
    only (elsewhere only when they fail), so the shards' reports add up to an unsharded run.

    With lint_hook, squawk runs before the server starts and the security checks once the
    database is built; the hook sees the report first and may stop the run before pgTAP.
    """
    started = time.perf_counter()
    phases = Phases()
    paths = testfiles.discover(settings.root, settings.pgtap_patterns, files)
    if not paths:
        raise TestRunError("no pgTAP file found (searched " + ", ".join(settings.pgtap_patterns)
                           + f" in {settings.root}); write one, or set test_paths in [tool.dbharness]")
    linted = None
    if lint_hook is not None:
        with phases.timed("lint"):
            linted = checks.lint_files(settings)
    files = select_shard(settings, [loaded.load(p, settings.root) for p in paths], shard)
    with database.fresh(settings, engine=engine, report=report, keep=keep, phases=phases,
                        make=make_engine) as ready:
        conninfo = ready.server.conninfo()
        measured = None
        if coverage:
            with phases.timed("coverage"), database.connect(conninfo) as conn:
                measured = coverage_check.measure(conn, settings, files, ready.key)
        if lint_hook is not None and linted is not None:
            with phases.timed("lint"), database.connect(conninfo) as conn:
                found = checks.lint_database(conn, ready.key)
                lint_hook(checks.build_report(settings, linted[0], linted[1], found))
        with phases.timed("pgtap"):
            alive = lambda: database.check_alive(ready.engine)  # noqa: E731
            results = pgtap.run_loaded(conninfo, files, jobs, settings.test_timeout,
                                       _reported(shard, on_result), alive)
        results = [r for r in results if _keep(shard, r)]
    return TestOutcome(results, totals(results), phases, time.perf_counter() - started, measured,
                       database.stubbed(settings))
