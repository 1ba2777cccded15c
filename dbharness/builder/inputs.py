"""What a built database depends on, as one key: the harness's own files, the project's migrations,
seed and test helpers, and the settings that shape the build. A cached template keyed by it can
never be stale: any edit to any of them is a new key."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from dbharness.builder.recipe import Recipe, chosen_migrations
from dbharness.config import Settings
from dbharness.sql import migrations

PACKAGE = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def harness() -> str:
    """A hash of every file of the harness package (code, SQL, offline extensions)."""
    h = hashlib.sha256()
    for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix != ".pyc"):
        h.update(str(path.relative_to(PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(p for p in folder.glob(pattern) if p.is_file()) if folder.is_dir() else []


def _read(settings: Settings, recipe: Recipe, helpers: list[Path]) -> list[Path]:
    """Every file a build of recipe reads: the migrations it applies, the seed files when it seeds,
    the helpers and their includes (helpers) when it prepares pgTAP."""
    every = migrations.discover(settings.migrations_dir, settings.root)
    paths = [mf.path for mf in chosen_migrations(recipe, every)]
    if recipe.seed:
        paths += settings.seed_files
    if recipe.pgtap:
        paths += helpers
    return paths


def project(settings: Settings, recipe: Recipe, helpers: list[Path]) -> str:
    """A hash of everything a build of recipe reads from the project, the settings that shape it,
    the files it warns about (skipped migrations, seed patterns that match nothing), and the
    harness itself."""
    h = hashlib.sha256()
    parts: list[bytes] = [harness().encode(), repr(recipe).encode(),
                          repr((settings.seed_after, settings.stub_extensions, settings.lock_timeout,
                                settings.statement_timeout, settings.major_version, settings.seed_unmatched,
                                sorted(settings.platform_options), settings.test_setup)).encode(),
                          "\n".join(migrations.skipped(settings.migrations_dir)).encode()]
    for path in _read(settings, recipe, helpers):
        name = str(path.relative_to(settings.root)) if path.is_relative_to(settings.root) else str(path)
        parts += [name.encode(), path.read_bytes() if path.is_file() else b"(missing)"]
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:20]
