"""The reference a rollback is compared with: one database built step by step with the
migrations only (no seed, no test helpers), its catalog taken before each migration asked for."""

from __future__ import annotations

import collections
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
    """The catalog before each migration asked for (by version), the rows each of them writes
    into the tables older than it (by primary key), and the catalog after every migration."""

    before: dict[str, snapshot.Snapshot] = field(default_factory=dict)
    written: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # version: table: keys
    after_all: snapshot.Snapshot = field(default_factory=dict)


def _written(before: snapshot.Fingerprint, after: snapshot.Fingerprint) -> dict[str, set[str]]:
    """Per table, the primary keys of the rows that are new after a migration."""
    return {table: new for table, data in after.items()
            if (new := set(data.by_key) - set(before[table].by_key if table in before else {}))}


def build(server: Server, settings: Settings, ups: list[MigrationFile], wanted: set[str]) -> Reference:
    """A database of its own on server, with the migrations applied one by one; the catalog is
    taken before each version in wanted, and once more at the end. Always dropped."""
    ref = Reference()
    name = f"{server.dbname}_reference"[:63]
    limits = database.timeouts(settings)
    with database.scratch(server, name, settings, PLATFORM_ONLY) as db, \
            database.connect(db.conninfo()) as conn:
        for mf in ups:
            rows = None
            if mf.version in wanted:
                picture = ref.before[mf.version] = snapshot.take(conn)
                rows = snapshot.fingerprint(conn, picture)
            try:
                apply_files(conn, [mf], limits)
                if rows is not None:  # a bucket, a lookup row: written by the migration itself
                    ref.written[mf.version] = _written(rows, snapshot.fingerprint(conn, picture))
            except MigrationError as exc:
                raise ReferenceFailed(
                    f"{exc}\nThe reference database has the migrations only, without the seed: "
                    f"{mf.stem} fails there, so it depends on rows the seed writes. Make it work on "
                    "an empty database too (as it must on a new project's first push)") from exc
        ref.after_all = snapshot.take(conn)
    return ref


def without_written(data: snapshot.Fingerprint, written: dict[str, set[str]]) -> int:
    """Leave the rows a migration wrote itself out of the rows that exist before its rollback
    (dropping them is the rollback's job); returns how many were left out."""
    dropped = 0
    for table, keys in written.items():
        held = data.get(table)
        if held is None:
            continue
        for key in keys & held.by_key.keys():
            held.rows[held.by_key.pop(key)] -= 1
            dropped += 1
        held.rows += collections.Counter()  # drops the counts that reached zero
    return dropped


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
