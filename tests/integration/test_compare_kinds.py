"""dbharness compare on the fixture project of tests/compare: each kind of object it reads is
reported by name when the two sides differ in it, and builds written differently that PostgreSQL
stores alike compare equal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dbharness import api, config
from dbharness.compare.picture import KINDS

FIXTURE = Path(__file__).resolve().parents[1] / "compare" / "project"
SCHEMAS = "supabase/schemas"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the fixture project, for tests that change its schemas folder."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "project"))


def compare(root: Path, a: str = "migrations", b: str = SCHEMAS, **kw):
    return api.compare(config.load(root), a, b, **kw)


def lines(result) -> list[str]:
    return [str(d) for d in result.differences]


def test_the_declarative_schema_written_otherwise_equals_the_migrations(project):
    # int4 and integer, varchar and character varying, constraints added after the table,
    # execute procedure and execute function, objects made in another order, rows inserted in
    # another order: what PostgreSQL stores is the same
    result = compare(project)
    assert lines(result) == [] and not result.failed
    # not vacuous: every kind had objects to compare (pgmq is not installed here)
    assert [k for k in KINDS if not result.counts.get(k)] == ["pgmq_queue"]
    assert any("public.profiles: created_at not compared: it holds the time a side was built" in n
               for n in result.notes)
    assert any(n.startswith("auth.identities: id not compared: it holds a value made at random")
               for n in result.notes)


# (kind, what the schemas side does besides, a line the comparison must print)
CHANGES = [
    ("schema", "create schema private;", "private (schema): only in supabase/schemas"),
    ("relation", "alter table public.currencies disable row level security;",
     "public.currencies (relation): rls enabled differs: migrations True, supabase/schemas False"),
    ("relation", "revoke select on public.currencies from anon;",
     "public.currencies (relation): privileges differ: anon:SELECT only in migrations"),
    ("relation", "alter table public.profiles replica identity default;",
     "public.profiles (relation): replica identity differs: migrations 'f', supabase/schemas 'd'"),
    ("column", "alter table public.currencies alter column digits type bigint;",
     "public.currencies.digits (column): type differs: migrations 'integer', supabase/schemas 'bigint'"),
    ("column", "alter table public.currencies alter column name set default 'unnamed';",
     "public.currencies.name (column): default differs: migrations none, "
     "supabase/schemas \"'unnamed'::character varying\""),
    ("column", "comment on column public.profiles.handle is 'Public.';",
     "public.profiles.handle (column): comment differs: migrations 'Shown to other users.', "
     "supabase/schemas 'Public.'"),
    ("constraint", "alter table public.profiles drop constraint profiles_bio_check;\n"
                   "alter table public.profiles add check (length(bio) < 400);",
     "public.profiles.profiles_bio_check (constraint): definition differs: "
     "migrations 'CHECK ((length(bio) < 500))', supabase/schemas 'CHECK ((length(bio) < 400))'"),
    ("index", "create index currencies_name_idx on public.currencies (name);",
     "public.currencies_name_idx (index): only in supabase/schemas"),
    ("policy", 'alter policy "Users read their own profile." on public.profiles to authenticated, service_role;',
     "public.profiles.Users read their own profile. (policy): roles differs: migrations 'authenticated', "
     "supabase/schemas 'authenticated, service_role'"),
    ("policy", 'drop policy "Avatars are public." on storage.objects;',
     "storage.objects.Avatars are public. (policy): only in migrations"),
    ("function", "alter function public.handle_new_user() set search_path = public;",
     "public.handle_new_user() (function): config differs: migrations ['search_path=\"\"'], "
     "supabase/schemas ['search_path=public']"),
    ("trigger", "create trigger objects_touched after insert on storage.objects\n"
                "  for each row execute function public.handle_new_user();",
     "storage.objects.objects_touched (trigger): only in supabase/schemas"),
    ("sequence", "alter sequence public.ticket_numbers increment by 5;",
     "public.ticket_numbers (sequence): increment differs: migrations 1, supabase/schemas 5"),
    ("type", "alter type public.mood add value 'angry';",
     "public.mood (type): labels differs: migrations 'happy, calm, sad', supabase/schemas 'happy, calm, sad, angry'"),
    ("bucket", "update storage.buckets set public = false where id = 'avatars';",
     "avatars (bucket): public differs: migrations True, supabase/schemas False"),
    ("cron_job", "select cron.schedule('nightly-visits', '0 4 * * *', $$update public.profiles set visits = null$$);",
     "nightly-visits (cron_job): schedule differs: migrations '0 3 * * *', supabase/schemas '0 4 * * *'"),
    ("event_trigger", "alter event trigger ensure_rls disable;",
     "ensure_rls (event_trigger): enabled differs: migrations 'O', supabase/schemas 'D'"),
    ("publication", "alter publication supabase_realtime set (publish = 'insert, update');",
     "supabase_realtime (publication): delete differs: migrations True, supabase/schemas False"),
    ("publication_table", "alter publication supabase_realtime drop table public.profiles;",
     "supabase_realtime public.profiles (publication_table): only in migrations"),
    ("default_privileges", "alter default privileges in schema public revoke all on sequences from anon;",
     "postgres in public on sequences (default_privileges): privileges differ: "
     "anon:SELECT, anon:UPDATE, anon:USAGE only in migrations"),
    ("grant", "revoke select on storage.buckets from anon;",
     "table storage.buckets (grant): only in migrations"),
    ("extension", "create extension if not exists pg_trgm with schema extensions;",
     "pg_trgm (extension): only in supabase/schemas"),
    ("role_setting", "alter role authenticated set statement_timeout = '20s';",
     "authenticated (role_setting): statement_timeout differs: migrations '15s', supabase/schemas '20s'"),
    ("vault_secret", "select vault.create_secret('not-a-real-key-either', 'second_key');",
     "second_key (vault_secret): only in supabase/schemas"),
    ("data", "update public.currencies set digits = 3 where code = 'EUR';",
     "public.currencies (data): row (EUR) differs (in digits)"),
    ("data", "insert into public.currencies (code, name) values ('USD', 'Dollar');",
     "public.currencies (data): row (USD) only in supabase/schemas"),
]


@pytest.mark.parametrize(("kind", "change", "line"), CHANGES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(CHANGES)])
def test_a_difference_of_each_kind_is_reported_by_name(project, kind, change, line):
    (project / SCHEMAS / "z_change.sql").write_text(change + "\n")
    result = compare(project)
    assert result.failed_kinds == [kind]
    assert any(found.startswith(line) for found in lines(result)), lines(result)


def test_the_other_side_is_named_the_other_way_round(project):
    (project / SCHEMAS / "z_change.sql").write_text("create schema private;\n")
    assert lines(compare(project, SCHEMAS, "migrations")) == ["private (schema): only in supabase/schemas"]


def test_server_made_constraint_names_follow_the_definition_and_its_place(project):
    # An unnamed constraint is named by the server from its table and columns: the same
    # definition gets the same name inline or added later (the equal test above), but two
    # unnamed checks on one column are numbered in the order they were made.
    (project / "supabase/migrations/20240103000000_checks.sql").write_text(
        "alter table public.currencies add check (digits >= 0);\n"
        "alter table public.currencies add check (digits <= 4);\n")
    (project / SCHEMAS / "z_checks.sql").write_text(
        "alter table public.currencies add check (digits <= 4);\n"
        "alter table public.currencies add check (digits >= 0);\n")
    result = compare(project)
    assert lines(result) == [
        "public.currencies.currencies_digits_check (constraint): definition differs: "
        "migrations 'CHECK ((digits >= 0))', supabase/schemas 'CHECK ((digits <= 4))'",
        "public.currencies.currencies_digits_check1 (constraint): definition differs: "
        "migrations 'CHECK ((digits <= 4))', supabase/schemas 'CHECK ((digits >= 0))'"]


def test_now_and_current_timestamp_are_stored_apart(project):
    # PostgreSQL 15 keeps CURRENT_TIMESTAMP as its own node, not as a call of now(): the two
    # defaults behave alike but are not the same definition, and pg_dump writes them apart
    (project / SCHEMAS / "z_default.sql").write_text(
        "alter table public.profiles alter column created_at set default current_timestamp;\n")
    assert lines(compare(project)) == [
        "public.profiles.created_at (column): default differs: migrations 'now()', "
        "supabase/schemas 'CURRENT_TIMESTAMP'"]


def test_an_earlier_version_of_the_migrations(project):
    result = compare(project, "migrations@20240101000000", "migrations")
    assert "avatars (bucket): only in migrations" in lines(result)
    assert "public.profiles.scratch (column): only in migrations@20240101000000" in lines(result)


def test_known_differences_are_ignored_with_their_reason_and_unused_entries_said(project):
    (project / SCHEMAS / "z_change.sql").write_text(
        "create extension if not exists pg_trgm with schema extensions;\ncreate schema private;\n")
    with open(project / "dbharness.toml", "w") as f:
        f.write('[compare]\nignore = [\n'
                '  { object = "pg_trgm (extension)", reason = "made by hand on every database" },\n'
                '  { object = "public.gone*", reason = "a table dropped long ago" },\n]\n')
    result = compare(project, ignore=["private"])
    assert not result.failed
    assert [(str(d), e.reason) for d, e in result.ignored] == [
        ("private (schema): only in supabase/schemas", "given with --ignore"),
        ("pg_trgm (extension): only in supabase/schemas", "made by hand on every database")]
    assert [e.object for e in result.unused] == ["public.gone*"]
