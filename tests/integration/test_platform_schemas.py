"""auth, storage and realtime as built by compat, fact by fact against a new Supabase project's, and
the behaviour of what projects call there (realtime.send, broadcast_changes, storage's guards and
listings)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.platform_schemas.facts import facts

DATA = Path(__file__).resolve().parents[1] / "platform_schemas"


def lines(name: str) -> list[str]:
    """The non-comment, non-empty lines of a data file."""
    text = (DATA / name).read_text(encoding="utf-8")
    return [x for x in text.splitlines() if x.strip() and not x.startswith("#")]


def differences() -> tuple[set[str], set[str]]:
    """(facts the local engine lacks, facts it has besides), from differences.txt."""
    found = lines("differences.txt")
    assert all(x[:2] in ("- ", "+ ") for x in found), "each line starts with '- ' or '+ '"
    return {x[2:] for x in found if x[0] == "-"}, {x[2:] for x in found if x[0] == "+"}


def test_every_difference_is_a_difference():
    reference = set(lines("reference.txt"))
    lacks, extra = differences()
    assert lacks <= reference, sorted(lacks - reference)
    assert not extra & reference, sorted(extra & reference)


def test_the_reference_covers_the_objects_the_task_names():
    """A guard against a reference cut short: the tables, types and functions a new project has."""
    reference = set(lines("reference.txt"))
    names = {x.split(" ")[1] for x in reference if x.startswith(("table ", "type "))}
    assert {"auth.saml_relay_states", "auth.flow_state", "auth.one_time_tokens", "auth.mfa_factors",
            "auth.oauth_clients", "storage.s3_multipart_uploads_parts", "storage.buckets_analytics",
            "realtime.messages", "realtime.subscription", "realtime.schema_migrations",
            "auth.aal_level", "auth.one_time_token_type", "realtime.wal_rls", "storage.buckettype"} <= names
    assert any(x.startswith("function realtime.send(payload jsonb, event text, topic text, private boolean "
                            "DEFAULT true)") for x in reference)


def test_the_built_schemas_are_the_platforms_but_the_differences_written_down(fresh_db):
    lacks, extra = differences()
    expected = (set(lines("reference.txt")) - lacks) | extra
    with psycopg.connect(fresh_db) as conn:
        built = set(facts(conn))
    missing, unexpected = sorted(expected - built), sorted(built - expected)
    assert (missing, unexpected) == ([], []), (
        "the platform has, the local engine lacks:\n  " + "\n  ".join(missing)
        + "\nthe local engine has, the platform lacks:\n  " + "\n  ".join(unexpected))


def test_realtime_send_leaves_the_message_a_test_can_assert(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("select realtime.send('{\"text\": \"hi\"}', 'chat', 'room:1')")
        conn.execute("select realtime.send('{\"id\": 7}', 'chat', 'room:2', false)")
        rows = conn.execute("select topic, event, extension, private, payload ->> 'text', "
                            "payload ->> 'id' = id::text from realtime.messages order by topic").fetchall()
        assert rows[0] == ("room:1", "chat", "broadcast", True, "hi", True)  # the id is the message's
        assert rows[1][:4] == ("room:2", "chat", "broadcast", False)
        assert conn.execute("select payload ->> 'id' from realtime.messages where topic = 'room:2'"
                            ).fetchone() == ("7",)  # a payload's own id is kept


def test_realtime_send_warns_where_the_insert_fails_and_never_fails_its_caller(fresh_db):
    warnings: list[str] = []
    with psycopg.connect(fresh_db) as conn:
        conn.add_notice_handler(lambda d: warnings.append(d.message_primary or ""))
        conn.execute("set role authenticated")  # no policy lets authenticated insert: RLS refuses
        conn.execute("select realtime.send('{}', 'e', 'room:1')")
        conn.execute("reset role")
        assert conn.execute("select count(*) from realtime.messages").fetchone() == (0,)
    assert warnings == ['WarnSendingBroadcastMessage: new row violates row-level security policy '
                        'for table "messages"']


def test_realtime_topic_is_what_send_sets_for_the_policies(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("create policy sends on realtime.messages for insert to authenticated "
                     "with check (realtime.topic() = 'room:' || (select auth.uid())::text)")
        conn.execute("select set_config('request.jwt.claims', '{\"sub\": "
                     "\"11111111-1111-4111-8111-111111111111\"}', true)")
        conn.execute("set local role authenticated")
        conn.execute("select realtime.send('{}', 'e', 'room:11111111-1111-4111-8111-111111111111')")
        conn.execute("select realtime.send('{}', 'e', 'room:someone-else')")
        conn.execute("reset role")
        assert conn.execute("select array_agg(topic) from realtime.messages").fetchone() == (
            ["room:11111111-1111-4111-8111-111111111111"],)


def test_broadcast_changes_fails_for_a_statement_trigger_as_on_the_platform(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        with pytest.raises(psycopg.errors.RaiseException) as caught:
            conn.execute("select realtime.broadcast_changes('t', 'e', 'INSERT', 'x', 'public', null, null, "
                         "'STATEMENT')")
        assert "Failed to process the row: function can only be triggered for each row" in str(caught.value)


def test_realtime_subscription_checks_its_filters(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("create table public.notes (id bigint primary key, body text)")
        insert = ("insert into realtime.subscription (subscription_id, entity, filters, claims) values "
                  "(gen_random_uuid(), 'public.notes', array[row('{col}', '{op}', '{val}', false)::"
                  "realtime.user_defined_filter], '{{\"role\": \"postgres\"}}')")
        conn.execute(insert.format(col="id", op="eq", val="1"))
        assert conn.execute("select claims_role::text from realtime.subscription").fetchone() == ("postgres",)
        for col, op, val, error in [("nope", "eq", "1", "invalid column for filter nope"),
                                    ("id", "eq", "x", "invalid input syntax for type bigint"),
                                    ("id", "match", "a", "operator match requires a text-compatible")]:
            with pytest.raises(psycopg.Error) as caught, conn.transaction():
                conn.execute(insert.format(col=col, op=op, val=val))
            assert error in str(caught.value)


def test_storage_refuses_direct_deletes_as_the_platform_does(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("insert into storage.buckets (id, name) values ('b', 'b')")
        conn.execute("insert into storage.objects (bucket_id, name) values ('b', 'x.png')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught, conn.transaction():
            conn.execute("delete from storage.objects")
        assert "Direct deletion from storage tables is not allowed" in str(caught.value)
        conn.execute("set local storage.allow_delete_query = 'true'")  # what the Storage API does
        conn.execute("delete from storage.objects")
        with pytest.raises(psycopg.errors.RaiseException):
            conn.execute("insert into storage.buckets (id, name) values ('long', repeat('n', 101))")


def test_storage_listings_fold_folders_as_the_storage_api_shows_them(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("insert into storage.buckets (id, name) values ('b', 'b')")
        conn.execute("insert into storage.objects (bucket_id, name) select 'b', n from unnest(array["
                     "'a/1.png', 'a/2.png', 'a/sub/3.png', 'b.txt', 'c/4.png']) n")
        listed = conn.execute("select name, id is null from storage.list_objects_with_delimiter("
                              "'b', '', '/')").fetchall()
        assert listed == [("a", True), ("b.txt", False), ("c", True)]
        under_a = conn.execute("select name, id is null from storage.list_objects_with_delimiter("
                               "'b', 'a/', '/')").fetchall()
        assert under_a == [("a/1.png", False), ("a/2.png", False), ("a/sub", True)]
        after = conn.execute("select name from storage.list_objects_with_delimiter('b', '', '/', 1, 'a')"
                             ).fetchall()
        assert after == [("b.txt",)]  # the folder a/ named as the cursor is passed whole
        found = conn.execute("select name, id is null from storage.search('a/', 'b', 100, 2)").fetchall()
        assert found == [("1.png", False), ("2.png", False), ("sub", True)]  # one order, by name
        assert conn.execute("select storage.get_common_prefix('a/b/c', 'a/', '/')").fetchone() == ("a/b/",)


def test_storage_operation_helpers_read_what_the_storage_api_sets(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("set local storage.operation = 'storage.object.upload'")
        row = conn.execute("select storage.operation(), storage.allow_only_operation('object.upload'), "
                           "storage.allow_only_operation('storage.object.list'), "
                           "storage.allow_any_operation(array['object.list', 'storage.object.upload'])"
                           ).fetchone()
        assert row == ("storage.object.upload", True, False, True)


def test_the_newer_auth_tables_take_what_gotrue_writes(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("insert into auth.users (id, email) values ('11111111-1111-4111-8111-111111111111', 'a@b.c')")
        conn.execute("insert into auth.mfa_factors (id, user_id, factor_type, status, created_at, updated_at) "
                     "values (gen_random_uuid(), '11111111-1111-4111-8111-111111111111', 'totp', 'verified', "
                     "now(), now())")
        conn.execute("insert into auth.sso_providers (id) values ('22222222-2222-4222-8222-222222222222')")
        conn.execute("insert into auth.saml_relay_states (id, sso_provider_id, request_id) values "
                     "(gen_random_uuid(), '22222222-2222-4222-8222-222222222222', 'r1')")
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            conn.execute("insert into auth.saml_relay_states (id, sso_provider_id, request_id) values "
                         "(gen_random_uuid(), '22222222-2222-4222-8222-222222222222', '')")
        conn.execute("delete from auth.users")  # the factor goes with its user
        assert conn.execute("select count(*) from auth.mfa_factors").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # GoTrue's alone (postgres reads all)
            conn.execute("insert into auth.schema_migrations values ('1')")


def test_the_storage_apis_list_v2_and_multipart_listing(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("insert into storage.buckets (id, name) values ('b', 'b')")
        conn.execute("insert into storage.objects (bucket_id, name, created_at) select 'b', n, "
                     "'2024-01-01'::timestamptz + i * interval '1 minute' from unnest(array["
                     "'a/1.png', 'b.txt', 'a/2.png', 'c.txt']) with ordinality t(n, i)")
        by_name = conn.execute("select key, name from storage.search_v2('', 'b')").fetchall()
        assert by_name == [("a", "a"), ("b.txt", "b.txt"), ("c.txt", "c.txt")]
        by_time = conn.execute("select name, created_at::text from storage.search_v2("
                               "'', 'b', 10, 1, '', 'desc', 'created_at')").fetchall()
        assert by_time == [("c.txt", "2024-01-01 00:04:00+00"), ("b.txt", "2024-01-01 00:02:00+00"),
                           ("a", "2024-01-01 00:01:00+00")]  # a folder is as old as its oldest object
        conn.execute("insert into storage.s3_multipart_uploads (id, upload_signature, bucket_id, key, version) "
                     "select k, 's', 'b', k, 'v' from unnest(array['x/1', 'x/2', 'y']) k")
        uploads = conn.execute("select key from storage.list_multipart_uploads_with_delimiter('b', '', '/')"
                               ).fetchall()
        assert uploads == [("x/",), ("y",)]
