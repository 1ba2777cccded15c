"""JUnit XML written by the harness, read back with junitparser."""

from junitparser import Error, Failure, JUnitXml, Skipped

from dbharness.reports.junit import Case, case_suite, classname, write, write_pgtap
from dbharness.suite.tapresults import FileResult, parse_tap

TAP = """1..3
ok 1 - has table
not ok 2 - default is 0
#         have: 1
#         want: 0
ok 3 - later # SKIP not yet
"""


def test_classname_from_path():
    assert classname("pgtap/mt5/sync_logs.test.sql") == "pgtap.mt5.sync_logs"
    assert classname("baseline.test.sql") == "baseline"


def test_one_suite_per_file_one_case_per_assertion(tmp_path):
    a = parse_tap(TAP, FileResult("pgtap/a.test.sql", seconds=0.3))
    b = parse_tap("1..2\nok 1 - only\n", FileResult("pgtap/b.test.sql", seconds=0.1))
    path = write_pgtap(tmp_path / "r" / "pgtap.xml", [a, b])
    suites = {s.name: s for s in JUnitXml.fromfile(str(path))}
    sa, sb = suites["pgtap/a.test.sql"], suites["pgtap/b.test.sql"]
    assert (sa.tests, sa.failures, sa.skipped, sa.errors) == (3, 1, 1, 0)
    cases = list(sa)
    assert [c.name for c in cases] == ["has table", "default is 0", "later"]
    assert cases[0].classname == "pgtap.a"
    failure = cases[1].result[0]
    assert isinstance(failure, Failure)
    assert "want: 0" in failure.text
    assert isinstance(cases[2].result[0], Skipped)
    assert abs(sa.time - 0.3) < 0.01
    assert (sb.tests, sb.errors) == (2, 1)
    error = list(sb)[-1].result[0]
    assert isinstance(error, Error)
    assert "planned 2 tests but ran 1" in error.message


def test_checks_suite(tmp_path):
    cases = [Case("apply up", "rollback.x", 0.1), Case("compare", "rollback.x", 0.2, failure="t.c differs"),
             Case("no rollback", "rollback.y", skipped="baseline")]
    path = write(tmp_path / "c.xml", [case_suite("rollback", cases)])
    suite = next(iter(JUnitXml.fromfile(str(path))))
    assert (suite.tests, suite.failures, suite.skipped) == (3, 1, 1)
