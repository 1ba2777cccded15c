"""A throwaway server that dies at the wrong moment: one clear error with its last log lines and
the right exit code, in every phase; no traceback, no failure per file left, nothing left behind."""

from __future__ import annotations

import os
import signal

import pytest

from dbharness import testrun
from dbharness.builder import database
from dbharness.config import load
from dbharness.engines.local import LocalEngine
from dbharness.errors import EngineError


class Killable(LocalEngine):
    """The local engine (building in each run, keeping no build), remembered so a test can kill
    its server mid-run."""

    def __init__(self, _name, settings, report=None, base=None, project=None) -> None:
        super().__init__(settings.pg_bindir, report, base=base, storage=settings.storage)
        self.engine = self
        made.append(self)

    def kill(self) -> None:
        cluster = self.cluster
        assert cluster is not None and cluster.proc is not None
        os.kill(cluster.proc.pid, signal.SIGKILL)
        cluster.proc.wait(timeout=10)


made: list[Killable] = []


@pytest.fixture
def suite_project(project):
    for i in range(6):
        (project / "pgtap" / f"f{i}.test.sql").write_text(
            "begin;\nselect plan(1);\nselect ok(true, 'fine');\nselect * from finish();\nrollback;\n")
    made.clear()
    return project


def test_a_death_after_the_migrations_is_the_server_error_not_a_driver_traceback(suite_project):
    settings = load(suite_project)
    with pytest.raises(EngineError, match="the local server died") as err, \
            database.fresh(settings, make=Killable) as ready, \
            database.connect(ready.server.conninfo()) as conn:
        made[0].kill()
        conn.execute("select 1")  # what lint's and coverage's queries meet
    assert str(err.value).startswith("the local server died:\n")  # then the server's last log lines
    assert not made[0].engine.cluster.base.exists()


def test_a_death_before_pgtap_ends_the_run_once_without_a_failure_per_file(suite_project):
    settings = load(suite_project)
    reported = []

    def kill_then_lint(_report) -> None:
        made[0].kill()

    with pytest.raises(EngineError, match="the local server died"):
        testrun.run(settings, jobs=2, on_result=reported.append, lint=True, on_lint=kill_then_lint,
                    make_engine=Killable)
    assert reported == []
    assert not made[0].engine.cluster.base.exists()
