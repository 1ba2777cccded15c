"""Results to JUnit XML (with junit-xml): pgTAP files, and the results of lint, rollback-check, promote."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from junit_xml import TestCase, TestSuite, to_xml_report_string

from dbharness.errors import ConfigError
from dbharness.tapresults import FileResult

if TYPE_CHECKING:  # result types of the tasks, converted here at the edge
    from dbharness.coverage import Coverage
    from dbharness.deploy.promote import PromoteResult
    from dbharness.lint import LintReport
    from dbharness.rollback_check import RollbackCheckResult


def classname(path: str) -> str:
    """pgtap/mt5/sync_logs.test.sql -> pgtap.mt5.sync_logs"""
    pure = PurePosixPath(path.replace("\\", "/"))
    name = pure.name.removesuffix(".sql").removesuffix(".test")
    folders = [p for p in pure.parent.parts if p != "/"]
    return ".".join([*folders, name])


def _source(where: str | None, fallback: str) -> tuple[str, int | None]:
    """(file, line) from 'file:line'."""
    if where and ":" in where:
        path, _, line = where.rpartition(":")
        if line.isdigit():
            return path, int(line)
    return fallback, None


def _case(name: str, cls: str, where: str | None, fallback: str, seconds: float | None = None) -> TestCase:
    path, line = _source(where, fallback)
    return TestCase(name, classname=cls, elapsed_sec=seconds, file=path, line=line)


def file_suite(result: FileResult) -> TestSuite:
    """One <testsuite> for a pgTAP file, one <testcase> per assertion with the time and the line of
    the statement that printed it; a file that died gets one error case per assertion it never
    reached, so the cases always add up to the plan."""
    cls = classname(result.path)
    cases = []
    for a in result.assertions:
        case = _case(a.description or f"test {a.number}", cls, a.source, result.path, a.seconds)
        if a.status == "failed":
            case.add_failure_info(message=f"not ok {a.number} - {a.description} ({a.source or result.path})",
                                  output="\n".join(a.diagnostics) or None)
        elif a.status == "skipped":
            kind = "TODO" if a.todo else "SKIP"
            case.add_skipped_info(message=f"{kind} {a.reason}".strip())
        cases.append(case)
    failure = result.file_failure
    if failure:
        case = _case("(file)", cls, result.error_at, result.path)
        case.add_error_info(message=failure.splitlines()[0][:200], output=failure)
        cases.append(case)
    for n in range(len(result.assertions) + 1, len(result.assertions) + result.not_run + 1):
        case = _case(f"test {n}", cls, result.error_at, result.path)
        case.add_error_info(message=f"not run: planned but never reached ({result.error_at or result.path})")
        cases.append(case)
    return TestSuite(result.path, cases)


@dataclass
class Case:
    """One <testcase> of a non-pgTAP task, made from that task's result at the edge."""

    name: str
    group: str
    seconds: float = 0.0
    failure: str | None = None
    skipped: str | None = None
    output: str | None = None


def case_suite(name: str, cases: list[Case]) -> TestSuite:
    """One <testsuite> of named cases."""
    out = []
    for c in cases:
        case = TestCase(c.name, classname=c.group, elapsed_sec=c.seconds, stdout=c.output)
        if c.failure:
            case.add_failure_info(message=c.failure.splitlines()[0][:200], output=c.failure)
        elif c.skipped:
            case.add_skipped_info(message=c.skipped)
        out.append(case)
    return TestSuite(name, out)


def rollback_suite(result: RollbackCheckResult) -> TestSuite:
    """reports/junit/rollback.xml: one case per step of the check."""
    return case_suite("rollback-check", [Case(s.name, "rollback", s.seconds, s.failure, s.skipped, s.output)
                                         for s in result.steps])


def lint_suite(report: LintReport) -> TestSuite:
    """One case per check and object: findings fail (info is skipped); clean files and rules pass."""
    cases: list[Case] = []
    for f in report.findings:
        text = f"{f.level}: {f.message}" + (f" (fix: {f.fix})" if f.fix else "")
        if f.level == "info":
            cases.append(Case(f"{f.rule} {f.target}", "lint", skipped=text))
        else:
            cases.append(Case(f"{f.rule} {f.target}", "lint", failure=text))
    flagged_files = {f.group for f in report.findings if f.rule.startswith("squawk")}
    cases += [Case(f"squawk {name}", "lint.squawk") for name in report.files if name not in flagged_files]
    flagged_rules = {f.rule for f in report.findings}
    cases += [Case(rule, "lint.security") for rule in report.rules_run if rule not in flagged_rules]
    return case_suite("lint", cases)


def promote_suite(result: PromoteResult) -> TestSuite:
    """reports/junit/promote-<env>.xml: one case per file run, and why the promotion stopped."""
    group = f"promote.{result.env}"
    cases = [Case(f.stem, group, f.seconds, f.failure) for f in result.files]
    if result.error:
        cases.append(Case("promotion", group, failure=result.error))
    return case_suite(f"promote-{result.env}", cases)


FAMILIES = ("xunit2", "xunit1")


def _conform(xml: str, family: str, suite_times: dict[str, float] | None = None) -> str:
    """What every consumer accepts (the Jenkins xUnit schema, as pytest's xunit2 family): times in
    milliseconds, no `disabled`; xunit1 keeps `file` and `line` on each testcase."""
    root = ElementTree.fromstring(xml)
    for element in root.iter():
        element.attrib.pop("disabled", None)
        if "time" in element.attrib:
            element.set("time", f"{float(element.attrib['time']):.3f}")
        name = element.get("name")
        if element.tag == "testsuite" and suite_times and name in suite_times:  # the file's wall time
            element.set("time", f"{suite_times[name]:.3f}")
        if element.tag == "testcase" and family == "xunit2":
            element.attrib.pop("file", None)
            element.attrib.pop("line", None)
    if root.tag == "testsuites":
        root.set("time", f"{sum(float(t.attrib['time']) for t in root.iter('testsuite')):.3f}")
    return ElementTree.tostring(root, encoding="unicode")


def write(path: Path, suites: list[TestSuite], family: str = "xunit2",
          suite_times: dict[str, float] | None = None) -> Path:
    """Write suites to path (parents created) in a JUnit family, and return it."""
    if family not in FAMILIES:
        raise ConfigError(f"unknown JUnit family {family!r}: choose {' or '.join(FAMILIES)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Equivalent mutants: the codec names below mean UTF-8 however they are spelled or defaulted.
    # pragma: no mutate start
    xml = _conform(to_xml_report_string(suites, encoding="utf-8"), family, suite_times)
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + xml + "\n", encoding="utf-8")
    # pragma: no mutate end
    return path


def write_pgtap(path: Path, results: list[FileResult], family: str = "xunit2",
                stubbed: list[tuple[str, str]] | None = None) -> Path:
    """Write the JUnit report of a pgTAP run; each stubbed extension is a skipped case."""
    suites = [file_suite(r) for r in results]
    if stubbed:
        suites.append(case_suite("stubbed extensions", [
            Case(f"create extension {name} ({where})", "platform.stubbed",
                 skipped=f"stubbed: stub_extensions in [tool.dbharness]; {where} was skipped")
            for name, where in stubbed]))
    return write(path, suites, family, {r.path: r.seconds for r in results})


def coverage_suite(cov: Coverage) -> TestSuite:
    """reports/junit/coverage.xml: one case per fact, failed when unpinned, skipped when excluded."""
    cases = []
    for fact in cov.facts:
        pin = cov.pins.get(fact.id)
        if fact.id in cov.excluded:
            cases.append(Case(fact.id, f"coverage.{fact.kind}", skipped=f"excluded: {cov.excluded[fact.id]}"))
        elif pin:
            cases.append(Case(fact.id, f"coverage.{fact.kind}", output=f"pinned by {pin.by} at {pin.where}"))
        else:
            cases.append(Case(fact.id, f"coverage.{fact.kind}",
                              failure=f"UNPINNED: no assertion pins {fact.id}"))
    return case_suite("schema-coverage", cases)
