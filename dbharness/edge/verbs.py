"""Every verb of the harness at the edge: its options, then one API call, its reports and lines,
and the exit code. The command (cli.py) and the invoke tasks (tasks/) are both made of these."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dbharness import api
from dbharness.config import ENGINES, Settings
from dbharness.edge import spec
from dbharness.edge.output import Output
from dbharness.edge.spec import Args, Option, Verb
from dbharness.errors import INTERRUPTED, CheckFailed
from dbharness.reports import console, junit
from dbharness.words import plural

if TYPE_CHECKING:
    from dbharness.lint.checks import LintReport

ENGINE = Option("engine", "the throwaway server: " + ", ".join(ENGINES) + " (default: the settings')",
                choices=ENGINES)
JUNIT = "JUnit XML path (default: reports/junit/{}.xml)"
YES = Option("yes", "do not ask for confirmation (production asks otherwise)", "flag", False)
ENV = Option("env", "the environment, as declared in the settings (staging, production, ...)",
             metavar="NAME", required=True)


def settings_of(args: Args, out: Output, say_source: bool = True) -> Settings:
    """The project's settings, with --engine over them; the run says where they came from."""
    settings = api.settings(engine=args.get("engine"))
    out.relative_to(settings.root)
    if say_source:
        out.say(settings.source.shown)
    return settings


def junit_path(settings: Settings, given: str | None, name: str) -> Path:
    """--junit when given, else reports/junit/NAME.xml in the project."""
    return Path(given) if given else settings.reports_dir / "junit" / f"{name}.xml"


def ask() -> object:
    """input() when a person is at a terminal; None (so: refused without --yes) otherwise."""
    return input if sys.stdin.isatty() else None


def _setup(args: Args, out: Output) -> int:
    settings = settings_of(args, out)
    api.setup(settings, pg_bindir=args["pg_bindir"], report=out.say)
    out.say("setup: all prerequisites present")
    return 0


def _init(args: Args, out: Output) -> int:
    api.init(api.settings().root, report=out.say)
    return 0


def _write_lint(path: Path, out: Output, report: LintReport, shipped: bool) -> None:
    out.say(*console.lint_lines(report, shipped))
    out.wrote(junit.write(path, [junit.lint_suite(report)]))


def _test(args: Args, out: Output) -> int:
    if args["watch"]:
        return _watch(args, out)
    settings = settings_of(args, out)
    shard = args["shard"]
    part = shard.replace("/", "-of-") if shard else None
    path = junit_path(settings, args["junit"], f"pgtap-shard-{part}" if part else "pgtap")
    lint_path = junit_path(settings, None, "lint")
    out.owns(path, *([] if args["no_lint"] else [lint_path]))
    outcome = api.test(settings, files=[*args["file"], *args["files"]], jobs=args["jobs"] or None,
                       keep=args["keep"], shard=shard, coverage=args["coverage"], lint=not args["no_lint"],
                       report=out.say, on_result=lambda r: out.say(*console.file_report(r)),
                       on_lint=lambda report: _write_lint(lint_path, out, report, False))
    with outcome.phases.timed("report"):
        junit.write_pgtap(path, outcome.results, args["junit_family"], outcome.stubbed, outcome.stopped)
    cov = outcome.coverage
    if cov is not None:
        out.wrote(junit.write(path.with_name("coverage.xml"), [junit.coverage_suite(cov)]))
        out.say(*console.coverage_lines(cov, outcome.coverage_bar))
    if outcome.stopped is not None:
        out.error(console.lint_failure(False, settings.where("lint")))
    out.wrote(path)
    out.say(*console.test_summary(outcome))
    return 0 if outcome.ok else CheckFailed.exit_code


def _watch(args: Args, out: Output) -> int:
    from dbharness import watch

    settings = settings_of(args, out)
    out.say(*console.watch_start(settings))
    try:
        watch.loop(settings, jobs=args["jobs"] or os.cpu_count() or 1, report=out.say,
                   on_result=lambda r: out.say(*console.file_report(r)),
                   on_verdict=lambda v: out.say(*console.watch_verdict(v)))
    except KeyboardInterrupt:
        from dbharness.edge.run import forget_interrupt

        forget_interrupt()
        out.error("interrupted: stopped watching; the server and its databases were removed")
        return INTERRUPTED
    return 0


def _lint(args: Args, out: Output) -> int:
    settings = settings_of(args, out)
    path = junit_path(settings, args["junit"], "lint")
    out.owns(path)
    report = api.lint(settings, report=out.say)
    _write_lint(path, out, report, args["shipped"])
    if report.failed(args["strict"]):
        out.error(console.lint_failure(args["strict"], settings.where("lint")))
        return CheckFailed.exit_code
    return 0


def _rollback_check(args: Args, out: Output) -> int:
    settings = settings_of(args, out)
    path = junit_path(settings, args["junit"], "rollback")
    out.owns(path)
    result = api.rollback_check(settings, from_version=args["from_"], only=args["only"], report=out.say)
    out.wrote(junit.write(path, [junit.rollback_suite(result)]))
    out.say(*console.rollback_summary(result))
    return CheckFailed.exit_code if result.failed else 0


def _compare(args: Args, out: Output) -> int:
    settings = settings_of(args, out)
    path = junit_path(settings, args["junit"], "compare")
    out.owns(path)
    result = api.compare(settings, args["a"], args["b"], ignore=args["ignore"], report=out.say)
    out.say(*console.compare_lines(result, settings.where("compare") + " ignore"))
    out.wrote(junit.write(path, [junit.compare_suite(result)]))
    return CheckFailed.exit_code if result.failed else 0


def _coverage(args: Args, out: Output) -> int:
    settings = settings_of(args, out)
    path = junit_path(settings, args["junit"], "coverage")
    out.owns(path)
    result = api.coverage(settings, required=args["required"], report=out.say)
    out.say(*console.coverage_report(result.coverage, result.bar, settings.where("coverage")))
    out.wrote(junit.write(path, [junit.coverage_suite(result.coverage)]))
    return 0 if result.ok else CheckFailed.exit_code


def _scaffold(args: Args, out: Output) -> int:
    settings = settings_of(args, out)
    done = api.scaffold_tests(settings, args["version"],
                              directory=Path(args["directory"]) if args["directory"] else None,
                              report=out.say)
    out.say(f"wrote {done.shown}: {plural(done.facts, 'fact')} pinned; add the behaviour tests its "
            "TODOs describe")
    return 0


def _status(args: Args, out: Output) -> int:
    found = api.status(settings_of(args, out), args["env"])
    out.say(*console.status_lines(found.target, found.status))
    if not found.ok:
        out.error("status: " + "; ".join(found.status.problems))
        return CheckFailed.exit_code
    return 0


def _promote(args: Args, out: Output) -> int:
    settings = settings_of(args, out)
    env = args["env"]
    path = junit_path(settings, None, f"promote-{env}")
    out.owns(path)
    result = api.promote(settings, env, dry_run=args["dry_run"], yes=args["yes"], to=args["to"],
                         skip_tests=args["skip_tests"], ask=ask(), report=out.say)  # type: ignore[arg-type]
    if result.gate is not None:
        out.wrote(junit.write_pgtap(junit_path(settings, None, "pgtap"), result.gate.results,
                                    stubbed=result.gate.stubbed))
    out.wrote(junit.write(path, [junit.promote_suite(result)]))
    if result.exit_code == INTERRUPTED:
        out.error("interrupted: what was applied before the interruption is listed in the report",
                  f"  {result.error}")
    elif result.exit_code:
        out.error(f"error: {result.error}")
    return result.exit_code


def _rollback(args: Args, out: Output) -> int:
    done = api.rollback(settings_of(args, out), args["env"], args["to"], yes=args["yes"],
                        ask=ask(), report=out.say)  # type: ignore[arg-type]
    out.say(f"rolled back {plural(len(done), 'migration')} on {args['env']}")
    return 0


def _clean(args: Args, out: Output) -> int:
    api.clean(settings_of(args, out, say_source=False), everything=args["all_"], report=out.say)
    return 0


def _bench(args: Args, out: Output) -> int:
    from dbharness.benchmarks import cycles, picture
    from dbharness.errors import PrerequisiteError

    settings = settings_of(args, out)
    result = cycles.run_all(settings, settings.engine, args["quick"], out.say)
    target = Path(args["output"]) if args["output"] else settings.reports_dir / "bench.json"
    path = cycles.write_report(target, result)
    out.say("", *cycles.table(result), f"report: {path}")
    if "locks" in result:
        try:
            out.say(f"picture: {picture.draw(result['locks'], settings.reports_dir / 'bench-locks.svg')}")
        except PrerequisiteError as exc:
            out.say(f"picture: not drawn: {exc}")
    return 0


def _cli_check(args: Args, out: Output) -> int:
    from dbharness.tools import cli_check as cli

    settings = settings_of(args, out)
    path = junit_path(settings, args["junit"], "cli")
    out.owns(path)
    result = cli.check(settings, out.say)
    suites = [junit.steps_suite("supabase-cli", "cli", result.steps),
              *(junit.file_suite(r) for r in result.results)]
    out.say(*(line for r in result.results for line in console.file_lines(r)))
    out.wrote(junit.write(path, suites))
    out.say(result.totals.line())
    return 0 if result.ok else CheckFailed.exit_code


def _mutation(args: Args, out: Output) -> int:
    from dbharness.tools import mutation as mut

    root = api.settings().root
    mut.run_mutmut(root, out.say, fresh=not args["rerun"])
    lines = mut.lines(mut.scores(root), float(args["bar"]))
    out.say(*lines)
    return CheckFailed.exit_code if lines[-1].startswith("mutation: below") else 0


VERBS: tuple[Verb, ...] = (
    Verb("setup", "install or check PostgreSQL 15, pgTAP, pg_prove and the harness's server parts",
         "Check every prerequisite of the local engine: the PostgreSQL server, pgTAP, pg_prove, the "
         "offline extensions and the dbharness_rules server module (built with PGXS), and the Debian "
         "package of every extension the migrations create. As root (or with passwordless sudo) on "
         "Debian/Ubuntu it installs what is missing; elsewhere it prints the command that does.",
         _setup, (Option("pg-bindir", "directory holding initdb and postgres (default: searched)",
                         metavar="DIR"),)),
    Verb("init", "write a commented dbharness.toml with every setting at its default",
         "Write dbharness.toml beside supabase/config.toml, every setting at its default with what "
         "it does, and add reports/ to .gitignore. Never overwrites a file.", _init),
    Verb("test", "migrations, seed and the pgTAP suite on a throwaway server (lint first)",
         "Start a throwaway Supabase-shaped PostgreSQL, apply every migration and the seed as the "
         "Supabase CLI does, lint, run the pgTAP suite as pg_prove would, write JUnit. Name files "
         "to run only those.",
         _test, (Option("files", "pgTAP files to run (default: every file test_paths matches)",
                        positional=True, many=True, metavar="FILE"),
                 Option("file", "a pgTAP file to run (repeatable)", "list", metavar="FILE"), ENGINE,
                 Option("jobs", "pgTAP files run in parallel (default: one per CPU)", "int", 0, "N"),
                 Option("junit", JUNIT.format("pgtap"), metavar="PATH"),
                 Option("keep", "leave the server running and print its connection URL", "flag", False),
                 Option("no-lint", "do not run dbharness lint first", "flag", False),
                 Option("junit-family", "xunit2 (valid for the Jenkins xUnit schema) or xunit1 (adds "
                        "file and line)", default="xunit2", choices=junit.FAMILIES),
                 Option("shard", "run the K-th of N balanced parts of the files", metavar="K/N"),
                 Option("coverage", "also measure schema coverage (always on when a bar is set)",
                        "flag", False),
                 Option("watch", "run the suite, then again on every save (Ctrl-C stops)", "flag",
                        False))),
    Verb("lint", "squawk on the migrations and rollbacks, Supabase's security checks on the schema",
         "Locking and migration hazards (squawk) in every migration and rollback file, and the "
         "Supabase security checks on a throwaway database with every migration applied.",
         _lint, (Option("strict", "fail on warnings too, not only on errors", "flag", False), ENGINE,
                 Option("junit", JUNIT.format("lint"), metavar="PATH"),
                 Option("shipped", "also list the findings in migrations that already shipped", "flag",
                        False))),
    Verb("rollback-check", "prove each rollback restores the schema and keeps the rows",
         "Build every migration and the seed, then roll back newest first: after each rollback the "
         "schema must equal the schema before that migration, and every row that was there must "
         "still be there; then up again, and the suite again.",
         _rollback_check, (Option("from", "check this version and the newer ones", metavar="VERSION"),
                           Option("only", "check only this version", metavar="VERSION"), ENGINE,
                           Option("junit", JUNIT.format("rollback"), metavar="PATH"))),
    Verb("compare", "prove two builds (a squash, a declarative schema, an environment) are the same",
         "Build each side on a throwaway server (migrations, migrations@VERSION, or a folder of SQL "
         "files applied in name order, with the project's seed) or read it (env:NAME, read only), "
         "and compare the catalog of the user schemas, buckets, cron jobs, triggers on auth and "
         "storage tables, publications, grants and default privileges, extensions, settings and "
         "the data the seed or the migrations wrote. Prints each difference; fails on any.",
         _compare, (Option("a", "one side: migrations, migrations@VERSION, env:NAME or a folder",
                           positional=True, metavar="A"),
                    Option("b", "the other side, the same way", positional=True, metavar="B"),
                    Option("ignore", "a known difference to take (repeatable): the object as a line "
                           "names it, or a glob", "list", metavar="OBJECT"), ENGINE,
                    Option("junit", JUNIT.format("compare"), metavar="PATH"))),
    Verb("coverage", "which facts of the schema the pgTAP suite pins",
         "Every column, type, nullability, default, key, index, check, policy, privilege and "
         "function of the migrated schema, and the first assertion that pins each.",
         _coverage, (Option("junit", JUNIT.format("coverage"), metavar="PATH"),
                     Option("required", "the lowest coverage allowed, in percent (default: the "
                            "settings' bar, else none)", "float", metavar="PERCENT"))),
    Verb("scaffold-tests", "write a pgTAP file pinning what a migration adds",
         "Write <version>_<name>_test.sql where the project's tests are: one assertion per fact the "
         "migration adds or changes, and commented behaviour tests to write. Never overwrites.",
         _scaffold, (Option("version", "the migration's version", positional=True),
                     Option("directory", "where to write it (default: where the tests are)",
                            metavar="DIR"))),
    Verb("status", "each migration as applied or pending in an environment",
         "Read an environment's history (never writes): each local migration applied or pending, "
         "and versions only the environment has (drift).", _status, (ENV,)),
    Verb("promote", "apply pending migrations to an environment, after dbharness test",
         "Run dbharness test, refuse drift and out-of-order versions (and for production, anything "
         "staging has not got), print the plan, then apply each pending file under a lock.",
         _promote, (ENV, Option("dry-run", "show the plan and the lint findings, change nothing",
                                "flag", False), YES,
                    Option("to", "apply pending migrations up to this version", metavar="VERSION"),
                    Option("skip-tests", "do not run dbharness test first (refused for production)",
                           "flag", False),
                    Option("engine", "engine of the dbharness test gate", choices=ENGINES))),
    Verb("rollback", "roll an environment back to a version",
         "Apply the rollbacks of every applied version newer than --to, newest first, each with the "
         "deletion of its history row.",
         _rollback, (ENV, Option("to", "the version to return to", metavar="VERSION", required=True),
                     YES)),
    Verb("clean", "remove leftover servers and this project's kept builds",
         "Stop and remove servers and containers of this user's kept or killed runs (never a live "
         "run's) and the kept builds of this project.",
         _clean, (Option("all", "remove every project's kept builds and results", "flag", False),)),
    Verb("bench", "measure the harness against pg_prove, and the migrations' locks",
         "Whole runs cold and warm, the suite against pg_prove -j on a ready database, synthetic "
         "suites, the watch loop, and the lock scenario's writer stalls.",
         _bench, (Option("quick", "a reduced run (100k rows, 3 runs)", "flag", False), ENGINE,
                  Option("output", "JSON report path (default: reports/bench.json)", metavar="PATH"))),
    Verb("cli-check", "the real Supabase CLI builds the database; the suite runs on it",
         "On a throwaway server the pinned Supabase CLI runs db reset and db push; then the pgTAP "
         "suite runs on what it built.", _cli_check,
         (Option("junit", JUNIT.format("cli"), metavar="PATH"),)),
    Verb("mutation", "mutation testing of the harness's pure modules (developers)",
         "mutmut over the pure modules with the unit tests: a score per module, every survivor.",
         _mutation, (Option("bar", "the lowest score allowed for any module, in percent", "float", 90.0),
                     Option("rerun", "reuse mutants/ from the last run", "flag", False)), hidden=True),
)
BY_NAME = {verb.name: verb for verb in VERBS}


def run(name: str, args: Args, out: Output | None = None) -> int:
    """Run the verb called name with args (every option it leaves out at its default)."""
    from dbharness.edge.run import execute

    verb = BY_NAME[name]
    return execute(verb, {**verb.defaults(), **args}, out or Output())


__all__ = ["BY_NAME", "VERBS", "run", "spec"]
