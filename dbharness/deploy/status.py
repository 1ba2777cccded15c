"""Read an environment: its history against the repository, and the plan of a promotion."""

from __future__ import annotations

from dbharness.builder import history
from dbharness.config import Settings
from dbharness.deploy.plan import Plan, Status, compare, drift_refusals, required_refusals
from dbharness.environments import Target, resolve
from dbharness.errors import ConfigError
from dbharness.pg import psycopg
from dbharness.sql.migrations import MigrationFile, discover


def status(conn: psycopg.Connection, files: list[MigrationFile]) -> Status:
    """Compare the repository's files with the environment's history (read-only: no table means
    nothing applied)."""
    return compare(files, history.read(conn))


def make_plan(settings: Settings, target: Target, conn: psycopg.Connection, to: str | None) -> Plan:
    """Pending files up to `to`, with every refusal: drift, order, the required environment."""
    files = discover(settings.migrations_dir, settings.root)
    if to is not None and to not in {f.version for f in files}:
        raise ConfigError(f"--to {to}: no migration has this version")
    st = status(conn, files)
    pending = [f for f in st.pending if to is None or f.version <= to]
    plan = Plan(target, pending, drift_refusals(st, to))
    if target.env.requires and pending:
        required = resolve(settings, target.env.requires)
        with required.connect() as rconn:
            plan.refusals += required_refusals(pending, required.name, history.read(rconn))
    for f in pending:
        _ = f.transactional  # a mixed file is refused here, before anything runs
    return plan


def environment_status(settings: Settings, name: str) -> tuple[Target, Status]:
    """dbharness status: the environment, and each local migration as applied or pending there."""
    target = resolve(settings, name)
    with target.connect() as conn:
        return target, status(conn, discover(settings.migrations_dir, settings.root))
