"""The pgTAP suite pins the MT5 contract: any single edit of a migration makes a test fail."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from dbharness import config
from dbharness.builder import database
from dbharness.suite import pgtap, testfiles
from dbharness.suite.tapresults import FileResult
from tests.support import copy_project

EXT = "supabase/migrations/20251112120000_mt5_trading_accounts_extensions.sql"
LOGS = "supabase/migrations/20251112120200_mt5_sync_logs.sql"
IDX = "supabase/migrations/20251112120300_mt5_indexes_concurrently.sql"
PRIV = "supabase/migrations/20251112120400_mt5_backend_columns_privileges.sql"

# (file, text in it, replacement): one kind of edit each, the kinds issue 3 names
MUTATIONS = {
    "default sync_failure_count 0 -> 1": (EXT, "sync_failure_count integer not null default 0",
                                          "sync_failure_count integer not null default 1"),
    "type broker_server_time_offset integer -> bigint": (
        EXT, "broker_server_time_offset integer not null", "broker_server_time_offset bigint not null"),
    "nullability sync_failure_count not null dropped": (
        EXT, "sync_failure_count integer not null default 0", "sync_failure_count integer default 0"),
    "check offset range 14h -> 12h": (EXT, "between -50400 and 50400", "between -43200 and 43200"),
    "check connection_status without active": (
        EXT, "('connected', 'disconnected', 'error', 'active')) not valid",
        "('connected', 'disconnected', 'error')) not valid"),
    "comment mt5_service_account_id without story 4.1": (PRIV, "'(story 4.1) when it registers", "'when it registers"),
    "type sync_logs.duration_ms integer -> bigint": (LOGS, "duration_ms integer", "duration_ms bigint"),
    "default sync_logs.started_at now() -> none": (LOGS, "started_at timestamptz not null default now()",
                                                   "started_at timestamptz not null"),
    "check sync_logs.completed_at >= started_at dropped": (
        LOGS, "check (completed_at is null or completed_at >= started_at)", "check (true)"),
    "index order sync_logs started_at desc -> asc": (LOGS, "on public.sync_logs (account_id, started_at desc)",
                                                     "on public.sync_logs (account_id, started_at)"),
    "index columns swapped": (IDX, "on public.trading_accounts (is_active, connection_status, last_sync_at)",
                              "on public.trading_accounts (connection_status, is_active, last_sync_at)"),
    "unique index not partial": (IDX, "  on public.trading_accounts (mt5_service_account_id)\n"
                                      "  where mt5_service_account_id is not null;",
                                 "  on public.trading_accounts (mt5_service_account_id);"),
    "policy without the owner condition": (LOGS, "a.id = sync_logs.account_id and a.user_id = (select auth.uid())",
                                           "a.id = sync_logs.account_id"),
    "policy open to anon": (LOGS, "for select to authenticated", "for select to anon, authenticated"),
    "privilege insert left to authenticated": (LOGS, "grant select on table public.sync_logs to authenticated",
                                               "grant select, insert on table public.sync_logs to authenticated"),
    "comment sync_logs.duration_ms without unit": (LOGS, "'Duration of the run in milliseconds", "'Duration of the run"),
    "owner may update connection_status": (PRIV, "margin_level, updated_at)",
                                            "margin_level, updated_at, connection_status)"),
    "owner may insert mt5_service_account_id": (PRIV, "free_margin, margin_level)\n  on table public.trading_accounts to authenticated",
                                                "free_margin, margin_level, mt5_service_account_id)\n  on table public.trading_accounts to authenticated"),
    "table-wide update left to authenticated": (PRIV, "revoke insert, update on table public.trading_accounts",
                                                "revoke insert on table public.trading_accounts"),
    "truncate left to authenticated": (PRIV, "  from anon, authenticated;", "  from anon;"),
    "one check of three validated at once (NOT VALID dropped)": (
        EXT, "check (sync_failure_count >= 0) not valid", "check (sync_failure_count >= 0)"),
    "foreign key without cascade": (LOGS, "references public.trading_accounts (id) on delete cascade",
                                    "references public.trading_accounts (id)"),
}
_db = itertools.count()


def suite_on_copy(server, root: Path) -> list[FileResult]:
    settings = config.load(root)
    with database.scratch(server, f"mut{next(_db)}", settings, database.EVERYTHING) as db:
        return pgtap.run_files(db.conninfo(), testfiles.discover(settings.root, settings.pgtap_patterns), 2, "30s")


def caught_by(results: list[FileResult]) -> list[str]:
    names = [f"{r.path}: {a.description}" for r in results for a in r.assertions if a.status == "failed"]
    return names + [f"{r.path}: {r.file_failure}" for r in results if r.file_failure]


def test_the_unchanged_schema_passes(server, tmp_path):
    results = suite_on_copy(server, copy_project(tmp_path / "p"))
    assert caught_by(results) == []


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_each_edit_fails_the_suite(server, tmp_path, mutation):
    rel, old, new = MUTATIONS[mutation]
    root = copy_project(tmp_path / "p")
    path = root / rel
    text = path.read_text()
    assert old in text, f"mutation {mutation!r} no longer applies: {old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))
    caught = caught_by(suite_on_copy(server, root))
    print(f"{mutation}: caught by {caught[:3]}")
    assert caught, f"no pgTAP test failed after: {mutation}"
