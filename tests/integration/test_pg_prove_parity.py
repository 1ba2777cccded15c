"""pg_prove parity: the same pgTAP files on the same schema give the same verdict and count per file.

The corpus in tests/parity covers what suites in the wild do: plan, no plan, done_testing, TODO,
SKIP, bail out, an error after N of M assertions, no TAP at all, result rows that look like
numbers or UUIDs, psql variables, includes, echo and quit, and a setup file whose effects the
files after it rely on. pg_prove (Debian's pgtap package) is the reference.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dbharness import config
from dbharness.builder import database
from dbharness.suite import pgtap
from tests.support import REPO

CORPUS = REPO / "tests" / "parity"
PGTAP_ONLY = database.Recipe(migrations=False, seed=False, pgtap=True)


def corpus() -> list[Path]:
    return sorted(CORPUS.glob("*.sql"))


def pg_prove(server, dbname: str, path: Path) -> tuple[bool, int, str]:
    exe = shutil.which("pg_prove")
    assert exe, "pg_prove is missing: apt-get install pgtap (bash .ci/run installs it)"
    out = subprocess.run([exe, "--verbose", "-h", server.socket_dir or server.host, "-p", str(server.port),
                          "-U", server.user, "-d", dbname, str(path)],
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
    assert len(names) >= 14 and "00000-helpers.sql" in names and "zz-bail-out.sql" in names


@pytest.mark.parametrize("name", [p.name for p in corpus()])
def test_each_file_gets_the_verdict_and_count_pg_prove_gives(verdicts, name):
    reference, ours, logs = verdicts
    assert ours[name] == reference[name], f"pg_prove said {reference[name]}:\n{logs[name]}"


def test_the_repros_behave_as_under_pg_prove(verdicts):
    reference, ours, _ = verdicts
    expected = {"numbers-and-uuids.sql": (True, 1), "variables.sql": (True, 3),
                "include-fails.sql": (False, 2), "01-uses-helpers.sql": (True, 1),
                "error-after-one.sql": (False, 1), "no-tap.sql": (False, 0), "zz-bail-out.sql": (False, 1)}
    for name, verdict in expected.items():
        assert reference[name] == verdict == ours[name], name
