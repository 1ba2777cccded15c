"""No password is ever printed: passwords made of every character a URL treats specially, typed
encoded and not, in URL and keyword form, against an unreachable server, a reachable one with the
wrong password and one with the right password, through status, promote, rollback and lint's
read of the environments' history. Output and every file under reports/ are searched for any run
of four characters of the password; no run may end in a traceback."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from psycopg import sql

from dbharness import config
from dbharness.builder import database
from dbharness.cli import main
from dbharness.engines.base import Server
from dbharness.engines.local import LocalEngine
from dbharness.lint import gate

SPECIAL = "@:/?#[]%+&= "
DISTINCT = "QXZKWJV"  # letters the harness never prints in a run of its own words
PERCENT = ["%40", "%zz", "%C3%A9", "%cd", "%2", "%%", "%2F"]
EXIT_CODES = {0, 1, 2, 7}  # done; a check failed; a usage error; a connection refused
ROLE = "secret_user"


@pytest.fixture(scope="module")
def scram_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A throwaway server where ROLE must give its password over TCP (scram), owning a database."""
    engine = LocalEngine(base=database.BASE_CLUSTER)
    with engine.running() as server:
        hba = engine.cluster.data / "pg_hba.conf"  # type: ignore[union-attr]
        hba.write_text(f"host all {ROLE} 127.0.0.1/32 scram-sha-256\nhost all {ROLE} ::1/128 scram-sha-256\n"
                       + hba.read_text())
        with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
            admin.execute(sql.SQL("create role {} login").format(sql.Identifier(ROLE)))
            admin.execute(sql.SQL("create database secretdb owner {}").format(sql.Identifier(ROLE)))
            admin.execute("select pg_reload_conf()")
        yield server


def set_password(server: Server, password: str) -> None:
    with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
        admin.execute(sql.SQL("alter role {} password {}").format(sql.Identifier(ROLE), sql.Literal(password)))


def forms(password: str, port: int) -> list[str]:
    """The password in a URL (encoded and as typed) and in a keyword string (quoted and as typed)."""
    quoted = password.replace("\\", "\\\\").replace("'", "\\'")
    where = f"host=127.0.0.1 port={port} user={ROLE} dbname=secretdb"
    return [f"postgresql://{ROLE}:{quote(password, safe='')}@127.0.0.1:{port}/secretdb",
            f"postgresql://{ROLE}:{password}@127.0.0.1:{port}/secretdb",
            f"{where} password='{quoted}'",
            f"{where} password={password}"]


def leaks(password: str, text: str) -> list[str]:
    return sorted({password[i:i + 4] for i in range(len(password) - 3) if password[i:i + 4] in text})


def run_task(root: Path, url: str, *argv: str) -> tuple[int, str]:
    """One task in this process, as the dbharness command runs it: exit code and all it printed."""
    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.update(DBHARNESS_ROOT=str(root), STAGING_DATABASE_URL=url)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as done:  # argparse refuses the arguments
                code = int(done.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code, out.getvalue() + err.getvalue()


def reports_text(root: Path) -> str:
    folder = root / "reports"
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file()) if folder.exists() else ""


def passwords() -> st.SearchStrategy[str]:
    """Runs of up to three characters of any class, each followed by a letter the harness never
    prints in a run of its own words: so every run of four holds one, and a match is a leak."""
    piece = st.one_of(st.text(alphabet=SPECIAL + DISTINCT + "éß€漢", min_size=1, max_size=3),
                      st.sampled_from([p for p in PERCENT if len(p) <= 3]))
    return st.lists(st.tuples(piece, st.sampled_from(DISTINCT)), min_size=2, max_size=6).map(
        lambda parts: "".join(a + b for a, b in parts))


@pytest.fixture(scope="module")
def secret_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("secret-project")
    (root / "supabase" / "migrations").mkdir(parents=True)
    (root / "supabase" / "rollbacks").mkdir(parents=True)
    (root / "supabase" / "migrations" / "1_t.sql").write_text("create table public.t (a int);\n")
    (root / "supabase" / "rollbacks" / "1_t.sql").write_text("drop table public.t;\n")
    (root / "pyproject.toml").write_text("[tool.dbharness]\n")
    return root


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(password=passwords())
@example(password="QZ@XKQW@JVQ")  # an unencoded '@': the resolver quoted the password's tail
@example(password="QX%cdZKWJ")  # a percent-escape that is not UTF-8: a traceback from psycopg
@example(password="QXZ)K:WJV")  # ')' and ':' in the password, next to the URL in messages
@example(password="QX ZK=WJ'V")  # a space and a quote in a keyword string
def test_no_run_of_four_characters_of_a_password_is_ever_printed(scram_server, secret_project, password):
    assert all(any(c in DISTINCT or ord(c) > 127 for c in password[i:i + 4]) for i in range(len(password) - 3))
    for right in (False, True):
        try:
            set_password(scram_server, password if right else "QXZ-not-the-password")
        except (psycopg.Error, ValueError):
            continue  # not a password PostgreSQL can hold (not UTF-8 once decoded)
        for port in ((scram_server.port,) if right else (1, scram_server.port)):
            for url in forms(password, port):
                for argv in (("status", "--env", "staging"),
                             ("promote", "--env", "staging", "--skip-tests", "--yes"),
                             ("rollback", "--env", "staging", "--to", "1", "--yes")):
                    code, said = run_task(secret_project, url, *argv)
                    shown = said + reports_text(secret_project)
                    assert not leaks(password, shown), (argv, url, said)
                    assert "Traceback" not in said and code in EXIT_CODES, (argv, code, said)
                os.environ["STAGING_DATABASE_URL"] = url
                try:
                    notes = " ".join(gate.gate(config.load(secret_project)).notes)
                finally:
                    os.environ.pop("STAGING_DATABASE_URL")
                assert not leaks(password, notes), notes
