"""The offline pg_cron (dbharness/hosted/extensions) takes the schedules pg_cron 1.6 takes, refuses
the ones it refuses, and has its SQL interface, privileges and cron.database_name rule; jobs are
stored and never run."""

from __future__ import annotations

import psycopg
import pytest

from dbharness.builder import database
from dbharness.engines.local import LocalEngine

# (schedule, whether pg_cron 1.6 takes it): the verdicts of pg_cron 1.6.4's own parser.
SCHEDULES = [
    ("0 3 * * *", True), ("* * * * *", True), ("*/5 * * * *", True), ("5-10/2 * * * *", True),
    ("0,30 8-18 * * 1-5", True), ("0 0 * jan *", True), ("0 0 * JAN-Mar *", True), ("0 12 * * mon-fri", True),
    ("0 0 * * Sun", True), ("0 0 * * 7", True), ("0 0 * * 0-7/2", True), ("0 0 $ * *", True),
    ("0 0 1-31/31 * *", True), ("59 23 31 12 7", True), ("0 0 * * mOn,sat", True), ("0 0 * feb-jan/2 *", True),
    # blank and comment lines first, trailing characters of a field, a reversed range, a sixth field
    ("  * * * * *", True), ("\n* * * * *", True), ("#comment\n0 3 * * *", True), ("5! * * * *", True),
    ("*-5 * * * *", True), ("10-5 * * * *", True), ("* * * * * *", True), ("* * * * * select 1", True),
    ("4294967296 * * * *", True),  # C's atoi keeps the low 32 bits: minute 0
    ("@daily", True), ("@hourly", True), ("@weekly", True), ("@monthly", True), ("@yearly", True),
    ("@annually", True), ("@midnight", True), ("@reboot", True), ("@restart", True), ("@daily and more", True),
    ("30 seconds", True), ("1 second", True), ("59 seconds", True), ("30 Seconds", True), ("30 SECOND", True),
    ("30seconds", True), (" 30 seconds  ", True), ("+5 seconds", True), ("05 seconds", True),
    ("4294967326 seconds", True),  # 30 once kept to 32 bits
    ("", False), (" ", False), ("* * * *", False), ("60 * * * *", False), ("0 24 * * *", False),
    ("0 0 0 * *", False), ("0 0 32 * *", False), ("0 0 * 0 *", False), ("0 0 * 13 *", False),
    ("0 0 * * 8", False), ("1/20 * * * *", False), ("5-64/30 * * * *", False), ("*/0 * * * *", False),
    ("1,,2 * * * *", False), ("1, 2 * * * *", False), ("0 0 * * Sunday", False), ("0 0 * January *", False),
    ("0 0 $* * *", False), ("0 0 1,$ * *", False), ("0 0 * * 1-", False), ("a * * * *", False),
    ("0 0 * * 1-5/x", False), ("99999999999999999999 * * * *", False), ("* * * * *" + " " * 1000, False),
    ("@Daily", False), ("@ daily", False), ("@every 5m", False), ("@", False), ("# only a comment", False),
    ("\r* * * * *", False), ("60 seconds", False), ("0 seconds", False), ("-1 seconds", False),
    ("30 second ", False), ("30 secondsx", False), ("30 seconds later", False), ("30 sec", False),
    ("30 minutes", False), ("1 minute", False), ("every 30 seconds", False),
]


@pytest.fixture(scope="module")
def cron_server():
    """A throwaway server of the local engine whose postgres database (cron.database_name) has
    pg_cron, created by postgres as a migration creates it."""
    with LocalEngine(base=database.BASE_CLUSTER).running() as srv:
        with psycopg.connect(srv.conninfo(), autocommit=True) as conn:
            conn.execute("create extension if not exists pg_cron")
        yield srv


@pytest.fixture
def conn(cron_server):
    """A session of postgres, with no jobs left from other tests."""
    with psycopg.connect(cron_server.conninfo(admin=True), autocommit=True) as admin:
        admin.execute("delete from cron.job")
    with psycopg.connect(cron_server.conninfo(), autocommit=True) as c:
        yield c


def one(conn, sql: str, *args):
    return conn.execute(sql, args).fetchone()


@pytest.mark.parametrize("schedule, accepted", SCHEDULES, ids=[repr(s)[:40] for s, _ in SCHEDULES])
def test_a_schedule_is_taken_or_refused_as_pg_cron_does(conn, schedule, accepted):
    try:
        jobid = one(conn, "select cron.schedule(%s, 'select 1')", schedule)[0]
    except psycopg.errors.InvalidParameterValue as exc:
        assert not accepted, f"refused: {exc}"
        assert exc.diag.message_primary == f"invalid schedule: {schedule}"
        assert "[1-59] seconds" in (exc.diag.message_hint or "")
    else:
        assert accepted, "taken"
        assert one(conn, "select schedule from cron.job where jobid = %s", jobid) == (schedule,)


def test_the_extension_is_the_offline_1_6_in_pg_catalog_and_no_library_is_preloaded(conn):
    assert one(conn, "select extversion, extnamespace::regnamespace::text from pg_extension "
                     "where extname = 'pg_cron'") == ("1.6", "pg_catalog")
    assert one(conn, "select current_setting('shared_preload_libraries'), "
                     "current_setting('cron.database_name')") == ("dbharness_rules", "postgres")
    assert one(conn, "select count(*) from pg_stat_activity where backend_type like 'pg_cron%%'") == (0,)


def test_cron_job_and_job_run_details_have_pg_crons_columns_and_defaults(conn):
    columns = conn.execute("select table_name, column_name, data_type, is_nullable, column_default "
                           "from information_schema.columns where table_schema = 'cron' "
                           "order by table_name, ordinal_position").fetchall()
    assert columns == [
        ("job", "jobid", "bigint", "NO", "nextval('cron.jobid_seq'::regclass)"),
        ("job", "schedule", "text", "NO", None), ("job", "command", "text", "NO", None),
        ("job", "nodename", "text", "NO", "'localhost'::text"), ("job", "nodeport", "integer", "NO", "inet_server_port()"),
        ("job", "database", "text", "NO", "current_database()"), ("job", "username", "text", "NO", "CURRENT_USER"),
        ("job", "active", "boolean", "NO", "true"), ("job", "jobname", "text", "YES", None),
        ("job_run_details", "jobid", "bigint", "YES", None),
        ("job_run_details", "runid", "bigint", "NO", "nextval('cron.runid_seq'::regclass)"),
        ("job_run_details", "job_pid", "integer", "YES", None), ("job_run_details", "database", "text", "YES", None),
        ("job_run_details", "username", "text", "YES", None), ("job_run_details", "command", "text", "YES", None),
        ("job_run_details", "status", "text", "YES", None), ("job_run_details", "return_message", "text", "YES", None),
        ("job_run_details", "start_time", "timestamp with time zone", "YES", None),
        ("job_run_details", "end_time", "timestamp with time zone", "YES", None)]
    constraints = {r[0] for r in conn.execute("select conname from pg_constraint where connamespace = 'cron'::regnamespace")}
    assert constraints == {"job_pkey", "jobname_username_uniq", "job_run_details_pkey"}
    assert one(conn, "select count(*) from pg_class where relnamespace = 'cron'::regnamespace and relkind = 'S' "
                     "and relname in ('jobid_seq', 'runid_seq')") == (2,)
    assert dict(conn.execute("select relname::text, relrowsecurity from pg_class where oid in "
                             "('cron.job'::regclass, 'cron.job_run_details'::regclass)").fetchall()) == {
        "job": True, "job_run_details": True}
    dumped = one(conn, "select array(select unnest(extconfig)::regclass::text order by 1) from pg_extension "
                       "where extname = 'pg_cron'")[0]
    assert dumped == ["cron.job", "cron.job_run_details", "cron.jobid_seq", "cron.runid_seq"]


def test_a_job_without_a_name_is_stored_with_the_callers_name_and_the_cron_database(conn, cron_server):
    jobid = one(conn, "select cron.schedule('30 seconds', 'select 1')")[0]
    row = one(conn, "select schedule, command, nodename, nodeport, database, username, active, jobname "
                    "from cron.job where jobid = %s", jobid)
    assert row == ("30 seconds", "select 1", "localhost", cron_server.port, "postgres", "postgres", True, None)
    assert one(conn, "select cron.schedule('30 seconds', 'select 1')")[0] == jobid + 1  # never merged
    assert one(conn, "select count(*) from cron.job_run_details") == (0,)  # jobs never run


def test_a_named_job_scheduled_again_takes_the_new_schedule_and_keeps_its_id(conn):
    first = one(conn, "select cron.schedule('nightly', '0 3 * * *', 'select 1')")[0]
    conn.execute("select cron.alter_job(%s, active := false)", (first,))
    again = one(conn, "select cron.schedule('nightly', '30 seconds', 'select 2')")[0]
    assert again == first
    assert one(conn, "select schedule, command, active from cron.job where jobname = 'nightly'") == (
        "30 seconds", "select 2", False)


def test_unschedule_by_name_and_by_id(conn):
    by_name = one(conn, "select cron.schedule('a', '@daily', 'select 1')")[0]
    by_id = one(conn, "select cron.schedule('b', '@daily', 'select 1')")[0]
    assert one(conn, "select cron.unschedule('a')") == (True,)
    assert one(conn, "select cron.unschedule(%s::bigint)", by_id) == (True,)
    assert one(conn, "select count(*) from cron.job") == (0,)
    with pytest.raises(psycopg.Error, match="could not find valid entry for job 'a'"):
        conn.execute("select cron.unschedule('a')")
    with pytest.raises(psycopg.Error, match=f"could not find valid entry for job {by_name}"):
        conn.execute("select cron.unschedule(%s::bigint)", (by_name,))
    assert one(conn, "select cron.unschedule(null::text), cron.unschedule(null::bigint)") == (None, None)


def test_alter_job_changes_what_is_named_and_checks_it(conn):
    jobid = one(conn, "select cron.schedule('tidy', '0 3 * * *', 'select 1')")[0]
    conn.execute("select cron.alter_job(%s, schedule := '*/10 * * * *', command := 'select 2')", (jobid,))
    assert one(conn, "select schedule, command, active from cron.job where jobid = %s", jobid) == (
        "*/10 * * * *", "select 2", True)
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="invalid schedule: 61 seconds"):
        conn.execute("select cron.alter_job(%s, schedule := '61 seconds')", (jobid,))
    with pytest.raises(psycopg.Error, match="no updates specified"):
        conn.execute("select cron.alter_job(%s)", (jobid,))
    with pytest.raises(psycopg.Error, match="must be superuser to alter username"):
        conn.execute("select cron.alter_job(%s, username := 'authenticator')", (jobid,))
    with pytest.raises(psycopg.Error, match="Job 99999 does not exist or you don't own it"):
        conn.execute("select cron.alter_job(99999, active := false)")
    with pytest.raises(psycopg.Error, match="job_id can not be NULL"):
        conn.execute("select cron.alter_job(null, active := false)")


def test_schedule_in_database_names_the_database_and_only_a_superuser_names_the_role(conn, cron_server):
    jobid = one(conn, "select cron.schedule_in_database('elsewhere', '@hourly', 'select 1', 'template1')")[0]
    assert one(conn, "select database, username from cron.job where jobid = %s", jobid) == ("template1", "postgres")
    with pytest.raises(psycopg.Error, match='database "nowhere" does not exist'):
        conn.execute("select cron.schedule_in_database('x', '@hourly', 'select 1', 'nowhere')")
    with pytest.raises(psycopg.Error, match="must be superuser to create a job for another role"):
        conn.execute("select cron.schedule_in_database('x', '@hourly', 'select 1', 'postgres', 'authenticator')")
    with psycopg.connect(cron_server.conninfo(admin=True), autocommit=True) as admin:
        jobid = one(admin, "select cron.schedule_in_database('as_postgres', '@hourly', 'select 1', 'postgres', "
                           "'postgres', false)")[0]
        assert one(admin, "select username, active from cron.job where jobid = %s", jobid) == ("postgres", False)
        with pytest.raises(psycopg.Error, match='role "anon" can not log in'):
            admin.execute("select cron.schedule_in_database('x', '@hourly', 'select 1', 'postgres', 'anon')")
    assert one(conn, "select count(*) from cron.job where jobname = 'as_postgres'") == (1,)


def test_null_arguments_are_refused_by_the_named_forms_and_ignored_by_the_strict_ones(conn):
    assert one(conn, "select cron.schedule(null, 'select 1')") == (None,)
    for args, message in ((("null", "'@daily'", "'x'"), "job_name can not be NULL"),
                          (("'j'", "null", "'x'"), "schedule can not be NULL"),
                          (("'j'", "'@daily'", "null"), "command can not be NULL")):
        with pytest.raises(psycopg.Error, match=message):
            conn.execute(f"select cron.schedule({', '.join(args)})")


def test_postgres_reads_every_job_and_writes_them_only_through_the_functions(conn, cron_server):
    with psycopg.connect(cron_server.conninfo(admin=True), autocommit=True) as admin:
        theirs = one(admin, "select cron.schedule('admins', '@daily', 'select 1')")[0]
    mine = one(conn, "select cron.schedule('mine', '@daily', 'select 1')")[0]
    # postgres bypasses row level security on Supabase: it sees the superuser's job too
    assert conn.execute("select jobid, username from cron.job order by jobid").fetchall() == [
        (theirs, "supabase_admin"), (mine, "postgres")]
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for table job"):
        conn.execute("insert into cron.job (schedule, command) values ('@daily', 'select 1')")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for table job"):
        conn.execute("select cron.unschedule(%s::bigint)", (theirs,))
    with pytest.raises(psycopg.Error, match=f"Job {theirs} does not exist or you don't own it"):
        conn.execute("select cron.alter_job(%s, active := false)", (theirs,))


def test_a_role_without_bypassrls_sees_only_its_own_jobs(conn, cron_server):
    with psycopg.connect(cron_server.conninfo(admin=True), autocommit=True) as admin:
        admin.execute("drop role if exists cron_user; create role cron_user login; "
                      "grant usage on schema cron to cron_user")
        theirs = one(admin, "select cron.schedule('admins', '@daily', 'select 1')")[0]
        try:
            admin.execute("set role cron_user")
            mine = one(admin, "select cron.schedule('mine', '@daily', 'select 1')")[0]
            assert admin.execute("select jobid, username from cron.job").fetchall() == [(mine, "cron_user")]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                admin.execute("select cron.unschedule(%s::bigint)", (theirs,))
            assert one(admin, "select cron.unschedule('mine')") == (True,)
        finally:
            admin.execute("reset role; drop owned by cron_user; drop role cron_user")


def test_the_platforms_grants_on_cron(conn):
    privileges = one(conn, "select has_schema_privilege('cron', 'USAGE'), "
                           "has_table_privilege('cron.job', 'SELECT'), has_table_privilege('cron.job', 'UPDATE'), "
                           "has_table_privilege('cron.job_run_details', 'DELETE'), "
                           "has_function_privilege('cron.alter_job(bigint, text, text, text, text, boolean)', 'EXECUTE'), "
                           "has_function_privilege('cron.schedule_in_database(text, text, text, text, text, boolean)', "
                           "'EXECUTE')")
    assert privileges == (True, True, False, True, True, True)
    assert one(conn, "select has_schema_privilege('anon', 'cron', 'USAGE'), has_function_privilege('authenticated', "
                     "'cron.alter_job(bigint, text, text, text, text, boolean)', 'EXECUTE')") == (False, False)


def test_the_extension_is_made_only_in_the_database_cron_database_name_names(server):
    with database.scratch(server, "not_cron_home") as db:
        from dbharness.hosted import compat

        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
        with psycopg.connect(db.conninfo(), autocommit=True) as conn:
            with pytest.raises(psycopg.errors.RaiseException) as caught:
                conn.execute("create extension pg_cron")
            assert caught.value.diag.message_primary == "can only create extension in database postgres"
            assert "not_cron_home" in (caught.value.diag.message_hint or "")
            assert one(conn, "select count(*) from pg_extension where extname = 'pg_cron'") == (0,)
