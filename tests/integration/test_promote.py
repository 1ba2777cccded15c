"""dbharness promote / status / rollback against two real databases standing for staging and production."""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from dbharness import config
from dbharness.builder import history
from dbharness.deploy import gates, guards
from dbharness.deploy import promote as deploy_promote
from dbharness.deploy import rollback as deploy_rollback
from dbharness.errors import CheckFailed, PromotionRefused
from dbharness.progress import quiet
from tests.support import REPO, DatabaseEngine, run_invoke, stands_for_a_real_environment

SECRET = "s3cret-Pw_42"
MIGRATIONS = {
    "1_accounts.sql": "set lock_timeout = '1s';\ncreate table public.accounts (id int primary key);\n"
                      "alter table public.accounts enable row level security;\n"
                      "revoke truncate on public.accounts from anon, authenticated;\n",
    "2_notes.sql": "set lock_timeout = '1s';\ncreate table public.notes (id int primary key, body text);\n"
                   "alter table public.notes enable row level security;\n"
                   "revoke truncate on public.notes from anon, authenticated;\n",
    "3_idx.sql": "set lock_timeout = '1s';\ncreate index concurrently notes_body_idx on public.notes (body);\n",
}
ROLLBACKS = {
    "2_notes.sql": "set lock_timeout = '1s';\ndrop table public.notes;\n",
    "3_idx.sql": "set lock_timeout = '1s';\ndrop index concurrently if exists public.notes_body_idx;\n",
}


@pytest.fixture
def envs(server, project: Path, monkeypatch):
    """A fixture project, and two fresh databases whose URLs carry a password."""
    shutil.copy(REPO / ".squawk.toml", project / ".squawk.toml")
    with open(project / "pyproject.toml", "a") as f:
        f.write('[tool.dbharness.lint]\nrollback_excluded_rules = ["ban-drop-table"]\n')
    for name, sql in MIGRATIONS.items():
        (project / "supabase/migrations" / name).write_text(sql)
    for name, sql in ROLLBACKS.items():
        (project / "supabase/rollbacks" / name).write_text(sql)
    dbs = {}
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        for env in ("staging", "production"):
            name = f"{env[:4]}_{abs(hash(project)) % 10**8}"
            admin.execute(f"create database {name}")
            stands_for_a_real_environment(server, name)
            dbs[env] = name
    for env, name in dbs.items():
        url = f"postgresql://postgres:{SECRET}@127.0.0.1:{server.port}/{name}"
        monkeypatch.setenv(f"{env.upper()}_DATABASE_URL", url)
    yield config.load(project), {e: server.conninfo(n) for e, n in dbs.items()}
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        for name in dbs.values():
            admin.execute(f"drop database {name} with (force)")


def promote(settings, env, lines=None, **kw):
    args = dict(dry_run=False, yes=True, to=None, skip_tests=env == "staging", ask=None,
                report=(lines.append if lines is not None else quiet), gate=lambda: None)
    args.update(kw)
    result = deploy_promote.promote(settings, env, **args)
    if result.stopped is not None:
        raise result.stopped
    return result.applied


def versions(conninfo: str) -> dict[str, history.HistoryRow]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        history.ensure_table(conn)
        return history.read(conn)


def test_production_is_refused_before_staging(envs):
    settings, db = envs
    with pytest.raises(PromotionRefused) as err:
        promote(settings, "production")
    assert "not yet applied in staging, which staging must get first: 1_accounts, 2_notes, 3_idx" in str(err.value)
    assert versions(db["production"]) == {}


def test_staging_then_production_and_again_is_a_no_op(envs):
    settings, db = envs
    applied = promote(settings, "staging")
    assert applied == ["1_accounts", "2_notes", "3_idx"]
    assert promote(settings, "production")
    assert versions(db["staging"]) == versions(db["production"])
    assert list(versions(db["production"])) == ["1", "2", "3"]
    lines: list[str] = []
    assert promote(settings, "production", lines) == []
    assert any("up to date, nothing to apply" in line for line in lines)


def test_drift_and_out_of_order_are_refused(envs):
    settings, db = envs
    promote(settings, "staging", to="1")
    with psycopg.connect(db["staging"], autocommit=True) as conn:
        conn.execute("insert into supabase_migrations.schema_migrations (version, name) values ('3', 'idx')")
    with pytest.raises(PromotionRefused, match=r"out of order: 2_notes"):
        promote(settings, "staging")
    with psycopg.connect(db["staging"], autocommit=True) as conn:
        conn.execute("insert into supabase_migrations.schema_migrations (version, name) values ('9', 'hotfix')")
    with pytest.raises(PromotionRefused, match=r"drift\): 9_hotfix"):
        promote(settings, "staging")


def test_a_file_edited_after_staging_is_refused_for_production(envs):
    settings, db = envs
    promote(settings, "staging")
    path = settings.migrations_dir / "2_notes.sql"
    path.write_text(path.read_text().replace("body text", "body text not null"))
    with pytest.raises(PromotionRefused, match=r"changed since they were applied in staging.*2_notes"):
        promote(settings, "production")
    assert versions(db["production"]) == {}


def test_a_failing_migration_stops_the_run_with_earlier_files_recorded(envs):
    settings, db = envs
    (settings.migrations_dir / "2_notes.sql").write_text("set lock_timeout = '1s';\nselect * from public.nope;\n")
    result = deploy_promote.promote(settings, "staging", skip_tests=True, gate=lambda: None,
                                    report=quiet)
    assert result.failed is not None and "2_notes.sql:2" in result.failed.failure
    assert list(versions(db["staging"])) == ["1"]
    assert [(f.stem, f.failure is None) for f in result.files] == [("1_accounts", True), ("2_notes", False)]
    with psycopg.connect(db["staging"]) as conn:
        assert conn.execute("select to_regclass('public.notes_body_idx')").fetchone() == (None,)


def race(settings) -> list[object]:
    """Two promotions of staging at once; what each one ended with (a result or any exception)."""
    (settings.migrations_dir / "1_accounts.sql").write_text(
        MIGRATIONS["1_accounts.sql"] + "select pg_sleep(1.5);\n")  # a wide window for the race
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        try:
            outcomes.append(deploy_promote.promote(settings, "staging", yes=True, skip_tests=True,
                                                   gate=lambda: None, report=quiet))
        except BaseException as exc:  # noqa: BLE001 - every outcome is recorded and judged below
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def serialized(outcomes: list[object]) -> bool:
    """One promotion applied everything; the other was refused by the lock, or found nothing to do
    (and failed nothing)."""
    done = [o for o in outcomes if isinstance(o, deploy_promote.PromoteResult)]
    applied = [o for o in done if o.applied]
    idle = [o for o in done if not o.files]
    refused = [o for o in outcomes if isinstance(o, PromotionRefused) and "is running" in str(o)]
    return (len(applied) == 1 and applied[0].applied == ["1_accounts", "2_notes", "3_idx"]
            and applied[0].failed is None and len(idle) + len(refused) == 1)


def test_a_held_lock_fails_fast_and_concurrent_promotions_are_serialized(envs):
    settings, db = envs
    with psycopg.connect(db["staging"], autocommit=True) as holder:
        holder.execute("select pg_advisory_lock(hashtext('dbharness-promote'))")
        with pytest.raises(PromotionRefused, match="another promotion or rollback of staging is running"):
            promote(settings, "staging")
    assert versions(db["staging"]) == {}
    outcomes = race(settings)
    assert serialized(outcomes), outcomes
    assert list(versions(db["staging"])) == ["1", "2", "3"]


def test_without_the_advisory_lock_the_race_test_fails(envs, monkeypatch):
    """The proof that the test above can fail: the same race with the lock made a no-op."""
    from contextlib import nullcontext


    settings, _ = envs
    monkeypatch.setattr(guards, "Lock", lambda *_a: nullcontext())
    outcomes = race(settings)
    assert not serialized(outcomes), outcomes


def test_dry_run_changes_nothing(envs):
    settings, db = envs
    lines: list[str] = []
    assert promote(settings, "staging", lines, dry_run=True) == []
    assert "  1_accounts  [in a transaction]" in lines
    assert "  3_idx  [outside a transaction (CONCURRENTLY)]" in lines
    assert versions(db["staging"]) == {}
    with psycopg.connect(db["staging"]) as conn:
        assert conn.execute("select count(*) from pg_tables where schemaname = 'public'").fetchone() == (0,)


def test_production_needs_confirmation_and_refuses_skip_tests(envs):
    settings, db = envs
    promote(settings, "staging")
    with pytest.raises(PromotionRefused, match="needs confirmation: run it in a terminal, or pass --yes"):
        promote(settings, "production", yes=False)
    with pytest.raises(PromotionRefused, match="was not confirmed"):
        promote(settings, "production", yes=False, ask=lambda _q: "yes")
    with pytest.raises(PromotionRefused, match="--skip-tests is refused for production"):
        promote(settings, "production", skip_tests=True)
    assert versions(db["production"]) == {}
    assert promote(settings, "production", yes=False, ask=lambda _q: "production\n")


def test_the_tests_gate_runs_for_real_and_blocks_on_failure(envs, server):
    settings, db = envs
    gate = lambda: gates.tests_gate(settings, "local", quiet, make_engine=lambda *_a, **_k: DatabaseEngine(server))  # noqa: E731
    assert promote(settings, "staging", skip_tests=False, gate=gate)
    (settings.root / "pgtap" / "broken.test.sql").write_text("select plan(1);\nselect ok(false, 'broken');\n")
    with pytest.raises(CheckFailed, match=r"dbharness test failed \(1 passed, 1 failed: pgtap/broken.test.sql\)"):
        promote(settings, "production", gate=gate)
    assert versions(db["production"]) == {}


def test_rollback_to_a_version_restores_it(envs):
    settings, db = envs
    promote(settings, "staging")
    lines: list[str] = []
    done = deploy_rollback.rollback(settings, "staging", "1", yes=True, ask=None, report=lines.append)
    assert done == ["3_idx", "2_notes"]
    assert [line.split(" ...")[0] for line in lines if line.startswith("Rolling back")] == [
        "Rolling back 3_idx (outside a transaction)", "Rolling back 2_notes"]
    assert list(versions(db["staging"])) == ["1"]
    with psycopg.connect(db["staging"]) as conn:
        assert conn.execute("select to_regclass('public.notes')").fetchone() == (None,)
    (settings.rollbacks_dir / "2_notes.sql").unlink()
    promote(settings, "staging")
    with pytest.raises(PromotionRefused, match="no rollback file for: 2_notes"):
        deploy_rollback.rollback(settings, "staging", "1", yes=True, ask=None, report=quiet)


def test_the_password_never_appears_in_output(envs, monkeypatch, tmp_path):
    settings, db = envs
    lines: list[str] = []
    promote(settings, "staging", lines)
    assert any("postgresql://postgres:***@127.0.0.1:" in line for line in lines)
    out = run_invoke("status", "--env", "staging", root=settings.root)
    assert out.returncode == 0 and "3 applied, 0 pending, 0 drift" in out.stdout
    dry = run_invoke("promote", "--env", "production", "--dry-run", "--skip-tests", root=settings.root)
    assert dry.returncode == 7 and "error: --skip-tests is refused for production: it requires staging" in dry.stderr
    bad_url = f"postgresql://postgres:{SECRET}@127.0.0.1:1/nope"
    monkeypatch.setenv("STAGING_DATABASE_URL", bad_url)
    failed = run_invoke("status", "--env", "staging", root=settings.root)
    assert failed.returncode != 0 and "cannot connect to staging (postgresql://postgres:***@127.0.0.1:1/nope)" in failed.stderr
    every = "\n".join(lines) + out.stdout + out.stderr + dry.stdout + dry.stderr + failed.stdout + failed.stderr
    reports = "".join(p.read_text() for p in (settings.root / "reports").rglob("*.xml"))
    assert SECRET not in every and SECRET not in reports


def test_unset_url_is_a_clear_error(project, monkeypatch):
    monkeypatch.delenv("STAGING_DATABASE_URL", raising=False)
    out = run_invoke("status", "--env", "staging", root=project)
    assert out.returncode == 2 and "STAGING_DATABASE_URL is not set" in out.stderr


def test_dotenv_is_read(envs):
    settings, db = envs
    import os

    url = os.environ.pop("STAGING_DATABASE_URL")
    try:
        (settings.root / ".env").write_text(f"STAGING_DATABASE_URL={url}\n")
        assert promote(replace(settings), "staging")
    finally:
        os.environ["STAGING_DATABASE_URL"] = url


@pytest.mark.parametrize("password", ["ab#cd?ef", "pw x"[:2] + "#", "%zz-secret"])
def test_passwords_with_url_characters_never_leak(envs, monkeypatch, password):
    """Unencoded # and ? (libpq accepts them), and a password libpq cannot parse: no output,
    error or report shows it, and no traceback."""
    settings, db = envs
    name = db["staging"].split("dbname=")[1].split()[0]
    port = db["staging"].split("port=")[1].split()[0]
    monkeypatch.setenv("STAGING_DATABASE_URL", f"postgresql://postgres:{password}@127.0.0.1:{port}/{name}")
    status = run_invoke("status", "--env", "staging", root=settings.root)
    promoted = run_invoke("promote", "--env", "staging", "--skip-tests", root=settings.root)
    outputs = status.stdout + status.stderr + promoted.stdout + promoted.stderr
    reports = "".join(p.read_text() for p in (settings.root / "reports").rglob("*.xml"))
    secret = password.replace("%zz", "zz")
    assert secret not in outputs and secret not in reports and "Traceback" not in outputs
    if password.startswith("%zz"):
        assert status.returncode == 2 and "not a connection string libpq accepts" in status.stderr
    else:
        assert status.returncode == 0, outputs
        assert "Promoted 3 migration(s) to staging (postgresql://postgres:***@127.0.0.1:" in promoted.stdout


def schemas(conninfo: str) -> set[str]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return {r[0] for r in conn.execute("select nspname from pg_namespace")}


def test_status_and_dry_run_write_nothing(envs):
    settings, db = envs
    assert run_invoke("status", "--env", "staging", root=settings.root).returncode == 0
    dry = run_invoke("promote", "--env", "staging", "--dry-run", "--skip-tests", root=settings.root)
    assert dry.returncode == 0 and "dry run: nothing was changed" in dry.stdout, dry.stdout + dry.stderr
    assert "supabase_migrations" not in schemas(db["staging"])


def test_status_as_a_role_that_cannot_read_the_history_is_a_clear_error(envs, monkeypatch, server):
    settings, db = envs
    promote(settings, "staging")
    name = db["staging"].split("dbname=")[1].split()[0]
    with psycopg.connect(db["staging"], autocommit=True) as conn:
        conn.execute("drop role if exists reader; create role reader login")
    monkeypatch.setenv("STAGING_DATABASE_URL", f"postgresql://reader@127.0.0.1:{server.port}/{name}")
    out = run_invoke("status", "--env", "staging", root=settings.root)
    assert out.returncode == 3 and "Traceback" not in out.stderr
    assert "cannot read supabase_migrations.schema_migrations: permission denied" in out.stderr


def test_an_older_cli_history_table_is_read_as_is_and_completed_only_when_writing(envs):
    settings, db = envs
    with psycopg.connect(db["staging"], autocommit=True) as conn:
        conn.execute("create schema supabase_migrations; create table supabase_migrations.schema_migrations "
                     "(version text primary key); insert into supabase_migrations.schema_migrations values ('1')")
        conn.execute((settings.migrations_dir / "1_accounts.sql").read_text())
    out = run_invoke("status", "--env", "staging", root=settings.root)
    assert out.returncode == 0 and "1 applied, 2 pending, 0 drift" in out.stdout, out.stdout + out.stderr

    def columns() -> list[str]:
        with psycopg.connect(db["staging"]) as conn:
            return [r[0] for r in conn.execute("select column_name from information_schema.columns where "
                                               "table_name = 'schema_migrations' order by ordinal_position")]

    assert columns() == ["version"]
    assert promote(settings, "staging") == ["2_notes", "3_idx"]
    assert columns() == ["version", "statements", "name"]


def test_status_fails_on_drift_and_on_out_of_order_versions(envs):
    settings, db = envs
    promote(settings, "staging", to="1")
    with psycopg.connect(db["staging"], autocommit=True) as conn:
        conn.execute("insert into supabase_migrations.schema_migrations (version, name) values ('3', 'idx')")
    out = run_invoke("status", "--env", "staging", root=settings.root)
    assert out.returncode == 1 and "out of order: 2_notes" in out.stderr
    with psycopg.connect(db["staging"], autocommit=True) as conn:
        conn.execute("delete from supabase_migrations.schema_migrations where version = '3';"
                     "insert into supabase_migrations.schema_migrations (version, name) values ('9', 'hotfix')")
    out = run_invoke("status", "--env", "staging", root=settings.root)
    assert out.returncode == 1 and "DRIFT    9_hotfix" in out.stdout and "(drift): 9_hotfix" in out.stderr


def test_an_interrupted_promote_writes_a_truthful_report(envs):
    import os
    import signal
    import subprocess
    import sys

    from junitparser import JUnitXml

    settings, db = envs
    (settings.migrations_dir / "2_notes.sql").write_text(MIGRATIONS["2_notes.sql"] + "select pg_sleep(60);\n")
    env = dict(os.environ, DBHARNESS_ROOT=str(settings.root))
    proc = subprocess.Popen([sys.executable, "-m", "invoke", "promote", "--env", "staging", "--skip-tests"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("Applying 1_accounts ... done"):
            break
    import time

    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out = proc.stdout.read()
    assert proc.wait(timeout=30) == 130, out
    assert "interrupted: what was applied before the interruption is listed in the report" in out
    assert "every started server" not in out
    suite = next(iter(JUnitXml.fromfile(str(settings.reports_dir / "junit" / "promote-staging.xml"))))
    cases = {c.name: c for c in suite}
    assert list(cases) == ["1_accounts", "promotion"] and suite.tests == 2 and suite.failures == 1
    assert "interrupted while applying 2_notes" in cases["promotion"].result[0].message
    assert list(versions(db["staging"])) == ["1"]
    with psycopg.connect(db["staging"]) as conn:
        assert conn.execute("select to_regclass('public.notes')").fetchone() == (None,)


def _set_url(monkeypatch, env: str, url: str) -> None:
    monkeypatch.setenv(f"{env.upper()}_DATABASE_URL", url)


@pytest.mark.parametrize("spelling", ["postgresql://postgres:{pw}@localhost:{port}/{db}?application_name=other",
                                      "host=127.0.0.1 port={port} user=postgres password={pw} dbname={db} "
                                      "connect_timeout=9"])
def test_production_that_is_staging_behind_another_url_is_refused_naming_both(envs, monkeypatch, server, spelling):
    settings, db = envs
    staging_db = db["staging"].split("dbname=")[1].split()[0]
    _set_url(monkeypatch, "production", spelling.format(pw=SECRET, port=server.port, db=staging_db))
    settings = config.load(settings.root)
    with pytest.raises(PromotionRefused) as err:
        promote(settings, "production")
    text = str(err.value)
    assert "production and staging are the same database" in text
    assert "PRODUCTION_DATABASE_URL and STAGING_DATABASE_URL must name different databases" in text
    assert SECRET not in text
    with pytest.raises(PromotionRefused, match="staging and production are the same database"):
        promote(settings, "staging")


def test_staging_promoted_first_is_refused_too_when_its_url_names_production(envs, monkeypatch, server):
    settings, db = envs
    production_db = db["production"].split("dbname=")[1].split()[0]
    _set_url(monkeypatch, "staging", f"postgresql://postgres:{SECRET}@localhost:{server.port}/{production_db}")
    settings = config.load(settings.root)
    with pytest.raises(PromotionRefused, match="staging and production are the same database"):
        promote(settings, "staging")
    assert versions(db["production"]) == {}


def test_a_throwaway_server_template1_or_the_wrong_database_is_refused_as_production(envs, monkeypatch, server):
    settings, db = envs
    throwaway = f"throw_{abs(hash(settings.root)) % 10**8}"
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        admin.execute(f"create database {throwaway}")
    try:
        _set_url(monkeypatch, "production", f"postgresql://postgres:{SECRET}@127.0.0.1:{server.port}/{throwaway}")
        with pytest.raises(PromotionRefused, match="production is a throwaway server of the harness"):
            promote(config.load(settings.root), "production")
        with pytest.raises(PromotionRefused, match="production is a throwaway server"):
            deploy_rollback.rollback(config.load(settings.root), "production", "1", yes=True, report=quiet)
    finally:
        with psycopg.connect(server.conninfo(), autocommit=True) as admin:
            admin.execute(f"drop database {throwaway} with (force)")
    _set_url(monkeypatch, "production", f"postgresql://postgres:{SECRET}@127.0.0.1:{server.port}/template1")
    with pytest.raises(PromotionRefused, match="names template1, a template database"):
        promote(config.load(settings.root), "production")
    staging_db = db["staging"].split("dbname=")[1].split()[0]
    _set_url(monkeypatch, "production", f"postgresql://postgres:{SECRET}@127.0.0.1:{server.port}/postgres")
    with pytest.raises(PromotionRefused) as err:
        promote(config.load(settings.root), "production")
    assert (f"PRODUCTION_DATABASE_URL names the database postgres, while staging uses {staging_db} and this "
            f"server has a database {staging_db}") in str(err.value)


def test_two_real_environments_on_one_server_are_not_confused(envs):
    settings, db = envs
    assert promote(settings, "staging") == ["1_accounts", "2_notes", "3_idx"]
    assert promote(settings, "production") == ["1_accounts", "2_notes", "3_idx"]


def test_ctrl_c_during_a_concurrent_index_build_names_the_invalid_index_it_left(envs):
    import os
    import signal
    import subprocess
    import sys
    import time

    from junitparser import JUnitXml

    settings, db = envs
    promote(settings, "staging", to="2")
    holder = psycopg.connect(db["staging"])
    holder.execute("insert into public.notes values (1, 'held')")  # a writer's open transaction
    env = dict(os.environ, DBHARNESS_ROOT=str(settings.root))
    proc = subprocess.Popen([sys.executable, "-m", "dbharness", "promote", "--env", "staging", "--skip-tests"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with psycopg.connect(db["staging"], autocommit=True) as watch:
            for _ in range(200):
                row = watch.execute("select count(*) from pg_index where not indisvalid").fetchone()
                if row and row[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the concurrent build never started")
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        holder.rollback()
        holder.close()
    assert proc.returncode == 130, out
    assert "INVALID index public.notes_body_idx" in out, out
    assert "drop index concurrently if exists public.notes_body_idx;" in out, out
    suite = next(iter(JUnitXml.fromfile(str(settings.reports_dir / "junit" / "promote-staging.xml"))))
    message = {c.name: c for c in suite}["promotion"].result[0].text
    assert "interrupted while applying 3_idx" in message and "public.notes_body_idx" in message
