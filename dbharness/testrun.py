"""The `invoke test` pipeline: engine, compat, migrations, pgTAP, JUnit; timed by phase."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from dbharness import bootstrap, junit, lint, pgtap
from dbharness.apply import Report
from dbharness.config import Settings
from dbharness.engines import Server
from dbharness.engines import make_engine as default_engine
from dbharness.errors import HarnessError
from dbharness.lint import LintReport
from dbharness.tapresults import FileResult, Totals, totals


@dataclass
class Phases:
    """Seconds spent per phase, in the order they ran."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


@dataclass
class TestOutcome:
    """What a test run produced."""

    results: list[FileResult]
    totals: Totals
    junit_path: Path
    phases: Phases

    __test__ = False


def run(settings: Settings, *, engine: str, files: list[str] | None, jobs: int,
        junit_path: Path, keep: bool = False, report: Report = print,
        on_result: Callable[[FileResult], None] | None = None,
        lint_hook: Callable[[LintReport], None] | None = None,
        make_engine: Callable[..., Any] | None = None) -> TestOutcome:
    """Start a server, migrate it, run the pgTAP files, write JUnit; the server is always removed.

    With lint_hook, squawk runs before the server starts and the security checks right after the
    migrations; the hook sees the report first and may stop the run before pgTAP.
    """
    phases = Phases()
    paths = pgtap.discover(settings.pgtap_dir, files)
    linted = None
    if lint_hook is not None:
        with phases.timed("lint"):
            linted = lint.lint_files(settings)
    eng = (make_engine or default_engine)(engine, settings, report)
    with ExitStack() as stack:
        with phases.timed("server start"):
            server = stack.enter_context(eng.running(keep=keep))
        try:
            results = _migrate_and_test(settings, server, paths, jobs, phases, report, on_result,
                                        _lint_step(settings, linted, lint_hook))
        except HarnessError:
            check_alive(eng)
            raise
        check_alive(eng)
        with phases.timed("server stop"):
            stack.close()
    with phases.timed("report"):
        junit.write_pgtap(junit_path, results)
    return TestOutcome(results, totals(results), junit_path, phases)


def check_alive(eng: object) -> None:
    """Turn a failure caused by a dead server into an EngineError that says so."""
    probe = getattr(eng, "check_alive", None)
    if probe is not None:
        probe()


def _lint_step(settings: Settings, linted: tuple[list, list[str]] | None,
               hook: Callable[[LintReport], None] | None) -> Callable[[psycopg.Connection], None] | None:
    if hook is None or linted is None:
        return None

    def step(conn: psycopg.Connection) -> None:
        hook(lint.build_report(settings, linted[0], linted[1], lint.lint_database(conn)))

    return step


def _migrate_and_test(settings: Settings, server: Server, paths: list[Path], jobs: int,
                      phases: Phases, report: Report,
                      on_result: Callable[[FileResult], None] | None,
                      lint_step: Callable[[psycopg.Connection], None] | None) -> list[FileResult]:
    with bootstrap.connect(server.conninfo()) as conn:
        with phases.timed("compat"):
            bootstrap.install_compat(conn)
        with phases.timed("migrations"):
            bootstrap.migrate_and_seed(conn, settings, report)
        if lint_step is not None:
            with phases.timed("lint"):
                lint_step(conn)
        with phases.timed("pgtap setup"):
            pgtap.prepare(conn, settings.pgtap_setup_dir, server.version)
    with phases.timed("pgtap"):
        results = pgtap.run_files(server.conninfo(), paths, jobs, settings.test_timeout, on_result)
    return results
