"""Which statements the platform runs on postgres's behalf, and which create an extension."""

import pytest

from dbharness.supabase import rules


@pytest.mark.parametrize("sql", [
    "create extension if not exists pg_net with schema extensions",
    "CREATE EXTENSION \"uuid-ossp\"",
    "drop extension if exists pg_cron",
    "alter extension pg_net update",
    "create policy \"Own files\" on storage.objects for select to authenticated using (owner = auth.uid())",
    "alter policy p on auth.users rename to q",
    "alter policy p on storage.buckets using (true)",
    "drop policy if exists p on realtime.messages",
    "drop trigger on_auth_user_created on auth.users",
])
def test_what_supautils_lets_postgres_do_goes_on_its_behalf(sql):
    assert rules.on_behalf(sql)


@pytest.mark.parametrize("sql", [
    "create extension pageinspect",            # not on the allow-list
    "drop extension pg_net, pageinspect",      # one of them is not
    "create policy p on public.t using (true)",  # the project owns public.t
    "create policy p on objects using (true)",   # unqualified: not matched
    "drop trigger t on public.t",
    "alter table storage.objects enable row level security",
    "create trigger t after insert on auth.users for each row execute function f()",
    "select 'create extension pg_net'",
    "create extension pg_net; create extension pg_cron",  # never more than one statement
    "create extension",                                    # does not parse
])
def test_everything_else_runs_as_postgres(sql):
    assert not rules.on_behalf(sql)


def test_created_extension_names_the_extension():
    assert rules.created_extension("create extension if not exists \"pg_graphql\" with schema graphql") == \
        rules.Extension("pg_graphql")
    assert rules.created_extension("drop extension pg_graphql") is None
    assert rules.created_extension("select 1") is None


def test_the_unavailable_message_is_one_line_with_both_choices():
    text = rules.unavailable_message("pgsodium")
    assert "\n" not in text
    assert text.startswith('extension "pgsodium" is not available on this server; run with --engine docker')
    assert 'stub_extensions = ["pgsodium"]' in text
