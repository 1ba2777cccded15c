"""A fresh Supabase-like database, built in one place: server, compat, migrations, seed, pgTAP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql as psql

from dbharness.builder import inputs
from dbharness.builder.apply import Timeouts, apply_files, run_script
from dbharness.config import Settings
from dbharness.engines.base import ClusterRecipe, Engine, Server
from dbharness.engines.choice import make_engine
from dbharness.errors import ConfigError, HarnessError
from dbharness.hosted import compat, rules
from dbharness.paths import shown
from dbharness.progress import Progress, quiet
from dbharness.sql import migrations
from dbharness.suite import pgtap

connect = compat.connect


@dataclass(frozen=True)
class Recipe:
    """What a fresh database holds. Built in this order: compat, migrations (with the seed after
    `seed_after`, or last), then pgTAP and the project's helpers."""

    migrations: bool = True
    up_to: str | None = None  # the newest version applied; None: every migration
    seed: bool = True
    pgtap: bool = True
    timeouts: Timeouts | None = None  # None: the project's lock_timeout and statement_timeout


EVERYTHING = Recipe()


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


def timeouts(settings: Settings) -> Timeouts:
    """The migration timeouts configured for this project."""
    return Timeouts(settings.lock_timeout, settings.statement_timeout)


def chosen_migrations(recipe: Recipe,
                      files: list[migrations.MigrationFile]) -> list[migrations.MigrationFile]:
    """The migrations of the project (files) that a recipe applies, in version order."""
    if not recipe.migrations:
        return []
    if recipe.up_to is None:
        return files
    return migrations.select_range(files, to=recipe.up_to)


def seed_position(settings: Settings, files: list[migrations.MigrationFile],
                  every: list[migrations.MigrationFile]) -> int:
    """How many of files go in before the seed: up to seed_after when it is among them, else all
    (seed_after must name one of every migration of the project).

    The Supabase CLI seeds last; seed_after moves the seed earlier, so newer migrations meet
    existing rows as they would in production.
    """
    split_at = settings.seed_after
    if split_at is None:
        return len(files)
    if split_at not in {f.version for f in every}:
        raise ConfigError(f"seed_after = {split_at!r} names no migration in {settings.migrations_dir}")
    return sum(1 for f in files if f.version <= split_at)


def stubbed(settings: Settings) -> list[tuple[str, str]]:
    """(extension, file:line) of every create extension the project declared stubbed, which
    every run skips and says so (console and JUnit)."""
    if not settings.stub_extensions:
        return []
    found = []
    for mf in migrations.discover(settings.migrations_dir, settings.root):
        for stmt in mf.statements:
            made = rules.created_extension(stmt.sql)
            if made and made.name in settings.stub_extensions:
                found.append((made.name, f"{mf.shown}:{stmt.line}"))
    return found


def apply_migrations(conn: psycopg.Connection, settings: Settings, recipe: Recipe, report: Progress) -> None:
    """The recipe's migrations, with the seed in its place."""
    for warning in migrations.skipped(settings.migrations_dir):
        report(warning)
    if recipe.seed:
        for pattern in settings.seed_unmatched:  # as the Supabase CLI says it, and goes on
            report(f"warning: [db.seed] sql_paths: no files matched pattern: {pattern} "
                   f"(in {shown(settings.supabase_dir, settings.root)}/)")
    every = migrations.discover(settings.migrations_dir, settings.root)
    files = chosen_migrations(recipe, every)
    for mf in files:
        _ = mf.transactional  # refuse mixed files before anything runs
    limits = recipe.timeouts or timeouts(settings)
    at = seed_position(settings, files, every) if recipe.seed else len(files)
    apply_files(conn, files[:at], limits, "up", report)
    for seed in settings.seed_files if recipe.seed else []:
        run_script(conn, seed, limits, report, settings.root)
        report(f"Seeded from {shown(seed, settings.supabase_dir)}")
    apply_files(conn, files[at:], limits, "up", report)


def build(server: Server, settings: Settings, recipe: Recipe = EVERYTHING,
          report: Progress = quiet, phases: Phases | None = None) -> None:
    """Make the server's database what the recipe says: the one path every task and test uses.

    The platform's objects and pgTAP are installed by the bootstrap superuser; migrations, the
    seed and the project's test helpers run as postgres, which is not a superuser, as on Supabase.
    """
    timer = phases or Phases()
    with connect(server.conninfo(admin=True)) as admin:
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
    dbname = admin.execute("select current_database()").fetchone()[0]
    admin.execute(psql.SQL("alter database {} set {} = {}").format(
        psql.Identifier(dbname), psql.Identifier(*rules.STUB_SETTING.split(".")),
        psql.Literal(", ".join(names))))


def prepare_tests(admin: psycopg.Connection, conn: psycopg.Connection, settings: Settings,
                  major: int) -> None:
    """pgTAP (created by the superuser, admin), then the project's helpers (run as the project's
    role, conn)."""
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
    key: str | None = None  # the migrated template it started from: keys results derived from it


@contextmanager
def fresh(settings: Settings, recipe: Recipe | None = EVERYTHING, *, engine: str | None = None,
          report: Progress = quiet, keep: bool = False, phases: Phases | None = None,
          make: Callable[..., Any] | None = None) -> Iterator[Fresh]:
    """Start a throwaway server, build its database (recipe None: leave it empty), yield it;
    the server is always stopped and removed.

    A failure caused by the server dying, in any phase, is reported as such (EngineError with
    its log), whether it came as a HarnessError or as the driver's OperationalError.
    """
    timer = phases or Phases()
    cached = recipe is not None and recipe.migrations and recipe.up_to is None
    project = ClusterRecipe(inputs.project(settings, recipe),
                            lambda srv: build(srv, settings, recipe, report, timer),
                            str(settings.root)) if cached else None
    eng = (make or make_engine)(engine or settings.engine, settings, report, base=BASE_CLUSTER,
                                project=project)
    with ExitStack() as stack:
        with timer.timed("server start"):
            server = stack.enter_context(eng.running(keep=keep))
        try:
            if eng.built_from and eng.reused:
                report(f"migrations, seed and test helpers: from the kept build {eng.built_from} "
                       "(nothing they depend on changed since it was built)")
                for name, where in stubbed(settings):  # said at every run, built or kept
                    report(f"{where}: create extension {name} skipped: stubbed (stub_extensions in "
                           f"{settings.where()})")
            if recipe is not None and not eng.built_from:
                build(server, settings, recipe, report, timer)
            yield Fresh(server, eng, eng.built_from)
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
