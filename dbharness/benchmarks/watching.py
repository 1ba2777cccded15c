"""dbharness bench, part 3: the watch loop's latency, from a save to the verdict, for an edited
test file and for an edited migration, on a copy of the project (the project itself is never
touched)."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from dbharness import config, watch
from dbharness.config import Settings
from dbharness.errors import CheckFailed
from dbharness.progress import Progress, quiet
from dbharness.suite import testfiles

LEFT_OUT = shutil.ignore_patterns(".git", ".venv", "venv", "node_modules", ".supabase-cli", "reports",
                                  "mutants", "__pycache__", ".dbharness-cache", "*.egg-info")


class _Rounds:
    """The verdicts of a running watch loop, as they arrive."""

    def __init__(self) -> None:
        self.verdicts: list[tuple[float, watch.Verdict]] = []
        self.arrived = threading.Condition()

    def add(self, verdict: watch.Verdict) -> None:
        with self.arrived:
            self.verdicts.append((time.perf_counter(), verdict))
            self.arrived.notify_all()

    def next_after(self, count: int, seconds: float = 120.0) -> tuple[float, watch.Verdict]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.verdicts) > count, timeout=seconds):
                raise CheckFailed("the watch loop gave no verdict within two minutes")
            return self.verdicts[count]


def _edit(path: Path, n: int) -> float:
    started = time.perf_counter()
    path.write_text(path.read_text() + f"\n-- bench edit {n}\n")
    return started


def _measure(rounds: _Rounds, paths: list[Path], times: int) -> tuple[list[float], list[float]]:
    """Seconds from each save to its verdict, and of that what the harness added beyond the run of
    the files themselves; the saves go round the paths."""
    waited, added = [], []
    for n in range(times):
        seen = len(rounds.verdicts)
        saved = _edit(paths[n % len(paths)], n)
        at, verdict = rounds.next_after(seen)
        if verdict.error is not None or not verdict.totals.ok:
            said = verdict.error or verdict.totals.line()
            raise CheckFailed(f"the watch loop failed during the benchmark: {said}")
        waited.append(at - saved)
        added.append(at - saved - max((r.seconds for r in verdict.results), default=0.0))
    return waited, added


def latency(settings: Settings, jobs: int, report: Progress, times: int = 3) -> dict[str, Any]:
    """Seconds from a save to its verdict: an isolated test file, and the newest migration."""
    with tempfile.TemporaryDirectory(prefix="dbharness-bench-watch-") as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(settings.root, copy, ignore=LEFT_OUT)
        cfg = config.load(copy)
        isolated = [p for p in testfiles.discover(cfg.root, cfg.pgtap_patterns)
                    if not testfiles.load(p, root=cfg.root).persistent]
        migrations = sorted(cfg.migrations_dir.glob("*.sql"))
        if not isolated or not migrations:
            return {"skipped": "the project needs an isolated pgTAP file and a migration"}
        rounds, stop = _Rounds(), threading.Event()
        failed: list[BaseException] = []

        def run() -> None:
            try:
                watch.loop(cfg, jobs=jobs, report=quiet, on_result=None, on_verdict=rounds.add,
                           stopped=stop.is_set)
            except KeyboardInterrupt:
                pass
            except BaseException as exc:  # noqa: BLE001 (said below)
                failed.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            rounds.next_after(0)
            report(f"  test file edits, each isolated file in turn x{times}")
            tests, overhead = _measure(rounds, isolated, times)
            report(f"  migration edit ({migrations[-1].name}) x{times}")
            builds, _ = _measure(rounds, migrations[-1:], times)
        finally:
            stop.set()
            thread.join(timeout=60)
        if failed:
            raise CheckFailed(f"the watch loop failed during the benchmark: {failed[0]}")
    spread = {"median_s": lambda xs: round(statistics.median(xs), 3), "max_s": lambda xs: round(max(xs), 3)}
    return {"test_file_edit": {k: f(tests) for k, f in spread.items()},
            "test_file_edit_beyond_its_run": {k: f(overhead) for k, f in spread.items()},
            "migration_edit": {k: f(builds) for k, f in spread.items()}, "rounds": times}
