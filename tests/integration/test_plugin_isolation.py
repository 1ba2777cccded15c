"""The pytest plugin's promise, with its own fixtures on this repository's project: what one test
writes and commits is gone in the next (the two tests run in this order), each test's database is
its own, and it holds every migration and the seed."""

from __future__ import annotations

WRITTEN = "written and committed by the first test"
seen: dict[str, str] = {}


def test_first_a_test_writes_and_commits_a_row(supabase_conn):
    supabase_conn.execute("insert into public.profiles (user_id, display_name) "
                          "select id, %s from auth.users where email = 'alice@example.com' "
                          "on conflict (user_id) do update set display_name = excluded.display_name", (WRITTEN,))
    supabase_conn.commit()
    assert supabase_conn.execute("select count(*) from public.profiles where display_name = %s",
                                 (WRITTEN,)).fetchone()[0] == 1
    seen["first"] = supabase_conn.info.dbname


def test_then_the_next_test_does_not_see_it(supabase_conn):
    rows = supabase_conn.execute("select display_name from public.profiles order by display_name").fetchall()
    assert rows == [("Alice",), ("Bob",)]  # the seed's, as the migrated build left them
    assert supabase_conn.info.dbname != seen.get("first")


def test_the_database_has_every_migration_and_the_seed(supabase_conn):
    versions = [r[0] for r in supabase_conn.execute(
        "select version from supabase_migrations.schema_migrations order by version")]
    assert versions == ["20251101000000", "20251112120000", "20251112120100", "20251112120200",
                        "20251112120300", "20251112120400"]
    assert supabase_conn.execute("select to_regclass('public.sync_logs') is not null").fetchone() == (True,)
    assert supabase_conn.execute("select count(*) > 0 from public.trading_accounts").fetchone() == (True,)


def test_the_connection_is_postgres_in_a_transaction_of_its_own(supabase_conn, supabase_db):
    assert supabase_conn.autocommit is False
    assert "user=postgres" in supabase_db
    user, superuser = supabase_conn.execute(
        "select current_user, rolsuper from pg_roles where rolname = current_user").fetchone()
    assert (user, superuser) == ("postgres", False)  # as on the platform: not a superuser


def test_the_copy_keeps_what_the_platform_grants_on_its_database(supabase_conn):
    grants = supabase_conn.execute(
        "select has_database_privilege('postgres', current_database(), 'CREATE'), "
        "has_database_privilege('anon', current_database(), 'CONNECT')").fetchone()
    assert grants == (True, True)
