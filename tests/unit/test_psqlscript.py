"""psql's script language: variables with psql's quoting, includes, echo, quit, refusals."""

from pathlib import Path

import pytest

from dbharness.errors import ScriptError
from dbharness.sql.psqlscript import Chunk, Echo, expand, quote_literal, substitute

VARS = {"x": "42", "name": "it's", "tab": 'My "Tab"', "path": "a\\b"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_variables_are_substituted_with_psql_quoting():
    assert substitute("select :x, :'name', :\"tab\";", VARS) == "select 42, 'it''s', \"My \"\"Tab\"\"\";"
    assert quote_literal("a\\b") == "E'a\\\\b'"


def test_nothing_is_substituted_in_literals_comments_dollar_quotes_or_casts():
    sql = "select ':x', \":x\", $$ :x $$, $f$ :x $f$, 1::int /* :x */ -- :x\n, :x, :undefined"
    assert substitute(sql, VARS) == sql.replace(", :x, :undefined", ", 42, :undefined")


def test_set_unset_and_interpolation_in_a_file(tmp_path):
    path = write(tmp_path, "t.sql", "\\set expected 42\nselect is(42, :expected);\n\\unset expected\n"
                                   "select :expected;\n")
    chunks = [u for u in expand(path).units if isinstance(u, Chunk)]
    assert [(c.line, c.text.strip()) for c in chunks] == [(2, "select is(42, 42);"), (4, "select :expected;")]


def test_includes_resolve_as_psql_does_and_keep_their_own_lines(tmp_path):
    write(tmp_path, "inc/more.sql", "\n\nselect ok(false);\n")
    write(tmp_path, "inc/other.sql", "select 2;\n")
    main = write(tmp_path, "main.sql", "select 1;\n\\ir inc/more.sql\n\\i inc/other.sql\n\\include_relative inc/other.sql\n")
    units = expand(main, cwd=tmp_path).units
    assert [(u.path.name, u.line) for u in units] == [("main.sql", 1), ("more.sql", 1), ("other.sql", 1), ("other.sql", 1)]
    assert "select ok(false);" in units[1].text
    with pytest.raises(ScriptError, match="cannot read"):
        expand(main, cwd=tmp_path / "inc")  # \i is relative to the working directory, like psql


def test_an_include_cycle_is_refused(tmp_path):
    write(tmp_path, "a.sql", "\\ir b.sql\n")
    write(tmp_path, "b.sql", "\\ir a.sql\n")
    with pytest.raises(ScriptError, match="included in a cycle"):
        expand(tmp_path / "a.sql")


def test_echo_quit_and_display_commands(tmp_path):
    path = write(tmp_path, "t.sql", "\\pset format unaligned\n\\timing on\n\\x\n\\set QUIET 1\n\\echo hello :x\n"
                                   "\\set x 1\n\\qecho 'quoted text'\nselect 1;\n\\quit\nselect ok(false);\n")
    units = expand(path).units
    assert units[0] == Echo("hello :x", path, 5)
    assert units[1] == Echo("quoted text", path, 7)
    assert [u.text.strip() for u in units if isinstance(u, Chunk)] == ["select 1;"]


def test_an_unsupported_meta_command_names_file_and_line(tmp_path):
    path = write(tmp_path, "t.sql", "select 1;\nselect 2 \\gexec\n\\gexec\n")
    with pytest.raises(ScriptError, match=r"t\.sql:3: psql meta-command \\gexec is not supported"):
        expand(path)


def test_a_backslash_line_inside_a_function_body_is_data(tmp_path):
    body = "create function f() returns text language sql as $$\n\\d is not a command here\n$$;\n"
    path = write(tmp_path, "t.sql", body)
    assert [u.text.rstrip("\n") for u in expand(path).units] == [body.rstrip("\n")]


def test_not_utf8_names_the_byte_offset(tmp_path):
    path = tmp_path / "bad.sql"
    path.write_bytes(b"select 1;\n\xff\n")
    with pytest.raises(ScriptError, match=r"bad\.sql: not valid UTF-8 at byte 10"):
        expand(path)


def test_meta_command_arguments_follow_psql_quoting(tmp_path):
    path = write(tmp_path, "t.sql", "\\set word 'it''s a\\ttab'\n\\set joined a 'b c' d\n\\set id \"My Col\"\n"
                                   "select :'word', :'joined', :id;\n")
    script = expand(path)
    assert script.variables == {"word": "it's a\ttab", "joined": "ab cd", "id": '"My Col"'}
