"""TAP text to result objects (each line read as tap.py reads it); a file's verdict and the run's counts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dbharness.suite.tapline import parse_line


@dataclass
class Assertion:
    """One 'ok' or 'not ok' line and the diagnostics that follow it."""

    number: int
    ok: bool
    description: str
    skip: bool = False
    todo: bool = False
    reason: str = ""
    diagnostics: list[str] = field(default_factory=list)
    source: str | None = None  # file:line of the statement that printed it
    seconds: float = 0.0  # its share of that statement's time

    @property
    def status(self) -> str:
        """passed, failed or skipped (SKIP and TODO count as skipped, as pg_prove does)."""
        if self.skip or self.todo:
            return "skipped"
        return "passed" if self.ok else "failed"


@dataclass
class FileResult:
    """The outcome of one pgTAP file: its assertions, plan, and any file-level error."""

    path: str
    assertions: list[Assertion] = field(default_factory=list)
    planned: int | None = None
    error: str | None = None
    bail: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)  # lines that are not TAP (rows, echoes)
    error_at: str | None = None  # file:line of the statement whose error ended the file
    persistent: bool = False  # a barrier: ran alone, in name order, effects kept (see pgtap.py)
    echoed: list[str] = field(default_factory=list)  # what \echo printed
    notices: list[str] = field(default_factory=list)  # the server's NOTICEs etc., "SEVERITY:  text"

    def count(self, status: str) -> int:
        """How many assertions have this status."""
        return sum(1 for a in self.assertions if a.status == status)

    @property
    def plan_problem(self) -> str | None:
        """A message when the plan is missing or does not match the assertions run."""
        if self.planned is None:
            return "no plan: the file never called plan() or no_plan()/done_testing()"
        if self.planned != len(self.assertions):
            return f"planned {self.planned} tests but ran {len(self.assertions)}"
        return None

    @property
    def not_run(self) -> int:
        """Planned assertions never reached because the file died (error, timeout, bail-out)."""
        died = self.error is not None or self.bail is not None
        return max((self.planned or 0) - len(self.assertions), 0) if died else 0

    @property
    def file_failure(self) -> str | None:
        """Why the file as a whole failed (error, bail-out, plan), or None."""
        if self.error:
            return self.error
        if self.bail is not None:
            return f"bail out: {self.bail}"
        return self.plan_problem

    @property
    def passed(self) -> bool:
        """True when no assertion failed and the file itself did not fail."""
        return self.file_failure is None and self.count("failed") == 0


def _description(raw: str) -> str:
    return raw.strip().lstrip("-").strip()


# What pgTAP (and pg_prove's parser) reads as TAP; any other line a test prints (a number, a
# UUID, a result row) is output, not TAP, exactly as pg_prove ignores it.
ASSERTION_LINE = re.compile(r"^(?:not )?ok\b")
TAP_LINE = re.compile(r"^(?:(?:not )?ok\b|1\.\.\d+(?:\s*#.*)?$|#|Bail out!|TAP version \d+$)")


@dataclass(frozen=True)
class Emitted:
    """One line a file printed, with the statement that printed it (file:line) and its time share."""

    text: str
    source: str | None = None
    seconds: float = 0.0


def parse_tap(text: str, result: FileResult) -> FileResult:
    """Fill result from a file's output text (no statement origins)."""
    return parse_emitted([Emitted(line) for line in text.split("\n")], result)


def parse_emitted(lines: list[Emitted], result: FileResult) -> FileResult:
    """Fill result from a file's output; each assertion keeps the statement that printed it, and
    diagnostics attach to the assertion before them."""
    last: Assertion | None = None
    tap = [e for e in lines if TAP_LINE.match(e.text)]
    result.output = [e.text for e in lines if not TAP_LINE.match(e.text) and e.text.strip()]
    for origin in tap:
        line = parse_line(origin.text.rstrip())
        if line.category == "plan":
            result.planned = line.expected_tests
        elif line.category == "test":
            reason = line.directive.reason or ""
            last = Assertion(line.number or len(result.assertions) + 1, bool(line.ok),
                             _description(line.description or ""), line.directive.skip,
                             line.directive.todo, reason, source=origin.source, seconds=origin.seconds)
            result.assertions.append(last)
        elif line.category == "diagnostic":
            note = line.text.lstrip("#").rstrip()
            if last is not None and not last.ok:
                last.diagnostics.append(note)
            else:
                result.notes.append(note)
        elif line.category == "bail":
            result.bail = line.reason or "(no reason)"
            break  # as pg_prove: nothing after a bail-out counts
    return result


@dataclass(frozen=True)
class Totals:
    """Counts over a whole run."""

    passed: int
    failed: int
    skipped: int
    failed_files: int
    not_run: int = 0

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.failed_files == 0

    def line(self) -> str:
        """The closing line: 'N passed, N failed' plus ', N skipped' when any."""
        failed = self.failed + self.failed_files + self.not_run
        text = f"{self.passed} passed, {failed} failed"
        return text + (f", {self.skipped} skipped" if self.skipped else "")


def totals(results: list[FileResult]) -> Totals:
    """Sum the counts; a file that failed as a whole counts as one failure of its own."""
    return Totals(
        passed=sum(r.count("passed") for r in results),
        failed=sum(r.count("failed") for r in results),
        skipped=sum(r.count("skipped") for r in results),
        failed_files=sum(1 for r in results if r.file_failure is not None),
        not_run=sum(r.not_run for r in results),
    )
