"""The reference a rollback is compared with: one database built step by step with the
migrations only (no seed, no test helpers), its catalog taken before each migration asked for."""

from __future__ import annotations

from dataclasses import dataclass, field

from dbharness.builder import database
from dbharness.builder.apply import apply_files
from dbharness.catalog import snapshot, snapshot_diff
from dbharness.config import Settings
from dbharness.engines.base import Server
from dbharness.errors import MigrationError
from dbharness.sql.migrations import MigrationFile

PLATFORM_ONLY = database.Recipe(migrations=False, seed=False, pgtap=False)


class ReferenceFailed(MigrationError):
    """A migration failed on the reference database (it has no seed)."""


@dataclass
class Reference:
    """The catalog before each migration asked for (by version), and after every migration."""

    before: dict[str, snapshot.Snapshot] = field(default_factory=dict)
    after_all: snapshot.Snapshot = field(default_factory=dict)


def build(server: Server, settings: Settings, ups: list[MigrationFile], wanted: set[str]) -> Reference:
    """A database of its own on server, with the migrations applied one by one; the catalog is
    taken before each version in wanted, and once more at the end. Always dropped."""
    ref = Reference()
    name = f"{server.dbname}_reference"[:63]
    limits = database.timeouts(settings)
    with database.scratch(server, name, settings, PLATFORM_ONLY) as db, \
            database.connect(db.conninfo()) as conn:
        for mf in ups:
            if mf.version in wanted:
                ref.before[mf.version] = snapshot.take(conn)
            try:
                apply_files(conn, [mf], limits)
            except MigrationError as exc:
                raise ReferenceFailed(
                    f"{exc}\nThe reference database has the migrations only, without the seed: "
                    f"{mf.stem} fails there, so it depends on rows the seed writes. Make it work on "
                    "an empty database too (as it must on a new project's first push)") from exc
        ref.after_all = snapshot.take(conn)
    return ref


def not_the_migrations(after_all: snapshot.Snapshot, built: snapshot.Snapshot) -> set[str]:
    """The objects in which the built database differs from the migrations alone: what the seed
    and the test helpers made or changed. They are left out of every comparison."""
    return {d.key for d in snapshot_diff.diff(after_all, built)}


def describe(ref: Reference, left_out: set[str]) -> str:
    """One line for the step's output: what was built, and what is left out of the comparisons."""
    line = f"{len(ref.before)} catalogs taken"
    if not left_out:
        return line
    names = ", ".join(sorted(left_out)[:8]) + (", ..." if len(left_out) > 8 else "")
    return (f"{line}; left out of every comparison, since the seed or the test helpers made or "
            f"changed them: {names}")
