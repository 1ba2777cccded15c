"""Each shape of transaction control in a migration file, applied by the real Supabase CLI (`db push`,
the pinned version) to one database and by the harness to another: the same outcome, the same
SQLSTATE, the same catalog, data and history rows. Where the harness keeps a stricter guarantee
(it drops the indexes a failed file built concurrently), the test names exactly what differs.

These need the CLI: `dbharness setup` installs it; without it they fail, saying so.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from dbharness.builder import database, history
from dbharness.builder.apply import Timeouts, apply_files
from dbharness.catalog import snapshot
from dbharness.engines.base import Server
from dbharness.errors import MigrationError
from dbharness.hosted import compat, supabase_cli
from dbharness.sql.migrations import discover
from tests.support import REPO

_counter = itertools.count()
ENUM = ("create type public.r as enum ('a'); create table public.m (role public.r);\n"
        "begin; alter type public.r add value 'b'; commit;\n"
        "begin; create index m_b on public.m (role) where role = 'b'; commit;\n")
DUPLICATES = "create table public.d (a int);\ninsert into public.d values (1), (1);\n"
TABLES = "select format('%I.%I', schemaname, tablename) from pg_tables where schemaname = 'public' order by 1"

# name: (files, what the harness leaves out that the CLI leaves: the indexes it drops after a failure)
SHAPES: dict[str, tuple[list[str], set[str]]] = {
    "wrapped in its own transaction": (
        ["begin;\ncreate table public.a (x int);\ninsert into public.a values (1);\ncommit;\n"], set()),
    "a commit part-way (a new enum value)": ([ENUM], set()),
    "a rollback part-way": (
        ["begin;\ncreate table public.a (x int);\nrollback;\ncreate table public.b (x int);\n"], set()),
    "a rollback outside a transaction": (
        ["create table public.a (x int);\nrollback;\ncreate table public.b (x int);\n"], set()),
    "a savepoint rolled back to": (
        ["begin;\ncreate table public.w (x int);\nsavepoint s;\ninsert into public.w values (1);\n"
         "rollback to savepoint s;\ninsert into public.w values (2);\ncommit;\n"], set()),
    "concurrently between other statements": (
        ["create table public.a (x int);\ncreate index concurrently a_x on public.a (x);\n"
         "create table public.b (x int);\n"], set()),
    "a file of concurrently builds": (
        [DUPLICATES, "set lock_timeout = '5s';\ncreate index concurrently d_a on public.d (a);\n"], set()),
    "a failure before a commit, inside the file's transaction": (
        ["begin;\ncreate table public.a (x int);\nselect 1/0;\ncommit;\n"], set()),
    "a failure before a commit, outside any transaction": (
        ["create table public.a (x int);\nselect 1/0;\ncommit;\n"], set()),
    "a failure after a commit": (
        ["create table public.a (x int);\ncommit;\nbegin;\ncreate table public.b (x int);\nselect 1/0;\n"
         "commit;\n", "create table public.later (x int);\n"], set()),
    "a failure in a file without transaction control": (
        ["create table public.a (x int);\ninsert into public.a values (1);\nselect 1/0;\n"], set()),
    "a failure after a concurrently build": (
        ["create table public.k (a int);\ncreate index concurrently k_a on public.k (a);\n"
         "create table public.k2 (a int);\nselect 1/0;\n"], {"index public.k_a"}),
    "a failed unique concurrently build": (
        [DUPLICATES, "create index concurrently ok_idx on public.d (a);\n"
                     "create unique index concurrently u_idx on public.d (a);\n"],
        {"index public.ok_idx", "index public.u_idx"}),
    "the role changed inside the file's transaction": (
        ["begin; create table public.t (id int); select set_config('role', 'authenticated', true); commit;"],
        set()),
    "the role left changed where the row is written": (
        ["create table public.t (id int); select set_config('role', 'authenticated', true);"], set()),
    "a session role set inside the file's transaction": (
        ["begin; create table public.t (id int); set role authenticated; commit;"], set()),
    "set local in a batch lasts the batch": (
        ["set local work_mem = '7MB';\ncreate table public.s (v text);\n"
         "insert into public.s select current_setting('work_mem');\n"], set()),
    "set local outside the file's own transaction does nothing": (
        ["set local work_mem = '7MB';\nbegin;\ncreate table public.s (v text);\n"
         "insert into public.s select current_setting('work_mem');\ncommit;\n"], set()),
    "a session set holds across the parts of a file": (
        ["set work_mem = '7MB';\ncreate table public.s (v text);\ncreate index concurrently s_v on public.s (v);\n"
         "insert into public.s select current_setting('work_mem');\n",
         "create table public.s2 (v text);\ninsert into public.s2 select current_setting('work_mem');\n"],
        set()),
    "no transaction (pg-delta marker)": (
        ["-- pg-delta: transaction=false\ncreate table public.a (x int);\ncreate table public.b (x int);\n"
         "select 1/0;\n"], set()),
}

# What the SET shapes leave in their tables, by both: proof that the settings were live where said.
SEEN = {"set local in a batch lasts the batch": {"public.s": ["(7MB)"]},
        "set local outside the file's own transaction does nothing": {"public.s": ["(4MB)"]},
        "a session set holds across the parts of a file": {"public.s": ["(7MB)"], "public.s2": ["(4MB)"]}}


@contextmanager
def compat_db(server: Server) -> Iterator[Server]:
    with database.scratch(server, f"clitx{next(_counter)}") as db:
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
        yield db


def project(root: Path, files: list[str]) -> Path:
    (root / "supabase" / "migrations").mkdir(parents=True)
    (root / "supabase" / "config.toml").write_text("[db]\nmajor_version = 15\n")
    for i, sql in enumerate(files, start=1):
        (root / "supabase" / "migrations" / f"2025010100000{i}_step{i}.sql").write_text(sql)
    return root


def state(db: Server) -> tuple[dict, dict, dict]:
    """The catalog, the rows of every table of public, and the history rows of a database."""
    with psycopg.connect(db.conninfo(), autocommit=True) as conn:
        recorded = {v: (r.name, r.statements) for v, r in history.read(conn).items()}
        data = {t: [r[0] for r in conn.execute(f"select x::text from {t} x order by 1")]  # noqa: S608
                for (t,) in conn.execute(TABLES).fetchall()}
        return snapshot.take(conn), data, recorded


def _prepared(db: Server, prepare: str) -> None:
    if prepare:
        with psycopg.connect(db.conninfo(), autocommit=True) as conn:
            conn.execute(DUPLICATES)
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute(prepare)


def by_the_cli(server: Server, root: Path, prepare: str = "") -> tuple[supabase_cli.Outcome, tuple]:
    with compat_db(server) as db:
        _prepared(db, prepare)
        url = f"postgresql://postgres@127.0.0.1:{server.port}/{db.dbname}?sslmode=disable"
        return supabase_cli.run(root, ["db", "push", "--yes"], url, check=False), state(db)


def by_the_harness(server: Server, root: Path, prepare: str = "") -> tuple[str | None, tuple]:
    with compat_db(server) as db:
        _prepared(db, prepare)
        with psycopg.connect(db.conninfo(), autocommit=True) as conn:
            try:
                apply_files(conn, discover(root / "supabase" / "migrations", root), Timeouts("5s", "5min"))
                failure = None
            except MigrationError as exc:
                failure = str(exc)
        return failure, state(db)


def states(text: str) -> list[str]:
    return re.findall(r"SQLSTATE (\w{5})", text)


@pytest.fixture
def cli_installed(monkeypatch):
    found = supabase_cli.find(REPO)
    assert found, "the Supabase CLI is missing: run dbharness setup (it installs " \
                  f"supabase@{supabase_cli.VERSION} into {REPO / supabase_cli.LOCAL_DIR})"
    monkeypatch.setenv("DBHARNESS_SUPABASE_CLI", str(found))  # the fixture projects have no copy


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_harness_applies_each_shape_as_the_cli_does(server, tmp_path, cli_installed, shape):
    files, dropped = SHAPES[shape]
    root = project(tmp_path, files)
    cli, (cli_catalog, cli_rows, cli_history) = by_the_cli(server, root)
    failure, (catalog, rows, recorded) = by_the_harness(server, root)
    assert (cli.code != 0) is (failure is not None), (cli.output, failure)
    assert states(cli.output) == states(failure or ""), (cli.output, failure)
    assert recorded == cli_history
    assert rows == cli_rows
    assert rows == SEEN.get(shape, rows)
    assert set(cli_catalog) - set(catalog) == dropped
    assert {k: v for k, v in cli_catalog.items() if k not in dropped} == catalog


def test_where_the_cli_records_a_build_an_earlier_run_left_invalid_the_harness_refuses(server, tmp_path,
                                                                                       cli_installed):
    """CREATE INDEX CONCURRENTLY IF NOT EXISTS skips an INVALID index of that name: the CLI records the
    version with the index still INVALID; the harness does not record it and names the index."""
    root = project(tmp_path, ["create index concurrently if not exists d_u on public.d (a);\n"])
    earlier = "create unique index concurrently d_u on public.d (a)"  # fails: INVALID d_u stays
    cli, (cli_catalog, _, cli_history) = by_the_cli(server, root, earlier)
    assert cli.code == 0 and list(cli_history) == ["20250101000001"]
    assert cli_catalog["index public.d_u"]["valid"] is False
    failure, (catalog, _, recorded) = by_the_harness(server, root, earlier)
    assert recorded == {} and "public.d_u is there already, INVALID" in (failure or "")
    assert catalog == cli_catalog
