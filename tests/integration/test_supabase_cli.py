"""The real Supabase CLI (the pinned version, installed by dbharness setup) beside the harness: the same
history rows, mixed workflows in both directions, the CLI's reset on a harness server, its lint.

These need the CLI: `dbharness setup` installs it (bash .ci/run does); without it they fail, saying so.
"""

from __future__ import annotations

import json

import psycopg
import pytest

from dbharness import config
from dbharness.builder import database, history
from dbharness.deploy import promote as deploy_promote
from dbharness.deploy.status import environment_status
from dbharness.errors import PromotionRefused
from dbharness.hosted import supabase_cli
from dbharness.lint import plpgsql_check
from dbharness.progress import quiet
from tests.support import REPO, copy_project, run_invoke, stands_for_a_real_environment

COMPAT_ONLY = database.Recipe(migrations=False, seed=False, pgtap=False)


@pytest.fixture
def project(tmp_path):
    root = copy_project(tmp_path / "p")
    assert supabase_cli.find(REPO), "the Supabase CLI is missing: run dbharness setup (it installs " \
                                    f"supabase@{supabase_cli.VERSION} into {REPO / supabase_cli.LOCAL_DIR})"
    return root


@pytest.fixture
def envs(server, project, monkeypatch):
    """staging and production databases with Supabase's roles and schemas, their URLs set."""
    monkeypatch.setenv("DBHARNESS_SUPABASE_CLI", str(supabase_cli.find(REPO)))
    settings = config.load(project)
    with database.scratch(server, "cli_staging", settings, COMPAT_ONLY) as staging, \
            database.scratch(server, "cli_production", settings, COMPAT_ONLY) as production:
        urls = {}
        for env, db in (("staging", staging), ("production", production)):
            stands_for_a_real_environment(server, db.dbname)
            urls[env] = f"postgresql://postgres@127.0.0.1:{server.port}/{db.dbname}?sslmode=disable"
            monkeypatch.setenv(f"{env.upper()}_DATABASE_URL", urls[env])
        yield config.load(project), urls  # read again: the URLs are part of the settings


def rows(url: str) -> dict[str, history.HistoryRow]:
    with psycopg.connect(url.replace("?sslmode=disable", "")) as conn:
        return history.read(conn)


def cli(settings, *args: str, url: str | None = None) -> supabase_cli.Outcome:
    return supabase_cli.run(settings.root, list(args), url)


def promote(settings, env: str) -> list[str]:
    result = deploy_promote.promote(settings, env, yes=True, skip_tests=env == "staging", gate=lambda: None,
                                    report=quiet)
    assert result.failed is None, result.failed
    if result.stopped is not None:
        raise result.stopped
    return result.applied


def test_cli_push_to_staging_then_harness_promote_to_production(envs):
    settings, urls = envs
    cli(settings, "db", "push", "--yes", "--include-seed", url=urls["staging"])
    assert len(promote(settings, "production")) == 6
    staging, production = rows(urls["staging"]), rows(urls["production"])
    assert list(staging) == list(production)
    assert [r.statements for r in staging.values()] == [r.statements for r in production.values()], \
        "the harness records statements byte for byte as the CLI does"


SQL_STANDARD_BODIES = (REPO / "tests" / "platform" / "atomic_bodies" / "supabase" / "migrations"
                       / "20251201000000_bodies.sql").read_text()


def test_sql_standard_bodies_pushed_by_the_cli_promote_unchanged(envs):
    settings, urls = envs
    (settings.migrations_dir / "20251201000000_bodies.sql").write_text(SQL_STANDARD_BODIES)
    cli(settings, "db", "push", "--yes", url=urls["staging"])
    assert "20251201000000_bodies" in promote(settings, "production")
    staging, production = rows(urls["staging"]), rows(urls["production"])
    assert staging["20251201000000"].statements == production["20251201000000"].statements
    assert len(staging["20251201000000"].statements) == 6  # each body whole


def test_harness_promote_then_the_cli_agrees(envs):
    settings, urls = envs
    promote(settings, "staging")
    assert "Remote database is up to date" in cli(settings, "db", "push", "--yes", url=urls["staging"]).output
    listing = cli(settings, "migration", "list", url=urls["staging"]).output
    for version in rows(urls["staging"]):
        assert any(line.count(version) == 2 for line in listing.splitlines()), (version, listing)


def test_a_version_the_cli_marks_reverted_shows_as_pending(envs):
    settings, urls = envs
    promote(settings, "staging")
    cli(settings, "migration", "repair", "--status", "reverted", "20251112120400", url=urls["staging"])
    _, st = environment_status(settings, "staging")
    assert [f.version for f in st.pending] == ["20251112120400"] and len(st.applied) == 5


def test_a_real_edit_after_a_cli_push_is_still_refused(envs):
    settings, urls = envs
    cli(settings, "db", "push", "--yes", url=urls["staging"])
    path = settings.migrations_dir / "20251112120000_mt5_trading_accounts_extensions.sql"
    path.write_text(path.read_text().replace("sync_failure_count integer not null default 0",
                                             "sync_failure_count integer not null default 1"))
    with pytest.raises(PromotionRefused, match=r"changed since they were applied in staging.*20251112120000"):
        promote(settings, "production")
    path.write_text(path.read_text().replace("-- MT5 connection health", "-- MT5 connection health (edited)"))
    path.write_text(path.read_text().replace("default 1", "default 0"))
    assert len(promote(settings, "production")) == 6, "a comment edit is no change"


def test_the_cli_resets_a_harness_server_and_cli_check_passes(project):
    out = run_invoke("cli-check", "--junit", str(project / "cli.xml"), root=project,
                     env={"DBHARNESS_SUPABASE_CLI": str(supabase_cli.find(REPO))})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "supabase db reset --db-url ... ok" in out.stdout
    assert out.stdout.strip().splitlines()[-1].endswith("passed, 0 failed")


def test_lint_finds_what_supabase_db_lint_finds(envs):
    settings, urls = envs
    url = urls["staging"]
    with psycopg.connect(url.replace("?sslmode=disable", ""), autocommit=True) as conn:
        conn.execute("create function public.broken() returns int language plpgsql as "
                     "$$ begin return (select count(*) from public.nope); end $$")
        conn.execute("create function public.warny(a int) returns int language plpgsql as "
                     "$$ declare unused int; begin return 1; end $$")
        ours = {(level, target.split("(")[0], message) for level, target, message in plpgsql_check.run(conn)}
    # postgres creates plpgsql_check itself, as supautils lets it on Supabase (the CLI does so)
    report = cli(settings, "db", "lint", "--schema", "public", url=url).output
    found, _ = json.JSONDecoder().raw_decode(report[report.index("["):])
    theirs = {(plpgsql_check.LEVELS[i["level"]], f["function"], i["message"]) for f in found for i in f["issues"]}
    assert ours == theirs and ("error", "public.broken", 'relation "public.nope" does not exist') in ours


ENUM_COMMITS = ("create type public.mt5_role as enum ('reader');\n"
                "create table public.mt5_members (role public.mt5_role);\n"
                "alter table public.mt5_members enable row level security;\n"
                "begin;\nalter type public.mt5_role add value 'writer' after 'reader';\ncommit;\n"
                "begin;\ncreate index mt5_members_writers on public.mt5_members (role) where role = 'writer';\n"
                "commit;\n")


def test_a_file_that_commits_part_way_mixes_both_ways(envs):
    """A new enum value cannot be used in the transaction that added it, so projects commit part-way:
    the CLI pushes such a file, the harness takes it on, and each records what the other does."""
    settings, urls = envs
    (settings.migrations_dir / "20251201000000_enum_commits.sql").write_text(ENUM_COMMITS)
    cli(settings, "db", "push", "--yes", url=urls["staging"])
    assert "20251201000000_enum_commits" in promote(settings, "production")
    staging, production = rows(urls["staging"]), rows(urls["production"])
    assert staging["20251201000000"] == production["20251201000000"]
    assert "Remote database is up to date" in cli(settings, "db", "push", "--yes", url=urls["production"]).output
