"""Plan and apply migrations to a named environment, with its guards; and roll an environment back."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import psycopg

from dbharness import history
from dbharness.apply import Report, apply_file
from dbharness.bootstrap import timeouts
from dbharness.config import Settings
from dbharness.environments import Target, resolve
from dbharness.errors import ConfigError, HarnessError, MigrationError, PromotionRefused
from dbharness.junit import Check
from dbharness.migrations import MigrationFile, discover, pair_rollbacks

LOCK_KEY = "dbharness-promote"


@dataclass
class Status:
    """Local migrations as applied or pending in an environment, and versions only it has."""

    applied: list[MigrationFile]
    pending: list[MigrationFile]
    drift: list[history.HistoryRow]


def status(conn: psycopg.Connection, files: list[MigrationFile]) -> Status:
    """Compare the repository's files with the environment's history table (created if missing)."""
    history.ensure_table(conn)
    rows = history.read(conn)
    local = {f.version for f in files}
    return Status([f for f in files if f.version in rows], [f for f in files if f.version not in rows],
                  [r for v, r in rows.items() if v not in local])


@dataclass
class Plan:
    """What a promotion would apply, and why it is refused if it is."""

    target: Target
    pending: list[MigrationFile]
    refusals: list[str] = field(default_factory=list)


def _drift_refusals(st: Status, to: str | None) -> list[str]:
    out = []
    if st.drift:
        out.append("the environment has versions the repository lacks (drift): "
                   + ", ".join(f"{r.version}_{r.name or '?'}" for r in st.drift))
    newest = max((f.version for f in st.applied), default=None)
    late = [f.stem for f in st.pending if newest and f.version < newest and (to is None or f.version <= to)]
    if late:
        out.append(f"pending versions older than the newest applied one ({newest}), out of order: "
                   + ", ".join(late))
    return out


def _required_refusals(pending: list[MigrationFile], required: Target,
                       rows: dict[str, history.HistoryRow]) -> list[str]:
    out = []
    missing = [f.stem for f in pending if f.version not in rows]
    if missing:
        out.append(f"not yet applied in {required.name}, which {required.name} must get first: "
                   + ", ".join(missing))
    changed = [f.stem for f in pending if f.version in rows
               and rows[f.version].statements != history.statements_of(f)]
    if changed:
        out.append(f"changed since they were applied in {required.name} (its recorded statements differ "
                   f"from the file): {', '.join(changed)}; restore the file or ship a new migration")
    return out


def make_plan(settings: Settings, target: Target, conn: psycopg.Connection, to: str | None) -> Plan:
    """Pending files up to `to`, with every refusal: drift, order, the required environment."""
    files = discover(settings.migrations_dir)
    if to is not None and to not in {f.version for f in files}:
        raise ConfigError(f"--to {to}: no migration has this version")
    st = status(conn, files)
    pending = [f for f in st.pending if to is None or f.version <= to]
    plan = Plan(target, pending, _drift_refusals(st, to))
    if target.env.requires and pending:
        required = resolve(settings, target.env.requires)
        with required.connect() as rconn:
            history.ensure_table(rconn)
            plan.refusals += _required_refusals(pending, required, history.read(rconn))
    for f in pending:
        _ = f.transactional  # a mixed file is refused here, before anything runs
    return plan


def plan_lines(plan: Plan) -> list[str]:
    """The plan as printed before anything is applied."""
    if not plan.pending:
        return [f"{plan.target}: up to date, nothing to apply"]
    lines = [f"Plan for {plan.target}:"]
    for f in plan.pending:
        mode = "in a transaction" if f.transactional else "outside a transaction (CONCURRENTLY)"
        lines.append(f"  {f.stem}  [{mode}]")
    return lines


@dataclass
class Lock:
    """A session advisory lock per environment, so two promotions never run at once."""

    conn: psycopg.Connection
    target: Target

    def __enter__(self) -> Lock:
        got = self.conn.execute("select pg_try_advisory_lock(hashtext(%s))", (LOCK_KEY,)).fetchone()
        if not got or not got[0]:
            raise PromotionRefused(f"another promotion or rollback of {self.target.name} is running "
                                   "(advisory lock held); wait for it to finish and run again")
        return self

    def __exit__(self, *_exc: object) -> None:
        if not self.conn.closed:
            self.conn.execute("select pg_advisory_unlock(hashtext(%s))", (LOCK_KEY,))


def apply_plan(settings: Settings, plan: Plan, conn: psycopg.Connection, report: Report) -> list[Check]:
    """Apply each pending file as invoke test does, under the lock; stop at the first failure."""
    checks: list[Check] = []
    with Lock(conn, plan.target):
        fresh = status(conn, discover(settings.migrations_dir))
        todo = [f for f in plan.pending if f.version in {p.version for p in fresh.pending}]
        for f in todo:
            started = time.perf_counter()
            try:
                apply_file(conn, f, timeouts(settings), "up", report)
            except MigrationError as exc:
                checks.append(Check(f.stem, f"promote.{plan.target.name}", time.perf_counter() - started,
                                    failure=plan.target.scrub(str(exc))))
                exc.checks = checks  # type: ignore[attr-defined]  # what was applied, for the JUnit report
                raise
            checks.append(Check(f.stem, f"promote.{plan.target.name}", time.perf_counter() - started))
    return checks


def rollback_plan(settings: Settings, conn: psycopg.Connection, to: str) -> list[MigrationFile]:
    """Rollback files of every applied version newer than `to`, newest first; refuses gaps."""
    files = discover(settings.migrations_dir)
    st = status(conn, files)
    applied = {f.version for f in st.applied}
    if to not in applied:
        raise ConfigError(f"--to {to} is not applied in this environment; applied: "
                          f"{', '.join(sorted(applied)) or 'none'}")
    if st.drift:
        raise PromotionRefused("the environment has versions the repository lacks (drift): "
                               + ", ".join(r.version for r in st.drift))
    newer = [f for f in st.applied if f.version > to]
    found = pair_rollbacks(newer, settings.rollbacks_dir)
    if found.missing:
        raise PromotionRefused("no rollback file for: " + ", ".join(m.stem for m in found.missing)
                               + f" (expected in {settings.rollbacks_dir})")
    return [down for _, down in reversed(found.pairs)]


def apply_rollback(settings: Settings, target: Target, conn: psycopg.Connection,
                   downs: list[MigrationFile], report: Report) -> None:
    """Apply rollbacks newest first, each with the deletion of its history row."""
    with Lock(conn, target):
        for down in downs:
            apply_file(conn, down, timeouts(settings), "down", report)


def scrub_error(target: Target, exc: HarnessError) -> HarnessError:
    """The same error with the target's password removed from its text."""
    exc.args = (target.scrub(str(exc)),)
    return exc
