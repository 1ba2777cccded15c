"""Every JUnit report the harness writes is valid against the xunit2 schema CI consumers accept
(tests/schema/junit-xunit2.xsd, checked with lxml), and carries what consumers need."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from tests.support import REPO, copy_project, run_invoke

SCHEMA = etree.XMLSchema(etree.parse(str(REPO / "tests" / "schema" / "junit-xunit2.xsd")))
DIES = "begin;\nselect plan(4);\nselect ok(true, 'one');\nselect * from public.nope;\nselect ok(true);\nrollback;\n"
MIXED = ("begin;\nselect plan(3);\nselect ok(true, 'passes');\n\nselect is(1, 2, 'fails on line 5');\n"
         "select skip('later', 1);\nselect * from finish();\nrollback;\n")


def valid(path: Path) -> None:
    doc = etree.parse(str(path))
    assert SCHEMA.validate(doc), f"{path.name}: {SCHEMA.error_log}"


def test_the_schema_rejects_what_the_xunit_plugin_rejects(tmp_path):
    for bad in ('<testsuites disabled="0"><testsuite name="a" tests="0"/></testsuites>',
                '<testsuites><testsuite name="a" tests="1"><testcase name="x" time="0.1234"/></testsuite></testsuites>',
                '<testsuites><testsuite name="a" tests="1"><testcase name="x" file="f.sql"/></testsuite></testsuites>'):
        assert not SCHEMA.validate(etree.fromstring(bad)), bad


@pytest.fixture(scope="module")
def pgtap_reports(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("p"))
    (root / "pgtap" / "zz_dies.test.sql").write_text(DIES)
    (root / "pgtap" / "zz_mixed.test.sql").write_text(MIXED)
    out2 = run_invoke("test", "--no-lint", "--junit", str(root / "x2.xml"), root=root)
    out1 = run_invoke("test", "--no-lint", "--junit-family", "xunit1", "--junit", str(root / "x1.xml"), root=root)
    assert out2.returncode == out1.returncode == 1, out2.stdout + out2.stderr
    return root, out2


def test_the_pgtap_report_is_valid_and_adds_up_to_the_plan(pgtap_reports):
    root, out = pgtap_reports
    valid(root / "x2.xml")
    suites = {s.get("name"): s for s in etree.parse(str(root / "x2.xml")).getroot()}
    dies = suites["pgtap/zz_dies.test.sql"]
    names = [c.get("name") for c in dies.iter("testcase")]
    assert names == ["one", "(file)", "test 2", "test 3", "test 4"]
    not_run = [c.find("error").get("message") for c in list(dies.iter("testcase"))[2:]]
    assert not_run == ["not run: planned but never reached (pgtap/zz_dies.test.sql:4)"] * 3
    assert "0 skipped" not in out.stdout and out.stdout.strip().splitlines()[-1].endswith("5 failed, 1 skipped")


def test_xunit1_adds_file_and_line_of_each_assertion(pgtap_reports):
    root, _ = pgtap_reports
    cases = {c.get("name"): c for c in etree.parse(str(root / "x1.xml")).getroot().iter("testcase")}
    assert (cases["fails on line 5"].get("file"), cases["fails on line 5"].get("line")) == ("pgtap/zz_mixed.test.sql", "5")
    assert cases["passes"].get("line") == "3"
    assert float(cases["fails on line 5"].get("time")) >= 0 and len(cases["passes"].get("time").split(".")[1]) == 3


def test_failures_print_their_line_and_github_annotations(tmp_path):
    root = copy_project(tmp_path / "p")
    for path in (root / "pgtap").rglob("*.test.sql"):
        path.unlink()
    (root / "pgtap" / "zz_mixed.test.sql").write_text(MIXED)
    env_out = run_invoke("test", "--no-lint", "--junit", str(tmp_path / "r.xml"), root=root,
                         env={"GITHUB_ACTIONS": "true"})
    assert "    not ok 2 - fails on line 5 (pgtap/zz_mixed.test.sql:5)" in env_out.stdout
    assert "::error file=pgtap/zz_mixed.test.sql,line=5::not ok 2 - fails on line 5" in env_out.stdout
    plain = run_invoke("test", "--no-lint", "--junit", str(tmp_path / "r.xml"), root=root, env={"GITHUB_ACTIONS": ""})
    assert "::error" not in plain.stdout


def test_rollback_check_lint_and_promote_reports_are_valid(tmp_path, monkeypatch, server):
    from dbharness import config
    from dbharness.builder import database

    for args, name in ((["rollback-check"], "rollback.xml"), (["lint"], "lint.xml")):
        out = run_invoke(*args, "--junit", str(tmp_path / name))
        assert out.returncode == 0, out.stdout + out.stderr
        valid(tmp_path / name)
    root = copy_project(tmp_path / "p")
    compat_only = database.Recipe(migrations=False, seed=False, pgtap=False)
    with database.scratch(server, "schema_staging", config.load(root), compat_only) as db:
        monkeypatch.setenv("STAGING_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{server.port}/{db.dbname}")
        out = run_invoke("promote", "--env", "staging", "--skip-tests", root=root, env=dict(os.environ))
        assert out.returncode == 0, out.stdout + out.stderr
    valid(root / "reports" / "junit" / "promote-staging.xml")
