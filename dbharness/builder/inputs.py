"""What a built database depends on, as one key: the harness's own files, the project's migrations,
seed and test helpers, and the settings that shape the build. A cached template keyed by it can
never be stale: any edit to any of them is a new key."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from dbharness.config import Settings

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


def project(settings: Settings, recipe: object) -> str:
    """A hash of everything a build of recipe reads from the project, and of the harness."""
    h = hashlib.sha256()
    parts: list[bytes] = [harness().encode(), repr(recipe).encode(),
                          repr((settings.seed_after, settings.stub_extensions, settings.lock_timeout,
                                settings.statement_timeout, settings.major_version,
                                sorted(settings.platform_options))).encode()]
    for path in [*_files(settings.migrations_dir, "*.sql"), *settings.seed_files,
                 *(_files(settings.test_helpers_dir, "**/*") if settings.test_helpers_dir else [])]:
        parts += [str(path.relative_to(settings.root)).encode(), path.read_bytes()]
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:20]
