"""dbharness rollback: apply the rollbacks of every version newer than a target version, newest first."""

from __future__ import annotations

from dbharness.builder import database
from dbharness.builder.apply import apply_file
from dbharness.config import Settings
from dbharness.deploy import guards, targets
from dbharness.deploy.plan import Ask, confirm
from dbharness.deploy.status import status
from dbharness.environments import resolve
from dbharness.errors import ConfigError, HarnessError, PromotionRefused
from dbharness.pg import psycopg
from dbharness.progress import Progress
from dbharness.sql.migrations import MigrationFile, discover, pair_rollbacks


def rollback_plan(settings: Settings, conn: psycopg.Connection, to: str) -> list[MigrationFile]:
    """Rollback files of every applied version newer than `to`, newest first; refuses gaps."""
    files = discover(settings.migrations_dir, settings.root)
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


def rollback(settings: Settings, name: str, to: str, *, yes: bool = False, ask: Ask | None = None,
             report: Progress = print) -> list[str]:
    """Roll an environment back to `to`; returns the files rolled back, newest first."""
    target = resolve(settings, name)
    with target.connect() as conn:
        try:
            wrong = targets.refusals(settings, target, conn)
            if wrong:
                raise PromotionRefused(f"rollback of {target} refused:\n  - " + "\n  - ".join(wrong))
            downs = rollback_plan(settings, conn, to)
            if not downs:
                report(f"{target}: already at {to}, nothing to roll back")
                return []
            report(f"Rollback plan for {target}:")
            for d in downs:
                report(f"  {d.stem}")
            if target.env.requires:
                confirm(name, len(downs), yes, ask, "roll back")
            with guards.Lock(conn, target):
                for down in downs:
                    apply_file(conn, down, database.timeouts(settings), "down", report)
        except HarnessError as exc:
            exc.args = (target.scrub(str(exc)),)
            raise
    return [d.stem for d in downs]
