"""Statement splitting and classification with pglast."""

import pytest

from dbharness.errors import MigrationError
from dbharness.sql.statements import (
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


def test_syntax_error_in_the_middle_names_its_own_line():
    with pytest.raises(MigrationError) as err:
        split_statements("select 1;\nselec 2;\nselect 3;\n", "g.sql")
    assert str(err.value) == 'g.sql:2: SQL syntax error: syntax error at or near "selec"'


def test_transaction_kinds_by_name():
    from dbharness.sql.statements import transaction_kind

    kinds = [transaction_kind(s) for s in split_statements(
        "begin; start transaction; commit; end; rollback; abort; savepoint a; release a; rollback to a; "
        "prepare transaction 'x'; commit prepared 'x'; rollback prepared 'x'; select 1;")]
    assert kinds == ["begin", "begin", "commit", "commit", "rollback", "rollback", "savepoint", "release",
                     "rollback_to", "prepare", "commit_prepared", "rollback_prepared", None]


def test_which_statements_the_harness_skips_in_isolated_files():
    from dbharness.sql.statements import is_transaction_control

    flags = [is_transaction_control(s) for s in split_statements(
        "begin; start transaction; commit; rollback; savepoint a; release a; rollback to a; select 1;")]
    assert flags == [True, True, True, True, False, False, False, False]


def test_reindex_concurrently_is_recognised_by_its_option():
    assert is_concurrent(split_statements("reindex index concurrently i")[0])
    assert not is_concurrent(split_statements("reindex (verbose) index i")[0])


def test_read_sql_errors_name_the_file(tmp_path):
    from dbharness.errors import ScriptError
    from dbharness.sql.statements import read_sql

    with pytest.raises(ScriptError) as err:
        read_sql(tmp_path / "missing.sql")
    assert str(err.value) == f"{tmp_path / 'missing.sql'}: cannot read: No such file or directory"
    bad = tmp_path / "bad.sql"
    bad.write_bytes(b"ab\xffcd")
    with pytest.raises(ScriptError) as err:
        read_sql(bad)
    assert str(err.value) == f"{bad}: not valid UTF-8 at byte 2; save it as UTF-8"
    good = tmp_path / "good.sql"
    good.write_text("select 'é';")
    assert read_sql(good) == "select 'é';"


def test_statement_properties():
    stmt = split_statements("\n\n  create index i\n  on t (a);")[0]
    assert (stmt.line, stmt.first_line, stmt.kind) == (3, "create index i", "IndexStmt")
    assert split_statements("select 1")[0].first_line == "select 1"


def test_a_syntax_error_without_a_source_says_sql():
    with pytest.raises(MigrationError, match=r"^<sql>:1: SQL syntax error"):
        split_statements("selec 1")


@pytest.mark.parametrize("sql, pieces", [
    # observed from supabase 2.117.0's db push: what it records in supabase_migrations
    ("-- head\ncreate table t1 (a int); -- trailing same line\n-- tail comment\n",
     ["-- head\ncreate table t1 (a int)", "-- trailing same line\n-- tail comment"]),
    ("create table t2 (a int)", ["create table t2 (a int)"]),
    ("select 1;;\n select 2;\n\n", ["select 1", "select 2"]),
    ("begin;\ncreate table t3 (a int);\ncommit;\n", ["begin", "create table t3 (a int)", "commit"]),
    # semicolons that do not end a statement
    ("select ';', \"a;b\", $$x;y$$, $t$;$t$, '\\' /* ; /* ; */ */; select 2 -- ;\n;",
     ["select ';', \"a;b\", $$x;y$$, $t$;$t$, '\\' /* ; /* ; */ */", "select 2 -- ;"]),
    # observed from supabase 2.117.0's db push: SQL-standard bodies are kept whole
    ("-- a body\ncreate function f(i int) returns int language sql\nbegin atomic\n  select i + 1;\nend;",
     ["-- a body\ncreate function f(i int) returns int language sql\nbegin atomic\n  select i + 1;\nend"]),
    ("create function g() returns setof int language sql\nBEGIN   ATOMIC\n  select 1;\n  select 2;\nEND; select 1",
     ["create function g() returns setof int language sql\nBEGIN   ATOMIC\n  select 1;\n  select 2;\nEND",
      "select 1"]),
    ("create function h() returns int language sql return 1; select 'a\\'; select 3",
     ["create function h() returns int language sql return 1", "select 'a\\'", "select 3"]),
    # observed: the CLI's own limits (its push of such a file fails at the piece it cut short)
    ("create function l() returns int language sql begin atomic select 1 as legend; end",
     ["create function l() returns int language sql begin atomic select 1 as legend", "end"]),
    ("create rule r as on insert to t do also (insert into a values (1); select 1); select 2",
     ["create rule r as on insert to t do also (insert into a values (1)", "select 1)", "select 2"]),
    ("select E'a\\';b';", ["select E'a\\'", "b'"]),
    ("select a$b from t; select 1", ["select a$b from t", "select 1"]),
    ("", []),
])
def test_statements_as_the_supabase_cli_records_them(sql, pieces):
    from dbharness.sql.cli_split import cli_statements

    assert cli_statements(sql) == pieces


def test_normalized_ignores_comments_and_layout_but_not_edits():
    from dbharness.sql.statements import normalized

    assert normalized(["-- why\ncreate table t (a int default 0)", "-- only a comment"]) == \
        normalized(["CREATE   TABLE t (\n a int DEFAULT 0 )"]) == ["CREATE TABLE t (a integer DEFAULT 0)"]
    assert normalized(["create table t (a int default 1)"]) != normalized(["create table t (a int default 0)"])
    assert normalized(["selec nonsense"]) == ["selec nonsense"]
    assert normalized(["select 1; select 2"]) == ["SELECT 1", "SELECT 2"]


def test_quoted_end_of_each_construct():
    from dbharness.sql.statements import quoted_end

    assert quoted_end("'a''b' x", 0) == (6, True)
    assert quoted_end("\"a\"\"b\" x", 0) == (6, True)
    assert quoted_end("E'a\\'b' x", 1) == (7, True)
    assert quoted_end("'open", 0) == (5, False)
    assert quoted_end("-- c\nx", 0) == (4, True) and quoted_end("-- c", 0) == (4, True)
    assert quoted_end("/* a /* b */ c */x", 0) == (17, True) and quoted_end("/* open", 0) == (7, False)
    assert quoted_end("$t$ a $t$x", 0) == (9, True) and quoted_end("$$ open", 0) == (7, False)
    assert quoted_end("a$1", 1) == (1, True) and quoted_end("x", 0) == (0, True)
    assert quoted_end("$1 + 1", 0) == (0, True)


@pytest.mark.parametrize("sql, pieces", [
    ("select 1\n-- c;d\n", ["select 1\n-- c;d"]),
    ("select x_$$; select 1", ["select x_$$; select 1"]),  # the CLI opens a dollar quote there
    ("select $a$x$a$; select $a$;$a$", ["select $a$x$a$", "select $a$;$a$"]),
    ("select $$a$$ ; select $$b;$$", ["select $$a$$", "select $$b;$$"]),
    ("/*a/*b;*/c;*/ select 1; select 2", ["/*a/*b;*/c;*/ select 1", "select 2"]),
    ("/**/;select 1", ["/**/", "select 1"]),
    ("select X; select 1", ["select X", "select 1"]),
    ("select 'a''' ; select 2", ["select 'a'''", "select 2"]),
    ("select 'open", ["select 'open"]),
    ("select e'a\\';b'; select 2", ["select e'a\\'", "b'; select 2"]),  # no backslash escapes
    ("select E'a\\';b'; select 2", ["select E'a\\'", "b'; select 2"]),
    ("select 'a\\'; select 2", ["select 'a\\'", "select 2"]),
    ("select xe'a\\'; select 2", ["select xe'a\\'", "select 2"]),
    ("select X'a\\'; select 2", ["select X'a\\'", "select 2"]),
    ("select \"a\\\"; select 2", ["select \"a\\\"", "select 2"]),
    ("select \"a\"\"b;\"; select 2", ["select \"a\"\"b;\"", "select 2"]),
    ("select ee'a\\'; select 2", ["select ee'a\\'", "select 2"]),
    ("e'\\';'; select 2", ["e'\\'", "'; select 2"]),
    ("select 1 \\; select 2", ["select 1 \\; select 2"]),  # a backslash outside quotes skips the next
    ("select (1; 2); select 3", ["select (1; 2)", "select 3"]),
    ("select 1 as atomic; begin; select atomic; select begin_atomic; select 2",
     ["select 1 as atomic", "begin", "select atomic", "select begin_atomic", "select 2"]),
    ("select $1; select 2", ["select $1", "select 2"]),
    # each state handing a character back to the ready state, a c among them
    ("select 1-c; select 3", ["select 1-c", "select 3"]),
    ("select 4/c; select 5", ["select 4/c", "select 5"]),
    ("select 'a'c; select 2", ["select 'a'c", "select 2"]),
    ("select $a_b$x;y$a_b$; select 2", ["select $a_b$x;y$a_b$", "select 2"]),
    ("select $$$x; select 1", ["select $$$x", "select 1"]),  # the CLI closes $$ on the third $
    # BEGIN ATOMIC: only the two words, standing alone
    ("begin atomic select 1; end; select 2", ["begin atomic select 1; end", "select 2"]),
    ("hello atomic; select 2", ["hello atomic", "select 2"]),
    ("select begin  music; select 2", ["select begin  music", "select 2"]),
    ("select xbegin atomic; select 2", ["select xbegin atomic", "select 2"]),
    ("select x_begin atomic; select 2", ["select x_begin atomic", "select 2"]),
    ("select x$begin atomic; select 2", ["select x$begin atomic", "select 2"]),
    ("select x1begin atomic; select 2", ["select x1begin atomic", "select 2"]),
    ("select a begin atomic; select 2", ["select a begin atomic; select 2"]),
    # inside an atomic body, quotes and nested bodies are still followed
    ("begin atomic select 'the end'; select 1; end; select 2",
     ["begin atomic select 'the end'; select 1; end", "select 2"]),
    ("select (BEGIN ATOMIC x); select 1; END); select 2",
     ["select (BEGIN ATOMIC x); select 1; END)", "select 2"]),
    ("select (1 + 2", ["select (1 + 2"]),
])
def test_the_splitter_on_every_kind_of_quote(sql, pieces):
    from dbharness.sql.cli_split import cli_statements

    assert cli_statements(sql) == pieces


def _top_level_pieces(sql: str) -> list[str]:
    """The text between semicolons outside quotes and comments, as quoted_end reads them (psql's
    reading of a script, which psqlscript relies on to tell data from a meta-command)."""
    from dbharness.sql.statements import quoted_end

    pieces, start, i = [], 0, 0
    while i < len(sql):
        end, _ = quoted_end(sql, i)
        if end > i:
            i = end
            continue
        if sql[i] == ";":
            pieces.append(sql[start:i])
            start = i + 1
        i += 1
    pieces.append(sql[start:])
    return [p.strip() for p in pieces if p.strip()]


@pytest.mark.parametrize("sql, pieces", [
    ("select ';', \"a;b\", $$x;y$$, $t$;$t$, E'\\';' /* ; /* ; */ */; select 2 -- ;\n;",
     ["select ';', \"a;b\", $$x;y$$, $t$;$t$, E'\\';' /* ; /* ; */ */", "select 2 -- ;"]),
    ("select x_$$; select 1", ["select x_$$", "select 1"]),  # an identifier, not a dollar quote
    ("select a$b from t; select 1", ["select a$b from t", "select 1"]),
    ("select $a$x$a$; select $a$;$a$", ["select $a$x$a$", "select $a$;$a$"]),
    ("select $A_b1$;$A_b1$; select 1", ["select $A_b1$;$A_b1$", "select 1"]),
    ("select e'a\\';b'; select 2", ["select e'a\\';b'", "select 2"]),
    ("select E'a\\';b'; select 2", ["select E'a\\';b'", "select 2"]),
    ("e'\\';'; select 2", ["e'\\';'", "select 2"]),
    (" E'\\';'; select 2", ["E'\\';'", "select 2"]),
    ("x E'a\\';b'; select 2", ["x E'a\\';b'", "select 2"]),
    ("x E'ab\\';c'; select 2", ["x E'ab\\';c'", "select 2"]),
    ("select 'a\\'; select 2", ["select 'a\\'", "select 2"]),
    ("select xe'a\\'; select 2", ["select xe'a\\'", "select 2"]),
    ("xE'a\\'; select 2", ["xE'a\\'", "select 2"]),
    ("select 'a''' ; select 2", ["select 'a'''", "select 2"]),
    ("select '' ; select 2", ["select ''", "select 2"]),
    ("/*a/*b;*/c;*/ select 1; select 2", ["/*a/*b;*/c;*/ select 1", "select 2"]),
])
def test_quoted_end_reads_quotes_as_psql_does(sql, pieces):
    assert _top_level_pieces(sql) == pieces


def test_quoted_end_at_the_edges():
    from dbharness.sql.statements import quoted_end

    assert quoted_end("'a\\'e", 0) == (4, True)  # not an E string: the text merely ends in e
    assert quoted_end("'' x", 0) == (2, True)
    assert quoted_end("'a''' x", 0) == (5, True)
    assert quoted_end("'open", 0) == (5, False) and quoted_end("E'a\\'", 1) == (5, False)
    assert quoted_end("/*/* x */*/y", 0) == (11, True)
    assert quoted_end("$$a$$ $$b$$", 0) == (5, True)


def test_a_statement_kept_without_its_tree_keeps_its_transaction_kind():
    from dbharness.sql.statements import split_statements, transaction_kind

    begin, select = split_statements("begin; select 1;")
    kept = begin.without_tree()
    assert (kept.sql, kept.line, kept.node, transaction_kind(kept)) == (begin.sql, 1, None, "begin")
    assert select.without_tree().transaction is None and select.without_tree().sql == select.sql


def test_an_error_is_placed_where_postgresql_places_it():
    from dbharness.sql.statements import error_line

    sql = "select 1,\n  2,\n  nope\nfrom t"
    assert error_line(sql, 10, str(sql.index("nope") + 1), None) == 12  # statement_position
    block = "do $$\nbegin\n  perform 1;\n  raise exception 'boom';\nend $$"
    assert error_line(block, 5, None, "PL/pgSQL function inline_code_block line 4 at RAISE") == 8
    tagged = "-- first\ndo $body$ begin\n raise exception 'x'; end $body$"
    assert error_line(tagged, 1, None, "PL/pgSQL function inline_code_block line 2 at RAISE") == 3
    assert error_line(sql, 10, None, None) == 10  # nothing to go on: the statement's first line
    assert error_line(sql, 10, "", "SQL function \"f\" statement 1") == 10
