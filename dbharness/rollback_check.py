"""dbharness rollback-check: up, exercise, down must restore the catalog and keep pre-existing rows."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from dbharness.builder import database
from dbharness.builder.apply import apply_files, run_script
from dbharness.catalog import snapshot, snapshot_diff
from dbharness.config import Settings
from dbharness.engines.base import Server
from dbharness.errors import ConfigError, HarnessError
from dbharness.pg import psycopg
from dbharness.progress import Progress
from dbharness.sql.migrations import MigrationFile, discover, pair_rollbacks, select_range
from dbharness.steps import Step
from dbharness.suite import pgtap, testfiles
from dbharness.suite.tapresults import totals


@dataclass
class RollbackCheckResult:
    """Every step in the order it ran (gaps of the plan first)."""

    steps: list[Step] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Step]:
        """The steps that failed."""
        return [s for s in self.steps if s.failure]

    @property
    def skipped(self) -> list[Step]:
        """The steps skipped, with their reasons."""
        return [s for s in self.steps if s.skipped and not s.failure]

    @property
    def passed(self) -> int:
        """How many steps passed."""
        return len(self.steps) - len(self.failed) - len(self.skipped)


@dataclass
class Scope:
    """What the check covers: older files applied first, then pairs checked, and gaps reported."""

    older: list[MigrationFile]
    pairs: list[tuple[MigrationFile, MigrationFile]]
    newest: str | None = None
    gaps: list[Step] = field(default_factory=list)

    @property
    def suite_applies(self) -> bool:
        """The pgTAP suite pins the newest schema, so it runs only when the newest file is checked."""
        return bool(self.pairs) and self.pairs[-1][0].version == self.newest


class StepFailed(Exception):
    """A step failed; later steps cannot run (internal: never leaves this module)."""


class Differs(HarnessError):
    """What a comparison step found (internal: recorded as the step's failure)."""


def plan(settings: Settings, from_version: str | None = None, only: str | None = None) -> Scope:
    """Decide which migrations are checked; report missing rollbacks and refuse orphans."""
    ups = discover(settings.migrations_dir, settings.root)
    found = pair_rollbacks(ups, settings.rollbacks_dir)
    if found.orphans:
        names = ", ".join(o.path.name for o in found.orphans)
        raise ConfigError(f"rollback files without a matching up migration: {names} "
                          f"(in {settings.rollbacks_dir}); rename or remove them")
    chosen = select_range(ups, from_version, only) if (from_version or only) else ups
    downs = dict((u.version, d) for u, d in found.pairs)
    result = Scope([], [], newest=ups[-1].version if ups else None)
    for up in chosen:
        if up.version in downs:
            result.pairs.append((up, downs[up.version]))
            continue
        result.gaps.append(_missing_step(up))
        if result.pairs:
            blocked = ", ".join(u.stem for u, _ in result.pairs)
            result.gaps.append(Step("rollback chain", failure=(
                f"{blocked} cannot be rolled back past {up.stem}, which has no rollback")))
            result.pairs = []
    first = result.pairs[0][0].version if result.pairs else None
    result.older = [u for u in ups if first is not None and u.version < first]
    return result


def _missing_step(up: MigrationFile) -> Step:
    reason = up.rollback_none_reason
    if reason:
        return Step(f"{up.stem}: no rollback", skipped=f"rollback: none - {reason}")
    return Step(f"{up.stem}: no rollback", failure=(
        f"{up.stem} has no rollback file (expected supabase/rollbacks/{up.path.name}); "
        "write one, or mark the migration with '-- rollback: none <reason>'"))


@dataclass
class Runner:
    """Runs the steps on one database, recording a timed Step each."""

    settings: Settings
    conn: psycopg.Connection
    server: Server
    report: Progress
    steps: list[Step]

    @contextmanager
    def step(self, name: str, fatal: bool = True) -> Iterator[Step]:
        """Time a step and record it; a failed fatal step stops the check (later ones cannot run)."""
        check = Step(name)
        started = time.perf_counter()
        try:
            yield check
        except HarnessError as exc:
            check.failure = str(exc)
        finally:
            check.seconds = time.perf_counter() - started
            self.steps.append(check)
            verdict = "FAILED" if check.failure else ("skipped" if check.skipped else "ok")
            self.report(f"  {name} ... {verdict} ({check.seconds * 1000:.0f} ms)")
            for line in (check.failure or "").splitlines():
                self.report(f"      {line}")
        if check.failure and fatal:
            raise StepFailed(name)

    def apply(self, files: list[MigrationFile], direction: str) -> None:
        apply_files(self.conn, files, database.timeouts(self.settings), direction, self.report)

    def run_suite(self, check: Step) -> None:
        paths = testfiles.discover(self.settings.root, self.settings.pgtap_patterns)
        results = pgtap.run_files(self.server.conninfo(), paths, 2, self.settings.test_timeout,
                                   root=self.settings.root)
        total = totals(results)
        check.output = total.line()
        if not total.ok:
            bad = [r.path for r in results if not r.passed]
            check.failure = f"pgTAP suite: {total.line()}; failing files: {', '.join(bad)}"


def exercise_file(settings: Settings, up: MigrationFile) -> Path | None:
    """supabase/rollbacks/exercise/<same name>.sql, when there is one."""
    path = settings.exercise_dir / up.path.name
    return path if path.is_file() else None


def run_steps(r: Runner, p: Scope) -> None:
    """The check itself, step by step; raises StepFailed at the first step that fails."""
    ups = [u for u, _ in p.pairs]
    downs = [d for _, d in reversed(p.pairs)]
    with r.step("apply older migrations and seed"):
        older = database.Recipe(migrations=bool(p.older), up_to=p.older[-1].version if p.older else None)
        database.build(r.server, r.settings, older)
    with r.step("snapshot before"):
        before = snapshot.take(r.conn)
        data = snapshot.fingerprint(r.conn, before)
    with r.step("apply migrations under check"):
        r.apply(ups, "up")
    with r.step("pgTAP suite after up") as check:
        _suite_or_skip(r, check, p.suite_applies)
    with r.step("exercise the new schema") as check:
        files = [f for f in (exercise_file(r.settings, u) for u in ups) if f]
        for path in files:
            run_script(r.conn, path)
        check.output = ", ".join(f.name for f in files) or "no exercise files"
    with r.step("apply rollbacks newest first"):
        r.apply(downs, "down")
    with r.step("schema equals the snapshot before", fatal=False):
        differences = snapshot_diff.diff(before, snapshot.take(r.conn))
        if differences:
            raise Differs("\n".join(str(d) for d in differences))
    with r.step("pre-existing data intact", fatal=False):
        losses = snapshot.data_losses(data, r.conn)
        if losses:
            raise Differs("\n".join(losses))
    with r.step("re-apply migrations (up, down, up)"):
        r.apply(ups, "up")
    with r.step("pgTAP suite after re-apply") as check:
        _suite_or_skip(r, check, p.suite_applies)


def _suite_or_skip(r: Runner, check: Step, suite_applies: bool) -> None:
    if suite_applies:
        r.run_suite(check)
    else:
        check.skipped = "newer migrations are not applied; the suite pins the newest schema"


def check(settings: Settings, engine: str | None = None, from_version: str | None = None,
          only: str | None = None, report: Progress = print,
          make_engine: Callable[..., object] | None = None) -> RollbackCheckResult:
    """Run the whole rollback check; the result holds every step, failures included."""
    started = time.perf_counter()
    p = plan(settings, from_version, only)
    result = RollbackCheckResult(list(p.gaps))
    for gap in p.gaps:
        verdict = f"skipped, {gap.skipped}" if gap.skipped else f"FAILED, {gap.failure}"
        report(f"{gap.name}: {verdict}")
    if p.pairs:
        report(f"Checking rollbacks of {', '.join(u.stem for u, _ in p.pairs)}")
        with database.fresh(settings, None, engine=engine, report=report, make=make_engine) as ready, \
                database.connect(ready.server.conninfo()) as conn:
            runner = Runner(settings, conn, ready.server, report, result.steps)
            with suppress(StepFailed):
                run_steps(runner, p)
    result.seconds = time.perf_counter() - started
    return result
