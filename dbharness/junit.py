"""Results to JUnit XML (with junit-xml): pgTAP files, and named checks of the other tasks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from junit_xml import TestCase, TestSuite, to_xml_report_string

from dbharness.tapresults import FileResult


def classname(path: str) -> str:
    """pgtap/mt5/sync_logs.test.sql -> pgtap.mt5.sync_logs"""
    pure = PurePosixPath(path.replace("\\", "/"))
    name = pure.name.removesuffix(".sql").removesuffix(".test")
    return ".".join([*pure.parent.parts, name]).lstrip(".")


def file_suite(result: FileResult) -> TestSuite:
    """One <testsuite> for a pgTAP file, one <testcase> per assertion."""
    cls = classname(result.path)
    count = max(len(result.assertions) + (1 if result.file_failure else 0), 1)
    each = result.seconds / count
    cases = []
    for a in result.assertions:
        case = TestCase(a.description or f"test {a.number}", classname=cls, elapsed_sec=each,
                        file=result.path)
        if a.status == "failed":
            case.add_failure_info(message=f"not ok {a.number} - {a.description}",
                                  output="\n".join(a.diagnostics) or None)
        elif a.status == "skipped":
            kind = "TODO" if a.todo else "SKIP"
            case.add_skipped_info(message=f"{kind} {a.reason}".strip())
        cases.append(case)
    failure = result.file_failure
    if failure:
        case = TestCase("(file)", classname=cls, elapsed_sec=each, file=result.path)
        case.add_error_info(message=failure.splitlines()[0][:200], output=failure)
        cases.append(case)
    return TestSuite(result.path, cases, file=result.path)


@dataclass
class Check:
    """A named step of a non-pgTAP task (rollback, lint, promote) for JUnit."""

    name: str
    group: str
    seconds: float = 0.0
    failure: str | None = None
    skipped: str | None = None
    output: str | None = None


def check_suite(name: str, checks: list[Check]) -> TestSuite:
    """One <testsuite> of named checks."""
    cases = []
    for c in checks:
        case = TestCase(c.name, classname=c.group, elapsed_sec=c.seconds, stdout=c.output)
        if c.failure:
            case.add_failure_info(message=c.failure.splitlines()[0][:200], output=c.failure)
        elif c.skipped:
            case.add_skipped_info(message=c.skipped)
        cases.append(case)
    return TestSuite(name, cases)


def write(path: Path, suites: list[TestSuite]) -> Path:
    """Write suites to path (parents created) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_xml_report_string(suites, encoding="utf-8"), encoding="utf-8")
    return path


def write_pgtap(path: Path, results: list[FileResult]) -> Path:
    """Write the JUnit report of a pgTAP run."""
    return write(path, [file_suite(r) for r in results])
