"""dbharness rollback-check: build as dbharness test does, then roll back newest first; after each
rollback the catalog must equal the migrations before it, and the rows that were there must stay."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from dbharness.builder import database
from dbharness.builder.apply import apply_files, run_script
from dbharness.catalog import reference, rows, snapshot, snapshot_diff
from dbharness.config import Settings
from dbharness.engines.base import Server
from dbharness.errors import ConfigError, HarnessError, MigrationError, ScriptError
from dbharness.pg import psycopg
from dbharness.progress import Progress
from dbharness.sql.migrations import MigrationFile, discover, pair_rollbacks, select_range
from dbharness.steps import Step
from dbharness.suite import pgtap, testfiles
from dbharness.suite.tapresults import totals

Pair = tuple[MigrationFile, MigrationFile]
BUILD_HINT = ("rollback-check builds the database as dbharness test does: every migration in "
              "version order, the seed after seed_after (else last, as the Supabase CLI seeds), "
              "then the test helpers; fix the file named above (dbharness test fails on it too)")


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
    """What the check covers: the pairs checked, the newer pairs rolled back unchecked before
    them (--only), every migration of the project, and the gaps reported."""

    pairs: list[Pair]
    ups: list[MigrationFile] = field(default_factory=list)
    unchecked: list[Pair] = field(default_factory=list)
    only: str | None = None
    gaps: list[Step] = field(default_factory=list)


class StepFailed(Exception):
    """A step failed; later steps cannot run (internal: never leaves this module)."""


class Differs(HarnessError):
    """What a comparison step found, or a step's failure with what to do (internal: recorded as
    the step's failure)."""


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
    result = Scope([], ups=ups, only=only)
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
    if only is not None and result.pairs:
        _newer_first(result, [u for u in ups if u.version > only], downs)
    return result


def _newer_first(scope: Scope, newer: list[MigrationFile], downs: dict[str, MigrationFile]) -> None:
    """--only: every newer migration is rolled back first, unchecked; one without a rollback
    makes the version unreachable."""
    blocked = [u for u in newer if u.version not in downs]
    if not blocked:
        scope.unchecked = [(u, downs[u.version]) for u in newer]
        return
    names = ", ".join(u.stem for u in blocked)
    scope.gaps.append(Step("rollback chain", failure=(
        f"--only {scope.only} rolls back every newer migration first, and {names} has no rollback "
        f"file (expected in supabase/rollbacks/); write it, or check only newer versions "
        f"(--from {blocked[-1].version} and later)")))
    scope.pairs = []


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
    report: Progress
    steps: list[Step]
    server: Server | None = None  # set by the build step, as the three below
    conn: psycopg.Connection | None = None
    built: snapshot.Snapshot = field(default_factory=dict)  # the catalog right after the build
    saved: rows.Saved = field(default_factory=rows.Saved)  # the rows right after the build

    @property
    def db(self) -> psycopg.Connection:
        """The connection to the built database (the build step made it)."""
        assert self.conn is not None, "the build step runs first"
        return self.conn

    @property
    def where(self) -> Server:
        """The server of the built database (the build step started it)."""
        assert self.server is not None, "the build step runs first"
        return self.server

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
        """Apply files up or down, each as the Supabase CLI does (history included)."""
        apply_files(self.db, files, database.timeouts(self.settings), direction, self.report)

    def run_suite(self, check: Step) -> None:
        """The project's pgTAP suite; a failing file fails the step."""
        paths = testfiles.discover(self.settings.root, self.settings.pgtap_patterns)
        results = pgtap.run_files(self.where.conninfo(), paths, 2, self.settings.test_timeout,
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


def _build(r: Runner, stack: ExitStack, engine: str | None, make: Callable[..., object] | None) -> None:
    with r.step("build every migration and the seed, as dbharness test does"):
        try:
            ready = stack.enter_context(database.fresh(r.settings, database.EVERYTHING, engine=engine,
                                                      report=r.report, make=make))
        except (MigrationError, ScriptError) as exc:
            raise Differs(f"{exc}\n{BUILD_HINT}") from exc
        r.server = ready.server
        r.conn = stack.enter_context(database.connect(ready.server.conninfo()))
        r.built = snapshot.take(r.conn)
        with database.connect(ready.server.conninfo(admin=True)) as admin:
            r.saved = rows.save(admin, r.built)


def run_steps(r: Runner, p: Scope, stack: ExitStack, engine: str | None = None,
              make: Callable[..., object] | None = None) -> None:
    """The check itself, step by step; raises StepFailed at the first fatal step that fails."""
    _build(r, stack, engine, make)
    with r.step("reference: the migrations before each rollback, without the seed") as check:
        ref = reference.build(r.where, r.settings, p.ups, {u.version for u, _ in p.pairs})
        left_out = reference.not_the_migrations(ref.after_all, r.built)
        check.output = reference.describe(ref, left_out)
    with r.step("pgTAP suite after up") as check:
        r.run_suite(check)
    for up, down in reversed(p.unchecked):
        with r.step(f"{up.stem}: rolled back, not checked") as check:
            r.apply([down], "down")
            check.skipped = f"newer than --only {p.only}: rolled back unchecked to reach it"
    reported: set[str] = set()
    for up, down in reversed(p.pairs):
        check_one(r, up, down, (ref.before[up.version], ref.written.get(up.version, {})), left_out, reported)
    with r.step("re-apply migrations (up, down, up)"):
        r.apply([u for u, _ in p.pairs + p.unchecked], "up")
    with r.step("schema after re-apply equals the migrations", fatal=False) as check:
        _compare(check, ref.after_all, snapshot.take(r.db), left_out, set())
    with r.step("pgTAP suite after re-apply") as check:
        # the rollbacks dropped the seed's rows with their tables: the suite gets the rows back
        with database.connect(r.where.conninfo(admin=True)) as admin:
            try:
                put_back = rows.restore(admin, r.saved)
            except psycopg.Error as exc:
                raise Differs(f"the build's rows could not be put back: {str(exc).strip()}") from exc
        r.run_suite(check)
        check.output = f"{check.output} (on the rows of the build, put back in {put_back} tables)"


def check_one(r: Runner, up: MigrationFile, down: MigrationFile,
              expected: tuple[snapshot.Snapshot, dict[str, set[str]]], left_out: set[str],
              reported: set[str]) -> None:
    """Fingerprint the rows (those the migration writes itself left out), exercise, roll back one
    migration, compare with the reference (expected: its catalog before the migration, and the
    keys of the rows the migration writes)."""
    before, written = expected
    conn = r.db
    with r.step(f"{up.stem}: fingerprint the rows, exercise the schema") as check:
        now = snapshot.take(conn)
        present = {k: v for k, v in before.items() if k in now}  # a newer rollback's loss is said there
        data = snapshot.fingerprint(conn, present)
        own = reference.without_written(data, written)
        path = exercise_file(r.settings, up)
        if path is not None:
            _exercise(conn, path, up, r.settings)
        rows = sum(sum(t.rows.values()) for t in data.values())
        check.output = (f"{rows} pre-existing rows in {len(data)} tables"
                        + (f" ({own} rows {up.stem} writes itself left out)" if own else "")
                        + f"; exercise: {path.name if path else 'none'}")
    with r.step(f"{up.stem}: roll back"):
        r.apply([down], "down")
    with r.step(f"{up.stem}: schema equals the migrations before it", fatal=False) as check:
        _compare(check, before, snapshot.take(conn), left_out, reported)
    with r.step(f"{up.stem}: pre-existing data intact", fatal=False):
        losses = snapshot.data_losses(data, conn)
        if losses:
            raise Differs("\n".join(losses))


def _compare(check: Step, expected: snapshot.Snapshot, found: snapshot.Snapshot, left_out: set[str],
             reported: set[str]) -> None:
    """Fail the step with every difference not left out and not already reported (a newer
    rollback's leftover is said once, where it was left)."""
    differences = [str(d) for d in snapshot_diff.diff(expected, found) if d.key not in left_out]
    fresh = [d for d in differences if d not in reported]
    reported.update(differences)
    if len(fresh) < len(differences):
        check.output = f"{len(differences) - len(fresh)} differences already reported for a newer rollback"
    if fresh:
        raise Differs("\n".join(fresh))


def _exercise(conn: psycopg.Connection, path: Path, up: MigrationFile, settings: Settings) -> None:
    try:
        run_script(conn, path, root=settings.root)
    except ScriptError as exc:
        raise Differs(f"{exc}\nthe exercise file runs on the schema right after {up.stem} "
                      "(every newer migration rolled back), before its rollback") from exc


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
        report(f"Checking rollbacks of {', '.join(u.stem for u, _ in reversed(p.pairs))} (newest first)")
        runner = Runner(settings, report, result.steps)
        with suppress(StepFailed), ExitStack() as stack:
            run_steps(runner, p, stack, engine, make_engine)
    result.seconds = time.perf_counter() - started
    return result
