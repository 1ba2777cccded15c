"""dbharness test --watch: a verdict on every save, each round on a fresh copy of the built
database as the persistent files before the saved file in name order left it, rebuilds on a
migration edit, errors that wait for the fix, nothing left after Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dbharness import config, watch

PASS = "begin;\nselect plan(1);\nselect ok(true, '{name}');\nselect * from finish();\nrollback;\n"
WRITES = ("select plan(2);\ninsert into public.items values (1);\n"
          "select is((select count(*)::int from public.items), 1, 'one row, never two');\n"
          "select ok(true, 'wrote');\n")


def wait(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for the watch loop")
        time.sleep(0.02)


SETUP = ("create schema w_order;\ncreate table w_order.marks (n int);\ninsert into w_order.marks values (1);\n"
         "select plan(1);\nselect pass('setup');\n")
USES = ("begin;\nselect plan(1);\nselect is((select count(*)::int from w_order.marks), {n}, '{name}');\n"
        "select * from finish();\nrollback;\n")
TEARDOWN = "drop schema w_order cascade;\nselect plan(1);\nselect pass('teardown');\n"
AFTER = "begin;\nselect plan(1);\nselect hasnt_schema('w_order', '{name}');\nselect * from finish();\nrollback;\n"


def start(project: Path):
    """The watch loop on project, in a thread; (verdicts, what it said, stop)."""
    verdicts: list[watch.Verdict] = []
    said: list[str] = []
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            watch.loop(config.load(project), jobs=2, report=said.append, on_result=None,
                       on_verdict=verdicts.append, stopped=stop.is_set)
        except KeyboardInterrupt:
            pass
        except BaseException as exc:  # noqa: BLE001
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wait(lambda: verdicts or failure)

    def stopped() -> None:
        stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive() and not failure, failure

    return verdicts, said, stopped


@pytest.fixture
def ordered(project: Path):
    """A setup, a test that needs it, a teardown that drops it and a test after the teardown."""
    pgtap = project / "pgtap"
    (pgtap / "0000-setup.test.sql").write_text(SETUP)
    (pgtap / "0001-uses.test.sql").write_text(USES.format(n=1, name="uses"))
    (pgtap / "9999-teardown.test.sql").write_text(TEARDOWN)
    (pgtap / "zz-after.test.sql").write_text(AFTER.format(name="after"))
    verdicts, said, stopped = start(project)
    yield project, verdicts, said
    stopped()


def test_files_run_in_name_order_and_a_saved_file_sees_only_the_persistent_files_before_it(ordered):
    project, verdicts, _ = ordered
    first = verdicts[0]
    assert first.error is None and first.totals.ok, [r.file_failure for r in first.results]
    assert [r.path for r in first.results] == ["pgtap/0000-setup.test.sql", "pgtap/0001-uses.test.sql",
                                               "pgtap/9999-teardown.test.sql", "pgtap/smoke.test.sql",
                                               "pgtap/zz-after.test.sql"]
    (project / "pgtap" / "0001-uses.test.sql").write_text(USES.format(n=1, name="uses, saved"))
    wait(lambda: len(verdicts) == 2)
    assert [r.path for r in verdicts[-1].results] == ["pgtap/0001-uses.test.sql"] and verdicts[-1].totals.ok
    (project / "pgtap" / "zz-after.test.sql").write_text(AFTER.format(name="after, saved"))
    wait(lambda: len(verdicts) == 3)
    assert [r.path for r in verdicts[-1].results] == ["pgtap/zz-after.test.sql"] and verdicts[-1].totals.ok
    (project / "pgtap" / "0002-new.test.sql").write_text(USES.format(n=1, name="a new file between"))
    wait(lambda: len(verdicts) == 4)
    assert [r.path for r in verdicts[-1].results] == ["pgtap/0002-new.test.sql"] and verdicts[-1].totals.ok
    (project / "pgtap" / "0001-uses.test.sql").write_text(USES.format(n=2, name="uses, wrong count"))
    wait(lambda: len(verdicts) == 5)
    assert [(r.path, r.count("failed")) for r in verdicts[-1].results] == [("pgtap/0001-uses.test.sql", 1)]


@pytest.fixture
def watching(project: Path):
    (project / "supabase" / "migrations" / "1_items.sql").write_text(
        "create table public.items (id int primary key);\nalter table public.items enable row level security;\n")
    (project / "pgtap" / "writes.test.sql").write_text(WRITES)  # no transaction: its writes persist
    (project / "pgtap" / "a.test.sql").write_text(PASS.format(name="a"))
    verdicts, said, stopped = start(project)
    yield project, verdicts, said
    stopped()


def test_an_edited_test_file_runs_alone_and_fast_on_a_fresh_copy(watching):
    project, verdicts, said = watching
    first = verdicts[0]
    assert first.totals.ok and {r.path for r in first.results} == {"pgtap/writes.test.sql", "pgtap/a.test.sql",
                                                                   "pgtap/smoke.test.sql"}
    for n in range(3):  # each round sees the base, never the round before's writes
        (project / "pgtap" / "a.test.sql").write_text(PASS.format(name=f"a{n}") +
                                                      "insert into public.items values (99);\n")
        wait(lambda n=n: len(verdicts) == n + 2)
        latest = verdicts[-1]
        assert [r.path for r in latest.results] == ["pgtap/a.test.sql"] and latest.totals.ok
        assert latest.changed == ["pgtap/a.test.sql"] and latest.seconds < 5
    assert "changed: pgtap/a.test.sql" in said


def test_a_migration_edit_rebuilds_and_reruns_all_and_an_error_waits_for_the_fix(watching):
    project, verdicts, said = watching
    migration = project / "supabase" / "migrations" / "2_more.sql"
    migration.write_text("create table public.more (id int primary key);\n"
                         "alter table public.more enable row level security;\n")
    wait(lambda: len(verdicts) == 2)
    assert len(verdicts[-1].results) == 3 and verdicts[-1].totals.ok
    assert "rebuilding, then the whole suite ..." in said
    migration.write_text("create tabel public.more (id int);\n")
    wait(lambda: len(verdicts) == 3)
    assert verdicts[-1].error is not None and "2_more.sql:1" in verdicts[-1].error
    migration.write_text("create table public.more (id int primary key);\n")
    wait(lambda: len(verdicts) == 4)
    assert verdicts[-1].error is None and verdicts[-1].totals.ok


def test_ctrl_c_stops_it_and_leaves_nothing(project, own_scratch):
    scratch = own_scratch
    env = dict(os.environ, DBHARNESS_NO_TEMPLATE="1")
    proc = subprocess.Popen([sys.executable, "-m", "dbharness", "test", "--watch"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("verdict:"):
            break
    proc.send_signal(signal.SIGINT)
    out = proc.stdout.read()
    assert proc.wait(timeout=30) == 130, out
    assert "stopped watching; the server and its databases were removed" in out
    assert [p.name for p in scratch.iterdir()] == []
