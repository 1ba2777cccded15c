"""The docker engine against the real supabase/postgres image; skipped, saying why, without a daemon.

Where Docker runs: `docker pull supabase/postgres:15.8.1.085 && pytest -m docker -rs`.
"""

from __future__ import annotations

import psycopg
import pytest

from dbharness import compat, config, snapshot, snapshot_diff
from dbharness.engines.docker import DockerEngine, connect_client, image_present
from dbharness.errors import PrerequisiteError
from tests.conftest import REPO, run_invoke
from tests.integration.test_compat import signature


def _why_not() -> str | None:
    try:
        client = connect_client()
    except PrerequisiteError as exc:
        return str(exc)
    image = config.load(REPO).docker_image
    if not image_present(client, image):
        return f"the Docker daemon answers but {image} is not present (docker pull {image})"
    return None


WHY_NOT = _why_not()
pytestmark = [pytest.mark.docker,
              pytest.mark.skipif(WHY_NOT is not None, reason=f"docker engine not testable here: {WHY_NOT}")]


def test_compat_changes_nothing_on_the_real_image():
    engine = DockerEngine(config.load(REPO).docker_image)
    with engine.running() as server, psycopg.connect(server.url(redact=False), autocommit=True) as conn:
        before, roles_before = snapshot.take(conn), signature(conn)
        compat.install(conn)
        assert snapshot_diff.diff(before, snapshot.take(conn)) == []
        assert signature(conn) == roles_before


def test_the_full_mt5_suite_passes_on_the_real_image(tmp_path):
    out = run_invoke("test", "--engine", "docker", "--junit", str(tmp_path / "pgtap.xml"), timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1].endswith(" 0 failed")


def test_rollback_check_passes_on_the_real_image(tmp_path):
    out = run_invoke("rollback-check", "--engine", "docker", "--junit", str(tmp_path / "r.xml"), timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
