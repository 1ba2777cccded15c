"""Pure: find and order migration and rollback files, and how each one is sent (see cli_batches)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from dbharness.errors import ConfigError
from dbharness.paths import shown
from dbharness.sql.cli_batches import SendPlan, send_plan
from dbharness.sql.statements import Statement, read_sql, split_statements

# The Supabase CLI's own pattern (migrateFilePattern): any name, spaces and all; the CLI records
# the name as this group matches it.
NAME_RE = re.compile(r"^(?P<version>[0-9]+)_(?P<name>.*)\.sql$")
ROLLBACK_NONE_RE = re.compile(r"^[ \t]*--[ \t]*rollback:[ \t]*none\b[ \t:,.\-]*(?P<reason>.*)$",
                              re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class MigrationFile:
    """One up or down file named <version>_<name>.sql, as the Supabase CLI names them."""

    version: str
    name: str
    path: Path
    root: Path | None = field(default=None, compare=False)  # the project, for naming the file

    @property
    def shown(self) -> str:
        """The file as messages and reports name it: relative to the project."""
        return shown(self.path, self.root)

    @property
    def stem(self) -> str:
        return f"{self.version}_{self.name}"

    @cached_property
    def text(self) -> str:
        return read_sql(self.path)

    @cached_property
    def statements(self) -> list[Statement]:
        return split_statements(self.text, str(self.path))

    @property
    def body(self) -> list[Statement]:
        """The statements the harness executes: all of them, in order, as the Supabase CLI sends
        them (a file's own BEGIN, COMMIT and ROLLBACK included; see cli_batches)."""
        return self.statements

    @property
    def wrapped(self) -> bool:
        """True when the file is wrapped in its own BEGIN ... COMMIT."""
        kinds = [s.transaction for s in self.statements]
        return len(kinds) >= 2 and kinds[0] == "begin" and kinds[-1] == "commit"

    @cached_property
    def plan(self) -> SendPlan:
        """How the file is sent, as the Supabase CLI sends it; a BEGIN it never commits is refused."""
        return send_plan(self.text, self.statements, str(self.path))

    @property
    def transactional(self) -> bool:
        """True when the whole file and its history row are one transaction (refuses, as plan)."""
        return self.plan.one_transaction

    @property
    def rollback_none_reason(self) -> str | None:
        """The reason of a '-- rollback: none <reason>' marker, or None when absent."""
        match = ROLLBACK_NONE_RE.search(self.text)
        if not match:
            return None
        return match.group("reason").strip() or "(no reason given)"


def skipped(directory: Path) -> list[str]:
    """Warnings for the files in directory that will not run (the Supabase CLI skips them too)."""
    if not directory.is_dir():
        return []
    out = []
    for p in sorted(directory.iterdir()):
        if p.name.startswith(".") or (p.is_file() and NAME_RE.match(p.name)):
            continue
        what = "a directory" if p.is_dir() else "not named <version>_<name>.sql"
        out.append(f"warning: skipping {p}: {what}, so neither the harness nor the Supabase CLI "
                   "runs it (e.g. 20251112120000_add_table.sql)")
    return out


def parse_name(path: Path, root: Path | None = None) -> MigrationFile:
    """A MigrationFile from a path, or a ConfigError naming the expected pattern."""
    match = NAME_RE.match(path.name)
    if not match:
        raise ConfigError(
            f"{path}: migration files must be named <digits>_<name>.sql "
            "(for example 20251112120000_add_table.sql), as the Supabase CLI expects; rename it"
        )
    return MigrationFile(match.group("version"), match.group("name"), path, root)


def discover(directory: Path, root: Path | None = None) -> list[MigrationFile]:
    """Every <version>_<name>.sql file directly in directory, ordered by version as text;
    duplicates refused; other files are left out (see skipped). root names them in messages."""
    if not directory.is_dir():
        return []
    files = [parse_name(p, root) for p in directory.iterdir() if p.is_file() and NAME_RE.match(p.name)]
    files.sort(key=lambda f: f.version)
    seen: dict[str, MigrationFile] = {}
    for f in files:
        if f.version in seen:
            raise ConfigError(f"version {f.version} is used twice: {seen[f.version].path.name} "
                              f"and {f.path.name}; give one of them a new version")
        seen[f.version] = f
    return files


@dataclass(frozen=True)
class RollbackPairs:
    """Which up migrations have a down file, which lack one, and down files without an up."""

    pairs: list[tuple[MigrationFile, MigrationFile]]
    missing: list[MigrationFile]
    orphans: list[MigrationFile]


def pair_rollbacks(ups: list[MigrationFile], rollbacks_dir: Path) -> RollbackPairs:
    """Match rollback files to up migrations by version."""
    downs = {d.version: d for d in discover(rollbacks_dir, ups[0].root if ups else None)}
    pairs, missing = [], []
    for up in ups:
        down = downs.pop(up.version, None)
        if down is None:
            missing.append(up)
        else:
            pairs.append((up, down))
    return RollbackPairs(pairs, missing, sorted(downs.values(), key=lambda d: d.version))


def select_range(files: list[MigrationFile], from_version: str | None = None,
                 only: str | None = None, to: str | None = None) -> list[MigrationFile]:
    """Files with version >= from_version, == only, or <= to; unknown versions refused."""
    known = {f.version for f in files}
    for label, value in (("--from", from_version), ("--only", only), ("--to", to)):
        if value is not None and value not in known:
            raise ConfigError(f"{label} {value}: no migration has this version; "
                              f"known versions: {', '.join(sorted(known)) or 'none'}")
    chosen = files
    if only is not None:
        chosen = [f for f in chosen if f.version == only]
    if from_version is not None:
        chosen = [f for f in chosen if f.version >= from_version]
    if to is not None:
        chosen = [f for f in chosen if f.version <= to]
    return chosen
