"""dbharness cli-check: the real Supabase CLI builds a throwaway database (db reset, then db push),
and the pgTAP suite runs on what it built: evidence for the schema from the CLI itself."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from dbharness.builder import database
from dbharness.config import Settings
from dbharness.errors import CheckFailed, HarnessError
from dbharness.hosted import supabase_cli
from dbharness.progress import Progress
from dbharness.steps import Step
from dbharness.suite import pgtap, testfiles
from dbharness.suite.tapresults import FileResult, Totals, totals

COMPAT_ONLY = database.Recipe(migrations=False, seed=False, pgtap=False)


@dataclass
class CliCheckResult:
    """The CLI's steps (name, seconds, failure) and the suite's results on what it built."""

    steps: list[Step] = field(default_factory=list)
    results: list[FileResult] = field(default_factory=list)

    @property
    def totals(self) -> Totals:
        """The suite's counts."""
        return totals(self.results)

    @property
    def ok(self) -> bool:
        """Every CLI step passed and so did the suite."""
        return not any(s.failure for s in self.steps) and self.totals.ok and bool(self.results)


def _step(result: CliCheckResult, name: str, root: Path, args: list[str], url: str, report: Progress,
          expect: str = "") -> bool:
    started = time.perf_counter()
    try:
        out = supabase_cli.run(root, args, url)
        if expect not in out.output:
            said = out.output.strip()[-1500:]
            raise CheckFailed(f"supabase {' '.join(args)} did not say {expect!r}:\n{said}")
        result.steps.append(Step(name, time.perf_counter() - started, output=out.output.strip()))
        report(f"  {name} ... ok")
        return True
    except HarnessError as exc:
        result.steps.append(Step(name, time.perf_counter() - started, failure=str(exc)))
        report(f"  {name} ... FAILED\n{exc}")
        return False


def check(settings: Settings, report: Progress, jobs: int = 2) -> CliCheckResult:
    """A throwaway server with Supabase's roles and schemas; the CLI resets it (migrations and
    seed) and pushes (nothing left to apply); then pgTAP and the suite."""
    root = settings.root
    supabase_cli.require(root)
    result = CliCheckResult()
    with database.fresh(settings, COMPAT_ONLY, report=report) as ready:
        server = ready.server
        url = server.url(redact=False)  # with sslmode=disable: the server has no TLS
        # The cached template has pgTAP; the CLI's reset (run as postgres) drops it, as it drops
        # any extension a project made on Supabase, through the platform's rules in the server.
        report(f"Supabase CLI {supabase_cli.VERSION} on a throwaway server:")
        built = (_step(result, "supabase db reset --db-url", root, ["db", "reset", "--yes"], url, report)
                 and _step(result, "supabase db push --db-url (up to date)", root,
                           ["db", "push", "--yes"], url, report, expect="Remote database is up to date"))
        if built:
            with database.connect(server.conninfo(admin=True)) as admin, \
                    database.connect(server.conninfo()) as conn:
                database.prepare_tests(admin, conn, settings, server.version)
            paths = testfiles.discover(root, settings.pgtap_patterns)
            result.results = pgtap.run_files(server.conninfo(), paths, jobs, settings.test_timeout,
                                              root=settings.root)
    return result
