"""Statement splitting and classification with pglast."""

import pytest

from dbharness.errors import MigrationError
from dbharness.statements import (
    is_concurrent,
    is_transaction_control,
    split_statements,
)


def test_split_gives_each_statement_and_its_first_line():
    sql = "-- header\nselect 1;\n\ncreate table t (\n  a int\n);\ndo $$ begin perform 1; end $$;"
    stmts = split_statements(sql)
    assert [s.line for s in stmts] == [2, 4, 7]
    assert stmts[1].first_line == "create table t ("
    assert stmts[2].kind == "DoStmt"


def test_semicolons_inside_strings_and_dollar_quotes_do_not_split():
    sql = "select 'a;b';\ncreate function f() returns int language sql as $f$ select 1; $f$;"
    assert len(split_statements(sql)) == 2


@pytest.mark.parametrize(
    "sql, concurrent",
    [
        ("create index concurrently i on public.t (a)", True),
        ("create unique index concurrently if not exists i on public.t (a) where a > 0", True),
        ("create index i on public.t (a)", False),
        ("drop index concurrently if exists public.i", True),
        ("drop index public.i", False),
        ("reindex index concurrently public.i", True),
        ("reindex index public.i", False),
        ("vacuum analyze public.t", True),
        ("alter table public.t add column b int", False),
    ],
)
def test_statements_that_cannot_run_in_a_transaction(sql, concurrent):
    assert is_concurrent(split_statements(sql)[0]) is concurrent


def test_transaction_control_excludes_savepoints():
    stmts = split_statements("begin; savepoint a; rollback to a; release a; rollback; commit;")
    assert [is_transaction_control(s) for s in stmts] == [True, False, False, False, True, True]



def test_syntax_error_names_source_and_line():
    with pytest.raises(MigrationError, match=r"f\.sql:3: SQL syntax error.*selec"):
        split_statements("select 1;\n\nselec 2;", "f.sql")
