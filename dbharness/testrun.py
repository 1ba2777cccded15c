"""The `dbharness test` pipeline: lint, a fresh database, the pgTAP files, JUnit; timed by phase."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dbharness.builder import database, loaded
from dbharness.builder.database import Phases
from dbharness.config import Settings
from dbharness.errors import TestRunError
from dbharness.progress import Progress, quiet
from dbharness.suite import durations, pgtap, testfiles
from dbharness.suite.tapresults import FileResult, Totals, totals
from dbharness.words import plural

if TYPE_CHECKING:  # imported where a run uses them: lint, coverage and shards are each optional
    from dbharness.coverage.pins import Coverage
    from dbharness.lint.checks import LintReport


@dataclass
class TestOutcome:
    """What a test run produced: each file's result, the lint report (when lint ran), the schema
    coverage (when measured) against its bar, and why the suite did not run, if it did not."""

    results: list[FileResult]
    totals: Totals
    phases: Phases
    seconds: float = 0.0
    coverage: Coverage | None = None
    stubbed: list[tuple[str, str]] = field(default_factory=list)  # (extension, file:line) skipped
    lint: LintReport | None = None
    stopped: str | None = None  # lint found errors: the pgTAP files did not run
    coverage_bar: float | None = None
    notes: list[str] = field(default_factory=list)  # the warnings the build said (kept with it)

    __test__ = False

    @property
    def coverage_short(self) -> bool:
        """True when coverage was measured against a bar and is under it."""
        bar = self.coverage_bar
        return self.coverage is not None and bar is not None and self.coverage.percent < bar

    @property
    def ok(self) -> bool:
        """True when lint let the suite run, every file passed and coverage reached its bar."""
        return self.stopped is None and self.totals.ok and not self.coverage_short


def select_shard(settings: Settings, files: list[testfiles.TestFile],
                 shard: tuple[int, int] | None) -> list[testfiles.TestFile]:
    """Every file, or the persistent ones plus the K-th part of the isolated ones."""
    if shard is None:
        return files
    from dbharness.suite import shards

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
        keep: bool = False, report: Progress = quiet,
        on_result: Callable[[FileResult], None] | None = None, lint: bool = False,
        on_lint: Callable[[LintReport], None] | None = None,
        make_engine: Callable[..., Any] | None = None,
        shard: tuple[int, int] | None = None, coverage: bool = False) -> TestOutcome:
    """Build a fresh database and run the pgTAP files on it; the server is always removed.

    With shard (K, N), only the K-th of N balanced parts of the isolated files runs; files with
    persistent effects run in every shard (the others need them) and are reported in shard 1
    only (elsewhere only when they fail), so the shards' reports add up to an unsharded run.

    With lint, squawk runs before the server starts and the security checks once the database is
    built; on_lint sees the report as soon as it is whole, and errors stop the run before pgTAP.
    """
    started = time.perf_counter()
    phases = Phases()
    paths = testfiles.discover(settings.root, settings.pgtap_patterns, files)
    if not paths:
        raise TestRunError("no pgTAP file found (searched " + ", ".join(settings.pgtap_patterns)
                           + f" in {settings.root}); write one (supabase test new NAME), or set "
                           f"test_paths in {settings.where()}")
    linted = None
    if lint:
        from dbharness.lint import checks

        with phases.timed("lint"):
            linted = checks.lint_files(settings)
    chosen = select_shard(settings, [loaded.load(settings.storage, p, settings.root) for p in paths], shard)
    outcome = TestOutcome([], totals([]), phases, coverage_bar=settings.coverage.bar)
    with database.fresh(settings, engine=engine, report=report, keep=keep, phases=phases,
                        make=make_engine) as ready:
        conninfo = ready.server.conninfo()
        if coverage:
            from dbharness.coverage import check as coverage_check

            with phases.timed("coverage"), database.connect(conninfo) as conn:
                outcome.coverage = coverage_check.measure(conn, settings, chosen, ready.key)
        if linted is not None:
            with phases.timed("lint"), database.connect(conninfo) as conn:
                found = checks.lint_database(conn, ready.key, settings.storage)
                outcome.lint = checks.build_report(settings, linted[0], linted[1], found)
            if on_lint is not None:
                on_lint(outcome.lint)
            if outcome.lint.failed(strict=False):
                outcome.stopped = f"lint found {plural(outcome.lint.count('error'), 'error')}"
        if outcome.stopped is None:
            with phases.timed("pgtap"):
                known = durations.load(settings.storage)
                outcome.results = pgtap.run_loaded(conninfo, chosen, jobs, settings.test_timeout,
                                                   _reported(shard, on_result), ready.engine.check_alive,
                                                   expected=known)
                ran = zip(chosen, outcome.results, strict=True)
                durations.save(settings.storage, known, [(str(f.path), r.seconds) for f, r in ran])
        outcome.results = [r for r in outcome.results if _keep(shard, r)]
        outcome.notes, outcome.stubbed = list(ready.notes), ready.stubbed
    outcome.totals = totals(outcome.results)
    outcome.seconds = time.perf_counter() - started
    return outcome

