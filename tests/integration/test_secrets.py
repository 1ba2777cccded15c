"""No password is ever printed: passwords made of every character a URL or a keyword string
reserves, at every place (tests/passwords.py), typed encoded and not, in URL and keyword form,
against an unreachable server, a reachable one with the wrong password and one with the right
password, through status, promote, rollback and lint's read of the environments' history. Output
and every file under reports/ are searched for any run of four characters of the password (raw,
percent-encoded, percent-decoded) and for its letters; no run may end in a traceback. A string
that is refused is refused before anything connects."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, example, given, settings
from psycopg import sql

from dbharness import config
from dbharness.builder import database
from dbharness.cli import main
from dbharness.engines.base import Server
from dbharness.engines.local import LocalEngine
from dbharness.lint import gate
from tests.passwords import ROLE, forms, leaks, letters, passwords

EXIT_CODES = {0, 1, 2, 7}  # done; a check failed; a usage error; a connection refused
ONCE_LEAKED = ["@=Q:Q", "ab@cd:ef"]  # the passwords a Debian 12 run printed parts of


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


@pytest.fixture(scope="module")
def secret_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("secret-project")
    (root / "supabase" / "migrations").mkdir(parents=True)
    (root / "supabase" / "rollbacks").mkdir(parents=True)
    (root / "supabase" / "migrations" / "1_t.sql").write_text("create table public.t (a int);\n")
    (root / "supabase" / "rollbacks" / "1_t.sql").write_text("drop table public.t;\n")
    (root / "pyproject.toml").write_text("[tool.dbharness]\n")
    return root


COMMANDS = (("status", "--env", "staging"), ("promote", "--env", "staging", "--skip-tests", "--yes"),
            ("rollback", "--env", "staging", "--to", "1", "--yes"))


def refused(url: str) -> bool:
    """Whether the harness refuses url before connecting (libpq cannot read it, or misreads it)."""
    from dbharness.environments import parse
    from dbharness.errors import ConfigError

    try:
        parse(url)
    except ConfigError:
        return True
    return False


def check_every_command(root: Path, password: str, url: str) -> None:
    """status, promote and rollback with url, and lint's read of the history: nothing of the
    password printed or written, no traceback; a refused url is refused by every one of them."""
    for argv in COMMANDS:
        code, said = run_task(root, url, *argv)
        shown = said + reports_text(root)
        assert not leaks(password, shown) and not letters(shown), (argv, url, said)
        assert "Traceback" not in said and code in EXIT_CODES, (argv, code, said)
        if refused(url):
            assert code == 2 and "cannot connect" not in said, (argv, url, said)
    os.environ["STAGING_DATABASE_URL"] = url
    try:
        notes = " ".join(gate.gate(config.load(root)).notes)
    finally:
        os.environ.pop("STAGING_DATABASE_URL")
    assert not leaks(password, notes) and not letters(notes), notes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(password=passwords())
@example(password="@=Q:Q")  # led by '@': libpq took '=Q' for the host, printed in the URL and the resolver's words
@example(password="QX@ZK:WQ")  # '@' then ':': the host and the port were parts of the password
@example(password="QZ@XKQW@JVQ")  # an unencoded '@': the resolver quoted the password's tail
@example(password="QX/ZK@WJ")  # a '/': libpq took the user for a host and a part of the password for a port
@example(password="QX%cdZKWJ")  # a percent-escape that is not UTF-8: a traceback from psycopg
@example(password='%QX"ZKW')  # a quote inside a value libpq quotes in its own error
@example(password="QXZ)K:WJV")  # ')' and ':' in the password, next to the URL in messages
@example(password="QX ZK=WJ'V")  # a space and a quote in a keyword string
@example(password=" QX#Z?K[W]J")  # led by a space; '#', '?', '[' and ']' that libpq takes as they are
def test_no_part_of_a_password_is_ever_printed(scram_server, secret_project, password):
    assert all(letters(password[i:i + 4]) for i in range(len(password) - 3))
    for right in (False, True):
        try:
            set_password(scram_server, password if right else "qxz-not-the-password")
        except (psycopg.Error, ValueError):
            continue  # not a password PostgreSQL can hold (not UTF-8 once decoded)
        for port in ((scram_server.port,) if right else (1, scram_server.port)):
            for url in forms(password, port).values():
                check_every_command(secret_project, password, url)


def test_the_passwords_that_once_leaked_are_refused_before_connecting(scram_server, secret_project):
    for password in ONCE_LEAKED:
        set_password(scram_server, password)
        url = forms(password, scram_server.port)["url as typed"]
        code, said = run_task(secret_project, url, "status", "--env", "staging")
        error = next((line for line in said.splitlines() if line.startswith("error: ")), "")
        assert code == 2 and error.startswith("error: STAGING_DATABASE_URL: postgresql://secret_user:***@*** is "
                                              "refused before connecting: it holds more than one '@'"), said
        check_every_command(secret_project, password, url)
