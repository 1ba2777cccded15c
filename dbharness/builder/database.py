"""A fresh Supabase-like database, built in one place: server, compat, migrations, seed, pgTAP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from dbharness.builder import stages
from dbharness.builder.recipe import (
    EVERYTHING,
    Recipe,
    applied_already,
    chosen_migrations,
    seed_position,
    timeouts,
)
from dbharness.config import Settings
from dbharness.engines.base import ClusterRecipe, Engine, Server
from dbharness.engines.choice import make_engine
from dbharness.errors import HarnessError
from dbharness.hosted import compat, rules
from dbharness.paths import shown
from dbharness.pg import psycopg
from dbharness.pg import sql as psql
from dbharness.progress import Progress, quiet
from dbharness.sql import migrations

connect = compat.connect
__all__ = ["EVERYTHING", "Fresh", "Phases", "Recipe", "build", "chosen_migrations", "connect", "fresh",
           "scratch", "seed_position", "timeouts"]




@dataclass
class Phases:
    """Seconds spent per phase, in the order they ran."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Add the time spent in the block to the phase called name."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


def apply_migrations(conn: psycopg.Connection, settings: Settings, recipe: Recipe, report: Progress) -> None:
    """The recipe's migrations, with the seed in its place."""
    from dbharness.builder.apply import apply_files, run_script  # a run from a kept build applies none

    for warning in migrations.skipped(settings.migrations_dir) if recipe.after is None else []:
        report(warning)
    if recipe.seed and recipe.after is None:
        for pattern in settings.seed_unmatched:  # as the Supabase CLI says it, and goes on
            report(f"warning: [db.seed] sql_paths: no files matched pattern: {pattern} "
                   f"(in {shown(settings.supabase_dir, settings.root)}/)")
    every = migrations.discover(settings.migrations_dir, settings.root)
    files = chosen_migrations(recipe, every)
    done = applied_already(recipe, files)
    for mf in files[done:]:
        _ = mf.transactional  # refuse a BEGIN the file never commits before anything runs
    limits = recipe.timeouts or timeouts(settings)
    at = seed_position(settings, files, every) if recipe.seed else len(files)
    seeds = settings.seed_files if recipe.seed and (recipe.after is None or at > done) else []
    apply_files(conn, files[done:max(at, done)], limits, "up", report)
    for seed in seeds:
        run_script(conn, seed, limits, report, settings.root)
        report(f"Seeded from {shown(seed, settings.supabase_dir)}")
    apply_files(conn, files[max(at, done):], limits, "up", report)


def build(server: Server, settings: Settings, recipe: Recipe = EVERYTHING,
          report: Progress = quiet, phases: Phases | None = None) -> None:
    """Make the server's database what the recipe says: the one path every task and test uses.

    The platform's objects and pgTAP are installed by the bootstrap superuser; migrations, the
    seed and the project's test helpers run as postgres, which is not a superuser, as on Supabase.
    """
    timer = phases or Phases()
    with connect(server.conninfo(admin=True)) as admin:
        if recipe.after is None:  # a kept stage under it has all of this already
            with timer.timed("compat"):
                compat.install(admin, settings.platform_options)
                mark_throwaway(admin)
                declare_stubs(admin, settings.stub_extensions)
        with connect(server.conninfo()) as conn:  # after compat: it makes the postgres role
            if recipe.migrations or recipe.seed:
                with timer.timed("migrations"):
                    apply_migrations(conn, settings, recipe, report)
            if recipe.pgtap:
                with timer.timed("pgtap setup"):
                    prepare_tests(admin, conn, settings, server.version)


def mark_throwaway(admin: psycopg.Connection) -> None:
    """Say on the server that it is the harness's throwaway (the local engine starts it so; a
    container gets it here), so promote and rollback refuse it as production."""
    row = admin.execute("select current_setting('dbharness.throwaway', true)").fetchone()
    if not row or row[0] != "on":
        # for every role in every database: ALTER SYSTEM refuses a placeholder it never loaded
        admin.execute("alter role all set dbharness.throwaway = 'on'")


def declare_stubs(admin: psycopg.Connection, names: tuple[str, ...] | list[str]) -> None:
    """Tell the server which extensions the project declared stubbed: dbharness_rules skips their
    create extension, in every session of this database, wherever the statement runs."""
    if not names:
        return  # a database starts without the setting
    (dbname,) = admin.execute("select current_database()").fetchone() or ("postgres",)
    admin.execute(psql.SQL("alter database {} set {} = {}").format(
        psql.Identifier(dbname), psql.Identifier(*rules.STUB_SETTING.split(".")),
        psql.Literal(", ".join(names))))


def prepare_tests(admin: psycopg.Connection, conn: psycopg.Connection, settings: Settings,
                  major: int) -> None:
    """pgTAP (created by the superuser, admin), then the project's helpers (run as the project's
    role, conn)."""
    from dbharness.suite import pgtap  # a run from a kept build prepares nothing

    pgtap.ensure_extension(admin, major)
    if settings.test_helpers_dir is not None:
        pgtap.prepare(conn, settings.test_helpers_dir, settings.root)


def _init_template(server: Server) -> None:
    """The project-independent start of every database: compat, and pgTAP where installed."""
    with connect(server.conninfo(admin=True)) as conn:
        compat.install(conn)
        if compat.pgtap_available(conn):
            compat.install_pgtap(conn)


BASE_CLUSTER = ClusterRecipe(compat.content_key() + "\npgtap", _init_template)


@dataclass(frozen=True)
class Fresh:
    """A running throwaway server whose database was built from a recipe."""

    server: Server
    engine: Engine
    key: str | None = None  # the kept build it started from: keys results derived from it
    notes: tuple[str, ...] = ()  # the warnings building it said (kept with the build)

    @property
    def stubbed(self) -> list[tuple[str, str]]:
        """(extension, file:line) of each create extension the build skipped as stubbed."""
        return stages.stubbed(self.notes)


@contextmanager
def fresh(settings: Settings, recipe: Recipe | None = EVERYTHING, *, engine: str | None = None,
          report: Progress = quiet, keep: bool = False, phases: Phases | None = None,
          make: Callable[..., Any] | None = None, keep_build: bool = True) -> Iterator[Fresh]:
    """Start a throwaway server, build its database (recipe None: leave it empty), yield it;
    the server is always stopped and removed. The local engine keeps what it builds by content
    (keep_build False: the project's newest stage is built in the server and not kept).

    A failure caused by the server dying, in any phase, is reported as such (EngineError with
    its log), whether it came as a HarnessError or as the driver's OperationalError.
    """
    timer = phases or Phases()

    def built(server: Server, cfg: Settings, what: object, say: Progress) -> None:
        build(server, cfg, what, say, timer)  # type: ignore[arg-type]

    cached = recipe is not None and recipe.migrations and recipe.up_to is None
    project = stages.project(settings, recipe, built, report) if cached and recipe else None
    extra = {} if keep_build else {"keep_project": False}
    eng = (make or make_engine)(engine or settings.engine, settings, report, base=BASE_CLUSTER,
                                project=project, **extra)
    with ExitStack() as stack:
        with timer.timed("server start"):
            server = stack.enter_context(eng.running(keep=keep))
        try:
            notes = eng.notes
            if eng.built_from and eng.reused:
                report(f"migrations, seed and test helpers: from the kept build {eng.built_from} "
                       "(nothing they depend on changed since it was built)")
                for note in notes:  # what building it said, said at every run that reuses it
                    report(note)
            if recipe is not None and not eng.built_from:
                collected = stages.Notes(report)
                build(server, settings, recipe, collected, timer)
                notes = tuple(collected.kept)
            yield Fresh(server, eng, eng.built_from, notes)
        except (HarnessError, psycopg.OperationalError):
            eng.check_alive()
            raise
        eng.check_alive()
        with timer.timed("server stop"):
            stack.close()


def create_database(server: Server, name: str) -> Server:
    """A new empty database on a running server; returns the server pointed at it."""
    from dataclasses import replace

    with connect(server.conninfo("postgres")) as admin:
        admin.execute(psql.SQL("create database {}").format(psql.Identifier(name)))
    return replace(server, dbname=name)


def drop_database(server: Server, name: str) -> None:
    """Drop a database, closing its connections first."""
    with connect(server.conninfo("postgres")) as admin:
        admin.execute(psql.SQL("drop database if exists {} with (force)").format(psql.Identifier(name)))


@contextmanager
def scratch(server: Server, name: str, settings: Settings | None = None,
            recipe: Recipe | None = None) -> Iterator[Server]:
    """A database of its own on a running server, built from recipe when given; always dropped."""
    db = create_database(server, name)
    try:
        if settings is not None and recipe is not None:
            build(db, settings, recipe)
        yield db
    finally:
        drop_database(server, name)
