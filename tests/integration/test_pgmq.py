"""The offline pgmq (Supabase Queues, dbharness/hosted/extensions) has pgmq 1.4.4's interface and
semantics, with what the platform grants; pgmq_public comes with the queues_api setting."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from dbharness import config
from dbharness.builder import database
from dbharness.hosted import compat

_names = itertools.count()


@pytest.fixture(scope="module")
def db(server):
    """A compat database where postgres created pgmq, as a migration does (through the rules)."""
    with database.scratch(server, "pgmq") as scratch:
        with psycopg.connect(scratch.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
        with psycopg.connect(scratch.conninfo(), autocommit=True) as conn:
            conn.execute("create extension pgmq")
        yield scratch


@pytest.fixture
def conn(db):
    """A session of postgres (autocommit), as the project's migrations and tests run."""
    with psycopg.connect(db.conninfo(), autocommit=True) as c:
        yield c


@pytest.fixture
def queue(conn) -> str:
    """A new queue of this test's own."""
    name = f"jobs_{next(_names)}"
    conn.execute("select pgmq.create(%s)", (name,))
    return name


def one(conn, sql: str, *args):
    return conn.execute(sql, args).fetchone()


def send(conn, queue: str, *messages: dict, delay: int = 0) -> list[int]:
    return [one(conn, "select * from pgmq.send(%s, %s::jsonb, %s)", queue, psycopg.types.json.Jsonb(m),
                delay)[0] for m in messages]


def read(conn, queue: str, vt: int = 30, qty: int = 10) -> list[tuple]:
    return conn.execute("select msg_id, read_ct, message from pgmq.read(%s, %s, %s)", (queue, vt, qty)).fetchall()


def test_a_queue_is_two_tables_with_pgmqs_columns_defaults_and_indexes(conn, queue):
    columns = conn.execute(
        "select table_name, column_name, data_type, is_nullable, column_default, is_identity, identity_generation "
        "from information_schema.columns where table_schema = 'pgmq' and table_name in (%s, %s) "
        "order by table_name, ordinal_position", (f"q_{queue}", f"a_{queue}")).fetchall()
    tz = "timestamp with time zone"
    assert columns == [
        (f"a_{queue}", "msg_id", "bigint", "NO", None, "NO", None),
        (f"a_{queue}", "read_ct", "integer", "NO", "0", "NO", None),
        (f"a_{queue}", "enqueued_at", tz, "NO", "now()", "NO", None),
        (f"a_{queue}", "archived_at", tz, "NO", "now()", "NO", None),
        (f"a_{queue}", "vt", tz, "NO", None, "NO", None),
        (f"a_{queue}", "message", "jsonb", "YES", None, "NO", None),
        (f"q_{queue}", "msg_id", "bigint", "NO", None, "YES", "ALWAYS"),
        (f"q_{queue}", "read_ct", "integer", "NO", "0", "NO", None),
        (f"q_{queue}", "enqueued_at", tz, "NO", "now()", "NO", None),
        (f"q_{queue}", "vt", tz, "NO", None, "NO", None),
        (f"q_{queue}", "message", "jsonb", "YES", None, "NO", None)]
    indexes = {r[0]: r[1] for r in conn.execute(
        "select indexname, indexdef from pg_indexes where schemaname = 'pgmq' and tablename in (%s, %s)",
        (f"q_{queue}", f"a_{queue}"))}
    assert set(indexes) == {f"q_{queue}_pkey", f"q_{queue}_vt_idx", f"a_{queue}_pkey", f"archived_at_idx_{queue}"}
    assert indexes[f"q_{queue}_vt_idx"].endswith("USING btree (vt)")
    members = {r[0] for r in conn.execute(
        "select objid::regclass::text from pg_depend where refobjid = (select oid from pg_extension "
        "where extname = 'pgmq') and classid = 'pg_class'::regclass and deptype = 'e'")}
    assert {"pgmq.meta", f"pgmq.q_{queue}", f"pgmq.a_{queue}"} <= members
    assert one(conn, "select queue_name::text, is_partitioned, is_unlogged, created_at is not null "
                     "from pgmq.meta where queue_name = %s", queue) == (queue, False, False, True)


def test_the_record_types_have_pgmqs_attributes(conn):
    def attributes(name: str) -> list[tuple[str, str]]:
        return conn.execute("select attname::text, format_type(atttypid, atttypmod) from pg_attribute "
                            "where attrelid = %s::regclass and attnum > 0 order by attnum", (name,)).fetchall()

    tz = "timestamp with time zone"
    assert attributes("pgmq.message_record") == [("msg_id", "bigint"), ("read_ct", "integer"),
                                                 ("enqueued_at", tz), ("vt", tz), ("message", "jsonb")]
    assert attributes("pgmq.queue_record") == [("queue_name", "character varying"), ("is_partitioned", "boolean"),
                                               ("is_unlogged", "boolean"), ("created_at", tz)]
    assert attributes("pgmq.metrics_result") == [
        ("queue_name", "text"), ("queue_length", "bigint"), ("newest_msg_age_sec", "integer"),
        ("oldest_msg_age_sec", "integer"), ("total_messages", "bigint"), ("scrape_time", tz)]
    assert attributes("pgmq.meta") == [("queue_name", "character varying"), ("is_partitioned", "boolean"),
                                       ("is_unlogged", "boolean"), ("created_at", tz)]


def test_the_functions_have_pgmqs_signatures(conn):
    found = {r[0] for r in conn.execute(
        "select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' from pg_proc p "
        "where p.pronamespace = 'pgmq'::regnamespace")}
    assert {"send(queue_name text, msg jsonb, delay integer)", "send_batch(queue_name text, msgs jsonb[], "
            "delay integer)", "read(queue_name text, vt integer, qty integer)",
            "read_with_poll(queue_name text, vt integer, qty integer, max_poll_seconds integer, "
            "poll_interval_ms integer)", "pop(queue_name text)", "archive(queue_name text, msg_id bigint)",
            "archive(queue_name text, msg_ids bigint[])", "delete(queue_name text, msg_id bigint)",
            "delete(queue_name text, msg_ids bigint[])", "purge_queue(queue_name text)",
            "set_vt(queue_name text, msg_id bigint, vt integer)", "metrics(queue_name text)", "metrics_all()",
            "list_queues()", "drop_queue(queue_name text)", "detach_archive(queue_name text)",
            "create(queue_name text)", "create_unlogged(queue_name text)", "create_partitioned(queue_name text, "
            "partition_interval text, retention_interval text)"} <= found


def test_postgres_owns_what_create_extension_made_as_on_the_platform(conn):
    owners = {r[0] for r in conn.execute(
        "select pg_get_userbyid(extowner) from pg_extension where extname = 'pgmq' "
        "union select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'pgmq' "
        "union select pg_get_userbyid(proowner) from pg_proc where pronamespace = 'pgmq'::regnamespace "
        "union select pg_get_userbyid(relowner) from pg_class where relnamespace = 'pgmq'::regnamespace")}
    assert owners == {"postgres"}
    assert one(conn, "select has_schema_privilege('pg_monitor', 'pgmq', 'USAGE'), "
                     "has_table_privilege('pg_monitor', 'pgmq.meta', 'SELECT')") == (True, True)


def test_the_api_roles_get_nothing_on_pgmq_unless_queues_are_exposed(conn, queue):
    for role in ("anon", "authenticated", "service_role"):
        assert one(conn, "select has_schema_privilege(%s, 'pgmq', 'USAGE'), "
                         "has_table_privilege(%s, %s, 'SELECT')", role, role, f"pgmq.q_{queue}") == (False, False)
    assert one(conn, "select to_regnamespace('pgmq_public')") == (None,)


def test_a_read_message_is_invisible_until_its_vt_passes_and_read_ct_counts(conn, queue):
    first, second = send(conn, queue, {"n": 1}, {"n": 2})
    assert read(conn, queue, vt=30, qty=1) == [(first, 1, {"n": 1})]
    assert read(conn, queue) == [(second, 1, {"n": 2})]  # the first is hidden for 30 s
    assert read(conn, queue) == []
    conn.execute("select pgmq.set_vt(%s, %s, -1)", (queue, first))  # its vt has passed
    assert read(conn, queue, vt=0) == [(first, 2, {"n": 1})]
    assert read(conn, queue, vt=0) == [(first, 3, {"n": 1})]  # vt 0: visible again at once


def test_a_read_sets_vt_from_clock_time_and_keeps_enqueued_at(conn, queue):
    [msg] = send(conn, queue, {"a": 1})
    enqueued, vt = one(conn, f"select enqueued_at, vt from pgmq.q_{queue} where msg_id = %s", msg)
    assert vt >= enqueued
    got = conn.execute("select msg_id, enqueued_at, vt, vt - clock_timestamp() > interval '55 s' "
                       "from pgmq.read(%s, 60, 1)", (queue,)).fetchall()
    assert got == [(msg, enqueued, got[0][2], True)]
    assert one(conn, f"select vt from pgmq.q_{queue} where msg_id = %s", msg) == (got[0][2],)


def test_read_takes_the_oldest_first_and_at_most_qty(conn, queue):
    ids = send(conn, queue, *({"n": i} for i in range(5)))
    assert [r[0] for r in read(conn, queue, qty=3)] == ids[:3]
    assert [r[0] for r in read(conn, queue, qty=3)] == ids[3:]


def test_a_delayed_message_is_invisible_until_its_delay_passes(conn, queue):
    [late] = send(conn, queue, {"late": True}, delay=60)
    [now] = send(conn, queue, {"late": False})
    assert [r[0] for r in read(conn, queue)] == [now]
    enqueued, vt = one(conn, f"select enqueued_at, vt from pgmq.q_{queue} where msg_id = %s", late)
    assert vt - enqueued >= timedelta(seconds=60)
    ids = [r[0] for r in conn.execute("select * from pgmq.send_batch(%s, array['{\"b\": 1}', '{\"b\": 2}']::jsonb[], "
                                      "60)", (queue,))]
    assert len(ids) == 2 and read(conn, queue) == []
    conn.execute(f"update pgmq.q_{queue} set vt = now() - interval '1 s'")  # the delays have passed
    assert sorted(r[0] for r in read(conn, queue)) == sorted([late, *ids, now])


def test_send_batch_returns_an_id_per_message_in_order(conn, queue):
    ids = [r[0] for r in conn.execute("select * from pgmq.send_batch(%s, array['{\"x\": 1}', '{\"x\": 2}', "
                                      "'{\"x\": 3}']::jsonb[])", (queue,))]
    assert ids == sorted(ids) and len(ids) == 3
    assert [r[2] for r in read(conn, queue)] == [{"x": 1}, {"x": 2}, {"x": 3}]


def test_pop_deletes_the_message_it_returns(conn, queue):
    first, _ = send(conn, queue, {"p": 1}, {"p": 2})
    assert conn.execute("select msg_id, read_ct, message from pgmq.pop(%s)", (queue,)).fetchall() == [
        (first, 0, {"p": 1})]
    assert one(conn, f"select count(*) from pgmq.q_{queue} where msg_id = %s", first) == (0,)
    assert one(conn, f"select count(*) from pgmq.a_{queue}") == (0,)


def test_pop_sees_visibility_at_the_transactions_start_as_pgmq_does(db, queue):
    with psycopg.connect(db.conninfo()) as c:  # one transaction: pop compares vt with now()
        send(c, queue, {"same": "transaction"})
        assert c.execute("select * from pgmq.pop(%s)", (queue,)).fetchall() == []
        assert [r[2] for r in read(c, queue)] == [{"same": "transaction"}]  # read uses clock time
        c.rollback()


def test_archive_moves_messages_to_the_archive_table(conn, queue):
    a, b, c = send(conn, queue, {"k": 1}, {"k": 2}, {"k": 3})
    read(conn, queue, qty=1)
    assert one(conn, "select pgmq.archive(%s, %s::bigint)", queue, a) == (True,)
    assert one(conn, "select pgmq.archive(%s, %s::bigint)", queue, a) == (False,)
    assert [r[0] for r in conn.execute("select pgmq.archive(%s, %s::bigint[])", (queue, [b, c, 999]))] == [b, c]
    assert one(conn, f"select count(*) from pgmq.q_{queue}") == (0,)
    archived = conn.execute(f"select msg_id, read_ct, message, archived_at is not null from pgmq.a_{queue} "
                            "order by msg_id").fetchall()
    assert archived == [(a, 1, {"k": 1}, True), (b, 0, {"k": 2}, True), (c, 0, {"k": 3}, True)]


def test_delete_one_and_many_and_purge(conn, queue):
    a, b, _, _ = send(conn, queue, *({"d": i} for i in range(4)))
    assert one(conn, "select pgmq.delete(%s, %s::bigint)", queue, a) == (True,)
    assert one(conn, "select pgmq.delete(%s, %s::bigint)", queue, a) == (False,)
    assert [r[0] for r in conn.execute("select pgmq.delete(%s, %s::bigint[])", (queue, [b, 999]))] == [b]
    assert one(conn, "select pgmq.purge_queue(%s)", queue) == (2,)
    assert one(conn, f"select count(*) from pgmq.q_{queue}") == (0,)
    assert one(conn, f"select count(*) from pgmq.a_{queue}") == (0,)


def test_set_vt_hides_or_shows_a_message_and_returns_it(conn, queue):
    [msg] = send(conn, queue, {"v": 1})
    row = one(conn, "select msg_id, read_ct, vt > now() + interval '50 s' from pgmq.set_vt(%s, %s, 60)", queue, msg)
    assert row == (msg, 0, True)
    assert read(conn, queue) == []
    assert conn.execute("select * from pgmq.set_vt(%s, 999, 0)", (queue,)).fetchall() == []
    conn.execute("select pgmq.set_vt(%s, %s, -5)", (queue, msg))
    assert [r[0] for r in read(conn, queue)] == [msg]


def test_metrics_count_the_queue_and_every_message_ever_sent(conn, queue):
    assert one(conn, "select queue_name, queue_length, newest_msg_age_sec, total_messages from pgmq.metrics(%s)",
               queue) == (queue, 0, None, 0)
    ids = send(conn, queue, {"m": 1}, {"m": 2}, {"m": 3})
    read(conn, queue, qty=1)  # invisible messages still count
    conn.execute("select pgmq.delete(%s, %s::bigint)", (queue, ids[0]))
    row = one(conn, "select queue_length, total_messages, newest_msg_age_sec >= 0, oldest_msg_age_sec >= 0, "
                    "scrape_time is not null from pgmq.metrics(%s)", queue)
    assert row == (2, 3, True, True, True)
    everyone = {r[0]: r[1] for r in conn.execute("select queue_name, queue_length from pgmq.metrics_all()")}
    assert everyone[queue] == 2
    listed = {r[0] for r in conn.execute("select queue_name from pgmq.list_queues()")}
    assert queue in listed and listed == set(everyone)


def test_two_readers_on_two_connections_never_get_the_same_message(db, queue, conn):
    ids = send(conn, queue, *({"r": i} for i in range(6)))
    with psycopg.connect(db.conninfo()) as first, psycopg.connect(db.conninfo()) as second:
        second.execute("set lock_timeout = '10s'")  # waiting on the first reader's rows would fail here
        mine = [r[0] for r in read(first, queue, qty=3)]  # its transaction stays open: rows locked
        theirs = [r[0] for r in read(second, queue, qty=10)]
        first.commit()
        second.commit()
    assert mine == ids[:3] and theirs == ids[3:]
    assert set(mine).isdisjoint(theirs)


def test_two_readers_of_one_message_get_it_once(db, queue, conn):
    [msg] = send(conn, queue, {"only": 1})
    with psycopg.connect(db.conninfo()) as first, psycopg.connect(db.conninfo()) as second:
        second.execute("set lock_timeout = '10s'")
        got = [read(first, queue, qty=1), read(second, queue, qty=1)]
        first.rollback()  # the first reader gives it back: the message is visible again
        second.commit()
    assert got == [[(msg, 1, {"only": 1})], []]
    assert read(conn, queue) == [(msg, 1, {"only": 1})]


def test_read_with_poll_returns_what_is_there(conn, queue):
    assert conn.execute("select * from pgmq.read_with_poll(%s, 30, 5, 0)", (queue,)).fetchall() == []
    [msg] = send(conn, queue, {"poll": 1})
    assert [r[0] for r in conn.execute("select * from pgmq.read_with_poll(%s, 30, 5)", (queue,))] == [msg]


def test_create_is_idempotent_and_names_are_lower_cased(conn):
    conn.execute("select pgmq.create('Mixed_Case')")
    conn.execute("select pgmq.create('Mixed_Case')")
    [msg] = send(conn, "mixed_case", {"c": 1})
    assert [r[0] for r in read(conn, "MIXED_CASE")] == [msg]
    assert one(conn, "select count(*) from pgmq.meta where queue_name = 'Mixed_Case'") == (1,)
    assert one(conn, "select to_regclass('pgmq.q_mixed_case') is not null") == (True,)


def test_an_unlogged_queue_has_an_unlogged_message_table(conn):
    conn.execute("select pgmq.create_unlogged('fast')")
    persistence = dict(conn.execute("select relname::text, relpersistence::text from pg_class "
                                    "where relname in ('q_fast', 'a_fast')").fetchall())
    assert persistence == {"q_fast": "u", "a_fast": "p"}
    assert one(conn, "select is_unlogged from pgmq.meta where queue_name = 'fast'") == (True,)
    assert [r[0] for r in read(conn, "fast")] == [] and len(send(conn, "fast", {"u": 1})) == 1


def test_drop_queue_removes_both_tables_and_its_row(conn):
    conn.execute("select pgmq.create('doomed')")
    send(conn, "doomed", {"x": 1})
    assert one(conn, "select pgmq.drop_queue('doomed')") == (True,)
    assert one(conn, "select to_regclass('pgmq.q_doomed'), to_regclass('pgmq.a_doomed')") == (None, None)
    assert one(conn, "select count(*) from pgmq.meta where queue_name = 'doomed'") == (0,)
    with pytest.raises(psycopg.errors.UndefinedTable):
        send(conn, "doomed", {"x": 2})


def test_detach_archive_takes_the_archive_out_of_the_extension_and_drop_queue_still_works(conn):
    conn.execute("select pgmq.create('kept')")
    conn.execute("select pgmq.detach_archive('kept')")
    member = ("select exists (select from pg_depend where objid = 'pgmq.a_kept'::regclass and deptype = 'e')")
    assert one(conn, member) == (False,)
    assert one(conn, "select pgmq.drop_queue('kept')") == (True,)  # the platform's drop_queue
    assert one(conn, "select to_regclass('pgmq.q_kept'), to_regclass('pgmq.a_kept')") == (None, None)


@pytest.mark.parametrize("name, message", [
    ("bad$name", "queue name contains invalid characters: $, ;, --, or \\'"),
    ("bad;name", "queue name contains invalid characters"),
    ("bad--name", "queue name contains invalid characters"),
    ("bad'name", "queue name contains invalid characters"),
    ("x" * 48, "queue name is too long, maximum length is 48 characters"),
])
def test_bad_queue_names_are_refused(conn, name, message):
    for function in ("create", "create_unlogged"):
        with pytest.raises(psycopg.errors.RaiseException, match=re.escape(message)):
            conn.execute(f"select pgmq.{function}(%s)", (name,))
    assert one(conn, "select count(*) from pgmq.meta where queue_name = %s", name) == (0,)


def test_the_longest_name_is_accepted(conn):
    conn.execute("select pgmq.create(%s)", ("y" * 47,))
    assert len(send(conn, "y" * 47, {"long": True})) == 1


def test_partitioned_queues_are_refused_without_pg_partman_as_on_the_platform(conn):
    with pytest.raises(psycopg.errors.RaiseException, match="pg_partman is required for partitioned queues"):
        conn.execute("select pgmq.create_partitioned('parts')")
    assert one(conn, "select to_regclass('pgmq.q_parts')") == (None,)


def test_the_queues_api_setting_is_an_opt_in_platform_option(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.dbharness]\n")
    assert "queues_api" not in config.load(tmp_path).platform_options
    (tmp_path / "pyproject.toml").write_text("[tool.dbharness]\nqueues_api = true\n")
    assert config.load(tmp_path).platform_options == frozenset({"queues_api"})


def test_queues_api_makes_pgmq_public_with_the_platforms_grants(server):
    with database.scratch(server, "queues_api") as scratch:
        with psycopg.connect(scratch.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin, frozenset({"queues_api"}))
            compat.install(admin, frozenset({"queues_api"}))  # a second run changes nothing
        with psycopg.connect(scratch.conninfo(), autocommit=True) as conn:
            wrappers = {r[0] for r in conn.execute(
                "select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' from pg_proc p "
                "where p.pronamespace = 'pgmq_public'::regnamespace and pg_get_userbyid(p.proowner) = 'postgres'")}
            assert wrappers == {
                "pop(queue_name text)", "send(queue_name text, message jsonb, sleep_seconds integer)",
                "send_batch(queue_name text, messages jsonb[], sleep_seconds integer)",
                "read(queue_name text, sleep_seconds integer, n integer)",
                "archive(queue_name text, message_id bigint)", "delete(queue_name text, message_id bigint)"}
            conn.execute("select pgmq.create('api')")  # a migration's queue, after the switch
            for role in ("anon", "authenticated", "service_role"):
                assert one(conn, "select has_schema_privilege(%s, 'pgmq_public', 'USAGE'), "
                                 "has_schema_privilege(%s, 'pgmq', 'USAGE'), "
                                 "has_function_privilege(%s, 'pgmq_public.send(text, jsonb, integer)', 'EXECUTE'), "
                                 "has_sequence_privilege(%s, 'pgmq.q_api_msg_id_seq', 'USAGE')",
                           role, role, role, role) == (True, True, True, True)
            assert one(conn, "select has_table_privilege('service_role', 'pgmq.q_api', 'INSERT'), "
                             "has_table_privilege('authenticated', 'pgmq.q_api', 'INSERT')") == (True, False)
            conn.execute("set role service_role")
            [msg] = conn.execute("select * from pgmq_public.send('api', '{\"via\": \"api\"}')").fetchone()
            assert conn.execute("select msg_id, message from pgmq_public.read('api', 30, 5)").fetchall() == [
                (msg, {"via": "api"})]
            assert conn.execute("select pgmq_public.archive('api', %s)", (msg,)).fetchone() == (True,)
            conn.execute("set role authenticated")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for table q_api"):
                conn.execute("select * from pgmq_public.send('api', '{}')")
