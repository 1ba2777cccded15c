"""invoke bench, part 2: writer stalls and ACCESS EXCLUSIVE time of the MT5 migrations vs a naive variant."""

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

import psycopg

from dbharness import bootstrap
from dbharness.apply import Timeouts, apply_files
from dbharness.config import Settings
from dbharness.engines import Server
from dbharness.migrations import MigrationFile, discover, pair_rollbacks, parse_name
from dbharness.statements import split_statements

Report = Callable[[str], None]
WRITERS = 3
SAMPLE_EVERY_S = 0.002

LOAD_SQL = """
insert into auth.users (id, email, created_at, updated_at)
  select gen_random_uuid(), 'bench' || g || '@example.com', now(), now() from generate_series(1, {users}) g;
insert into public.profiles (user_id, display_name)
  select id, email from auth.users where email like 'bench%';
insert into public.trading_accounts (user_id, platform, broker_name, server, login_number, balance,
                                     equity, connection_status, last_sync_at)
  select p.user_id, case when g % 3 = 0 then 'MT4' else 'MT5' end, 'Broker ' || (g % 40), 'Srv-' || (g % 97),
         g::text, (g % 10000)::numeric, (g % 9000)::numeric,
         (array['connected', 'disconnected', 'error'])[1 + g % 3], now() - (g % 1000) * interval '1 minute'
  from generate_series(1, {rows}) g
  join (select user_id, row_number() over () as n from public.profiles where display_name like 'bench%') p
    on p.n = 1 + g % {users};
insert into public.trades (account_id, symbol, direction, volume, entry_price, opened_at)
  select id, 'EURUSD', 'BUY', 1, 1.1, now()
  from public.trading_accounts tablesample system (1) limit {trades};
analyze;
"""


@dataclass
class Measure:
    """Writer latencies and the longest ACCESS EXCLUSIVE hold seen while migrations ran."""

    latencies: list[float] = field(default_factory=list)
    exclusive_longest: float = 0.0
    migrate_s: float = 0.0
    writes: int = 0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies) or [0.0]
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return {"writes": len(self.latencies), "longest_stall_ms": round(max(ordered) * 1000, 1),
                "p99_ms": round(p99 * 1000, 2), "median_ms": round(statistics.median(ordered) * 1000, 2),
                "access_exclusive_longest_ms": round(self.exclusive_longest * 1000, 1),
                "migrate_s": round(self.migrate_s, 2)}


def _writer(conninfo: str, ids: list[str], stop: Any, out: Any, limit: int) -> None:
    """A writer process: update random accounts until told to stop; send back every latency."""
    rnd = random.Random()
    latencies: list[tuple[float, float]] = []
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            while not stop.is_set() and len(latencies) < limit:
                started = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
                conn.execute("update public.trading_accounts set balance = balance + 1 where id = %s",
                             (rnd.choice(ids),), prepare=True)
                latencies.append((started, time.perf_counter() - started))
    finally:
        out.put(latencies)  # always answer, so the main process never waits for a dead writer


def _sampler(conninfo: str, stop: Any, out: Any) -> None:
    """A sampler process: the longest continuous ACCESS EXCLUSIVE hold on trading_accounts."""
    held_since: float | None = None
    longest = 0.0
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            while not stop.is_set():
                row = conn.execute(
                    "select count(*) from pg_locks where locktype = 'relation' and granted "
                    "and mode = 'AccessExclusiveLock' "
                    "and relation = 'public.trading_accounts'::regclass", prepare=True).fetchone()
                now = time.perf_counter()
                if row and row[0]:
                    held_since = held_since or now
                    longest = max(longest, now - held_since)
                else:
                    held_since = None
                time.sleep(SAMPLE_EVERY_S)
    finally:
        out.put(longest)


def under_load(conninfo: str, ids: list[str], work: Callable[[], None], limit: int = 2_000_000) -> Measure:
    """Run work while WRITERS processes update random accounts and a sampler process watches pg_locks.

    Processes, not threads: a writer must never wait for the GIL, or its stalls would be ours.
    """
    ctx = multiprocessing.get_context("spawn")
    stop, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(conninfo, ids, stop, out, limit)) for _ in range(WRITERS)]
    sampler_out = ctx.Queue()
    procs.append(ctx.Process(target=_sampler, args=(conninfo, stop, sampler_out)))
    for p in procs:
        p.start()
    time.sleep(1.0)  # writers connected and at steady state before the migrations start
    m = Measure()
    started = time.perf_counter()
    try:
        work()
    finally:
        ended = time.perf_counter()
        m.migrate_s = ended - started
        time.sleep(0.3)
        stop.set()
        for _ in range(WRITERS):
            # statements that overlapped the migrations' window
            m.latencies.extend(lat for t0, lat in out.get(timeout=120) if t0 + lat >= started and t0 <= ended)
        m.exclusive_longest = sampler_out.get(timeout=120)
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
    path = directory / "20251112129999_naive_mt5.sql"
    path.write_text("\n\n".join(parts) + "\n")
    return parse_name(path)


def run(server: Server, settings: Settings, rows: int, report: Report) -> dict[str, Any]:
    """Load `rows` accounts, then measure the project's migrations and the naive variant on them."""
    files = discover(settings.migrations_dir)
    base, mt5 = files[:1], files[1:]
    timeouts = Timeouts("30s", "30min")
    conninfo = server.conninfo()
    with bootstrap.connect(conninfo) as conn:
        bootstrap.install_compat(conn)
        apply_files(conn, base, timeouts)
        report(f"  loading {rows:,} trading_accounts rows ...")
        started = time.perf_counter()
        conn.execute(LOAD_SQL.format(rows=rows, users=max(rows // 100, 10), trades=max(rows // 100, 100)))
        report(f"  loaded in {time.perf_counter() - started:.1f}s")
        ids = [r[0] for r in conn.execute(
            "select id::text from public.trading_accounts order by random() limit 20000")]
        report("  project migrations under write load ...")
        project = under_load(conninfo, ids, lambda: apply_files(conn, mt5, timeouts))
        downs = [d for _, d in reversed(pair_rollbacks(mt5, settings.rollbacks_dir).pairs)]
        apply_files(conn, downs, timeouts, "down")
        with tempfile.TemporaryDirectory(prefix="dbharness-naive-") as tmp:
            naive = naive_variant(mt5, Path(tmp))
            report("  naive variant under write load ...")
            naive_m = under_load(conninfo, ids, lambda: apply_files(conn, [naive], timeouts))
    a, b = project.summary(), naive_m.summary()
    ratio = b["longest_stall_ms"] / a["longest_stall_ms"] if a["longest_stall_ms"] else None
    return {"rows": rows, "writers": WRITERS, "project": a, "naive": b,
            "stall_ratio_naive_over_project": round(ratio, 1) if ratio else None}
