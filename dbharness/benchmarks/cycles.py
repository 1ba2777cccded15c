"""dbharness bench, part 1: the harness's own speed, against pg_prove and at scale."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

from dbharness.benchmarks import synthetic, watching, whole
from dbharness.builder import database
from dbharness.config import Settings, Storage
from dbharness.engines.base import Server
from dbharness.errors import CheckFailed, PrerequisiteError
from dbharness.progress import Progress
from dbharness.suite import pgtap, testfiles

PLUGIN_TESTS = 100  # the pytest plugin's figure: this many tests, each on a fresh database
NO_PG_PROVE = ("pg_prove is not installed (dbharness setup installs it as root: "
               "apt-get install libtap-parser-sourcehandler-pgtap-perl)")


def spread(samples: list[float]) -> dict[str, float]:
    """Median, min and max of samples, rounded to the millisecond (seconds)."""
    return {"median_s": round(statistics.median(samples), 3), "min_s": round(min(samples), 3),
            "max_s": round(max(samples), 3), "runs": len(samples)}


def _phases(stdout: str) -> dict[str, float]:
    match = re.search(r"^phases: (.*)$", stdout, re.MULTILINE)
    if not match:
        return {}
    return {name.strip(): float(secs) for name, secs in re.findall(r"([a-z ]+) ([\d.]+)s", match.group(1))}


def full_cycle(root: Path, runs: int, engine: str, report: Progress, cold: bool,
               storage: Storage | None = None) -> dict[str, Any]:
    """`dbharness test` in a subprocess, from nothing to JUnit written, `runs` times.

    cold: the cluster template cache is emptied before each run (initdb included);
    warm: the template is reused, as on a developer's second and later runs.
    """
    from dbharness.engines import kept

    samples, phases = [], []
    label = "cold" if cold else "warm"
    with tempfile.TemporaryDirectory(prefix="dbharness-bench-") as tmp:
        for i in range(runs):
            if cold:
                kept.clear(storage or Storage.from_environment())
            started = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "dbharness", "test", "--engine", engine,
                                  "--junit", str(Path(tmp) / f"{i}.xml")],
                                 cwd=root, capture_output=True, text=True)
            samples.append(time.perf_counter() - started)
            if out.returncode != 0:
                raise CheckFailed(f"dbharness test failed during the benchmark:\n{out.stdout[-2000:]}"
                                        f"\n{out.stderr[-2000:]}")
            phases.append(_phases(out.stdout))
            report(f"  {label} cycle {i + 1}/{runs}: {samples[-1]:.2f}s")
    names = list(phases[0]) if phases else []
    return {**spread(samples), "phases_median_s": {
        n: round(statistics.median(p.get(n, 0.0) for p in phases), 3) for n in names}}


def _pg_prove(server: Server, dbname: str, files: list[Path], jobs: int) -> float:
    exe = shutil.which("pg_prove")
    if not exe:
        raise PrerequisiteError("pg_prove is missing: apt-get install pgtap "
                                "(it pulls libtap-parser-sourcehandler-pgtap-perl)")
    cmd = [exe, "-h", server.socket_dir or server.host, "-p", str(server.port), "-U", server.user,
           "-d", dbname, "-j", str(jobs), "-Q", *[str(f) for f in files]]
    env = dict(os.environ, PGPASSWORD=server.password or "")
    started = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        raise CheckFailed(
            f"pg_prove failed on the same files:\n{out.stdout[-1500:]}{out.stderr[-500:]}")
    return elapsed


def _harness(conninfo: str, files: list[Path], jobs: int, timeout: str) -> float:
    started = time.perf_counter()
    results = pgtap.run_files(conninfo, files, jobs, timeout)
    elapsed = time.perf_counter() - started
    bad = [r.path for r in results if not r.passed]
    if bad:
        raise CheckFailed(f"pgTAP files failed during the benchmark: {', '.join(bad)}")
    return elapsed


def versus_pg_prove(server: Server, settings: Settings, pairs: int, jobs: int,
                    report: Progress) -> dict[str, Any]:
    """The same files on the same migrated database, harness then pg_prove, alternating A B A B."""
    files = testfiles.discover(settings.root, settings.pgtap_patterns)
    rows = []
    for i in range(pairs):
        a = _harness(server.conninfo(), files, jobs, settings.test_timeout)
        b = _pg_prove(server, server.dbname, files, jobs)
        rows.append({"harness_s": round(a, 3), "pg_prove_s": round(b, 3), "ratio": round(a / b, 3)})
        report(f"  pair {i + 1}/{pairs}: harness {a * 1000:.0f} ms, pg_prove {b * 1000:.0f} ms, "
               f"ratio {a / b:.2f}")
    return {"files": len(files), "jobs": jobs, "pairs": rows,
            "median_ratio": round(statistics.median(r["ratio"] for r in rows), 3)}


def scale(server: Server, settings: Settings, sizes: list[int], report: Progress,
          with_pg_prove: bool = True) -> list[dict[str, Any]]:
    """Time per synthetic file (see synthetic.py) at --jobs 1 and --jobs <cpus>, for each size (and
    pg_prove's)."""
    cpus = os.cpu_count() or 1
    with database.connect(server.conninfo()) as conn:
        text = synthetic.template(synthetic.subject(conn, settings.coverage.schemas))
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="dbharness-scale-") as tmp:
            files = synthetic.write(Path(tmp), text, n)
            for jobs in sorted({1, cpus}):
                secs = _harness(server.conninfo(), files, jobs, settings.test_timeout)
                row = {"files": n, "jobs": jobs, "total_s": round(secs, 3),
                       "ms_per_file": round(secs * 1000 / n, 2)}
                line = f"  {n} files, --jobs {jobs}: {secs * 1000 / n:.1f} ms per file"
                if with_pg_prove:
                    prove = _pg_prove(server, server.dbname, files, jobs)
                    row.update(pg_prove_ms_per_file=round(prove * 1000 / n, 2), ratio=round(secs / prove, 3))
                    line += f" (pg_prove {prove * 1000 / n:.1f} ms, ratio {secs / prove:.2f})"
                rows.append(row)
                report(line)
    return rows


def machine(server_version: str) -> dict[str, Any]:
    """What the figures were measured on."""
    import platform
    from datetime import datetime

    return {"cpus": os.cpu_count(), "postgresql": server_version, "python": platform.python_version(),
            "platform": platform.platform(), "date": datetime.now(UTC).isoformat(timespec="seconds")}


def run_all(settings: Settings, engine: str, quick: bool, report: Progress,
            make_engine: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Both benchmarks; quick reduces rows and runs so the whole finishes within a minute."""
    from dbharness.benchmarks import locks
    runs, pairs = (3, 3) if quick else (7, 6)
    sizes = [50] if quick else [50, 200]
    rows = 100_000 if quick else 1_000_000
    result: dict[str, Any] = {"quick": quick}
    if settings.bench is None:  # said first, not after the rest has run
        report(f"lock benchmark: skipped, no lock scenario (declare one in {settings.where('bench')}; "
               "README: Performance)")
    report(f"Full cycle, cold (no cluster template): dbharness test x{runs}")
    result["full_cycle"] = full_cycle(settings.root, runs, engine, report, cold=True,
                                      storage=settings.storage)
    report(f"Warm cycle (cluster template reused): dbharness test x{runs}")
    result["warm_cycle"] = full_cycle(settings.root, runs, engine, report, cold=False,
                                      storage=settings.storage)
    with database.fresh(settings, engine=engine, report=report, make=make_engine) as ready:
        server = ready.server
        with database.connect(server.conninfo()) as conn:
            (version,) = conn.execute("show server_version").fetchone() or ("?",)
        cpus = os.cpu_count() or 1
        prove = shutil.which("pg_prove") is not None
        if prove:
            report(f"Test phase: harness vs pg_prove, --jobs {cpus}, alternating")
            result["versus_pg_prove"] = versus_pg_prove(server, settings, pairs, cpus, report)
        else:
            result["versus_pg_prove"] = {"skipped": NO_PG_PROVE}
            report(f"Test phase vs pg_prove: skipped, {NO_PG_PROVE}")
        report("Scale: synthetic pgTAP files")
        result["scale"] = scale(server, settings, sizes, report, with_pg_prove=prove)
    report(f"Warm whole process vs pg_prove -j2 on a ready database, alternating x{pairs}")
    result["whole"] = whole.run(settings.root, pairs, report)
    report("Watch loop: from a save to the verdict")
    result["watch"] = watching.latency(settings, os.cpu_count() or 1, report, 6 if quick else 12)
    result["plugin"] = _plugin(settings, runs, report)
    if settings.bench is not None:
        report(f"Lock impact: {rows:,} rows, {locks.WRITERS} writers")
        with database.fresh(settings, None, engine=engine, report=report, make=make_engine) as ready:
            result["locks"] = locks.run(ready.server, settings, rows, report)
    result["machine"] = machine(version)
    return result


def _plugin(settings: Settings, runs: int, report: Progress) -> dict[str, Any]:
    """The pytest plugin: a whole pytest process of PLUGIN_TESTS tests, each on a fresh database
    (skipped, and said, where pytest is not installed)."""
    from dbharness.benchmarks import plugin

    report(f"pytest plugin: {PLUGIN_TESTS} tests, each on a fresh database, one pytest process x{runs}")
    try:
        seconds = plugin.plugin_suite(settings, runs, PLUGIN_TESTS, report)
    except PrerequisiteError as exc:
        report(f"  skipped: {exc}")
        return {"skipped": str(exc)}
    return {"tests": PLUGIN_TESTS, "runs": runs, "median_s": seconds}


def _plugin_line(row: dict[str, Any]) -> list[str]:
    if not row:
        return []
    if "skipped" in row:
        return [f"pytest plugin: skipped, {row['skipped']}"]
    return [f"pytest plugin: {row['tests']} tests, each on a fresh database, as one pytest process: "
            f"{row['median_s']:.2f}s (median of {row['runs']})"]


def table(result: dict[str, Any]) -> list[str]:
    """The console summary of a benchmark result."""
    vs, lk = result["versus_pg_prove"], result.get("locks")
    lines = []
    for key, label in (("full_cycle", "full cycle, cold"), ("warm_cycle", "warm cycle")):
        fc = result[key]
        lines += [f"{label} (dbharness test): median {fc['median_s']:.2f}s "
                  f"(min {fc['min_s']:.2f}, max {fc['max_s']:.2f}, {fc['runs']} runs)",
                  "  phases: " + ", ".join(f"{k} {v:.2f}s" for k, v in fc["phases_median_s"].items())]
    if "skipped" in vs:
        lines.append(f"test phase vs pg_prove: skipped, {vs['skipped']}")
    else:
        ratios = ", ".join(f"{p['ratio']:.2f}" for p in vs["pairs"])
        lines.append(f"test phase vs pg_prove ({vs['files']} files, --jobs {vs['jobs']}): ratios {ratios}; "
                     f"median {vs['median_ratio']:.2f}")
        prove = statistics.median(p["pg_prove_s"] for p in vs["pairs"])
        warm = result["warm_cycle"]["median_s"]
        lines.append(f"whole warm cycle / pg_prove's test phase alone: {warm / prove:.2f} "
                     f"({warm:.2f}s against {prove:.2f}s)")
    lines += whole.lines(result.get("whole", {}))
    wt = result.get("watch", {})
    if "test_file_edit" in wt:
        test, build = wt["test_file_edit"], wt["migration_edit"]
        beyond = wt.get("test_file_edit_beyond_its_run", {}).get("median_s")
        lines.append(f"watch: save to verdict, test file {test['median_s']:.2f}s (max {test['max_s']:.2f}"
                     + (f"; {beyond:.2f}s beyond the file's own run" if beyond is not None else "")
                     + f"), migration {build['median_s']:.2f}s (max {build['max_s']:.2f}), "
                     f"{wt['rounds']} saves each")
    lines += _plugin_line(result.get("plugin", {}))
    for row in result["scale"]:
        versus = (f", pg_prove {row['pg_prove_ms_per_file']:.1f} ms/file, ratio {row['ratio']:.2f}"
                  if "ratio" in row else " (pg_prove comparison skipped)")
        lines.append(f"scale: {row['files']} files --jobs {row['jobs']}: "
                     f"{row['ms_per_file']:.1f} ms/file{versus}")
    if lk is None:
        return [*lines, "locks: skipped, the project declares no lock scenario"]
    for name in ("project", "naive"):
        m = lk[name]
        lines.append(f"locks {name:<7}: longest writer stall {m['longest_stall_ms']:.1f} ms, "
                     f"p99 {m['p99_ms']:.2f} ms, "
                     f"ACCESS EXCLUSIVE held {m['access_exclusive_longest_ms']:.1f} ms, "
                     f"{m['writes']} writes, migrations {m['migrate_s']:.2f}s")
    lines.append(f"naive/project longest stall: {lk['stall_ratio_naive_over_project']}x "
                 f"({lk['rows']:,} rows)")
    return lines


def write_report(path: Path, result: dict[str, Any]) -> Path:
    """The benchmark's figures as JSON (parents created); returns the path."""
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path
