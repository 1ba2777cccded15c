"""The `invoke test` pipeline: lint, a fresh database, the pgTAP files, JUnit; timed by phase."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbharness import coverage_check, database, junit, lint, pgtap, shards, testfiles
from dbharness.apply import Report, display_path
from dbharness.config import Settings
from dbharness.coverage import Coverage
from dbharness.database import Phases
from dbharness.errors import TestRunError
from dbharness.lint import LintReport
from dbharness.tapresults import FileResult, Totals, totals


@dataclass
class TestOutcome:
    """What a test run produced."""

    results: list[FileResult]
    totals: Totals
    junit_path: Path
    phases: Phases
    seconds: float = 0.0
    coverage: Coverage | None = None

    __test__ = False


def select_shard(settings: Settings, files: list[testfiles.TestFile],
                 shard: tuple[int, int] | None) -> list[testfiles.TestFile]:
    """Every file, or the persistent ones plus the K-th part of the isolated ones."""
    if shard is None:
        return files
    k, n = shard
    isolated = [display_path(f.path) for f in files if not f.persistent]
    # the last unsharded run's report only: shard reports written meanwhile must not change the split
    seconds = shards.durations([settings.reports_dir / "junit" / "pgtap.xml"])
    mine = set(shards.assign(isolated, n, seconds)[k - 1])
    return [f for f in files if f.persistent or display_path(f.path) in mine]


def _keep(shard: tuple[int, int] | None, result: FileResult) -> bool:
    return shard is None or shard[0] == 1 or not result.persistent or not result.passed


def _reported(shard: tuple[int, int] | None,
              on_result: Callable[[FileResult], None] | None) -> Callable[[FileResult], None] | None:
    if on_result is None:
        return None
    return lambda r: on_result(r) if _keep(shard, r) else None


def run(settings: Settings, *, engine: str | None = None, files: list[str] | None = None, jobs: int,
        junit_path: Path, keep: bool = False, report: Report = print,
        on_result: Callable[[FileResult], None] | None = None,
        lint_hook: Callable[[LintReport], None] | None = None,
        make_engine: Callable[..., Any] | None = None, junit_family: str = "xunit2",
        shard: tuple[int, int] | None = None, coverage: bool = False) -> TestOutcome:
    """Build a fresh database, run the pgTAP files on it, write JUnit; the server is always removed.

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
            linted = lint.lint_files(settings)
    files = select_shard(settings, [testfiles.load(p) for p in paths], shard)
    with database.fresh(settings, engine=engine, report=report, keep=keep, phases=phases,
                        make=make_engine) as ready:
        conninfo = ready.server.conninfo()
        measured = None
        if coverage:
            with phases.timed("coverage"), database.connect(conninfo) as conn:
                measured = coverage_check.measure(conn, settings, files)
        if lint_hook is not None and linted is not None:
            with phases.timed("lint"), database.connect(conninfo) as conn:
                lint_hook(lint.build_report(settings, linted[0], linted[1], lint.lint_database(conn)))
        with phases.timed("pgtap"):
            results = pgtap.run_loaded(conninfo, files, jobs, settings.test_timeout,
                                       _reported(shard, on_result))
        results = [r for r in results if _keep(shard, r)]
    with phases.timed("report"):
        junit.write_pgtap(junit_path, results, junit_family, database.stubbed(settings))
    if measured is not None:
        junit.write(junit_path.with_name("coverage.xml"), [junit.coverage_suite(measured)])
    return TestOutcome(results, totals(results), junit_path, phases, time.perf_counter() - started, measured)
