"""What a fresh database holds (a Recipe), which migrations it applies and where the seed goes:
pure decisions shared by the one build path and its kept stages."""

from __future__ import annotations

from dataclasses import dataclass

from dbharness.config import Settings
from dbharness.errors import ConfigError
from dbharness.sql import migrations


@dataclass(frozen=True)
class Timeouts:
    """lock_timeout and statement_timeout for every migration statement (values from Settings)."""

    lock: str
    statement: str


@dataclass(frozen=True)
class Recipe:
    """What a fresh database holds. Built in this order: compat, migrations (with the seed after
    `seed_after`, or last), then pgTAP and the project's helpers."""

    migrations: bool = True
    up_to: str | None = None  # the newest version applied; None: every migration
    seed: bool = True
    pgtap: bool = True
    timeouts: Timeouts | None = None  # None: the project's lock_timeout and statement_timeout
    # Built on a database that already holds the migrations up to this version (and the seed
    # when it goes at or before it): a kept stage; only the rest is applied.
    after: str | None = None


EVERYTHING = Recipe()


def timeouts(settings: Settings) -> Timeouts:
    """The migration timeouts configured for this project."""
    return Timeouts(settings.lock_timeout, settings.statement_timeout)


def chosen_migrations(recipe: Recipe,
                      files: list[migrations.MigrationFile]) -> list[migrations.MigrationFile]:
    """The migrations of the project (files) that a recipe applies, in version order."""
    if not recipe.migrations:
        return []
    if recipe.up_to is None:
        return files
    return migrations.select_range(files, to=recipe.up_to)


def seed_position(settings: Settings, files: list[migrations.MigrationFile],
                  every: list[migrations.MigrationFile]) -> int:
    """How many of files go in before the seed: up to seed_after when it is among them, else all
    (seed_after must name one of every migration of the project).

    The Supabase CLI seeds last; seed_after moves the seed earlier, so newer migrations meet
    existing rows as they would in production.
    """
    split_at = settings.seed_after
    if split_at is None:
        return len(files)
    if split_at not in {f.version for f in every}:
        raise ConfigError(f"seed_after = {split_at!r} names no migration in {settings.migrations_dir}")
    return sum(1 for f in files if f.version <= split_at)


def applied_already(recipe: Recipe, files: list[migrations.MigrationFile]) -> int:
    """How many of files the database the recipe builds on holds already."""
    return 0 if recipe.after is None else sum(1 for f in files if f.version <= recipe.after)
