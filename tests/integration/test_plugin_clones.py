"""dbharness.testing.clones on a real server: a copy has its source's owner, grants and settings
(which CREATE DATABASE leaves behind), the template is made while a background worker sits in its
source, nobody may connect to it, and every copy handed out is dropped."""

from __future__ import annotations

import psycopg
import pytest

from dbharness.builder import database
from dbharness.testing.clones import Clones
from dbharness.testing.copies import copy_database, make_template, plan

SOURCE = "clone_source"
FACTS = {
    "owner": "select pg_get_userbyid(datdba) from pg_database where datname = %(db)s",
    "grants": "select array_agg(g order by g) from (select format('%%s %%s %%s', coalesce("
              "pg_get_userbyid(nullif(a.grantee, 0)), 'public'), a.privilege_type, a.is_grantable) as g "
              "from pg_database d, aclexplode(d.datacl) a where d.datname = %(db)s) as x",
    "settings": "select array_agg(s order by s) from (select format('%%s %%s', coalesce(pg_get_userbyid("
                "nullif(r.setrole, 0)), '*'), r.setconfig) as s from pg_db_role_setting r join pg_database d "
                "on d.oid = r.setdatabase where d.datname = %(db)s) as x",
}


def facts(admin: psycopg.Connection, db: str) -> dict[str, object]:
    return {name: admin.execute(query, {"db": db}).fetchone()[0] for name, query in FACTS.items()}


@pytest.fixture
def admin(server):
    with psycopg.connect(server.conninfo(admin=True), autocommit=True) as conn:
        conn.execute(f"create database {SOURCE} owner postgres")
        for statement in (f"revoke all on database {SOURCE} from public",
                          f"grant connect on database {SOURCE} to anon",
                          f"grant create on database {SOURCE} to authenticated with grant option",
                          f"alter database {SOURCE} set search_path = \"$user\", public, extensions",
                          f"alter database {SOURCE} set statement_timeout = '3s'",
                          f"alter role anon in database {SOURCE} set statement_timeout = '8s'",
                          f"alter database {SOURCE} set dbharness.note = 'kept'"):
            conn.execute(statement)
        yield conn
        for db in conn.execute("select datname from pg_database where datname like 'clone\\_%%'").fetchall():
            conn.execute(f"alter database {db[0]} is_template false")
            conn.execute(f"drop database {db[0]} with (force)")


def test_a_copy_has_its_sources_owner_grants_and_settings(server, admin):
    copy_database(admin, plan(admin, server, SOURCE), "clone_copy")
    assert facts(admin, "clone_copy") == facts(admin, SOURCE)
    assert len(facts(admin, SOURCE)["settings"]) == 2  # the database's own, and anon's in it
    assert facts(admin, SOURCE)["grants"] == [
        "anon CONNECT f", "authenticated CREATE t", "postgres CONNECT f", "postgres CREATE f",
        "postgres TEMPORARY f"]
    with psycopg.connect(server.conninfo("clone_copy")) as conn:
        assert conn.execute("show search_path").fetchone()[0] == '"$user", public, extensions'
        assert conn.execute("select current_setting('dbharness.note')").fetchone()[0] == "kept"


def test_the_template_is_made_while_a_worker_sits_in_its_source_and_nobody_may_connect(server, admin):
    with psycopg.connect(server.conninfo(SOURCE)) as worker:  # as pg_cron's launcher sits in postgres
        worker.execute("select 1")
        make_template(admin, server, SOURCE, "clone_template")
        with pytest.raises(psycopg.OperationalError):
            worker.execute("select 1")  # ended: a copy needs its source to itself
    marks = admin.execute("select datistemplate, datallowconn from pg_database where datname = %s",
                          ("clone_template",)).fetchone()
    assert marks == (True, False)
    with psycopg.connect(server.conninfo(SOURCE)) as again:  # the source takes connections again
        assert again.execute("select 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match="not currently accepting connections"):
        psycopg.connect(server.conninfo("clone_template"))
    assert facts(admin, "clone_template") == facts(admin, SOURCE)


def test_copies_are_fresh_and_each_is_dropped_after_use(server, admin):
    make_template(admin, server, SOURCE, "clone_template")
    clones = Clones(server, "clone_template", "clone_n")
    try:
        first = clones.take()
        with psycopg.connect(first.conninfo(), autocommit=True) as conn:
            conn.execute("create table public.left_behind ()")
        clones.give_back(first)
        second = clones.take()
        assert second.dbname != first.dbname
        with psycopg.connect(second.conninfo()) as conn:
            assert conn.execute("select to_regclass('public.left_behind')").fetchone() == (None,)
        assert facts(admin, second.dbname) == facts(admin, SOURCE)
        clones.give_back(second)
    finally:
        clones.close()
    left = admin.execute("select count(*) from pg_database where datname like 'clone\\_n%%'").fetchone()[0]
    assert left == 0  # the two handed out and the ones made ahead


def test_a_clone_of_a_database_with_the_offline_vault_keeps_its_key(fresh_db, server):
    # fresh_db is itself a copy of the compat template: its vault must decrypt
    with psycopg.connect(fresh_db) as conn:
        conn.execute("select vault.create_secret('kept', 'k2')")
        assert conn.execute("select decrypted_secret from vault.decrypted_secrets where name = 'k2'"
                            ).fetchone() == ("kept",)


def test_databases_of_the_server_that_no_copy_touches_still_work(server):
    with database.scratch(server, "clone_untouched") as db, psycopg.connect(db.conninfo()) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
