"""Pure parts of dbharness bench: the naive variant it generates, phase parsing, the summary table."""

from pathlib import Path

from dbharness.benchmarks.cycles import _phases, spread, table
from dbharness.benchmarks.locks import naive_variant
from dbharness.sql.migrations import discover

REPO = Path(__file__).resolve().parents[2]


def test_naive_variant_is_one_transactional_file_without_the_lock_discipline(tmp_path):
    mt5 = discover(REPO / "supabase" / "migrations")[1:]
    naive = naive_variant(mt5, tmp_path)
    text = naive.text.lower()
    assert naive.transactional is True
    assert "not valid" not in text and "concurrently" not in text
    assert "validate constraint" not in text and "lock_timeout" not in text
    assert "create index idx_trading_accounts_sync_status" in text
    assert "create unique index idx_trading_accounts_mt5_service_account_id" in text
    assert "check (sync_failure_count >= 0)" in text
    assert "create table public.sync_logs" in text


def test_phases_are_read_from_the_test_output():
    out = "x\nphases: lint 0.06s, server start 0.11s, pgtap 0.20s\n1 passed, 0 failed\n"
    assert _phases(out) == {"lint": 0.06, "server start": 0.11, "pgtap": 0.2}
    assert _phases("nothing") == {}


def test_spread_and_table():
    assert spread([0.3, 0.1, 0.2]) == {"median_s": 0.2, "min_s": 0.1, "max_s": 0.3, "runs": 3}
    cycle = {**spread([1.0, 1.2]), "phases_median_s": {"pgtap": 0.2}}
    locks = {"longest_stall_ms": 10.0, "p99_ms": 2.0, "median_ms": 0.3, "access_exclusive_longest_ms": 4.0,
             "migrate_s": 1.0, "writes": 100}
    result = {"full_cycle": cycle, "warm_cycle": cycle,
              "versus_pg_prove": {"files": 5, "jobs": 2, "pairs": [{"ratio": 0.5, "pg_prove_s": 0.4}],
                                  "median_ratio": 0.5},
              "watch": {"test_file_edit": {"median_s": 0.12, "max_s": 0.2},
                        "migration_edit": {"median_s": 1.5, "max_s": 1.9}, "rounds": 3},
              "scale": [{"files": 50, "jobs": 1, "ms_per_file": 20.0, "pg_prove_ms_per_file": 80.0, "ratio": 0.25}],
              "locks": {"project": locks, "naive": {**locks, "longest_stall_ms": 300.0}, "rows": 1000,
                        "stall_ratio_naive_over_project": 30.0}}
    lines = table(result)
    assert lines[0].startswith("full cycle, cold (dbharness test): median 1.10s")
    assert any("naive/project longest stall: 30.0x" in line for line in lines)
    assert "scale: 50 files --jobs 1: 20.0 ms/file, pg_prove 80.0 ms/file, ratio 0.25" in lines
    assert "whole warm cycle / pg_prove's test phase alone: 2.75 (1.10s against 0.40s)" in lines
    assert ("watch: save to verdict, test file 0.12s (max 0.20), migration 1.50s (max 1.90), "
            "3 saves each") in lines
    assert not any(line.startswith("pytest plugin") for line in lines)  # not measured: not said
    plugin = table({**result, "plugin": {"tests": 100, "runs": 3, "median_s": 2.345}})
    assert ("pytest plugin: 100 tests, each on a fresh database, as one pytest process: 2.35s "
            "(median of 3)") in plugin
    skipped = table({**result, "plugin": {"skipped": "pytest is not installed (pip install pytest)"}})
    assert "pytest plugin: skipped, pytest is not installed (pip install pytest)" in skipped


def test_the_load_script_gets_the_row_count_and_keeps_casts(tmp_path):
    from dbharness import config
    from dbharness.benchmarks.locks import load_sql

    settings = config.load(REPO)
    assert settings.bench is not None
    sql = load_sql(settings, settings.bench, 1234)
    assert "generate_series(1, 1234)" in sql and ":rows" not in sql and "g::text" in sql


def test_the_table_says_which_comparison_was_skipped_and_why():
    from dbharness.benchmarks.cycles import NO_PG_PROVE

    cycle = {**spread([1.0]), "phases_median_s": {}}
    locks = {"longest_stall_ms": 1.0, "p99_ms": 1.0, "median_ms": 1.0, "access_exclusive_longest_ms": 0.0,
             "migrate_s": 1.0, "writes": 1}
    result = {"full_cycle": cycle, "warm_cycle": cycle, "versus_pg_prove": {"skipped": NO_PG_PROVE},
              "scale": [{"files": 50, "jobs": 1, "ms_per_file": 20.0}],
              "locks": {"project": locks, "naive": locks, "rows": 10, "stall_ratio_naive_over_project": 1.0}}
    lines = table(result)
    assert f"test phase vs pg_prove: skipped, {NO_PG_PROVE}" in lines
    assert "scale: 50 files --jobs 1: 20.0 ms/file (pg_prove comparison skipped)" in lines
