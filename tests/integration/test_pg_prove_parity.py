"""pg_prove parity: the same pgTAP files on the same schema give the same verdict and count per file.

The corpus in tests/parity covers what suites in the wild do: plan, no plan, done_testing, TODO,
SKIP, bail out, an error after N of M assertions, no TAP at all, result rows that look like
numbers or UUIDs, psql variables, includes, echo and quit, \\gset (with a prefix, NULLs, no row),
\\gexec, \\if/\\elif/\\else (nested, an invalid value, a branch chosen by a \\gset value), \\getenv,
psql's lexing (comments, quotes, BEGIN ATOMIC, \\;, a branch inside a query), a meta-command psql
refuses after SQL on a line, a setup file whose effects the files after it rely on, and a setup,
a test and a teardown that must run in name order. pg_prove (Debian's pgtap package) is the
reference; the real psql is also asked which queries it sends (its -L log), and the harness's
reading of each file must send the same ones, query for query.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from dbharness import config
from dbharness.builder import database
from dbharness.sql.psqlscript import Echo, Query, Rows, Said, Session
from dbharness.suite import pgtap
from dbharness.suite.filerun import rows_of
from tests.support import REPO

CORPUS = REPO / "tests" / "parity"
PGTAP_ONLY = database.Recipe(migrations=False, seed=False, pgtap=True)
LOGGED = re.compile(r"\*{9} QUERY \*{10}\n(.*?)\n\*{26}\n", re.DOTALL)  # psql -L's record of a query


def corpus() -> list[Path]:
    return sorted(CORPUS.glob("*.sql"))


def connection_args(server, dbname: str) -> list[str]:
    return ["-h", server.socket_dir or server.host, "-p", str(server.port), "-U", server.user, "-d", dbname]


def pg_prove(server, dbname: str, path: Path) -> tuple[bool, int, str]:
    exe = shutil.which("pg_prove")
    assert exe, "pg_prove is missing: apt-get install pgtap (bash .ci/run installs it)"
    out = subprocess.run([exe, "--verbose", *connection_args(server, dbname), str(path)],
                         cwd=CORPUS, capture_output=True, text=True, timeout=60)
    count = len(re.findall(r"^(?:not )?ok \d+", out.stdout, re.MULTILINE))
    return out.returncode == 0, count, out.stdout + out.stderr


@pytest.fixture(scope="module")
def verdicts(server):
    settings = config.load(REPO)
    reference: dict[str, tuple[bool, int]] = {}
    logs: dict[str, str] = {}
    with database.scratch(server, "parity_prove", settings, PGTAP_ONLY) as db:
        for path in corpus():
            passed, count, log = pg_prove(server, db.dbname, path)
            reference[path.name] = (passed, count)
            logs[path.name] = log
    with database.scratch(server, "parity_harness", settings, PGTAP_ONLY) as db:
        results = pgtap.run_files(db.conninfo(), corpus(), 2, "30s")
    ours = {Path(r.path).name: (r.passed, len(r.assertions)) for r in results}
    return reference, ours, logs


def test_the_corpus_covers_each_case():
    names = {p.name for p in corpus()}
    assert len(names) >= 26 and {"00000-helpers.sql", "zz-bail-out.sql", "gset.sql", "gexec.sql",
                                 "if-branches.sql", "0000-setup.sql", "9999-teardown.sql"} <= names


@pytest.mark.parametrize("name", [p.name for p in corpus()])
def test_each_file_gets_the_verdict_and_count_pg_prove_gives(verdicts, name):
    reference, ours, logs = verdicts
    assert ours[name] == reference[name], f"pg_prove said {reference[name]}:\n{logs[name]}"


def test_the_repros_behave_as_under_pg_prove(verdicts):
    reference, ours, _ = verdicts
    expected = {"numbers-and-uuids.sql": (True, 1), "variables.sql": (True, 3),
                "include-fails.sql": (False, 2), "01-uses-helpers.sql": (True, 1),
                "error-after-one.sql": (False, 1), "no-tap.sql": (False, 0), "zz-bail-out.sql": (False, 1),
                "gset.sql": (True, 1), "gset-prefix-and-null.sql": (True, 4), "gset-no-row.sql": (False, 1),
                "gexec.sql": (True, 3), "if-branches.sql": (True, 4), "if-invalid.sql": (True, 1),
                "unsupported-after-sql.sql": (False, 1), "getenv-and-set-words.sql": (True, 2),
                "psql-lexing.sql": (True, 7),
                "0000-setup.sql": (True, 1), "0001-uses.sql": (True, 1), "9999-teardown.sql": (True, 1)}
    for name, verdict in expected.items():
        assert reference[name] == verdict == ours[name], name


class Sending:
    """Runs what the harness's reading of a file sends, on a connection, and notes it."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn, self.sent = conn, []

    def send(self, query: Query) -> Rows | None:
        self.sent.append(query.text)
        cur = self.conn.execute(query.text)
        return rows_of(cur) if query.mode != "plain" else None

    def echo(self, unit: Echo) -> None:
        pass

    def said(self, unit: Said) -> None:
        pass


def psql_sends(server, dbname: str, path: Path, tmp_path: Path) -> list[str]:
    """Every query the real psql sends running path, as pg_prove runs it (its -L log)."""
    exe = shutil.which("psql")
    assert exe, "psql is missing: apt-get install postgresql-client-15"
    log = tmp_path / f"{path.name}.log"
    subprocess.run([exe, "--no-psqlrc", "--no-align", "--quiet", "--tuples-only", "--set", "ON_ERROR_STOP=1",
                    "-L", str(log), *connection_args(server, dbname), "--file", str(path)],
                   cwd=CORPUS, capture_output=True, text=True, timeout=60)
    return LOGGED.findall(log.read_text()) if log.exists() else []


def harness_sends(conninfo: str, path: Path) -> list[str]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        sending = Sending(conn)
        with contextlib.suppress(Exception):  # psql stops at the same error: compare up to it
            Session(sending, cwd=CORPUS).run(path)
    return sending.sent


def test_the_harness_sends_the_queries_psql_sends(server, tmp_path):
    settings = config.load(REPO)
    sent: dict[str, int] = {}
    different = {}
    with database.scratch(server, "parity_psql", settings, PGTAP_ONLY) as theirs, \
            database.scratch(server, "parity_sends", settings, PGTAP_ONLY) as ours:
        for path in corpus():
            psql = psql_sends(server, theirs.dbname, path, tmp_path)
            mine = harness_sends(ours.conninfo(), path)
            sent[path.name] = len(psql)
            if psql != mine:
                different[path.name] = (psql, mine)
    assert different == {}
    assert sent["psql-lexing.sql"] == 14 and sent["gexec.sql"] == 8 and sent["gset-no-row.sql"] == 4
