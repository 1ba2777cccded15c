"""The `invoke test` pipeline: lint, a fresh database, the pgTAP files, JUnit; timed by phase."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbharness import database, junit, lint, pgtap
from dbharness.apply import Report
from dbharness.config import Settings
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

    __test__ = False


def run(settings: Settings, *, engine: str | None = None, files: list[str] | None = None, jobs: int,
        junit_path: Path, keep: bool = False, report: Report = print,
        on_result: Callable[[FileResult], None] | None = None,
        lint_hook: Callable[[LintReport], None] | None = None,
        make_engine: Callable[..., Any] | None = None) -> TestOutcome:
    """Build a fresh database, run the pgTAP files on it, write JUnit; the server is always removed.

    With lint_hook, squawk runs before the server starts and the security checks once the
    database is built; the hook sees the report first and may stop the run before pgTAP.
    """
    started = time.perf_counter()
    phases = Phases()
    paths = pgtap.discover(settings.root, settings.pgtap_patterns, files)
    if not paths:
        raise TestRunError("no pgTAP file found (searched " + ", ".join(settings.pgtap_patterns)
                           + f" in {settings.root}); write one, or set test_paths in [tool.dbharness]")
    linted = None
    if lint_hook is not None:
        with phases.timed("lint"):
            linted = lint.lint_files(settings)
    with database.fresh(settings, engine=engine, report=report, keep=keep, phases=phases,
                        make=make_engine) as ready:
        conninfo = ready.server.conninfo()
        if lint_hook is not None and linted is not None:
            with phases.timed("lint"), database.connect(conninfo) as conn:
                lint_hook(lint.build_report(settings, linted[0], linted[1], lint.lint_database(conn)))
        with phases.timed("pgtap"):
            results = pgtap.run_files(conninfo, paths, jobs, settings.test_timeout, on_result)
    with phases.timed("report"):
        junit.write_pgtap(junit_path, results)
    return TestOutcome(results, totals(results), junit_path, phases, time.perf_counter() - started)
