"""Pure formatting of results into the lines the tasks print (nothing below them prints)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from dbharness.suite.tapresults import FileResult, Totals
from dbharness.words import plural

if TYPE_CHECKING:  # result types of the tasks, formatted here at the edge
    from dbharness.compare.result import CompareResult
    from dbharness.config import Settings
    from dbharness.coverage.pins import Coverage
    from dbharness.deploy.plan import Status
    from dbharness.lint.checks import LintReport
    from dbharness.rollback_check import RollbackCheckResult
    from dbharness.testrun import TestOutcome
    from dbharness.watch import Verdict


def file_line(result: FileResult) -> str:
    """One line per pgTAP file: verdict, path, counts and time, counted as the closing line counts
    them (a file that died counts its error and each planned assertion it never reached)."""
    verdict = "ok  " if result.passed else "FAIL"
    died = 1 if result.file_failure else 0
    failed = result.count("failed") + died + result.not_run
    counts = [f"{result.count('passed')} passed"]
    if failed:
        parts = [plural(n, what, many) for n, what, many in
                 ((result.count("failed"), "failed assertion", None), (died, "file error", None),
                  (result.not_run, "planned but not run", "planned but not run")) if n]
        counts.append(f"{failed} failed" + (f" ({', '.join(parts)})" if len(parts) > 1 or result.not_run
                                            else ""))
    if result.count("skipped"):
        counts.append(f"{result.count('skipped')} skipped")
    return f"{verdict} {result.path}  {', '.join(counts)}  ({result.seconds * 1000:.0f} ms)"


def failure_details(result: FileResult) -> list[str]:
    """Diagnostics of every failed assertion, and the file-level failure, indented."""
    lines: list[str] = []
    for a in result.assertions:
        if a.status == "failed":
            lines.append(f"    not ok {a.number} - {a.description} ({a.source or result.path})")
            lines.extend(f"      {d.strip()}" for d in a.diagnostics if d.strip())
    failure = result.file_failure
    if failure:
        lines.extend(f"    {text}" for text in failure.splitlines())
    if lines:  # as pg_prove --verbose shows them: what the server said while the file ran
        lines.extend(f"    {notice}" for notice in result.notices)
    return lines


def summary(total: Totals, files: int, seconds: float) -> list[str]:
    """The closing lines of a run; the last is exactly 'N passed, N failed[, N skipped]'."""
    return [f"{plural(files, 'file')} in {seconds:.2f}s", total.line()]


def phase_table(phases: dict[str, float]) -> str:
    """'server start 0.41s, compat 0.02s, ...' for the end of a run."""
    return ", ".join(f"{name} {secs:.2f}s" for name, secs in phases.items())


def lint_lines(report: LintReport, shipped: bool = False) -> list[str]:
    """A table of findings grouped by file or object (with shipped: those in shipped migrations
    too), then the counts."""
    lines: list[str] = []
    group = None
    for f in report.findings + (report.shipped if shipped else []):
        if f.group != group:
            group = f.group
            lines.append(group)
        advisor = f"  (Supabase advisor: {f.advisor})" if f.advisor else ""
        lines.append(f"  {f.level:<5} {f.rule:<40} {f.target}{advisor}")
        lines.append(f"        {f.message}" + (f"  fix: {f.fix}" if f.fix else ""))
    for f, e in report.excepted:
        lines.append(f"  excepted: {f.rule} on {f.target} ({e.reason})")
    counts = f"{plural(report.count('error'), 'error')}, {plural(report.count('warn'), 'warning')}"
    lines.append(f"lint: {counts}, {report.count('info')} info in {plural(len(report.files), 'file')} "
                 "and the migrated database")
    lines += [f"lint gate: {note}; its migrations count as not shipped" for note in report.gate_notes]
    if report.shipped:
        listed = "listed above" if shipped else "dbharness lint --shipped lists them"
        lines.append(f"not gated: {plural(len(report.shipped), 'finding')} in migrations that already "
                     f"shipped ({report.gate}); {listed}; to gate them too, narrow shipped or lint_from "
                     f"in {report.settings_table} (README: lint)")
    return lines


def rollback_summary(result: RollbackCheckResult) -> list[str]:
    """The closing lines of rollback-check; the last is 'N passed, N failed[, N skipped]'."""
    skipped = len(result.skipped)
    counts = f"{result.passed} passed, {len(result.failed)} failed"
    return [f"rollback-check in {result.seconds:.2f}s", counts + (f", {skipped} skipped" if skipped else "")]


def compare_lines(result: CompareResult, where: str = "[compare] ignore") -> list[str]:
    """dbharness compare: each difference (as rollback-check prints them, grouped by object), the
    ignored ones with their reasons, unused entries, what was left out, then the closing lines
    (the last is 'N passed, N failed' over the kinds compared)."""
    lines = [str(d) for d in result.differences]
    lines += [f"  ignored: {d} ({e.reason})" for d, e in result.ignored]
    lines += [f"warning: unused ignore: {e.object} ({e.reason}) matches no difference; remove it from "
              f"{where}" for e in result.unused]
    lines += [f"  note: {note}" for note in result.notes]
    sides = f"compare: {result.a} and {result.b}"
    if result.failed:
        verdict = (f"{sides} differ: {plural(len(result.differences), 'difference')} in "
                   f"{', '.join(result.failed_kinds)}")
    else:
        known = f", {plural(len(result.ignored), 'known difference')} ignored" if result.ignored else ""
        verdict = f"{sides} are equal ({plural(result.compared, 'object')}{known})"
    failed = len(result.failed_kinds)
    return [*lines, verdict, f"compare in {result.seconds:.2f}s",
            f"{len(result.kinds) - failed} passed, {failed} failed"]


def status_lines(target: object, st: Status) -> list[str]:
    """dbharness status: each local migration as applied or pending, drift, and the counts."""
    lines = [f"{target}"]
    lines += [f"  applied  {f.stem}" for f in st.applied]
    lines += [f"  pending  {f.stem}" for f in st.pending]
    lines += [f"  DRIFT    {r.version}_{r.name or '?'} (in the database, not in the repository)"
              for r in st.drift]
    lines.append(f"{len(st.applied)} applied, {len(st.pending)} pending, {len(st.drift)} drift")
    return lines


def file_lines(result: FileResult) -> list[str]:
    """A pgTAP file's verdict line, what it echoed, and, when it failed, its details and the
    first lines it printed that were not TAP."""
    lines = [file_line(result), *(f"    echo: {text}" for text in result.echoed)]
    if not result.passed:
        lines += failure_details(result)
        other = [o for o in result.output if o not in result.echoed][:10]
        lines += [f"    output: {o}" for o in other]
    return lines


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_annotations(result: FileResult) -> list[str]:
    """GitHub Actions workflow commands for each failure, so it shows on the pull request's diff."""
    out = []
    for a in result.assertions:
        if a.status == "failed":
            path, _, line = (a.source or result.path).rpartition(":") if a.source else (result.path, "", "")
            message = _escape("\n".join([f"not ok {a.number} - {a.description}", *a.diagnostics]))
            out.append(f"::error file={path},line={line or 1}::{message}")
    failure = result.file_failure
    if failure:
        path, _, line = (result.error_at or "").rpartition(":")
        out.append(f"::error file={path or result.path},line={line or 1}::{_escape(failure)}")
    return out


def file_report(result: FileResult) -> list[str]:
    """What dbharness test prints as a file finishes: its lines, and in GitHub Actions
    (GITHUB_ACTIONS=true) a workflow annotation per failure."""
    github = os.environ.get("GITHUB_ACTIONS") == "true"
    return file_lines(result) + (workflow_annotations(result) if github else [])


def failed_files(results: list[FileResult]) -> list[str]:
    """The files that failed, in the run's stable order whatever order they finished in (as
    pg_prove's Test Summary Report); nothing when all passed."""
    failed = [file_line(r) for r in results if not r.passed]
    if not failed:
        return []
    return [f"Failed files ({len(failed)} of {len(results)}):", *(f"  {line}" for line in failed)]


def test_summary(outcome: TestOutcome) -> list[str]:
    """The closing lines of dbharness test: phases, why the suite did not run, the failed files,
    the counts."""
    phases = f"phases: {phase_table(outcome.phases.seconds)}"
    if outcome.stopped:
        return [phases, f"pgTAP suite not run: {outcome.stopped}"]
    return [phases, *failed_files(outcome.results),
            *summary(outcome.totals, len(outcome.results), outcome.seconds)]


def coverage_lines(cov: Coverage, bar: float | None) -> list[str]:
    """dbharness test's coverage lines: the closing count, then each unpinned fact."""
    from dbharness.coverage.check import summary

    hint = "no assertion pins it (dbharness scaffold-tests VERSION writes one)"
    return [summary(cov, bar), *(f"  UNPINNED {fact.id}: {hint}" for fact in cov.unpinned)]


def coverage_report(cov: Coverage, bar: float | None, where: str) -> list[str]:
    """dbharness coverage: per table each fact and what pins it, the total, and with no bar set,
    how to set one."""
    from dbharness.coverage.check import lines

    advice = [] if bar is not None else [f"no bar set: add required = 100 to {where} (or pass "
                                         "--required) to fail below it"]
    return [*lines(cov, bar), *advice]


def lint_failure(strict: bool, where: str) -> str:
    """Why dbharness lint (or the lint step of dbharness test) failed, and what to do."""
    what = "errors or warnings (--strict)" if strict else "errors"
    return (f"lint failed: fix the {what} above, or declare a justified exception in {where} "
            "exceptions")


def watch_start(settings: Settings) -> list[str]:
    """What dbharness test --watch watches."""
    where = ", ".join([str(settings.supabase_dir.relative_to(settings.root)) + "/", *settings.pgtap_patterns])
    return [f"watching {where} (Ctrl-C stops)"]


def watch_verdict(verdict: Verdict) -> list[str]:
    """How one round of dbharness test --watch ended: the verdict, or the error."""
    if verdict.error is not None:
        return [f"error: {verdict.error}", "waiting for the next save ..."]
    files = len(verdict.results)
    return [f"verdict: {verdict.totals.line()} ({files} file{'s' * (files != 1)} in "
            f"{verdict.seconds:.2f}s); waiting for the next save ..."]
