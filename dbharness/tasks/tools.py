"""The tools around the schema: bench, coverage, scaffold-tests, cli-check, mutation."""

from __future__ import annotations

from pathlib import Path

from invoke import Exit, task

from dbharness.reports import console
from dbharness.reports import junit as junit_report
from dbharness.tasks.common import ENGINE, JUNIT, guarded, junit_path, say, settings


@task(help={"quick": "reduced run (100k rows, 3 runs) that finishes within about a minute",
            "engine": ENGINE, "output": "JSON report path (default: reports/bench.json)"})
def bench(c, quick=False, engine=None, output=None):
    """Measure the harness against pg_prove, and the migrations' locks against a naive variant."""
    from dbharness.benchmarks import cycles as bench_mod
    from dbharness.benchmarks import picture
    from dbharness.errors import PrerequisiteError

    with guarded():
        cfg = settings(engine=engine)
        result = bench_mod.run_all(cfg, cfg.engine, quick, say)
        path = bench_mod.write_report(Path(output) if output else cfg.reports_dir / "bench.json", result)
        say("", *bench_mod.table(result), f"report: {path}")
        try:
            say(f"picture: {picture.draw(result['locks'], cfg.reports_dir / 'bench-locks.svg')}")
        except PrerequisiteError as exc:
            say(f"picture: not drawn: {exc}")


@task(help={"junit": JUNIT.format("coverage"),
            "required": "lowest coverage allowed, in percent (default: the setting)"})
def coverage(c, junit=None, required=None):
    """Schema coverage: every column, default, key, index, check, policy and privilege pinned by a test."""
    from dbharness.coverage import check as coverage_check

    with guarded():
        cfg = settings()
        bar = float(required) if required is not None else cfg.coverage.bar
        cov = coverage_check.run(cfg, say)
        path = junit_report.write(junit_path(cfg, junit, "coverage"), [junit_report.coverage_suite(cov)])
        say(*coverage_check.lines(cov, bar), f"JUnit: {path}")
        if coverage_check.below(cov, bar):
            raise Exit(code=1)


@task(help={"directory": "where to write the file (default: pgtap/)"})
def scaffold_tests(c, version, directory=None):
    """Write a pgTAP file pinning everything migration VERSION adds or changes (never overwrites)."""
    from dbharness.tools.scaffold import scaffold

    with guarded():
        done = scaffold(settings(), version, say, Path(directory) if directory else None)
        say(f"wrote {done.path}: {done.facts} facts pinned; add the behaviour tests its TODOs describe")


@task(help={"junit": JUNIT.format("cli")})
def cli_check(c, junit=None):
    """The real Supabase CLI builds a throwaway database (db reset, db push); the suite runs on it."""
    from dbharness.tools import cli_check as cli

    with guarded():
        cfg = settings()
        result = cli.check(cfg, say)
        suites = [junit_report.steps_suite("supabase-cli", "cli", result.steps),
                  *(junit_report.file_suite(r) for r in result.results)]
        path = junit_report.write(junit_path(cfg, junit, "cli"), suites)
        say(*(line for r in result.results for line in console.file_lines(r)), f"JUnit: {path}",
            result.totals.line())
        if not result.ok:
            raise Exit(code=1)


@task(help={"bar": "the lowest score allowed for any module, in percent (default 90)",
            "rerun": "reuse mutants/ from the last run instead of starting afresh"})
def mutation(c, bar=90.0, rerun=False):
    """Mutation testing (mutmut) of the pure modules with the unit tests: a score per module, survivors."""
    from dbharness.tools import mutation as mut

    with guarded():
        root = settings().root
        mut.run_mutmut(root, say, fresh=not rerun)
        report = mut.lines(mut.scores(root), float(bar))
        say(*report)
        if report[-1].startswith("mutation: below"):
            raise Exit(code=1)
