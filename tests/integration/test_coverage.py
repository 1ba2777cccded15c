"""Schema coverage end to end: this project is whole; a migration without tests is named fact by
fact; the scaffold for it makes coverage whole again and passes."""

from __future__ import annotations

from lxml import etree

from tests.support import copy_project, run_invoke

NEW = """-- A fixture migration: account notes, with nothing in the suite about them yet.
set local lock_timeout = '5s';
create table public.account_notes (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.trading_accounts (id) on delete cascade,
  body text not null constraint account_notes_body_check check (length(body) > 0),
  created_at timestamptz not null default now()
);
create index idx_account_notes_account on public.account_notes (account_id);
comment on column public.account_notes.body is 'What the owner wrote about the account.';
alter table public.account_notes enable row level security;
revoke all on table public.account_notes from anon;
revoke truncate, trigger, references on table public.account_notes from authenticated;
create policy account_notes_own on public.account_notes for select to authenticated
  using (exists (select 1 from public.trading_accounts a
                 where a.id = account_notes.account_id and a.user_id = (select auth.uid())));
"""


def test_this_project_is_wholly_pinned(tmp_path):
    out = run_invoke("coverage", "--junit", str(tmp_path / "c.xml"))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr
    assert out.stdout.strip().splitlines()[-2].startswith("schema coverage: ")
    assert "(100%)" in out.stdout.strip().splitlines()[-2] and "UNPINNED" not in out.stdout
    suite = etree.parse(str(tmp_path / "c.xml")).getroot()[0]
    assert int(suite.get("tests")) > 200 and suite.get("failures") == "0"


def test_a_migration_without_tests_fails_naming_each_fact_and_its_scaffold_mends_it(tmp_path):
    root = copy_project(tmp_path / "p")
    (root / "supabase/migrations/20251201000000_account_notes.sql").write_text(NEW)
    (root / "supabase/rollbacks/20251201000000_account_notes.sql").write_text(
        "set local lock_timeout = '5s';\ndrop table if exists public.account_notes;\n")
    before = run_invoke("test", root=root)
    assert before.returncode == 1, before.stdout[-3000:] + before.stderr
    for fact in ("column public.account_notes.body", "index public.idx_account_notes_account",
                 "policy public.account_notes.account_notes_own", "default public.account_notes.created_at",
                 "check public.account_notes.account_notes_body_check", "comment public.account_notes.body"):
        assert f"UNPINNED {fact}: no assertion pins it" in before.stdout, fact
    written = run_invoke("scaffold-tests", "20251201000000", root=root)
    assert written.returncode == 0, written.stdout + written.stderr
    path = root / "pgtap" / "mt5" / "20251201000000_account_notes.test.sql"  # beside most of the tests
    assert "-- TODO behaviour of public.account_notes.account_notes_body_check" in path.read_text()
    again = run_invoke("scaffold-tests", "20251201000000", root=root)
    assert again.returncode == 2 and "never overwrites" in again.stderr
    after = run_invoke("test", root=root)
    assert after.returncode == 0, after.stdout[-3000:] + after.stderr
    assert "schema coverage: " in after.stdout and "(100%)" in after.stdout
