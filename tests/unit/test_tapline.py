"""Each kind of TAP line read as tap.py reads it (the harness's own reader, tapline.py)."""

import pytest

from dbharness.suite.tapline import Directive, Line, directive, parse_line


@pytest.mark.parametrize("text, expected", [
    ("ok 1 - fine", Line("test", True, 1, "- fine", Directive(text=""), text="ok 1 - fine")),
    ("not ok 12 broken", Line("test", False, 12, "broken", Directive(text=""), text="not ok 12 broken")),
    ("ok", Line("test", True, None, "", Directive(text=""), text="ok")),
    ("ok 3 # SKIP no db", Line("test", True, 3, "", Directive(True, False, "no db", "SKIP no db"),
                              text="ok 3 # SKIP no db")),
    ("not ok 4 - later # TODO not yet", Line("test", False, 4, "- later",
                                              Directive(False, True, "not yet", "TODO not yet"),
                                              text="not ok 4 - later # TODO not yet")),
    ("# a note", Line("diagnostic", text="# a note")),
    ("1..5", Line("plan", expected_tests=5, directive=Directive(text=""), text="1..5")),
    ("1..0 # Skipped: no tests", Line("plan", expected_tests=0,
                                      directive=Directive(True, False, "no tests", "Skipped: no tests"),
                                      text="1..0 # Skipped: no tests")),
    ("1..3 # todo", Line("unknown", text="1..3 # todo")),  # only a SKIP may follow a plan
    ("Bail out! the database is gone", Line("bail", reason="the database is gone",
                                            text="Bail out! the database is gone")),
    ("Bail out!", Line("bail", reason="", text="Bail out!")),
    ("TAP version 13", Line("version", text="TAP version 13")),
    ("TAP version x", Line("unknown", text="TAP version x")),
    ("okay then", Line("test", True, None, "ay then", Directive(text=""), text="okay then")),
    ("hello", Line("unknown", text="hello")),
])
def test_each_kind_of_line(text, expected):
    assert parse_line(text) == expected


@pytest.mark.parametrize("text, skip, todo, reason", [
    ("SKIP", True, False, ""),
    ("skipped because", True, False, "because"),
    ("SKIPPED", True, False, ""),
    ("TODO", False, True, ""),
    ("todo later", False, True, "later"),
    ("TODOlater", False, False, None),  # TODO must be a word of its own
    ("TODO-x", False, False, "-x"),  # \b matches before '-', but no space follows: not a TODO
    ("nothing", False, False, None),
])
def test_directives_as_tap_py_reads_them(text, skip, todo, reason):
    found = directive(text)
    assert (found.skip, found.todo, found.reason, found.text) == (skip, todo, reason, text)
