"""Pure formatting of results into the lines tasks.py prints (the package never prints)."""

from __future__ import annotations

from dbharness.tapresults import FileResult, Totals


def file_line(result: FileResult) -> str:
    """One line per pgTAP file: verdict, path, counts and time."""
    verdict = "ok  " if result.passed else "FAIL"
    counts = [f"{result.count('passed')} passed"]
    if result.count("failed"):
        counts.append(f"{result.count('failed')} failed")
    if result.count("skipped"):
        counts.append(f"{result.count('skipped')} skipped")
    return f"{verdict} {result.path}  {', '.join(counts)}  ({result.seconds * 1000:.0f} ms)"


def failure_details(result: FileResult) -> list[str]:
    """Diagnostics of every failed assertion, and the file-level failure, indented."""
    lines: list[str] = []
    for a in result.assertions:
        if a.status == "failed":
            lines.append(f"    not ok {a.number} - {a.description}")
            lines.extend(f"      {d.strip()}" for d in a.diagnostics if d.strip())
    failure = result.file_failure
    if failure:
        lines.extend(f"    {text}" for text in failure.splitlines())
    return lines


def summary(total: Totals, files: int, seconds: float) -> list[str]:
    """The closing lines of a run; the last is exactly 'N passed, N failed[, N skipped]'."""
    return [f"{files} files in {seconds:.2f}s", total.line()]


def phase_table(phases: dict[str, float]) -> str:
    """'server start 0.41s, compat 0.02s, ...' for the end of a run."""
    return ", ".join(f"{name} {secs:.2f}s" for name, secs in phases.items())
