"""The project's database as two kept stages: every migration but the newest (with the seed when
it goes before the newest), then the rest (the newest migration, the seed when it goes last, pgTAP
and the test helpers). An edit of the newest migration, the one a developer writes all day, starts
from the first stage and applies one file; a first run (nothing of the project kept) builds the
whole in one go, and the first edit of the newest migration builds the first stage. What building
a stage said (its warnings, and those of the stages under it) is kept with it and said again on
every run that reuses it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from dbharness.builder import inputs, loaded
from dbharness.builder.recipe import Recipe, seed_position
from dbharness.config import Settings
from dbharness.engines.base import ClusterRecipe, Server
from dbharness.progress import Progress
from dbharness.sql import migrations

STUBBED = re.compile(r"^warning: (?P<where>\S+): create extension (?P<name>\S+) skipped: stubbed")

Build = Callable[[Server, Settings, Recipe, Progress], None]  # database.build, on a started server


class Notes:
    """A Progress that passes every line on and keeps the warnings."""

    def __init__(self, report: Progress) -> None:
        self.report = report
        self.kept: list[str] = []

    def __call__(self, line: str) -> None:
        if line.startswith("warning:"):
            self.kept.append(line)
        self.report(line)


def stubbed(notes: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """(extension, file:line) of each create extension a build skipped as stubbed."""
    return [(m.group("name"), m.group("where")) for m in map(STUBBED.match, notes) if m]


def helpers_read(settings: Settings) -> list[Path]:
    """The test helpers and every file they include (psql's \\i and \\ir), as loading reads them:
    all of it is in the key of the build that runs them."""
    folder = settings.test_helpers_dir
    found: list[Path] = []
    for helper in sorted(folder.glob("*.sql")) if folder is not None and folder.is_dir() else []:
        for source in (helper, *loaded.load(settings.storage, helper, settings.root).sources):
            if source not in found:
                found.append(source)
    return found


def _stage(settings: Settings, recipe: Recipe, build: Build, report: Progress,
           start: ClusterRecipe | None, applies: Recipe | None = None,
           alone: ClusterRecipe | None = None) -> ClusterRecipe:
    """A kept stage holding what recipe says, built by applying `applies` (default: recipe) on the
    stage under it (or alone, in one go, while nothing of the project is kept)."""
    def init(server: Server) -> tuple[str, ...]:
        notes = Notes(report)
        build(server, settings, applies or recipe, notes)
        return tuple(notes.kept)

    helpers = helpers_read(settings) if recipe.pgtap else []
    return ClusterRecipe(inputs.project(settings, recipe, helpers), init, str(settings.root), start, alone)


def project(settings: Settings, recipe: Recipe, build: Build, report: Progress) -> ClusterRecipe:
    """The project's build of recipe, on a stage of every migration but the newest when there are
    two or more."""
    every = migrations.discover(settings.migrations_dir, settings.root)
    files = every if recipe.up_to is None else []
    if len(files) < 2:
        return _stage(settings, recipe, build, report, None)
    at = seed_position(settings, files, every) if recipe.seed else len(files)
    older = replace(recipe, up_to=files[-2].version, seed=recipe.seed and at < len(files), pgtap=False)
    under = _stage(settings, older, build, report, None)
    rest = replace(recipe, after=files[-2].version)
    return _stage(settings, recipe, build, report, under, rest, _stage(settings, recipe, build, report, None))
