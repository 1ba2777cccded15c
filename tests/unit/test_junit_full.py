"""JUnit written from each task's result, compared element by element with what consumers read."""

from pathlib import Path
from xml.etree import ElementTree

import pytest

from dbharness.deploy.promote import FileOutcome, PromoteResult
from dbharness.errors import ConfigError, PromotionRefused
from dbharness.lint.checks import Finding, LintReport
from dbharness.reports import junit
from dbharness.rollback_check import RollbackCheckResult, Step
from dbharness.suite.tapresults import Emitted, FileResult, parse_emitted

C = "pgtap.dir.t"
ERROR = "pgtap/dir/t.test.sql:9: SQL error: boom (SQLSTATE XX000)"
NOT_RUN = ("error", {"message": "not run: planned but never reached (pgtap/dir/t.test.sql:9)", "type": "error"}, "")


def structure(path: Path) -> list[tuple[str, dict[str, str], str]]:
    return [(el.tag, dict(sorted(el.attrib.items())), (el.text or "").strip())
            for el in ElementTree.parse(path).getroot().iter()]


def dying_file() -> FileResult:
    lines = [Emitted("1..6", "t.sql:2", 0.001), Emitted("ok 1 - first", "t.sql:3", 0.0125),
             Emitted("not ok 2 - second", "t.sql:4", 0.25), Emitted("#   have: 1", "t.sql:4", 0.25),
             Emitted("#   want: 2", "t.sql:4", 0.25), Emitted("not ok 3 - known # TODO later", "t.sql:6", 0.1),
             Emitted("ok 4 # SKIP no db", "t.sql:7", 0.0)]
    result = parse_emitted(lines, FileResult("pgtap/dir/t.test.sql", seconds=1.23456))
    result.error = ERROR + "\n  statement: select boom()"
    result.error_at = "pgtap/dir/t.test.sql:9"
    return result


def pgtap_expected(family: str) -> list:
    def case(name: str, where: tuple[str, str] | None, time: str | None) -> tuple:
        attrs = {"classname": C, "name": name}
        if family == "xunit1" and where:
            attrs.update(file=where[0], line=where[1])
        if time:
            attrs["time"] = time
        return ("testcase", dict(sorted(attrs.items())), "")

    died = ("pgtap/dir/t.test.sql", "9")
    return [
        ("testsuites", {"errors": "3", "failures": "1", "tests": "7", "time": "1.235"}, ""),
        ("testsuite", {"errors": "3", "failures": "1", "name": "pgtap/dir/t.test.sql", "skipped": "2",
                       "tests": "7", "time": "1.235"}, ""),
        case("first", ("t.sql", "3"), "0.013"),
        case("second", ("t.sql", "4"), "0.250"),
        ("failure", {"message": "not ok 2 - second (t.sql:4)", "type": "failure"}, "have: 1\n   want: 2"),
        case("known", ("t.sql", "6"), "0.100"),
        ("skipped", {"message": "TODO later", "type": "skipped"}, ""),
        case("test 4", ("t.sql", "7"), None),
        ("skipped", {"message": "SKIP no db", "type": "skipped"}, ""),
        case("(file)", died, None),
        ("error", {"message": ERROR, "type": "error"}, ERROR + "\n  statement: select boom()"),
        case("test 5", died, None), NOT_RUN,
        case("test 6", died, None), NOT_RUN,
    ]


@pytest.mark.parametrize("family", ["xunit2", "xunit1"])
def test_a_pgtap_file_element_by_element(tmp_path, family):
    path = junit.write_pgtap(tmp_path / "sub" / "p.xml", [dying_file()], family)
    assert structure(path) == pgtap_expected(family)
    assert path.read_text().startswith('<?xml version="1.0" encoding="utf-8"?>\n<testsuites')
    assert path.read_text().endswith("</testsuites>\n")


def test_a_file_without_a_source_falls_back_to_the_file_and_a_plan_problem_is_one_error(tmp_path):
    result = parse_emitted([Emitted("1..3"), Emitted("ok 1")], FileResult("a.test.sql", seconds=0.5))
    got = structure(junit.write_pgtap(tmp_path / "p.xml", [result], "xunit1"))
    assert got[2:] == [
        ("testcase", {"classname": "a", "file": "a.test.sql", "name": "test 1"}, ""),
        ("testcase", {"classname": "a", "file": "a.test.sql", "name": "(file)"}, ""),
        ("error", {"message": "planned 3 tests but ran 1", "type": "error"}, "planned 3 tests but ran 1")]


def test_lint_report(tmp_path):
    report = LintReport(
        findings=[Finding("error", "squawk:ban-drop-column", "supabase/migrations/1_a.sql:3", "drops", "keep it"),
                  Finding("warn", "timestamp-without-time-zone", "public.t.c", "timestamp", "use timestamptz"),
                  Finding("info", "rls-without-policy", "public.u", "no policy", "")],
        files=["supabase/migrations/1_a.sql", "supabase/migrations/2_b.sql"],
        rules_run=["rls-without-policy", "table-without-rls"])
    assert structure(junit.write(tmp_path / "l.xml", [junit.lint_suite(report)])) == [
        ("testsuites", {"errors": "0", "failures": "2", "tests": "5", "time": "0.000"}, ""),
        ("testsuite", {"errors": "0", "failures": "2", "name": "lint", "skipped": "1", "tests": "5",
                       "time": "0.000"}, ""),
        ("testcase", {"classname": "lint", "name": "squawk:ban-drop-column supabase/migrations/1_a.sql:3"}, ""),
        ("failure", {"message": "error: drops (fix: keep it)", "type": "failure"}, "error: drops (fix: keep it)"),
        ("testcase", {"classname": "lint", "name": "timestamp-without-time-zone public.t.c"}, ""),
        ("failure", {"message": "warn: timestamp (fix: use timestamptz)", "type": "failure"},
         "warn: timestamp (fix: use timestamptz)"),
        ("testcase", {"classname": "lint", "name": "rls-without-policy public.u"}, ""),
        ("skipped", {"message": "info: no policy", "type": "skipped"}, ""),
        ("testcase", {"classname": "lint.squawk", "name": "squawk supabase/migrations/2_b.sql"}, ""),
        ("testcase", {"classname": "lint.security", "name": "table-without-rls"}, "")]


def test_rollback_check_report(tmp_path):
    result = RollbackCheckResult([Step("snapshot before", 0.0123, output="3 tables"),
                                  Step("compare", 0.5, failure="public.t.c (column): differs\nsecond line"),
                                  Step("1_base: no rollback", skipped="rollback: none - baseline")])
    assert structure(junit.write(tmp_path / "r.xml", [junit.rollback_suite(result)])) == [
        ("testsuites", {"errors": "0", "failures": "1", "tests": "3", "time": "0.512"}, ""),
        ("testsuite", {"errors": "0", "failures": "1", "name": "rollback-check", "skipped": "1", "tests": "3",
                       "time": "0.512"}, ""),
        ("testcase", {"classname": "rollback", "name": "snapshot before", "time": "0.012"}, ""),
        ("system-out", {}, "3 tables"),
        ("testcase", {"classname": "rollback", "name": "compare", "time": "0.500"}, ""),
        ("failure", {"message": "public.t.c (column): differs", "type": "failure"},
         "public.t.c (column): differs\nsecond line"),
        ("testcase", {"classname": "rollback", "name": "1_base: no rollback"}, ""),
        ("skipped", {"message": "rollback: none - baseline", "type": "skipped"}, "")]


def test_promote_report(tmp_path):
    result = PromoteResult("staging", [FileOutcome("1_a", 0.0456), FileOutcome("2_b", 0.1, "2_b.sql:2: boom")],
                           stopped=PromotionRefused("stopped"))
    assert structure(junit.write(tmp_path / "p.xml", [junit.promote_suite(result)])) == [
        ("testsuites", {"errors": "0", "failures": "2", "tests": "3", "time": "0.146"}, ""),
        ("testsuite", {"errors": "0", "failures": "2", "name": "promote-staging", "skipped": "0", "tests": "3",
                       "time": "0.146"}, ""),
        ("testcase", {"classname": "promote.staging", "name": "1_a", "time": "0.046"}, ""),
        ("testcase", {"classname": "promote.staging", "name": "2_b", "time": "0.100"}, ""),
        ("failure", {"message": "2_b.sql:2: boom", "type": "failure"}, "2_b.sql:2: boom"),
        ("testcase", {"classname": "promote.staging", "name": "promotion"}, ""),
        ("failure", {"message": "stopped", "type": "failure"}, "stopped")]
    assert [c.name for c in junit.promote_suite(PromoteResult("x")).cases] == []


def test_long_first_lines_are_cut_for_the_message_and_kept_whole_in_the_text(tmp_path):
    long = "x" * 250 + "\nmore"
    suite = junit.rollback_suite(RollbackCheckResult([Step("s", failure=long)]))
    got = structure(junit.write(tmp_path / "r.xml", [suite]))
    assert got[3] == ("failure", {"message": "x" * 200, "type": "failure"}, long)


def test_unknown_family_and_classnames(tmp_path):
    with pytest.raises(ConfigError) as err:
        junit.write(tmp_path / "x.xml", [], "xunit3")
    assert str(err.value) == "unknown JUnit family 'xunit3': choose xunit2 or xunit1"
    assert not (tmp_path / "x.xml").exists()
    assert junit.classname("pgtap\\mt5\\a.test.sql") == "pgtap.mt5.a"
    assert junit.classname("/abs/x.sql") == "abs.x"
    assert junit.classname("t.test.sql") == "t"


def test_sources_with_colons_bail_outs_and_long_errors(tmp_path):
    from dbharness.reports.junit import _source

    assert _source("c:/x.sql:4", "f") == ("c:/x.sql", 4)
    assert _source("x.sql:abc", "f") == ("f", None) and _source(None, "f") == ("f", None)
    assert junit.classname("./t.test.sql") == "t"
    bail = parse_emitted([Emitted("1..3"), Emitted("ok 1", "b.sql:2"), Emitted("Bail out! stop")],
                         FileResult("b.test.sql"))
    cases = structure(junit.write_pgtap(tmp_path / "a" / "b" / "x.xml", [bail], "xunit1"))[2:]
    assert cases[-2:] == [("testcase", {"classname": "b", "file": "b.test.sql", "name": "test 3"}, ""),
                          ("error", {"message": "not run: planned but never reached (b.test.sql)", "type": "error"}, "")]
    long = FileResult("l.test.sql", planned=None, error="y" * 250)
    got = structure(junit.write_pgtap(tmp_path / "l.xml", [long]))
    assert got[3][1]["message"] == "y" * 200


def test_coverage_report(tmp_path):
    from dbharness.catalog.schema_facts import Fact
    from dbharness.coverage.pins import Coverage, Pin

    facts = [Fact("table", "public.t", "public.t"), Fact("column", "public.t.a", "public.t"),
             Fact("trigger", "public.t.g", "public.t")]
    cov = Coverage(facts, pins={"table public.t": Pin("a.sql:3", "has_table")},
                   excluded={"trigger public.t.g": "tested elsewhere"})
    assert structure(junit.write(tmp_path / "c.xml", [junit.coverage_suite(cov)])) == [
        ("testsuites", {"errors": "0", "failures": "1", "tests": "3", "time": "0.000"}, ""),
        ("testsuite", {"errors": "0", "failures": "1", "name": "schema-coverage", "skipped": "1", "tests": "3",
                       "time": "0.000"}, ""),
        ("testcase", {"classname": "coverage.table", "name": "table public.t"}, ""),
        ("system-out", {}, "pinned by has_table at a.sql:3"),
        ("testcase", {"classname": "coverage.column", "name": "column public.t.a"}, ""),
        ("failure", {"message": "UNPINNED: no assertion pins column public.t.a", "type": "failure"},
         "UNPINNED: no assertion pins column public.t.a"),
        ("testcase", {"classname": "coverage.trigger", "name": "trigger public.t.g"}, ""),
        ("skipped", {"message": "excluded: tested elsewhere", "type": "skipped"}, "")]


def test_each_stubbed_extension_is_a_skipped_case_of_its_own_suite(tmp_path):
    path = junit.write_pgtap(tmp_path / "p.xml", [], "xunit2",
                             [("pg_graphql", "supabase/migrations/1_a.sql:2"), ("pgsodium", "m.sql:5")])
    got = structure(path)
    assert got[1][0] == "testsuite" and got[1][1]["name"] == "stubbed extensions"
    assert got[1][1]["skipped"] == "2" and got[1][1]["tests"] == "2"
    cases = [(tag, attrs) for tag, attrs, _ in got if tag == "testcase"]
    assert [a["name"] for _, a in cases] == ["create extension pg_graphql (supabase/migrations/1_a.sql:2)",
                                             "create extension pgsodium (m.sql:5)"]
    assert {a["classname"] for _, a in cases} == {"platform.stubbed"}
    skipped = [(attrs, text) for tag, attrs, text in got if tag == "skipped"]
    assert skipped[0][0]["message"] == ("stubbed: stub_extensions in [tool.dbharness]; "
                                        "supabase/migrations/1_a.sql:2 was skipped")
    assert structure(junit.write_pgtap(tmp_path / "q.xml", [], "xunit2", [])) == \
        structure(junit.write_pgtap(tmp_path / "r.xml", [], "xunit2"))


def test_a_failing_files_notices_are_its_system_out_and_a_passing_files_are_not(tmp_path):
    failing = parse_emitted([Emitted("1..1", "f.sql:1"), Emitted("not ok 1 - x", "f.sql:2")],
                            FileResult("f.test.sql"))
    failing.notices = ["NOTICE:  context: 42", "WARNING:  careful"]
    passing = parse_emitted([Emitted("1..1", "p.sql:1"), Emitted("ok 1 - y", "p.sql:2")], FileResult("p.test.sql"))
    passing.notices = ["NOTICE:  quiet"]
    got = structure(junit.write_pgtap(tmp_path / "n.xml", [failing, passing]))
    assert [(tag, text) for tag, _, text in got if tag == "system-out"] == [
        ("system-out", "NOTICE:  context: 42\nWARNING:  careful")]
