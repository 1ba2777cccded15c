"""dbharness compare without a database: the sides, the diff's wording, the ignore list, the
setting, the lines and the JUnit suite."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from lxml import etree

from dbharness import config
from dbharness.catalog.snapshot_diff import Difference
from dbharness.compare import diff, sides
from dbharness.compare.picture import KINDS, schema_of
from dbharness.compare.result import CompareResult
from dbharness.config_values import CompareIgnore
from dbharness.errors import ConfigError
from dbharness.reports import console, junit

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).resolve().parents[1] / "schema" / "junit-xunit2.xsd")))
NAMES = ("migrations", "supabase/schemas")


def test_what_only_one_side_has_and_each_property_that_differs():
    a = {"column public.t.a": {"type": "integer", "default": None, "comment": ""},
         "bucket avatars": {"public": True}}
    b = {"column public.t.a": {"type": "bigint", "comment": None}, "cron_job nightly": {"schedule": "0 3 * * *"}}
    assert [str(d) for d in diff.diff(a, b, NAMES)] == [
        "avatars (bucket): only in migrations",
        "public.t.a (column): type differs: migrations 'integer', supabase/schemas 'bigint'",
        "nightly (cron_job): only in supabase/schemas",
    ]
    assert diff.diff(a, a, NAMES) == []


def test_privileges_say_which_grants_only_one_side_has():
    a = {"relation public.t": {"privileges": "anon:SELECT, anon:UPDATE, authenticated:SELECT"}}
    b = {"relation public.t": {"privileges": "authenticated:SELECT, service_role:SELECT"}}
    assert [str(d) for d in diff.diff(a, b, NAMES)] == [
        "public.t (relation): privileges differ: anon:SELECT, anon:UPDATE only in migrations; "
        "service_role:SELECT only in supabase/schemas"]
    assert [d.what for d in diff.diff({"relation t": {"privileges": ""}}, {"relation t": {"privileges": "x:y"}},
                                      NAMES)] == ["privileges differ: x:y only in supabase/schemas"]


def test_differences_come_in_the_order_of_the_kinds_then_by_object():
    found = [Difference("data public.t", "row (2) only in A"), Difference("column public.t.b", "x"),
             Difference("data public.t", "row (1) only in A"), Difference("bucket b", "x"),
             Difference("column public.t.a", "x")]
    assert [d.key for d in sorted(found, key=diff.order(KINDS))] == [
        "column public.t.a", "column public.t.b", "bucket b", "data public.t", "data public.t"]
    # rows keep the order the data comparison listed them in
    assert [d.what for d in sorted(found, key=diff.order(KINDS)) if d.key == "data public.t"] == [
        "row (2) only in A", "row (1) only in A"]


@pytest.mark.parametrize("written", ["public.t.a", "public.t.a (column)", "column public.t.a", "public.t.*",
                                     "* (column)"])
def test_an_entry_names_an_object_as_a_line_does_or_by_a_glob(written):
    assert diff.matches(CompareIgnore(written, "why"), Difference("column public.t.a", "type differs"))


def test_an_entry_takes_only_what_it_names():
    assert not diff.matches(CompareIgnore("public.t", "why"), Difference("column public.t.a", "x"))
    assert not diff.matches(CompareIgnore("public.t.a (index)", "why"), Difference("column public.t.a", "x"))


def test_ignores_take_differences_and_unused_entries_are_returned():
    found = [Difference("bucket avatars", "only in A"), Difference("extension pg_trgm", "only in B")]
    entries = (CompareIgnore("avatars (bucket)", "made by the dashboard"), CompareIgnore("nothing", "stale"))
    kept, taken, unused = diff.apply_ignores(found, entries)
    assert kept == [found[1]]
    assert taken == [(found[0], entries[0])]
    assert unused == [entries[1]]


def test_the_schema_of_a_key():
    assert [schema_of(k) for k in ("schema private", "column public.t.a", "trigger auth.users.x")] == [
        "private", "public", "auth"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "supabase/migrations").mkdir(parents=True)
    (tmp_path / "supabase/config.toml").write_text("[db]\nmajor_version = 15\n")
    (tmp_path / "supabase/migrations/20240101000000_a.sql").write_text("select 1;\n")
    (tmp_path / "supabase/migrations/20240102000000_b.sql").write_text("select 2;\n")
    return tmp_path


def test_the_spellings_of_a_side(project):
    settings = config.load(project)
    assert sides.parse("migrations", settings) == sides.Side("migrations", "migrations")
    assert sides.parse("migrations@20240101000000", settings).up_to == "20240101000000"
    assert sides.parse("env:staging", settings) == sides.Side("environment", "env:staging", env="staging")
    folder = sides.parse("supabase/migrations", settings, cwd=Path("/"))
    assert (folder.kind, folder.folder, folder.built) == ("folder", project / "supabase/migrations", True)
    assert not sides.parse("env:production", settings).built


@pytest.mark.parametrize(("text", "said"), [
    ("migrations@1999", "compare: migrations@1999: no migration has version '1999'; known versions: "
                        "20240101000000, 20240102000000"),
    ("env:qa", "compare: env:qa: no environment 'qa' is declared (declared: production, staging;"),
    ("nowhere", "compare: 'nowhere' is not a folder"),
    ("notes", "holds no .sql file; a side is migrations, migrations@VERSION, env:NAME or a folder"),
])
def test_a_side_that_names_nothing_is_refused(project, text, said):
    (project / "notes").mkdir()
    (project / "notes/readme.txt").write_text("no SQL here\n")
    with pytest.raises(ConfigError) as refused:
        sides.parse(text, config.load(project), cwd=project)
    assert said in str(refused.value)


def test_a_migrations_folder_keeps_its_versions_and_a_schemas_folder_its_names(project):
    files, records = sides.folder_files(project / "supabase/migrations", project)
    assert records and [f.stem for f in files] == ["20240101000000_a", "20240102000000_b"]
    schemas = project / "supabase/schemas"
    for name in ("b_tables.sql", "a/z.sql", "a/b.sql", "c.sql", "notes.txt"):
        (schemas / name).parent.mkdir(parents=True, exist_ok=True)
        (schemas / name).write_text("select 1;\n")
    files, records = sides.folder_files(schemas, project)
    # the order the CLI walks supabase/schemas: each folder where its name falls
    assert not records and [f.name for f in files] == ["a/b", "a/z", "b_tables", "c"]
    assert [f.version for f in files] == ["000001", "000002", "000003", "000004"]


def test_the_compare_ignore_setting(project):
    (project / "dbharness.toml").write_text(
        '[compare]\nignore = [{ object = "pg_trgm (extension)", reason = "made by hand" }]\n')
    assert config.load(project).compare_ignore == (CompareIgnore("pg_trgm (extension)", "made by hand"),)


@pytest.mark.parametrize(("text", "said"), [
    ('[compare]\nignore = ["x"]\n', 'dbharness.toml [compare] ignore must be a list of tables: '
                                    'ignore = [{ object = "...", reason = "..." }]'),
    ('[compare]\nignore = [{ object = "x" }]\n',
     "dbharness.toml [compare] ignore[0] lacks reason: every entry needs an object and a reason"),
])
def test_an_ignore_entry_needs_an_object_and_a_reason(project, text, said):
    (project / "dbharness.toml").write_text(text)
    with pytest.raises(ConfigError) as refused:
        config.load(project)
    assert str(refused.value) == said


def result(**kw) -> CompareResult:
    base = dict(a="migrations", b="squash", counts={"bucket": 1, "column": 3, "data": 1}, seconds=0.5)
    return CompareResult(**{**base, **kw})


def test_the_lines_of_an_equal_comparison():
    done = result(ignored=[(Difference("bucket avatars", "only in migrations"), CompareIgnore("a*", "known"))],
                  notes=["public.t: created_at not compared: it holds the time a side was built"])
    assert console.compare_lines(done) == [
        "  ignored: avatars (bucket): only in migrations (known)",
        "  note: public.t: created_at not compared: it holds the time a side was built",
        "compare: migrations and squash are equal (5 objects, 1 known difference ignored)",
        "compare in 0.50s", f"{len(KINDS)} passed, 0 failed"]


def test_the_lines_and_the_junit_of_differences(tmp_path):
    done = result(differences=[Difference("bucket avatars", "only in migrations"),
                               Difference("data public.t", "row (1) only in migrations")],
                  unused=[CompareIgnore("old", "stale")])
    assert console.compare_lines(done, "pyproject.toml [tool.dbharness.compare] ignore") == [
        "avatars (bucket): only in migrations", "public.t (data): row (1) only in migrations",
        "warning: unused ignore: old (stale) matches no difference; remove it from "
        "pyproject.toml [tool.dbharness.compare] ignore",
        "compare: migrations and squash differ: 2 differences in bucket, data",
        "compare in 0.50s", f"{len(KINDS) - 2} passed, 2 failed"]


def test_the_junit_suite_has_a_case_per_kind(tmp_path):
    done = result(differences=[Difference("bucket avatars", "only in migrations"),
                               Difference("bucket logos", "public differs: migrations True, squash False")],
                  ignored=[(Difference("column public.t.a", "type differs"), CompareIgnore("public.t.*", "known")),
                           (Difference("column public.t.b", "comment differs"), CompareIgnore("*", "any"))],
                  unused=[CompareIgnore("old", "stale")])
    path = junit.write(tmp_path / "compare.xml", [junit.compare_suite(done)])
    SCHEMA.assertValid(etree.parse(str(path)))
    suite = ElementTree.parse(path).getroot().find("testsuite")
    assert (suite.get("name"), suite.get("time"), suite.get("tests"), suite.get("failures")) == (
        "compare", "0.500", str(len(KINDS) + 1), "2")
    found = {c.get("name"): c for c in suite.iter("testcase")}
    assert list(found) == [*KINDS, "unused ignore old"]
    assert {c.get("classname") for c in found.values()} == {"compare", "compare.ignore"}
    assert found["unused ignore old"].get("classname") == "compare.ignore"
    bucket = found["bucket"].find("failure")
    assert bucket.text == "avatars (bucket): only in migrations\nlogos (bucket): public differs: migrations True, squash False"
    assert bucket.get("message") == "2 differences between migrations and squash"
    assert found["column"].find("failure") is None
    assert found["column"].find("system-out").text == (
        "ignored: public.t.a (column): type differs (known)\nignored: public.t.b (column): comment differs (any)")
    assert found["data"].find("system-out") is None and found["data"].find("failure") is None
    assert found["unused ignore old"].find("failure").text == (
        "the entry (stale) matches no difference; remove it from [compare] ignore")


@pytest.mark.parametrize("section", ["compare", "lint", "coverage", "bench", "environments"])
def test_a_settings_section_that_is_not_a_table_is_refused(project, section):
    (project / "dbharness.toml").write_text(f'{section} = "x"\n')
    with pytest.raises(ConfigError) as refused:
        config.load(project)
    assert str(refused.value) == f"dbharness.toml [{section}] must be a table"
