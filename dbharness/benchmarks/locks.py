"""dbharness bench, part 2: writer stalls and ACCESS EXCLUSIVE time of the migrations vs a naive variant.

The scenario (what to load, what writers run, which table to watch) is the project's data:
[tool.dbharness.bench] in pyproject.toml.
"""

from __future__ import annotations

import multiprocessing
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbharness.builder import database
from dbharness.builder.apply import apply_files
from dbharness.builder.recipe import Timeouts
from dbharness.config import LockScenario, Settings
from dbharness.engines.base import Server
from dbharness.errors import ConfigError
from dbharness.pg import psycopg
from dbharness.progress import Progress
from dbharness.sql.migrations import MigrationFile, discover, pair_rollbacks, parse_name
from dbharness.sql.statements import split_statements

WRITERS = 3
SAMPLE_EVERY_S = 0.002

@dataclass
class Measure:
    """Writer latencies and the longest ACCESS EXCLUSIVE hold seen while migrations ran."""

    latencies: list[float] = field(default_factory=list)
    exclusive_longest: float = 0.0
    migrate_s: float = 0.0
    writes: int = 0
    series: list[tuple[float, float]] = field(default_factory=list)  # (s since the start, latency s)
    windows: list[tuple[float, float]] = field(default_factory=list)  # ACCESS EXCLUSIVE (from, to) in s

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies) or [0.0]
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return {"writes": len(self.latencies), "longest_stall_ms": round(max(ordered) * 1000, 1),
                "p99_ms": round(p99 * 1000, 2), "median_ms": round(statistics.median(ordered) * 1000, 2),
                "access_exclusive_longest_ms": round(self.exclusive_longest * 1000, 1),
                "migrate_s": round(self.migrate_s, 2),
                "series": [(round(t, 4), round(lat * 1000, 2)) for t, lat in self.series],
                "exclusive_windows": [(round(a, 4), round(b, 4)) for a, b in self.windows]}


def _writer(conninfo: str, write: str, ids: list[str], stop: Any, out: Any, limit: int, ready: Any) -> None:
    """A writer process: run the scenario's write on random keys until told to stop; send back every
    latency."""
    rnd = random.Random()
    latencies: list[tuple[float, float]] = []
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            while not stop.is_set() and len(latencies) < limit:
                started = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
                conn.execute(write, (rnd.choice(ids),), prepare=True)
                latencies.append((started, time.perf_counter() - started))
                if len(latencies) == 1:
                    ready.put("writer")
    finally:
        out.put(latencies)  # always answer, so the main process never waits for a dead writer


def _sampler(conninfo: str, table: str, stop: Any, out: Any, ready: Any) -> None:
    """A sampler process: every continuous ACCESS EXCLUSIVE hold on the watched table, as (from, to)."""
    held_since: float | None = None
    windows: list[tuple[float, float]] = []
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            ready.put("sampler")
            while not stop.is_set():
                row = conn.execute(
                    "select count(*) from pg_locks where locktype = 'relation' and granted "
                    "and mode = 'AccessExclusiveLock' "
                    "and relation = to_regclass(%s)", (table,), prepare=True).fetchone()
                now = time.perf_counter()
                if row and row[0]:
                    held_since = held_since or now
                elif held_since is not None:
                    windows.append((held_since, now))
                    held_since = None
                time.sleep(SAMPLE_EVERY_S)
            if held_since is not None:
                windows.append((held_since, time.perf_counter()))
    finally:
        out.put(windows)


def under_load(conninfo: str, scenario: LockScenario, ids: list[str], work: Callable[[], object],
               limit: int = 2_000_000, steady_s: float = 0.5, settle_s: float = 0.3) -> Measure:
    """Run work while WRITERS processes write random keys and a sampler process watches pg_locks.

    Processes, not threads: a writer must never wait for the GIL, or its stalls would be ours.
    """
    ctx = multiprocessing.get_context("spawn")
    stop, out, ready = ctx.Event(), ctx.Queue(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(conninfo, scenario.write, ids, stop, out, limit, ready))
             for _ in range(WRITERS)]
    sampler_out = ctx.Queue()
    procs.append(ctx.Process(target=_sampler, args=(conninfo, scenario.table, stop, sampler_out, ready)))
    for p in procs:
        p.start()
    for _ in procs:  # every writer has written and the sampler watches before the migrations start
        ready.get(timeout=60)
    time.sleep(steady_s)  # then a moment of steady state, so the first stalls are the migrations' own
    m = Measure()
    started = time.perf_counter()
    try:
        work()
    finally:
        ended = time.perf_counter()
        m.migrate_s = ended - started
        time.sleep(settle_s)
        stop.set()
        for _ in range(WRITERS):
            every = out.get(timeout=120)
            # statements that overlapped the migrations' window
            m.latencies.extend(lat for t0, lat in every if t0 + lat >= started and t0 <= ended)
            # and the steady state just before and after them, for the picture
            m.series.extend((t0 - started, lat) for t0, lat in every if t0 >= started - steady_s)
        m.series.sort()
        m.windows = [(a - started, b - started) for a, b in sampler_out.get(timeout=120)]
        m.exclusive_longest = max((b - a for a, b in m.windows), default=0.0)
        for p in procs:
            p.join(timeout=30)
    return m


def naive_variant(files: list[MigrationFile], directory: Path) -> MigrationFile:
    """The same changes as one file in one transaction: checks validated at once, plain indexes."""
    parts = []
    for mf in files:
        for stmt in split_statements(mf.text, str(mf.path)):
            text = stmt.sql
            if stmt.kind == "VariableSetStmt" or re.search(r"\bvalidate\s+constraint\b", text, re.I):
                continue
            text = re.sub(r"\s+not\s+valid\b", "", text, flags=re.I)
            text = re.sub(r"\bconcurrently\s+", "", text, flags=re.I)
            parts.append(text + ";")
    path = directory / f"{files[-1].version if files else '0'}9_naive_variant.sql"
    path.write_text("\n\n".join(parts) + "\n")
    return parse_name(path)


def load_sql(settings: Settings, scenario: LockScenario, rows: int) -> str:
    """The scenario's load script with :rows replaced by the row count (casts like ::int untouched)."""
    path = settings.root / scenario.load
    if not path.is_file():
        raise ConfigError(f"[tool.dbharness.bench] load = {str(scenario.load)!r}: "
                          f"no such file in {settings.root}")
    return re.sub(r"(?<!:):rows\b", str(int(rows)), path.read_text(encoding="utf-8"))


def run(server: Server, settings: Settings, rows: int, report: Progress,
        steady_s: float = 0.5) -> dict[str, Any]:
    """Load `rows`, then measure the project's newer migrations and the naive variant on them."""
    scenario = settings.bench
    if scenario is None:
        raise ConfigError("no lock scenario: declare [tool.dbharness.bench] in pyproject.toml "
                          "(see README, Performance)")
    files = discover(settings.migrations_dir, settings.root)
    newer = [f for f in files if f.version > scenario.after]
    timeouts = Timeouts("30s", "30min")
    base = database.Recipe(up_to=scenario.after, seed=False, pgtap=False, timeouts=timeouts)
    conninfo = server.conninfo()
    database.build(server, settings, base)
    with database.connect(conninfo) as conn:
        report(f"  loading {rows:,} rows ({scenario.load}) ...")
        started = time.perf_counter()
        conn.execute(load_sql(settings, scenario, rows))
        report(f"  loaded in {time.perf_counter() - started:.1f}s")
        ids = [r[0] for r in conn.execute(scenario.keys)]
        report("  project migrations under write load ...")
        project = under_load(conninfo, scenario, ids, lambda: apply_files(conn, newer, timeouts),
                             steady_s=steady_s, settle_s=steady_s)
        downs = [d for _, d in reversed(pair_rollbacks(newer, settings.rollbacks_dir).pairs)]
        apply_files(conn, downs, timeouts, "down")
        with tempfile.TemporaryDirectory(prefix="dbharness-naive-") as tmp:
            naive = naive_variant(newer, Path(tmp))
            report("  naive variant under write load ...")
            naive_m = under_load(conninfo, scenario, ids, lambda: apply_files(conn, [naive], timeouts),
                                 steady_s=steady_s, settle_s=steady_s)
    a, b = project.summary(), naive_m.summary()
    ratio = b["longest_stall_ms"] / a["longest_stall_ms"] if a["longest_stall_ms"] else None
    return {"rows": rows, "writers": WRITERS, "project": a, "naive": b,
            "stall_ratio_naive_over_project": round(ratio, 1) if ratio else None}
