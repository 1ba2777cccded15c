"""How the Supabase CLI sends a file (sql/cli_batches), without a database: the way it picks, where it
cuts batches, and what a failure at each statement leaves committed. The real CLI's behaviour for the
same shapes is checked in tests/integration/test_cli_transactions.py."""

import pytest

from dbharness.errors import MigrationError
from dbharness.sql.cli_batches import (
    BATCHES,
    EACH,
    NONE,
    commit_points,
    is_control,
    left_committed,
    runs_alone,
    send_plan,
)
from dbharness.sql.statements import split_statements

ENUM = ("create type public.r as enum ('a'); create table public.m (role public.r);\n"
        "begin; alter type public.r add value 'b'; commit;\n"
        "begin; create index m_b on public.m (role) where role = 'b'; commit;\n")


def plan_of(sql):
    statements = split_statements(sql)
    return send_plan(sql, statements, "f.sql"), statements


@pytest.mark.parametrize("sql, alone", [
    ("create index concurrently i on t (a)", True),
    ("create unique index concurrently i on t (a)", True),
    ("CREATE  UNIQUE\nINDEX CONCURRENTLY IF NOT EXISTS i ON t (a)", True),
    ("create index i on t (a)", False),
    ("drop index concurrently if exists i", True),
    ("drop index i", False),
    ("reindex index concurrently i", True),
    ("reindex (verbose) index i", False),
    ("vacuum t", True),
    ("vacuum", True),
    ("vacuum (analyze) t", True),
    ("analyze t", False),
    ("alter system set work_mem = '1MB'", True),
    ("cluster t using i", True),
    ("create table t (a int)", False),
])
def test_the_statements_the_cli_sends_on_their_own(sql, alone):
    assert runs_alone(split_statements(sql)[0]) is alone


@pytest.mark.parametrize("sql, control", [
    ("begin", True), ("begin isolation level serializable", True), ("start transaction", True),
    ("commit", True), ("end", True), ("abort", True), ("rollback", True), ("rollback work", True),
    ("rollback and chain", True), ("prepare transaction 'x'", True), ("commit prepared 'x'", True),
    ("rollback prepared 'x'", True), ("rollback to savepoint s", False), ("rollback to s", False),
    ("rollback work to s", False), ("rollback transaction to savepoint s", False),
    ("savepoint s", False), ("release s", False), ("select 1", False),
    ("do $$ begin commit; end $$", False),
])
def test_the_statements_that_make_the_cli_send_a_file_statement_by_statement(sql, control):
    assert is_control(split_statements(sql)[0]) is control


def test_a_plain_file_is_one_batch_that_ends_with_the_history_row():
    plan, _ = plan_of("create table public.a (x int);\ninsert into public.a values (1);")
    assert plan.way == BATCHES and plan.one_transaction
    assert [(p.statements, p.batch, p.history) for p in plan.parts] == [((0, 1), True, True)]
    assert plan.describe() == "in a transaction"


def test_concurrently_statements_cut_the_batches_and_the_row_goes_in_the_last_one():
    plan, stmts = plan_of("set lock_timeout = '1s';\ncreate index concurrently i on t (a);\n"
                          "create table b (x int);\nvacuum t;")
    assert [(p.statements, p.batch, p.history) for p in plan.parts] == [
        ((0,), True, False), ((1,), False, False), ((2,), True, False), ((3,), False, False),
        ((), True, True)]
    assert plan.describe() == "in 5 parts: CONCURRENTLY-like statements on their own"
    assert left_committed(plan, stmts, 2) == [1]  # the SET commits but leaves nothing
    assert left_committed(plan, stmts, 4) == [1, 2, 3]


def test_a_file_of_index_builds_only_runs_outside_a_transaction():
    plan, _ = plan_of("set lock_timeout = '5s';\ncreate index concurrently i on t (a);\n"
                      "create index concurrently j on t (b);")
    assert plan.alone_only and plan.describe() == "outside a transaction (CONCURRENTLY)"


def test_transaction_control_sends_the_file_statement_by_statement():
    plan, stmts = plan_of(ENUM)
    assert plan.way == EACH and not plan.one_transaction
    assert [p.statements for p in plan.parts] == [(i,) for i in range(len(stmts))] + [()]
    assert plan.parts[-1].history
    assert plan.describe() == "statement by statement, in the transactions it opens and commits itself"


@pytest.mark.parametrize("failed, left", [
    (0, []), (1, [0]), (2, [0, 1]), (3, [0, 1]), (4, [0, 1]), (5, [0, 1, 3]), (6, [0, 1, 3]),
    (7, [0, 1, 3]), (8, [0, 1, 3, 6]),
])
def test_what_a_failure_at_each_statement_leaves_committed(failed, left):
    plan, stmts = plan_of(ENUM)
    assert left_committed(plan, stmts, failed) == left


def test_rollback_drops_its_transaction_and_rollback_to_drops_back_to_its_savepoint():
    plan, stmts = plan_of("create table a (x int);\nbegin;\ncreate table b (x int);\nrollback;\n"
                          "begin;\ncreate table c (x int);\nsavepoint s;\ninsert into c values (1);\n"
                          "rollback to savepoint s;\ninsert into c values (2);\ncommit;\nrollback;")
    assert left_committed(plan, stmts, len(stmts)) == [0, 5, 9]


def test_commit_and_chain_opens_the_next_transaction():
    plan, stmts = plan_of("begin;\ncreate table a (x int);\ncommit and chain;\ncreate table b (x int);\n"
                          "commit;")
    assert left_committed(plan, stmts, 3) == [1]
    assert left_committed(plan, stmts, 5) == [1, 3]


def test_the_no_transaction_marker_sends_every_statement_on_its_own():
    plan, stmts = plan_of("-- pg-delta: transaction=false\r\ncreate table a (x int);\ncreate table b (x int);")
    assert plan.way == NONE
    assert left_committed(plan, stmts, 1) == [0]
    assert plan.describe() == "statement by statement, no transaction (pg-delta: transaction=false)"
    plan, _ = plan_of("-- pg-delta: transaction=false (not exactly)\ncreate table a (x int);")
    assert plan.way == BATCHES


def test_a_begin_never_committed_is_refused_with_its_line():
    with pytest.raises(MigrationError, match=r"^f.sql:2: begin is never committed"):
        plan_of("create table a (x int);\nbegin;\ncreate table b (x int);")
    with pytest.raises(MigrationError, match=r"^f.sql:2: begin is never committed"):
        plan_of("-- pg-delta: transaction=false\nbegin;\ncreate table b (x int);")


@pytest.mark.parametrize("sql, points", [
    ("create table a (x int);\ncreate table b (x int);", []),
    ("begin;\ncreate table a (x int);\ncommit;", []),
    (ENUM, [0, 1, 4]),
    ("create table a (x int);\ncreate index concurrently i on a (x);\ncreate table b (x int);", [0, 1]),
    ("create index concurrently i on a (x);\nset lock_timeout = '1s';", []),
])
def test_commit_points_are_where_a_later_failure_leaves_part_of_the_file(sql, points):
    plan, stmts = plan_of(sql)
    assert commit_points(plan, stmts) == points
