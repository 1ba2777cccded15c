"""Console lines made from results at the edge: failed files recapped in the run's stable order."""

from dbharness.reports.console import failed_files, failure_details
from dbharness.suite.tapresults import FileResult, parse_tap


def result(path: str, tap: str, seconds: float = 0.01) -> FileResult:
    return parse_tap(tap, FileResult(path, seconds=seconds))


def test_failed_files_are_recapped_in_run_order_not_finishing_order():
    results = [result("a.test.sql", "1..1\nnot ok 1 - a\n"), result("b.test.sql", "1..1\nok 1 - b\n"),
               result("c.test.sql", "1..2\nok 1 - c\n")]
    assert failed_files(results) == [
        "Failed files (2 of 3):",
        "  FAIL a.test.sql  0 passed, 1 failed  (10 ms)",
        "  FAIL c.test.sql  1 passed, 1 failed  (10 ms)"]  # as the closing line counts it: the plan
    assert failed_files(results[1:2]) == []


def test_a_failing_files_notices_follow_its_failures_and_a_passing_files_stay_silent():
    failing = result("f.test.sql", "1..1\nnot ok 1 - x\n")
    failing.notices = ["NOTICE:  context: 42"]
    assert failure_details(failing)[-1] == "    NOTICE:  context: 42"
    passing = result("p.test.sql", "1..1\nok 1 - y\n")
    passing.notices = ["NOTICE:  quiet"]
    assert failure_details(passing) == []
