"""dbharness clean: what the harness's runs left behind on this machine, removed."""

from __future__ import annotations

from dbharness.config import Settings
from dbharness.progress import Progress


def clean_all(settings: Settings, everything: bool, report: Progress) -> int:
    """Servers and containers of this user's kept or killed runs, and the kept builds (this
    project's; with everything, every project's); returns how many servers were removed. The
    project's reports are left alone."""
    from dbharness.engines import cluster_cache, kept
    from dbharness.engines.docker import clean_containers
    from dbharness.engines.leftovers import clean_leftovers

    count = clean_leftovers(settings.storage, report) + clean_containers(report)
    root = cluster_cache.cache_root(settings.storage)
    if everything:
        report(f"removed {kept.clear(settings.storage)} kept build(s) and results from {root}")
    else:
        removed = kept.forget_project(settings.storage, str(settings.root))
        report(f"removed {removed} kept build(s) of {settings.root} from {root} "
               "(dbharness clean --all removes every project's)")
    report(f"clean: {count} leftover server(s) removed")
    return count
