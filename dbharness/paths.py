"""How a file is named in messages and reports: relative to the project, else as given."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=4096)
def shown(path: Path, root: Path | None) -> str:
    """path relative to root (the project) when it lies inside it; otherwise path as it is."""
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)
