"""dbharness test --watch: the suite, then a verdict on every save.

One throwaway server stays up. After the build, the files with persistent effects run on the
database, which is then kept as a base (`create database ... template`). An edited isolated test
file re-runs alone on a fresh copy of that base, so no run sees another's writes; an edited
migration, seed, test helper or persistent file rebuilds (from the migrated template cache when
nothing it depends on changed) and re-runs the whole suite. Ctrl-C stops it; the server and
everything it made are removed.
"""

from __future__ import annotations

import glob
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import psycopg
from psycopg import sql

from dbharness.builder import database
from dbharness.config import Settings
from dbharness.errors import HarnessError
from dbharness.paths import shown
from dbharness.progress import Progress
from dbharness.suite import pgtap, testfiles
from dbharness.suite.tapresults import FileResult, Totals, totals

POLL = 0.02  # seconds between two looks at the files
State = dict[Path, tuple[int, int]]  # (mtime, size) of each watched file
BASE = "dbharness_watch_base"


@dataclass(frozen=True)
class Change:
    """Files whose content changed (or that appeared or went) since the last look."""

    tests: list[Path]  # isolated test files: they re-run alone
    rebuild: list[Path]  # anything else: migrations, seed, helpers, persistent test files


@dataclass(frozen=True)
class Verdict:
    """One round of the loop: what changed, what ran, and how it ended."""

    changed: list[str]
    results: list[FileResult]
    totals: Totals
    seconds: float  # from seeing the change to the verdict
    error: str | None = None  # the build or the run failed: the message; the loop waits for a fix


def watched(settings: Settings) -> State:
    """(mtime, size) of every file the suite depends on: supabase/**, the pgTAP files and helpers."""
    paths = {Path(p) for p in glob.glob(str(settings.supabase_dir / "**" / "*"), recursive=True)}
    paths |= {Path(p) for pattern in settings.pgtap_patterns
              for p in glob.glob(str(settings.root / pattern), recursive=True)}
    helpers = settings.test_helpers_dir
    paths |= {Path(p) for p in glob.glob(str(helpers / "**" / "*"), recursive=True)} if helpers else set()
    out = {}
    for path in paths:
        try:
            seen = path.stat()
        except OSError:
            continue
        if path.is_file():
            out[path] = (seen.st_mtime_ns, seen.st_size)
    return out


def _classify(settings: Settings, before: State, after: State,
              persistent: set[Path]) -> Change:
    moved = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    tests = set(testfiles.discover(settings.root, settings.pgtap_patterns))
    quick = [p for p in moved if p in tests and p in after and p not in persistent
             and not (settings.test_helpers_dir and p.is_relative_to(settings.test_helpers_dir))]
    return Change(quick, [p for p in moved if p not in quick])


def wait_for_change(settings: Settings, before: State, persistent: set[Path],
                    stopped: Callable[[], bool] = lambda: False) -> tuple[Change, State]:
    """Look at the files every POLL seconds until some change and stay unchanged for one more look."""
    while not stopped():
        time.sleep(POLL)
        now = watched(settings)
        if now != before:
            time.sleep(POLL)  # an editor may write in steps: take the files once they are still
            settled = watched(settings)
            if settled == now:
                return _classify(settings, before, now, persistent), now
    raise KeyboardInterrupt


def _admin(server: object) -> psycopg.Connection:
    return database.connect(server.conninfo("template1", admin=True))  # type: ignore[attr-defined]


CLOSE_OTHERS = ("select pg_catalog.pg_terminate_backend(pid) from pg_catalog.pg_stat_activity "
                "where datname = %s and pid <> pg_catalog.pg_backend_pid()")


def _copy(server: object, source: str, target: str) -> None:
    """target, made anew as a copy of source. A copy needs source to have no session: pg_cron's
    launcher keeps one on postgres and comes back a second after it is ended, so end it and copy
    at once (again if it came back first)."""
    with _admin(server) as admin:
        admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(target)))
        for attempt in range(5):
            admin.execute(CLOSE_OTHERS, (source,))
            try:
                admin.execute(sql.SQL("create database {} template {} strategy file_copy").format(
                    sql.Identifier(target), sql.Identifier(source)))
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 4:
                    raise
                time.sleep(0.05)


@contextmanager
def _session(settings: Settings, report: Progress, make: Callable[..., object] | None) -> Iterator[object]:
    with database.fresh(settings, report=report, make=make) as ready:
        yield ready.server


class Copies:
    """Fresh copies of the base, one made ahead, so a save waits only for its file to run."""

    def __init__(self, server: object) -> None:
        self.server = server
        self.ids = count(1)
        self.ready: str | None = None

    def _make(self) -> str:
        name = f"dbharness_watch_{next(self.ids)}"
        _copy(self.server, BASE, name)
        return name

    def take(self) -> str:
        """A copy no round has used: the one made ahead, else a new one."""
        name, self.ready = self.ready or self._make(), None
        return name

    def done(self, name: str) -> None:
        """Drop a used copy and make the next one ahead (after the verdict was given)."""
        with _admin(self.server) as admin:
            admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        self.ready = self._make()


def _round(settings: Settings, copies: Copies, files: list[testfiles.TestFile], jobs: int,
           on_result: Callable[[FileResult], None] | None) -> tuple[list[FileResult], str]:
    """Run files on a fresh copy of the base; returns the results and the copy used."""
    name = copies.take()
    conninfo = copies.server.conninfo(name)  # type: ignore[attr-defined]
    return pgtap.run_loaded(conninfo, files, jobs, settings.test_timeout, on_result), name


def loop(settings: Settings, *, jobs: int, report: Progress,
         on_result: Callable[[FileResult], None] | None, on_verdict: Callable[[Verdict], None],
         make: Callable[..., object] | None = None, stopped: Callable[[], bool] = lambda: False) -> None:
    """Run the suite, then a round on every change, until Ctrl-C (or stopped() turns true)."""
    changed: list[str] = ["(start)"]
    started = time.perf_counter()
    while True:
        state = watched(settings)
        try:
            state, changed = _suite(settings, state, jobs, report, on_result, on_verdict, make, stopped,
                                    changed, started)
        except HarnessError as exc:
            on_verdict(Verdict(changed, [], totals([]), time.perf_counter() - started, str(exc)))
            change, state = wait_for_change(settings, state, set(), stopped)
            changed = [shown(p, settings.root) for p in change.rebuild + change.tests]
            report(f"changed: {', '.join(changed)}")
        started = time.perf_counter()


def _suite(settings: Settings, state: State, jobs: int, report: Progress,
           on_result: Callable[[FileResult], None] | None, on_verdict: Callable[[Verdict], None],
           make: Callable[..., object] | None, stopped: Callable[[], bool],
           changed: list[str], started: float) -> tuple[State, list[str]]:
    """Build, run everything, then one round per saved test file until something needs a rebuild;
    returns the files' state at that moment and what changed."""
    with _session(settings, report, make) as server:
        loaded = [testfiles.load(p, root=settings.root)
                  for p in testfiles.discover(settings.root, settings.pgtap_patterns)]
        first = [f for f in loaded if f.persistent]
        conninfo = server.conninfo()  # type: ignore[attr-defined]
        results = pgtap.run_loaded(conninfo, first, jobs, settings.test_timeout, on_result)
        _copy(server, server.dbname, BASE)  # type: ignore[attr-defined]
        copies = Copies(server)
        rest, used = _round(settings, copies, [f for f in loaded if not f.persistent], jobs, on_result)
        results += rest
        on_verdict(Verdict(changed, results, totals(results), time.perf_counter() - started))
        copies.done(used)
        persistent = {f.path for f in first}
        while True:
            change, state = wait_for_change(settings, state, persistent, stopped)
            started = time.perf_counter()
            changed = [shown(p, settings.root) for p in change.rebuild + change.tests]
            report(f"changed: {', '.join(changed)}")
            if change.rebuild:
                report("rebuilding, then the whole suite ...")
                return state, changed
            again = [testfiles.load(p, root=settings.root) for p in change.tests]
            results, used = _round(settings, copies, again, jobs, on_result)
            on_verdict(Verdict(changed, results, totals(results), time.perf_counter() - started))
            copies.done(used)
