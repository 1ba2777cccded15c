"""dbharness test --watch: the suite, then a verdict on every save.

One throwaway server stays up. After the build the whole suite runs in name order (files with
persistent effects as barriers, see suite/pgtap.py), and the database is kept as a base at each
barrier (`create database ... template`): base k holds what the first k persistent files made. An
edited isolated test file re-runs alone on a fresh copy of the base before it in name order, so it
sees what the persistent files before it made, nothing of those after it, and no other run's
writes; an edited migration, seed, test helper or persistent file rebuilds (from the migrated
template cache when nothing it depends on changed) and re-runs the whole suite. Ctrl-C stops it;
the server and everything it made are removed.
"""

from __future__ import annotations

import bisect
import glob
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from dbharness.builder import database
from dbharness.builder import loaded as kept_files
from dbharness.config import Settings
from dbharness.errors import HarnessError
from dbharness.paths import shown
from dbharness.pg import psycopg, sql
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
def _session(settings: Settings, report: Progress, make: Callable[..., object] | None,
             keep_build: bool) -> Iterator[object]:
    """The watch loop's server. A rebuild after a save builds the project's newest stage in the
    server itself (nobody would reuse a copy of each save), from the kept stage under it."""
    with database.fresh(settings, report=report, make=make, keep_build=keep_build) as ready:
        yield ready.server


def base(k: int) -> str:
    """The database that holds what the first k persistent files made."""
    return f"{BASE}_{k}"


class Copies:
    """Fresh copies of the bases, one made ahead for each base in use, so a save waits only for
    its file to run."""

    def __init__(self, server: object) -> None:
        self.server = server
        self.ids = count(1)
        self.ready: dict[int, str] = {}

    def snapshot(self, k: int) -> None:
        """Keep the database as it is now as base k (no connection of the run is open)."""
        _copy(self.server, self.server.dbname, base(k))  # type: ignore[attr-defined]

    def _make(self, k: int) -> str:
        name = f"dbharness_watch_{next(self.ids)}"
        _copy(self.server, base(k), name)
        return name

    def take(self, k: int) -> str:
        """A copy of base k no round has used: the one made ahead, else a new one."""
        return self.ready.pop(k, None) or self._make(k)

    def done(self, name: str, k: int) -> None:
        """Drop a used copy and make the next one of base k ahead (after the verdict was given)."""
        with _admin(self.server) as admin:
            admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        self.ahead(k)

    def ahead(self, k: int) -> None:
        """Make a copy of base k ready, unless one is."""
        if k not in self.ready:
            self.ready[k] = self._make(k)


def _before(test_file: testfiles.TestFile, barriers: list[Path]) -> int:
    """How many persistent files come before this one in name order: the base it runs on."""
    return bisect.bisect_left(barriers, test_file.path)


def _rounds(settings: Settings, copies: Copies, files: list[testfiles.TestFile], barriers: list[Path],
            jobs: int, on_result: Callable[[FileResult], None] | None) -> list[FileResult]:
    """Run each file on a fresh copy of the base before it; the copies are dropped after."""
    results: list[FileResult] = []
    for k in sorted({_before(f, barriers) for f in files}):
        name = copies.take(k)
        conninfo = copies.server.conninfo(name)  # type: ignore[attr-defined]
        group = [f for f in files if _before(f, barriers) == k]
        results += pgtap.run_loaded(conninfo, group, jobs, settings.test_timeout, on_result)
        copies.done(name, k)
    return results


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
                                    changed, started, keep_build=changed == ["(start)"])
        except HarnessError as exc:
            on_verdict(Verdict(changed, [], totals([]), time.perf_counter() - started, str(exc)))
            change, state = wait_for_change(settings, state, set(), stopped)
            changed = [shown(p, settings.root) for p in change.rebuild + change.tests]
            report(f"changed: {', '.join(changed)}")
        started = time.perf_counter()


def _suite(settings: Settings, state: State, jobs: int, report: Progress,
           on_result: Callable[[FileResult], None] | None, on_verdict: Callable[[Verdict], None],
           make: Callable[..., object] | None, stopped: Callable[[], bool],
           changed: list[str], started: float, keep_build: bool = True) -> tuple[State, list[str]]:
    """Build, run everything, then one round per saved test file until something needs a rebuild;
    returns the files' state at that moment and what changed."""
    with _session(settings, report, make, keep_build) as server:
        loaded = [kept_files.load(settings.storage, p, settings.root)
                  for p in testfiles.discover(settings.root, settings.pgtap_patterns)]
        copies = Copies(server)
        results = pgtap.run_loaded(server.conninfo(), loaded, jobs, settings.test_timeout,  # type: ignore[attr-defined]
                                   on_result, checkpoint=copies.snapshot)
        on_verdict(Verdict(changed, results, totals(results), time.perf_counter() - started))
        barriers = sorted(f.path for f in loaded if f.persistent)
        for k in sorted({_before(f, barriers) for f in loaded if not f.persistent}):
            copies.ahead(k)
        while True:
            change, state = wait_for_change(settings, state, set(barriers), stopped)
            started = time.perf_counter()
            changed = [shown(p, settings.root) for p in change.rebuild + change.tests]
            report(f"changed: {', '.join(changed)}")
            if change.rebuild:
                report("rebuilding, then the whole suite ...")
                return state, changed
            again = [kept_files.load(settings.storage, p, settings.root) for p in change.tests]
            results = _rounds(settings, copies, again, barriers, jobs, on_result)
            on_verdict(Verdict(changed, results, totals(results), time.perf_counter() - started))
