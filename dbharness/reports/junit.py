"""Results to JUnit XML, written directly in the form every CI consumer accepts.

The document follows the Jenkins xUnit plugin's junit-10 rules, as pytest's xunit2 family does:
no `disabled` attribute, times in seconds with three decimals, no `file`/`line` on a testcase
(xunit1 keeps them). tests/schema/junit-xunit2.xsd checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from dbharness.errors import ConfigError
from dbharness.suite.tapresults import FileResult
from dbharness.words import plural

if TYPE_CHECKING:  # result types of the tasks, converted here at the edge
    from dbharness.compare.result import CompareResult
    from dbharness.coverage.pins import Coverage
    from dbharness.deploy.promote import PromoteResult
    from dbharness.lint.checks import LintReport
    from dbharness.rollback_check import RollbackCheckResult
    from dbharness.steps import Step

FAMILIES = ("xunit2", "xunit1")
MESSAGE_CHARS = 200  # a message attribute is the first line, cut here; the text keeps it all


@dataclass
class Case:
    """One <testcase>: passed, or failed / errored (text, message) or skipped (message)."""

    name: str
    group: str
    seconds: float | None = 0.0
    failure: str | None = None  # the failure's text; its message is `message` or the first line
    skipped: str | None = None  # the reason
    output: str | None = None  # <system-out>
    error: str | None = None  # the error's text, as failure
    message: str | None = None
    file: str | None = None  # xunit1 only
    line: int | None = None


@dataclass
class Suite:
    """One <testsuite>; its time is `seconds` (a file's wall time) or the sum of its cases'."""

    name: str
    cases: list[Case] = field(default_factory=list)
    seconds: float | None = None
    output: str | None = None  # the suite's <system-out>

    @property
    def time(self) -> float:
        """The suite's time in seconds."""
        return self.seconds if self.seconds is not None else sum(c.seconds or 0.0 for c in self.cases)


def classname(path: str) -> str:
    """pgtap/schema/accounts.test.sql -> pgtap.schema.accounts"""
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


def _located(name: str, cls: str, where: str | None, fallback: str, **verdict: object) -> Case:
    path, line = _source(where, fallback)
    return Case(name, cls, file=path, line=line, **verdict)  # type: ignore[arg-type]


def file_suite(result: FileResult) -> Suite:
    """One suite for a pgTAP file, one case per assertion with the time and the line of the
    statement that printed it; a file that died gets one error case per assertion it never
    reached, so the cases always add up to the plan."""
    cls = classname(result.path)
    cases = []
    for a in result.assertions:
        name = a.description or f"test {a.number}"
        if a.status == "failed":
            case = _located(name, cls, a.source, result.path, seconds=a.seconds,
                            failure="\n".join(a.diagnostics),
                            message=f"not ok {a.number} - {a.description} ({a.source or result.path})")
        elif a.status == "skipped":
            kind = "TODO" if a.todo else "SKIP"
            case = _located(name, cls, a.source, result.path, seconds=a.seconds,
                            skipped=f"{kind} {a.reason}".strip())
        else:
            case = _located(name, cls, a.source, result.path, seconds=a.seconds)
        cases.append(case)
    if result.file_failure:
        cases.append(_located("(file)", cls, result.error_at, result.path, error=result.file_failure))
    for n in range(len(result.assertions) + 1, len(result.assertions) + result.not_run + 1):
        where = result.error_at or result.path
        cases.append(_located(f"test {n}", cls, result.error_at, result.path, error="",
                              message=f"not run: planned but never reached ({where})"))
    said = "\n".join(result.notices) if result.notices and not result.passed else None
    return Suite(result.path, cases, result.seconds, said)


def case_suite(name: str, cases: list[Case]) -> Suite:
    """One suite of named cases."""
    return Suite(name, list(cases))


def steps_suite(name: str, group: str, steps: list[Step]) -> Suite:
    """One case per step of a check (rollback-check, cli-check)."""
    return Suite(name, [Case(s.name, group, s.seconds, s.failure, s.skipped, s.output) for s in steps])


def rollback_suite(result: RollbackCheckResult) -> Suite:
    """reports/junit/rollback.xml: one case per step of the check."""
    return steps_suite("rollback-check", "rollback", result.steps)


def compare_suite(result: CompareResult) -> Suite:
    """reports/junit/compare.xml: one case per kind of object, failed by its differences (the
    ignored ones are its output), and one failed case per ignore entry that took nothing."""
    group = "compare"
    cases = []
    for kind in result.kinds:
        found = result.of_kind(kind)
        taken = [f"ignored: {d} ({e.reason})" for d, e in result.ignored_of_kind(kind)]
        case = Case(kind, group, None, output="\n".join(taken) or None)
        if found:
            case.failure = "\n".join(str(d) for d in found)
            case.message = f"{plural(len(found), 'difference')} between {result.a} and {result.b}"
        cases.append(case)
    cases += [Case(f"unused ignore {e.object}", f"{group}.ignore",
                   failure=f"the entry ({e.reason}) matches no difference; remove it from [compare] ignore")
              for e in result.unused]
    return Suite("compare", cases, result.seconds)


def lint_suite(report: LintReport) -> Suite:
    """One case per check and object: findings fail (info is skipped); clean files and rules pass."""
    cases: list[Case] = []
    for f in report.findings:
        text = (f"{f.level}: {f.message}" + (f" (fix: {f.fix})" if f.fix else "")
                + (f" (Supabase advisor: {f.advisor})" if f.advisor else ""))
        if f.level == "info":
            cases.append(Case(f"{f.rule} {f.target}", "lint", skipped=text))
        else:
            cases.append(Case(f"{f.rule} {f.target}", "lint", failure=text))
    flagged_files = {f.group for f in report.findings if f.rule.startswith("squawk")}
    cases += [Case(f"squawk {name}", "lint.squawk") for name in report.files if name not in flagged_files]
    flagged_rules = {f.rule for f in report.findings}
    cases += [Case(rule, "lint.security") for rule in report.rules_run if rule not in flagged_rules]
    return case_suite("lint", cases)


def promote_suite(result: PromoteResult) -> Suite:
    """reports/junit/promote-<env>.xml: one case per file run, and why the promotion stopped."""
    group = f"promote.{result.env}"
    cases = [Case(f.stem, group, f.seconds, f.failure) for f in result.files]
    if result.error:
        cases.append(Case("promotion", group, failure=result.error))
    return case_suite(f"promote-{result.env}", cases)


def coverage_suite(cov: Coverage) -> Suite:
    """reports/junit/coverage.xml: one case per fact, failed when unpinned, skipped when excluded."""
    cases = []
    for fact in cov.facts:
        pin = cov.pins.get(fact.id)
        group = f"coverage.{fact.kind}"
        if fact.id in cov.excluded:
            cases.append(Case(fact.id, group, skipped=f"excluded: {cov.excluded[fact.id]}"))
        elif pin:
            cases.append(Case(fact.id, group, output=f"pinned by {pin.by} at {pin.where}"))
        else:
            cases.append(Case(fact.id, group, failure=f"UNPINNED: no assertion pins {fact.id}"))
    return case_suite("schema-coverage", cases)


def stubbed_suite(stubbed: list[tuple[str, str]]) -> Suite:
    """Each create extension skipped because the project declared it stubbed: a skipped case."""
    return case_suite("stubbed extensions", [
        Case(f"create extension {name} ({where})", "platform.stubbed",
             skipped=f"stubbed: stub_extensions in [tool.dbharness]; {where} was skipped")
        for name, where in stubbed])


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _verdict(element: ElementTree.Element, kind: str, text: str, message: str | None) -> None:
    shown = message if message is not None else (text.splitlines() or [""])[0][:MESSAGE_CHARS]
    child = ElementTree.SubElement(element, kind, {"message": shown, "type": kind})
    if text:
        child.text = text


def _case(parent: ElementTree.Element, case: Case, family: str) -> None:
    attrs = {"name": case.name, "classname": case.group}
    if case.seconds:
        attrs["time"] = _seconds(case.seconds)
    if family == "xunit1" and case.file:
        attrs["file"] = case.file
        if case.line is not None:
            attrs["line"] = str(case.line)
    element = ElementTree.SubElement(parent, "testcase", attrs)
    if case.failure is not None:
        _verdict(element, "failure", case.failure, case.message)
    if case.error is not None:
        _verdict(element, "error", case.error, case.message)
    if case.skipped is not None:
        ElementTree.SubElement(element, "skipped", {"message": case.skipped, "type": "skipped"})
    if case.output:
        ElementTree.SubElement(element, "system-out").text = case.output


def _counts(cases: list[Case]) -> dict[str, int]:
    return {"tests": len(cases), "failures": sum(c.failure is not None for c in cases),
            "errors": sum(c.error is not None for c in cases),
            "skipped": sum(c.skipped is not None and c.failure is None and c.error is None for c in cases)}


def document(suites: list[Suite], family: str = "xunit2") -> ElementTree.Element:
    """The <testsuites> element of suites, in a JUnit family."""
    if family not in FAMILIES:
        raise ConfigError(f"unknown JUnit family {family!r}: choose {' or '.join(FAMILIES)}")
    root = ElementTree.Element("testsuites")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in suites:
        counts = _counts(suite.cases)
        attrs = {"name": suite.name, **{k: str(v) for k, v in counts.items()}, "time": _seconds(suite.time)}
        element = ElementTree.SubElement(root, "testsuite", attrs)
        for case in suite.cases:
            _case(element, case, family)
        if suite.output:
            ElementTree.SubElement(element, "system-out").text = suite.output
        for key in totals:
            totals[key] += counts[key]
    root.attrib.update({k: str(v) for k, v in totals.items()})
    root.set("time", _seconds(sum(round(s.time, 3) for s in suites)))
    return root


def write(path: Path, suites: list[Suite], family: str = "xunit2") -> Path:
    """Write suites to path (parents created) in a JUnit family, and return it."""
    root = document(suites, family)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Equivalent mutants: the codec names below mean UTF-8 however they are spelled or defaulted.
    # pragma: no mutate start
    xml = ElementTree.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + xml + "\n", encoding="utf-8")
    # pragma: no mutate end
    return path


def error_suite(name: str, why: str) -> Suite:
    """The report of a run that could not produce its results: one error case saying why."""
    return Suite(name, [Case(name, name, error=why)])


def write_pgtap(path: Path, results: list[FileResult], family: str = "xunit2",
                stubbed: list[tuple[str, str]] | None = None, stopped: str | None = None) -> Path:
    """Write the JUnit report of a pgTAP run; each stubbed extension is a skipped case, and a
    suite that did not run (stopped: why) is one error case."""
    suites = [file_suite(r) for r in results]
    if stopped:
        suites.append(error_suite("pgtap", f"the pgTAP suite did not run: {stopped}"))
    if stubbed:
        suites.append(stubbed_suite(stubbed))
    return write(path, suites, family)
