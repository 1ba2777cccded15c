"""dbharness lint: squawk on every migration and rollback, plus the Supabase security checks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from dbharness.builder import inputs, memo
from dbharness.config import LintException, Settings, Storage
from dbharness.errors import ConfigError, PrerequisiteError
from dbharness.lint import gate, new_objects, plpgsql_check, security, squawk_rules, transactions
from dbharness.paths import shown
from dbharness.pg import psycopg
from dbharness.sql.migrations import MigrationFile, discover

LEVELS = ("error", "warn", "info")
# The harness sets lock_timeout and statement_timeout around every file it applies.
HARNESS_SETS = squawk_rules.HARNESS_SETS
IGNORE_RE = re.compile(r"--\s*squawk-ignore(?:-file)?\b(?P<rest>.*)$")


@dataclass(frozen=True)
class Finding:
    """One problem: level, rule, where (object or file:line), what, and a one-line fix."""

    level: str
    rule: str
    target: str
    message: str
    fix: str = ""
    advisor: str = ""  # the Supabase database advisor's lint for the same problem, if there is one

    @property
    def group(self) -> str:
        """The file, or the table/function the object belongs to, for grouping on the console."""
        if ":" in self.target:
            return self.target.split(":", 1)[0]
        parts = self.target.split(".")
        return ".".join(parts[:2])


@dataclass
class LintReport:
    """Findings after exceptions, the exceptions that matched nothing, and what was checked."""

    findings: list[Finding] = field(default_factory=list)
    excepted: list[tuple[Finding, LintException]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    rules_run: list[str] = field(default_factory=list)
    shipped: list[Finding] = field(default_factory=list)  # in migrations that already shipped
    gate: str = ""  # which migrations count as shipped, and why
    gate_notes: list[str] = field(default_factory=list)  # environments whose history was not read
    settings_table: str = "[tool.dbharness.lint]"  # where the project's lint settings are written

    def count(self, level: str) -> int:
        """How many findings have this level."""
        return sum(1 for f in self.findings if f.level == level)

    def failed(self, strict: bool) -> bool:
        """Errors fail; with strict, warnings too."""
        return self.count("error") > 0 or (strict and self.count("warn") > 0)


def squawk_binary() -> str:
    """The squawk executable of squawk-cli, next to this Python or on PATH."""
    beside = Path(sys.executable).parent / "squawk"
    found = str(beside) if beside.exists() else shutil.which("squawk")
    if not found:
        raise PrerequisiteError("squawk is not installed: pip install squawk-cli "
                                "(it is a dependency of this project: pip install -e .)")
    return found


def _toml(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def excluded_rules(settings: Settings, rollbacks: bool) -> list[str]:
    """.squawk.toml's excluded_rules, plus rollback_excluded_rules for rollback files.

    squawk's --exclude replaces the config file's list instead of adding to it, so the harness
    merges both lists and passes them together.
    """
    rules = list(_toml(settings.root / ".squawk.toml").get("excluded_rules", []))
    rules += [r for r in HARNESS_SETS if r not in rules]
    if rollbacks:
        rules += settings.rollback_excluded_rules
    return rules


def _run_squawk(root: Path, files: list[Path], in_transaction: bool, exclude: list[str]) -> list[dict]:
    if not files:
        return []
    cmd = [squawk_binary(), "--reporter", "json", "--pg-version", "15"]
    config = root / ".squawk.toml"
    if config.exists():
        cmd += ["--config", str(config)]
    cmd.append("--assume-in-transaction" if in_transaction else "--no-assume-in-transaction")
    if exclude:
        cmd += ["--exclude", ",".join(exclude)]
    out = subprocess.run(cmd + [str(f) for f in files], capture_output=True, text=True, cwd=root)
    try:
        return json.loads(out.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise ConfigError(f"squawk gave no JSON (exit {out.returncode}): {out.stderr.strip()[:500]}") from exc


def _squawk_finding(raw: dict, root: Path) -> Finding:
    target = f"{shown(Path(raw['file']), root)}:{int(raw['line']) + 1}"  # squawk counts lines from 0
    fix = raw.get("help") or f"see https://squawkhq.com/docs/{raw['rule_name']}"
    level = squawk_rules.level(raw["rule_name"])
    return Finding(level, f"squawk:{raw['rule_name']}", target, raw["message"], fix)


def _ignore_without_reason(mf: MigrationFile) -> list[Finding]:
    found = []
    for number, line in enumerate(mf.text.splitlines(), start=1):
        match = IGNORE_RE.search(line)
        if match and not re.search(r"\s--\s*\S", match.group("rest")):
            found.append(Finding("error", "squawk-ignore-without-reason", f"{mf.shown}:{number}",
                                 "a squawk-ignore comment gives no reason",
                                 "append the reason on the same line: -- squawk-ignore RULE -- why"))
    return found


def lint_files(settings: Settings,
               new_from: list[MigrationFile] | None = None) -> tuple[list[Finding], list[str]]:
    """squawk findings (1-based lines) and ignore comments without reasons, for every file; the
    lock and data-loss rules only on objects the target already has (new_objects.Judge; new_from:
    the files the target does not have yet).
    Kept by content: the files, .squawk.toml, squawk itself, the settings and the harness."""
    ups = discover(settings.migrations_dir, settings.root)
    downs = discover(settings.rollbacks_dir, settings.root)
    squawk = Path(squawk_binary())
    seen = squawk.stat()
    of = memo.key(inputs.harness(), f"{squawk}:{seen.st_size}:{seen.st_mtime_ns}",
                  memo.files_key([settings.root / ".squawk.toml", *(mf.path for mf in ups + downs)],
                                 settings.root),
                  repr((settings.rollback_excluded_rules, settings.lint_levels)), transactions.key(settings),
                  repr([mf.stem for mf in new_from or []]))
    return memo.remembered(settings.storage, "lint-files", of,
                           lambda: _lint_files(settings, ups, downs, new_from))


def _lint_files(settings: Settings, ups: list[MigrationFile], downs: list[MigrationFile],
                new_from: list[MigrationFile] | None) -> tuple[list[Finding], list[str]]:
    findings: list[Finding] = []
    for mf in ups + downs:
        findings.extend(_ignore_without_reason(mf))
    findings.extend(Finding(*found) for found in transactions.run(settings, ups + downs))
    judge = new_objects.Judge(ups, new_from or [])
    for group, rollback in ((ups, False), (downs, True)):
        by_path = {str(mf.path): mf for mf in group}
        for in_tx in (True, False):
            # a file wrapped in its own begin ... commit shows squawk its transaction itself
            files = [mf.path for mf in group if (mf.transactional and not mf.wrapped) is in_tx]
            for raw in _run_squawk(settings.root, files, in_tx, excluded_rules(settings, rollback)):
                of = by_path.get(raw["file"])
                if of is None or not judge.harmless(of, rollback, raw["rule_name"], int(raw["line"]),
                                                    int(raw.get("column") or 0)):
                    findings.append(_squawk_finding(raw, settings.root))
    return with_levels(findings, settings), [mf.shown for mf in ups + downs]


def with_levels(findings: list[Finding], settings: Settings) -> list[Finding]:
    """Each finding at the level the project chose for its rule ([tool.dbharness.lint] levels),
    else at its default (the Supabase advisor's, where the rule has one)."""
    chosen = dict(settings.lint_levels)
    return [replace(f, level=chosen.get(f.rule, chosen.get(f.rule.removeprefix("squawk:"), f.level)))
            for f in findings]


def lint_database(conn: psycopg.Connection, built: str | None = None,
                  storage: Storage | None = None) -> list[Finding]:
    """The Supabase security checks on a migrated database, and plpgsql_check on its functions;
    built (the key of the kept build the database came from) keeps the result in storage."""
    if built is not None and storage is not None:
        plpgsql = conn.execute("select coalesce(max(default_version), '') from "
                               "pg_catalog.pg_available_extensions where name = 'plpgsql_check'").fetchone()
        of = memo.key(built, inputs.harness(), str(plpgsql[0] if plpgsql else ""))
        return memo.remembered(storage, "lint-db", of, lambda: lint_database(conn))
    found = [Finding(rule.level, rule.name, obj, detail, rule.fix, rule.advisor)
             for rule, obj, detail in security.run(conn)]
    return found + [Finding(level, "plpgsql-check", target, message, "fix the function body")
                    for level, target, message in plpgsql_check.run(conn)]


def _matches(exc: LintException, finding: Finding) -> bool:
    rule_ok = exc.rule in (finding.rule, finding.rule.removeprefix("squawk:"))
    return rule_ok and (exc.target == finding.target or finding.target.startswith(exc.target + ":"))


def apply_exceptions(findings: list[Finding], exceptions: tuple[LintException, ...]) -> LintReport:
    """Drop the findings an exception accepts; report exceptions that matched nothing."""
    report = LintReport()
    used: set[int] = set()
    for f in findings:
        hit = next((i for i, e in enumerate(exceptions) if _matches(e, f)), None)
        if hit is None:
            report.findings.append(f)
        else:
            used.add(hit)
            report.excepted.append((f, exceptions[hit]))
    for i, e in enumerate(exceptions):
        if i not in used:
            report.findings.append(Finding("warn", "unused-lint-exception", f"{e.rule} on {e.target}",
                                           f"the exception ({e.reason}) matches no finding",
                                           "remove it from [tool.dbharness.lint] exceptions"))
    return report


def build_report(settings: Settings, file_findings: list[Finding], files: list[str],
                 db_findings: list[Finding]) -> LintReport:
    """Both kinds of findings, exceptions applied, in one report; findings in migrations that
    already shipped (gate.py) are set apart, not gated."""
    report = apply_exceptions(file_findings + with_levels(db_findings, settings), settings.lint_exceptions)
    g = gate.gate(settings)
    report.gate = g.description
    report.settings_table = settings.where("lint")
    report.gate_notes = list(g.notes)
    report.shipped = [f for f in report.findings if gate.is_shipped(f.target, g)]
    report.findings = [f for f in report.findings if not gate.is_shipped(f.target, g)]
    report.files = files
    report.rules_run = [r.name for r in security.RULES] + ["plpgsql-check"]
    order = {level: i for i, level in enumerate(LEVELS)}
    report.findings.sort(key=lambda f: (f.group, order.get(f.level, 9), f.target, f.rule))
    return report


def run(settings: Settings, engine: str | None, report: Callable[[str], None]) -> LintReport:
    """squawk on the files, then every migration on a throwaway database and the security checks."""
    from dbharness.builder import database

    file_findings, files = lint_files(settings)
    schema_only = database.Recipe(seed=False, pgtap=False)
    with database.fresh(settings, schema_only, engine=engine, report=report) as ready, \
            database.connect(ready.server.conninfo()) as conn:
        db_findings = lint_database(conn)
    return build_report(settings, file_findings, files, db_findings)
