"""Pure: what one side of `dbharness compare` names: the project's migrations (up to a version),
a folder of SQL files, or an environment, read only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dbharness.config import Settings
from dbharness.errors import ConfigError
from dbharness.sql.migrations import NAME_RE, MigrationFile, discover

MIGRATIONS, FOLDER, ENVIRONMENT = "migrations", "folder", "environment"
SPELLINGS = "migrations, migrations@VERSION, env:NAME or a folder of SQL files"


@dataclass(frozen=True)
class Side:
    """One side: its kind, how the user wrote it (its label in every line), and what it names."""

    kind: str
    label: str
    up_to: str | None = None  # migrations@VERSION
    folder: Path | None = None
    env: str | None = None

    @property
    def built(self) -> bool:
        """True for a side built on a throwaway server here (an environment is only read)."""
        return self.kind != ENVIRONMENT


def parse(text: str, settings: Settings, cwd: Path | None = None) -> Side:
    """The side text names; a ConfigError says what a side may be. A relative folder is taken
    from the project, else from the working directory."""
    given = text.strip()
    if given == MIGRATIONS:
        return Side(MIGRATIONS, given)
    if given.startswith(MIGRATIONS + "@"):
        return Side(MIGRATIONS, given, up_to=_version(given.partition("@")[2], settings, given))
    if given.startswith("env:"):
        name = given.partition(":")[2]
        if name not in settings.environments:
            known = ", ".join(sorted(settings.environments))
            raise ConfigError(f"compare: {given}: no environment {name!r} is declared (declared: {known}; "
                              f"add [environments.{name or 'NAME'}] to {settings.where()})")
        return Side(ENVIRONMENT, given, env=name)
    return Side(FOLDER, given, folder=_folder(given, settings, cwd or Path.cwd()))


def _version(version: str, settings: Settings, given: str) -> str:
    known = [f.version for f in discover(settings.migrations_dir, settings.root)]
    if version not in known:
        raise ConfigError(f"compare: {given}: no migration has version {version!r}; known versions: "
                          f"{', '.join(known) or 'none'}")
    return version


def _folder(given: str, settings: Settings, cwd: Path) -> Path:
    path = Path(given).expanduser()
    candidates = [path] if path.is_absolute() else [settings.root / path, cwd / path]
    found = next((p for p in candidates if p.is_dir()), None)
    if found is None:
        looked = ", ".join(map(str, candidates))
        raise ConfigError(f"compare: {given!r} is not a folder (looked in {looked}); a side is {SPELLINGS}")
    if not schema_files(found):
        raise ConfigError(f"compare: {found} holds no .sql file; a side is {SPELLINGS}")
    return found.resolve()


def schema_files(folder: Path) -> list[Path]:
    """Every .sql file under folder, in the order the Supabase CLI walks a schemas folder (names
    in lexical order, each subfolder where its name falls)."""
    return sorted((p for p in folder.rglob("*.sql") if p.is_file()),
                  key=lambda p: p.relative_to(folder).parts)


def is_migrations_folder(folder: Path) -> bool:
    """True when every .sql file lies directly in folder and is named <version>_<name>.sql: a
    migrations folder (a squash, another branch's), applied in version order with its history."""
    files = schema_files(folder)
    return all(p.parent == folder and NAME_RE.match(p.name) for p in files)


def folder_files(folder: Path, root: Path) -> tuple[list[MigrationFile], bool]:
    """The folder's files in the order they are applied, and whether each records its history row
    (a migrations folder) or none (schema files, as the CLI applies supabase/schemas)."""
    if is_migrations_folder(folder):
        return discover(folder, root), True
    files = schema_files(folder)
    # A schema file has no version of its own: its place in the order stands in for one, so the
    # history row the apply writes (and then forgets) never meets another.
    return [MigrationFile(f"{i:06d}", str(p.relative_to(folder).with_suffix("")), p, root)
            for i, p in enumerate(files, 1)], False
