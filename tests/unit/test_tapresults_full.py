"""TAP read into results: numbering, directives, diagnostics, notes, bail-out, counts, origins."""

from dbharness.suite.tapresults import Emitted, FileResult, parse_emitted, parse_tap, totals


def test_every_field_of_every_assertion():
    text = ("1..5\n# before any test\nok - unnumbered first\nnot ok 2 -- dashes kept\n#   have: 1 \n"
            "ok 3 # SKIP not here\nnot ok 4 - todo # TODO later\n# after a todo\nok 5\n")
    r = parse_tap(text, FileResult("f.sql"))
    got = [(a.number, a.ok, a.description, a.skip, a.todo, a.reason, a.diagnostics, a.status) for a in r.assertions]
    assert got == [
        (1, True, "unnumbered first", False, False, "", [], "passed"),
        (2, False, "dashes kept", False, False, "", ["   have: 1"], "failed"),
        (3, True, "", True, False, "not here", [], "skipped"),
        (4, False, "todo", False, True, "later", [" after a todo"], "skipped"),
        (5, True, "", False, False, "", [], "passed"),
    ]
    assert r.notes == [" before any test"]
    assert (r.planned, r.count("passed"), r.count("failed"), r.count("skipped")) == (5, 2, 1, 2)


def test_origins_and_time_shares_are_kept():
    r = parse_emitted([Emitted("1..2", "f.sql:1", 0.5), Emitted("ok 1 - a", "f.sql:2", 0.25),
                       Emitted("ok 2 - b", None, 0.0)], FileResult("f.sql"))
    assert [(a.source, a.seconds) for a in r.assertions] == [("f.sql:2", 0.25), (None, 0.0)]


def test_bail_out_stops_reading_and_names_its_reason():
    r = parse_tap("1..3\nok 1\nBail out!\nok 2\n", FileResult("f.sql"))
    assert (r.bail, len(r.assertions), r.not_run, r.file_failure) == ("(no reason)", 1, 2, "bail out: (no reason)")
    assert parse_tap("Bail out! db gone\n", FileResult("g.sql")).bail == "db gone"


def test_file_failures_in_order_of_precedence():
    r = FileResult("f.sql", planned=None)
    assert r.file_failure == "no plan: the file never called plan() or no_plan()/done_testing()"
    r = parse_tap("1..2\nok 1\n", FileResult("f.sql"))
    assert (r.plan_problem, r.not_run, r.passed) == ("planned 2 tests but ran 1", 0, False)
    r.error = "boom"
    assert (r.file_failure, r.not_run) == ("boom", 1)
    ok = parse_tap("1..1\nok 1\n", FileResult("f.sql"))
    assert (ok.file_failure, ok.passed, ok.not_run) == (None, True, 0)


def test_totals_and_the_closing_line():
    a = parse_tap("1..3\nok 1\nnot ok 2\nok 3 # SKIP x\n", FileResult("a.sql"))
    b = parse_tap("1..4\nok 1\n", FileResult("b.sql"))
    b.error = "died"
    t = totals([a, b])
    assert (t.passed, t.failed, t.skipped, t.failed_files, t.not_run, t.ok) == (2, 1, 1, 1, 3, False)
    assert t.line() == "2 passed, 5 failed, 1 skipped"
    clean = totals([parse_tap("1..1\nok 1\n", FileResult("c.sql"))])
    assert (clean.line(), clean.ok) == ("1 passed, 0 failed", True)
    assert totals([b]).ok is False and totals([a]).ok is False
    assert totals([]).line() == "0 passed, 0 failed"


def test_descriptions_and_notes_keep_leading_letters():
    r = parse_tap("1..2\nok 1 - - dash kept\nok 2 --Xmarks\n#Xnote \n", FileResult("f.sql"))
    assert [a.description for a in r.assertions] == ["- dash kept", "Xmarks"]
    assert r.notes == ["Xnote"]
