"""Each side made readable: a built side on a throwaway server of its own (compat, then its files,
then the project's seed), an environment through a read-only session that never writes."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from dbharness import environments
from dbharness.builder import database, history
from dbharness.builder.apply import apply_files, run_script
from dbharness.compare.sides import FOLDER, Side, folder_files
from dbharness.config import Settings
from dbharness.errors import HarnessError
from dbharness.paths import shown
from dbharness.progress import Progress

COMPAT_ONLY = database.Recipe(migrations=False, seed=False, pgtap=False)
# Set on every reading session, so both sides print values and names alike: names qualified
# (no search_path), times in UTC, one date and number format.
READING = (("search_path", ""), ("timezone", "UTC"), ("datestyle", "ISO, YMD"),
           ("intervalstyle", "postgres"), ("extra_float_digits", "1"), ("bytea_output", "hex"))


@dataclass(frozen=True)
class Window:
    """When a side was built (the server's clock), and the server's time zone then: a value of
    now() that a build wrote lies inside it."""

    start: datetime.datetime
    end: datetime.datetime
    zone: str


@dataclass
class Opened:
    """A side ready to read: its session, and when it was built (None: an environment)."""

    side: Side
    conn: psycopg.Connection
    window: Window | None = None


def _prepare(conn: psycopg.Connection) -> None:
    for name, value in READING:
        conn.execute("select set_config(%s, %s, false)", (name, value))


def _clock(conn: psycopg.Connection) -> tuple[datetime.datetime, str]:
    row = conn.execute("select clock_timestamp(), current_setting('TimeZone')").fetchone()
    assert row is not None
    return row[0], row[1]


def _apply(conn: psycopg.Connection, settings: Settings, side: Side, seeded: bool, say: Progress) -> None:
    """The side's files as the Supabase CLI applies them, then the project's seed."""
    if side.kind != FOLDER:
        recipe = database.Recipe(up_to=side.up_to, seed=seeded, pgtap=False)
        database.apply_migrations(conn, settings, recipe, say)
        return
    assert side.folder is not None
    files, records = folder_files(side.folder, settings.root)
    limits = database.timeouts(settings)
    # a migrations folder holding seed_after's version is seeded there, as the project's migrations
    at = database.seed_position(settings, files, files) \
        if records and settings.seed_after in {f.version for f in files} else len(files)
    apply_files(conn, files[:at], limits, "up", say)
    for seed in settings.seed_files if seeded else []:
        run_script(conn, seed, limits, say, settings.root)
        say(f"Seeded from {shown(seed, settings.supabase_dir)}")
    apply_files(conn, files[at:], limits, "up", say)
    if not records:  # schema files record no history, as the CLI applies supabase/schemas
        for mf in files:
            history.forget(conn, mf.version)


@contextmanager
def built(settings: Settings, side: Side, seeded: bool, report: Progress) -> Iterator[Opened]:
    """The side built on a throwaway server of its own (cron jobs, roles and database settings
    belong to a server, so two sides never share one); yields a superuser's reading session."""
    def say(line: str) -> None:
        report(f"{side.label}: {line}")

    with database.fresh(settings, COMPAT_ONLY, report=say) as ready, \
            database.connect(ready.server.conninfo(admin=True)) as admin:
        # the cluster template's pgTAP is the harness's; a Supabase project has it only if it makes it
        admin.execute("drop extension if exists pgtap")
        start, zone = _clock(admin)
        try:
            with database.connect(ready.server.conninfo()) as conn:
                _apply(conn, settings, side, seeded, say)
        except HarnessError:
            say("could not be built (the error follows); nothing was compared")
            raise
        end, _ = _clock(admin)
        _prepare(admin)
        yield Opened(side, admin, Window(start, end, zone))


@contextmanager
def environment(settings: Settings, side: Side, report: Progress) -> Iterator[Opened]:
    """The environment's database in a session that cannot write: default_transaction_read_only
    set before the first read, and only reads sent."""
    assert side.env is not None
    target = environments.resolve(settings, side.env)
    report(f"{side.label}: reading {target} (read only)")
    with target.connect() as conn:
        conn.execute("set default_transaction_read_only = on")
        row = conn.execute("show transaction_read_only").fetchone()
        if not row or row[0] != "on":  # pragma: no cover - PostgreSQL always honours it
            raise HarnessError(f"{side.label}: the session could not be made read only; nothing was read")
        _prepare(conn)
        row = conn.execute("select rolsuper or rolbypassrls, rolname from pg_roles "
                           "where rolname = current_user").fetchone()
        if row and not row[0]:
            report(f"{side.label}: warning: {row[1]} does not bypass row security, so rows its policies "
                   "hide are read as missing; read as a role with BYPASSRLS (postgres, on Supabase)")
        yield Opened(side, conn)


@contextmanager
def opened(settings: Settings, side: Side, seeded: bool, report: Progress) -> Iterator[Opened]:
    """The side ready to read, whichever kind it is; its server is removed afterwards."""
    maker = built(settings, side, seeded, report) if side.built else environment(settings, side, report)
    with maker as ready:
        yield ready
