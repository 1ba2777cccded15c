"""psql's script language, as psql 15 runs it: what is sent when, variables with psql's quoting
and rescanning, meta-commands anywhere on a line, \\gset, \\gexec, \\if, \\getenv, includes,
echo and quit, and psql's errors (with file and line). An executor records what psql would send
and print, and answers \\gset and \\gexec queries with given rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dbharness.errors import ScriptError
from dbharness.sql.psqlscript import Echo, MetaError, Query, Rows, Said, Session, quote_ident, quote_literal
from dbharness.sql.psqltypes import parse_bool


class Recording:
    """Logs what psql would do; answers queries (by their stripped text) with rows."""

    def __init__(self, answers: dict[str, Rows] | None = None) -> None:
        self.answers = answers or {}
        self.log: list[tuple] = []

    def send(self, query: Query) -> Rows | None:
        self.log.append((query.mode, query.text, query.line) if not query.raw else ("raw", query.text))
        return self.answers.get(query.text.strip())

    def echo(self, unit: Echo) -> None:
        self.log.append(("echo", unit.text) if unit.newline else ("echo -n", unit.text))

    def said(self, unit: Said) -> None:
        self.log.append(("said", unit.text, unit.line))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run(tmp_path: Path, text: str, answers: dict[str, Rows] | None = None,
        variables: dict[str, str] | None = None) -> tuple[list[tuple], Session]:
    executor = Recording(answers)
    session = Session(executor, variables, cwd=tmp_path)
    session.run(write(tmp_path, "t.sql", text))
    return executor.log, session


def sent(log: list[tuple]) -> list[str]:
    return [entry[1] for entry in log if entry[0] in ("plain", "gset", "gexec", "raw")]


def one(column: str, value: str | None) -> Rows:
    return Rows((column,), ((value,),))


def test_queries_are_sent_at_semicolons_outside_quotes_comments_and_parentheses(tmp_path):
    log, _ = run(tmp_path, "  -- before ; anything\nselect 1 -- a ; comment\n , 2;   select /* ; */ 3;\n"
                           "select $$ ; \\echo no $$, E'\\' ; ', 'x\\' as y;\nselect (1\n;\n) as p;\n"
                           "select 'a';select 'b'\n")
    assert log == [("plain", "select 1 -- a ; comment\n , 2;", 2), ("plain", "select /* ; */ 3;", 3),
                   ("plain", "select $$ ; \\echo no $$, E'\\' ; ', 'x\\' as y;", 4),
                   ("plain", "select (1\n;\n) as p;", 5), ("plain", "select 'a';", 8),
                   ("plain", "select 'b'", 8)]  # the last, without a semicolon, at the end of the file


def test_begin_atomic_bodies_and_backslash_semicolon_stay_in_one_query(tmp_path):
    body = ("create or replace function f() returns int language sql\nbegin atomic\n select 1;\n"
            " select case when true then 2 end;\nend;")
    log, _ = run(tmp_path, body + "\nselect 1 \\; select 2;\n")
    assert sent(log) == [body, "select 1 ; select 2;"]


def test_variables_are_substituted_with_psql_quoting(tmp_path):
    log, _ = run(tmp_path, "\\set x 42\n\\set name 'it''s'\n\\set tab 'My \"Tab\"'\n\\set path 'a\\\\b'\n"
                           "select :x, :'name', :\"tab\", :'path';\n")
    assert sent(log) == ["select 42, 'it''s', \"My \"\"Tab\"\"\",  E'a\\\\b';"]
    assert quote_literal("a\\b") == " E'a\\\\b'" and quote_ident('a"b') == '"a""b"'


def test_nothing_is_substituted_in_literals_identifiers_comments_dollar_quotes_or_casts(tmp_path):
    sql = "select ':x', \":x\", $$ :x $$, $f$ :x $f$, 1::int, a := 1 /* :x */ -- :x\n, :x, :undefined, :{?x}, :{?nope};"
    log, _ = run(tmp_path, "\\set x 42\n" + sql + "\n")
    assert sent(log) == [sql.replace(", :x, :undefined, :{?x}, :{?nope}", ", 42, :undefined, TRUE, FALSE")]


def test_a_value_is_read_again_as_psql_pushes_it_but_never_inside_itself(tmp_path):
    log, _ = run(tmp_path, "\\set q 'select 1; select :n'\n\\set n 2\n:q;\n\\set r 'x :r'\nselect :r;\n")
    assert sent(log) == ["select 1;", "select 2;", "select x :r;"]
    assert ("said", 'skipping recursive expansion of variable "r"', 5) in log


def test_set_concatenates_its_words_and_unset_removes(tmp_path):
    _, session = run(tmp_path, "\\set joined a 'b c' d\n\\set empty\n\\set gone 1\n\\unset gone\n"
                               "\\set word 'it''s a\\ttab'\n\\set id \"My Col\"\n")
    assert session.variables == {"joined": "ab cd", "empty": "", "word": "it's a\ttab", "id": '"My Col"'}


def test_gset_stores_one_row_and_the_next_statement_sees_it(tmp_path):
    answers = {"select 42 as answer, null as gone": Rows(("answer", "gone"), (("42", None),))}
    log, session = run(tmp_path, "begin; select plan(1);\n\\set gone 5\n"
                                 "select 42 as answer, null as gone \\gset\nselect is(:answer, 42, 'gset');\n", answers)
    assert log == [("plain", "begin;", 1), ("plain", "select plan(1);", 1),
                   ("gset", "select 42 as answer, null as gone ", 3), ("plain", "select is(42, 42, 'gset');", 4)]
    assert session.variables == {"answer": "42"}  # NULL unsets, as psql does


def test_gset_prefix_errors_and_specially_treated_variables(tmp_path):
    _, session = run(tmp_path, "select 1 as a \\gset p_\n", {"select 1 as a": one("a", "1")})
    assert session.variables == {"p_a": "1"}
    cases = {"select 1 where false": (Rows(("a",), ()), "t.sql:1: no rows returned for \\gset"),
             "select 1 from generate_series(1, 2)": (Rows(("a",), (("1",), ("1",))),
                                                     "t.sql:1: more than one row returned for \\gset"),
             'select 1 as "A b"': (one("A b", "1"), 't.sql:1: invalid variable name: "A b"')}
    for query, (rows, message) in cases.items():
        with pytest.raises(MetaError, match=re.escape(message)):
            run(tmp_path, query + " \\gset\n\\echo never\n", {query: rows})
    log, session = run(tmp_path, "select 1 \\gset\n", {"select 1": one("ON_ERROR_STOP", "0")})
    assert "ON_ERROR_STOP" not in session.variables
    assert ("said", 'attempt to \\gset into specially treated variable "ON_ERROR_STOP" ignored', 1) in log


def test_a_sending_command_with_an_empty_buffer_sends_the_previous_query_again(tmp_path):
    log, session = run(tmp_path, "\\gset\nselect 7 as v; \\gset\n", {"select 7 as v;": one("v", "7")})
    assert log == [("plain", "select 7 as v;", 2), ("gset", "select 7 as v;", 2)]  # nothing before: nothing sent
    assert session.variables == {"v": "7"}


def test_gexec_runs_each_value_row_by_row_column_by_column(tmp_path):
    rows = Rows(("a", "b"), (("select 10", "select 20"), ("select 30", None)))
    log, _ = run(tmp_path, "select 'x' as a, 'y' as b \\gexec\nselect 'after';\n", {"select 'x' as a, 'y' as b": rows})
    assert sent(log) == ["select 'x' as a, 'y' as b ", "select 10", "select 20", "select 30", "select 'after';"]


def test_psql_booleans():
    for text, value in {"true": True, "T": True, "yEs": True, "on": True, "1": True, "false": False,
                        "F": False, "n": False, "off": False, "OF": False, "0": False}.items():
        assert parse_bool(text) is value, text
    for text in ("o", "", "maybe", "2", "truex", "onx", "01"):
        assert parse_bool(text) is None, text


def test_if_elif_else_pick_one_branch_and_skip_the_others_unsubstituted(tmp_path):
    log, session = run(tmp_path, "\\set flag off\n\\if :flag\n\\set a 1\nselect :flag;\n\\if nonsense\n\\endif\n"
                                 "\\elif yes\n\\set b :flag\n\\else\n\\set c 1\n\\endif\n"
                                 "\\if false\n\\if :flag\n\\copy x from y\n\\endif\n\\set d 1\n\\endif\n")
    assert session.variables == {"flag": "off", "b": "off"} and sent(log) == []
    assert not [e for e in log if e[0] == "said"]  # an \if inside a skipped branch is not evaluated


def test_an_invalid_if_value_is_said_and_taken_as_false_as_psql_does(tmp_path):
    log, session = run(tmp_path, "\\if maybe\n\\set a 1\n\\else\n\\set b 1\n\\endif\n\\if :undefined\n\\endif\n")
    assert session.variables == {"b": "1"}
    assert [e for e in log if e[0] == "said"] == [
        ("said", 'unrecognized value "maybe" for "\\if expression": Boolean expected', 1),
        ("said", 'unrecognized value ":undefined" for "\\if expression": Boolean expected', 6)]


def test_if_misuse_is_an_error_with_its_line(tmp_path):
    for text, message in {"\\else\n": "t.sql:1: \\else: no matching \\if",
                          "\\endif\n": "t.sql:1: \\endif: no matching \\if",
                          "\\if true\n\\else\n\\elif true\n\\endif\n": "t.sql:3: \\elif: cannot occur after \\else",
                          "\\if true\n\\echo open\n": "t.sql:2: reached EOF without finding closing \\endif(s)",
                          "\\if false\n\\nosuch\n\\endif\n": "t.sql:2: invalid command \\nosuch"}.items():
        with pytest.raises(MetaError, match=re.escape(message)):
            run(tmp_path, text)


def test_query_text_in_a_skipped_branch_is_dropped_and_the_rest_kept(tmp_path):
    log, _ = run(tmp_path, "select 1 \\if true\n, 2 \\endif\n as two;\nselect 3\n\\if false\n;\n, 4\n\\endif\n;\n")
    assert sent(log) == ["select 1 \n, 2 \n as two;", "select 3\n;"]


def test_getenv_reads_the_environment_and_setenv_changes_it_for_this_run_only(tmp_path, monkeypatch):
    monkeypatch.setenv("DBH_TEST_HOME", "/home/x")
    monkeypatch.delenv("DBH_TEST_NONE", raising=False)
    _, session = run(tmp_path, "\\set keep 1\n\\getenv home DBH_TEST_HOME\n\\getenv keep DBH_TEST_NONE\n"
                               "\\setenv DBH_TEST_HOME /other\n\\getenv again DBH_TEST_HOME\n")
    assert session.variables == {"keep": "1", "home": "/home/x", "again": "/other"}
    assert session.env_read == {"DBH_TEST_HOME": "/home/x", "DBH_TEST_NONE": None}
    with pytest.raises(MetaError, match=r"t\.sql:1: \\getenv: missing required argument"):
        run(tmp_path, "\\getenv only\n")


def test_an_unsupported_meta_command_names_file_and_line_wherever_it_stands(tmp_path):
    for text, line in (("select 1;\n\\gdesc\n", 2), ("select 1; \\copy x from 'y.csv'\n", 1),
                       ("select ok(true) \\watch 1\n", 1)):
        with pytest.raises(MetaError, match=rf"t\.sql:{line}: psql meta-command \\\w+ is not supported"):
            run(tmp_path, text)
    executor = Recording()
    with pytest.raises(MetaError):
        Session(executor, cwd=tmp_path).run(write(tmp_path, "u.sql", "select 1; \\o out.txt\n"))
    assert sent(executor.log) == ["select 1;"]  # what came before it was sent
    with pytest.raises(MetaError, match=r"t\.sql:1: invalid command \\gsett"):
        run(tmp_path, "select 1 \\gsett\n")


def test_several_meta_commands_on_a_line_and_the_double_backslash(tmp_path):
    log, session = run(tmp_path, "\\set a 1 \\set b 2\nselect 1 as x \\gset \\\\ select :x;\n", {"select 1 as x": one("x", "1")})
    assert session.variables == {"a": "1", "b": "2", "x": "1"} and sent(log)[-1] == "select 1;"


def test_includes_resolve_as_psql_does_and_keep_their_own_lines(tmp_path):
    write(tmp_path, "inc/more.sql", "\n\nselect ok(false);\n\\quit\nselect 'after quit in the include';\n")
    write(tmp_path, "inc/other.sql", "select 2;\n")
    log, session = run(tmp_path, "select 1;\n\\ir inc/more.sql\n\\i inc/other.sql\n\\include_relative inc/other.sql;\n")
    assert [(e[1], e[2]) for e in log] == [("select 1;", 1), ("select ok(false);", 3), ("select 2;", 1), ("select 2;", 1)]
    assert [p.name for p in session.read] == ["t.sql", "more.sql", "other.sql", "other.sql"]
    with pytest.raises(MetaError, match=r"t\.sql:1: missing\.sql: No such file or directory"):
        run(tmp_path, "\\i missing.sql\n")


def test_an_include_cycle_is_refused(tmp_path):
    write(tmp_path, "a.sql", "\\ir b.sql\n")
    write(tmp_path, "b.sql", "\\ir a.sql\n")
    with pytest.raises(MetaError, match="included in a cycle"):
        Session(Recording(), cwd=tmp_path).run(tmp_path / "a.sql")


def test_echo_warn_quit_and_display_commands(tmp_path):
    log, _ = run(tmp_path, "\\pset format unaligned\n\\timing on\n\\x\n\\set QUIET 1\n\\echo hello :x\n"
                           "\\set x 1\n\\qecho 'quoted text' :x\n\\echo -n open\n\\echo c \"-n\" d\n\\warn careful\n"
                           "select 1;\nselect 2\n\\quit\nselect ok(false);\n")
    assert log == [("echo", "hello :x"), ("echo", "quoted text 1"), ("echo -n", "open"), ("echo", 'c "-n" d'),
                   ("said", "careful", 10), ("plain", "select 1;", 11), ("plain", "select 2", 12)]


def test_a_backslash_line_inside_a_function_body_is_data(tmp_path):
    body = "create function f() returns text language sql as $$\n\\d is not a command here\n$$;"
    log, _ = run(tmp_path, body + "\n")
    assert sent(log) == [body]


def test_psql_warnings_that_do_not_stop(tmp_path):
    log, session = run(tmp_path, "\\set x 'abc\n\\echo [:x]\n\\q extra\n")
    assert session.variables == {"x": ""} and ("echo", "[]") in log
    assert ("said", "unterminated quoted string", 1) in log
    assert ("said", '\\q: extra argument "extra" ignored', 3) in log


def test_not_utf8_names_the_byte_offset(tmp_path):
    path = tmp_path / "bad.sql"
    path.write_bytes(b"select 1;\n\xff\n")
    with pytest.raises(ScriptError, match=r"bad\.sql: not valid UTF-8 at byte 10"):
        Session(Recording()).run(path)
