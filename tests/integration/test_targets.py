"""Targets that are not what they seem, for real: a staging URL through pgbouncer in transaction
mode (refused, with the direct URL as the way out, no lock left behind) and in session mode (as a
direct connection), a role whose transactions are read-only, a database that is, and a hot
standby (refused before anything is attempted; status reads them all)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dbharness import config
from dbharness.builder import database
from dbharness.deploy import promote as deploy_promote
from dbharness.deploy import rollback as deploy_rollback
from dbharness.deploy import targets
from dbharness.deploy.status import environment_status
from dbharness.engines.base import Server
from dbharness.engines.local import LocalEngine
from dbharness.errors import PromotionRefused
from dbharness.progress import quiet
from tests.pooler import PGBOUNCER, hot_standby, pgbouncer
from tests.support import run_invoke, stands_for_a_real_environment

MIGRATIONS = {"1_a.sql": "create table public.a (id bigint primary key);\n",
              "2_b.sql": "set lock_timeout = '1s';\ncreate table public.b (id bigint primary key);\n"}
ROLLBACKS = {"2_b.sql": "drop table public.b;\n"}
LATER = {"3_c.sql": "create table public.c (id bigint primary key);\n"}
POOLED = "staging is reached through a pooler in transaction mode"
DIRECT = "set STAGING_DATABASE_URL to the direct URL instead (on Supabase: the Connect button, 'Direct connection'"
_names = itertools.count()
needs_pgbouncer = pytest.mark.skipif(PGBOUNCER is None, reason="pgbouncer is not installed (apt-get install "
                                     "pgbouncer; .ci/run installs it)")


@pytest.fixture
def staging(server: Server, project: Path, monkeypatch) -> Iterator[tuple[Path, str]]:
    """The fixture project with two migrations (a rollback for the second), and a database of the
    session's server standing for staging (production not configured); yields both."""
    for name, text in MIGRATIONS.items():
        (project / "supabase" / "migrations" / name).write_text(text)
    for name, text in ROLLBACKS.items():
        (project / "supabase" / "rollbacks" / name).write_text(text)
    monkeypatch.delenv("PRODUCTION_DATABASE_URL", raising=False)
    name = f"stg_target_{next(_names)}"
    with database.scratch(server, name):
        stands_for_a_real_environment(server, name)
        yield project, name


def use(monkeypatch, url: str) -> None:
    monkeypatch.setenv("STAGING_DATABASE_URL", url)


def promote(root: Path, lines: list[str] | None = None) -> list[str]:
    report = lines.append if lines is not None else quiet
    return deploy_promote.promote(config.load(root), "staging", yes=True, skip_tests=True, report=report).raise_if_stopped().applied


def rollback(root: Path, to: str) -> list[str]:
    return deploy_rollback.rollback(config.load(root), "staging", to, yes=True, report=quiet)


def pending(root: Path) -> list[str]:
    return [f.version for f in environment_status(config.load(root), "staging")[1].pending]


def advisory_locks(server: Server) -> int:
    """Advisory locks held anywhere on the server (a pooled server session keeps them)."""
    with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
        row = admin.execute("select count(*) from pg_catalog.pg_locks where locktype = 'advisory'").fetchone()
    return int(row[0]) if row else 0


def has_history(server: Server, dbname: str) -> bool:
    with psycopg.connect(server.conninfo(dbname, admin=True), autocommit=True) as conn:
        return conn.execute("select to_regnamespace('supabase_migrations') is not null").fetchone() == (True,)


@needs_pgbouncer
def test_a_transaction_pooler_is_refused_with_the_direct_url_and_leaves_no_lock(server, staging, monkeypatch):
    root, name = staging
    with pgbouncer(server, "transaction") as port:
        use(monkeypatch, f"postgresql://postgres@127.0.0.1:{port}/{name}")
        for attempt in range(2):  # the second is refused for the same reason, not for a lock left held
            with pytest.raises(PromotionRefused) as err:
                promote(root)
            assert POOLED in str(err.value) and DIRECT in str(err.value), str(err.value)
            assert "advisory lock held" not in str(err.value)
            assert advisory_locks(server) == 0 and not has_history(server, name), attempt
        with pytest.raises(PromotionRefused, match=POOLED):
            rollback(root, "1")
        assert advisory_locks(server) == 0
        assert pending(root) == ["1", "2"]  # status only reads: it works through the pooler
        said = run_invoke("promote", "--env", "staging", "--skip-tests", root=root)
        assert said.returncode == 7 and POOLED in said.stderr and "Traceback" not in said.stderr, said.stderr
        shown = run_invoke("status", "--env", "staging", root=root)
        assert shown.returncode == 0 and "pending" in shown.stdout, shown.stdout + shown.stderr
    assert advisory_locks(server) == 0 and not has_history(server, name)


@needs_pgbouncer
def test_without_the_check_a_transaction_pooler_keeps_the_promotions_lock(server, staging, monkeypatch):
    """Why the refusal: as soon as another client uses the pool during a promotion (an app's
    traffic on Supabase's pooler), the lock is taken in one server session and released in
    another, and stays held by the first after the run."""
    root, name = staging
    monkeypatch.setattr(targets, "shares_sessions", lambda target, conn: None)
    with pgbouncer(server, "transaction") as port:
        url = f"postgresql://postgres@127.0.0.1:{port}/{name}"
        use(monkeypatch, url)
        with psycopg.connect(url, autocommit=True) as app:
            def traffic(line: str) -> None:
                if line.startswith("Applying 1_a"):  # the lock is taken: the app's transaction begins
                    app.execute("begin")
                    app.execute("select 1")
            try:
                applied = deploy_promote.promote(config.load(root), "staging", yes=True, skip_tests=True,
                                                 report=traffic).applied
                app.execute("commit")
                assert applied == ["1_a", "2_b"]
                assert advisory_locks(server) == 1  # the promotion is over; its lock is not
            finally:
                with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
                    admin.execute("select pg_catalog.pg_terminate_backend(pid) from pg_catalog.pg_locks "
                                  "where locktype = 'advisory'")


@needs_pgbouncer
def test_a_session_pooler_works_as_a_direct_connection(server, staging, monkeypatch):
    root, name = staging
    with pgbouncer(server, "session") as port:
        use(monkeypatch, f"postgresql://postgres@127.0.0.1:{port}/{name}")
        assert pending(root) == ["1", "2"]
        lines: list[str] = []
        assert promote(root, lines) == ["1_a", "2_b"]
        assert advisory_locks(server) == 0, lines
        for file, text in LATER.items():
            (root / "supabase" / "migrations" / file).write_text(text)
        assert promote(root) == ["3_c"]  # the second promotion is not refused
        assert advisory_locks(server) == 0 and pending(root) == []
        (root / "supabase" / "rollbacks" / "3_c.sql").write_text("drop table public.c;\n")
        assert rollback(root, "1") == ["3_c", "2_b"]
        assert advisory_locks(server) == 0 and pending(root) == ["2", "3"]
        with psycopg.connect(server.conninfo(name), autocommit=True) as holder:  # a promotion under way
            holder.execute("select pg_advisory_lock(hashtext('dbharness-promote'))")
            with pytest.raises(PromotionRefused, match="advisory lock held"):
                promote(root)
        assert promote(root) == ["2_b", "3_c"]
    assert advisory_locks(server) == 0


READ_ONLY = {  # where the setting is made, and what the refusal says of it
    "role": ("alter role {role} set default_transaction_read_only = on",
             "for the role {role}): nothing could be applied; connect as a role that may write, or turn it off: "
             "alter role {role} reset default_transaction_read_only"),
    "database": ("alter database {db} set default_transaction_read_only = on",
                 "for the database {db}): nothing could be applied; connect as a role that may write, or turn it "
                 "off: alter database {db} reset default_transaction_read_only"),
    "role in database": ("alter role {role} in database {db} set default_transaction_read_only = on",
                         "for the role {role} in the database {db}): nothing could be applied; connect as a role "
                         "that may write, or turn it off: alter role {role} in database {db} reset "
                         "default_transaction_read_only"),
    "url options": ("select 1", "in the URL's options): nothing could be applied; connect as a role that may "
                                "write, or turn it off: take it out of the options of STAGING_DATABASE_URL"),
}


@pytest.mark.parametrize("where", list(READ_ONLY))
def test_a_read_only_target_is_refused_before_anything_is_attempted(server, staging, monkeypatch, where):
    root, name = staging
    role = f"ro_{name}"
    setting, said_where = (text.format(role=role, db=name) for text in READ_ONLY[where])
    with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
        admin.execute(f"create role {role} login")
        admin.execute(f"grant all on database {name} to {role}")
        admin.execute(setting)
    try:
        options = "?options=-c%20default_transaction_read_only%3Don" if where == "url options" else ""
        use(monkeypatch, f"postgresql://{role}@127.0.0.1:{server.port}/{name}{options}")
        for verb in (promote, lambda r: rollback(r, "1")):
            with pytest.raises(PromotionRefused) as err:
                verb(root)
            assert ("staging makes every transaction read-only (default_transaction_read_only = on, set "
                    + said_where) in str(err.value), str(err.value)
            assert not has_history(server, name)
        assert pending(root) == ["1", "2"]  # status only reads: it works
        said = run_invoke("promote", "--env", "staging", "--skip-tests", root=root)
        assert said.returncode == 7 and "ReadOnlySqlTransaction" not in said.stderr + said.stdout, said.stderr
        assert "makes every transaction read-only" in said.stderr and "Traceback" not in said.stderr
    finally:
        with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
            admin.execute(f"alter database {name} reset default_transaction_read_only")
            admin.execute(f"drop owned by {role}")
            admin.execute(f"drop role {role}")


@pytest.fixture(scope="module")
def primary() -> Iterator[Server]:
    """A throwaway server of its own, to be the primary of a hot standby."""
    with LocalEngine(base=database.BASE_CLUSTER).running() as srv:
        yield srv


def test_a_hot_standby_is_refused_and_its_status_read(primary, project, monkeypatch):
    for name, text in MIGRATIONS.items():
        (project / "supabase" / "migrations" / name).write_text(text)
    monkeypatch.delenv("PRODUCTION_DATABASE_URL", raising=False)
    with psycopg.connect(primary.conninfo(admin=True), autocommit=True) as admin:
        admin.execute("create database stg owner postgres")
    stands_for_a_real_environment(primary, "stg")
    use(monkeypatch, f"postgresql://postgres@127.0.0.1:{primary.port}/stg")
    assert promote(project) == ["1_a", "2_b"]
    (project / "supabase" / "migrations" / "3_c.sql").write_text(LATER["3_c.sql"])
    with hot_standby(primary) as standby:
        use(monkeypatch, f"postgresql://postgres@127.0.0.1:{standby.port}/stg")
        for verb in (promote, lambda r: rollback(r, "1")):
            with pytest.raises(PromotionRefused) as err:
                verb(project)
            assert ("staging is a hot standby (a server in recovery, such as a read replica): it takes no "
                    "writes; STAGING_DATABASE_URL must name the primary") in str(err.value), str(err.value)
        assert pending(project) == ["3"]  # what the primary has, read on the standby
        said = run_invoke("status", "--env", "staging", root=project)
        assert said.returncode == 0, said.stdout + said.stderr
    use(monkeypatch, f"postgresql://postgres@127.0.0.1:{primary.port}/stg")
    assert promote(project) == ["3_c"]


def test_a_role_allowed_one_connection_is_still_promoted(server, staging, monkeypatch):
    """The pooler check's second connection is refused by the role's connection limit: the one
    connection of the promotion still tells a server from a pooler, and the promotion goes on."""
    root, name = staging
    role = f"one_{name}"
    with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
        admin.execute(f"create role {role} login connection limit 1")
        admin.execute(f"alter database {name} owner to {role}")
    try:
        use(monkeypatch, f"postgresql://{role}@127.0.0.1:{server.port}/{name}")
        assert promote(root) == ["1_a", "2_b"]
        assert advisory_locks(server) == 0
    finally:
        with psycopg.connect(server.conninfo(name, admin=True), autocommit=True) as admin:
            admin.execute(f"alter database {name} owner to postgres")
            admin.execute(f"drop owned by {role} cascade")
            admin.execute(f"drop role {role}")
