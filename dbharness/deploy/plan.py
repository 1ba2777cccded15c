"""What an environment has and lacks, and what a promotion would apply: pure decisions on its history."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from dbharness import history
from dbharness.config import Settings
from dbharness.deploy.environments import Target, resolve
from dbharness.errors import ConfigError
from dbharness.migrations import MigrationFile, discover


@dataclass
class Status:
    """Local migrations as applied or pending in an environment, and versions only it has."""

    applied: list[MigrationFile]
    pending: list[MigrationFile]
    drift: list[history.HistoryRow]

    @property
    def problems(self) -> list[str]:
        """Drift and out-of-order pending versions: what makes invoke status fail."""
        return drift_refusals(self, None)


def compare(files: list[MigrationFile], rows: dict[str, history.HistoryRow]) -> Status:
    """Pure: the repository's files against an environment's history rows."""
    local = {f.version for f in files}
    return Status([f for f in files if f.version in rows], [f for f in files if f.version not in rows],
                  [r for v, r in rows.items() if v not in local])


def status(conn: psycopg.Connection, files: list[MigrationFile]) -> Status:
    """Compare the repository's files with the environment's history (read-only: no table means
    nothing applied)."""
    return compare(files, history.read(conn))


@dataclass
class Plan:
    """What a promotion would apply, and why it is refused if it is."""

    target: Target
    pending: list[MigrationFile]
    refusals: list[str] = field(default_factory=list)


def drift_refusals(st: Status, to: str | None) -> list[str]:
    """Versions the repository lacks, and pending versions older than the newest applied one."""
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


def required_refusals(pending: list[MigrationFile], required: str,
                      rows: dict[str, history.HistoryRow]) -> list[str]:
    """Files the required environment has not got, or got with other statements."""
    out = []
    missing = [f.stem for f in pending if f.version not in rows]
    if missing:
        out.append(f"not yet applied in {required}, which {required} must get first: " + ", ".join(missing))
    changed = [f.stem for f in pending if f.version in rows
               and rows[f.version].statements != history.statements_of(f)]
    if changed:
        out.append(f"changed since they were applied in {required} (its recorded statements differ "
                   f"from the file): {', '.join(changed)}; restore the file or ship a new migration")
    return out


def make_plan(settings: Settings, target: Target, conn: psycopg.Connection, to: str | None) -> Plan:
    """Pending files up to `to`, with every refusal: drift, order, the required environment."""
    files = discover(settings.migrations_dir)
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
    """invoke status: the environment, and each local migration as applied or pending there."""
    target = resolve(settings, name)
    with target.connect() as conn:
        return target, status(conn, discover(settings.migrations_dir))
