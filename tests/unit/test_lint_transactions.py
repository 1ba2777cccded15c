"""lint/transactions.py without a database: a file that commits part-way (a warning), a file that turns
the project's timeouts off or loosens them (an error, unless loosen_timeouts lists its version)."""

from pathlib import Path

import pytest

from dbharness import config
from dbharness.config import Settings
from dbharness.errors import ConfigError
from dbharness.lint import transactions
from dbharness.sql.migrations import parse_name

DUMP_HEADER = ("SET statement_timeout = 0;\nSET lock_timeout = 0;\n"
               "SELECT pg_catalog.set_config('search_path', '', false);\n"
               "CREATE TABLE public.t (id int);\n")


def files(tmp_path: Path, **sql: str):
    out = []
    for name, text in sql.items():
        path = tmp_path / f"{name}.sql"
        path.write_text(text)
        out.append(parse_name(path, tmp_path))
    return out


def run(tmp_path, settings=None, **sql):
    return transactions.run(settings or Settings(root=tmp_path), files(tmp_path, **sql))


def test_a_dump_header_that_turns_both_timeouts_off_is_an_error_with_the_setting_that_allows_it(tmp_path):
    found = run(tmp_path, **{"20240101000000_remote_schema": DUMP_HEADER})
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("error", "timeout-loosened", "20240101000000_remote_schema.sql:1"),
        ("error", "timeout-loosened", "20240101000000_remote_schema.sql:2")]
    assert found[1][3] == ("sets lock_timeout off for the rest of the file: in a promotion its statements may "
                           "then wait on a live table's locks, and block every query queued behind them, for "
                           "that long")
    assert found[1][4] == ("remove it (the harness sets lock_timeout = 5s around every file, and a file may "
                           "tighten it), or allow it for this file in [tool.dbharness]: "
                           'loosen_timeouts = ["20240101000000"]')
    allowed = Settings(root=tmp_path, loosen_timeouts=("20240101000000",))
    assert run(tmp_path, allowed, **{"20240101000000_remote_schema": DUMP_HEADER}) == []


@pytest.mark.parametrize("sql, what", [
    ("set lock_timeout = '10s';", "to 10s, looser than the project's 5s"),
    ("set local lock_timeout = 10000;", "to 10s, looser than the project's 5s"),
    ("set session statement_timeout = '1h';", "to 3600s, looser than the project's 5min"),
    ("reset lock_timeout;", "back to the server's default (off, unless the role or database sets one)"),
    ("set lock_timeout to default;", "back to the server's default (off, unless the role or database sets one)"),
    ("select set_config('statement_timeout', '0', false);", "off"),
])
def test_each_way_of_loosening_a_timeout_is_found(tmp_path, sql, what):
    found = run(tmp_path, **{"1_a": f"{sql}\ncreate table public.t (id int);"})
    assert len(found) == 1 and f" {what} for the rest of the file" in found[0][3]


@pytest.mark.parametrize("sql", [
    "set lock_timeout = '2s';", "set local lock_timeout = '5s';", "set statement_timeout = 1000;",
    "set search_path = public;", "create table public.t (id int);\nreset all;",  # at the end it bounds nothing
])
def test_tightening_or_keeping_the_limits_is_fine(tmp_path, sql):
    assert run(tmp_path, **{"1_a": f"{sql}\ncreate table public.u (id int);"
                            if "reset all" not in sql else sql}) == []


def test_reset_all_part_way_loosens_both(tmp_path):
    found = run(tmp_path, **{"1_a": "reset all;\ncreate table public.t (id int);"})
    assert [f[3].split(" back")[0] for f in found] == ["sets lock_timeout", "sets statement_timeout"]


def test_a_project_without_a_limit_has_nothing_to_loosen(tmp_path):
    unbounded = Settings(root=tmp_path, lock_timeout="0")
    assert run(tmp_path, unbounded, **{"1_a": "set lock_timeout = 0;\ncreate table public.t (id int);"}) == []


def test_a_file_that_commits_part_way_is_a_warning_naming_where_it_commits(tmp_path):
    found = run(tmp_path, **{"1_enum": "create type public.r as enum ('a');\nbegin;\n"
                                       "alter type public.r add value 'b';\ncommit;\nbegin;\n"
                                       "create table public.m (role public.r);\ncommit;\n"})
    assert [(f[0], f[1], f[2]) for f in found] == [("warn", "commits-part-way", "1_enum.sql:1")]
    assert "so it commits after line 1, 4 before its end" in found[0][3]
    assert found[0][3].startswith("the Supabase CLI sends this file statement by statement")


@pytest.mark.parametrize("sql", [
    "create table public.a (x int);\ncreate table public.b (x int);",
    "begin;\ncreate table public.a (x int);\ncommit;",
    "set lock_timeout = '5s';\ncreate index concurrently i on public.a (x);\n"
    "create index concurrently j on public.a (x);",  # index builds only: a failure drops what they built
    "begin;\ncreate table public.a (x int);",  # refused by the run itself, not lint's to word
])
def test_files_that_commit_once_or_only_build_indexes_are_not_part_way(tmp_path, sql):
    assert run(tmp_path, **{"1_a": sql}) == []


def test_concurrently_after_other_statements_commits_part_way(tmp_path):
    found = run(tmp_path, **{"1_a": "create table public.a (x int);\ncreate index concurrently i on public.a (x);\n"
                                    "create table public.b (x int);"})
    assert [f[2] for f in found] == ["1_a.sql:1"]
    assert found[0][3].startswith("its CONCURRENTLY-like statements run on their own")


def test_loosen_timeouts_is_read_from_the_project(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.dbharness]\nloosen_timeouts = ["20240101000000"]\n')
    assert config.load(tmp_path, variables={}).loosen_timeouts == ("20240101000000",)
    (tmp_path / "pyproject.toml").write_text('[tool.dbharness]\nloosen_timeouts = "20240101000000"\n')
    with pytest.raises(ConfigError, match="loosen_timeouts must be a list of names"):
        config.load(tmp_path, variables={})
