"""dbharness bench: a warm `dbharness test` as a user waits for it (a whole process, from its start
to its exit), beside `pg_prove -j2` on the same files on an already migrated database (also a whole
process), alternating A B A B so both meet the same load; for the project and for a small project
laid out by `supabase init` (tests/projects/stranger, where the harness's repository has it)."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dbharness import config
from dbharness.builder import database
from dbharness.errors import CheckFailed
from dbharness.progress import Progress
from dbharness.suite import testfiles

SMALL = Path("tests") / "projects" / "stranger"  # beside the project, in the harness's repository


def _timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        raise CheckFailed(f"{' '.join(cmd[:4])} failed during the benchmark:\n{out.stdout[-1500:]}"
                          f"{out.stderr[-500:]}")
    return seconds


def pair(root: Path, pairs: int, jobs: int, report: Progress, label: str) -> dict[str, Any]:
    """Warm `dbharness test` (lint and coverage as the project sets them) against `pg_prove -j`
    on a ready database of the same build, pairs times each."""
    prove = shutil.which("pg_prove")
    if prove is None:
        return {"skipped": "pg_prove is not installed (dbharness setup installs it)"}
    settings = config.load(root)
    files = [str(p) for p in testfiles.discover(settings.root, settings.pgtap_patterns)]
    with tempfile.TemporaryDirectory(prefix="dbharness-bench-") as tmp:
        run = [sys.executable, "-m", "dbharness", "test", "--junit", str(Path(tmp) / "r.xml")]
        _timed(run, root)  # the kept build exists after this one
        with database.fresh(settings) as ready:
            server = ready.server
            check = [prove, "-j", str(jobs), "-Q", "-h", server.socket_dir or server.host, "-p",
                     str(server.port), "-U", server.user, "-d", server.dbname, *files]
            harness, pg_prove = [], []
            for i in range(pairs):
                harness.append(_timed(run, root))
                pg_prove.append(_timed(check, root))
                report(f"  {label} {i + 1}/{pairs}: dbharness test {harness[-1] * 1000:.0f} ms, "
                       f"pg_prove -j{jobs} {pg_prove[-1] * 1000:.0f} ms")
    h, p = statistics.median(harness), statistics.median(pg_prove)
    return {"files": len(files), "jobs": jobs, "harness_s": [round(x, 3) for x in harness],
            "pg_prove_s": [round(x, 3) for x in pg_prove], "harness_median_s": round(h, 3),
            "pg_prove_median_s": round(p, 3), "ratio": round(h / p, 3)}


def run(root: Path, pairs: int, report: Progress) -> dict[str, Any]:
    """The comparison for the project and, where there is one, the small fixture project."""
    found = {"project": pair(root, pairs, 2, report, "project")}
    small = root / SMALL
    if (small / "supabase" / "config.toml").is_file():
        with tempfile.TemporaryDirectory(prefix="dbharness-bench-small-") as tmp:
            copy = Path(tmp) / "project"
            shutil.copytree(small, copy)
            found["small project"] = pair(copy, pairs, 2, report, "small project")
    return found


def lines(found: dict[str, Any]) -> list[str]:
    """The table's lines for it."""
    out = []
    for name, row in found.items():
        if "skipped" in row:
            out.append(f"warm whole process vs pg_prove ({name}): skipped, {row['skipped']}")
            continue
        out.append(f"warm whole process vs pg_prove -j{row['jobs']} on a ready database ({name}, "
                   f"{row['files']} files): {row['harness_median_s']:.3f}s against "
                   f"{row['pg_prove_median_s']:.3f}s, ratio {row['ratio']:.2f}")
    return out
