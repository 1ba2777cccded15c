"""dbharness clean: what the harness's runs left behind on this machine, removed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path


def clean_all(reports_dir: Path, report: Callable[[str], None]) -> int:
    """Servers and containers of kept or killed runs, the template cache, and reports/; returns
    how many servers were removed."""
    from dbharness.engines import cluster_cache
    from dbharness.engines.docker import clean_containers
    from dbharness.engines.leftovers import clean_leftovers

    count = clean_leftovers(report) + clean_containers(report)
    report(f"removed {cluster_cache.clear()} cached cluster template(s) from {cluster_cache.cache_root()}")
    if reports_dir.exists():
        shutil.rmtree(reports_dir)
        report(f"removed {reports_dir}")
    report(f"clean: {count} leftover server(s) removed")
    return count
