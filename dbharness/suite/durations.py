"""How long each pgTAP file took on its last run, kept so the next run starts the slowest isolated
files first: on `--jobs N` the suite then ends when its work runs out, not when a long file that
came last in name order does. Only the order the workers take the files in changes (never which
files run, their results, or the order they are reported in), so a lost or damaged record costs a
run its speed and nothing else."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from dbharness.config import Storage
from dbharness.engines.cluster_cache import cache_root, enabled

RECORD = "durations.json"
KEPT = 2000  # files remembered, the most recently run first


def _path(storage: Storage) -> Path:
    return cache_root(storage) / RECORD


def load(storage: Storage) -> dict[str, float]:
    """Seconds per test file (its path) as last run; empty when nothing is kept or it is unreadable."""
    if not enabled(storage):
        return {}
    try:
        found = json.loads(_path(storage).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): float(v) for k, v in found.items() if isinstance(v, (int, float))}


def save(storage: Storage, known: dict[str, float], ran: Iterable[tuple[str, float]]) -> None:
    """Record the seconds of the files that ran on top of what was known (written whole, then
    renamed, so a reader never sees half of it); a cache that cannot be written is left alone."""
    if not enabled(storage):
        return
    fresh = dict(ran)
    merged = {**fresh, **{k: v for k, v in known.items() if k not in fresh}}
    target = _path(storage)
    partial = target.with_name(f".{RECORD}.{os.getpid()}")
    with suppress(OSError):
        target.parent.mkdir(mode=0o755, exist_ok=True)
        partial.write_text(json.dumps(dict(list(merged.items())[:KEPT])))
        os.replace(partial, target)
    with suppress(OSError):
        partial.unlink(missing_ok=True)


def slowest_first(indexes: list[int], names: list[str], known: dict[str, float]) -> list[int]:
    """indexes ordered by the seconds known for their names, the slowest first; a file never run
    counts as the slowest (it may be), and ties keep their order."""
    never = max(known.values(), default=0.0) + 1.0
    return sorted(indexes, key=lambda i: -known.get(names[i], never))
