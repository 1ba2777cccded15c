"""What is kept between runs never changes a verdict, damaged or not: a kept build is verified
before it is trusted and built again when damaged (and that is said), a file read through an include
is in the key, a kept result whose bytes changed is computed again, a cache that cannot be written
costs time and nothing else, a clean during a run breaks neither, and what building said is said on
every run that reuses the build. An edit of the newest migration applies that one file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from dbharness import config, testrun
from dbharness.config import Storage
from dbharness.engines import cluster_cache, kept
from tests.support import run_invoke

TEST = """begin;
select plan(2);
select is((select count(*)::int from public.t), 1, 'one seeded row');
select is(tests.answer(), 42, 'the helper answers');
select * from finish();
rollback;
"""


@pytest.fixture
def cached(project: Path, own_scratch: Path, monkeypatch) -> Path:
    """A project of two migrations whose helper includes a file, and a cache of this test's own."""
    monkeypatch.setenv("DBHARNESS_CACHE_DIR", str(own_scratch / "cache"))
    (project / "pgtap" / "smoke.test.sql").unlink()
    migrations = project / "supabase" / "migrations"
    (migrations / "1_t.sql").write_text("create table public.t (a bigint);\n"
                                        "alter table public.t enable row level security;\n")
    (migrations / "2_u.sql").write_text("create table public.u (b bigint);\n"
                                        "alter table public.u enable row level security;\n")
    (project / "supabase" / "seed.sql").write_text("insert into public.t values (1);\n")
    (project / "pgtap" / "setup").mkdir()
    (project / "pgtap" / "lib").mkdir()
    (project / "pgtap" / "lib" / "answer.sql").write_text(
        "create or replace function tests.answer() returns int language sql as $$ select 42 $$;\n")
    (project / "pgtap" / "setup" / "helpers.sql").write_text(
        "create schema if not exists tests;\n\\ir ../lib/answer.sql\n")
    (project / "pgtap" / "t.test.sql").write_text(TEST)
    return project


def run(root: Path) -> tuple[list[str], list[str], testrun.TestOutcome]:
    said: list[str] = []
    outcome = testrun.run(config.load(root), jobs=2, report=said.append)
    failed = [a.description for r in outcome.results for a in r.assertions if a.status == "failed"]
    return failed, said, outcome


def entries() -> list[kept.Entry]:
    root = cluster_cache.cache_root(Storage.from_environment())
    found = (kept.find(Storage.from_environment(), p.name) for p in sorted(root.glob("proj-*")))
    return [e for e in found if isinstance(e, kept.Entry)]


def test_a_file_a_helper_includes_is_in_the_key(cached):
    assert run(cached)[0] == []
    (cached / "pgtap" / "lib" / "answer.sql").write_text(
        "create or replace function tests.answer() returns int language sql as $$ select 41 $$;\n")
    failed, said, _ = run(cached)
    assert failed == ["the helper answers"]
    assert not any("from the kept build" in line for line in said)


def building(said: list[str]) -> list[str]:
    return [line for line in said if line.startswith("building the kept build")]


def test_an_edit_of_the_newest_migration_applies_that_file_alone(cached):
    _, said, _ = run(cached)
    assert len(building(said)) == 1, said  # a first run: the whole in one go, no stage under it
    for columns in ("b bigint, c int", "b bigint, c int, d int"):
        (cached / "supabase" / "migrations" / "2_u.sql").write_text(
            f"create table public.u ({columns});\nalter table public.u enable row level security;\n")
        failed, said, _ = run(cached)
        assert failed == []
        assert any(line.startswith("Seeded") for line in said)  # the seed goes last, on top, as always
    # the first edit built the stage of every migration but the newest; this one started from it
    applying = [line for line in said if line.startswith("Applying")]
    assert applying and all(line.startswith("Applying 2_u ") for line in applying), said
    assert len(building(said)) == 1, said
    # a stage's manifest takes the CRCs of the files its build never wrote from the stage under it:
    # every kept build still verifies, byte for byte
    assert len(entries()) == 4 and all(kept.verify(e) is None for e in entries())
    (cached / "supabase" / "migrations" / "1_t.sql").write_text(
        "create table public.t (a bigint, z int);\nalter table public.t enable row level security;\n")
    failed, said, _ = run(cached)  # an older migration: everything again
    assert failed == [] and any(line.startswith("Applying 1_t") for line in said)


@pytest.mark.parametrize("damage", ["truncate", "flip", "control"])
def test_a_damaged_kept_build_is_built_again_and_said(cached, damage):
    assert run(cached)[0] == []
    newest = max(entries(), key=lambda e: e.path.stat().st_mtime)
    if damage == "control":
        target = newest.data / "global" / "pg_control"
    else:
        target = max((p for p in (newest.data / "base").rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    data = bytearray(target.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 3] ^= 0x10
    target.write_bytes(bytes(data))
    failed, said, outcome = run(cached)
    assert failed == [] and outcome.totals.ok
    assert any(line.startswith(f"warning: the kept build {newest.key} is damaged") for line in said), said
    assert kept.verify(kept.find(Storage.from_environment(), newest.key)) is None  # made anew, whole


def test_a_damaged_kept_result_is_computed_again(cached):
    assert run(cached)[0] == []
    results = cluster_cache.cache_root(Storage.from_environment()) / "results"
    for path in results.glob("loaded-*.pickle"):
        data = bytearray(path.read_bytes())
        data[-5] ^= 0x01
        path.write_bytes(bytes(data))
    failed, _, outcome = run(cached)
    assert failed == [] and [len(r.assertions) for r in outcome.results] == [2]


def test_a_cache_that_cannot_be_written_builds_for_the_run_and_says_so(project, own_scratch, monkeypatch):
    (own_scratch / "cache").write_text("a file where the cache should be")
    monkeypatch.setenv("DBHARNESS_CACHE_DIR", str(own_scratch / "cache"))
    out = run_invoke("test", "--no-lint", root=project)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stdout + out.stderr
    assert "warning: builds cannot be kept" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "1 passed, 0 failed"
    assert [p.name for p in own_scratch.iterdir()] == ["cache"]  # nothing left of the one-use builds


def test_what_building_said_is_said_again_on_every_run_that_reuses_it(project, own_scratch, monkeypatch):
    monkeypatch.setenv("DBHARNESS_CACHE_DIR", str(own_scratch / "cache"))
    (project / "supabase" / "migrations" / "1_a.sql").write_text("select 1;")
    (project / "supabase" / "migrations" / "20260105000000_add_thing.SQL").write_text("select 1;")
    for _ in range(2):
        out = run_invoke("test", "--no-lint", root=project)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "warning: skipping" in out.stdout and "20260105000000_add_thing.SQL" in out.stdout
    assert "from the kept build" in out.stdout


def test_what_an_older_migration_said_is_said_after_edits_of_the_newest(project, own_scratch, monkeypatch):
    monkeypatch.setenv("DBHARNESS_CACHE_DIR", str(own_scratch / "cache"))
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text()
                                            + 'stub_extensions = ["pg_graphql"]\n')
    migrations = project / "supabase" / "migrations"
    (migrations / "1_a.sql").write_text("create extension if not exists pg_graphql;\n")
    stubbed = "supabase/migrations/1_a.sql:1: create extension pg_graphql skipped: stubbed"
    for newest in ("select 1;\n", "select 2;\n", "select 3;\n"):  # one go, then both stages, then reused
        (migrations / "2_b.sql").write_text(newest)
        out = run_invoke("test", "--no-lint", root=project)
        assert out.returncode == 0, out.stdout + out.stderr
        assert stubbed in out.stdout, out.stdout
        assert "platform.stubbed" in (project / "reports" / "junit" / "pgtap.xml").read_text()
    assert "Applying 1_a" not in out.stdout, out.stdout


def test_a_clean_while_a_run_builds_leaves_both_correct(cached):
    outcomes: list[testrun.TestOutcome] = []
    started = threading.Event()

    def report(line: str) -> None:
        if line.startswith("building"):
            started.set()

    thread = threading.Thread(target=lambda: outcomes.append(
        testrun.run(config.load(cached), jobs=2, report=report)))
    thread.start()
    started.wait(60)
    out = run_invoke("clean", "--all", root=cached)
    thread.join(120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert outcomes and outcomes[0].totals.ok and outcomes[0].totals.line() == "2 passed, 0 failed"
    assert run(cached)[0] == []
