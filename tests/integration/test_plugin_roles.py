"""The plugin's role helpers on a fresh database of this project: the role and the JWT claims
PostgREST sets (auth.uid(), auth.role(), auth.jwt() read them, both styles), restored on leaving
the block, also after an error, a rollback or a nested block; and users created in auth.users."""

from __future__ import annotations

import json
import uuid

import pytest
from psycopg import errors

from dbharness.pytest_plugin import as_anon, as_authenticated, as_service_role, create_user

WHO = ("select current_user, auth.uid(), auth.role(), auth.jwt() ->> 'email', "
       "current_setting('request.jwt.claim.sub', true)")


def claims(conn) -> dict:
    text = conn.execute("select current_setting('request.jwt.claims', true)").fetchone()[0]
    return json.loads(text) if text else {}


def test_as_authenticated_sets_what_postgrest_sets(supabase_conn, supabase_user):
    with as_authenticated(supabase_conn, {"sub": str(supabase_user), "email": "a@example.test"}):
        assert supabase_conn.execute(WHO).fetchone() == (
            "authenticated", supabase_user, "authenticated", "a@example.test", str(supabase_user))
        assert claims(supabase_conn) == {"sub": str(supabase_user), "email": "a@example.test",
                                         "role": "authenticated"}
    assert supabase_conn.execute(WHO).fetchone() == ("postgres", None, None, None, "")
    assert claims(supabase_conn) == {}


def test_a_bare_id_is_the_sub_claim(supabase_conn, supabase_user):
    with as_authenticated(supabase_conn, supabase_user):
        assert supabase_conn.execute("select auth.uid()").fetchone()[0] == supabase_user


def test_anon_and_service_role_carry_their_role_and_no_user(supabase_conn):
    with as_anon(supabase_conn):
        assert supabase_conn.execute(WHO).fetchone()[:3] == ("anon", None, "anon")
        assert claims(supabase_conn) == {"role": "anon"}
    with as_service_role(supabase_conn):
        assert supabase_conn.execute(WHO).fetchone()[:3] == ("service_role", None, "service_role")


def test_claims_without_a_user_are_refused():
    with pytest.raises(ValueError, match="needs the user's id"):
        as_authenticated(None, {"email": "x@example.test"})  # type: ignore[arg-type]


def test_row_level_security_applies_to_the_user(supabase_conn):
    alice = uuid.UUID("11111111-1111-4111-8111-111111111111")  # the seed's
    with as_authenticated(supabase_conn, alice):
        owners = {r[0] for r in supabase_conn.execute("select user_id from public.trading_accounts")}
    assert owners == {alice}
    with as_anon(supabase_conn), pytest.raises(errors.InsufficientPrivilege):
        supabase_conn.execute("select * from public.trading_accounts")


def test_after_an_error_the_session_is_restored_and_the_failed_transaction_rolled_back(supabase_conn):
    with as_anon(supabase_conn), pytest.raises(errors.InsufficientPrivilege):
        supabase_conn.execute("select * from public.trading_accounts")
    assert supabase_conn.execute(WHO).fetchone()[0] == "postgres"


def test_a_rollback_inside_a_block_keeps_the_role(supabase_conn, supabase_user):
    # begun outside a transaction, the block's settings are committed: a rollback inside it cannot
    # quietly bring back postgres (which bypasses RLS)
    with as_authenticated(supabase_conn, supabase_user):
        supabase_conn.rollback()
        assert supabase_conn.execute("select current_user, auth.uid()").fetchone() == (
            "authenticated", supabase_user)
    assert supabase_conn.execute("select current_user").fetchone()[0] == "postgres"
    supabase_conn.rollback()
    assert supabase_conn.execute("select current_user").fetchone()[0] == "postgres"


def test_a_block_inside_the_tests_transaction_joins_it_and_leaves_it_open(supabase_conn):
    made = create_user(supabase_conn, "pending@example.test")
    with as_service_role(supabase_conn):
        supabase_conn.execute("insert into public.profiles (user_id, display_name) values (%s, 'P')", (made,))
    assert supabase_conn.execute("select current_user").fetchone()[0] == "postgres"
    supabase_conn.rollback()  # neither the user nor the profile was committed, by the test or the block
    assert supabase_conn.execute("select count(*) from auth.users where id = %s", (made,)).fetchone() == (0,)
    assert supabase_conn.execute("select current_user").fetchone()[0] == "postgres"


def test_a_block_begun_outside_a_transaction_commits_what_it_did(supabase_conn):
    made = create_user(supabase_conn, "committed@example.test")
    supabase_conn.commit()
    with as_service_role(supabase_conn):
        supabase_conn.execute("insert into public.profiles (user_id, display_name) values (%s, 'C')", (made,))
    supabase_conn.rollback()
    assert supabase_conn.execute("select display_name from public.profiles where user_id = %s",
                                 (made,)).fetchall() == [("C",)]
    supabase_conn.rollback()  # that select began a transaction: end it, so the next block is its own
    with pytest.raises(ZeroDivisionError), as_service_role(supabase_conn):  # an exception rolls back
        supabase_conn.execute("update public.profiles set display_name = 'D' where user_id = %s", (made,))
        raise ZeroDivisionError
    assert supabase_conn.execute("select display_name, current_user from public.profiles where user_id = %s",
                                 (made,)).fetchall() == [("C", "postgres")]


def test_a_nested_block_restores_the_outer_one(supabase_conn, supabase_user):
    with as_authenticated(supabase_conn, supabase_user):
        with as_service_role(supabase_conn):
            assert supabase_conn.execute("select current_user, auth.uid()").fetchone() == ("service_role", None)
        assert supabase_conn.execute("select current_user, auth.uid()").fetchone() == (
            "authenticated", supabase_user)


def test_autocommit_connections_work_the_same(supabase_conn, supabase_user):
    supabase_conn.autocommit = True
    with as_authenticated(supabase_conn, supabase_user):
        assert supabase_conn.execute("select auth.uid()").fetchone()[0] == supabase_user
    assert supabase_conn.execute("select current_user, auth.uid()").fetchone() == ("postgres", None)


def test_create_user_writes_a_confirmed_email_user(supabase_conn):
    given = uuid.UUID("33333333-3333-4333-8333-333333333333")
    made = create_user(supabase_conn, "carol@example.test", user_id=given, user_metadata={"name": "Carol"})
    row = supabase_conn.execute(
        "select email, aud, role, email_confirmed_at is not null, raw_user_meta_data ->> 'name', "
        "raw_app_meta_data ->> 'provider' from auth.users where id = %s", (made,)).fetchone()
    assert made == given
    assert row == ("carol@example.test", "authenticated", "authenticated", True, "Carol", "email")
    other = create_user(supabase_conn)
    assert other != made and supabase_conn.execute(
        "select email like 'user-%%@example.test' from auth.users where id = %s", (other,)).fetchone() == (True,)
