"""A dump's header (`SET lock_timeout = 0;`, as `supabase db pull` writes it) switches the project's
safety off for the rest of the file: a promotion refuses it before anything runs, unless
loosen_timeouts lists its version; then the file's own settings hold, as the Supabase CLI's would."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from dbharness import config
from dbharness.builder import history
from dbharness.deploy import promote as deploy_promote
from dbharness.errors import PromotionRefused
from tests.support import stands_for_a_real_environment

PULLED = ("SET statement_timeout = 0;\nSET lock_timeout = 0;\n"
          "SELECT pg_catalog.set_config('search_path', '', false);\n"
          "CREATE TABLE public.pulled (id int);\nALTER TABLE public.pulled ENABLE ROW LEVEL SECURITY;\n")


@pytest.fixture
def staging(server, project: Path, monkeypatch):
    name = f"pull_{abs(hash(project)) % 10**8}"
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        admin.execute(f"create database {name}")
    stands_for_a_real_environment(server, name)
    monkeypatch.setenv("STAGING_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{server.port}/{name}")
    (project / "supabase/migrations/20240101000000_remote_schema.sql").write_text(PULLED)
    yield project, server.conninfo(name)
    with psycopg.connect(server.conninfo(), autocommit=True) as admin:
        admin.execute(f"drop database {name} with (force)")


def promote(root: Path, lines: list[str]):
    return deploy_promote.promote(config.load(root), "staging", yes=True, skip_tests=True,
                                  gate=lambda: None, report=lines.append).raise_if_stopped()


def test_a_pulled_dump_that_turns_the_timeouts_off_is_refused_unless_allowed(staging):
    root, conninfo = staging
    lines: list[str] = []
    with pytest.raises(PromotionRefused, match="lint: 2 errors in the pending files"):
        promote(root, lines)
    assert any("error timeout-loosened supabase/migrations/20240101000000_remote_schema.sql:2: sets "
               "lock_timeout off for the rest of the file" in line for line in lines), lines
    with psycopg.connect(conninfo, autocommit=True) as conn:
        assert history.read(conn) == {} and conn.execute(
            "select to_regclass('public.pulled')").fetchone() == (None,), "refused before anything ran"

    with open(root / "pyproject.toml", "a") as f:
        f.write('loosen_timeouts = ["20240101000000"]\n')
    assert promote(root, []).applied == ["20240101000000_remote_schema"]
