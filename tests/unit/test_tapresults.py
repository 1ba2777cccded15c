"""TAP to results with tap.py: statuses, diagnostics, plans, bail-outs and the closing line."""

from dbharness.suite.tapresults import FileResult, parse_tap, totals

TAP = """1..4
ok 1 - has table
not ok 2 - default is 0
# Failed test 2: "default is 0"
#         have: 1
#         want: 0
ok 3 - later # SKIP not on PG 14
not ok 4 - someday # TODO widen the check
"""


def test_statuses_and_diagnostics():
    r = parse_tap(TAP, FileResult("pgtap/a.test.sql"))
    assert [a.status for a in r.assertions] == ["passed", "failed", "skipped", "skipped"]
    assert r.assertions[1].description == "default is 0"
    assert r.assertions[1].diagnostics[1].strip() == "have: 1"
    assert r.assertions[3].todo and r.assertions[3].reason == "widen the check"
    assert r.plan_problem is None
    assert not r.passed


def test_plan_mismatch_fails_the_file():
    r = parse_tap("1..3\nok 1 - a\nok 2 - b\n", FileResult("x"))
    assert r.count("failed") == 0
    assert r.file_failure == "planned 3 tests but ran 2"
    assert not r.passed


def test_missing_plan_fails_the_file():
    r = parse_tap("ok 1 - a\n", FileResult("x"))
    assert "no plan" in r.file_failure


def test_bail_out_fails_the_file():
    r = parse_tap("1..2\nok 1 - a\nBail out! schema missing\n", FileResult("x"))
    assert r.file_failure == "bail out: schema missing"


def test_error_wins_over_plan():
    r = parse_tap("1..2\nok 1 - a\n", FileResult("x"))
    r.error = "x:3: SQL error: boom"
    assert r.file_failure.startswith("x:3: SQL error")


def test_all_passing_file():
    r = parse_tap("1..2\nok 1 - a\nok 2 - b\n", FileResult("x"))
    assert r.passed


def test_totals_line_counts_failed_files_and_skips():
    good = parse_tap("1..2\nok 1 - a\nok 2 - b # SKIP later\n", FileResult("a"))
    bad = parse_tap("1..2\nnot ok 1 - c\n", FileResult("b"))
    t = totals([good, bad])
    assert (t.passed, t.failed, t.skipped, t.failed_files) == (1, 1, 1, 1)
    assert t.line() == "1 passed, 2 failed, 1 skipped"
    assert not t.ok


def test_totals_line_without_skips():
    t = totals([parse_tap("1..1\nok 1 - a\n", FileResult("a"))])
    assert t.line() == "1 passed, 0 failed"
    assert t.ok


def test_only_tap_lines_are_tap_numbers_and_uuids_are_output():
    """A row printing 1234 or a UUID beginning 1475b653 is no plan (tap.py's pattern has bare dots)."""
    text = "1..1\n1234\n1475b653-0000-4000-8000-000000000001\nok 1 - fine\n"
    result = parse_tap(text, FileResult("f.sql"))
    assert result.planned == 1 and result.passed
    assert result.output == ["1234", "1475b653-0000-4000-8000-000000000001"]
    late = parse_tap("1234\nok 1 - fine\n1..1\n", FileResult("g.sql"))
    assert late.planned == 1 and late.passed
